#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# seccomp in a running imsvm: every thread of a VM (main, io, vCPUs) runs
# under a filter (/proc/PID/task/TID/status says "Seccomp: 2"), and none
# does with --no-seccomp. The filters' contents and what a forbidden call
# does are tested in vmm/seccomp_test.c; that every suite passes with them
# on is make check itself (seccomp is on by default).
# One line per check; needs /dev/kvm. Environment: O (default build).
set -u

cd "$(dirname "$0")/../.."
O=${O:-build}
IMSVM=${IMSVM:-$O/imsvm}
GUEST=$O/tests/guest/x86/idle.elf

if [ "${SANITIZE:-}" = 1 ]; then
	echo "SKIPPED seccomp-threads: SANITIZE=1 builds install no filter (LSan needs ptrace)"
	exit 0
fi
if [ ! -x "$IMSVM" ] || [ ! -f "$GUEST" ]; then
	echo "SKIPPED seccomp-threads: $IMSVM or $GUEST not built (make)"
	exit 0
fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIPPED seccomp-threads: no /dev/kvm on this machine (make check runs it in the emulated machine then)"
	exit 0
fi

status=0
# check NAME WANT ARGS...: run idle.elf with 2 vCPUs, read every thread's mode.
check()
{
	local name=$1 want=$2 pid modes t bad=
	shift 2
	"$IMSVM" run --timeout 20 --cpus 2 "$@" "$GUEST" >/dev/null 2>&1 &
	pid=$!
	# vCPU threads install their filter as they start: wait for both.
	for _ in $(seq 100); do
		[ -r "/proc/$pid/task" ] &&
			grep -qs vcpu1 /proc/$pid/task/*/comm && sleep 0.2 && break
		sleep 0.1
	done
	modes=
	for t in /proc/$pid/task/*; do
		local comm mode
		comm=$(cat "$t/comm" 2>/dev/null) || continue
		mode=$(sed -n 's/^Seccomp:[[:space:]]*//p' "$t/status" 2>/dev/null)
		case $comm in kvm-*) continue ;; esac	# KVM's kernel workers
		modes="$modes $comm=$mode"
		[ "$mode" = "$want" ] || bad="$bad $comm=$mode"
	done
	kill "$pid" 2>/dev/null
	# Collected, but never waited for for ever (a process stuck in the kernel).
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	kill -0 "$pid" 2>/dev/null || wait "$pid" 2>/dev/null
	if [ -z "$modes" ]; then
		echo "FAIL $name: imsvm did not run (see $IMSVM run $* $GUEST)"
		status=1
	elif [ -n "$bad" ] || ! grep -q "vcpu1" <<<"$modes"; then
		echo "FAIL $name: want Seccomp: $want on every thread, got$modes"
		status=1
	else
		echo "PASS $name:$modes"
	fi
}
check seccomp-threads 2
check seccomp-off 0 --no-seccomp
exit $status
