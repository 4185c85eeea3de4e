/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BAR0: the ADI's registers (regs.h). Accesses are 4 bytes, or 8 bytes on
 * the 64-bit counter block, naturally aligned; anything else is refused so
 * a client bug shows up as an error rather than a silent partial write.
 */
#include <errno.h>
#include <string.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

static u32 caps(void)
{
	return ADISIM_CAP_COPY | ADISIM_CAP_FILL | ADISIM_CAP_INTR | ADISIM_CAP_STORM;
}

void adisim_bar0__reset(struct adisim_adi *adi)
{
	adi->ctrl = 0;
	adi->status = 0;
	adi->error = ADISIM_ERR_NONE;
	adi->ring_base = 0;
	adi->ring_size = 0;
	adi->head = 0;
	adi->tail = 0;
	adi->storm_ims = 0;
	adi->storm_hz = 0;
}

static u32 read32(struct adisim_adi *adi, u64 off)
{
	if (off >= ADISIM_REG_CNT_BASE && off < ADISIM_REG_CNT(ADISIM_CNT_NUM)) {
		u64 v = adi->cnt[(off - ADISIM_REG_CNT_BASE) / 8];

		return (off & 4) ? (u32)(v >> 32) : (u32)v;
	}
	switch (off) {
	case ADISIM_REG_ID:		return ADISIM_ID_VALUE;
	case ADISIM_REG_VERSION:	return ADISIM_VERSION_VALUE;
	case ADISIM_REG_CAPS:		return caps();
	case ADISIM_REG_IMS_ENTRIES:	return adi->ims_entries;
	case ADISIM_REG_CTRL:		return adi->ctrl;
	case ADISIM_REG_STATUS:
		return adi->status | ((adi->ctrl & ADISIM_CTRL_ENABLE) ? ADISIM_STATUS_ENABLED : 0);
	case ADISIM_REG_ERROR:		return adi->error;
	case ADISIM_REG_ADI_ID:		return adi->id;
	case ADISIM_REG_RING_BASE_LO:	return (u32)adi->ring_base;
	case ADISIM_REG_RING_BASE_HI:	return (u32)(adi->ring_base >> 32);
	case ADISIM_REG_RING_SIZE:	return adi->ring_size;
	case ADISIM_REG_RING_HEAD:	return adi->head;
	case ADISIM_REG_RING_TAIL:	return adi->tail;
	case ADISIM_REG_STORM_IMS:	return adi->storm_ims;
	case ADISIM_REG_STORM_HZ:	return adi->storm_hz;
	case ADISIM_REG_BOUND_HANDLES:	return adisim_irt__bound(adi);
	case ADISIM_REG_HANDLE_BINDS:	return (u32)adi->handle_binds;
	case ADISIM_REG_STALE_SIGNALS:	return (u32)adi->sim->irt->stale_signals;
	default:			return 0;	/* reserved and write-only read 0 */
	}
}

static void write32(struct adisim_adi *adi, u64 off, u32 v)
{
	switch (off) {
	case ADISIM_REG_CTRL:
		if (v & ADISIM_CTRL_RESET) {
			adisim_engine__reset(adi);
			v &= ~ADISIM_CTRL_RESET;
		}
		adi->ctrl = v & ADISIM_CTRL_ENABLE;
		if (!(adi->ctrl & ADISIM_CTRL_ENABLE))
			adi->status &= ~ADISIM_STATUS_HALTED;
		break;
	case ADISIM_REG_ERROR:
		adi->error = ADISIM_ERR_NONE;
		break;
	case ADISIM_REG_RING_BASE_LO:
		adi->ring_base = (adi->ring_base & ~0xffffffffull) | v;
		break;
	case ADISIM_REG_RING_BASE_HI:
		adi->ring_base = (adi->ring_base & 0xffffffffull) | ((u64)v << 32);
		break;
	case ADISIM_REG_RING_SIZE:
		adi->ring_size = v;
		adi->head = 0;
		adi->tail = 0;
		break;
	case ADISIM_REG_RING_TAIL:
		adi->tail = v;
		adisim_engine__doorbell(adi);
		break;
	case ADISIM_REG_STORM_IMS:
		if (adisim_engine__set_storm(adi, v, adi->storm_hz))
			adi->error = ADISIM_ERR_BAD_STORM;
		break;
	case ADISIM_REG_STORM_HZ:
		if (adisim_engine__set_storm(adi, adi->storm_ims, v))
			adi->error = ADISIM_ERR_BAD_STORM;
		break;
	case ADISIM_REG_IMS_RECHECK:
		adisim_ims__recheck(adi);
		break;
	case ADISIM_REG_COUNTERS_CLEAR:
		if (v & 1)
			memset(adi->cnt, 0, sizeof(adi->cnt));
		break;
	default:
		break;		/* read-only and reserved: writes ignored */
	}
}

int adisim_bar0__access(struct adisim_adi *adi, u64 off, void *buf, u32 count, bool write)
{
	u32 v;

	/* --keep-stale-eventfds: the hostile part, on every guest access. */
	if (adi->sim->irt->keep_stale)
		adisim_irt__fire_stale(adi->sim->irt);
	if (count == 8 && off % 8 == 0 && off >= ADISIM_REG_CNT_BASE &&
	    off < ADISIM_REG_CNT(ADISIM_CNT_NUM)) {
		u64 q;

		if (write)
			return 0;	/* counters are read-only */
		q = adi->cnt[(off - ADISIM_REG_CNT_BASE) / 8];
		memcpy(buf, &q, 8);
		return 0;
	}
	if (count != 4 || off % 4 || off >= ADISIM_BAR0_SIZE)
		return -EINVAL;
	if (!write) {
		v = read32(adi, off);
		memcpy(buf, &v, 4);
		return 0;
	}
	memcpy(&v, buf, 4);
	write32(adi, off, v);
	return 0;
}
