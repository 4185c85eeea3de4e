#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the guest test kernels listed in unittests.cfg under `imsvm run`, one
# line per test:
#	PASS name | FAIL name (status N): first failed check | SKIPPED name: reason
# then "N passed, N failed, N skipped". Exit status 1 if any failed.
#
# usage: run-tests.sh [-v] [-g GROUP] [NAME...]
#	-v        print the console log of each failed test
#	-g GROUP  only tests in GROUP (may be repeated)
#	NAME...   only these tests
# Environment:
#	IMSVM      imsvm binary (default: build/imsvm of this tree)
#	GUEST_DIR  where the NAME.elf kernels are (default: build/tests/guest/x86)
#	CFG        the manifest (default: unittests.cfg beside this script)
#	LOG_DIR    console logs, one per test (default: build/logs/guest; not
#	           under build/tests/guest, which the emulated machine's image holds)
#	RUNNER     imsvm (default), or qemu: boot the kernels with
#	           qemu-system-x86_64 -accel tcg instead (a development aid:
#	           QEMU passes no device tree and its firmware tables differ)
#
# POSIX sh and busybox only: this also runs inside the emulated machine.

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
IMSVM=${IMSVM:-$root/build/imsvm}
GUEST_DIR=${GUEST_DIR:-$root/build/tests/guest/x86}
CFG=${CFG:-$here/unittests.cfg}
LOG_DIR=${LOG_DIR:-$root/build/logs/guest}
RUNNER=${RUNNER:-imsvm}

# Tests run from the top of the tree (extra_params may name files in it).
case "$IMSVM" in /*) ;; *) IMSVM=$PWD/$IMSVM ;; esac
case "$GUEST_DIR" in /*) ;; *) GUEST_DIR=$PWD/$GUEST_DIR ;; esac
case "$LOG_DIR" in /*) ;; *) LOG_DIR=$PWD/$LOG_DIR ;; esac

verbose=0
groups=""
while [ $# -gt 0 ]; do
	case "$1" in
	-v) verbose=1 ;;
	-g) shift; groups="$groups ${1:-}" ;;
	-h|--help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-tests.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
only="$*"

if [ ! -r "$CFG" ]; then
	echo "run-tests.sh: cannot read manifest $CFG" >&2
	exit 2
fi
mkdir -p "$LOG_DIR" 2>/dev/null || LOG_DIR=$(mktemp -d) || exit 2

passed=0
failed=0
skipped=0

# Why nothing can run here, or empty if tests can run.
blocker=""
if [ "$RUNNER" = qemu ]; then
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		blocker="qemu-system-x86_64 not installed"
elif [ ! -x "$IMSVM" ]; then
	blocker="no imsvm binary at $IMSVM (run make)"
elif [ ! -c /dev/kvm ]; then
	blocker="no /dev/kvm on this machine (make check runs these in the emulated machine)"
fi

has_timeout=0
command -v timeout >/dev/null 2>&1 && has_timeout=1

wanted() {	# name groups
	if [ -n "$only" ]; then
		case " $only " in *" $1 "*) ;; *) return 1 ;; esac
	fi
	[ -z "$groups" ] && return 0
	for g in $groups; do
		case " $2 " in *" $g "*) return 0 ;; esac
	done
	return 1
}

# Run one VM; prints its exit status. Arguments: kernel smp timeout extra_params.
run_vm() {
	kernel=$1 smp=$2 secs=$3 extra=$4
	backstop=""
	[ $has_timeout = 1 ] && backstop="timeout -s KILL $((secs + 15))"
	eval "set -- $extra"
	if [ "$RUNNER" = qemu ]; then
		# Translate imsvm options into QEMU's.
		qargs=""
		mem=256 cmdline="" initrd=""
		while [ $# -gt 0 ]; do
			case "$1" in
			--mem|-m) mem=$2; shift ;;
			--initrd) initrd=$2; shift ;;
			--cmdline) cmdline=$2; shift ;;
			esac
			shift
		done
		[ -n "$initrd" ] && initrd="-initrd $root/$initrd"
		$backstop qemu-system-x86_64 -accel tcg -M q35 -nographic -nic none $initrd \
			-device isa-debug-exit,iobase=0xf4,iosize=4 -smp "$smp" -m "$mem" \
			-kernel "$kernel" -append "$cmdline" </dev/null
		rc=$?
		# isa-debug-exit reports (status << 1) | 1; 137 is the backstop's KILL.
		if [ $((rc % 2)) = 1 ] && [ $rc != 137 ]; then
			rc=$(((rc - 1) / 2))
		fi
		return $rc
	fi
	(cd "$root" && $backstop "$IMSVM" run "$kernel" --cpus "$smp" --timeout "$secs" \
		"$@" </dev/null)
}

finish_test() {
	[ -z "$name" ] && return 0
	if ! wanted "$name" "$tgroups"; then
		name=""
		return 0
	fi
	matched="$matched $name"
	if [ -n "$blocker" ]; then
		echo "SKIPPED $name: $blocker"
		skipped=$((skipped + 1))
		name=""
		return 0
	fi
	if [ "$RUNNER" = qemu ] && [ "$requires" = imsvm ]; then
		echo "SKIPPED $name: tests imsvm's own tables (RUNNER=qemu)"
		skipped=$((skipped + 1))
		name=""
		return 0
	fi
	if [ ! -r "$GUEST_DIR/$file" ]; then
		echo "FAIL $name (no kernel $GUEST_DIR/$file)"
		failed=$((failed + 1))
		name=""
		return 0
	fi
	log="$LOG_DIR/$name.log"
	run_vm "$GUEST_DIR/$file" "$smp" "$secs" "$extra" >"$log" 2>&1
	status=$?
	# Status 0 alone is not a pass: a guest that triple-faults is reset, and
	# a reset ends imsvm with 0 too. A pass also needs the guest's own word.
	if [ $status = 0 ] && ! tr -d '\r' <"$log" | grep -q '^EXIT: STATUS=0$'; then
		status=0x
	fi
	case $status in
	0)
		echo "PASS $name"
		passed=$((passed + 1))
		;;
	0x)
		echo "FAIL $name (status 0 without 'EXIT: STATUS=0': the guest reset or triple-faulted)"
		failed=$((failed + 1))
		;;
	77)
		reason=$(tr -d '\r' <"$log" | sed -n 's/^.*SKIP: //p' | head -n 1)
		echo "SKIPPED $name: ${reason:-all tests skipped}"
		skipped=$((skipped + 1))
		;;
	124|137)
		echo "FAIL $name (status $status, timeout after ${secs}s)"
		failed=$((failed + 1))
		;;
	*)
		# The first failed check (or abort, or the VMM's error) says why.
		why=$(tr -d '\r' <"$log" | sed -n 's/^.*\(FAIL: \|ABORT: \|error: \)//p' |
			head -n 1)
		echo "FAIL $name (status $status)${why:+: $why}"
		failed=$((failed + 1))
		;;
	esac
	if [ $status != 0 ] && [ $status != 77 ] && [ $verbose = 1 ]; then
		sed 's/^/    /' "$log"
	fi
	name=""
}

name=""
matched=""
unknown=0
while IFS= read -r line || [ -n "$line" ]; do
	# Strip comments and surrounding blanks.
	case "$line" in \#*) continue ;; esac
	line=$(printf '%s\n' "$line" | sed 's/^[ 	]*//; s/[ 	]*$//')
	[ -z "$line" ] && continue
	case "$line" in
	\[*\])
		finish_test
		name=${line#\[}
		name=${name%\]}
		file="" smp=1 secs=60 extra="" tgroups="" requires=""
		;;
	*=*)
		key=$(printf '%s\n' "${line%%=*}" | sed 's/[ 	]*$//')
		val=$(printf '%s\n' "${line#*=}" | sed 's/^[ 	]*//')
		case "$key" in
		file) file=$val ;;
		smp) smp=$val ;;
		extra_params) extra=$val ;;
		timeout) secs=$val ;;
		groups) tgroups=$val ;;
		requires) requires=$val ;;
		*) ;;	# arch, accel, check...: not used here
		esac
		;;
	esac
done <"$CFG"
finish_test

for n in $only; do
	case " $matched " in
	*" $n "*) ;;
	*) echo "run-tests.sh: no test named $n in $CFG" >&2; unknown=1 ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ $unknown = 0 ] || exit 2
[ $failed = 0 ]
