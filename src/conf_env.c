/* SPDX-License-Identifier: ISC */
/*
 * conf_env: conf_load() with the process's environment.  See conf_env.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_env.h"
#include "creds_plan.h"

int
conf_env_load(const char *dir, char *const *envp, const struct vpcesd_config *previous,
	      struct vpcesd_config **ret, struct conf_diags *diags)
{
	struct creds_file file = {0};
	struct conf_env env = {
		.envp = envp,
		.runtime_directory = creds_env_get(envp, "RUNTIME_DIRECTORY"),
		.state_directory = creds_env_get(envp, "STATE_DIRECTORY"),
		.previous = previous,
	};
	struct vpcesd_config *cfg = NULL;
	bool file_ok = true;
	struct err e;
	int r;

	err_clear(&e);
	r = creds_config_file_load(envp, &file, &e);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/* Report it, and everything else wrong, in one go. */
		file_ok = false;
		if (strv_push(&diags->lines, e.msg) < 0)
			diags->oom = true;
	} else {
		env.aws_config = &file.ini;
		env.aws_config_path = file.path;
	}
	r = conf_load(dir, &env, &cfg, diags);
	creds_file_free(&file);
	if (r < 0)
		return r;
	if (!file_ok) {
		model_config_free(cfg);
		return -EINVAL;
	}
	*ret = cfg;
	return 0;
}
