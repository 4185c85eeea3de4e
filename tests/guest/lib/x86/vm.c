/* SPDX-License-Identifier: GPL-2.0-only */
#include "libcflat.h"
#include "x86/processor.h"
#include "x86/vm.h"

#define SPARE_PDS	4

extern u64 pml4[512];
static u64 spare_pd[SPARE_PDS][512] __aligned(4096);
static int spare_used;

bool vm_map_gib(phys_addr_t phys)
{
	u64 gib = phys >> 30;
	u64 *pdpt;

	if (gib >= 512)
		return false;
	pdpt = (u64 *)(uintptr_t)(pml4[0] & ~0xfffULL);
	if (pdpt[gib] & 1)
		return true;
	if (spare_used >= SPARE_PDS)
		return false;
	u64 *pd = spare_pd[spare_used++];

	for (u64 i = 0; i < 512; i++)
		pd[i] = (gib << 30) + (i << 21) + 0x83;	/* present, writable, 2 MiB */
	pdpt[gib] = (u64)(uintptr_t)pd + 0x3;
	/* A non-present entry is never cached, but be plain about it. */
	asm volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	return true;
}
