#!/bin/sh
# credential_process helper: the first run (no file $1 yet) succeeds with
# credentials expiring at $2; every later run fails, quoting the secret it
# handed out before on stderr.
if [ ! -e "$1" ]; then
	: >"$1"
	printf '{"Version": 1, "AccessKeyId": "AKIDONCE", "SecretAccessKey": "%s",' "$CANARY"
	printf ' "SessionToken": "TOKENPROCESS", "Expiration": "%s"}\n' "$2"
	exit 0
fi
echo "helper: the broker revoked $CANARY (TOKENPROCESS)" >&2
exit 1
