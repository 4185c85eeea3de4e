#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The `hardening` suite of make check (host, needs /dev/kvm): seccomp in a
# running imsvm (seccomp-check.sh) and the vfio-user server failing at every
# message index (fault-fail-after.sh) in two modes: the server dies (EOF) or
# answers errors (close behaves as die; FAULT_MODES="die close error" runs
# all three, about 5 minutes here). One line per test.
here=$(dirname "$0")
status=0
"$here/seccomp-check.sh" || status=1
FAULT_MODES=${FAULT_MODES:-die error} "$here/fault-fail-after.sh" || status=1
exit $status
