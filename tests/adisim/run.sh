#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Integration tests of imsvm-adisim over real sockets (no KVM needed).
# Prints one line per test: "PASS name", "FAIL name: why", "SKIPPED name: why".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Usage: tests/adisim/run.sh [BUILD_DIR]   (default: build; binaries from `make`)

O=${1:-${O:-build}}
SIM=$O/imsvm-adisim
CLIENT=$O/tests/adisim/adisim-client
. "$(dirname "$0")/../lib/common.sh"

require_files -x adisim "$SIM" "$CLIENT"
# SIGTERM at exit: the simulators end cleanly on it.
scratch_dir adisim TERM

# Wait for pid to exit, at most ~10 s; its status in $status (124 on timeout).
wait_exit() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		status=124
	else
		wait "$1"
		status=$?
	fi
}

# Run one client case (or all with no name) and relay its lines; 1 on failure.
client() {
	timeout 120 "$CLIENT" "$@" > "$TMP/client.out" 2>&1
	rc=$?
	cat "$TMP/client.out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$TMP/client.out"; then
		echo "FAIL client $*: exit status $rc"
	fi
	[ $rc -eq 0 ] || failed=1
}

# ---- command line -------------------------------------------------------
bad_option() {
	name=$1; shift
	"$SIM" "$@" > "$TMP/opt.out" 2>&1
	rc=$?
	if [ $rc -ne 2 ] || [ "$(wc -l < "$TMP/opt.out")" -ne 1 ]; then
		fail "bad_option_$name" "exit $rc, $(wc -l < "$TMP/opt.out") lines (want 2, one line)"
	else
		pass "bad_option_$name"
	fi
}
bad_option unknown --bogus
bad_option adis_without_dir --socket-path="$TMP/x" --adis 2
bad_option ims_entries_range --socket-dir "$TMP/d" --ims-entries 40000
bad_option storm_syntax --socket-path="$TMP/x" --storm 9
bad_option storm_index --socket-path="$TMP/x" --storm 5000:10 --ims-entries 64
bad_option no_socket
bad_option two_sockets --socket-path="$TMP/x" --socket-dir "$TMP/d"
bad_option extra_argument --socket-path="$TMP/x" extra
if "$SIM" --help | grep -q -- '--socket-dir'; then pass help; else fail help "no usage text"; fi

# ---- the main suite: two ADIs in one process ----------------------------
"$SIM" --adis 2 --socket-dir "$TMP/s" --ims-entries 2048 --stats-json "$TMP/stats.json" \
	2> "$TMP/sim.log" &
sim=$!
pids="$sim"
if wait_path "$TMP/s/adi1.sock" -S; then
	client --socket0 "$TMP/s/adi0.sock" --socket1 "$TMP/s/adi1.sock"
	kill -USR1 $sim
	sleep 0.2
	if grep -q 'adi0: raised=' "$TMP/sim.log"; then pass sigusr1_prints_counters
	else fail sigusr1_prints_counters "no counter line on stderr"; fi
	kill -TERM $sim
	wait_exit $sim
	if [ $status -eq 0 ]; then pass sigterm_clean_exit
	else fail sigterm_clean_exit "exit status $status"; fi
	if [ ! -e "$TMP/s/adi0.sock" ]; then pass socket_removed_at_exit
	else fail socket_removed_at_exit "$TMP/s/adi0.sock left behind"; fi
	client --check-stats "$TMP/stats.json"
else
	fail adisim_start "simulator did not create its sockets: $(tail -3 "$TMP/sim.log")"
fi

# ---- fault injection and options, one simulator each --------------------
# run_x NAME EXPECTED_EXIT SIM_ARGS...: start a simulator, run xcase NAME against it.
run_x() {
	name=$1; want=$2; shift 2
	sock="$TMP/$name.sock"
	if ! start_sim "$name" "$@"; then
		fail "$name" "simulator did not start: $(tail -1 "$TMP/$name.simlog")"
		return
	fi
	p=$sim_pid
	client --socket0 "$sock" --only "$name"
	[ "$want" = running ] && kill -TERM $p
	wait_exit $p
	if [ "$want" = running ]; then want=0; fi
	if [ $status -ne "$want" ]; then
		fail "${name}_exit_status" "simulator exited $status, want $want"
	else
		pass "${name}_exit_status"
	fi
}

run_x die_on_doorbell 1 --die-on-doorbell
run_x fail_after_2_die 1 --fail-after 2
run_x fail_after_3_error running --fail-after 3 --fail-mode error
run_x storm_option running --storm 7:2000 --ims-entries 32768

# --fd with a connected socket (one session, exit 0 at EOF).
client --fd-sim "$SIM"

exit $failed
