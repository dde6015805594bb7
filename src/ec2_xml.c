/*
 * ec2_xml: libxml2 answers → ec2_types.h structs.  See ec2_xml.h.
 *
 * The answers are small trees of `<name>text</name>`, nested structures and
 * `<xSet><item>…</item></xSet>` lists, whose element order EC2 does not keep
 * stable.  Rather than one hand-written walker per answer, each struct is
 * described by a table (`struct xp_shape`: element name → kind + offset in
 * the C struct) and one generic walker fills any struct from its table.
 * That keeps the rules — match by local name within the parent, refuse
 * duplicates, `<x/>` equals absent, strict booleans, bounded strings and
 * lists — in one place, where the fuzzer exercises all of them at once.
 *
 * Hardening happens before libxml2 builds anything: size cap, no DTD or
 * entity declaration anywhere in the bytes, XML_PARSE_NONET, no entity
 * substitution, libxml2's error printing off (this module does no I/O).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "ec2_xml.h"
#include "rfc3339.h"

/* ---- shapes ------------------------------------------------------------- */

enum xp_kind {
	XP_STR,        /* text → char * (NULL when empty) */
	XP_STR_EMPTY,  /* text → char * ("" when empty: tag values) */
	XP_BOOL,       /* true|false → enum ec2_bool */
	XP_TIME,       /* ISO-8601 → time_t at off, bool "has" at aux */
	XP_STRV,       /* <x><item>text</item>…</x> → struct strv */
	XP_STRV_INNER, /* <x><item><inner>text</inner></item>…</x> → struct strv */
	XP_STRUCT,     /* nested element → struct at off, described by sub */
	XP_LIST,       /* <x><item>…</item>…</x> → array at off, count (size_t) at aux */
};

struct xp_shape;

struct xp_field {
	const char *name;
	enum xp_kind kind;
	size_t off;
	size_t aux;
	const struct xp_shape *sub;
	const char *inner;
};

struct xp_shape {
	const char *what; /* for messages: "service configuration" */
	const struct xp_field *fields;
	size_t n_fields;
	size_t size;                            /* sizeof the struct (list elements) */
	void (*free_fn)(void *);                /* frees the inside of one element */
	int (*check)(void *obj, struct err *e); /* after parsing one element; may be NULL */
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Parse state of one document. */
struct xp {
	xmlDocPtr doc;
	const xmlChar *ns; /* namespace href of the root, or NULL */
	struct err *e;
};

/* ---- small helpers ------------------------------------------------------ */

static void
xp_str_free(char **s)
{
	free(*s);
	*s = NULL;
}

static void
xp_secret_free(char **s)
{
	if (*s != NULL) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static bool
xp_ns_ok(const struct xp *x, xmlNodePtr n)
{
	if (n->ns == NULL || n->ns->href == NULL)
		return x->ns == NULL;
	return x->ns != NULL && xmlStrEqual(n->ns->href, x->ns);
}

/* An element child that belongs to the document's vocabulary. */
static bool
xp_element(const struct xp *x, xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE && xp_ns_ok(x, n);
}

static bool
xp_is(const struct xp *x, xmlNodePtr n, const char *name)
{
	return xp_element(x, n) && strcmp((const char *)n->name, name) == 0;
}

/*
 * The text of a leaf element (text and CDATA children concatenated).  An
 * element child is an error; comments and processing instructions are
 * skipped.  *ret is NULL for an empty element unless keep_empty; otherwise
 * the caller frees it with free().
 *
 * The result is allocated at its exact size: observed services keep
 * thousands of these strings across a cycle (and in the details cache), and
 * a string stolen from a growing buf carries up to half its size again in
 * slack (64 bytes at least).  The usual leaf holds one text node, which is
 * copied directly; otherwise the pieces are joined in a scratch buf that is
 * wiped before it is freed, since STS answers pass secrets through here.
 */
static int
xp_text(struct xp *x, xmlNodePtr n, bool keep_empty, char **ret)
{
	const xmlChar *only = NULL;
	size_t pieces = 0;
	struct buf b;
	char *s;
	int r = 0;

	for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL && c->content[0] != '\0') {
				only = c->content;
				pieces++;
			}
		} else if (c->type == XML_ELEMENT_NODE || c->type == XML_ENTITY_REF_NODE) {
			return err_set(x->e, -EBADMSG, "XML: <%s> must hold text only", n->name);
		}
	}
	if (pieces == 0) {
		*ret = keep_empty ? strdup("") : NULL;
		if (keep_empty && *ret == NULL)
			return err_set(x->e, -ENOMEM, "XML: out of memory");
		return 0;
	}
	if (pieces == 1) {
		if (strlen((const char *)only) > EC2_XML_MAX_STRING)
			return err_set(x->e, -E2BIG, "XML: <%s> is longer than %u bytes", n->name,
				       EC2_XML_MAX_STRING);
		if ((*ret = strdup((const char *)only)) == NULL)
			return err_set(x->e, -ENOMEM, "XML: out of memory");
		return 0;
	}
	buf_init(&b, EC2_XML_MAX_STRING);
	for (xmlNodePtr c = n->children; c != NULL && r == 0; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content != NULL)
			r = buf_puts(&b, (const char *)c->content);
	s = r == 0 ? strndup(b.data, b.len) : NULL;
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.cap);
	buf_free(&b);
	if (r == -E2BIG)
		return err_set(x->e, r, "XML: <%s> is longer than %u bytes", n->name,
			       EC2_XML_MAX_STRING);
	if (s == NULL)
		return err_set(x->e, -ENOMEM, "XML: out of memory");
	*ret = s;
	return 0;
}

/* Number of `item` children, bounded. */
static int
xp_count_items(struct xp *x, xmlNodePtr n, size_t *ret)
{
	size_t k = 0;

	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (xp_is(x, c, "item") && ++k > EC2_XML_MAX_ITEMS)
			return err_set(x->e, -E2BIG, "XML: <%s> has more than %u items", n->name,
				       EC2_XML_MAX_ITEMS);
	*ret = k;
	return 0;
}

/* ---- timestamps --------------------------------------------------------- */

/* ---- the generic walker ------------------------------------------------- */

static int xp_struct(struct xp *x, xmlNodePtr n, const struct xp_shape *sh, void *obj);

static int
xp_strv(struct xp *x, xmlNodePtr n, const char *inner, struct strv *sv)
{
	size_t k;
	int r = xp_count_items(x, n, &k);

	for (xmlNodePtr c = n->children; r == 0 && c != NULL; c = c->next) {
		xmlNodePtr leaf = c;
		char *s = NULL;

		if (!xp_is(x, c, "item"))
			continue;
		if (inner != NULL) {
			leaf = NULL;
			for (xmlNodePtr g = c->children; g != NULL; g = g->next) {
				if (!xp_is(x, g, inner))
					continue;
				if (leaf != NULL)
					return err_set(x->e, -EBADMSG,
						       "XML: duplicate <%s> in <%s><item>", inner,
						       n->name);
				leaf = g;
			}
			if (leaf == NULL)
				continue;
		}
		r = xp_text(x, leaf, false, &s);
		if (r == 0 && s != NULL && strv_push_take(sv, s) < 0)
			r = err_set(x->e, -ENOMEM, "XML: out of memory");
	}
	return r;
}

static int
xp_list(struct xp *x, xmlNodePtr n, const struct xp_field *f, void *obj)
{
	const struct xp_shape *sh = f->sub;
	void **arr = (void **)((char *)obj + f->off);
	size_t *count = (size_t *)((char *)obj + f->aux);
	size_t k = 0, i = 0;
	char *v;
	int r;

	r = xp_count_items(x, n, &k);
	if (r < 0 || k == 0)
		return r;
	v = calloc(k, sh->size);
	if (v == NULL)
		return err_set(x->e, -ENOMEM, "XML: out of memory");
	for (xmlNodePtr c = n->children; r == 0 && c != NULL; c = c->next) {
		if (!xp_is(x, c, "item"))
			continue;
		r = xp_struct(x, c, sh, v + i * sh->size);
		i++;
	}
	if (r < 0) {
		for (size_t j = 0; j < i; j++)
			sh->free_fn(v + j * sh->size);
		free(v);
		return r;
	}
	*arr = v;
	*count = k;
	return 0;
}

static int
xp_field(struct xp *x, xmlNodePtr n, const struct xp_field *f, void *obj)
{
	char *p = (char *)obj + f->off;
	char *s = NULL;
	int r;

	switch (f->kind) {
	case XP_STR:
	case XP_STR_EMPTY:
		return xp_text(x, n, f->kind == XP_STR_EMPTY, (char **)p);
	case XP_BOOL:
		r = xp_text(x, n, false, &s);
		if (r < 0)
			return r;
		if (s == NULL) {
			*(enum ec2_bool *)p = EC2_BOOL_UNSET;
		} else if (strcmp(s, "true") == 0) {
			*(enum ec2_bool *)p = EC2_BOOL_TRUE;
		} else if (strcmp(s, "false") == 0) {
			*(enum ec2_bool *)p = EC2_BOOL_FALSE;
		} else {
			r = err_set(x->e, -EBADMSG, "XML: <%s> is not true/false: '%.32s'", f->name,
				    s);
		}
		free(s);
		return r;
	case XP_TIME:
		r = xp_text(x, n, false, &s);
		if (r < 0 || s == NULL)
			return r;
		if (rfc3339_parse(s, (time_t *)p) < 0)
			r = err_set(x->e, -EBADMSG,
				    "XML: <%s> is not an ISO-8601 UTC time: '%.40s'", f->name, s);
		else
			*(bool *)((char *)obj + f->aux) = true;
		free(s);
		return r;
	case XP_STRV:
		return xp_strv(x, n, NULL, (struct strv *)p);
	case XP_STRV_INNER:
		return xp_strv(x, n, f->inner, (struct strv *)p);
	case XP_STRUCT:
		return xp_struct(x, n, f->sub, p);
	case XP_LIST:
		return xp_list(x, n, f, obj);
	}
	return err_set(x->e, -EINVAL, "XML: internal error");
}

/*
 * Fill obj from the children of n according to sh.  On failure the fields
 * already filled are left for the caller's free function (the caller frees
 * the whole struct), which is why every struct starts zeroed.
 */
static int
xp_struct(struct xp *x, xmlNodePtr n, const struct xp_shape *sh, void *obj)
{
	bool seen[32] = {false};
	int r = 0;

	for (xmlNodePtr c = n->children; r == 0 && c != NULL; c = c->next) {
		if (!xp_element(x, c))
			continue;
		for (size_t i = 0; i < sh->n_fields; i++) {
			if (strcmp((const char *)c->name, sh->fields[i].name) != 0)
				continue;
			if (seen[i])
				return err_set(x->e, -EBADMSG, "XML: duplicate <%s> in <%s>",
					       sh->fields[i].name, n->name);
			seen[i] = true;
			r = xp_field(x, c, &sh->fields[i], obj);
			break;
		}
	}
	if (r == 0 && sh->check != NULL)
		r = sh->check(obj, x->e);
	return r;
}

/* ---- documents ---------------------------------------------------------- */

static bool
xp_known_ns(const xmlChar *href)
{
	return href == NULL ||
	       strncmp((const char *)href, "http://ec2.amazonaws.com/doc/", 29) == 0 ||
	       strncmp((const char *)href, "https://sts.amazonaws.com/doc/", 30) == 0;
}

static bool
xp_mem_contains(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (p[i] == needle[0] && memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

/* libxml2's generic error handler, replaced: see xp_open(). */
static void __attribute__((format(printf, 2, 3))) xp_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/*
 * Parse `body` into x->doc and return its root element.  Refuses, before
 * libxml2 sees them, empty and oversized bodies and anything declaring a
 * DTD or entities.
 */
static int
xp_open(struct xp *x, const char *body, size_t len, xmlNodePtr *root, struct err *e)
{
	xmlParserCtxtPtr ctxt;
	xmlNodePtr n;

	x->doc = NULL;
	x->ns = NULL;
	x->e = e;
	if (body == NULL || len == 0)
		return err_set(e, -EBADMSG, "XML: empty body");
	if (len > EC2_XML_MAX_BODY)
		return err_set(e, -E2BIG, "XML: body of %zu bytes exceeds the %u-byte limit", len,
			       EC2_XML_MAX_BODY);
	if (xp_mem_contains(body, len, "<!DOCTYPE") || xp_mem_contains(body, len, "<!ENTITY"))
		return err_set(e, -EBADMSG, "XML: document type declarations are not accepted");
	/*
	 * XML allows no NUL character, but libxml2 takes a NUL byte for the end
	 * of its input: a whole document, a NUL and anything after it would
	 * parse as the document alone.
	 */
	if (memchr(body, '\0', len) != NULL)
		return err_set(e, -EBADMSG, "XML: body holds a NUL byte");

	/*
	 * XML_PARSE_NOERROR silences the parser, but libxml2 2.9 still prints
	 * encoding-conversion failures ("encoding error : input conversion
	 * failed ...", for a body declaring a charset its bytes do not match)
	 * through its generic handler, straight to stderr, which is the
	 * daemon's journal.  Every error we need is read from the context.
	 */
	xmlSetGenericErrorFunc(NULL, xp_silent);
	/*
	 * XML_PARSE_COMPACT keeps short text (IDs, states, `true`) inside its
	 * node instead of a separate allocation: a page of 1,000 services is
	 * tens of thousands of such nodes, held until the walk ends.
	 */
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		return err_set(e, -ENOMEM, "XML: out of memory");
	x->doc = xmlCtxtReadMemory(ctxt, body, (int)len, NULL, NULL,
				   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					   XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	if (x->doc == NULL || !ctxt->wellFormed) {
		const xmlError *xe = xmlCtxtGetLastError(ctxt);
		char msg[160] = "malformed document";

		if (xe != NULL && xe->message != NULL) {
			size_t k;

			snprintf(msg, sizeof(msg), "%s", xe->message);
			k = strlen(msg);
			while (k > 0 && (msg[k - 1] == '\n' || msg[k - 1] == ' '))
				msg[--k] = '\0';
		}
		err_set(e, -EBADMSG, "XML: line %d: %s", xe ? xe->line : 0, msg);
		xmlFreeDoc(x->doc);
		x->doc = NULL;
		xmlFreeParserCtxt(ctxt);
		return -EBADMSG;
	}
	xmlFreeParserCtxt(ctxt);
	if (x->doc->intSubset != NULL || x->doc->extSubset != NULL) {
		xmlFreeDoc(x->doc);
		x->doc = NULL;
		return err_set(e, -EBADMSG, "XML: document type declarations are not accepted");
	}
	n = xmlDocGetRootElement(x->doc);
	if (n == NULL) {
		xmlFreeDoc(x->doc);
		x->doc = NULL;
		return err_set(e, -EBADMSG, "XML: no root element");
	}
	if (n->ns != NULL && !xp_known_ns(n->ns->href)) {
		err_set(e, -EBADMSG, "XML: unexpected namespace '%.80s' on <%.64s>", n->ns->href,
			n->name);
		xmlFreeDoc(x->doc);
		x->doc = NULL;
		return -EBADMSG;
	}
	x->ns = n->ns ? n->ns->href : NULL;
	*root = n;
	return 0;
}

/* Wipe every text node (for answers carrying secrets), then free the tree. */
static void
xp_wipe(xmlDocPtr doc, xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    n->content != NULL && !(doc->dict && xmlDictOwns(doc->dict, n->content)))
			OPENSSL_cleanse(n->content, (size_t)xmlStrlen(n->content));
		if (n->children != NULL && n->type == XML_ELEMENT_NODE)
			xp_wipe(doc, n->children);
	}
}

static void
xp_close(struct xp *x, bool secret)
{
	if (x->doc == NULL)
		return;
	if (secret)
		xp_wipe(x->doc, x->doc->children);
	xmlFreeDoc(x->doc);
	x->doc = NULL;
}

/*
 * Parse a whole answer whose root must be `root_name` into obj (zeroed,
 * sizeof sh->size), using sh for the root's children.
 */
static int
xp_parse(const char *body, size_t len, const char *root_name, const struct xp_shape *sh, void *out,
	 bool secret, struct err *e)
{
	struct xp x;
	xmlNodePtr root;
	void *obj;
	int r;

	obj = calloc(1, sh->size);
	if (obj == NULL)
		return err_set(e, -ENOMEM, "XML: out of memory");
	r = xp_open(&x, body, len, &root, e);
	if (r < 0) {
		free(obj);
		return r;
	}
	if (strcmp((const char *)root->name, root_name) != 0) {
		if (strcmp((const char *)root->name, "Response") == 0 ||
		    strcmp((const char *)root->name, "ErrorResponse") == 0 ||
		    strcmp((const char *)root->name, "Error") == 0)
			r = err_set(e, -EBADMSG,
				    "XML: expected <%s>, got an error document <%.64s>", root_name,
				    root->name);
		else
			r = err_set(e, -EBADMSG, "XML: expected root <%s>, got <%.64s>", root_name,
				    root->name);
	} else {
		r = xp_struct(&x, root, sh, obj);
	}
	xp_close(&x, secret);
	if (r < 0) {
		sh->free_fn(obj);
		free(obj);
		return r;
	}
	memcpy(out, obj, sh->size);
	free(obj);
	return 0;
}

/* ---- destructors -------------------------------------------------------- */

static void
ec2_tags_free(struct ec2_tags *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].value);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void
ec2_service_config_free(struct ec2_service_config *c)
{
	if (c == NULL)
		return;
	strv_free(&c->service_types);
	free(c->service_id);
	free(c->service_name);
	free(c->service_state);
	strv_free(&c->availability_zone_ids);
	strv_free(&c->availability_zones);
	strv_free(&c->network_load_balancer_arns);
	strv_free(&c->gateway_load_balancer_arns);
	strv_free(&c->supported_ip_address_types);
	strv_free(&c->base_endpoint_dns_names);
	free(c->private_dns_name);
	free(c->private_dns_name_configuration.state);
	free(c->private_dns_name_configuration.type);
	free(c->private_dns_name_configuration.value);
	free(c->private_dns_name_configuration.name);
	free(c->payer_responsibility);
	ec2_tags_free(&c->tags);
	for (size_t i = 0; i < c->n_supported_regions; i++) {
		free(c->supported_regions[i].region);
		free(c->supported_regions[i].service_state);
	}
	free(c->supported_regions);
	memset(c, 0, sizeof(*c));
}

void
ec2_service_page_free(struct ec2_service_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_service_config_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

void
ec2_create_service_result_free(struct ec2_create_service_result *r)
{
	if (r == NULL)
		return;
	free(r->request_id);
	ec2_service_config_free(&r->config);
	free(r->client_token);
	memset(r, 0, sizeof(*r));
}

static void
ec2_principal_free(struct ec2_principal *p)
{
	free(p->principal_type);
	free(p->principal);
	free(p->service_permission_id);
	free(p->service_id);
	ec2_tags_free(&p->tags);
	memset(p, 0, sizeof(*p));
}

void
ec2_principal_page_free(struct ec2_principal_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_principal_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

void
ec2_modify_permissions_result_free(struct ec2_modify_permissions_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_added; i++)
		ec2_principal_free(&r->added[i]);
	free(r->added);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

void
ec2_endpoint_connection_free(struct ec2_endpoint_connection *c)
{
	if (c == NULL)
		return;
	free(c->service_id);
	free(c->vpc_endpoint_id);
	free(c->vpc_endpoint_owner);
	free(c->vpc_endpoint_state);
	for (size_t i = 0; i < c->n_dns_entries; i++) {
		free(c->dns_entries[i].dns_name);
		free(c->dns_entries[i].hosted_zone_id);
	}
	free(c->dns_entries);
	strv_free(&c->network_load_balancer_arns);
	strv_free(&c->gateway_load_balancer_arns);
	free(c->ip_address_type);
	free(c->vpc_endpoint_connection_id);
	ec2_tags_free(&c->tags);
	free(c->vpc_endpoint_region);
	for (size_t i = 0; i < c->n_payer_responsibilities; i++) {
		free(c->payer_responsibilities[i].scope);
		free(c->payer_responsibilities[i].payer_responsibility_type);
	}
	free(c->payer_responsibilities);
	memset(c, 0, sizeof(*c));
}

void
ec2_connection_page_free(struct ec2_connection_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_endpoint_connection_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

static void
ec2_connection_notification_free(struct ec2_connection_notification *n)
{
	free(n->connection_notification_id);
	free(n->service_id);
	free(n->vpc_endpoint_id);
	free(n->connection_notification_type);
	free(n->connection_notification_arn);
	strv_free(&n->connection_events);
	free(n->connection_notification_state);
	free(n->service_region);
	memset(n, 0, sizeof(*n));
}

void
ec2_notification_page_free(struct ec2_notification_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_connection_notification_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

void
ec2_create_notification_result_free(struct ec2_create_notification_result *r)
{
	if (r == NULL)
		return;
	free(r->request_id);
	ec2_connection_notification_free(&r->notification);
	free(r->client_token);
	memset(r, 0, sizeof(*r));
}

void
ec2_result_free(struct ec2_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_unsuccessful; i++) {
		free(r->unsuccessful[i].resource_id);
		free(r->unsuccessful[i].code);
		free(r->unsuccessful[i].message);
	}
	free(r->unsuccessful);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

void
ec2_error_free(struct ec2_error *err)
{
	if (err == NULL)
		return;
	free(err->code);
	free(err->message);
	free(err->type);
	free(err->request_id);
	memset(err, 0, sizeof(*err));
}

void
sts_credentials_free(struct sts_credentials *c)
{
	if (c == NULL)
		return;
	xp_str_free(&c->access_key_id);
	xp_secret_free(&c->secret_access_key);
	xp_secret_free(&c->session_token);
	xp_str_free(&c->assumed_role_arn);
	xp_str_free(&c->request_id);
	memset(c, 0, sizeof(*c));
}

/* void * adapters for the shape tables. */
#define XP_FREE_ADAPTER(name, type, fn) \
	static void name(void *p)       \
	{                               \
		fn((type *)p);          \
	}
XP_FREE_ADAPTER(xp_free_service_config, struct ec2_service_config, ec2_service_config_free)
XP_FREE_ADAPTER(xp_free_service_page, struct ec2_service_page, ec2_service_page_free)
XP_FREE_ADAPTER(xp_free_create_service, struct ec2_create_service_result,
		ec2_create_service_result_free)
XP_FREE_ADAPTER(xp_free_principal, struct ec2_principal, ec2_principal_free)
XP_FREE_ADAPTER(xp_free_principal_page, struct ec2_principal_page, ec2_principal_page_free)
XP_FREE_ADAPTER(xp_free_modify_permissions, struct ec2_modify_permissions_result,
		ec2_modify_permissions_result_free)
XP_FREE_ADAPTER(xp_free_connection, struct ec2_endpoint_connection, ec2_endpoint_connection_free)
XP_FREE_ADAPTER(xp_free_connection_page, struct ec2_connection_page, ec2_connection_page_free)
XP_FREE_ADAPTER(xp_free_notification, struct ec2_connection_notification,
		ec2_connection_notification_free)
XP_FREE_ADAPTER(xp_free_notification_page, struct ec2_notification_page, ec2_notification_page_free)
XP_FREE_ADAPTER(xp_free_create_notification, struct ec2_create_notification_result,
		ec2_create_notification_result_free)
XP_FREE_ADAPTER(xp_free_result, struct ec2_result, ec2_result_free)
XP_FREE_ADAPTER(xp_free_error, struct ec2_error, ec2_error_free)
XP_FREE_ADAPTER(xp_free_sts, struct sts_credentials, sts_credentials_free)

static void
xp_free_tag(void *p)
{
	struct ec2_tag *t = p;

	free(t->key);
	free(t->value);
}

static void
xp_free_pair(void *p)
{
	char **s = p; /* both element structs below are two char * */

	free(s[0]);
	free(s[1]);
}

static void
xp_free_unsuccessful(void *p)
{
	struct ec2_unsuccessful *u = p;

	free(u->resource_id);
	free(u->code);
	free(u->message);
}

static void
xp_free_nothing(void *p)
{
	(void)p;
}

/* A tag needs a key; an empty or absent value is "". */
static int
xp_check_tag(void *obj, struct err *e)
{
	struct ec2_tag *t = obj;

	if (t->key == NULL)
		return err_set(e, -EBADMSG, "XML: tag without <key>");
	if (t->value == NULL) {
		t->value = strdup("");
		if (t->value == NULL)
			return err_set(e, -ENOMEM, "XML: out of memory");
	}
	return 0;
}

/* ---- shape tables ------------------------------------------------------- */

#define F_STR(n, T, m)                                   \
	{                                                \
		n, XP_STR, offsetof(T, m), 0, NULL, NULL \
	}
#define F_STRE(n, T, m)                                        \
	{                                                      \
		n, XP_STR_EMPTY, offsetof(T, m), 0, NULL, NULL \
	}
#define F_BOOL(n, T, m)                                   \
	{                                                 \
		n, XP_BOOL, offsetof(T, m), 0, NULL, NULL \
	}
#define F_TIME(n, T, m, has)                                             \
	{                                                                \
		n, XP_TIME, offsetof(T, m), offsetof(T, has), NULL, NULL \
	}
#define F_STRV(n, T, m)                                   \
	{                                                 \
		n, XP_STRV, offsetof(T, m), 0, NULL, NULL \
	}
#define F_STRVI(n, T, m, inner)                                  \
	{                                                        \
		n, XP_STRV_INNER, offsetof(T, m), 0, NULL, inner \
	}
#define F_STRUCT(n, T, m, sh)                              \
	{                                                  \
		n, XP_STRUCT, offsetof(T, m), 0, &sh, NULL \
	}
#define F_LIST(n, T, m, cnt, sh)                                        \
	{                                                               \
		n, XP_LIST, offsetof(T, m), offsetof(T, cnt), &sh, NULL \
	}
#define SHAPE(what, fields, T, freefn, check)                           \
	{                                                               \
		what, fields, NFIELDS(fields), sizeof(T), freefn, check \
	}

static const struct xp_field tag_fields[] = {
	F_STR("key", struct ec2_tag, key),
	F_STRE("value", struct ec2_tag, value),
};
static const struct xp_shape tag_shape =
	SHAPE("tag", tag_fields, struct ec2_tag, xp_free_tag, xp_check_tag);

static const struct xp_field pdns_fields[] = {
	F_STR("state", struct ec2_private_dns_config, state),
	F_STR("type", struct ec2_private_dns_config, type),
	F_STR("value", struct ec2_private_dns_config, value),
	F_STR("name", struct ec2_private_dns_config, name),
};
static const struct xp_shape pdns_shape =
	SHAPE("private DNS configuration", pdns_fields, struct ec2_private_dns_config,
	      xp_free_nothing, NULL);

static const struct xp_field region_fields[] = {
	F_STR("region", struct ec2_supported_region, region),
	F_STR("serviceState", struct ec2_supported_region, service_state),
};
static const struct xp_shape region_shape =
	SHAPE("supported region", region_fields, struct ec2_supported_region, xp_free_pair, NULL);

#define SC struct ec2_service_config
static const struct xp_field service_fields[] = {
	F_STRVI("serviceType", SC, service_types, "serviceType"),
	F_STR("serviceId", SC, service_id),
	F_STR("serviceName", SC, service_name),
	F_STR("serviceState", SC, service_state),
	F_STRV("availabilityZoneIdSet", SC, availability_zone_ids),
	F_STRV("availabilityZoneSet", SC, availability_zones),
	F_BOOL("acceptanceRequired", SC, acceptance_required),
	F_BOOL("managesVpcEndpoints", SC, manages_vpc_endpoints),
	F_BOOL("remoteAccessEnabled", SC, remote_access_enabled),
	F_STRV("networkLoadBalancerArnSet", SC, network_load_balancer_arns),
	F_STRV("gatewayLoadBalancerArnSet", SC, gateway_load_balancer_arns),
	F_STRV("supportedIpAddressTypeSet", SC, supported_ip_address_types),
	F_STRV("baseEndpointDnsNameSet", SC, base_endpoint_dns_names),
	F_STR("privateDnsName", SC, private_dns_name),
	F_STRUCT("privateDnsNameConfiguration", SC, private_dns_name_configuration, pdns_shape),
	F_STR("payerResponsibility", SC, payer_responsibility),
	F_LIST("tagSet", SC, tags.v, tags.n, tag_shape),
	F_LIST("supportedRegionSet", SC, supported_regions, n_supported_regions, region_shape),
};
#undef SC
static const struct xp_shape service_shape =
	SHAPE("service configuration", service_fields, struct ec2_service_config,
	      xp_free_service_config, NULL);

static const struct xp_field service_page_fields[] = {
	F_STR("requestId", struct ec2_service_page, request_id),
	F_LIST("serviceConfigurationSet", struct ec2_service_page, v, n, service_shape),
	F_STR("nextToken", struct ec2_service_page, next_token),
};
static const struct xp_shape service_page_shape = SHAPE(
	"Describe page", service_page_fields, struct ec2_service_page, xp_free_service_page, NULL);

static const struct xp_field create_service_fields[] = {
	F_STR("requestId", struct ec2_create_service_result, request_id),
	F_STRUCT("serviceConfiguration", struct ec2_create_service_result, config, service_shape),
	F_STR("clientToken", struct ec2_create_service_result, client_token),
};
static const struct xp_shape create_service_shape =
	SHAPE("Create result", create_service_fields, struct ec2_create_service_result,
	      xp_free_create_service, NULL);

#define PR struct ec2_principal
static const struct xp_field principal_fields[] = {
	F_STR("principalType", PR, principal_type),
	F_STR("principal", PR, principal),
	F_STR("servicePermissionId", PR, service_permission_id),
	F_STR("serviceId", PR, service_id),
	F_LIST("tagSet", PR, tags.v, tags.n, tag_shape),
};
#undef PR
static const struct xp_shape principal_shape =
	SHAPE("principal", principal_fields, struct ec2_principal, xp_free_principal, NULL);

static const struct xp_field principal_page_fields[] = {
	F_STR("requestId", struct ec2_principal_page, request_id),
	F_LIST("allowedPrincipals", struct ec2_principal_page, v, n, principal_shape),
	F_STR("nextToken", struct ec2_principal_page, next_token),
};
static const struct xp_shape principal_page_shape =
	SHAPE("permissions page", principal_page_fields, struct ec2_principal_page,
	      xp_free_principal_page, NULL);

static const struct xp_field modify_permissions_fields[] = {
	F_STR("requestId", struct ec2_modify_permissions_result, request_id),
	F_LIST("addedPrincipalSet", struct ec2_modify_permissions_result, added, n_added,
	       principal_shape),
	F_BOOL("return", struct ec2_modify_permissions_result, ret),
};
static const struct xp_shape modify_permissions_shape =
	SHAPE("permissions result", modify_permissions_fields, struct ec2_modify_permissions_result,
	      xp_free_modify_permissions, NULL);

static const struct xp_field dns_fields[] = {
	F_STR("dnsName", struct ec2_dns_entry, dns_name),
	F_STR("hostedZoneId", struct ec2_dns_entry, hosted_zone_id),
};
static const struct xp_shape dns_shape =
	SHAPE("DNS entry", dns_fields, struct ec2_dns_entry, xp_free_pair, NULL);

static const struct xp_field payer_fields[] = {
	F_STR("scope", struct ec2_payer_responsibility, scope),
	F_STR("payerResponsibilityType", struct ec2_payer_responsibility,
	      payer_responsibility_type),
};
static const struct xp_shape payer_shape = SHAPE(
	"payer responsibility", payer_fields, struct ec2_payer_responsibility, xp_free_pair, NULL);

#define CO struct ec2_endpoint_connection
static const struct xp_field connection_fields[] = {
	F_STR("serviceId", CO, service_id),
	F_STR("vpcEndpointId", CO, vpc_endpoint_id),
	F_STR("vpcEndpointOwner", CO, vpc_endpoint_owner),
	F_STR("vpcEndpointState", CO, vpc_endpoint_state),
	F_TIME("creationTimestamp", CO, creation_timestamp, has_creation_timestamp),
	F_LIST("dnsEntrySet", CO, dns_entries, n_dns_entries, dns_shape),
	F_STRV("networkLoadBalancerArnSet", CO, network_load_balancer_arns),
	F_STRV("gatewayLoadBalancerArnSet", CO, gateway_load_balancer_arns),
	F_STR("ipAddressType", CO, ip_address_type),
	F_STR("vpcEndpointConnectionId", CO, vpc_endpoint_connection_id),
	F_LIST("tagSet", CO, tags.v, tags.n, tag_shape),
	F_STR("vpcEndpointRegion", CO, vpc_endpoint_region),
	F_LIST("payerResponsibilitySet", CO, payer_responsibilities, n_payer_responsibilities,
	       payer_shape),
};
#undef CO
static const struct xp_shape connection_shape =
	SHAPE("endpoint connection", connection_fields, struct ec2_endpoint_connection,
	      xp_free_connection, NULL);

static const struct xp_field connection_page_fields[] = {
	F_STR("requestId", struct ec2_connection_page, request_id),
	F_LIST("vpcEndpointConnectionSet", struct ec2_connection_page, v, n, connection_shape),
	F_STR("nextToken", struct ec2_connection_page, next_token),
};
static const struct xp_shape connection_page_shape =
	SHAPE("connections page", connection_page_fields, struct ec2_connection_page,
	      xp_free_connection_page, NULL);

#define CN struct ec2_connection_notification
static const struct xp_field notification_fields[] = {
	F_STR("connectionNotificationId", CN, connection_notification_id),
	F_STR("serviceId", CN, service_id),
	F_STR("vpcEndpointId", CN, vpc_endpoint_id),
	F_STR("connectionNotificationType", CN, connection_notification_type),
	F_STR("connectionNotificationArn", CN, connection_notification_arn),
	F_STRV("connectionEvents", CN, connection_events),
	F_STR("connectionNotificationState", CN, connection_notification_state),
	F_STR("serviceRegion", CN, service_region),
};
#undef CN
static const struct xp_shape notification_shape =
	SHAPE("connection notification", notification_fields, struct ec2_connection_notification,
	      xp_free_notification, NULL);

static const struct xp_field notification_page_fields[] = {
	F_STR("requestId", struct ec2_notification_page, request_id),
	F_LIST("connectionNotificationSet", struct ec2_notification_page, v, n, notification_shape),
	F_STR("nextToken", struct ec2_notification_page, next_token),
};
static const struct xp_shape notification_page_shape =
	SHAPE("notifications page", notification_page_fields, struct ec2_notification_page,
	      xp_free_notification_page, NULL);

static const struct xp_field create_notification_fields[] = {
	F_STR("requestId", struct ec2_create_notification_result, request_id),
	F_STRUCT("connectionNotification", struct ec2_create_notification_result, notification,
		 notification_shape),
	F_STR("clientToken", struct ec2_create_notification_result, client_token),
};
static const struct xp_shape create_notification_shape =
	SHAPE("notification result", create_notification_fields,
	      struct ec2_create_notification_result, xp_free_create_notification, NULL);

/* unsuccessful/item: `error` is flattened into the same struct (offset 0). */
static const struct xp_field unsuccessful_error_fields[] = {
	F_STR("code", struct ec2_unsuccessful, code),
	F_STR("message", struct ec2_unsuccessful, message),
};
static const struct xp_shape unsuccessful_error_shape =
	SHAPE("unsuccessful error", unsuccessful_error_fields, struct ec2_unsuccessful,
	      xp_free_nothing, NULL);
static const struct xp_field unsuccessful_fields[] = {
	F_STR("resourceId", struct ec2_unsuccessful, resource_id),
	{"error", XP_STRUCT, 0, 0, &unsuccessful_error_shape, NULL},
};
static const struct xp_shape unsuccessful_shape =
	SHAPE("unsuccessful item", unsuccessful_fields, struct ec2_unsuccessful,
	      xp_free_unsuccessful, NULL);

static const struct xp_field result_fields[] = {
	F_STR("requestId", struct ec2_result, request_id),
	F_BOOL("return", struct ec2_result, ret),
	F_LIST("unsuccessful", struct ec2_result, unsuccessful, n_unsuccessful, unsuccessful_shape),
};
static const struct xp_shape result_shape =
	SHAPE("result", result_fields, struct ec2_result, xp_free_result, NULL);

/* Errors: EC2 Response/Errors/Error + RequestID; STS ErrorResponse/Error + RequestId. */
static const struct xp_field error_fields[] = {
	F_STR("Code", struct ec2_error, code), F_STR("Message", struct ec2_error, message),
	F_STR("Type", struct ec2_error, type),
	F_STR("RequestId", struct ec2_error, request_id), /* bare <Error> root */
};
static const struct xp_shape error_shape =
	SHAPE("error", error_fields, struct ec2_error, xp_free_error, NULL);

/* STS: <XResult> and <ResponseMetadata> are flattened into sts_credentials. */
static const struct xp_field sts_creds_fields[] = {
	F_STR("AccessKeyId", struct sts_credentials, access_key_id),
	F_STR("SecretAccessKey", struct sts_credentials, secret_access_key),
	F_STR("SessionToken", struct sts_credentials, session_token),
	{"Expiration", XP_TIME, offsetof(struct sts_credentials, expiration),
	 offsetof(struct sts_credentials, expiration) /* overwritten by a flag below */, NULL,
	 NULL},
};

/* ---- public parsers ----------------------------------------------------- */

int
ec2_xml_service_page(const char *body, size_t len, struct ec2_service_page *out, struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointServiceConfigurationsResponse",
			&service_page_shape, out, false, e);
}

int
ec2_xml_create_service(const char *body, size_t len, struct ec2_create_service_result *out,
		       struct err *e)
{
	return xp_parse(body, len, "CreateVpcEndpointServiceConfigurationResponse",
			&create_service_shape, out, false, e);
}

int
ec2_xml_principal_page(const char *body, size_t len, struct ec2_principal_page *out, struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointServicePermissionsResponse",
			&principal_page_shape, out, false, e);
}

int
ec2_xml_modify_permissions(const char *body, size_t len, struct ec2_modify_permissions_result *out,
			   struct err *e)
{
	return xp_parse(body, len, "ModifyVpcEndpointServicePermissionsResponse",
			&modify_permissions_shape, out, false, e);
}

int
ec2_xml_connection_page(const char *body, size_t len, struct ec2_connection_page *out,
			struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointConnectionsResponse", &connection_page_shape,
			out, false, e);
}

int
ec2_xml_notification_page(const char *body, size_t len, struct ec2_notification_page *out,
			  struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointConnectionNotificationsResponse",
			&notification_page_shape, out, false, e);
}

int
ec2_xml_create_notification(const char *body, size_t len,
			    struct ec2_create_notification_result *out, struct err *e)
{
	return xp_parse(body, len, "CreateVpcEndpointConnectionNotificationResponse",
			&create_notification_shape, out, false, e);
}

/* "<action>Response" into buf; false when the action name is unusable. */
static bool
xp_root_name(const char *action, const char *suffix, char *buf, size_t size)
{
	int n;

	if (action == NULL || action[0] == '\0')
		return false;
	for (const char *p = action; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return false;
	n = snprintf(buf, size, "%s%s", action, suffix);
	return n > 0 && (size_t)n < size;
}

int
ec2_xml_result(const char *action, const char *body, size_t len, struct ec2_result *out,
	       struct err *e)
{
	char root[128];

	if (!xp_root_name(action, "Response", root, sizeof(root)))
		return err_set(e, -EINVAL, "XML: invalid action name");
	return xp_parse(body, len, root, &result_shape, out, false, e);
}

int
ec2_xml_error(const char *body, size_t len, struct ec2_error *out, struct err *e)
{
	struct ec2_error res;
	struct xp x;
	xmlNodePtr root, err_node = NULL, id_node = NULL;
	int r;

	memset(&res, 0, sizeof(res));
	r = xp_open(&x, body, len, &root, e);
	if (r < 0)
		return r;
	if (xp_is(&x, root, "Response")) {
		/* EC2: first Errors/Error; RequestID beside Errors. */
		for (xmlNodePtr c = root->children; c != NULL; c = c->next) {
			if (xp_is(&x, c, "Errors") && err_node == NULL)
				for (xmlNodePtr g = c->children; g != NULL; g = g->next)
					if (xp_is(&x, g, "Error")) {
						err_node = g;
						break;
					}
			if (xp_is(&x, c, "RequestID") || xp_is(&x, c, "RequestId"))
				id_node = c;
		}
	} else if (xp_is(&x, root, "ErrorResponse")) {
		for (xmlNodePtr c = root->children; c != NULL; c = c->next) {
			if (xp_is(&x, c, "Error") && err_node == NULL)
				err_node = c;
			if (xp_is(&x, c, "RequestId") || xp_is(&x, c, "RequestID"))
				id_node = c;
		}
	} else if (xp_is(&x, root, "Error")) {
		err_node = root;
	} else {
		r = err_set(e, -EBADMSG, "XML: <%.64s> is not an EC2 or STS error document",
			    root->name);
		goto out;
	}
	if (err_node == NULL) {
		r = err_set(e, -EBADMSG, "XML: error document without <Error>");
		goto out;
	}
	r = xp_struct(&x, err_node, &error_shape, &res);
	if (r == 0 && id_node != NULL) {
		free(res.request_id);
		res.request_id = NULL;
		r = xp_text(&x, id_node, false, &res.request_id);
	}
	if (r == 0 && res.code == NULL)
		r = err_set(e, -EBADMSG, "XML: error document without <Code>");
out:
	xp_close(&x, false);
	if (r < 0) {
		ec2_error_free(&res);
		return r;
	}
	*out = res;
	return 0;
}

int
ec2_xml_sts_credentials(const char *action, const char *body, size_t len,
			struct sts_credentials *out, struct err *e)
{
	/* The flag for Expiration lives in a wrapper so sts_credentials stays plain. */
	struct sts_wrap {
		struct sts_credentials c;
		bool has_expiration;
	};
	struct xp_field creds_fields[NFIELDS(sts_creds_fields)];
	const struct xp_field user_fields[] = {
		F_STR("Arn", struct sts_wrap, c.assumed_role_arn),
	};
	const struct xp_field meta_fields[] = {
		F_STR("RequestId", struct sts_wrap, c.request_id),
	};
	struct xp_shape creds_shape = {"credentials",           creds_fields, NFIELDS(creds_fields),
				       sizeof(struct sts_wrap), xp_free_sts,  NULL};
	const struct xp_shape user_shape = {"assumed role user",  user_fields,
					    NFIELDS(user_fields), sizeof(struct sts_wrap),
					    xp_free_nothing,      NULL};
	const struct xp_shape meta_shape = {"response metadata",  meta_fields,
					    NFIELDS(meta_fields), sizeof(struct sts_wrap),
					    xp_free_nothing,      NULL};
	const struct xp_field result_sts_fields[] = {
		{"Credentials", XP_STRUCT, 0, 0, &creds_shape, NULL},
		{"AssumedRoleUser", XP_STRUCT, 0, 0, &user_shape, NULL},
	};
	const struct xp_shape result_sts_shape = {"STS result",
						  result_sts_fields,
						  NFIELDS(result_sts_fields),
						  sizeof(struct sts_wrap),
						  xp_free_nothing,
						  NULL};
	char root[128], result[128];
	struct xp_field root_fields[2];
	struct xp_shape root_shape;
	struct sts_wrap w;
	int r;

	if ((action == NULL || (strcmp(action, "AssumeRole") != 0 &&
				strcmp(action, "AssumeRoleWithWebIdentity") != 0)) ||
	    !xp_root_name(action, "Response", root, sizeof(root)) ||
	    !xp_root_name(action, "Result", result, sizeof(result)))
		return err_set(e, -EINVAL, "XML: unsupported STS action");
	memcpy(creds_fields, sts_creds_fields, sizeof(creds_fields));
	for (size_t i = 0; i < NFIELDS(creds_fields); i++)
		if (creds_fields[i].kind == XP_TIME)
			creds_fields[i].aux = offsetof(struct sts_wrap, has_expiration);
	root_fields[0] = (struct xp_field){result, XP_STRUCT, 0, 0, &result_sts_shape, NULL};
	root_fields[1] = (struct xp_field){"ResponseMetadata", XP_STRUCT, 0, 0, &meta_shape, NULL};
	root_shape = (struct xp_shape){"STS answer", root_fields, 2, sizeof(struct sts_wrap),
				       xp_free_sts,  NULL};

	memset(&w, 0, sizeof(w));
	r = xp_parse(body, len, root, &root_shape, &w, true, e);
	if (r < 0)
		return r;
	if (w.c.access_key_id == NULL || w.c.secret_access_key == NULL ||
	    w.c.session_token == NULL || !w.has_expiration) {
		sts_credentials_free(&w.c);
		return err_set(e, -EBADMSG,
			       "XML: %s answer lacks AccessKeyId, SecretAccessKey, SessionToken "
			       "or Expiration",
			       action);
	}
	*out = w.c;
	OPENSSL_cleanse(&w, sizeof(w));
	return 0;
}
