/* SPDX-License-Identifier: ISC */
/*
 * xp: shape tables + libxml2 SAX2 → filled C structs.  See xp.h.
 *
 * The reader is a stack machine: one frame per open element that fills
 * something (a struct, a leaf, a string list, a list item), and a depth
 * counter for subtrees being skipped, which need no frame at all.  The stack
 * is as deep as the shapes nest, never as deep as the document.
 *
 * A broken rule is recorded once and the rest of the document is still
 * parsed, callbacks ignored: a document that also turns out not to be
 * well-formed is reported as malformed, as if it had been checked first.
 *
 * Hardening happens before libxml2 reads a byte: size cap, no NUL, no DTD or
 * entity declaration anywhere in the bytes; then XML_PARSE_NONET, no entity
 * substitution or DTD loading, no entity lookup callback at all, and
 * libxml2's error printing off (this module does no I/O).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "ec2_types.h"
#include "ec2_xml.h"
#include "rfc3339.h"
#include "strv.h"
#include "xp.h"

enum frame_kind {
	FR_STRUCT, /* an element whose children are the fields of sh */
	FR_LEAF,   /* a text-only element: the field f, or one string of a list */
	FR_STRV,   /* <x><item>…</item>…</x> of strings */
	FR_ITEM,   /* one <item> of an XP_STRV_INNER list, looking for <inner> */
	FR_LIST,   /* <x><item>…</item>…</x> of structs */
};

struct frame {
	enum frame_kind kind;
	const char *name;          /* the element's local name (libxml2's dictionary) */
	const struct xp_field *f;  /* the field this element fills; NULL for the root */
	const struct xp_shape *sh; /* FR_STRUCT */
	void *obj;                 /* FR_STRUCT: the struct it fills; else the field's owner */
	uint32_t seen;             /* FR_STRUCT: fields seen, bit per field; FR_ITEM: inner seen */
	size_t items;              /* FR_STRV, FR_LIST: <item>s so far */
	size_t cap;                /* FR_LIST: elements allocated */
	bool to_strv;              /* FR_LEAF: the text is appended to the list at f */
};

/* The shapes nest five deep at most; the document may nest as deep as libxml2 allows. */
#define XP_MAX_DEPTH 16

struct xp {
	xmlParserCtxtPtr ctxt;
	const struct xp_root *roots;
	size_t n_roots;
	size_t root_index;
	void *obj;
	struct err *e; /* &rule: reported only if the document is well-formed */
	struct err rule;
	char *seen;
	size_t seen_size;
	int r;       /* the first broken rule, 0 while none */
	bool rooted; /* the root element matched one of roots[] */
	bool dtd;    /* a document type declaration went by */
	char *ns;    /* the root's namespace; NULL when it has none */
	size_t skip; /* depth inside a subtree being skipped */
	size_t depth;
	struct frame st[XP_MAX_DEPTH];
	struct buf text; /* the open leaf's text */
};

static int
xp_fail(struct xp *x, int r)
{
	if (x->r == 0)
		x->r = r;
	return r;
}

static bool
xp_known_ns(const xmlChar *href)
{
	return href == NULL ||
	       strncmp((const char *)href, "http://ec2.amazonaws.com/doc/", 29) == 0 ||
	       strncmp((const char *)href, "https://sts.amazonaws.com/doc/", 30) == 0;
}

/* An element of the document's own vocabulary: the root's namespace, or none with it. */
static bool
xp_ours(const struct xp *x, const xmlChar *uri)
{
	if (uri == NULL)
		return x->ns == NULL;
	return x->ns != NULL && strcmp((const char *)uri, x->ns) == 0;
}

static struct frame *
xp_push(struct xp *x, enum frame_kind kind, const xmlChar *name, const struct xp_field *f,
	void *obj)
{
	struct frame *fr;

	if (x->depth == XP_MAX_DEPTH) {
		xp_fail(x, err_set(x->e, -EBADMSG, "XML: <%s> nests too deep", (const char *)name));
		return NULL;
	}
	fr = &x->st[x->depth++];
	*fr = (struct frame){.kind = kind, .name = (const char *)name, .f = f, .obj = obj};
	return fr;
}

/* One more <item> in a list, bounded. */
static bool
xp_count_item(struct xp *x, struct frame *fr)
{
	if (fr->items == EC2_XML_MAX_ITEMS) {
		xp_fail(x, err_set(x->e, -E2BIG, "XML: <%s> has more than %u items", fr->name,
				   EC2_XML_MAX_ITEMS));
		return false;
	}
	fr->items++;
	return true;
}

/*
 * A new struct at the end of the list the frame fills.  The array and its
 * count live in the owner from the first item on, so the owner's free
 * function frees whatever a failure leaves; growth happens between items,
 * when no frame points into the array.
 */
static void *
xp_list_grow(struct xp *x, struct frame *fr)
{
	const struct xp_shape *sh = fr->f->sub;
	char **arr = (char **)((char *)fr->obj + fr->f->off);
	size_t *count = (size_t *)((char *)fr->obj + fr->f->aux);
	char *elem;

	if (*count == fr->cap) {
		size_t cap = fr->cap ? fr->cap * 2 : 4;
		char *v = realloc(*arr, cap * sh->size);

		if (v == NULL) {
			xp_fail(x, err_set(x->e, -ENOMEM, "XML: out of memory"));
			return NULL;
		}
		*arr = v;
		fr->cap = cap;
	}
	elem = *arr + *count * sh->size;
	memset(elem, 0, sh->size);
	(*count)++;
	return elem;
}

/* Lists are kept at their exact size: observed services hold thousands. */
static void
xp_list_trim(struct frame *fr)
{
	char **arr = (char **)((char *)fr->obj + fr->f->off);
	size_t count = *(size_t *)((char *)fr->obj + fr->f->aux);
	char *v;

	if (count == 0 || count == fr->cap)
		return;
	v = realloc(*arr, count * fr->f->sub->size);
	if (v != NULL)
		*arr = v;
}

/* A child element of a struct: open its field, or skip it. */
static void
xp_open_field(struct xp *x, struct frame *top, const xmlChar *name, const xmlChar *uri)
{
	const struct xp_shape *sh = top->sh;
	const struct xp_field *f = NULL;
	size_t i;

	if (!xp_ours(x, uri)) {
		x->skip = 1;
		return;
	}
	for (i = 0; i < sh->n_fields; i++)
		if (strcmp((const char *)name, sh->fields[i].name) == 0) {
			f = &sh->fields[i];
			break;
		}
	if (f == NULL) {
		x->skip = 1;
		return;
	}
	if (top->seen & (UINT32_C(1) << i)) {
		if (f->repeat == XP_REPEAT_FIRST) {
			x->skip = 1;
			return;
		}
		if (f->repeat != XP_REPEAT_LAST) {
			xp_fail(x, err_set(x->e, -EBADMSG, "XML: duplicate <%s> in <%s>", f->name,
					   top->name));
			return;
		}
	}
	top->seen |= UINT32_C(1) << i;
	switch (f->kind) {
	case XP_STR:
	case XP_STR_EMPTY:
	case XP_BOOL:
	case XP_TIME:
		xp_push(x, FR_LEAF, name, f, top->obj);
		break;
	case XP_STRV:
	case XP_STRV_INNER:
		xp_push(x, FR_STRV, name, f, top->obj);
		break;
	case XP_STRUCT: {
		struct frame *fr = xp_push(x, FR_STRUCT, name, f, (char *)top->obj + f->off);

		if (fr != NULL)
			fr->sh = f->sub;
		break;
	}
	case XP_LIST:
		xp_push(x, FR_LIST, name, f, top->obj);
		break;
	}
}

/* The root element: one of the expected ones, in a namespace we know. */
static void
xp_open_root(struct xp *x, const xmlChar *name, const xmlChar *uri)
{
	struct frame *fr;

	if (!xp_known_ns(uri)) {
		xp_fail(x, err_set(x->e, -EBADMSG, "XML: unexpected namespace '%.80s' on <%.64s>",
				   (const char *)uri, (const char *)name));
		return;
	}
	for (x->root_index = 0; x->root_index < x->n_roots; x->root_index++)
		if (strcmp((const char *)name, x->roots[x->root_index].name) == 0)
			break;
	if (x->root_index == x->n_roots) {
		snprintf(x->seen, x->seen_size, "%.64s", (const char *)name);
		xp_fail(x, -ENOMSG);
		return;
	}
	if (uri != NULL && (x->ns = strdup((const char *)uri)) == NULL) {
		xp_fail(x, err_set(x->e, -ENOMEM, "XML: out of memory"));
		return;
	}
	fr = xp_push(x, FR_STRUCT, name, NULL, x->obj);
	if (fr != NULL)
		fr->sh = x->roots[x->root_index].shape;
	x->rooted = true;
}

static void
xp_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri, int nb_ns,
	 const xmlChar **ns, int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
	struct xp *x = ctx;
	struct frame *top;

	(void)prefix, (void)nb_ns, (void)ns, (void)nb_attrs, (void)nb_defaulted, (void)attrs;
	if (x->r != 0)
		return;
	if (x->skip > 0) {
		x->skip++;
		return;
	}
	if (x->depth == 0) {
		xp_open_root(x, name, uri);
		return;
	}
	top = &x->st[x->depth - 1];
	switch (top->kind) {
	case FR_LEAF:
		xp_fail(x, err_set(x->e, -EBADMSG, "XML: <%s> must hold text only", top->name));
		return;
	case FR_STRUCT:
		xp_open_field(x, top, name, uri);
		return;
	case FR_STRV:
		if (!xp_ours(x, uri) || strcmp((const char *)name, "item") != 0) {
			x->skip = 1;
		} else if (xp_count_item(x, top)) {
			bool leaf = top->f->kind == XP_STRV;
			struct frame *fr =
				xp_push(x, leaf ? FR_LEAF : FR_ITEM, name, top->f, top->obj);

			if (fr != NULL)
				fr->to_strv = leaf;
		}
		return;
	case FR_ITEM:
		if (!xp_ours(x, uri) || strcmp((const char *)name, top->f->inner) != 0) {
			x->skip = 1;
		} else if (top->seen) {
			xp_fail(x, err_set(x->e, -EBADMSG, "XML: duplicate <%s> in <%s><item>",
					   top->f->inner, x->st[x->depth - 2].name));
		} else {
			struct frame *fr = xp_push(x, FR_LEAF, name, top->f, top->obj);

			top->seen = 1;
			if (fr != NULL)
				fr->to_strv = true;
		}
		return;
	case FR_LIST:
		if (!xp_ours(x, uri) || strcmp((const char *)name, "item") != 0) {
			x->skip = 1;
		} else if (xp_count_item(x, top)) {
			void *elem = xp_list_grow(x, top);
			struct frame *fr = elem ? xp_push(x, FR_STRUCT, name, top->f, elem) : NULL;

			if (fr != NULL)
				fr->sh = top->f->sub;
		}
		return;
	}
}

/* A leaf's text, now complete, into its field. */
static int
xp_leaf(struct xp *x, const struct frame *fr)
{
	const struct xp_field *f = fr->f;
	char *p = (char *)fr->obj + f->off;
	const char *text = x->text.len > 0 ? x->text.data : NULL;
	char *s;

	if (fr->to_strv) {
		if (text == NULL)
			return 0;
		s = strndup(text, x->text.len);
		if (s == NULL || strv_push_take((struct strv *)p, s) < 0)
			return err_set(x->e, -ENOMEM, "XML: out of memory");
		return 0;
	}
	switch (f->kind) {
	case XP_STR:
	case XP_STR_EMPTY:
		if (text == NULL && f->kind == XP_STR) {
			s = NULL;
		} else if ((s = strndup(text ? text : "", x->text.len)) == NULL) {
			return err_set(x->e, -ENOMEM, "XML: out of memory");
		}
		free(*(char **)p); /* an earlier one, for XP_REPEAT_LAST */
		*(char **)p = s;
		return 0;
	case XP_BOOL:
		if (text == NULL)
			*(enum ec2_bool *)p = EC2_BOOL_UNSET;
		else if (strcmp(text, "true") == 0)
			*(enum ec2_bool *)p = EC2_BOOL_TRUE;
		else if (strcmp(text, "false") == 0)
			*(enum ec2_bool *)p = EC2_BOOL_FALSE;
		else
			return err_set(x->e, -EBADMSG, "XML: <%s> is not true/false: '%.32s'",
				       f->name, text);
		return 0;
	case XP_TIME:
		if (text == NULL)
			return 0;
		if (rfc3339_parse(text, (time_t *)p) < 0)
			return err_set(x->e, -EBADMSG,
				       "XML: <%s> is not an ISO-8601 UTC time: '%.40s'", f->name,
				       text);
		*(bool *)((char *)fr->obj + f->aux) = true;
		return 0;
	default:
		return err_set(x->e, -EINVAL, "XML: internal error");
	}
}

static void
xp_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct xp *x = ctx;
	struct frame *fr;
	int r = 0;

	(void)name, (void)prefix, (void)uri;
	if (x->r != 0)
		return;
	if (x->skip > 0) {
		x->skip--;
		return;
	}
	if (x->depth == 0)
		return;
	fr = &x->st[--x->depth];
	switch (fr->kind) {
	case FR_LEAF:
		r = xp_leaf(x, fr);
		buf_reset(&x->text);
		break;
	case FR_STRUCT:
		if (fr->sh->check != NULL)
			r = fr->sh->check(fr->obj, x->e);
		break;
	case FR_LIST:
		xp_list_trim(fr);
		break;
	case FR_STRV:
	case FR_ITEM:
		break;
	}
	if (r < 0)
		xp_fail(x, r);
}

static void
xp_chars(void *ctx, const xmlChar *ch, int len)
{
	struct xp *x = ctx;
	const struct frame *top;
	int r;

	if (x->r != 0 || x->skip > 0 || x->depth == 0)
		return;
	top = &x->st[x->depth - 1];
	if (top->kind != FR_LEAF)
		return; /* whitespace between elements, or text where none is read */
	r = buf_append(&x->text, ch, (size_t)len);
	if (r == -E2BIG)
		xp_fail(x, err_set(x->e, r, "XML: <%s> is longer than %u bytes", top->name,
				   EC2_XML_MAX_STRING));
	else if (r < 0)
		xp_fail(x, err_set(x->e, r, "XML: out of memory"));
}

/* An entity left unexpanded: never text we can take. */
static void
xp_reference(void *ctx, const xmlChar *name)
{
	struct xp *x = ctx;

	(void)name;
	if (x->r == 0 && x->skip == 0 && x->depth > 0 && x->st[x->depth - 1].kind == FR_LEAF)
		xp_fail(x, err_set(x->e, -EBADMSG, "XML: <%s> must hold text only",
				   x->st[x->depth - 1].name));
}

static void
xp_subset(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
	struct xp *x = ctx;

	(void)name, (void)external_id, (void)system_id;
	x->dtd = true;
}

/* libxml2's error printers, replaced: every error we need is read from the context. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xp_error_ptr;
#else
typedef xmlErrorPtr xp_error_ptr;
#endif
static void
xp_quiet(void *ctx, xp_error_ptr error)
{
	(void)ctx, (void)error;
}

static void __attribute__((format(printf, 2, 3))) xp_silent(void *ctx, const char *msg, ...)
{
	(void)ctx, (void)msg;
}

static int
xp_refuse(const char *body, size_t len, struct err *e)
{
	static const char doctype[] = "<!DOCTYPE", entity[] = "<!ENTITY";

	if (body == NULL || len == 0)
		return err_set(e, -EBADMSG, "XML: empty body");
	if (len > EC2_XML_MAX_BODY)
		return err_set(e, -E2BIG, "XML: body of %zu bytes exceeds the %u-byte limit", len,
			       EC2_XML_MAX_BODY);
	if (memmem(body, len, doctype, sizeof(doctype) - 1) != NULL ||
	    memmem(body, len, entity, sizeof(entity) - 1) != NULL)
		return err_set(e, -EBADMSG, "XML: document type declarations are not accepted");
	/*
	 * XML allows no NUL character, but libxml2 takes a NUL byte for the end
	 * of its input: a whole document, a NUL and anything after it would
	 * parse as the document alone.
	 */
	if (memchr(body, '\0', len) != NULL)
		return err_set(e, -EBADMSG, "XML: body holds a NUL byte");
	return 0;
}

/* libxml2's last error as "XML: line N: message". */
static int
xp_malformed(xmlParserCtxtPtr ctxt, struct err *e)
{
	const xmlError *xe = xmlCtxtGetLastError(ctxt);
	char msg[160] = "malformed document";

	if (xe != NULL && xe->message != NULL) {
		size_t k;

		snprintf(msg, sizeof(msg), "%s", xe->message);
		k = strlen(msg);
		while (k > 0 && (msg[k - 1] == '\n' || msg[k - 1] == ' '))
			msg[--k] = '\0';
	}
	return err_set(e, -EBADMSG, "XML: line %d: %s", xe ? xe->line : 0, msg);
}

/*
 * libxml2 parses from its own copy of the body.  For an answer carrying
 * secrets that copy is wiped before it is freed, as far as the parser still
 * holds it (its start may have been released while parsing a large body;
 * STS answers are a few KB).
 */
static void
xp_wipe_input(xmlParserCtxtPtr ctxt)
{
	xmlParserInputPtr in = ctxt->input;

	if (in != NULL && in->base != NULL && in->end > in->base)
		OPENSSL_cleanse((void *)(uintptr_t)in->base, (size_t)(in->end - in->base));
}

int
xp_read(const char *body, size_t len, const struct xp_root *roots, size_t n_roots, void *obj,
	bool secret, size_t *root_index, char *seen, size_t seen_size, struct err *e)
{
	xmlSAXHandler sax;
	struct xp x;
	int r = xp_refuse(body, len, e);

	if (r < 0)
		return r;
	memset(&x, 0, sizeof(x));
	x.roots = roots;
	x.n_roots = n_roots;
	x.obj = obj;
	err_clear(&x.rule);
	x.e = &x.rule;
	x.seen = seen;
	x.seen_size = seen_size;
	buf_init(&x.text, EC2_XML_MAX_STRING);
	/* Sized once: growing would leave copies of a secret in freed memory. */
	if (secret && buf_reserve(&x.text, EC2_XML_MAX_STRING) < 0)
		return err_set(e, -ENOMEM, "XML: out of memory");

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = xp_start;
	sax.endElementNs = xp_end;
	sax.characters = xp_chars;
	sax.cdataBlock = xp_chars;
	sax.ignorableWhitespace = xp_chars;
	sax.reference = xp_reference;
	sax.internalSubset = xp_subset;
	sax.externalSubset = xp_subset;
	sax.serror = xp_quiet;

	/*
	 * libxml2 2.9 prints encoding-conversion failures ("input conversion
	 * failed ...", for a body declaring a charset its bytes do not match)
	 * through its generic handler, straight to stderr, which is the
	 * daemon's journal, whatever the context's own handlers say.
	 */
	xmlSetGenericErrorFunc(NULL, xp_silent);
	x.ctxt = xmlCreateMemoryParserCtxt(body, (int)len);
	if (x.ctxt == NULL) {
		buf_free(&x.text);
		return err_set(e, -ENOMEM, "XML: out of memory");
	}
	memcpy(x.ctxt->sax, &sax, sizeof(sax));
	x.ctxt->userData = &x;
	xmlCtxtUseOptions(x.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					  XML_PARSE_NOCDATA);
	xmlParseDocument(x.ctxt);

	if (!x.ctxt->wellFormed)
		r = xp_malformed(x.ctxt, e);
	else if (x.dtd)
		r = err_set(e, -EBADMSG, "XML: document type declarations are not accepted");
	else if (x.r == -ENOMSG)
		r = x.r;
	else if (x.r != 0)
		r = err_set(e, x.r, "%s", x.rule.msg);
	else if (!x.rooted)
		r = err_set(e, -EBADMSG, "XML: no root element");
	if (r == 0)
		*root_index = x.root_index;

	if (secret) {
		xp_wipe_input(x.ctxt);
		OPENSSL_cleanse(x.text.data, x.text.cap);
	}
	buf_free(&x.text);
	free(x.ns);
	xmlFreeParserCtxt(x.ctxt);
	return r;
}
