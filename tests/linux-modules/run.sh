#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Linux guest modules end to end (issue 7): boot Debian's kernel under
# `imsvm run` with the ADI simulator assigned (--vfio-user) and the PV-IC,
# the initramfs of prepare.sh, 2 vCPUs. Its /init (guest-init) loads
# imsvm-pvic.ko and imsvm-adisim.ko, gets 64 IMS vectors, runs a descriptor
# on every vector, checks each completion interrupt on the CPU Linux chose,
# moves a vector to the other CPU through /proc/irq/N/smp_affinity, checks
# the next interrupt lands there, unloads and checks every handle is freed.
#
# Host-side check: the affinity change makes no device access by imsvm.
# The guest stops before and after writing smp_affinity ("LMOD-SYNC tag"
# on its console); this script then has the simulator write its counters
# (SIGUSR1, --stats-json) and types the tag back on the guest's console.
# The simulator's message count must not change in between. At the end
# the simulator is killed: the guest must learn it from the PV-IC's event
# interrupt (ADI_REMOVED) and unload cleanly.
#
# POSIX sh, run inside the emulated machine from the top of the tree.
# Prints PASS/FAIL/SKIPPED lines; exit status 1 if a check failed.
# Environment: IMSVM (build/imsvm), ADISIM (build/imsvm-adisim),
# LINUX_BZIMAGE (build/tests/linux/vmlinuz), LMOD_INITRD
# (build/tests/linux/modules-initrd.cpio), LINUX_TIMEOUT (600 s).

IMSVM=${IMSVM:-build/imsvm}
ADISIM=${ADISIM:-build/imsvm-adisim}
KERNEL=${LINUX_BZIMAGE:-build/tests/linux/vmlinuz}
INITRD=${LMOD_INITRD:-build/tests/linux/modules-initrd.cpio}
TIMEOUT=${LINUX_TIMEOUT:-600}
P=linux-modules
GUEST_CHECKS="module-load-pvic pvic-bind module-load-adisim adisim-bind alloc-64-one-batch
descriptors-every-vector irq-on-chosen-cpu route-is-linux-choice affinity-next-irq-on-new-cpu
route-is-linux-choice-after-retarget descriptors-after-retarget storm-1000
cpu-offline-migrates
module-unload-adisim handles-freed event-adi-removed run-refused-after-removal
module-unload-after-removal event-adi-added-rescan module-unload-pvic"
HOST_CHECKS="retarget-no-device-messages host-routes-are-linux-choice host-handles-freed imsvm-exit-0"

skip_all()
{
	for c in $GUEST_CHECKS $HOST_CHECKS; do
		echo "SKIPPED $P/$c: $1"
	done
	exit 0
}

[ -x "$IMSVM" ] || skip_all "$IMSVM not built"
[ -x "$ADISIM" ] || skip_all "$ADISIM not built"
[ -r "$KERNEL" ] || skip_all "$KERNEL missing (tests/linux/prepare.sh)"
[ -r "$INITRD" ] || skip_all "$INITRD missing (tests/linux-modules/prepare.sh: make guest-modules failed?)"
[ -c /dev/kvm ] || skip_all "no /dev/kvm"

. tests/linux-modules/lib.sh
lmod_tmp=${TMPDIR:-/tmp}/imsvm-lmod.$$
mkdir -p "$lmod_tmp" || exit 1
trap '[ -n "$vmpid" ] && kill "$vmpid"; [ -n "$sim1pid" ] && kill "$sim1pid"; lmod_stop_sim; rm -rf "$lmod_tmp"' EXIT

if ! lmod_start_sim; then
	cat "$lmod_tmp/sim.log"
	skip_all "the ADI simulator did not start"
fi

m_begin= m_end=
on_sync()
{
	case "$1" in
	retarget-begin) m_begin=$(lmod_sim_messages) ;;
	retarget-end) m_end=$(lmod_sim_messages) ;;
	# imsvm's own view, through its control socket.
	routes) "$IMSVM" ims "$ctl" >"$lmod_tmp/ims.txt" 2>&1 ;;
	unloaded) "$IMSVM" stat "$ctl" >"$lmod_tmp/stat.txt" 2>&1 ;;
	kill-device) lmod_stop_sim ;;
	hot-add)
		# A second simulator, assigned to the running VM.
		"$ADISIM" --socket-path="$lmod_tmp/adi1.sock" >"$lmod_tmp/sim1.log" 2>&1 &
		sim1pid=$!
		i=0
		while [ ! -S "$lmod_tmp/adi1.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		"$IMSVM" assign "$ctl" --vfio-user "$lmod_tmp/adi1.sock" 2>&1 | sed 's/^/  | assign: /' ;;
	esac
}
sim1pid=
ctl=$lmod_tmp/ctl.sock
echo "$P: boot with the ADI simulator and the PV-IC"
lmod_boot "" on_sync --trace-pvic --stats --control-socket "$ctl"
# Seen twice in about twenty boots, only in the emulated machine: the guest
# triple-faults before its first port access (io_exits=0), before Linux has
# printed a line. Not understood yet (nested SVM under QEMU TCG is one
# suspect); boot once more, saying so, rather than fail 24 checks that never
# ran. A second such boot fails as usual.
if grep -q 'guest reset (triple fault)' "$vmlog" && grep -q 'total: exits=[0-9]* io_exits=0 ' "$vmlog"; then
	echo "$P: !!! RETRY: the guest triple-faulted before its first port access; booting once more"
	lmod_boot "" on_sync --trace-pvic --stats --control-socket "$ctl"
fi
log=$vmlog
status=$vmstatus

failed=0
first_skip=
for c in $GUEST_CHECKS; do
	line=$(grep -E "^LMOD-RESULT [A-Z]+ $c(:|\$)" "$log" | head -n 1)
	case "$line" in
	"LMOD-RESULT PASS $c"*) echo "PASS $P/$c" ;;
	"LMOD-RESULT FAIL $c"*) echo "FAIL $P/${line#LMOD-RESULT FAIL }"; failed=1 ;;
	"LMOD-RESULT SKIPPED $c"*)
		echo "SKIPPED $P/${line#LMOD-RESULT SKIPPED }"
		[ -z "$first_skip" ] && first_skip=${line#LMOD-RESULT SKIPPED $c: } ;;
	*)
		if [ -n "$first_skip" ]; then
			echo "SKIPPED $P/$c: $first_skip"
		else
			echo "FAIL $P/$c: the guest never reported it (imsvm status $status)"
			failed=1
		fi ;;
	esac
done

if grep -q '^LMOD-RESULT PASS affinity-next-irq-on-new-cpu' "$log"; then
	echo "  | simulator messages: $m_begin at retarget-begin, $m_end at retarget-end"
	echo "  | PV-IC trace between them: $(sed -n '/LMOD-SYNC retarget-begin/,/LMOD-SYNC retarget-end/p' "$log" | grep -c 'pvic: RETARGET') PV-IC RETARGET trace line(s)"
	# m_begin > 0: the count works (the session's set-up was counted).
	if [ -n "$m_begin" ] && [ "$m_begin" != "?" ] && [ "$m_begin" -gt 0 ] &&
	   [ "$m_begin" = "$m_end" ]; then
		echo "PASS $P/retarget-no-device-messages"
	else
		echo "FAIL $P/retarget-no-device-messages: simulator messages $m_begin -> $m_end across the affinity change"
		failed=1
	fi
elif [ -n "$first_skip" ]; then
	echo "SKIPPED $P/retarget-no-device-messages: $first_skip"
else
	echo "FAIL $P/retarget-no-device-messages: no affinity change to measure"
	failed=1
fi

# Every route imsvm holds is the vector and CPU Linux chose for that handle.
if grep -q '^LMOD-ROUTE ' "$log" && [ -s "$lmod_tmp/ims.txt" ]; then
	# ims.txt: ADI DEVICE IMS HANDLE DEST VECTOR MASKED GSI (vector in hex).
	why=$(awk '
		FNR == NR { if ($1 == "LMOD-ROUTE") { want[$2] = $3 " " $4; n++ } next }
		function hex(s,   i, v) {
			s = tolower(s); sub(/^0x/, "", s)
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		$4 ~ /^[0-9]+$/ { got[$4] = $5 " " hex($6); m++
			if ($7 != "no") print "handle " $4 " masked" }
		END {
			for (h in want) if (got[h] != want[h]) { print "handle " h ": imsvm " got[h] ", Linux " want[h]; bad++ }
			if (n != m) print n " vectors in the guest, " m " in imsvm"
		}' "$log" "$lmod_tmp/ims.txt" | head -n 3)
	if [ -z "$why" ]; then
		echo "PASS $P/host-routes-are-linux-choice"
	else
		echo "FAIL $P/host-routes-are-linux-choice: $(echo "$why" | tr '\n' ';')"
		failed=1
	fi
	echo "  | imsvm ims: $(tail -n 1 "$lmod_tmp/ims.txt")"
elif [ -n "$first_skip" ]; then
	echo "SKIPPED $P/host-routes-are-linux-choice: $first_skip"
else
	echo "FAIL $P/host-routes-are-linux-choice: no routes to compare ($(head -c 200 "$lmod_tmp/ims.txt" 2>/dev/null))"
	failed=1
fi

# After the unload imsvm itself holds no handle of the ADI.
live=$(awk '$1 == "ADI" && $3 == "LIVE" { hdr = 1; next } hdr && NF > 3 { print $3; exit }' "$lmod_tmp/stat.txt" 2>/dev/null)
if [ "$live" = 0 ]; then
	echo "PASS $P/host-handles-freed"
elif [ -n "$first_skip" ] && [ ! -s "$lmod_tmp/stat.txt" ]; then
	echo "SKIPPED $P/host-handles-freed: $first_skip"
else
	echo "FAIL $P/host-handles-freed: imsvm stat says live '$live': $(tr '\n' ';' <"$lmod_tmp/stat.txt" 2>/dev/null | tail -c 300)"
	failed=1
fi

if [ $status -eq 0 ] && grep -q '^LMOD-DONE' "$log"; then
	echo "PASS $P/imsvm-exit-0"
else
	echo "FAIL $P/imsvm-exit-0: imsvm exit status $status$(grep -q '^LMOD-DONE' "$log" || echo ', the guest never finished')"
	failed=1
fi
if [ $failed -ne 0 ]; then
	echo "  | --- last 40 lines of the VM log"
	tail -n 40 "$log" | sed 's/^/  | /'
fi
grep -i 'pvic' "$log" | grep -iv 'LMOD\|trace' | tail -n 5 | sed 's/^/  | /'
exit $failed
