/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest RAM: one memfd-backed mapping (so device servers can share it with
 * DMA_MAP), split around the 32-bit PCI hole into at most two guest-physical
 * regions. Unit tests lay the same structure over a malloc'd buffer.
 */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include "vmm/util.h"

struct guest_mem_region {
	u64 gpa;		/* guest-physical start */
	u64 size;		/* bytes */
	u64 offset;		/* offset into the backing memfd / host buffer */
};

struct guest_mem {
	int fd;			/* memfd backing all RAM; -1 when not file-backed */
	u8 *host;		/* host mapping of all RAM (offset 0) */
	u64 ram_size;		/* total bytes of RAM */
	unsigned int nr_regions;
	struct guest_mem_region regions[2];	/* [0] low RAM, [1] RAM above 4 GiB */
};

/*
 * Describe @ram_size bytes at @host as guest RAM: below the PCI hole first,
 * the rest from 4 GiB up. Does not allocate. -EINVAL on a zero or unaligned size.
 */
int __must_check guest_mem__layout(struct guest_mem *mem, u8 *host, int fd, u64 ram_size);

/* Host pointer for [gpa, gpa + len) if it lies wholly inside one RAM region, else NULL. */
void *guest_mem__ptr(const struct guest_mem *mem, u64 gpa, u64 len);

/* End of RAM below 4 GiB (the first byte that is not low RAM). */
u64 guest_mem__low_end(const struct guest_mem *mem);

/* Copy in/out of guest RAM; -EFAULT when the range is not wholly RAM. */
int __must_check guest_mem__write(const struct guest_mem *mem, u64 gpa, const void *src, u64 len);
int __must_check guest_mem__read(const struct guest_mem *mem, u64 gpa, void *dst, u64 len);

#endif /* VMM_GUEST_MEM_H */
