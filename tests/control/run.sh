#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Control socket integration tests (docs/control-api.md): real imsvm
# processes running the idle guest kernel (tests/guest/x86/idle.c), driven
# by the CLI (imsvm list/stat/ims/pause/resume/stop/assign/unassign) and by
# a raw socket client (build/tests/control/ctlclient) that sends malformed,
# oversized, pipelined, cut-off and flooding requests.
# Prints one line per test: "PASS name", "FAIL name: why", "SKIPPED name: why".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Usage: tests/control/run.sh [BUILD_DIR]   (default: build). V=1 shows logs.
# Needs /dev/kvm; without it every test is SKIPPED (make check runs this in
# the emulated machine). POSIX sh and busybox only.

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
CLIENT=$O/tests/control/ctlclient
IDLE=$O/tests/guest/x86/idle.elf
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/idle_vm.sh"

TESTS="control-socket control-list control-stat control-raw-errors control-oversized
control-pipeline control-many-clients control-slow-client control-disconnect
control-permission control-pause-resume control-stop control-stale control-name-clash
control-pause-timeout control-stopping-vm control-forced-stop control-stop-force control-socket-options
control-stat-pvic control-ims control-pause-pvic control-assign control-unassign
control-assign-errors control-assign-cycles"

require_files control "$IMSVM" "$CLIENT" "$IDLE"
skip_without_kvm "$TESTS"

scratch_dir control
export IMSVM_CONTROL_DIR="$TMP/run"
DIR=$IMSVM_CONTROL_DIR

# The VMs: idle_vm_start, say (tests/lib/idle_vm.sh). $vm_pid is imsvm's own
# pid, so `wait "$vm_pid"` gives its exit status.

# The imsvm process of VM NAME, from its `stat`.
imsvm_pid() {
	"$IMSVM" stat "$1" --json | tr -d ' ' | sed -n 's/^"pid":\([0-9]*\),$/\1/p' | head -n1
}

showlog() {
	[ -n "${V:-}" ] && cat "$TMP/$1.log"
}

# Sum of every vCPU's "exits" in a `stat --json`.
exits_total() {
	"$IMSVM" stat "$1" --json | tr -d ' ,' | grep '^"exits":[0-9]' | cut -d: -f2 |
		awk '{ s += $1 } END { print s + 0 }'
}

# ---- one VM, two vCPUs ----------------------------------------------------

if ! idle_vm_start c1 --cpus 2 --cmdline smp; then
	showlog c1
	for t in $TESTS; do fail "$t" "the idle guest did not come up: $(tail -n 3 "$TMP/c1.log" | tr '\n' ' ')"; done
	exit 1
fi

mode=$(stat -c %a "$DIR/c1.sock" 2>/dev/null)
if [ -S "$DIR/c1.sock" ] && [ "$mode" = 600 ]; then
	pass control-socket
else
	fail control-socket "no socket $DIR/c1.sock with mode 600 (mode '$mode')"
fi

pid=$(imsvm_pid c1)
out=$("$IMSVM" list 2>&1)
if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = imsvm ] &&
   echo "$out" | grep -Eq "^c1 +$pid +2 +128 MiB +running"; then
	pass control-list
else
	fail control-list "pid '$pid', list: $(echo "$out" | tr '\n' '|')"
fi

js=$("$IMSVM" stat c1 --json)
human=$("$IMSVM" stat c1)
if echo "$js" | grep -q '"guest_bytes": 134217728' &&
   [ "$(echo "$js" | grep -c '"id": [01],')" = 2 ] &&
   echo "$human" | grep -q '^vCPU' && echo "$human" | grep -q '^memory: guest 128 MiB'; then
	if echo "$js" | grep -q '"kvm_stats": true'; then
		if [ "$(exits_total c1)" -gt 0 ]; then
			pass control-stat
		else
			fail control-stat "KVM statistics say no exit at all"
		fi
	else
		pass control-stat
		echo "    (KVM binary statistics missing on this host: exits not checked)"
	fi
else
	fail control-stat "$(echo "$js" | head -n 20 | tr '\n' ' ')"
fi

out=$("$CLIENT" "$DIR/c1.sock" send \
	'{"id":1,"command":"version"}' \
	'not json' \
	'{"id":3,"command":"bogus"}' \
	'[1]' \
	'{"id":5,"command":"stat","arguments":{"x":1}}' \
	'{"id":6,"command":"info","protocol":7}' \
	'{"id":7,"command":"resume"}' \
	'{"id":8,"command":"info"}' 2>&1)
ok=1
for want in '"id":1,.*"result"' '"id":null,.*"parse-error"' '"id":3,.*"unknown-command"' \
	    '"invalid-request"' '"id":5,.*"invalid-argument"' '"id":6,.*"unsupported-protocol"' \
	    '"id":7,.*"invalid-state"' '"id":8,.*"result":{"name":"c1"'; do
	echo "$out" | grep -q "$want" || { ok=0; miss=$want; }
done
if [ $ok = 1 ] && [ "$(echo "$out" | wc -l)" = 8 ]; then
	pass control-raw-errors
else
	fail control-raw-errors "no reply matching $miss: $(echo "$out" | tr '\n' '|')"
fi

out=$("$CLIENT" "$DIR/c1.sock" big 200000 2>&1)
if echo "$out" | head -n1 | grep -q '"line-too-long"' &&
   echo "$out" | sed -n 2p | grep -q '"id":2,.*"result"'; then
	pass control-oversized
else
	fail control-oversized "$(echo "$out" | cut -c1-200 | tr '\n' '|')"
fi

out=$("$CLIENT" "$DIR/c1.sock" pipeline 300 2>&1)
if [ "$(echo "$out" | grep -c '"result"')" = 300 ] && echo "$out" | tail -n1 | grep -q '"id":299,'; then
	pass control-pipeline
else
	fail control-pipeline "$(echo "$out" | tail -n 2 | tr '\n' '|')"
fi

out=$("$CLIENT" "$DIR/c1.sock" many 40 2>&1)
# Past 64 clients at once, the next ones get "busy" and are closed.
out2=$("$CLIENT" "$DIR/c1.sock" many 70 2>&1)
if echo "$out" | grep -q 'answered 40 of 40, 0 refused' &&
   echo "$out2" | grep -q 'answered 70 of 70, [1-9] refused as busy' &&
   "$IMSVM" stat c1 >/dev/null; then
	pass control-many-clients
else
	fail control-many-clients "$out; $out2"
fi

# A client that sends thousands of requests and never reads its replies.
mkfifo "$TMP/flood.in"
sleep 100000 >"$TMP/flood.in" &
sleeper=$!
pids="$pids $sleeper"
"$CLIENT" "$DIR/c1.sock" flood 20000 <"$TMP/flood.in" >"$TMP/flood.out" 2>&1 &
flood=$!
pids="$pids $flood"
wait_log "$TMP/flood.out" flooding 300
say c1 s
if "$IMSVM" stat c1 >/dev/null 2>"$TMP/slow.err" && "$IMSVM" list | grep -q '^c1 ' &&
   wait_log "$TMP/c1.log" "got 's'" 300; then
	pass control-slow-client
else
	fail control-slow-client "the VM or its socket blocked: $(cat "$TMP/slow.err")"
fi
kill "$sleeper" "$flood" 2>/dev/null

"$CLIENT" "$DIR/c1.sock" partial
"$CLIENT" "$DIR/c1.sock" partial
# A client that asks for a pause and leaves before the answer: the pause
# still happens, and the VM resumes for the next client.
"$CLIENT" "$DIR/c1.sock" drop '{"id":1,"command":"pause"}'
i=0
while ! "$IMSVM" list | grep -q '^c1 .* paused ' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
st1=$("$IMSVM" list | grep -o '^c1 .* \(paused\|pausing\|running\) ' | awk '{ print $NF }')
if "$IMSVM" stat c1 >/dev/null && [ "$st1" = paused ] && "$IMSVM" resume c1 >/dev/null &&
   "$IMSVM" list | grep -q '^c1 .* running '; then
	pass control-disconnect
else
	fail control-disconnect "state '$st1' after a client left mid-pause, or no answer after clients left mid-request"
fi

if [ "$(id -u)" != 0 ]; then
	skip control-permission "needs root to act as another user"
else
	# The directories must let the other user reach the socket file itself.
	chmod 0711 "$TMP" "$DIR"
	a=$("$CLIENT" "$DIR/c1.sock" asuser 65534 '{"command":"info"}' 2>&1)
	ra=$?
	# Past the file mode, the peer credentials still refuse another user.
	chmod 0666 "$DIR/c1.sock"
	b=$("$CLIENT" "$DIR/c1.sock" asuser 65534 '{"command":"info"}' 2>&1)
	chmod 0600 "$DIR/c1.sock"
	chmod 0700 "$TMP" "$DIR"
	if [ $ra != 0 ] && echo "$a" | grep -q 'Permission denied' &&
	   echo "$b" | grep -q '"permission-denied"' && ! echo "$b" | grep -q '"result"'; then
		pass control-permission
	else
		fail control-permission "mode 0600: '$a'; credentials: '$b'"
	fi
fi

# Pause: no exit happens while paused; input that arrives meanwhile raises
# the UART interrupt, which is delivered once the VM resumes.
if "$IMSVM" pause c1 | grep -q 'c1: paused (2 vCPUs)' && "$IMSVM" list | grep -q '^c1 .* paused '; then
	e1=$(exits_total c1)
	say c1 p
	"$IMSVM" stat c1 >/dev/null
	sleep 0.5
	e2=$(exits_total c1)
	if grep -q "got 'p'" "$TMP/c1.log"; then
		fail control-pause-resume "the guest ran while paused"
	elif [ "$e1" != "$e2" ]; then
		fail control-pause-resume "exits went from $e1 to $e2 while paused"
	elif ! "$IMSVM" resume c1 | grep -q 'c1: running'; then
		fail control-pause-resume "resume failed"
	elif ! wait_log "$TMP/c1.log" "got 'p'" 300; then
		fail control-pause-resume "the interrupt raised while paused never arrived"
	elif "$IMSVM" resume c1 2>/dev/null; then
		fail control-pause-resume "resume of a running VM succeeded"
	else
		pass control-pause-resume
	fi
else
	fail control-pause-resume "pause failed"
fi

out=$("$IMSVM" stop c1 2>&1)
wait "$vm_pid" 2>/dev/null
rc=$?
if [ "$out" = "c1: stopped" ] && [ "$rc" = 0 ] && [ ! -e "$DIR/c1.sock" ]; then
	pass control-stop
else
	fail control-stop "'$out', status $rc, socket $(ls "$DIR")"
fi

# --control-socket PATH: the CLI takes the path; --no-control: no socket at all.
if idle_vm_start o1 --control-socket "$TMP/o1-own.sock" && idle_vm_start o2 --no-control; then
	if "$IMSVM" stat "$TMP/o1-own.sock" | grep -q '^VM o1 ' && [ ! -e "$DIR/o1.sock" ] &&
	   [ ! -e "$DIR/o2.sock" ] && ! "$IMSVM" list | grep -q '^o[12] ' &&
	   "$IMSVM" stop "$TMP/o1-own.sock" >/dev/null && [ ! -e "$TMP/o1-own.sock" ]; then
		pass control-socket-options
	else
		fail control-socket-options "$(ls "$DIR" "$TMP" | tr '\n' ' ')"
	fi
else
	fail control-socket-options "the VMs did not come up"
fi
say o2 q	# the idle guest ends itself

# ---- stale sockets and names ------------------------------------------------

if idle_vm_start c2 && p2=$(imsvm_pid c2) && [ -n "$p2" ]; then
	kill -KILL "$p2"
	wait "$vm_pid" 2>/dev/null
	if [ -S "$DIR/c2.sock" ] && "$IMSVM" list 2>"$TMP/stale.err" >/dev/null &&
	   grep -q "removed the stale socket of VM 'c2'" "$TMP/stale.err" && [ ! -e "$DIR/c2.sock" ]; then
		# A stale socket left by the next kill does not stop a new VM of that name.
		idle_vm_start c2 && p2=$(imsvm_pid c2) && [ -n "$p2" ] && kill -KILL "$p2" &&
			wait "$vm_pid" 2>/dev/null
		if idle_vm_start c2 && grep -q 'removing the stale socket' "$TMP/c2.log"; then
			pass control-stale
		else
			fail control-stale "a new VM did not replace a stale socket"
		fi
	else
		fail control-stale "list did not remove the stale socket: $(cat "$TMP/stale.err")"
	fi
	first=$vm_pid
	mv "$TMP/c2.log" "$TMP/c2-first.log"
	idle_vm_start c2
	wait "$vm_pid" 2>/dev/null
	rc=$?
	if [ "$rc" = 1 ] && grep -q 'a running VM already uses it' "$TMP/c2.log"; then
		pass control-name-clash
	else
		fail control-name-clash "status $rc: $(tail -n 2 "$TMP/c2.log")"
	fi
	"$IMSVM" stop c2 >/dev/null
	wait "$first" 2>/dev/null
else
	fail control-stale "VM c2 did not come up, or no pid: $(tail -n 2 "$TMP/c2.log" | tr '\n' '|')"
	fail control-name-clash "VM c2 did not come up"
fi

# ---- forced stops -------------------------------------------------------------

if [ ! -x "$SIM" ]; then
	skip control-pause-timeout "no $SIM"
	skip control-stopping-vm "no $SIM"
	skip control-forced-stop "no $SIM"
else
	# The device server stops answering while the vCPU waits on it (a
	# trapped BAR write): the stop cannot finish, the VM answers as
	# "stopping" meanwhile, and ends itself after the stop's timeout.
	start_sim f
	fsim=$sim_pid
	if idle_vm_start f1 --vfio-user "$TMP/f.sock,timeout=60000" --cmdline "pvic=2"; then
		kill -STOP "$fsim"
		say f1 f
		wait_log "$TMP/f1.log" "got 'f'" 300
		# The vCPU cannot park: the pause times out and goes on; resume cancels it.
		po=$("$IMSVM" pause f1 --timeout-ms 500 2>&1)
		pr=$?
		pl=$("$IMSVM" list 2>&1 | grep '^f1 ')
		if [ $pr = 1 ] && echo "$po" | grep -q '0 of 1 vCPUs stopped in time.*(timeout)' &&
		   echo "$pl" | grep -q ' pausing ' && "$IMSVM" resume f1 >/dev/null &&
		   "$IMSVM" list | grep -q '^f1 .* running '; then
			pass control-pause-timeout
		else
			fail control-pause-timeout "pause ($pr) '$po', list '$pl'"
		fi
		out=$("$IMSVM" stop f1 --timeout-ms 8000 --no-wait 2>&1)
		ls=$("$IMSVM" list 2>&1)
		ps=$("$IMSVM" pause f1 2>&1)
		pr=$?
		wait "$vm_pid" 2>/dev/null
		rc=$?
		if [ "$out" = "f1: stopping" ] && echo "$ls" | grep -q '^f1 .* stopping ' &&
		   [ $pr = 1 ] && echo "$ps" | grep -q '(vm-stopping)'; then
			pass control-stopping-vm
		else
			fail control-stopping-vm "stop '$out', list '$(echo "$ls" | tail -n 1)', pause ($pr) '$ps'"
		fi
		if [ "$rc" = 1 ] &&
		   grep -q 'stop: the VM did not stop within 8000 ms: forcing exit' "$TMP/f1.log"; then
			pass control-forced-stop
		else
			fail control-forced-stop "status $rc: $(tail -n 2 "$TMP/f1.log" | tr '\n' '|')"
		fi
		kill -CONT "$fsim"
	else
		why="the idle guest did not come up: $(tail -n 2 "$TMP/f1.log" | tr '\n' '|')"
		fail control-pause-timeout "$why"
		fail control-stopping-vm "$why"
		fail control-forced-stop "$why"
	fi
	kill "$fsim" 2>/dev/null
	"$IMSVM" list >/dev/null 2>&1	# its socket may be left stale
fi

if idle_vm_start k1; then
	out=$("$IMSVM" stop k1 --force 2>&1)
	wait "$vm_pid" 2>/dev/null
	rc=$?
	if [ "$out" = "k1: stopped (forced)" ] && [ "$rc" = 137 ]; then
		pass control-stop-force
	else
		fail control-stop-force "'$out', status $rc"
	fi
	"$IMSVM" list >/dev/null 2>&1
else
	fail control-stop-force "the idle guest did not come up: $(tail -n 2 "$TMP/k1.log" | tr '\n' '|')"
fi

# ---- with the PV-IC and the ADI simulator -----------------------------------

if [ ! -x "$SIM" ]; then
	for t in control-stat-pvic control-ims control-pause-pvic; do skip $t "no $SIM"; done
else
	start_sim sim
	if idle_vm_start p1 --cpus 2 --vfio-user "$TMP/sim.sock" --cmdline "smp pvic=8" &&
	   wait_log "$TMP/p1.log" "idle: ADI 00:.*: 8 vectors" 10; then
		js=$("$IMSVM" stat p1 --json | tr -d ' \n')
		if echo "$js" | grep -q '"live_handles":8,"allocated":8,' &&
		   "$IMSVM" stat p1 | grep -Eq '^00:0.\.0 +vfio-user0 +8 +8 '; then
			pass control-stat-pvic
		else
			fail control-stat-pvic "$(echo "$js" | tr '\n' ' ' | sed 's/.*"pvic"/"pvic"/' | cut -c1-300)"
		fi
		js=$("$IMSVM" ims p1 --json | tr -d ' ')
		human=$("$IMSVM" ims p1)
		if [ "$(echo "$js" | grep -c '"handle":')" = 8 ] &&
		   [ "$(echo "$js" | grep -c '"masked":true')" = 2 ] &&
		   echo "$human" | grep -q '^8 vector(s)'; then
			pass control-ims
		else
			fail control-ims "$(echo "$human" | tail -n 3 | tr '\n' '|')"
		fi
		# After a pause the device's interrupts still flow.
		"$IMSVM" pause p1 >/dev/null && "$IMSVM" resume p1 >/dev/null
		say p1 f
		if wait_log "$TMP/p1.log" "idle: irq 00:..\.0 delivered" 300; then
			pass control-pause-pvic
		else
			fail control-pause-pvic "$(grep 'idle: irq' "$TMP/p1.log")"
		fi
		"$IMSVM" stop p1 >/dev/null
		wait "$vm_pid" 2>/dev/null
	else
		showlog p1
		for t in control-stat-pvic control-ims control-pause-pvic; do
			fail $t "the idle guest with the PV-IC did not come up: $(grep -m1 -i 'error\|idle:' "$TMP/p1.log")"
		done
	fi
fi

# ---- hot assignment ----------------------------------------------------------

# vmm_usage PID: "FDS RSS_KB" of an imsvm process, from /proc: the least fds
# of a few samples (a CLI client that just left may still hold one briefly).
vmm_usage() {
	f=999999
	for k in 1 2 3 4 5; do
		n=$(ls /proc/"$1"/fd | wc -l)
		[ "$n" -lt "$f" ] && f=$n
		sleep 0.1
	done
	echo "$f $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$1"/status)"
}

HOT="control-assign control-unassign control-assign-errors control-unassign-dead control-assign-cycles"
if [ ! -x "$SIM" ]; then
	for t in $HOT; do skip $t "no $SIM"; done
else
	# ADI A raises IMS entry 1 (vector 0x41) 50 times a second throughout:
	# interrupts keep flowing on it while B comes and goes.
	start_sim a
	start_sim b
	if idle_vm_start h1 --cpus 2 --vfio-user "$TMP/a.sock" --cmdline "smp pvic=4 storm=50"; then
		out=$("$IMSVM" assign h1 --vfio-user "$TMP/b.sock" 2>&1)
		slot=$(echo "$out" | sed -n 's/^h1: assigned vfio-user1 at 00:\(..\)\.0$/\1/p')
		say h1 f
		if [ -z "$slot" ]; then
			fail control-assign "$out"
		elif ! wait_log "$TMP/h1.log" "idle: ADI 00:$slot.0: 4 vectors" 300 ||
		     ! grep -q 'idle: event 1 cause 0x1' "$TMP/h1.log"; then
			fail control-assign "the guest saw no ADI_ADDED event / new function 00:$slot.0"
		elif ! wait_log "$TMP/h1.log" "idle: irq 00:$slot.0 delivered" 300 ||
		     ! grep -q 'idle: irq 00:01.0 delivered' "$TMP/h1.log"; then
			fail control-assign "no interrupt from the new ADI: $(grep 'idle: irq' "$TMP/h1.log" | tr '\n' '|')"
		elif ! "$IMSVM" list | grep -q "^h1 .*vfio-user0@00:01.0,vfio-user1@00:$slot.0"; then
			fail control-assign "list: $("$IMSVM" list | tail -n 1)"
		else
			pass control-assign
		fi

		out=$("$IMSVM" unassign h1 vfio-user1 2>&1)
		say h1 f
		if [ "$out" != "h1: unassigned vfio-user1 (4 handles revoked)" ]; then
			fail control-unassign "$out"
		elif ! wait_log "$TMP/h1.log" "idle: ADI 00:$slot.0 removed (ALLOC now -19)" 300 ||
		     ! grep -q 'idle: event 2 cause 0x2' "$TMP/h1.log"; then
			fail control-unassign "the guest saw no ADI_REMOVED event"
		elif ! wait_log "$TMP/h1.log" "idle: irq 00:01.0 delivered" 300 ||
		     [ "$("$IMSVM" ims h1 --json | grep -c '"handle"')" != 4 ] ||
		     "$IMSVM" list | grep -q "vfio-user1"; then
			fail control-unassign "left behind: $("$IMSVM" ims h1 | tail -n 1), $("$IMSVM" list | tail -n 1)"
		else
			pass control-unassign
		fi

		e1=$("$IMSVM" unassign h1 vfio-user1 2>&1); r1=$?
		e2=$("$IMSVM" assign h1 --vfio-user "$TMP/nowhere.sock" 2>&1); r2=$?
		"$IMSVM" assign h1 >/dev/null 2>&1; r3=$?
		e4=$("$CLIENT" "$DIR/h1.sock" send '{"command":"assign","arguments":{"vfio_user":"x","vfio":"y"}}' \
			'{"command":"unassign","arguments":{}}' 2>&1)
		if [ $r1 = 1 ] && echo "$e1" | grep -q '(not-found)' && [ $r2 = 1 ] &&
		   echo "$e2" | grep -q '(failed)' && [ $r3 = 2 ] &&
		   [ "$(echo "$e4" | grep -c '"invalid-argument"')" = 2 ]; then
			pass control-assign-errors
		else
			fail control-assign-errors "'$e1' ($r1), '$e2' ($r2), usage $r3, '$e4'"
		fi

		# A device whose server died is listed as failed and can be unassigned.
		start_sim d
		dsim=$sim_pid
		dev=$("$IMSVM" assign h1 --vfio-user "$TMP/d.sock" --json |
			sed -n 's/.*"device": "\(vfio-user[0-9]*\)".*/\1/p')
		wait_log "$TMP/h1.log" "idle: first irq" 300
		kill -KILL "$dsim"
		i=0
		while ! "$IMSVM" list | grep -q "$dev@00:..\.0(failed)" && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -n "$dev" ] && "$IMSVM" list | grep -q "$dev@00:..\.0(failed)" &&
		   "$IMSVM" unassign h1 "$dev" | grep -q "unassigned $dev (0 handles revoked)" &&
		   ! "$IMSVM" list | grep -q "$dev"; then
			pass control-unassign-dead
		else
			fail control-unassign-dead "device '$dev': $("$IMSVM" list | tail -n 1)"
		fi

		# 100 cycles; imsvm's fds and RSS after 10 warm-up cycles and after all.
		pid=$(imsvm_pid h1)
		say h1 c
		cycle_ok=1
		i=0
		while [ $i -lt 100 ]; do
			[ $i = 10 ] && before=$(vmm_usage "$pid")
			dev=$("$IMSVM" assign h1 --vfio-user "$TMP/b.sock" --json |
				sed -n 's/.*"device": "\(vfio-user[0-9]*\)".*/\1/p')
			if [ -z "$dev" ] || ! "$IMSVM" unassign h1 "$dev" >/dev/null; then
				cycle_ok=0
				break
			fi
			i=$((i + 1))
		done
		after=$(vmm_usage "$pid")
		n0=$(grep -c 'idle: count 0x41' "$TMP/h1.log")
		say h1 c
		say h1 f
		wait_log "$TMP/h1.log" "idle: irq 00:01.0 delivered" 300
		w=0
		while [ "$(grep -c 'idle: count 0x41' "$TMP/h1.log")" = "$n0" ] && [ $w -lt 300 ]; do
			sleep 0.1; w=$((w + 1))
		done
		c1=$(grep 'idle: count 0x41' "$TMP/h1.log" | head -n 1 | cut -d' ' -f4)
		c2=$(grep 'idle: count 0x41' "$TMP/h1.log" | tail -n 1 | cut -d' ' -f4)
		fd0=${before%% *} rss0=${before##* } fd1=${after%% *} rss1=${after##* }
		if [ $cycle_ok = 0 ]; then
			fail control-assign-cycles "cycle $i failed"
		elif [ -z "$fd0" ] || [ -z "$rss0" ] || [ -z "$rss1" ]; then
			fail control-assign-cycles "no /proc figures for imsvm (pid '$pid')"
		elif [ "$fd0" != "$fd1" ]; then
			fail control-assign-cycles "imsvm's fds went from $fd0 to $fd1 over 90 cycles"
		elif [ "${SANITIZE:-}" != 1 ] && [ $((rss1 - rss0)) -gt 512 ]; then
			# (Not under SANITIZE=1: ASan's quarantine keeps freed memory
			# resident; LeakSanitizer checks leaks at exit instead.)
			fail control-assign-cycles "imsvm's RSS grew from $rss0 kB to $rss1 kB over 90 cycles"
		elif [ -z "$c2" ] || [ "$c2" -le "${c1:-0}" ]; then
			fail control-assign-cycles "no interrupts on the other ADI meanwhile ($c1 -> $c2)"
		else
			pass control-assign-cycles
			echo "    (100 cycles: fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB; vector 0x41 of ADI 00:01.0 $c1 -> $c2 interrupts)"
		fi
		"$IMSVM" stop h1 >/dev/null
		wait "$vm_pid" 2>/dev/null
	else
		showlog h1
		for t in $HOT; do fail $t "the idle guest did not come up"; done
	fi
fi

exit $failed
