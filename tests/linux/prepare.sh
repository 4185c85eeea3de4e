#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the real-Linux guest material under build/tests/linux/ when an
# input changed: initrd.cpio (busybox + guest-init) and vmlinux (the ELF
# kernel inside Debian's vmlinuz, for the PVH entry). The bzImage itself is
# /boot/vmlinuz-VERSION, copied next to them as vmlinuz.
set -eu

cd "$(dirname "$0")/../.."
. tests/harness/lib.sh
OUT=build/tests/linux
mkdir -p "$OUT"

KVER=$(harness_kernel_version)
if [ -z "$KVER" ]; then
	echo "linux: no Debian kernel installed (linux-image-amd64)" >&2
	exit 1
fi

# stale OUT INPUT...: OUT is missing or older than an input.
stale()
{
	local out=$1 f
	shift
	[ -e "$out" ] || return 0
	for f in "$@"; do
		[ "$f" -nt "$out" ] && return 0
	done
	return 1
}

if stale "$OUT/initrd.cpio" tests/linux/guest-init tests/linux/mkinitrd.sh /bin/busybox; then
	tests/linux/mkinitrd.sh "$OUT/initrd.cpio"
fi
if stale "$OUT/vmlinuz" "/boot/vmlinuz-$KVER" || ! cmp -s "$OUT/vmlinuz" "/boot/vmlinuz-$KVER"; then
	cp "/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
	rm -f "$OUT/vmlinux"
fi
if stale "$OUT/vmlinux" "$OUT/vmlinuz" tests/linux/extract-vmlinux.sh; then
	tests/linux/extract-vmlinux.sh "$OUT/vmlinuz" "$OUT/vmlinux"
	chmod 644 "$OUT/vmlinux"
fi
