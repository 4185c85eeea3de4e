/* SPDX-License-Identifier: GPL-2.0-only */
/* IOAPIC redirection and the 8254 PIT. */
#include "libcflat.h"
#include "x86/apic.h"
#include "x86/processor.h"

#define IOREGSEL	0x00
#define IOWIN		0x10

u32 ioapic_read(u32 reg)
{
	mmio_write32(IOAPIC_DEFAULT_BASE + IOREGSEL, reg);
	return mmio_read32(IOAPIC_DEFAULT_BASE + IOWIN);
}

void ioapic_write(u32 reg, u32 val)
{
	mmio_write32(IOAPIC_DEFAULT_BASE + IOREGSEL, reg);
	mmio_write32(IOAPIC_DEFAULT_BASE + IOWIN, val);
}

u32 ioapic_id(void)
{
	return ioapic_read(0) >> 24 & 0xf;
}

int ioapic_pins(void)
{
	return (int)(ioapic_read(1) >> 16 & 0xff) + 1;
}

void ioapic_route(int pin, int vector, u32 dest, bool level, bool active_low)
{
	u32 lo = (u32)vector | (active_low ? 1U << 13 : 0) | (level ? 1U << 15 : 0);

	/* Mask first, high word, then the low word that unmasks. */
	ioapic_write(0x10 + 2 * pin, 1U << 16);
	ioapic_write(0x11 + 2 * pin, dest << 24);
	ioapic_write(0x10 + 2 * pin, lo);
}

void ioapic_mask(int pin)
{
	ioapic_write(0x10 + 2 * pin, ioapic_read(0x10 + 2 * pin) | 1U << 16);
}

u64 ioapic_read_redir(int pin)
{
	return ioapic_read(0x10 + 2 * pin) | (u64)ioapic_read(0x11 + 2 * pin) << 32;
}

void pit_start_periodic(u16 count)
{
	outb(0x34, 0x43);		/* channel 0, lo/hi, mode 2 (rate generator) */
	outb((u8)count, 0x40);
	outb((u8)(count >> 8), 0x40);
}

void pit_stop(void)
{
	/* Mode 0 with no count written: the output stays low, no more edges. */
	outb(0x30, 0x43);
}
