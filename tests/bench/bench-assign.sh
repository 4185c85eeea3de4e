#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Device assignment rows for `make bench` (issue 5): exits per access to a
# mapped and a trapped BAR, and copy DMA through the shared memfd against
# DMA_READ/DMA_WRITE messages. The measurement is tests/assign/bench.sh.
set -u
cd "$(dirname "$0")/../.."
BENCH_ROWS=1 exec sh tests/assign/bench.sh "${O:-build}" 2000
