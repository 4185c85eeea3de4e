/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm PCI test device (494d:0002), for guest test kernels and benchmarks:
 * a function with one BAR of every kind, a vendor capability and INTA, so a
 * guest can check BAR sizing, moving and decoding, capability walking and
 * INTx end to end. Not for production guests; `imsvm run` adds it on request.
 *
 * BAR0, 32-bit memory, 4 KiB, and BAR1, I/O, 32 bytes, hold the same
 * registers (32-bit accesses, or narrower parts of them):
 *   0x00 MAGIC   read-only 0x54534D49 ("IMST")
 *   0x04 SCRATCH read/write
 *   0x08 INTX    write 1: assert INTA, 0: deassert; reads the level
 *   0x0C COUNT   number of writes to this BAR so far (read-only)
 *   0x10 WHERE   the BAR's index (0 or 1) and bit 31 set: which BAR answered
 * BAR2+3, 64-bit prefetchable memory, 1 MiB: reads return the offset
 * itself (so a guest can check where an access landed); writes are ignored.
 * Vendor capability (ID 0x09), 8 bytes: byte 3 is read-only 0xA5, bytes
 * 4..7 are read/write.
 */
#ifndef DEVICES_PCI_TESTDEV_H
#define DEVICES_PCI_TESTDEV_H

#include "vmm/util.h"

struct vm;

#define PCI_TESTDEV_DEVICE_ID	0x0002
#define PCI_TESTDEV_MAGIC	0x54534D49
#define PCI_TESTDEV_MAGIC_REG	0x00
#define PCI_TESTDEV_SCRATCH	0x04
#define PCI_TESTDEV_INTX	0x08
#define PCI_TESTDEV_COUNT	0x0C
#define PCI_TESTDEV_WHERE	0x10

/* Add one test device to vm->pci (pci__init first), any free slot. */
int __must_check pci_testdev__init(struct vm *vm);

#endif /* DEVICES_PCI_TESTDEV_H */
