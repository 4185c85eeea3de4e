#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the emulated machine's initramfs, in two cached layers under
# build/harness/ (each rebuilt only when one of its inputs changed):
#
#   base.cpio     busybox-static, bash, the kvm modules of the installed
#                 Debian kernel (irqbypass ccp kvm kvm-amd), /init
#   payload.cpio  /src: the imsvm binaries and every program under
#                 build/tests/ with their shared libraries, the guest test
#                 kernels, the test scripts, the Linux-guest material
#                 (tests/linux/prepare.sh), the harness's kvm-check
#
# run-emulated.sh appends a third, per-run archive holding the command.
# The kernel unpacks concatenated newc archives in order.
#
# Usage: tests/harness/mkimage.sh   (from the top of the tree)
# Prints the kernel version used on stdout.
set -eu

cd "$(dirname "$0")/../.."
. tests/harness/lib.sh

OUT=build/harness
mkdir -p "$OUT"

KVER=$(harness_kernel_version)
if [ -z "$KVER" ]; then
	echo "mkimage: no Debian kernel with modules installed (linux-image-amd64)" >&2
	exit 1
fi
BUSYBOX=/bin/busybox
MODULES=(irqbypass ccp kvm kvm-amd)

# --- base layer ------------------------------------------------------------
# From util-linux: prlimit (tests set limits on a running imsvm,
# disk-full.sh), setpriv (a process of another user, control-access.sh).
base_inputs=("$BUSYBOX" /bin/bash /usr/bin/prlimit /usr/bin/setpriv tests/harness/init tests/harness/mkimage.sh
	tests/harness/lib.sh "/boot/vmlinuz-$KVER")
for m in "${MODULES[@]}"; do
	base_inputs+=("$(modinfo -k "$KVER" -n "$m")")
done
stamp=$(harness_stamp "${base_inputs[@]}")
if [ ! -f "$OUT/base.cpio" ] || [ "$(cat "$OUT/base.stamp" 2>/dev/null)" != "$stamp" ]; then
	root=$OUT/base.root
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,root,lib/modules,harness,src}
	cp "$BUSYBOX" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	# Scripts that start with #!/usr/bin/env.
	mkdir -p "$root/usr/bin"
	ln -s ../../bin/busybox "$root/usr/bin/env"
	harness_copy_binary "$root" /bin/bash
	harness_copy_binary "$root" /usr/bin/prlimit
	harness_copy_binary "$root" /usr/bin/setpriv
	for m in "${MODULES[@]}"; do
		harness_copy_module "$KVER" "$m" "$root/lib/modules"
	done
	install -m 755 tests/harness/init "$root/init"
	# /dev/console for the kernel to open before /init mounts devtmpfs.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
	harness_cpio "$root" "$OUT/base.cpio"
	rm -rf "$root"
	echo "$stamp" >"$OUT/base.stamp"
fi

# --- payload layer -----------------------------------------------------------
# Everything under /src keeps its path relative to the top of the tree, so
# the test scripts run inside exactly as on the host.
payload_files()
{
	local f
	for f in build/imsvm build/imsvm-adisim; do
		[ -f "$f" ] && echo "$f"
	done
	[ -d build/tests ] && find build/tests -type f ! -name '*.o' ! -name '*.d'
	find tests -type f ! -name '*.c' ! -name '*.h' ! -name '*.o' ! -name '*.d'
	return 0
}
mapfile -t files < <(payload_files | LC_ALL=C sort)
stamp=$(harness_stamp "${files[@]}" "/boot/vmlinuz-$KVER")
if [ ! -f "$OUT/payload.cpio" ] || [ "$(cat "$OUT/payload.stamp" 2>/dev/null)" != "$stamp" ]; then
	root=$OUT/payload.root
	rm -rf "$root"
	mkdir -p "$root/src"
	for f in "${files[@]}"; do
		if [ -x "$f" ]; then
			# Programs bring the shared libraries they need.
			harness_copy_binary "$root" "$f" "src/$f"
		else
			mkdir -p "$root/src/$(dirname "$f")"
			cp -p "$f" "$root/src/$f"
		fi
	done
	harness_cpio "$root" "$OUT/payload.cpio"
	rm -rf "$root"
	echo "$stamp" >"$OUT/payload.stamp"
fi

echo "$KVER"
