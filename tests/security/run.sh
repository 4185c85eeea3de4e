#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The `security` suite of make check: what a guest, a device server or
# another user must not be able to make imsvm do (read or write outside
# guest RAM, deliver an interrupt it was not granted, use the control
# socket).
#
# Each part is one script beside this one (tests/security/*.sh), run in turn
# with sh; each prints one line per test ("PASS name", "FAIL name: why",
# "SKIPPED name: why") and exits non-zero when one of its tests failed.
# Host or emulated machine (run-all.sh picks): a part that needs /dev/kvm
# says SKIPPED without it.
#
# Usage: tests/security/run.sh [BUILD_DIR]   (default: build)
exec sh "$(dirname "$0")/../lib/run-parts.sh" "$(dirname "$0")" "$@"
