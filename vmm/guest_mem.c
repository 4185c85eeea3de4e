/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <string.h>

#include "vmm/guest_mem.h"
#include "vmm/layout.h"

int guest_mem__layout(struct guest_mem *mem, u8 *host, int fd, u64 ram_size)
{
	u64 low;

	if (ram_size == 0 || !IS_ALIGNED(ram_size, 4096))
		return -EINVAL;
	memset(mem, 0, sizeof(*mem));
	mem->fd = fd;
	mem->host = host;
	mem->ram_size = ram_size;

	low = MIN(ram_size, LAYOUT_PCI_HOLE_START);
	mem->regions[0] = (struct guest_mem_region){ .gpa = 0, .size = low, .offset = 0 };
	mem->nr_regions = 1;
	if (ram_size > low) {
		mem->regions[1] = (struct guest_mem_region){
			.gpa = LAYOUT_HIGH_RAM_START,
			.size = ram_size - low,
			.offset = low,
		};
		mem->nr_regions = 2;
	}
	return 0;
}

void *guest_mem__ptr(const struct guest_mem *mem, u64 gpa, u64 len)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		if (gpa < r->gpa)
			continue;
		if (range_within(gpa - r->gpa, len, r->size))
			return mem->host + r->offset + (gpa - r->gpa);
	}
	return NULL;
}

u64 guest_mem__low_end(const struct guest_mem *mem)
{
	return mem->nr_regions ? mem->regions[0].size : 0;
}

int guest_mem__write(const struct guest_mem *mem, u64 gpa, const void *src, u64 len)
{
	void *dst = guest_mem__ptr(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem__read(const struct guest_mem *mem, u64 gpa, void *dst, u64 len)
{
	const void *src = guest_mem__ptr(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}
