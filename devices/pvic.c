/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC PCI function. A doorbell write copies the guest's command page
 * out of guest RAM, runs it through the core and copies the result back, all
 * on the vCPU thread that rang: one exit per batch. The copy means a guest
 * changing the page meanwhile cannot make the host see two different
 * versions of one entry.
 *
 * Locking: p->lock serialises doorbells, MSI-X state, IMS source arrival and
 * removal. It is taken under the PCI root lock (config hooks) and the IMS
 * registry lock (source callbacks), and is held while calling irq_routing
 * and IMS source ops (SET_IRQS): see vmm/ims_source.h for the order.
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "devices/pci.h"
#include "devices/pvic.h"
#include "devices/pvic_backend.h"
#include "devices/pvic_core.h"
#include "devices/pvic_floor.h"
#include "vmm/device.h"
#include "vmm/event_loop.h"
#include "vmm/fd_limit.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "vmm/vm.h"

/* What this host offers: no x2APIC ids above 255 (KVM's X2APIC_API is not enabled). */
#define PVIC_HOST_FEATURES	(PVIC_FEAT_BATCH | PVIC_FEAT_RETARGET | PVIC_FEAT_MASK | \
				 PVIC_FEAT_EVENTS | PVIC_FEAT_LOWEST_PRIO)

struct pvic_dev {
	struct vm *vm;
	struct pci_device pdev;
	struct device dev;
	pthread_mutex_t lock;
	struct pvic_core core;
	struct pvic_kvm_be be;
	bool be_ready, core_ready, consumer_set;
	struct pvic_options opt;

	u32 cmd_lo, cmd_hi;
	int32_t last_status;
	u32 event_cause;
	struct pvic_page page;		/* the host copy of the command page */

	/* MSI-X, one vector. */
	u8 msix_cap;
	bool msix_enabled, msix_fmask;
	u32 msix_entry[4];		/* addr lo, addr hi, data, vector control */
	struct irq_group *evt;

	u64 alloc_ns;			/* host time spent in ALLOC batches and their push */
	int flush_fd;			/* timerfd: push lazy ALLOCs' routes, -1 none */
};

/* ---- MSI-X vector 0 ---- */

/* Lock held. Route vector 0 as the guest programmed it; masked unless enabled. */
static void msix_update(struct pvic_dev *p)
{
	bool masked = !p->msix_enabled || p->msix_fmask ||
		      (p->msix_entry[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
	u64 addr = p->msix_entry[0] | (u64)p->msix_entry[1] << 32;

	if (!p->evt)
		return;
	if (irq_group__update(p->evt, 0, addr, p->msix_entry[2], masked) ||
	    irq_group__commit(p->evt))
		pr_warn_ratelimited("pvic: MSI-X vector 0 could not be routed");
}

/*
 * Lock held. Vector 0 enabled but left without a route because the GSI table
 * was full when the guest enabled it: route it once a route is free (after a
 * batch or a device removal freed some). The events raised meanwhile wait in
 * its eventfd and arrive when the irqfd attaches: none is lost.
 */
static void msix_retry(struct pvic_dev *p)
{
	bool masked = !p->msix_enabled || p->msix_fmask ||
		      (p->msix_entry[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);

	if (p->evt && !masked && irq_group__gsi(p->evt, 0) < 0 &&
	    p->core.ops->routes_free(p->core.be) > 0)
		msix_update(p);
}

/* Lock held. The eventfd counts while masked: delivered on unmask, as a pending bit. */
static void raise_event(struct pvic_dev *p, u32 cause)
{
	p->event_cause |= cause;
	if (p->evt && (p->core.accepted & PVIC_FEAT_EVENTS) && irq_group__trigger(p->evt, 0))
		pr_warn_ratelimited("pvic: event interrupt failed");
}

static void config_write(struct pci_device *dev, u32 offset, const void *data, u32 len)
{
	struct pvic_dev *p = dev->priv;
	u32 ctl = p->msix_cap + PCI_MSIX_FLAGS;
	u16 flags;

	if (offset + len <= ctl || offset >= ctl + 2)
		return;
	flags = pci__cfg_get16(dev, ctl);
	pthread_mutex_lock(&p->lock);
	p->msix_enabled = flags & PCI_MSIX_FLAGS_ENABLE;
	p->msix_fmask = flags & PCI_MSIX_FLAGS_MASKALL;
	msix_update(p);
	pthread_mutex_unlock(&p->lock);
}

static const struct pci_device_ops pvic_pci_ops = { .config_write = config_write };

/* ---- the doorbell ---- */

static void bench_floor(struct pvic_dev *p);

#define PVIC_FLUSH_MS	50	/* routes of ALLOCs flagged MORE reach KVM within 50 ms */

static u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (u64)t.tv_sec * 1000000000ull + (u64)t.tv_nsec;
}

/* Lock held. Push deferred ALLOC routes; the time counts as ALLOC time. */
static void flush(struct pvic_dev *p)
{
	u64 t0;

	if (!p->core.deferred)
		return;
	t0 = now_ns();
	if (pvic_core__flush(&p->core))
		pr_warn_ratelimited("pvic: route push failed: retried at the next one");
	p->alloc_ns += now_ns() - t0;
}

static void on_flush_timer(int fd, u32 events, void *opaque)
{
	struct pvic_dev *p = opaque;
	u64 expirations;

	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	pthread_mutex_lock(&p->lock);
	flush(p);
	pthread_mutex_unlock(&p->lock);
}

/* Lock held. ALLOC (MORE) left routes staged: push them soon even if no batch follows. */
static void arm_flush(struct pvic_dev *p)
{
	struct itimerspec its = { .it_value = { .tv_nsec = PVIC_FLUSH_MS * 1000000L } };

	if (p->core.deferred && p->flush_fd >= 0 && timerfd_settime(p->flush_fd, 0, &its, NULL))
		flush(p);
}

/* Lock held. */
static void doorbell(struct pvic_dev *p)
{
	struct guest_mem *mem = &p->vm->mem;
	u64 gpa = p->cmd_lo | (u64)p->cmd_hi << 32;
	u32 n;

	if (!IS_ALIGNED(gpa, PVIC_PAGE_SIZE) || !guest_mem__ptr(mem, gpa, PVIC_PAGE_SIZE) ||
	    guest_mem__read(mem, gpa, &p->page, sizeof(p->page))) {
		p->last_status = PVIC_EFAULT;
		pvic_core__count_batch_error(&p->core, PVIC_EFAULT);
		pr_warn_ratelimited("pvic: command page %#llx is not 4 KiB of guest RAM",
				    (unsigned long long)gpa);
		return;
	}
	if (p->page.hdr.op == PVIC_OP_ALLOC) {
		u64 t0 = now_ns();

		p->last_status = pvic_core__execute(&p->core, &p->page);
		p->alloc_ns += now_ns() - t0;
		arm_flush(p);
	} else {
		if (p->page.hdr.op == PVIC_OP_NEGOTIATE)
			bench_floor(p);
		flush(p);
		p->last_status = pvic_core__execute(&p->core, &p->page);
	}
	msix_retry(p);
	/* The header and the entries the batch could have touched; never more. */
	n = MIN(p->page.hdr.count, (u32)PVIC_MAX_ENTRIES);
	if (p->page.hdr.op == PVIC_OP_NEGOTIATE || p->page.hdr.op == PVIC_OP_QUERY_ADI)
		n = MAX(n, 1u);
	if (guest_mem__write(mem, gpa, &p->page, sizeof(p->page.hdr) + n * PVIC_ENTRY_SIZE))
		p->last_status = PVIC_EFAULT;
}

/* ---- BAR0 ---- */

static u32 reg_read(struct pvic_dev *p, u64 off)
{
	switch (off) {
	case PVIC_REG_MAGIC:		return PVIC_MAGIC_VALUE;
	case PVIC_REG_VERSION:		return PVIC_VERSION;
	case PVIC_REG_FEATURES:		return p->core.features;
	case PVIC_REG_MAX_ENTRIES:	return PVIC_MAX_ENTRIES;
	case PVIC_REG_CMD_GPA_LO:	return p->cmd_lo;
	case PVIC_REG_CMD_GPA_HI:	return p->cmd_hi;
	case PVIC_REG_LAST_STATUS:	return (u32)p->last_status;
	case PVIC_REG_NEXT_SEQ:		return p->core.next_seq;
	case PVIC_REG_EVENT_CAUSE:	return p->event_cause;
	case PVIC_REG_NR_ADIS:		return pvic_core__nr_adis(&p->core);
	case PVIC_REG_GSI_FREE:		return p->core.ops->routes_free(p->core.be);
	}
	if (off >= PVIC_MSIX_TABLE_OFFSET && off < PVIC_MSIX_TABLE_OFFSET + 16)
		return p->msix_entry[(off - PVIC_MSIX_TABLE_OFFSET) / 4];
	if (off == PVIC_MSIX_PBA_OFFSET) {
		/* Pending: an event raised while masked is still counted in the eventfd. */
		return p->evt && irq_group__gsi(p->evt, 0) < 0 && p->event_cause ? 1 : 0;
	}
	return 0;
}

static void reg_write(struct pvic_dev *p, u64 off, u32 val)
{
	switch (off) {
	case PVIC_REG_CMD_GPA_LO:
		p->cmd_lo = val;
		return;
	case PVIC_REG_CMD_GPA_HI:
		p->cmd_hi = val;
		return;
	case PVIC_REG_DOORBELL:
		if (val != PVIC_DOORBELL_RING) {
			p->core.cnt.bad_doorbells++;
			pr_warn_ratelimited("pvic: doorbell value %#x ignored", val);
			return;
		}
		doorbell(p);
		return;
	case PVIC_REG_EVENT_CAUSE:
		p->event_cause &= ~val;
		return;
	}
	if (off >= PVIC_MSIX_TABLE_OFFSET && off < PVIC_MSIX_TABLE_OFFSET + 16) {
		p->msix_entry[(off - PVIC_MSIX_TABLE_OFFSET) / 4] = val;
		msix_update(p);
	}
}

static bool access_ok(struct pvic_dev *p, u64 off, u32 len)
{
	if (len == 4 && IS_ALIGNED(off, 4) && off < PVIC_BAR0_SIZE)
		return true;
	p->core.cnt.bad_accesses++;
	pr_warn_ratelimited("pvic: %u-byte access at BAR0 + %#llx refused", len,
			    (unsigned long long)off);
	return false;
}

static void bar_read(void *opaque, u64 off, void *data, u32 len)
{
	struct pvic_dev *p = opaque;
	u32 v = ~0u;

	pthread_mutex_lock(&p->lock);
	if (access_ok(p, off, len))
		v = reg_read(p, off);
	pthread_mutex_unlock(&p->lock);
	memcpy(data, &v, MIN(len, 4u));
	if (len > 4)
		memset((u8 *)data + 4, 0xff, len - 4);
}

static void bar_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct pvic_dev *p = opaque;
	u32 v = 0;

	pthread_mutex_lock(&p->lock);
	if (access_ok(p, off, len)) {
		memcpy(&v, data, 4);
		reg_write(p, off, v);
	}
	pthread_mutex_unlock(&p->lock);
}

static const struct bus_ops bar_ops = { .read = bar_read, .write = bar_write };

/* ---- IMS sources come and go ---- */

static void src_added(void *consumer, struct ims_source *src)
{
	struct pvic_dev *p = consumer;
	int ret;

	pthread_mutex_lock(&p->lock);
	ret = pvic_core__add_adi(&p->core, src->id, src, src->irq_count, 0);
	if (ret)
		pr_warn("pvic: %s: not an ADI for the PV-IC: %s", src->name ? src->name : "?",
			strerror(-ret));
	else if (p->core.negotiated)
		raise_event(p, PVIC_EVENT_ADI_ADDED);
	pthread_mutex_unlock(&p->lock);
}

static void src_removed(void *consumer, struct ims_source *src)
{
	struct pvic_dev *p = consumer;

	pthread_mutex_lock(&p->lock);
	if (pvic_core__adi_failed(&p->core, src->id) == 0) {
		pr_info("pvic: ADI %02x:%02x.%x gone: its handles are freed",
			PVIC_ADI_BUS(src->id), PVIC_ADI_DEV(src->id), PVIC_ADI_FN(src->id));
		msix_retry(p);		/* its routes are free now */
		raise_event(p, PVIC_EVENT_ADI_REMOVED);
	}
	pthread_mutex_unlock(&p->lock);
}

static const struct ims_consumer_ops consumer_ops = { .added = src_added,
						      .removed = src_removed };

/* ---- life cycle ---- */

/*
 * IMSVM_BENCH_PVIC_FLOOR=N: measure the floor on the first ADI
 * (devices/pvic_floor.c), once, at the guest's first NEGOTIATE: on the vCPU
 * thread that then runs the ALLOCs, so both see the same host conditions.
 * Lock held.
 */
static void bench_floor(struct pvic_dev *p)
{
	static bool done;
	const char *env = getenv("IMSVM_BENCH_PVIC_FLOOR");
	unsigned long n = env ? strtoul(env, NULL, 10) : 0;

	if (!n || done)
		return;
	done = true;
	for (unsigned int i = 0; i < PVIC_MAX_ADIS; i++) {
		struct pvic_adi *a = &p->core.adi[i];

		if (!a->present || a->failed)
			continue;
		/* Handles far above the ones the guest will get, unbound after. */
		(void)pvic_floor__run(p->be.routing, a->dev, PVIC_MAX_HANDLES + 1,
				      (u32)MIN(n, 16384ul));
		break;
	}
}

void pvic__log_counters(struct pvic_dev *p)
{
	pthread_mutex_lock(&p->lock);
	pr_info("pvic: %llu batches, %llu commits, %llu device requests, %llu batches refused, "
		"%llu interrupts relayed, %llu us in ALLOC, %llu vectors refused for want of fds, "
		"%llu bad doorbells, %llu bad accesses",
		(unsigned long long)p->core.cnt.batches, (unsigned long long)p->core.cnt.commits,
		(unsigned long long)p->be.device_calls,
		(unsigned long long)({
			u64 t = 0;
			for (int i = 0; i < PVIC_NR_ERR; i++)
				t += p->core.cnt.batch_errors[i];
			t;
		}), (unsigned long long)(p->be.relay ? pvic_relay__count(&p->be) : 0),
		(unsigned long long)p->alloc_ns / 1000, (unsigned long long)p->be.no_fd,
		(unsigned long long)p->core.cnt.bad_doorbells,
		(unsigned long long)p->core.cnt.bad_accesses);
	for (unsigned int i = 0; i < PVIC_MAX_ADIS; i++) {
		const struct pvic_adi *a = &p->core.adi[i];
		u64 errs = 0;

		if (!a->present)
			continue;
		for (int e = 0; e < PVIC_NR_ERR; e++)
			errs += a->cnt.errors[e];
		pr_info("pvic: adi %02x:%02x.%x: live %u allocs %llu frees %llu retargets %llu "
			"masks %llu unmasks %llu faults %llu errors %llu%s",
			PVIC_ADI_BUS(a->id), PVIC_ADI_DEV(a->id), PVIC_ADI_FN(a->id), a->nr_handles,
			(unsigned long long)a->cnt.allocs, (unsigned long long)a->cnt.frees,
			(unsigned long long)a->cnt.retargets, (unsigned long long)a->cnt.masks,
			(unsigned long long)a->cnt.unmasks, (unsigned long long)a->cnt.faults,
			(unsigned long long)errs, a->failed ? " (failed)" : "");
	}
	pthread_mutex_unlock(&p->lock);
}

void pvic__inspect(struct pvic_dev *p, void (*fn)(struct pvic_core *c, void *arg), void *arg)
{
	pthread_mutex_lock(&p->lock);
	fn(&p->core, arg);
	pthread_mutex_unlock(&p->lock);
}

void pvic__vm_counters(struct pvic_dev *p, struct pvic_vm_counters *out)
{
	pthread_mutex_lock(&p->lock);
	*out = p->core.cnt;
	out->no_fd = p->be.no_fd;
	pthread_mutex_unlock(&p->lock);
}

int pvic__adi_counters(struct pvic_dev *p, u32 adi_id, struct pvic_adi_counters *out,
		       u32 *live_handles)
{
	struct pvic_adi *a;
	int ret = -ENOENT;

	pthread_mutex_lock(&p->lock);
	a = pvic_core__find_adi(&p->core, adi_id);
	if (a) {
		*out = a->cnt;
		if (live_handles)
			*live_handles = a->nr_handles;
		ret = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static void pvic_reset(struct device *dev)
{
	struct pvic_dev *p = dev->priv;

	pthread_mutex_lock(&p->lock);
	pvic_core__reset(&p->core);
	p->cmd_lo = p->cmd_hi = 0;
	p->last_status = 0;
	p->event_cause = 0;
	pthread_mutex_unlock(&p->lock);
}

static void pvic_free(struct pvic_dev *p)
{
	if (p->flush_fd >= 0) {
		if (p->vm->loop)
			(void)event_loop__del(p->vm->loop, p->flush_fd);
		close(p->flush_fd);
	}
	if (p->consumer_set)
		ims_source__clear_consumer(p->vm);
	if (p->opt.print_stats && p->core_ready)
		pvic__log_counters(p);
	if (p->core_ready)
		pvic_core__destroy(&p->core);	/* handles unbound while devices live */
	irq_group__destroy(p->evt);
	if (p->be_ready)
		pvic_kvm_be__destroy(&p->be);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void pvic_destroy(struct device *dev)
{
	struct pvic_dev *p = dev->priv;

	if (p->pdev.root)
		(void)pci__unregister(p->vm->pci, &p->pdev);
	pvic_free(p);
}

static const struct device_ops pvic_device_ops = { .reset = pvic_reset,
						   .destroy = pvic_destroy };

static int add_msix(struct pvic_dev *p)
{
	u8 body[12] = { 0 }, wmask[12] = { 0 };
	int ret;

	pci__cfg_set16(body, PCI_MSIX_FLAGS, PVIC_MSIX_VECTORS - 1);
	pci__cfg_set32(body, PCI_MSIX_TABLE, PVIC_MSIX_TABLE_OFFSET | 0);
	pci__cfg_set32(body, PCI_MSIX_PBA, PVIC_MSIX_PBA_OFFSET | 0);
	pci__cfg_set16(wmask, PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	ret = pci__add_capability(&p->pdev, PCI_CAP_ID_MSIX, body, sizeof(body), wmask);
	if (ret < 0)
		return ret;
	p->msix_cap = (u8)ret;
	p->msix_entry[3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	return 0;
}

int pvic__create(struct vm *vm, const struct pvic_options *opt, struct pvic_dev **out)
{
	struct pvic_dev *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->opt = *opt;
	p->flush_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	fd_limit__raise(FD_LIMIT_IMS);

	ret = pvic_kvm_be__init(&p->be, vm, opt->relay);
	if (ret)
		goto err;
	p->be_ready = true;
	ret = pvic_core__init(&p->core, &pvic_kvm_be_ops, &p->be, PVIC_HOST_FEATURES,
			      vm->nr_vcpus ? vm->nr_vcpus : vm->cfg->nr_cpus);
	if (ret)
		goto err;
	p->core_ready = true;
	p->core.trace = opt->trace;
	/* The safety net of ALLOCs flagged MORE whose last batch never comes. */
	if (vm->loop) {
		p->flush_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (p->flush_fd >= 0 &&
		    event_loop__add(vm->loop, p->flush_fd, EPOLLIN, on_flush_timer, p)) {
			close(p->flush_fd);
			p->flush_fd = -1;
		}
	}
	ret = irq_group__create(p->be.routing, 1, &p->evt);
	if (ret)
		goto err;

	pci__device_init(&p->pdev, "pvic", PVIC_PCI_VENDOR_ID, PVIC_PCI_DEVICE_ID,
			 PVIC_PCI_CLASS_CODE, PVIC_PCI_REVISION, &pvic_pci_ops, p);
	pci__set_subsystem(&p->pdev, PVIC_PCI_SUBSYS_VENDOR_ID, PVIC_PCI_SUBSYS_ID);
	ret = pci__set_bar(&p->pdev, 0, PCI_BAR_MEM32, PVIC_BAR0_SIZE, false, &bar_ops, p);
	if (ret)
		goto err;
	ret = add_msix(p);
	if (ret)
		goto err;
	ret = pci__register(vm->pci, &p->pdev);
	if (ret)
		goto err;

	ret = ims_source__set_consumer(vm, &consumer_ops, p);
	if (ret)
		goto err_unregister;
	p->consumer_set = true;
	/* A limit that leaves no fd for even one vector would only fail later, per ALLOC. */
	ret = fd_limit__check_ims(pvic_core__nr_adis(&p->core));
	if (ret)
		goto err_unregister;

	p->dev = (struct device){ .name = "pvic", .ops = &pvic_device_ops, .priv = p };
	device_list__add(&vm->devices, &p->dev);
	pr_info("pvic: PV-IC at 00:%02x.0, %u ADI(s)", p->pdev.slot, pvic_core__nr_adis(&p->core));
	if (out)
		*out = p;
	return 0;

err_unregister:
	(void)pci__unregister(vm->pci, &p->pdev);
err:
	p->pdev.root = NULL;
	pvic_free(p);
	return ret;
}

int pvic__setup(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct pvic_options opt = { .trace = cfg->trace_pvic, .print_stats = cfg->print_stats,
				    .relay = cfg->irq_relay };
	if (cfg->ims_mode == VM_IMS_TRAP)
		return 0;	/* the baseline: imsvm traps IMS (devices/passthrough_ims_trap.c) */
	if (cfg->ims_mode == VM_IMS_AUTO && !cfg->nr_vfio_user && !cfg->nr_vfio)
		return 0;	/* nothing to give IMS vectors for */
	return pvic__create(vm, &opt, NULL);
}
