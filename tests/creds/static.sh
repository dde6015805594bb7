#!/bin/sh
# credential_process helper: long-term keys (no Expiration, no token).
printf '{"Version": 1, "AccessKeyId": "AKIDSTATIC", "SecretAccessKey": "%s"}' "$CANARY"
