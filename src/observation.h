/* SPDX-License-Identifier: ISC */
/*
 * observation: what one cycle could read from EC2, and what it could not.
 *
 * The observe step of the reconciler (observe → plan → apply → publish)
 * fills a `struct observation`; the pure planner (plan.h) consumes it.  The
 * point of the type is not the data — that is EC2's, in ec2_types.h — but
 * the completeness flags next to it: the planner must never infer anything
 * from a read that failed or stopped half-way, so every part that can fail
 * separately says whether it was read in full:
 *
 *   - `listing_complete`: the tag-filtered listing of owned services read
 *     every page.  Creates and deletes need it (a missing page could hide
 *     the service we are about to create again, or keep alive one we would
 *     delete).
 *   - per previous owner (the state file's, and `previous_owner`), whether
 *     the listing of its services read every page (`owner_listings`):
 *     creates of the names they carry need it.
 *   - per service, `permissions_known`, `connections_known` and
 *     `notifications_known`: its allowed principals, its endpoint
 *     connections and its connection notifications were read (every page),
 *     in this cycle or — under the read budget — in an earlier one, as the
 *     `*_at` times say; `deferred`: not read yet, and not failed either.
 *   - `lookups`: the outcome of looking up services by id (found, not
 *     found, unreadable): the targets of `adopt:` specs, and services the
 *     state file remembers for a desired name that the listing lacks.
 *
 * Nothing here checks ownership: the owned listing is filtered by the server
 * on `tag:vpcesd:owner`, and the planner checks the tags again itself.
 *
 * Ownership: the observation owns every string and array it holds;
 * observation_free() releases it all.  The *_add and *_set helpers copy
 * their arguments (the caller keeps its own); the *_take helpers move them
 * (the caller's struct is left zeroed, safe to free again).  Pointers into
 * `services` stay valid only until the next observation_add_service*().
 *
 * Pure data and helpers: no I/O; safe on the event loop.
 */
#ifndef VPCESD_OBSERVATION_H
#define VPCESD_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ec2_types.h"
#include "strv.h"

/* Upper bounds: observed services and lookups per observation. */
#define OBSERVATION_MAX_SERVICES    100000u
#define OBSERVATION_MAX_CONNECTIONS 100000u /* per service */

enum observation_source {
	OBSERVATION_OWNED_LISTING,    /* from the tag-filtered listing of our owner */
	OBSERVATION_ID_LOOKUP,        /* looked up by id (adopt target, remembered service) */
	OBSERVATION_PREVIOUS_LISTING, /* from the listing of a previous owner */
};

struct observed_service {
	struct ec2_service_config cfg;
	enum observation_source source;
	/* Allowed principals ("arn:…", "*"), valid only when permissions_known. */
	bool permissions_known;
	struct strv principals;
	/* Endpoint connections, valid only when connections_known. */
	bool connections_known;
	struct ec2_endpoint_connection *connections;
	size_t n_connections;
	size_t cap_connections;
	/* Connection notifications (notifications.v/.n), valid only when notifications_known. */
	bool notifications_known;
	struct ec2_notification_page notifications;
	/*
	 * When each of the three was read (wall clock, 0: not known).  Older
	 * than the cycle: reused from an earlier cycle's read, because the
	 * cycle's read budget left it for later (details.h).
	 */
	time_t principals_at, connections_at, notifications_at;
	/*
	 * PLAN_READ_* bits (plan.h) of what the budget deferred while no
	 * earlier read is known: not failed, just not read yet.  The planner
	 * leaves what depends on them for a later cycle (a READING hold).
	 */
	unsigned char deferred;
};

enum observation_lookup_result {
	OBSERVATION_FOUND,      /* the service is among `services` */
	OBSERVATION_NOT_FOUND,  /* EC2 said InvalidVpcEndpointServiceId.NotFound */
	OBSERVATION_UNREADABLE, /* the read failed: nothing is known */
};

struct observation_lookup {
	char *service_id;
	enum observation_lookup_result result;
	char *error; /* why it was unreadable, or NULL */
};

/* The listing of one previous owner's services. */
struct observation_owner_listing {
	char *owner;
	bool complete; /* every page was read */
};

struct observation {
	bool listing_complete; /* false until the observer says otherwise */
	struct observation_owner_listing *owner_listings;
	size_t n_owner_listings;
	struct observed_service *services;
	size_t n_services;
	size_t cap_services;
	struct observation_lookup *lookups;
	size_t n_lookups;
	size_t cap_lookups;
};

/*
 * An empty observation with listing_complete false.  Free with
 * observation_free().  NULL on allocation failure.
 */
struct observation *observation_new(void);

/* Free an observation and everything it owns.  NULL-safe. */
void observation_free(struct observation *obs);

/*
 * Append a deep copy of `cfg` as an observed service from `source`, with
 * permissions and connections not (yet) known.  On success *ret (if not
 * NULL) points at the new entry, valid until the next add.  -ENOMEM, or
 * -E2BIG beyond OBSERVATION_MAX_SERVICES; the observation is unchanged on
 * error.
 */
int observation_add_service(struct observation *obs, const struct ec2_service_config *cfg,
			    enum observation_source source, struct observed_service **ret);

/*
 * Same, but moves `cfg` into the observation (e.g. an item of a parsed
 * ec2_service_page); *cfg is zeroed on success and untouched on error.
 */
int observation_add_service_take(struct observation *obs, struct ec2_service_config *cfg,
				 enum observation_source source, struct observed_service **ret);

/* The three detail reads of a service, as bits (plan.h's PLAN_READ_* are these). */
#define OBSERVATION_PRINCIPALS    0x1u
#define OBSERVATION_CONNECTIONS   0x2u
#define OBSERVATION_NOTIFICATIONS 0x4u

/*
 * Drop the details `what` (OBSERVATION_* bits) of the service: not known,
 * no time.  Cannot fail.
 */
void observation_forget_details(struct observed_service *s, unsigned what);

/*
 * Replace the service's principals with a copy of `principals` and mark
 * them known.  -ENOMEM (unchanged) on failure.
 */
int observation_set_principals(struct observed_service *s, const struct strv *principals);

/*
 * Replace the service's connections with deep copies of v[0..n) and mark
 * them known.  -ENOMEM / -E2BIG (unchanged) on failure.
 */
int observation_set_connections(struct observed_service *s, const struct ec2_endpoint_connection *v,
				size_t n);

/*
 * Replace the service's connection notifications with the items of *page,
 * moved (*page is zeroed), and mark them known.  Cannot fail.
 */
void observation_set_notifications_take(struct observed_service *s,
					struct ec2_notification_page *page);

/*
 * Replace the service's connection notifications with a deep copy of the
 * items of *page and mark them known.  -ENOMEM (unchanged) on failure.
 */
int observation_set_notifications(struct observed_service *s,
				  const struct ec2_notification_page *page);

/*
 * Append one connection, moving it (*c is zeroed on success), for an
 * observer reading page after page.  Does NOT mark the connections known:
 * set `connections_known = true` after the last page.
 */
int observation_add_connection_take(struct observed_service *s, struct ec2_endpoint_connection *c);

/*
 * Record the outcome of looking up an adopt target.  `error` may be NULL.
 * Copies both strings.  -EINVAL for a NULL id, -ENOMEM / -E2BIG (unchanged)
 * on failure.
 */
int observation_add_lookup(struct observation *obs, const char *service_id,
			   enum observation_lookup_result result, const char *error);

/*
 * Record the listing of a previous owner, complete or not.  Copies the
 * owner.  -ENOMEM (unchanged).
 */
int observation_add_owner_listing(struct observation *obs, const char *owner, bool complete);

/*
 * Deep copy of an observed service configuration into *dst (overwritten,
 * not freed first).  -ENOMEM with *dst untouched on failure.  Free the copy
 * with ec2_service_config_free() (ec2_xml.h).
 */
int observation_service_config_copy(struct ec2_service_config *dst,
				    const struct ec2_service_config *src);

/* Deep copy of a connection, same contract; free with ec2_endpoint_connection_free(). */
int observation_connection_copy(struct ec2_endpoint_connection *dst,
				const struct ec2_endpoint_connection *src);

/* The value of tag `key` in `tags`, or NULL when absent. */
const char *observation_tag(const struct ec2_tags *tags, const char *key);

#endif
