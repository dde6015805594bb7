#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: fuzz the configuration loader for a bounded time (FUZZ_SECONDS).
exec "${top_srcdir:?}/tests/fuzz/run-fuzz.sh" conf
