#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make demo`: boot the demo guest (build/tests/guest/x86/demo.elf) under
# `imsvm run`, with the host's /dev/kvm or, where there is none (or with
# KVM=emulated), inside the emulated machine of tests/harness/.
# Exit status: imsvm's (the guest's).
set -u

cd "$(dirname "$0")/.."
. tests/harness/lib.sh

DEMO=build/tests/guest/x86/demo.elf
CMD="build/imsvm run $DEMO"

if ! harness_kvm_mode; then
	echo "$KVM_LINE" >&2
	exit 2
fi
echo "$KVM_LINE"
for f in build/imsvm "$DEMO"; do
	if [ ! -e "$f" ]; then
		echo "demo: $f is not built (make)" >&2
		exit 1
	fi
done

if [ "$KVM_MODE" = host ]; then
	echo "\$ $CMD"
	exec $CMD
fi
echo "demo: booting the emulated machine (QEMU TCG + kvm-amd, ~10 s), then: $CMD"
tests/harness/run-emulated.sh -t 300 "echo '\$ $CMD'; $CMD"
