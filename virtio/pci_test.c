/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-pci transport and devices through a fake VM, as a driver would:
 * capabilities in config space, common configuration registers, feature
 * negotiation and the status state machine, queue set-up, kicks through
 * the notify area (no KVM, so no ioeventfd: the MMIO path), interrupts by
 * INTx + ISR and by MSI-X (irqfd routes, watched through fake routing ops),
 * NEEDS_RESET on a malformed chain while another device carries on, reset,
 * and virtio-blk's read-only enforcement and requests against a real file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "virtio/devices.h"
#include "virtio/pci.h"
#include "vmm/event_loop.h"
#include "vmm/irq_routing.h"

#include "virtio/pci_test_drv.h"

TestSuite(virtio_pci, .init = virtio_test__setup, .fini = virtio_test__teardown);

/* ---- tests ---- */

Test(virtio_pci, capabilities)
{
	struct pci_device *d;
	bool seen[6] = { false };
	u8 off;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	d = find(0x1044, 0);
	cr_assert_not_null(d);
	cr_assert_eq(d->cfg[PCI_REVISION_ID], 1, "modern devices have revision 1");
	cr_assert_geq(pci__cfg_get16(d, PCI_SUBSYSTEM_ID), 0x40);
	for (off = pci__find_capability(d, PCI_CAP_ID_VNDR, 0); off;
	     off = pci__find_capability(d, PCI_CAP_ID_VNDR, off)) {
		u8 type = d->cfg[off + 3];

		cr_assert(type >= 1 && type <= 5, "unexpected cfg_type %u", type);
		cr_assert_eq(d->cfg[off + 4], 0, "every structure is in BAR 0");
		seen[type] = true;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			cr_assert_eq(d->cfg[off + 2], 20);
			cr_assert_eq(pci__cfg_get32(d, off + 16), VIRTIO_PCI_NOTIFY_MULT);
		}
		if (type == VIRTIO_PCI_CAP_COMMON_CFG)
			cr_assert_geq(pci__cfg_get32(d, off + 12), 0x38);
	}
	cr_assert(seen[1] && seen[2] && seen[3], "common, notify and ISR are required");
	cr_assert(seen[5], "the spec requires a VIRTIO_PCI_CAP_PCI_CFG window");
	cr_assert_not(seen[4], "rng has no device config");
	off = pci__find_capability(d, PCI_CAP_ID_MSIX, 0);
	cr_assert_neq(off, 0);
	cr_assert_eq(pci__cfg_get16(d, off + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, 1,
		     "one queue + config: 2 vectors");
}

Test(virtio_pci, feature_negotiation)
{
	struct drv v;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&v, 0x1044, 0, 0x100000);
	wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	cr_assert(rd(&v, VIRTIO_PCI_COMMON_DF, 4) & 1, "VIRTIO_F_VERSION_1 offered");
	wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 2, 4);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_DF, 4), 0);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_NUMQ, 2), 1);

	/* A legacy driver (no VERSION_1): FEATURES_OK is not set. */
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(&v, VIRTIO_PCI_COMMON_GF, 0, 4);
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0xB, 1);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1), 3);

	/* A feature that was not offered: refused too. */
	wr(&v, VIRTIO_PCI_COMMON_GF, 1 | 1u << 6, 4);	/* VERSION_1 | bit 38 */
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0xB, 1);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1), 3);

	/* DRIVER_OK before FEATURES_OK: out of order, ignored. */
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x7, 1);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1), 3);

	/* VERSION_1 + EVENT_IDX: accepted, and then the features are frozen. */
	drv_start(&v, 1, 1u << VIRTIO_RING_F_EVENT_IDX);
	wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(&v, VIRTIO_PCI_COMMON_GF, 0, 4);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_GF, 4), 1u << VIRTIO_RING_F_EVENT_IDX);

	/* A queue size that is not a power of two is not taken. */
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(&v, VIRTIO_PCI_COMMON_Q_SIZE, 12, 2);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	/* Nonexistent queue: size 0. */
	wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 5, 2);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
}

Test(virtio_pci, rng_request_intx_and_isr)
{
	struct drv v;
	u8 *buf = ram + 0x200000;
	u8 zero[64] = { 0 };
	unsigned int gsi;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&v, 0x1044, 0, 0x100000);
	gsi = v.dev->intx_gsi;
	drv_start(&v, 1, 0);
	*desc(&v, 0) = (struct vring_desc){ .addr = 0x200000, .len = 64,
					   .flags = VRING_DESC_F_WRITE };
	offer(&v, 0);
	WAIT_FOR(used_idx(&v) == 1);
	cr_assert_eq(used_elem(&v, 0).id, 0);
	cr_assert_eq(used_elem(&v, 0).len, 64);
	cr_assert_neq(memcmp(buf, zero, 64), 0, "no random bytes");
	WAIT_FOR(f.level[gsi]);
	cr_assert_eq(rd(&v, VIRTIO_PCI_ISR_OFF, 1), 1, "ISR: queue interrupt");
	cr_assert_not(f.level[gsi], "reading ISR lowers INTx");
	cr_assert_eq(rd(&v, VIRTIO_PCI_ISR_OFF, 1), 0, "ISR clears on read");
}

Test(virtio_pci, msix_vectors_are_irqfds)
{
	struct drv v;
	u8 cap;
	u64 cnt = 0;
	bool got = false;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&v, 0x1044, 0, 0x100000);
	cap = pci__find_capability(v.dev, PCI_CAP_ID_MSIX, 0);
	cfg_write(v.dev, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	/* Vector 1: an APIC message, unmasked. */
	wr(&v, VIRTIO_PCI_MSIX_TABLE_OFF + 16, 0xFEE00000, 4);
	wr(&v, VIRTIO_PCI_MSIX_TABLE_OFF + 20, 0, 4);
	wr(&v, VIRTIO_PCI_MSIX_TABLE_OFF + 24, 0x31, 4);
	wr(&v, VIRTIO_PCI_MSIX_TABLE_OFF + 28, 0, 4);
	cr_assert_eq(rd(&v, VIRTIO_PCI_MSIX_TABLE_OFF + 24, 4), 0x31);
	cr_assert_eq(nr_irqfds, 1, "one irqfd for the one unmasked vector");

	drv_start(&v, 1, 0);
	wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	wr(&v, VIRTIO_PCI_COMMON_MSIX, 7, 2);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR,
		     "a vector beyond the table is refused");

	*desc(&v, 0) = (struct vring_desc){ .addr = 0x200000, .len = 16,
					   .flags = VRING_DESC_F_WRITE };
	offer(&v, 0);
	WAIT_FOR(used_idx(&v) == 1);
	for (int i = 0; i < 2000 && !got; i++) {
		struct pollfd p = { .fd = irqfds[0], .events = POLLIN };

		got = poll(&p, 1, 1) == 1;
	}
	cr_assert(got, "the irqfd's eventfd was not signalled");
	cr_assert_eq(read(irqfds[0], &cnt, sizeof(cnt)), (ssize_t)sizeof(cnt));
	cr_assert_eq(cnt, 1);
	cr_assert_eq(rd(&v, VIRTIO_PCI_ISR_OFF, 1), 0, "MSI-X: no ISR bit");
}

Test(virtio_pci, malformed_chain_needs_reset_others_carry_on)
{
	struct drv bad, good;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&bad, 0x1044, 0, 0x100000);
	drv_init(&good, 0x1044, 1, 0x180000);
	drv_start(&bad, 1, 0);
	drv_start(&good, 1, 0);

	/* A looping chain on one device. */
	*desc(&bad, 0) = (struct vring_desc){ .addr = 0x200000, .len = 8,
					     .flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
					     .next = 1 };
	*desc(&bad, 1) = (struct vring_desc){ .addr = 0x200000, .len = 8,
					     .flags = VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
					     .next = 0 };
	offer(&bad, 0);
	WAIT_FOR(rd(&bad, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	cr_assert_eq(used_idx(&bad), 0);
	cr_assert_eq(rd(&bad, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_CONFIG,
		     "config interrupt tells the driver");
	/* The driver cannot clear NEEDS_RESET by writing status. */
	wr(&bad, VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
	cr_assert(rd(&bad, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);

	/* The other device works. */
	*desc(&good, 0) = (struct vring_desc){ .addr = 0x300000, .len = 32,
					      .flags = VRING_DESC_F_WRITE };
	offer(&good, 0);
	WAIT_FOR(used_idx(&good) == 1);

	/* Reset brings the broken one back. */
	wr(&bad, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	cr_assert_eq(rd(&bad, VIRTIO_PCI_COMMON_STATUS, 1), 0);
	cr_assert_eq(rd(&bad, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	memset(ram + bad.avail, 0, 0x1000);
	memset(ram + bad.used, 0, 0x1000);
	drv_start(&bad, 1, 0);
	*desc(&bad, 0) = (struct vring_desc){ .addr = 0x200000, .len = 8,
					     .flags = VRING_DESC_F_WRITE };
	offer(&bad, 0);
	WAIT_FOR(used_idx(&bad) == 1);
}

Test(virtio_pci, bad_rings_need_reset)
{
	struct drv v;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&v, 0x1044, 0, 0x100000);
	v.used = RAM - 8;	/* the used ring runs past the end of RAM */
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(&v, VIRTIO_PCI_COMMON_GF, 1, 4);
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0xB, 1);
	wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(&v, VIRTIO_PCI_COMMON_Q_USEDLO, (u32)v.used, 4);
	wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	cr_assert(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

Test(virtio_pci, bad_register_accesses_counted_not_fatal)
{
	struct drv v;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&v, 0x1044, 0, 0x100000);
	wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x3, 4);	/* wrong size */
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1), 0);
	wr(&v, 0x7000, 1, 4);				/* nothing there */
	cr_assert_eq(rd(&v, 0x2000, 4), 0, "no device config for rng");
	wr(&v, VIRTIO_PCI_NOTIFY_OFF + 4 * 9, 0, 2);	/* no such queue */
	wr(&v, VIRTIO_PCI_MSIX_TABLE_OFF + 2, 0, 2);	/* misaligned table access */
}

Test(virtio_pci, operator_errors)
{
	cr_assert_lt(virtio_blk__init(&f.vm, "/nonexistent/disk.img"), 0);
	cr_assert_lt(virtio_blk__init(&f.vm, "/dev/null,ro"), 0, "not a regular file");
	cr_assert_lt(virtio_blk__init(&f.vm, "/tmp,bogus"), 0);
	cr_assert_lt(virtio_net__init(&f.vm, "tap,mac=01:02:03:04:05:06"), 0, "multicast MAC");
	cr_assert_lt(virtio_net__init(&f.vm, "tap,mac=00:00:00:00:00:00"), 0);
	cr_assert_lt(virtio_net__init(&f.vm, "tap,mac=52:54:00:12:34"), 0);
	cr_assert_lt(virtio_net__init(&f.vm, "tap,colour=blue"), 0);
	cr_assert_lt(virtio_net__init(&f.vm, "user"), 0);
}

Test(virtio_pci, pci_cfg_window)
{
	struct drv v;
	u8 cap = 0, off;

	cr_assert_eq(virtio_rng__init(&f.vm), 0);
	drv_init(&v, 0x1044, 0, 0x100000);
	for (off = pci__find_capability(v.dev, PCI_CAP_ID_VNDR, 0); off;
	     off = pci__find_capability(v.dev, PCI_CAP_ID_VNDR, off))
		if (v.dev->cfg[off + 3] == VIRTIO_PCI_CAP_PCI_CFG)
			cap = off;
	cr_assert_neq(cap, 0);
	/* device_feature_select = 1 through BAR 0, then device_feature through the window. */
	wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	cfg_write(v.dev, cap + 4, 0, 1);				/* BAR 0 */
	cfg_write(v.dev, cap + 8, VIRTIO_PCI_COMMON_DF, 4);	/* offset */
	cfg_write(v.dev, cap + 12, 4, 4);			/* length */
	cr_assert_eq(cfg_read(v.dev, cap + 16, 4) & 1, 1, "VERSION_1 read through the window");
	/* A status write through the window. */
	cfg_write(v.dev, cap + 8, VIRTIO_PCI_COMMON_STATUS, 4);
	cfg_write(v.dev, cap + 12, 1, 4);
	cfg_write(v.dev, cap + 16, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	/* A bad length or offset does nothing (and is counted). */
	cfg_write(v.dev, cap + 12, 3, 4);
	cfg_write(v.dev, cap + 16, 0, 1);
	cr_assert_eq(rd(&v, VIRTIO_PCI_COMMON_STATUS, 1), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	cfg_write(v.dev, cap + 8, VIRTIO_PCI_BAR_SIZE, 4);
	cfg_write(v.dev, cap + 12, 4, 4);
	(void)cfg_read(v.dev, cap + 16, 4);
}
