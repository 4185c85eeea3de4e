#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault injection: the vfio-user server fails at a message index of a
# device assignment. For chosen N, imsvm-adisim --fail-after=N
# --fail-mode=MODE serves one ADI to imsvm running the assign_death guest
# (which drives the device, then waits for it to die and runs on). N ranges
# below the number of messages a run without a failure exchanges (counted by
# the simulator's --stats-json). For each N:
#   - imsvm never crashes: it either refuses to start with a one-line error
#     naming the device (status 1: the server failed during set-up), or the
#     guest runs to its end (EXIT: STATUS=n printed: the VM kept running after
#     the device died); never a signal, a timeout or a sanitizer report;
#   - once imsvm has logged the device's failure, it holds no socket but its
#     control socket, and the same set of fds (by kind) whatever N was:
#     nothing of the dead connection leaks.
#
# Which N (what is covered). A clean run exchanges 25 messages here: 12 of
# set-up (VERSION, DEVICE_GET_INFO, GET_REGION_INFO x7, REGION_READ of
# config space, DMA_MAP...) and 13 at run time, driven by the guest
# (REGION_WRITE, DEVICE_GET_INFO, GET_IRQ_INFO, REGION_READ, then register
# writes and reads that repeat those types). A set-up index costs a few
# milliseconds (imsvm refuses at once), a run-time one seconds (the guest
# runs: ~5 s in die mode, ~16 s in error mode, where the device never dies
# and the guest waits for it). So:
#   - every set-up index, in every mode;
#   - die and close: at run time the first FAULT_HEAD (5) indices, where
#     the distinct types are, then every FAULT_STRIDE-th (2; 4 in the
#     emulated machine) and the last: each message type is cut once;
#   - error: at run time the first index only. A server that fails with
#     errors answers every later message with EIO too, so that one run makes
#     every run-time message (every type) fail; each such run costs ~16 s.
# FAULT_FULL=1 tries every index in every mode (what this script did
# before sampling: ~270 s for die and error here).
# One line per mode: PASS fault-fail-after-MODE: the indices tried (S at
# set-up, R at run time), or FAIL ... naming the index and what went wrong.
#
# Environment: O (build dir, default build), FAULT_MODES (default "die close
# error"), FAULT_MAX (most indices, default 200), FAULT_HEAD, FAULT_STRIDE,
# FAULT_FULL. Needs /dev/kvm (the host's, or the emulated machine's).
set -u

cd "$(dirname "$0")/../.."
O=${O:-build}
IMSVM=${IMSVM:-$O/imsvm}
SIM=${ADISIM:-$O/imsvm-adisim}
GUEST=$O/tests/guest/x86
MODES=${FAULT_MODES:-die close error}
MAX=${FAULT_MAX:-200}
HEAD=${FAULT_HEAD:-5}
if [ "${IMSVM_EMULATED:-}" = 1 ]; then
	STRIDE=${FAULT_STRIDE:-4}	# tests/harness/init: the emulated machine, ~3x slower
else
	STRIDE=${FAULT_STRIDE:-2}
fi
FULL=${FAULT_FULL:-0}

for f in "$IMSVM" "$SIM" "$GUEST/assign_death.elf" "$GUEST/idle.elf"; do
	if [ ! -e "$f" ]; then
		echo "SKIPPED fault-fail-after: $f not built (make)"
		exit 0
	fi
done
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIPPED fault-fail-after: no /dev/kvm on this machine (make check runs it in the emulated machine then)"
	exit 0
fi

TMP=$(mktemp -d /tmp/fault-fail-after.XXXXXX) || exit 1
pids=()
cleanup()
{
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# reap PID [SIGNAL]: end a child and collect it, never waiting for ever (a
# process stuck in the kernel cannot be collected: 1 then, it is left).
reap()
{
	local pid=$1 i
	kill "${2:--TERM}" "$pid" 2>/dev/null
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$i" = 100 ] && kill -KILL "$pid" 2>/dev/null	# 10 s: it will not end
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 1
	wait "$pid" 2>/dev/null
	return 0
}

# fd kinds of a process, one "count kind" per line (socket:[123] -> socket).
fd_kinds()
{
	# "name -> target" lines only (GNU ls prints a "total" line, busybox may not).
	ls -l "/proc/$1/fd" 2>/dev/null | awk '/ -> / { print $NF }' |
		sed -e 's/^anon_inode:\[\(.*\)\]$/\1/' -e 's/:\[[0-9]*\]$//' |
		sort | uniq -c | tr -s ' ' | tr '\n' ';'
}

sockets()
{
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'
}

# Sockets of an imsvm with no device: its control socket (when it has one).
"$IMSVM" run --timeout 5 "$GUEST/idle.elf" >"$TMP/idle.log" 2>&1 &
ipid=$!
pids+=("$ipid")
sleep 1
base_sockets=$(sockets "$ipid")
reap "$ipid"

# run_one MODE N: sets $what (setup|run) or returns 1 with $why. MODE "none":
# no failure, and $msgs is set to the messages the server received.
run_one()
{
	local mode=$1 n=$2 sock=$TMP/s.sock log=$TMP/vm.log simlog=$TMP/sim.log
	local spid vpid st i kinds fail=(--fail-after="$n" --fail-mode="$mode")

	rm -f "$sock" "$TMP/stats.json"
	# The simulator counts messages only with --fail-after: one never reached.
	[ "$mode" = none ] && fail=(--fail-after=1000000000)
	"$SIM" --socket-path="$sock" "${fail[@]}" --stats-json="$TMP/stats.json" >"$simlog" 2>&1 &
	spid=$!
	pids+=("$spid")
	for i in $(seq 100); do [ -e "$sock" ] && break; sleep 0.05; done
	"$IMSVM" run --timeout 60 --vfio-user "$sock" --cmdline "loops=1 hold=2" \
		"$GUEST/assign_death.elf" >"$log" 2>&1 &
	vpid=$!
	pids+=("$vpid")
	kinds=
	# While the guest holds after it saw the death (its last check before
	# the hold is printed): inspect imsvm's fds. A server that fails only
	# during imsvm's own teardown is not inspected.
	for i in $(seq 150); do
		# (--fail-mode=error keeps the server alive: its errors read as all-ones
		# to the guest but the device is not failed; nothing to inspect then.)
		if grep -q "writes to the dead BAR are dropped" "$log" 2>/dev/null; then
			grep -q "device failed (" "$log" || break
			# Teardown runs on the event loop: give it a moment to finish.
			for i in $(seq 30); do
				[ "$(sockets "$vpid")" -le "$base_sockets" ] && break
				sleep 0.1
			done
			kinds="$(fd_kinds "$vpid")|$(sockets "$vpid")"
			grep -q "EXIT: STATUS" "$log" && kinds=	# too late: tearing down
			break
		fi
		kill -0 "$vpid" 2>/dev/null || break
		sleep 0.1
	done
	# imsvm's own --timeout covers the guest; this covers imsvm itself (a
	# teardown that never ends): its threads' stacks are kept for the report.
	for i in $(seq 900); do
		kill -0 "$vpid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$vpid" 2>/dev/null; then
		mkdir -p "$O/logs"
		command -v gdb >/dev/null &&
			gdb -p "$vpid" -batch -ex "thread apply all bt" >"$O/logs/fault-hang-$mode-$n.txt" 2>&1
		cp "$log" "$O/logs/fault-hang-$mode-$n.log"
		why="imsvm did not exit 90 s after it started (stacks: $O/logs/fault-hang-$mode-$n.txt)"
		reap "$vpid" -KILL || why="$why, and SIGKILL did not end it"
		reap "$spid"
		return 1
	fi
	wait "$vpid"
	st=$?
	reap "$spid"
	msgs=$(sed -n 's/^ *"messages": *\([0-9]*\).*/\1/p' "$TMP/stats.json" 2>/dev/null)

	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log"; then
		why="sanitizer report: $(grep -m1 -E 'ERROR:|runtime error:' "$log")"
		return 1
	fi
	if [ "$mode" = none ]; then
		what=none
		[ "$st" -lt 124 ] && grep -q "EXIT: STATUS=" "$log" && return 0
		why="the run without a failure did not finish (status $st)"
		return 1
	fi
	if grep -q "EXIT: STATUS=" "$log"; then
		if [ "$st" -ge 124 ]; then
			why="the guest finished but imsvm exited with status $st"
			return 1
		fi
		what=run
		if [ -n "$kinds" ]; then
			if [ "${kinds##*|}" -gt "$base_sockets" ]; then
				why="imsvm holds ${kinds##*|} sockets after the device died (control: $base_sockets)"
				return 1
			fi
			if [ -z "$ref_kinds" ]; then
				ref_kinds=${kinds%|*}
				ref_n=$n
			elif [ "${kinds%|*}" != "$ref_kinds" ]; then
				why="fds after the death differ from index $ref_n: {${kinds%|*}} vs {$ref_kinds}"
				return 1
			fi
			checked=$((checked + 1))
		fi
		return 0
	fi
	if [ "$st" = 1 ] && grep -q "vfio-user" "$log"; then
		what=setup	# refused to start, one clear line
		return 0
	fi
	why="imsvm exited with status $st without finishing the guest: $(grep -m1 -E 'error|FAIL' "$log")"
	return 1
}

# The length of the sequence: a run in which the server never fails.
msgs=
if ! run_one none 0 || [ -z "$msgs" ]; then
	echo "FAIL fault-fail-after: ${why:-the simulator reported no message count}"
	exit 1
fi
total=$((msgs < MAX ? msgs : MAX))

# want MODE K N: try index N, the K-th of run time (see the top).
want()
{
	[ "$FULL" = 1 ] && return 0
	case $1 in
	error) [ "$2" -eq 0 ] ;;
	*) [ "$2" -lt "$HEAD" ] || [ $(($2 % STRIDE)) -eq 0 ] || [ "$3" -eq $((total - 1)) ] ;;
	esac
}

status=0
for mode in $MODES; do
	ref_kinds= ref_n= checked=0
	nsetup=0 nrun=0 bad= first_run= tried=
	for ((n = 0; n < total; n++)); do
		# Every set-up index; at run time, the sample.
		[ -n "$first_run" ] && ! want "$mode" $((n - first_run)) "$n" && continue
		what= why=
		if ! run_one "$mode" "$n"; then
			bad="index $n: $why"
			break
		fi
		case $what in
		setup) nsetup=$((nsetup + 1)) ;;
		run)
			nrun=$((nrun + 1))
			[ -n "$first_run" ] || first_run=$n
			tried="$tried $n" ;;
		esac
	done
	if [ -n "$bad" ]; then
		echo "FAIL fault-fail-after-$mode: $bad"
		status=1
	elif [ $nrun -eq 0 ]; then
		echo "FAIL fault-fail-after-$mode: no index reached the running guest"
		status=1
	else
		echo "PASS fault-fail-after-$mode: $((nsetup + nrun)) of $total indices ($nsetup failed" \
		     "set-up cleanly, $nrun at run time:$tried; fds checked at $checked, no leak)"
	fi
done
exit $status
