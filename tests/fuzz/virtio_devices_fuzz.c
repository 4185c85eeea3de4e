/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the virtio devices as a guest driver sees them, on the
 * fake VM of the unit tests (virtio/pci_test.c's set-up): the modern PCI
 * transport (config space, capabilities, the PCI-cfg window, common config,
 * notify, ISR, MSI-X table) and the request parsing of every device behind
 * it: virtio-rng (served on the event loop), two virtio-blk disks, one
 * read-write and one read-only (io_uring on a 64 KiB image file, their own
 * threads: request header, data, status), virtio-console (its transmit
 * queue written to stdout, which the target points at /dev/null) and
 * virtio-net on a tap in a network namespace of the target's own (transmit
 * with its 12-byte header, frames sent into the tap from the host side for
 * the receive path). Without CAP_NET_ADMIN or /dev/net/tun there is no
 * net device (said once). Without KVM, kicks arrive as MMIO writes to the
 * notify area, as when ioeventfd is missing.
 *
 * Input: 12-byte records: op, sel, a (4), v (4), x (2)
 *   op % 7: 0/1 config write/read of device sel % n at a % 4096, size 1 << (x % 3)
 *           2/3 BAR 0 write/read at a % its size, size 1 << (x % 4)
 *           4   guest RAM: 4 bytes v at a % RAM (descriptors, rings, buffers)
 *           5   let the device threads run (up to 1 ms)
 *           6   a frame of x % 1600 bytes (v repeated, a as the first 4) into the tap
 * Devices, by sel % n: 0 rng, 1 blk, 2 blk (read-only), 3 console, 4 net.
 * Guest RAM is a 1 MiB heap block: ASan's redzones catch any access past it.
 * It is allocated once and zeroed per input (a fresh block per input cost
 * more in page faults than the input itself).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>

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
#define IFNAME		"fuzztap0"

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

static int psock = -1;	/* a packet socket on the tap: the host's side of the link */

/*
 * The tap, made once and persistent, up, with a packet socket on it: each
 * input's virtio-net attaches to it by name (TUNSETIFF on an existing tap),
 * so no network device is created and destroyed per input (that takes the
 * kernel tens of milliseconds). Frames queued in it go when the device's
 * fd closes at the end of the input.
 */
static void make_tap(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct ifreq ifr = { 0 };
	int t = open("/dev/net/tun", O_RDWR | O_CLOEXEC), s, fd;

	strcpy(ifr.ifr_name, IFNAME);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (t < 0 || ioctl(t, TUNSETIFF, &ifr) < 0 || ioctl(t, TUNSETPERSIST, 1) < 0)
		__builtin_trap();
	close(t);
	/* No IPv6 chatter on the link: the tap sees only what we send. */
	fd = open("/proc/sys/net/ipv6/conf/" IFNAME "/disable_ipv6", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			__builtin_trap();
		close(fd);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		__builtin_trap();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		__builtin_trap();
	close(s);
	psock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
	ll.sll_ifindex = (int)if_nametoindex(IFNAME);
	if (psock < 0 || !ll.sll_ifindex || bind(psock, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		__builtin_trap();
}

/* Once: console output to /dev/null, a network namespace of our own for the tap. */
static void setup_process(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		__builtin_trap();
	close(fd);
	make_images();
	atexit(remove_images);
	if (unshare(CLONE_NEWNET) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "virtio_devices: no virtio-net (needs CAP_NET_ADMIN and /dev/net/tun)\n");
		return;
	}
	make_tap();
}

static void send_frame(u32 a, u32 v, u16 x)
{
	static u8 frame[1600];
	size_t len = x % sizeof(frame);

	for (size_t i = 0; i + 4 <= sizeof(frame); i += 4)
		memcpy(frame + i, &v, 4);
	memcpy(frame, &a, 4);
	if (psock >= 0)
		if (send(psock, frame, len, MSG_DONTWAIT) < 0 && getenv("FUZZ_VERBOSE"))
			perror("virtio_devices: send into the tap");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fake_vm f;
	static u8 *ram;
	struct pci_device *devs[MAX_DEVS];
	char ro_spec[80];
	unsigned int n = 0;

	if (!ram) {
		setup_process();
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!ram)
			__builtin_trap();
	}
	log_level = getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_ERR;	/* errors only */
	fake_vm__init(&f);
	memset(ram, 0, RAM_SIZE);
	snprintf(ro_spec, sizeof(ro_spec), "%s,ro,serial=fuzz-ro", img_ro);
	if (guest_mem__layout(&f.vm.mem, ram, -1, RAM_SIZE))
		__builtin_trap();
	irq_routing__set_test_ops(&routing_ops, NULL);
	if (pci__init(&f.vm) || event_loop__create(&f.vm.loop) || event_loop__start(f.vm.loop) ||
	    virtio_rng__init(&f.vm) || virtio_blk__init(&f.vm, img_rw) ||
	    virtio_blk__init(&f.vm, ro_spec) || virtio_console__init(&f.vm) ||
	    (psock >= 0 && virtio_net__init(&f.vm, "tap,ifname=" IFNAME)))
		__builtin_trap();
	for (unsigned int s = 0; s < PCI_NR_SLOTS && n < MAX_DEVS; s++) {
		struct pci_device *d = pci__device_at(f.vm.pci, s);

		if (d && pci__cfg_get16(d, PCI_VENDOR_ID) == 0x1AF4)
			devs[n++] = d;
	}
	if (n != 4u + (psock >= 0))
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
		switch (data[0] % 7) {
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
		case 6:
			send_frame(a, v, x);
			break;
		}
	}
	/* Devices first (the disks' threads stop), then the loop, as virtio/pci_test.c. */
	fake_vm__destroy(&f);
	event_loop__stop(f.vm.loop);
	event_loop__destroy(f.vm.loop);
	irq_routing__set_test_ops(NULL, NULL);
	return 0;
}
