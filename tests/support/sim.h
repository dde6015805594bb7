/* SPDX-License-Identifier: ISC */
/*
 * Test support: a C client for ec2sim's admin API (tests/ec2sim/README.md).
 *
 * Tests of the EC2 layers set the sim up (reset, settings, faults, consumer
 * connections) and read back what vpcesd did (request log, counters) through
 * this.  Each call runs the given libev loop until the admin answer arrives,
 * so it is only for test code, between steps, never inside a callback.
 * Requires $EC2SIM_ADMIN (tests/with-ec2sim.sh sets it).
 */
#ifndef VPCESD_TEST_SIM_H
#define VPCESD_TEST_SIM_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct ev_loop;
struct http_client;

struct sim {
	struct ev_loop *loop;
	struct http_client *http;
	const char *admin; /* from the environment */
};

/* false when $EC2SIM_ADMIN is unset (the test should skip). */
bool sim_open(struct sim *s, struct ev_loop *loop);
void sim_close(struct sim *s);

/*
 * One admin request with an optional JSON body; returns the parsed JSON
 * answer (caller frees with cJSON_Delete) or NULL when the status is not
 * 2xx or the answer is not JSON (the reason is printed).
 */
cJSON *sim_call(struct sim *s, const char *method, const char *path, const char *json_body);

/* sim_call() for requests whose answer is not needed; false on failure. */
bool sim_do(struct sim *s, const char *method, const char *path, const char *json_body);

/* counters[action][key] from GET /_sim/counters ("total", "OK", an error code); 0 if absent. */
int sim_counter(struct sim *s, const char *action, const char *key);

#endif
