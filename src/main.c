/* SPDX-License-Identifier: ISC */
/*
 * vpcesd: entry point.  Parses arguments, maps outcomes to exit codes and
 * hands over to the modules that do the work; nothing else lives here.
 *
 * Exit codes (vpcesd(8), daemon.h, reconcile.h): 0 success, 1 invalid
 * configuration (or, with --once, EC2 could not be read), 2 --once left
 * failures or held changes (--dry-run: changes would be made), 3 no usable
 * credentials, 4 other start-up failure, 5 --once made changes or waits for
 * Pending services not yet seen Available, 64 usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "conf_env.h"
#include "daemon.h"
#include "escape.h"
#include "log.h"
#include "model.h"
#include "validate.h"

#define EXIT_CONFIG DAEMON_EXIT_ERROR
#define EXIT_USAGE  DAEMON_EXIT_USAGE

#define DEFAULT_CONFIG_DIR SYSCONFDIR "/vpcesd"
#define DEFAULT_WAIT_S     600 /* --wait without a value */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: vpcesd [OPTIONS]\n"
		"Keep AWS PrivateLink endpoint services equal to their YAML specs.\n"
		"\n"
		"  -c, --config-dir DIR    configuration directory (default %s)\n"
		"  -n, --check-config      validate the configuration and exit\n"
		"      --dump-config       print the normalised configuration as JSON and exit\n"
		"      --once              run one reconciliation cycle and exit\n"
		"                          (0 converged, 1 error, 2 failures or held changes,\n"
		"                          5 changes made or services still Pending)\n"
		"      --wait[=DURATION]   with --once: cycle again until converged or DURATION\n"
		"                          passed (default 10m)\n"
		"      --dry-run           observe and plan only: change nothing, print the plan\n"
		"                          (0 nothing would change, 2 changes would be made)\n"
		"      --output FORMAT     plan format for --dry-run: text (default) or json\n"
		"      --policy POLICY     override the policy: sync, upsert-only, create-only\n"
		"      --status-file PATH  write the status file to PATH instead (with --dry-run:\n"
		"                          the only file a dry run writes)\n"
		"      --log-level LEVEL   debug, info, notice, warning, error (default: "
		"log.level)\n"
		"      --log-target TARGET auto (default), journal or stderr\n"
		"      --log-format FORMAT text or json, for stderr (default: log.format)\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n",
		DEFAULT_CONFIG_DIR);
}

/* Load, printing every diagnostic to stderr.  Returns the config or NULL. */
static struct vpcesd_config *
load(const char *dir)
{
	struct conf_diags diags = CONF_DIAGS_INIT;
	struct vpcesd_config *cfg = NULL;
	int r = conf_env_load(dir, environ, NULL, &cfg, &diags);

	for (size_t i = 0; i < diags.lines.n; i++)
		fprintf(stderr, "%s\n", diags.lines.v[i]);
	if (diags.dropped > 0)
		fprintf(stderr, "vpcesd: %zu more errors not shown\n", diags.dropped);
	if (r < 0)
		fprintf(stderr, "vpcesd: configuration in %s is invalid (%zu error%s)\n", dir,
			conf_diags_count(&diags), conf_diags_count(&diags) == 1 ? "" : "s");
	conf_diags_free(&diags);
	return r < 0 ? NULL : cfg;
}

static int
dump(const struct vpcesd_config *cfg)
{
	cJSON *j = model_config_to_json(cfg), *src;
	char *creds = daemon_credentials_description(cfg);
	struct buf out;
	int r;

	/* The credentials' source beside the other settings' (issue 15), when one applies. */
	if (j != NULL && creds != NULL) {
		src = cJSON_GetObjectItemCaseSensitive(j, "sources");
		if (src == NULL)
			src = cJSON_AddObjectToObject(j, "sources");
		if (src == NULL || cJSON_AddStringToObject(src, "credentials", creds) == NULL) {
			cJSON_Delete(j);
			j = NULL;
		}
	}
	free(creds);
	if (j == NULL) {
		fprintf(stderr, "vpcesd: out of memory\n");
		return EXIT_FAILURE;
	}
	buf_init(&out, (size_t)1 << 30);
	r = model_json_print(j, &out);
	cJSON_Delete(j);
	if (r == 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
		r = -EIO;
	buf_free(&out);
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "vpcesd: cannot print the configuration: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int
bad_value(const char *option, const char *value, const char *accepted)
{
	fprintf(stderr, "vpcesd: invalid %s '%s' (accepted: %s)\n", option, value, accepted);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	enum {
		OPT_DUMP = 0x100,
		OPT_ONCE,
		OPT_DRY_RUN,
		OPT_OUTPUT,
		OPT_POLICY,
		OPT_LOG_LEVEL,
		OPT_LOG_TARGET,
		OPT_LOG_FORMAT,
		OPT_STATUS_FILE,
		OPT_WAIT,
	};
	static const struct option options[] = {
		{"config-dir", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'n'},
		{"dump-config", no_argument, NULL, OPT_DUMP},
		{"once", no_argument, NULL, OPT_ONCE},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"output", required_argument, NULL, OPT_OUTPUT},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"log-target", required_argument, NULL, OPT_LOG_TARGET},
		{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
		{"status-file", required_argument, NULL, OPT_STATUS_FILE},
		{"wait", optional_argument, NULL, OPT_WAIT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct daemon_options dopt = {
		.config_dir = DEFAULT_CONFIG_DIR,
		.policy = -1,
		.output = RECONCILE_OUTPUT_NONE,
		.log_priority = -1,
		.log_target = LOG_TARGET_AUTO,
		.log_format = -1,
	};
	const char *output = NULL;
	bool check = false, dump_config = false, wait = false;
	struct vpcesd_config *cfg;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:nhV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			dopt.config_dir = optarg;
			break;
		case OPT_ONCE:
			dopt.once = true;
			break;
		case OPT_DRY_RUN:
			dopt.dry_run = true;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_POLICY:
			dopt.policy = model_policy_from_string(optarg);
			if (dopt.policy < 0)
				return bad_value("--policy", optarg,
						 "sync, upsert-only, create-only");
			break;
		case OPT_LOG_LEVEL:
			dopt.log_priority = log_priority_from_string(optarg);
			if (dopt.log_priority < 0)
				return bad_value("--log-level", optarg,
						 "debug, info, notice, warning, error");
			break;
		case OPT_LOG_TARGET:
			rc = log_target_from_string(optarg);
			if (rc < 0)
				return bad_value("--log-target", optarg, "auto, journal, stderr");
			dopt.log_target = (enum log_target)rc;
			break;
		case OPT_LOG_FORMAT:
			dopt.log_format = log_format_from_string(optarg);
			if (dopt.log_format < 0)
				return bad_value("--log-format", optarg, "text, json");
			break;
		case OPT_STATUS_FILE:
			if (optarg[0] == '\0')
				return bad_value("--status-file", optarg, "a file path");
			dopt.status_file = optarg;
			break;
		case OPT_WAIT:
			wait = true;
			dopt.wait_s = DEFAULT_WAIT_S;
			if (optarg != NULL) {
				struct err e;

				err_clear(&e);
				if (validate_duration(optarg, &dopt.wait_s, &e) < 0 ||
				    dopt.wait_s == 0)
					return bad_value("--wait", optarg,
							 "a duration such as 90s, 10m or 1h");
			}
			break;
		case 'n':
			check = true;
			break;
		case OPT_DUMP:
			dump_config = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vpcesd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (check + dump_config + (dopt.once || dopt.dry_run) > 1) {
		fprintf(stderr, "vpcesd: --check-config, --dump-config and --once/--dry-run "
				"are exclusive\n");
		return EXIT_USAGE;
	}
	if (wait && (!dopt.once || dopt.dry_run)) {
		fprintf(stderr, "vpcesd: --wait applies to --once without --dry-run\n");
		return EXIT_USAGE;
	}
	if (output && strcmp(output, "text") != 0 && strcmp(output, "json") != 0)
		return bad_value("--output", output, "text, json");
	if (output && !dopt.dry_run) {
		fprintf(stderr, "vpcesd: --output applies to --dry-run plans only\n");
		return EXIT_USAGE;
	}
	if (dopt.status_file && (check || dump_config)) {
		fprintf(stderr, "vpcesd: --status-file applies to a cycle or a daemon only\n");
		return EXIT_USAGE;
	}
	if (dopt.dry_run)
		dopt.output = output && strcmp(output, "json") == 0 ? RECONCILE_OUTPUT_JSON
								    : RECONCILE_OUTPUT_TEXT;
	if (!check && !dump_config)
		return daemon_main(&dopt);
	cfg = load(dopt.config_dir);
	if (cfg == NULL)
		return EXIT_CONFIG;
	if (check) {
		struct strv problems = STRV_INIT;

		/* What the daemon would refuse at start-up, -n refuses now (issue 13). */
		if (daemon_check_startup(cfg, dopt.dry_run, &problems) > 0) {
			for (size_t i = 0; i < problems.n; i++) {
				char text[2 * ERR_MSG_MAX];

				escape_into(text, sizeof(text), problems.v[i]);
				fprintf(stderr, "%s\n", text);
			}
			fprintf(stderr,
				"vpcesd: configuration in %s is valid, but the daemon would "
				"not start (%zu problem%s)\n",
				dopt.config_dir, problems.n, problems.n == 1 ? "" : "s");
			strv_free(&problems);
			model_config_free(cfg);
			return EXIT_CONFIG;
		}
		strv_free(&problems);
		printf("configuration OK: %zu service%s in %zu file%s\n", cfg->n_services,
		       cfg->n_services == 1 ? "" : "s", cfg->n_files, cfg->n_files == 1 ? "" : "s");
		rc = EXIT_SUCCESS;
	} else {
		rc = dump(cfg);
	}
	model_config_free(cfg);
	return rc;
}
