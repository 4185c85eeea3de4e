/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user client, command half: one function per client->server command,
 * each validating the reply before anything of it is used. The payloads are
 * the Linux VFIO structures (argsz convention: see shared/vfio-user.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "devices/vfio_user_client_priv.h"

/* Largest region-info reply we accept: caps beyond this are not plausible. */
#define MAX_REGION_INFO		65536u
#define MAX_SPARSE_AREAS	1024u
#define MAX_CAPS		32u

/* vfio-user's DEVICE_GET_INFO is the 16-byte form (no cap_offset). */
struct vfu_device_info {
	u32 argsz, flags, num_regions, num_irqs;
} __attribute__((packed));

static int bad_reply(struct vfu_client *c, struct vfu_msg *m, const char *what)
{
	pthread_mutex_lock(&c->lock);
	c->stats.proto_errors++;
	pthread_mutex_unlock(&c->lock);
	pr_warn_ratelimited("vfio-user %s: malformed %s reply (%u bytes, %u fds)", c->name, what,
			    m->len, m->nfds);
	vfu_msg__release(m);
	return -EPROTO;
}

/*
 * Done with a reply: fds it carried that the caller did not take
 * (vfu_msg__take_fd) are stray: dropped (libvfio-user closes them too) and
 * counted as a protocol error, and the message freed.
 */
static void reply_done(struct vfu_client *c, struct vfu_msg *m)
{
	bool stray = false;

	for (unsigned int i = 0; i < m->nfds; i++)
		stray |= m->fds[i] >= 0;
	if (stray) {
		vfu_msg__close_fds(m);
		pthread_mutex_lock(&c->lock);
		c->stats.proto_errors++;
		pthread_mutex_unlock(&c->lock);
	}
	vfu_msg__release(m);
}

/* Take [@iova, +@size) off the DMA list: the server may no longer reach it through us. */
static void forget_dma(struct vfu_client *c, u64 iova, u64 size)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->nr_dma; i++) {
		if (c->dma[i].iova == iova && c->dma[i].size == size) {
			c->dma[i] = c->dma[--c->nr_dma];
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

int vfu_client__device_info(struct vfu_client *c, struct vfio_device_info *out)
{
	struct vfu_device_info req = { .argsz = sizeof(req) };
	const struct vfu_device_info *r;
	struct vfu_msg m;
	int ret;

	ret = vfu_client__transact(c, VFIO_USER_DEVICE_GET_INFO, &req, sizeof(req), NULL, 0,
				   NULL, 0, &m);
	if (ret < 0)
		return ret;
	r = (const void *)m.payload;
	if (m.len < sizeof(*r))
		return bad_reply(c, &m, "DEVICE_GET_INFO");
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->flags = r->flags;
	out->num_regions = r->num_regions;
	out->num_irqs = r->num_irqs;
	reply_done(c, &m);
	return 0;
}

void vfu_region__release(struct vfu_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->areas);
	r->areas = NULL;
	r->nr_areas = 0;
}

/*
 * Walk the capability chain of a region-info reply; only sparse mmap matters
 * to us. Read with memcpy: a server's cap_offset and next need not be aligned.
 */
static int parse_caps(const u8 *p, u32 len, u32 off, struct vfu_region *out)
{
	for (unsigned int n = 0; off; n++) {
		struct vfio_info_cap_header h;

		if (n >= MAX_CAPS || off < sizeof(struct vfio_region_info) ||
		    !range_within(off, sizeof(h), len))
			return -EPROTO;
		memcpy(&h, p + off, sizeof(h));
		if (h.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP && !out->areas) {
			struct vfio_region_info_cap_sparse_mmap s;
			u32 nr;

			if (!range_within(off, sizeof(s), len))
				return -EPROTO;
			memcpy(&s, p + off, sizeof(s));
			nr = s.nr_areas;
			if (nr > MAX_SPARSE_AREAS ||
			    !range_within(off + sizeof(s), (u64)nr * sizeof(s.areas[0]), len))
				return -EPROTO;
			out->areas = calloc(nr ? nr : 1, sizeof(*out->areas));
			if (!out->areas)
				return -ENOMEM;
			for (u32 i = 0; i < nr; i++) {
				struct vfio_region_sparse_mmap_area a;

				memcpy(&a, p + off + sizeof(s) + i * sizeof(a), sizeof(a));
				if (!range_within(a.offset, a.size, out->size))
					return -EPROTO;
				out->areas[i] = a;
			}
			out->nr_areas = nr;
		}
		/* Chains go forward only, so a loop cannot trap us. */
		if (h.next && h.next <= off)
			return -EPROTO;
		off = h.next;
	}
	return 0;
}

int vfu_client__region_info(struct vfu_client *c, u32 index, struct vfu_region *out)
{
	u32 argsz = sizeof(struct vfio_region_info);
	struct vfu_msg m;
	int ret;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	/* Ask small first: the reply's argsz says how much the caps need (at most twice). */
	for (int tries = 0; tries < 3; tries++) {
		struct vfio_region_info req = { .argsz = argsz, .index = index };
		const struct vfio_region_info *r;

		ret = vfu_client__transact(c, VFIO_USER_DEVICE_GET_REGION_INFO, &req,
					   sizeof(req), NULL, 0, NULL, 0, &m);
		if (ret < 0)
			return ret;
		r = (const void *)m.payload;
		if (m.len < sizeof(*r) || m.nfds > 1 || m.len > argsz)
			return bad_reply(c, &m, "GET_REGION_INFO");
		/*
		 * A bigger argsz means the capabilities did not fit. libvfio-user says so
		 * with CAPS clear in the short reply (flags MMAP only, no fd): retry on
		 * argsz alone.
		 */
		if (r->argsz > argsz) {
			if (r->argsz > MAX_REGION_INFO)
				return bad_reply(c, &m, "GET_REGION_INFO");
			argsz = r->argsz;
			vfu_msg__release(&m);
			continue;
		}
		out->index = index;
		out->flags = r->flags;
		out->size = r->size;
		out->offset = r->offset;
		if ((r->flags & VFIO_REGION_INFO_FLAG_CAPS) && r->cap_offset) {
			ret = parse_caps(m.payload, m.len, r->cap_offset, out);
			if (ret < 0) {
				vfu_region__release(out);
				if (ret != -ENOMEM)
					return bad_reply(c, &m, "GET_REGION_INFO caps");
				vfu_msg__release(&m);
				return ret;
			}
		}
		if (out->flags & VFIO_REGION_INFO_FLAG_MMAP)
			out->fd = vfu_msg__take_fd(&m, 0);
		if (out->fd < 0) {
			/* Mappable only with an fd: without one, everything is forwarded. */
			out->flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
			free(out->areas);
			out->areas = NULL;
			out->nr_areas = 0;
		} else if (!out->areas) {
			/* MMAP without a sparse cap: the whole region is one area. */
			out->areas = calloc(1, sizeof(*out->areas));
			if (!out->areas) {
				vfu_msg__release(&m);
				vfu_region__release(out);
				return -ENOMEM;
			}
			out->areas[0].size = out->size;
			out->nr_areas = 1;
		}
		reply_done(c, &m);
		return 0;
	}
	pr_warn("vfio-user %s: region %u info keeps growing", c->name, index);
	return -EPROTO;
}

int vfu_client__irq_info(struct vfu_client *c, u32 index, struct vfio_irq_info *out)
{
	struct vfio_irq_info req = { .argsz = sizeof(req), .index = index };
	struct vfu_msg m;
	int ret;

	ret = vfu_client__transact(c, VFIO_USER_DEVICE_GET_IRQ_INFO, &req, sizeof(req), NULL, 0,
				   NULL, 0, &m);
	if (ret < 0)
		return ret;
	if (m.len < sizeof(*out))
		return bad_reply(c, &m, "GET_IRQ_INFO");
	memcpy(out, m.payload, sizeof(*out));
	reply_done(c, &m);
	return 0;
}

static int set_irqs_one(struct vfu_client *c, u32 index, u32 flags, u32 start, u32 count,
			const int *fds, unsigned int nfds, const u8 *data, u32 dlen)
{
	struct vfio_irq_set s = {
		.argsz = (u32)(sizeof(s) + dlen), .flags = flags, .index = index,
		.start = start, .count = count,
	};
	struct vfu_msg m;
	int ret;

	ret = vfu_client__transact(c, VFIO_USER_DEVICE_SET_IRQS, &s, sizeof(s), data, dlen,
				   fds, nfds, &m);
	if (ret < 0)
		return ret;
	reply_done(c, &m);
	return 0;
}

int vfu_client__set_irqs(struct vfu_client *c, u32 index, u32 flags, u32 start, u32 count,
			 const int *fds, const u8 *bools)
{
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	u32 max = c->server.max_msg_fds;
	u32 i = 0;
	int ret;

	if (type == VFIO_IRQ_SET_DATA_BOOL)
		return set_irqs_one(c, index, flags, start, count, NULL, 0, bools, count);
	if (type != VFIO_IRQ_SET_DATA_EVENTFD || count == 0)
		return set_irqs_one(c, index, flags, start, count, NULL, 0, NULL, 0);
	if (max > VFU_MAX_FDS)
		max = VFU_MAX_FDS;
	/* Runs of eventfds (at most max per message) and runs of de-assignments (no fds). */
	while (i < count) {
		u32 n = 1;

		if (fds[i] < 0) {
			while (i + n < count && fds[i + n] < 0)
				n++;
			ret = set_irqs_one(c, index, flags, start + i, n, NULL, 0, NULL, 0);
		} else {
			if (max == 0)
				return -EOPNOTSUPP;	/* the server takes no fds at all */
			while (i + n < count && n < max && fds[i + n] >= 0)
				n++;
			ret = set_irqs_one(c, index, flags, start + i, n, fds + i, n, NULL, 0);
		}
		if (ret < 0)
			return ret;
		i += n;
	}
	return 0;
}

static u32 xfer_max(const struct vfu_client *c)
{
	u32 max = c->server.max_data_xfer_size;

	/* Our receive buffer bounds a READ reply too. */
	return MIN(max ? max : VFIO_USER_DEFAULT_MAX_DATA_XFER, c->our_max_xfer);
}

int vfu_client__region_read(struct vfu_client *c, u32 region, u64 offset, void *buf, u64 len)
{
	u64 done = 0;

	while (done < len) {
		struct vfio_user_region_access req = {
			.offset = offset + done, .region = region,
			.count = (u32)MIN(len - done, (u64)xfer_max(c)),
		};
		const struct vfio_user_region_access *r;
		struct vfu_msg m;
		int ret;

		ret = vfu_client__transact(c, VFIO_USER_REGION_READ, &req, sizeof(req), NULL, 0,
					   NULL, 0, &m);
		if (ret < 0)
			return ret;
		r = (const void *)m.payload;
		if (m.len != sizeof(*r) + req.count || r->count != req.count ||
		    r->offset != req.offset || r->region != region)
			return bad_reply(c, &m, "REGION_READ");
		memcpy((u8 *)buf + done, r->data, req.count);
		reply_done(c, &m);
		done += req.count;
	}
	return 0;
}

int vfu_client__region_write(struct vfu_client *c, u32 region, u64 offset, const void *buf,
			     u64 len)
{
	u64 done = 0;

	while (done < len) {
		struct vfio_user_region_access req = {
			.offset = offset + done, .region = region,
			.count = (u32)MIN(len - done, (u64)xfer_max(c)),
		};
		struct vfu_msg m;
		int ret;

		ret = vfu_client__transact(c, VFIO_USER_REGION_WRITE, &req, sizeof(req),
					   (const u8 *)buf + done, req.count, NULL, 0, &m);
		if (ret < 0)
			return ret;
		/* The spec's reply echoes the 16-byte header; tolerate servers that send less. */
		reply_done(c, &m);
		done += req.count;
	}
	return 0;
}

int vfu_client__dma_map(struct vfu_client *c, u64 iova, u64 size, int fd, u64 fd_offset,
			u32 flags)
{
	struct vfio_user_dma_map req = {
		.argsz = sizeof(req), .flags = flags, .offset = fd >= 0 ? fd_offset : 0,
		.address = iova, .size = size,
	};
	struct vfu_msg m;
	unsigned int slot;
	int ret;

	if (!size || iova + size < iova)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if (c->nr_dma == VFU_CLIENT_MAX_DMA || c->nr_dma >= c->server.max_dma_maps) {
		pthread_mutex_unlock(&c->lock);
		return -ENOSPC;
	}
	for (unsigned int i = 0; i < c->nr_dma; i++) {
		if (ranges_overlap(iova, size, c->dma[i].iova, c->dma[i].size)) {
			pthread_mutex_unlock(&c->lock);
			return -EEXIST;
		}
	}
	/* Listed before the server hears of it: it may DMA before we read the reply. */
	slot = c->nr_dma++;
	c->dma[slot] = (struct vfu_dma_range){ .iova = iova, .size = size, .flags = flags };
	pthread_mutex_unlock(&c->lock);

	if (fd >= 0 && c->server.max_msg_fds == 0)
		fd = -1;	/* the server takes no fds: it will use DMA messages */
	ret = vfu_client__transact(c, VFIO_USER_DMA_MAP, &req, sizeof(req), NULL, 0,
				   fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0, &m);
	if (ret < 0) {
		forget_dma(c, iova, size);
		return ret;
	}
	reply_done(c, &m);
	return 0;
}

int vfu_client__dma_unmap(struct vfu_client *c, u64 iova, u64 size)
{
	struct vfio_user_dma_unmap req = { .argsz = sizeof(req), .address = iova, .size = size };
	struct vfu_msg m;
	int ret;

	ret = vfu_client__transact(c, VFIO_USER_DMA_UNMAP, &req, sizeof(req), NULL, 0, NULL, 0,
				   &m);
	/* Whatever the server said. */
	forget_dma(c, iova, size);
	if (ret < 0)
		return ret;
	reply_done(c, &m);
	return 0;
}

int vfu_client__map_guest_ram(struct vfu_client *c, const struct guest_mem *mem, bool share_fd)
{
	const u32 rw = VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < mem->nr_regions; i++) {
		const struct guest_mem_region *r = &mem->regions[i];

		ret = vfu_client__dma_map(c, r->gpa, r->size, share_fd ? mem->fd : -1, r->offset,
					  rw);
		if (ret < 0) {
			if (ret != -ECANCELED)	/* imsvm is stopping: nothing to say */
				pr_err("vfio-user %s: DMA_MAP of RAM at 0x%llx: %s", c->name,
				       (unsigned long long)r->gpa, strerror(-ret));
			goto err_unmap;
		}
	}
	return 0;

err_unmap:
	while (i--) {
		if (vfu_client__dma_unmap(c, mem->regions[i].gpa, mem->regions[i].size) < 0)
			break;
	}
	return ret;
}

int vfu_client__reset(struct vfu_client *c)
{
	struct vfu_msg m;
	int ret;

	ret = vfu_client__transact(c, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, &m);
	if (ret < 0)
		return ret;
	reply_done(c, &m);
	return 0;
}
