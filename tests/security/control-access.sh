#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Security suite, part 3: the control socket refuses other users. The main
# proof is control-permission in tests/control/run.sh (the socket is 0600;
# with the directories opened and the socket made 0666 by hand, the peer
# credentials still refuse uid 65534); not repeated here. This part covers
# the directory the socket lives in (IMSVM_CONTROL_DIR):
#
#   sec-control-dir-writable  a directory of ours that others may write and
#                             that is not sticky (0777, 0770) is refused:
#                             another user could unlink the socket and plant
#                             their own for the operator's CLI. imsvm runs
#                             on without a socket and says why.
#   sec-control-dir-ok        0700 and sticky 1777 (as /tmp) are used, and
#                             through the 1777 one uid 65534 still cannot
#                             connect (as root only).
#   sec-control-client-peer   the CLI refuses a socket that another user
#                             serves (it could answer anything: a planted
#                             socket, a --control-socket path of theirs):
#                             status 1 and one line naming the uid (as root,
#                             with setpriv; a listener of uid 65534).
#
# Usage: tests/security/control-access.sh [BUILD_DIR]   (default: build)
# POSIX sh and busybox only. Needs /dev/kvm (SKIPPED without).

O=${1:-${O:-build}}
IMSVM=$O/imsvm
IDLE=$O/tests/guest/x86/idle.elf
CLIENT=$O/tests/control/ctlclient
. "$(dirname "$0")/../lib/common.sh"

SIM=$O/imsvm-adisim
require_files -x control-access "$IMSVM"
require_files control-access "$IDLE"
skip_without_kvm "sec-control-dir-writable sec-control-dir-ok"
scratch_dir sec-ctl
chmod 0711 "$TMP"

# start_idle DIR NAME: the idle guest with its control directory DIR; waits
# for it to run. $vm_pid.
start_idle() {
	IMSVM_CONTROL_DIR=$1 "$IMSVM" run --name "$2" --timeout 60 --mem 64 "$IDLE" \
		</dev/null >"$TMP/$2.log" 2>&1 &
	vm_pid=$!
	pids="$pids $vm_pid"
	wait_log "$TMP/$2.log" "idle: ready" 300
}

stop_idle() {
	kill -TERM "$vm_pid" 2>/dev/null
	wait "$vm_pid" 2>/dev/null
}

why=""
for mode in 0777 0770; do
	d=$TMP/w$mode
	mkdir "$d" && chmod $mode "$d"
	if ! start_idle "$d" "w$mode"; then
		why="$why [$mode: the VM did not run: $(head -c 200 "$TMP/w$mode.log")]"
	elif [ -e "$d/w$mode.sock" ]; then
		why="$why [$mode: socket created in a directory others may write]"
	elif ! grep -aq "mode $mode lets other users replace the socket" "$TMP/w$mode.log" ||
	     ! grep -aq "no control socket for 'w$mode'" "$TMP/w$mode.log"; then
		why="$why [$mode: no line saying why]"
	fi
	stop_idle
done
if [ -z "$why" ]; then pass sec-control-dir-writable; else fail sec-control-dir-writable "$why"; fi

why=""
for mode in 0700 1777; do
	d=$TMP/ok$mode
	mkdir "$d" && chmod $mode "$d"
	if ! start_idle "$d" "ok$mode"; then
		why="$why [$mode: the VM did not run]"
	elif ! wait_path "$d/ok$mode.sock" -S; then
		why="$why [$mode: no socket: $(grep -a -m1 'control' "$TMP/ok$mode.log")]"
	elif ! "$IMSVM" stat "$d/ok$mode.sock" >/dev/null 2>&1; then
		why="$why [$mode: the owner cannot use the socket]"
	elif [ "$mode" = 1777 ] && [ "$(id -u)" = 0 ] && [ -x "$CLIENT" ]; then
		# Another user reaches the socket file through the sticky directory.
		out=$("$CLIENT" "$d/ok$mode.sock" asuser 65534 '{"command":"info"}' 2>&1)
		if echo "$out" | grep -q '"result"'; then
			why="$why [1777: uid 65534 got an answer: $out]"
		fi
	fi
	stop_idle
done
if [ -z "$why" ]; then pass sec-control-dir-ok; else fail sec-control-dir-ok "$why"; fi

# A socket of another user where the CLI looks: any listener will do (the
# ADI simulator's socket): the CLI must refuse it before sending a byte.
# util-linux's setpriv: busybox has an applet of that name without --reuid.
SETPRIV=/usr/bin/setpriv
if [ "$(id -u)" != 0 ] || [ ! -x "$SETPRIV" ] || [ ! -x "$SIM" ]; then
	skip sec-control-client-peer "needs root, $SETPRIV (util-linux) and $SIM"
else
	mkdir "$TMP/other" && chmod 0777 "$TMP/other"
	"$SETPRIV" --reuid=65534 --regid=65534 --clear-groups \
		"$SIM" --socket-path="$TMP/other/vm.sock" >"$TMP/other.log" 2>&1 &
	pids="$pids $!"
	if ! wait_path "$TMP/other/vm.sock" -S; then
		fail sec-control-client-peer "the listener of uid 65534 did not start: $(head -c 200 "$TMP/other.log")"
	else
		out=$("$IMSVM" stat "$TMP/other/vm.sock" 2>&1)
		st=$?
		if [ "$st" = 1 ] && echo "$out" | grep -q 'is served by uid 65534, neither you nor root'; then
			pass sec-control-client-peer
		else
			fail sec-control-client-peer "status $st: $out"
		fi
	fi
fi

exit $failed
