#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio-blk from a Linux guest: 4 KiB random reads (IOPS) and 1 MiB
# sequential reads (MiB/s), one request at a time (queue depth 1, O_DIRECT
# in the guest: tests/virtio/bench/blkbench.c), against a raw image on
# tmpfs. Side by side in this same run:
#   imsvm    --disk IMG (io_uring on its I/O thread, buffered: tmpfs has no
#            O_DIRECT)
#   QEMU     microvm, virtio-blk-device on the same file with aio=io_uring
#   fio      on the host against the same file (ioengine=io_uring,
#            iodepth=1): the ceiling no VMM can pass
# and imsvm's KVM exits per request: a second imsvm boot without the
# benchmark gives the baseline, the difference over the request count is
# the figure (all exits of all vCPUs, from KVM's binary stats).
#
# Linux boots only in the emulated machine (DESIGN.md): there, the figures
# are TCG-slow and only the ratios mean anything. On the host this script
# only builds the material (tests/virtio/prepare.sh) for the emulated run.
# BENCH_BLK_SECS (default 5) per measurement.
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

SECS=${BENCH_BLK_SECS:-5}
KERNEL=${LINUX_BZIMAGE:-build/tests/linux/vmlinuz}
INITRD=build/tests/virtio/bench-initrd.cpio
FIO=build/tests/virtio/bench/fio
MEM=256
CMDLINE="console=ttyS0 quiet panic=-1 blkbench.secs=$SECS"
out=$BENCH_OUT/virtio-blk
mkdir -p "$out"

if [ "$BENCH_WHERE" != emulated ] && [ "${BENCH_LINUX:-0}" != 1 ]; then
	tests/virtio/prepare.sh >/dev/null 2>&1 || bench_log "virtio-blk: tests/virtio/prepare.sh failed"
	bench_log "virtio-blk: runs in the emulated machine only (Linux does not boot under nested PVM /dev/kvm)"
	exit 0
fi
for f in "$IMSVM" "$KERNEL" "$INITRD"; do
	if [ ! -e "$f" ]; then
		bench_row "virtio-blk 4K random read" "n/a ($f missing)" "n/a" "n/a" ""
		exit 0
	fi
done

img=${TMPDIR:-/tmp}/imsvm-blkbench.$$.img
trap 'rm -f "$img"' EXIT
dd if=/dev/zero of="$img" bs=1M count=64 2>/dev/null
# Pages in the page cache (tmpfs) for everyone alike.
cat "$img" >/dev/null

# value FILE MODE KEY: KEY=value of the "BLKBENCH MODE" line.
value()
{
	sed -n "s/^.*BLKBENCH $2 .*$3=\([0-9.]*\).*/\1/p" "$1" | tr -d '\r' | head -n 1
}

# Total exits of all vCPUs from imsvm's --stats lines.
exits()
{
	local f=$1
	if grep -q 'stats: total:' "$f"; then
		sed -n 's/.*stats: total:.* exits=\([0-9]*\).*/\1/p' "$f" | head -n 1
	else
		sed -n 's/.*stats: vcpu0: exits=\([0-9]*\).*/\1/p' "$f" | head -n 1
	fi
}

# heartbeat NAME LOG CMD...: run CMD with its output in LOG, saying every
# 30 s that it still runs (a boot here can take minutes; the harness
# watchdog wants console output).
heartbeat()
{
	local name=$1 log=$2 pid n=0
	shift 2
	"$@" >"$log" 2>&1 </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % 30)) = 0 ] && bench_log "virtio-blk: $name running for ${n}s"
	done
	wait "$pid"
}

# imsvm boot: $out/imsvm-TAG.log
run_imsvm()
{
	local tag=$1 extra=$2
	bench_log "virtio-blk: imsvm boot ($tag)"
	heartbeat "imsvm ($tag)" "$out/imsvm-$tag.log" timeout -s KILL 600 "$IMSVM" run -q \
		--stats --mem "$MEM" --initrd "$INITRD" --cmdline "$CMDLINE $extra" --timeout 500 \
		--disk "$img" "$KERNEL"
	grep BLKBENCH "$out/imsvm-$tag.log" | tr -d '\r' | sed 's/^/bench: imsvm: /'
	grep -q 'BLKBENCH done' "$out/imsvm-$tag.log" ||
		tail -n 8 "$out/imsvm-$tag.log" | tr -d '\r' | sed 's/^/bench: imsvm log: /'
}

run_qemu()
{
	bench_log "virtio-blk: QEMU microvm boot"
	heartbeat "QEMU" "$out/qemu.log" timeout -s KILL 600 "$QEMU" -M microvm,memory-backend=mem \
		-object "memory-backend-memfd,id=mem,size=${MEM}M" -m "$MEM" \
		-accel kvm -smp 1 -nodefaults -no-user-config -nographic -no-reboot \
		-serial stdio -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
		-drive "id=d0,file=$img,if=none,format=raw,aio=io_uring" \
		-device virtio-blk-device,drive=d0
	grep BLKBENCH "$out/qemu.log" | tr -d '\r' | sed 's/^/bench: qemu: /'
	grep -q 'BLKBENCH randread4k' "$out/qemu.log" ||
		tail -n 8 "$out/qemu.log" | tr -d '\r' | sed 's/^/bench: qemu log: /'
}

fio_run()
{
	local rw=$1 bs=$2
	"$FIO" --name=ceiling --filename="$img" --rw="$rw" --bs="$bs" --ioengine=io_uring \
		--iodepth=1 --runtime="$SECS" --time_based --minimal 2>/dev/null | head -n 1
}

run_imsvm bench ""
run_imsvm idle "blkbench.skip"
qemu_why=$(bench_qemu_problem)
[ -z "$qemu_why" ] && run_qemu

i_iops=$(value "$out/imsvm-bench.log" randread4k iops)
i_mib=$(value "$out/imsvm-bench.log" seqread1m mibps)
q_iops=$(value "$out/qemu.log" randread4k iops)
q_mib=$(value "$out/qemu.log" seqread1m mibps)
reqs=$(( $(value "$out/imsvm-bench.log" randread4k reqs || echo 0) + 0 ))
reqs_seq=$(( $(value "$out/imsvm-bench.log" seqread1m reqs || echo 0) + 0 ))
e_bench=$(exits "$out/imsvm-bench.log")
e_idle=$(exits "$out/imsvm-idle.log")
per_req=n/a
if [ -n "$e_bench" ] && [ -n "$e_idle" ] && [ $((reqs + reqs_seq)) -gt 0 ]; then
	per_req=$(awk -v a="$e_bench" -v b="$e_idle" -v n="$((reqs + reqs_seq))" \
		'BEGIN { printf "%.2f", (a - b) / n }')
fi
bench_log "virtio-blk: imsvm exits with benchmark $e_bench, without $e_idle, requests $reqs + $reqs_seq"

f_iops= f_mib=
if [ -x "$FIO" ]; then
	f_iops=$(fio_run randread 4k | cut -d';' -f8)
	f_kib=$(fio_run read 1m | cut -d';' -f7)
	[ -n "$f_kib" ] && f_mib=$(awk -v k="$f_kib" 'BEGIN { printf "%.1f", k / 1024 }')
fi

cellv()
{
	local v=$1 unit=$2 why=$3 log=$4
	if [ -n "$why" ]; then
		echo "n/a ($why)"
	elif [ -z "$v" ]; then
		echo "n/a (no BLKBENCH line: $(grep -v '^$' "$log" 2>/dev/null | tail -n 1 | cut -c1-80))"
	else
		echo "$v $unit"
	fi
}
ratio()
{
	if [ -z "$1" ] || [ -z "$2" ]; then echo n/a; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2f\n", a / b }'
}

bench_row "virtio-blk 4K random read, QD1 (imsvm vs QEMU microvm aio=io_uring)" \
	"$(cellv "$i_iops" IOPS "" "$out/imsvm-bench.log")" \
	"$(cellv "$q_iops" IOPS "$qemu_why" "$out/qemu.log")" "$(ratio "$i_iops" "$q_iops")" \
	"higher is better; host fio io_uring ceiling ${f_iops:-n/a} IOPS; imsvm KVM exits per request $per_req"
bench_row "virtio-blk 1M sequential read, QD1 (imsvm vs QEMU microvm aio=io_uring)" \
	"$(cellv "$i_mib" MiB/s "" "$out/imsvm-bench.log")" \
	"$(cellv "$q_mib" MiB/s "$qemu_why" "$out/qemu.log")" "$(ratio "$i_mib" "$q_mib")" \
	"higher is better; host fio io_uring ceiling ${f_mib:-n/a} MiB/s"
