#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The `hardening` suite of make check (host, needs /dev/kvm): seccomp in a
# running imsvm (seccomp-check.sh) and the vfio-user server failing at every
# message index (fault-fail-after.sh). One line per test.
here=$(dirname "$0")
status=0
"$here/seccomp-check.sh" || status=1
"$here/fault-fail-after.sh" || status=1
exit $status
