/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests: DMA maps and the descriptor engine, with memfd-backed memory. */
#include <signal.h>
#include <time.h>

#include "devices/adisim/fixture_test.h"

#define IOVA	0x100000ull
#define SIZE	(4ull << 20)
#define RING	0x0
#define COMP	0x1000
#define SRC	0x10000
#define DST	0x200000

struct efx {
	struct tfx t;
	struct adisim_adi *a;
	int memfd;
	u8 *mem;
	u32 tail;
};

static void efx_init(struct efx *e)
{
	u16 cmd = PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;

	tfx_init(&e->t, 64);
	e->a = &e->t.adi[0];
	e->memfd = memfd_create("ut-mem", MFD_CLOEXEC);
	cr_assert_geq(e->memfd, 0);
	cr_assert_eq(ftruncate(e->memfd, SIZE), 0);
	e->mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, e->memfd, 0);
	cr_assert_neq(e->mem, MAP_FAILED);
	cr_assert_eq(adisim_dma__map(e->a, IOVA, SIZE, VFIO_USER_F_DMA_REGION_READ |
				     VFIO_USER_F_DMA_REGION_WRITE, e->memfd, 0), 0);
	cr_assert_eq(adisim_config__access(e->a, PCI_COMMAND, &cmd, 2, true), 0);
	reg_wr(e->a, ADISIM_REG_RING_BASE_LO, (u32)(IOVA + RING));
	reg_wr(e->a, ADISIM_REG_RING_SIZE, 8);
	reg_wr(e->a, ADISIM_REG_CTRL, ADISIM_CTRL_ENABLE);
	e->tail = 0;
}

static void efx_fini(struct efx *e)
{
	munmap(e->mem, SIZE);
	close(e->memfd);
	tfx_fini(&e->t);
}

/* Submit one descriptor, run the engine, return its completion record. */
static struct adisim_completion *submit(struct efx *e, struct adisim_desc d)
{
	struct adisim_desc *ring = (void *)(e->mem + RING);
	struct adisim_completion *c = (void *)(e->mem + COMP + 16 * e->tail);

	d.flags |= ADISIM_DESC_F_COMPLETION;
	d.completion = IOVA + COMP + 16 * e->tail;
	memset(c, 0, sizeof(*c));
	ring[e->tail] = d;
	e->tail = (e->tail + 1) % 8;
	reg_wr(e->a, ADISIM_REG_RING_TAIL, e->tail);
	adisim_engine__run(e->a);
	return c;
}

Test(adisim_engine, copy_completes_and_interrupts)
{
	struct adisim_completion *c;
	struct efx e;
	u32 i;
	int efd;

	efx_init(&e);
	efd = tfx_bind(&e.t, 0, 9);
	ims_set(e.a, 4, ADISIM_MSI_REMAP_ADDR(9), 0, 0, 0);
	for (i = 0; i < 200000; i++)
		e.mem[SRC + i] = (u8)(i * 13);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_COPY, .len = 200000,
		   .src = IOVA + SRC, .dst = IOVA + DST, .cookie = 77,
		   .flags = ADISIM_DESC_F_INTERRUPT, .ims_index = 4 });
	cr_assert_eq(c->status, ADISIM_COMP_SUCCESS);
	cr_assert_eq(c->bytes, 200000);
	cr_assert_eq(c->cookie, 77);
	cr_assert_eq(memcmp(e.mem + SRC, e.mem + DST, 200000), 0);
	cr_assert_eq(efd_count(efd), 1);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_RING_HEAD), 1);
	cr_assert_eq(e.a->cnt[ADISIM_CNT_DESC_DONE], 1);
	cr_assert_eq(e.a->cnt[ADISIM_CNT_DMA_BYTES], 64 + 2 * 200000 + 16);
	close(efd);
	efx_fini(&e);
}

Test(adisim_engine, fill_and_errors)
{
	struct adisim_completion *c;
	u64 pat = 0x0102030405060708ull;
	struct efx e;
	u32 i;

	efx_init(&e);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_FILL, .len = 70000,
		   .dst = IOVA + DST, .pattern = pat });
	cr_assert_eq(c->status, ADISIM_COMP_SUCCESS);
	for (i = 0; i < 70000; i++)
		cr_assert_eq(e.mem[DST + i], ((u8 *)&pat)[i % 8], "byte %u", i);
	c = submit(&e, (struct adisim_desc){ .opcode = 9 });
	cr_assert_eq(c->status, ADISIM_COMP_BAD_OPCODE);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_COPY, .len = 0 });
	cr_assert_eq(c->status, ADISIM_COMP_BAD_LENGTH);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_FILL,
		   .len = ADISIM_DESC_MAX_LEN + 1, .dst = IOVA });
	cr_assert_eq(c->status, ADISIM_COMP_BAD_LENGTH);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_COPY, .len = 16,
		   .src = 0x10, .dst = IOVA + DST });
	cr_assert_eq(c->status, ADISIM_COMP_READ_FAULT);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_COPY, .len = 4096,
		   .src = IOVA, .dst = IOVA + SIZE - 100 });
	cr_assert_eq(c->status, ADISIM_COMP_WRITE_FAULT);
	cr_assert_eq(c->bytes, 0);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_INTR, .ims_index = 64 });
	cr_assert_eq(c->status, ADISIM_COMP_BAD_IMS_INDEX);
	cr_assert_eq(e.a->cnt[ADISIM_CNT_DESC_ERRORS], 6);
	cr_assert_eq(e.a->cnt[ADISIM_CNT_FAULTS], 2);
	efx_fini(&e);
}

Test(adisim_engine, ring_state_errors_halt)
{
	struct efx e;

	efx_init(&e);
	reg_wr(e.a, ADISIM_REG_RING_TAIL, 8);			/* >= RING_SIZE */
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_ERROR), ADISIM_ERR_BAD_TAIL);
	cr_assert(reg_rd(e.a, ADISIM_REG_STATUS) & ADISIM_STATUS_HALTED);
	reg_wr(e.a, ADISIM_REG_CTRL, 0);			/* disable clears HALTED */
	reg_wr(e.a, ADISIM_REG_CTRL, ADISIM_CTRL_ENABLE);
	reg_wr(e.a, ADISIM_REG_RING_SIZE, 3);			/* not a power of 2 */
	reg_wr(e.a, ADISIM_REG_RING_TAIL, 1);
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_ERROR), ADISIM_ERR_BAD_RING);
	reg_wr(e.a, ADISIM_REG_CTRL, 0);
	reg_wr(e.a, ADISIM_REG_RING_TAIL, 1);
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_ERROR), ADISIM_ERR_DISABLED);
	efx_fini(&e);
}

/* A halt signals the MSI vector and ERR once each; per-descriptor errors signal neither. */
Test(adisim_engine, halt_signals_msi_and_err_once)
{
	struct efx e;
	int msi = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int err = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	cr_assert_geq(msi, 0);
	cr_assert_geq(err, 0);
	efx_init(&e);
	e.a->msi_eventfd = dup(msi);
	e.a->err_eventfd = dup(err);
	cr_assert_eq(submit(&e, (struct adisim_desc){ .opcode = 77 })->status,
		     ADISIM_COMP_BAD_OPCODE);
	cr_assert_eq(efd_count(msi), 0, "a failed descriptor is not an engine error");
	reg_wr(e.a, ADISIM_REG_RING_TAIL, 8);			/* >= RING_SIZE */
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_ERROR), ADISIM_ERR_BAD_TAIL);
	cr_assert_eq(efd_count(msi), 1);
	cr_assert_eq(efd_count(err), 1);
	adisim_engine__run(e.a);				/* already halted: no second MSI */
	cr_assert_eq(efd_count(msi), 0);
	close(e.a->msi_eventfd);
	close(e.a->err_eventfd);
	close(msi);
	close(err);
	efx_fini(&e);
}

Test(adisim_engine, no_dma_without_bus_master)
{
	struct efx e;
	u16 cmd = 0;
	u8 b;

	efx_init(&e);
	cr_assert_eq(adisim_config__access(e.a, PCI_COMMAND, &cmd, 2, true), 0);
	cr_assert_eq(adisim_dma__read(e.a, IOVA, &b, 1), -EPERM);
	reg_wr(e.a, ADISIM_REG_RING_TAIL, 1);
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_ERROR), ADISIM_ERR_NO_BUS_MASTER);
	efx_fini(&e);
}

Test(adisim_engine, delayed_interrupt)
{
	struct adisim_completion *c;
	struct efx e;
	int efd, i;

	efx_init(&e);
	efd = tfx_bind(&e.t, 0, 3);
	ims_set(e.a, 1, ADISIM_MSI_REMAP_ADDR(3), 0, 0, 0);
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_INTR, .ims_index = 1,
		   .delay_us = 1000, .cookie = 5 });
	cr_assert_eq(c->status, ADISIM_COMP_PENDING, "completed before its delay");
	cr_assert_eq(e.a->ndelayed, 1);
	cr_assert_eq(efd_count(efd), 0);
	for (i = 0; i < 1000 && e.a->ndelayed; i++) {
		usleep(1000);
		adisim_engine__delay_expired(e.a);
	}
	cr_assert_eq(c->status, ADISIM_COMP_SUCCESS);
	cr_assert_eq(c->cookie, 5);
	cr_assert_eq(efd_count(efd), 1);
	/* Immediate INTR and the in-flight limit. */
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_INTR, .ims_index = 1 });
	cr_assert_eq(c->status, ADISIM_COMP_SUCCESS);
	cr_assert_eq(efd_count(efd), 1);
	e.a->ndelayed = ADISIM_MAX_DELAYED;
	c = submit(&e, (struct adisim_desc){ .opcode = ADISIM_OP_INTR, .ims_index = 1,
		   .delay_us = 5 });
	cr_assert_eq(c->status, ADISIM_COMP_BUSY);
	e.a->ndelayed = 0;
	close(efd);
	efx_fini(&e);
}

Test(adisim_dma, map_rules)
{
	u32 rw = VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE;
	struct efx e;

	efx_init(&e);
	cr_assert_eq(adisim_dma__map(e.a, IOVA + SIZE - 4096, 8192, rw, -1, 0), -EEXIST);
	cr_assert_eq(adisim_dma__map(e.a, 0, 0, rw, -1, 0), -EINVAL);
	cr_assert_eq(adisim_dma__map(e.a, ~0ull - 10, 4096, rw, -1, 0), -EINVAL, "wraps");
	cr_assert_eq(adisim_dma__map(e.a, 0, 4096, 0, -1, 0), -EINVAL, "no access");
	cr_assert_eq(adisim_dma__map(e.a, 0, 4096, 0x100 | rw, -1, 0), -EINVAL);
	cr_assert_eq(adisim_dma__map(e.a, 1ull << 40, SIZE + 4096, rw, e.memfd, 0), -EINVAL,
		     "beyond the end of the file");
	cr_assert_eq(adisim_dma__map(e.a, 1ull << 40, 4096, VFIO_USER_F_DMA_REGION_READ,
				     e.memfd, 4096), 0);
	cr_assert_eq(adisim_dma__write(e.a, 1ull << 40, "x", 1), -EFAULT, "read-only map");
	cr_assert_eq(adisim_dma__unmap(e.a, 1ull << 40, 4095, 0), -ENOENT);
	cr_assert_eq(adisim_dma__unmap(e.a, 1ull << 40, 4096, 0), 0);
	cr_assert_eq(adisim_dma__unmap(e.a, 1, 1, VFIO_USER_F_DMA_UNMAP_ALL), -EINVAL);
	cr_assert_eq(adisim_dma__unmap(e.a, 0, 0, VFIO_USER_F_DMA_UNMAP_ALL), 0);
	cr_assert_eq(e.a->nmaps, 0);
	efx_fini(&e);
}

Test(adisim_dma, access_spans_adjacent_maps)
{
	u32 rw = VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE;
	u8 buf[8192];
	struct efx e;

	efx_init(&e);
	/* A second map right after the first, backed by the same file further on. */
	cr_assert_eq(adisim_dma__map(e.a, IOVA + SIZE, 4096, rw, e.memfd, 0), 0);
	memset(buf, 0xab, sizeof(buf));
	cr_assert_eq(adisim_dma__write(e.a, IOVA + SIZE - 4096, buf, 8192), 0);
	cr_assert_eq(e.mem[SIZE - 1], 0xab);
	cr_assert_eq(e.mem[0], 0xab, "second map aliases offset 0");
	efx_fini(&e);
}

Test(adisim_dma, truncated_file_is_a_fault_not_a_crash)
{
	u8 buf[4096];
	struct efx e;

	efx_init(&e);
	/* The client shrinks the file behind our mapping: SIGBUS becomes -EFAULT. */
	cr_assert_eq(ftruncate(e.memfd, 4096), 0);
	cr_assert_eq(adisim_dma__read(e.a, IOVA + 2 * 4096, buf, sizeof(buf)), -EFAULT);
	cr_assert_eq(e.a->cnt[ADISIM_CNT_FAULTS], 1);
	cr_assert_eq(adisim_dma__read(e.a, IOVA, buf, 16), 0, "the rest still works");
	efx_fini(&e);
}

Test(adisim_engine, yields_after_a_slice)
{
	struct adisim_desc *ring;
	struct efx e;
	u64 v = 0;
	int i;

	efx_init(&e);
	reg_wr(e.a, ADISIM_REG_RING_SIZE, 64);
	ring = (void *)(e.mem + RING);
	for (i = 0; i < 40; i++)
		ring[i] = (struct adisim_desc){ .opcode = ADISIM_OP_NOP };
	e.a->kick_fd = eventfd(0, EFD_NONBLOCK);
	reg_wr(e.a, ADISIM_REG_RING_TAIL, 40);
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_RING_HEAD), 32, "one slice is 32 descriptors");
	cr_assert_eq(read(e.a->kick_fd, &v, 8), 8, "no kick to resume");
	adisim_engine__run(e.a);
	cr_assert_eq(reg_rd(e.a, ADISIM_REG_RING_HEAD), 40);
	cr_assert_eq(e.a->cnt[ADISIM_CNT_DESC_DONE], 40);
	close(e.a->kick_fd);
	efx_fini(&e);
}
