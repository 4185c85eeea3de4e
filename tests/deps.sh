#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages imsvm needs to build and test, if any is
# missing. Idempotent and silent when everything is there; runs
# `apt-get update` once, and only when something has to be installed.
set -eu

PACKAGES=(
	# build
	build-essential gcc make pkg-config binutils
	linux-libc-dev libfdt-dev liburing-dev libcriterion-dev libjson-c-dev
	libseccomp-dev device-tree-compiler
	clang libclang-rt-dev	# libFuzzer targets (tests/fuzz/fuzz.mk)
	# the emulated machine that provides KVM (tests/harness/) and the
	# real-Linux guest tests (tests/linux/)
	qemu-system-x86 linux-image-amd64 busybox-static cpio kmod
	linux-headers-amd64 xz-utils zstd gzip bash coreutils
	# the fuzz suite (clang's libFuzzer and sanitizers; tests/fuzz/)
	clang libclang-rt-14-dev python3
	# make bench: the host-side ceiling of the virtio-blk benchmark
	fio
)

# One dpkg-query for all: "name status" for each package dpkg knows.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
	awk '/ ok installed$/ { print $1 }' || true)
missing=()
for p in "${PACKAGES[@]}"; do
	grep -qxF "$p" <<<"$installed" || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
