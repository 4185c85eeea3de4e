/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the virtio devices as a guest driver sees them, on the
 * fake VM of the unit tests (virtio/pci_test.c's set-up): the modern PCI
 * transport (config space, capabilities, the PCI-cfg window, common config,
 * notify, ISR, MSI-X table) and the devices behind it: virtio-rng (served on
 * the event loop) and two virtio-blk disks, one read-write and one read-only
 * (io_uring on a 64 KiB image file, their own threads). Without KVM, kicks
 * arrive as MMIO writes to the notify area, as when ioeventfd is missing.
 *
 * Input: 12-byte records: op, sel, a (4), v (4), x (2)
 *   op % 6: 0/1 config write/read of device sel % n at a % 4096, size 1 << (x % 3)
 *           2/3 BAR 0 write/read at a % its size, size 1 << (x % 4)
 *           4   guest RAM: 4 bytes v at a % RAM (descriptors, rings, buffers)
 *           5   let the device threads run (up to 1 ms)
 * Guest RAM is a 1 MiB heap block: ASan's redzones catch any access past it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "virtio/devices.h"
#include "vmm/event_loop.h"
#include "vmm/irq_routing.h"
#include "vmm/layout.h"
#include "vmm/log.h"

#define RAM_SIZE	(1 * MiB)
#define RECORD		12
#define MAX_DEVS	8

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	return 0;
}

static int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	return 0;
}

static const struct irq_routing_ops routing_ops = {
	.set_gsi_routing = fake_routing,
	.irqfd = fake_irqfd,
};

static char img_rw[64], img_ro[64];

static void make_images(void)
{
	static const char *const names[] = { img_rw, img_ro };

	snprintf(img_rw, sizeof(img_rw), "/tmp/imsvm-fuzz-rw-%d.img", (int)getpid());
	snprintf(img_ro, sizeof(img_ro), "/tmp/imsvm-fuzz-ro-%d.img", (int)getpid());
	for (int i = 0; i < 2; i++) {
		int fd = open(names[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || ftruncate(fd, 64 * 1024))
			__builtin_trap();
		close(fd);
	}
}

static void remove_images(void)
{
	unlink(img_rw);
	unlink(img_ro);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fake_vm f;
	struct pci_device *devs[MAX_DEVS];
	char ro_spec[80];
	unsigned int n = 0;
	u8 *ram;

	if (!img_rw[0]) {
		make_images();
		atexit(remove_images);
	}
	log_level = LOG_ERR;
	fake_vm__init(&f);
	ram = aligned_alloc(4096, RAM_SIZE);
	if (!ram)
		__builtin_trap();
	memset(ram, 0, RAM_SIZE);
	snprintf(ro_spec, sizeof(ro_spec), "%s,ro,serial=fuzz-ro", img_ro);
	if (guest_mem__layout(&f.vm.mem, ram, -1, RAM_SIZE))
		__builtin_trap();
	irq_routing__set_test_ops(&routing_ops, NULL);
	if (pci__init(&f.vm) || event_loop__create(&f.vm.loop) || event_loop__start(f.vm.loop) ||
	    virtio_rng__init(&f.vm) || virtio_blk__init(&f.vm, img_rw) ||
	    virtio_blk__init(&f.vm, ro_spec))
		__builtin_trap();
	for (unsigned int s = 0; s < PCI_NR_SLOTS && n < MAX_DEVS; s++) {
		struct pci_device *d = pci__device_at(f.vm.pci, s);

		if (d && pci__cfg_get16(d, PCI_VENDOR_ID) == 0x1AF4)
			devs[n++] = d;
	}
	if (n != 3)
		__builtin_trap();

	for (; size >= RECORD; data += RECORD, size -= RECORD) {
		struct pci_device *d = devs[data[1] % n];
		u32 a, v;
		u16 x;
		u64 bar = d->bars[0].gpa, bar_size = d->bars[0].size;
		u64 ecam = LAYOUT_PCI_ECAM_BASE + ((u64)d->slot << 15);

		memcpy(&a, data + 2, 4);
		memcpy(&v, data + 6, 4);
		memcpy(&x, data + 10, 2);
		switch (data[0] % 6) {
		case 0:
			fake_vm__mmio_write(&f, ecam + a % 4096, v, 1u << (x % 3));
			break;
		case 1:
			(void)fake_vm__mmio_read(&f, ecam + a % 4096, 1u << (x % 3));
			break;
		case 2:
			if (bar != PCI_BAR_UNMAPPED && bar_size)
				fake_vm__mmio_write(&f, bar + a % bar_size, v, 1u << (x % 4));
			break;
		case 3:
			if (bar != PCI_BAR_UNMAPPED && bar_size)
				(void)fake_vm__mmio_read(&f, bar + a % bar_size, 1u << (x % 4));
			break;
		case 4:
			memcpy(ram + (a % (RAM_SIZE - 3)), &v, 4);
			break;
		case 5:
			usleep(x % 1000);
			break;
		}
	}
	/* Devices first (the disks' threads stop), then the loop, as virtio/pci_test.c. */
	fake_vm__destroy(&f);
	event_loop__stop(f.vm.loop);
	event_loop__destroy(f.vm.loop);
	irq_routing__set_test_ops(NULL, NULL);
	free(ram);
	return 0;
}
