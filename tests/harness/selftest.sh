#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The harness's own tests (`make harness-selftest`; not part of `make check`,
# they cost three boots of the emulated machine and a forced hang):
#   emulated-kvm   the emulated machine provides a working KVM (kvm-check)
#   status-relay   a command's exit status and output come back to the host
#   watchdog-retry a machine that goes silent is killed and booted again,
#                  and the second attempt's result is the one reported
# Prints PASS/FAIL lines and `N passed, N failed, N skipped`.
set -u
cd "$(dirname "$0")/../.."

npass=0 nfail=0
result()
{
	if [ "$1" = 0 ]; then
		echo "PASS harness-selftest/$2"
		npass=$((npass + 1))
	else
		echo "FAIL harness-selftest/$2: $3"
		nfail=$((nfail + 1))
	fi
}

out=$(tests/harness/run-emulated.sh build/tests/harness/kvm-check 2>/dev/null)
rc=$?
echo "$out" | grep -q '^PASS harness/kvm-run-guest$' && [ $rc = 0 ]
result $? emulated-kvm "kvm-check status $rc: $(echo "$out" | grep FAIL | head -n 3)"

out=$(tests/harness/run-emulated.sh 'echo relay-$((6 * 7))' 'exit 42' 2>/dev/null)
rc=$?
[ $rc = 42 ] && [ "$out" = relay-42 ]
result $? status-relay "status $rc (want 42), output '$out' (want relay-42)"

# Attempt 1 goes silent for longer than the stall limit; attempt 2 finishes.
err=$(mktemp)
out=$(STALL_TIMEOUT=5 tests/harness/run-emulated.sh \
	'echo attempt-$HARNESS_ATTEMPT' \
	'[ "$HARNESS_ATTEMPT" = 1 ] && sleep 60' \
	'exit 7' 2>"$err")
rc=$?
[ $rc = 7 ] && [ "$out" = "$(printf 'attempt-1\nIMSVM-HARNESS-RETRY\nattempt-2')" ] &&
	grep -q 'WATCHDOG' "$err" && grep -q 'RETRYING' "$err"
result $? watchdog-retry "status $rc (want 7), output '$(echo $out)', harness said: $(grep -c '!!!' "$err") alarms"
rm -f "$err"

echo "$npass passed, $nfail failed, 0 skipped"
[ $nfail = 0 ]
