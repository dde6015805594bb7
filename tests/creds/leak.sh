#!/bin/sh
# credential_process helper: fails, printing credentials on stderr (an AWS
# CLI it wraps in debug mode would).  $LEAK_SECRET and $LEAK_TOKEN have the
# shapes of real ones (40 and 120 characters); vpcesd knows neither.
echo "helper: got $LEAK_SECRET $LEAK_TOKEN from the broker, refusing" >&2
echo "aws_secret_access_key = $LEAK_SECRET" >&2
exit 1
