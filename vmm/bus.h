/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Address buses: one for port I/O, one for MMIO. A device registers a range
 * with const ops and an opaque pointer; an exit is dispatched to the one
 * device whose range holds the address, with the offset into that range.
 * Overlapping registrations are refused.
 *
 * Removal is safe against concurrent dispatch: after bus__unregister()
 * returns, no call into that range is running or will start, unless the
 * caller is itself inside a handler of that very range (a device moving its
 * own BAR); then the entry is released when that handler returns.
 */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <pthread.h>

#include "vmm/util.h"

struct bus_ops {
	/* @len is 1, 2, 4 or 8 (MMIO may be other sizes up to 8); @data is little-endian. */
	void (*read)(void *opaque, u64 offset, void *data, u32 len);
	void (*write)(void *opaque, u64 offset, const void *data, u32 len);
};

struct bus_entry;

struct bus {
	const char *name;		/* "pio" or "mmio", for messages */
	pthread_mutex_t lock;		/* protects entries and nr_entries */
	pthread_cond_t idle;		/* signalled when an entry's users drop to 0 */
	struct bus_entry **entries;	/* sorted by base, non-overlapping */
	unsigned int nr_entries;
	unsigned int capacity;
	u64 unhandled;			/* accesses that hit no device (counter) */
};

void bus__init(struct bus *bus, const char *name);
void bus__destroy(struct bus *bus);

int __must_check bus__register(struct bus *bus, u64 base, u64 len,
			       const struct bus_ops *ops, void *opaque);
/* -ENOENT when no range starts at @base. */
int bus__unregister(struct bus *bus, u64 base);

/*
 * Dispatch one access. Returns false when no device claims @addr..@addr+len-1
 * (a read then returns all-ones in @data); the access is counted in ->unhandled.
 */
bool bus__dispatch(struct bus *bus, bool is_write, u64 addr, void *data, u32 len);

#endif /* VMM_BUS_H */
