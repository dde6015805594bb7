/* SPDX-License-Identifier: ISC */
/*
 * details: the per-service reads of earlier cycles.  See details.h.
 *
 * Each kept service is a `struct details_entry`, the three reads held in
 * a `struct observed_service` of its own (only its detail members are
 * used), so copying in and out goes through observation.h's own deep
 * copies and nothing here knows how the EC2 types are laid out beyond the
 * listed configuration's fingerprint.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "details.h"
#include "ec2_xml.h"

#define FINGERPRINT_SIZE 16

struct details_entry {
	char *service_id;
	unsigned char fingerprint[FINGERPRINT_SIZE]; /* listed configuration at the last read */
	bool have_fingerprint;
	struct observed_service det; /* principals, connections, notifications and their times */
};

static void
entry_clear(struct details_entry *e)
{
	free(e->service_id);
	strv_free(&e->det.principals);
	for (size_t i = 0; i < e->det.n_connections; i++)
		ec2_endpoint_connection_free(&e->det.connections[i]);
	free(e->det.connections);
	ec2_notification_page_free(&e->det.notifications);
	memset(e, 0, sizeof(*e));
}

void
details_free(struct details *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++)
		entry_clear(&d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

size_t
details_count(const struct details *d)
{
	return d->n;
}

static int
cmp_entry_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct details_entry *)elem)->service_id);
}

static struct details_entry *
find(const struct details *d, const char *id)
{
	return id && d->n ? bsearch(id, d->v, d->n, sizeof(*d->v), cmp_entry_key) : NULL;
}

/* One length-prefixed field of the fingerprint's input ("" and NULL differ). */
static int
put_field(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_puts(b, "\x01");
	return buf_printf(b, "%zu:%s", strlen(s), s);
}

static int
put_set(struct buf *b, const struct strv *sv)
{
	struct strv sorted = STRV_INIT;
	int r = strv_copy(&sorted, sv);

	if (r < 0)
		return r;
	strv_sort(&sorted);
	r = buf_printf(b, "[%zu]", sorted.n);
	for (size_t i = 0; r == 0 && i < sorted.n; i++)
		r = put_field(b, sorted.v[i]);
	strv_free(&sorted);
	return r;
}

static int
cmp_tag(const void *a, const void *b)
{
	return strcmp((*(const struct ec2_tag *const *)a)->key,
		      (*(const struct ec2_tag *const *)b)->key);
}

/*
 * The fingerprint of what the listing shows of a service: every field, sets
 * and tags in a fixed order (EC2 does not promise one), hashed.  Equal
 * fingerprints mean nobody changed the service between two listings.
 */
static int
fingerprint(const struct ec2_service_config *c, unsigned char out[FINGERPRINT_SIZE])
{
	const struct ec2_tag **tags = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	struct buf b;
	int r;

	buf_init(&b, 1 << 24);
	r = put_field(&b, c->service_state);
	if (r == 0)
		r = buf_printf(&b, "a%d m%d", (int)c->acceptance_required,
			       (int)c->remote_access_enabled);
	if (r == 0)
		r = put_set(&b, &c->network_load_balancer_arns);
	if (r == 0)
		r = put_set(&b, &c->gateway_load_balancer_arns);
	if (r == 0)
		r = put_set(&b, &c->supported_ip_address_types);
	if (r == 0)
		r = put_field(&b, c->private_dns_name);
	if (r == 0)
		r = put_field(&b, c->private_dns_name_configuration.state);
	if (r == 0)
		r = put_field(&b, c->payer_responsibility);
	for (size_t i = 0; r == 0 && i < c->n_supported_regions; i++) {
		r = put_field(&b, c->supported_regions[i].region);
		if (r == 0)
			r = put_field(&b, c->supported_regions[i].service_state);
	}
	if (r == 0 && c->tags.n > 0 && (tags = malloc(c->tags.n * sizeof(*tags))) == NULL)
		r = -ENOMEM;
	if (r == 0) {
		for (size_t i = 0; i < c->tags.n; i++)
			tags[i] = &c->tags.v[i];
		if (c->tags.n > 1)
			qsort(tags, c->tags.n, sizeof(*tags), cmp_tag);
		r = buf_printf(&b, "{%zu}", c->tags.n);
	}
	for (size_t i = 0; r == 0 && i < c->tags.n; i++) {
		r = put_field(&b, tags[i]->key);
		if (r == 0)
			r = put_field(&b, tags[i]->value);
	}
	free(tags);
	if (r == 0 && (EVP_Digest(b.data, b.len, md, &md_len, EVP_sha256(), NULL) != 1 ||
		       md_len < FINGERPRINT_SIZE))
		r = -EIO;
	if (r == 0)
		memcpy(out, md, FINGERPRINT_SIZE);
	buf_free(&b);
	return r;
}

int
details_fill(const struct details *d, struct observation *obs, struct plan_read_age *ages)
{
	for (size_t i = 0; i < obs->n_services; i++) {
		struct observed_service *s = &obs->services[i];
		const struct details_entry *e = find(d, s->cfg.service_id);
		unsigned char fp[FINGERPRINT_SIZE];

		if (ages)
			memset(&ages[i], 0, sizeof(ages[i]));
		if (e == NULL)
			continue;
		if (e->det.permissions_known && !s->permissions_known) {
			if (observation_set_principals(s, &e->det.principals) < 0)
				return -ENOMEM;
			s->principals_at = e->det.principals_at;
		}
		if (e->det.connections_known && !s->connections_known) {
			if (observation_set_connections(s, e->det.connections,
							e->det.n_connections) < 0)
				return -ENOMEM;
			s->connections_at = e->det.connections_at;
		}
		if (e->det.notifications_known && !s->notifications_known) {
			if (observation_set_notifications(s, &e->det.notifications) < 0)
				return -ENOMEM;
			s->notifications_at = e->det.notifications_at;
		}
		if (ages == NULL)
			continue;
		ages[i].at[0] = e->det.permissions_known ? e->det.principals_at : 0;
		ages[i].at[1] = e->det.connections_known ? e->det.connections_at : 0;
		ages[i].at[2] = e->det.notifications_known ? e->det.notifications_at : 0;
		/* Unreadable as a fingerprint: say changed, so the details are read. */
		ages[i].changed =
			e->have_fingerprint && (fingerprint(&s->cfg, fp) < 0 ||
						memcmp(fp, e->fingerprint, sizeof(fp)) != 0);
	}
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct details_entry *)a)->service_id,
		      ((const struct details_entry *)b)->service_id);
}

/* The entry of `id`, appended (unsorted) when new.  NULL on ENOMEM. */
static struct details_entry *
get(struct details *d, const char *id, size_t n_sorted)
{
	struct details_entry *e =
		n_sorted ? bsearch(id, d->v, n_sorted, sizeof(*d->v), cmp_entry_key) : NULL;

	if (e != NULL)
		return e;
	for (size_t i = n_sorted; i < d->n; i++)
		if (strcmp(d->v[i].service_id, id) == 0)
			return &d->v[i];
	if (d->n == d->cap) {
		size_t ncap = d->cap ? 2 * d->cap : 64;
		struct details_entry *nv = realloc(d->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		d->v = nv;
		d->cap = ncap;
	}
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	if ((e->service_id = strdup(id)) == NULL)
		return NULL;
	d->n++;
	return e;
}

static int
cmp_obs_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Forget the services a complete listing of `obs` does not show. */
static int
prune(struct details *d, const struct observation *obs)
{
	const char **ids = malloc((obs->n_services + 1) * sizeof(*ids));
	size_t n = 0, kept = 0;

	if (ids == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < obs->n_services; i++)
		if (obs->services[i].cfg.service_id)
			ids[n++] = obs->services[i].cfg.service_id;
	qsort(ids, n, sizeof(*ids), cmp_obs_id);
	for (size_t i = 0; i < d->n; i++) {
		const char *id = d->v[i].service_id;

		if (n && bsearch(&id, ids, n, sizeof(*ids), cmp_obs_id))
			d->v[kept++] = d->v[i];
		else
			entry_clear(&d->v[i]);
	}
	d->n = kept;
	free(ids);
	return 0;
}

int
details_store(struct details *d, const struct observation *obs, time_t since)
{
	size_t n_sorted = d->n;
	int r = 0;

	for (size_t i = 0; r == 0 && i < obs->n_services; i++) {
		const struct observed_service *s = &obs->services[i];
		bool p = s->permissions_known && s->principals_at >= since;
		bool c = s->connections_known && s->connections_at >= since;
		bool nt = s->notifications_known && s->notifications_at >= since;
		struct details_entry *e;

		if (s->cfg.service_id == NULL || !(p || c || nt))
			continue;
		if ((e = get(d, s->cfg.service_id, n_sorted)) == NULL) {
			r = -ENOMEM;
			break;
		}
		if (p && (r = observation_set_principals(&e->det, &s->principals)) == 0)
			e->det.principals_at = s->principals_at;
		if (r == 0 && c &&
		    (r = observation_set_connections(&e->det, s->connections, s->n_connections)) ==
			    0)
			e->det.connections_at = s->connections_at;
		if (r == 0 && nt &&
		    (r = observation_set_notifications(&e->det, &s->notifications)) == 0)
			e->det.notifications_at = s->notifications_at;
		if (r == 0)
			e->have_fingerprint = fingerprint(&s->cfg, e->fingerprint) == 0;
	}
	if (d->n > n_sorted)
		qsort(d->v, d->n, sizeof(*d->v), cmp_entry);
	if (r == 0 && obs->listing_complete)
		r = prune(d, obs);
	return r;
}

void
details_forget(struct details *d, const char *service_id, unsigned what)
{
	struct details_entry *e = find(d, service_id);

	if (e != NULL)
		observation_forget_details(&e->det, what);
}
