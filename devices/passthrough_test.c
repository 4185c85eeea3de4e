/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The passthrough model over a fake backend, driven through a fake VM's PCI
 * config mechanism and MMIO bus exactly as guest accesses arrive: config
 * space virtualization (IDs, filtered capabilities, BAR sizing and moves,
 * Command forwarding), BAR slots vs traps (MSI-X pages trap), MSI-X and MSI
 * enable as one SET_IRQS and one routing push, and device failure.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/passthrough.h"
#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"
#include "vmm/mem_slots.h"

#define MAX_LOG 64

struct fake_be {
	u8 cfg[256];
	int bar0_fd;
	u8 bar2[0x1000];
	u16 last_cmd;
	unsigned int cmd_writes;
	struct { u32 index, flags, start, count; int nfds; } irqs[MAX_LOG];
	unsigned int nirqs;
	bool dead;
	bool destroyed;
};

static struct fake_vm f;
static struct fake_be be;
static struct passthrough *pt;
static unsigned int slot_maps, slot_unmaps, routing_pushes, irqfd_assigns, irqfd_deassigns;

static int hook(struct vm *vm, const struct kvm_userspace_memory_region *r)
{
	if (r->memory_size)
		slot_maps++;
	else
		slot_unmaps++;
	return 0;
}

static int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	routing_pushes++;
	return 0;
}

static int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	if (k->flags & KVM_IRQFD_FLAG_DEASSIGN)
		irqfd_deassigns++;
	else
		irqfd_assigns++;
	return 0;
}

static const struct irq_routing_ops routing_ops = {
	.set_gsi_routing = fake_routing,
	.irqfd = fake_irqfd,
};

/* ---- the fake backend ---- */

static void put16(u32 off, u16 v)
{
	be.cfg[off] = (u8)v;
	be.cfg[off + 1] = (u8)(v >> 8);
}

static void put32(u32 off, u32 v)
{
	put16(off, (u16)v);
	put16(off + 2, (u16)(v >> 16));
}

/* The IMS suite's device: one IRQ index past the PCI ones, with 8 handles. */
static bool want_ims;
static int set_irqs_ret;	/* what SET_IRQS answers (0: logged, succeeds) */

static int b_device_info(void *b, struct vfio_device_info *out)
{
	if (want_ims)
		out->num_irqs = VFIO_PCI_NUM_IRQS + 1;
	return 0;
}

static int b_region_info(void *b, u32 index, struct pt_region *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		out->size = 256;
		break;
	case 0:
		out->size = 0x4000;
		out->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		out->fd = dup(be.bar0_fd);
		out->areas = calloc(1, sizeof(*out->areas));
		out->areas[0].size = 0x4000;
		out->nr_areas = 1;
		break;
	case 2:
		out->size = 0x1000;
		break;
	case 4:
		out->size = 32;
		break;
	default:
		break;
	}
	return 0;
}

static int b_region_read(void *b, u32 index, u64 off, void *buf, u64 len)
{
	if (be.dead)
		return -ENODEV;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX && off + len <= 256)
		memcpy(buf, be.cfg + off, len);
	else if (index == 2 && off + len <= sizeof(be.bar2))
		memcpy(buf, be.bar2 + off, len);
	else
		memset(buf, 0x5A, len);
	return 0;
}

static int b_region_write(void *b, u32 index, u64 off, const void *buf, u64 len)
{
	if (be.dead)
		return -ENODEV;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX && off == PCI_COMMAND && len == 2) {
		memcpy(&be.last_cmd, buf, 2);
		be.cmd_writes++;
	} else if (index == 2 && off + len <= sizeof(be.bar2)) {
		memcpy(be.bar2 + off, buf, len);
	}
	return 0;
}

static int b_irq_info(void *b, u32 index, struct vfio_irq_info *out)
{
	static const u32 counts[] = { 1, 4, 16, 1, 1 };

	memset(out, 0, sizeof(*out));
	out->index = index;
	out->flags = VFIO_IRQ_INFO_EVENTFD;
	out->count = index < 5 ? counts[index] : 0;
	if (want_ims && index == VFIO_PCI_NUM_IRQS)
		out->count = 8;
	return 0;
}

static int b_set_irqs(void *b, u32 index, u32 flags, u32 start, u32 count, const int *fds,
		      const u8 *bools)
{
	if (be.dead)
		return -ENODEV;
	if (set_irqs_ret)
		return set_irqs_ret;
	if (be.nirqs < MAX_LOG) {
		be.irqs[be.nirqs].index = index;
		be.irqs[be.nirqs].flags = flags;
		be.irqs[be.nirqs].start = start;
		be.irqs[be.nirqs].count = count;
		be.irqs[be.nirqs].nfds = fds ? (int)count : 0;
		be.nirqs++;
	}
	return 0;
}

static int b_dma(void *b, const struct guest_mem *mem)
{
	return 0;
}

static int b_reset(void *b)
{
	return 0;
}

static void b_destroy(void *b)
{
	be.destroyed = true;
}

static const struct pt_backend_ops fake_ops = {
	.kind = "fake",
	.device_info = b_device_info,
	.region_info = b_region_info,
	.region_read = b_region_read,
	.region_write = b_region_write,
	.irq_info = b_irq_info,
	.set_irqs = b_set_irqs,
	.dma_map_ram = b_dma,
	.reset = b_reset,
	.destroy = b_destroy,
};

static void build_device_config(void)
{
	memset(be.cfg, 0, sizeof(be.cfg));
	put16(PCI_VENDOR_ID, 0x1234);
	put16(PCI_DEVICE_ID, 0x5678);
	put32(PCI_CLASS_REVISION, 0x08800003);
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	put32(PCI_BASE_ADDRESS_0, 0);					/* mem32 */
	put32(PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_MEM_TYPE_64);	/* mem64 */
	put32(PCI_BASE_ADDRESS_4, PCI_BASE_ADDRESS_SPACE_IO);
	be.cfg[PCI_INTERRUPT_PIN] = 1;
	be.cfg[PCI_CAPABILITY_LIST] = 0x40;
	/* PM (hidden) -> MSI 64-bit maskable, 4 vectors -> PCIe (hidden) -> MSI-X -> vendor */
	be.cfg[0x40] = PCI_CAP_ID_PM;
	be.cfg[0x41] = 0x50;
	be.cfg[0x50] = PCI_CAP_ID_MSI;
	be.cfg[0x51] = 0x70;
	put16(0x52, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1));
	be.cfg[0x70] = PCI_CAP_ID_EXP;
	be.cfg[0x71] = 0x80;
	be.cfg[0x80] = PCI_CAP_ID_MSIX;
	be.cfg[0x81] = 0x90;
	put16(0x82, 15);			/* 16 vectors */
	put32(0x84, 0x2000 | 0);		/* table in BAR0 at 0x2000 */
	put32(0x88, 0x3000 | 0);		/* PBA in BAR0 at 0x3000 */
	be.cfg[0x90] = PCI_CAP_ID_VNDR;
	be.cfg[0x91] = 0;
	be.cfg[0x92] = 8;
	be.cfg[0x93] = 0xAB;
}

static void setup(void)
{
	memset(&be, 0, sizeof(be));
	slot_maps = slot_unmaps = routing_pushes = irqfd_assigns = irqfd_deassigns = 0;
	build_device_config();
	be.bar0_fd = memfd_create("bar0", MFD_CLOEXEC);
	cr_assert_geq(be.bar0_fd, 0);
	cr_assert_eq(ftruncate(be.bar0_fd, 0x4000), 0);
	fake_vm__init(&f);
	cr_assert_eq(pci__init(&f.vm), 0);
	mem_slots__set_test_hook(hook);
	irq_routing__set_test_ops(&routing_ops, NULL);
	cr_assert_eq(passthrough__create(&f.vm, "pt0", &fake_ops, &be, &pt), 0);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
	mem_slots__set_test_hook(NULL);
	irq_routing__set_test_ops(NULL, NULL);
	close(be.bar0_fd);
}

TestSuite(passthrough, .init = setup, .fini = teardown);

/* ---- guest-side config access (mechanism #1) ---- */

static u32 slot_of(void)
{
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		struct pci_device *d = pci__device_at(f.vm.pci, s);

		if (d && d->name && !strcmp(d->name, "pt0"))
			return s;
	}
	cr_assert_fail("pt0 not on the bus");
	return 0;
}

static u32 cfg_read(u32 reg, u32 len)
{
	fake_vm__pio_write(&f, 0xcf8, 0x80000000u | slot_of() << 11 | (reg & 0xfc), 4);
	return fake_vm__pio_read(&f, (u16)(0xcfc + (reg & 3)), len);
}

static void cfg_write(u32 reg, u32 val, u32 len)
{
	fake_vm__pio_write(&f, 0xcf8, 0x80000000u | slot_of() << 11 | (reg & 0xfc), 4);
	fake_vm__pio_write(&f, (u16)(0xcfc + (reg & 3)), val, len);
}

static u8 find_cap(u8 id)
{
	u8 off = (u8)cfg_read(PCI_CAPABILITY_LIST, 1);

	for (int n = 0; off && n < 48; n++) {
		if (cfg_read(off, 1) == id)
			return off;
		off = (u8)cfg_read(off + 1, 1);
	}
	return 0;
}

static u64 bar_addr(unsigned int i)
{
	u64 lo = cfg_read(PCI_BASE_ADDRESS_0 + 4 * i, 4);

	if ((lo & 0x7) == PCI_BASE_ADDRESS_MEM_TYPE_64)
		return (lo & ~0xfULL) | (u64)cfg_read(PCI_BASE_ADDRESS_0 + 4 * i + 4, 4) << 32;
	return lo & ((lo & 1) ? ~0x3ULL : ~0xfULL);
}

Test(passthrough, intx_resample_irqfd)
{
	cr_expect_eq(irqfd_assigns, 1, "INTx bound at creation");
	cr_assert_geq(be.nirqs, 2);
	cr_expect_eq(be.irqs[0].index, VFIO_PCI_INTX_IRQ_INDEX);
	cr_expect_eq(be.irqs[0].flags, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
	cr_expect_eq(be.irqs[1].flags, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK);
}

Test(passthrough, identity_from_the_device)
{
	cr_expect_eq(cfg_read(PCI_VENDOR_ID, 2), 0x1234);
	cr_expect_eq(cfg_read(PCI_DEVICE_ID, 2), 0x5678);
	cr_expect_eq(cfg_read(PCI_CLASS_REVISION, 4), 0x08800003);
	cr_expect_eq(cfg_read(PCI_INTERRUPT_PIN, 1), 1);
}

Test(passthrough, capability_list_filtered)
{
	u8 msi = find_cap(PCI_CAP_ID_MSI), msix = find_cap(PCI_CAP_ID_MSIX);
	u8 vndr = find_cap(PCI_CAP_ID_VNDR);

	cr_expect_neq(msi, 0, "MSI kept (emulated)");
	cr_expect_neq(msix, 0, "MSI-X kept (emulated)");
	cr_expect_neq(vndr, 0, "vendor specific kept");
	cr_expect_eq(find_cap(PCI_CAP_ID_PM), 0, "power management hidden");
	cr_expect_eq(find_cap(PCI_CAP_ID_EXP), 0, "PCIe hidden");
	cr_expect_eq(cfg_read(msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 15);
	cr_expect_eq(cfg_read(msix + PCI_MSIX_TABLE, 4), 0x2000);
	cr_expect_eq(cfg_read(msi + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_QMASK, 2 << 1);
	cr_expect_eq(cfg_read(vndr + 3, 1), 0xAB, "vendor bytes copied");
	/* Read-only parts stay read-only. */
	cfg_write(msix + PCI_MSIX_TABLE, 0x1234, 4);
	cr_expect_eq(cfg_read(msix + PCI_MSIX_TABLE, 4), 0x2000);
}

Test(passthrough, bar_types_and_sizing)
{
	cfg_write(PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	cr_expect_eq(cfg_read(PCI_BASE_ADDRESS_0, 4), ~(0x4000u - 1));
	cfg_write(PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	cr_expect_eq(cfg_read(PCI_BASE_ADDRESS_2, 4) & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64);
	cr_expect_eq(cfg_read(PCI_BASE_ADDRESS_4, 4) & 1, 1, "I/O BAR");
}

Test(passthrough, mappable_pages_are_slots_msix_pages_trap)
{
	struct pt_stats st;
	u64 b0 = bar_addr(0), b2 = bar_addr(2);
	u8 msix = find_cap(PCI_CAP_ID_MSIX);

	passthrough__stats(pt, &st);
	cr_expect_eq(st.mapped_slots, 1, "pages 0-1 of BAR0 in one slot");
	cr_expect_eq(mem_slots__count(&f.vm), 1);
	/* MSI-X table entry 0 vector control: masked at reset, emulated (not forwarded). */
	cr_expect_eq(fake_vm__mmio_read(&f, b0 + 0x2000 + 12, 4), 1);
	fake_vm__mmio_write(&f, b0 + 0x2000, 0xFEE00000, 4);
	cr_expect_eq(fake_vm__mmio_read(&f, b0 + 0x2000, 4), 0xFEE00000);
	/* A non-mappable BAR forwards. */
	fake_vm__mmio_write(&f, b2 + 0x10, 0xCAFEF00D, 4);
	cr_expect_eq(*(u32 *)(be.bar2 + 0x10), 0xCAFEF00D);
	cr_expect_eq(fake_vm__mmio_read(&f, b2 + 0x10, 4), 0xCAFEF00D);
	passthrough__stats(pt, &st);
	cr_expect_eq(st.trapped_writes, 1);
	cr_expect_eq(st.trapped_reads, 1);
	cr_expect_neq(msix, 0);
}

Test(passthrough, command_forwarded)
{
	unsigned int before = be.cmd_writes;

	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_IO, 2);
	cr_expect_eq(be.cmd_writes, before + 1);
	cr_expect_eq(be.last_cmd, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_IO);
}

Test(passthrough, bar_move_moves_the_slot)
{
	u64 b0 = bar_addr(0);
	unsigned int maps = slot_maps, unmaps = slot_unmaps;

	cfg_write(PCI_BASE_ADDRESS_0, (u32)(b0 + 0x100000), 4);
	cr_expect_eq(bar_addr(0), b0 + 0x100000);
	cr_expect_eq(slot_unmaps, unmaps + 1);
	cr_expect_eq(slot_maps, maps + 1);
	/* The trapped MSI-X page moved too. */
	cr_expect_eq(fake_vm__mmio_read(&f, b0 + 0x100000 + 0x2000 + 12, 4), 1);
}

Test(passthrough, msix_enable_one_set_irqs_one_push)
{
	u8 msix = find_cap(PCI_CAP_ID_MSIX);
	u64 b0 = bar_addr(0);
	unsigned int pushes;

	for (unsigned int i = 0; i < 16; i++) {
		fake_vm__mmio_write(&f, b0 + 0x2000 + 16 * i, 0xFEE00000, 4);
		fake_vm__mmio_write(&f, b0 + 0x2000 + 16 * i + 8, 0x40 + i, 4);
		fake_vm__mmio_write(&f, b0 + 0x2000 + 16 * i + 12, 0, 4);	/* unmask */
	}
	cr_expect_eq(routing_pushes, 0, "nothing routed while MSI-X is off");
	be.nirqs = 0;
	cfg_write(msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	cr_assert_eq(be.nirqs, 2);
	cr_expect_eq(be.irqs[0].index, VFIO_PCI_INTX_IRQ_INDEX, "INTx off first (vfio-pci)");
	cr_expect_eq(be.irqs[0].count, 0);
	cr_expect_eq(irqfd_deassigns, 1, "INTx irqfd detached");
	cr_expect_eq(be.irqs[1].index, VFIO_PCI_MSIX_IRQ_INDEX);
	cr_expect_eq(be.irqs[1].count, 16);
	cr_expect_eq(be.irqs[1].nfds, 16);
	cr_expect_eq(routing_pushes, 1, "16 vectors, one KVM_SET_GSI_ROUTING");
	cr_expect_eq(irqfd_assigns, 1 + 16, "INTx + 16 vectors");
	/* Masking a vector detaches its irqfd, unmasking reattaches it. */
	pushes = routing_pushes;
	fake_vm__mmio_write(&f, b0 + 0x2000 + 12, 1, 4);
	cr_expect_eq(irqfd_deassigns, 2);
	fake_vm__mmio_write(&f, b0 + 0x2000 + 12, 0, 4);
	cr_expect_eq(irqfd_assigns, 1 + 17);
	cr_expect_eq(routing_pushes, pushes, "same message: no push");
	/* Disable: the device is told, the irqfds go, INTx comes back. */
	be.nirqs = 0;
	cfg_write(msix + PCI_MSIX_FLAGS, 0, 2);
	cr_assert_geq(be.nirqs, 3);
	cr_expect_eq(be.irqs[0].index, VFIO_PCI_MSIX_IRQ_INDEX);
	cr_expect_eq(be.irqs[0].flags & VFIO_IRQ_SET_DATA_TYPE_MASK, VFIO_IRQ_SET_DATA_NONE);
	cr_expect_eq(be.irqs[1].index, VFIO_PCI_INTX_IRQ_INDEX);
	cr_expect_eq(irqfd_deassigns, 2 + 16);
	cr_expect_eq(irqfd_assigns, 1 + 17 + 1, "INTx irqfd attached again");
}

Test(passthrough, msi_multi_message)
{
	u8 msi = find_cap(PCI_CAP_ID_MSI);

	cfg_write(msi + PCI_MSI_ADDRESS_LO, 0xFEE00000, 4);
	cfg_write(msi + PCI_MSI_ADDRESS_HI, 0, 4);
	cfg_write(msi + PCI_MSI_DATA_64, 0x50, 2);
	be.nirqs = 0;
	cfg_write(msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (2 << 4), 2);
	cr_assert_eq(be.nirqs, 2);
	cr_expect_eq(be.irqs[0].index, VFIO_PCI_INTX_IRQ_INDEX, "INTx off first");
	cr_expect_eq(be.irqs[1].index, VFIO_PCI_MSI_IRQ_INDEX);
	cr_expect_eq(be.irqs[1].count, 4);
	cr_expect_eq(irqfd_assigns, 1 + 4, "INTx + 4 vectors");
	/* Per-vector mask bit 2. */
	cfg_write(msi + PCI_MSI_MASK_64, 1u << 2, 4);
	cr_expect_eq(irqfd_deassigns, 1 + 1);
}

Test(passthrough, failure_reads_all_ones_and_removes_everything)
{
	u64 b0 = bar_addr(0), b2 = bar_addr(2);
	u8 msix = find_cap(PCI_CAP_ID_MSIX);

	cfg_write(msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	fake_vm__mmio_write(&f, b0 + 0x2000 + 12, 0, 4);
	be.dead = true;
	passthrough__fail(pt, "test");
	cr_expect(passthrough__failed(pt));
	cr_expect(be.destroyed, "backend closed");
	cr_expect_eq(cfg_read(PCI_VENDOR_ID, 2), 0xFFFF);
	cr_expect_eq(cfg_read(PCI_CLASS_REVISION, 4), 0xFFFFFFFF);
	cr_expect_eq(mem_slots__count(&f.vm), 0, "BAR slot removed");
	cr_expect_eq(fake_vm__mmio_read(&f, b2 + 0x10, 4), 0xFFFFFFFF, "trapped range gone");
	cr_expect_eq(irqfd_deassigns, irqfd_assigns, "every irqfd detached");
	/* The guest moving a BAR of a dead device maps nothing. */
	cfg_write(PCI_BASE_ADDRESS_0, (u32)(b0 + 0x100000), 4);
	cr_expect_eq(mem_slots__count(&f.vm), 0);
	passthrough__fail(pt, "again");	/* idempotent */
}

/* A device listing MSI-X twice: the second copy is hidden, not a second table (fuzz passthrough). */
Test(passthrough, second_msix_capability_hidden)
{
	struct passthrough *pt1;
	unsigned int n = 0;

	be.cfg[0x91] = 0xA0;			/* vendor -> a second MSI-X */
	be.cfg[0xA0] = PCI_CAP_ID_MSIX;
	be.cfg[0xA1] = 0;
	put16(0xA2, 3);
	put32(0xA4, 0x2000);
	put32(0xA8, 0x3000);
	cr_assert_eq(passthrough__create(&f.vm, "pt1", &fake_ops, &be, &pt1), 0);
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		struct pci_device *d = pci__device_at(f.vm.pci, s);

		if (!d || !d->name || strcmp(d->name, "pt1"))
			continue;
		for (u8 off = pci__find_capability(d, PCI_CAP_ID_MSIX, 0); off;
		     off = pci__find_capability(d, PCI_CAP_ID_MSIX, off))
			n++;
	}
	cr_assert_eq(n, 1, "one MSI-X capability, the first");
}

/* ---- the IMS source (devices/passthrough_ims.c) ---- */

static struct ims_source *ims_src;

static void ims_added(void *consumer, struct ims_source *src)
{
	ims_src = src;
}

static void ims_removed(void *consumer, struct ims_source *src)
{
	if (ims_src == src)
		ims_src = NULL;
}

static const struct ims_consumer_ops ims_consumer = { .added = ims_added,
						      .removed = ims_removed };

static void setup_ims(void)
{
	want_ims = true;
	set_irqs_ret = 0;
	ims_src = NULL;
	setup();
	cr_assert_eq(ims_source__set_consumer(&f.vm, &ims_consumer, NULL), 0);
	cr_assert_not_null(ims_src, "the device registered its IMS index");
}

static void teardown_ims(void)
{
	set_irqs_ret = 0;
	ims_source__clear_consumer(&f.vm);
	teardown();
	want_ims = false;
}

TestSuite(passthrough_ims, .init = setup_ims, .fini = teardown_ims);

Test(passthrough_ims, unbind_reaches_the_device)
{
	unsigned int n = be.nirqs;

	cr_assert_eq(ims_src->ops->unbind(ims_src->opaque, 2, 3), 0);
	cr_assert_eq(be.nirqs, n + 1);
	cr_expect_eq(be.irqs[n].index, VFIO_PCI_NUM_IRQS);
	cr_expect_eq(be.irqs[n].start, 2);
	cr_expect_eq(be.irqs[n].count, 3);
	set_irqs_ret = -EIO;
	cr_expect_eq(ims_src->ops->unbind(ims_src->opaque, 2, 3), -EIO,
		     "a server that refuses: the PV-IC must not reuse the handles");
}

/*
 * imsvm stopping on a signal gave up on a server that did not answer
 * (-ECANCELED): its connection closes, which unbinds everything, so the
 * PV-IC's teardown must not warn that the unbind failed. Seen in the
 * emulated machine (tests/faults/sigterm.sh, fault-sigterm-stalled-vcpu)
 * when the teardown ran before the event loop had released the device.
 */
Test(passthrough_ims, unbind_given_up_on_a_stop_signal_is_done)
{
	set_irqs_ret = -ECANCELED;
	cr_expect_eq(ims_src->ops->unbind(ims_src->opaque, 0, 8), 0);
}
