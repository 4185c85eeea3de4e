/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vfio-user client against a fake server on the other end of a
 * socketpair: every command, the argsz retry, fd and transfer chunking,
 * served DMA, and malformed replies (short, oversized, wrong id, too many
 * fds, error payloads, silence, EOF).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "devices/vfio-user/msg.h"
#include "devices/vfio_user_client.h"

#define LOG_MAX 64

struct logged {
	u16 cmd, id;
	u32 len, nfds;
	u32 start, count;	/* SET_IRQS, REGION_* */
	u64 offset;
};

typedef void (*handler_fn)(int sock, struct vfu_msg *m);

static int sv[2];
static pthread_t server;
static handler_fn handler;
static const char *version_json = "{\"capabilities\":{\"max_msg_fds\":2,\"max_data_xfer_size\":16}}";
static struct logged log_[LOG_MAX];
static unsigned int nlog;
static u8 ram[64 * 1024];
static struct guest_mem mem;
static struct vfu_client *c;

static void *server_main(void *arg)
{
	struct vfu_msg m;

	while (vfu_msg__recv(sv[1], &m) == 0) {
		if (nlog < LOG_MAX) {
			struct logged *l = &log_[nlog++];

			l->cmd = m.hdr.cmd;
			l->id = m.hdr.msg_id;
			l->len = m.len;
			l->nfds = m.nfds;
			if (m.hdr.cmd == VFIO_USER_DEVICE_SET_IRQS && m.len >= 20) {
				const struct vfio_irq_set *s = (const void *)m.payload;

				l->start = s->start;
				l->count = s->count;
			} else if ((m.hdr.cmd == VFIO_USER_REGION_READ ||
				    m.hdr.cmd == VFIO_USER_REGION_WRITE) && m.len >= 16) {
				const struct vfio_user_region_access *a = (const void *)m.payload;

				l->offset = a->offset;
				l->count = a->count;
			}
		}
		if (m.hdr.cmd == VFIO_USER_VERSION && version_json) {
			struct vfio_user_version v = { .major = 0, .minor = 2 };

			(void)!vfu_msg__reply(sv[1], &m.hdr, &v, sizeof(v), version_json,
					      strlen(version_json) + 1, NULL, 0);
		} else if (handler) {
			handler(sv[1], &m);
		} else {
			(void)!vfu_msg__reply(sv[1], &m.hdr, NULL, 0, NULL, 0, NULL, 0);
		}
		vfu_msg__release(&m);
	}
	return arg;
}

static void start(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(pthread_create(&server, NULL, server_main, NULL), 0);
}

static int open_client(int timeout_ms)
{
	int ret = vfu_client__open_fd(sv[0], "fake", timeout_ms, &mem, &c);

	if (ret)
		sv[0] = -1;	/* a failed open closed it */
	return ret;
}

static void setup(void)
{
	cr_assert_eq(guest_mem__layout(&mem, ram, -1, sizeof(ram)), 0);
	start();
}

static void teardown(void)
{
	if (c)
		vfu_client__destroy(c);
	else if (sv[0] >= 0)
		close(sv[0]);
	pthread_join(server, NULL);
	close(sv[1]);
	c = NULL;
	handler = NULL;
	nlog = 0;
	version_json = "{\"capabilities\":{\"max_msg_fds\":2,\"max_data_xfer_size\":16}}";
}

TestSuite(vfu_client, .init = setup, .fini = teardown, .timeout = 20);

static void reply(int sock, struct vfu_msg *m, const void *p, size_t l)
{
	(void)!vfu_msg__reply(sock, &m->hdr, p, l, NULL, 0, NULL, 0);
}

/* A reply carrying @nfds eventfds, sent raw: the codec refuses more than VFU_MAX_FDS. */
static void reply_fds(int sock, struct vfu_msg *m, const void *p, size_t l, int nfds)
{
	union {
		char buf[CMSG_SPACE(80 * sizeof(int))];
		struct cmsghdr align;
	} ctrl = { 0 };
	struct vfio_user_header h = {
		.msg_id = m->hdr.msg_id, .cmd = m->hdr.cmd, .msg_size = (u32)(16 + l),
		.flags = VFIO_USER_F_TYPE_REPLY,
	};
	struct iovec iov[2] = { { &h, 16 }, { (void *)p, l } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	int fds[80] = { 0 };

	for (int i = 0; i < nfds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = ctrl.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	(void)!sendmsg(sock, &mh, MSG_NOSIGNAL);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

Test(vfu_client, version_caps_parsed)
{
	struct vfu_server_caps caps;

	cr_assert_eq(open_client(1000), 0);
	vfu_client__server_caps(c, &caps);
	cr_expect_eq(caps.max_msg_fds, 2);
	cr_expect_eq(caps.max_data_xfer_size, 16);
	cr_expect_eq(caps.max_dma_maps, 65535, "default when not sent");
	cr_expect_eq(log_[0].cmd, VFIO_USER_VERSION);
}

static void bad_version(int sock, struct vfu_msg *m)
{
	struct vfio_user_version v = { .major = 1, .minor = 0 };

	reply(sock, m, &v, sizeof(v));
}

Test(vfu_client, version_wrong_major_refused)
{
	version_json = NULL;
	handler = bad_version;
	cr_expect_eq(open_client(1000), -EPROTO);
}

static void short_version(int sock, struct vfu_msg *m)
{
	reply(sock, m, "\0", 1);
}

Test(vfu_client, version_short_reply_refused)
{
	version_json = NULL;
	handler = short_version;
	cr_expect_eq(open_client(1000), -EPROTO);
}

Test(vfu_client, version_bad_json_refused)
{
	version_json = "{\"capabilities\": [1,2";
	cr_expect_eq(open_client(1000), -EPROTO);
}

Test(vfu_client, version_twin_socket_not_offered_refused)
{
	version_json = "{\"capabilities\":{\"twin_socket\":{\"supported\":true,\"fd_index\":0}}}";
	cr_expect_eq(open_client(1000), -EPROTO);
}

Test(vfu_client, version_empty_json_gives_defaults)
{
	struct vfu_server_caps caps;

	version_json = "";
	cr_assert_eq(open_client(1000), 0);
	vfu_client__server_caps(c, &caps);
	cr_expect_eq(caps.max_msg_fds, 1);
	cr_expect_eq(caps.max_data_xfer_size, 1u << 20);
}

static void dev_info(int sock, struct vfu_msg *m)
{
	u32 r[4] = { 16, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, 9, 5 };

	if (m->hdr.cmd == VFIO_USER_DEVICE_GET_INFO)
		reply(sock, m, r, m->hdr.msg_id == 2 ? 8 : 16);	/* first one short */
	else
		reply(sock, m, NULL, 0);
}

Test(vfu_client, device_info_short_then_ok)
{
	struct vfio_device_info di;
	struct vfu_client_stats st;

	handler = dev_info;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__device_info(c, &di), -EPROTO);
	cr_expect_not(vfu_client__dead(c), "a short reply keeps the connection");
	cr_assert_eq(vfu_client__device_info(c, &di), 0);
	cr_expect_eq(di.num_regions, 9);
	cr_expect_eq(di.num_irqs, 5);
	cr_expect(di.flags & VFIO_DEVICE_FLAGS_PCI);
	vfu_client__stats(c, &st);
	cr_expect_eq(st.proto_errors, 1);
}

struct rinfo {
	struct vfio_region_info info;
	struct vfio_region_info_cap_sparse_mmap sparse;
	struct vfio_region_sparse_mmap_area area[2];
} __attribute__((packed));

static int rinfo_fds = 1;
static bool rinfo_loop;

static void region_info(int sock, struct vfu_msg *m)
{
	const struct vfio_region_info *q = (const void *)m->payload;
	struct rinfo r = { 0 };

	r.info.argsz = sizeof(r);
	r.info.index = q->index;
	r.info.size = 0x4000;
	r.info.offset = 0x1000;
	r.info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		       VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
	if (q->argsz < sizeof(r)) {
		/* libvfio-user: the size needed, CAPS clear, no fd (observed flags 0x7). */
		r.info.flags &= ~VFIO_REGION_INFO_FLAG_CAPS;
		reply(sock, m, &r.info, sizeof(r.info));
		return;
	}
	r.info.cap_offset = sizeof(r.info);
	r.sparse.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	r.sparse.header.version = 1;
	r.sparse.header.next = rinfo_loop ? sizeof(r.info) : 0;
	r.sparse.nr_areas = 2;
	r.area[0] = (struct vfio_region_sparse_mmap_area){ 0, 0x1000 };
	r.area[1] = (struct vfio_region_sparse_mmap_area){ 0x3000, 0x1000 };
	reply_fds(sock, m, &r, sizeof(r), rinfo_fds);
}

Test(vfu_client, region_info_argsz_retry_sparse_and_fd)
{
	struct vfu_region r;

	handler = region_info;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__region_info(c, 2, &r), 0);
	cr_expect_eq(nlog, 3, "VERSION + two GET_REGION_INFO");
	cr_expect_geq(r.fd, 0);
	cr_expect(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	cr_expect_eq(r.size, 0x4000);
	cr_expect_eq(r.offset, 0x1000);
	cr_assert_eq(r.nr_areas, 2);
	cr_expect_eq(r.areas[1].offset, 0x3000);
	vfu_region__release(&r);
	cr_expect_eq(r.fd, -1);

	struct vfu_client_stats st;

	vfu_client__stats(c, &st);
	cr_expect_eq(st.proto_errors, 0, "the region's fd is taken, not a stray fd");
}

Test(vfu_client, region_info_cap_loop_refused)
{
	struct vfu_region r;

	handler = region_info;
	rinfo_loop = true;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__region_info(c, 2, &r), -EPROTO);
	cr_expect_not(vfu_client__dead(c));
}

Test(vfu_client, region_info_too_many_fds_refused)
{
	struct vfu_region r;

	handler = region_info;
	rinfo_fds = 3;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__region_info(c, 2, &r), -EPROTO);
	cr_expect_not(vfu_client__dead(c));
}

Test(vfu_client, region_info_mmap_without_fd_is_forwarded)
{
	struct vfu_region r;

	handler = region_info;
	rinfo_fds = 0;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__region_info(c, 2, &r), 0);
	cr_expect_eq(r.fd, -1);
	cr_expect_not(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	cr_expect_eq(r.nr_areas, 0);
}

static void irq_info(int sock, struct vfu_msg *m)
{
	struct vfio_irq_info i = { .argsz = 16, .flags = VFIO_IRQ_INFO_EVENTFD, .index = 2,
				   .count = 7 };

	if (m->hdr.cmd == VFIO_USER_DEVICE_GET_IRQ_INFO)
		reply_fds(sock, m, &i, sizeof(i), 65);	/* more fds than the codec takes */
	else
		reply(sock, m, &i, sizeof(i));
}

Test(vfu_client, irq_info_with_too_many_fds_is_an_error)
{
	struct vfio_irq_info ii;

	handler = irq_info;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__irq_info(c, 2, &ii), -EPROTO);
	cr_expect_not(vfu_client__dead(c));
}

Test(vfu_client, set_irqs_chunked_by_max_msg_fds_with_holes)
{
	int fds[6];

	cr_assert_eq(open_client(1000), 0);
	for (int i = 0; i < 6; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	close(fds[3]);
	fds[3] = -1;
	cr_assert_eq(vfu_client__set_irqs(c, 2, VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_TRIGGER, 10, 6, fds, NULL), 0);
	/* max_msg_fds 2: [10,11] [12] [13 de-assign] [14,15] */
	cr_assert_eq(nlog, 5);
	cr_expect_eq(log_[1].start, 10);
	cr_expect_eq(log_[1].count, 2);
	cr_expect_eq(log_[1].nfds, 2);
	cr_expect_eq(log_[2].start, 12);
	cr_expect_eq(log_[2].nfds, 1);
	cr_expect_eq(log_[3].start, 13);
	cr_expect_eq(log_[3].count, 1);
	cr_expect_eq(log_[3].nfds, 0);
	cr_expect_eq(log_[4].start, 14);
	cr_expect_eq(log_[4].nfds, 2);
	for (int i = 0; i < 6; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

Test(vfu_client, set_irqs_bool_carries_data)
{
	u8 b[3] = { 1, 0, 1 };

	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__set_irqs(c, 1, VFIO_IRQ_SET_DATA_BOOL |
					  VFIO_IRQ_SET_ACTION_MASK, 0, 3, NULL, b), 0);
	cr_expect_eq(log_[1].len, 20 + 3);
}

static void region_rw(int sock, struct vfu_msg *m)
{
	const struct vfio_user_region_access *a = (const void *)m->payload;
	u8 buf[16 + 64];

	if (m->hdr.cmd == VFIO_USER_REGION_READ) {
		memcpy(buf, a, 16);
		for (u32 i = 0; i < a->count; i++)
			buf[16 + i] = (u8)(a->offset + i);
		reply(sock, m, buf, 16 + a->count);
	} else {
		reply(sock, m, a, 16);
	}
}

Test(vfu_client, region_read_write_chunked_by_max_xfer)
{
	u8 buf[40];

	handler = region_rw;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__region_read(c, 0, 100, buf, sizeof(buf)), 0);
	for (int i = 0; i < 40; i++)
		cr_expect_eq(buf[i], (u8)(100 + i));
	cr_expect_eq(nlog, 4, "16 + 16 + 8 bytes");
	cr_expect_eq(log_[3].offset, 132);
	cr_expect_eq(log_[3].count, 8);
	cr_assert_eq(vfu_client__region_write(c, 0, 0, buf, 20), 0);
	cr_expect_eq(nlog, 6);
	cr_expect_eq(log_[5].len, 16 + 4);
}

static void read_wrong_count(int sock, struct vfu_msg *m)
{
	struct vfio_user_region_access a = *(const struct vfio_user_region_access *)m->payload;
	u8 buf[64] = { 0 };

	a.count = 2;
	memcpy(buf, &a, sizeof(a));
	reply(sock, m, buf, sizeof(a) + 2);
}

Test(vfu_client, region_read_reply_with_wrong_count_refused)
{
	u32 v;

	handler = read_wrong_count;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__region_read(c, 0, 0, &v, 4), -EPROTO);
	cr_expect_not(vfu_client__dead(c));
}

static void wrong_id_first(int sock, struct vfu_msg *m)
{
	(void)!vfu_msg__send(sock, (u16)(m->hdr.msg_id + 100), m->hdr.cmd, VFIO_USER_F_TYPE_REPLY,
			     0, NULL, 0, NULL, 0, NULL, 0);
	reply(sock, m, NULL, 0);
}

Test(vfu_client, wrong_id_reply_dropped_and_counted)
{
	struct vfu_client_stats st;

	handler = wrong_id_first;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__reset(c), 0);
	vfu_client__stats(c, &st);
	cr_expect_eq(st.proto_errors, 1);
	cr_expect_eq(vfu_client__reset(c), 0, "still in step");
}

static void oversized(int sock, struct vfu_msg *m)
{
	static u8 big[VFU_MAX_MSG_SIZE + 100];

	if (m->hdr.msg_id == 2)
		reply(sock, m, big, sizeof(big));
	else
		reply(sock, m, NULL, 0);
}

Test(vfu_client, oversized_reply_drained_connection_kept)
{
	handler = oversized;
	cr_assert_eq(open_client(2000), 0);
	cr_expect_eq(vfu_client__reset(c), -EMSGSIZE);
	cr_expect_not(vfu_client__dead(c));
	cr_expect_eq(vfu_client__reset(c), 0);
}

static void error_with_payload(int sock, struct vfu_msg *m)
{
	u8 junk[20] = { 0 };

	if (m->hdr.msg_id == 2)
		(void)!vfu_msg__send(sock, m->hdr.msg_id, m->hdr.cmd,
				     VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR, EBUSY, junk,
				     sizeof(junk), NULL, 0, NULL, 0);
	else if (m->hdr.msg_id == 3)
		(void)!vfu_msg__send(sock, m->hdr.msg_id, m->hdr.cmd,
				     VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR, 0, NULL, 0, NULL,
				     0, NULL, 0);
	else
		reply(sock, m, NULL, 0);
}

Test(vfu_client, error_replies_with_payload_or_zero_errno)
{
	handler = error_with_payload;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__reset(c), -EBUSY);
	cr_expect_eq(vfu_client__reset(c), -EIO, "errno 0 in an error reply");
	cr_expect_eq(vfu_client__reset(c), 0);
}

static void dma_map(int sock, struct vfu_msg *m)
{
	reply(sock, m, NULL, 0);
}

Test(vfu_client, dma_map_with_and_without_fd)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	handler = dma_map;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__dma_map(c, 0, 0x8000, fd, 0, 3), 0);
	cr_expect_eq(log_[1].nfds, 1);
	cr_expect_eq(log_[1].len, 32);
	cr_expect_eq(vfu_client__dma_map(c, 0x4000, 0x1000, -1, 0, 3), -EEXIST);
	cr_assert_eq(vfu_client__dma_map(c, 0x8000, 0x8000, -1, 0, 3), 0);
	cr_expect_eq(log_[2].nfds, 0);
	cr_assert_eq(vfu_client__dma_unmap(c, 0x8000, 0x8000), 0);
	cr_expect_eq(log_[3].cmd, VFIO_USER_DMA_UNMAP);
	cr_expect_eq(log_[3].len, 24);
	close(fd);
}

/* Before replying to RESET, the server reads and writes guest memory. */
static int dma_status[4];

static void dma_then_reply(int sock, struct vfu_msg *m)
{
	struct {
		struct vfio_user_dma_access a;
		u8 data[8];
	} __attribute__((packed)) w = { { 0x100, 8 }, { 1, 2, 3, 4, 5, 6, 7, 8 } };
	struct vfio_user_dma_access r = { 0x100, 8 }, bad = { 0x10000 - 4, 8 };
	struct vfu_msg rep;

	if (m->hdr.cmd != VFIO_USER_DEVICE_RESET) {
		reply(sock, m, NULL, 0);
		return;
	}
	(void)!vfu_msg__send(sock, 7, VFIO_USER_DMA_WRITE, 0, 0, &w, sizeof(w), NULL, 0, NULL, 0);
	(void)!vfu_msg__recv(sock, &rep);
	dma_status[0] = vfu_msg__is_error(&rep.hdr) ? -1 : (int)rep.len;
	vfu_msg__release(&rep);
	(void)!vfu_msg__send(sock, 8, VFIO_USER_DMA_READ, 0, 0, &r, sizeof(r), NULL, 0, NULL, 0);
	(void)!vfu_msg__recv(sock, &rep);
	dma_status[1] = rep.len == 24 && !memcmp(rep.payload + 16, w.data, 8);
	vfu_msg__release(&rep);
	(void)!vfu_msg__send(sock, 9, VFIO_USER_DMA_READ, 0, 0, &bad, sizeof(bad), NULL, 0, NULL,
			     0);
	(void)!vfu_msg__recv(sock, &rep);
	dma_status[2] = vfu_msg__is_error(&rep.hdr) ? (int)rep.hdr.error_no : 0;
	vfu_msg__release(&rep);
	/* DMA_WRITE whose data is shorter than its count. */
	w.a.count = 16;
	(void)!vfu_msg__send(sock, 10, VFIO_USER_DMA_WRITE, 0, 0, &w, sizeof(w), NULL, 0, NULL, 0);
	(void)!vfu_msg__recv(sock, &rep);
	dma_status[3] = vfu_msg__is_error(&rep.hdr) ? (int)rep.hdr.error_no : 0;
	vfu_msg__release(&rep);
	reply(sock, m, NULL, 0);
}

Test(vfu_client, server_dma_served_inline_and_bounds_checked)
{
	struct vfu_client_stats st;

	handler = dma_then_reply;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__map_guest_ram(c, &mem, false), 0);
	cr_assert_eq(vfu_client__reset(c), 0);
	cr_expect_eq(dma_status[0], 16, "DMA_WRITE reply echoes address and count");
	cr_expect_eq(ram[0x100], 1);
	cr_expect_eq(ram[0x107], 8);
	cr_expect_eq(dma_status[1], 1, "DMA_READ returns the bytes");
	cr_expect_eq(dma_status[2], EFAULT, "DMA past the end of RAM refused");
	cr_expect_eq(dma_status[3], EINVAL, "short DMA_WRITE refused");
	vfu_client__stats(c, &st);
	cr_expect_eq(st.dma_faults, 1);
	cr_expect_eq(st.dma_writes, 1);
	cr_expect_eq(st.dma_reads, 1);
}

Test(vfu_client, dma_before_map_refused)
{
	handler = dma_then_reply;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__reset(c), 0);
	cr_expect_eq(dma_status[0], -1, "no DMA_MAP yet: write refused");
	cr_expect_eq(ram[0x100], 0);
}

static void silent(int sock, struct vfu_msg *m)
{
}

Test(vfu_client, silence_times_out_and_kills)
{
	handler = silent;
	cr_assert_eq(open_client(200), 0);
	cr_expect_eq(vfu_client__reset(c), -ENODEV);
	cr_expect(vfu_client__dead(c));
	cr_expect_eq(vfu_client__reset(c), -ENODEV, "dead stays dead, at once");
}

static void hang_up(int sock, struct vfu_msg *m)
{
	shutdown(sock, SHUT_RDWR);
}

Test(vfu_client, eof_kills)
{
	u32 v;

	handler = hang_up;
	cr_assert_eq(open_client(1000), 0);
	cr_expect_eq(vfu_client__region_read(c, 0, 0, &v, 4), -ENODEV);
	cr_expect(vfu_client__dead(c));
	cr_expect_eq(vfu_client__serve(c), -ENODEV);
}

static void unsolicited(int sock, struct vfu_msg *m)
{
	reply(sock, m, NULL, 0);
	/* A reply nobody asked for, after the real one. */
	(void)!vfu_msg__send(sock, 999, VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, 0, NULL,
			     0, NULL, 0, NULL, 0);
}

Test(vfu_client, serve_counts_unsolicited_replies)
{
	struct vfu_client_stats st;

	handler = unsolicited;
	cr_assert_eq(open_client(1000), 0);
	cr_assert_eq(vfu_client__reset(c), 0);
	usleep(50000);
	cr_expect_eq(vfu_client__serve(c), 0);
	vfu_client__stats(c, &st);
	cr_expect_eq(st.proto_errors, 1);
	cr_expect_not(vfu_client__dead(c));
}

/* ---- imsvm stopping on a signal: the abort fd (vfu_client__set_abort_fd) ---- */

static int abort_efd = -1;

/* In the test body: the suite's fixture has set up the fake server already. */
static void abort_arm(void)
{
	abort_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cr_assert_geq(abort_efd, 0);
	vfu_client__set_abort_fd(abort_efd);
}

static void abort_disarm(void)
{
	vfu_client__set_abort_fd(-1);
	close(abort_efd);
}

static void *write_abort_later(void *arg)
{
	const u64 one = 1;

	usleep(100000);	/* the client is waiting by now (or not yet: either must work) */
	(void)!write(abort_efd, &one, sizeof(one));
	return arg;
}

/*
 * The client's timeout is ten minutes: without the abort fd the wait would
 * outlast the suite's 20-second watchdog, which is what fails this test.
 */
Test(vfu_client, abort_ends_a_wait_on_a_silent_server)
{
	pthread_t t;

	handler = silent;
	abort_arm();
	cr_assert_eq(open_client(600000), 0);
	cr_assert_eq(pthread_create(&t, NULL, write_abort_later, NULL), 0);
	cr_expect_eq(vfu_client__reset(c), -ECANCELED);
	pthread_join(t, NULL);
	cr_expect(vfu_client__dead(c));
	cr_expect_eq(vfu_client__reset(c), -ECANCELED, "cancelled stays cancelled, at once");
	cr_expect_eq(vfu_client__serve(c), -ECANCELED, "the event loop hears it too");
	abort_disarm();
}

Test(vfu_client, abort_ends_the_handshake)
{
	pthread_t t;

	version_json = NULL;	/* VERSION goes to the handler, which never answers */
	handler = silent;
	abort_arm();
	cr_assert_eq(pthread_create(&t, NULL, write_abort_later, NULL), 0);
	cr_expect_eq(open_client(600000), -ECANCELED);
	pthread_join(t, NULL);
	abort_disarm();
}

/* A server that answers still gets its teardown after the stop signal. */
Test(vfu_client, abort_lets_a_server_that_answers_finish)
{
	const u64 one = 1;
	u32 v = 0;

	abort_arm();
	cr_assert_eq(open_client(600000), 0);
	cr_assert_eq(write(abort_efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	cr_expect_eq(vfu_client__reset(c), 0);
	cr_expect_eq(vfu_client__region_write(c, 0, 0, &v, 4), 0);
	cr_expect_not(vfu_client__dead(c));
	abort_disarm();
}
