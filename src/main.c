/*
 * vpcesd: entry point.  Parses arguments, maps outcomes to exit codes and
 * hands over to the modules that do the work; nothing else lives here.
 *
 * Exit codes (vpcesd(8)): 0 success, 1 invalid configuration, 2 usage error,
 * 3 the daemon itself is not implemented yet (later issues replace this).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "model.h"

#define EXIT_CONFIG          1
#define EXIT_USAGE           2
#define EXIT_NOT_IMPLEMENTED 3

#define DEFAULT_CONFIG_DIR SYSCONFDIR "/vpcesd"

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
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n",
		DEFAULT_CONFIG_DIR);
}

/* Load, printing every diagnostic to stderr.  Returns the config or NULL. */
static struct vpcesd_config *
load(const char *dir)
{
	const struct conf_env env = {
		.aws_region = getenv("AWS_REGION"),
		.aws_default_region = getenv("AWS_DEFAULT_REGION"),
		.profile_region = NULL,
	};
	struct conf_diags diags = CONF_DIAGS_INIT;
	struct vpcesd_config *cfg = NULL;
	int r = conf_load(dir, &env, &cfg, &diags);

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
	cJSON *j = model_config_to_json(cfg);
	struct buf out;
	int r;

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

int
main(int argc, char **argv)
{
	enum { OPT_DUMP = 0x100 };
	static const struct option options[] = {
		{"config-dir", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'n'},
		{"dump-config", no_argument, NULL, OPT_DUMP},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = DEFAULT_CONFIG_DIR;
	bool check = false, dump_config = false;
	struct vpcesd_config *cfg;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:nhV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
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
	if (check && dump_config) {
		fprintf(stderr, "vpcesd: --check-config and --dump-config are exclusive\n");
		return EXIT_USAGE;
	}
	cfg = load(dir);
	if (cfg == NULL)
		return EXIT_CONFIG;
	if (check) {
		printf("configuration OK: %zu service%s in %zu file%s\n", cfg->n_services,
		       cfg->n_services == 1 ? "" : "s", cfg->n_files, cfg->n_files == 1 ? "" : "s");
		rc = EXIT_SUCCESS;
	} else if (dump_config) {
		rc = dump(cfg);
	} else {
		fprintf(stderr, "vpcesd: configuration OK, but the daemon is not implemented yet "
				"(use --check-config or --dump-config)\n");
		rc = EXIT_NOT_IMPLEMENTED;
	}
	model_config_free(cfg);
	return rc;
}
