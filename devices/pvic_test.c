/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC PCI function driven as a guest drives it: config space, BAR0
 * accesses through the MMIO bus, command pages in guest RAM. KVM is faked
 * under vmm/irq_routing.h; the ADI is a fake IMS source.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "devices/pvic.h"
#include "devices/pvic_core.h"
#include "tests/unit/fake_vm.h"
#include "vmm/guest_mem.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"

#define RAM		(16 * MiB)
#define PAGE_GPA	0x10000ull

static struct fake_vm f;
static u8 *ram;
static struct pvic_dev *p;
static struct pci_device *pdev;
static u64 bar0;
static u32 pushes, assigns, binds;
static struct ims_source src;

static int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	pushes++;
	return 0;
}

static int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	if (!(k->flags & KVM_IRQFD_FLAG_DEASSIGN))
		assigns++;
	return 0;
}

static const struct irq_routing_ops kvm_fake = { .set_gsi_routing = fake_routing,
						 .irqfd = fake_irqfd };

static int src_bind(void *opaque, u32 first, u32 n, const int *fds)
{
	binds += n;
	return 0;
}

static int src_unbind(void *opaque, u32 first, u32 n)
{
	binds -= n;
	return 0;
}

static const struct ims_source_ops src_ops = { .bind = src_bind, .unbind = src_unbind };

static u32 rd(u64 off)
{
	return (u32)fake_vm__mmio_read(&f, bar0 + off, 4);
}

static void wr(u64 off, u32 v)
{
	fake_vm__mmio_write(&f, bar0 + off, v, 4);
}

static struct pvic_page *page(void)
{
	return (struct pvic_page *)(ram + PAGE_GPA);
}

static int ring(u32 op, u32 adi, u32 count)
{
	struct pvic_page *pg = page();

	pg->hdr.op = op;
	pg->hdr.adi = adi;
	pg->hdr.count = count;
	pg->hdr.seq = rd(PVIC_REG_NEXT_SEQ);
	wr(PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	cr_assert_eq((int32_t)rd(PVIC_REG_LAST_STATUS), pg->hdr.status);
	return pg->hdr.status;
}

static void setup(void)
{
	struct pvic_options opt = { 0 };

	fake_vm__init(&f);
	f.vm.nr_vcpus = 2;
	ram = aligned_alloc(4096, RAM);
	cr_assert_not_null(ram);
	memset(ram, 0, RAM);
	cr_assert_eq(guest_mem__layout(&f.vm.mem, ram, -1, RAM), 0);
	irq_routing__set_test_ops(&kvm_fake, NULL);
	cr_assert_eq(pci__init(&f.vm), 0);
	src = (struct ims_source){ .id = PVIC_ADI_ID(0, 0, 5, 0), .irq_count = 65536,
				   .name = "fake-adi", .ops = &src_ops };
	cr_assert_eq(ims_source__register(&f.vm, &src), 0);
	cr_assert_eq(pvic__create(&f.vm, &opt, &p), 0);
	for (unsigned int s = 0; s < PCI_NR_SLOTS && !pdev; s++) {
		struct pci_device *d = pci__device_at(f.vm.pci, s);

		if (d && pci__cfg_get16(d, PCI_VENDOR_ID) == PVIC_PCI_VENDOR_ID &&
		    pci__cfg_get16(d, PCI_DEVICE_ID) == PVIC_PCI_DEVICE_ID)
			pdev = d;
	}
	cr_assert_not_null(pdev);
	bar0 = pdev->bars[0].gpa;
	cr_assert_neq(bar0, PCI_BAR_UNMAPPED);
	wr(PVIC_REG_CMD_GPA_LO, (u32)PAGE_GPA);
	wr(PVIC_REG_CMD_GPA_HI, 0);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
	ims_source__unregister(&f.vm, &src);
	irq_routing__set_test_ops(NULL, NULL);
	free(ram);
}

TestSuite(pvic_dev, .init = setup, .fini = teardown);

static void negotiate(void)
{
	struct pvic_negotiate *n = (void *)&page()->e[0];

	n->version = PVIC_VERSION;
	n->features = PVIC_FEAT_ALL;
	cr_assert_eq(ring(PVIC_OP_NEGOTIATE, 0, 1), 0);
}

Test(pvic_dev, identity_and_registers)
{
	cr_assert_eq(pci__cfg_get32(pdev, PCI_CLASS_REVISION) >> 8, PVIC_PCI_CLASS_CODE);
	cr_assert_neq(pci__find_capability(pdev, PCI_CAP_ID_MSIX, 0), 0);
	cr_assert_eq(rd(PVIC_REG_MAGIC), PVIC_MAGIC_VALUE);
	cr_assert_eq(rd(PVIC_REG_VERSION), 0x00010000);
	cr_assert_eq(rd(PVIC_REG_MAX_ENTRIES), 126);
	cr_assert_eq(rd(PVIC_REG_NR_ADIS), 1, "the ADI registered before the PV-IC");
	cr_assert(rd(PVIC_REG_FEATURES) & PVIC_FEAT_MASK);
	cr_assert_eq(rd(PVIC_REG_FEATURES) & PVIC_FEAT_X2APIC, 0);
	cr_assert_eq(rd(PVIC_REG_CMD_GPA_LO), PAGE_GPA);
	cr_assert_eq(fake_vm__mmio_read(&f, bar0 + 1, 2), 0xffff, "unaligned: all-ones");
	cr_assert_eq(fake_vm__mmio_read(&f, bar0, 1), 0xff, "byte access refused");
}

Test(pvic_dev, command_page_outside_ram_is_efault)
{
	wr(PVIC_REG_CMD_GPA_LO, 0xC0000000u);	/* the PCI hole */
	wr(PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	cr_assert_eq((int32_t)rd(PVIC_REG_LAST_STATUS), -EFAULT);
	wr(PVIC_REG_CMD_GPA_LO, (u32)(RAM - 2048));	/* unaligned, half outside */
	wr(PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	cr_assert_eq((int32_t)rd(PVIC_REG_LAST_STATUS), -EFAULT);
	wr(PVIC_REG_CMD_GPA_LO, (u32)RAM);	/* just past the end */
	wr(PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	cr_assert_eq((int32_t)rd(PVIC_REG_LAST_STATUS), -EFAULT);
	wr(PVIC_REG_CMD_GPA_LO, (u32)PAGE_GPA);
	wr(PVIC_REG_CMD_GPA_HI, 1);		/* 4 GiB up: no RAM there */
	wr(PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	cr_assert_eq((int32_t)rd(PVIC_REG_LAST_STATUS), -EFAULT);
}

Test(pvic_dev, doorbell_executes_a_batch_in_guest_ram)
{
	struct pvic_page *pg = page();

	negotiate();
	for (u32 i = 0; i < 64; i++)
		pg->e[i] = (struct pvic_entry){ .ims_index = i, .dest_id = i & 1, .vector = 0x30 + i };
	pushes = assigns = 0;
	cr_assert_eq(ring(PVIC_OP_ALLOC, src.id, 64), 0);
	cr_assert_eq(pg->hdr.done, 64);
	cr_assert_eq(binds, 64);
	cr_assert_eq(pushes, 1);
	cr_assert_eq(assigns, 64);
	for (u32 i = 0; i < 64; i++) {
		cr_assert_eq(pg->e[i].status, 0);
		cr_assert_eq(pg->e[i].addr_lo, PVIC_MSI_REMAP_ADDR(pg->e[i].handle));
	}
	cr_assert_eq(ring(PVIC_OP_RESET_ADI, src.id, 0), 0);
	cr_assert_eq(pg->hdr.done, 64);
	cr_assert_eq(binds, 0);
}

Test(pvic_dev, bad_doorbell_value_and_sequence)
{
	struct pvic_page *pg = page();
	u32 next;

	negotiate();
	next = rd(PVIC_REG_NEXT_SEQ);
	pg->hdr.status = 99;
	wr(PVIC_REG_DOORBELL, 2);
	cr_assert_eq(pg->hdr.status, 99, "not executed");
	cr_assert_eq(rd(PVIC_REG_NEXT_SEQ), next);
	pg->hdr = (struct pvic_hdr){ .op = PVIC_OP_QUERY_ADI, .adi = src.id, .count = 1,
				     .seq = next + 1 };
	wr(PVIC_REG_DOORBELL, PVIC_DOORBELL_RING);
	cr_assert_eq(pg->hdr.status, -EPROTO);
	cr_assert_eq(ring(PVIC_OP_QUERY_ADI, src.id, 1), 0);
	cr_assert_eq(((struct pvic_adi_info *)&pg->e[0])->irq_count, 65536);
}

Test(pvic_dev, adi_failure_raises_the_event)
{
	struct pvic_page *pg = page();
	struct pvic_adi_counters c;
	u32 live = 99;

	negotiate();
	pg->e[0] = (struct pvic_entry){ .ims_index = 0, .dest_id = 0, .vector = 0x30 };
	cr_assert_eq(ring(PVIC_OP_ALLOC, src.id, 1), 0);
	ims_source__failed(&f.vm, &src);
	cr_assert_eq(rd(PVIC_REG_EVENT_CAUSE), PVIC_EVENT_ADI_REMOVED);
	wr(PVIC_REG_EVENT_CAUSE, PVIC_EVENT_ADI_REMOVED);
	cr_assert_eq(rd(PVIC_REG_EVENT_CAUSE), 0, "write 1 to clear");
	cr_assert_eq(rd(PVIC_REG_NR_ADIS), 0);
	pg->e[0] = (struct pvic_entry){ .ims_index = 1, .dest_id = 0, .vector = 0x30 };
	cr_assert_eq(ring(PVIC_OP_ALLOC, src.id, 1), -ENODEV);
	cr_assert_eq(pvic__adi_counters(p, src.id, &c, &live), 0);
	cr_assert_eq(live, 0);
	cr_assert_eq(c.allocs, 1);
	cr_assert_eq(c.frees, 1);
	cr_assert_eq(c.faults, 1);
	cr_assert_eq(c.errors[PVIC_ERR_ENODEV], 1);
}

Test(pvic_dev, reset_needs_negotiate_again)
{
	negotiate();
	device_list__for_each(&f.vm.devices, d)
		if (!strcmp(d->name, "pvic"))
			d->ops->reset(d);
	cr_assert_eq(rd(PVIC_REG_CMD_GPA_LO), 0);
	wr(PVIC_REG_CMD_GPA_LO, (u32)PAGE_GPA);
	cr_assert_eq(ring(PVIC_OP_QUERY_ADI, src.id, 1), -EPROTO);
	negotiate();
	cr_assert_eq(ring(PVIC_OP_QUERY_ADI, src.id, 1), 0);
}

Test(pvic_dev, msix_event_vector_routed_and_signalled)
{
	u8 cap = pci__find_capability(pdev, PCI_CAP_ID_MSIX, 0);
	u16 ctl;

	cr_assert_neq(cap, 0);
	cr_assert_eq(pci__cfg_get32(pdev, cap + PCI_MSIX_TABLE), PVIC_MSIX_TABLE_OFFSET);
	cr_assert_eq(pci__cfg_get32(pdev, cap + PCI_MSIX_PBA), PVIC_MSIX_PBA_OFFSET);
	negotiate();
	wr(PVIC_MSIX_TABLE_OFFSET + 0, 0xFEE00000u);
	wr(PVIC_MSIX_TABLE_OFFSET + 8, 0x61);
	wr(PVIC_MSIX_TABLE_OFFSET + 12, 0);
	cr_assert_eq(rd(PVIC_MSIX_TABLE_OFFSET + 8), 0x61);
	pushes = assigns = 0;
	/* Enable MSI-X as the guest would, through configuration space. */
	ctl = pci__cfg_get16(pdev, cap + PCI_MSIX_FLAGS);
	fake_vm__pio_write(&f, 0xcf8, 0x80000000u | (u32)pdev->slot << 11 | (cap & 0xfc), 4);
	fake_vm__pio_write(&f, 0xcfc + 2, ctl | PCI_MSIX_FLAGS_ENABLE, 2);
	cr_assert(pci__cfg_get16(pdev, cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE);
	cr_assert_eq(pushes, 1, "vector 0 routed");
	cr_assert_eq(assigns, 1, "and its irqfd attached");
	ims_source__failed(&f.vm, &src);
	cr_assert_eq(rd(PVIC_REG_EVENT_CAUSE), PVIC_EVENT_ADI_REMOVED);
}

/*
 * The guest enables MSI-X while the GSI table is full: vector 0 gets no
 * route. Once routes are free again the next doorbell routes it, and the
 * device-removal event raised meanwhile arrives. Before, vector 0 stayed
 * unrouted until the guest rewrote its MSI-X state: events were lost.
 */
Test(pvic_dev, msix_event_vector_routed_once_the_gsi_table_has_room)
{
	u8 cap = pci__find_capability(pdev, PCI_CAP_ID_MSIX, 0);
	struct irq_routing *r;
	struct irq_routing_stats st;
	struct irq_group *fill;
	u16 ctl;

	negotiate();
	cr_assert_eq(irq_routing__get(&f.vm, &r), 0);
	irq_routing__stats(r, &st);
	cr_assert_eq(irq_group__create(r, st.gsis_max - st.gsis_used, &fill), 0);
	for (unsigned int i = 0; i < irq_group__count(fill); i++)
		cr_assert_eq(irq_group__update(fill, i, 0xFEE00000u, 0x40, false), 0);
	cr_assert_eq(irq_group__commit(fill), 0);
	cr_assert_eq(rd(PVIC_REG_GSI_FREE), 0);

	wr(PVIC_MSIX_TABLE_OFFSET + 0, 0xFEE00000u);
	wr(PVIC_MSIX_TABLE_OFFSET + 8, 0x61);
	wr(PVIC_MSIX_TABLE_OFFSET + 12, 0);
	assigns = 0;
	ctl = pci__cfg_get16(pdev, cap + PCI_MSIX_FLAGS);
	fake_vm__pio_write(&f, 0xcf8, 0x80000000u | (u32)pdev->slot << 11 | (cap & 0xfc), 4);
	fake_vm__pio_write(&f, 0xcfc + 2, ctl | PCI_MSIX_FLAGS_ENABLE, 2);
	cr_assert_eq(assigns, 0, "no route for vector 0: the table is full");
	cr_assert_eq(ring(PVIC_OP_QUERY_ADI, src.id, 1), 0);
	cr_assert_eq(assigns, 0, "still full");
	ims_source__failed(&f.vm, &src);
	cr_assert_eq(rd(PVIC_REG_EVENT_CAUSE), PVIC_EVENT_ADI_REMOVED);
	cr_assert_eq(rd(PVIC_MSIX_PBA_OFFSET), 1, "the event waits, pending");

	irq_group__destroy(fill);
	cr_assert_eq(ring(PVIC_OP_QUERY_ADI, src.id, 1), 0);
	cr_assert_eq(assigns, 1, "vector 0 routed at the next doorbell");
	cr_assert_eq(rd(PVIC_MSIX_PBA_OFFSET), 0, "delivered through the irqfd as it attached");
	irq_routing__put(r);
}
