#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Device assignment integration tests: imsvm's vfio-user client and the
# passthrough model against the real ADI simulator, run as processes.
# Prints one line per test: "PASS name", "FAIL name: why", "SKIPPED name: why".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Usage: tests/assign/run.sh [BUILD_DIR]   (default: build; binaries from `make`)
# The guest tests need /dev/kvm; without it they are SKIPPED (make check runs
# this script inside the emulated machine that has KVM).

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
CHECK=$O/tests/assign/client-check
GUEST=$O/tests/guest/x86
. "$(dirname "$0")/../lib/common.sh"

require_files assign "$IMSVM" "$SIM" "$CHECK" "$GUEST/assign_dma.elf" "$GUEST/assign_death.elf" \
	"$GUEST/assign_msi.elf"
scratch_dir assign

# run_vm_bg NAME KERNEL ARGS...: imsvm in the background; status in $TMP/NAME.rc.
run_vm_bg() {
	name=$1
	kernel=$2
	shift 2
	(
		"$IMSVM" run --timeout 60 "$@" "$kernel" >"$TMP/$name.log" 2>&1 &
		echo $! >"$TMP/$name.pid"
		wait $!
		echo $? >"$TMP/$name.rc"
	) &
	vm_pid=$!
}

# Wait for the VM of run_vm_bg; its exit status in $st (no subshell: wait needs the parent).
vm_status() {
	wait "$vm_pid" 2>/dev/null
	st=$(cat "$TMP/$1.rc" 2>/dev/null || echo 255)
}

first_fail() {
	grep -m1 -E '^FAIL|error' "$TMP/$1.log" | tr -d '\r'
}

# ---- host only: the client against the simulator ----
"$CHECK" "$SIM" >"$TMP/client-check.out" 2>"$TMP/client-check.err"
rc=$?
sed -E 's/^(PASS|FAIL|SKIPPED) /\1 client-/' "$TMP/client-check.out"
[ "$rc" = 0 ] || failed=1

# ---- guests: need KVM ----
skip_without_kvm "assign-dma assign-dma-messages assign-two-adis-one-server assign-two-servers
	assign-msi-on-error assign-msi-on-error-messages
	assign-death-doorbell
	assign-vfio-errors assign-vfio-user-errors"

# One guest run that must exit 0 with every check passing.
expect_pass() {
	name=$1
	vm_status "$name"
	if [ "$st" = 0 ] && grep -q 'EXIT: STATUS=0' "$TMP/$name.log"; then
		pass "$name"
	else
		fail "$name" "status $st: $(first_fail "$name")"
	fi
}

start_sim a --ims-entries=64 || fail assign-dma "simulator did not start"
run_vm_bg assign-dma "$GUEST/assign_dma.elf" --vfio-user "$TMP/a.sock" --cmdline "expect.adis=1"
expect_pass assign-dma
kill "$sim_pid" 2>/dev/null

start_sim b || true
run_vm_bg assign-dma-messages "$GUEST/assign_dma.elf" --vfio-user "$TMP/b.sock,dma=messages" \
	--cmdline "expect.adis=1"
expect_pass assign-dma-messages
kill "$sim_pid" 2>/dev/null

mkdir -p "$TMP/dir"
"$SIM" --adis=2 --socket-dir="$TMP/dir" >"$TMP/dir.simlog" 2>&1 &
pids="$pids $!"
dpid=$!
wait_path "$TMP/dir/adi1.sock" -S
run_vm_bg assign-two-adis-one-server "$GUEST/assign_dma.elf" --vfio-user "$TMP/dir/adi0.sock" \
	--vfio-user "$TMP/dir/adi1.sock" --cmdline "expect.adis=2"
expect_pass assign-two-adis-one-server
kill "$dpid" 2>/dev/null

start_sim c || true
pid_c=$sim_pid
start_sim d || true
run_vm_bg assign-two-servers "$GUEST/assign_dma.elf" --vfio-user "$TMP/c.sock" \
	--vfio-user "$TMP/d.sock" --cmdline "expect.adis=2"
expect_pass assign-two-servers
kill "$pid_c" "$sim_pid" 2>/dev/null

# The error MSI: the engine halting raises the guest's MSI vector exactly once
# (descriptor fetch outside RAM, then a bad tail), none while MSI is disabled.
start_sim m || true
run_vm_bg assign-msi-on-error "$GUEST/assign_msi.elf" --vfio-user "$TMP/m.sock" \
	--cmdline "expect.adis=1"
expect_pass assign-msi-on-error
kill "$sim_pid" 2>/dev/null

start_sim n || true
run_vm_bg assign-msi-on-error-messages "$GUEST/assign_msi.elf" \
	--vfio-user "$TMP/n.sock,dma=messages" --cmdline "expect.adis=1"
expect_pass assign-msi-on-error-messages
kill "$sim_pid" 2>/dev/null

# The server exits on the first doorbell; while the guest holds after seeing
# the death, imsvm must have closed the device socket (no fd leaked). No
# control socket (--no-control), so every socket counted is the device's.
start_sim e --die-on-doorbell || true
run_vm_bg assign-death-doorbell "$GUEST/assign_death.elf" --vfio-user "$TMP/e.sock" \
	--no-control --cmdline "loops=1 hold=10"
fdcheck="SKIPPED assign-death-fds-closed: imsvm was gone before it could be inspected"
if wait_log "$TMP/assign-death-doorbell.log" "device failed (" 100; then
	ipid=$(cat "$TMP/assign-death-doorbell.pid" 2>/dev/null)
	if [ -n "$ipid" ] && [ -d "/proc/$ipid/fd" ]; then
		# The log line comes first, the teardown after it on the event
		# loop: give it up to 3 s (a sanitizer build is slower).
		i=0
		while :; do
			n=$(ls -l "/proc/$ipid/fd" 2>/dev/null | grep -c 'socket:')
			[ "$n" = 0 ] || [ $i -ge 30 ] && break
			sleep 0.1
			i=$((i + 1))
		done
		if [ "$n" = 0 ]; then
			fdcheck="PASS assign-death-fds-closed"
		else
			fdcheck="FAIL assign-death-fds-closed: imsvm holds $n socket(s) after the device died"
			failed=1
		fi
	fi
fi
expect_pass assign-death-doorbell
echo "$fdcheck"

# A server killed or stopped while descriptors run (and during an interrupt
# storm): tests/faults/server.sh, which also checks that imsvm leaked
# nothing (fds, threads, RSS) and that another ADI's interrupts go on.

# Operator errors: one clear line and status 1, never a crash.
check_error() {
	name=$1
	want=$2
	shift 2
	"$IMSVM" run --timeout 10 "$@" "$GUEST/assign_dma.elf" >"$TMP/$name.log" 2>&1
	st=$?
	if [ "$st" = 1 ] && grep -q "$want" "$TMP/$name.log"; then
		return 0
	fi
	echo "status $st, no '$want' in: $(head -c 300 "$TMP/$name.log" | tr '\n' ' ')"
	return 1
}

why=""
r=$(check_error ve1 "not a PCI address" --vfio nonsense) || why="$why [nonsense: $r]"
r=$(check_error ve2 "no PCI device 0000:00:1f.7" --vfio 0000:00:1f.7) || why="$why [absent: $r]"
first_dev=$(ls /sys/bus/pci/devices 2>/dev/null | head -1)
if [ -n "$first_dev" ]; then
	drv=$(basename "$(readlink "/sys/bus/pci/devices/$first_dev/driver" 2>/dev/null)" 2>/dev/null)
	if [ "$drv" != vfio-pci ]; then
		r=$(check_error ve3 "not vfio-pci" --vfio "/sys/bus/pci/devices/$first_dev") ||
			why="$why [not vfio-pci: $r]"
	fi
fi
if [ -z "$why" ]; then pass assign-vfio-errors; else fail assign-vfio-errors "$why"; fi

why=""
r=$(check_error vu1 "cannot reach the device server" --vfio-user "$TMP/nothing.sock") ||
	why="$why [missing socket: $r]"
r=$(check_error vu2 "unknown option" --vfio-user "$TMP/x.sock,bogus=1") ||
	why="$why [bad option: $r]"
if [ -z "$why" ]; then pass assign-vfio-user-errors; else fail assign-vfio-user-errors "$why"; fi

exit $failed
