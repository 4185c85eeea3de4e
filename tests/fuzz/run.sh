#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run each libFuzzer target (build/fuzz/NAME_fuzz) for FUZZ_SECONDS (default
# 20) on a working corpus under build/fuzz/corpus/NAME, seeded from the
# committed tests/fuzz/corpus/NAME/ (which every run replays first, so the
# regression inputs of crashes already fixed are checked each time).
# One line per target:
#   PASS fuzz/NAME: E execs in S s, cov C, ft F, corpus N
#   FAIL fuzz/NAME: <the sanitizer's or libFuzzer's summary line> (artifact: PATH)
# Arguments: target names to run (default: all built ones).
# FUZZ_OUT: where the binaries are (default build/fuzz).
set -u

cd "$(dirname "$0")/../.."
out=${FUZZ_OUT:-build/fuzz}
secs=${FUZZ_SECONDS:-20}

if ! command -v clang >/dev/null; then
	echo "SKIPPED fuzz: clang is not installed (make deps)"
	exit 0
fi

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for src in tests/fuzz/*_fuzz.c; do
		n=${src##*/}
		names+=("${n%_fuzz.c}")
	done
fi

# Inputs longer than this are not tried (the loaders' images are larger).
max_len()
{
	case "$1" in
	boot) echo 65536 ;;
	vfio_user_client|adisim) echo 16384 ;;
	*) echo 8192 ;;
	esac
}

status=0
for name in "${names[@]}"; do
	bin=$out/${name}_fuzz
	if [ ! -x "$bin" ]; then
		echo "SKIPPED fuzz/$name: $bin not built (make fuzz-build)"
		continue
	fi
	seeds=tests/fuzz/corpus/$name
	work=$out/corpus/$name
	art=$out/artifacts/$name
	log=$out/logs/$name.log
	mkdir -p "$work" "$art" "$out/logs" "$seeds"
	# -timeout: one input taking longer is a hang; -rss_limit_mb: a leak
	# or runaway allocation. Both are failures.
	timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" -max_len="$(max_len "$name")" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	done_line=$(grep -a -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
	corpus=$(find "$work" -type f | wc -l)
	if [ $rc -eq 0 ]; then
		echo "PASS fuzz/$name: ${execs:-?} execs in $secs s, cov ${cov:-?}, ft ${ft:-?}, corpus $corpus"
	else
		why=$(grep -a -m1 -E '^SUMMARY: |ERROR: libFuzzer|ERROR: AddressSanitizer|runtime error' "$log")
		artifact=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -1)
		echo "FAIL fuzz/$name: ${why:-exit status $rc} (artifact: ${artifact:-none}; log: $log)"
		status=1
	fi
done
exit $status
