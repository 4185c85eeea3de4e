/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Measurements, not tests: storm-mode delivery rate (eventfd signals seen
 * by the client per second) and descriptor-engine copy throughput with DMA
 * through a mapped memfd versus DMA_READ/DMA_WRITE messages. Nothing here
 * asserts a time.
 */
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
	uint64_t seen = 0, raised0, raised1;
	double t0, t1;

	raised0 = tc_counter(&f->c, ADISIM_CNT_RAISED);
	if (tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_STORM_IMS, 1) ||
	    tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_STORM_HZ, hz))
		return -1;
	t0 = now_s();
	while ((t1 = now_s()) - t0 < 1.0)
		seen += tc_wait_eventfd(NULL, efd, 1) ? 1 : 0;
	if (tc_wr32(&f->c, ADISIM_BAR_REGS, ADISIM_REG_STORM_HZ, 0))
		return -1;
	raised1 = tc_counter(&f->c, ADISIM_CNT_RAISED);
	printf("storm %7u Hz: device raised %9.0f/s, client wake-ups %8.0f/s\n", hz,
	       (double)(raised1 - raised0) / (t1 - t0), (double)seen / (t1 - t0));
	return 0;
}

static int copy_rate(struct fx *f, uint64_t src, uint64_t dst, const char *what)
{
	struct adisim_desc d = { .opcode = ADISIM_OP_COPY, .len = 1u << 20, .src = src, .dst = dst };
	double t0, t1;
	int i, n = 0;

	t0 = now_s();
	for (i = 0; i < 64 && now_s() - t0 < 3.0; i++, n++)
		if (fx_wait(f, fx_submit(f, &d), 10000) != ADISIM_COMP_SUCCESS)
			return -1;
	t1 = now_s();
	printf("copy 1 MiB x %d via %-22s %8.1f MB/s\n", n, what,
	       (double)n * (1u << 20) / (t1 - t0) / 1e6);
	return 0;
}

int bench_run(const char *sock, const char *storm_sock)
{
	static const uint32_t rates[] = { 1000, 10000, 100000, 1000000 };
	struct fx f;
	unsigned int i;
	int e;

	(void)storm_sock;
	if (fx_open(&f, sock, false, true) || fx_bind(&f, 1, &e)) {
		fprintf(stderr, "bench: setup failed\n");
		return -1;
	}
	fx_ims_set(&f, 1, ADISIM_MSI_REMAP_ADDR(1), 0, false);
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (storm(&f, e, rates[i]))
			return -1;
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
