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
#   bench-initrd.cpio, bench/fio   the block benchmark's guest (blkbench)
#                 and the host's fio (tests/bench/bench-virtio-blk.sh)
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

# The block benchmark guest (tests/bench/bench-virtio-blk.sh) also takes
# virtio_mmio, for QEMU microvm's virtio-mmio disk.
bench_prepare()
{
	local broot bstamp fio
	add_mod virtio_mmio
	bstamp=$(harness_stamp tests/virtio/bench/guest-init tests/virtio/prepare.sh \
		/bin/busybox "$OUT/blkbench" $(command -v fio || true))
	if [ -f "$OUT/bench-initrd.cpio" ] &&
	   [ "$(cat "$OUT/bench.stamp" 2>/dev/null)" = "$bstamp" ]; then
		return 0
	fi
	if [ ! -x "$OUT/blkbench" ]; then
		echo "virtio: $OUT/blkbench not built (make): no benchmark initramfs" >&2
		return 0
	fi
	broot=$(mktemp -d)
	mkdir -p "$broot"/{bin,dev,proc,sys,lib/modules}
	cp /bin/busybox "$broot/bin/busybox"
	ln -s busybox "$broot/bin/sh"
	cp "$OUT/blkbench" "$broot/bin/blkbench"
	install -m 755 tests/virtio/bench/guest-init "$broot/init"
	mknod -m 600 "$broot/dev/console" c 5 1 2>/dev/null || true
	for m in "${order[@]}"; do
		harness_copy_module "$KVER" "$m" "$broot/lib/modules"
	done
	printf '%s\n' "${order[@]}" >"$broot/lib/modules/ORDER"
	harness_cpio "$broot" "$OUT/bench-initrd.cpio"
	rm -rf "$broot"
	# fio for the host-side ceiling, carried into the emulated machine with
	# its libraries (the harness copies every program under build/tests).
	mkdir -p "$OUT/bench"
	fio=$(command -v fio || true)
	if [ -n "$fio" ]; then
		cp "$fio" "$OUT/bench/fio"
	else
		rm -f "$OUT/bench/fio"
	fi
	echo "$bstamp" >"$OUT/bench.stamp"
}

inputs=(tests/virtio/guest-init tests/virtio/prepare.sh /bin/busybox)
for m in "${order[@]}" tun; do
	inputs+=("$(modinfo -k "$KVER" -n "$m")")
done
stamp=$(harness_stamp "${inputs[@]}")
if [ -f "$OUT/initrd.cpio" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$stamp" ]; then
	bench_prepare
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
bench_prepare
