#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Device assignment benchmark (issue 5), one table:
#  - KVM mmio_exits per guest access to the mapped IMS BAR (target 0) and to
#    the trapped BAR0 (target 1), from imsvm --stats, each run minus a
#    baseline run of the same guest that makes no such access;
#  - copy-descriptor DMA through DMA_MAP with the memfd against DMA_READ/
#    DMA_WRITE messages (dma=messages), as TSC cycles of the same copies in
#    the same run, and their ratio.
# Exit counts are exact; cycle figures are noisy, compare the ratio only.
# Needs /dev/kvm; prints "n/a" rows otherwise.
#
# Usage: tests/assign/bench.sh [BUILD_DIR] [N]
# With BENCH_ROWS=1 it prints make bench's rows (tests/bench/lib.sh format:
# BENCH-ROW|name|imsvm|baseline|ratio|notes) instead of its own table.

O=${1:-build}
N=${2:-2000}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
K=$O/tests/guest/x86/assign_bench.elf

row() { [ -n "${BENCH_ROWS:-}" ] || printf '%-46s %14s %14s\n' "$1" "$2" "$3"; }
brow() { [ -z "${BENCH_ROWS:-}" ] || printf 'BENCH-ROW|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5"; }

row "device assignment" "measured" "target"
if [ ! -r /dev/kvm ] || [ ! -x "$IMSVM" ] || [ ! -x "$SIM" ] || [ ! -f "$K" ]; then
	row "mapped BAR: mmio exits per access" "n/a" "0"
	row "trapped BAR: mmio exits per access" "n/a" "1"
	row "copy via DMA_MAP fd vs messages (cycles)" "n/a" ""
	brow "assign: mmio exits per BAR access (mapped vs trapped)" "n/a (no KVM or not built)" "" "" ""
	exit 0
fi
TMP=$(mktemp -d /tmp/assign-bench.XXXXXX) || exit 1
SIMPID=""
trap 'kill $SIMPID 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

# vm NAME VFIO_USER_OPTS CMDLINE: one run; its log in $TMP/NAME.log.
vm() {
	"$SIM" --socket-path="$TMP/$1.sock" --ims-entries=64 >/dev/null 2>&1 &
	SIMPID=$!
	i=0
	while [ ! -S "$TMP/$1.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	"$IMSVM" run -q --stats --timeout 300 --vfio-user "$TMP/$1.sock$2" --cmdline "$3" "$K" \
		>"$TMP/$1.log" 2>&1
	kill $SIMPID 2>/dev/null
	wait $SIMPID 2>/dev/null
}

# Total mmio_exits of a run (vCPU 0: the guest is single-CPU).
mmio() { sed -n 's/.*vcpu0:.* mmio_exits=\([0-9]*\).*/\1/p' "$TMP/$1.log" | head -1; }
bench() { sed -n "s/.*BENCH.* $2=\([0-9]*\).*/\1/p; s/^BENCH $2=\([0-9]*\).*/\1/p" "$TMP/$1.log" | head -1; }

vm base "" "mode=none"
vm mapped "" "mode=mapped n=$N"
vm trapped "" "mode=trapped n=$N"
b=$(mmio base); m=$(mmio mapped); t=$(mmio trapped)
if [ -n "$b" ] && [ -n "$m" ] && [ -n "$t" ]; then
	row "mapped BAR: mmio exits per access ($((2 * N)))" \
		"$(awk -v x="$m" -v y="$b" -v n="$((2 * N))" 'BEGIN{printf "%.3f", (x-y)/n}')" "0"
	row "trapped BAR: mmio exits per access ($N)" \
		"$(awk -v x="$t" -v y="$b" -v n="$N" 'BEGIN{printf "%.3f", (x-y)/n}')" "1"
	brow "assign: mmio exits per BAR access, mapped (IMS) vs trapped (BAR0)" \
		"$(awk -v x="$m" -v y="$b" -v n="$((2 * N))" 'BEGIN{printf "%.3f", (x-y)/n}')" \
		"$(awk -v x="$t" -v y="$b" -v n="$N" 'BEGIN{printf "%.3f", (x-y)/n}')" "" \
		"KVM mmio_exits minus a baseline run; targets 0 and 1"
else
	row "mapped/trapped BAR exits" "n/a (no KVM stats)" ""
	brow "assign: mmio exits per BAR access" "n/a (no KVM stats)" "" "" ""
fi

vm fd ",dma=fd" "mode=copy size=262144 reps=16"
vm msg ",dma=messages" "mode=copy size=262144 reps=16"
cf=$(bench fd cycles); cm=$(bench msg cycles); by=$(bench fd bytes)
if [ -n "$cf" ] && [ -n "$cm" ] && grep -q 'PASS: copies completed' "$TMP/fd.log" &&
   grep -q 'PASS: copies completed' "$TMP/msg.log"; then
	row "copy ${by} B via DMA_MAP fd: TSC cycles/byte" \
		"$(awk -v c="$cf" -v b="$by" 'BEGIN{printf "%.1f", c/b}')" ""
	row "copy ${by} B via DMA messages: TSC cycles/byte" \
		"$(awk -v c="$cm" -v b="$by" 'BEGIN{printf "%.1f", c/b}')" ""
	row "messages / fd time ratio" "$(awk -v a="$cm" -v b="$cf" 'BEGIN{printf "%.2f", a/b}')" "> 1"
	brow "assign: copy DMA, guest RAM by memfd vs DMA_READ/WRITE messages" \
		"$(awk -v c="$cf" -v b="$by" 'BEGIN{printf "%.1f cycles/B", c/b}')" \
		"$(awk -v c="$cm" -v b="$by" 'BEGIN{printf "%.1f cycles/B", c/b}')" \
		"$(awk -v a="$cf" -v b="$cm" 'BEGIN{printf "%.2f", a/b}')" "16 x 256 KiB copy descriptors, guest TSC"
else
	row "copy via DMA_MAP fd vs messages" "n/a (copies failed)" ""
	brow "assign: copy DMA, memfd vs messages" "n/a (copies failed)" "" "" ""
fi
