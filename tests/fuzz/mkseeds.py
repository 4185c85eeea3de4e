#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Write the small seed corpora under tests/fuzz/corpus/NAME/ (committed; run
# again after changing an input format). Each seed is a well-formed
# exchange the target's parser accepts, so the fuzzer starts past the first
# checks. Regression inputs of fixed crashes live beside them as crash-*.
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- pvic_exec: records of ctl, knobs, header, entries ----------------------

PVIC_VERSION = 1 << 16
ADI_A = 3 << 3
ADI_B = 4 << 3
OP = dict(NEGOTIATE=1, QUERY_ADI=2, ALLOC=3, FREE=4, RETARGET=5, MASK=6, UNMASK=7,
          GET_PENDING=8, RESET_ADI=9)


def pvic_hdr(op, adi, count, flags=0):
    # op flags status seq adi count done result reserved[8]
    return struct.pack("<IIiIIIII32x", op, flags, 0, 0, adi, count, 0, 0)


def pvic_entry(handle=0, ims=0, dest=0, vector=0x40, flags=0):
    return struct.pack("<IIIBBBBIIIi", handle, ims, dest, vector, 0, 0, flags, 0, 0, 0, 0)


def pvic_rec(op, adi, entries, knobs=0, count=None, flags=0):
    n = len(entries)
    return bytes([0x80 | n, knobs]) + pvic_hdr(op, adi, n if count is None else count,
                                                flags) + b"".join(entries)


def pvic_seeds():
    neg = pvic_rec(OP["NEGOTIATE"], 0,
                   [struct.pack("<IIIIIIIi", PVIC_VERSION, 0x3F, 0, 0, 0, 0, 0, 0)])
    alloc = pvic_rec(OP["ALLOC"], ADI_A, [pvic_entry(0, i, i % 4, 0x40 + i) for i in range(8)])
    hs = [pvic_entry(h) for h in range(1, 9)]
    write("pvic_exec", "negotiate", neg)
    write("pvic_exec", "alloc", neg + alloc)
    write("pvic_exec", "lifecycle", neg + alloc +
          pvic_rec(OP["QUERY_ADI"], ADI_A, [pvic_entry()]) +
          pvic_rec(OP["RETARGET"], ADI_A, [pvic_entry(h, 0, 3, 0x50) for h in range(1, 9)]) +
          pvic_rec(OP["MASK"], ADI_A, hs) + pvic_rec(OP["GET_PENDING"], ADI_A, hs) +
          pvic_rec(OP["UNMASK"], ADI_A, hs) + pvic_rec(OP["FREE"], ADI_A, hs[:4]) +
          pvic_rec(OP["RESET_ADI"], ADI_A, []))
    write("pvic_exec", "more_then_fail", neg +
          pvic_rec(OP["ALLOC"], ADI_B, [pvic_entry(0, 0xFFFFFFFF, 1, 0x60)] * 4, flags=2) +
          pvic_rec(OP["ALLOC"], ADI_B, [pvic_entry(0, 0xFFFFFFFF, 1, 0x61)] * 4, knobs=0x40 | 2) +
          pvic_rec(OP["FREE"], ADI_A, hs, knobs=8))


# ---- platform_devices: 10-byte records op, size, addr, value ----------------

def platform_seeds():
    recs = []
    for bdf in (0, 1 << 11, 2 << 11):
        for reg in (0, 4, 8, 0x10, 0x14, 0x34):
            recs.append(struct.pack("<BBII", 0, 2, 0x80000000 | bdf | reg, 0))
            recs.append(struct.pack("<BBII", 2, 2, 0, 0))
    recs.append(struct.pack("<BBII", 7, 0, 0x3f8, 0x41))
    recs.append(struct.pack("<BBII", 8, 0, 0x3fd, 0))
    write("platform_devices", "cfg_scan", b"".join(recs))


# ---- boot: the kernel image itself -------------------------------------------

def elf64(pvh=False):
    ehdr_size, phdr_size = 64, 56
    note = b""
    if pvh:
        name = b"Xen\0"
        desc = struct.pack("<I", 0x100000)
        note = struct.pack("<III", len(name), len(desc), 18) + name + desc
    phnum = 2 if pvh else 1
    code_off = ehdr_size + phnum * phdr_size
    code = b"\xf4" * 16
    note_off = code_off + len(code)
    e = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    e += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x100000, ehdr_size, 0, 0, ehdr_size,
                     phdr_size, phnum, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, code_off, 0x100000, 0x100000, len(code), len(code),
                     0x1000)
    if pvh:
        ph += struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    return e + ph + code + note


def bzimage():
    setup_sects = 1
    img = bytearray(512 * (setup_sects + 1) + 64)
    img[0x1f1] = setup_sects
    struct.pack_into("<H", img, 0x1fe, 0xAA55)
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x020f)              # version
    img[0x211] = 0x01                                       # loadflags: LOADED_HIGH
    struct.pack_into("<I", img, 0x230, 0x200000)            # kernel_alignment
    img[0x234] = 1                                          # relocatable
    struct.pack_into("<H", img, 0x236, 0x3)                 # xloadflags: KERNEL_64
    struct.pack_into("<I", img, 0x238, 2048)                # cmdline_size
    struct.pack_into("<I", img, 0x260, 0x100000)            # init_size
    img[512 * (setup_sects + 1):] = b"\xf4" * 64
    return bytes(img)


def boot_seeds():
    # The first byte is the target's options: an initrd, a DTB.
    write("boot", "elf64", b"\x09" + elf64())
    write("boot", "elf64_pvh", b"\x09" + elf64(pvh=True))
    write("boot", "bzimage", b"\x09" + bzimage())


TARGETS = dict(pvic_exec=pvic_seeds, platform_devices=platform_seeds, boot=boot_seeds)

if __name__ == "__main__":
    for t in sys.argv[1:] or TARGETS:
        TARGETS[t]()
