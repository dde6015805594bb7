#!/bin/sh
# credential_process helper: fails with a diagnostic on stderr.
echo "" >&2
echo "helper: access denied for role" >&2
echo "second line" >&2
exit 3
