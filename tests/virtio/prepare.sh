#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the virtio guest material under build/tests/virtio/ when an input
# changed:
#   initrd.cpio   busybox, tests/virtio/guest-init as /init, and the virtio
#                 driver modules of the installed Debian kernel with their
#                 dependencies, in load order (lib/modules/ORDER)
#   host/tun.ko   the tap driver for the emulated machine (it runs the same
#                 kernel, whose tun is a module)
# The kernel itself is tests/linux's (build/tests/linux/vmlinuz).
set -eu

cd "$(dirname "$0")/../.."
. tests/harness/lib.sh
OUT=build/tests/virtio
KVER=$(harness_kernel_version)
if [ -z "$KVER" ]; then
	echo "virtio: no Debian kernel installed (linux-image-amd64)" >&2
	exit 1
fi
tests/linux/prepare.sh

# The drivers under test; dependencies come first (modules.dep order).
WANT="virtio_pci virtio_blk virtio_net virtio_console virtio_rng"

# order MOD: MOD's dependencies (depth first), then MOD, each once.
declare -A seen
order=()
add_mod()
{
	local m=$1 d
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	for d in $(modinfo -k "$KVER" -F depends "$m" | tr ',' ' '); do
		add_mod "$d"
	done
	order+=("$m")
}
for m in $WANT; do
	add_mod "$m"
done

inputs=(tests/virtio/guest-init tests/virtio/prepare.sh /bin/busybox)
for m in "${order[@]}" tun; do
	inputs+=("$(modinfo -k "$KVER" -n "$m")")
done
stamp=$(harness_stamp "${inputs[@]}")
if [ -f "$OUT/initrd.cpio" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

mkdir -p "$OUT/host"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 tests/virtio/guest-init "$root/init"
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
for m in "${order[@]}"; do
	harness_copy_module "$KVER" "$m" "$root/lib/modules"
done
printf '%s\n' "${order[@]}" >"$root/lib/modules/ORDER"
harness_cpio "$root" "$OUT/initrd.cpio"
harness_copy_module "$KVER" tun "$OUT/host"
echo "$stamp" >"$OUT/stamp"
