/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueue walking. Memory ordering follows the spec (2.7.13): the
 * device reads avail->idx, then (acquire) the ring entry and descriptors;
 * it writes the used element, then (release) used->idx; before deciding
 * whether to interrupt it reads flags / used_event after a full fence, so
 * a driver that just re-enabled interrupts is never missed.
 */
#include <errno.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "virtio/virtqueue.h"

static inline u16 load16(const void *p)
{
	return __atomic_load_n((const u16 *)p, __ATOMIC_RELAXED);
}

static inline void store16(void *p, u16 v)
{
	__atomic_store_n((u16 *)p, v, __ATOMIC_RELAXED);
}

static void *area(const struct guest_mem *mem, u64 gpa, u64 len, u64 align)
{
	if (!IS_ALIGNED(gpa, align))
		return NULL;
	return guest_mem__ptr(mem, gpa, len);
}

int virtq__setup(struct virtq *q, const struct guest_mem *mem, u16 num, u64 desc, u64 avail,
		 u64 used, bool event_idx)
{
	u64 n = num;

	virtq__reset(q);
	q->mem = mem;
	if (num == 0 || (num & (num - 1))) {
		q->error = "queue size is not a power of two";
		return -EINVAL;
	}
	q->desc = area(mem, desc, 16 * n, 16);
	/* flags, idx, ring[num], used_event */
	q->avail = area(mem, avail, 6 + 2 * n, 2);
	/* flags, idx, ring[num] of {id, len}, avail_event */
	q->used = area(mem, used, 6 + 8 * n, 4);
	if (!q->desc || !q->avail || !q->used) {
		q->error = "a ring is misaligned or not in guest RAM";
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		return -EINVAL;
	}
	q->num = num;
	q->desc_gpa = desc;
	q->avail_gpa = avail;
	q->used_gpa = used;
	q->event_idx = event_idx;
	q->ready = true;
	return 0;
}

void virtq__reset(struct virtq *q)
{
	const struct guest_mem *mem = q->mem;

	memset(q, 0, sizeof(*q));
	q->mem = mem;
}

bool virtq__has_avail(struct virtq *q)
{
	if (!q->ready)
		return false;
	return load16(&q->avail->idx) != q->last_avail;
}

/* Bounds every chain: a loop in the guest's table ends here. */
static int add_seg(struct virtq *q, struct virtq_chain *c, const struct vring_desc *d)
{
	u32 len = d->len;
	void *p;

	if (c->nr_out + c->nr_in >= VIRTQ_MAX_SEGS) {
		q->error = "too many descriptors in a chain";
		return -EIO;
	}
	if (len == 0)
		return 0;	/* allowed, and nothing to map */
	p = guest_mem__ptr(q->mem, d->addr, len);
	if (!p) {
		q->error = "descriptor buffer outside guest RAM";
		return -EIO;
	}
	if (d->flags & VRING_DESC_F_WRITE) {
		if ((u64)c->in_len + len > UINT32_MAX) {
			q->error = "chain length overflows 32 bits";
			return -EIO;
		}
		c->in_len += len;
		c->iov[c->nr_out + c->nr_in].iov_base = p;
		c->iov[c->nr_out + c->nr_in].iov_len = len;
		c->nr_in++;
	} else {
		if (c->nr_in) {
			q->error = "device-readable descriptor after a writable one";
			return -EIO;
		}
		if ((u64)c->out_len + len > UINT32_MAX) {
			q->error = "chain length overflows 32 bits";
			return -EIO;
		}
		c->out_len += len;
		c->iov[c->nr_out].iov_base = p;
		c->iov[c->nr_out].iov_len = len;
		c->nr_out++;
	}
	return 0;
}

static int walk_indirect(struct virtq *q, struct virtq_chain *c, const struct vring_desc *d)
{
	const struct vring_desc *table;
	u32 n, i, steps = 0;

	if (d->flags & VRING_DESC_F_NEXT) {
		q->error = "indirect descriptor with NEXT set";
		return -EIO;
	}
	if (d->len == 0 || d->len % 16) {
		q->error = "indirect table length not a multiple of 16";
		return -EIO;
	}
	n = d->len / 16;
	if (n > VIRTQ_MAX_SEGS) {
		q->error = "too many descriptors in an indirect table";
		return -EIO;
	}
	table = area(q->mem, d->addr, d->len, 1);
	if (!table) {
		q->error = "indirect table outside guest RAM";
		return -EIO;
	}
	for (i = 0;;) {
		struct vring_desc e;
		int ret;

		memcpy(&e, &table[i], sizeof(e));
		if (e.flags & VRING_DESC_F_INDIRECT) {
			q->error = "nested indirect descriptor";
			return -EIO;
		}
		ret = add_seg(q, c, &e);
		if (ret < 0)
			return ret;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		if (++steps >= n) {
			q->error = "looping indirect chain";
			return -EIO;
		}
		i = e.next;
		if (i >= n) {
			q->error = "indirect next index out of the table";
			return -EIO;
		}
	}
}

int virtq__pop(struct virtq *q, struct virtq_chain *c)
{
	u16 avail_idx, head, i;
	unsigned int steps = 0;

	if (!q->ready)
		return 0;
	avail_idx = load16(&q->avail->idx);
	if (avail_idx == q->last_avail)
		return 0;
	if ((u16)(avail_idx - q->last_avail) > q->num) {
		q->error = "available index moved by more than the queue size";
		return -EIO;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = load16(&q->avail->ring[q->last_avail % q->num]);
	if (head >= q->num) {
		q->error = "available ring entry out of the descriptor table";
		return -EIO;
	}
	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	for (i = head;;) {
		struct vring_desc d;
		int ret;

		memcpy(&d, &q->desc[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			ret = walk_indirect(q, c, &d);
			if (ret < 0)
				return ret;
			/* NEXT with INDIRECT was refused: the chain ends here. */
			break;
		}
		ret = add_seg(q, c, &d);
		if (ret < 0)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (++steps >= q->num) {
			q->error = "looping descriptor chain";
			return -EIO;
		}
		i = d.next;
		if (i >= q->num) {
			q->error = "next index out of the descriptor table";
			return -EIO;
		}
	}
	q->last_avail++;
	return 1;
}

void virtq__unpop(struct virtq *q)
{
	q->last_avail--;
	/* avail_event must not run ahead of what we still need kicks for. */
	virtq__enable_notify(q);
}

void virtq__push(struct virtq *q, u16 head, u32 len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];

	e->id = head;
	e->len = len;
	q->used_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16(&q->used->idx, q->used_idx);
}

bool virtq__should_notify(struct virtq *q)
{
	u16 old, event;
	bool valid;

	if (!q->ready)
		return false;
	/* Our used->idx store before the driver's flag / event reads. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(&q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	old = q->signalled_used;
	valid = q->signalled_valid;
	q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	if (!valid)
		return true;
	event = load16(&q->avail->ring[q->num]);	/* used_event */
	/* vring_need_event(): did used_idx step past event since we last signalled? */
	return (u16)(q->used_idx - event - 1) < (u16)(q->used_idx - old);
}

void virtq__enable_notify(struct virtq *q)
{
	if (!q->ready || !q->event_idx)
		return;
	/* avail_event lives after the used ring. */
	store16(&q->used->ring[q->num], q->last_avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

size_t virtq__copy_from(const struct virtq_chain *c, size_t off, void *dst, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < c->nr_out && done < len; i++) {
		size_t l = c->iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = MIN(l - off, len - done);
		memcpy((u8 *)dst + done, (u8 *)c->iov[i].iov_base + off, l);
		done += l;
		off = 0;
	}
	return done;
}

size_t virtq__copy_to(const struct virtq_chain *c, size_t off, const void *src, size_t len)
{
	size_t done = 0;

	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in && done < len; i++) {
		size_t l = c->iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = MIN(l - off, len - done);
		memcpy((u8 *)c->iov[i].iov_base + off, (const u8 *)src + done, l);
		done += l;
		off = 0;
	}
	return done;
}
