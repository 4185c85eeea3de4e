/* SPDX-License-Identifier: GPL-2.0-only */
/* The PV-IC's per-VM remapping table: a bitmap of taken handles and their entries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pvic_irt.h"

static bool taken(const struct pvic_irt *irt, u32 h)
{
	return irt->used[h / 64] & (1ULL << (h % 64));
}

static void set_taken(struct pvic_irt *irt, u32 h, bool on)
{
	if (on)
		irt->used[h / 64] |= 1ULL << (h % 64);
	else
		irt->used[h / 64] &= ~(1ULL << (h % 64));
}

static void clear_entry(struct pvic_irte *e)
{
	*e = (struct pvic_irte){ .owner = PVIC_OWNER_NONE };
}

/*
 * The entries grow with the highest handle given out: a VM whose devices use
 * a few dozen handles does not pay for 32768 entries (about 1 MiB) at start.
 * A zeroed entry is a cleared one (owner PVIC_OWNER_NONE is 0).
 */
static int grow(struct pvic_irt *irt, u32 h)
{
	u32 cap = MAX(MAX(irt->cap * 2, h + 1), 64u);
	struct pvic_irte *e;

	cap = MIN(cap, PVIC_IRT_SIZE);
	e = realloc(irt->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	memset(e + irt->cap, 0, (cap - irt->cap) * sizeof(*e));
	irt->e = e;
	irt->cap = cap;
	return 0;
}

int pvic_irt__init(struct pvic_irt *irt)
{
	u32 h;

	memset(irt, 0, sizeof(*irt));
	/* Bits past the table's end stay "taken" so the search never returns them. */
	for (h = PVIC_IRT_SIZE; h < ARRAY_SIZE(irt->used) * 64; h++)
		set_taken(irt, h, true);
	set_taken(irt, 0, true);		/* handle 0 is never given out */
	irt->nr_free = PVIC_MAX_HANDLES;
	irt->hint = 1;
	return 0;
}

void pvic_irt__destroy(struct pvic_irt *irt)
{
	free(irt->e);
	irt->e = NULL;
	irt->cap = 0;
	irt->nr_free = 0;
}

/* First free handle at or after @from, wrapping once; 0 if none. */
static u32 find_free(const struct pvic_irt *irt, u32 from)
{
	u32 words = ARRAY_SIZE(irt->used);
	u32 w = from / 64, i;

	for (i = 0; i <= words; i++, w = (w + 1) % words) {
		u64 free_bits = ~irt->used[w];

		if (i == 0)	/* the first word: only bits at or after @from */
			free_bits &= ~0ULL << (from % 64);
		if (free_bits)
			return w * 64 + (u32)__builtin_ctzll(free_bits);
	}
	return 0;
}

int pvic_irt__alloc(struct pvic_irt *irt, u16 owner, u32 *handle)
{
	u32 h;

	if (owner == PVIC_OWNER_NONE || owner == PVIC_OWNER_QUARANTINE)
		return -EINVAL;
	if (!irt->nr_free)
		return -ENOSPC;
	h = find_free(irt, irt->hint);
	if (!h)
		return -ENOSPC;
	if (h >= irt->cap && grow(irt, h))
		return -ENOMEM;
	set_taken(irt, h, true);
	irt->nr_free--;
	clear_entry(&irt->e[h]);
	irt->e[h].owner = owner;
	irt->hint = h + 1 < PVIC_IRT_SIZE ? h + 1 : 1;
	*handle = h;
	return 0;
}

void pvic_irt__free(struct pvic_irt *irt, u32 handle)
{
	if (handle == 0 || handle >= PVIC_IRT_SIZE || !taken(irt, handle))
		return;
	clear_entry(&irt->e[handle]);
	set_taken(irt, handle, false);
	irt->nr_free++;
}

void pvic_irt__quarantine(struct pvic_irt *irt, u32 handle)
{
	if (handle == 0 || handle >= PVIC_IRT_SIZE || !taken(irt, handle))
		return;
	clear_entry(&irt->e[handle]);
	irt->e[handle].owner = PVIC_OWNER_QUARANTINE;
}

struct pvic_irte *pvic_irt__get(struct pvic_irt *irt, u32 handle)
{
	struct pvic_irte *e;

	if (handle == 0 || handle >= PVIC_IRT_SIZE || !taken(irt, handle))
		return NULL;
	e = &irt->e[handle];
	if (e->owner == PVIC_OWNER_NONE || e->owner == PVIC_OWNER_QUARANTINE)
		return NULL;
	return e;
}
