#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Part of the faults suite (tests/faults/run.sh): the PV-IC when a host
# limit runs out or the guest misbehaves, with the ADI simulator assigned.
# Each test checks that nothing was lost (the guest runs on, the vectors
# granted before the fault still deliver, freeing lets the guest allocate
# again, imsvm's control socket answers) and that nothing leaked (imsvm's
# fds by kind, threads and RSS from /proc before and after, tests/lib/proc.sh).
#
#   fault-nofile-refused   RLIMIT_NOFILE (hard) too low for even one vector:
#                          imsvm refuses to start with one line
#   fault-nofile           soft 200, hard 400, one ADI of 2048 IMS entries, the
#                          guest asks for all: the soft limit is raised to the
#                          hard one, the vectors that get no fd are refused
#                          with EAGAIN (counted, logged rate-limited)
#   fault-nofile-server    the same with the device server's limit (300, in
#                          the user namespace too): its
#                          SET_IRQS refusals reach the guest as EIO, counted
#                          as device faults, logged rate-limited
#   fault-gsi-exhaustion   two ADIs of 2048 each: KVM's 4096 routes (38 of them
#                          the PC wiring) run out; ENOSPC past them
#   fault-doorbell-flood   one vCPU floods the doorbell with valid and invalid
#                          batches, command pages outside RAM and accesses of
#                          the wrong size while the
#                          other takes the ADI's interrupts; `imsvm stat`
#                          answers meanwhile; the bad ones are counted and the
#                          log stays small
#
# Guest kernels: tests/guest/x86/pvic_exhaust.c, pvic_flood.c. The nofile
# tests run imsvm in a user namespace (unshare -U -r) so that, as root, it
# cannot raise its hard limit; without one, and with the capability to
# raise it, they are SKIPPED. POSIX sh and busybox only.
#
# Usage: tests/faults/pvic-limits.sh [BUILD_DIR]   (default: build)
here=$(dirname "$0")
. "$here/../lib/common.sh"
. "$here/../lib/proc.sh"

O=${1:-${O:-build}}
IMSVM=$O/imsvm
SIM=$O/imsvm-adisim
GUEST=$O/tests/guest/x86
TESTS="fault-nofile-refused fault-nofile fault-nofile-server fault-gsi-exhaustion fault-doorbell-flood"
RSS_SLACK=8192		# KiB: guest pages the test touches are imsvm's RSS too (memfd)

require_files -x pvic-limits "$IMSVM" "$SIM"
require_files pvic-limits "$GUEST/pvic_exhaust.elf" "$GUEST/pvic_flood.elf"
skip_without_kvm "$TESTS"
scratch_dir pvic-limits
export IMSVM_CONTROL_DIR="$TMP/run"
# The simulator holds one eventfd per bound handle (4096 here).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

info() { echo "  $*"; }
# brief SNAPSHOT: threads, RSS and the number of fds of a proc_snapshot line.
brief() {
	n=0
	for k in ${1#*fds=}; do n=$((n + ${k##*:})); done
	echo "${1%% fds=*} fds=$n"
}

# start_vm NAME WRAP ARGS...: `imsvm run --name NAME ARGS` (WRAP, if not
# empty, is a command it runs under), stdin the FIFO $TMP/NAME.in held open
# by a sleeper, output in $TMP/NAME.log, status in $TMP/NAME.rc at the end.
start_vm() {
	name=$1
	wrap=$2
	shift 2
	mkfifo "$TMP/$name.in"
	sleep 100000 >"$TMP/$name.in" &
	pids="$pids $!"
	( $wrap "$IMSVM" run --name "$name" --timeout 600 --stats "$@" \
		<"$TMP/$name.in" >"$TMP/$name.log" 2>&1
	  echo $? >"$TMP/$name.rc" ) &
	pids="$pids $!"
}

say() { printf '%s\n' "$2" >"$TMP/$1.in"; }

# wait_for NAME TEXT: until the VM's log has TEXT (0) or the VM ended (1); at most ~10 minutes.
wait_for() {
	i=0
	while ! grep -q "$2" "$TMP/$1.log" 2>/dev/null && [ ! -e "$TMP/$1.rc" ] && [ $i -lt 6000 ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "$2" "$TMP/$1.log" 2>/dev/null
}

# wait_end NAME: until the VM ended; sets $st.
wait_end() {
	i=0
	while [ ! -e "$TMP/$1.rc" ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
	st=$(cat "$TMP/$1.rc" 2>/dev/null || echo none)
}

# What went wrong in VM NAME's log: the first failed check, else its first error.
why() {
	{ grep -m1 '^FAIL' "$TMP/$1.log" || grep -m1 'error\|fatal' "$TMP/$1.log" ||
	  tail -n 1 "$TMP/$1.log"; } | tr -d '\r'
}

# The VM's imsvm process, from its control socket.
vm_pid() {
	"$IMSVM" stat "$1" --json 2>/dev/null | tr -d ' ,' | sed -n 's/^"pid":\([0-9]*\)$/\1/p' |
		head -n 1
}

# json_nth FILE KEY N: the number of the Nth "KEY": line of a `stat --json`.
json_nth() {
	grep "\"$2\":" "$1" | sed -n "${3}p" | tr -dc '0-9'
}

# The guest's own verdict and imsvm's: exit 0, no failed check, no handle live at exit.
guest_ok() {
	[ "$st" = 0 ] && grep -q 'EXIT: STATUS=0' "$TMP/$1.log" &&
		! grep -q '^FAIL' "$TMP/$1.log" && ! grep 'pvic: adi .*: live ' "$TMP/$1.log" | grep -qv ' live 0 '
}

# Warning lines of a log: rate-limited means at most 10 per call site plus
# two per 1024 further occurrences (vmm/log.c). warn_ok NAME SITES EVENTS.
warn_ok() {
	n=$(grep -c 'warning' "$TMP/$1.log")
	max=$(($2 * 10 + 2 * ($3 / 1024 + 1) + 4))
	[ "$n" -le "$max" ] || { echo "$n warning lines for $3 events (at most $max)"; return 1; }
}

# Run imsvm where it cannot raise its hard RLIMIT_NOFILE: a user namespace
# (no CAP_SYS_RESOURCE), or as it is when that capability is missing anyway.
USERNS=
if unshare -U -r true 2>/dev/null; then
	USERNS="unshare -U -r"
elif [ "$(ulimit -Hn)" != unlimited ] && ! (ulimit -Hn $(($(ulimit -Hn) + 1))) 2>/dev/null; then
	USERNS=none	# root without CAP_SYS_RESOURCE (a container): no namespace needed
fi
# limited SOFT HARD CMD...: CMD with RLIMIT_NOFILE SOFT/HARD.
limited() {
	s=$1
	h=$2
	shift 2
	$USERNS sh -c 'ulimit -Sn "$1" && ulimit -Hn "$2" && shift 2 && exec "$@"' limited \
		"$s" "$h" "$@"
}

# ---- the exhaustion tests: one flow, pvic_exhaust.elf ------------------------
# exhaust NAME WRAP ERRNO CODE LOGTEXT ARGS...: the guest allocates every IMS
# entry; the refused ones must say CODE (ERRNO) in imsvm's counters too.
exhaust() {
	name=$1
	wrap=$2
	errno=$3
	code=$4
	logtext=$5
	shift 5
	start_vm "$name" "$wrap" --cmdline "expect=$errno" "$@" "$GUEST/pvic_exhaust.elf"
	if ! wait_for "$name" 'pvic-exhaust: ready'; then
		fail "$name" "the guest did not get ready: $(why "$name")"
		return 1
	fi
	pid=$(vm_pid "$name")
	if [ -z "$pid" ]; then
		fail "$name" "no answer from the control socket"
		return 1
	fi
	lim=$(sed -n 's/^Max open files *\([0-9a-z]*\) .*/\1/p' /proc/"$pid"/limits)
	before=$(proc_snapshot "$pid")
	say "$name" g
	if ! wait_for "$name" 'pvic-exhaust: full'; then
		fail "$name" "the guest did not get through the fault: $(why "$name")"
		return 1
	fi
	granted=$(sed -n 's/^pvic-exhaust: full granted \([0-9]*\) .*/\1/p' "$TMP/$name.log")
	refused=$(sed -n 's/^pvic-exhaust: full .* refused \([0-9]*\).*/\1/p' "$TMP/$name.log")
	# During the fault the operator still gets answers, and the counters say why.
	if ! "$IMSVM" stat "$name" --json >"$TMP/$name.stat" 2>&1; then
		fail "$name" "imsvm stat failed during the fault: $(head -n 1 "$TMP/$name.stat")"
		return 1
	fi
	counted=0
	n=2	# the first "CODE": is the VM's batch_errors, then one per ADI
	while v=$(json_nth "$TMP/$name.stat" "$code" $n) && [ -n "$v" ]; do
		counted=$((counted + v))
		n=$((n + 1))
	done
	fds_full=$(json_nth "$TMP/$name.stat" vmm_fds 1)
	say "$name" g
	if ! wait_for "$name" 'pvic-exhaust: freed'; then
		fail "$name" "the guest did not free: $(why "$name")"
		return 1
	fi
	after=$(proc_snapshot "$pid")
	say "$name" g
	wait_end "$name"
	info "$name: $granted + 4 granted, $refused refused with $code ($counted counted)," \
		"fds $fds_full at the fault; RLIMIT_NOFILE soft $lim; before: $(brief "$before");" \
		"after: $(brief "$after")"
	if ! guest_ok "$name"; then
		fail "$name" "status $st: $(why "$name")"
	elif [ -z "$refused" ] || [ "$counted" != "$refused" ]; then
		fail "$name" "the guest saw $refused entries refused, imsvm counted $counted $code"
	elif ! grep -q "$logtext" "$TMP/$name.log"; then
		fail "$name" "no log line '$logtext'"
	elif ! w=$(warn_ok "$name" 1 "$refused"); then
		fail "$name" "$w"
	elif ! w=$(proc_compare "$before" "$after" $RSS_SLACK); then
		fail "$name" "leaked: $w"
	else
		return 0
	fi
	return 1
}

# ---- fault-nofile-refused, fault-nofile ---------------------------------------
USERNS_SKIP=0
if [ -z "$USERNS" ]; then
	USERNS_SKIP=1
	skip fault-nofile-refused "imsvm could raise its hard RLIMIT_NOFILE here and no user namespace stops it (unshare -U -r)"
	skip fault-nofile "imsvm could raise its hard RLIMIT_NOFILE here and no user namespace stops it (unshare -U -r)"
else
	[ "$USERNS" = none ] && USERNS=
	start_sim n0 || fail fault-nofile-refused "simulator did not start"
	limited 100 100 "$IMSVM" run --name nf0 --timeout 60 --vfio-user "$TMP/n0.sock" \
		--cmdline expect=11 "$GUEST/pvic_exhaust.elf" </dev/null >"$TMP/nf0.log" 2>&1
	st=$?
	errs=$(grep -c 'error\|fatal' "$TMP/nf0.log")
	if [ "$st" = 1 ] && [ "$errs" = 1 ] &&
	   grep -q 'error: RLIMIT_NOFILE is 100 .* set `ulimit -n` (hard) to at least' "$TMP/nf0.log" &&
	   ! grep -q 'EXIT:' "$TMP/nf0.log"; then
		pass fault-nofile-refused
		info "fault-nofile-refused: $(grep 'RLIMIT_NOFILE' "$TMP/nf0.log")"
	else
		fail fault-nofile-refused "status $st, $errs error lines: $(why nf0)"
	fi
	kill "$sim_pid" 2>/dev/null

	start_sim n1 || fail fault-nofile "simulator did not start"
	if exhaust fault-nofile "limited 200 400" 11 EAGAIN 'pvic: no file descriptor for a new IMS vector' \
		--vfio-user "$TMP/n1.sock"; then
		if [ "$lim" != 400 ]; then
			fail fault-nofile "the soft limit is $lim, not raised to the hard 400"
		elif ! grep -q 'RLIMIT_NOFILE 400 allows about [0-9]* IMS vectors' "$TMP/fault-nofile.log"; then
			fail fault-nofile "no start-up line saying how many vectors fit"
		elif ! grep -q "pvic: .* $refused vectors refused for want of fds" "$TMP/fault-nofile.log"; then
			fail fault-nofile "the exit counters do not say $refused refused for want of fds"
		else
			pass fault-nofile
		fi
	fi
	kill "$sim_pid" 2>/dev/null
fi

# ---- fault-nofile-server ------------------------------------------------------
# The device server's limit instead: the simulator, held at 300 fds as imsvm
# was above (it raises its soft limit to the hard one, as imsvm does), can
# hold about 300 eventfds; SET_IRQS past them fails on its side.
nofile_server() {
	limited 300 300 "$SIM" --socket-path="$TMP/s.sock" >"$TMP/s.simlog" 2>&1 &
	spid=$!
	pids="$pids $spid"
	if ! wait_path "$TMP/s.sock" -S; then
		fail fault-nofile-server "simulator did not start"
	elif exhaust fault-nofile-server "" 11 EAGAIN 'pvic: ADI .* refused to bind handles' \
		--vfio-user "$TMP/s.sock"; then
		if grep -q 'pvic: adi .*: live .* faults 0 ' "$TMP/fault-nofile-server.log"; then
			fail fault-nofile-server "the device's refusals are not counted as faults"
		else
			pass fault-nofile-server
		fi
	fi
	kill "$spid" 2>/dev/null
	# $spid is limited's subshell; the simulator runs under it (unshare, sh
	# -c): end it by its socket, or it outlives the suite.
	pkill -f -- "--socket-path=$TMP/s.sock" 2>/dev/null
}
if [ "$USERNS_SKIP" = 1 ]; then
	skip fault-nofile-server "the simulator could raise its hard RLIMIT_NOFILE here and no user namespace stops it (unshare -U -r)"
else
	nofile_server
fi

# ---- fault-gsi-exhaustion -----------------------------------------------------
mkdir -p "$TMP/g"
"$SIM" --adis=2 --ims-entries=2048 --socket-dir="$TMP/g" >"$TMP/g.simlog" 2>&1 &
gpid=$!
pids="$pids $gpid"
if ! wait_path "$TMP/g/adi1.sock" -S; then
	fail fault-gsi-exhaustion "simulator did not start"
elif exhaust fault-gsi-exhaustion "" 28 ENOSPC 'GSI route table full' \
	--vfio-user "$TMP/g/adi0.sock" --vfio-user "$TMP/g/adi1.sock"; then
	pass fault-gsi-exhaustion
fi
kill "$gpid" 2>/dev/null

# ---- fault-doorbell-flood -----------------------------------------------------
start_sim f || fail fault-doorbell-flood "simulator did not start"
fname=fault-doorbell-flood
start_vm $fname "" --cpus 2 --vfio-user "$TMP/f.sock" "$GUEST/pvic_flood.elf"
flood() {
	name=$fname
	if ! wait_for $name 'pvic-flood: ready'; then
		fail $name "the guest did not get ready: $(why $name)"
		return
	fi
	pid=$(vm_pid $name)
	before=$(proc_snapshot "$pid")
	say $name g
	if ! wait_for $name 'pvic-flood: flooding'; then
		fail $name "no flood: $(why $name)"
		return
	fi
	# The control socket answers during the flood, which goes on meanwhile,
	# until past 1024 bad pages (the rate limit's first suppression).
	answers=0 b0= b1= ef=0
	while [ $answers -lt 1000 ]; do
		if ! "$IMSVM" stat $name --json >"$TMP/flood.stat" 2>&1; then
			say $name s
			fail $name "imsvm stat failed during the flood: $(head -n 1 "$TMP/flood.stat")"
			return
		fi
		answers=$((answers + 1))
		b1=$(json_nth "$TMP/flood.stat" batches 1)
		ef=$(json_nth "$TMP/flood.stat" EFAULT 1)
		[ -z "$b0" ] && b0=$b1
		[ $answers -ge 3 ] && [ "$b1" -gt "$b0" ] && [ "${ef:-0}" -gt 1100 ] && break
	done
	say $name s
	if ! wait_for $name 'pvic-flood: checked'; then
		fail $name "the guest did not come through: $(why $name)"
		return
	fi
	"$IMSVM" stat $name --json >"$TMP/flood.stat" 2>&1
	after=$(proc_snapshot "$pid")
	say $name g
	wait_end $name
	done_line=$(grep '^pvic-flood: done' "$TMP/$name.log")
	get() { echo "$done_line" | sed -n "s/.* $1 \([0-9]*\).*/\1/p"; }
	invalid=$(get invalid) efault=$(get efault) bad=$(get baddoorbell) badacc=$(get badaccess)
	counted_inval=0
	for c in EOPNOTSUPP EPROTO EINVAL ENODEV; do
		counted_inval=$((counted_inval + $(json_nth "$TMP/flood.stat" $c 1)))
	done
	counted_efault=$(json_nth "$TMP/flood.stat" EFAULT 1)
	counted_bad=$(json_nth "$TMP/flood.stat" bad_doorbells 1)
	counted_badacc=$(json_nth "$TMP/flood.stat" bad_accesses 1)
	info "$name: ${done_line#pvic-flood: done }; $answers stat answers during it" \
		"(batches $b0 -> $b1); counted: $counted_inval invalid, $counted_efault EFAULT," \
		"$counted_bad bad doorbells, $counted_badacc bad accesses; log $(wc -l <"$TMP/$name.log") lines; before:" \
		"$(brief "$before"); after: $(brief "$after")"
	if ! guest_ok $name; then
		fail $name "status $st: $(why $name)"
	elif [ -z "$b1" ] || [ "$b1" -le "$b0" ]; then
		fail $name "no batch ran between $answers stat answers: not concurrent"
	elif [ "$counted_inval" != "$invalid" ] || [ "$counted_efault" != "$efault" ] ||
	     [ "$counted_bad" != "$bad" ] || [ "$counted_badacc" != "$badacc" ]; then
		fail $name "the guest sent $invalid invalid, $efault EFAULT, $bad bad doorbells," \
			"$badacc bad accesses; imsvm counted $counted_inval, $counted_efault," \
			"$counted_bad, $counted_badacc"
	elif ! w=$(warn_ok $name 3 $((efault + bad + badacc))); then
		fail $name "$w"
	elif ! w=$(proc_compare "$before" "$after" $RSS_SLACK); then
		fail $name "leaked: $w"
	else
		pass $name
	fi
}
flood
kill "$sim_pid" 2>/dev/null

exit $failed
