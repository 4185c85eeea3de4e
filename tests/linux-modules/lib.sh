# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers of run.sh and tests/bench/bench-linux-modules.sh (POSIX sh,
# sourced; they run inside the emulated machine under busybox): the ADI
# simulator, and one boot of the modules' initramfs under imsvm with the
# guest's "LMOD-SYNC tag" points served.
#
# Variables read: IMSVM, ADISIM, KERNEL, INITRD, TIMEOUT, lmod_tmp (a
# scratch directory). Set: simpid, sock, json, vmlog, vmstatus.

simpid=
vmpid=

# lmod_start_sim: one simulator ADI on $lmod_tmp/adi0.sock. It counts the
# vfio-user messages it receives only with --fail-after: a limit never
# reached. Returns 1 if it does not come up.
lmod_start_sim()
{
	sock=$lmod_tmp/adi0.sock
	json=$lmod_tmp/sim.json
	# Each bound handle is an eventfd in the simulator: 1024 vectors need
	# more than the default 1024 descriptors (SCM_RIGHTS would truncate).
	(ulimit -n 8192 2>/dev/null; exec "$ADISIM" --socket-path="$sock" --stats-json="$json" \
		--fail-after=4000000000 --fail-mode=error) >"$lmod_tmp/sim.log" 2>&1 &
	simpid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$sock" ]
}

lmod_stop_sim()
{
	[ -n "$simpid" ] || return 0
	kill "$simpid" 2>/dev/null
	wait "$simpid" 2>/dev/null
	simpid=
}

# lmod_sim_messages: the simulator's count of messages received, fresh
# (SIGUSR1 rewrites its stats file), or "?".
lmod_sim_messages()
{
	rm -f "$json"
	kill -USR1 "$simpid" 2>/dev/null
	n=0
	while [ $n -lt 100 ]; do
		if [ -s "$json" ] && grep -q '"messages"' "$json" && tail -n 1 "$json" | grep -q '}'; then
			sed -n 's/.*"messages": *\([0-9]*\).*/\1/p' "$json"
			return
		fi
		sleep 0.1
		n=$((n + 1))
	done
	echo "?"
}

# lmod_boot CMDLINE_EXTRA HANDLER [IMSVM_OPTION...]: boot the guest with the
# simulator assigned; for each "LMOD-SYNC tag" line the guest prints, run
# "HANDLER tag", then type the tag on the guest's console (its cue to go
# on). Shows LMOD-RESULT/INFO lines and imsvm's own lines as they come (not
# the per-entry PV-IC trace). The console log (CRs removed) is $vmlog,
# imsvm's exit status $vmstatus.
lmod_boot()
{
	extra=$1
	handler=$2
	shift 2
	vmlog=$lmod_tmp/vm.log
	rm -f "$lmod_tmp/in"
	mkfifo "$lmod_tmp/in"
	# Kept open for writing by this shell: imsvm's stdin never sees EOF.
	exec 3<>"$lmod_tmp/in"
	echo "imsvm run $KERNEL --initrd $INITRD --cpus 2 --mem 512 --vfio-user $sock $*"
	timeout -s KILL $((TIMEOUT + 30)) "$IMSVM" run "$KERNEL" --initrd "$INITRD" --cpus 2 \
		--mem 512 --vfio-user "$sock" --timeout "$TIMEOUT" "$@" \
		--cmdline "console=ttyS0 quiet panic=-1 $extra" <&3 >"$vmlog" 2>&1 &
	vmpid=$!
	handled=0
	shown=0
	while kill -0 "$vmpid" 2>/dev/null; do
		sleep 0.2
		lines=$(grep -c '' "$vmlog")
		if [ "$lines" -gt "$shown" ]; then
			sed -n "$((shown + 1)),${lines}p" "$vmlog" |
				grep -E 'LMOD-(RESULT|INFO)|Kernel panic|BUG|WARNING|imsvm' |
				grep -v 'pvic: [A-Z_]* adi ' | sed 's/^/  | /'
			shown=$lines
		fi
		n=$(grep -c '^LMOD-SYNC ' "$vmlog")
		while [ "$handled" -lt "$n" ]; do
			handled=$((handled + 1))
			tag=$(grep '^LMOD-SYNC ' "$vmlog" | sed -n "${handled}p" | tr -d '\r' | cut -d' ' -f2)
			"$handler" "$tag"
			echo "$tag" >&3
		done
	done
	wait "$vmpid"
	vmstatus=$?
	vmpid=
	exec 3>&-
	tr -d '\r' <"$vmlog" >"$vmlog.clean" && mv "$vmlog.clean" "$vmlog"
}
