#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A file size limit (ulimit -f) below guest RAM: guest RAM is a memfd sized
# with ftruncate(), which the limit refuses with SIGXFSZ. imsvm must say so
# in one line and exit with status 1, not die of the signal (status 153).
# (A disk write past the limit: tests/faults/disk-full.sh, disk-fsize.)
#
# Usage: tests/faults/fsize.sh [BUILD_DIR]   (default: build)
O=${1:-${O:-build}}
IMSVM=$O/imsvm
GUEST=$O/tests/guest/x86
. "$(dirname "$0")/../lib/common.sh"

require_files fault-fsize-ram "$IMSVM" "$GUEST/boot.elf"
skip_without_kvm "fault-fsize-ram"
scratch_dir fsize

# 1000 blocks: 1 KiB each for bash, 512 bytes for some other shells;
# either way far below the 64 MiB of guest RAM.
(ulimit -f 1000 && exec "$IMSVM" run --no-control --mem 64 "$GUEST/boot.elf") \
	>"$TMP/log" 2>&1
st=$?
if [ "$st" = 1 ] && grep -q 'more than the file size limit (ulimit -f)' "$TMP/log"; then
	pass fault-fsize-ram
else
	fail fault-fsize-ram "status $st: $(head -c 300 "$TMP/log" | tr '\n' ' ')"
fi
exit $failed
