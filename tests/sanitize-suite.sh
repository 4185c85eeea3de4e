#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The `sanitize` suite of `make check`: the host suites once more, with
# imsvm, the ADI simulator, the unit tests and the test tools built with
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer into
# build-san/ (tests/fuzz/sanitize.mk, docs/reliability.md). Any report fails
# the test that met it. Result lines carry a "san/" prefix so they are told
# apart from the unsanitized run; the suites that need the emulated machine
# are not repeated (its image carries no sanitizer runtime: they ran above).
#
# `make check CHECK_SANITIZE=0` leaves this suite out.
set -u
cd "$(dirname "$0")/.."
SANITIZE_NESTED=1 make -s check SANITIZE=1 KVM="${KVM:-auto}" 2>&1 |
	sed -E -u 's/^(PASS|FAIL|SKIPPED) /\1 san\//; /^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/d'
exit "${PIPESTATUS[0]}"
