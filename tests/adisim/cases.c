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
	CHECK(tc_rd32(&f.c, CFG, PCI_COMMAND) >> 16 & PCI_STATUS_CAP_LIST, "no capability list");
	CHECK((tc_rd32(&f.c, CFG, PCI_CAPABILITY_LIST) & 0xfc) == ADISIM_CFG_MSI_CAP,
	      "capability pointer %#x", tc_rd32(&f.c, CFG, PCI_CAPABILITY_LIST) & 0xff);
	id = tc_rd32(&f.c, CFG, ADISIM_CFG_MSI_CAP);
	CHECK((id & 0xffff) == PCI_CAP_ID_MSI && id >> 16 == PCI_MSI_FLAGS_64BIT,
	      "MSI capability (only, 1 vector, 64-bit) reads %#x", id);
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
	req.index = VFIO_PCI_MSI_IRQ_INDEX;
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_IRQ_INFO, &req, 16, NULL, 0, NULL, 0, &r);
	ii = (void *)r.payload;
	CHECK(ret == 0 && ii->count == 1 && (ii->flags & VFIO_IRQ_INFO_EVENTFD),
	      "MSI index info: count %u flags %#x", ii->count, ii->flags);
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
	CHECK(fx_intr(&f, 6) == 0, "INTR failed");
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
	{ "two_adis_in_parallel", t_two_adis },
	{ "ims_mask_pending", t_ims_mask },
	{ "vfio_mask_pending", t_vfio_mask },
	{ "malformed_messages", t_malformed },
	{ "dma_outside_map", t_dma_fault },
	{ "msi_on_engine_error", t_msi_error },
	{ "dma_via_messages", t_dma_messages },
	{ "twin_socket_dma", t_twin_socket },
	{ "storm_register", t_storm_register },
	{ "second_client_refused", t_second_client },
	{ "disconnect_reconnect", t_reconnect },
	{ "device_reset", t_device_reset },
	{ "command_during_timer_dma", t_deferred_command },
	{ "fuzz_random_messages", t_fuzz },
	{ NULL, NULL },
};
