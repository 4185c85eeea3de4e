/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC core over its real backend (vmm/irq_routing.h with fake KVM
 * ioctls, a fake IMS source): what reaches KVM per batch.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "devices/pvic_backend.h"
#include "vmm/fd_limit.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"
#include "vmm/vm.h"

#define CHIP	IRQ_ROUTING_IRQCHIP_ROUTES	/* the PC wiring in every push */

static u32 pushes, assigns, deassigns, last_nr;
static struct kvm_irq_routing_entry table[IRQ_ROUTING_DEFAULT_MAX];
static u32 set_irqs_calls, bound;
static struct vm vm;
static struct pvic_kvm_be be;
static struct pvic_core core;
static struct pvic_page pg;
static u32 seq;
static struct ims_source src;

static int fail_push;

static int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	if (fail_push)
		return -ENOMEM;
	pushes++;
	last_nr = t->nr;
	memcpy(table, t->entries, t->nr * sizeof(t->entries[0]));
	return 0;
}

static int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	if (k->flags & KVM_IRQFD_FLAG_DEASSIGN)
		deassigns++;
	else
		assigns++;
	return 0;
}

static const struct irq_routing_ops kvm_fake = { .set_gsi_routing = fake_routing,
						 .irqfd = fake_irqfd };

static int src_bind(void *opaque, u32 first, u32 n, const int *fds)
{
	set_irqs_calls++;
	bound += n;
	return 0;
}

static int src_unbind(void *opaque, u32 first, u32 n)
{
	set_irqs_calls++;
	bound -= n;
	return 0;
}

static const struct ims_source_ops src_ops = { .bind = src_bind, .unbind = src_unbind };

static int run(u32 op, u32 count)
{
	pg.hdr = (struct pvic_hdr){ .op = op, .adi = src.id, .count = count, .seq = seq++ };
	return pvic_core__execute(&core, &pg);
}

static int alloc_n(u32 n, u32 ims0)
{
	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < n; i++)
		pg.e[i] = (struct pvic_entry){ .ims_index = ims0 + i, .dest_id = i % 2,
					       .vector = 0x40 };
	return run(PVIC_OP_ALLOC, n);
}

static void setup(void)
{
	vm.nr_vcpus = 2;
	irq_routing__set_test_ops(&kvm_fake, NULL);
	cr_assert_eq(pvic_kvm_be__init(&be, &vm, false), 0);
	cr_assert_eq(pvic_core__init(&core, &pvic_kvm_be_ops, &be, PVIC_FEAT_ALL, 2), 0);
	src = (struct ims_source){ .id = PVIC_ADI_ID(0, 0, 3, 0), .irq_count = 65536,
				   .ops = &src_ops };
	cr_assert_eq(pvic_core__add_adi(&core, src.id, &src, src.irq_count, 0), 0);
	memset(&pg, 0, sizeof(pg));
	((struct pvic_negotiate *)&pg.e[0])->version = PVIC_VERSION;
	((struct pvic_negotiate *)&pg.e[0])->features = PVIC_FEAT_ALL;
	seq = 1;
	cr_assert_eq(run(PVIC_OP_NEGOTIATE, 1), 0);
}

static void teardown(void)
{
	pvic_core__destroy(&core);
	pvic_kvm_be__destroy(&be);
	irq_routing__set_test_ops(NULL, NULL);
}

TestSuite(pvic_backend, .init = setup, .fini = teardown);

Test(pvic_backend, compose_msi)
{
	struct pvic_route r = { .dest_id = 3, .vector = 0x41 };
	u64 addr;
	u32 data;

	pvic__compose_msi(&r, &addr, &data);
	cr_assert_eq(addr, 0xFEE03000u);
	cr_assert_eq(data, 0x41);
	r = (struct pvic_route){ .dest_id = 0x1234, .vector = 0x80,
				 .delivery_mode = PVIC_DELIVERY_LOWEST };
	pvic__compose_msi(&r, &addr, &data);
	cr_assert_eq(addr, 0x00001200FEE34008ull);
	cr_assert_eq(data, 0x180);
}

Test(pvic_backend, alloc_batch_is_one_push_and_one_irqfd_per_vector)
{
	cr_assert_eq(alloc_n(126, 0), 0);
	cr_assert_eq(pushes, 1);
	cr_assert_eq(assigns, 126);
	cr_assert_eq(set_irqs_calls, 1);
	cr_assert_eq(bound, 126);
	/* The PC wiring, then ours. */
	cr_assert_eq(last_nr, CHIP + 126);
	cr_assert_eq(table[CHIP].type, KVM_IRQ_ROUTING_MSI);
	cr_assert_eq(table[CHIP].u.msi.data, 0x40);
}

Test(pvic_backend, retarget_is_one_push_no_irqfd_no_device)
{
	u32 h;

	cr_assert_eq(alloc_n(2, 0), 0);
	h = pg.e[1].handle;
	pushes = assigns = deassigns = set_irqs_calls = 0;
	memset(pg.e, 0, sizeof(pg.e));
	pg.e[0] = (struct pvic_entry){ .handle = h, .dest_id = 0, .vector = 0x77 };
	cr_assert_eq(run(PVIC_OP_RETARGET, 1), 0);
	cr_assert_eq(pushes, 1);
	cr_assert_eq(assigns + deassigns + set_irqs_calls, 0);
	cr_assert_eq(table[CHIP + 1].u.msi.data, 0x77);
	cr_assert_eq(table[CHIP + 1].u.msi.address_lo, 0xFEE00000u);
}

Test(pvic_backend, mask_unmask_free)
{
	u32 h;

	cr_assert_eq(alloc_n(1, 0), 0);
	h = pg.e[0].handle;
	pushes = assigns = deassigns = 0;
	pg.e[0] = (struct pvic_entry){ .handle = h };
	cr_assert_eq(run(PVIC_OP_MASK, 1), 0);
	cr_assert_eq(deassigns, 1);
	cr_assert_eq(pushes, 0, "masking does not touch the table");
	pg.e[0] = (struct pvic_entry){ .handle = h };
	cr_assert_eq(run(PVIC_OP_UNMASK, 1), 0);
	cr_assert_eq(assigns, 1);
	cr_assert_eq(pushes, 0);
	pg.e[0] = (struct pvic_entry){ .handle = h };
	cr_assert_eq(run(PVIC_OP_FREE, 1), 0);
	cr_assert_eq(deassigns, 2);
	cr_assert_eq(pushes, 1, "the route goes in one push");
	cr_assert_eq(last_nr, CHIP);
	cr_assert_eq(bound, 0);
}

Test(pvic_backend, gsi_table_exhaustion_partial_grant, .timeout = 60)
{
	struct irq_routing_stats rs;
	u32 granted = 0, msi;

	irq_routing__stats(be.routing, &rs);
	msi = rs.gsis_max - rs.gsis_used;

	while (granted < msi) {
		u32 n = MIN(126u, msi - granted);

		cr_assert_eq(alloc_n(n, granted), 0, "at %u", granted);
		granted += n;
	}
	cr_assert_eq(alloc_n(5, granted), -ENOSPC);
	cr_assert_eq(pg.hdr.done, 0);
	cr_assert_eq(last_nr, CHIP + msi, "a full, valid table");
	cr_assert_leq(last_nr, IRQ_ROUTING_DEFAULT_MAX);
	cr_assert_eq(bound, msi, "refused entries were unbound again");
}

Test(pvic_backend, device_failure_frees_without_asking)
{
	cr_assert_eq(alloc_n(10, 0), 0);
	set_irqs_calls = 0;
	src.failed = true;
	cr_assert_eq(pvic_core__adi_failed(&core, src.id), 0);
	cr_assert_eq(set_irqs_calls, 0);
	cr_assert_eq(last_nr, CHIP);
	cr_assert_eq(alloc_n(1, 0), -ENODEV);
}

Test(pvic_backend, failed_deferred_push_is_retried_with_its_irqfds)
{
	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < 3; i++)
		pg.e[i] = (struct pvic_entry){ .ims_index = i, .dest_id = 0, .vector = 0x40 };
	pg.hdr = (struct pvic_hdr){ .op = PVIC_OP_ALLOC, .adi = src.id, .count = 3, .seq = seq++,
				    .flags = PVIC_HDR_F_MORE };
	cr_assert_eq(pvic_core__execute(&core, &pg), 0);
	pushes = assigns = 0;
	fail_push = 1;
	cr_assert_neq(pvic_core__flush(&core), 0, "the push fails");
	cr_assert_eq(assigns, 0);
	fail_push = 0;
	memset(pg.e, 0, sizeof(pg.e));
	pg.e[0] = (struct pvic_entry){ .ims_index = 9, .dest_id = 1, .vector = 0x41 };
	cr_assert_eq(run(PVIC_OP_ALLOC, 1), 0);
	cr_assert_eq(pushes, 1);
	cr_assert_eq(assigns, 4, "the earlier three are attached too");
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* fds open below @lim. */
static u32 fds_open(int lim)
{
	u32 n = 0;

	for (int fd = 0; fd < lim; fd++)
		n += fd_open(fd);
	return n;
}

/*
 * RLIMIT_NOFILE nearly reached: the vectors whose eventfd would fall in the
 * reserve are refused with EAGAIN and closed at once (no push for them),
 * the others granted; after a FREE they fit again. Without the reserve the
 * PV-IC took every fd and the control socket could not accept a client.
 */
Test(pvic_backend, alloc_stops_at_the_fd_reserve)
{
	struct rlimit old, low;
	int probe = eventfd(0, EFD_CLOEXEC), lim;
	u32 room = 0, open0;

	cr_assert_geq(probe, 0);
	close(probe);		/* the lowest free fd: the first vector's */
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = probe + (int)FD_LIMIT_RESERVE + 5;
	for (int fd = probe; fd < probe + 5; fd++)
		room += !fd_open(fd);	/* the free fds below the reserve */
	low = (struct rlimit){ .rlim_cur = (rlim_t)lim, .rlim_max = old.rlim_max };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	fd_limit__raise(0);	/* re-read the limit */
	cr_assert_eq(fd_limit__current(), (unsigned long)lim);
	open0 = fds_open(lim);

	cr_assert_eq(alloc_n(20, 0), -EAGAIN);
	cr_expect_eq(pg.hdr.done, room, "%u granted, %u free fds below the reserve",
		     pg.hdr.done, room);
	cr_expect_eq(pg.hdr.result, PVIC_RESULT_PARTIAL);
	for (u32 i = room; i < 20; i++)
		cr_expect_eq(pg.e[i].status, -EAGAIN, "entry %u", i);
	cr_expect_eq(be.no_fd, 20 - room);
	cr_expect_eq(pushes, 1, "one push for the batch, none per refused vector");
	cr_expect_eq(bound, room);
	cr_expect_eq(fds_open(lim), open0 + room, "the refused vectors' fds are closed");

	/* Freeing two lets two more in, and no more. */
	{
		u32 h0 = pg.e[0].handle, h1 = pg.e[1].handle;

		memset(pg.e, 0, sizeof(pg.e));
		pg.e[0] = (struct pvic_entry){ .handle = h0 };
		pg.e[1] = (struct pvic_entry){ .handle = h1 };
		cr_assert_eq(run(PVIC_OP_FREE, 2), 0);
	}
	cr_expect_eq(alloc_n(3, 100), -EAGAIN);
	cr_expect_eq(pg.hdr.done, 2);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	fd_limit__raise(0);
}
