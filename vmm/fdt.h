/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flattened device tree imsvm gives every guest (docs/device-tree.md):
 * memory, CPUs, the interrupt controllers, /chosen, and whatever each device
 * on the VM's list adds through its ops->fdt_node.
 */
#ifndef VMM_FDT_H
#define VMM_FDT_H

#include <stddef.h>

#include "vmm/util.h"

struct vm;

/*
 * Phandles of the interrupt controllers, for devices' interrupt-parent and
 * interrupt-map properties. Interrupt specifiers are one cell: the IOAPIC
 * input pin (ISA IRQs: edge, active high; PCI INTx: level, active high, as
 * the MP table says).
 */
#define FDT_PHANDLE_IOAPIC	1
#define FDT_PHANDLE_LAPIC	2
#define FDT_INTERRUPT_CELLS	1

/* Root #address-cells and #size-cells: 64-bit addresses and sizes. */
#define FDT_ADDR_CELLS		2
#define FDT_SIZE_CELLS		2

/*
 * Build the blob for @vm into @buf (@size bytes): finished and packed, so
 * fdt_totalsize(buf) is its length. -ENOSPC when it does not fit, -EINVAL
 * (logged) when libfdt or a device's node fails otherwise.
 */
int __must_check fdt__build(struct vm *vm, void *buf, size_t size);

#endif /* VMM_FDT_H */
