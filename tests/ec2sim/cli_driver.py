# SPDX-License-Identifier: ISC
"""Run many AWS CLI commands in one process, for the fidelity test.

Why: each `aws` process spends ~0.6 s of CPU importing the CLI, which would
make the fidelity test slow on CI's two cores.  This runs the Debian awscli's
own entry point (awscli.clidriver, what /usr/bin/aws calls) once per command
inside one long-lived process: same argument parsing, botocore signing,
parsing and error printing, no re-imports.  A fresh driver (and so a fresh
botocore session reading the environment) is built for every command.

Protocol on stdin: a line with N, then N lines of arguments.  Leading
arguments `ENV:NAME=VALUE` set and `ENV:-NAME` unset environment variables
for that command only.  The command's stdout/stderr go to the files named
on the command line; the exit status is written as one line to stdout.
"""

import os
import sys
from contextlib import redirect_stderr, redirect_stdout

from awscli.clidriver import create_clidriver


def run(args, out_path, err_path):
    saved = dict(os.environ)
    while args and args[0].startswith("ENV:"):
        spec = args.pop(0)[4:]
        if spec.startswith("-"):
            os.environ.pop(spec[1:], None)
        else:
            name, _, value = spec.partition("=")
            os.environ[name] = value
    try:
        with open(out_path, "w") as out, open(err_path, "w") as err, redirect_stdout(out), redirect_stderr(err):
            try:
                return create_clidriver().main(args)
            except SystemExit as ex:
                return ex.code if isinstance(ex.code, int) else 1
            except Exception as ex:  # report like the CLI would, keep serving
                print(f"cli_driver: {ex!r}", file=sys.stderr)
                return 255
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main():
    out_path, err_path = sys.argv[1:3]
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        args = [sys.stdin.readline().rstrip("\n") for _ in range(int(line))]
        rc = run(args, out_path, err_path)
        sys.stdout.write(f"{rc}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
