/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/bus.h"

struct fake_dev {
	struct bus *bus;
	u64 base;
	u64 last_offset;
	u32 last_len;
	u32 value;
	unsigned int reads, writes;
	bool unregister_on_write;
	int unregister_ret;
};

static void fake_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct fake_dev *d = opaque;

	d->reads++;
	d->last_offset = offset;
	d->last_len = len;
	memcpy(data, &d->value, MIN(len, 4U));
}

static void fake_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct fake_dev *d = opaque;

	d->writes++;
	d->last_offset = offset;
	d->last_len = len;
	d->value = 0;
	memcpy(&d->value, data, MIN(len, 4U));
	if (d->unregister_on_write)
		d->unregister_ret = bus__unregister(d->bus, d->base);
}

static const struct bus_ops fake_ops = { .read = fake_read, .write = fake_write };
static const struct bus_ops write_only_ops = { .write = fake_write };

static struct bus bus;

static void setup(void)
{
	bus__init(&bus, "test");
}

static void teardown(void)
{
	bus__destroy(&bus);
}

TestSuite(bus, .init = setup, .fini = teardown);

Test(bus, dispatch_passes_offset)
{
	struct fake_dev d = { .value = 0x12345678 };
	u32 v = 0;

	cr_assert_eq(bus__register(&bus, 0x3f8, 8, &fake_ops, &d), 0);
	cr_assert(bus__dispatch(&bus, false, 0x3fc, &v, 4));
	cr_assert_eq(d.last_offset, 4);
	cr_assert_eq(d.last_len, 4);
	cr_assert_eq(v, 0x12345678);
	v = 0xab;
	cr_assert(bus__dispatch(&bus, true, 0x3f8, &v, 1));
	cr_assert_eq(d.last_offset, 0);
	cr_assert_eq(d.value, 0xab);
	cr_assert_eq(d.writes, 1);
}

Test(bus, unclaimed_access_reads_ones_and_counts)
{
	struct fake_dev d = { 0 };
	u32 v = 0;

	cr_assert_eq(bus__register(&bus, 0x100, 0x10, &fake_ops, &d), 0);
	cr_assert(!bus__dispatch(&bus, false, 0x200, &v, 4));
	cr_assert_eq(v, 0xffffffff);
	cr_assert(!bus__dispatch(&bus, false, 0x10e, &v, 4), "straddles the end of the range");
	cr_assert(!bus__dispatch(&bus, true, 0xff, &v, 1));
	cr_assert_eq(bus.unhandled, 3);
	cr_assert_eq(d.reads + d.writes, 0);
}

Test(bus, overlap_refused_neighbours_allowed)
{
	struct fake_dev a = { 0 }, b = { 0 };

	cr_assert_eq(bus__register(&bus, 0x1000, 0x100, &fake_ops, &a), 0);
	cr_assert_eq(bus__register(&bus, 0x10ff, 1, &fake_ops, &b), -EEXIST);
	cr_assert_eq(bus__register(&bus, 0xf00, 0x101, &fake_ops, &b), -EEXIST);
	cr_assert_eq(bus__register(&bus, 0x0, 0x10000, &fake_ops, &b), -EEXIST, "covers it");
	cr_assert_eq(bus__register(&bus, 0x1000, 0x100, &fake_ops, &b), -EEXIST, "identical");
	cr_assert_eq(bus__register(&bus, 0x1100, 0x10, &fake_ops, &b), 0, "adjacent above");
	cr_assert_eq(bus__register(&bus, 0xff0, 0x10, &fake_ops, &b), 0, "adjacent below");
	cr_assert_eq(bus.nr_entries, 3);
}

Test(bus, bad_registrations)
{
	struct fake_dev d = { 0 };

	cr_assert_eq(bus__register(&bus, 0x10, 0, &fake_ops, &d), -EINVAL, "empty range");
	cr_assert_eq(bus__register(&bus, ~0ULL - 1, 4, &fake_ops, &d), -EINVAL, "wraps");
	cr_assert_eq(bus__register(&bus, 0x10, 4, NULL, &d), -EINVAL, "no ops");
}

Test(bus, many_ranges_sorted_lookup)
{
	static struct fake_dev devs[100];
	u32 v;

	/* Registered out of order so insertion has to keep the array sorted. */
	for (unsigned int i = 0; i < 100; i++) {
		unsigned int k = (i * 37) % 100;

		devs[k].value = k;
		cr_assert_eq(bus__register(&bus, 0x10000 + k * 0x100, 0x80, &fake_ops, &devs[k]), 0);
	}
	for (unsigned int k = 0; k < 100; k++) {
		cr_assert(bus__dispatch(&bus, false, 0x10000 + k * 0x100 + 0x7c, &v, 4));
		cr_assert_eq(v, k);
		cr_assert(!bus__dispatch(&bus, false, 0x10000 + k * 0x100 + 0x80, &v, 1), "gap");
	}
}

Test(bus, unregister_then_unclaimed)
{
	struct fake_dev d = { 0 };
	u32 v = 1;

	cr_assert_eq(bus__register(&bus, 0x40, 4, &fake_ops, &d), 0);
	cr_assert_eq(bus__unregister(&bus, 0x41), -ENOENT, "not the start of a range");
	cr_assert_eq(bus__unregister(&bus, 0x40), 0);
	cr_assert_eq(bus__unregister(&bus, 0x40), -ENOENT);
	cr_assert(!bus__dispatch(&bus, true, 0x40, &v, 4));
	cr_assert_eq(d.writes, 0);
	cr_assert_eq(bus__register(&bus, 0x40, 4, &fake_ops, &d), 0, "the range is free again");
}

Test(bus, unregister_from_inside_own_handler)
{
	struct fake_dev d = { .bus = &bus, .base = 0x80, .unregister_on_write = true };
	u32 v = 5;

	cr_assert_eq(bus__register(&bus, 0x80, 8, &fake_ops, &d), 0);
	/* Would deadlock if unregister waited for its own caller's dispatch. */
	cr_assert(bus__dispatch(&bus, true, 0x80, &v, 4));
	cr_assert_eq(d.unregister_ret, 0);
	cr_assert_eq(d.value, 5);
	cr_assert(!bus__dispatch(&bus, true, 0x80, &v, 4), "gone after the handler returned");
	cr_assert_eq(d.writes, 1);
	cr_assert_eq(bus.nr_entries, 0);
}

Test(bus, write_only_device_reads_ones)
{
	struct fake_dev d = { 0 };
	u16 v = 0;

	cr_assert_eq(bus__register(&bus, 0xf4, 4, &write_only_ops, &d), 0);
	cr_assert(bus__dispatch(&bus, false, 0xf4, &v, 2));
	cr_assert_eq(v, 0xffff);
}

/* Concurrent dispatch and unregister: after unregister returns, no handler runs. */
struct race {
	struct fake_dev dev;
	_Atomic bool stop;
	_Atomic unsigned int after_unregister;
	_Atomic bool unregistered;
};

static void race_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct race *r = opaque;

	if (r->unregistered)
		r->after_unregister++;
	for (volatile int i = 0; i < 1000; i++)
		;
}

static const struct bus_ops race_ops = { .write = race_write };

static void *hammer(void *arg)
{
	struct race *r = arg;
	u32 v = 0;

	while (!r->stop)
		bus__dispatch(&bus, true, 0x500, &v, 4);
	return NULL;
}

Test(bus, unregister_waits_for_running_handlers)
{
	static struct race r;
	pthread_t t[2];

	cr_assert_eq(bus__register(&bus, 0x500, 4, &race_ops, &r), 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, &r);
	for (volatile int i = 0; i < 200000; i++)
		;
	cr_assert_eq(bus__unregister(&bus, 0x500), 0);
	r.unregistered = true;
	for (volatile int i = 0; i < 200000; i++)
		;
	r.stop = true;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(r.after_unregister, 0, "a handler ran after bus__unregister returned");
}
