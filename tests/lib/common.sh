# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers shared by the integration test scripts (tests/*/run.sh). Sourced,
# not run; POSIX sh and busybox only, as the scripts themselves.
#
#   . "$(dirname "$0")/../lib/common.sh"
#
# Gives: the result lines (pass, fail, skip; fail sets $failed), a check for
# the built files, skipping a whole suite without /dev/kvm, a scratch
# directory $TMP whose processes ($pids) are killed at exit, and waits for a
# path, a socket, a log line and a started ADI simulator ($SIM).

failed=0
pids=""

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
skip() { echo "SKIPPED $1: $2"; }

# require_files [-x] SUITE FILE...: exit 1 unless every FILE is a regular
# file (with -x: an executable one).
require_files() {
	op=-f
	if [ "$1" = -x ]; then op=-x; shift; fi
	suite=$1
	shift
	for f in "$@"; do
		if [ ! -f "$f" ] || [ ! "$op" "$f" ]; then
			echo "FAIL $suite: $f missing (run make)"
			exit 1
		fi
	done
}

# skip_without_kvm TESTS: without a usable /dev/kvm, SKIPPED for each test
# of the list and exit with $failed.
skip_without_kvm() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] && return 0
	for t in $1; do
		skip "$t" "no /dev/kvm on this machine (make check runs these in the emulated machine)"
	done
	exit $failed
}

# scratch_dir NAME [SIGNAL]: $TMP, a fresh /tmp/NAME-test.XXXXXX; at exit
# every pid in $pids gets SIGNAL (default KILL) and $TMP is removed.
scratch_dir() {
	TMP=$(mktemp -d "/tmp/$1-test.XXXXXX") || exit 1
	cleanup_signal=${2:-KILL}
	trap cleanup EXIT INT TERM
}
cleanup() {
	for p in $pids; do kill -"$cleanup_signal" "$p" 2>/dev/null; done
	rm -rf "$TMP"
}

# wait_path PATH [TEST]: until `test TEST PATH` holds (default -e: it
# exists), at most ~5 s; 0 if it does.
wait_path() {
	i=0
	while ! test "${2:--e}" "$1" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	test "${2:--e}" "$1"
}

# wait_log FILE TEXT TENTHS: until FILE contains TEXT, at most ~TENTHS/10 s.
wait_log() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt "$3" ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}

# start_sim NAME ARGS...: the ADI simulator $SIM with its socket at
# $TMP/NAME.sock, output in $TMP/NAME.simlog; its pid in $sim_pid and in
# $pids. 0 once the socket listens, 1 if it did not come.
start_sim() {
	name=$1
	shift
	"$SIM" --socket-path="$TMP/$name.sock" "$@" >"$TMP/$name.simlog" 2>&1 &
	sim_pid=$!
	pids="$pids $sim_pid"
	wait_path "$TMP/$name.sock" -S
}

# load_tun: /dev/net/tun, loading the tun module the emulated machine
# carries (build/tests/virtio/host/tun.ko, tests/virtio/prepare.sh) when
# the kernel has none yet; waits ~5 s for the node. 0 if it is there.
load_tun() {
	if [ ! -c /dev/net/tun ] && [ -r build/tests/virtio/host/tun.ko ]; then
		insmod build/tests/virtio/host/tun.ko 2>/dev/null
		n=0
		while [ ! -c /dev/net/tun ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	fi
	[ -c /dev/net/tun ]
}
