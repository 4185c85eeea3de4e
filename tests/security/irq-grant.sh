#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Security suite, part 2: a device cannot deliver an interrupt it was not
# granted. The guest test kernel tests/guest/x86/sec_irq_grant.c drives two
# ADIs of one simulator process behind the PV-IC (see its header): foreign,
# forged, freed and revoked handles are blocked and counted by the device
# and never reach the guest; imsvm binds an eventfd on the device only for
# what the guest was granted; the eventfds of freed, revoked and unassigned
# vectors no longer inject although the (hostile, --keep-stale-eventfds)
# server keeps writing them. Here: the same with irqfd delivery and with
# imsvm relaying (--irq-delivery=relay), with every free GSI route taken by
# B after A's vectors were freed (exhaust=1: A's old routes now serve B),
# and the unassign case through the control socket; then the simulator's counters (--stats-json) must show
# no handle left bound and the stale eventfds written.
#
# Usage: tests/security/irq-grant.sh [BUILD_DIR]   (default: build)
# POSIX sh and busybox only. Needs /dev/kvm (SKIPPED without).

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
KERNEL=$O/tests/guest/x86/sec_irq_grant.elf
. "$(dirname "$0")/../lib/common.sh"

require_files -x irq-grant "$IMSVM" "$SIM"
require_files irq-grant "$KERNEL"
skip_without_kvm "sec-irq-irqfd sec-irq-relay sec-irq-gsi-reuse sec-irq-unassign"
scratch_dir sec-irq
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

# start_pair NAME: a simulator with two ADIs in $TMP/NAME/, hostile about
# eventfds, its counters in $TMP/NAME.json at exit; pid in $sim_pid.
start_pair() {
	"$SIM" --adis=2 --socket-dir="$TMP/$1" --keep-stale-eventfds \
		--stats-json="$TMP/$1.json" >"$TMP/$1.simlog" 2>&1 &
	sim_pid=$!
	pids="$pids $sim_pid"
	wait_path "$TMP/$1/adi1.sock" -S
}

# stop_sim: SIGTERM, wait for its stats file.
stop_sim() {
	kill -TERM "$sim_pid" 2>/dev/null
	i=0
	while kill -0 "$sim_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

# json_sum FILE KEY: the sum of every "KEY": N in FILE.
json_sum() {
	tr ',{}' '\n\n\n' <"$1" | sed -n "s/.*\"$2\" *: *\([0-9]*\).*/\1/p" |
		{ t=0; while read -r n; do t=$((t + n)); done; echo $t; }
}

first_fail() {
	{ grep -a -m1 '^FAIL' "$TMP/$1.log" || grep -a -m1 -i 'error' "$TMP/$1.log"; } | tr -d '\r'
}

# check NAME: the VM passed, and the simulator shows nothing left bound and
# the stale eventfds written.
check() {
	name=$1
	if [ "$st" != 0 ] || ! grep -aq 'EXIT: STATUS=0' "$TMP/$name.log"; then
		fail "$name" "status $st: $(first_fail "$name")"
		[ -n "${V:-}" ] && cat "$TMP/$name.log"
		return
	fi
	if [ ! -s "$TMP/$name.json" ]; then
		fail "$name" "the simulator wrote no counters"
		return
	fi
	bound=$(json_sum "$TMP/$name.json" bound_handles)
	stale=$(json_sum "$TMP/$name.json" stale_signals)
	blocked=$(tr ',{}' '\n\n\n' <"$TMP/$name.json" |
		sed -n 's/.*"blocked_remapping" *: *\([0-9]*\).*/\1/p' | tail -1)
	if [ "$bound" != 0 ]; then
		fail "$name" "$bound handle(s) still bound on the device after the guest freed all"
	elif [ "$stale" -lt 1 ]; then
		fail "$name" "the server never wrote a stale eventfd: the test proved nothing"
	else
		pass "$name"
		[ -n "${V:-}" ] && echo "$name: $blocked remapping faults blocked, stale eventfds written $stale times"
	fi
}

run_vm() {	# NAME ARGS...
	name=$1
	shift
	"$IMSVM" run --timeout 120 --stats --no-control "$@" --vfio-user "$TMP/$name/adi0.sock" \
		--vfio-user "$TMP/$name/adi1.sock" "$KERNEL" </dev/null >"$TMP/$name.log" 2>&1
	st=$?
}

start_pair sec-irq-irqfd || fail sec-irq-irqfd "simulator did not start"
run_vm sec-irq-irqfd
stop_sim
check sec-irq-irqfd

start_pair sec-irq-relay || fail sec-irq-relay "simulator did not start"
run_vm sec-irq-relay --irq-delivery=relay
stop_sim
# Relayed: imsvm injected exactly what the guest counted, nothing of the stale eventfds.
relayed=$(sed -n 's/.*pvic: .* \([0-9]*\) interrupts relayed.*/\1/p' "$TMP/sec-irq-relay.log" | head -1)
seen=$(sed -n 's/.*exactly the granted interrupts arrived (\([0-9]*\) of.*/\1/p' \
	"$TMP/sec-irq-relay.log" | tr -d '\r' | head -1)
if [ -n "$seen" ] && [ "$relayed" != "$seen" ]; then
	fail sec-irq-relay "imsvm relayed '$relayed' interrupts, the guest was granted $seen"
else
	check sec-irq-relay
fi

# Every free GSI route given to B after A's vector was freed: A's old GSI
# now serves B, so an irqfd left on A's old eventfd would inject into B.
start_pair sec-irq-gsi-reuse || fail sec-irq-gsi-reuse "simulator did not start"
run_vm sec-irq-gsi-reuse --cmdline "exhaust=1"
stop_sim
check sec-irq-gsi-reuse

# Unassign A through the control socket while the guest waits for it.
name=sec-irq-unassign
start_pair $name || fail $name "simulator did not start"
vmname="secirq$$"
"$IMSVM" run --timeout 120 --stats --name "$vmname" --control-socket "$TMP/ctl.sock" \
	--vfio-user "$TMP/$name/adi0.sock" --vfio-user "$TMP/$name/adi1.sock" \
	--cmdline "unassign=1" "$KERNEL" </dev/null >"$TMP/$name.log" 2>&1 &
vm_pid=$!
pids="$pids $vm_pid"
if wait_log "$TMP/$name.log" "sec-irq: ready" 600; then
	if "$IMSVM" unassign "$TMP/ctl.sock" vfio-user0 >"$TMP/unassign.out" 2>&1; then
		wait "$vm_pid"
		st=$?
		stop_sim
		check $name
	else
		fail $name "unassign failed: $(head -c 300 "$TMP/unassign.out")"
		kill "$vm_pid" 2>/dev/null
	fi
else
	fail $name "the guest never got ready: $(first_fail $name)"
	kill "$vm_pid" 2>/dev/null
fi

# SEC_KEEP=DIR keeps the logs (the scratch directory goes at exit).
[ -n "${SEC_KEEP:-}" ] && cp "$TMP"/*.log "$TMP"/*.json "$SEC_KEEP"/ 2>/dev/null
exit $failed
