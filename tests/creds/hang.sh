#!/bin/sh
# credential_process helper: never answers; a child of its own keeps the
# pipes open, so only killing the process group ends it.
sleep 600 &
sleep 600
