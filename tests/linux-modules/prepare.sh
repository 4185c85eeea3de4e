#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build what tests/linux-modules/run.sh boots, on the host (the emulated
# machine has no kernel headers): the guest modules (make guest-modules)
# and build/tests/linux/modules-initrd.cpio, a busybox initramfs with
# tests/linux-modules/guest-init as /init (guest-bench as /bench) and the
# two modules in /lib/modules. build/tests/linux/ is in the emulated machine's payload.
# The kernel is tests/linux/prepare.sh's (the same Debian kernel the
# modules are built against).
#
# Never fails `make check`: when the modules cannot be built it says why,
# leaves no initramfs, and run.sh reports SKIPPED.
set -u

cd "$(dirname "$0")/../.."
. tests/harness/lib.sh
OUT=build/tests/linux
INITRD=$OUT/modules-initrd.cpio
MODS=build/guest/linux
LOG=build/guest/modules-build.log
mkdir -p build/guest "$OUT"

rm -f "$INITRD"
if ! make -s guest-modules >"$LOG" 2>&1; then
	echo "linux-modules: make guest-modules failed (see $LOG)" >&2
	tail -n 5 "$LOG" >&2
	exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules} "$OUT"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 tests/linux-modules/guest-init "$root/init"
install -m 755 tests/linux-modules/guest-bench "$root/bench"
cp "$MODS/imsvm-pvic.ko" "$MODS/imsvm-adisim.ko" "$root/lib/modules/"
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
harness_cpio "$root" "$INITRD"
