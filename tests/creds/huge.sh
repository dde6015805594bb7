#!/bin/sh
# credential_process helper: floods stdout far past the cap.
head -c 1000000 /dev/zero | tr '\0' 'a'
sleep 600
