/* SPDX-License-Identifier: ISC */
/*
 * conf_service: the schema of a services file (one spec per list entry),
 * and the checks across every file of a load: unique names and adoption
 * keys, no load balancer in two specs.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_loader.h"
#include "validate.h"

#define LIST_MAX          1000 /* entries in any list of a service */
#define NOTIFICATIONS_MAX 100  /* connection notifications of one service */
#define USER_TAGS_MAX     48   /* 50 per resource, minus vpcesd:owner and vpcesd:name */

/* --- services ------------------------------------------------------------------------ */

static const char *const service_keys[] = {
	"name",
	"network_load_balancer_arns",
	"gateway_load_balancer_arns",
	"acceptance_required",
	"allowed_principals",
	"connections",
	"private_dns_name",
	"verify_private_dns",
	"notifications",
	"payer_responsibility",
	"supported_ip_address_types",
	"supported_regions",
	"tags",
	"adopt",
	NULL,
};
static const char *const ip_types[] = {"ipv4", "ipv6", NULL};

enum list_item {
	ITEM_NLB,
	ITEM_GWLB,
	ITEM_PRINCIPAL,
	ITEM_ACCEPT,
	ITEM_IP_TYPE,
	ITEM_REGION,
};

static bool
check_item(struct loader *l, const struct ynode *n, const char *what, enum list_item kind,
	   const char *s)
{
	const char *region = l->cfg->region;
	const char *partition = region ? validate_region_partition(region) : NULL;
	struct err e;
	int r = 0;

	err_clear(&e);
	switch (kind) {
	case ITEM_NLB:
		r = validate_lb_arn(s, "net", region, &e);
		break;
	case ITEM_GWLB:
		r = validate_lb_arn(s, "gwy", region, &e);
		break;
	case ITEM_PRINCIPAL:
		r = validate_principal(s, partition, &e);
		break;
	case ITEM_ACCEPT:
		r = validate_account_or_principal(s, partition, &e);
		break;
	case ITEM_IP_TYPE:
		if (!ynode_text_in(s, ip_types)) {
			const char *hint = validate_suggest(s, ip_types);

			conf_diag(l, n, "%s: '%s' is not ipv4 or ipv6%s%s%s", what, s,
				  hint ? " (did you mean '" : "", hint ? hint : "",
				  hint ? "'?)" : "");
			return false;
		}
		return true;
	case ITEM_REGION:
		r = validate_region(s, &e);
		if (r == 0 && partition != NULL && strcmp(validate_region_partition(s), partition))
			r = err_set(&e, -EINVAL, "region %s is in partition '%s', not '%s'", s,
				    validate_region_partition(s), partition);
		break;
	}
	if (r < 0) {
		conf_diag(l, n, "%s: %s", what, e.msg);
		return false;
	}
	return true;
}

/*
 * Remember a load balancer ARN of the spec being loaded (always the last of
 * cfg->services: load_service creates it before loading its lists).
 */
void
conf_note_lb(struct loader *l, const char *arn, size_t svc, unsigned line, unsigned col)
{
	struct vpcesd_config *c = l->cfg;

	if (c->n_lb_pos == l->cap_lb_pos) {
		size_t cap = l->cap_lb_pos ? l->cap_lb_pos * 2 : 64;
		struct model_lb_pos *v = realloc(c->lb_pos, cap * sizeof(*v));

		if (v == NULL) {
			conf_oom(l);
			return;
		}
		c->lb_pos = v;
		l->cap_lb_pos = cap;
	}
	c->lb_pos[c->n_lb_pos++] = (struct model_lb_pos){arn, svc, line, col};
}

static void
note_lb(struct loader *l, const struct ynode *n, const char *arn)
{
	conf_note_lb(l, arn, l->cfg->n_services - 1, n->line, n->col);
}

/*
 * A list of strings, each checked, no duplicates.  `nonempty`: an empty list
 * is an error.  Fills `out` (which must be empty) in file order.
 */
static void
load_list(struct loader *l, const struct ynode *n, const char *what, enum list_item kind,
	  bool nonempty, struct strv *out)
{
	if (!conf_want_kind(l, n, Y_SEQ, what))
		return;
	if (n->n == 0 && nonempty) {
		conf_diag(l, n, "%s: must not be empty", what);
		return;
	}
	if (n->n > LIST_MAX) {
		conf_diag(l, n, "%s: more than %d entries", what, LIST_MAX);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *item = n->kids[i];
		const char *s = conf_get_str(l, item, what);
		bool dup = false;

		if (s == NULL || !check_item(l, item, what, kind, s))
			continue;
		for (size_t j = 0; j < i && !dup; j++) {
			const struct ynode *prev = n->kids[j];

			if (prev->kind == Y_SCALAR && strcmp(prev->text, s) == 0) {
				conf_diag(l, item,
					  "%s: duplicate entry '%s' (first at line %u, column %u)",
					  what, s, prev->line, prev->col);
				dup = true;
			}
		}
		if (dup)
			continue;
		if (strv_push(out, s) < 0)
			conf_oom(l);
		else if (kind == ITEM_NLB || kind == ITEM_GWLB)
			note_lb(l, item, out->v[out->n - 1]);
	}
	if (kind == ITEM_PRINCIPAL && out->n > 1 && strv_contains(out, "*"))
		conf_diag(l, n, "%s: '*' allows everyone and must be the only entry", what);
}

static void
load_tags(struct loader *l, const struct ynode *n, struct model_tags *tags)
{
	bool *skip = conf_checked_map(l, n, NULL, "tags");
	size_t count = 0;

	if (skip == NULL)
		return;
	for (size_t i = 0; i < MAP_PAIRS(n); i++) {
		const struct ynode *k = MAP_KEY(n, i), *v = MAP_VAL(n, i);
		struct err e;

		if (skip[i])
			continue;
		if (++count == USER_TAGS_MAX + 1)
			conf_diag(l, k,
				  "tags: more than %d tags (EC2 allows 50 per service, and vpcesd "
				  "adds vpcesd:owner and vpcesd:name)",
				  USER_TAGS_MAX);
		err_clear(&e);
		if (validate_tag_key(k->text, &e) < 0) {
			conf_diag(l, k, "tags: %s", e.msg);
			continue;
		}
		if (v->kind == Y_INVALID)
			continue;
		if (v->kind != Y_SCALAR || v->stype == YS_NULL) {
			conf_diag(l, v,
				  "tags: value of '%s' must be a string, got %s (write '' for an "
				  "empty value)",
				  k->text, conf_kind_name(v));
			continue;
		}
		if (validate_tag_value(v->text, &e) < 0) {
			conf_diag(l, v, "tags: %s", e.msg);
			continue;
		}
		if (model_tags_add(tags, k->text, v->text) < 0)
			conf_oom(l);
	}
	free(skip);
}

static const char *const connections_keys[] = {
	"accept",
	"reject_unlisted",
	"reject_on_principal_removal",
	NULL,
};

/*
 * connections: the endpoint connection policy.  Checked against the rest of
 * the spec by the caller once every key is loaded.
 */
static void
load_connections(struct loader *l, const struct ynode *n, struct service_spec *s)
{
	bool *skip = conf_checked_map(l, n, connections_keys, "connections");
	const struct ynode *v;

	if (skip == NULL)
		return;
	s->connections_managed = true;
	if ((v = conf_map_get(n, skip, "accept", NULL)))
		load_list(l, v, "connections.accept", ITEM_ACCEPT, false, &s->accept);
	if ((v = conf_map_get(n, skip, "reject_unlisted", NULL)))
		conf_get_bool(l, v, "connections.reject_unlisted", &s->reject_unlisted);
	if ((v = conf_map_get(n, skip, "reject_on_principal_removal", NULL)))
		conf_get_bool(l, v, "connections.reject_on_principal_removal",
			      &s->reject_on_principal_removal);
	free(skip);
}

static const char *const notification_keys[] = {"topic_arn", "events", NULL};
static const char *const notification_events[] = {"Accept", "Connect", "Delete", "Reject", NULL};

/* A topic ARN in the daemon's region into *dst; false after reporting. */
static bool
take_checked_sns(struct loader *l, const struct ynode *n, char **dst)
{
	const char *s = conf_get_str(l, n, "notifications.topic_arn");
	struct err e;

	if (s == NULL)
		return false;
	err_clear(&e);
	if (validate_sns_topic_arn(s, l->cfg->region, &e) < 0) {
		conf_diag(l, n, "notifications.topic_arn: %s", e.msg);
		return false;
	}
	return conf_set_str(l, dst, s);
}

static int
notification_cmp(const void *a, const void *b)
{
	const struct model_notification *x = a, *y = b;

	return strcmp(x->topic_arn, y->topic_arn);
}

/* One `notifications` entry; false after reporting when it is unusable. */
static bool
load_notification(struct loader *l, const struct ynode *n, struct model_notification *out)
{
	bool *skip = conf_checked_map(l, n, notification_keys, "a notification");
	const struct ynode *v, *ev;
	bool ok = true;

	if (skip == NULL)
		return false;
	if ((v = conf_map_get(n, skip, "topic_arn", NULL)) == NULL) {
		conf_diag(l, n, "missing required key 'topic_arn' in a notification");
		ok = false;
	} else if (!take_checked_sns(l, v, &out->topic_arn)) {
		ok = false;
	}
	if ((ev = conf_map_get(n, skip, "events", NULL)) == NULL) {
		conf_diag(l, n, "missing required key 'events' in a notification");
		ok = false;
	} else if (conf_want_kind(l, ev, Y_SEQ, "notifications.events")) {
		if (ev->n == 0) {
			conf_diag(l, ev, "notifications.events: must not be empty");
			ok = false;
		}
		for (size_t i = 0; i < ev->n; i++) {
			const char *s = conf_get_str(l, ev->kids[i], "notifications.events");

			if (s == NULL) {
				ok = false;
			} else if (!ynode_text_in(s, notification_events)) {
				const char *hint = validate_suggest(s, notification_events);

				conf_diag(
					l, ev->kids[i],
					"notifications.events: '%s' is not one of Accept, Connect, "
					"Delete, "
					"Reject%s%s%s",
					s, hint ? " (did you mean '" : "", hint ? hint : "",
					hint ? "'?)" : "");
				ok = false;
			} else if (strv_contains(&out->events, s)) {
				conf_diag(l, ev->kids[i],
					  "notifications.events: duplicate entry '%s'", s);
				ok = false;
			} else if (strv_push(&out->events, s) < 0) {
				conf_oom(l);
				ok = false;
			}
		}
		strv_sort(&out->events);
	} else {
		ok = false;
	}
	free(skip);
	return ok;
}

static void
load_notifications(struct loader *l, const struct ynode *n, struct service_spec *s)
{
	if (!conf_want_kind(l, n, Y_SEQ, "notifications"))
		return;
	if (n->n > NOTIFICATIONS_MAX) {
		conf_diag(l, n, "notifications: more than %d entries", NOTIFICATIONS_MAX);
		return;
	}
	s->notifications_managed = true;
	if (n->n == 0)
		return;
	s->notifications = calloc(n->n, sizeof(*s->notifications));
	if (s->notifications == NULL) {
		conf_oom(l);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		struct model_notification *m = &s->notifications[s->n_notifications];
		bool dup = false;

		if (!load_notification(l, n->kids[i], m)) {
			free(m->topic_arn);
			strv_free(&m->events);
			memset(m, 0, sizeof(*m));
			continue;
		}
		for (size_t k = 0; k < s->n_notifications && !dup; k++)
			dup = strcmp(s->notifications[k].topic_arn, m->topic_arn) == 0;
		if (dup) {
			conf_diag(l, n->kids[i],
				  "notifications: topic '%s' appears twice (list all its events in "
				  "one "
				  "entry)",
				  m->topic_arn);
			free(m->topic_arn);
			strv_free(&m->events);
			memset(m, 0, sizeof(*m));
			continue;
		}
		s->n_notifications++;
	}
	qsort(s->notifications, s->n_notifications, sizeof(*s->notifications), notification_cmp);
}

/*
 * payer_responsibility: ServiceOwner is the only value EC2 accepts, and
 * once set it cannot go back to the endpoint owner.
 */
static void
load_payer(struct loader *l, const struct ynode *n, struct service_spec *s)
{
	const char *v = conf_get_str(l, n, "payer_responsibility");

	if (v == NULL)
		return;
	if (strcmp(v, "ServiceOwner") != 0) {
		conf_diag(
			l, n,
			"payer_responsibility: '%s' is not possible: ServiceOwner is the only "
			"value "
			"(the endpoint owner pays while the key is absent, and EC2 cannot set the "
			"payer back once the service owner pays)%s",
			v,
			strcasecmp(v, "ServiceOwner") == 0 ? " (did you mean 'ServiceOwner'?)"
							   : "");
		return;
	}
	conf_set_str(l, &s->payer_responsibility, v);
}

/* A new slot in cfg->services, zeroed; NULL on OOM (reported). */
static struct service_spec *
new_service(struct loader *l)
{
	struct vpcesd_config *c = l->cfg;

	if (c->n_services == l->services_cap) {
		size_t cap = l->services_cap ? l->services_cap * 2 : 16;
		struct service_spec *v = realloc(c->services, cap * sizeof(*v));

		if (v == NULL) {
			conf_oom(l);
			return NULL;
		}
		c->services = v;
		l->services_cap = cap;
	}
	memset(&c->services[c->n_services], 0, sizeof(c->services[0]));
	return &c->services[c->n_services++];
}

/* The string of `arn` in a's load balancer lists (equal text), NULL if none. */
static const char *
find_lb(const struct service_spec *a, const char *arn)
{
	const struct strv *lists[] = {&a->nlb_arns, &a->gwlb_arns};

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < lists[k]->n; i++)
			if (strcmp(lists[k]->v[i], arn) == 0)
				return lists[k]->v[i];
	return NULL;
}

bool
conf_reuse_file(struct loader *l, const struct vpcesd_config *prev,
		const struct model_source_file *f)
{
	struct vpcesd_config *c = l->cfg;
	size_t base = c->n_services;

	/* Past the limit the parse reports it where it happens. */
	if (l->services_seen + f->n > CONF_SERVICES_MAX)
		return false;
	for (size_t k = 0; k < f->n; k++) {
		struct service_spec *s = new_service(l);

		if (s == NULL)
			return true; /* reported; the load fails */
		if (model_service_copy(s, &prev->services[f->first + k]) < 0) {
			c->n_services--;
			conf_oom(l);
			return true;
		}
	}
	l->services_seen += f->n;
	for (size_t k = 0; k < f->n_lbs; k++) {
		const struct model_lb_pos *p = &prev->lb_pos[f->first_lb + k];
		size_t svc = base + (p->svc - f->first);
		const char *arn = find_lb(&c->services[svc], p->arn);

		if (arn != NULL)
			conf_note_lb(l, arn, svc, p->line, p->col);
	}
	return true;
}

static void
load_service(struct loader *l, const struct ynode *n)
{
	struct service_spec *s;
	const struct ynode *v, *nlb, *gwlb, *gwlb_key = NULL, *dns, *conn;
	bool *skip;

	if (++l->services_seen == CONF_SERVICES_MAX + 1)
		conf_diag(l, n, "more than %d services", CONF_SERVICES_MAX);
	if (l->services_seen > CONF_SERVICES_MAX)
		return;
	if ((skip = conf_checked_map(l, n, service_keys, "a service")) == NULL)
		return;
	if ((s = new_service(l)) == NULL)
		goto out;
	s->line = n->line;
	s->col = n->col;
	s->acceptance_required = true;
	if (!conf_set_str(l, &s->file, l->path))
		goto out;
	if ((v = conf_map_get(n, skip, "name", NULL)) == NULL)
		conf_diag(l, n, "missing required key 'name' in a service");
	else
		conf_take_checked(l, v, "name", validate_name, &s->name);
	nlb = conf_map_get(n, skip, "network_load_balancer_arns", NULL);
	gwlb = conf_map_get(n, skip, "gateway_load_balancer_arns", &gwlb_key);
	if (nlb && gwlb)
		conf_diag(l, gwlb_key,
			  "a service has either network_load_balancer_arns or "
			  "gateway_load_balancer_arns, not both");
	else if (!nlb && !gwlb)
		conf_diag(l, n,
			  "missing required key 'network_load_balancer_arns' or "
			  "'gateway_load_balancer_arns' in a service");
	if (nlb)
		load_list(l, nlb, "network_load_balancer_arns", ITEM_NLB, true, &s->nlb_arns);
	if (gwlb && !nlb)
		load_list(l, gwlb, "gateway_load_balancer_arns", ITEM_GWLB, true, &s->gwlb_arns);
	if ((v = conf_map_get(n, skip, "acceptance_required", NULL)))
		conf_get_bool(l, v, "acceptance_required", &s->acceptance_required);
	if ((v = conf_map_get(n, skip, "allowed_principals", NULL))) {
		s->principals_managed = true;
		load_list(l, v, "allowed_principals", ITEM_PRINCIPAL, false,
			  &s->allowed_principals);
	}
	if ((conn = conf_map_get(n, skip, "connections", NULL))) {
		load_connections(l, conn, s);
		if (s->connections_managed && !s->acceptance_required &&
		    (s->accept.n > 0 || s->reject_unlisted))
			conf_diag(l, conn,
				  "connections: accept and reject_unlisted decide pending "
				  "connections, which only exist with acceptance_required: true");
		if (s->reject_on_principal_removal && !s->principals_managed)
			conf_diag(
				l, conn,
				"connections.reject_on_principal_removal: needs allowed_principals "
				"(the principals whose removal rejects connections)");
	}
	if ((dns = conf_map_get(n, skip, "private_dns_name", NULL))) {
		if (gwlb != NULL && nlb == NULL)
			conf_diag(l, dns,
				  "private_dns_name: only Network Load Balancer services can have "
				  "a private DNS name");
		conf_take_checked(l, dns, "private_dns_name", validate_dns_name,
				  &s->private_dns_name);
		for (char *c = s->private_dns_name; c && *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + ('a' - 'A'));
	}
	if ((v = conf_map_get(n, skip, "verify_private_dns", NULL)) &&
	    conf_get_bool(l, v, "verify_private_dns", &s->verify_private_dns) &&
	    s->verify_private_dns && dns == NULL)
		conf_diag(l, v, "verify_private_dns: needs private_dns_name (the name to verify)");
	if ((v = conf_map_get(n, skip, "notifications", NULL)))
		load_notifications(l, v, s);
	if ((v = conf_map_get(n, skip, "payer_responsibility", NULL)))
		load_payer(l, v, s);
	if ((v = conf_map_get(n, skip, "supported_ip_address_types", NULL)))
		load_list(l, v, "supported_ip_address_types", ITEM_IP_TYPE, true,
			  &s->ip_address_types);
	else if (strv_push(&s->ip_address_types, "ipv4") < 0)
		conf_oom(l);
	if ((v = conf_map_get(n, skip, "supported_regions", NULL)))
		load_list(l, v, "supported_regions", ITEM_REGION, false, &s->supported_regions);
	if ((v = conf_map_get(n, skip, "tags", NULL)))
		load_tags(l, v, &s->tags);
	if ((v = conf_map_get(n, skip, "adopt", NULL)))
		conf_take_checked(l, v, "adopt", validate_service_id, &s->adopt);
	strv_sort(&s->nlb_arns);
	strv_sort(&s->gwlb_arns);
	strv_sort(&s->allowed_principals);
	strv_sort(&s->accept);
	strv_sort(&s->ip_address_types);
	strv_sort(&s->supported_regions);
	model_tags_sort(&s->tags);
out:
	free(skip);
}

/* A services file: a mapping with one key, services, a list of service mappings. */
void
conf_load_services_tree(struct loader *l, const struct ynode *root)
{
	static const char *const keys[] = {"services", NULL};
	const struct ynode *list;
	bool *skip;

	if (root == NULL || (root->kind == Y_SCALAR && root->stype == YS_NULL))
		return; /* an empty file: no services */
	if ((skip = conf_checked_map(l, root, keys, "a services file")) == NULL)
		return;
	list = conf_map_get(root, skip, "services", NULL);
	if (list == NULL)
		conf_diag(l, root, "missing required key 'services'");
	else if (conf_want_kind(l, list, Y_SEQ, "services"))
		for (size_t i = 0; i < list->n; i++)
			if (conf_want_kind(l, list->kids[i], Y_MAP, "services entry"))
				load_service(l, list->kids[i]);
	free(skip);
}

/* --- checks across files ------------------------------------------------------------ */

struct spec_ref {
	const char *key;
	size_t idx;
};

static int
spec_ref_cmp(const void *a, const void *b)
{
	const struct spec_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Report every later spec that repeats an earlier one's name (or adopt id),
 * naming both places, in load order.  Sorting keeps it O(n log n) for 10,000
 * services.
 */
void
conf_check_unique(struct loader *l, bool adopt)
{
	struct vpcesd_config *c = l->cfg;
	struct spec_ref *refs;
	size_t *first, m = 0;

	if (c->n_services < 2)
		return;
	refs = malloc(c->n_services * sizeof(*refs));
	first = malloc(c->n_services * sizeof(*first));
	if (refs == NULL || first == NULL) {
		free(refs);
		free(first);
		conf_oom(l);
		return;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const char *k = adopt ? c->services[i].adopt : c->services[i].name;

		first[i] = SIZE_MAX;
		if (k != NULL) {
			refs[m].key = k;
			refs[m].idx = i;
			m++;
		}
	}
	qsort(refs, m, sizeof(*refs), spec_ref_cmp);
	for (size_t i = 1, head = 0; i < m; i++) {
		if (strcmp(refs[i].key, refs[head].key) != 0) {
			head = i;
			continue;
		}
		first[refs[i].idx] = refs[head].idx;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct service_spec *s = &c->services[i], *f;

		if (first[i] == SIZE_MAX)
			continue;
		f = &c->services[first[i]];
		if (adopt)
			conf_diag_at(l, s->file, s->line, s->col,
				     "service '%s' adopts %s, which service '%s' already adopts "
				     "(%s:%u:%u)",
				     s->name ? s->name : "?", s->adopt, f->name ? f->name : "?",
				     f->file, f->line, f->col);
		else
			conf_diag_at(l, s->file, s->line, s->col,
				     "duplicate service name '%s' (first defined at %s:%u:%u)",
				     s->name, f->file, f->line, f->col);
		conf_flush_diags(l); /* keep load order: positions of different files do not sort */
	}
	free(refs);
	free(first);
}

/* By ARN, then load order (the refs are one array: address order is load order). */
static int
lb_ref_cmp(const void *a, const void *b)
{
	const struct model_lb_pos *x = *(const struct model_lb_pos *const *)a,
				  *y = *(const struct model_lb_pos *const *)b;
	int c = strcmp(x->arn, y->arn);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * EC2 associates a Network or Gateway Load Balancer with at most one
 * endpoint service, so two specs naming the same one can never both
 * converge: the second create or modification would fail every cycle.
 * Report every later use at the ARN itself, naming the spec that uses it
 * first, in load order.  Sorting pointers keeps it O(n log n) for 10,000
 * services.
 */
void
conf_check_shared_lbs(struct loader *l)
{
	const struct vpcesd_config *c = l->cfg;
	const struct model_lb_pos *lbs = c->lb_pos, **sorted;
	size_t n = c->n_lb_pos;
	size_t *first;

	if (n < 2)
		return;
	sorted = malloc(n * sizeof(*sorted));
	first = malloc(n * sizeof(*first));
	if (sorted == NULL || first == NULL) {
		free(sorted);
		free(first);
		conf_oom(l);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sorted[i] = &lbs[i];
		first[i] = SIZE_MAX;
	}
	qsort(sorted, n, sizeof(*sorted), lb_ref_cmp);
	for (size_t i = 1, head = 0; i < n; i++) {
		if (strcmp(sorted[i]->arn, sorted[head]->arn) != 0) {
			head = i;
			continue;
		}
		/* A spec cannot list an ARN twice (load_list), but be sure. */
		if (sorted[i]->svc != sorted[head]->svc)
			first[sorted[i] - lbs] = sorted[head]->svc;
	}
	for (size_t i = 0; i < n; i++) {
		const struct model_lb_pos *r = &lbs[i];
		const struct service_spec *s, *f;

		if (first[i] == SIZE_MAX)
			continue;
		s = &c->services[r->svc];
		f = &c->services[first[i]];
		conf_diag_at(
			l, s->file, r->line, r->col,
			"service '%s' uses load balancer %s, which service '%s' already uses "
			"(%s:%u:%u): EC2 associates a load balancer with one endpoint service only",
			s->name ? s->name : "?", r->arn, f->name ? f->name : "?", f->file, f->line,
			f->col);
		conf_flush_diags(l); /* keep load order, as check_unique does */
	}
	free(sorted);
	free(first);
}
