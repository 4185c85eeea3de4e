/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test-client cases: DMA paths, malformed input, fault injection.
 * Each returns 0 (pass), -1 (fail, reason in fail_msg) or 77 (skipped).
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


static int expect_err(struct tclient *c, const void *buf, size_t len, int want, const char *what)
{
	int ret = tc_raw(c, buf, len, NULL);

	if (ret != -want) {
		snprintf(fail_msg, sizeof(fail_msg), "%s: got %d, want %d", what, ret, -want);
		return -1;
	}
	return 0;
}

int t_malformed(void)
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

int t_dma_fault(void)
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

int t_dma_messages(void)
{
	return dma_msg_copy(false);
}

int t_twin_socket(void)
{
	return dma_msg_copy(true);
}

/*
 * A delayed INTR whose completion record lives in memory reached by DMA
 * messages: the timer's DMA_WRITE is in flight when our next command
 * arrives, so the server must queue the command and still answer it.
 */
int t_deferred_command(void)
{
	struct adisim_desc *ring;
	struct adisim_completion *comp;
	uint32_t id = 0, slot;
	struct fx f;
	int ret;

	CHECK(fx_open(&f, sock0, false, true) == 0, "setup failed");
	ring = (void *)(f.mem + RING_OFF);
	slot = f.tail;
	comp = (void *)(f.msgmem + 0x1000);
	comp->status = ADISIM_COMP_PENDING;
	ring[slot] = (struct adisim_desc){ .opcode = ADISIM_OP_INTR, .ims_index = 0,
		.delay_us = 20000, .flags = ADISIM_DESC_F_COMPLETION,
		.completion = MSG_IOVA + 0x1000, .cookie = 99 };
	f.tail = (f.tail + 1) % RING_ENTRIES;
	CHECK(tc_wr32(&f.c, BAR0, ADISIM_REG_RING_TAIL, f.tail) == 0, "doorbell");
	/* Let the timer fire and its DMA_WRITE wait for us, then send a command. */
	usleep(60000);
	ret = tc_region_read(&f.c, BAR0, ADISIM_REG_ID, &id, 4);
	CHECK(ret == 0 && id == ADISIM_ID_VALUE, "command during the timer's DMA: %d", ret);
	CHECK(fx_wait(&f, (volatile void *)comp, 5000) == ADISIM_COMP_SUCCESS && comp->cookie == 99,
	      "completion record not written through DMA_WRITE");
	CHECK(f.c.dma_requests >= 1, "no DMA_WRITE seen");
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
int t_fuzz(void)
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

int x_die_on_doorbell(void)
{
	struct fx f;
	int ret;

	CHECK(fx_open(&f, sock0, false, false) == 0, "setup failed");
	ret = tc_wr32(&f.c, BAR0, ADISIM_REG_RING_TAIL, 1);
	fx_close(&f);
	CHECK(ret == -ECONNRESET || ret == -EPIPE, "doorbell answered (%d), device should die", ret);
	return 0;
}

/*
 * --fail-after N: VERSION and the GET_INFO requests up to message N are
 * answered, message N + 1 gets @want (@what names it).
 */
static int fails_after(unsigned int n, int want, const char *what)
{
	struct vfio_device_info in = { .argsz = 16 };
	struct tclient c;
	int ret;

	CHECK(tc_connect(&c, sock0) == 0 && tc_version(&c, false, 4096) == 0, "VERSION (1)");
	for (unsigned int i = 2; i <= n; i++)
		CHECK(tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0,
				 NULL) == 0, "message %u failed", i);
	ret = tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL);
	tc_close(&c);
	CHECK(ret == want, "message %u: got %d, want %s", n + 1, ret, what);
	return 0;
}

int x_fail_after_3_error(void)
{
	return fails_after(3, -EIO, "-EIO");
}

int x_fail_after_2_die(void)
{
	return fails_after(2, -ECONNRESET, "the connection to die");
}

int x_storm_option(void)
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
