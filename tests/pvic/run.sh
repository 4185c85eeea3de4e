#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PV-IC integration tests (docs/pvic.md): imsvm with the ADI simulator
# assigned over vfio-user, guest test kernels tests/guest/x86/pvic_*.c.
# Prints one line per test: "PASS name", "FAIL name: why", "SKIPPED name: why".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Usage: tests/pvic/run.sh [BUILD_DIR]   (default: build; binaries from `make`)
# Needs /dev/kvm; without it every test is SKIPPED (make check runs this
# inside the emulated machine that has KVM). POSIX sh and busybox only.

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
GUEST=$O/tests/guest/x86
failed=0
pids=""

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
skip() { echo "SKIPPED $1: $2"; }

TESTS="pvic-ims pvic-ims-relay pvic-ims-1cpu pvic-trap pvic-two-adis-one-server pvic-two-servers pvic-death pvic-trace"

for f in "$IMSVM" "$SIM" "$GUEST/pvic_ims.elf" "$GUEST/pvic_two.elf" "$GUEST/pvic_death.elf" \
	 "$GUEST/pvic_trap.elf"; do
	if [ ! -f "$f" ]; then
		echo "FAIL pvic: $f missing (run make)"
		exit 1
	fi
done
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	for t in $TESTS; do
		skip $t "no /dev/kvm on this machine (make check runs these in the emulated machine)"
	done
	exit 0
fi

# The simulator holds one eventfd per bound handle (2048 and more here), and
# does not raise its own fd limit: give the processes started here room.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

TMP=$(mktemp -d /tmp/pvic-test.XXXXXX) || exit 1
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

wait_path() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -e "$1" ]
}

wait_log() {	# FILE TEXT TENTHS
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt "$3" ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}

start_sim() {	# NAME ARGS...: socket $TMP/NAME.sock, pid in $sim_pid
	name=$1
	shift
	"$SIM" --socket-path="$TMP/$name.sock" "$@" >"$TMP/$name.simlog" 2>&1 &
	sim_pid=$!
	pids="$pids $sim_pid"
	wait_path "$TMP/$name.sock"
}

run_vm_bg() {	# NAME KERNEL ARGS...
	name=$1
	kernel=$2
	shift 2
	( "$IMSVM" run --timeout 120 --stats "$@" "$kernel" >"$TMP/$name.log" 2>&1
	  echo $? >"$TMP/$name.rc" ) &
	vm_pid=$!
}

# Sets $st. Not for $(...): a subshell cannot wait for the VM.
vm_wait() {
	wait "$vm_pid" 2>/dev/null
	st=$(cat "$TMP/$1.rc" 2>/dev/null || echo 255)
}

# The first failed check, else the first error imsvm logged.
first_fail() {
	{ grep -m1 '^FAIL' "$TMP/$1.log" || grep -m1 'error' "$TMP/$1.log"; } | tr -d '\r'
}

# Passed: status 0, every check passed, and imsvm's PV-IC counters at exit
# show no handle left live (every handle freed by the guest or its reset).
expect_pass() {
	name=$1
	vm_wait "$name"
	log=$TMP/$name.log
	if [ "$st" != 0 ] || ! grep -q 'EXIT: STATUS=0' "$log"; then
		fail "$name" "status $st: $(first_fail "$name")"
		[ -n "${V:-}" ] && cat "$log"
		return 1
	fi
	if grep 'pvic: adi ' "$log" | grep -qv ' live 0 '; then
		fail "$name" "handles still live at exit: $(grep -m1 'pvic: adi ' "$log")"
		return 1
	fi
	pass "$name"
}

start_sim a || fail pvic-ims "simulator did not start"
run_vm_bg pvic-ims "$GUEST/pvic_ims.elf" --cpus 2 --vfio-user "$TMP/a.sock"
expect_pass pvic-ims
kill "$sim_pid" 2>/dev/null

# The same through the relay baseline: imsvm injects every interrupt.
start_sim r || true
run_vm_bg pvic-ims-relay "$GUEST/pvic_ims.elf" --cpus 2 --irq-delivery=relay \
	--vfio-user "$TMP/r.sock" --cmdline "relay=1"
if expect_pass pvic-ims-relay >"$TMP/relay.res"; then
	if grep -q 'pvic: .* [1-9][0-9]* interrupts relayed' "$TMP/pvic-ims-relay.log"; then
		cat "$TMP/relay.res"
	else
		fail pvic-ims-relay "no interrupt went through imsvm"
	fi
else
	cat "$TMP/relay.res"
	failed=1
fi
kill "$sim_pid" 2>/dev/null
if ! grep -q 'pvic: .* 0 interrupts relayed' "$TMP/pvic-ims.log"; then
	fail pvic-ims-irqfd-path "irqfd delivery went through imsvm"
fi

start_sim b || true
run_vm_bg pvic-ims-1cpu "$GUEST/pvic_ims.elf" --vfio-user "$TMP/b.sock"
expect_pass pvic-ims-1cpu
kill "$sim_pid" 2>/dev/null

# The trap-and-emulate baseline: no PV-IC, IMS trapped and decoded by imsvm.
start_sim t || true
run_vm_bg pvic-trap "$GUEST/pvic_trap.elf" --cpus 2 --ims-mode=trap --vfio-user "$TMP/t.sock"
if expect_pass pvic-trap >"$TMP/trap.res"; then
	if grep -q 'IMS messages reprogrammed' "$TMP/pvic-trap.log" &&
	   ! grep -q 'pvic: PV-IC at' "$TMP/pvic-trap.log"; then
		cat "$TMP/trap.res"
	else
		fail pvic-trap "IMS was not trapped, or a PV-IC was created"
	fi
else
	cat "$TMP/trap.res"
	failed=1
fi
kill "$sim_pid" 2>/dev/null

mkdir -p "$TMP/dir"
"$SIM" --adis=2 --socket-dir="$TMP/dir" >"$TMP/dir.simlog" 2>&1 &
dpid=$!
pids="$pids $dpid"
wait_path "$TMP/dir/adi1.sock"
run_vm_bg pvic-two-adis-one-server "$GUEST/pvic_two.elf" --vfio-user "$TMP/dir/adi0.sock" \
	--vfio-user "$TMP/dir/adi1.sock"
expect_pass pvic-two-adis-one-server
kill "$dpid" 2>/dev/null

start_sim c || true
cpid=$sim_pid
start_sim d || true
run_vm_bg pvic-two-servers "$GUEST/pvic_two.elf" --vfio-user "$TMP/c.sock" \
	--vfio-user "$TMP/d.sock"
expect_pass pvic-two-servers
kill "$cpid" "$sim_pid" 2>/dev/null

# The device dies under the guest: the script kills its server once the
# guest has vectors allocated.
start_sim e || true
run_vm_bg pvic-death "$GUEST/pvic_death.elf" --vfio-user "$TMP/e.sock" --cmdline "wait=30"
if wait_log "$TMP/pvic-death.log" "pvic-death: ready" 300; then
	kill -KILL "$sim_pid" 2>/dev/null
	vm_wait pvic-death
	if [ "$st" = 0 ] && grep -q 'EXIT: STATUS=0' "$TMP/pvic-death.log" &&
	   grep -q 'pvic: ADI .* gone' "$TMP/pvic-death.log"; then
		pass pvic-death
	else
		fail pvic-death "status $st: $(first_fail pvic-death)"
	fi
else
	fail pvic-death "the guest never got ready: $(first_fail pvic-death)"
	kill "$vm_pid" 2>/dev/null
fi

# --trace-pvic: one line per operation, with the handle and GSI.
mkdir -p "$TMP/tdir"
"$SIM" --adis=2 --socket-dir="$TMP/tdir" >"$TMP/tdir.simlog" 2>&1 &
sim_pid=$!
pids="$pids $sim_pid"
wait_path "$TMP/tdir/adi1.sock"
run_vm_bg pvic-trace "$GUEST/pvic_two.elf" --trace-pvic --vfio-user "$TMP/tdir/adi0.sock" \
	--vfio-user "$TMP/tdir/adi1.sock"
vm_wait pvic-trace
if grep -q 'pvic: NEGOTIATE seq' "$TMP/pvic-trace.log" &&
   grep -q 'pvic: ALLOC adi 0000:00:0[0-9a-f].0 handle [0-9]* ims 0 dest 0 vector 64 gsi [0-9]*: ok' \
	"$TMP/pvic-trace.log" &&
   grep -q 'pvic: RESET_ADI adi' "$TMP/pvic-trace.log"; then
	pass pvic-trace
else
	fail pvic-trace "status $st: no trace lines ($(grep -m1 'pvic:' "$TMP/pvic-trace.log"))"
fi
kill "$sim_pid" 2>/dev/null

exit $failed
