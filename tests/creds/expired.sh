#!/bin/sh
# credential_process helper: credentials that expired long ago.
printf '{"Version": 1, "AccessKeyId": "AKIDOLD", "SecretAccessKey": "%s",' "$CANARY"
printf ' "SessionToken": "T", "Expiration": "2001-01-01T00:00:00Z"}'
