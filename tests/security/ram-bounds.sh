#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Security suite, part 1: a guest cannot make imsvm, or a device imsvm
# assigns, read or write outside guest RAM. The guest test kernel
# tests/guest/x86/sec_ram_bounds.c aims every device at addresses outside
# RAM (see its header) and checks each is refused with an error it can see,
# the device works after a reset, and canaries at the edges of RAM are
# unchanged. This script gives it the devices (virtio blk, console, rng, net
# when a tap can be made; an ADI of the simulator with guest RAM shared by fd,
# and another reached by DMA messages; the PV-IC), then checks that imsvm is
# alive to the end, exits 0, and counted what the guest saw refused.
#
# Usage: tests/security/ram-bounds.sh [BUILD_DIR]   (default: build)
# POSIX sh and busybox only. Needs /dev/kvm (SKIPPED without).

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
KERNEL=$O/tests/guest/x86/sec_ram_bounds.elf
. "$(dirname "$0")/../lib/common.sh"

require_files -x ram-bounds "$IMSVM" "$SIM"
require_files ram-bounds "$KERNEL"
skip_without_kvm "sec-ram-virtio sec-ram-virtio-net sec-ram-adi-fd sec-ram-adi-messages"
scratch_dir sec-ram
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

# 3 GiB below the PCI hole and 256 MiB above 4 GiB: every edge exists.
MEM=3328
dd if=/dev/zero of="$TMP/disk.img" bs=4096 count=256 2>/dev/null

# run NAME ARGS...: imsvm on the kernel; status in $st, output in $TMP/NAME.log.
run() {
	name=$1
	shift
	"$IMSVM" run --timeout 240 --mem $MEM --stats "$@" "$KERNEL" </dev/null \
		>"$TMP/$name.log" 2>&1
	st=$?
}

first_fail() {
	{ grep -a -m1 '^FAIL' "$TMP/$1.log" || grep -a -m1 -i 'error' "$TMP/$1.log"; } | tr -d '\r'
}

# refused NAME KIND: the guest's own count of refusals ("sec: refused virtio N pvic M").
refused() {
	sed -n "s/^sec: refused .*$2 \([0-9]*\).*/\1/p" "$TMP/$1.log" | tr -d '\r' | head -1
}

# Sum of the NEEDS_RESET counts imsvm printed for its virtio devices at exit.
needs_reset_total() {
	sed -n 's/.*virtio-[a-z]*[0-9]*: entered NEEDS_RESET \([0-9]*\) times.*/\1/p' "$TMP/$1.log" |
		{ t=0; while read -r n; do t=$((t + n)); done; echo $t; }
}

# check_vm NAME: status 0, every guest check passed, imsvm's counters agree.
check_vm() {
	name=$1
	log=$TMP/$name.log
	if [ "$st" != 0 ] || ! grep -aq 'EXIT: STATUS=0' "$log"; then
		fail "$name" "status $st: $(first_fail "$name")"
		[ -n "${V:-}" ] && cat "$log"
		return 1
	fi
	if grep -aqE 'Sanitizer|runtime error|SIGSEGV|seccomp:' "$log"; then
		fail "$name" "$(grep -a -m1 -E 'Sanitizer|runtime error|SIGSEGV|seccomp:' "$log")"
		return 1
	fi
	v=$(refused "$name" virtio)
	if [ -n "$v" ] && [ "$v" -gt 0 ]; then
		host=$(needs_reset_total "$name")
		if [ "$host" != "$v" ]; then
			fail "$name" "the guest saw $v virtio refusals, imsvm counted $host"
			return 1
		fi
	fi
	p=$(refused "$name" pvic)
	if [ -n "$p" ] && [ "$p" -gt 0 ]; then
		host=$(sed -n 's/.*pvic: .* \([0-9]*\) batches refused.*/\1/p' "$log" | head -1)
		if [ -z "$host" ] || [ "$host" -lt "$p" ]; then
			fail "$name" "the guest saw $p command pages refused, imsvm counted '$host'"
			return 1
		fi
	fi
	pass "$name"
}

# ---- virtio blk, console, rng (+ net) with an ADI over fd and the PV-IC ----
start_sim fd || fail sec-ram-adi-fd "simulator did not start"
tap="sec$$"
tap=$(echo "$tap" | cut -c1-15)
load_tun	# without it imsvm says why and the test is SKIPPED below
run sec-ram-virtio-net --rng --disk "$TMP/disk.img" --console virtio \
	--net "tap,ifname=$tap" --vfio-user "$TMP/fd.sock" \
	--cmdline "expect.blk expect.console expect.rng expect.net expect.adi expect.pvic"
if [ "$st" = 1 ] && grep -aq -i 'tap\|tun' "$TMP/sec-ram-virtio-net.log" &&
   ! grep -aq 'EXIT: STATUS' "$TMP/sec-ram-virtio-net.log"; then
	skip sec-ram-virtio-net "no tap device: $(grep -a -m1 -i 'tap\|tun' "$TMP/sec-ram-virtio-net.log")"
	kill "$sim_pid" 2>/dev/null
	start_sim fd2 || true
	run sec-ram-virtio --rng --disk "$TMP/disk.img" --console virtio \
		--vfio-user "$TMP/fd2.sock" \
		--cmdline "expect.blk expect.console expect.rng expect.adi expect.pvic"
	check_vm sec-ram-virtio
	vmlog=sec-ram-virtio
else
	check_vm sec-ram-virtio-net
	vmlog=sec-ram-virtio-net
fi
kill "$sim_pid" 2>/dev/null
# The ADI part of that run, on its own line.
if grep -aq '^PASS: adi: after a reset' "$TMP/$vmlog.log" &&
   ! grep -aq '^FAIL: adi' "$TMP/$vmlog.log"; then
	pass sec-ram-adi-fd
else
	fail sec-ram-adi-fd "$(grep -a -m1 '^FAIL: adi' "$TMP/$vmlog.log" || echo 'ADI cases did not run')"
fi

# ---- the ADI again, guest RAM reached by DMA messages served by imsvm ----
# A hostile server (--unchecked-dma) that sends every access outside its fd
# maps to imsvm as DMA_READ/DMA_WRITE, whole: imsvm's own range checks are
# what refuses them (its rate-limited warning says so), and no byte of a
# straddling access may land (strict.adi).
start_sim msg --unchecked-dma || fail sec-ram-adi-messages "simulator did not start"
run sec-ram-adi-messages --vfio-user "$TMP/msg.sock,dma=messages" \
	--cmdline "expect.adi expect.pvic strict.adi"
# imsvm's count at exit: at least one refusal per fault the guest saw.
host=$(sed -n 's/.*vfio-user0: \([0-9]*\) server DMA accesses refused.*/\1/p' \
	"$TMP/sec-ram-adi-messages.log" | head -1)
guest=$(refused sec-ram-adi-messages adi)
if [ "$st" = 0 ] && { [ -z "$host" ] || [ -z "$guest" ] || [ "$guest" = 0 ] ||
			[ "$host" -lt "$guest" ]; }; then
	fail sec-ram-adi-messages "imsvm refused '$host' server DMA accesses, the guest saw '$guest' faults"
else
	check_vm sec-ram-adi-messages
fi
kill "$sim_pid" 2>/dev/null

# SEC_KEEP=DIR keeps the logs (the scratch directory goes at exit).
[ -n "${SEC_KEEP:-}" ] && cp "$TMP"/*.log "$TMP"/*.json "$SEC_KEEP"/ 2>/dev/null
exit $failed
