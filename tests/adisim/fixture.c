/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "tests/adisim/fixture.h"

int fx_map_ims(struct fx *f)
{
	struct {
		struct vfio_region_info info;
		struct vfio_region_info_cap_sparse_mmap sparse;
		struct vfio_region_sparse_mmap_area area;
	} __attribute__((packed)) *ri;
	struct vfio_region_info req = { .argsz = 64, .index = ADISIM_BAR_IMS };
	struct vfu_msg r;
	void *p;
	int ret, fd;

	ret = tc_request(&f->c, VFIO_USER_DEVICE_GET_REGION_INFO, &req, sizeof(req), NULL, 0, NULL,
			 0, &r);
	if (ret)
		return ret;
	ri = (void *)r.payload;
	fd = vfu_msg__take_fd(&r, 0);
	if (r.len < sizeof(*ri) || fd < 0 || !(ri->info.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		vfu_msg__release(&r);
		if (fd >= 0)
			close(fd);
		return -EPROTO;
	}
	p = mmap(NULL, ri->area.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)(ri->info.offset + ri->area.offset));
	close(fd);
	f->ims_size = ri->area.size;
	vfu_msg__release(&r);
	if (p == MAP_FAILED)
		return -errno;
	f->ims = p;
	return 0;
}

int fx_open(struct fx *f, const char *path, bool twin, bool msg_region)
{
	uint16_t cmd;
	int ret;

	memset(f, 0, sizeof(*f));
	f->memfd = -1;
	ret = tc_connect(&f->c, path);
	if (ret)
		return ret;
	ret = tc_version(&f->c, twin, 1u << 20);
	if (ret)
		return ret;
	f->memfd = memfd_create("guest-mem", MFD_CLOEXEC);
	if (f->memfd < 0 || ftruncate(f->memfd, MEM_SIZE))
		return -errno;
	f->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
	if (f->mem == MAP_FAILED)
		return -errno;
	ret = tc_dma_map(&f->c, IOVA_BASE, MEM_SIZE, f->memfd, 0, NULL);
	if (ret)
		return ret;
	if (msg_region) {
		f->msgmem = calloc(1, MSG_SIZE);
		if (!f->msgmem)
			return -ENOMEM;
		ret = tc_dma_map(&f->c, MSG_IOVA, MSG_SIZE, -1, 0, f->msgmem);
		if (ret)
			return ret;
	}
	ret = fx_map_ims(f);
	if (ret)
		return ret;
	f->ims_entries = tc_rd32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_IMS_ENTRIES);
	cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	ret = tc_region_write(&f->c, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, &cmd, 2);
	if (ret)
		return ret;
	if ((ret = tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_RING_BASE_LO,
			   (uint32_t)(IOVA_BASE + RING_OFF))) ||
	    (ret = tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_RING_BASE_HI,
			   (uint32_t)((IOVA_BASE + RING_OFF) >> 32))) ||
	    (ret = tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_RING_SIZE, RING_ENTRIES)) ||
	    (ret = tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_CTRL, ADISIM_CTRL_ENABLE)))
		return ret;
	return 0;
}

void fx_close(struct fx *f)
{
	if (f->ims)
		munmap(f->ims, f->ims_size);
	if (f->mem && f->mem != MAP_FAILED)
		munmap(f->mem, MEM_SIZE);
	if (f->memfd >= 0)
		close(f->memfd);
	free(f->msgmem);
	tc_close(&f->c);
	memset(f, 0, sizeof(*f));
	f->memfd = -1;
}

int fx_bind_index(struct fx *f, uint32_t index, uint32_t start, int *efd)
{
	*efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (*efd < 0)
		return -errno;
	return tc_set_irqs(&f->c, index, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			   start, 1, efd, 1, NULL, 0);
}

int fx_bind(struct fx *f, uint32_t handle, int *efd)
{
	return fx_bind_index(f, ADISIM_IRQ_INDEX_IMS, handle, efd);
}

void fx_ims_set(struct fx *f, uint32_t index, uint32_t addr, uint32_t data, bool masked)
{
	volatile uint32_t *e = f->ims + index * 4;

	e[0] = addr;
	e[1] = 0;
	e[2] = data;
	e[3] = masked ? ADISIM_IMS_CTRL_MASK : 0;
}

volatile struct adisim_completion *fx_submit(struct fx *f, const struct adisim_desc *d)
{
	struct adisim_desc *ring = (void *)(f->mem + RING_OFF);
	volatile struct adisim_completion *c =
		(void *)(f->mem + COMP_OFF + (f->tail % RING_ENTRIES) * ADISIM_COMPLETION_SIZE);
	struct adisim_desc copy = *d;

	copy.completion = IOVA_BASE + COMP_OFF + (f->tail % RING_ENTRIES) * ADISIM_COMPLETION_SIZE;
	copy.flags |= ADISIM_DESC_F_COMPLETION;
	c->status = ADISIM_COMP_PENDING;
	ring[f->tail % RING_ENTRIES] = copy;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->tail = (f->tail + 1) % RING_ENTRIES;
	if (tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_RING_TAIL, f->tail))
		return NULL;
	return c;
}

uint32_t fx_wait(struct fx *f, volatile struct adisim_completion *c, int timeout_ms)
{
	int i;

	for (i = 0; c && i < timeout_ms; i++) {
		if (c->status != ADISIM_COMP_PENDING)
			return c->status;
		if (tc_serve(&f->c, 1) < 0)
			return 0;
	}
	return c ? c->status : 0;
}

int fx_intr(struct fx *f, uint16_t index)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_INTR, .ims_index = index };

	return fx_wait(f, fx_submit(f, &d), 5000) == ADISIM_COMP_SUCCESS ? 0 : -1;
}
