/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <linux/kvm.h>
#include <stdlib.h>

#include "vmm/vcpu.h"

/* A CPUID table shaped like KVM's: leaf 1, cache leaf 4, topology 0xb, AMD 0x80000008. */
static struct kvm_cpuid2 *fake_cpuid(void)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 1, .eax = 0x00a50f00, .ebx = 0xff0a0800, .ecx = 0x1, .edx = 0x1 },
		{ .function = 4, .index = 0, .eax = 0xfc004121 },
		{ .function = 4, .index = 1, .eax = 0x0 },
		{ .function = 0xb, .index = 0, .ecx = 0x100 },
		{ .function = 0xb, .index = 1, .ecx = 0x201 },
		{ .function = 0xb, .index = 2, .ecx = 0x2, .ebx = 7 },
		{ .function = 0x80000008, .ecx = 0x7007 },
	};
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sizeof(e));

	c->nent = ARRAY_SIZE(e);
	memcpy(c->entries, e, sizeof(e));
	return c;
}

static struct kvm_cpuid_entry2 *leaf(struct kvm_cpuid2 *c, u32 fn, u32 idx)
{
	for (u32 i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	cr_assert_fail("leaf 0x%x.%u missing", fn, idx);
	return NULL;
}

Test(vcpu_cpuid, apic_id_and_count_in_leaf_1)
{
	struct kvm_cpuid2 *c = fake_cpuid();

	vcpu__fixup_cpuid(c, 3, 4);
	cr_assert_eq(leaf(c, 1, 0)->ebx >> 24, 3, "initial APIC id");
	cr_assert_eq((leaf(c, 1, 0)->ebx >> 16) & 0xff, 4, "logical processor count");
	cr_assert_eq(leaf(c, 1, 0)->ebx & 0xffff, 0x0800, "brand/clflush bits kept");
	cr_assert(leaf(c, 1, 0)->edx & (1U << 28), "HTT set with more than one CPU");
	cr_assert(leaf(c, 1, 0)->ecx & (1U << 31), "hypervisor bit");
	cr_assert(leaf(c, 1, 0)->ecx & 1, "other feature bits kept");
	free(c);
}

Test(vcpu_cpuid, topology_leaves)
{
	struct kvm_cpuid2 *c = fake_cpuid();

	vcpu__fixup_cpuid(c, 5, 6);
	cr_assert_eq(leaf(c, 0xb, 0)->edx, 5, "x2APIC id, SMT level");
	cr_assert_eq(leaf(c, 0xb, 0)->ebx, 1, "one thread per core");
	cr_assert_eq(leaf(c, 0xb, 1)->edx, 5, "x2APIC id, core level");
	cr_assert_eq(leaf(c, 0xb, 1)->ebx, 6, "six cores");
	cr_assert_eq(leaf(c, 0xb, 1)->eax, 3, "shift covers ids 0..5");
	cr_assert_eq((leaf(c, 0xb, 1)->ecx >> 8) & 0xff, 2, "level type core");
	cr_assert_eq(leaf(c, 0xb, 2)->ebx, 0, "no level above");
	cr_assert_eq(leaf(c, 4, 0)->eax >> 26, 5, "cores per package - 1");
	cr_assert_eq(leaf(c, 4, 1)->eax >> 26, 0, "null cache leaf left alone");
	cr_assert_eq(leaf(c, 0x80000008, 0)->ecx & 0xff, 5, "AMD NC = cores - 1");
	free(c);
}

Test(vcpu_cpuid, single_cpu)
{
	struct kvm_cpuid2 *c = fake_cpuid();

	vcpu__fixup_cpuid(c, 0, 1);
	cr_assert_eq(leaf(c, 1, 0)->ebx >> 24, 0);
	cr_assert_eq(leaf(c, 0xb, 1)->eax, 0);
	cr_assert_eq(leaf(c, 0xb, 1)->ebx, 1);
	cr_assert_eq(leaf(c, 0x80000008, 0)->ecx & 0xff, 0);
	free(c);
}
