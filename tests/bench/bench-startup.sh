#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Start-up of a minimal PVH guest (tests/bench/guest/hello.S: one line on
# COM1, then the test-exit port) under imsvm and under
# `qemu-system-x86_64 -M microvm` booting the same ELF, side by side in one
# run: the repetitions alternate imsvm, QEMU, imsvm, QEMU ...
#
# Both VMMs get the same machine: 1 vCPU, 256 MiB of guest RAM in a memfd
# (imsvm always; QEMU through memory-backend-memfd, so that guest RAM is
# told apart from the VMM's own memory the same way), COM1 on stdout, the
# exit port at 0xf4 (QEMU: isa-debug-exit, status (0 << 1) | 1 = 1).
#
# Figures (tests/bench/vmmtime.c): time from execve() to the first byte on
# stdout and to the process being reaped; peak RSS without guest RAM
# (VmHWM minus the Rss of the guest-RAM memfd mapping, read while the
# traced process's threads stop on their way out; separate runs, their
# times are not used); KVM exit counts from imsvm --stats.
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

GUEST=${BENCH_GUEST:-build/tests/bench/guest/hello.elf}
TEARDOWN=${BENCH_TEARDOWN:-build/tests/bench/kvm-teardown}
MEM=256
HELLO="imsvm-bench: hello"
out=$BENCH_OUT/startup
mkdir -p "$out"
rm -f "$out"/*.vals "$out"/*.res "$out"/*.err "$out"/*.stats

imsvm_cmd=("$IMSVM" run -q --mem "$MEM" "$GUEST")
qemu_cmd=("$QEMU" -M microvm,memory-backend=mem
	-object "memory-backend-memfd,id=mem,size=${MEM}M" -m "$MEM"
	-accel kvm -smp 1 -nodefaults -no-user-config -nographic
	-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUEST")

for f in "$IMSVM" "$VMMTIME" "$GUEST"; do
	if [ ! -e "$f" ]; then
		bench_row "PVH hello: start-up" "n/a ($f not built)" "n/a" "n/a" ""
		exit 0
	fi
done

qemu_why=$(bench_qemu_problem)

# run VMM MODE: one run; appends the result line to $out/VMM-MODE.res when
# the guest printed its line and the VMM ended with the expected status,
# else records why in $out/VMM.err and returns 1.
run()
{
	local vmm=$1 mode=$2 res want flag=() cmd
	if [ "$vmm" = imsvm ]; then
		want=0
		cmd=("${imsvm_cmd[@]}")
		[ "$mode" = mem ] && { flag=(-m memfd:imsvm-ram); cmd=("$IMSVM" run -q --stats --mem "$MEM" "$GUEST"); }
	else
		want=1
		cmd=("${qemu_cmd[@]}")
		[ "$mode" = mem ] && flag=(-m memory-backend-memfd)
	fi
	res=$("$VMMTIME" -t 120 -o "$out/$vmm.out" -e "$out/$vmm.stderr" "${flag[@]}" -- "${cmd[@]}")
	if [ "$(bench_field "$res" status)" != "$want" ] || ! grep -q "$HELLO" "$out/$vmm.out"; then
		{
			echo "status $(bench_field "$res" status) (want $want)"
			grep -v "^$" "$out/$vmm.stderr" | grep -v warning | head -n 1 | cut -c1-120
		} | tr '\n' ' ' >"$out/$vmm.err"
		return 1
	fi
	echo "$res" >>"$out/$vmm-$mode.res"
	if [ "$vmm" = imsvm ] && [ "$mode" = mem ]; then
		grep 'stats:' "$out/$vmm.stderr" >"$out/imsvm.stats"
	fi
	return 0
}

bench_log "startup ($BENCH_WHERE): $BENCH_REPS timed runs and $BENCH_MEM_REPS memory runs of each VMM"
imsvm_ok=1
qemu_ok=1
[ -n "$qemu_why" ] && qemu_ok=0
# One log line per repetition: where a run hangs (the emulated machine's
# KVM has soft-locked up in this loop, docs/performance.md), the log says.
for i in $(seq "$BENCH_REPS"); do
	bench_log "startup: timed run $i/$BENCH_REPS"
	[ $imsvm_ok = 1 ] && { run imsvm time || imsvm_ok=0; }
	[ $qemu_ok = 1 ] && { run qemu time || qemu_ok=0; }
done
for i in $(seq "$BENCH_MEM_REPS"); do
	bench_log "startup: memory run $i/$BENCH_MEM_REPS"
	[ $imsvm_ok = 1 ] && { run imsvm mem || imsvm_ok=0; }
	[ $qemu_ok = 1 ] && { run qemu mem || qemu_ok=0; }
done
# The floor under every start-up: exec, dynamic linking, one write.
for i in $(seq "$BENCH_REPS"); do
	"$VMMTIME" -t 60 -- "$IMSVM" --version >>"$out/imsvm-version.res"
	[ -z "$qemu_why" ] && "$VMMTIME" -t 60 -- "$QEMU" --version >>"$out/qemu-version.res"
done
[ $imsvm_ok = 0 ] && bench_log "imsvm failed: $(cat "$out/imsvm.err")"
[ $qemu_ok = 0 ] && [ -z "$qemu_why" ] && qemu_why="failed: $(cat "$out/qemu.err")" &&
	bench_log "QEMU microvm $qemu_why"

# summary VMM MODE KEY: "median min max" of KEY over the valid runs.
summary()
{
	local f=$out/$1-$2.res
	[ -s "$f" ] || return 0
	# vmmtime says -1 for what did not happen (no output, no exit): not a figure.
	while IFS= read -r l; do bench_field "$l" "$3"; done <"$f" | grep -v '^-' >"$out/$1-$3.vals"
	bench_summary "$out/$1-$3.vals"
}

# cell VMM OK SUMMARY DIVISOR UNIT
cell()
{
	if [ "$1" = qemu ] && [ -n "$qemu_why" ]; then
		echo "n/a ($qemu_why)"
	elif [ "$2" = 0 ]; then
		echo "n/a (imsvm failed: $(cat "$out/imsvm.err"))"
	else
		bench_fmt "$3" "$4" "$5"
	fi
}

i_first=$(summary imsvm time first_us)
q_first=$(summary qemu time first_us)
i_exit=$(summary imsvm time exit_us)
q_exit=$(summary qemu time exit_us)
i_mem=$(summary imsvm mem vmm_hwm_kb)
q_mem=$(summary qemu mem vmm_hwm_kb)
i_hwm=$(summary imsvm mem hwm_kb)
q_hwm=$(summary qemu mem hwm_kb)
i_guest=$(summary imsvm mem guest_kb)
q_guest=$(summary qemu mem guest_kb)
[ -n "$qemu_why" ] && q_first= q_exit= q_mem= q_hwm= q_guest=

r=$(bench_ratio "$i_first" "$q_first")
notes="$(bench_target "$r" "<=" 0.2 "imsvm/QEMU <= 0.2 (5x faster)")"
if [ "$BENCH_WHERE" = host ] && [ -n "$i_first" ]; then
	ms=$(echo "$i_first" | awk '{ print ($1 < 5000) ? "met" : "MISSED" }')
	notes="$notes; target < 5 ms to the first guest instruction on host /dev/kvm: $ms (the first byte comes after it)"
fi
bench_row "PVH hello: start to first serial byte" "$(cell imsvm $imsvm_ok "$i_first" 1000 ms)" \
	"$(cell qemu $qemu_ok "$q_first" 1000 ms)" "$r" "$notes"

i_ver=$(summary imsvm version first_us)
q_ver=$(summary qemu version first_us)
[ -n "$qemu_why" ] && q_ver=
bench_row "exec floor: --version to first byte" "$(bench_fmt "$i_ver" 1000 ms)" \
	"$(cell qemu 1 "$q_ver" 1000 ms)" "$(bench_ratio "$i_ver" "$q_ver")" \
	"process start, dynamic linking, one write: the part of the row above that is no VMM work"

r=$(bench_ratio "$i_exit" "$q_exit")
bench_row "PVH hello: start to exit (reaped)" "$(cell imsvm $imsvm_ok "$i_exit" 1000 ms)" \
	"$(cell qemu $qemu_ok "$q_exit" 1000 ms)" "$r" \
	"includes KVM destroying the VM when the fd closes"

i_cpu=$(summary imsvm time cpu_us)
q_cpu=$(summary qemu time cpu_us)
i_wait=$(summary imsvm mem runq_wait_us)
q_wait=$(summary qemu mem runq_wait_us)
[ -n "$qemu_why" ] && q_cpu= q_wait=
i_sys=$(summary imsvm time sys_us)
q_sys=$(summary qemu time sys_us)
[ -n "$qemu_why" ] && q_sys=
# rusage splits user and system time by timer ticks: only runs of many
# ticks (the emulated machine's) give a meaningful split.
sys_note=
if [ -n "$i_cpu" ] && [ "${i_cpu%%[. ]*}" -ge 50000 ]; then
	sys_note="; of it in the kernel: imsvm $(bench_fmt "$i_sys" 1000 ms), QEMU $(bench_fmt "$q_sys" 1000 ms)"
fi
bench_row "PVH hello: CPU time of the whole run" "$(cell imsvm $imsvm_ok "$i_cpu" 1000 ms)" \
	"$(cell qemu $qemu_ok "$q_cpu" 1000 ms)" "$(bench_ratio "$i_cpu" "$q_cpu")" \
	"user+system, all threads (rusage)$sys_note; time its threads waited for a CPU (schedstat, memory runs): imsvm $(bench_fmt "$i_wait" 1000 ms), QEMU $(bench_fmt "$q_wait" 1000 ms): the host's load, not VMM work"

# Why the exit rows differ: KVM's own teardown of each VMM's interrupt set-up.
# Host only: in the emulated machine (Debian 6.1 KVM under TCG) the first
# probe locked up both CPUs for minutes (soft lockup in kvm-teardown and
# the kvm-nx-lpage-recovery thread).
if [ -x "$TEARDOWN" ] && [ "$BENCH_WHERE" = host ]; then
	for i in $(seq "$BENCH_REPS"); do
		"$TEARDOWN" full 1 | sed -n 's/^teardown_us=//p' >>"$out/teardown-full.vals"
		"$TEARDOWN" split 1 | sed -n 's/^teardown_us=//p' >>"$out/teardown-split.vals"
	done
	t_full=$(bench_summary "$out/teardown-full.vals")
	t_split=$(bench_summary "$out/teardown-split.vals")
	bench_row "KVM VM teardown (close of the VM fd)" "$(bench_fmt "$t_full" 1000 ms)" \
		"$(bench_fmt "$t_split" 1000 ms)" "$(bench_ratio "$t_full" "$t_split")" \
		"in-kernel PIC+IOAPIC+PIT (imsvm's machine) vs split irqchip (QEMU microvm's); 256 MiB, 1 vCPU, no guest run (tests/bench/kvm-teardown.c); part of every exit row"
fi

r=$(bench_ratio "$i_mem" "$q_mem")
notes="$(echo "$i_mem" | awk '{ printf "target < 3 MiB: %s", ($1 < 3072) ? "met" : "MISSED" }')"
[ -z "$i_mem" ] && notes="target < 3 MiB: not measured"
notes="$notes; VmHWM minus guest-RAM Rss; total VmHWM imsvm $(bench_fmt "$i_hwm" 1024 MiB), QEMU $(bench_fmt "$q_hwm" 1024 MiB); guest RAM resident imsvm $(bench_fmt "$i_guest" 1 kB), QEMU $(bench_fmt "$q_guest" 1 kB)"
bench_row "PVH hello: peak RSS without guest RAM" "$(cell imsvm $imsvm_ok "$i_mem" 1024 MiB)" \
	"$(cell qemu $qemu_ok "$q_mem" 1024 MiB)" "$r" "$notes"

if [ -s "$out/imsvm.stats" ]; then
	exits=$(sed -n 's/.*stats: vcpu0: //p' "$out/imsvm.stats" |
		awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
			if (kv[1] == "exits" || kv[1] == "io_exits" || kv[1] == "mmio_exits" ||
			    kv[1] == "halt_exits") printf "%s%s", (n++ ? " " : ""), $i } }')
	own=$(sed -n 's/.*VMM peak without guest RAM \([0-9]*\) kB.*/\1/p' "$out/imsvm.stats")
	bench_row "PVH hello: KVM exits of the run" "$exits" \
		"n/a (QEMU reads KVM stats only over QMP)" "n/a" \
		"KVM binary stats (imsvm --stats); imsvm's own --stats peak without guest RAM: ${own:-?} kB"
fi
exit 0
