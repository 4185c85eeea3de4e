/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/kvm_stats.h"

#define NAME_SIZE	48
#define DESC_SIZE	(sizeof(struct kvm_stats_desc) + NAME_SIZE)

/*
 * A stats file as KVM lays it out: header, id string, descriptors, data.
 * Values are given per name; each stat is one u64 except "hist" (4).
 */
struct synth {
	u8 buf[4096];
	size_t len;
};

static void build(struct synth *s, const char *const *names, const u64 *vals, unsigned int n)
{
	struct kvm_stats_header h = {
		.name_size = NAME_SIZE,
		.num_desc = n,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + NAME_SIZE,
	};
	u32 data_off = 0;

	h.data_offset = h.desc_offset + n * (u32)DESC_SIZE;
	memset(s, 0, sizeof(*s));
	memcpy(s->buf, &h, sizeof(h));
	strcpy((char *)s->buf + h.id_offset, "kvm-1234/vcpu-0");
	for (unsigned int i = 0; i < n; i++) {
		struct kvm_stats_desc *d = (void *)(s->buf + h.desc_offset + i * DESC_SIZE);
		u16 size = strcmp(names[i], "hist") ? 1 : 4;

		d->flags = KVM_STATS_TYPE_CUMULATIVE;
		d->size = size;
		d->offset = data_off;
		strcpy(d->name, names[i]);
		memcpy(s->buf + h.data_offset + data_off, &vals[i], sizeof(u64));
		data_off += size * 8;
	}
	s->len = h.data_offset + data_off;
}

static const char *const names[] = { "halt_exits", "hist", "exits", "io_exits", "mmio_exits" };
static const u64 vals[] = { 7, 99, 123456789012ULL, 40, 3 };

Test(kvm_stats, reads_named_values)
{
	struct synth s;
	struct kvm_stats st;
	u64 v;

	build(&s, names, vals, ARRAY_SIZE(names));
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), 0);
	cr_assert_str_eq(st.id, "kvm-1234/vcpu-0");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		cr_assert_eq(kvm_stats__read(&st, names[i], &v), 0, "%s", names[i]);
		cr_assert_eq(v, vals[i], "%s: %llu", names[i], (unsigned long long)v);
	}
	cr_assert_eq(kvm_stats__read(&st, "irq_injections", &v), -ENOENT);
	cr_assert_null(kvm_stats__find(&st, "exit"), "no prefix match");
	cr_assert_eq(kvm_stats__find(&st, "hist")->size, 4);
	kvm_stats__close(&st);
}

Test(kvm_stats, empty_file_has_no_stats)
{
	struct synth s;
	struct kvm_stats st;
	u64 v;

	build(&s, names, vals, 0);
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), 0);
	cr_assert_eq(kvm_stats__read(&st, "exits", &v), -ENOENT);
	kvm_stats__close(&st);
}

Test(kvm_stats, malformed_files_refused)
{
	struct synth s;
	struct kvm_stats st;
	struct kvm_stats_header *h = (void *)s.buf;
	u64 v;

	build(&s, names, vals, ARRAY_SIZE(names));
	cr_assert_eq(kvm_stats__parse(s.buf, sizeof(*h) - 1, &st), -EINVAL, "short header");

	build(&s, names, vals, ARRAY_SIZE(names));
	h->desc_offset = (u32)s.len;
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), -EINVAL, "descriptors past the end");

	build(&s, names, vals, ARRAY_SIZE(names));
	h->name_size = 0;
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), -EINVAL, "zero name size");

	build(&s, names, vals, ARRAY_SIZE(names));
	h->num_desc = 0x7fffffff;
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), -EINVAL, "absurd count");

	build(&s, names, vals, ARRAY_SIZE(names));
	memset(((struct kvm_stats_desc *)(s.buf + h->desc_offset))->name, 'x', NAME_SIZE);
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), -EINVAL, "unterminated name");

	/* A descriptor whose data lies outside the file: the read fails, no crash. */
	build(&s, names, vals, ARRAY_SIZE(names));
	((struct kvm_stats_desc *)(s.buf + h->desc_offset))->offset = 0x10000;
	cr_assert_eq(kvm_stats__parse(s.buf, s.len, &st), 0);
	cr_assert_eq(kvm_stats__read(&st, "halt_exits", &v), -EINVAL);
	kvm_stats__close(&st);
}
