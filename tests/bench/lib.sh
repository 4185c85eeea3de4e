# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers of the bench-*.sh scripts (bash; sourced, not run). They run on
# the host and inside the emulated machine (busybox awk/sort/sed there).
#
# A bench script prints its results as rows
#
#   BENCH-ROW|name|imsvm|baseline|ratio|notes
#
# (bench_row builds them) and anything else as log lines; run-bench.sh
# keeps the rows and assembles one table. Values carry their unit
# ("3.1 ms [2.2-30.4]": median [min-max] over the repetitions). A column
# that could not be measured says "n/a (reason)". Benches never assert a
# time.
#
# Environment a bench reads: BENCH_WHERE (host | emulated: where it runs),
# BENCH_REPS (repetitions of fast measurements, default 20),
# BENCH_MEM_REPS (memory-mode runs, default 3), BENCH_OUT (scratch
# directory), IMSVM (build/imsvm), VMMTIME (build/tests/bench/vmmtime),
# QEMU (qemu-system-x86_64).

BENCH_WHERE=${BENCH_WHERE:-host}
BENCH_REPS=${BENCH_REPS:-20}
BENCH_MEM_REPS=${BENCH_MEM_REPS:-3}
BENCH_OUT=${BENCH_OUT:-build/bench/$BENCH_WHERE}
IMSVM=${IMSVM:-build/imsvm}
VMMTIME=${VMMTIME:-build/tests/bench/vmmtime}
QEMU=${QEMU:-qemu-system-x86_64}
mkdir -p "$BENCH_OUT"

bench_log() { echo "bench: $*"; }

# bench_row NAME IMSVM BASELINE RATIO NOTES
bench_row()
{
	printf 'BENCH-ROW|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5"
}

# bench_field LINE KEY: the value of KEY=value in a vmmtime result line.
bench_field()
{
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# bench_summary FILE: "median min max" of the numbers in FILE (one a
# line), or nothing when FILE has none. The median of an even count is
# the mean of the middle two.
bench_summary()
{
	sort -n "$1" | awk '
		/^-?[0-9.]+$/ { v[n++] = $1 }
		END {
			if (n == 0) exit
			m = (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
			printf "%s %s %s\n", m, v[0], v[n - 1]
		}'
}

# bench_fmt SUMMARY DIVISOR UNIT: "median [min-max] UNIT" scaled by
# DIVISOR (1000 turns microseconds into ms, 1024 kB into MiB).
bench_fmt()
{
	[ -n "$1" ] || { echo "n/a (no valid run)"; return; }
	echo "$1" | awk -v d="$2" -v u="$3" '
		function f(x) { x /= d; return (x < 10) ? sprintf("%.2f", x) : \
			(x < 100) ? sprintf("%.1f", x) : sprintf("%.0f", x) }
		{ if ($2 == $3) printf "%s %s\n", f($1), u
		  else printf "%s %s [%s-%s]\n", f($1), u, f($2), f($3) }'
}

# bench_ratio SUMMARY_A SUMMARY_B: median A / median B, or n/a.
bench_ratio()
{
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "n/a"
		return
	fi
	awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {
		if (b <= 0) { print "n/a"; exit }
		r = a / b
		printf (r < 0.1) ? "%.3f\n" : (r < 10) ? "%.2f\n" : (r < 100) ? "%.1f\n" : "%.0f\n", r }'
}

# bench_target RATIO OP LIMIT TEXT: "target TEXT: met|missed" for a ratio.
bench_target()
{
	local r=$1 op=$2 lim=$3 text=$4
	case "$r" in
	n/a*) echo "target $text: not measured"; return ;;
	esac
	awk -v r="$r" -v l="$lim" -v op="$op" -v t="$text" 'BEGIN {
		ok = (op == "<=") ? (r <= l) : (op == "<") ? (r < l) : (r >= l)
		printf "target %s: %s\n", t, ok ? "met" : "MISSED" }'
}

# bench_qemu_problem: why QEMU microvm cannot run here (empty when it can).
bench_qemu_problem()
{
	if ! command -v "$QEMU" >/dev/null 2>&1; then
		echo "$QEMU not installed"
	elif [ ! -c /dev/kvm ]; then
		echo "no /dev/kvm"
	fi
}
