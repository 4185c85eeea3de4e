/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net's data path through a fake VM and a real tap, inside a
 * network namespace of the test's own (nothing touches the host's
 * network): a frame the driver transmits comes out of the tap with the
 * vnet header stripped, a frame sent into the tap lands in a posted
 * receive buffer behind a 12-byte header with num_buffers = 1, and a
 * receive buffer that cannot hold the header puts the device into
 * NEEDS_RESET. Skipped without CAP_NET_ADMIN / /dev/net/tun.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "virtio/devices.h"
#include "virtio/pci.h"
#include "vmm/event_loop.h"
#include "vmm/irq_routing.h"

#define RAM	(16 * MiB)
#define QSZ	16
#define IFNAME	"vtunit0"

static struct fake_vm f;
static u8 *ram;
static u64 bar;
static int psock = -1;
static bool skip;

static int ok_routing(void *ctx, const struct kvm_irq_routing *t) { return 0; }
static int ok_irqfd(void *ctx, const struct kvm_irqfd *k) { return 0; }
static const struct irq_routing_ops routing_ops = { ok_routing, ok_irqfd };

/* Queue q's rings at 0x100000 + q * 0x10000. */
static u64 ring(unsigned int q, unsigned int part)
{
	return 0x100000 + q * 0x10000 + part * 0x1000;
}

static void wr(u32 off, u64 val, u32 len) { fake_vm__mmio_write(&f, bar + off, val, len); }
static u64 rd(u32 off, u32 len) { return fake_vm__mmio_read(&f, bar + off, len); }

static void setup(void)
{
	struct ifreq ifr;
	struct sockaddr_ll ll = { 0 };
	int s;

	if (unshare(CLONE_NEWNET) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
		skip = true;
		return;
	}
	fake_vm__init(&f);
	ram = aligned_alloc(4096, RAM);
	cr_assert_not_null(ram);
	memset(ram, 0, RAM);
	cr_assert_eq(guest_mem__layout(&f.vm.mem, ram, -1, RAM), 0);
	irq_routing__set_test_ops(&routing_ops, NULL);
	cr_assert_eq(pci__init(&f.vm), 0);
	cr_assert_eq(event_loop__create(&f.vm.loop), 0);
	cr_assert_eq(event_loop__start(f.vm.loop), 0);
	cr_assert_eq(virtio_net__init(&f.vm, "tap,ifname=" IFNAME ",mac=52:54:00:00:00:42"), 0);
	for (unsigned int sl = 0; sl < PCI_NR_SLOTS && !bar; sl++) {
		struct pci_device *d = pci__device_at(f.vm.pci, sl);

		if (d && pci__cfg_get16(d, PCI_DEVICE_ID) == 0x1041)
			bar = d->bars[0].gpa;
	}
	cr_assert_neq(bar, 0);

	/* No IPv6 chatter on the link (this namespace's sysctl), then the tap up. */
	s = open("/proc/sys/net/ipv6/conf/" IFNAME "/disable_ipv6", O_WRONLY);
	if (s >= 0) {
		cr_assert_eq(write(s, "1", 1), 1);
		close(s);
	}
	/* The tap up, and a packet socket on it: the host's view of the link. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, IFNAME);
	cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	psock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	cr_assert_geq(psock, 0);
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)if_nametoindex(IFNAME);
	cr_assert_eq(bind(psock, (struct sockaddr *)&ll, sizeof(ll)), 0);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(psock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/* The driver: features, both queues, DRIVER_OK. */
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	wr(VIRTIO_PCI_COMMON_STATUS, 3, 1);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, 1u << VIRTIO_NET_F_MAC, 4);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, 0xB, 1);
	for (unsigned int q = 0; q < 2; q++) {
		wr(VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
		wr(VIRTIO_PCI_COMMON_Q_SIZE, QSZ, 2);
		wr(VIRTIO_PCI_COMMON_Q_DESCLO, ring(q, 0), 8);
		wr(VIRTIO_PCI_COMMON_Q_AVAILLO, ring(q, 1), 8);
		wr(VIRTIO_PCI_COMMON_Q_USEDLO, ring(q, 2), 8);
		wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	}
	wr(VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
	cr_assert_eq(rd(VIRTIO_PCI_COMMON_STATUS, 1), 0xF);
}

static void teardown(void)
{
	if (skip)
		return;
	close(psock);
	fake_vm__destroy(&f);
	event_loop__stop(f.vm.loop);
	event_loop__destroy(f.vm.loop);
	irq_routing__set_test_ops(NULL, NULL);
	free(ram);
}

TestSuite(virtio_net, .init = setup, .fini = teardown);

static struct vring_desc *desc(unsigned int q, unsigned int i)
{
	return (struct vring_desc *)(ram + ring(q, 0)) + i;
}

static void offer(unsigned int q, u16 head)
{
	struct vring_avail *a = (struct vring_avail *)(ram + ring(q, 1));

	a->ring[a->idx % QSZ] = head;
	__atomic_store_n(&a->idx, (u16)(a->idx + 1), __ATOMIC_RELEASE);
	wr(VIRTIO_PCI_NOTIFY_OFF + 4 * q, q, 2);
}

static u16 used_idx(unsigned int q)
{
	return __atomic_load_n(&((struct vring_used *)(ram + ring(q, 2)))->idx, __ATOMIC_ACQUIRE);
}

#define WAIT_FOR(cond) do {						\
	for (int __i = 0; __i < 2000 && !(cond); __i++)		\
		usleep(1000);						\
	cr_assert(cond, "timed out waiting for " #cond);		\
} while (0)

/* A broadcast frame with a recognisable payload of @n bytes. */
static size_t frame(u8 *p, size_t n, u8 fill)
{
	memset(p, 0xff, 6);						/* dst */
	memcpy(p + 6, "\x52\x54\x00\x00\x00\x42", 6);			/* src */
	p[12] = 0x88;							/* local experimental */
	p[13] = 0xb5;
	memset(p + 14, fill, n);
	return 14 + n;
}

Test(virtio_net, transmit_strips_the_header)
{
	u8 got[2048];
	size_t len;
	ssize_t n;

	if (skip)
		cr_skip_test("needs CAP_NET_ADMIN and /dev/net/tun");
	/* Header in its own descriptor, frame in the next. */
	memset(ram + 0x200000, 0, 12);
	len = frame(ram + 0x201000, 100, 0xab);
	*desc(1, 0) = (struct vring_desc){ 0x200000, 12, VRING_DESC_F_NEXT, 1 };
	*desc(1, 1) = (struct vring_desc){ 0x201000, (u32)len, 0, 0 };
	offer(1, 0);
	WAIT_FOR(used_idx(1) == 1);
	do {
		n = recv(psock, got, sizeof(got), 0);
	} while (n > 0 && !(got[12] == 0x88 && got[13] == 0xb5));	/* skip IPv6 chatter */
	cr_assert_eq(n, (ssize_t)len, "frame of %zd bytes, sent %zu", n, len);
	cr_assert_eq(memcmp(got, ram + 0x201000, len), 0);
}

Test(virtio_net, receive_behind_a_header)
{
	u8 out[200];
	size_t len = frame(out, 150, 0xcd);
	struct virtio_net_hdr_v1 *h = (void *)(ram + 0x300000);
	struct vring_used_elem e;

	if (skip)
		cr_skip_test("needs CAP_NET_ADMIN and /dev/net/tun");
	memset(ram + 0x300000, 0xee, 4096);
	*desc(0, 0) = (struct vring_desc){ 0x300000, 2048, VRING_DESC_F_WRITE, 0 };
	offer(0, 0);
	cr_assert_eq(send(psock, out, len, 0), (ssize_t)len);
	WAIT_FOR(used_idx(0) >= 1);
	e = ((struct vring_used *)(ram + ring(0, 2)))->ring[0];
	cr_assert_eq(e.len, 12 + len);
	cr_assert_eq(memcmp(ram + 0x300000 + 12, out, len), 0);
	cr_assert_eq(h->num_buffers, 1);
	cr_assert_eq(h->flags, 0, "no offloads: no checksum flags");
	cr_assert_eq(h->gso_type, VIRTIO_NET_HDR_GSO_NONE);
}

Test(virtio_net, receive_buffer_without_room_for_the_header)
{
	u8 out[100];
	size_t len = frame(out, 60, 0x11);

	if (skip)
		cr_skip_test("needs CAP_NET_ADMIN and /dev/net/tun");
	*desc(0, 0) = (struct vring_desc){ 0x300000, 8, VRING_DESC_F_WRITE, 0 };
	offer(0, 0);
	cr_assert_eq(send(psock, out, len, 0), (ssize_t)len);
	WAIT_FOR(rd(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	cr_assert_eq(used_idx(0), 0);
}
