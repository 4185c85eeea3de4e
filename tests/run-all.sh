#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: every test suite, one line per test, and a final line
# `N passed, N failed, N skipped` counting all of them. Exit status 1 if
# anything failed.
#
# Suites:
#   unit     criterion unit tests (build/unit-tests), on the host
#   adisim   ADI simulator integration tests (tests/adisim/run.sh), on the host
#   guest    guest test kernels (tests/guest/run-tests.sh): host or emulated
#   control  the control socket and CLI (tests/control/run.sh): host or emulated
#   assign   device assignment with the ADI simulator (tests/assign/run.sh,
#            when present): host or emulated
#   pvic     the PV-IC with the ADI simulator assigned (tests/pvic/run.sh):
#            host or emulated
#   hardening seccomp in a running imsvm, the vfio-user server failing at
#            message indices (tests/fuzz/hardening.sh): host or emulated
#   faults   faults injected, nothing lost or leaked (tests/faults/run.sh):
#            host or emulated
#   security what a guest or a device must not be able to do
#            (tests/security/run.sh): host or emulated
#   harness  the emulated machine's self-test (kvm-check)           } always in the
#   linux    real Linux guest (tests/linux/run.sh)                  } emulated machine
#   virtio   virtio devices with Linux's drivers (tests/virtio/run.sh) }
#
# KVM=auto (default) uses the host's /dev/kvm when there is one, the
# emulated machine (tests/harness/) otherwise; KVM=emulated forces the
# emulated machine, KVM=host the host's /dev/kvm. Everything that runs in
# the emulated machine runs in a single boot of it.
#
# A suite that cannot run is one SKIPPED line with the reason, never a
# pass; a suite that exits non-zero without naming a failed test counts as
# one failure; a suite that reports no test at all counts as skipped.
set -u

. "${HARNESS_TOP:-$(dirname "$0")/..}/tests/harness/lib.sh"
harness_private_copy .. "$0" "$@"

npass=0
nfail=0
nskip=0

# --- result accounting -----------------------------------------------------

# Suites started / ended in the current stream (for the emulated batch).
declare -A suite_started suite_ended
suite=
spass=0 sfail=0 sskip=0

count_line()
{
	local line=$1
	case "$line" in
	"PASS "*)
		npass=$((npass + 1)); spass=$((spass + 1)); echo "$line" ;;
	"FAIL "*)
		nfail=$((nfail + 1)); sfail=$((sfail + 1)); echo "$line" ;;
	"SKIPPED "*|"SKIP "*)
		nskip=$((nskip + 1)); sskip=$((sskip + 1)); echo "$line" ;;
	*)
		# Everything else (logs, a suite's own summary) is shown indented
		# so that only the lines above read as results.
		[ -n "$line" ] && echo "    $line" ;;
	esac
}

declare -A suite_t0 suite_snap

suite_begin()
{
	suite=$1
	suite_started[$suite]=1
	suite_t0[$suite]=$SECONDS
	suite_snap[$suite]="$npass $nfail $nskip"
	spass=0 sfail=0 sskip=0
	echo "== $suite"
}

# suite_end NAME STATUS: the suite's exit status against what it reported.
suite_end()
{
	local name=$1 status=$2
	suite_ended[$name]=1
	if [ "$status" -ne 0 ] && [ $sfail -eq 0 ]; then
		count_line "FAIL $name: suite exited with status $status without naming a failed test"
	elif [ $((spass + sfail + sskip)) -eq 0 ]; then
		count_line "SKIPPED $name: the suite reported no test"
	fi
	# Wall-clock for the operator's eye only (where make check's minutes go).
	echo "   ($name: $spass passed, $sfail failed, $sskip skipped in $((SECONDS - ${suite_t0[$name]:-$SECONDS})) s)"
	suite=
}

# tally: read a result stream (suite markers and test lines) on stdin.
tally()
{
	local line snap_p snap_f snap_s
	snap_p=$npass snap_f=$nfail snap_s=$nskip
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		IMSVM-SUITE-BEGIN\ *)
			suite_begin "${line#IMSVM-SUITE-BEGIN }" ;;
		IMSVM-SUITE-END\ *)
			local rest=${line#IMSVM-SUITE-END }
			suite_end "${rest%% *}" "${rest##*status=}" ;;
		IMSVM-BATCH-STATUS\ *) ;;
		IMSVM-HARNESS-RETRY)
			# The emulated machine is booted again: its first attempt's
			# results do not count.
			npass=$snap_p nfail=$snap_f nskip=$snap_s
			suite_started=() suite_ended=()
			suite=
			echo "-- the emulated machine is being retried: results above from it are discarded" ;;
		*)
			count_line "$line" ;;
		esac
	done
}

# A shell fragment that runs one suite and brackets its output with markers.
# Runs on the host (bash) and inside the emulated machine (busybox sh).
suite_cmd()
{
	local name=$1 cmd=$2
	printf 'echo "IMSVM-SUITE-BEGIN %s"; %s 2>&1; echo "IMSVM-SUITE-END %s status=$?"' \
		"$name" "$cmd" "$name"
}

# Run a script by its #! line when executable, with sh otherwise.
script_cmd()
{
	if [ -x "$1" ]; then
		echo "$1"
	else
		echo "sh $1"
	fi
}

# --- which KVM ---------------------------------------------------------------

if ! harness_kvm_mode; then
	echo "$KVM_LINE" >&2
	exit 2
fi
echo "$KVM_LINE"
if [ "$KVM_MODE" = host ]; then
	echo "      (the harness self-test and the real-Linux guest tests run in the emulated machine on every host)"
fi

# --- unit tests (host) -------------------------------------------------------

run_unit()
{
	local tap status
	suite_begin unit
	if [ ! -x "${O:-build}/unit-tests" ]; then
		count_line "SKIPPED unit: ${O:-build}/unit-tests not built"
		suite=
		return
	fi
	tap=$(mktemp)
	# Criterion prints its own report and summary (shown indented); the
	# TAP file gives one line per test.
	LC_ALL=C "${O:-build}/unit-tests" --tap="$tap" --color=never 2>&1 | while IFS= read -r l; do echo "    $l"; done
	status=${PIPESTATUS[0]}
	while IFS= read -r l; do
		case "$l" in
		"not ok - "*)
			l=${l#not ok - }
			count_line "FAIL unit/${l%% *}" ;;
		"ok - "*"# SKIP"*)
			l=${l#ok - }
			count_line "SKIPPED unit/${l%% *}: ${l##*# SKIP }" ;;
		"ok - "*)
			l=${l#ok - }
			count_line "PASS unit/${l%% *}" ;;
		esac
	done <"$tap"
	rm -f "$tap"
	suite_end unit "$status"
}
run_unit

# --- suites that need KVM ----------------------------------------------------

kvm_suites=()		# "name|command" pairs
emulated_suites=()

add_suite()
{
	local where=$1 name=$2 script=$3 optional=${4:-}
	if [ ! -f "$script" ]; then
		[ -n "$optional" ] && return
		suite_begin "$name"
		count_line "SKIPPED $name: $script does not exist yet"
		suite=
		return
	fi
	if [ "$where" = host ]; then
		kvm_suites+=("$name|$(script_cmd "$script")")
	else
		emulated_suites+=("$name|$(script_cmd "$script")")
	fi
}

# SANITIZE=1 (tests/fuzz/sanitize.mk): the guest kernels of that build.
[ "${SANITIZE:-}" = 1 ] && export GUEST_DIR=$PWD/${O:-build}/tests/guest/x86

# The ADI simulator's tests talk to it over sockets and need no KVM: host.
add_suite host adisim tests/adisim/run.sh
# libFuzzer targets, FUZZ_SECONDS each (already sanitized: not again under
# SANITIZE=1), FUZZ_JOBS (default: 2, 1 on a single CPU) at a time: a target
# is one process on one core, so two at once halve the suite's wall time on
# a 2-core machine for the same time per target (make check's budget,
# docs/testing.md).
fuzz_cmd()
{
	local jobs=${FUZZ_JOBS:-} src n i=0 lists=() cmd
	[ -n "$jobs" ] || { [ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && jobs=2 || jobs=1; }
	for src in tests/fuzz/*_fuzz.c; do
		[ -f "$src" ] || continue
		n=${src##*/}
		lists[i % jobs]="${lists[i % jobs]:-} ${n%_fuzz.c}"
		i=$((i + 1))
	done
	if [ "$jobs" -le 1 ] || [ ${#lists[@]} -le 1 ]; then
		echo tests/fuzz/run.sh
		return
	fi
	cmd="( pids=;"
	for n in "${lists[@]}"; do
		cmd="$cmd tests/fuzz/run.sh$n & pids=\"\$pids \$!\";"
	done
	echo "$cmd s=0; for p in \$pids; do wait \$p || s=1; done; exit \$s )"
}
if [ "${SANITIZE:-}" != 1 ] && [ -f tests/fuzz/run.sh ]; then
	kvm_suites+=("fuzz|$(fuzz_cmd)")
fi
# seccomp in a running imsvm, the vfio-user server failing at message
# indices of an assignment: host or emulated, as every KVM suite (issue 10).
[ "${SANITIZE_NESTED:-}" = 1 ] || add_suite "$KVM_MODE" hardening tests/fuzz/hardening.sh
add_suite "$KVM_MODE" guest tests/guest/run-tests.sh
add_suite "$KVM_MODE" assign tests/assign/run.sh optional
add_suite "$KVM_MODE" control tests/control/run.sh optional
add_suite "$KVM_MODE" pvic tests/pvic/run.sh optional
# Faults with nothing lost (tests/faults/) and the security properties
# (tests/security/), issue 10: host or emulated.
add_suite "$KVM_MODE" faults tests/faults/run.sh optional
add_suite "$KVM_MODE" security tests/security/run.sh optional
# The host suites again under ASan+UBSan+LSan (tests/sanitize-suite.sh).
[ "${SANITIZE:-}" = 1 ] || [ "${CHECK_SANITIZE:-1}" = 0 ] ||
	add_suite host sanitize tests/sanitize-suite.sh
emulated_suites+=("harness|build/tests/harness/kvm-check")
add_suite emulated linux tests/linux/run.sh
add_suite emulated virtio tests/virtio/run.sh optional
add_suite emulated linux-modules tests/linux-modules/run.sh

# The sanitize suite's build (build-san/: minutes from scratch) overlaps the
# suites before it, which mostly wait on their guests: started now at low
# priority, waited for before the sanitize suite (make check's budget,
# docs/testing.md). If it fails, the suite's own build says why.
# CHECK_SANITIZE_PREBUILD=0: build when the suite starts, as before.
san_build=
for s in "${kvm_suites[@]}"; do
	if [ "${s%%|*}" = sanitize ] && [ "${CHECK_SANITIZE_PREBUILD:-1}" = 1 ]; then
		san_log=$(mktemp /tmp/run-all-sanbuild.XXXXXX)
		MAKEFLAGS= MAKELEVEL= nice -n 10 make -s -j"$(nproc 2>/dev/null || echo 1)" \
			SANITIZE=1 all >"$san_log" 2>&1 &
		san_build=$!
		trap '[ -n "$san_build" ] && kill "$san_build" 2>/dev/null' EXIT
	fi
done
for s in "${kvm_suites[@]}"; do
	if [ "${s%%|*}" = sanitize ] && [ -n "$san_build" ]; then
		wait "$san_build" ||
			echo "    (the sanitizer build in the background failed: the sanitize suite builds again)"
		san_build=
		rm -f "$san_log"
	fi
	tally < <(bash -c "$(suite_cmd "${s%%|*}" "${s#*|}")")
done

# One boot of the emulated machine for everything that runs in it.
run_emulated_batch()
{
	local cmds=() s name why status
	why=
	if ! command -v qemu-system-x86_64 >/dev/null; then
		why="qemu-system-x86_64 is not installed (make deps)"
	elif [ -z "$(harness_kernel_version)" ]; then
		why="no Debian kernel installed (linux-image-amd64; make deps)"
	elif [ ! -x build/tests/harness/kvm-check ]; then
		why="build/tests/harness/kvm-check not built (make)"
	elif ! tests/linux/prepare.sh; then
		why="building the Linux guest material failed"
	fi
	# The virtio guest's initramfs; without it tests/virtio/run.sh says SKIPPED.
	[ -z "$why" ] && [ -x tests/virtio/prepare.sh ] && tests/virtio/prepare.sh >&2
	if [ -n "$why" ]; then
		for s in "${emulated_suites[@]}"; do
			suite_begin "${s%%|*}"
			count_line "SKIPPED ${s%%|*}: the emulated machine cannot run: $why"
			suite=
		done
		return
	fi

	# The emulated machine may hang or die (a QEMU hang, or a test that
	# wedges it): then the suite it was in loses its partial results and
	# the machine is booted once more for that suite and those after it.
	local attempt todo=("${emulated_suites[@]}") remaining hung=
	for attempt in 1 2; do
		cmds=()
		for s in "${todo[@]}"; do
			cmds+=("$(suite_cmd "${s%%|*}" "${s#*|}")")
		done
		echo "== booting the emulated machine (attempt $attempt) for: $(for s in "${todo[@]}"; do printf '%s ' "${s%%|*}"; done)"
		suite=
		tally < <(HARNESS_RETRY=0 HARNESS_ATTEMPT_BASE=$((attempt - 1)) tests/harness/run-emulated.sh \
			-t "${HARNESS_TIMEOUT:-1800}" "${cmds[@]}"; echo "IMSVM-BATCH-STATUS $?")
		remaining=()
		for s in "${todo[@]}"; do
			[ -n "${suite_ended[${s%%|*}]:-}" ] || remaining+=("$s")
		done
		[ ${#remaining[@]} -eq 0 ] && return
		if [ -n "$suite" ]; then
			hung=$suite
			read -r npass nfail nskip <<<"${suite_snap[$hung]}"
			unset "suite_started[$hung]"
			suite=
			echo "-- the emulated machine did not finish suite $hung: its results above do not count"
		fi
		[ $attempt = 2 ] && break
		echo "-- !!! booting the emulated machine once more for the suites it did not finish"
		todo=("${remaining[@]}")
	done
	for s in "${remaining[@]}"; do
		name=${s%%|*}
		suite_begin "$name"
		if [ "$name" = "$hung" ]; then
			count_line "FAIL $name: cut off, the emulated machine hung or died during it (see harness: lines)"
		else
			count_line "SKIPPED $name: the emulated machine failed before running it (see harness: lines)"
		fi
		suite=
	done
}
# SANITIZE=1 (O=build-san): the emulated machine's image has no sanitizer runtime.
# Nested in `make check`'s sanitize suite, those suites already ran unsanitized.
if [ "${SANITIZE_NESTED:-}" = 1 ]; then
	emulated_suites=()
elif [ "${SANITIZE:-}" = 1 ]; then
	for s in "${emulated_suites[@]}"; do
		suite_begin "${s%%|*}"
		count_line "SKIPPED ${s%%|*}: SANITIZE=1 runs the host suites only (the emulated machine's image has no sanitizer runtime)"
		suite=
	done
	emulated_suites=()
fi
[ ${#emulated_suites[@]} -gt 0 ] && run_emulated_batch

echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
