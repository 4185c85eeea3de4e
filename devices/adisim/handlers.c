/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user commands, one handler each. A handler replies itself on success
 * and returns 0, or returns -errno and the dispatcher sends the error reply
 * and counts it. -ECONNABORTED additionally drops the connection (VERSION
 * failures, which the specification says end the session).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

#define NUM_REGIONS	VFIO_PCI_NUM_REGIONS	/* BAR0-5, ROM, CONFIG, VGA */
#define MAX_ACCESS	(1u << 20)

static int reply(struct adisim_adi *adi, struct vfu_msg *m, const void *p, size_t len)
{
	return vfu_msg__reply(adi->conn_fd, &m->hdr, p, len, NULL, 0, NULL, 0);
}

static int h_version(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_user_version *v = (const void *)m->payload;
	struct vfio_user_version out;
	struct vfu_caps ours;
	int sv[2] = { -1, -1 };
	char *json;
	int ret;

	if (adi->versioned)
		return -EINVAL;			/* negotiated once per connection */
	if (m->len < sizeof(*v) || v->major != VFIO_USER_MAJOR)
		return -ECONNABORTED;
	if (vfu_caps__parse(v->data, m->len - sizeof(*v), &adi->peer))
		return -ECONNABORTED;
	vfu_caps__defaults(&ours);
	ours.max_msg_fds = VFU_MAX_FDS;
	ours.max_data_xfer_size = MAX_ACCESS;
	ours.max_dma_maps = ADISIM_MAX_DMA_MAPS;
	if (adi->peer.twin_socket && adi->peer.max_msg_fds >= 1) {
		/* DMA_READ/WRITE then get their own channel and never meet commands. */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			return -errno;
		ours.twin_socket = true;
		ours.twin_fd_index = 0;
	}
	json = vfu_caps__to_json(&ours, true);
	if (!json) {
		ret = -ENOMEM;
		goto err_close;
	}
	out.major = VFIO_USER_MAJOR;
	out.minor = MIN(v->minor, (u16)VFIO_USER_MINOR);
	ret = vfu_msg__reply(adi->conn_fd, &m->hdr, &out, sizeof(out), json, strlen(json) + 1,
			     sv[1] >= 0 ? &sv[1] : NULL, sv[1] >= 0 ? 1 : 0);
	free(json);
	if (ret)
		goto err_close;
	if (sv[1] >= 0) {
		close(sv[1]);
		adi->dma_fd = sv[0];
	}
	adi->versioned = true;
	return 0;

err_close:
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return ret;
}

static int h_dma_map(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_user_dma_map *r = (const void *)m->payload;
	int fd, ret;

	if (m->len < sizeof(*r) || r->argsz < sizeof(*r) || m->nfds > 1)
		return -EINVAL;
	fd = vfu_msg__take_fd(m, 0);
	ret = adisim_dma__map(adi, r->address, r->size, r->flags, fd, r->offset);
	if (fd >= 0)
		close(fd);		/* the mapping keeps the memory alive */
	if (ret)
		return ret;
	return reply(adi, m, NULL, 0);
}

static int h_dma_unmap(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_user_dma_unmap *r = (const void *)m->payload;
	int ret;

	if (m->len < sizeof(*r) || r->argsz < sizeof(*r))
		return -EINVAL;
	ret = adisim_dma__unmap(adi, r->address, r->size, r->flags);
	if (ret)
		return ret;
	return reply(adi, m, r, sizeof(*r));
}

static int h_get_info(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_device_info *r = (const void *)m->payload;
	struct vfio_device_info info = {
		.argsz = sizeof(info),
		.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		.num_regions = NUM_REGIONS,
		.num_irqs = ADISIM_NUM_IRQS,
	};

	if (m->len < 16 || r->argsz < 16)
		return -EINVAL;
	return reply(adi, m, &info, 16);
}

struct region_reply {
	struct vfio_region_info info;
	struct vfio_region_info_cap_sparse_mmap sparse;
	struct vfio_region_sparse_mmap_area area;
} __attribute__((packed));

static int h_region_info(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_region_info *r = (const void *)m->payload;
	struct region_reply out;
	size_t len = sizeof(out.info);
	bool with_fd = false;

	if (m->len < sizeof(*r) || r->argsz < sizeof(*r))
		return -EINVAL;
	if (r->index >= NUM_REGIONS)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.info.argsz = sizeof(out.info);
	out.info.index = r->index;
	/* Conventional offsets; only BAR2's (0, into the memfd) is ever used. */
	out.info.offset = (u64)r->index << 40;
	switch (r->index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		out.info.size = ADISIM_BAR0_SIZE;
		out.info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		out.info.size = ADISIM_CFG_SIZE;
		out.info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		out.info.size = adi->ims_bar_size;
		out.info.offset = 0;
		out.info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				 VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
		if (adi->peer.max_msg_fds < 1) {
			/* The client takes no fds: BAR2 is reached by REGION_READ/WRITE. */
			out.info.flags &= ~(VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
			break;
		}
		out.info.argsz = sizeof(out);
		if (r->argsz < sizeof(out))
			break;	/* vfio: report the size needed, no caps, no fd */
		out.info.cap_offset = sizeof(out.info);
		out.sparse.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		out.sparse.header.version = 1;
		out.sparse.header.next = 0;
		out.sparse.nr_areas = 1;
		out.area.offset = 0;
		out.area.size = adi->ims_bar_size;
		len = sizeof(out);
		with_fd = true;
		break;
	default:
		break;		/* unimplemented BAR, ROM, VGA: size 0 */
	}
	return vfu_msg__reply(adi->conn_fd, &m->hdr, &out, len, NULL, 0,
			      with_fd ? &adi->ims_fd : NULL, with_fd ? 1 : 0);
}

static int h_region_io_fds(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_user_region_io_fds_request *r = (const void *)m->payload;
	struct vfio_user_region_io_fds_request out;

	if (m->len < sizeof(*r) || r->argsz < sizeof(*r) || r->index >= NUM_REGIONS)
		return -EINVAL;
	/* Registers are few and cheap to forward: no ioeventfds offered. */
	out = (struct vfio_user_region_io_fds_request){ .argsz = sizeof(out), .index = r->index };
	return reply(adi, m, &out, sizeof(out));
}

static int h_irq_info(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_irq_info *r = (const void *)m->payload;
	struct vfio_irq_info out;

	if (m->len < sizeof(*r) || r->argsz < sizeof(*r) || r->index >= ADISIM_NUM_IRQS)
		return -EINVAL;
	out = (struct vfio_irq_info){ .argsz = sizeof(out), .flags = VFIO_IRQ_INFO_EVENTFD,
				      .index = r->index };
	if (r->index == ADISIM_IRQ_INDEX_IMS) {
		out.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_NORESIZE;
		out.count = ADISIM_IRT_SIZE;
	} else if (r->index == VFIO_PCI_ERR_IRQ_INDEX || r->index == VFIO_PCI_REQ_IRQ_INDEX ||
		   r->index == VFIO_PCI_MSI_IRQ_INDEX) {
		out.count = 1;
	}
	return reply(adi, m, &out, sizeof(out));
}

/*
 * ERR, REQ and MSI: one eventfd each (ERR and MSI are signalled on engine
 * halts). With @loopback, DATA_NONE (count 1) and DATA_BOOL (true) fire the
 * bound eventfd, as vfio-pci does for MSI; ERR and REQ keep them as no-ops.
 */
static int set_single(struct adisim_adi *adi, int *slot, const struct vfio_irq_set *s,
		      struct vfu_msg *m, bool loopback)
{
	u32 type = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	bool fire = false;

	if (s->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
	    (s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != VFIO_IRQ_SET_ACTION_TRIGGER ||
	    s->start != 0 || s->count > 1)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (m->nfds > s->count)
			return -EINVAL;
		if (*slot >= 0)
			close(*slot);
		*slot = vfu_msg__take_fd(m, 0);
	} else if (type == VFIO_IRQ_SET_DATA_NONE && s->count == 0) {
		if (*slot >= 0)
			close(*slot);
		*slot = -1;
	} else if (type == VFIO_IRQ_SET_DATA_NONE) {
		fire = s->count == 1;
	} else if (type == VFIO_IRQ_SET_DATA_BOOL) {
		/* Its one bool must be in the message, whether or not it fires. */
		if (s->count == 1 && m->len < sizeof(*s) + 1)
			return -EINVAL;
		fire = s->count == 1 && s->data[0];
	} else {
		return -EINVAL;
	}
	if (fire && loopback && *slot >= 0) {
		u64 one = 1;

		if (write(*slot, &one, sizeof(one)) != sizeof(one))
			return -EIO;
	}
	return reply(adi, m, NULL, 0);
}

static int h_set_irqs(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_irq_set *s = (const void *)m->payload;
	int ret;

	if (m->len < sizeof(*s) || s->argsz < sizeof(*s) || s->index >= ADISIM_NUM_IRQS)
		return -EINVAL;
	switch (s->index) {
	case ADISIM_IRQ_INDEX_IMS:
		ret = adisim_irt__set_irqs(adi, s->flags, s->start, s->count, s->data,
					   m->len - sizeof(*s), m);
		if (ret)
			return ret;
		return reply(adi, m, NULL, 0);
	case VFIO_PCI_MSI_IRQ_INDEX:
		return set_single(adi, &adi->msi_eventfd, s, m, true);
	case VFIO_PCI_ERR_IRQ_INDEX:
		return set_single(adi, &adi->err_eventfd, s, m, false);
	case VFIO_PCI_REQ_IRQ_INDEX:
		return set_single(adi, &adi->req_eventfd, s, m, false);
	default:
		/* INTx and MSI-X have no vectors: only "disable all" is meaningful. */
		if (s->count != 0 || m->nfds)
			return -EINVAL;
		return reply(adi, m, NULL, 0);
	}
}

static int region_access(struct adisim_adi *adi, u32 region, u64 off, void *buf, u32 count,
			 bool write)
{
	switch (region) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return adisim_config__access(adi, off, buf, count, write);
	case VFIO_PCI_BAR0_REGION_INDEX:
		return adisim_bar0__access(adi, off, buf, count, write);
	case VFIO_PCI_BAR2_REGION_INDEX:
		return adisim_ims__access(adi, off, buf, count, write);
	default:
		return -EINVAL;
	}
}

static int h_region_read(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_user_region_access *r = (const void *)m->payload;
	struct vfio_user_region_access out;
	u8 *data;
	int ret;

	if (m->len != sizeof(*r) || r->count == 0 || r->count > MAX_ACCESS)
		return -EINVAL;
	data = calloc(1, r->count);
	if (!data)
		return -ENOMEM;
	ret = region_access(adi, r->region, r->offset, data, r->count, false);
	if (!ret) {
		out = *r;
		ret = vfu_msg__reply(adi->conn_fd, &m->hdr, &out, sizeof(out), data, r->count,
				     NULL, 0);
	}
	free(data);
	return ret;
}

static int h_region_write(struct adisim_adi *adi, struct vfu_msg *m)
{
	const struct vfio_user_region_access *r = (const void *)m->payload;
	int ret;

	if (m->len < sizeof(*r) || r->count == 0 || r->count > MAX_ACCESS ||
	    m->len - sizeof(*r) != r->count)
		return -EINVAL;
	ret = region_access(adi, r->region, r->offset, m->payload + sizeof(*r), r->count, true);
	if (ret)
		return ret;
	return reply(adi, m, r, sizeof(*r));
}

static int h_reset(struct adisim_adi *adi, struct vfu_msg *m)
{
	/* Device state only: the handle table is the platform's, not the ADI's. */
	adisim_engine__reset(adi);
	adisim_config__init(adi);
	adisim_ims__clear(adi);
	return reply(adi, m, NULL, 0);
}

typedef int (*handler_fn)(struct adisim_adi *adi, struct vfu_msg *m);

static const handler_fn handlers[VFIO_USER_MAX_COMMAND] = {
	[VFIO_USER_VERSION] = h_version,
	[VFIO_USER_DMA_MAP] = h_dma_map,
	[VFIO_USER_DMA_UNMAP] = h_dma_unmap,
	[VFIO_USER_DEVICE_GET_INFO] = h_get_info,
	[VFIO_USER_DEVICE_GET_REGION_INFO] = h_region_info,
	[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = h_region_io_fds,
	[VFIO_USER_DEVICE_GET_IRQ_INFO] = h_irq_info,
	[VFIO_USER_DEVICE_SET_IRQS] = h_set_irqs,
	[VFIO_USER_REGION_READ] = h_region_read,
	[VFIO_USER_REGION_WRITE] = h_region_write,
	[VFIO_USER_DEVICE_RESET] = h_reset,
};

static int fail(struct adisim_adi *adi, struct vfu_msg *m, int err)
{
	adi->cnt[ADISIM_CNT_PROTO_ERRORS]++;
	pr_warn_ratelimited("adi%u: %s (id %u, %u bytes): %s", adi->id,
			    vfu_msg__cmd_name(m->hdr.cmd), m->hdr.msg_id, m->hdr.msg_size,
			    strerror(err));
	return vfu_msg__reply_error(adi->conn_fd, &m->hdr, err);
}

int adisim_handle__msg(struct adisim_adi *adi, struct vfu_msg *m)
{
	u16 cmd = m->hdr.cmd;
	int ret;

	if (vfu_msg__is_reply(&m->hdr)) {
		/* No request of ours is outstanding here: drop it, count it. */
		adi->cnt[ADISIM_CNT_PROTO_ERRORS]++;
		pr_warn_ratelimited("adi%u: unexpected reply (cmd %u)", adi->id, cmd);
		return 0;
	}
	if (m->err)
		return fail(adi, m, m->err == ETOOMANYREFS ? EINVAL : m->err);
	if (!adi->versioned && cmd != VFIO_USER_VERSION) {
		ret = fail(adi, m, EINVAL);
		return ret ? ret : -EPROTO;	/* VERSION must come first */
	}
	if (cmd >= VFIO_USER_MAX_COMMAND || !handlers[cmd])
		return fail(adi, m, cmd == VFIO_USER_DEVICE_FEATURE ||
				    cmd == VFIO_USER_MIG_DATA_READ ||
				    cmd == VFIO_USER_MIG_DATA_WRITE ? ENOTSUP : EINVAL);
	ret = handlers[cmd](adi, m);
	if (ret == -ECONNABORTED) {
		ret = fail(adi, m, EINVAL);
		return ret ? ret : -EPROTO;
	}
	if (ret < 0 && ret != -EPIPE && ret != -ECONNRESET)
		return fail(adi, m, -ret);
	return ret;
}
