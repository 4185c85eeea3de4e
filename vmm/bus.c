/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"

struct bus_entry {
	u64 base;
	u64 len;
	const struct bus_ops *ops;
	void *opaque;
	unsigned int users;	/* dispatches in flight; under bus->lock */
	bool removed;		/* unregistered while a handler of it was running */
};

/* The entry this thread is dispatching into, to recognise self-removal. */
static __thread struct bus_entry *current_entry;

void bus__init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_mutex_init(&bus->lock, NULL);
	pthread_cond_init(&bus->idle, NULL);
}

void bus__destroy(struct bus *bus)
{
	for (unsigned int i = 0; i < bus->nr_entries; i++)
		free(bus->entries[i]);
	free(bus->entries);
	bus->entries = NULL;
	bus->nr_entries = bus->capacity = 0;
	pthread_cond_destroy(&bus->idle);
	pthread_mutex_destroy(&bus->lock);
}

/* Index of the first entry whose end is above @addr (binary search). */
static unsigned int lower_bound(const struct bus *bus, u64 addr)
{
	unsigned int lo = 0, hi = bus->nr_entries;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_entry *e = bus->entries[mid];

		if (e->base + e->len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus__register(struct bus *bus, u64 base, u64 len, const struct bus_ops *ops, void *opaque)
{
	struct bus_entry *e;
	unsigned int i;
	int ret = 0;

	if (len == 0 || base + len < base || !ops)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct bus_entry){ .base = base, .len = len, .ops = ops, .opaque = opaque };

	pthread_mutex_lock(&bus->lock);
	i = lower_bound(bus, base);
	if (i < bus->nr_entries && ranges_overlap(base, len, bus->entries[i]->base,
						  bus->entries[i]->len)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	if (bus->nr_entries == bus->capacity) {
		unsigned int cap = bus->capacity ? bus->capacity * 2 : 16;
		struct bus_entry **n = realloc(bus->entries, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto err_unlock;
		}
		bus->entries = n;
		bus->capacity = cap;
	}
	memmove(&bus->entries[i + 1], &bus->entries[i],
		(bus->nr_entries - i) * sizeof(*bus->entries));
	bus->entries[i] = e;
	bus->nr_entries++;
	pthread_mutex_unlock(&bus->lock);
	return 0;

err_unlock:
	pthread_mutex_unlock(&bus->lock);
	free(e);
	return ret;
}

int bus__unregister(struct bus *bus, u64 base)
{
	struct bus_entry *e;
	unsigned int i;

	pthread_mutex_lock(&bus->lock);
	i = lower_bound(bus, base);
	if (i >= bus->nr_entries || bus->entries[i]->base != base) {
		pthread_mutex_unlock(&bus->lock);
		return -ENOENT;
	}
	e = bus->entries[i];
	memmove(&bus->entries[i], &bus->entries[i + 1],
		(bus->nr_entries - i - 1) * sizeof(*bus->entries));
	bus->nr_entries--;

	if (e == current_entry) {
		/* Our own handler is running: the dispatcher frees it on return. */
		e->removed = true;
		pthread_mutex_unlock(&bus->lock);
		return 0;
	}
	while (e->users)
		pthread_cond_wait(&bus->idle, &bus->lock);
	pthread_mutex_unlock(&bus->lock);
	free(e);
	return 0;
}

bool bus__dispatch(struct bus *bus, bool is_write, u64 addr, void *data, u32 len)
{
	struct bus_entry *e, *outer;
	unsigned int i;

	pthread_mutex_lock(&bus->lock);
	i = lower_bound(bus, addr);
	if (i >= bus->nr_entries || addr < bus->entries[i]->base ||
	    !range_within(addr - bus->entries[i]->base, len, bus->entries[i]->len)) {
		bus->unhandled++;
		pthread_mutex_unlock(&bus->lock);
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	e = bus->entries[i];
	e->users++;
	pthread_mutex_unlock(&bus->lock);

	outer = current_entry;
	current_entry = e;
	if (is_write) {
		if (e->ops->write)
			e->ops->write(e->opaque, addr - e->base, data, len);
	} else {
		if (e->ops->read)
			e->ops->read(e->opaque, addr - e->base, data, len);
		else
			memset(data, 0xff, len);
	}
	current_entry = outer;

	pthread_mutex_lock(&bus->lock);
	if (--e->users == 0) {
		if (e->removed) {
			pthread_mutex_unlock(&bus->lock);
			free(e);
			return true;
		}
		pthread_cond_broadcast(&bus->idle);
	}
	pthread_mutex_unlock(&bus->lock);
	return true;
}
