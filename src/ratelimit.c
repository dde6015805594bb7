/* SPDX-License-Identifier: ISC */
/*
 * ratelimit: static token buckets per EC2 action class + global bucket +
 * botocore-style adaptive (CUBIC) limiter; see ratelimit.h for the why and
 * the numbers.
 */
#include "config.h"

#include "ratelimit.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CUBIC_SCALE     0.4
#define CUBIC_BETA      0.7
#define ADAPTIVE_MIN    0.5 /* botocore TokenBucket._MIN_RATE */
#define ADAPTIVE_CAP    2.0 /* botocore _MAX_RATE_ADJUST_SCALE */
#define CLOCK_SMOOTHING 0.8
#define CLOCK_BUCKET    0.5 /* seconds per measurement bucket */

struct bucket {
	double tokens;
	double capacity;
	double rate; /* tokens per second */
	double last; /* time of the last refill */
};

struct adaptive {
	bool enabled;
	struct bucket tb;
	/* CUBIC */
	double w_max;
	double k;
	double last_fail;
	/* measured response rate (RateClocker) */
	double measured;
	double last_bucket;
	double count;
};

struct ratelimit {
	bool adaptive_on;
	struct bucket global;
	struct bucket classes[RATELIMIT_N_CLASSES];
	struct adaptive adapt[RATELIMIT_N_CLASSES];
};

/* EC2's published buckets (ec2-api.md §8), before scaling by the share. */
static const struct {
	const char *name;
	double size;
	double refill;
} ec2_buckets[RATELIMIT_N_CLASSES] = {
	[RATELIMIT_DESCRIBE] = {"describe", 100, 20},
	[RATELIMIT_CREATE_SERVICE] = {"create-service", 10, 1},
	[RATELIMIT_MODIFY_SERVICE] = {"modify-service", 10, 1},
	[RATELIMIT_DELETE_SERVICES] = {"delete-services", 10, 1},
	[RATELIMIT_ACCEPT_CONNECTIONS] = {"accept-connections", 10, 1},
	[RATELIMIT_REJECT_CONNECTIONS] = {"reject-connections", 10, 1},
	[RATELIMIT_TAGS] = {"tags", 100, 10},
	[RATELIMIT_MUTATING] = {"mutating", 50, 5},
};

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum ratelimit_class
ratelimit_class_of(const char *action)
{
	if (!action)
		return RATELIMIT_MUTATING;
	if (strcmp(action, "CreateVpcEndpointServiceConfiguration") == 0)
		return RATELIMIT_CREATE_SERVICE;
	if (strcmp(action, "ModifyVpcEndpointServiceConfiguration") == 0)
		return RATELIMIT_MODIFY_SERVICE;
	if (strcmp(action, "DeleteVpcEndpointServiceConfigurations") == 0)
		return RATELIMIT_DELETE_SERVICES;
	if (strcmp(action, "AcceptVpcEndpointConnections") == 0)
		return RATELIMIT_ACCEPT_CONNECTIONS;
	if (strcmp(action, "RejectVpcEndpointConnections") == 0)
		return RATELIMIT_REJECT_CONNECTIONS;
	if (strcmp(action, "CreateTags") == 0 || strcmp(action, "DeleteTags") == 0)
		return RATELIMIT_TAGS;
	if (has_prefix(action, "Describe") || has_prefix(action, "List") ||
	    has_prefix(action, "Search") || has_prefix(action, "Get"))
		return RATELIMIT_DESCRIBE;
	return RATELIMIT_MUTATING;
}

const char *
ratelimit_class_name(enum ratelimit_class c)
{
	if ((int)c < 0 || c >= RATELIMIT_N_CLASSES)
		return "unknown";
	return ec2_buckets[c].name;
}

static void
bucket_init(struct bucket *b, double capacity, double rate, double now)
{
	b->capacity = capacity < 1.0 ? 1.0 : capacity; /* a bucket must hold one request */
	b->rate = rate;
	b->tokens = b->capacity;
	b->last = now;
}

static void
bucket_refill(struct bucket *b, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * b->rate;
		if (b->tokens > b->capacity)
			b->tokens = b->capacity;
		b->last = now;
	}
}

/* Seconds until one token is there (0 if it is). */
static double
bucket_wait(const struct bucket *b)
{
	if (b->tokens >= 1.0)
		return 0.0;
	return (1.0 - b->tokens) / b->rate;
}

/* botocore TokenBucket.max_rate setter: refill first, then change rate and capacity. */
static void
adaptive_set_rate(struct adaptive *a, double rate, double now)
{
	bucket_refill(&a->tb, now);
	a->tb.rate = rate > ADAPTIVE_MIN ? rate : ADAPTIVE_MIN;
	a->tb.capacity = rate >= 1.0 ? rate : 1.0;
	if (a->tb.tokens > a->tb.capacity)
		a->tb.tokens = a->tb.capacity;
}

static double
cubic_k(double w_max)
{
	return cbrt(w_max * (1.0 - CUBIC_BETA) / CUBIC_SCALE);
}

/* RateClocker.record(): responses per second, smoothed over 0.5 s buckets. */
static double
clock_record(struct adaptive *a, double now)
{
	double bucket = floor(now / CLOCK_BUCKET) * CLOCK_BUCKET;

	a->count += 1.0;
	if (bucket > a->last_bucket) {
		double current = a->count / (bucket - a->last_bucket);

		a->measured = current * CLOCK_SMOOTHING + a->measured * (1.0 - CLOCK_SMOOTHING);
		a->count = 0;
		a->last_bucket = bucket;
	}
	return a->measured;
}

int
ratelimit_new(const struct ratelimit_options *opt, double now, struct ratelimit **ret,
	      struct err *e)
{
	struct ratelimit_options o = {0};
	struct ratelimit *rl;
	int i;

	if (opt)
		o = *opt;
	if (o.share == 0)
		o.share = RATELIMIT_DEFAULT_SHARE;
	if (o.rate == 0)
		o.rate = RATELIMIT_DEFAULT_RATE;
	if (o.burst == 0)
		o.burst = RATELIMIT_DEFAULT_BURST;
	if (!(o.share > 0 && o.share <= 1))
		return err_set(e, -EINVAL, "ratelimit: share must be in (0, 1], got %g", o.share);
	if (!(o.rate > 0 && isfinite(o.rate)) || !(o.burst > 0 && isfinite(o.burst)))
		return err_set(e, -EINVAL, "ratelimit: api.rate and api.burst must be positive");
	if (!isfinite(now))
		return err_set(e, -EINVAL, "ratelimit: bad time");
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return err_set(e, -ENOMEM, "out of memory");
	rl->adaptive_on = o.adaptive;
	bucket_init(&rl->global, o.burst, o.rate, now);
	for (i = 0; i < RATELIMIT_N_CLASSES; i++) {
		struct adaptive *a = &rl->adapt[i];

		bucket_init(&rl->classes[i], ec2_buckets[i].size * o.share,
			    ec2_buckets[i].refill * o.share, now);
		bucket_init(&a->tb, 1.0, 1.0, now);
		a->tb.tokens = 0; /* botocore starts the adaptive bucket empty */
		a->last_fail = now;
		a->last_bucket = floor(now);
	}
	*ret = rl;
	return 0;
}

/* b takes a's level at `now`, within its own capacity. */
static void
bucket_carry(struct bucket *b, const struct bucket *a, double now)
{
	struct bucket old = *a;

	bucket_refill(&old, now);
	bucket_refill(b, now);
	b->tokens = old.tokens < b->capacity ? old.tokens : b->capacity;
}

void
ratelimit_carry(struct ratelimit *to, const struct ratelimit *from, double now)
{
	if (to == NULL || from == NULL || !isfinite(now))
		return;
	bucket_carry(&to->global, &from->global, now);
	for (int i = 0; i < RATELIMIT_N_CLASSES; i++) {
		bucket_carry(&to->classes[i], &from->classes[i], now);
		if (to->adaptive_on && from->adaptive_on)
			to->adapt[i] = from->adapt[i];
	}
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

double
ratelimit_acquire(struct ratelimit *rl, const char *action, double now)
{
	enum ratelimit_class c = ratelimit_class_of(action);
	struct bucket *cls = &rl->classes[c];
	struct adaptive *a = &rl->adapt[c];
	double wait, w;

	bucket_refill(&rl->global, now);
	bucket_refill(cls, now);
	wait = bucket_wait(&rl->global);
	w = bucket_wait(cls);
	if (w > wait)
		wait = w;
	if (a->enabled) {
		bucket_refill(&a->tb, now);
		w = bucket_wait(&a->tb);
		if (w > wait)
			wait = w;
	}
	if (wait > 0)
		return wait;
	rl->global.tokens -= 1.0;
	cls->tokens -= 1.0;
	if (a->enabled)
		a->tb.tokens -= 1.0;
	return 0;
}

void
ratelimit_record(struct ratelimit *rl, const char *action, bool throttled, double now)
{
	enum ratelimit_class c = ratelimit_class_of(action);
	struct adaptive *a = &rl->adapt[c];
	double static_rate = rl->classes[c].rate;
	double measured, new_rate;

	if (!rl->adaptive_on)
		return;
	measured = clock_record(a, now);
	if (!throttled) {
		/* CubicCalculator.success_received() */
		double dt = now - a->last_fail;

		new_rate = CUBIC_SCALE * pow(dt - a->k, 3) + a->w_max;
		if (a->enabled && new_rate >= static_rate) {
			/*
			 * Recovered: the static bucket governs again, but it
			 * starts from the adaptive bucket's level, so that
			 * recovery does not open with a full static burst.
			 */
			struct bucket *cls = &rl->classes[c];

			bucket_refill(&a->tb, now);
			bucket_refill(cls, now);
			if (cls->tokens > a->tb.tokens)
				cls->tokens = a->tb.tokens;
			a->enabled = false;
			return;
		}
	} else {
		/* CubicCalculator.error_received() with min(measured, current rate). */
		double current = a->enabled ? a->tb.rate : static_rate;
		double use = measured < current ? measured : current;

		a->w_max = use;
		a->k = cubic_k(use);
		a->last_fail = now;
		new_rate = use * CUBIC_BETA;
		if (!a->enabled) {
			/* Start from the tokens the class had, not from a fresh burst. */
			a->tb.last = now;
			a->tb.tokens = 0;
		}
		a->enabled = true;
	}
	if (new_rate > ADAPTIVE_CAP * measured)
		new_rate = ADAPTIVE_CAP * measured;
	adaptive_set_rate(a, new_rate, now);
}

double
ratelimit_class_rate(const struct ratelimit *rl, enum ratelimit_class c)
{
	double r = rl->classes[c].rate;

	if (rl->adapt[c].enabled && rl->adapt[c].tb.rate < r)
		r = rl->adapt[c].tb.rate;
	return r;
}

bool
ratelimit_adaptive_active(const struct ratelimit *rl, enum ratelimit_class c)
{
	return rl->adapt[c].enabled;
}

double
ratelimit_sustained(const struct ratelimit_options *opt, enum ratelimit_class c)
{
	double share = opt->share > 0 ? opt->share : RATELIMIT_DEFAULT_SHARE;
	double global = opt->rate > 0 ? opt->rate : RATELIMIT_DEFAULT_RATE;
	double own;

	if ((int)c < 0 || c >= RATELIMIT_N_CLASSES)
		c = RATELIMIT_MUTATING;
	own = ec2_buckets[c].refill * share;
	return own < global ? own : global;
}
