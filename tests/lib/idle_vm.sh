# SPDX-License-Identifier: GPL-2.0-only
#
# An imsvm process running the idle guest (tests/guest/x86/idle.c), driven
# through its serial input, for the fault and control tests (tests/faults/,
# tests/control/). Sourced after common.sh; needs $IMSVM, $IDLE and $TMP.
# POSIX sh and busybox only.
#
#   idle_vm_start h1 --vfio-user "$TMP/a.sock" --cmdline "pvic=4" || ...
#   say h1 f; wait_count "$TMP/h1.log" "idle: irq 00:01.0 delivered" 0 300

# idle_vm_start NAME ARGS...: `imsvm run --name NAME ARGS... idle.elf` in the
# background, stdin a FIFO ($TMP/NAME.in, held open by a sleeper), output in
# $TMP/NAME.log; imsvm's own pid in $vm_pid (and $pids). 0 once the guest
# says "idle: ready", 1 if it did not (imsvm ended, or ~60 s passed).
idle_vm_start() {
	name=$1
	shift
	rm -f "$TMP/$name.in" "$TMP/$name.log"
	mkfifo "$TMP/$name.in"
	# Read-write: the FIFO always has a reader, so `say` never blocks
	# opening it, even after imsvm is gone (a crash must not hang the test).
	sleep 100000 <>"$TMP/$name.in" &
	pids="$pids $!"
	"$IMSVM" run --name "$name" --timeout 900 --mem 128 "$@" "$IDLE" \
		<"$TMP/$name.in" >"$TMP/$name.log" 2>&1 &
	vm_pid=$!
	pids="$pids $vm_pid"
	i=0
	while ! grep -q "idle: ready" "$TMP/$name.log" 2>/dev/null && kill -0 "$vm_pid" 2>/dev/null &&
	      [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "idle: ready" "$TMP/$name.log" 2>/dev/null
}

# say NAME TEXT: a line of input for the guest of VM NAME.
say() {
	printf '%s\n' "$2" >"$TMP/$1.in"
}

# count_log FILE TEXT: how many lines of FILE contain TEXT (a grep pattern).
count_log() {
	grep -c "$2" "$1" 2>/dev/null || true
}

# wait_count FILE TEXT N TENTHS: until more than N lines of FILE contain
# TEXT, at most ~TENTHS/10 s; 0 if they do.
wait_count() {
	i=0
	while [ "$(count_log "$1" "$2")" -le "$3" ] && [ $i -lt "$4" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(count_log "$1" "$2")" -gt "$3" ]
}

# wait_gone PID TENTHS: until process PID has ended, at most ~TENTHS/10 s;
# 0 if it has.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# thread_stacks PID FILE: every thread's name and kernel stack into FILE (a
# hang's evidence; the kernel stack needs root).
thread_stacks() {
	for _task in /proc/"$1"/task/*; do
		echo "== $(cat "$_task/comm" 2>/dev/null) ($_task) wchan $(cat "$_task/wchan" 2>/dev/null)"
		cat "$_task/stack" 2>/dev/null
	done >"$2" 2>&1
}
