#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault: a disk image on a full file system. A sparse image on a 1 MiB tmpfs
# that a filler file leaves FREE_PAGES pages free; the virtio_blk_full guest
# (tests/guest/x86/virtio_blk_full.c) writes 32 KiB chunks until the device
# answers IOERR, sends 64 more writes into new space, checks what it wrote,
# flushes, and tells us on the serial port; we check imsvm, delete the
# filler, and the guest writes again. Tests, one line each:
#   disk-full-guest    every check of the guest passed (IOERR at the page the
#                      file system ran out, the device answered reads, flush and
#                      GET_ID throughout, earlier data intact, writes work once
#                      space is back) and imsvm exited 0: it kept running
#   disk-full-partial  the write that filled the file system was a short write
#                      (a part of the chunk fits): the device ran it to ENOSPC
#                      and the part that fitted is there, in whole sectors
#   disk-full-counted  `imsvm stat` and the disk's exit line count exactly the
#                      IOERR statuses the guest saw, all as no-space errors
#   disk-full-log      one warning per failure naming ENOSPC, rate-limited
#                      (at most 10 lines for the whole burst)
#   disk-full-leak     imsvm holds the same fds (by kind) and threads after
#                      the error burst as before it, RSS within 2 MiB (io_uring
#                      worker threads, iou-wrk-*, come and go and are not counted)
#
# Needs root (mount), /dev/kvm; runs on the host or in the emulated machine
# (busybox sh). A tmpfs is mounted in a mount namespace of its own when
# unshare(1) can make one, else on a scratch directory, unmounted at exit.
#
# Usage: tests/faults/disk-full.sh [BUILD_DIR]   (default: build)
cd "$(dirname "$0")/../.." || exit 1
O=${1:-${O:-build}}
IMSVM=${IMSVM:-$O/imsvm}
GUEST=$O/tests/guest/x86/virtio_blk_full.elf
TESTS="disk-full-guest disk-full-partial disk-full-counted disk-full-log disk-full-leak"
FREE_PAGES=60		# 7 chunks and half of the 8th
. tests/lib/common.sh
. tests/lib/proc.sh

skip_all() {
	for t in $TESTS; do skip "$t" "$1"; done
	exit 0
}

for f in "$IMSVM" "$GUEST"; do
	[ -e "$f" ] || skip_all "$f not built (make)"
done
skip_without_kvm "$TESTS"
[ "$(id -u)" = 0 ] || skip_all "needs root to mount a small tmpfs"

# A private mount namespace: nothing is left mounted if we are killed.
if [ -z "${DISKFULL_IN_NS:-}" ] && command -v unshare >/dev/null &&
   unshare -m true 2>/dev/null; then
	DISKFULL_IN_NS=1 exec unshare -m sh "$0" "$@"
fi

scratch_dir disk-full
FS=$TMP/fs
mkdir -p "$FS"
mounted=
cleanup_fs() {
	[ -n "$mounted" ] && umount "$FS" 2>/dev/null
	cleanup
}
trap cleanup_fs EXIT INT TERM
if ! mount -t tmpfs -o size=1m,nr_inodes=16 disk-full "$FS" 2>"$TMP/mount.err"; then
	skip_all "cannot mount a tmpfs: $(head -n 1 "$TMP/mount.err")"
fi
mounted=1

# A 16 MiB sparse image, and a filler taking all but FREE_PAGES pages.
img=$FS/disk.img
dd if=/dev/zero of="$img" bs=1048576 count=0 seek=16 2>/dev/null
dd if=/dev/zero of="$FS/filler" bs=4096 2>/dev/null
pages=$(($(wc -c <"$FS/filler") / 4096))
dd if=/dev/zero of="$FS/filler" bs=4096 seek=$((pages - FREE_PAGES)) count=0 2>/dev/null
free_kib=$(df -k "$FS" | awk 'NR == 2 { print $4 }')
if [ "$free_kib" != $((FREE_PAGES * 4)) ]; then
	skip_all "the tmpfs has $free_kib KiB free after the filler, not $((FREE_PAGES * 4))"
fi

log=$TMP/vm.log
ctl=$TMP/ctl.sock
mkfifo "$TMP/in"
exec 3<>"$TMP/in"
"$IMSVM" run "$GUEST" --disk "$img,serial=blkfull" --control-socket "$ctl" \
	--timeout 300 <"$TMP/in" >"$log" 2>&1 &
pid=$!
pids="$pids $pid"

# snapshot: proc_snapshot, io_uring's workers left out of the thread count
# (the kernel starts them for buffered writes and ends them when idle).
snapshot() {
	s=$(proc_snapshot "$pid") || return 1
	n=0
	for t in /proc/"$pid"/task/*; do
		case "$(cat "$t/comm" 2>/dev/null)" in iou-wrk-*) ;; *) n=$((n + 1)) ;; esac
	done
	echo "threads=$n ${s#* }"
}
# disk_stat KEY: the disk's counter KEY from `imsvm stat --json`.
disk_stat() {
	"$IMSVM" stat "$ctl" --json 2>/dev/null |
		sed -n '/"disks"/,$ s/^ *"'"$1"'": *\([0-9]*\).*/\1/p' | head -n 1
}
# exit_count WORDS: the number before WORDS in the disk's exit line.
exit_count() {
	grep 'virtio-blk0: .* reads' "$log" | sed -n "s/.*[ (]\([0-9]*\) $1.*/\1/p" | head -n 1
}
alive() { kill -0 "$pid" 2>/dev/null; }

if ! wait_log "$log" "BLKFULL: ready" 1200; then
	for t in $TESTS; do fail "$t" "the guest never said 'ready'"; done
	sed 's/^/  | /' "$log" | tail -n 20
	exit 1
fi
before=$(snapshot)
echo go >&3

seen_ioerr= stat_err= stat_io= stat_nospc= stat_short= leak=
if wait_log "$log" "BLKFULL: full" 1200 && alive; then
	seen_ioerr=$(sed -n 's/.*BLKFULL: full ioerr=\([0-9]*\).*/\1/p' "$log" | tr -d '\r')
	after=$(snapshot)
	leak=$(proc_compare "$before" "$after" 2048) || leak="after the error burst: $leak"
	[ -n "$after" ] || leak="imsvm gone after the burst"
	stat_err=$(disk_stat errors)
	stat_io=$(disk_stat io_errors)
	stat_nospc=$(disk_stat no_space)
	stat_short=$(disk_stat short_transfers)
else
	leak="the guest never said 'full' (imsvm alive: $(alive && echo yes || echo no))"
fi
rm -f "$FS/filler"
echo go >&3

i=0
while alive && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
if alive; then
	kill -KILL "$pid"
	echo "disk-full: imsvm still running 300 s after it started: killed"
fi
wait "$pid"
status=$?
clean_log=$(tr -d '\r' <"$log")

# ---- checks -------------------------------------------------------------
if [ $status = 0 ] && echo "$clean_log" | grep -q '^EXIT: STATUS=0$' &&
   ! echo "$clean_log" | grep -q '^FAIL'; then
	pass disk-full-guest
else
	fail disk-full-guest "imsvm status $status; $(echo "$clean_log" |
		grep -m 3 -E '^FAIL|imsvm: (error|fatal)' | tr '\n' ';')"
fi

# FREE_PAGES pages: FREE_PAGES / 8 whole chunks, then 8 sectors per page left.
want_partial=$((FREE_PAGES % 8 * 8))
partial=$(echo "$clean_log" | sed -n 's/^BLKFULL: partial-sectors //p')
if [ "$partial" = "$want_partial" ] && [ "${stat_short:-0}" -ge 1 ] &&
   echo "$clean_log" | grep -q "a write fails with IOERR.*(chunk $((FREE_PAGES / 8)),"; then
	pass disk-full-partial
else
	fail disk-full-partial "sectors of the chunk that filled the disk: '$partial' (want $want_partial), short transfers continued: '$stat_short', $(echo "$clean_log" | grep -m1 'a write fails with IOERR')"
fi

done_ioerr=$(echo "$clean_log" | sed -n 's/^BLKFULL: done ioerr=//p')
x_err=$(exit_count errors)
x_io=$(exit_count 'from the image file')
x_nospc=$(exit_count 'of them no space')
if [ -n "$seen_ioerr" ] && [ "$seen_ioerr" -gt 1 ] && [ "$stat_err" = "$seen_ioerr" ] &&
   [ "$stat_io" = "$seen_ioerr" ] && [ "$stat_nospc" = "$seen_ioerr" ] &&
   [ "$x_err" = "$done_ioerr" ] && [ "$x_io" = "$done_ioerr" ] && [ "$x_nospc" = "$done_ioerr" ]; then
	pass disk-full-counted
else
	fail disk-full-counted "guest saw '$seen_ioerr' IOERR when full, stat errors/io_errors/no_space '$stat_err/$stat_io/$stat_nospc'; guest saw '$done_ioerr' in all, exit line '$x_err/$x_io/$x_nospc'"
fi

lines=$(echo "$clean_log" | grep -c 'virtio-blk0: write of .*No space left on device')
if [ "$lines" -ge 1 ] && [ "$lines" -le 10 ] && [ -n "$done_ioerr" ] && [ "$done_ioerr" -gt 10 ]; then
	pass disk-full-log
else
	fail disk-full-log "$lines ENOSPC lines for '$done_ioerr' errors (want 1..10)"
fi

if [ -z "$leak" ]; then
	pass disk-full-leak
else
	fail disk-full-leak "$leak"
fi

if [ $failed != 0 ]; then
	echo "disk-full: the console (last 25 lines):"
	echo "$clean_log" | tail -n 25 | sed 's/^/  | /'
fi
exit $failed
