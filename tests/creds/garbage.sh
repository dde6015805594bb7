#!/bin/sh
# credential_process helper: exits 0 but prints no JSON.
echo "this is not json $CANARY"
