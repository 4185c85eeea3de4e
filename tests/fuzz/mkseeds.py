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


# ---- vfio_user_client: records type, msg_id, cmd, flags, error, len, body ----

VFU = dict(VERSION=1, DMA_MAP=2, DMA_UNMAP=3, GET_INFO=4, GET_REGION_INFO=5, GET_IRQ_INFO=7,
           SET_IRQS=8, REGION_READ=9, REGION_WRITE=10, DMA_READ=11, DMA_WRITE=12, RESET=13)
REPLY = 1


def vfu_msg(msg_id, cmd, body=b"", flags=REPLY, err=0):
    return struct.pack("<BHHBBH", 0, msg_id, cmd, flags, err, len(body)) + body


def vfu_client_seeds():
    caps = b'{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576,' \
           b'"max_dma_maps":64,"pgsizes":4096}}\0'
    version = vfu_msg(1, VFU["VERSION"], struct.pack("<HH", 0, 2) + caps)
    dma_map = vfu_msg(2, VFU["DMA_MAP"])
    info = vfu_msg(3, VFU["GET_INFO"], struct.pack("<IIII", 16, 0, 3, 3))
    # vfio_region_info: argsz flags index cap_offset size offset
    region = [vfu_msg(4 + i, VFU["GET_REGION_INFO"],
                      struct.pack("<IIIIQQ", 32, 3, i, 0, 0x1000, 0)) for i in range(3)]
    # vfio_irq_info: argsz flags index count
    irq = [vfu_msg(7 + i, VFU["GET_IRQ_INFO"], struct.pack("<IIII", 16, 1, i, 4))
           for i in range(2)]
    rd = vfu_msg(9, VFU["REGION_READ"], struct.pack("<QII", 0x10, 0, 256) + bytes(256))
    wr = vfu_msg(10, VFU["REGION_WRITE"], struct.pack("<QII", 0x20, 0, 8))
    setirq = vfu_msg(11, VFU["SET_IRQS"])
    dmaw = vfu_msg(1, VFU["DMA_WRITE"], struct.pack("<QQ", 0x1000, 8) + b"ABCDEFGH", flags=0)
    dmar = vfu_msg(2, VFU["DMA_READ"], struct.pack("<QQ", 0x1000, 8), flags=0)
    reset = vfu_msg(12, VFU["RESET"])
    unmap = vfu_msg(13, VFU["DMA_UNMAP"], struct.pack("<IIQQ", 24, 0, 0, 1 << 20))
    write("vfio_user_client", "version", version)
    write("vfio_user_client", "session", version + dma_map + info + b"".join(region) +
          b"".join(irq) + dmaw + rd + dmar + wr + setirq + reset + unmap)
    write("vfio_user_client", "error_replies", version + dma_map +
          vfu_msg(3, VFU["GET_INFO"], flags=REPLY | 0x20, err=5) + dmaw)


def adisim_seeds():
    # The client's side: commands (flags 0) with ids counting up.
    caps = b'{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576}}\0'
    cmd = lambda i, c, body=b"": vfu_msg(i, VFU[c], body, flags=0)
    version = cmd(1, "VERSION", struct.pack("<HH", 0, 2) + caps)
    dma_map = cmd(2, "DMA_MAP", struct.pack("<IIQQQ", 32, 3, 0, 0, 1 << 20))
    info = cmd(3, "GET_INFO", struct.pack("<IIII", 16, 0, 0, 0))
    region = [cmd(4 + i, "GET_REGION_INFO", struct.pack("<IIIIQQ", 32, 0, i, 0, 0, 0))
              for i in (0, 7)]
    irq = cmd(6, "GET_IRQ_INFO", struct.pack("<IIII", 16, 0, 4, 0))
    cfg_rd = cmd(7, "REGION_READ", struct.pack("<QII", 0, 7, 64))
    cfg_wr = cmd(8, "REGION_WRITE", struct.pack("<QII", 4, 7, 2) + b"\x06\x00")
    bar_rd = cmd(9, "REGION_READ", struct.pack("<QII", 0, 0, 4))
    bar_wr = cmd(10, "REGION_WRITE", struct.pack("<QII", 0x10, 0, 4) + b"\x01\x00\x00\x00")
    # vfio_irq_set: argsz flags index start count (DATA_NONE | ACTION_TRIGGER)
    setirq = cmd(11, "SET_IRQS", struct.pack("<IIIII", 20, 0x21, 4, 0, 1))
    reset = cmd(12, "RESET")
    unmap = cmd(13, "DMA_UNMAP", struct.pack("<IIQQ", 24, 0, 0, 1 << 20))
    write("adisim", "version", version)
    write("adisim", "session", version + dma_map + info + b"".join(region) + irq + cfg_rd +
          cfg_wr + bar_rd + bar_wr + setirq + reset + unmap)


def control_seeds():
    lines = [b'{"id":1,"command":"version"}', b'{"id":"a","protocol":1,"command":"info"}',
             b'{"id":2,"command":"stat","arguments":{"vcpus":true}}',
             b'{"id":3,"command":"ims","arguments":{"device":"pt0"}}',
             b'{"id":4,"command":"pause","arguments":{"timeout_ms":10}}',
             b'{"id":5,"command":"resume"}', b'{"id":6,"command":"stop"}',
             b'{"id":7,"command":"unassign","arguments":{"device":"x"}}', b'not json', b'[1,2]']
    write("control", "requests", b"\n".join(lines) + b"\n")
    write("control", "split", b'{"id":1,"comm' + b' ' * 5000 + b'and":"version"}\n{"id"')


def virtqueue_seeds():
    num, desc, avail, used, buf = 8, 0x1000, 0x2000, 0x3000, 0x8000
    ram = bytearray(0x9000)
    # desc: addr len flags next; chain 0 -> 1 (NEXT), 1 writable; 2 indirect -> table at 0x4000
    struct.pack_into("<QIHH", ram, desc + 0, buf, 64, 1, 1)
    struct.pack_into("<QIHH", ram, desc + 16, buf + 64, 64, 2, 0)
    struct.pack_into("<QIHH", ram, desc + 32, 0x4000, 32, 4, 0)
    struct.pack_into("<QIHH", ram, 0x4000, buf + 128, 16, 1, 1)
    struct.pack_into("<QIHH", ram, 0x4010, buf + 144, 16, 2, 0)
    struct.pack_into("<HHHH", ram, avail, 0, 2, 0, 2)      # flags idx ring[0..1]
    hdr = struct.pack("<HHHHB3x", num, desc // 16, avail // 16, used // 16, 0)
    write("virtqueue", "direct_indirect", hdr + bytes(ram))
    hdr = struct.pack("<HHHHBBBB", num, desc // 16, avail // 16, used // 16, 1, 8, 4, 1)
    write("virtqueue", "event_idx_unpop", hdr + bytes(ram))


# ---- virtio_devices: records op, sel, a, v, x -----------------------------------

def virtio_devices_seeds():
    # virtio_pci_common_cfg offsets (linux/virtio_pci.h) and imsvm's notify area.
    ST, GFSEL, GF, QSEL, QSIZE, QEN = 20, 8, 12, 22, 24, 28
    QDESC, QAVAIL, QUSED, NOTIFY = 32, 40, 48, 0x3000
    rec = lambda op, dev, a, v, x: struct.pack("<BBIIH", op, dev, a, v, x)
    bar_w = lambda dev, off, v, size: rec(2, dev, off, v, {1: 0, 2: 1, 4: 2, 8: 3}[size])
    ram_w = lambda gpa, v: rec(4, 0, gpa, v, 0)
    for dev, name, out_len, in_len in ((0, "rng_request", 0, 64), (1, "blk_read", 16, 512),
                                       (2, "blk_ro_write", 16 + 512, 0)):
        r = [rec(0, dev, 4, 6, 1)]                   # PCI command: memory + bus master
        r += [bar_w(dev, ST, 0, 1), bar_w(dev, ST, 1, 1), bar_w(dev, ST, 3, 1),
              bar_w(dev, GFSEL, 1, 4), bar_w(dev, GF, 1, 4), bar_w(dev, ST, 0xB, 1),
              bar_w(dev, QSEL, 0, 2), bar_w(dev, QSIZE, 16, 2),
              bar_w(dev, QDESC, 0x1000, 4), bar_w(dev, QAVAIL, 0x2000, 4),
              bar_w(dev, QUSED, 0x3000, 4), bar_w(dev, QEN, 1, 2), bar_w(dev, ST, 0xF, 1)]
        descs = []
        if out_len:
            descs.append((0x8000, out_len, 0))
        descs.append((0x9000, in_len or 1, 2))
        if dev == 1:
            descs = [(0x8000, 16, 0), (0x9000, 512, 2), (0xA000, 1, 2)]
        if dev == 2:
            descs = [(0x8000, 16, 0), (0x9000, 512, 0), (0xA000, 1, 2)]
            r.append(ram_w(0x8000, 1))               # VIRTIO_BLK_T_OUT
        for i, (addr, ln, fl) in enumerate(descs):
            nxt = i + 1 if i + 1 < len(descs) else 0
            flags = fl | (1 if nxt else 0)
            r += [ram_w(0x1000 + 16 * i, addr), ram_w(0x1000 + 16 * i + 4, 0),
                  ram_w(0x1000 + 16 * i + 8, ln), ram_w(0x1000 + 16 * i + 12, flags | nxt << 16)]
        r += [ram_w(0x2000, 1 << 16), bar_w(dev, NOTIFY, 0, 2), rec(5, 0, 0, 0, 999)]
        write("virtio_devices", name, b"".join(r))

    # Console (3) and net (4): queue q set up, one chain of (addr, len, flags), a kick.
    def one_chain(dev, q, descs, extra_ram=(), after=()):
        r = [rec(0, dev, 4, 6, 1),
             bar_w(dev, ST, 0, 1), bar_w(dev, ST, 1, 1), bar_w(dev, ST, 3, 1),
             bar_w(dev, GFSEL, 1, 4), bar_w(dev, GF, 1, 4), bar_w(dev, ST, 0xB, 1),
             bar_w(dev, QSEL, q, 2), bar_w(dev, QSIZE, 16, 2),
             bar_w(dev, QDESC, 0x1000, 4), bar_w(dev, QAVAIL, 0x2000, 4),
             bar_w(dev, QUSED, 0x3000, 4), bar_w(dev, QEN, 1, 2), bar_w(dev, ST, 0xF, 1)]
        for i, (addr, ln, fl) in enumerate(descs):
            nxt = i + 1 if i + 1 < len(descs) else 0
            r += [ram_w(0x1000 + 16 * i, addr), ram_w(0x1000 + 16 * i + 4, 0),
                  ram_w(0x1000 + 16 * i + 8, ln),
                  ram_w(0x1000 + 16 * i + 12, fl | (1 if nxt else 0) | nxt << 16)]
        r += [ram_w(a, v) for a, v in extra_ram]
        r += [ram_w(0x2000, 1 << 16), bar_w(dev, NOTIFY + 4 * q, q, 2)]
        return b"".join(r + list(after) + [rec(5, 0, 0, 0, 999)])
    write("virtio_devices", "console_tx", one_chain(3, 1, [(0x8000, 6, 0)],
                                                     [(0x8000, 0x6c6c6568), (0x8004, 0x0a6f)]))
    # virtio-net transmit: the 12-byte header, then a 60-byte broadcast frame.
    write("virtio_devices", "net_tx", one_chain(4, 1, [(0x8000, 12, 0), (0x9000, 60, 0)],
                                                [(0x9000, 0xffffffff), (0x9004, 0xffff)]))
    # virtio-net receive: a posted buffer, then a 60-byte frame into the tap.
    write("virtio_devices", "net_rx", one_chain(4, 0, [(0x8000, 1526, 2)],
                                                after=[rec(6, 0, 0xffffffff, 0x08000000, 60)]))



# ---- passthrough: flags, patches, server script, guest records ------------------

def passthrough_seeds():
    rec = lambda op, sel, a, v, x: struct.pack("<BBIIH", op, sel, a, v, x)
    cfg_w = lambda off, v, size: rec(0, 0, off, v, {1: 0, 2: 1, 4: 2}[size])
    cfg_r = lambda off, size: rec(1, 0, off, 0, {1: 0, 2: 1, 4: 2}[size])
    bar_w = lambda bar, off, v, size: rec(2, bar, off, v, {1: 0, 2: 1, 4: 2, 8: 3}[size])
    bar_r = lambda bar, off, size: rec(3, bar, off, 0, {1: 0, 2: 1, 4: 2, 8: 3}[size])
    guest = [cfg_r(0, 4), cfg_r(0x34, 1), cfg_w(4, 6, 2),         # memory + bus master
             bar_w(0, 0x10, 0x1234, 4), bar_r(0, 0x10, 4),
             # MSI-X: vector 0 (table in BAR4), enable, unmask
             bar_w(4, 0, 0xFEE00000, 4), bar_w(4, 8, 0x41, 4), bar_w(4, 12, 0, 4),
             cfg_w(0x62, 0x8007, 2), bar_r(4, 0x800, 8), cfg_w(0x62, 0, 2),
             # MSI: address, data, 2 vectors, enable
             cfg_w(0x44, 0xFEE00000, 4), cfg_w(0x4C, 0x42, 2), cfg_w(0x42, 0x0083 | 1 << 4, 2),
             cfg_r(0x42, 2), cfg_w(0x42, 0x0080, 2),
             # IMS entry 3 in BAR2 (trapped in --ims-mode=trap)
             bar_w(2, 0x30, 0xFEE00000, 4), bar_w(2, 0x38, 0x45, 4), bar_r(2, 0x30, 4),
             cfg_w(0x10, 0xFFFFFFFF, 4), cfg_r(0x10, 4)]
    head = lambda flags, script: bytes([flags, 0]) + struct.pack("<H", len(script)) + script
    body = b"".join(guest)
    write("passthrough", "assign_and_drive", head(0, b"") + body)
    write("passthrough", "trap_mode", head(1, b"") + body)
    write("passthrough", "reset_fail_unplug", head(0, b"") + body + rec(4, 0, 0, 0, 0) +
          rec(3, 0, 0x10, 0, 2) + rec(5, 0, 0, 0, 0) + cfg_r(0, 4) + rec(6, 0, 0, 0, 0) + cfg_r(0, 4))
    # A server that errs on its 6th answer and hangs up on its 12th.
    write("passthrough", "server_errors", head(0, bytes(5) + bytes([5, 5]) + bytes(5) + bytes([7])) + body)
    # The same guest over kernel VFIO: iommufd and legacy group paths, trap mode.
    write("vfio_kernel", "iommufd", head(0, b"") + body)
    write("vfio_kernel", "group", head(2, b"") + body)
    write("vfio_kernel", "group_trap", head(3, b"") + body)
    write("vfio_kernel", "reset_fail_unplug", head(0, b"") + body + rec(4, 0, 0, 0, 0) +
          rec(3, 0, 0x10, 0, 2) + rec(5, 0, 0, 0, 0) + cfg_r(0, 4) + rec(6, 0, 0, 0, 0))


TARGETS = dict(passthrough=passthrough_seeds, vfio_kernel=passthrough_seeds, virtio_devices=virtio_devices_seeds, virtqueue=virtqueue_seeds, control=control_seeds, adisim=adisim_seeds, vfio_user_client=vfu_client_seeds, pvic_exec=pvic_seeds, platform_devices=platform_seeds, boot=boot_seeds)

if __name__ == "__main__":
    for t in sys.argv[1:] or TARGETS:
        TARGETS[t]()
