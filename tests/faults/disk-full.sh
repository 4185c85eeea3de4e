#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault: a disk image on a full file system. The virtio_blk_full guest
# (tests/guest/x86/virtio_blk_full.c) writes 32 KiB chunks to a sparse image
# until the device answers IOERR, sends 64 more writes into new space, checks
# what it wrote, flushes, and tells us on the serial port; we check imsvm,
# make room, and the guest writes again. Two scenarios, the room left being
# FREE_PAGES pages (7 chunks and half of the 8th) in both:
#   disk-full-*   the image on a 1 MiB tmpfs that a filler file fills to the
#                 last FREE_PAGES pages (ENOSPC); room: the filler is deleted
#   disk-sync-*   the same with `--disk ...,aio=sync`: the synchronous engine
#                 (hosts without io_uring), where the disk's thread writes
#   disk-fsize-*  the image in the scratch directory, imsvm under a file size
#                 limit (prlimit --fsize, soft limit only: EFBIG); room: the
#                 limit is lifted.
#                 SKIPPED without prlimit(1) (util-linux)
# Tests of each, one line each:
#   *-guest    every check of the guest passed (IOERR where the room ran out,
#              the device answered reads, flush and GET_ID throughout, earlier
#              data intact, overwrites of written blocks work when full, writes
#              work once there is room) and imsvm exited 0: it kept running
#   *-partial  the write that filled the room was a short write: the device
#              asked for the rest, which failed, and the part that fitted is
#              there in whole sectors
#   *-counted  `imsvm stat` and the disk's exit line count exactly the IOERR
#              statuses the guest saw, as image-file errors (all of them "no
#              space" on the tmpfs, none at the size limit)
#   *-log      the failures are logged naming the errno, rate-limited (at most
#              10 lines for the whole burst)
#   *-leak     imsvm holds the same fds (by kind) and threads after the error
#              burst as before it, RSS within 2 MiB (io_uring's workers,
#              iou-wrk-*, come and go with the load and are not counted)
#
# Needs root (mount), /dev/kvm; runs on the host or in the emulated machine
# (busybox sh). The tmpfs is mounted in a mount namespace of its own when
# unshare(1) can make one, else on a scratch directory, unmounted at exit.
#
# Usage: tests/faults/disk-full.sh [BUILD_DIR]   (default: build)
cd "$(dirname "$0")/../.." || exit 1
O=${1:-${O:-build}}
IMSVM=${IMSVM:-$O/imsvm}
GUEST=$O/tests/guest/x86/virtio_blk_full.elf
KINDS="guest partial counted log leak"
FREE_PAGES=60
. tests/lib/common.sh
. tests/lib/proc.sh

# skip_all PREFIXES WHY
skip_all() {
	for p in $1; do
		for k in $KINDS; do skip "$p-$k" "$2"; done
	done
}

for f in "$IMSVM" "$GUEST"; do
	if [ ! -e "$f" ]; then
		skip_all "disk-full disk-sync disk-fsize" "$f not built (make)"
		exit 0
	fi
done
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	skip_all "disk-full disk-sync disk-fsize" "no /dev/kvm on this machine"
	exit 0
fi

# A private mount namespace: nothing is left mounted if we are killed.
if [ -z "${DISKFULL_IN_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
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

# snapshot: proc_snapshot of $pid, io_uring's workers left out of the thread
# count (the kernel starts them for buffered writes and ends them when idle).
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
# brief SNAPSHOT: "threads T, RSS R KiB, N fds"
brief() {
	echo "$1" | awk '{ n = 0; for (i = 3; i <= NF; i++) { sub(/.*:/, "", $i); n += $i }
		sub(/threads=/, "", $1); sub(/rss_kib=/, "", $2)
		printf "threads %s, RSS %s KiB, %d fds", $1, $2, n }'
}
# wait_guest TEXT: until the console has TEXT, at most ~120 s, while imsvm lives.
wait_guest() {
	i=0
	while ! grep -q "$1" "$log" 2>/dev/null && alive && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "$1" "$log" 2>/dev/null && alive
}

# scenario N IMG FREE LIMIT NOSPACE ERRTEXT: the guest on IMG (a --disk
# spec: the image and maybe ,aio=sync), tests named
# N-*. FREE (shell code) makes room once the guest is full; LIMIT, if not
# empty, is the file size limit put on imsvm once its guest runs (its guest
# RAM is a memfd bigger than the limit); NOSPACE: the errors count as no
# space (all) or not (none); ERRTEXT: imsvm's words for the errno.
scenario() {
	N=$1 img=$2 FREE=$3 LIMIT=$4 NOSPACE=$5 ERRTEXT=$6
	failed_before=$failed
	failed=0
	log=$TMP/$N.log
	ctl=$TMP/$N.sock
	rm -f "$TMP/in"
	mkfifo "$TMP/in"
	exec 3<>"$TMP/in"
	"$IMSVM" run "$GUEST" --disk "$img,serial=blkfull" --control-socket "$ctl" \
		--timeout 300 <"$TMP/in" >"$log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	if ! wait_guest "BLKFULL: ready"; then
		for k in $KINDS; do fail "$N-$k" "the guest never said 'ready'"; done
		sed 's/^/  | /' "$log" | tail -n 20
		return
	fi
	# Now: imsvm's own files (the guest RAM memfd) are made.
	if [ -n "$LIMIT" ] && ! prlimit --pid "$pid" --fsize="$LIMIT:unlimited"; then
		for k in $KINDS; do fail "$N-$k" "prlimit --pid $pid --fsize=$LIMIT:unlimited failed"; done
		return
	fi
	before=$(snapshot)
	echo go >&3

	seen_ioerr= stat_err= stat_io= stat_nospc= stat_short= leak= after=
	if wait_guest "BLKFULL: full"; then
		seen_ioerr=$(sed -n 's/.*BLKFULL: full ioerr=\([0-9]*\).*/\1/p' "$log")
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
	eval "$FREE"
	echo go >&3

	i=0
	while alive && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
	if alive; then
		kill -KILL "$pid"
		echo "$N: imsvm still running 300 s after it started: killed"
	fi
	wait "$pid"
	status=$?
	exec 3>&-
	clean_log=$(tr -d '\r' <"$log")

	if [ $status = 0 ] && echo "$clean_log" | grep -q '^EXIT: STATUS=0$' &&
	   ! echo "$clean_log" | grep -q '^FAIL'; then
		pass "$N-guest"
	else
		fail "$N-guest" "imsvm status $status; $(echo "$clean_log" |
			grep -m 3 -E '^FAIL|imsvm: (error|fatal)' | tr '\n' ';')"
	fi

	# FREE_PAGES pages: FREE_PAGES / 8 whole chunks, then 8 sectors a page.
	want_partial=$((FREE_PAGES % 8 * 8))
	partial=$(echo "$clean_log" | sed -n 's/^BLKFULL: partial-sectors //p')
	if [ "$partial" = "$want_partial" ] && [ "${stat_short:-0}" -ge 1 ] &&
	   echo "$clean_log" | grep -q "a write fails with IOERR.*(chunk $((FREE_PAGES / 8)),"; then
		pass "$N-partial"
	else
		fail "$N-partial" "sectors of the chunk that filled the room: '$partial' (want $want_partial), short transfers continued: '$stat_short', $(echo "$clean_log" | grep -m1 'a write fails with IOERR')"
	fi

	done_ioerr=$(echo "$clean_log" | sed -n 's/^BLKFULL: done ioerr=//p')
	x_err=$(exit_count errors)
	x_io=$(exit_count 'from the image file')
	x_nospc=$(exit_count 'of them no space')
	want_nospc=$seen_ioerr want_x_nospc=$done_ioerr
	[ "$NOSPACE" = all ] || want_nospc=0 want_x_nospc=0
	if [ -n "$seen_ioerr" ] && [ "$seen_ioerr" -gt 1 ] && [ "$stat_err" = "$seen_ioerr" ] &&
	   [ "$stat_io" = "$seen_ioerr" ] && [ "$stat_nospc" = "$want_nospc" ] &&
	   [ "$x_err" = "$done_ioerr" ] && [ "$x_io" = "$done_ioerr" ] &&
	   [ "$x_nospc" = "$want_x_nospc" ]; then
		pass "$N-counted"
	else
		fail "$N-counted" "guest saw '$seen_ioerr' IOERR when full, stat errors/io_errors/no_space '$stat_err/$stat_io/$stat_nospc'; guest saw '$done_ioerr' in all, exit line '$x_err/$x_io/$x_nospc'"
	fi

	lines=$(echo "$clean_log" | grep -c "virtio-blk0: write of .*$ERRTEXT")
	if [ "$lines" -ge 1 ] && [ "$lines" -le 10 ] && [ -n "$done_ioerr" ] &&
	   [ "$done_ioerr" -gt 10 ]; then
		pass "$N-log"
	else
		fail "$N-log" "$lines '$ERRTEXT' lines for '$done_ioerr' errors (want 1..10)"
	fi

	echo "  $N: $done_ioerr IOERR ($seen_ioerr while full), $lines log lines; burst: $(brief "$before") -> $(brief "$after")"
	if [ -z "$leak" ]; then
		pass "$N-leak"
	else
		fail "$N-leak" "$leak"
	fi

	if [ $failed != 0 ]; then
		echo "$N: the console (last 25 lines):"
		echo "$clean_log" | tail -n 25 | sed 's/^/  | /'
	fi
	failed=$((failed | failed_before))
}

# fill_tmpfs: a fresh 16 MiB sparse image on the tmpfs, and a filler taking
# all but FREE_PAGES pages; 1 and $why when that cannot be.
fill_tmpfs() {
	rm -f "$FS/disk.img" "$FS/filler"
	dd if=/dev/zero of="$FS/disk.img" bs=1048576 count=0 seek=16 2>/dev/null
	dd if=/dev/zero of="$FS/filler" bs=4096 2>/dev/null
	pages=$(($(wc -c <"$FS/filler") / 4096))
	dd if=/dev/zero of="$FS/filler" bs=4096 seek=$((pages - FREE_PAGES)) count=0 2>/dev/null
	free_kib=$(df -k "$FS" | awk 'NR == 2 { print $4 }')
	why="the tmpfs has $free_kib KiB free after the filler, not $((FREE_PAGES * 4))"
	[ "$free_kib" = $((FREE_PAGES * 4)) ]
}

# ---- disk-full, disk-sync: a tmpfs with FREE_PAGES pages free ---------------
# disk-sync: the same with aio=sync, the engine of hosts without io_uring
# (the disk's own thread writes: the short write and ENOSPC meet it there).
if [ "$(id -u)" != 0 ]; then
	skip_all "disk-full disk-sync" "needs root to mount a small tmpfs"
elif ! mount -t tmpfs -o size=1m,nr_inodes=16 disk-full "$FS" 2>"$TMP/mount.err"; then
	skip_all "disk-full disk-sync" "cannot mount a tmpfs: $(head -n 1 "$TMP/mount.err")"
else
	mounted=1
	if fill_tmpfs; then
		scenario disk-full "$FS/disk.img" 'rm -f "$FS/filler"' "" all \
			"No space left on device"
	else
		skip_all disk-full "$why"
	fi
	if fill_tmpfs; then
		scenario disk-sync "$FS/disk.img,aio=sync" 'rm -f "$FS/filler"' "" all \
			"No space left on device"
	else
		skip_all disk-sync "$why"
	fi
fi

# ---- disk-fsize: the file size limit at FREE_PAGES pages --------------------
if ! command -v prlimit >/dev/null; then
	skip_all disk-fsize "no prlimit(1) (util-linux)"
else
	dd if=/dev/zero of="$TMP/disk.img" bs=1048576 count=0 seek=16 2>/dev/null
	scenario disk-fsize "$TMP/disk.img" 'prlimit --pid "$pid" --fsize=unlimited:unlimited' \
		$((FREE_PAGES * 4096)) none "File too large"
fi
exit $failed
