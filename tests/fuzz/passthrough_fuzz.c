/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the passthrough device model (devices/passthrough*.c:
 * config-space virtualization, BAR traps, MSI, MSI-X, INTx, IMS, the
 * --ims-mode=trap IMS emulation, failure and hot unplug) over the real
 * vfio-user backend and client, assigned with `--vfio-user PATH` as the
 * command line does it, against a device server that answers anything.
 *
 * The server is a thread of the target on a listening socket. It models a
 * plausible device (the ADI simulator's IDs, a 4 KiB config space with MSI,
 * MSI-X, vendor-specific and PM capabilities, BAR0 16 KiB, BAR2 4 KiB (IMS,
 * sparse-mmap capability but no fd), BAR4 4 KiB (MSI-X table and PBA), the
 * PCI IRQ indexes and an IMS index of 2048) and lets the input decide, per
 * request, how to answer: as the model would, the model's answer with some
 * bytes overwritten, an error, a payload of the input's own, a stray reply
 * first, a DMA_READ/DMA_WRITE of its own first, or hanging up. The guest's
 * side (config-space and BAR accesses, reset, failure, unplug) comes from
 * the same input, through the fake VM's ECAM and MMIO bus as vCPU exits
 * arrive. The client is synchronous (one request, then its reply), so
 * the two halves of the input are consumed in a reproducible order.
 *
 * Input:
 *   flags (1)      bit 0: --ims-mode=trap (else auto: IMS offered to the PV-IC)
 *   npatch (1)     then npatch pairs (offset, value) patched into the
 *                  first 256 bytes of the model's config space
 *   slen (2)       then slen bytes: the server's script, one record per request
 *                  ctl (1): ctl % 8: 0-3 the model's answer
 *                                  4 the model's answer, then off (1),
 *                                    len (1, <= 32), len bytes over it at off
 *                                  5 error reply, errno (1) (0: EINVAL)
 *                                  6 reply with len (1) bytes of the script
 *                                  7 hang up
 *                           bit 3: a reply with a wrong msg_id first
 *                           bit 4: a DMA_WRITE (bit 5: DMA_READ) first,
 *                                  address (4) into or past RAM, count (2) % 4097
 *                  an exhausted script answers as the model does
 *   then 12-byte guest records: op, sel, a (4), v (4), x (2)
 *     op % 8: 0/1 config write/read at a % 4096, size 1 << (x % 3)
 *             2/3 BAR sel % 6 write/read at a % its size, size 1 << (x % 4)
 *             4   device reset (the VM's reset)
 *             5   the device fails (what the event loop does on EPOLLHUP)
 *             6   hot unplug (`unassign`)
 *             7   guest RAM: 4 bytes v at a % RAM
 *
 * Guest RAM (1 MiB) is a heap block: ASan's redzones catch a DMA past the
 * range checks. After each input no fd may be left open.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/adisim/regs.h"
#include "devices/passthrough.h"
#include "devices/pci.h"
#include "devices/vfio-user/msg.h"
#include "devices/vfio-user/protocol.h"
#include "devices/vfio-user/version.h"
#include "tests/fuzz/pt_model.h"
#include "tests/fuzz/vfu_stream.h"
#include "tests/unit/fake_vm.h"
#include "vmm/irq_routing.h"
#include "vmm/layout.h"
#include "vmm/log.h"

#define RAM_SIZE	(1 * MiB)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/* ---- the device server ---- */

struct server {
	int lsock;			/* listening, made once */
	int conn;
	struct pt_script script;	/* what the model answers from */
	u8 cfg[PT_MODEL_CFG_SIZE];
	u8 bar0[0x4000], bar2[0x8000], bar4[0x1000];
};

static struct server srv = { .lsock = -1, .conn = -1 };
static char sock_path[64];

static u8 take(void)
{
	return pt_script__take(&srv.script);
}

static u8 *region_mem(u32 index, u64 *size)
{
	*size = pt_model__region_size(index);
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return srv.cfg;
	case 0:
		return srv.bar0;
	case 2:
		return srv.bar2;
	case 4:
		return srv.bar4;
	}
	return NULL;
}

/* The model's answer to @m in @out (at most @cap bytes): its length, or -errno. */
static int model_answer(const struct vfu_msg *m, u8 *out, size_t cap)
{
	const void *p = m->payload;

	switch (m->hdr.cmd) {
	case VFIO_USER_VERSION: {
		struct vfio_user_version v = { .major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR };
		struct vfu_caps caps;
		char *json;
		size_t n;

		vfu_caps__defaults(&caps);
		caps.max_msg_fds = 8;
		caps.max_data_xfer_size = 4096;
		json = vfu_caps__to_json(&caps, false);
		if (!json)
			return -ENOMEM;
		n = MIN(strlen(json) + 1, cap - sizeof(v));
		memcpy(out, &v, sizeof(v));
		memcpy(out + sizeof(v), json, n);
		free(json);
		return (int)(sizeof(v) + n);
	}
	case VFIO_USER_DEVICE_GET_INFO: {
		struct vfio_device_info di = {
			.argsz = sizeof(di), .flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
			.num_regions = VFIO_PCI_NUM_REGIONS, .num_irqs = PT_MODEL_NR_IRQS,
		};

		memcpy(out, &di, 16);
		return 16;
	}
	case VFIO_USER_DEVICE_GET_REGION_INFO: {
		const struct vfio_region_info *r = p;
		struct pt_model_region_info rr = { 0 };
		size_t len = sizeof(rr.info);
		u64 size;

		if (m->len < sizeof(*r))
			return -EINVAL;
		region_mem(r->index, &size);
		rr.info.argsz = sizeof(rr.info);
		rr.info.index = r->index;
		rr.info.size = size;
		rr.info.offset = (u64)r->index << 40;
		if (size)
			rr.info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		if (r->index == 2) {
			/* A sparse-mmap chain, but no fd: the client must fall back to traps. */
			rr.info.flags |= VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
			rr.info.argsz = sizeof(rr);
			if (r->argsz >= sizeof(rr)) {
				rr.info.cap_offset = sizeof(rr.info);
				rr.sparse.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
				rr.sparse.header.version = 1;
				rr.sparse.nr_areas = 2;
				rr.area[0] = (struct vfio_region_sparse_mmap_area){ 0, 0x800 };
				rr.area[1] = (struct vfio_region_sparse_mmap_area){ 0x800, 0x800 };
				len = sizeof(rr);
			}
		}
		memcpy(out, &rr, len);
		return (int)len;
	}
	case VFIO_USER_DEVICE_GET_IRQ_INFO: {
		const struct vfio_irq_info *r = p;
		struct vfio_irq_info ii;

		if (m->len < sizeof(*r) || r->index >= PT_MODEL_NR_IRQS)
			return -EINVAL;
		ii = (struct vfio_irq_info){ .argsz = sizeof(ii), .flags = VFIO_IRQ_INFO_EVENTFD,
					     .index = r->index,
					     .count = pt_model__irq_count[r->index] };
		if (r->index == PT_MODEL_IMS_INDEX)
			ii.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_NORESIZE;
		memcpy(out, &ii, sizeof(ii));
		return sizeof(ii);
	}
	case VFIO_USER_REGION_READ:
	case VFIO_USER_REGION_WRITE: {
		const struct vfio_user_region_access *r = p;
		struct vfio_user_region_access h;
		u64 size;
		u8 *mem;

		if (m->len < sizeof(*r) || !r->count || r->count > cap - sizeof(*r))
			return -EINVAL;
		mem = region_mem(r->region, &size);
		if (!mem || r->offset >= size || r->count > size - r->offset)
			return -EINVAL;
		h = *r;
		memcpy(out, &h, sizeof(h));
		if (m->hdr.cmd == VFIO_USER_REGION_WRITE) {
			if (m->len - sizeof(*r) != r->count)
				return -EINVAL;
			memcpy(mem + r->offset, r->data, r->count);
			return sizeof(h);
		}
		memcpy(out + sizeof(h), mem + r->offset, r->count);
		return (int)(sizeof(h) + r->count);
	}
	case VFIO_USER_DMA_UNMAP:
		memcpy(out, p, MIN((size_t)m->len, cap));
		return (int)MIN((size_t)m->len, cap);
	default:		/* DMA_MAP, SET_IRQS, RESET: an empty reply */
		return 0;
	}
}

static void send_dma(u16 id, u8 ctl)
{
	u8 buf[sizeof(struct vfio_user_dma_access) + 4096] = { 0 };
	struct vfio_user_dma_access *d = (void *)buf;
	u32 addr = (u32)take() | (u32)take() << 8 | (u32)take() << 16 | (u32)take() << 24;
	u16 count = (u16)(take() | take() << 8) % 4097;
	bool write = !(ctl & 32);

	d->address = addr;
	d->count = count;
	(void)!vfu_msg__send(srv.conn, id, write ? VFIO_USER_DMA_WRITE : VFIO_USER_DMA_READ,
			     VFIO_USER_F_TYPE_COMMAND, 0, buf,
			     sizeof(*d) + (write ? count : 0), NULL, 0, NULL, 0);
}

static void *server_main(void *arg)
{
	static u8 out[8192];
	u16 dma_id = 0x8000;

	srv.conn = accept4(srv.lsock, NULL, NULL, SOCK_CLOEXEC);
	if (srv.conn < 0)
		return NULL;
	for (;;) {
		struct vfu_msg m;
		int n, ret = vfu_msg__recv(srv.conn, &m);
		u8 ctl;

		if (ret < 0)
			break;
		if (m.err || vfu_msg__is_reply(&m.hdr)) {
			vfu_msg__release(&m);	/* replies to our DMA, dropped messages */
			continue;
		}
		ctl = take();
		if (ctl & 16)
			send_dma(dma_id++, ctl);
		if (ctl & 8)
			(void)!vfu_msg__send(srv.conn, m.hdr.msg_id + 1, m.hdr.cmd,
					     VFIO_USER_F_TYPE_REPLY, 0, NULL, 0, NULL, 0, NULL, 0);
		switch (ctl % 8) {
		case 5:
			n = take();
			(void)!vfu_msg__reply_error(srv.conn, &m.hdr, n ? n : EINVAL);
			break;
		case 6:
			n = take();
			for (int i = 0; i < n; i++)
				out[i] = take();
			(void)!vfu_msg__reply(srv.conn, &m.hdr, out, n, NULL, 0, NULL, 0);
			break;
		case 7:
			vfu_msg__release(&m);
			goto hang_up;
		default:
			n = model_answer(&m, out, sizeof(out));
			if (n >= 0 && ctl % 8 == 4) {
				u8 off = take(), len = take() % 33;

				for (u8 i = 0; i < len; i++)
					out[off + i] = take();
				n = MAX(n, off + len);
			}
			if (n < 0)
				(void)!vfu_msg__reply_error(srv.conn, &m.hdr, -n);
			else
				(void)!vfu_msg__reply(srv.conn, &m.hdr, out, n, NULL, 0, NULL, 0);
			break;
		}
		vfu_msg__release(&m);
	}
hang_up:
	shutdown(srv.conn, SHUT_RDWR);
	close(srv.conn);
	srv.conn = -1;
	return NULL;
}

static void remove_socket(void)
{
	unlink(sock_path);
}

static void make_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sock_path, sizeof(sock_path), "/tmp/imsvm-fuzz-pt-%d.sock", (int)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	unlink(sock_path);
	srv.lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.lsock < 0 || bind(srv.lsock, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(srv.lsock, 4))
		__builtin_trap();
	atexit(remove_socket);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fake_vm f;
	static u8 *ram;
	char spec[96];
	pthread_t thr;
	int base_fds, ret;
	u8 flags;

	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!ram)
			__builtin_trap();
		make_socket();
	}
	if (!pt_model__parse_head(&data, &size, srv.cfg, &srv.script, &flags))
		return 0;
	memset(srv.bar0, 0, sizeof(srv.bar0));
	memset(srv.bar2, 0, sizeof(srv.bar2));
	memset(srv.bar4, 0, sizeof(srv.bar4));
	base_fds = vfu_stream__count_fds();
	pt_model__vm_init(&f, ram, RAM_SIZE, flags);
	if (pthread_create(&thr, NULL, server_main, NULL))
		__builtin_trap();
	snprintf(spec, sizeof(spec), "%s,timeout=2000", sock_path);
	/* A failure to connect would leave the server in accept(): a hang, reported. */
	ret = passthrough__add_vfio_user(&f.vm, spec);
	if (ret == 0)
		pt_model__guest(&f, "vfio-user", ram, RAM_SIZE, data, size);
	fake_vm__destroy(&f);	/* closes the client's socket: the server sees EOF */
	pthread_join(thr, NULL);
	irq_routing__set_test_ops(NULL, NULL);
	if (vfu_stream__count_fds() != base_fds)
		__builtin_trap();	/* an fd outlived the device */
	return 0;
}
