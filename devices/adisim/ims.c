/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IMS storage (BAR2) and the interrupt message path.
 *
 * The storage is a sealed memfd that the client maps directly, so the
 * device cannot see writes to it: like real hardware it reads the entry
 * when it raises an interrupt. What it finds there is sent to the
 * platform's remapping (irt.c) unchanged; only the device-owned pending
 * bit is kept in a private bitmap too, since a client can overwrite the
 * shared word at any time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

#define IMS_WORDS	(ADISIM_IMS_ENTRY_SIZE / 4)

static u32 *entry(struct adisim_adi *adi, u32 index)
{
	return &adi->ims[(size_t)index * IMS_WORDS];
}

static u32 load(const u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static u64 bar_size_for(u32 entries)
{
	u64 size = 4096;

	while (size < (u64)entries * ADISIM_IMS_ENTRY_SIZE)
		size <<= 1;
	return size;
}

static void arm_recheck(struct adisim_adi *adi, bool on)
{
	struct itimerspec its = { 0 };

	if (adi->recheck_tfd < 0)
		return;
	if (on) {
		its.it_interval.tv_nsec = 1000000;	/* 1 ms poll for unmasking */
		its.it_value.tv_nsec = 1000000;
	}
	if (timerfd_settime(adi->recheck_tfd, 0, &its, NULL))
		pr_warn("adi%u: cannot arm the IMS recheck timer: %m", adi->id);
}

int adisim_ims__init(struct adisim_adi *adi)
{
	u32 entries = adi->sim->opts.ims_entries;
	u64 size = bar_size_for(entries);
	void *p;
	u32 i;
	int fd, ret;

	fd = memfd_create("adisim-ims", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* Sealed so a client holding the fd cannot shrink it under our feet. */
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		ret = -errno;
		goto err_close;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	adi->ims_pending = calloc((entries + 63) / 64, sizeof(u64));
	if (!adi->ims_pending) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	adi->ims_fd = fd;
	adi->ims = p;
	adi->ims_entries = entries;
	adi->ims_bar_size = size;
	adi->ims_npending = 0;
	for (i = 0; i < entries; i++)
		entry(adi, i)[3] = ADISIM_IMS_CTRL_MASK;	/* reset: masked */
	return 0;

err_unmap:
	munmap(p, size);
err_close:
	close(fd);
	return ret;
}

void adisim_ims__destroy(struct adisim_adi *adi)
{
	if (adi->ims)
		munmap(adi->ims, adi->ims_bar_size);
	if (adi->ims_fd >= 0)
		close(adi->ims_fd);
	free(adi->ims_pending);
	adi->ims = NULL;
	adi->ims_fd = -1;
	adi->ims_pending = NULL;
	adi->ims_npending = 0;
}

/*
 * A new client gets fresh storage: the previous client may still have the
 * old memfd mapped, and must not be able to reach the new session's table.
 */
int adisim_ims__reset(struct adisim_adi *adi)
{
	adisim_ims__destroy(adi);
	return adisim_ims__init(adi);
}

/* Reset values in place (DEVICE_RESET): the client keeps its mapping. */
void adisim_ims__clear(struct adisim_adi *adi)
{
	u32 i;

	memset(adi->ims, 0, adi->ims_bar_size);
	for (i = 0; i < adi->ims_entries; i++)
		entry(adi, i)[3] = ADISIM_IMS_CTRL_MASK;
	memset(adi->ims_pending, 0, (adi->ims_entries + 63) / 64 * sizeof(u64));
	if (adi->ims_npending)
		arm_recheck(adi, false);
	adi->ims_npending = 0;
}

int adisim_remap__decode(u32 addr_lo, u32 addr_hi, u32 data, u32 *handle)
{
	u32 h;

	if (addr_hi != 0 || (addr_lo & ADISIM_MSI_ADDR_BASE_MASK) != ADISIM_MSI_ADDR_BASE)
		return -EINVAL;		/* not an interrupt message at all */
	if (!(addr_lo & ADISIM_MSI_ADDR_REMAP))
		return -EPERM;		/* compatibility format: blocked */
	h = (addr_lo >> ADISIM_MSI_ADDR_HANDLE_SHIFT) & ADISIM_MSI_ADDR_HANDLE_MASK;
	if (addr_lo & ADISIM_MSI_ADDR_HANDLE15)
		h |= 0x8000;
	if (addr_lo & ADISIM_MSI_ADDR_SHV)
		h += data & ADISIM_MSI_DATA_SUBHANDLE_MASK;
	if (h >= ADISIM_IRT_SIZE)
		return -ERANGE;		/* beyond the table: a remapping fault */
	*handle = h;
	return 0;
}

static void set_pending(struct adisim_adi *adi, u32 index)
{
	u64 bit = 1ull << (index % 64);

	__atomic_fetch_or(&entry(adi, index)[3], ADISIM_IMS_CTRL_PENDING, __ATOMIC_ACQ_REL);
	if (adi->ims_pending[index / 64] & bit)
		return;
	adi->ims_pending[index / 64] |= bit;
	if (adi->ims_npending++ == 0)
		arm_recheck(adi, true);
}

static void clear_pending(struct adisim_adi *adi, u32 index)
{
	__atomic_fetch_and(&entry(adi, index)[3], ~ADISIM_IMS_CTRL_PENDING, __ATOMIC_ACQ_REL);
	adi->ims_pending[index / 64] &= ~(1ull << (index % 64));
	if (--adi->ims_npending == 0)
		arm_recheck(adi, false);
}

/* Send the message of entry index through the remapping. */
static enum adisim_irq_result send_message(struct adisim_adi *adi, u32 index)
{
	const u32 *e = entry(adi, index);
	u32 lo = load(&e[0]), hi = load(&e[1]), data = load(&e[2]);
	u32 handle;
	int ret;

	ret = adisim_remap__decode(lo, hi, data, &handle);
	if (ret) {
		adi->cnt[ADISIM_CNT_BLOCKED]++;
		pr_debug("adi%u: IMS %u: %s address %#x:%08x data %#x blocked", adi->id, index,
			 ret == -EPERM ? "compatibility-format" : "invalid", hi, lo, data);
		return IRQ_BLOCKED;
	}
	return adisim_irt__signal(adi, handle);
}

enum adisim_irq_result adisim_ims__raise(struct adisim_adi *adi, u32 index)
{
	adi->cnt[ADISIM_CNT_RAISED]++;
	if (index >= adi->ims_entries || !adi->ims) {
		/* Callers validate; this is the last line of defence. */
		adi->cnt[ADISIM_CNT_FAULTS]++;
		return IRQ_BLOCKED;
	}
	if (load(&entry(adi, index)[3]) & ADISIM_IMS_CTRL_MASK) {
		set_pending(adi, index);
		adi->cnt[ADISIM_CNT_MASKED_PENDING]++;
		return IRQ_MASKED;
	}
	return send_message(adi, index);
}

void adisim_ims__recheck(struct adisim_adi *adi)
{
	u32 w, nwords = (adi->ims_entries + 63) / 64;

	for (w = 0; w < nwords && adi->ims_npending; w++) {
		u64 bits = adi->ims_pending[w];

		while (bits) {
			u32 index = w * 64 + (u32)__builtin_ctzll(bits);
			u32 *ctrl = &entry(adi, index)[3];

			bits &= bits - 1;
			if (load(ctrl) & ADISIM_IMS_CTRL_MASK) {
				/* Still masked: keep the visible bit true to our state. */
				__atomic_fetch_or(ctrl, ADISIM_IMS_CTRL_PENDING, __ATOMIC_ACQ_REL);
				continue;
			}
			clear_pending(adi, index);
			send_message(adi, index);
		}
	}
}

/* REGION_READ/WRITE on BAR2, for clients that do not map it. */
int adisim_ims__access(struct adisim_adi *adi, u64 off, void *buf, u32 count, bool write)
{
	u32 i, words = count / 4;
	bool recheck = false;

	if ((count != 4 && count != 8 && count != 16) || off % 4 ||
	    !range_within(off, count, adi->ims_bar_size))
		return -EINVAL;
	for (i = 0; i < words; i++) {
		u64 o = off + 4 * i;
		u32 index = (u32)(o / ADISIM_IMS_ENTRY_SIZE);
		u32 word = (u32)(o % ADISIM_IMS_ENTRY_SIZE) / 4;
		u32 v;

		if (!write) {
			v = index < adi->ims_entries ? load(&entry(adi, index)[word]) : 0;
			memcpy((u8 *)buf + 4 * i, &v, 4);
			continue;
		}
		if (index >= adi->ims_entries)
			continue;		/* padding up to the BAR size */
		memcpy(&v, (u8 *)buf + 4 * i, 4);
		if (word == 3) {
			/* Pending is device-owned: software cannot set or clear it. */
			u32 *ctrl = &entry(adi, index)[3];
			u32 old = load(ctrl);

			v = (v & ADISIM_IMS_CTRL_MASK) | (old & ADISIM_IMS_CTRL_PENDING);
			__atomic_store_n(ctrl, v, __ATOMIC_RELEASE);
			if (!(v & ADISIM_IMS_CTRL_MASK) && (old & ADISIM_IMS_CTRL_PENDING))
				recheck = true;
		} else {
			__atomic_store_n(&entry(adi, index)[word], v, __ATOMIC_RELEASE);
		}
	}
	if (recheck)
		adisim_ims__recheck(adi);
	return 0;
}
