#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The `hardening` suite of make check, on the host's /dev/kvm or, without
# one, in the emulated machine (tests/run-all.sh): seccomp in a running
# imsvm (seccomp-check.sh) and the vfio-user server failing at message
# indices of an assignment (fault-fail-after.sh: every set-up index, a
# sample at run time that cuts every message type) in two modes: the
# server dies (EOF) or answers errors (close behaves as die;
# FAULT_MODES="die close error" runs all three, FAULT_FULL=1 every index).
# About 90 s on the host here. One line per test.
here=$(dirname "$0")
status=0
"$here/seccomp-check.sh" || status=1
FAULT_MODES=${FAULT_MODES:-die error} "$here/fault-fail-after.sh" || status=1
exit $status
