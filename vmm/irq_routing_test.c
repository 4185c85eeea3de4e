/* SPDX-License-Identifier: GPL-2.0-only */
/* The route table against fake KVM ops: batching, lazy GSIs, masking order, exhaustion. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/irq_routing.h"
#include "vmm/mem_slots.h"

#define MAX_CALLS 256

struct call {
	char kind;		/* 'R' routing, 'A' irqfd assign, 'D' irqfd deassign */
	u32 gsi, nr, flags;
	int fd;
};

static struct call calls[MAX_CALLS];
static unsigned int ncalls;
static struct kvm_irq_routing_entry last_table[IRQ_ROUTING_DEFAULT_MAX];
static u32 last_nr;
static int fail_routing;

static int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	if (fail_routing)
		return -EINVAL;
	if (ncalls < MAX_CALLS)
		calls[ncalls++] = (struct call){ .kind = 'R', .nr = t->nr };
	last_nr = t->nr;
	memcpy(last_table, t->entries, t->nr * sizeof(t->entries[0]));
	return 0;
}

static int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	if (ncalls < MAX_CALLS)
		calls[ncalls++] = (struct call){
			.kind = (k->flags & KVM_IRQFD_FLAG_DEASSIGN) ? 'D' : 'A',
			.gsi = k->gsi, .flags = k->flags, .fd = (int)k->fd,
		};
	return 0;
}

static const struct irq_routing_ops fake_ops = {
	.set_gsi_routing = fake_routing,
	.irqfd = fake_irqfd,
};

static struct irq_routing *r;

static void setup(void)
{
	ncalls = 0;
	fail_routing = 0;
	cr_assert_eq(irq_routing__create(&fake_ops, NULL, IRQ_ROUTING_DEFAULT_MAX, &r), 0);
}

static void teardown(void)
{
	irq_routing__destroy(r);
}

TestSuite(irq_routing, .init = setup, .fini = teardown);

static unsigned int count(char kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ncalls; i++)
		n += calls[i].kind == kind;
	return n;
}

static const struct kvm_irq_routing_entry *find_gsi(u32 gsi)
{
	for (u32 i = 0; i < last_nr; i++)
		if (last_table[i].gsi == gsi && last_table[i].type == KVM_IRQ_ROUTING_MSI)
			return &last_table[i];
	return NULL;
}

Test(irq_routing, batch_of_64_is_one_set_gsi_routing)
{
	struct irq_group *g;

	cr_assert_eq(irq_group__create(r, 64, &g), 0);
	for (unsigned int i = 0; i < 64; i++)
		cr_assert_eq(irq_group__update(g, i, 0xFEE00000u | (i << 12), 0x40 + i, false), 0);
	cr_expect_eq(count('R'), 0, "nothing pushed before commit");
	cr_assert_eq(irq_group__commit(g), 0);
	cr_expect_eq(count('R'), 1);
	cr_expect_eq(count('A'), 64);
	cr_expect_eq(last_nr, 38 + 64, "irqchip wiring kept plus 64 MSI routes");
	/* Every attach comes after the one routing push. */
	cr_expect_eq(calls[0].kind, 'R');
	for (unsigned int i = 0; i < 64; i++) {
		const struct kvm_irq_routing_entry *e = find_gsi((u32)irq_group__gsi(g, i));

		cr_assert_not_null(e);
		cr_expect_eq(e->u.msi.data, 0x40 + i);
	}
	/* A commit with nothing changed pushes nothing. */
	cr_assert_eq(irq_group__commit(g), 0);
	cr_expect_eq(count('R'), 1);
	irq_group__destroy(g);
}

Test(irq_routing, pc_irqchip_wiring_kept)
{
	struct irq_group *g;
	unsigned int ioapic = 0, pic = 0;

	cr_assert_eq(irq_group__create(r, 1, &g), 0);
	cr_assert_eq(irq_group__update(g, 0, 0xFEE00000u, 0x30, false), 0);
	cr_assert_eq(irq_group__commit(g), 0);
	for (u32 i = 0; i < last_nr; i++) {
		if (last_table[i].type != KVM_IRQ_ROUTING_IRQCHIP)
			continue;
		if (last_table[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			ioapic++;
		else
			pic++;
	}
	cr_expect_eq(ioapic, 23, "no GSI 2 (the cascade)");
	cr_expect_eq(pic, 15);
	for (u32 i = 0; i < last_nr; i++)
		if (last_table[i].gsi == 0 && last_table[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			cr_expect_eq(last_table[i].u.irqchip.pin, 2, "PIT on IOAPIC pin 2");
	cr_expect_geq(irq_group__gsi(g, 0), 24, "MSI GSIs above the IOAPIC pins");
	irq_group__destroy(g);
}

Test(irq_routing, gsi_lazy_and_freed)
{
	struct irq_group *g;
	struct irq_routing_stats st;

	cr_assert_eq(irq_group__create(r, 4, &g), 0);
	cr_expect_eq(irq_group__gsi(g, 0), -ENOENT, "no GSI before the first unmasked update");
	cr_assert_eq(irq_group__update(g, 0, 0xFEE00000u, 0x30, true), 0);
	cr_expect_eq(irq_group__gsi(g, 0), -ENOENT, "masked: still none");
	cr_assert_eq(irq_group__update(g, 0, 0xFEE00000u, 0x30, false), 0);
	cr_expect_geq(irq_group__gsi(g, 0), 24);
	irq_routing__stats(r, &st);
	cr_expect_eq(st.gsis_used, 1);
	cr_assert_eq(irq_group__disable(g, 0), 0);
	irq_routing__stats(r, &st);
	cr_expect_eq(st.gsis_used, 0);
	irq_group__destroy(g);
}

Test(irq_routing, mask_detaches_now_unmask_attaches_after_commit)
{
	struct irq_group *g;
	int gsi;

	cr_assert_eq(irq_group__create(r, 2, &g), 0);
	cr_assert_eq(irq_group__update(g, 1, 0xFEE00000u, 0x31, false), 0);
	cr_assert_eq(irq_group__commit(g), 0);
	gsi = irq_group__gsi(g, 1);
	ncalls = 0;
	cr_assert_eq(irq_group__update(g, 1, 0xFEE00000u, 0x31, true), 0);
	cr_assert_eq(ncalls, 1);
	cr_expect_eq(calls[0].kind, 'D');
	cr_expect_eq(calls[0].gsi, (u32)gsi);
	cr_expect_eq(calls[0].fd, irq_group__notifier(g, 1));
	cr_expect_eq(irq_group__gsi(g, 1), gsi, "masking keeps the GSI");
	ncalls = 0;
	cr_assert_eq(irq_group__update(g, 1, 0xFEE01000u, 0x32, false), 0);
	cr_expect_eq(ncalls, 0, "attach waits for the commit");
	cr_assert_eq(irq_group__commit(g), 0);
	cr_assert_eq(ncalls, 2);
	cr_expect_eq(calls[0].kind, 'R', "route first");
	cr_expect_eq(calls[1].kind, 'A', "then the irqfd");
	irq_group__destroy(g);
}

Test(irq_routing, retarget_rewrites_route_only)
{
	struct irq_group *g;

	cr_assert_eq(irq_group__create(r, 1, &g), 0);
	cr_assert_eq(irq_group__update(g, 0, 0xFEE00000u, 0x30, false), 0);
	cr_assert_eq(irq_group__commit(g), 0);
	ncalls = 0;
	cr_assert_eq(irq_group__update(g, 0, 0xFEE01000u, 0x31, false), 0);
	cr_assert_eq(irq_group__commit(g), 0);
	cr_assert_eq(ncalls, 1, "one routing push, irqfd untouched");
	cr_expect_eq(calls[0].kind, 'R');
	cr_expect_eq(find_gsi((u32)irq_group__gsi(g, 0))->u.msi.address_lo, 0xFEE01000u);
	irq_group__destroy(g);
}

Test(irq_routing, exhaustion_is_enospc_and_table_intact)
{
	struct irq_routing *small;
	struct irq_routing_stats st;
	struct irq_group *g;

	cr_assert_eq(irq_routing__create(&fake_ops, NULL, 38 + 3, &small), 0);
	cr_assert_eq(irq_group__create(small, 3, &g), 0);
	cr_expect_eq(irq_group__create(small, 4, &(struct irq_group *){ NULL }), -EINVAL);
	for (unsigned int i = 0; i < 3; i++)
		cr_assert_eq(irq_group__update(g, i, 0xFEE00000u, 0x40 + i, false), 0);
	cr_assert_eq(irq_group__commit(g), 0);
	{
		struct irq_group *g2;

		cr_assert_eq(irq_group__create(small, 2, &g2), 0);
		cr_expect_eq(irq_group__update(g2, 0, 0xFEE00000u, 0x50, false), -ENOSPC);
		cr_expect_eq(irq_group__gsi(g2, 0), -ENOENT);
		cr_assert_eq(irq_group__commit(g2), 0);
		cr_expect_eq(last_nr, 41, "the full table, unchanged");
		irq_routing__stats(small, &st);
		cr_expect_eq(st.gsi_exhausted, 1);
		/* Freeing one makes room. */
		cr_assert_eq(irq_group__disable(g, 1), 0);
		cr_expect_eq(irq_group__update(g2, 0, 0xFEE00000u, 0x50, false), 0);
		cr_assert_eq(irq_group__commit(g2), 0);
		cr_expect_eq(last_nr, 41);
		irq_group__destroy(g2);
	}
	irq_group__destroy(g);
	irq_routing__stats(small, &st);
	cr_expect_eq(st.gsis_used, 0);
	irq_routing__destroy(small);
}

Test(irq_routing, failed_push_keeps_irqfds_detached)
{
	struct irq_group *g;

	cr_assert_eq(irq_group__create(r, 1, &g), 0);
	cr_assert_eq(irq_group__update(g, 0, 0xFEE00000u, 0x30, false), 0);
	fail_routing = 1;
	cr_expect_eq(irq_group__commit(g), -EINVAL);
	cr_expect_eq(count('A'), 0, "no irqfd on a route KVM does not have");
	fail_routing = 0;
	cr_assert_eq(irq_group__commit(g), 0);
	cr_expect_eq(count('A'), 1);
	irq_group__destroy(g);
}

Test(irq_routing, destroy_detaches_and_frees)
{
	struct irq_group *g;
	struct irq_routing_stats st;

	cr_assert_eq(irq_group__create(r, 3, &g), 0);
	for (unsigned int i = 0; i < 3; i++)
		cr_assert_eq(irq_group__update(g, i, 0xFEE00000u, 0x40 + i, false), 0);
	cr_assert_eq(irq_group__commit(g), 0);
	irq_group__destroy(g);
	cr_expect_eq(count('D'), 3);
	cr_expect_eq(last_nr, 38, "routes removed");
	irq_routing__stats(r, &st);
	cr_expect_eq(st.gsis_used, 0);
}

/* A vector refused before it was routed (the PV-IC's fd reserve) must not push others' staging. */
Test(irq_routing, discard_of_an_unrouted_group_pushes_nothing)
{
	struct irq_group *staged, *g;
	struct irq_routing_stats st;

	cr_assert_eq(irq_group__create(r, 1, &staged), 0);
	cr_assert_eq(irq_group__update(staged, 0, 0xFEE00000u, 0x40, false), 0);
	cr_assert_eq(irq_group__create(r, 2, &g), 0);
	cr_assert_eq(irq_group__discard(g), 0);
	cr_expect_eq(count('R'), 0, "the other group's route waits for its own commit");
	cr_assert_eq(irq_group__commit(staged), 0);
	cr_expect_eq(count('R'), 1);
	cr_expect_eq(irq_group__discard(staged), -EBUSY, "a routed group needs destroy");
	irq_routing__stats(r, &st);
	cr_expect_eq(st.gsis_used, 1);
	irq_group__destroy(staged);
}

Test(irq_routing, intx_resample)
{
	cr_assert_eq(irq_routing__intx_attach(r, 17, 5, 6), 0);
	cr_expect_eq(calls[0].kind, 'A');
	cr_expect_eq(calls[0].gsi, 17);
	cr_expect(calls[0].flags & KVM_IRQFD_FLAG_RESAMPLE);
	cr_expect_eq(irq_routing__intx_attach(r, 40, 5, 6), -EINVAL);
	cr_assert_eq(irq_routing__intx_detach(r, 17, 5), 0);
	cr_expect_eq(calls[1].kind, 'D');
}

static unsigned int hook_calls;
static int slot_hook(struct vm *vm, const struct kvm_userspace_memory_region *reg)
{
	hook_calls++;
	return 0;
}

Test(mem_slots, allocate_and_free)
{
	struct vm *vm = (struct vm *)&hook_calls;	/* only used as a key */
	int s1, s2;

	mem_slots__set_test_hook(slot_hook);
	cr_assert_eq(mem_slots__map(vm, 0xC0000000, 0x1000, (void *)0x10000, false, &s1), 0);
	cr_assert_eq(mem_slots__map(vm, 0xC0001000, 0x1000, (void *)0x20000, false, &s2), 0);
	cr_expect_geq(s1, MEM_SLOTS_FIRST);
	cr_expect_neq(s1, s2);
	cr_expect_eq(mem_slots__count(vm), 2);
	cr_expect_eq(mem_slots__map(vm, 0xC0000800, 0x1000, (void *)0x10000, false, &s1), -EINVAL);
	cr_assert_eq(mem_slots__unmap(vm, s1), 0);
	cr_expect_eq(mem_slots__unmap(vm, s1), -ENOENT);
	cr_assert_eq(mem_slots__unmap(vm, s2), 0);
	cr_expect_eq(mem_slots__count(vm), 0);
	cr_expect_eq(hook_calls, 4);
	mem_slots__set_test_hook(NULL);
}
