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
	for (size_t i = 0; i < s->totals.n_latency; i++)
		free(s->totals.latency[i].action);
	free(s->totals.latency);
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

const double status_latency_bounds[STATUS_LATENCY_BUCKETS] = {
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
};

static int
cmp_latency(const void *key, const void *elem)
{
	return strcmp(key, ((const struct status_latency *)elem)->action);
}

int
status_observe_latency(struct status *s, const char *action, double seconds)
{
	struct status_totals *t = &s->totals;
	struct status_latency *l;
	size_t pos;

	if (action == NULL || *action == '\0' || !(seconds >= 0))
		return -EINVAL;
	if (sorted_find(t->latency, t->n_latency, sizeof(*t->latency), action, cmp_latency, &pos)) {
		l = &t->latency[pos];
	} else {
		char *copy = strdup(action);

		l = copy ? sorted_insert((void **)&t->latency, &t->n_latency, sizeof(*t->latency),
					 pos)
			 : NULL;
		if (l == NULL) {
			free(copy);
			return -ENOMEM;
		}
		l->action = copy;
	}
	for (size_t i = 0; i < STATUS_LATENCY_BUCKETS; i++)
		if (seconds <= status_latency_bounds[i]) {
			l->bucket[i]++;
			break;
		}
	l->count++;
	l->sum += seconds;
	return 0;
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
		qsort(v, codes->n, sizeof(*v), strv_cmp);
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
