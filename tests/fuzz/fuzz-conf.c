/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the configuration loader: one services file from memory,
 * parsed and validated exactly as conf_load() would (the region comes from a
 * fixed environment so ARN checks run too).  Any crash, leak or sanitizer
 * report is a bug; diagnostics are the expected outcome for most inputs.
 *
 * Built and run by tests/fuzz/run-fuzz.sh conf.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const envp[] = {"AWS_REGION=us-east-1", NULL};
	const struct conf_env env = {.envp = (char *const *)envp};
	struct conf_diags diags = CONF_DIAGS_INIT;
	struct vpcesd_config *cfg = NULL;

	if (conf_load_services_buffer("fuzz.yaml", data, size, &env, &cfg, &diags) == 0) {
		cJSON *j = model_config_to_json(cfg);

		cJSON_Delete(j);
		model_config_free(cfg);
	}
	conf_diags_free(&diags);
	return 0;
}
