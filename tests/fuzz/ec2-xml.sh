#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: fuzz the EC2 XML answer parsers for a bounded time (FUZZ_SECONDS).
exec "${top_srcdir:?}/tests/fuzz/run-fuzz.sh" ec2-xml
