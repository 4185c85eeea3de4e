/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --ims-mode=trap: the trap-and-emulate baseline the PV-IC is measured
 * against (docs/pvic.md, docs/performance.md). This is the one place in
 * imsvm that knows a device's IMS storage, and it is exactly the
 * device-specific code the PV-IC design exists to avoid: it decodes the
 * ADI simulator's IMS entry layout (devices/adisim/regs.h) and nothing else.
 *
 * The IMS BAR is not mapped: every guest access to it exits and lands here.
 * The guest writes ordinary (compatibility-format) MSI messages, as it
 * would into an MSI-X table; they are kept in a shadow table and become the
 * KVM routes of an interrupt group (one vector per entry). The device's
 * real entry gets the remappable message of a handle imsvm chose for that
 * entry, whose eventfd is the group's vector: device -> eventfd -> irqfd ->
 * the vCPU the guest asked for. The control word (mask, pending) is the
 * device's and is forwarded. Changing an entry's message rewrites the route
 * only (one exit per write, which is the cost being measured).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/adisim/regs.h"
#include "devices/passthrough_priv.h"
#include "vmm/fd_limit.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define SET_TRIGGER_FDS	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define TRAP_MAX_ENTRIES	2048	/* per device: handles 1 + k * 2048 + i */

struct ims_trap {
	struct passthrough *pt;
	pthread_mutex_t lock;
	u32 entries;
	u32 handle_base;
	struct irq_group *group;	/* one vector per IMS entry */
	u32 (*shadow)[3];		/* the guest's addr lo, addr hi, data */
	bool *bound;			/* handle bound on the device, device entry written */
	u64 reprograms;			/* route changes (counter) */
	struct ims_trap *next;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ims_trap *traps;
static u32 nr_trap_devices;

static struct ims_trap *find(struct passthrough *pt, bool unlink)
{
	struct ims_trap **p, *t = NULL;

	pthread_mutex_lock(&list_lock);
	for (p = &traps; *p; p = &(*p)->next)
		if ((*p)->pt == pt) {
			t = *p;
			if (unlink)
				*p = t->next;
			break;
		}
	pthread_mutex_unlock(&list_lock);
	return t;
}

static bool is_simulator(const struct passthrough *pt)
{
	return pci__cfg_get16(&pt->pdev, PCI_VENDOR_ID) == ADISIM_PCI_VENDOR_ID &&
	       pci__cfg_get16(&pt->pdev, PCI_DEVICE_ID) == ADISIM_PCI_DEVICE_ID;
}

bool pt_ims__traps_bar(const struct passthrough *pt, unsigned int bar)
{
	return pt->vm->cfg && pt->vm->cfg->ims_mode == VM_IMS_TRAP && bar == ADISIM_BAR_IMS &&
	       is_simulator(pt);
}

/* A compatibility-format MSI the guest could have meant: to the LAPIC, vector >= 16. */
static bool valid_msg(const u32 *m)
{
	return m[1] == 0 && (m[0] & 0xFFF00000u) == 0xFEE00000u && !(m[0] & ADISIM_MSI_ADDR_REMAP) &&
	       (m[2] & 0xFF) >= 16;
}

/* Lock held. The guest changed entry @i's message: route it, bind it once. */
static void reprogram(struct ims_trap *t, u32 i)
{
	struct passthrough *pt = t->pt;
	u32 h = t->handle_base + i;
	u32 dev[2] = { 0, 0 };
	int fd, ret;

	if (!valid_msg(t->shadow[i])) {
		if (irq_group__disable(t->group, i))
			pt__count(&pt->st.backend_errors);
		(void)!irq_group__commit(t->group);
		return;
	}
	t->reprograms++;
	ret = irq_group__update(t->group, i, t->shadow[i][0] | (u64)t->shadow[i][1] << 32,
				t->shadow[i][2], false);
	if (!ret)
		ret = irq_group__commit(t->group);
	if (ret) {
		pr_warn_ratelimited("%s: IMS %u: route: %s", pt->name, i, strerror(-ret));
		return;
	}
	if (t->bound[i])
		return;		/* the device already writes our handle: nothing to touch */
	fd = irq_group__notifier(t->group, i);
	ret = pt__be_set_irqs(pt, ADISIM_IRQ_INDEX_IMS, SET_TRIGGER_FDS, h, 1, &fd);
	dev[0] = ADISIM_MSI_REMAP_ADDR(h);
	/* Address and address-high in one 8-byte write; data stays 0 (no subhandle). */
	if (!ret)
		ret = pt__be_region_write(pt, ADISIM_BAR_IMS, (u64)i * ADISIM_IMS_ENTRY_SIZE, dev,
					  sizeof(dev));
	if (!ret)
		ret = pt__be_region_write(pt, ADISIM_BAR_IMS,
					  (u64)i * ADISIM_IMS_ENTRY_SIZE + ADISIM_IMS_DATA, &dev[1], 4);
	if (ret) {
		pt__count(&pt->st.backend_errors);
		pr_warn_ratelimited("%s: IMS %u: binding handle %u: %s", pt->name, i, h,
				    strerror(-ret));
		return;
	}
	t->bound[i] = true;
}

bool pt_ims__trap_access(struct passthrough *pt, unsigned int bar, u64 off, void *data, u32 len,
			 bool write)
{
	struct ims_trap *t;
	u32 i, field;

	if (bar != ADISIM_BAR_IMS || !(t = find(pt, false)))
		return false;
	i = (u32)(off / ADISIM_IMS_ENTRY_SIZE);
	field = (u32)(off % ADISIM_IMS_ENTRY_SIZE);
	if (i >= t->entries || len != 4 || (field & 3))
		return false;		/* odd accesses go to the device as they are */
	if (field == ADISIM_IMS_CTRL)
		return false;		/* mask and pending are the device's */
	pthread_mutex_lock(&t->lock);
	if (write) {
		memcpy(&t->shadow[i][field / 4], data, 4);
		reprogram(t, i);
	} else {
		memcpy(data, &t->shadow[i][field / 4], 4);
	}
	pthread_mutex_unlock(&t->lock);
	return true;
}

int pt_ims__trap_setup(struct passthrough *pt)
{
	struct ims_trap *t;
	u64 size = pt->bars[ADISIM_BAR_IMS].region_size;
	int ret = -ENOMEM;

	if (!pt_ims__traps_bar(pt, ADISIM_BAR_IMS))
		return 0;
	fd_limit__raise(FD_LIMIT_IMS);	/* one eventfd per IMS entry */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->pt = pt;
	t->entries = (u32)MIN(size / ADISIM_IMS_ENTRY_SIZE, (u64)TRAP_MAX_ENTRIES);
	pthread_mutex_init(&t->lock, NULL);
	t->shadow = calloc(t->entries ? t->entries : 1, sizeof(*t->shadow));
	t->bound = calloc(t->entries ? t->entries : 1, sizeof(*t->bound));
	if (!t->entries || !t->shadow || !t->bound)
		goto err;
	ret = irq_group__create(pt->routing, t->entries, &t->group);
	if (ret)
		goto err;
	pthread_mutex_lock(&list_lock);
	t->handle_base = 1 + nr_trap_devices++ * TRAP_MAX_ENTRIES;
	t->next = traps;
	traps = t;
	pthread_mutex_unlock(&list_lock);
	pr_info("%s: --ims-mode=trap: %u IMS entries trapped and emulated", pt->name, t->entries);
	return 0;
err:
	free(t->shadow);
	free(t->bound);
	pthread_mutex_destroy(&t->lock);
	free(t);
	return ret;
}

void pt_ims__trap_teardown(struct passthrough *pt)
{
	struct ims_trap *t = find(pt, true);

	if (!t)
		return;
	if (t->reprograms)
		pr_info("%s: --ims-mode=trap: %llu IMS messages reprogrammed", pt->name,
			(unsigned long long)t->reprograms);
	irq_group__destroy(t->group);
	free(t->shadow);
	free(t->bound);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
