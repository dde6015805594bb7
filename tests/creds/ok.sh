#!/bin/sh
# credential_process helper: a valid Version 1 document.  $1 is the
# Expiration (proves the argument reached us unsplit), $CANARY the secret.
printf '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "%s",\n' "$CANARY"
printf ' "SessionToken": "TOKENPROCESS", "Expiration": "%s"}\n' "$1"
