#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Part of the faults suite (tests/faults/run.sh): a stop signal (SIGTERM,
# SIGINT) to imsvm at bad moments. What imsvm must do (docs/operators.md):
# end promptly, whatever a device server does, with status 128+N and one
# line "stopped by signal N (SIGX)[ during start-up: the guest never ran]"
# and no error or warning; its control socket file removed; nothing of it
# left (no thread, no child); every device server sees the disconnect, and
# can serve the next VM.
#
#   fault-sigterm-startup     SIGTERM while the vfio-user handshake waits on
#                             a stopped server (timeout=60000); while imsvm
#                             writes its DTB (--dump-dtb to a FIFO holds it
#                             there), so the signal waits for the checkpoint
#                             after the kernel load; SIGINT as the control
#                             socket appears (the vCPUs start); SIGTERM once
#                             the guest runs with a live device and the PV-IC
#   fault-sigterm-hot-assign  SIGTERM while `imsvm assign` waits on a stopped
#                             server (timeout=60000) and a healthy ADI runs
#   fault-sigterm-stalled-vcpu  SIGTERM while a vCPU waits on a stopped server
#                             (a doorbell write trapped to it, timeout=60000)
#
# Usage: tests/faults/sigterm.sh [BUILD_DIR]   (default: build). V=1 shows logs.
# Needs /dev/kvm; without it every test is SKIPPED (make check runs this in
# the emulated machine). POSIX sh and busybox only.

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
IDLE=$O/tests/guest/x86/idle.elf
DMA_GUEST=$O/tests/guest/x86/assign_dma.elf
here=$(dirname "$0")
. "$here/../lib/common.sh"
. "$here/../lib/idle_vm.sh"

TESTS="fault-sigterm-startup fault-sigterm-hot-assign fault-sigterm-stalled-vcpu"
require_files faults "$IMSVM" "$SIM" "$IDLE" "$DMA_GUEST"
skip_without_kvm "$TESTS"
scratch_dir faults-sigterm
export IMSVM_CONTROL_DIR="$TMP/run"
DIR=$IMSVM_CONTROL_DIR

# How long imsvm may take to end after the signal: a watchdog, not a
# measure. It gives a stalled server up 2 s after the signal; the rest is
# room for a slow (emulated) machine. Without the fix, a stalled handshake
# held it for the server's whole timeout (60 s here).
STOP_TENTHS=300

# children_of PID: the pids whose parent is PID.
children_of() {
	for _stat in /proc/[0-9]*/stat; do
		_ppid=$(sed 's/.*) //' "$_stat" 2>/dev/null | cut -d' ' -f2)
		[ "$_ppid" = "$1" ] && { _d=${_stat#/proc/}; echo "${_d%/stat}"; }
	done
}

# stop_vm NAME PID SIGNAL: send SIGNAL to the imsvm of VM NAME (output in
# $TMP/NAME.log) and check how it ends. 0, or 1 with $why.
stop_vm() {
	case $3 in TERM) n=15 ;; INT) n=2 ;; esac
	kids=$(children_of "$2")
	kill -"$3" "$2"
	if ! wait_gone "$2" "$STOP_TENTHS"; then
		thread_stacks "$2" "$TMP/$1-hang.txt"
		why="$1: still running $((STOP_TENTHS / 10)) s after SIG$3 (stacks: $(grep '^==' "$TMP/$1-hang.txt" | tr '\n' ' '))"
		kill -KILL "$2"
		wait "$2" 2>/dev/null
		return 1
	fi
	wait "$2"
	st=$?
	lines=$(grep -c "stopped by signal $n (SIG$3)" "$TMP/$1.log")
	if [ "$st" != $((128 + n)) ]; then
		why="$1: status $st after SIG$3, not $((128 + n)): $(tail -n 3 "$TMP/$1.log" | tr '\n' '|')"
	elif [ "$lines" != 1 ]; then
		why="$1: $lines lines 'stopped by signal $n (SIG$3)': $(tail -n 3 "$TMP/$1.log" | tr '\n' '|')"
	elif grep -Eq 'error:|warning:' "$TMP/$1.log"; then
		why="$1: more than one line: $(grep -E 'error:|warning:' "$TMP/$1.log" | head -n 2 | tr '\n' '|')"
	elif [ -e "$DIR/$1.sock" ]; then
		why="$1: its control socket $DIR/$1.sock is still there"
	else
		for k in $kids; do
			if [ -d "/proc/$k" ]; then
				why="$1: its child $k ($(cat /proc/"$k"/comm)) is still there"
				return 1
			fi
		done
		return 0
	fi
	return 1
}

# term_caught PID: process PID has a SIGTERM handler (SigCgt bit 14).
term_caught() {
	m=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/"$1"/status 2>/dev/null)
	[ -n "$m" ] && [ $((0x$m & 0x4000)) != 0 ]
}

# at_fifo PID: the main thread sleeps opening a FIFO, as far as its wchan
# tells (wait_for_partner, fifo_open); true when the kernel does not say.
at_fifo() {
	w=$(cat /proc/"$1"/wchan 2>/dev/null)
	case $w in
	*partner* | *fifo* | "" | 0) return 0 ;;
	*) return 1 ;;
	esac
}

# serves_new_vm SIMNAME: the server at $TMP/SIMNAME.sock serves a new VM
# (the DMA guest passes against it).
serves_new_vm() {
	"$IMSVM" run --timeout 120 --no-control --vfio-user "$TMP/$1.sock" \
		--cmdline "expect.adis=1" "$DMA_GUEST" >"$TMP/$1-next.log" 2>&1
	r=$?
	[ $r = 0 ] && return 0
	why="the server of $1 cannot serve a new VM (status $r: $(grep -m1 -E 'FAIL|error' "$TMP/$1-next.log"))"
	return 1
}

# server_moves_on SIMNAME PATTERN WHO: the server's log gets PATTERN (the end
# of its session with the imsvm that was stopped), then it serves a new VM.
# 0, or 1 with $why ("WHO never saw ...").
server_moves_on() {
	if ! wait_log "$TMP/$1.simlog" "$2" 300; then
		why="$3 never saw imsvm's disconnect"
		return 1
	fi
	serves_new_vm "$1"
}

# ---- fault-sigterm-startup -------------------------------------------------------
t=fault-sigterm-startup
why=
done_moments=

# 1. The handshake waits on a stopped server.
if [ -z "$why" ]; then
	start_sim s1
	s1=$sim_pid
	kill -STOP "$s1"
	"$IMSVM" run --name m1 --timeout 600 --vfio-user "$TMP/s1.sock,timeout=60000" "$IDLE" \
		</dev/null >"$TMP/m1.log" 2>&1 &
	p=$!
	pids="$pids $p"
	# Connected (its only socket so far is the server's), and still waiting.
	i=0
	while [ "$(ls -l /proc/"$p"/fd 2>/dev/null | grep -c 'socket:')" = 0 ] &&
	      kill -0 "$p" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	if ! kill -0 "$p" 2>/dev/null; then
		wait "$p"
		why="handshake: imsvm ended before the signal (status $?): $(tail -n 2 "$TMP/m1.log" | tr '\n' '|')"
	elif stop_vm m1 "$p" TERM; then
		if ! grep -q "stopped by signal 15 (SIGTERM) during start-up: the guest never ran" \
			"$TMP/m1.log"; then
			why="handshake: not said to be during start-up: $(tail -n 1 "$TMP/m1.log")"
		else
			kill -CONT "$s1"
			if server_moves_on s1 "session ended" "handshake: the server"; then
				done_moments="handshake with a stopped server: 143"
			fi
		fi
	fi
	kill -KILL "$s1" 2>/dev/null
fi

# 2. At the DTB, before the kernel load: imsvm blocks opening the FIFO of
# --dump-dtb until a reader comes; the signal arrives meanwhile and must be
# taken at the next checkpoint (after the kernel load), before any vCPU runs.
if [ -z "$why" ]; then
	mkfifo "$TMP/dtb.fifo"
	"$IMSVM" run --name m2 --timeout 600 --dump-dtb "$TMP/dtb.fifo" "$IDLE" \
		</dev/null >"$TMP/m2.log" 2>&1 &
	p=$!
	pids="$pids $p"
	# Blocked in open() of the FIFO (system call 257 openat, or 2 open), its
	# SIGTERM handler installed: an earlier openat (the dynamic loader's,
	# before main()) would let the signal kill it outright, and nobody would
	# ever open the FIFO's other end for it.
	i=0
	sc=
	while ! { [ "$sc" = 257 ] || [ "$sc" = 2 ]; } || ! term_caught "$p" ||
	      ! at_fifo "$p"; do
		kill -0 "$p" 2>/dev/null && [ $i -lt 600 ] || break
		sleep 0.1
		sc=$(cut -d' ' -f1 /proc/"$p"/syscall 2>/dev/null)
		i=$((i + 1))
	done
	if ! { [ "$sc" = 257 ] || [ "$sc" = 2 ]; } || ! term_caught "$p"; then
		why="DTB: imsvm never waited on the FIFO (system call '$sc'): $(tail -n 2 "$TMP/m2.log" | tr '\n' '|')"
		kill -KILL "$p" 2>/dev/null
	else
		kill -TERM "$p"
		# The reader in the background: if imsvm never opens its end, the
		# watchdog below ends it instead of this script waiting for ever.
		cat "$TMP/dtb.fifo" >"$TMP/dtb.bin" &
		catpid=$!
		pids="$pids $catpid"
		# stop_vm sends another TERM: the first one must have done it alone.
		if ! wait_gone "$p" "$STOP_TENTHS"; then
			why="DTB: still running after SIGTERM"
			kill -KILL "$p"
		elif ! wait_gone "$catpid" 50 || [ ! -s "$TMP/dtb.bin" ]; then
			why="DTB: no device tree was written"
			kill "$catpid" 2>/dev/null
		else
			wait "$p"
			st=$?
			if [ $st != 143 ] ||
			   [ "$(grep -c 'stopped by signal 15 (SIGTERM) during start-up: the guest never ran' \
				"$TMP/m2.log")" != 1 ] || grep -Eq 'error:|warning:' "$TMP/m2.log"; then
				why="DTB: status $st: $(tail -n 3 "$TMP/m2.log" | tr '\n' '|')"
			elif [ -e "$DIR/m2.sock" ]; then
				why="DTB: its control socket is still there"
			else
				done_moments="$done_moments, at the DTB and kernel load: $st"
			fi
		fi
	fi
fi

# 3. SIGINT as the control socket appears: set up last, just before the vCPUs start.
if [ -z "$why" ]; then
	"$IMSVM" run --name m3 --timeout 600 "$IDLE" </dev/null >"$TMP/m3.log" 2>&1 &
	p=$!
	pids="$pids $p"
	i=0
	while [ ! -S "$DIR/m3.sock" ] && kill -0 "$p" 2>/dev/null && [ $i -lt 6000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	if [ ! -S "$DIR/m3.sock" ]; then
		why="vCPU start: no control socket came: $(tail -n 2 "$TMP/m3.log" | tr '\n' '|')"
		kill -KILL "$p" 2>/dev/null
	elif stop_vm m3 "$p" INT; then
		done_moments="$done_moments, as the vCPUs start (SIGINT): 130"
	fi
fi

# 4. The guest runs, with a live device and the PV-IC: the server sees the
# disconnect and serves the next VM.
if [ -z "$why" ]; then
	start_sim s4
	s4=$sim_pid
	if ! idle_vm_start m4 --vfio-user "$TMP/s4.sock" --cmdline "pvic=4 storm=50"; then
		why="running: the idle guest did not come up: $(tail -n 2 "$TMP/m4.log" | tr '\n' '|')"
		kill -KILL "$vm_pid" 2>/dev/null
	elif stop_vm m4 "$vm_pid" TERM; then
		if grep -q "during start-up" "$TMP/m4.log"; then
			why="running: said to be during start-up"
		elif server_moves_on s4 "session ended: client disconnected" "running: the server"; then
			done_moments="$done_moments, with the guest running: 143"
		fi
	fi
	kill -KILL "$s4" 2>/dev/null
fi

if [ -z "$why" ]; then
	pass $t
	echo "    ($done_moments)"
else
	fail $t "$why"
fi

# ---- fault-sigterm-hot-assign --------------------------------------------------
t=fault-sigterm-hot-assign
why=
start_sim ha
ha=$sim_pid
start_sim hb
hb=$sim_pid
if ! idle_vm_start h1 --vfio-user "$TMP/ha.sock" --cmdline "pvic=4 storm=50"; then
	why="the idle guest did not come up: $(tail -n 2 "$TMP/h1.log" | tr '\n' '|')"
	kill -KILL "$vm_pid" 2>/dev/null
else
	p=$vm_pid
	kill -STOP "$hb"
	"$IMSVM" assign h1 --vfio-user "$TMP/hb.sock,timeout=60000" >"$TMP/assign.out" 2>&1 &
	ap=$!
	pids="$pids $ap"
	wait_log "$TMP/h1.log" "assign: --vfio-user $TMP/hb.sock" 300
	sleep 0.5
	if ! kill -0 "$ap" 2>/dev/null; then
		why="the assign ended before the signal: $(cat "$TMP/assign.out")"
	elif stop_vm h1 "$p" TERM; then
		if ! wait_gone "$ap" "$STOP_TENTHS"; then
			why="imsvm assign still waits after the VM ended"
			kill -KILL "$ap"
		else
			wait "$ap"
			ar=$?
			if [ $ar != 1 ] || [ "$(wc -l <"$TMP/assign.out")" != 1 ]; then
				why="imsvm assign: status $ar, '$(cat "$TMP/assign.out" | tr '\n' '|')'"
			elif ! wait_log "$TMP/ha.simlog" "session ended: client disconnected" 300; then
				why="the healthy server never saw the disconnect"
			else
				kill -CONT "$hb"
				server_moves_on hb "session ended" "the stopped server, continued,"
			fi
		fi
	fi
fi
kill -KILL "$ha" "$hb" 2>/dev/null
if [ -z "$why" ]; then
	pass $t
	echo "    (imsvm 143, imsvm assign 1: $(cat "$TMP/assign.out"))"
else
	fail $t "$why"
fi
# ---- fault-sigterm-stalled-vcpu ------------------------------------------------
t=fault-sigterm-stalled-vcpu
why=
start_sim va
va=$sim_pid
if ! idle_vm_start v1 --vfio-user "$TMP/va.sock,timeout=60000" --cmdline "pvic=4"; then
	why="the idle guest did not come up: $(tail -n 2 "$TMP/v1.log" | tr '\n' '|')"
	kill -KILL "$vm_pid" 2>/dev/null
else
	p=$vm_pid
	kill -STOP "$va"
	# 'f' raises an interrupt through a descriptor: the doorbell is a BAR0
	# write imsvm forwards to the server, and the vCPU waits for its reply.
	say v1 f
	wait_log "$TMP/v1.log" "idle: got 'f'" 300
	sleep 0.5
	if grep -q "idle: irq" "$TMP/v1.log"; then
		why="the stopped server answered the doorbell"
	elif stop_vm v1 "$p" TERM; then
		kill -CONT "$va"
		server_moves_on va "session ended" "the server, continued,"
	fi
fi
kill -KILL "$va" 2>/dev/null
if [ -z "$why" ]; then pass $t; else fail $t "$why"; fi

[ -n "${V:-}" ] && cat "$TMP"/*.log >&2
exit $failed
