#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make bench`: run every tests/bench/bench-*.sh and print one table of
# their rows. Each bench measures imsvm and its baseline (QEMU microvm, or
# another mode of imsvm) side by side in this same run; nothing is compared
# with stored numbers and nothing is asserted.
#
# Where: with KVM=auto (default) the benches run on the host's /dev/kvm
# when there is one, and again inside the emulated machine
# (tests/harness/run-emulated.sh) in every case; KVM=host runs only the
# host part, KVM=emulated only the emulated one. The emulated machine gets
# one more initramfs layer (HARNESS_EXTRA_CPIO): QEMU and its firmware, the
# bench tool and guest.
#
# A bench prints rows "BENCH-ROW|name|imsvm|baseline|ratio|notes"
# (tests/bench/lib.sh) and log lines; the logs go to WHERE.log in the run's
# directory, build/bench/run.XXXXXX while it runs (so that runs beside each
# other do not mix), build/bench/last/ after (-v shows them as they come).
#
# Environment: BENCH_REPS (host, default 20), BENCH_EMU_REPS (emulated,
# default 10), BENCH_MEM_REPS (3), BENCH_LINUX_REPS (2), BENCH_EMU_TIMEOUT
# (the whole emulated run, 1800 s),
# BENCH_LINUX_PVH=1 (also the vmlinux), BENCH_ONLY="PATTERN..." (run only
# the bench-PATTERN.sh, e.g. BENCH_ONLY="startup linux").
set -u

. "${HARNESS_TOP:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_private_copy ../.. "$0" "$@"

verbose=0
[ "${1:-}" = -v ] && verbose=1
OUT=build/bench
mkdir -p "$OUT"
RUN=$(mktemp -d "$OUT/run.XXXXXX")
rows=$RUN/rows
: >"$rows"
# bench-startup.sh first (the figures every later row builds on), then the
# rest in name order.
benches=()
read -r -a only <<<"${BENCH_ONLY:-*}"
for s in tests/bench/bench-startup.sh tests/bench/bench-*.sh; do
	case " ${benches[*]} " in *" $s "*) continue ;; esac
	for p in "${only[@]}"; do
		# shellcheck disable=SC2254 # $p is a pattern
		case "${s#tests/bench/bench-}" in $p.sh) benches+=("$s"); break ;; esac
	done
done

if ! harness_kvm_mode; then
	echo "$KVM_LINE" >&2
	exit 2
fi
wheres=()
case "${KVM:-auto}" in
host) wheres=(host) ;;
emulated) wheres=(emulated) ;;
*)
	[ "$KVM_MODE" = host ] && wheres=(host)
	wheres+=(emulated) ;;
esac

# collect WHERE: keep the rows of a bench output stream, log the rest.
collect()
{
	local where=$1 line
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		BENCH-ROW\|*)
			echo "$where|${line#BENCH-ROW|}" >>"$rows"
			[ $verbose = 1 ] && echo "  $line" ;;
		IMSVM-HARNESS-RETRY)
			# The emulated machine boots again: drop its first attempt's rows.
			sed -i "/^$where|/d" "$rows"
			echo "$line: rows of the first attempt dropped" >>"$RUN/$where.log" ;;
		*)
			echo "$line" >>"$RUN/$where.log"
			[ $verbose = 1 ] && echo "  $where: $line" ;;
		esac
	done
	return 0
}

run_host()
{
	local s
	: >"$RUN/host.log"
	for s in "${benches[@]}"; do
		[ -f "$s" ] || continue
		echo "bench: host: $s"
		BENCH_WHERE=host BENCH_OUT=$RUN/host BENCH_REPS=${BENCH_REPS:-20} bash "$s" 2>&1 |
			collect host
	done
}

# The emulated machine's extra layer: QEMU with its libraries and the
# firmware microvm loads, the bench tool and guest (cached; built under a
# lock, runs beside each other share it).
bench_cpio()
{
	local lk ret
	exec {lk}>"$OUT/.lock"
	flock "$lk"
	build_bench_cpio
	ret=$?
	exec {lk}>&-
	return $ret
}

build_bench_cpio()
{
	local cpio=$OUT/emulated.cpio qemu root stamp f
	local fw=(/usr/share/qemu/qboot.rom /usr/share/qemu/bios-microvm.bin
		/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/pvh.bin)
	local tools=(build/tests/bench/vmmtime build/tests/bench/kvm-teardown
		build/tests/bench/guest/hello.elf)

	qemu=$(command -v qemu-system-x86_64 || true)
	stamp=$(harness_stamp ${qemu:+"$qemu"} "${fw[@]}" "${tools[@]}" tests/bench/run-bench.sh)
	if [ -f "$cpio" ] && [ "$(cat "$OUT/emulated.stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "$cpio"
		return 0
	fi
	root=$RUN/emulated.root
	mkdir -p "$root/usr/share/qemu"
	if [ -n "$qemu" ]; then
		harness_copy_binary "$root" "$qemu" /usr/bin/qemu-system-x86_64 || return 1
		for f in "${fw[@]}"; do
			[ -e "$f" ] && cp -L "$f" "$root/$f"
		done
	fi
	for f in "${tools[@]}"; do
		mkdir -p "$root/src/$(dirname "$f")"
		cp -p "$f" "$root/src/$f" || return 1
	done
	harness_cpio "$root" "$cpio"
	rm -rf "$root"
	echo "$stamp" >"$OUT/emulated.stamp"
	echo "$cpio"
}

run_emulated()
{
	local cpio cmd status why=
	: >"$RUN/emulated.log"
	if ! command -v qemu-system-x86_64 >/dev/null; then
		why="qemu-system-x86_64 is not installed (make deps)"
	elif [ -z "$(harness_kernel_version)" ]; then
		why="no Debian kernel installed (linux-image-amd64; make deps)"
	elif ! tests/linux/prepare.sh >>"$RUN/emulated.log" 2>&1; then
		why="building the Linux guest material failed (tests/linux/prepare.sh)"
	elif ! cpio=$(bench_cpio); then
		why="building the bench layer of the initramfs failed"
	fi
	if [ -n "$why" ]; then
		echo "emulated|the emulated machine|n/a ($why)|n/a|n/a|" >>"$rows"
		return
	fi
	cmd="for s in ${benches[*]}; do BENCH_WHERE=emulated BENCH_REPS=${BENCH_EMU_REPS:-10}"
	cmd+=" BENCH_MEM_REPS=${BENCH_MEM_REPS:-3} BENCH_LINUX_REPS=${BENCH_LINUX_REPS:-2}"
	cmd+=" BENCH_LINUX_PVH=${BENCH_LINUX_PVH:-0}"
	cmd+=' bash "$s" 2>&1; done'
	echo "bench: emulated machine: ${benches[*]}"
	HARNESS_EXTRA_CPIO=$cpio tests/harness/run-emulated.sh -t "${BENCH_EMU_TIMEOUT:-1800}" "$cmd" \
		2> >(tee -a "$RUN/emulated.log" >&2) | collect emulated
	status=${PIPESTATUS[0]}
	if [ "$status" != 0 ]; then
		echo "emulated|the emulated machine|n/a (it failed, status $status: $OUT/last/emulated.log)|n/a|n/a|" >>"$rows"
	fi
}

# --- the machine ------------------------------------------------------------
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) (family $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1) model $(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
echo "imsvm bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "host: $cpu, $(nproc) CPUs, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$KVM_LINE; benches run: ${wheres[*]}"

for w in "${wheres[@]}"; do
	"run_$w"
done

# --- the table ---------------------------------------------------------------
echo
echo "| where | measurement | imsvm | baseline (QEMU microvm unless named) | imsvm/baseline | notes |"
echo "|---|---|---|---|---|---|"
while IFS='|' read -r where name a b r notes; do
	echo "| $where | $name | $a | $b | $r | $notes |"
done <"$rows"
[ -s "$rows" ] || echo "| - | no bench printed a row | | | | see $OUT/last/*.log |"
echo
echo "median [min-max] over the repetitions; method: docs/performance.md; logs: $OUT/last/"
rm -rf "$OUT/last"
mv "$RUN" "$OUT/last" 2>/dev/null || true
exit 0
