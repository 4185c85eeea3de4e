/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ADI simulator's PCI function as the guest tests reach it: recognise it
 * on bus 0, find its BARs, turn on memory decoding and bus mastering, and
 * (re)start its descriptor ring, read its counters. Used by assign.h,
 * pvic_adi.h and idle.c.
 * A header, not a .c: every .c file in tests/guest/x86 is a kernel of its own.
 */
#ifndef TESTS_GUEST_X86_ADISIM_H
#define TESTS_GUEST_X86_ADISIM_H

#include "libcflat.h"
#include "pci.h"
#include "../../../devices/adisim/regs.h"

#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4

/* Is function 0 of @slot on bus 0 the simulator? */
static inline bool adisim_at(u32 slot)
{
	u32 id = pci_conf1_read32(0, slot, 0, PCI_VENDOR_ID);

	return (id & 0xffff) == ADISIM_PCI_VENDOR_ID && (id >> 16) == ADISIM_PCI_DEVICE_ID;
}

/* Where memory BAR @bar of @slot decodes (its low 4 bits are flags). */
static inline volatile u32 *adisim_bar(u32 slot, unsigned int bar)
{
	return (volatile u32 *)(uintptr_t)(pci_conf1_read32(0, slot, 0, PCI_BAR0 + 4 * bar) &
					   ~0xfu);
}

/* Memory decoding and bus mastering (its DMA) on. */
static inline void adisim_enable(u32 slot)
{
	pci_conf1_write32(0, slot, 0, PCI_COMMAND,
			  (pci_conf1_read32(0, slot, 0, PCI_COMMAND) & 0xffff) |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/*
 * Reset the engine (@regs: BAR0) and start it on the ring of @n descriptors
 * at guest-physical @base (the tests aim it outside RAM too).
 */
static inline void adisim_ring_start(volatile u32 *regs, u64 base, u32 n)
{
	regs[ADISIM_REG_CTRL / 4] = ADISIM_CTRL_RESET;
	regs[ADISIM_REG_RING_BASE_LO / 4] = (u32)base;
	regs[ADISIM_REG_RING_BASE_HI / 4] = (u32)(base >> 32);
	regs[ADISIM_REG_RING_SIZE / 4] = n;
	regs[ADISIM_REG_CTRL / 4] = ADISIM_CTRL_ENABLE;
}

/* 64-bit counter @n (ADISIM_CNT_*) of the function whose BAR0 is @regs. */
static inline u64 adisim_counter(const volatile u32 *regs, u32 n)
{
	return regs[ADISIM_REG_CNT(n) / 4] | (u64)regs[(ADISIM_REG_CNT(n) + 4) / 4] << 32;
}

#endif /* TESTS_GUEST_X86_ADISIM_H */
