/*
 * vpcesd: entry point.  Parses arguments, maps outcomes to exit codes and
 * hands over to the modules that do the work; nothing else lives here.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void
usage(FILE *out)
{
	fprintf(out, "Usage: vpcesd [OPTIONS]\n"
		     "Keep AWS PrivateLink endpoint services equal to their YAML specs.\n"
		     "\n"
		     "  -h, --help              show this help and exit\n"
		     "  -V, --version           show the version and exit\n");
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "hV", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	usage(stderr);
	return EXIT_FAILURE;
}
