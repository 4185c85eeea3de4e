# SPDX-License-Identifier: GPL-2.0-only
#
# What a process holds, read from /proc, for the tests that check that a
# fault left nothing behind (open fds by kind, threads, resident memory).
# Sourced, not run; POSIX sh and busybox only.
#
#   . "$(dirname "$0")/../lib/proc.sh"
#   before=$(proc_snapshot "$pid")
#   ... the fault ...
#   after=$(proc_snapshot "$pid")
#   why=$(proc_compare "$before" "$after" 8192) || fail NAME "$why"

# proc_fd_kinds PID: the process's fds counted by kind, one "kind:count"
# word each, sorted: socket:[123] -> socket, anon_inode:[eventfd] ->
# eventfd, anon_inode:kvm-vcpu:0 -> kvm-vcpu, /memfd:guest (deleted) ->
# memfd, pipe:[9] -> pipe, any other path as it is.
proc_fd_kinds() {
	for f in /proc/"$1"/fd/*; do
		readlink "$f" 2>/dev/null
	done | sed -e 's/^anon_inode:\[\(.*\)\]$/\1/' -e 's/^anon_inode://' \
		-e 's/^kvm-vcpu:.*/kvm-vcpu/' -e 's/^\/memfd:.*/memfd/' -e 's/:\[[0-9]*\]$//' |
		sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}

# proc_snapshot PID: one line "threads=T rss_kib=R fds=KIND:N ...", or
# nothing and status 1 when PID is gone. The fd list is the smallest of a
# few samples a tenth of a second apart: a CLI client that just left, or a
# teardown still on the event loop, may hold one for a moment.
proc_snapshot() {
	[ -d /proc/"$1" ] || return 1
	best= bestn=999999
	for k in 1 2 3 4 5; do
		kinds=$(proc_fd_kinds "$1")
		n=$(ls /proc/"$1"/fd 2>/dev/null | wc -l)
		if [ "$n" -lt "$bestn" ]; then bestn=$n; best=$kinds; fi
		sleep 0.1
	done
	threads=$(ls /proc/"$1"/task 2>/dev/null | wc -l)
	rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$1"/status 2>/dev/null)
	[ -n "$rss" ] || return 1
	echo "threads=$threads rss_kib=$rss fds=$best"
}

# proc_compare BEFORE AFTER RSS_SLACK_KIB: status 0 when AFTER holds the same
# fds (by kind) and threads as BEFORE and its RSS grew by at most
# RSS_SLACK_KIB; otherwise 1, and one line on stdout saying what differs.
proc_compare() {
	b_thr=${1#threads=}; b_thr=${b_thr%% *}
	a_thr=${2#threads=}; a_thr=${a_thr%% *}
	b_rss=${1#*rss_kib=}; b_rss=${b_rss%% *}
	a_rss=${2#*rss_kib=}; a_rss=${a_rss%% *}
	b_fds=${1#*fds=}
	a_fds=${2#*fds=}
	why=
	[ "$b_thr" = "$a_thr" ] || why="$why threads $b_thr -> $a_thr;"
	[ "$b_fds" = "$a_fds" ] || why="$why fds [${b_fds% }] -> [${a_fds% }];"
	[ $((a_rss - b_rss)) -le "$3" ] || why="$why RSS $b_rss -> $a_rss KiB (more than $3 KiB);"
	[ -z "$why" ] && return 0
	echo "${why# }"
	return 1
}
