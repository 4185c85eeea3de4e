#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-parts.sh DIR ARGS...: a suite made of parts: every DIR/*.sh but
# DIR/run.sh, in turn, with sh and ARGS. Each part prints one line per test
# ("PASS name", "FAIL name: why", "SKIPPED name: why") and exits non-zero
# when one of its tests failed; so does this script.
dir=$1
shift
status=0
for part in "$dir"/*.sh; do
	[ "$part" = "$dir/run.sh" ] && continue
	[ -f "$part" ] || continue
	sh "$part" "$@" || status=1
done
exit $status
