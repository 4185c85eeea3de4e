/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough BARs. Each memory BAR is cut, page by page, into runs that are
 * either mapped (the backend gave an fd and the page lies in an mmappable
 * area: a KVM memory slot over our mmap, so the guest's accesses never exit)
 * or trapped (a bus range whose accesses are forwarded with region
 * read/write). The pages of the MSI-X table and PBA always trap, so imsvm
 * sees vector programming. I/O BARs always trap. A BAR that the device
 * advertises as IMS storage is just a mappable BAR here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/mem_slots.h"
#include "vmm/vm.h"
#include "devices/passthrough_priv.h"

static u64 pow2_at_least(u64 v, u64 min)
{
	u64 p = min;

	while (p < v)
		p <<= 1;
	return p;
}

static void trap_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct pt_seg *s = opaque;
	struct passthrough *pt = s->bar->pt;
	u64 off = s->off + offset;

	if (atomic_load(&pt->failed)) {
		memset(data, 0xFF, len);
		return;
	}
	if (pt_msix__access(pt, s->bar->index, off, data, len, false))
		return;
	if (pt_ims__trap_access(pt, s->bar->index, off, data, len, false))
		return;
	pt__count(&pt->st.trapped_reads);
	if (pt__be_region_read(pt, s->bar->index, off, data, len) < 0) {
		pt__count(&pt->st.backend_errors);
		memset(data, 0xFF, len);
	}
}

static void trap_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct pt_seg *s = opaque;
	struct passthrough *pt = s->bar->pt;
	u64 off = s->off + offset;

	if (atomic_load(&pt->failed))
		return;
	if (pt_msix__access(pt, s->bar->index, off, (void *)data, len, true))
		return;
	if (pt_ims__trap_access(pt, s->bar->index, off, (void *)data, len, true))
		return;
	pt__count(&pt->st.trapped_writes);
	if (pt__be_region_write(pt, s->bar->index, off, data, len) < 0)
		pt__count(&pt->st.backend_errors);
}

static const struct bus_ops trap_ops = {
	.read = trap_read,
	.write = trap_write,
};

/* Does [off, off + PT_PAGE) hold part of the MSI-X table or PBA of this BAR? */
static bool msix_page(const struct passthrough *pt, unsigned int bar, u64 off)
{
	const struct msix *m = &pt->msix;

	if (!pt->msix_present)
		return false;
	if (m->table_bar == bar && ranges_overlap(off, PT_PAGE, m->table_off,
						  msix__table_size(m->nvec)))
		return true;
	return m->pba_bar == bar &&
	       ranges_overlap(off, PT_PAGE, m->pba_off, msix__pba_size(m->nvec));
}

/* Host address of a page wholly inside one of our area mmaps, or NULL. */
static void *page_host(struct pt_bar *bar, u64 off)
{
	for (unsigned int i = 0; i < bar->region.nr_areas; i++) {
		const struct vfio_region_sparse_mmap_area *a = &bar->region.areas[i];

		if (!bar->maps[i].addr || off < a->offset ||
		    !range_within(off - a->offset, PT_PAGE, a->size))
			continue;
		return (u8 *)bar->maps[i].addr + (off - a->offset);
	}
	return NULL;
}

static int add_seg(struct pt_bar *bar, u64 off, u64 size, void *host)
{
	struct pt_seg *last = bar->nr_segs ? &bar->segs[bar->nr_segs - 1] : NULL;
	struct pt_seg *segs;

	/* Extend the previous run when it is of the same kind and contiguous in host memory. */
	if (last && last->mapped == (host != NULL) &&
	    (!host || (u8 *)last->host + last->size == host)) {
		last->size += size;
		return 0;
	}
	segs = realloc(bar->segs, (bar->nr_segs + 1) * sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	bar->segs = segs;
	bar->segs[bar->nr_segs++] = (struct pt_seg){
		.bar = bar, .off = off, .size = size, .mapped = host != NULL, .host = host,
		.slot = -1,
	};
	return 0;
}

static int map_areas(struct passthrough *pt, struct pt_bar *bar)
{
	bar->maps = calloc(bar->region.nr_areas ? bar->region.nr_areas : 1, sizeof(*bar->maps));
	if (!bar->maps)
		return -ENOMEM;
	bar->nr_maps = bar->region.nr_areas;
	for (unsigned int i = 0; i < bar->region.nr_areas; i++) {
		const struct vfio_region_sparse_mmap_area *a = &bar->region.areas[i];
		int prot = 0;
		void *p;

		if (!a->size || !IS_ALIGNED(a->offset, PT_PAGE) || !IS_ALIGNED(a->size, PT_PAGE) ||
		    !IS_ALIGNED(bar->region.offset, PT_PAGE))
			continue;	/* not page granular: those pages trap */
		if (bar->region.flags & VFIO_REGION_INFO_FLAG_READ)
			prot |= PROT_READ;
		if (bar->region.flags & VFIO_REGION_INFO_FLAG_WRITE)
			prot |= PROT_WRITE;
		p = mmap(NULL, a->size, prot, MAP_SHARED, bar->region.fd,
			 (off_t)(bar->region.offset + a->offset));
		if (p == MAP_FAILED) {
			pr_warn("%s: BAR%u area at 0x%llx: mmap: %s (trapped instead)", pt->name,
				bar->index, (unsigned long long)a->offset, strerror(errno));
			continue;
		}
		bar->maps[i] = (struct pt_area_map){ .addr = p, .len = a->size };
	}
	return 0;
}

static int setup_bar(struct passthrough *pt, struct pt_bar *bar)
{
	bool prefetch = bar->region.flags & PCI_BASE_ADDRESS_MEM_PREFETCH;
	struct pt_region r;
	int ret;

	ret = pt->ops->region_info(pt->b, bar->index, &r);
	if (ret < 0)
		return ret;
	bar->region = r;
	if (r.size == 0) {
		bar->kind = PCI_BAR_NONE;
		return 0;
	}
	bar->region_size = r.size;
	/*
	 * Larger than the largest window cannot be placed; refused before it is
	 * rounded up (a size above 2^63 has no power of two to round to).
	 */
	if (r.size > LAYOUT_PCI_MMIO64_SIZE) {
		pr_err("%s: BAR%u of %llu bytes is larger than any BAR window", pt->name,
		       bar->index, (unsigned long long)r.size);
		return -EINVAL;
	}
	if (bar->kind == PCI_BAR_IO) {
		if (r.size > 256) {
			pr_err("%s: I/O BAR%u of %llu bytes", pt->name, bar->index,
			       (unsigned long long)r.size);
			return -EINVAL;
		}
		bar->size = pow2_at_least(r.size, 4);
	} else {
		if (bar->kind == PCI_BAR_MEM64 && bar->index == PCI_NR_BARS - 1)
			return -EINVAL;
		bar->size = pow2_at_least(r.size, 16);
	}
	ret = pci__set_bar(&pt->pdev, bar->index, bar->kind, bar->size,
			   bar->kind != PCI_BAR_IO && prefetch, NULL, NULL);
	if (ret < 0)
		return ret;
	if (bar->kind != PCI_BAR_IO && r.fd >= 0 && (r.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		ret = map_areas(pt, bar);
		if (ret < 0)
			return ret;
	}
	if (bar->kind == PCI_BAR_IO || bar->size < PT_PAGE)
		return add_seg(bar, 0, bar->size, NULL);
	for (u64 off = 0; off < bar->size; off += PT_PAGE) {
		void *host = NULL;

		if (bar->maps && off < r.size && !msix_page(pt, bar->index, off) &&
		    !pt_ims__traps_bar(pt, bar->index))
			host = page_host(bar, off);
		ret = add_seg(bar, off, PT_PAGE, host);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int pt_bar__setup(struct passthrough *pt)
{
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		struct pt_bar *bar = &pt->bars[i];
		int ret;

		if (i > 0 && pt->bars[i - 1].kind == PCI_BAR_MEM64) {
			bar->kind = PCI_BAR_NONE;	/* upper half */
			continue;
		}
		ret = setup_bar(pt, bar);
		if (ret < 0) {
			if (ret != -ECANCELED)	/* imsvm is stopping: nothing to say */
				pr_err("%s: BAR%u: %s", pt->name, i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static struct bus *bar_bus(struct passthrough *pt, struct pt_bar *bar)
{
	return bar->kind == PCI_BAR_IO ? &pt->vm->pio_bus : &pt->vm->mmio_bus;
}

/* map_lock held. */
static void unmap_bar(struct passthrough *pt, struct pt_bar *bar)
{
	for (unsigned int i = 0; i < bar->nr_segs; i++) {
		struct pt_seg *s = &bar->segs[i];

		if (s->slot >= 0) {
			if (mem_slots__unmap(pt->vm, s->slot) == 0)
				__atomic_sub_fetch(&pt->st.mapped_slots, 1, __ATOMIC_RELAXED);
			s->slot = -1;
		}
		if (s->registered) {
			(void)bus__unregister(bar_bus(pt, bar), bar->gpa + s->off);
			s->registered = false;
		}
	}
	bar->gpa = PCI_BAR_UNMAPPED;
}

/* map_lock held. */
static int map_bar(struct passthrough *pt, struct pt_bar *bar, u64 gpa)
{
	bar->gpa = gpa;
	for (unsigned int i = 0; i < bar->nr_segs; i++) {
		struct pt_seg *s = &bar->segs[i];
		int ret;

		if (s->mapped) {
			ret = mem_slots__map(pt->vm, gpa + s->off, s->size, s->host, false, &s->slot);
			if (ret == 0)
				__atomic_add_fetch(&pt->st.mapped_slots, 1, __ATOMIC_RELAXED);
		} else {
			ret = bus__register(bar_bus(pt, bar), gpa + s->off, s->size, &trap_ops, s);
			s->registered = ret == 0;
		}
		if (ret < 0) {
			pr_warn("%s: BAR%u at 0x%llx: %s", pt->name, bar->index,
				(unsigned long long)(gpa + s->off), strerror(-ret));
			unmap_bar(pt, bar);
			return ret;
		}
	}
	return 0;
}

int pt_bar__remap(struct pci_device *dev, unsigned int index, u64 old_gpa, u64 new_gpa)
{
	struct passthrough *pt = dev->priv;
	struct pt_bar *bar;
	int ret = 0;

	if (index >= PCI_NR_BARS)
		return -EINVAL;
	bar = &pt->bars[index];
	if (bar->kind == PCI_BAR_NONE)
		return 0;
	pthread_mutex_lock(&pt->map_lock);
	if (bar->gpa != PCI_BAR_UNMAPPED)
		unmap_bar(pt, bar);
	/* A failed device keeps no BAR in the guest, wherever the guest moves it. */
	if (new_gpa != PCI_BAR_UNMAPPED && !atomic_load(&pt->failed))
		ret = map_bar(pt, bar, new_gpa);
	pthread_mutex_unlock(&pt->map_lock);
	return ret;
}

void pt_bar__unmap_all(struct passthrough *pt)
{
	pthread_mutex_lock(&pt->map_lock);
	for (unsigned int i = 0; i < PCI_NR_BARS; i++)
		if (pt->bars[i].gpa != PCI_BAR_UNMAPPED)
			unmap_bar(pt, &pt->bars[i]);
	pthread_mutex_unlock(&pt->map_lock);
}

void pt_bar__release(struct passthrough *pt)
{
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		struct pt_bar *bar = &pt->bars[i];

		for (unsigned int j = 0; j < bar->nr_maps; j++)
			if (bar->maps[j].addr)
				munmap(bar->maps[j].addr, bar->maps[j].len);
		free(bar->maps);
		bar->maps = NULL;
		bar->nr_maps = 0;
		if (bar->region.fd >= 0)
			close(bar->region.fd);
		bar->region.fd = -1;
		free(bar->region.areas);
		bar->region.areas = NULL;
		bar->region.nr_areas = 0;
		free(bar->segs);
		bar->segs = NULL;
		bar->nr_segs = 0;
	}
}
