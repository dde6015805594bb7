/* SPDX-License-Identifier: ISC */
/*
 * observation: the planner's view of EC2 for one cycle.  See observation.h.
 *
 * Most of this file is deep copying.  Copies are built into a local struct
 * and only moved into place once every allocation succeeded, so a failed
 * copy leaves the destination untouched (the project's "outputs untouched
 * on failure" rule) and frees what it built.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ec2_xml.h"
#include "observation.h"

struct observation *
observation_new(void)
{
	return calloc(1, sizeof(struct observation));
}

static void
observed_service_clear(struct observed_service *s)
{
	ec2_service_config_free(&s->cfg);
	strv_free(&s->principals);
	for (size_t i = 0; i < s->n_connections; i++)
		ec2_endpoint_connection_free(&s->connections[i]);
	free(s->connections);
	ec2_notification_page_free(&s->notifications);
	memset(s, 0, sizeof(*s));
}

void
observation_free(struct observation *obs)
{
	if (obs == NULL)
		return;
	for (size_t i = 0; i < obs->n_services; i++)
		observed_service_clear(&obs->services[i]);
	free(obs->services);
	for (size_t i = 0; i < obs->n_lookups; i++) {
		free(obs->lookups[i].service_id);
		free(obs->lookups[i].error);
	}
	free(obs->lookups);
	for (size_t i = 0; i < obs->n_owner_listings; i++)
		free(obs->owner_listings[i].owner);
	free(obs->owner_listings);
	free(obs);
}

/*
 * Make room for one more element in an array of `size`-byte elements.
 * Doubling growth, bounded by `max` elements.
 */
static int
grow(void **v, size_t *cap, size_t n, size_t size, size_t max)
{
	size_t ncap;
	void *nv;

	if (n >= max)
		return -E2BIG;
	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > max)
		ncap = max;
	nv = realloc(*v, ncap * size);
	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* strdup that maps NULL to NULL and records failure in *ok. */
static char *
dup_opt(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*ok = false;
	return d;
}

static void
copy_strv(struct strv *dst, const struct strv *src, bool *ok)
{
	*dst = (struct strv)STRV_INIT;
	if (*ok && strv_copy(dst, src) < 0)
		*ok = false;
}

static void
copy_tags(struct ec2_tags *dst, const struct ec2_tags *src, bool *ok)
{
	*dst = (struct ec2_tags){0};
	if (!*ok || src->n == 0)
		return;
	dst->v = calloc(src->n, sizeof(*dst->v));
	if (dst->v == NULL) {
		*ok = false;
		return;
	}
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].key = dup_opt(src->v[i].key, ok);
		dst->v[i].value = dup_opt(src->v[i].value, ok);
	}
}

int
observation_service_config_copy(struct ec2_service_config *dst,
				const struct ec2_service_config *src)
{
	struct ec2_service_config c = {0};
	bool ok = true;

	copy_strv(&c.service_types, &src->service_types, &ok);
	c.service_id = dup_opt(src->service_id, &ok);
	c.service_name = dup_opt(src->service_name, &ok);
	c.service_state = dup_opt(src->service_state, &ok);
	copy_strv(&c.availability_zone_ids, &src->availability_zone_ids, &ok);
	copy_strv(&c.availability_zones, &src->availability_zones, &ok);
	c.acceptance_required = src->acceptance_required;
	c.manages_vpc_endpoints = src->manages_vpc_endpoints;
	c.remote_access_enabled = src->remote_access_enabled;
	copy_strv(&c.network_load_balancer_arns, &src->network_load_balancer_arns, &ok);
	copy_strv(&c.gateway_load_balancer_arns, &src->gateway_load_balancer_arns, &ok);
	copy_strv(&c.supported_ip_address_types, &src->supported_ip_address_types, &ok);
	copy_strv(&c.base_endpoint_dns_names, &src->base_endpoint_dns_names, &ok);
	c.private_dns_name = dup_opt(src->private_dns_name, &ok);
	c.private_dns_name_configuration.state =
		dup_opt(src->private_dns_name_configuration.state, &ok);
	c.private_dns_name_configuration.type =
		dup_opt(src->private_dns_name_configuration.type, &ok);
	c.private_dns_name_configuration.value =
		dup_opt(src->private_dns_name_configuration.value, &ok);
	c.private_dns_name_configuration.name =
		dup_opt(src->private_dns_name_configuration.name, &ok);
	c.payer_responsibility = dup_opt(src->payer_responsibility, &ok);
	copy_tags(&c.tags, &src->tags, &ok);
	if (ok && src->n_supported_regions > 0) {
		c.supported_regions =
			calloc(src->n_supported_regions, sizeof(*c.supported_regions));
		if (c.supported_regions == NULL)
			ok = false;
		else
			c.n_supported_regions = src->n_supported_regions;
		for (size_t i = 0; i < c.n_supported_regions; i++) {
			c.supported_regions[i].region =
				dup_opt(src->supported_regions[i].region, &ok);
			c.supported_regions[i].service_state =
				dup_opt(src->supported_regions[i].service_state, &ok);
		}
	}
	if (!ok) {
		ec2_service_config_free(&c);
		return -ENOMEM;
	}
	*dst = c;
	return 0;
}

int
observation_connection_copy(struct ec2_endpoint_connection *dst,
			    const struct ec2_endpoint_connection *src)
{
	struct ec2_endpoint_connection c = {0};
	bool ok = true;

	c.service_id = dup_opt(src->service_id, &ok);
	c.vpc_endpoint_id = dup_opt(src->vpc_endpoint_id, &ok);
	c.vpc_endpoint_owner = dup_opt(src->vpc_endpoint_owner, &ok);
	c.vpc_endpoint_state = dup_opt(src->vpc_endpoint_state, &ok);
	c.has_creation_timestamp = src->has_creation_timestamp;
	c.creation_timestamp = src->creation_timestamp;
	if (ok && src->n_dns_entries > 0) {
		c.dns_entries = calloc(src->n_dns_entries, sizeof(*c.dns_entries));
		if (c.dns_entries == NULL)
			ok = false;
		else
			c.n_dns_entries = src->n_dns_entries;
		for (size_t i = 0; i < c.n_dns_entries; i++) {
			c.dns_entries[i].dns_name = dup_opt(src->dns_entries[i].dns_name, &ok);
			c.dns_entries[i].hosted_zone_id =
				dup_opt(src->dns_entries[i].hosted_zone_id, &ok);
		}
	}
	copy_strv(&c.network_load_balancer_arns, &src->network_load_balancer_arns, &ok);
	copy_strv(&c.gateway_load_balancer_arns, &src->gateway_load_balancer_arns, &ok);
	c.ip_address_type = dup_opt(src->ip_address_type, &ok);
	c.vpc_endpoint_connection_id = dup_opt(src->vpc_endpoint_connection_id, &ok);
	copy_tags(&c.tags, &src->tags, &ok);
	c.vpc_endpoint_region = dup_opt(src->vpc_endpoint_region, &ok);
	if (ok && src->n_payer_responsibilities > 0) {
		c.payer_responsibilities =
			calloc(src->n_payer_responsibilities, sizeof(*c.payer_responsibilities));
		if (c.payer_responsibilities == NULL)
			ok = false;
		else
			c.n_payer_responsibilities = src->n_payer_responsibilities;
		for (size_t i = 0; i < c.n_payer_responsibilities; i++) {
			c.payer_responsibilities[i].scope =
				dup_opt(src->payer_responsibilities[i].scope, &ok);
			c.payer_responsibilities[i].payer_responsibility_type = dup_opt(
				src->payer_responsibilities[i].payer_responsibility_type, &ok);
		}
	}
	if (!ok) {
		ec2_endpoint_connection_free(&c);
		return -ENOMEM;
	}
	*dst = c;
	return 0;
}

int
observation_add_service_take(struct observation *obs, struct ec2_service_config *cfg,
			     enum observation_source source, struct observed_service **ret)
{
	struct observed_service *s;
	int r;

	r = grow((void **)&obs->services, &obs->cap_services, obs->n_services,
		 sizeof(*obs->services), OBSERVATION_MAX_SERVICES);
	if (r < 0)
		return r;
	s = &obs->services[obs->n_services++];
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->source = source;
	memset(cfg, 0, sizeof(*cfg));
	if (ret)
		*ret = s;
	return 0;
}

int
observation_add_service(struct observation *obs, const struct ec2_service_config *cfg,
			enum observation_source source, struct observed_service **ret)
{
	struct ec2_service_config copy;
	int r;

	r = observation_service_config_copy(&copy, cfg);
	if (r < 0)
		return r;
	r = observation_add_service_take(obs, &copy, source, ret);
	if (r < 0)
		ec2_service_config_free(&copy);
	return r;
}

int
observation_set_principals(struct observed_service *s, const struct strv *principals)
{
	struct strv copy;

	if (strv_copy(&copy, principals) < 0)
		return -ENOMEM;
	strv_free(&s->principals);
	s->principals = copy;
	s->permissions_known = true;
	return 0;
}

int
observation_set_connections(struct observed_service *s, const struct ec2_endpoint_connection *v,
			    size_t n)
{
	struct ec2_endpoint_connection *copy = NULL;
	size_t done = 0;

	if (n > OBSERVATION_MAX_CONNECTIONS)
		return -E2BIG;
	if (n > 0) {
		copy = calloc(n, sizeof(*copy));
		if (copy == NULL)
			return -ENOMEM;
	}
	for (; done < n; done++)
		if (observation_connection_copy(&copy[done], &v[done]) < 0)
			goto fail;
	for (size_t i = 0; i < s->n_connections; i++)
		ec2_endpoint_connection_free(&s->connections[i]);
	free(s->connections);
	s->connections = copy;
	s->n_connections = s->cap_connections = n;
	s->connections_known = true;
	return 0;

fail:
	for (size_t i = 0; i < done; i++)
		ec2_endpoint_connection_free(&copy[i]);
	free(copy);
	return -ENOMEM;
}

void
observation_set_notifications_take(struct observed_service *s, struct ec2_notification_page *page)
{
	ec2_notification_page_free(&s->notifications);
	s->notifications = *page;
	memset(page, 0, sizeof(*page));
	s->notifications_known = true;
}

void
observation_forget_details(struct observed_service *s, unsigned what)
{
	if (what & OBSERVATION_PRINCIPALS) {
		strv_free(&s->principals);
		s->permissions_known = false;
		s->principals_at = 0;
	}
	if (what & OBSERVATION_CONNECTIONS) {
		for (size_t i = 0; i < s->n_connections; i++)
			ec2_endpoint_connection_free(&s->connections[i]);
		free(s->connections);
		s->connections = NULL;
		s->n_connections = s->cap_connections = 0;
		s->connections_known = false;
		s->connections_at = 0;
	}
	if (what & OBSERVATION_NOTIFICATIONS) {
		ec2_notification_page_free(&s->notifications);
		s->notifications_known = false;
		s->notifications_at = 0;
	}
}

int
observation_set_notifications(struct observed_service *s, const struct ec2_notification_page *page)
{
	struct ec2_notification_page copy = {0};
	bool ok = true;

	if (page->n > 0 && (copy.v = calloc(page->n, sizeof(*copy.v))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < page->n && ok; i++, copy.n++) {
		const struct ec2_connection_notification *f = &page->v[i];
		struct ec2_connection_notification *t = &copy.v[i];

		t->connection_notification_id = dup_opt(f->connection_notification_id, &ok);
		t->service_id = dup_opt(f->service_id, &ok);
		t->vpc_endpoint_id = dup_opt(f->vpc_endpoint_id, &ok);
		t->connection_notification_type = dup_opt(f->connection_notification_type, &ok);
		t->connection_notification_arn = dup_opt(f->connection_notification_arn, &ok);
		copy_strv(&t->connection_events, &f->connection_events, &ok);
		t->connection_notification_state = dup_opt(f->connection_notification_state, &ok);
		t->service_region = dup_opt(f->service_region, &ok);
	}
	if (!ok) {
		ec2_notification_page_free(&copy);
		return -ENOMEM;
	}
	observation_set_notifications_take(s, &copy);
	return 0;
}

int
observation_add_connection_take(struct observed_service *s, struct ec2_endpoint_connection *c)
{
	int r;

	r = grow((void **)&s->connections, &s->cap_connections, s->n_connections,
		 sizeof(*s->connections), OBSERVATION_MAX_CONNECTIONS);
	if (r < 0)
		return r;
	s->connections[s->n_connections++] = *c;
	memset(c, 0, sizeof(*c));
	return 0;
}

int
observation_add_lookup(struct observation *obs, const char *service_id,
		       enum observation_lookup_result result, const char *error)
{
	struct observation_lookup *l;
	bool ok = true;
	char *id, *msg;
	int r;

	if (service_id == NULL)
		return -EINVAL;
	r = grow((void **)&obs->lookups, &obs->cap_lookups, obs->n_lookups, sizeof(*obs->lookups),
		 OBSERVATION_MAX_SERVICES);
	if (r < 0)
		return r;
	id = dup_opt(service_id, &ok);
	msg = dup_opt(error, &ok);
	if (!ok) {
		free(id);
		free(msg);
		return -ENOMEM;
	}
	l = &obs->lookups[obs->n_lookups++];
	l->service_id = id;
	l->result = result;
	l->error = msg;
	return 0;
}

int
observation_add_owner_listing(struct observation *obs, const char *owner, bool complete)
{
	struct observation_owner_listing *grown;
	char *copy = strdup(owner);

	if (copy == NULL)
		return -ENOMEM;
	grown = realloc(obs->owner_listings, (obs->n_owner_listings + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(copy);
		return -ENOMEM;
	}
	obs->owner_listings = grown;
	grown[obs->n_owner_listings++] = (struct observation_owner_listing){copy, complete};
	return 0;
}

const char *
observation_tag(const struct ec2_tags *tags, const char *key)
{
	for (size_t i = 0; i < tags->n; i++)
		if (tags->v[i].key && strcmp(tags->v[i].key, key) == 0)
			return tags->v[i].value ? tags->v[i].value : "";
	return NULL;
}
