/* SPDX-License-Identifier: ISC */
/*
 * status: the status document and the metrics text.
 * See status.h for the contract and the document's shape.
 *
 * Why this file looks the way it does:
 *  - Consumers (dashboards, scripts asking "what is the service name of
 *    api-a?") must be able to rely on every key being present, so the JSON is
 *    built key by key in a fixed order with explicit nulls, never by
 *    serialising whatever happens to be set.
 *  - The metrics text is written by hand (no client library: this is a file
 *    for node_exporter's textfile collector), in a fixed family order with
 *    sorted label sets, so two renderings of the same status are identical
 *    and the golden test can compare bytes.
 *  - The arrays the reconciler updates (services, per-action counters, totals)
 *    are kept sorted on insertion; rendering then needs no sorting of its own
 *    beyond small, local sets (service states, error codes of one action).
 *  - Nothing rendered is a pointer or a memory address: only the strings and
 *    numbers of the struct, which by design holds no secret.
 *
 * Pure: no I/O, no clock (atomic.h writes the files).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "rfc3339.h"
#include "status.h"

/* --- sorted arrays -------------------------------------------------------- */

/*
 * Binary search in an array sorted by `cmp(key, element)`.  Returns true when
 * found; *pos is the element's index, or the index to insert `key` at.
 */
static bool
sorted_find(const void *base, size_t n, size_t size, const void *key,
	    int (*cmp)(const void *key, const void *elem), size_t *pos)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(key, (const char *)base + mid * size);

		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return false;
}

/*
 * Open a zeroed slot at `pos` in *base (n elements of `size` bytes), growing
 * the array by one.  Returns the slot, NULL on ENOMEM (array unchanged).
 */
static void *
sorted_insert(void **base, size_t *n, size_t size, size_t pos)
{
	char *a;

	if (*n >= SIZE_MAX / size - 1)
		return NULL;
	a = realloc(*base, (*n + 1) * size);
	if (a == NULL)
		return NULL;
	memmove(a + (pos + 1) * size, a + pos * size, (*n - pos) * size);
	memset(a + pos * size, 0, size);
	*base = a;
	(*n)++;
	return a + pos * size;
}

static int
cmp_service(const void *key, const void *elem)
{
	return strcmp(key, ((const struct status_service *)elem)->name);
}

static int
cmp_api(const void *key, const void *elem)
{
	return strcmp(key, ((const struct status_api *)elem)->action);
}

/* Key of the two-string totals arrays. */
struct pair {
	const char *a;
	const char *b;
};

static int
cmp_api_count(const void *key, const void *elem)
{
	const struct pair *k = key;
	const struct status_api_count *c = elem;
	int r = strcmp(k->a, c->action);

	return r ? r : strcmp(k->b, c->code);
}

static int
cmp_change_count(const void *key, const void *elem)
{
	const struct pair *k = key;
	const struct status_change_count *c = elem;
	int r = strcmp(k->a, c->kind);

	return r ? r : strcmp(k->b, c->outcome);
}

/* --- life cycle ----------------------------------------------------------- */

void
status_init(struct status *s)
{
	memset(s, 0, sizeof(*s));
	s->health = STATUS_STARTING;
}

void
status_service_clear(struct status_service *svc)
{
	if (svc == NULL)
		return;
	free(svc->name);
	free(svc->service_id);
	free(svc->service_name);
	free(svc->state);
	strv_free(&svc->load_balancer_arns);
	strv_free(&svc->base_endpoint_dns_names);
	strv_free(&svc->availability_zones);
	strv_free(&svc->supported_ip_address_types);
	free(svc->private_dns_name);
	free(svc->private_dns_state);
	free(svc->private_dns_txt_name);
	free(svc->private_dns_txt_value);
	for (size_t i = 0; i < svc->n_regions; i++) {
		free(svc->regions[i].region);
		free(svc->regions[i].state);
	}
	free(svc->regions);
	strv_free(&svc->allowed_principals);
	for (size_t i = 0; i < svc->n_connections; i++) {
		free(svc->connections[i].endpoint_id);
		free(svc->connections[i].owner);
		free(svc->connections[i].state);
	}
	free(svc->connections);
	free(svc->held);
	free(svc->contested_diff);
	free(svc->last_change);
	free(svc->last_error);
	memset(svc, 0, sizeof(*svc));
}

void
status_reset_cycle_api(struct status *s)
{
	for (size_t i = 0; i < s->n_api; i++) {
		free(s->api[i].action);
		strv_free(&s->api[i].error_codes);
	}
	free(s->api);
	s->api = NULL;
	s->n_api = 0;
}

void
status_free(struct status *s)
{
	if (s == NULL)
		return;
	free(s->owner);
	free(s->region);
	free(s->state_file);
	free(s->state_error);
	free(s->health_reason);
	for (size_t i = 0; i < s->n_services; i++)
		status_service_clear(&s->services[i]);
	free(s->services);
	strv_free(&s->cycle.errors);
	status_reset_cycle_api(s);
	for (size_t i = 0; i < s->totals.n_changes; i++) {
		free(s->totals.changes[i].kind);
		free(s->totals.changes[i].outcome);
	}
	free(s->totals.changes);
	for (size_t i = 0; i < s->totals.n_api; i++) {
		free(s->totals.api[i].action);
		free(s->totals.api[i].code);
	}
	free(s->totals.api);
	status_init(s);
}

struct status_service *
status_service_get(struct status *s, const char *name)
{
	struct status_service *svc;
	char *copy;
	size_t pos;

	if (name == NULL)
		return NULL;
	if (sorted_find(s->services, s->n_services, sizeof(*s->services), name, cmp_service, &pos))
		return &s->services[pos];
	copy = strdup(name);
	if (copy == NULL)
		return NULL;
	svc = sorted_insert((void **)&s->services, &s->n_services, sizeof(*s->services), pos);
	if (svc == NULL) {
		free(copy);
		return NULL;
	}
	svc->name = copy;
	return svc;
}

struct status_service *
status_service_find(const struct status *s, const char *name)
{
	size_t pos;

	if (name == NULL ||
	    !sorted_find(s->services, s->n_services, sizeof(*s->services), name, cmp_service, &pos))
		return NULL;
	return &s->services[pos];
}

void
status_services_retain(struct status *s, const struct strv *keep)
{
	size_t out = 0;

	for (size_t i = 0; i < s->n_services; i++) {
		if (keep != NULL && strv_contains_sorted(keep, s->services[i].name)) {
			if (out != i)
				s->services[out] = s->services[i];
			out++;
		} else {
			status_service_clear(&s->services[i]);
		}
	}
	s->n_services = out;
	if (out == 0) {
		free(s->services);
		s->services = NULL;
	}
}

const char *
status_health_name(int health)
{
	switch (health) {
	case STATUS_STARTING:
		return "starting";
	case STATUS_CONVERGED:
		return "converged";
	case STATUS_PENDING:
		return "pending";
	case STATUS_DEGRADED:
		return "degraded";
	case STATUS_UNREACHABLE:
		return "unreachable";
	default:
		return "unknown";
	}
}

/* --- counters ------------------------------------------------------------- */

const char *
status_call_code(int r, const char *error_code)
{
	if (r == 0)
		return NULL;
	if (error_code != NULL && *error_code != '\0')
		return error_code;
	switch (-r) {
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNRESET:
		return "ECONNRESET";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case EPROTO:
		return "EPROTO";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EBADMSG:
		return "EBADMSG";
	case ENOKEY:
		return "ENOKEY";
	case ECANCELED:
		return "ECANCELED";
	case ENOMEM:
		return "ENOMEM";
	default:
		return "Error";
	}
}

/* An AWS error code we are willing to keep as a label: short, [A-Za-z0-9._-]. */
static bool
code_is_plain(const char *code)
{
	size_t n = 0;

	for (const char *p = code; *p; p++, n++) {
		char c = *p;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		if (!ok || n >= STATUS_CODE_LEN_MAX)
			return false;
	}
	return true;
}

/*
 * The totals entry for (action, code), created when absent.  Past
 * STATUS_API_COUNTS_MAX entries a new pair folds into (action, "Other"),
 * which is always allowed: actions are a fixed set from our own code.
 */
static struct status_api_count *
totals_api_get(struct status_totals *t, const char *action, const char *code)
{
	struct pair key = {action, code};
	struct status_api_count *c;
	size_t pos;

	if (sorted_find(t->api, t->n_api, sizeof(*t->api), &key, cmp_api_count, &pos))
		return &t->api[pos];
	if (t->n_api >= STATUS_API_COUNTS_MAX && strcmp(code, "Other") != 0)
		return totals_api_get(t, action, "Other");
	c = sorted_insert((void **)&t->api, &t->n_api, sizeof(*t->api), pos);
	if (c == NULL)
		return NULL;
	c->action = strdup(action);
	c->code = strdup(code);
	if (c->action == NULL || c->code == NULL) {
		free(c->action);
		free(c->code);
		memmove(c, c + 1, (t->n_api - pos - 1) * sizeof(*c));
		t->n_api--;
		return NULL;
	}
	return c;
}

static struct status_api *
cycle_api_get(struct status *s, const char *action)
{
	struct status_api *a;
	char *copy;
	size_t pos;

	if (sorted_find(s->api, s->n_api, sizeof(*s->api), action, cmp_api, &pos))
		return &s->api[pos];
	copy = strdup(action);
	if (copy == NULL)
		return NULL;
	a = sorted_insert((void **)&s->api, &s->n_api, sizeof(*s->api), pos);
	if (a == NULL) {
		free(copy);
		return NULL;
	}
	a->action = copy;
	return a;
}

int
status_count_call(struct status *s, const char *action, const char *error_code, unsigned throttled)
{
	const char *code = "";
	struct status_api *a;
	struct status_api_count *c;

	if (action == NULL || *action == '\0')
		return -EINVAL;
	if (error_code != NULL && *error_code != '\0')
		code = code_is_plain(error_code) ? error_code : "Other";
	/*
	 * Find or create both entries and record the code before touching a
	 * counter, so ENOMEM leaves every count as it was.
	 */
	a = cycle_api_get(s, action);
	if (a == NULL)
		return -ENOMEM;
	c = totals_api_get(&s->totals, action, code);
	if (c == NULL)
		return -ENOMEM;
	if (*code != '\0') {
		/* The totals may have folded the code into "Other": say the same here. */
		if (strv_push(&a->error_codes, c->code) < 0)
			return -ENOMEM;
		a->errors++;
	}
	a->calls++;
	a->throttled += throttled;
	c->n++;
	c->throttled += throttled;
	return 0;
}

int
status_count_change(struct status *s, const char *kind, const char *outcome)
{
	struct status_totals *t = &s->totals;
	struct pair key = {kind, outcome};
	struct status_change_count *c;
	char *k, *o;
	size_t pos;

	if (kind == NULL || *kind == '\0' || outcome == NULL || *outcome == '\0')
		return -EINVAL;
	if (!sorted_find(t->changes, t->n_changes, sizeof(*t->changes), &key, cmp_change_count,
			 &pos)) {
		k = strdup(kind);
		o = strdup(outcome);
		c = NULL;
		if (k != NULL && o != NULL)
			c = sorted_insert((void **)&t->changes, &t->n_changes, sizeof(*t->changes),
					  pos);
		if (c == NULL) {
			free(k);
			free(o);
			return -ENOMEM;
		}
		c->kind = k;
		c->outcome = o;
	}
	t->changes[pos].n++;
	return 0;
}

/* --- JSON ----------------------------------------------------------------- */

static void
json_time(struct jsonw *w, const char *key, time_t t)
{
	char text[RFC3339_SIZE];

	if (rfc3339_format(t, text))
		jsonw_string(w, key, text);
	else
		jsonw_null(w, key);
}

static void
json_strv(struct jsonw *w, const char *key, const struct strv *sv)
{
	jsonw_array_begin(w, key);
	for (size_t i = 0; i < sv->n; i++)
		jsonw_string(w, NULL, sv->v[i]);
	jsonw_array_end(w);
}

/* {"text", "at"} or null when there is no text. */
static void
json_event(struct jsonw *w, const char *key, const char *text, time_t at)
{
	if (text == NULL) {
		jsonw_null(w, key);
		return;
	}
	jsonw_object_begin(w, key);
	jsonw_string(w, "text", text);
	json_time(w, "at", at);
	jsonw_object_end(w);
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {Code: n} in code order, from one entry per failed call. */
static int
put_error_codes(struct jsonw *w, const struct strv *codes)
{
	const char **v = NULL;

	if (codes->n > 0) {
		v = malloc(codes->n * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		memcpy(v, codes->v, codes->n * sizeof(*v));
		qsort(v, codes->n, sizeof(*v), cmp_cstr);
	}
	jsonw_object_begin(w, "error_codes");
	for (size_t i = 0; i < codes->n;) {
		size_t j = i;

		while (j < codes->n && strcmp(v[j], v[i]) == 0)
			j++;
		jsonw_uint(w, v[i], j - i);
		i = j;
	}
	jsonw_object_end(w);
	free(v);
	return 0;
}

static int
put_cycle(struct jsonw *w, const struct status *s)
{
	const struct status_cycle *cy = &s->cycle;
	int r = 0;

	jsonw_object_begin(w, "cycle");
	jsonw_uint(w, "number", cy->number);
	json_time(w, "started", cy->started);
	json_time(w, "ended", cy->ended);
	jsonw_bool(w, "observed", cy->observed);
	jsonw_bool(w, "dry_run", cy->dry_run);
	jsonw_object_begin(w, "changes");
	jsonw_uint(w, "applied", cy->changes_applied);
	jsonw_uint(w, "failed", cy->changes_failed);
	jsonw_uint(w, "skipped", cy->changes_skipped);
	jsonw_uint(w, "held", cy->held);
	jsonw_object_end(w);
	jsonw_object_begin(w, "reads");
	jsonw_uint(w, "made", cy->reads);
	jsonw_uint(w, "deferred", cy->reads_deferred);
	jsonw_object_end(w);
	json_strv(w, "errors", &cy->errors);
	jsonw_object_begin(w, "api_calls");
	for (size_t i = 0; i < s->n_api && r == 0; i++) {
		const struct status_api *a = &s->api[i];

		jsonw_object_begin(w, a->action);
		jsonw_uint(w, "calls", a->calls);
		jsonw_uint(w, "errors", a->errors);
		jsonw_uint(w, "throttled", a->throttled);
		r = put_error_codes(w, &a->error_codes);
		jsonw_object_end(w);
	}
	jsonw_object_end(w);
	jsonw_object_end(w);
	return r;
}

static void
put_private_dns(struct jsonw *w, const struct status_service *svc)
{
	if (svc->private_dns_name == NULL) {
		jsonw_null(w, "private_dns");
		return;
	}
	jsonw_object_begin(w, "private_dns");
	jsonw_string(w, "name", svc->private_dns_name);
	jsonw_string(w, "state", svc->private_dns_state);
	jsonw_string(w, "txt_name", svc->private_dns_txt_name);
	jsonw_string(w, "txt_value", svc->private_dns_txt_value);
	jsonw_object_end(w);
}

static void
put_connections(struct jsonw *w, const struct status_service *svc)
{
	if (!svc->connections_known) {
		jsonw_null(w, "connections");
		return;
	}
	jsonw_array_begin(w, "connections");
	for (size_t i = 0; i < svc->n_connections; i++) {
		const struct status_connection *c = &svc->connections[i];

		jsonw_object_begin(w, NULL);
		jsonw_string(w, "endpoint_id", c->endpoint_id);
		jsonw_string(w, "owner", c->owner);
		jsonw_string(w, "state", c->state);
		json_time(w, "since", c->since);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

static void
put_service(struct jsonw *w, const struct status_service *svc)
{
	jsonw_object_begin(w, NULL);
	jsonw_string(w, "name", svc->name);
	jsonw_string(w, "service_id", svc->service_id);
	jsonw_string(w, "service_name", svc->service_name);
	jsonw_string(w, "state", svc->state);
	json_time(w, "observed_at", svc->observed_at);
	jsonw_bool(w, "stale", svc->stale);
	jsonw_object_begin(w, "verified_at");
	json_time(w, "config", svc->observed_at);
	json_time(w, "principals", svc->principals_at);
	json_time(w, "connections", svc->connections_at);
	json_time(w, "notifications", svc->notifications_at);
	jsonw_object_end(w);
	jsonw_bool(w, "acceptance_required", svc->acceptance_required);
	json_strv(w, "load_balancer_arns", &svc->load_balancer_arns);
	json_strv(w, "base_endpoint_dns_names", &svc->base_endpoint_dns_names);
	json_strv(w, "availability_zones", &svc->availability_zones);
	json_strv(w, "supported_ip_address_types", &svc->supported_ip_address_types);
	put_private_dns(w, svc);
	jsonw_array_begin(w, "supported_regions");
	for (size_t i = 0; i < svc->n_regions; i++) {
		jsonw_object_begin(w, NULL);
		jsonw_string(w, "region", svc->regions[i].region);
		jsonw_string(w, "state", svc->regions[i].state);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	if (svc->principals_known)
		json_strv(w, "allowed_principals", &svc->allowed_principals);
	else
		jsonw_null(w, "allowed_principals");
	put_connections(w, svc);
	jsonw_bool(w, "converged", svc->converged);
	jsonw_string(w, "held", svc->held);
	jsonw_bool(w, "retained", svc->retained);
	if (svc->contested) {
		jsonw_object_begin(w, "contested");
		jsonw_string(w, "change", svc->contested_diff);
		jsonw_uint(w, "repeats", svc->contested_repeats);
		json_time(w, "until", svc->contested_until);
		jsonw_object_end(w);
	} else {
		jsonw_null(w, "contested");
	}
	json_event(w, "last_change", svc->last_change, svc->last_change_at);
	json_event(w, "last_error", svc->last_error, svc->last_error_at);
	jsonw_uint(w, "consecutive_failures", svc->consecutive_failures);
	json_time(w, "next_retry", svc->next_retry);
	jsonw_object_end(w);
}

int
status_json(const struct status *s, struct buf *out)
{
	size_t start = buf_total(out);
	struct jsonw w;
	int r;

	jsonw_init(&w, out);
	jsonw_object_begin(&w, NULL);
	jsonw_uint(&w, "version", 1);
	jsonw_string(&w, "owner", s->owner);
	jsonw_string(&w, "region", s->region);
	jsonw_string(&w, "health", status_health_name((int)s->health));
	/* Never without a reason: before the first cycle it is that one. */
	jsonw_string(&w, "health_reason",
		     s->health_reason               ? s->health_reason
		     : s->health == STATUS_STARTING ? "no cycle has finished yet"
						    : NULL);
	json_time(&w, "generated_at", s->cycle.ended);
	jsonw_object_begin(&w, "state");
	jsonw_string(&w, "file", s->state_file);
	jsonw_string(&w, "error", s->state_error);
	jsonw_object_end(&w);
	jsonw_int(&w, "clock_skew_seconds", s->clock_skew_seconds);
	r = put_cycle(&w, s);
	jsonw_array_begin(&w, "services");
	for (size_t i = 0; i < s->n_services; i++)
		put_service(&w, &s->services[i]);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	if (r == 0)
		r = jsonw_finish(&w);
	/*
	 * Nothing half-written stays behind; in a sink that took part of it
	 * already this fails, and the sink's user aborts (status.h).
	 */
	if (r < 0)
		(void)buf_truncate(out, start);
	return r;
}

/* --- metrics -------------------------------------------------------------- */

/* A label value with \, " and newline escaped as the exposition format requires. */
static int
put_label_value(struct buf *b, const char *v)
{
	int r = 0;

	for (const char *p = v; r == 0 && *p; p++) {
		if (*p == '\\')
			r = buf_puts(b, "\\\\");
		else if (*p == '"')
			r = buf_puts(b, "\\\"");
		else if (*p == '\n')
			r = buf_puts(b, "\\n");
		else
			r = buf_append(b, p, 1);
	}
	return r;
}

static int
put_family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * One sample: name{l1="v1",l2="v2"} value.  Labels come as a NULL-terminated
 * list of name, value pairs (`labels` may be NULL for none).
 */
static int
put_sample(struct buf *b, const char *name, const char *const *labels, const char *value)
{
	int r = buf_puts(b, name);

	if (r == 0 && labels != NULL && labels[0] != NULL) {
		r = buf_puts(b, "{");
		for (size_t i = 0; r == 0 && labels[i] != NULL; i += 2) {
			r = buf_printf(b, "%s%s=\"", i ? "," : "", labels[i]);
			if (r == 0)
				r = put_label_value(b, labels[i + 1]);
			if (r == 0)
				r = buf_puts(b, "\"");
		}
		if (r == 0)
			r = buf_puts(b, "}");
	}
	if (r == 0)
		r = buf_printf(b, " %s\n", value);
	return r;
}

static int
put_ulong(struct buf *b, const char *name, const char *const *labels, unsigned long v)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu", v);
	return put_sample(b, name, labels, text);
}

static int
put_time(struct buf *b, const char *name, time_t v)
{
	char text[32];

	snprintf(text, sizeof(text), "%jd", (intmax_t)(v > 0 ? v : 0));
	return put_sample(b, name, NULL, text);
}

/* A label-less gauge or counter family with its single sample. */
static int
put_scalar(struct buf *b, const char *name, const char *type, const char *help, unsigned long v)
{
	int r = put_family(b, name, type, help);

	return r ? r : put_ulong(b, name, NULL, v);
}

static int
metrics_health(struct buf *b, const struct status *s)
{
	static const int all[] = {STATUS_STARTING, STATUS_CONVERGED, STATUS_PENDING,
				  STATUS_DEGRADED, STATUS_UNREACHABLE};
	int r = put_family(b, "vpcesd_health", "gauge",
			   "Health of the last cycle: 1 for the current value, 0 for the others.");

	for (size_t i = 0; r == 0 && i < sizeof(all) / sizeof(all[0]); i++) {
		const char *labels[] = {"health", status_health_name(all[i]), NULL};

		r = put_ulong(b, "vpcesd_health", labels, (int)s->health == all[i]);
	}
	return r;
}

static int
metrics_cycles(struct buf *b, const struct status *s)
{
	const struct status_cycle *cy = &s->cycle;
	time_t duration = cy->ended > cy->started && cy->started > 0 ? cy->ended - cy->started : 0;
	int r;

	r = put_scalar(b, "vpcesd_cycles_total", "counter", "Reconciliation cycles finished.",
		       s->totals.cycles);
	if (r == 0)
		r = put_scalar(b, "vpcesd_consecutive_failed_cycles", "gauge",
			       "Cycles in a row that ended with a failure.",
			       s->totals.consecutive_failed_cycles);
	if (r == 0)
		r = put_family(b, "vpcesd_last_success_timestamp_seconds", "gauge",
			       "End of the last cycle without failure (Unix time, 0 if none).");
	if (r == 0)
		r = put_time(b, "vpcesd_last_success_timestamp_seconds", s->totals.last_success);
	if (r == 0)
		r = put_family(b, "vpcesd_cycle_duration_seconds", "gauge",
			       "Duration of the last cycle, whole seconds.");
	if (r == 0)
		r = put_time(b, "vpcesd_cycle_duration_seconds", duration);
	return r;
}

static int
metrics_clock(struct buf *b, const struct status *s)
{
	char text[32];
	int r = put_family(b, "vpcesd_clock_skew_seconds", "gauge",
			   "Clock skew corrected for: EC2's clock minus the local one, seconds "
			   "(0 within 4 minutes).");

	snprintf(text, sizeof(text), "%ld", s->clock_skew_seconds);
	return r ? r : put_sample(b, "vpcesd_clock_skew_seconds", NULL, text);
}

/*
 * The read budget: reads made and left for later, and how old the oldest
 * read shown is, per kind (0 when none is shown).  An operator alerts on
 * the age: it is how long a drift of that kind can go unseen.
 */
static int
metrics_reads(struct buf *b, const struct status *s)
{
	static const char *const kinds[] = {"principals", "connections", "notifications"};
	time_t oldest[3] = {0, 0, 0};
	int r;

	for (size_t i = 0; i < s->n_services; i++) {
		const struct status_service *svc = &s->services[i];
		time_t at[3] = {svc->principals_at, svc->connections_at, svc->notifications_at};

		for (size_t k = 0; k < 3; k++)
			if (at[k] > 0 && (oldest[k] == 0 || at[k] < oldest[k]))
				oldest[k] = at[k];
	}
	r = put_scalar(b, "vpcesd_reads", "gauge", "Detail reads the last cycle made.",
		       s->cycle.reads);
	if (r == 0)
		r = put_scalar(b, "vpcesd_reads_deferred", "gauge",
			       "Detail reads the last cycle's budget left for later cycles.",
			       s->cycle.reads_deferred);
	if (r == 0)
		r = put_family(
			b, "vpcesd_oldest_read_age_seconds", "gauge",
			"Age of the oldest detail read the status shows, by kind (0: none).");
	for (size_t k = 0; r == 0 && k < 3; k++) {
		const char *labels[] = {"read", kinds[k], NULL};
		time_t age =
			oldest[k] && s->cycle.ended > oldest[k] ? s->cycle.ended - oldest[k] : 0;

		r = put_ulong(b, "vpcesd_oldest_read_age_seconds", labels, (unsigned long)age);
	}
	return r;
}

static int
metrics_changes(struct buf *b, const struct status *s)
{
	int r = put_family(b, "vpcesd_changes_total", "counter",
			   "Planned changes by kind and outcome (done, failed, skipped).");

	for (size_t i = 0; r == 0 && i < s->totals.n_changes; i++) {
		const struct status_change_count *c = &s->totals.changes[i];
		const char *labels[] = {"kind", c->kind, "outcome", c->outcome, NULL};

		r = put_ulong(b, "vpcesd_changes_total", labels, c->n);
	}
	if (r == 0)
		r = put_scalar(b, "vpcesd_held_changes", "gauge",
			       "Changes the last cycle held back (waiting, policy, safety valve).",
			       s->cycle.held);
	return r;
}

static int
metrics_api(struct buf *b, const struct status *s)
{
	const struct status_totals *t = &s->totals;
	int r = put_family(b, "vpcesd_api_calls_total", "counter",
			   "Finished AWS API calls by action and outcome code (OK for success).");

	for (size_t i = 0; r == 0 && i < t->n_api; i++) {
		const char *code = *t->api[i].code ? t->api[i].code : "OK";
		const char *labels[] = {"action", t->api[i].action, "code", code, NULL};

		r = put_ulong(b, "vpcesd_api_calls_total", labels, t->api[i].n);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_api_errors_total", "counter",
			       "Failed AWS API calls by action and error code.");
	for (size_t i = 0; r == 0 && i < t->n_api; i++) {
		const char *labels[] = {"action", t->api[i].action, "code", t->api[i].code, NULL};

		if (*t->api[i].code != '\0')
			r = put_ulong(b, "vpcesd_api_errors_total", labels, t->api[i].n);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_api_throttled_total", "counter",
			       "Throttled AWS API attempts by action.");
	/* The totals are sorted by action first: sum each action's run. */
	for (size_t i = 0; r == 0 && i < t->n_api;) {
		const char *labels[] = {"action", t->api[i].action, NULL};
		unsigned long n = 0;
		size_t j = i;

		for (; j < t->n_api && strcmp(t->api[j].action, t->api[i].action) == 0; j++)
			n += t->api[j].throttled;
		r = put_ulong(b, "vpcesd_api_throttled_total", labels, n);
		i = j;
	}
	return r;
}

/*
 * vpcesd_services{state}: EC2's service states always appear (0 when no
 * service is in them, so alerts see a value rather than an absent series),
 * plus any other state EC2 reports and "unknown" for services not read yet.
 */
static int
metrics_service_states(struct buf *b, const struct status *s)
{
	static const char *const known[] = {"Available", "Deleted", "Deleting",
					    "Failed",    "Pending", "unknown"};
	const size_t n_known = sizeof(known) / sizeof(known[0]);
	const char **states;
	size_t n = 0;
	int r;

	states = malloc((n_known + s->n_services) * sizeof(*states));
	if (states == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_known; i++)
		states[n++] = known[i];
	for (size_t i = 0; i < s->n_services; i++)
		if (s->services[i].state != NULL)
			states[n++] = s->services[i].state;
	qsort(states, n, sizeof(*states), cmp_cstr);
	r = put_family(b, "vpcesd_services", "gauge",
		       "Services by EC2 state (unknown: not read yet).");
	for (size_t i = 0; r == 0 && i < n;) {
		const char *labels[] = {"state", states[i], NULL};
		bool unknown = strcmp(states[i], "unknown") == 0;
		unsigned long count = 0;
		size_t j = i;

		while (j < n && strcmp(states[j], states[i]) == 0)
			j++;
		for (size_t k = 0; k < s->n_services; k++) {
			const char *st = s->services[k].state;

			if (st != NULL ? strcmp(st, states[i]) == 0 : unknown)
				count++;
		}
		r = put_ulong(b, "vpcesd_services", labels, count);
		i = j;
	}
	free(states);
	return r;
}

/*
 * One sample per distinct state among the service's connections, in order
 * of first appearance.  Past STATUS_CONN_STATES_MAX distinct states (EC2 has
 * eight) the rest count as "other", which keeps the label set bounded.
 */
#define STATUS_CONN_STATES_MAX 16

static int
metrics_service_connections(struct buf *b, const struct status_service *svc)
{
	const char *states[STATUS_CONN_STATES_MAX + 1];
	unsigned long counts[STATUS_CONN_STATES_MAX + 1] = {0};
	size_t n = 0;
	int r = 0;

	if (!svc->connections_known)
		return 0;
	for (size_t i = 0; i < svc->n_connections; i++) {
		const char *state =
			svc->connections[i].state ? svc->connections[i].state : "unknown";
		size_t k = 0;

		while (k < n && strcmp(states[k], state) != 0)
			k++;
		if (k == n && n < STATUS_CONN_STATES_MAX)
			states[n++] = state;
		else if (k == n)
			k = STATUS_CONN_STATES_MAX;
		counts[k]++;
	}
	states[STATUS_CONN_STATES_MAX] = "other";
	for (size_t k = 0; r == 0 && k <= STATUS_CONN_STATES_MAX; k++) {
		const char *labels[] = {"service", svc->name, "state", states[k], NULL};

		if (k < n || (k == STATUS_CONN_STATES_MAX && counts[k] > 0))
			r = put_ulong(b, "vpcesd_service_connections", labels, counts[k]);
	}
	return r;
}

static int
metrics_services(struct buf *b, const struct status *s)
{
	unsigned long converged = 0, held = 0, failing = 0, contested = 0, stale = 0, retained = 0;
	int r = metrics_service_states(b, s);

	for (size_t i = 0; i < s->n_services; i++) {
		converged += s->services[i].converged;
		held += s->services[i].held != NULL && !s->services[i].retained;
		retained += s->services[i].retained;
		failing += s->services[i].consecutive_failures > 0;
		contested += s->services[i].contested;
		stale += s->services[i].stale;
	}
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_converged", "gauge",
			       "Services the last cycle found equal to their spec.", converged);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_held", "gauge",
			       "Services with a change held back (retained ones not counted).",
			       held);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_retained", "gauge",
			       "Owned services no spec names, kept as the policy says.", retained);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_failing", "gauge",
			       "Services whose last change failed.", failing);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_contested", "gauge",
			       "Services someone else keeps changing back.", contested);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_stale", "gauge",
			       "Services the last cycle could not read (values as last seen).",
			       stale);
	if (r == 0)
		r = put_family(b, "vpcesd_service_converged", "gauge",
			       "1 when the service equals its spec.");
	for (size_t i = 0; r == 0 && i < s->n_services; i++) {
		const char *labels[] = {"service", s->services[i].name, NULL};

		r = put_ulong(b, "vpcesd_service_converged", labels, s->services[i].converged);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_service_contested", "gauge",
			       "1 while someone else keeps changing the service back.");
	for (size_t i = 0; r == 0 && i < s->n_services; i++) {
		const char *labels[] = {"service", s->services[i].name, NULL};

		r = put_ulong(b, "vpcesd_service_contested", labels, s->services[i].contested);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_service_consecutive_failures", "gauge",
			       "Failed changes in a row for the service.");
	for (size_t i = 0; r == 0 && i < s->n_services; i++) {
		const char *labels[] = {"service", s->services[i].name, NULL};

		r = put_ulong(b, "vpcesd_service_consecutive_failures", labels,
			      s->services[i].consecutive_failures);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_service_connections", "gauge",
			       "Endpoint connections of the service by state (when read).");
	for (size_t i = 0; r == 0 && i < s->n_services; i++)
		r = metrics_service_connections(b, &s->services[i]);
	return r;
}

int
status_metrics(const struct status *s, struct buf *out)
{
	size_t start = buf_total(out);
	int r;

	/* Straight into `out`, taken back on failure (see status_json()). */
	r = metrics_health(out, s);
	if (r == 0)
		r = metrics_cycles(out, s);
	if (r == 0)
		r = metrics_clock(out, s);
	if (r == 0)
		r = metrics_reads(out, s);
	if (r == 0)
		r = metrics_changes(out, s);
	if (r == 0)
		r = metrics_api(out, s);
	if (r == 0)
		r = metrics_services(out, s);
	if (r < 0)
		(void)buf_truncate(out, start);
	return r;
}
