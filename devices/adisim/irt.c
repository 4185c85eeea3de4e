/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform's interrupt remapping table, as this simulator emulates it:
 * one table per process, shared by its ADIs. The host side (imsvm) binds a
 * handle to one ADI with VFIO_USER_DEVICE_SET_IRQS on ADISIM_IRQ_INDEX_IMS
 * (start = handle, one eventfd per handle); a message naming a handle that
 * is unbound or bound to another ADI is a remapping fault: blocked, counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

struct adisim_irt *adisim_irt__new(void)
{
	struct adisim_irt *irt = malloc(sizeof(*irt));
	u32 i;

	if (!irt)
		return NULL;
	for (i = 0; i < ADISIM_IRT_SIZE; i++)
		irt->h[i] = (struct adisim_handle){ .eventfd = -1, .owner = -1 };
	irt->hw = 0;
	irt->keep_stale = false;
	irt->nstale = 0;
	irt->stale_signals = 0;
	return irt;
}

/* Drop an eventfd the host side unbound (or, hostile, keep it). */
static void drop_eventfd(struct adisim_irt *irt, int fd)
{
	if (fd < 0)
		return;
	if (irt->keep_stale && irt->nstale < ADISIM_MAX_STALE) {
		irt->stale[irt->nstale++] = fd;
		return;
	}
	close(fd);
}

static void unbind(struct adisim_irt *irt, struct adisim_handle *h)
{
	drop_eventfd(irt, h->eventfd);
	*h = (struct adisim_handle){ .eventfd = -1, .owner = -1 };
}

void adisim_irt__fire_stale(struct adisim_irt *irt)
{
	u64 one = 1;

	for (u32 i = 0; i < irt->nstale; i++)
		if (write(irt->stale[i], &one, sizeof(one)) == sizeof(one))
			irt->stale_signals++;
}

void adisim_irt__free(struct adisim_irt *irt)
{
	u32 i;

	if (!irt)
		return;
	for (i = 0; i < irt->hw; i++)
		unbind(irt, &irt->h[i]);
	for (i = 0; i < irt->nstale; i++)
		close(irt->stale[i]);
	free(irt);
}

void adisim_irt__release_owner(struct adisim_irt *irt, int owner)
{
	u32 i;

	/* Below the high-water mark only: a session's end need not scan 65536 handles. */
	for (i = 0; i < irt->hw; i++)
		if (irt->h[i].owner == owner)
			unbind(irt, &irt->h[i]);
}

static void fire(struct adisim_adi *adi, struct adisim_handle *h)
{
	u64 one = 1;

	/* EAGAIN only when the counter would overflow: the interrupt is pending anyway. */
	if (write(h->eventfd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
		pr_warn_ratelimited("adi%u: eventfd write failed: %m", adi->id);
	adi->cnt[ADISIM_CNT_DELIVERED]++;
}

enum adisim_irq_result adisim_irt__signal(struct adisim_adi *adi, u32 handle)
{
	struct adisim_handle *h;

	if (handle >= ADISIM_IRT_SIZE) {
		adi->cnt[ADISIM_CNT_BLOCKED]++;
		return IRQ_BLOCKED;
	}
	h = &adi->sim->irt->h[handle];
	if (h->owner != (int)adi->id || h->eventfd < 0) {
		adi->cnt[ADISIM_CNT_BLOCKED]++;
		pr_debug("adi%u: handle %u %s: remapping fault", adi->id, handle,
			 h->owner < 0 ? "unbound" : "bound to another ADI");
		return IRQ_BLOCKED;
	}
	if (h->masked) {
		h->pending = true;
		adi->cnt[ADISIM_CNT_MASKED_PENDING]++;
		return IRQ_MASKED;
	}
	fire(adi, h);
	return IRQ_DELIVERED;
}

/* Is handle i selected by a DATA_NONE (all) or DATA_BOOL (data[i] != 0) request? */
static bool selected(u32 type, const u8 *data, u32 i)
{
	return type == VFIO_IRQ_SET_DATA_NONE || data[i];
}

static int bind_eventfds(struct adisim_adi *adi, u32 start, u32 count, struct vfu_msg *m)
{
	struct adisim_irt *irt = adi->sim->irt;
	u32 i;

	for (i = 0; i < count; i++) {
		int owner = irt->h[start + i].owner;

		if (owner >= 0 && owner != (int)adi->id)
			return -EBUSY;		/* another ADI's handle */
	}
	for (i = 0; i < count; i++) {
		struct adisim_handle *h = &irt->h[start + i];
		int fd = m ? vfu_msg__take_fd(m, i) : -1;

		if (fd < 0) {
			/* No fds: de-assign the range (only what is ours). */
			if (h->owner == (int)adi->id)
				unbind(irt, h);
			continue;
		}
		irt->hw = MAX(irt->hw, start + i + 1);
		if (h->eventfd >= 0)
			drop_eventfd(irt, h->eventfd);	/* re-bind keeps mask state */
		else
			*h = (struct adisim_handle){ .owner = (int)adi->id };
		h->eventfd = fd;
		h->owner = (int)adi->id;
		adi->handle_binds++;
	}
	return 0;
}

u32 adisim_irt__bound(const struct adisim_adi *adi)
{
	const struct adisim_irt *irt = adi->sim->irt;
	u32 n = 0;

	for (u32 i = 0; i < irt->hw; i++)
		n += irt->h[i].owner == (int)adi->id && irt->h[i].eventfd >= 0;
	return n;
}

int adisim_irt__set_irqs(struct adisim_adi *adi, u32 flags, u32 start, u32 count,
			 const u8 *data, size_t data_len, struct vfu_msg *m)
{
	struct adisim_irt *irt = adi->sim->irt;
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	unsigned int nfds = m ? m->nfds : 0;
	u32 i;

	if (flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;
	if (__builtin_popcount(type) != 1 || __builtin_popcount(action) != 1)
		return -EINVAL;
	if (start >= ADISIM_IRT_SIZE || count > ADISIM_IRT_SIZE - start)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_BOOL && data_len < count)
		return -EINVAL;
	if (type != VFIO_IRQ_SET_DATA_EVENTFD && nfds)
		return -EINVAL;		/* fds only make sense with DATA_EVENTFD */

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (count == 0) {
			/* vfio: count 0 with DATA_NONE (or no eventfds) disables the index. */
			if (type == VFIO_IRQ_SET_DATA_BOOL || nfds)
				return -EINVAL;
			adisim_irt__release_owner(irt, (int)adi->id);
			return 0;
		}
		if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
			if (nfds != 0 && nfds != count)
				return -EINVAL;
			return bind_eventfds(adi, start, count, nfds ? m : NULL);
		}
		for (i = 0; i < count; i++)
			if (selected(type, data, i) && irt->h[start + i].owner != (int)adi->id)
				return -EINVAL;
		for (i = 0; i < count; i++)
			if (selected(type, data, i)) {
				adi->cnt[ADISIM_CNT_RAISED]++;
				(void)adisim_irt__signal(adi, start + i);
			}
		return 0;
	}

	/* ACTION_MASK / ACTION_UNMASK */
	if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;		/* unmask-by-eventfd is for INTx only */
	for (i = 0; i < count; i++)
		if (selected(type, data, i) && irt->h[start + i].owner != (int)adi->id)
			return -EINVAL;
	for (i = 0; i < count; i++) {
		struct adisim_handle *h = &irt->h[start + i];

		if (!selected(type, data, i))
			continue;
		if (action == VFIO_IRQ_SET_ACTION_MASK) {
			h->masked = true;
			continue;
		}
		h->masked = false;
		if (h->pending && h->eventfd >= 0) {
			h->pending = false;
			fire(adi, h);
		}
	}
	return 0;
}
