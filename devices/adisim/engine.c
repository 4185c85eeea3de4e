/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The descriptor engine: a ring of 64-byte descriptors in DMA memory,
 * consumed from RING_HEAD up to the doorbell value RING_TAIL; delayed
 * interrupts for INTR descriptors; and storm mode (a fixed-rate interrupt
 * source for delivery benchmarks).
 *
 * The doorbell only marks work: the session runs the engine after it has
 * replied to the REGION_WRITE, so DMA_READ/DMA_WRITE messages never
 * overtake the reply the client is waiting for.
 */
#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

#define BOUNCE_SIZE	(64 * 1024)
#define STORM_BURST_MAX	100000	/* expirations handled per wake-up */
/*
 * One engine run does at most this much before it yields to the event
 * loop (and so to the other ADIs of the process), resuming on its kick.
 */
#define SLICE_DESCS	32
#define SLICE_BYTES	(8u << 20)

u64 adisim__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void signal_fd(struct adisim_adi *adi, int fd, const char *what)
{
	u64 one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) != sizeof(one))
		pr_warn_ratelimited("adi%u: %s eventfd write failed", adi->id, what);
}

static void halt(struct adisim_adi *adi, u32 err)
{
	adi->error = err;
	adi->status |= ADISIM_STATUS_HALTED;
	adi->cnt[ADISIM_CNT_FAULTS]++;
	pr_warn_ratelimited("adi%u: descriptor engine halted, error %u", adi->id, err);
	/*
	 * The ERR IRQ index tells the host side without it polling STATUS; the
	 * MSI vector tells the driver (a guest, through the VMM's MSI routing).
	 */
	signal_fd(adi, adi->err_eventfd, "ERR");
	signal_fd(adi, adi->msi_eventfd, "MSI");
}

static void finish(struct adisim_adi *adi, u8 flags, u16 ims_index, bool intr,
		   u64 completion, u64 cookie, u32 status, u32 bytes)
{
	adi->cnt[status == ADISIM_COMP_SUCCESS ? ADISIM_CNT_DESC_DONE
					       : ADISIM_CNT_DESC_ERRORS]++;
	if (flags & ADISIM_DESC_F_COMPLETION) {
		struct adisim_completion c = { .status = status, .bytes = bytes, .cookie = cookie };

		/* A failed write is counted as a fault by dma.c; nothing else to do. */
		(void)!adisim_dma__write(adi, completion, &c, sizeof(c));
	}
	if ((intr || (flags & ADISIM_DESC_F_INTERRUPT)) && ims_index < adi->ims_entries)
		adisim_ims__raise(adi, ims_index);
}

static u32 do_copy(struct adisim_adi *adi, const struct adisim_desc *d, u32 *bytes)
{
	static u8 bounce[BOUNCE_SIZE];
	u32 done = 0;

	while (done < d->len) {
		u32 n = MIN(d->len - done, (u32)BOUNCE_SIZE);

		if (adisim_dma__read(adi, d->src + done, bounce, n))
			return *bytes = done, ADISIM_COMP_READ_FAULT;
		if (adisim_dma__write(adi, d->dst + done, bounce, n))
			return *bytes = done, ADISIM_COMP_WRITE_FAULT;
		done += n;
	}
	*bytes = done;
	return ADISIM_COMP_SUCCESS;
}

static u32 do_fill(struct adisim_adi *adi, const struct adisim_desc *d, u32 *bytes)
{
	static u8 pattern[BOUNCE_SIZE];
	u32 done = 0, i;

	for (i = 0; i < BOUNCE_SIZE; i += 8)
		memcpy(pattern + i, &d->pattern, 8);
	while (done < d->len) {
		u32 n = MIN(d->len - done, (u32)BOUNCE_SIZE);

		/* Chunks are multiples of 8: the pattern stays aligned to dst. */
		if (adisim_dma__write(adi, d->dst + done, pattern, n))
			return *bytes = done, ADISIM_COMP_WRITE_FAULT;
		done += n;
	}
	*bytes = done;
	return ADISIM_COMP_SUCCESS;
}

static void arm_delay_timer(struct adisim_adi *adi)
{
	struct itimerspec its = { 0 };

	if (adi->delay_tfd < 0)
		return;
	if (adi->ndelayed) {
		u64 t = adi->delayed[0].deadline_ns;

		its.it_value.tv_sec = (time_t)(t / 1000000000ull);
		its.it_value.tv_nsec = (long)(t % 1000000000ull);
	}
	if (timerfd_settime(adi->delay_tfd, TFD_TIMER_ABSTIME, &its, NULL))
		pr_warn("adi%u: cannot arm the delay timer: %m", adi->id);
}

static u32 queue_delayed(struct adisim_adi *adi, const struct adisim_desc *d)
{
	struct adisim_delayed e;
	unsigned int i;

	if (adi->ndelayed == ADISIM_MAX_DELAYED)
		return ADISIM_COMP_BUSY;
	e = (struct adisim_delayed){
		.deadline_ns = adisim__now_ns() + (u64)d->delay_us * 1000,
		.ims_index = d->ims_index, .flags = d->flags,
		.completion = d->completion, .cookie = d->cookie,
	};
	/* Keep the list sorted by deadline; it is at most 64 long. */
	for (i = adi->ndelayed; i > 0 && adi->delayed[i - 1].deadline_ns > e.deadline_ns; i--)
		adi->delayed[i] = adi->delayed[i - 1];
	adi->delayed[i] = e;
	adi->ndelayed++;
	if (i == 0)
		arm_delay_timer(adi);
	return ADISIM_COMP_SUCCESS;
}

static void execute(struct adisim_adi *adi, const struct adisim_desc *d)
{
	bool wants_irq = d->opcode == ADISIM_OP_INTR || (d->flags & ADISIM_DESC_F_INTERRUPT);
	u32 status, bytes = 0;

	if (wants_irq && d->ims_index >= adi->ims_entries) {
		status = ADISIM_COMP_BAD_IMS_INDEX;
		goto out;
	}
	switch (d->opcode) {
	case ADISIM_OP_NOP:
		status = ADISIM_COMP_SUCCESS;
		break;
	case ADISIM_OP_COPY:
	case ADISIM_OP_FILL:
		if (d->len == 0 || d->len > ADISIM_DESC_MAX_LEN) {
			status = ADISIM_COMP_BAD_LENGTH;
			break;
		}
		status = d->opcode == ADISIM_OP_COPY ? do_copy(adi, d, &bytes)
						     : do_fill(adi, d, &bytes);
		break;
	case ADISIM_OP_INTR:
		if (d->delay_us > ADISIM_DESC_MAX_DELAY_US) {
			status = ADISIM_COMP_BAD_LENGTH;
			break;
		}
		if (d->delay_us == 0) {
			status = ADISIM_COMP_SUCCESS;
			break;
		}
		status = queue_delayed(adi, d);
		if (status == ADISIM_COMP_SUCCESS)
			return;		/* completes when the timer fires */
		break;
	default:
		status = ADISIM_COMP_BAD_OPCODE;
		break;
	}
out:
	/* Failed descriptors still complete, and interrupt if asked, so a driver is not left waiting. */
	finish(adi, d->flags, d->ims_index, d->opcode == ADISIM_OP_INTR && status == ADISIM_COMP_SUCCESS,
	       d->completion, d->cookie, status, bytes);
}

void adisim_engine__doorbell(struct adisim_adi *adi)
{
	if (adi->sim->opts.die_on_doorbell) {
		pr_err("adi%u: doorbell: dying as asked (--die-on-doorbell)", adi->id);
		_exit(1);
	}
	adi->doorbell_pending = true;
}

void adisim_engine__run(struct adisim_adi *adi)
{
	u64 bytes = 0;
	u32 n = 0;

	adi->doorbell_pending = false;
	if (!(adi->ctrl & ADISIM_CTRL_ENABLE)) {
		adi->error = ADISIM_ERR_DISABLED;
		adi->cnt[ADISIM_CNT_FAULTS]++;
		return;
	}
	if (adi->status & ADISIM_STATUS_HALTED)
		return;
	if (!adisim_config__bus_master(adi))
		return halt(adi, ADISIM_ERR_NO_BUS_MASTER);
	if (adi->ring_size == 0 || adi->ring_size > ADISIM_RING_MAX ||
	    (adi->ring_size & (adi->ring_size - 1)) || adi->ring_base % ADISIM_DESC_SIZE)
		return halt(adi, ADISIM_ERR_BAD_RING);
	if (adi->tail >= adi->ring_size)
		return halt(adi, ADISIM_ERR_BAD_TAIL);
	while (adi->head != adi->tail && n++ < adi->ring_size) {
		struct adisim_desc d;

		if (adi->kick_fd >= 0 && (n > SLICE_DESCS || bytes >= SLICE_BYTES)) {
			u64 one = 1;

			/* Yield; the kick brings us back after the other event sources. */
			if (write(adi->kick_fd, &one, sizeof(one)) == sizeof(one))
				return;
		}
		if (adisim_dma__read(adi, adi->ring_base + (u64)adi->head * ADISIM_DESC_SIZE,
				     &d, sizeof(d)))
			return halt(adi, ADISIM_ERR_RING_FAULT);
		execute(adi, &d);
		bytes += d.len;
		adi->head = (adi->head + 1) & (adi->ring_size - 1);
		if (adi->conn_broken)
			break;		/* the client went away mid-ring */
	}
}

void adisim_engine__kicked(struct adisim_adi *adi)
{
	u64 v;

	if (read(adi->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_warn("adi%u: kick read: %m", adi->id);
	/* A reset or a new session since the kick: nothing to resume. */
	if (adi->conn_fd >= 0 && (adi->ctrl & ADISIM_CTRL_ENABLE) &&
	    !(adi->status & ADISIM_STATUS_HALTED) && adi->head != adi->tail)
		adi->doorbell_pending = true;
}

void adisim_engine__delay_expired(struct adisim_adi *adi)
{
	u64 now = adisim__now_ns(), exp;

	if (adi->delay_tfd >= 0 && read(adi->delay_tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		pr_warn("adi%u: delay timer read: %m", adi->id);
	while (adi->ndelayed && adi->delayed[0].deadline_ns <= now) {
		struct adisim_delayed e = adi->delayed[0];

		memmove(&adi->delayed[0], &adi->delayed[1],
			(adi->ndelayed - 1) * sizeof(adi->delayed[0]));
		adi->ndelayed--;
		finish(adi, e.flags, e.ims_index, true, e.completion, e.cookie,
		       ADISIM_COMP_SUCCESS, 0);
	}
	arm_delay_timer(adi);
}

int adisim_engine__set_storm(struct adisim_adi *adi, u32 ims, u32 hz)
{
	struct itimerspec its = { 0 };

	if (hz > ADISIM_STORM_MAX_HZ || (hz && ims >= adi->ims_entries))
		return -EINVAL;
	adi->storm_ims = ims;
	adi->storm_hz = hz;
	if (adi->storm_tfd < 0)
		return 0;
	if (hz) {
		long ns = (long)(1000000000ull / hz);

		its.it_interval.tv_sec = ns / 1000000000;
		its.it_interval.tv_nsec = ns % 1000000000;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(adi->storm_tfd, 0, &its, NULL))
		return -errno;
	return 0;
}

void adisim_engine__storm_tick(struct adisim_adi *adi)
{
	u64 exp = 0, i;

	if (read(adi->storm_tfd, &exp, sizeof(exp)) != sizeof(exp))
		return;
	if (!adi->storm_hz)
		return;
	/* After a stall, catch up but boundedly: the rate is a target, not a debt. */
	exp = MIN(exp, (u64)STORM_BURST_MAX);
	for (i = 0; i < exp; i++)
		adisim_ims__raise(adi, adi->storm_ims);
}

void adisim_engine__reset(struct adisim_adi *adi)
{
	adi->ndelayed = 0;
	arm_delay_timer(adi);
	(void)!adisim_engine__set_storm(adi, 0, 0);
	adisim_bar0__reset(adi);
	adi->doorbell_pending = false;
}
