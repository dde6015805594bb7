#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: fuzz the AWS shared-file parser for a bounded time (FUZZ_SECONDS).
exec "${top_srcdir:?}/tests/fuzz/run-fuzz.sh" ini
