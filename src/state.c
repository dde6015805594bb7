/* SPDX-License-Identifier: ISC */
/*
 * state: the state file's data, its JSON form and its reader.  See state.h.
 *
 * The reader is strict about types and bounds, because a state file that
 * was cut short, edited by hand or written by someone else must not turn
 * into a guess: every problem is -EBADMSG with the JSON path of the value
 * ("services.api-a.generation"), and the caller decides what to do without
 * state (vpcesd(8), "State").  It is lenient only about keys it does not
 * know, so a later vpcesd of the same format version can add some.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "rfc3339.h"
#include "state.h"

#define STATE_STRING_MAX 4096u /* bytes of any one string */
#define STATE_LIST_MAX   1000u /* entries of a per-service list */

void
state_init(struct state *s)
{
	memset(s, 0, sizeof(*s));
}

static void
service_clear(struct state_service *v)
{
	free(v->name);
	free(v->service_id);
	free(v->service_name);
	free(v->state);
	strv_free(&v->dns_names);
	strv_free(&v->applied);
	memset(v, 0, sizeof(*v));
}

void
state_free(struct state *s)
{
	if (s == NULL)
		return;
	free(s->owner);
	strv_free(&s->previous_owners);
	for (size_t i = 0; i < s->n_services; i++)
		service_clear(&s->services[i]);
	free(s->services);
	for (size_t i = 0; i < s->n_dns_starts; i++)
		free(s->dns_starts[i].service_id);
	free(s->dns_starts);
	state_init(s);
}

/* Index of `name` in the sorted services, or where it would go (*found false). */
static size_t
service_pos(const struct state *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->n_services;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, s->services[mid].name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

const struct state_service *
state_find(const struct state *s, const char *name)
{
	bool found;
	size_t i = service_pos(s, name, &found);

	return found ? &s->services[i] : NULL;
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *grown;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	grown = realloc(*v, want * size);
	if (grown == NULL)
		return -ENOMEM;
	*v = grown;
	*cap = want;
	return 0;
}

struct state_service *
state_get(struct state *s, const char *name)
{
	bool found;
	size_t i = service_pos(s, name, &found);
	char *copy;

	if (found)
		return &s->services[i];
	if (s->n_services >= STATE_SERVICES_MAX ||
	    grow((void **)&s->services, &s->cap_services, s->n_services, sizeof(*s->services)) <
		    0 ||
	    (copy = strdup(name)) == NULL)
		return NULL;
	memmove(&s->services[i + 1], &s->services[i], (s->n_services - i) * sizeof(*s->services));
	memset(&s->services[i], 0, sizeof(s->services[i]));
	s->services[i].name = copy;
	s->n_services++;
	return &s->services[i];
}

void
state_forget(struct state *s, const char *name)
{
	bool found;
	size_t i = service_pos(s, name, &found);

	if (!found)
		return;
	service_clear(&s->services[i]);
	memmove(&s->services[i], &s->services[i + 1],
		(s->n_services - i - 1) * sizeof(*s->services));
	s->n_services--;
}

static size_t
dns_pos(const struct state *s, const char *id, bool *found)
{
	size_t lo = 0, hi = s->n_dns_starts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, s->dns_starts[mid].service_id);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

time_t
state_dns_start(const struct state *s, const char *service_id)
{
	bool found;
	size_t i = dns_pos(s, service_id, &found);

	return found ? s->dns_starts[i].at : 0;
}

int
state_set_dns_start(struct state *s, const char *service_id, time_t at)
{
	bool found;
	size_t i = dns_pos(s, service_id, &found);
	char *copy;

	if (found) {
		s->dns_starts[i].at = at;
		return 0;
	}
	if (s->n_dns_starts >= STATE_SERVICES_MAX)
		return -E2BIG;
	if (grow((void **)&s->dns_starts, &s->cap_dns_starts, s->n_dns_starts,
		 sizeof(*s->dns_starts)) < 0 ||
	    (copy = strdup(service_id)) == NULL)
		return -ENOMEM;
	memmove(&s->dns_starts[i + 1], &s->dns_starts[i],
		(s->n_dns_starts - i) * sizeof(*s->dns_starts));
	s->dns_starts[i] = (struct state_dns_start){copy, at};
	s->n_dns_starts++;
	return 0;
}

void
state_forget_dns_start(struct state *s, const char *service_id)
{
	bool found;
	size_t i = dns_pos(s, service_id, &found);

	if (!found)
		return;
	free(s->dns_starts[i].service_id);
	memmove(&s->dns_starts[i], &s->dns_starts[i + 1],
		(s->n_dns_starts - i - 1) * sizeof(*s->dns_starts));
	s->n_dns_starts--;
}

int
state_add_previous_owner(struct state *s, const char *owner)
{
	if (strv_contains(&s->previous_owners, owner))
		return 0;
	if (s->previous_owners.n >= STATE_OWNERS_MAX)
		return -E2BIG;
	if (strv_push(&s->previous_owners, owner) < 0)
		return -ENOMEM;
	strv_sort(&s->previous_owners);
	return 0;
}

void
state_forget_previous_owner(struct state *s, const char *owner)
{
	struct strv keep = STRV_INIT;

	if (!strv_contains(&s->previous_owners, owner))
		return;
	for (size_t i = 0; i < s->previous_owners.n; i++)
		if (strcmp(s->previous_owners.v[i], owner) != 0 &&
		    strv_push(&keep, s->previous_owners.v[i]) < 0) {
			strv_free(&keep);
			return; /* out of memory: it stays, which is the safe side */
		}
	strv_free(&s->previous_owners);
	s->previous_owners = keep;
}

/* ---- writing ------------------------------------------------------------- */

static void
put_time(struct jsonw *w, const char *key, time_t t)
{
	char text[RFC3339_SIZE];

	if (rfc3339_format(t, text))
		jsonw_string(w, key, text);
	else
		jsonw_null(w, key);
}

static void
put_strv(struct jsonw *w, const char *key, const struct strv *sv)
{
	jsonw_array_begin(w, key);
	for (size_t i = 0; i < sv->n; i++)
		jsonw_string(w, NULL, sv->v[i]);
	jsonw_array_end(w);
}

int
state_to_json(const struct state *s, time_t now, struct buf *out)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_object_begin(&w, NULL);
	jsonw_uint(&w, "version", STATE_VERSION);
	put_time(&w, "written_at", now);
	jsonw_string(&w, "owner", s->owner);
	put_strv(&w, "previous_owners", &s->previous_owners);
	jsonw_object_begin(&w, "services");
	for (size_t i = 0; i < s->n_services; i++) {
		const struct state_service *v = &s->services[i];

		jsonw_object_begin(&w, v->name);
		jsonw_string(&w, "service_id", v->service_id);
		jsonw_string(&w, "service_name", v->service_name);
		jsonw_string(&w, "state", v->state);
		put_strv(&w, "dns_names", &v->dns_names);
		put_time(&w, "seen_at", v->seen_at);
		put_time(&w, "answered_at", v->answered_at);
		jsonw_uint(&w, "generation", v->generation);
		put_strv(&w, "applied", &v->applied);
		jsonw_uint(&w, "repeats", v->repeats);
		jsonw_bool(&w, "contested", v->contested);
		put_time(&w, "contested_until", v->contested_until);
		jsonw_object_end(&w);
	}
	jsonw_object_end(&w);
	jsonw_object_begin(&w, "dns_verification_starts");
	for (size_t i = 0; i < s->n_dns_starts; i++)
		put_time(&w, s->dns_starts[i].service_id, s->dns_starts[i].at);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	return jsonw_finish(&w);
}

/* ---- reading ------------------------------------------------------------- */

/* The reader's context: the JSON path of the value being read, for messages. */
struct rd {
	struct err *e;
	char path[256];
};

static int
bad(struct rd *rd, const char *key, const char *what)
{
	return err_set(rd->e, -EBADMSG, "%s%s%s: %s", rd->path, rd->path[0] && key ? "." : "",
		       key ? key : "", what);
}

static bool
text_ok(const char *s)
{
	size_t n = strnlen(s, STATE_STRING_MAX + 1);

	return n > 0 && n <= STATE_STRING_MAX;
}

/* An optional string: absent or null → NULL; otherwise a non-empty string. */
static int
get_str(struct rd *rd, const cJSON *o, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !text_ok(v->valuestring))
		return bad(rd, key, "not a string of 1 to 4096 bytes");
	*out = strdup(v->valuestring);
	return *out ? 0 : err_set(rd->e, -ENOMEM, "out of memory");
}

/* An unsigned integer (absent: 0), at most `max`. */
static int
get_uint(struct rd *rd, const cJSON *o, const char *key, uint64_t max, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)max ||
	    floor(v->valuedouble) != v->valuedouble)
		return bad(rd, key, "not a whole number in range");
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int
get_bool(struct rd *rd, const cJSON *o, const char *key, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = false;
	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v))
		return bad(rd, key, "not true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A time: absent or null → 0, else an RFC 3339 UTC string. */
static int
time_of(struct rd *rd, const cJSON *v, const char *key, time_t *out)
{
	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || rfc3339_parse(v->valuestring, out) < 0)
		return bad(rd, key, "not an RFC 3339 UTC time");
	return 0;
}

static int
get_time(struct rd *rd, const cJSON *o, const char *key, time_t *out)
{
	return time_of(rd, cJSON_GetObjectItemCaseSensitive(o, key), key, out);
}

/* A list of strings (absent: empty). */
static int
get_strv(struct rd *rd, const cJSON *o, const char *key, struct strv *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *it;

	if (v == NULL)
		return 0;
	if (!cJSON_IsArray(v) || (size_t)cJSON_GetArraySize(v) > STATE_LIST_MAX)
		return bad(rd, key, "not a list of at most 1000 strings");
	cJSON_ArrayForEach(it, v)
	{
		if (!cJSON_IsString(it) || !text_ok(it->valuestring))
			return bad(rd, key, "not a list of strings of 1 to 4096 bytes");
		if (strv_push(out, it->valuestring) < 0)
			return err_set(rd->e, -ENOMEM, "out of memory");
	}
	return 0;
}

static void
path_set(struct rd *rd, const char *section, const char *key)
{
	snprintf(rd->path, sizeof(rd->path), "%s%s%.200s", section, key ? "." : "", key ? key : "");
}

static int
read_service(struct rd *rd, const cJSON *o, struct state_service *v)
{
	uint64_t n;
	int r;

	if (!cJSON_IsObject(o))
		return bad(rd, NULL, "not an object");
	if ((r = get_str(rd, o, "service_id", &v->service_id)) < 0 ||
	    (r = get_str(rd, o, "service_name", &v->service_name)) < 0 ||
	    (r = get_str(rd, o, "state", &v->state)) < 0 ||
	    (r = get_strv(rd, o, "dns_names", &v->dns_names)) < 0 ||
	    (r = get_time(rd, o, "seen_at", &v->seen_at)) < 0 ||
	    (r = get_time(rd, o, "answered_at", &v->answered_at)) < 0 ||
	    (r = get_strv(rd, o, "applied", &v->applied)) < 0 ||
	    (r = get_bool(rd, o, "contested", &v->contested)) < 0 ||
	    (r = get_time(rd, o, "contested_until", &v->contested_until)) < 0)
		return r;
	if ((r = get_uint(rd, o, "generation", UINT32_MAX, &n)) < 0)
		return r;
	v->generation = (unsigned long)n;
	if ((r = get_uint(rd, o, "repeats", UINT32_MAX, &n)) < 0)
		return r;
	v->repeats = (unsigned)n;
	return 0;
}

/* The body of state_from_json() on a parsed document; fills *s. */
static int
read_document(struct rd *rd, const cJSON *root, struct state *s)
{
	const cJSON *v, *it;
	uint64_t version;
	int r;

	if (!cJSON_IsObject(root))
		return bad(rd, NULL, "the document is not a JSON object");
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (v == NULL)
		return bad(rd, "version", "missing");
	if ((r = get_uint(rd, root, "version", UINT32_MAX, &version)) < 0)
		return r;
	if (version > STATE_VERSION)
		return err_set(rd->e, -EPROTONOSUPPORT,
			       "written by a newer vpcesd (format version %llu; this one reads "
			       "version %d)",
			       (unsigned long long)version, STATE_VERSION);
	if (version < 1)
		return bad(rd, "version", "must be at least 1");
	if ((r = get_str(rd, root, "owner", &s->owner)) < 0)
		return r;
	if ((r = get_strv(rd, root, "previous_owners", &s->previous_owners)) < 0)
		return r;
	if (s->previous_owners.n > STATE_OWNERS_MAX)
		return bad(rd, "previous_owners", "more than 8 owners");
	strv_sort(&s->previous_owners);
	for (size_t i = 1; i < s->previous_owners.n; i++)
		if (strcmp(s->previous_owners.v[i - 1], s->previous_owners.v[i]) == 0)
			return bad(rd, "previous_owners", "an owner appears twice");

	v = cJSON_GetObjectItemCaseSensitive(root, "services");
	if (v != NULL && !cJSON_IsObject(v))
		return bad(rd, "services", "not an object");
	cJSON_ArrayForEach(it, v)
	{
		struct state_service *sv;
		size_t before = s->n_services;

		path_set(rd, "services", it->string);
		if (it->string == NULL || !text_ok(it->string))
			return bad(rd, NULL, "a service name of 1 to 4096 bytes");
		if ((sv = state_get(s, it->string)) == NULL)
			return s->n_services >= STATE_SERVICES_MAX
				       ? bad(rd, NULL, "more than 100000 services")
				       : err_set(rd->e, -ENOMEM, "out of memory");
		if (s->n_services == before)
			return bad(rd, NULL, "the name appears twice");
		if ((r = read_service(rd, it, sv)) < 0)
			return r;
	}
	rd->path[0] = '\0';
	v = cJSON_GetObjectItemCaseSensitive(root, "dns_verification_starts");
	if (v != NULL && !cJSON_IsObject(v))
		return bad(rd, "dns_verification_starts", "not an object");
	cJSON_ArrayForEach(it, v)
	{
		time_t at;
		size_t before = s->n_dns_starts;

		path_set(rd, "dns_verification_starts", it->string);
		if (it->string == NULL || !text_ok(it->string))
			return bad(rd, NULL, "a service id of 1 to 4096 bytes");
		if ((r = time_of(rd, it, NULL, &at)) < 0)
			return r;
		if (at == 0)
			continue;
		if ((r = state_set_dns_start(s, it->string, at)) < 0)
			return r == -E2BIG ? bad(rd, NULL, "more than 100000 entries")
					   : err_set(rd->e, r, "out of memory");
		if (s->n_dns_starts == before)
			return bad(rd, NULL, "the service id appears twice");
	}
	return 0;
}

/* Line and column (1-based) of byte `off` of text. */
static void
position(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int
state_from_json(const char *text, size_t len, struct state *out, struct err *e)
{
	struct rd rd = {.e = e};
	const char *end = NULL;
	struct state s;
	cJSON *root;
	int r;

	if (memchr(text, '\0', len) != NULL)
		return err_set(e, -EBADMSG, "the file holds a NUL byte: not a state file");
	if (len == 0)
		return err_set(e, -EBADMSG, "the file is empty: not a state file");
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		unsigned line, col;

		/* cJSON points `end` at the error. */
		position(text, end && end >= text && end <= text + len ? (size_t)(end - text) : 0,
			 &line, &col);
		return err_set(e, -EBADMSG, "not valid JSON (near line %u, column %u)", line, col);
	}
	/* One document and nothing after it but white space. */
	for (const char *p = end; p && p < text + len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			unsigned line, col;

			cJSON_Delete(root);
			position(text, (size_t)(p - text), &line, &col);
			return err_set(
				e, -EBADMSG,
				"not valid JSON: text after the document (line %u, column %u)",
				line, col);
		}
	state_init(&s);
	r = read_document(&rd, root, &s);
	cJSON_Delete(root);
	if (r < 0) {
		state_free(&s);
		return r;
	}
	state_free(out);
	*out = s;
	return 0;
}

int
state_read_file(const char *path, struct state *out, struct err *e)
{
	struct err inner;
	struct stat st;
	char *text;
	size_t got = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return err_set(e, r, "%s: %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, -EINVAL, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > STATE_FILE_MAX) {
		close(fd);
		return err_set(e, -EFBIG, "%s: larger than %u MiB: not a state file", path,
			       STATE_FILE_MAX >> 20);
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		close(fd);
		return err_set(e, -ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(text);
		return err_set(e, -EIO, "%s: short read", path);
	}
	text[got] = '\0';
	err_clear(&inner);
	r = state_from_json(text, got, out, &inner);
	free(text);
	if (r < 0)
		return err_set(e, r, "%s: %s", path, inner.msg);
	return 0;
}
