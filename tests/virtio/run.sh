#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio integration test: ONE boot of Debian's kernel under imsvm with
# virtio-blk (a read-write image, a read-only one, and one on a full file
# system), virtio-net on a tap,
# virtio-console (hvc0) and virtio-rng, driven by Linux's own drivers
# (tests/virtio/guest-init). Checks, each a PASS/FAIL/SKIPPED line:
#   drivers      all six virtio devices bound to their Linux drivers
#   blk-read     the guest reads back what the host wrote (md5 both sides)
#   blk-write    the host finds what the guest wrote, right after its flush
#   blk-flush    the device saw flushes (write cache "write back" offered)
#   blk-serial   the serial id given with --disk ...,serial=
#   blk-discard  a discarded range reads as zeros on the host
#   blk-ro       the read-only disk is read-only in the guest, writes (even after
#                BLKROSET 0) fail, and the image is unchanged; Linux never sends
#                the device a write (its refusal is unit-tested)
#   blk-full     the disk whose image is on a full tmpfs (1 MiB free of the
#                4 MiB the guest writes): imsvm answers IOERR and counts each as
#                no space, the guest's kernel logs I/O errors and dd fails; the
#                guest reads on, and once we delete the filler file the same
#                write succeeds and reads back (md5 both sides); the guest then
#                finishes its other checks (net, console, rng come after it)
#   net-ping     ping from the guest to the tap's address
#   net-tcp      a TCP transfer each way (md5 both sides)
#   console      a line typed on imsvm's stdin comes back through hvc0
#   rng          bytes from /dev/hwrng, from the virtio-rng device
#   kick-no-exit the disk's queue notifications were KVM ioeventfds: none
#                exited to imsvm (its exit line counts both)
#
# Needs /dev/kvm, /dev/net/tun (or the tun module under build/tests/virtio/
# host/), root and network and mount namespaces: the whole test runs in a new
# network namespace (unshare -n -m) holding only loopback and the tap, where
# it mounts the small tmpfs. It runs inside
# the emulated machine (tests/harness/), like tests/linux/run.sh. POSIX sh.
#
# Environment: IMSVM (build/imsvm), LINUX_BZIMAGE (build/tests/linux/vmlinuz),
# VIRTIO_INITRD (build/tests/virtio/initrd.cpio), VIRTIO_TIMEOUT (400 s).

IMSVM=${IMSVM:-build/imsvm}
KERNEL=${LINUX_BZIMAGE:-build/tests/linux/vmlinuz}
INITRD=${VIRTIO_INITRD:-build/tests/virtio/initrd.cpio}
TIMEOUT=${VIRTIO_TIMEOUT:-400}
CHECKS="drivers blk-read blk-write blk-flush blk-serial blk-discard blk-ro blk-full net-ping net-tcp console rng kick-no-exit"
MiB=1048576
# load_tun (its result lines are this script's own, defined below).
. "$(dirname "$0")/../lib/common.sh"

skip_all()
{
	for c in $CHECKS; do
		echo "SKIPPED virtio/$c: $1"
	done
	exit 0
}

if [ -z "${VIRTIO_IN_NETNS:-}" ]; then
	[ -x "$IMSVM" ] || skip_all "$IMSVM not built"
	[ -r "$KERNEL" ] || skip_all "$KERNEL missing (tests/linux/prepare.sh)"
	[ -r "$INITRD" ] || skip_all "$INITRD missing (tests/virtio/prepare.sh)"
	[ -c /dev/kvm ] || skip_all "no /dev/kvm"
	load_tun || skip_all "no /dev/net/tun"
	command -v unshare >/dev/null || skip_all "no unshare (network namespace)"
	VIRTIO_IN_NETNS=1 exec unshare -n -m sh "$0" "$@"
	skip_all "unshare -n -m failed"
fi

# ---- inside our own network namespace --------------------------------------
failed=0
tmp=${TMPDIR:-/tmp}/imsvm-virtio.$$
mkdir -p "$tmp" || exit 1
log=$tmp/console.log
pass() { echo "PASS virtio/$1"; }
fail()
{
	echo "FAIL virtio/$1: $2"
	failed=1
}
value()
{
	sed -n "s/^.*VIRTIO-GUEST: $1 //p" "$log" | tr -d '\r' | head -n 1
}
md5() { md5sum | cut -d' ' -f1; }
# region FILE OFF_MIB LEN_MIB: md5 of that part of FILE.
region() { dd if="$1" bs=$MiB skip="$2" count="$3" 2>/dev/null | md5; }
alive() { kill -0 "$pid" 2>/dev/null; }
# wait_line KEY: until the guest printed KEY (or imsvm ended).
wait_line()
{
	while ! grep -q "VIRTIO-GUEST: $1" "$log" 2>/dev/null; do
		alive || return 1
		sleep 0.2
	done
}

ip link set lo up

# Disk: 4 MiB of host data, 4 MiB the guest writes, 4 MiB to discard.
dd if=/dev/urandom of="$tmp/disk.img" bs=$MiB count=12 2>/dev/null
host_md5=$(region "$tmp/disk.img" 0 4)
dd if=/dev/urandom of="$tmp/ro.img" bs=$MiB count=1 2>/dev/null
ro_md5=$(md5 <"$tmp/ro.img")
zero_md5=$(dd if=/dev/zero bs=$MiB count=1 2>/dev/null | md5)
dd if=/dev/urandom of="$tmp/tcp.in" bs=$MiB count=1 2>/dev/null
tcp_in_md5=$(md5 <"$tmp/tcp.in")
token="hvc-token-$$-$(date +%s)"
# The full disk: an 8 MiB sparse image on a 5 MiB tmpfs that a 4 MiB filler
# leaves 1 MiB free (in our own mount namespace: gone when we are); without
# the filler the guest's 4 MiB fit.
mkdir -p "$tmp/full"
full_fs=no
if mount -t tmpfs -o size=5m virtio-full "$tmp/full" 2>/dev/null; then
	full_fs=yes
	dd if=/dev/zero of="$tmp/full/filler" bs=$MiB count=4 2>/dev/null
fi
dd if=/dev/zero of="$tmp/full/full.img" bs=$MiB count=0 seek=8 2>/dev/null

mkfifo "$tmp/in"
exec 3<>"$tmp/in"

echo "virtio: imsvm run $KERNEL --console virtio --disk ... --net tap --rng"
"$IMSVM" run "$KERNEL" --initrd "$INITRD" --mem 512 --cpus 2 \
	--cmdline "console=ttyS0 quiet panic=-1" --timeout "$TIMEOUT" \
	--console virtio --rng \
	--disk "$tmp/disk.img,serial=vtdisk1" --disk "$tmp/ro.img,ro" \
	--disk "$tmp/full/full.img,serial=vtfull" \
	--net tap,ifname=vtap0,mac=52:54:00:aa:bb:cc \
	<"$tmp/in" >"$log" 2>&1 &
pid=$!
# Show the console as it comes (keeps the harness watchdog fed).
tail -f "$log" 2>/dev/null | sed 's/^/  | /' &
tailpid=$!

n=0
while [ ! -e /sys/class/net/vtap0 ] && [ $n -lt 300 ] && alive; do
	sleep 0.1
	n=$((n + 1))
done
ip addr add 10.77.0.1/24 dev vtap0 2>/dev/null
ip link set vtap0 up 2>/dev/null
# busybox nc ends when its stdin does: give it one that stays open.
mkfifo "$tmp/hold"
exec 4<>"$tmp/hold"
nc -l -p 5555 <"$tmp/hold" >"$tmp/tcp.out" &
ncpid=$!

if wait_line hvc-ready; then
	echo "$token" >&3
fi
flushed_md5=
if wait_line blk-flushed; then
	flushed_md5=$(region "$tmp/disk.img" 4 4)
	echo checked >&3
fi
full_md5_before=
if wait_line blk-full-wait; then
	full_md5_before=$(region "$tmp/full/full.img" 0 4)
	rm -f "$tmp/full/filler"
	echo freed >&3
fi
if wait_line net-rx-listening; then
	n=0
	while [ $n -lt 10 ]; do
		nc 10.77.0.2 6666 <"$tmp/tcp.in" && break
		n=$((n + 1))
		sleep 1
	done
fi
wait $pid
status=$?
sleep 1
kill $tailpid 2>/dev/null
kill $ncpid 2>/dev/null
exec 4>&-
exec 3>&-

# ---- checks -------------------------------------------------------------
if ! grep -q 'VIRTIO-GUEST: init-running' "$log"; then
	fail drivers "/init never reported (imsvm status $status)"
fi
bound=$(grep -c 'VIRTIO-GUEST: virtio-dev .* virtio_' "$log")
for id in 0x0001 0x0002 0x0003 0x0004; do
	grep -q "VIRTIO-GUEST: virtio-dev $id virtio_" "$log" || bound="$bound, device $id unbound"
done
if [ "$bound" = 6 ]; then
	pass drivers
else
	fail drivers "bound: $bound (want 6: net, 3 blk, console, rng)"
fi

got=$(value blk-host-md5)
if [ "$got" = "$host_md5" ]; then pass blk-read
else fail blk-read "guest read md5 '$got', host wrote $host_md5"; fi

guest_md5=$(value blk-guest-md5)
final_md5=$(region "$tmp/disk.img" 4 4)
readback=$(value blk-readback-md5)
if [ -n "$guest_md5" ] && [ "$flushed_md5" = "$guest_md5" ] && [ "$final_md5" = "$guest_md5" ] &&
   [ "$readback" = "$guest_md5" ] && [ "$(value blk-write-status)" = 0 ]; then
	pass blk-write
else
	fail blk-write "guest wrote '$guest_md5'; host saw '$flushed_md5' after the flush, '$final_md5' at exit; guest read back '$readback'"
fi

flushes=$(sed -n 's/.*virtio-blk0: .* \([0-9]*\) flushes.*/\1/p' "$log" | head -n 1)
if [ "$(value blk-write-cache)" = "write back" ] && [ -n "$flushes" ] && [ "$flushes" -gt 0 ]; then
	pass blk-flush
else
	fail blk-flush "write_cache '$(value blk-write-cache)', flushes seen '${flushes}'"
fi

if [ "$(value blk-serial)" = vtdisk1 ]; then pass blk-serial
else fail blk-serial "serial '$(value blk-serial)', want vtdisk1"; fi

disc=$(region "$tmp/disk.img" 8 1)
if [ "$(value blk-discard-status)" = 0 ] && [ "$disc" = "$zero_md5" ]; then
	pass blk-discard
else
	fail blk-discard "blkdiscard status '$(value blk-discard-status)', range md5 $disc (zeros: $zero_md5)"
fi

refused=$(sed -n 's/.*virtio-blk1: .* \([0-9]*\) read-only refusals.*/\1/p' "$log" | head -n 1)
if [ "$(value blk-ro-flag)" = 1 ] && [ "$(value blk-ro-md5)" = "$ro_md5" ] &&
   [ "$(value blk-ro-write-status)" != 0 ] && [ "$(value blk-ro-forced-write-status)" != 0 ] &&
   [ "$(md5 <"$tmp/ro.img")" = "$ro_md5" ] && [ "$refused" = 0 ]; then
	pass blk-ro
else
	fail blk-ro "ro flag '$(value blk-ro-flag)', read md5 ok: $([ "$(value blk-ro-md5)" = "$ro_md5" ] && echo yes || echo no), write status '$(value blk-ro-write-status)', forced '$(value blk-ro-forced-write-status)', device refusals '$refused' (want 0: Linux must not send any), image unchanged: $([ "$(md5 <"$tmp/ro.img")" = "$ro_md5" ] && echo yes || echo no)"
fi

# The disk's exit line: "N errors (M from the image file, K of them no space)".
full_counts=$(sed -n 's/.*virtio-blk2: .* \([0-9]*\) errors (\([0-9]*\) from the image file, \([0-9]*\) of them no space).*/\1 \2 \3/p' "$log" | head -n 1)
full_final=$(region "$tmp/full/full.img" 0 4)
full_errs=${full_counts%% *}
if [ "$full_fs" != yes ]; then
	fail blk-full "cannot mount a tmpfs for the full disk"
elif [ "$(value blk-full-serial)" = vtfull ] && [ "$(value blk-full-write-status)" != 0 ] &&
     [ "$(value blk-full-dmesg-errors)" -gt 0 ] 2>/dev/null &&
     [ "$(value blk-full-read-status)" = 0 ] && [ -n "$full_errs" ] && [ "$full_errs" -gt 0 ] &&
     [ "$full_counts" = "$full_errs $full_errs $full_errs" ] &&
     [ -n "$full_md5_before" ] && [ "$full_md5_before" != "$guest_md5" ] &&
     [ "$(value blk-full-rewrite-status)" = 0 ] &&
     [ "$(value blk-full-readback-md5)" = "$guest_md5" ] && [ "$full_final" = "$guest_md5" ] &&
     grep -q 'VIRTIO-GUEST: done' "$log"; then
	pass blk-full
else
	fail blk-full "serial '$(value blk-full-serial)', first write status '$(value blk-full-write-status)' (want non-zero), guest I/O error lines '$(value blk-full-dmesg-errors)', read status '$(value blk-full-read-status)', imsvm errors/from the file/no space '$full_counts', image md5 while full '$full_md5_before', rewrite status '$(value blk-full-rewrite-status)', read back '$(value blk-full-readback-md5)', image '$full_final' (guest data $guest_md5), guest done: $(grep -c 'VIRTIO-GUEST: done' "$log")"
fi
grep 'VIRTIO-GUEST: blk-full-dmesg ' "$log" | head -n 2 | sed 's/^.*VIRTIO-GUEST: blk-full-dmesg /virtio: guest kernel: /'
grep -m 1 'virtio-blk2: write of' "$log" | sed 's/^/virtio: /'

ping_line=$(value net-ping)
case "$ping_line" in
*" 3 packets received"*) pass net-ping ;;
*) fail net-ping "first ping: '$(value net-ping-first)', then: '$ping_line'" ;;
esac

tx_md5=$(value net-tx-md5)
out_md5=$(md5 <"$tmp/tcp.out" 2>/dev/null)
rx=$(value net-rx-md5)
if [ -n "$tx_md5" ] && [ "$out_md5" = "$tx_md5" ] && [ "$rx" = "$tcp_in_md5 $MiB" ]; then
	pass net-tcp
else
	fail net-tcp "guest sent '$tx_md5', host got '$out_md5' ($(wc -c <"$tmp/tcp.out") bytes); host sent $tcp_in_md5, guest got '$rx'"
fi

if grep -q 'VIRTIO-GUEST: hvc-ready' "$log" && [ "$(value hvc-echo)" = "$token" ]; then
	pass console
else
	fail console "hvc-ready seen: $(grep -c 'VIRTIO-GUEST: hvc-ready' "$log"), echo '$(value hvc-echo)', want '$token'"
fi

case "$(value rng-current)" in
virtio_rng*)
	if [ "$(value rng-bytes)" = 256 ] && [ "$(value rng-differ)" = yes ]; then
		pass rng
	else
		fail rng "bytes '$(value rng-bytes)', two reads differ: '$(value rng-differ)'"
	fi ;;
*) fail rng "rng_current '$(value rng-current)'" ;;
esac

kicks=$(sed -n 's/.*virtio-blk0: .* \([0-9]*\) kicks, \([0-9]*\) of them by MMIO exit.*/\1 \2/p' "$log" | head -n 1)
case "$kicks" in
"0 "*|"") fail kick-no-exit "no kicks counted ('$kicks')" ;;
*" 0") pass kick-no-exit ;;
*) fail kick-no-exit "kicks, of them by MMIO exit: $kicks" ;;
esac

if [ $status -ne 0 ] || ! grep -q 'VIRTIO-GUEST: done' "$log"; then
	echo "virtio: imsvm exit status $status (guest done: $(grep -c 'VIRTIO-GUEST: done' "$log")); its messages and the last console lines:"
	grep 'imsvm: ' "$log" | grep -v 'imsvm: info' | head -n 20 | sed 's/^/  ! /'
	tail -n 15 "$log" | sed 's/^/  ! /'
fi
umount "$tmp/full" 2>/dev/null
rm -rf "$tmp"
exit $failed
