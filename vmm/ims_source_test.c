/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>

#include "vmm/ims_source.h"

static int added, removed;
static struct ims_source *last;

static void on_added(void *consumer, struct ims_source *src)
{
	(*(int *)consumer)++;
	added++;
	last = src;
}

static void on_removed(void *consumer, struct ims_source *src)
{
	removed++;
	last = src;
}

static const struct ims_consumer_ops cops = { .added = on_added, .removed = on_removed };

Test(ims_source, consumer_after_sources_hears_of_each)
{
	struct vm *vm = (struct vm *)0x1000;
	struct ims_source a = { .id = 0x18 }, b = { .id = 0x20 };
	int calls = 0;

	cr_assert_eq(ims_source__register(vm, &a), 0);
	cr_assert_eq(ims_source__register(vm, &b), 0);
	cr_assert_eq(ims_source__set_consumer(vm, &cops, &calls), 0);
	cr_assert_eq(calls, 2);
	cr_assert_eq(ims_source__count(vm), 2);
	ims_source__failed(vm, &a);
	ims_source__failed(vm, &a);
	cr_assert_eq(removed, 1, "told once");
	cr_assert_eq(ims_source__count(vm), 1);
	ims_source__unregister(vm, &a);
	cr_assert_eq(removed, 1, "already failed: not told again");
	ims_source__unregister(vm, &b);
	cr_assert_eq(removed, 2);
	cr_assert_eq(last, &b);
	ims_source__clear_consumer(vm);
}

Test(ims_source, sources_after_consumer_and_duplicates)
{
	struct vm *vm = (struct vm *)0x2000;
	struct ims_source a = { .id = 0x18 }, a2 = { .id = 0x18 };
	int calls = 0;

	cr_assert_eq(ims_source__set_consumer(vm, &cops, &calls), 0);
	cr_assert_eq(ims_source__set_consumer(vm, &cops, &calls), -EBUSY, "one consumer");
	cr_assert_eq(ims_source__register(vm, &a), 0);
	cr_assert_eq(calls, 1);
	cr_assert_eq(ims_source__register(vm, &a2), -EEXIST, "one source per function");
	cr_assert_eq(ims_source__count((struct vm *)0x3000), 0, "per VM");
	ims_source__unregister(vm, &a);
	ims_source__clear_consumer(vm);
}
