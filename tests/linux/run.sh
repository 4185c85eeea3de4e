#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Real-Linux guest tests: boot Debian's own kernel under `imsvm run` with the
# busybox initramfs of mkinitrd.sh (guest-init as /init), 2 vCPUs and
# 512 MiB, once as the bzImage (64-bit boot protocol) and once as the ELF
# vmlinux extracted from it (PVH entry), and check from the guest's console
# that /init ran, saw both CPUs, the memory and the command line asked for,
# and that its `reboot -f` ended imsvm with status 0.
#
# POSIX sh: it runs inside the emulated machine (busybox), from the top of
# the tree (or its copy in /src). Prints `PASS name` / `FAIL name: why` /
# `SKIPPED name: reason` lines. Exit status 1 if any check failed.
#
# Environment: IMSVM (build/imsvm), LINUX_BZIMAGE (build/tests/linux/vmlinuz),
# LINUX_VMLINUX (build/tests/linux/vmlinux), LINUX_INITRD
# (build/tests/linux/initrd.cpio), LINUX_TIMEOUT (300 s per boot),
# LINUX_MEM (512), LINUX_CPUS (2).

IMSVM=${IMSVM:-build/imsvm}
BZIMAGE=${LINUX_BZIMAGE:-build/tests/linux/vmlinuz}
VMLINUX=${LINUX_VMLINUX:-build/tests/linux/vmlinux}
INITRD=${LINUX_INITRD:-build/tests/linux/initrd.cpio}
TIMEOUT=${LINUX_TIMEOUT:-300}
MEM=${LINUX_MEM:-512}
CPUS=${LINUX_CPUS:-2}
CHECKS="init-runs cpus memory cmdline reboot-exit-0"

failed=0
tmp=${TMPDIR:-/tmp}/imsvm-linux.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

skip_all()
{
	for c in $CHECKS; do
		echo "SKIPPED linux-$1/$c: $2"
	done
}

pass() { echo "PASS linux-$1/$2"; }
fail()
{
	echo "FAIL linux-$1/$2: $3"
	failed=1
}

# value KEY: the value of the guest's "LINUX-GUEST: KEY value" line.
value()
{
	sed -n "s/^.*LINUX-GUEST: $1 //p" "$log" | tr -d '\r' | head -n 1
}

# boot NAME KERNEL: one boot, then every check on its console output.
boot()
{
	name=$1
	kernel=$2
	log=$tmp/$name.log

	if [ ! -x "$IMSVM" ]; then
		skip_all "$name" "$IMSVM not built"
		return
	fi
	if [ ! -r "$kernel" ]; then
		skip_all "$name" "$kernel missing"
		return
	fi
	if [ ! -r "$INITRD" ]; then
		skip_all "$name" "$INITRD missing"
		return
	fi
	if [ ! -c /dev/kvm ]; then
		skip_all "$name" "no /dev/kvm"
		return
	fi

	# A token the guest can only know from its command line.
	token="imsvm_test_token=$name-$$-$(date +%s)"
	# panic=-1: a panicking guest resets at once instead of hanging until
	# the timeout; the checks below then fail on what it did not print.
	# The outer timeout only guards against an imsvm that ignores its own.
	echo "linux-$name: imsvm run $kernel --initrd $INITRD --cpus $CPUS --mem $MEM"
	timeout -s KILL $((TIMEOUT + 30)) "$IMSVM" run "$kernel" \
		--initrd "$INITRD" --cpus "$CPUS" --mem "$MEM" \
		--cmdline "console=ttyS0 quiet panic=-1 $token" \
		--timeout "$TIMEOUT" >"$log" 2>&1 </dev/null &
	pid=$!
	# Show the guest's console as it comes (it also keeps the harness's
	# watchdog from taking a slow boot for a hang).
	rm -f "$tmp/tail.pid"
	{ tail -n +1 -f "$log" 2>/dev/null & echo $! >"$tmp/tail.pid"; wait; } |
		sed 's/^/  | /' &
	sedpid=$!
	wait $pid
	status=$?
	# Let tail print the last lines, then end it; sed ends on EOF.
	sleep 1
	while [ ! -s "$tmp/tail.pid" ]; do sleep 0.1; done
	kill "$(cat "$tmp/tail.pid")" 2>/dev/null
	wait $sedpid

	if grep -q 'LINUX-GUEST: init-running' "$log"; then
		pass "$name" init-runs
	else
		fail "$name" init-runs "/init never reported (imsvm status $status)"
	fi

	online=$(value cpus-online)
	procs=$(value cpuinfo-processors)
	want_online=0
	[ "$CPUS" -gt 1 ] && want_online="0-$((CPUS - 1))"
	if [ "$online" = "$want_online" ] && [ "$procs" = "$CPUS" ]; then
		pass "$name" cpus
	else
		fail "$name" cpus "online '$online', /proc/cpuinfo processors '$procs', want $want_online and $CPUS"
	fi

	# MemTotal excludes what the kernel reserves for itself (about 11%
	# of 512 MiB for Debian's kernel); it can never exceed what was given.
	kb=$(value memtotal-kb)
	want=$((MEM * 1024))
	if [ -n "$kb" ] && [ "$kb" -le "$want" ] && [ "$kb" -ge $((want * 70 / 100)) ]; then
		pass "$name" memory
	else
		fail "$name" memory "MemTotal '${kb}' kB, want 70-100% of $want kB"
	fi

	cmdline=$(value cmdline)
	case " $cmdline " in
	*" $token "*) pass "$name" cmdline ;;
	*) fail "$name" cmdline "/proc/cmdline '$cmdline' lacks $token" ;;
	esac

	if [ $status -eq 0 ] && grep -q 'LINUX-GUEST: rebooting' "$log"; then
		pass "$name" reboot-exit-0
	elif [ $status -eq 124 ]; then
		fail "$name" reboot-exit-0 "imsvm timed out after ${TIMEOUT}s"
	else
		fail "$name" reboot-exit-0 "imsvm exit status $status"
	fi

}

any_failed=0
boot bzimage "$BZIMAGE"
any_failed=$failed
failed=0
boot pvh "$VMLINUX"
[ $failed -ne 0 ] && any_failed=1
exit $any_failed
