/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Measurements, not tests: storm-mode delivery rate (eventfd signals seen
 * by the client per second) and descriptor-engine copy throughput with DMA
 * through a mapped memfd versus DMA_READ/DMA_WRITE messages. Nothing here
 * asserts a time.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/adisim/cases.h"
#include "tests/adisim/fixture.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int storm(struct fx *f, int efd, uint32_t hz)
{
	uint64_t signals = 0, wakeups = 0, raised0, raised1, dlv0, dlv1;
	double t0, t1;

	raised0 = tc_counter(&f->c, ADISIM_CNT_RAISED);
	dlv0 = tc_counter(&f->c, ADISIM_CNT_DELIVERED);
	if (tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_STORM_IMS, 1) ||
	    tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_STORM_HZ, hz))
		return -1;
	t0 = now_s();
	while ((t1 = now_s()) - t0 < 1.0) {
		struct pollfd p = { .fd = efd, .events = POLLIN };
		uint64_t v;

		if (poll(&p, 1, 10) == 1 && read(efd, &v, sizeof(v)) == sizeof(v)) {
			signals += v;
			wakeups++;
		}
	}
	if (tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_STORM_HZ, 0))
		return -1;
	raised1 = tc_counter(&f->c, ADISIM_CNT_RAISED);
	dlv1 = tc_counter(&f->c, ADISIM_CNT_DELIVERED);
	tc_poll_eventfd(efd);
	printf("| storm %7u Hz | %9.0f | %9.0f | %9.0f | %8.0f |\n", hz,
	       (double)(raised1 - raised0) / (t1 - t0), (double)(dlv1 - dlv0) / (t1 - t0),
	       (double)signals / (t1 - t0), (double)wakeups / (t1 - t0));
	return 0;
}

/* BATCH 1 MiB copies behind one doorbell, timed to the last completion. */
static int copy_rate(struct fx *f, uint64_t src, uint64_t dst, const char *what)
{
	enum { BATCH = 16, LEN = 1u << 20 };
	struct adisim_desc d = { .opcode = ADISIM_OP_COPY, .len = LEN, .src = src, .dst = dst };
	volatile struct adisim_completion *c[BATCH];
	struct adisim_desc *ring = (void *)(f->mem + RING_OFF);
	double t0, t1;
	int i;

	t0 = now_s();
	for (i = 0; i < BATCH; i++) {
		uint32_t slot = (f->tail + i) % RING_ENTRIES;

		c[i] = (void *)(f->mem + COMP_OFF + slot * ADISIM_COMPLETION_SIZE);
		c[i]->status = ADISIM_COMP_PENDING;
		d.completion = IOVA_BASE + COMP_OFF + slot * ADISIM_COMPLETION_SIZE;
		d.flags = ADISIM_DESC_F_COMPLETION;
		ring[slot] = d;
	}
	f->tail = (f->tail + BATCH) % RING_ENTRIES;
	if (tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_RING_TAIL, f->tail))
		return -1;
	for (i = 0; i < BATCH; i++)
		if (fx_wait(f, c[i], 20000) != ADISIM_COMP_SUCCESS)
			return -1;
	t1 = now_s();
	printf("| copy via %-24s | %8.0f MB/s |\n", what, (double)BATCH * LEN / (t1 - t0) / 1e6);
	return 0;
}

int bench_run(const char *sock)
{
	static const uint32_t rates[] = { 1000, 10000, 100000, 1000000 };
	struct fx f;
	unsigned int i;
	int e;

	if (fx_open(&f, sock, false, true) || fx_bind(&f, 1, &e)) {
		fprintf(stderr, "bench: setup failed\n");
		return -1;
	}
	fx_ims_set(&f, 1, ADISIM_MSI_REMAP_ADDR(1), 0, false);
	printf("| storm rate       | raised/s  | delivered/s | signals seen/s | wake-ups/s |\n");
	printf("|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (storm(&f, e, rates[i]))
			return -1;
	printf("\n| DMA path (16 x 1 MiB copies, one doorbell) | throughput |\n|---|---|\n");
	if (copy_rate(&f, IOVA_BASE + SRC_OFF, IOVA_BASE + DST_OFF, "mapped memfd") ||
	    copy_rate(&f, IOVA_BASE + SRC_OFF, MSG_IOVA, "DMA_WRITE messages") ||
	    copy_rate(&f, MSG_IOVA, IOVA_BASE + DST_OFF, "DMA_READ messages"))
		return -1;
	close(e);
	fx_close(&f);
	fx_open(&f, sock, true, true);
	if (copy_rate(&f, MSG_IOVA, IOVA_BASE + DST_OFF, "DMA_READ, twin socket"))
		return -1;
	fx_close(&f);
	return 0;
}
