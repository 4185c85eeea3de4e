#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitrd.sh OUT: build the busybox initramfs of the real-Linux guest
# (tests/linux/guest-init as /init, busybox-static) as an uncompressed
# newc archive.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../harness/lib.sh"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$here/guest-init" "$root/init"
# The kernel opens /dev/console before /init can mount devtmpfs.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
mkdir -p "$(dirname "$out")"
harness_cpio "$root" "$out"
