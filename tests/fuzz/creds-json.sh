#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: fuzz the credential JSON and time parsers for a bounded time (FUZZ_SECONDS).
exec "${top_srcdir:?}/tests/fuzz/run-fuzz.sh" creds-json
