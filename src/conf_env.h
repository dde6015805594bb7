/* SPDX-License-Identifier: ISC */
/*
 * conf_env: the configuration as the process's environment shapes it.
 *
 * conf.h is deterministic: what it needs beyond the configuration directory
 * comes in a `struct conf_env`.  This is the one place that builds that
 * structure from a real environment (the `vpcesd -n` / `--dump-config`
 * path in main.c and the daemon's start and reload in daemon.c use it
 * alike), so both read the same variables and the same AWS config file
 * (AWS_CONFIG_FILE, else $HOME/.aws/config, parsed with ini.h).
 *
 * Blocking file I/O: call at start-up or on reload, never mid-cycle.
 */
#ifndef VPCESD_CONF_ENV_H
#define VPCESD_CONF_ENV_H

#include "conf.h"

/*
 * Load `dir` (conf_load()) with the environment `envp` ("NAME=VALUE",
 * NULL-terminated, normally `environ`) and the AWS config file it names.
 * A malformed or unreadable AWS config file is one more diagnostic
 * ("path:line:col: message") and makes the load fail, as it makes the AWS
 * CLI fail.  Same contract as conf_load(): on success *ret is the caller's
 * (model_config_free()); otherwise -EINVAL / -ENOMEM with `diags` saying
 * why and *ret untouched.  `previous` is the running config on a reload
 * (conf_env.previous), else NULL; borrowed.
 */
int conf_env_load(const char *dir, char *const *envp, const struct vpcesd_config *previous,
		  struct vpcesd_config **ret, struct conf_diags *diags);

#endif
