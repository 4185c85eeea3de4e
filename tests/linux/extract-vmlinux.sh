#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# extract-vmlinux.sh BZIMAGE OUT: write the ELF vmlinux inside a compressed
# kernel image (the approach of the kernel tree's scripts/extract-vmlinux:
# find each compression format's magic, decompress from there, keep the
# first result that is an ELF file). Debian's kernels are xz-compressed;
# zstd, gzip, lz4, bzip2 and lzma are tried as well.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
img=$1
out=$2
[ -r "$img" ] || { echo "extract-vmlinux: cannot read $img" >&2; exit 1; }

tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT

is_elf()
{
	[ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]
}

# try MAGIC(grep -P) DECOMPRESSOR...
try()
{
	local magic=$1 off
	shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1); do
		tail -c +$((off + 1)) "$img" | "$@" >"$tmp" 2>/dev/null || true
		if [ -s "$tmp" ] && is_elf "$tmp"; then
			mv "$tmp" "$out"
			trap - EXIT
			exit 0
		fi
	done
}

# Already an ELF file (a vmlinux given as is).
if is_elf "$img"; then
	cp "$img" "$out"
	exit 0
fi

try '\xfd\x37\x7a\x58\x5a\x00' xz -dc --single-stream
try '\x28\xb5\x2f\xfd' zstd -dcq
try '\x1f\x8b\x08' gzip -dc
try '\x02\x21\x4c\x18' lz4 -dc
try 'BZh' bzip2 -dc
try '\x5d\x00\x00\x00' xz -dc --format=lzma

echo "extract-vmlinux: no compressed ELF kernel found in $img" >&2
exit 1
