/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared MSI-X table (devices/msix.h) over fake routing ops: the
 * capability, Enable and Function Mask in one routing push, per-entry
 * updates that skip unchanged entries, masking as irqfd detach with the
 * pending event delivered on unmask, bad accesses, PBA, and the bind hook
 * passthrough needs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "devices/msix.h"
#include "devices/pci.h"
#include "vmm/irq_routing.h"

static struct irq_routing *routing;
static struct msix m;
static struct pci_device dev;
static unsigned int pushes, attaches, detaches;
static int attached_fd[8];
static unsigned int binds, unbinds;

static int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	pushes++;
	return 0;
}

static int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	if (k->flags & KVM_IRQFD_FLAG_DEASSIGN) {
		detaches++;
	} else {
		if (attaches < ARRAY_SIZE(attached_fd))
			attached_fd[attaches] = (int)k->fd;
		attaches++;
	}
	return 0;
}

static const struct irq_routing_ops ops = {
	.set_gsi_routing = fake_routing,
	.irqfd = fake_irqfd,
};

static int bind(void *opaque, struct irq_group *g)
{
	binds++;
	return *(int *)opaque;
}

static void unbind(void *opaque, struct irq_group *g)
{
	unbinds++;
}

static const struct msix_ops bind_ops = { .bind = bind, .unbind = unbind };
static int bind_result;

static void setup(void)
{
	pushes = attaches = detaches = binds = unbinds = 0;
	bind_result = 0;
	cr_assert_eq(irq_routing__create(&ops, NULL, 256, &routing), 0);
	pci__device_init(&dev, "msix-test", 0x1234, 0x5678, 0, 0, NULL, NULL);
	cr_assert_eq(msix__init(&m, routing, 4, 0, 0x1000, 0, 0x1800, &bind_ops, &bind_result), 0);
	cr_assert_eq(msix__add_capability(&m, &dev), 0);
}

static void teardown(void)
{
	msix__exit(&m);
	irq_routing__destroy(routing);
}

TestSuite(msix, .init = setup, .fini = teardown);

/* What a guest config write does: the core applies the mask, then the hook. */
static void set_ctrl(u16 ctrl)
{
	pci__cfg_set16(dev.cfg, m.cap + PCI_MSIX_FLAGS,
		       (u16)((pci__cfg_get16(&dev, m.cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) |
			     ctrl));
	msix__config_write(&m, &dev, m.cap + PCI_MSIX_FLAGS, 2);
}

static void entry(unsigned int i, u32 addr, u32 data, u32 ctrl)
{
	u32 v[4] = { addr, 0, data, ctrl };

	for (unsigned int dw = 0; dw < 4; dw++)
		cr_assert(msix__access(&m, 0, 0x1000 + i * 16 + dw * 4, &v[dw], 4, true));
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

Test(msix, capability_layout)
{
	cr_assert_eq(dev.cfg[m.cap], PCI_CAP_ID_MSIX);
	cr_assert_eq(pci__cfg_get16(&dev, m.cap + PCI_MSIX_FLAGS), 3);
	cr_assert_eq(pci__cfg_get32(&dev, m.cap + PCI_MSIX_TABLE), 0x1000);
	cr_assert_eq(pci__cfg_get32(&dev, m.cap + PCI_MSIX_PBA), 0x1800);
	cr_assert_eq(msix__init(&(struct msix){ 0 }, routing, 0, 0, 0, 0, 0, NULL, NULL), -EINVAL);
	cr_assert_eq(msix__init(&(struct msix){ 0 }, routing, 4, 6, 0, 0, 0, NULL, NULL), -EINVAL);
}

Test(msix, entries_start_masked_and_trigger_needs_enable)
{
	u32 v = 0;

	cr_assert(msix__access(&m, 0, 0x1000 + 12, &v, 4, false));
	cr_assert_eq(v, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	cr_assert_eq(msix__trigger(&m, 0), -ENODEV);
	cr_assert_eq(msix__trigger(&m, 9), -EINVAL);
	cr_assert_eq(m.st.triggers_lost, 1);
}

Test(msix, enable_is_one_push_and_binds)
{
	entry(0, 0xFEE00000, 0x40, 0);
	entry(1, 0xFEE00000, 0x41, 0);
	cr_assert_eq(pushes, 0, "nothing routed while MSI-X is off");
	set_ctrl(PCI_MSIX_FLAGS_ENABLE);
	cr_assert_eq(binds, 1);
	cr_assert_eq(pushes, 1, "all vectors in one push");
	cr_assert_eq(attaches, 2, "the two unmasked vectors");
	cr_assert(msix__enabled(&m));
	set_ctrl(0);
	cr_assert_eq(unbinds, 1);
	cr_assert_not(msix__enabled(&m));
}

Test(msix, bind_failure_refuses_enable)
{
	bind_result = -EIO;
	set_ctrl(PCI_MSIX_FLAGS_ENABLE);
	cr_assert_not(msix__enabled(&m));
	cr_assert_eq(msix__trigger(&m, 0), -ENODEV);
}

Test(msix, unchanged_entry_is_no_op)
{
	set_ctrl(PCI_MSIX_FLAGS_ENABLE);
	entry(2, 0xFEE00000, 0x42, 0);
	unsigned int p = pushes;

	entry(2, 0xFEE00000, 0x42, 0);
	cr_assert_eq(pushes, p, "rewriting the same entry pushed the table");
}

Test(msix, mask_detaches_pending_delivered_on_unmask)
{
	u32 one = 1, zero = 0;

	entry(0, 0xFEE00000, 0x40, 0);
	set_ctrl(PCI_MSIX_FLAGS_ENABLE);
	cr_assert_eq(attaches, 1);
	/* Mask vector 0, fire it: the irqfd is detached, the eventfd counts. */
	cr_assert(msix__access(&m, 0, 0x1000 + 12, &one, 4, true));
	cr_assert_eq(detaches, 1);
	cr_assert_eq(msix__trigger(&m, 0), 0);
	cr_assert(readable(attached_fd[0]), "the event must wait in the eventfd");
	/* Unmask: attached again on the same eventfd, so KVM delivers the pending event. */
	cr_assert(msix__access(&m, 0, 0x1000 + 12, &zero, 4, true));
	cr_assert_eq(attaches, 2);
	cr_assert_eq(attached_fd[1], attached_fd[0]);
	/* Function mask: every vector detached, and back. */
	set_ctrl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	cr_assert_eq(detaches, 2);
	set_ctrl(PCI_MSIX_FLAGS_ENABLE);
	cr_assert_eq(attaches, 3);
}

Test(msix, bad_accesses_and_pba)
{
	u8 b = 0;
	u16 w = 0;
	u64 q = ~0ULL;

	cr_assert(msix__access(&m, 0, 0x1001, &b, 1, false));
	cr_assert_eq(b, 0xFF);
	cr_assert(msix__access(&m, 0, 0x1002, &w, 2, true));
	cr_assert_eq(m.st.bad_accesses, 2);
	cr_assert(msix__access(&m, 0, 0x1800, &q, 8, false));
	cr_assert_eq(q, 0, "pending events live in the eventfds: PBA reads 0");
	cr_assert_not(msix__access(&m, 0, 0x2000, &q, 8, false), "not MSI-X's");
	cr_assert_not(msix__access(&m, 1, 0x1000, &q, 8, false), "another BAR");
	/* A qword write sets address low and high at once. */
	q = 0x00000000FEE01000ULL;
	cr_assert(msix__access(&m, 0, 0x1000 + 16, &q, 8, true));
	u32 lo = 0;
	cr_assert(msix__access(&m, 0, 0x1000 + 16, &lo, 4, false));
	cr_assert_eq(lo, 0xFEE01000);
	/* Reserved control bits read as zero. */
	u32 ctrl = 0xFFFFFFFF;
	cr_assert(msix__access(&m, 0, 0x1000 + 28, &ctrl, 4, true));
	cr_assert(msix__access(&m, 0, 0x1000 + 28, &ctrl, 4, false));
	cr_assert_eq(ctrl, PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

Test(msix, reset_masks_and_disables)
{
	entry(0, 0xFEE00000, 0x40, 0);
	set_ctrl(PCI_MSIX_FLAGS_ENABLE);
	msix__reset(&m);
	cr_assert_not(msix__enabled(&m));
	u32 v = 0;
	cr_assert(msix__access(&m, 0, 0x1000 + 12, &v, 4, false));
	cr_assert_eq(v, PCI_MSIX_ENTRY_CTRL_MASKBIT);
}
