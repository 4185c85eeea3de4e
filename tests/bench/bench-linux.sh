#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Debian's own kernel to /init, under imsvm and under
# `qemu-system-x86_64 -M microvm`, side by side (alternating runs): the
# bzImage (imsvm's 64-bit boot protocol; QEMU's qboot firmware with the
# linuxboot_dma option ROM) and the ELF vmlinux extracted from it (the PVH
# entry, both VMMs). The initramfs is tests/linux's (busybox, guest-init);
# /init prints "LINUX-GUEST: init-running" first thing and ends with
# `reboot -f`.
#
# Same machine for both: 1 vCPU, 256 MiB in a memfd, COM1 on stdout,
# command line "console=ttyS0 quiet panic=-1". QEMU runs with -no-reboot,
# so the guest's reset ends it as it ends imsvm.
#
# Only in the emulated machine: under nested PVM /dev/kvm, Linux does not
# get past its decompressor (DESIGN.md). BENCH_LINUX=1 forces it anywhere.
# BENCH_LINUX_REPS (default 2) boots per kernel and VMM; the bzImage only,
# unless BENCH_LINUX_PVH=1 adds the vmlinux (a boot takes 10-60 s in the
# emulated machine, and make bench must stay within minutes).
#
# A VMM still running 15 s after /init started is killed (vmmtime -k): the
# figure is the time to /init, not the shutdown.
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh

REPS=${BENCH_LINUX_REPS:-2}
MEM=256
CMDLINE="console=ttyS0 quiet panic=-1"
PATTERN="LINUX-GUEST: init-running"
BZIMAGE=${LINUX_BZIMAGE:-build/tests/linux/vmlinuz}
VMLINUX=${LINUX_VMLINUX:-build/tests/linux/vmlinux}
INITRD=${LINUX_INITRD:-build/tests/linux/initrd.cpio}
out=$BENCH_OUT/linux
mkdir -p "$out"
rm -f "$out"/*.res "$out"/*.vals "$out"/*.err

if [ "$BENCH_WHERE" != emulated ] && [ "${BENCH_LINUX:-0}" != 1 ]; then
	bench_log "linux: runs in the emulated machine only (Linux does not boot under nested PVM /dev/kvm)"
	exit 0
fi
for f in "$IMSVM" "$VMMTIME" "$INITRD"; do
	if [ ! -e "$f" ]; then
		bench_row "Linux to /init" "n/a ($f missing)" "n/a" "n/a" ""
		exit 0
	fi
done
qemu_why=$(bench_qemu_problem)

# run VMM KERNEL TAG: one boot; appends the result to $out/VMM-TAG.res if
# /init ran, else writes why to $out/VMM-TAG.err and returns 1.
run()
{
	local vmm=$1 kernel=$2 tag=$3 res cmd
	if [ "$vmm" = imsvm ]; then
		cmd=("$IMSVM" run -q --stats --mem "$MEM" --initrd "$INITRD"
			--cmdline "$CMDLINE" --timeout 300 "$kernel")
	else
		cmd=("$QEMU" -M microvm,memory-backend=mem
			-object "memory-backend-memfd,id=mem,size=${MEM}M" -m "$MEM"
			-accel kvm -smp 1 -nodefaults -no-user-config -nographic -no-reboot
			-serial stdio -kernel "$kernel" -initrd "$INITRD" -append "$CMDLINE")
	fi
	res=$("$VMMTIME" -t 330 -p "$PATTERN" -k 15 -o "$out/$vmm-$tag.out" \
		-e "$out/$vmm-$tag.stderr" -- "${cmd[@]}")
	bench_log "linux $tag $vmm: $res"
	if [ "$(bench_field "$res" match_us)" = -1 ]; then
		{
			echo "/init not reached, status $(bench_field "$res" status)"
			grep -v '^$' "$out/$vmm-$tag.stderr" | grep -v warning | head -n 1 | cut -c1-120
		} | tr '\n' ' ' >"$out/$vmm-$tag.err"
		return 1
	fi
	echo "$res" >>"$out/$vmm-$tag.res"
	[ "$vmm" = imsvm ] && grep 'stats: vcpu0:' "$out/$vmm-$tag.stderr" >"$out/imsvm-$tag.stats"
	return 0
}

summary()
{
	local f=$out/$1-$2.res
	[ -s "$f" ] || return 0
	while IFS= read -r l; do bench_field "$l" "$3"; done <"$f" | grep -v '^-' >"$out/$1-$2-$3.vals"
	bench_summary "$out/$1-$2-$3.vals"
}

cell()
{
	local vmm=$1 tag=$2 s=$3
	if [ "$vmm" = qemu ] && [ -n "$qemu_why" ]; then
		echo "n/a ($qemu_why)"
	elif [ -s "$out/$vmm-$tag.err" ] && [ -z "$s" ]; then
		echo "n/a ($(cat "$out/$vmm-$tag.err"))"
	else
		bench_fmt "$s" 1000000 s
	fi
}

# bench_kernel NAME KERNEL TAG
bench_kernel()
{
	local name=$1 kernel=$2 tag=$3 i_ok=1 q_ok=1 i q r exits
	if [ ! -r "$kernel" ]; then
		bench_row "$name" "n/a ($kernel missing)" "n/a" "n/a" ""
		return
	fi
	[ -n "$qemu_why" ] && q_ok=0
	for _ in $(seq "$REPS"); do
		[ $i_ok = 1 ] && { run imsvm "$kernel" "$tag" || i_ok=0; }
		[ $q_ok = 1 ] && { run qemu "$kernel" "$tag" || q_ok=0; }
	done
	i=$(summary imsvm "$tag" match_us)
	q=$(summary qemu "$tag" match_us)
	r=$(bench_ratio "$i" "$q")
	exits=
	if [ -s "$out/imsvm-$tag.stats" ]; then
		exits="; imsvm KVM exits of the last whole boot (to the reset):$(sed -n 's/.*stats: vcpu0://p' "$out/imsvm-$tag.stats" |
			tr ' ' '\n' | grep -E '^(exits|io_exits|mmio_exits|halt_exits)=' | tr '\n' ' ' | sed 's/^/ /; s/ $//')"
	fi
	bench_row "$name" "$(cell imsvm "$tag" "$i")" "$(cell qemu "$tag" "$q")" "$r" \
		"$(bench_target "$r" "<=" 1 "imsvm/QEMU <= 1 (no slower)"); $REPS boots each$exits"
	# The same boots' first console byte (the kernel's first line, or
	# /init's with "quiet"): how much of the difference is before the kernel.
	i=$(summary imsvm "$tag" first_us)
	q=$(summary qemu "$tag" first_us)
	bench_row "${name%%:*}: start to first serial byte" "$(cell imsvm "$tag" "$i")" \
		"$(cell qemu "$tag" "$q")" "$(bench_ratio "$i" "$q")" "the boots above"
}

bench_log "linux ($BENCH_WHERE): $REPS boots per kernel and VMM"
bench_kernel "Linux bzImage: start to /init" "$BZIMAGE" bzimage
if [ "${BENCH_LINUX_PVH:-0}" = 1 ]; then
	bench_kernel "Linux vmlinux (PVH): start to /init" "$VMLINUX" pvh
else
	bench_log "linux: the vmlinux (PVH) boots with BENCH_LINUX_PVH=1"
fi
exit 0
