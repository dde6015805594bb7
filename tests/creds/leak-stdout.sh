#!/bin/sh
# credential_process helper: prints a document on stdout, then changes its
# mind: repeats the secret and token on stderr and fails.
printf '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "%s",\n' "$CANARY"
printf ' "SessionToken": "TOKENPROCESS"}\n'
echo "helper: wrote secret $CANARY and token TOKENPROCESS, then lost the lease" >&2
exit 2
