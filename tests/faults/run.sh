#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The `faults` suite of make check: faults injected into a running imsvm (a
# device server killed or stopped, SIGTERM at bad moments, resource limits,
# a full disk), each checking that nothing was lost and, from /proc
# (tests/lib/proc.sh), that nothing leaked.
#
# Each part is one script beside this one (tests/faults/*.sh), run in turn
# with sh; each prints one line per test ("PASS name", "FAIL name: why",
# "SKIPPED name: why") and exits non-zero when one of its tests failed.
# Host or emulated machine (run-all.sh picks): a part that needs /dev/kvm
# says SKIPPED without it.
#
# Usage: tests/faults/run.sh [BUILD_DIR]   (default: build)
exec sh "$(dirname "$0")/../lib/run-parts.sh" "$(dirname "$0")" "$@"
