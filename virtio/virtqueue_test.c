/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueue walking against a fake guest RAM: well-formed chains
 * (direct, indirect, mixed directions), the used ring and interrupt
 * suppression (flags and event index), and every malformed case the
 * device must refuse without consuming the chain.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/virtio_ring.h>

#include "virtio/virtqueue.h"

#define RAM_SIZE	(4 * MiB)
#define QSZ		16
#define DESC		0x1000ULL
#define AVAIL		0x2000ULL
#define USED		0x3000ULL
#define BUF		0x10000ULL

static struct guest_mem mem;
static u8 *ram;
static u64 ram_size;
static struct virtq q;
static struct virtq_chain chain;

static void setup_ram(u64 size)
{
	ram_size = size;
	ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert(ram != MAP_FAILED);
	cr_assert_eq(guest_mem__layout(&mem, ram, -1, size), 0);
	memset(&q, 0, sizeof(q));
}

static void setup(void)
{
	setup_ram(RAM_SIZE);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC, AVAIL, USED, false), 0);
}

static void teardown(void)
{
	munmap(ram, ram_size);
}

static struct vring_desc *desc(unsigned int i)
{
	return (struct vring_desc *)(ram + DESC) + i;
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(ram + AVAIL);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(ram + USED);
}

static void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags, u16 next)
{
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Make chain @head available. */
static void offer(u16 head)
{
	struct vring_avail *a = avail();

	a->ring[a->idx % QSZ] = head;
	a->idx++;
}

/* The chain must be refused with a reason containing @why, and stay available. */
static void expect_bad(const char *why)
{
	u16 before = q.last_avail;

	cr_assert_eq(virtq__pop(&q, &chain), -EIO, "malformed chain accepted (%s)", why);
	cr_assert_not_null(q.error);
	cr_assert(strstr(q.error, why), "reason '%s', expected '%s'", q.error, why);
	cr_assert_eq(q.last_avail, before, "a refused chain was consumed");
}

TestSuite(virtq, .init = setup, .fini = teardown);

TestSuite(virtq_setup, .fini = teardown);

Test(virtq_setup, rings_checked)
{
	setup_ram(RAM_SIZE);
	cr_assert_eq(virtq__setup(&q, &mem, 12, DESC, AVAIL, USED, false), -EINVAL);
	cr_assert(strstr(q.error, "power of two"));
	cr_assert_eq(virtq__setup(&q, &mem, 0, DESC, AVAIL, USED, false), -EINVAL);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC + 8, AVAIL, USED, false), -EINVAL);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC, AVAIL + 1, USED, false), -EINVAL);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC, AVAIL, USED + 2, false), -EINVAL);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, RAM_SIZE - 16, AVAIL, USED, false), -EINVAL);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC, AVAIL, 0xFFFFFFFFFFFFF000ULL, false),
		     -EINVAL);
	cr_assert(strstr(q.error, "not in guest RAM"));
	cr_assert_not(q.ready);
	cr_assert_eq(virtq__pop(&q, &chain), 0, "a queue that failed set-up must be empty");
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC, AVAIL, USED, false), 0);
	cr_assert(q.ready);
}

Test(virtq, empty)
{
	cr_assert_not(virtq__has_avail(&q));
	cr_assert_eq(virtq__pop(&q, &chain), 0);
}

Test(virtq, direct_chain_out_then_in)
{
	memcpy(ram + BUF, "hello", 5);
	set_desc(desc(3), BUF, 5, VRING_DESC_F_NEXT, 7);
	set_desc(desc(7), BUF + 0x100, 0, VRING_DESC_F_NEXT, 1);	/* empty: skipped */
	set_desc(desc(1), BUF + 0x1000, 100, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(desc(2), BUF + 0x2000, 28, VRING_DESC_F_WRITE, 0);
	offer(3);
	cr_assert(virtq__has_avail(&q));
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	cr_assert_eq(chain.head, 3);
	cr_assert_eq(chain.nr_out, 1);
	cr_assert_eq(chain.nr_in, 2);
	cr_assert_eq(chain.out_len, 5);
	cr_assert_eq(chain.in_len, 128);
	cr_assert_eq(chain.iov[0].iov_base, ram + BUF);
	cr_assert_eq(chain.iov[1].iov_base, ram + BUF + 0x1000);
	cr_assert_eq(chain.iov[2].iov_len, 28);

	char buf[8] = { 0 };
	cr_assert_eq(virtq__copy_from(&chain, 1, buf, 8), 4);
	cr_assert_str_eq(buf, "ello");
	/* A copy crossing from the first writable segment into the second. */
	cr_assert_eq(virtq__copy_to(&chain, 98, "abcd", 4), 4);
	cr_assert_eq(memcmp(ram + BUF + 0x1000 + 98, "ab", 2), 0);
	cr_assert_eq(memcmp(ram + BUF + 0x2000, "cd", 2), 0);
	cr_assert_eq(virtq__copy_to(&chain, 127, "xyz", 3), 1);
	cr_assert_eq(virtq__pop(&q, &chain), 0);
}

Test(virtq, indirect_chain)
{
	struct vring_desc *t = (struct vring_desc *)(ram + BUF + 0x8000);

	set_desc(&t[0], BUF, 16, VRING_DESC_F_NEXT, 2);
	set_desc(&t[2], BUF + 0x100, 32, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], BUF + 0x200, 512, VRING_DESC_F_WRITE, 0);
	set_desc(desc(0), BUF + 0x8000, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	cr_assert_eq(chain.nr_out, 2);
	cr_assert_eq(chain.nr_in, 1);
	cr_assert_eq(chain.out_len, 48);
	cr_assert_eq(chain.in_len, 512);
}

Test(virtq, direct_then_indirect)
{
	struct vring_desc *t = (struct vring_desc *)(ram + BUF + 0x8000);

	/* A direct header descriptor chained to an indirect table (allowed: the last). */
	set_desc(&t[0], BUF + 0x200, 64, VRING_DESC_F_WRITE, 0);
	set_desc(desc(4), BUF, 16, VRING_DESC_F_NEXT, 5);
	set_desc(desc(5), BUF + 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
	offer(4);
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	cr_assert_eq(chain.nr_out, 1);
	cr_assert_eq(chain.nr_in, 1);
}

Test(virtq, used_ring_and_flags)
{
	set_desc(desc(0), BUF, 8, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	virtq__push(&q, chain.head, 8);
	cr_assert_eq(used()->idx, 1);
	cr_assert_eq(used()->ring[0].id, 0);
	cr_assert_eq(used()->ring[0].len, 8);
	cr_assert(virtq__should_notify(&q));
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	cr_assert_not(virtq__should_notify(&q));
}

Test(virtq, event_index)
{
	q.event_idx = true;
	for (int i = 0; i < 4; i++) {
		set_desc(desc(i), BUF + 0x100 * i, 8, VRING_DESC_F_WRITE, 0);
		offer(i);
	}
	/* The driver wants an interrupt only once used->idx passes 2 (used_event = 2). */
	avail()->ring[QSZ] = 2;
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	virtq__push(&q, chain.head, 0);
	cr_assert(virtq__should_notify(&q), "first notification is always sent");
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	virtq__push(&q, chain.head, 0);		/* used idx 2: not past event 2 */
	cr_assert_not(virtq__should_notify(&q));
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	virtq__push(&q, chain.head, 0);		/* used idx 3: crossed */
	cr_assert(virtq__should_notify(&q));
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	virtq__push(&q, chain.head, 0);
	cr_assert_not(virtq__should_notify(&q), "event already passed: no more interrupts");
	/* avail_event tells the driver where we are. */
	virtq__enable_notify(&q);
	u16 ev;
	memcpy(&ev, &used()->ring[QSZ], 2);
	cr_assert_eq(ev, 4);
}

Test(virtq, index_wraps)
{
	q.last_avail = q.used_idx = 0xFFFF;
	avail()->idx = 0xFFFF;
	set_desc(desc(0), BUF, 8, 0, 0);
	offer(0);
	cr_assert_eq(avail()->idx, 0);
	cr_assert_eq(virtq__pop(&q, &chain), 1);
	virtq__push(&q, 0, 0);
	cr_assert_eq(used()->idx, 0);
	cr_assert_eq(used()->ring[QSZ - 1].id, 0);
}

/* ---- malformed chains: each refused, none consumed ---- */

Test(virtq, bad_buffer_outside_ram)
{
	set_desc(desc(0), RAM_SIZE - 4, 8, 0, 0);
	offer(0);
	expect_bad("outside guest RAM");
}

Test(virtq, bad_buffer_wraps_address_space)
{
	set_desc(desc(0), 0xFFFFFFFFFFFFFFF0ULL, 0x20, VRING_DESC_F_WRITE, 0);
	offer(0);
	expect_bad("outside guest RAM");
}

Test(virtq, bad_buffer_in_pci_hole)
{
	/* RAM is 4 MiB: 0xC0000000 is nothing. */
	set_desc(desc(0), 0xC0000000ULL, 16, 0, 0);
	offer(0);
	expect_bad("outside guest RAM");
}

Test(virtq, bad_looping_chain)
{
	set_desc(desc(0), BUF, 8, VRING_DESC_F_NEXT, 1);
	set_desc(desc(1), BUF, 8, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_bad("looping descriptor chain");
}

Test(virtq, bad_self_loop)
{
	set_desc(desc(5), BUF, 8, VRING_DESC_F_NEXT, 5);
	offer(5);
	expect_bad("looping descriptor chain");
}

Test(virtq, bad_next_out_of_table)
{
	set_desc(desc(0), BUF, 8, VRING_DESC_F_NEXT, QSZ);
	offer(0);
	expect_bad("next index out of the descriptor table");
}

Test(virtq, bad_head_out_of_table)
{
	offer(QSZ + 3);
	expect_bad("available ring entry out of the descriptor table");
}

Test(virtq, bad_avail_idx_jump)
{
	avail()->idx = QSZ + 1;
	expect_bad("more than the queue size");
}

Test(virtq, bad_readable_after_writable)
{
	set_desc(desc(0), BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(desc(1), BUF, 8, 0, 0);
	offer(0);
	expect_bad("readable descriptor after a writable");
}

Test(virtq, bad_nested_indirect)
{
	struct vring_desc *t = (struct vring_desc *)(ram + BUF + 0x8000);

	set_desc(&t[0], BUF + 0x9000, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(desc(0), BUF + 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("nested indirect");
}

Test(virtq, bad_indirect_with_next)
{
	set_desc(desc(0), BUF + 0x8000, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0);
	expect_bad("indirect descriptor with NEXT");
}

Test(virtq, bad_indirect_length)
{
	set_desc(desc(0), BUF + 0x8000, 24, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("multiple of 16");
	set_desc(desc(0), BUF + 0x8000, 0, VRING_DESC_F_INDIRECT, 0);
	expect_bad("multiple of 16");
}

Test(virtq, bad_indirect_table_outside_ram)
{
	set_desc(desc(0), RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("indirect table outside guest RAM");
}

Test(virtq, bad_indirect_loop)
{
	struct vring_desc *t = (struct vring_desc *)(ram + BUF + 0x8000);

	set_desc(&t[0], BUF, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&t[1], BUF, 8, VRING_DESC_F_NEXT, 0);
	set_desc(desc(0), BUF + 0x8000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("looping indirect chain");
}

Test(virtq, bad_indirect_next_out_of_table)
{
	struct vring_desc *t = (struct vring_desc *)(ram + BUF + 0x8000);

	set_desc(&t[0], BUF, 8, VRING_DESC_F_NEXT, 2);
	set_desc(desc(0), BUF + 0x8000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("indirect next index out of the table");
}

Test(virtq, bad_indirect_buffer_outside_ram)
{
	struct vring_desc *t = (struct vring_desc *)(ram + BUF + 0x8000);

	set_desc(&t[0], RAM_SIZE, 8, 0, 0);
	set_desc(desc(0), BUF + 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("outside guest RAM");
}

Test(virtq, bad_too_many_in_indirect_table)
{
	u32 n = VIRTQ_MAX_SEGS + 1;
	struct vring_desc *t = (struct vring_desc *)(ram + 0x100000);

	for (u32 i = 0; i < n; i++)
		set_desc(&t[i], BUF, 8, i + 1 < n ? VRING_DESC_F_NEXT : 0, (u16)(i + 1));
	set_desc(desc(0), 0x100000, n * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("too many descriptors");
}

Test(virtq_setup, bad_too_many_descriptors_direct)
{
	/* A direct chain longer than VIRTQ_MAX_SEGS in a big queue: no loop, still refused. */
	const u16 num = 2048;
	const u64 d = 0x100000, a = 0x80000, u = 0x90000;
	struct vring_desc *t;
	struct vring_avail *av;

	setup_ram(RAM_SIZE);
	cr_assert_eq(virtq__setup(&q, &mem, num, d, a, u, false), 0);
	t = (struct vring_desc *)(ram + d);
	for (u32 i = 0; i < 1500; i++)
		set_desc(&t[i], BUF, 8, VRING_DESC_F_NEXT, (u16)(i + 1));
	set_desc(&t[1500], BUF, 8, 0, 0);
	av = (struct vring_avail *)(ram + a);
	av->ring[0] = 0;
	av->idx = 1;
	expect_bad("too many descriptors");
}

Test(virtq_setup, bad_length_overflow)
{
	/* Sparse 3 GiB of "RAM": three 1.5 GiB descriptors sum past 4 GiB. */
	setup_ram(3 * GiB);
	cr_assert_eq(virtq__setup(&q, &mem, QSZ, DESC, AVAIL, USED, false), 0);
	set_desc(desc(0), 0x1000000, 0x60000000, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(desc(1), 0x1000000, 0x60000000, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(desc(2), 0x1000000, 0x60000000, VRING_DESC_F_WRITE, 0);
	offer(0);
	expect_bad("overflows 32 bits");
}

Test(virtq, good_chain_after_refusal_of_other_queue_state)
{
	/* Refused chain: rewriting it correctly lets the same queue go on (no hidden state). */
	set_desc(desc(0), RAM_SIZE, 8, 0, 0);
	offer(0);
	expect_bad("outside guest RAM");
	set_desc(desc(0), BUF, 8, 0, 0);
	cr_assert_eq(virtq__pop(&q, &chain), 1);
}
