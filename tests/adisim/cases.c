/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test cases of the vfio-user test client. Each returns 0 (pass), -1 (fail,
 * reason in fail_msg) or 77 (skipped, reason in fail_msg).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "tests/adisim/cases.h"
#include "tests/adisim/fixture.h"

#define BAR0	ADISIM_BAR_REGS
#define CFG	VFIO_PCI_CONFIG_REGION_INDEX
#define BIND	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)

static int t_version(void)
{
	struct tclient c;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0, "connect failed");
	ret = tc_version(&c, false, 1u << 20);
	tc_close(&c);
	CHECK(ret == 0, "VERSION failed: %s", strerror(-ret));
	CHECK(c.minor <= VFIO_USER_MINOR, "minor %u above proposed", c.minor);
	CHECK(c.srv.max_msg_fds >= 1 && c.srv.max_data_xfer_size >= 4096,
	      "server caps implausible: fds %u xfer %u", c.srv.max_msg_fds,
	      c.srv.max_data_xfer_size);
	return 0;
}

static int t_version_first(void)
{
	struct vfio_device_info in = { .argsz = 16 };
	struct tclient c;
	struct vfu_msg m;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0, "connect failed");
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, sizeof(in), NULL, 0, NULL, 0, NULL);
	CHECK(ret == -EINVAL, "GET_INFO before VERSION: got %d, want -EINVAL", ret);
	ret = vfu_msg__recv(c.fd, &m);
	tc_close(&c);
	CHECK(ret == -ECONNRESET, "connection not closed after the error (%d)", ret);
	return 0;
}

static int t_bad_version(void)
{
	struct vfio_user_version v = { .major = 1, .minor = 0 };
	struct tclient c;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0, "connect failed");
	ret = tc_request(&c, VFIO_USER_VERSION, &v, sizeof(v), NULL, 0, NULL, 0, NULL);
	tc_close(&c);
	CHECK(ret < 0, "major 1 accepted");
	CHECK(tc_connect(&c, sock0) == 0, "connect failed");
	v.major = 0;
	ret = tc_request(&c, VFIO_USER_VERSION, &v, sizeof(v), "{\"capabilities\":", 17, NULL, 0,
			 NULL);
	tc_close(&c);
	CHECK(ret == -EINVAL, "malformed JSON: got %d", ret);
	return 0;
}

static int t_device_info(void)
{
	struct vfio_device_info in = { .argsz = 16 }, *out;
	struct fx f;
	struct vfu_msg r;
	int ret;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	ret = tc_request(&f.c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, &r);
	out = (void *)r.payload;
	CHECK(ret == 0 && r.len >= 16, "GET_INFO failed");
	CHECK(out->flags == (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET) &&
	      out->num_regions == VFIO_PCI_NUM_REGIONS && out->num_irqs == ADISIM_NUM_IRQS,
	      "info flags %#x regions %u irqs %u", out->flags, out->num_regions, out->num_irqs);
	vfu_msg__release(&r);
	fx_close(&f);
	return 0;
}

static int t_config_space(void)
{
	struct fx f;
	uint32_t id, cls, bar;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	id = tc_rd32(&f.c, CFG, PCI_VENDOR_ID);
	cls = tc_rd32(&f.c, CFG, PCI_CLASS_REVISION) >> 8;
	CHECK(id == (ADISIM_PCI_VENDOR_ID | (ADISIM_PCI_DEVICE_ID << 16)), "ids %#x", id);
	CHECK(cls == ADISIM_PCI_CLASS_CODE, "class %#x", cls);
	CHECK(tc_wr32(&f.c, CFG, PCI_BASE_ADDRESS_0, 0xffffffff) == 0, "BAR0 write");
	bar = tc_rd32(&f.c, CFG, PCI_BASE_ADDRESS_0);
	CHECK(bar == (uint32_t)~(ADISIM_BAR0_SIZE - 1), "BAR0 sizing reads %#x", bar);
	CHECK(tc_wr32(&f.c, CFG, PCI_BASE_ADDRESS_2, 0xffffffff) == 0, "BAR2 write");
	bar = tc_rd32(&f.c, CFG, PCI_BASE_ADDRESS_2);
	CHECK(bar == (uint32_t)~(f.ims_size - 1), "BAR2 sizing reads %#x, size %zu", bar,
	      f.ims_size);
	CHECK(tc_wr32(&f.c, CFG, PCI_VENDOR_ID, 0) == 0, "RO write refused");
	CHECK((tc_rd32(&f.c, CFG, PCI_VENDOR_ID) & 0xffff) == ADISIM_PCI_VENDOR_ID,
	      "vendor ID writable");
	CHECK((tc_rd32(&f.c, CFG, PCI_STATUS) >> 16 & PCI_STATUS_CAP_LIST) == 0,
	      "capability list advertised (the ADI has no MSI/MSI-X)");
	fx_close(&f);
	return 0;
}

static int t_region_info(void)
{
	struct vfio_region_info req = { .argsz = 32 }, *ri;
	struct tclient c;
	struct vfu_msg r;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 1u << 20) == 0, "setup");
	req.index = ADISIM_BAR_REGS;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_REGION_INFO, &req, 32, NULL, 0, NULL, 0, &r);
	ri = (void *)r.payload;
	CHECK(ret == 0 && r.len >= 32 && ri->size == ADISIM_BAR0_SIZE &&
	      !(ri->flags & VFIO_REGION_INFO_FLAG_MMAP) && r.nfds == 0,
	      "BAR0 info: ret %d size %llu flags %#x", ret, (unsigned long long)ri->size, ri->flags);
	vfu_msg__release(&r);
	req.index = ADISIM_BAR_IMS;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_REGION_INFO, &req, 32, NULL, 0, NULL, 0, &r);
	ri = (void *)r.payload;
	CHECK(ret == 0 && r.len == 32 && ri->argsz > 32 && r.nfds == 0 &&
	      (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) && ri->cap_offset == 0,
	      "BAR2 with a short argsz: want argsz > 32, CAPS, no cap, no fd (argsz %u, nfds %u)",
	      ri->argsz, r.nfds);
	vfu_msg__release(&r);
	req.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_REGION_INFO, &req, 32, NULL, 0, NULL, 0, &r);
	ri = (void *)r.payload;
	CHECK(ret == 0 && ri->size == 256, "config size");
	vfu_msg__release(&r);
	req.index = 9;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_REGION_INFO, &req, 32, NULL, 0, NULL, 0, NULL);
	CHECK(ret == -EINVAL, "region 9: got %d", ret);
	tc_close(&c);
	return 0;
}

static int t_sparse_mmap(void)
{
	struct fx f;
	uint32_t i, v;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup (incl. sparse mmap of BAR2) failed");
	CHECK(f.ims_entries >= 1 && f.ims_size >= (size_t)f.ims_entries * 16 &&
	      (f.ims_size & (f.ims_size - 1)) == 0 && f.ims_size >= 4096,
	      "IMS size %zu for %u entries", f.ims_size, f.ims_entries);
	for (i = 0; i < f.ims_entries; i++)
		CHECK(f.ims[i * 4 + 3] == ADISIM_IMS_CTRL_MASK, "entry %u not masked at reset", i);
	/* The mapping and REGION_READ see the same storage. */
	f.ims[5 * 4 + 2] = 0x12345678;
	CHECK(tc_region_read(&f.c, ADISIM_BAR_IMS, 5 * 16 + 8, &v, 4) == 0 && v == 0x12345678,
	      "REGION_READ of BAR2 does not see the mmap write (%#x)", v);
	v = 0xabcd;
	CHECK(tc_region_write(&f.c, ADISIM_BAR_IMS, 6 * 16 + 8, &v, 4) == 0 &&
	      f.ims[6 * 4 + 2] == 0xabcd, "REGION_WRITE of BAR2 not visible in the mapping");
	fx_close(&f);
	return 0;
}

static int t_irq_info(void)
{
	struct vfio_irq_info req = { .argsz = 16 }, *ii;
	struct tclient c;
	struct vfu_msg r;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 1u << 20) == 0, "setup");
	req.index = ADISIM_IRQ_INDEX_IMS;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_IRQ_INFO, &req, 16, NULL, 0, NULL, 0, &r);
	ii = (void *)r.payload;
	CHECK(ret == 0 && r.len >= 16 && ii->count == ADISIM_IRT_SIZE &&
	      (ii->flags & (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE)) ==
	      (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE),
	      "IMS index info: count %u flags %#x", ii->count, ii->flags);
	vfu_msg__release(&r);
	req.index = VFIO_PCI_MSIX_IRQ_INDEX;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_IRQ_INFO, &req, 16, NULL, 0, NULL, 0, &r);
	ii = (void *)r.payload;
	CHECK(ret == 0 && ii->count == 0, "MSI-X count %u (the ADI has none)", ii->count);
	vfu_msg__release(&r);
	req.index = ADISIM_NUM_IRQS;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_IRQ_INFO, &req, 16, NULL, 0, NULL, 0, NULL);
	CHECK(ret == -EINVAL, "index %u: got %d", ADISIM_NUM_IRQS, ret);
	tc_close(&c);
	return 0;
}

static int t_dma_map(void)
{
	struct vfio_user_dma_unmap um = { .argsz = sizeof(um), .address = 0x1000, .size = 0x1000 };
	struct fx f;
	int fd, ret;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup (DMA_MAP of a memfd) failed");
	fd = f.memfd;
	ret = tc_dma_map(&f.c, IOVA_BASE + 4096, 4096, fd, 0, NULL);
	CHECK(ret == -EEXIST, "overlapping DMA_MAP: got %d, want -EEXIST", ret);
	ret = tc_dma_map(&f.c, 0x80000000ull, MEM_SIZE * 2, fd, 0, NULL);
	CHECK(ret == -EINVAL, "map beyond the end of the fd: got %d", ret);
	ret = tc_request(&f.c, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, NULL, 0, NULL);
	CHECK(ret == -ENOENT, "unmap of an unknown range: got %d", ret);
	um.address = IOVA_BASE;
	um.size = MEM_SIZE;
	ret = tc_request(&f.c, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, NULL, 0, NULL);
	CHECK(ret == 0, "unmap: %d", ret);
	ret = tc_dma_map(&f.c, IOVA_BASE, MEM_SIZE, fd, 0, NULL);
	CHECK(ret == 0, "re-map: %d", ret);
	fx_close(&f);
	return 0;
}

static int t_copy(void)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_COPY, .flags = ADISIM_DESC_F_INTERRUPT,
				 .ims_index = 3, .len = 64 * 1024 + 123, .cookie = 0xc0ffee };
	volatile struct adisim_completion *comp;
	int e7, e8;
	struct fx f;
	uint32_t i, st;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 7, &e7) == 0 && fx_bind(&f, 8, &e8) == 0, "SET_IRQS eventfd failed");
	fx_ims_set(&f, 3, ADISIM_MSI_REMAP_ADDR(7), 0, false);
	fx_ims_set(&f, 4, ADISIM_MSI_REMAP_ADDR(8), 0, false);
	for (i = 0; i < d.len; i++)
		f.mem[SRC_OFF + i] = (uint8_t)(i * 7 + 1);
	d.src = IOVA_BASE + SRC_OFF;
	d.dst = IOVA_BASE + DST_OFF;
	comp = fx_submit(&f, &d);
	st = fx_wait(&f, comp, 5000);
	CHECK(st == ADISIM_COMP_SUCCESS, "completion status %u", st);
	CHECK(comp->cookie == 0xc0ffee && comp->bytes == d.len, "completion cookie/bytes wrong");
	CHECK(memcmp(f.mem + SRC_OFF, f.mem + DST_OFF, d.len) == 0, "copied data differs");
	CHECK(tc_wait_eventfd(&f.c, e7, 2000) == 1, "handle 7's eventfd did not fire once");
	CHECK(tc_poll_eventfd(e8) == 0, "handle 8's eventfd fired");
	CHECK(tc_rd32(&f.c, BAR0, ADISIM_REG_RING_HEAD) == f.tail, "RING_HEAD not advanced");
	close(e7);
	close(e8);
	fx_close(&f);
	return 0;
}

static int t_fill_and_delay(void)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_FILL, .len = 1000,
				 .pattern = 0x1122334455667788ull };
	volatile struct adisim_completion *comp;
	uint64_t pat = d.pattern;
	struct fx f;
	int e;
	uint32_t i;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 20, &e) == 0, "bind");
	fx_ims_set(&f, 9, ADISIM_MSI_REMAP_ADDR(20), 0, false);
	d.dst = IOVA_BASE + DST_OFF;
	comp = fx_submit(&f, &d);
	CHECK(fx_wait(&f, comp, 5000) == ADISIM_COMP_SUCCESS, "fill failed");
	for (i = 0; i < 1000; i++)
		CHECK(f.mem[DST_OFF + i] == ((uint8_t *)&pat)[i % 8], "fill byte %u wrong", i);
	CHECK(tc_poll_eventfd(e) == 0, "fill without the interrupt flag fired");
	d = (struct adisim_desc){ .opcode = ADISIM_OP_INTR, .ims_index = 9, .delay_us = 3000 };
	comp = fx_submit(&f, &d);
	CHECK(tc_wait_eventfd(&f.c, e, 3000) == 1, "delayed interrupt did not arrive");
	CHECK(comp->status == ADISIM_COMP_SUCCESS, "INTR completion %u", comp->status);
	close(e);
	fx_close(&f);
	return 0;
}

static int intr_desc(struct fx *f, uint16_t index)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_INTR, .ims_index = index };

	return fx_wait(f, fx_submit(f, &d), 5000) == ADISIM_COMP_SUCCESS ? 0 : -1;
}

static int t_forged_handle(void)
{
	uint64_t blocked, delivered;
	struct fx f;
	int e;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 30, &e) == 0, "bind");
	blocked = tc_counter(&f.c, ADISIM_CNT_BLOCKED);
	delivered = tc_counter(&f.c, ADISIM_CNT_DELIVERED);
	/* Unbound handle 31, the compatibility format, and an address that is no MSI. */
	fx_ims_set(&f, 1, ADISIM_MSI_REMAP_ADDR(31), 0, false);
	fx_ims_set(&f, 2, 0xFEE00000u | (1u << 12), 0x41, false);
	fx_ims_set(&f, 3, 0x12345000u, 0, false);
	/* A subhandle pushing handle 29 to 30 is legitimate. */
	fx_ims_set(&f, 4, ADISIM_MSI_REMAP_ADDR(29) | ADISIM_MSI_ADDR_SHV, 1, false);
	CHECK(intr_desc(&f, 1) == 0 && intr_desc(&f, 2) == 0 && intr_desc(&f, 3) == 0,
	      "INTR descriptors failed");
	CHECK(tc_poll_eventfd(e) == 0, "a forged message reached handle 30's eventfd");
	CHECK(tc_counter(&f.c, ADISIM_CNT_BLOCKED) == blocked + 3, "blocked %llu -> %llu, want +3",
	      (unsigned long long)blocked,
	      (unsigned long long)tc_counter(&f.c, ADISIM_CNT_BLOCKED));
	CHECK(tc_counter(&f.c, ADISIM_CNT_DELIVERED) == delivered, "delivered moved");
	CHECK(intr_desc(&f, 4) == 0, "INTR failed");
	CHECK(tc_wait_eventfd(&f.c, e, 2000) == 1, "subhandle message not delivered to 30");
	close(e);
	fx_close(&f);
	return 0;
}

static int t_foreign_handle(void)
{
	struct fx a, b;
	int ea, eb, e2, ret;

	if (!sock1)
		SKIP("no second ADI socket given (--socket1)");
	CHECK(fx_open(&a, sock0, false, false) == 0, "setup adi0");
	CHECK(fx_open(&b, sock1, false, false) == 0, "setup adi1");
	CHECK(fx_bind(&b, 100, &eb) == 0, "adi1 binds handle 100");
	ret = fx_bind(&a, 100, &e2);
	CHECK(ret == -EBUSY, "adi0 binding adi1's handle: got %d, want -EBUSY", ret);
	CHECK(fx_bind(&a, 101, &ea) == 0, "adi0 binds 101");
	fx_ims_set(&a, 0, ADISIM_MSI_REMAP_ADDR(100), 0, false);
	CHECK(intr_desc(&a, 0) == 0, "INTR failed");
	CHECK(tc_poll_eventfd(eb) == 0, "adi0 reached adi1's handle");
	CHECK(tc_counter(&a.c, ADISIM_CNT_BLOCKED) >= 1, "not counted as blocked");
	fx_close(&b);
	/* adi1's session ended: its handles are free again. */
	usleep(100000);
	CHECK(fx_bind(&a, 100, &e2) == 0, "handle 100 not released at adi1's disconnect");
	close(ea);
	close(eb);
	close(e2);
	fx_close(&a);
	return 0;
}

static int t_ims_mask(void)
{
	uint64_t mp;
	struct fx f;
	int e, i;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 40, &e) == 0, "bind");
	fx_ims_set(&f, 12, ADISIM_MSI_REMAP_ADDR(40), 0, true);
	mp = tc_counter(&f.c, ADISIM_CNT_MASKED_PENDING);
	CHECK(intr_desc(&f, 12) == 0, "INTR failed");
	CHECK(tc_poll_eventfd(e) == 0, "masked entry delivered");
	CHECK(f.ims[12 * 4 + 3] & ADISIM_IMS_CTRL_PENDING, "pending bit not set");
	CHECK(tc_counter(&f.c, ADISIM_CNT_MASKED_PENDING) == mp + 1, "masked_pending not counted");
	/* Unmask through the mapping: nothing traps, the device notices by itself. */
	f.ims[12 * 4 + 3] = 0;
	CHECK(tc_wait_eventfd(&f.c, e, 2000) == 1, "pending interrupt not delivered on unmask");
	for (i = 0; i < 1000 && (f.ims[12 * 4 + 3] & ADISIM_IMS_CTRL_PENDING); i++)
		usleep(1000);
	CHECK(!(f.ims[12 * 4 + 3] & ADISIM_IMS_CTRL_PENDING), "pending bit not cleared");
	/* The same through REGION_WRITE (a trapping client) and the recheck register. */
	f.ims[12 * 4 + 3] = ADISIM_IMS_CTRL_MASK;
	CHECK(intr_desc(&f, 12) == 0, "INTR failed");
	CHECK(tc_wr32(&f.c, ADISIM_BAR_IMS, 12 * 16 + 12, 0) == 0, "REGION_WRITE ctrl");
	CHECK(tc_poll_eventfd(e) == 1, "REGION_WRITE unmask did not deliver at once");
	close(e);
	fx_close(&f);
	return 0;
}

static int t_vfio_mask(void)
{
	struct fx f;
	int e;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 50, &e) == 0, "bind");
	fx_ims_set(&f, 13, ADISIM_MSI_REMAP_ADDR(50), 0, false);
	CHECK(tc_set_irqs(&f.c, ADISIM_IRQ_INDEX_IMS,
			  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 50, 1, NULL, 0,
			  NULL, 0) == 0, "ACTION_MASK failed");
	CHECK(intr_desc(&f, 13) == 0 && intr_desc(&f, 13) == 0, "INTR failed");
	CHECK(tc_poll_eventfd(e) == 0, "vfio-masked handle delivered");
	CHECK(tc_set_irqs(&f.c, ADISIM_IRQ_INDEX_IMS,
			  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 50, 1, NULL, 0,
			  NULL, 0) == 0, "ACTION_UNMASK failed");
	CHECK(tc_poll_eventfd(e) == 1, "pending not delivered once on unmask");
	/* Software trigger with DATA_BOOL. */
	CHECK(tc_set_irqs(&f.c, ADISIM_IRQ_INDEX_IMS,
			  VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, 50, 1, NULL, 0,
			  "\1", 1) == 0, "DATA_BOOL trigger failed");
	CHECK(tc_poll_eventfd(e) == 1, "DATA_BOOL trigger did not fire");
	CHECK(tc_set_irqs(&f.c, ADISIM_IRQ_INDEX_IMS,
			  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 51, 1, NULL, 0,
			  NULL, 0) == -EINVAL, "masking an unbound handle accepted");
	/* De-assign: the handle becomes unbound, messages to it are blocked. */
	CHECK(tc_set_irqs(&f.c, ADISIM_IRQ_INDEX_IMS, BIND, 50, 1, NULL, 0, NULL, 0) == 0,
	      "de-assign failed");
	CHECK(intr_desc(&f, 13) == 0, "INTR failed");
	CHECK(tc_poll_eventfd(e) == 0, "de-assigned handle still delivers");
	close(e);
	fx_close(&f);
	return 0;
}

static int expect_err(struct tclient *c, const void *buf, size_t len, int want, const char *what)
{
	int ret = tc_raw(c, buf, len, NULL);

	if (ret != -want) {
		snprintf(fail_msg, sizeof(fail_msg), "%s: got %d, want %d", what, ret, -want);
		return -1;
	}
	return 0;
}

static int t_malformed(void)
{
	struct {
		struct vfio_user_header h;
		uint8_t body[64];
	} __attribute__((packed)) m;
	struct vfio_device_info in = { .argsz = 16 };
	uint64_t errs;
	uint8_t *big;
	struct fx f;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	errs = tc_counter(&f.c, ADISIM_CNT_PROTO_ERRORS);
	memset(&m, 0, sizeof(m));
	m.h = (struct vfio_user_header){ .msg_id = 900, .cmd = 99, .msg_size = 16 };
	if (expect_err(&f.c, &m, 16, EINVAL, "unknown command"))
		return -1;
	m.h = (struct vfio_user_header){ .msg_id = 901, .cmd = VFIO_USER_DMA_MAP, .msg_size = 24 };
	if (expect_err(&f.c, &m, 24, EINVAL, "short DMA_MAP"))
		return -1;
	m.h = (struct vfio_user_header){ .msg_id = 902, .cmd = VFIO_USER_REGION_READ,
					 .msg_size = 32 };
	*(struct vfio_user_region_access *)m.body =
		(struct vfio_user_region_access){ .offset = 300, .region = 7, .count = 4 };
	if (expect_err(&f.c, &m, 32, EINVAL, "config read past 256"))
		return -1;
	*(struct vfio_user_region_access *)m.body =
		(struct vfio_user_region_access){ .offset = 0, .region = 6, .count = 4 };
	if (expect_err(&f.c, &m, 32, EINVAL, "read of region 6 (ROM)"))
		return -1;
	*(struct vfio_user_region_access *)m.body =
		(struct vfio_user_region_access){ .offset = 2, .region = 0, .count = 4 };
	if (expect_err(&f.c, &m, 32, EINVAL, "unaligned BAR0 read"))
		return -1;
	m.h = (struct vfio_user_header){ .msg_id = 903, .cmd = VFIO_USER_REGION_WRITE,
					 .msg_size = 36 };
	*(struct vfio_user_region_access *)m.body =
		(struct vfio_user_region_access){ .offset = 0x10, .region = 0, .count = 8 };
	if (expect_err(&f.c, &m, 36, EINVAL, "REGION_WRITE count != data length"))
		return -1;
	m.h = (struct vfio_user_header){ .msg_id = 904, .cmd = VFIO_USER_DEVICE_SET_IRQS,
					 .msg_size = 36 };
	*(struct vfio_irq_set *)m.body = (struct vfio_irq_set){ .argsz = 20, .index = 9,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };
	if (expect_err(&f.c, &m, 36, EINVAL, "SET_IRQS index 9"))
		return -1;
	*(struct vfio_irq_set *)m.body = (struct vfio_irq_set){ .argsz = 20,
		.index = ADISIM_IRQ_INDEX_IMS, .start = 65535, .count = 2,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };
	if (expect_err(&f.c, &m, 36, EINVAL, "SET_IRQS handles beyond the table"))
		return -1;
	m.h = (struct vfio_user_header){ .msg_id = 905, .cmd = VFIO_USER_DMA_READ,
					 .msg_size = 32 };
	if (expect_err(&f.c, &m, 32, EINVAL, "client-sent DMA_READ"))
		return -1;
	/* 2 MiB body: answered with an error, stream stays in step. */
	big = calloc(1, (2u << 20) + 16);
	CHECK(big, "oom");
	*(struct vfio_user_header *)big = (struct vfio_user_header){
		.msg_id = 906, .cmd = VFIO_USER_REGION_WRITE, .msg_size = (2u << 20) + 16 };
	if (expect_err(&f.c, big, (2u << 20) + 16, EMSGSIZE, "oversized message")) {
		free(big);
		return -1;
	}
	free(big);
	CHECK(tc_request(&f.c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL) == 0,
	      "connection unusable after the malformed messages");
	CHECK(tc_counter(&f.c, ADISIM_CNT_PROTO_ERRORS) >= errs + 10,
	      "protocol_errors counted %llu, want >= %llu",
	      (unsigned long long)tc_counter(&f.c, ADISIM_CNT_PROTO_ERRORS),
	      (unsigned long long)errs + 10);
	fx_close(&f);
	return 0;
}

static int t_dma_fault(void)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_COPY, .len = 4096,
				 .src = 0x7000000000ull, .dst = IOVA_BASE + DST_OFF };
	uint64_t faults;
	struct fx f;
	uint32_t st;
	int err_efd;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	faults = tc_counter(&f.c, ADISIM_CNT_FAULTS);
	st = fx_wait(&f, fx_submit(&f, &d), 5000);
	CHECK(st == ADISIM_COMP_READ_FAULT, "unmapped source: status %u", st);
	d.src = IOVA_BASE + MEM_SIZE - 100;	/* runs off the end of the map */
	st = fx_wait(&f, fx_submit(&f, &d), 5000);
	CHECK(st == ADISIM_COMP_READ_FAULT, "source past the map: status %u", st);
	CHECK(tc_counter(&f.c, ADISIM_CNT_FAULTS) == faults + 2, "faults not counted");
	d = (struct adisim_desc){ .opcode = 77 };
	st = fx_wait(&f, fx_submit(&f, &d), 5000);
	CHECK(st == ADISIM_COMP_BAD_OPCODE, "bad opcode: status %u", st);
	/* A ring base outside DMA memory halts the engine with RING_FAULT, signalling ERR. */
	CHECK(fx_bind_index(&f, VFIO_PCI_ERR_IRQ_INDEX, 0, &err_efd) == 0, "ERR eventfd");
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_RING_BASE_HI, 0x70) == 0, "ring base");
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_RING_TAIL, 1) == 0, "doorbell");
	tc_serve(&f.c, 10);
	CHECK(tc_rd32(&f.c, BAR0, ADISIM_REG_ERROR) == ADISIM_ERR_RING_FAULT &&
	      (tc_rd32(&f.c, BAR0, ADISIM_REG_STATUS) & ADISIM_STATUS_HALTED),
	      "engine not halted with RING_FAULT");
	CHECK(tc_poll_eventfd(err_efd) == 1, "ERR eventfd not signalled on the halt");
	close(err_efd);
	fx_close(&f);
	return 0;
}

static int dma_msg_copy(bool twin)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_COPY, .flags = ADISIM_DESC_F_INTERRUPT,
				 .ims_index = 2, .len = 100000 };
	volatile struct adisim_completion *comp;
	struct fx f;
	uint32_t i, st;
	int e;

	CHECK(fx_open(&f, sock0, twin, true) == 0, "setup failed");
	CHECK(fx_bind(&f, 60, &e) == 0, "bind");
	fx_ims_set(&f, 2, ADISIM_MSI_REMAP_ADDR(60), 0, false);
	for (i = 0; i < d.len; i++)
		f.msgmem[i] = (uint8_t)(i ^ 0x5a);
	/* memfd -> message region, then message region -> memfd. */
	d.src = IOVA_BASE + SRC_OFF;
	memcpy(f.mem + SRC_OFF, f.msgmem, d.len);
	d.dst = MSG_IOVA + 0x200000;
	comp = fx_submit(&f, &d);
	st = fx_wait(&f, comp, 5000);
	CHECK(st == ADISIM_COMP_SUCCESS, "copy to the message region: status %u", st);
	CHECK(memcmp(f.msgmem + 0x200000, f.msgmem, d.len) == 0, "DMA_WRITE data differs");
	d.src = MSG_IOVA;
	d.dst = IOVA_BASE + DST_OFF;
	st = fx_wait(&f, fx_submit(&f, &d), 5000);
	CHECK(st == ADISIM_COMP_SUCCESS, "copy from the message region: status %u", st);
	CHECK(memcmp(f.mem + DST_OFF, f.msgmem, d.len) == 0, "DMA_READ data differs");
	CHECK(f.c.dma_requests >= 2, "no DMA_READ/DMA_WRITE messages seen");
	CHECK(tc_wait_eventfd(&f.c, e, 2000) == 2, "two completion interrupts expected");
	close(e);
	fx_close(&f);
	return 0;
}

static int t_dma_messages(void)
{
	return dma_msg_copy(false);
}

static int t_twin_socket(void)
{
	return dma_msg_copy(true);
}

static int t_storm_register(void)
{
	uint64_t n = 0;
	struct fx f;
	int e, i;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 70, &e) == 0, "bind");
	fx_ims_set(&f, 5, ADISIM_MSI_REMAP_ADDR(70), 0, false);
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_STORM_IMS, 5) == 0 &&
	      tc_wr32(&f.c, BAR0, ADISIM_REG_STORM_HZ, 2000) == 0, "storm registers");
	for (i = 0; i < 2000 && n < 10; i++)
		n += tc_wait_eventfd(&f.c, e, 1);
	CHECK(n >= 10, "storm delivered only %llu interrupts", (unsigned long long)n);
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_STORM_HZ, ADISIM_STORM_MAX_HZ + 1) == 0 &&
	      tc_rd32(&f.c, BAR0, ADISIM_REG_ERROR) == ADISIM_ERR_BAD_STORM,
	      "out-of-range storm rate not flagged");
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_STORM_HZ, 0) == 0, "storm off");
	close(e);
	fx_close(&f);
	return 0;
}

static int t_second_client(void)
{
	struct tclient a, b;
	struct vfu_msg m;
	int ret;

	CHECK(tc_connect(&a, sock0) == 0 && tc_version(&a, false, 4096) == 0, "first client");
	CHECK(tc_connect(&b, sock0) == 0, "connect of the second client");
	ret = vfu_msg__recv(b.fd, &m);
	tc_close(&b);
	CHECK(ret == -ECONNRESET, "second client not refused (%d)", ret);
	CHECK(tc_rd32(&a, BAR0, ADISIM_REG_ID) == ADISIM_ID_VALUE, "first client disturbed");
	tc_close(&a);
	return 0;
}

static int t_reconnect(void)
{
	struct fx f;
	int e, e2;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 80, &e) == 0, "bind");
	fx_ims_set(&f, 6, ADISIM_MSI_REMAP_ADDR(80), 0, false);
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_STORM_HZ, 0) == 0, "write");
	fx_close(&f);
	usleep(50000);
	CHECK(fx_open(&f, sock0, false, false) == 0, "reconnect failed");
	CHECK(f.ims[6 * 4 + 3] == ADISIM_IMS_CTRL_MASK && f.ims[6 * 4] == 0,
	      "IMS state survived the disconnect");
	CHECK(tc_rd32(&f.c, BAR0, ADISIM_REG_RING_HEAD) == 0, "engine state survived");
	/* Handle 80 was released with the old session: the new one can bind it. */
	CHECK(fx_bind(&f, 80, &e2) == 0, "handle not released");
	fx_ims_set(&f, 6, ADISIM_MSI_REMAP_ADDR(80), 0, false);
	CHECK(intr_desc(&f, 6) == 0, "INTR failed");
	CHECK(tc_wait_eventfd(&f.c, e2, 2000) == 1, "new session's eventfd did not fire");
	CHECK(tc_poll_eventfd(e) == 0, "old session's eventfd fired");
	close(e);
	close(e2);
	fx_close(&f);
	return 0;
}

static int t_device_reset(void)
{
	struct fx f;
	int e;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(fx_bind(&f, 90, &e) == 0, "bind");
	fx_ims_set(&f, 7, ADISIM_MSI_REMAP_ADDR(90), 0, false);
	CHECK(tc_request(&f.c, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL) == 0,
	      "DEVICE_RESET failed");
	CHECK(f.ims[7 * 4 + 3] == ADISIM_IMS_CTRL_MASK, "IMS entry not reset in the mapping");
	CHECK(tc_rd32(&f.c, BAR0, ADISIM_REG_CTRL) == 0, "CTRL not reset");
	CHECK((tc_rd32(&f.c, CFG, PCI_COMMAND) & PCI_COMMAND_MASTER) == 0, "bus master survived");
	close(e);
	fx_close(&f);
	return 0;
}

static uint32_t lcg(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/*
 * Random but framed messages: every command number, random flags and
 * payloads with plausible small fields, sometimes an fd. The server must
 * answer each (or drop replies and No_reply), never crash, and still work.
 */
static int t_fuzz(void)
{
	struct vfio_device_info in = { .argsz = 16 };
	uint32_t seed = 12345, i, answered = 0;
	uint8_t buf[16 + 160];
	struct tclient c;
	int efd = eventfd(0, EFD_CLOEXEC);

	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 4096) == 0, "setup");
	for (i = 0; i < 3000; i++) {
		struct vfio_user_header *h = (void *)buf;
		uint32_t len = lcg(&seed) % 160, j, w;
		bool silent;
		int ret;

		for (j = 0; j < len; j++)
			buf[16 + j] = (uint8_t)lcg(&seed);
		/* Small values in the first words make more requests reach deep code. */
		for (w = 0; w + 4 <= len && w < 24; w += 4)
			if (lcg(&seed) % 2)
				*(uint32_t *)(buf + 16 + w) = lcg(&seed) % 40;
		h->msg_id = (uint16_t)i;
		h->cmd = (uint16_t)(lcg(&seed) % 20);
		h->msg_size = 16 + len;
		h->flags = lcg(&seed) % 8 == 0 ? VFIO_USER_F_TYPE_REPLY :
			   lcg(&seed) % 8 == 0 ? VFIO_USER_F_NO_REPLY : 0;
		h->error_no = lcg(&seed);
		if (h->cmd == VFIO_USER_VERSION)
			h->cmd = VFIO_USER_DEVICE_RESET;	/* a 2nd VERSION is tested elsewhere */
		silent = h->flags != 0;
		if (lcg(&seed) % 10 == 0) {
			ret = vfu_msg__send(c.fd, h->msg_id, h->cmd, h->flags, h->error_no,
					    buf + 16, len, NULL, 0, &efd, 1);
			if (!ret && !silent) {
				struct vfu_msg r;

				ret = vfu_msg__recv(c.fd, &r);
				if (!ret)
					vfu_msg__release(&r);
			}
		} else if (silent) {
			ret = send(c.fd, buf, 16 + len, MSG_NOSIGNAL) == (ssize_t)(16 + len) ? 0 : -EIO;
		} else {
			ret = tc_raw(&c, buf, 16 + len, NULL);
			if (ret == -ECONNRESET || ret == -EPIPE || ret == -ETIMEDOUT || ret == -EPROTO)
				ret = -ECONNRESET;
			else
				ret = 0;
		}
		if (ret) {
			/* The server may end a session (e.g. DMA to nowhere); it must accept a new one. */
			tc_close(&c);
			CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 4096) == 0,
			      "server gone after message %u (cmd %u, %u bytes)", i, h->cmd, len);
			continue;
		}
		if (i % 50 == 49) {
			ret = tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL);
			CHECK(ret == 0, "GET_INFO after message %u failed: %d", i, ret);
			answered++;
		}
	}
	tc_close(&c);
	close(efd);
	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 4096) == 0, "server gone");
	CHECK(tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL) == 0,
	      "no answer after the fuzzing");
	tc_close(&c);
	CHECK(answered > 0, "no checkpoint reached");
	return 0;
}

/* ---- cases for simulators started with fault-injection options (run.sh) ---- */

static int x_die_on_doorbell(void)
{
	struct fx f;
	int ret;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	ret = tc_wr32(&f.c, BAR0, ADISIM_REG_RING_TAIL, 1);
	fx_close(&f);
	CHECK(ret == -ECONNRESET || ret == -EPIPE, "doorbell answered (%d), device should die", ret);
	return 0;
}

static int x_fail_after_3_error(void)
{
	struct vfio_device_info in = { .argsz = 16 };
	struct tclient c;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 4096) == 0, "VERSION (1)");
	CHECK(tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL) == 0,
	      "message 2 failed");
	CHECK(tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL) == 0,
	      "message 3 failed");
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL);
	tc_close(&c);
	CHECK(ret == -EIO, "message 4: got %d, want -EIO", ret);
	return 0;
}

static int x_fail_after_2_die(void)
{
	struct vfio_device_info in = { .argsz = 16 };
	struct tclient c;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 4096) == 0, "VERSION (1)");
	CHECK(tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL) == 0,
	      "message 2 failed");
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL);
	tc_close(&c);
	CHECK(ret == -ECONNRESET, "message 3: got %d, want the connection to die", ret);
	return 0;
}

static int x_storm_option(void)
{
	uint64_t n = 0;
	struct fx f;
	int e, i;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	CHECK(tc_rd32(&f.c, BAR0, ADISIM_REG_STORM_HZ) != 0, "--storm not reflected in STORM_HZ");
	CHECK(fx_bind(&f, 3, &e) == 0, "bind");
	fx_ims_set(&f, tc_rd32(&f.c, BAR0, ADISIM_REG_STORM_IMS), ADISIM_MSI_REMAP_ADDR(3), 0,
		   false);
	for (i = 0; i < 3000 && n < 10; i++)
		n += tc_wait_eventfd(&f.c, e, 1);
	CHECK(n >= 10, "only %llu storm interrupts", (unsigned long long)n);
	close(e);
	fx_close(&f);
	return 0;
}

const struct tcase xcases[] = {
	{ "die_on_doorbell", x_die_on_doorbell },
	{ "fail_after_3_error", x_fail_after_3_error },
	{ "fail_after_2_die", x_fail_after_2_die },
	{ "storm_option", x_storm_option },
	{ NULL, NULL },
};

const struct tcase tcases[] = {
	{ "version", t_version },
	{ "version_must_be_first", t_version_first },
	{ "version_rejects_bad", t_bad_version },
	{ "device_info", t_device_info },
	{ "config_space", t_config_space },
	{ "region_info", t_region_info },
	{ "sparse_mmap_ims", t_sparse_mmap },
	{ "irq_info", t_irq_info },
	{ "dma_map_memfd", t_dma_map },
	{ "copy_descriptor_fires_eventfd", t_copy },
	{ "fill_and_delayed_interrupt", t_fill_and_delay },
	{ "forged_handle_blocked", t_forged_handle },
	{ "foreign_handle_blocked", t_foreign_handle },
	{ "ims_mask_pending", t_ims_mask },
	{ "vfio_mask_pending", t_vfio_mask },
	{ "malformed_messages", t_malformed },
	{ "dma_outside_map", t_dma_fault },
	{ "dma_via_messages", t_dma_messages },
	{ "twin_socket_dma", t_twin_socket },
	{ "storm_register", t_storm_register },
	{ "second_client_refused", t_second_client },
	{ "disconnect_reconnect", t_reconnect },
	{ "device_reset", t_device_reset },
	{ "fuzz_random_messages", t_fuzz },
	{ NULL, NULL },
};
