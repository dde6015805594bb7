/* SPDX-License-Identifier: ISC */
/*
 * details: the per-service reads of earlier cycles, kept for the read budget.
 *
 * A cycle reads the whole listing (cheap: a thousand services a page) but
 * cannot always read every service's details — allowed principals,
 * endpoint connections, connection notifications, one call each — within
 * EC2's Describe budget (issue 14: 1,667 permission lists at a 50% share
 * take about three minutes).  So each cycle reads some, oldest first
 * (plan_budget_reads(), plan.h), and the rest are the values an earlier
 * cycle read, with the time they were read: "last seen", never "absent".
 *
 * This module keeps those values between cycles, keyed by service id, and
 * moves them in and out of a cycle's observation:
 *   - details_fill() gives an observation the kept details of its services
 *     (what it does not read again this cycle keeps them), and the age of
 *     each (struct plan_read_age, plan.h);
 *   - details_store() keeps what a finished cycle read, and forgets the
 *     services a complete listing no longer shows;
 *   - details_forget() drops what a change made stale: a service whose
 *     principals vpcesd just changed is read again before the next change.
 * It also remembers a fingerprint of each service's listed configuration
 * as of its last detail read: a listing that shows the service different
 * (someone changed it) makes its details due at once.
 *
 * Ownership: a `struct details` owns deep copies of everything it keeps;
 * nothing it hands out outlives the next call that changes it.  Pure data
 * (no I/O, no clock: times are arguments); loop thread only.
 */
#ifndef VPCESD_DETAILS_H
#define VPCESD_DETAILS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "observation.h"
#include "plan.h"

struct details_entry;

struct details {
	struct details_entry *v; /* sorted by service id */
	size_t n;
	size_t cap;
};

#define DETAILS_INIT       \
	{                  \
		NULL, 0, 0 \
	}

/* Free everything kept; the struct is left empty and reusable.  NULL-safe. */
void details_free(struct details *d);

/* How many services are kept. */
size_t details_count(const struct details *d);

/*
 * Copy the kept details of every service of `obs` into it (principals,
 * connections, notifications, marked known with their *_at times) and
 * fill ages[0..obs->n_services) (`ages` may be NULL).  Services without a
 * kept read get at[] = 0 and changed = false; `changed` is true when the
 * listing shows the service different from when its details were read.  -ENOMEM: the observation
 * may hold some kept details, all of them valid.
 */
int details_fill(const struct details *d, struct observation *obs, struct plan_read_age *ages);

/*
 * Keep the reads `obs` made at or after `since` (the *_at times), with the
 * fingerprint of each service's listed configuration.  With a complete
 * listing, services it does not show are forgotten.  -ENOMEM: what was
 * kept before stays, some new reads may be missing (read again later).
 */
int details_store(struct details *d, const struct observation *obs, time_t since);

/* Forget read kind `what` (PLAN_READ_* bits, plan.h) of `service_id`. */
void details_forget(struct details *d, const char *service_id, unsigned what);

#endif
