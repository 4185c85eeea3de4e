#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Control socket rows for `make bench` (issue 9, docs/control-api.md):
#   - a `stat` round trip against a `version` round trip (the bare socket);
#   - `assign` until the new ADI's first interrupt reached the guest,
#     against `assign` alone (the CLI returning);
#   - `imsvm list` with 50 VMs running, against `imsvm list` with one.
# The VMs run the idle guest (tests/guest/x86/idle.c) with the ADI
# simulator. Nothing is asserted.
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

O=${O:-build}
IDLE=$O/tests/guest/x86/idle.elf
SIM=$O/imsvm-adisim
CLIENT=$O/tests/control/ctlclient
NVMS=${BENCH_LIST_VMS:-50}
CYCLES=${BENCH_ASSIGN_REPS:-10}

na_rows() {
	bench_row "control: stat round trip" "n/a ($1)" "n/a" "n/a" ""
	bench_row "control: assign + first interrupt" "n/a ($1)" "n/a" "n/a" ""
	bench_row "control: list, $NVMS VMs" "n/a ($1)" "n/a" "n/a" ""
}
for f in "$IMSVM" "$IDLE" "$SIM" "$CLIENT"; do
	[ -x "$f" ] || [ -f "$f" ] || { na_rows "$f not built"; exit 0; }
done
if [ ! -w /dev/kvm ]; then
	na_rows "no /dev/kvm"
	exit 0
fi

W=$(mktemp -d /tmp/bench-control.XXXXXX)
export IMSVM_CONTROL_DIR=$W/run
pids=()
cleanup() {
	{
		for p in "${pids[@]}"; do kill -KILL "$p"; done
		wait
	} 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# start_vm NAME ARGS...: idle guest, input from a FIFO; waits for "ready".
start_vm() {
	local name=$1 i=0
	shift
	mkfifo "$W/$name.in"
	sleep 100000 >"$W/$name.in" &
	pids+=($!)
	"$IMSVM" run --name "$name" --timeout 1800 "$@" "$IDLE" <"$W/$name.in" \
		>"$W/$name.log" 2>&1 &
	pids+=($!)
	while ! grep -q 'idle: ready' "$W/$name.log" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'idle: ready' "$W/$name.log"
}

now_us() { echo $(( ${EPOCHREALTIME/./} )); }

"$SIM" --socket-path="$W/a.sock" >"$W/a.simlog" 2>&1 &
pids+=($!)
"$SIM" --socket-path="$W/b.sock" >"$W/b.simlog" 2>&1 &
pids+=($!)
sleep 0.3
if ! start_vm b1 --cpus 2 --mem 64 --vfio-user "$W/a.sock" --cmdline "smp pvic=8"; then
	bench_log "the idle guest did not come up: $(tail -n 3 "$W/b1.log")"
	na_rows "the idle guest did not come up"
	exit 0
fi

# ---- stat round trip --------------------------------------------------------
"$CLIENT" "$IMSVM_CONTROL_DIR/b1.sock" time "$BENCH_REPS" '{"command":"stat"}' >"$W/stat.us"
"$CLIENT" "$IMSVM_CONTROL_DIR/b1.sock" time "$BENCH_REPS" '{"command":"version"}' >"$W/version.us"
s=$(bench_summary "$W/stat.us")
v=$(bench_summary "$W/version.us")
bench_row "control: stat round trip" "$(bench_fmt "$s" 1 us)" "$(bench_fmt "$v" 1 us)" \
	"$(bench_ratio "$s" "$v")" "2 vCPUs, 1 ADI with 8 vectors; baseline: version (the bare socket); $BENCH_REPS reps"

# ---- assign + first interrupt -------------------------------------------------
: >"$W/assign.us"
: >"$W/first.us"
for ((r = 0; r < CYCLES; r++)); do
	n=$(grep -c 'idle: first irq' "$W/b1.log")
	t0=$(now_us)
	dev=$("$IMSVM" assign b1 --vfio-user "$W/b.sock" --json | sed -n 's/.*"device": "\(.*\)".*/\1/p')
	t1=$(now_us)
	[ -n "$dev" ] || break
	i=0
	while [ "$(grep -c 'idle: first irq' "$W/b1.log")" = "$n" ] && [ $i -lt 30000 ]; do
		sleep 0.001
		i=$((i + 1))
	done
	t2=$(now_us)
	[ "$(grep -c 'idle: first irq' "$W/b1.log")" != "$n" ] && echo $((t2 - t0)) >>"$W/first.us"
	echo $((t1 - t0)) >>"$W/assign.us"
	m=$(grep -c 'idle: ADI .* removed' "$W/b1.log")
	"$IMSVM" unassign b1 "$dev" >/dev/null
	i=0
	while [ "$(grep -c 'idle: ADI .* removed' "$W/b1.log")" = "$m" ] && [ $i -lt 3000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
done
f=$(bench_summary "$W/first.us")
a=$(bench_summary "$W/assign.us")
bench_row "control: assign + first interrupt" "$(bench_fmt "$f" 1000 ms)" "$(bench_fmt "$a" 1000 ms)" \
	"$(bench_ratio "$f" "$a")" "CLI assign until the guest saw the new ADI's first interrupt (PV-IC event, rescan, ALLOC 8, IMS write, raise; log polled each ms); baseline: assign alone; $(wc -l <"$W/first.us") of $CYCLES cycles"

# ---- list with 1 and with NVMS VMs ----------------------------------------------
time_list() {	# FILE
	local t0 t1
	: >"$1"
	for ((r = 0; r < BENCH_REPS; r++)); do
		t0=$(now_us)
		"$IMSVM" list >/dev/null
		t1=$(now_us)
		echo $((t1 - t0)) >>"$1"
	done
}
time_list "$W/list1.us"
started=1
for ((k = 2; k <= NVMS; k++)); do
	start_vm "l$k" --mem 16 || break
	started=$k
done
time_list "$W/listn.us"
bench_log "list: $("$IMSVM" list | tail -n +2 | wc -l) VMs listed"
l1=$(bench_summary "$W/list1.us")
ln=$(bench_summary "$W/listn.us")
bench_row "control: list, $NVMS VMs" "$(bench_fmt "$ln" 1000 ms)" "$(bench_fmt "$l1" 1000 ms)" \
	"$(bench_ratio "$ln" "$l1")" "$started VMs running (idle guest); baseline: list with 1 VM; $BENCH_REPS reps"
for ((k = 2; k <= started; k++)); do
	"$IMSVM" stop "l$k" --no-wait >/dev/null 2>&1
done
"$IMSVM" stop b1 >/dev/null 2>&1
exit 0
