#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: fuzz the STS XML answer parsers (AssumeRole*, errors) for a bounded time (FUZZ_SECONDS).
exec "${top_srcdir:?}/tests/fuzz/run-fuzz.sh" sts-xml
