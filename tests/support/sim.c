/* SPDX-License-Identifier: ISC */
/*
 * Test support: ec2sim admin API client.  See sim.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "buf.h"
#include "http.h"
#include "sim.h"

struct answer {
	bool done;
	long status;
	enum http_error error;
	char *body;
};

static void
on_answer(struct http_response *resp, void *userdata)
{
	struct answer *a = userdata;

	a->done = true;
	a->status = resp->status;
	a->error = resp->error;
	a->body = buf_steal(&resp->body);
}

bool
sim_open(struct sim *s, struct ev_loop *loop)
{
	struct http_client_options opt = {0};
	struct err e;

	memset(s, 0, sizeof(*s));
	s->admin = getenv("EC2SIM_ADMIN");
	if (s->admin == NULL)
		return false;
	s->loop = loop;
	err_clear(&e);
	if (http_client_new(loop, &opt, &s->http, &e) < 0) {
		fprintf(stderr, "sim: %s\n", e.msg);
		return false;
	}
	return true;
}

void
sim_close(struct sim *s)
{
	http_client_free(s->http);
	s->http = NULL;
}

cJSON *
sim_call(struct sim *s, const char *method, const char *path, const char *json_body)
{
	struct http_header hdr = {"Content-Type", "application/json"};
	struct answer a = {0};
	struct http_request req = {0};
	char url[512];
	struct err e;
	cJSON *j = NULL;

	err_clear(&e);
	snprintf(url, sizeof(url), "%s%s", s->admin, path);
	if (strcmp(method, "GET") == 0) {
		req.method = HTTP_GET;
	} else if (strcmp(method, "POST") == 0) {
		req.method = HTTP_POST;
	} else if (strcmp(method, "DELETE") == 0) {
		req.method = HTTP_DELETE;
	} else {
		fprintf(stderr, "sim: unsupported method %s\n", method);
		return NULL;
	}
	req.url = url;
	req.flags = HTTP_ALLOW_HTTP;
	if (json_body) {
		req.headers = &hdr;
		req.n_headers = 1;
		req.body = json_body;
		req.body_len = strlen(json_body);
	}
	if (http_submit(s->http, &req, on_answer, &a, NULL, &e) < 0) {
		fprintf(stderr, "sim: %s %s: %s\n", method, path, e.msg);
		return NULL;
	}
	while (!a.done)
		ev_run(s->loop, EVRUN_ONCE);
	if (a.error != HTTP_ERR_NONE || a.status < 200 || a.status >= 300)
		fprintf(stderr, "sim: %s %s: %s status %ld: %s\n", method, path,
			http_error_name(a.error), a.status, a.body ? a.body : "");
	else if ((j = cJSON_Parse(a.body)) == NULL)
		fprintf(stderr, "sim: %s %s: answer is not JSON\n", method, path);
	free(a.body);
	return j;
}

bool
sim_do(struct sim *s, const char *method, const char *path, const char *json_body)
{
	cJSON *j = sim_call(s, method, path, json_body);

	cJSON_Delete(j);
	return j != NULL;
}

int
sim_counter(struct sim *s, const char *action, const char *key)
{
	cJSON *j = sim_call(s, "GET", "/_sim/counters", NULL);
	const cJSON *v =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, action), key);
	int n = cJSON_IsNumber(v) ? v->valueint : 0;

	cJSON_Delete(j);
	return n;
}
