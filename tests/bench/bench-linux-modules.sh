#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Linux guest modules (issue 7): exits while Linux, through imsvm-pvic.ko
# and imsvm-adisim.ko, allocates 64 IMS vectors (and requests them) and
# 1024 (allocated only: two vCPUs have about 400 free vectors), frees them,
# and while the device raises 100,000 interrupts on one vector. One boot
# (tests/linux-modules: the guest runs guest-bench, lmod.bench on its
# command line), with the ADI simulator assigned and the PV-IC.
#
# Exits come from KVM's per-VM debugfs counters (the vCPUs' binary stats
# summed), read at the guest's sync points while it waits; doorbells from
# the guest's PV-IC driver. `mmio_exits` are the exits to imsvm for the
# PV-IC doorbells and the device's trapped BAR0; `io_exits` include the
# console line that ends each phase. No baseline: trap mode has no guest
# driver of ours (the PV-IC is what the driver needs).
#
# Only in the emulated machine (Linux does not boot under nested PVM KVM);
# BENCH_LINUX=1 forces it anywhere. BENCH_STORM_HZ (20000) is the storm rate.
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

ADISIM=${ADISIM:-build/imsvm-adisim}
KERNEL=${LINUX_BZIMAGE:-build/tests/linux/vmlinuz}
INITRD=${LMOD_INITRD:-build/tests/linux/modules-initrd.cpio}
TIMEOUT=900
HZ=${BENCH_STORM_HZ:-20000}

if [ "$BENCH_WHERE" != emulated ] && [ "${BENCH_LINUX:-0}" != 1 ]; then
	bench_log "linux-modules: runs in the emulated machine only (Linux does not boot under nested PVM /dev/kvm)"
	exit 0
fi
for f in "$IMSVM" "$ADISIM" "$KERNEL" "$INITRD"; do
	if [ ! -e "$f" ]; then
		bench_row "Linux modules: 64 IMS vectors" "n/a ($f missing)" "n/a" "n/a" ""
		exit 0
	fi
done
mount | grep -q ' /sys/kernel/debug ' || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

. tests/linux-modules/lib.sh
lmod_tmp=$BENCH_OUT/linux-modules
rm -rf "$lmod_tmp"
mkdir -p "$lmod_tmp"
trap '[ -n "$vmpid" ] && kill "$vmpid"; lmod_stop_sim' EXIT
if ! lmod_start_sim; then
	bench_row "Linux modules: 64 IMS vectors" "n/a (the ADI simulator did not start)" "n/a" "n/a" ""
	exit 0
fi

declare -A at
# At each sync point: KVM's counters of the (only) VM.
on_sync()
{
	local d k
	d=$(ls -d /sys/kernel/debug/kvm/*-* 2>/dev/null | head -n 1)
	[ -n "$d" ] || bench_log "linux-modules: sync $1: no KVM debugfs directory (VM gone?)"
	for k in exits io_exits mmio_exits irq_injections halt_exits; do
		at[$1.$k]=$(cat "$d/$k" 2>/dev/null || echo "")
	done
}
lmod_boot "lmod.bench lmod.storm_hz=$HZ" on_sync

# delta PHASE KEY
delta()
{
	local a=${at[$1-begin.$2]:-} b=${at[$1-end.$2]:-}
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "n/a"
	else
		echo $((b - a))
	fi
}
# gval PHASE KEY: from the guest's "LMOD-BENCH PHASE key=value" line.
gval()
{
	sed -n "s/^LMOD-BENCH $1 .*$2=\([0-9-]*\).*/\1/p" "$vmlog" | head -n 1
}
row()
{
	local phase=$1 name=$2 st
	st=$(gval "$phase" status)
	if [ "$st" != 0 ]; then
		bench_row "$name" "n/a (guest step failed: status ${st:-none})" "n/a" "n/a" ""
		return
	fi
	bench_row "$name" "$(delta "$phase" mmio_exits) mmio exits, $(gval "$phase" doorbells) doorbells" \
		"n/a" "n/a" "all exits $(delta "$phase" exits), io $(delta "$phase" io_exits)"
}
row alloc-64 "Linux: insmod, 64 IMS vectors allocated + requested"
row free-64 "Linux: rmmod, 64 IMS vectors freed"
row alloc-1024 "Linux: insmod, 1024 IMS vectors allocated"
row free-1024 "Linux: rmmod, 1024 IMS vectors freed"
raised=$(gval storm-counts raised)
handled=$(gval storm-counts handled)
if [ "$(gval storm status)" = 0 ] && [ -n "$handled" ] && [ "$handled" -gt 0 ]; then
	m=$(delta storm mmio_exits)
	io=$(delta storm io_exits)
	bench_row "Linux: storm, 100000 raises asked at ${HZ} Hz" \
		"$m mmio + $io io exits for $handled interrupts handled" "n/a" "n/a" \
		"$raised raised (the eventfd coalesces), irq_injections $(delta storm irq_injections), all exits $(delta storm exits)"
else
	bench_row "Linux: storm of 100000 raises" "n/a (storm failed)" "n/a" "n/a" ""
fi
[ "$vmstatus" = 0 ] || bench_log "linux-modules: imsvm exit status $vmstatus"
grep -E 'LMOD-INFO|LMOD-BENCH' "$vmlog" | sed 's/^/bench: linux-modules guest: /'
tail -n 5 "$vmlog" | sed 's/^/bench: linux-modules console: /'
