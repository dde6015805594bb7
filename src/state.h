/* SPDX-License-Identifier: ISC */
/*
 * state: what vpcesd must not forget across a restart.
 *
 * A daemon that forgets on every restart what it learned can destroy or
 * duplicate what it manages: after a service was deleted behind its back
 * EC2 answers the old ClientToken with the dead service, after an owner
 * rename it no longer recognises its own services, after an outage it has
 * no ids to report.  So the facts whose loss changes behaviour live in one
 * versioned JSON file in the state directory (state_dir, systemd's
 * StateDirectory=), rewritten atomically after every cycle that changed
 * them (atomic.h, through writer.h):
 *
 *   - the owner the file was written under, and the previous owners whose
 *     services may still carry a desired name (plan.h, "Owner changes");
 *   - per vpcesd:name: the last known service id, service name, state and
 *     DNS names and when a read last showed them; the create generation
 *     of its ClientToken (plan.h, "Create generations"); what the last
 *     cycle that changed it applied, how often that had to be repeated and
 *     until when it is contested (plan.h, "Fights");
 *   - per service id: when StartVpcEndpointServicePrivateDnsVerification
 *     was last sent.
 *
 * Format version STATE_VERSION.  A file of a newer version is refused, not
 * rewritten: a downgrade must not destroy what the newer vpcesd knew.
 * Unknown keys of the same version are ignored.
 *
 * Ownership: a `struct state` owns every string it holds; state_free()
 * releases it all.  state_from_json() and state_to_json() are pure;
 * state_read_file() does blocking file I/O (start-up only).
 */
#ifndef VPCESD_STATE_H
#define VPCESD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "strv.h"

#define STATE_VERSION      1
#define STATE_FILE_NAME    "state.json"
#define STATE_FILE_MAX     (64u << 20) /* bytes read at most */
#define STATE_SERVICES_MAX 100000u     /* names remembered */
#define STATE_OWNERS_MAX   8           /* previous owners remembered */

/* What is remembered of one vpcesd:name. */
struct state_service {
	char *name;
	/* The service last seen for the name (a listing, or a create's answer). */
	char *service_id;      /* NULL: none known */
	char *service_name;    /* com.amazonaws.vpce.<region>.vpce-svc-… */
	char *state;           /* serviceState when last seen */
	struct strv dns_names; /* base endpoint DNS names */
	time_t seen_at;        /* when a read last showed it alive, 0: never */
	/*
	 * When a create was answered with it and no read has shown it yet
	 * (0: not so): EC2 may take a while to show a new service, so the
	 * planner waits before it takes the id for a phantom (plan.h).
	 */
	time_t answered_at;
	unsigned long generation; /* create generation (plan.h) */
	/* Fights (plan.h): the diff lines the last cycle that changed it applied. */
	struct strv applied;
	unsigned repeats;       /* consecutive cycles that had to apply them again */
	bool contested;         /* repeats reached the fight threshold */
	time_t contested_until; /* its changes wait until then, 0: not backing off */
};

/* When StartVpcEndpointServicePrivateDnsVerification was last sent for a service id. */
struct state_dns_start {
	char *service_id;
	time_t at;
};

struct state {
	char *owner;                    /* the owner it was written under; NULL: never written */
	struct strv previous_owners;    /* sorted, unique, at most STATE_OWNERS_MAX */
	struct state_service *services; /* sorted by name (strcmp), names unique */
	size_t n_services;
	size_t cap_services;
	struct state_dns_start *dns_starts; /* sorted by service id, ids unique */
	size_t n_dns_starts;
	size_t cap_dns_starts;
};

/* An empty state (a first run).  Free with state_free(). */
void state_init(struct state *s);
void state_free(struct state *s);

/* The record of `name`, or NULL. */
const struct state_service *state_find(const struct state *s, const char *name);

/*
 * The record of `name`, created (zeroed, name copied, kept sorted) when
 * absent.  NULL on ENOMEM or past STATE_SERVICES_MAX.  Like every pointer
 * into s->services it is valid until the next state_get() or
 * state_forget() on `s`.
 */
struct state_service *state_get(struct state *s, const char *name);

/* Drop the record of `name` (nothing left worth remembering).  No-op when absent. */
void state_forget(struct state *s, const char *name);

/* The last verification start of `service_id`, 0 when none. */
time_t state_dns_start(const struct state *s, const char *service_id);

/* Record a verification start.  -ENOMEM (unchanged). */
int state_set_dns_start(struct state *s, const char *service_id, time_t at);

/* Drop the start of `service_id`.  No-op when absent. */
void state_forget_dns_start(struct state *s, const char *service_id);

/*
 * Add `owner` to the previous owners (kept sorted and unique).  Past
 * STATE_OWNERS_MAX the call fails with -E2BIG and nothing changes: the
 * caller says so (an owner forgotten could get its services duplicated).
 * -ENOMEM.
 */
int state_add_previous_owner(struct state *s, const char *owner);

/* Drop a previous owner.  No-op when absent. */
void state_forget_previous_owner(struct state *s, const char *owner);

/*
 * Parse a state document.  On success *out (initialised by the caller with
 * state_init(), replaced whole) holds it.  -EBADMSG for a document that is
 * not a valid state file (not JSON, wrong types, impossible values; the
 * message says where), -EPROTONOSUPPORT for a newer format version,
 * -ENOMEM; *out untouched on failure.
 */
int state_from_json(const char *text, size_t len, struct state *out, struct err *e);

/*
 * The document of `s` (written at `now`), appended to `out`.  Keys in a
 * fixed order, names and ids sorted, so two renderings of the same state
 * are identical.  -ENOMEM / -E2BIG from the buffer.
 */
int state_to_json(const struct state *s, time_t now, struct buf *out);

/*
 * Read and parse `path`.  -ENOENT when it does not exist (a first run);
 * other -errno when it cannot be read, -EFBIG past STATE_FILE_MAX, and the
 * errors of state_from_json(); `e` names the file.  Blocking.
 */
int state_read_file(const char *path, struct state *out, struct err *e);

#endif
