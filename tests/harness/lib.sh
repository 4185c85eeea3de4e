# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers of the host-side harness scripts (bash). Sourced, not run.

# Bash reads a script while it runs it, and this tree may be edited while a
# long run (make check, make bench, the emulated machine) goes on. A script
# that starts with
#   . "${HARNESS_TOP:-$(dirname "$0")/UP}/tests/harness/lib.sh"
#   harness_private_copy UP "$0" "$@"
# (UP: its folder's way to the top of the tree, e.g. .. or ../..) runs again
# from a private copy in /tmp, which removes itself, in the top of the tree.
harness_private_copy()
{
	local up=$1 script=$2 top copy
	shift 2
	if [ -z "${HARNESS_TOP:-}" ]; then
		top=$(cd "$(dirname "$script")/$up" && pwd) || exit 2
		copy=$(mktemp "/tmp/$(basename "$script" .sh).XXXXXX") || exit 2
		cp "$script" "$copy" || exit 2
		HARNESS_TOP=$top exec bash "$copy" "$@"
	fi
	rm -f "$script"
	cd "$HARNESS_TOP" || exit 2
	# Scripts this one runs make their own copies.
	unset HARNESS_TOP
}

# The version of Debian's kernel that linux-image-amd64 installs: the one
# its metapackage depends on, or else the newest /boot/vmlinuz-* that has
# its modules. Prints nothing when no usable kernel is installed.
harness_kernel_version()
{
	local dep v

	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null || true)
	v=$(printf '%s\n' "$dep" | sed -n 's/.*linux-image-\([^ ,]*\).*/\1/p' | head -n1)
	if [ -n "$v" ] && [ -r "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v" ]; then
		echo "$v"
		return
	fi
	for f in $(ls /boot/vmlinuz-* 2>/dev/null | sort -rV); do
		v=${f#/boot/vmlinuz-}
		if [ -d "/lib/modules/$v" ] && [ -r "$f" ]; then
			echo "$v"
			return
		fi
	done
}

# harness_copy_module KVER NAME DESTDIR: put NAME.ko (decompressed if
# Debian ships it compressed) in DESTDIR.
harness_copy_module()
{
	local kver=$1 name=$2 dest=$3 src

	src=$(modinfo -k "$kver" -n "$name" 2>/dev/null) || {
		echo "harness: module $name not found for kernel $kver" >&2
		return 1
	}
	case "$src" in
	*.ko) cp "$src" "$dest/$name.ko" ;;
	*.ko.xz) xz -dc "$src" >"$dest/$name.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$dest/$name.ko" ;;
	*.ko.gz) gzip -dc "$src" >"$dest/$name.ko" ;;
	*) echo "harness: unknown module format: $src" >&2; return 1 ;;
	esac
}

# harness_copy_binary ROOT FILE [DEST]: copy an executable into the staging
# tree ROOT (at DEST, default its own path) with every shared library ldd
# lists and the dynamic loader, each at the path ldd names.
harness_copy_binary()
{
	local root=$1 file=$2 dest=${3:-$2} lib

	mkdir -p "$root/$(dirname "$dest")"
	cp -L "$file" "$root/$dest"
	# Static binaries: ldd says "not a dynamic executable" and fails.
	ldd "$file" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' |
	while read -r lib; do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}

# harness_cpio ROOT OUT: pack ROOT into an uncompressed newc archive (the
# emulated machine unpacks it faster than it would decompress it).
harness_cpio()
{
	local root=$1 out=$2

	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
}

# harness_stamp FILE...: a key that changes when any input changes (path,
# size, modification time).
harness_stamp()
{
	local f

	for f in "$@"; do
		if [ -e "$f" ]; then
			stat -L -c '%n %s %Y' "$f"
		else
			echo "$f absent"
		fi
	done | sha256sum | cut -d' ' -f1
}

# harness_kvm_mode: decide where the KVM part of the tests runs, from $KVM
# (auto, host or emulated) and whether this machine has a usable /dev/kvm.
# Sets KVM_MODE (host | emulated) and KVM_LINE (the line that says so);
# returns 1 with KVM_LINE holding the error when KVM=host cannot be had.
harness_kvm_mode()
{
	local have=0

	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && have=1
	case "${KVM:-auto}" in
	emulated)
		KVM_MODE=emulated
		KVM_LINE="KVM: emulated machine (forced with KVM=emulated)" ;;
	host)
		KVM_MODE=host
		KVM_LINE="KVM: host /dev/kvm (forced with KVM=host)"
		if [ $have = 0 ]; then
			KVM_LINE="KVM=host, but this machine has no usable /dev/kvm"
			return 1
		fi ;;
	auto|"")
		if [ $have = 1 ]; then
			KVM_MODE=host
			KVM_LINE="KVM: host /dev/kvm"
		else
			KVM_MODE=emulated
			KVM_LINE="KVM: emulated machine (no /dev/kvm)"
		fi ;;
	*)
		KVM_LINE="KVM=${KVM}: want auto, host or emulated"
		return 1 ;;
	esac
	return 0
}
