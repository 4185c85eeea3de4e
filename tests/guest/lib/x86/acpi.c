/* SPDX-License-Identifier: GPL-2.0-only */
#include "libcflat.h"
#include "x86/acpi.h"
#include "x86/pvh.h"

struct rsdp {
	char signature[8];	/* "RSD PTR " */
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 ext_checksum;
	u8 reserved[3];
} __attribute__((packed));

struct sdt_header {
	char signature[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_revision, creator, creator_revision;
} __attribute__((packed));

static const struct rsdp *find_rsdp(void)
{
	const struct hvm_start_info *si = boot_info.start_info;

	if (si && si->rsdp_paddr)
		return (const void *)(uintptr_t)si->rsdp_paddr;
	for (phys_addr_t a = 0xe0000; a < 0x100000; a += 16) {
		const struct rsdp *r = (const void *)(uintptr_t)a;

		if (!memcmp(r->signature, "RSD PTR ", 8) && !byte_sum(r, 20))
			return r;
	}
	return NULL;
}

static const struct sdt_header *find_table(const struct rsdp *r, const char *sig)
{
	const struct sdt_header *rsdt = (const void *)(uintptr_t)r->rsdt;
	u32 n;

	if (!r->rsdt || memcmp(rsdt->signature, "RSDT", 4))
		return NULL;
	n = (rsdt->length - (u32)sizeof(*rsdt)) / 4;
	for (u32 i = 0; i < n; i++) {
		u32 pa;

		memcpy(&pa, (const u8 *)(rsdt + 1) + 4 * i, 4);
		if (pa && !memcmp(((const struct sdt_header *)(uintptr_t)pa)->signature, sig, 4))
			return (const void *)(uintptr_t)pa;
	}
	return NULL;
}

int acpi_madt_cpus(u32 *ids, int max)
{
	const struct rsdp *r = find_rsdp();
	const struct sdt_header *madt;
	const u8 *p, *end;
	int n = 0;

	if (!r || !(madt = find_table(r, "APIC")))
		return 0;
	/* Entries follow the header, the LAPIC address and the flags. */
	p = (const u8 *)(madt + 1) + 8;
	end = (const u8 *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		u32 flags;

		if (p[0] == 0 && p[1] >= 8) {		/* processor local APIC */
			memcpy(&flags, p + 4, 4);
			if ((flags & 1) && n < max)
				ids[n++] = p[3];
		} else if (p[0] == 9 && p[1] >= 16) {	/* processor local x2APIC */
			memcpy(&flags, p + 8, 4);
			if ((flags & 1) && n < max)
				memcpy(&ids[n++], p + 4, 4);
		}
		p += p[1];
	}
	return n;
}
