/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough PCI device: life cycle and failure. Build order: config image
 * (passthrough_cfg.c), BARs (passthrough_bar.c), interrupts
 * (passthrough_msi.c), DMA map of guest RAM, PCI registration (BARs placed
 * and mapped by the core through bar_remap), INTx, then the event loop
 * watches the backend's fd.
 *
 * Failure (the vfio-user server closed its socket or stopped answering):
 * the backend shuts its socket down, the event loop wakes on EPOLLHUP and
 * calls passthrough__fail() on its own thread, which removes the BAR slots
 * and trapped ranges, detaches every irqfd, closes every fd of the device
 * and leaves a function whose config space reads all-ones. Other devices
 * and the vCPUs never wait on it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vmm/event_loop.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "vmm/vm.h"
#include "devices/passthrough_priv.h"

/* ---- backend calls, fenced against teardown ---- */

#define BE_CALL(pt, op, ...) ({						\
	int __ret = -ENODEV;						\
	if (!atomic_load(&(pt)->failed)) {				\
		pthread_rwlock_rdlock(&(pt)->backend_lock);		\
		if ((pt)->b)						\
			__ret = (pt)->ops->op((pt)->b, ##__VA_ARGS__);	\
		pthread_rwlock_unlock(&(pt)->backend_lock);		\
	}								\
	__ret;								\
})

int pt__be_region_read(struct passthrough *pt, u32 index, u64 off, void *buf, u64 len)
{
	return BE_CALL(pt, region_read, index, off, buf, len);
}

int pt__be_region_write(struct passthrough *pt, u32 index, u64 off, const void *buf, u64 len)
{
	return BE_CALL(pt, region_write, index, off, buf, len);
}

int pt__be_set_irqs(struct passthrough *pt, u32 index, u32 flags, u32 start, u32 count,
		    const int *fds)
{
	return BE_CALL(pt, set_irqs, index, flags, start, count, fds, NULL);
}

/* ---- failure ---- */

bool passthrough__failed(const struct passthrough *pt)
{
	return atomic_load(&((struct passthrough *)pt)->failed);
}

void passthrough__stats(struct passthrough *pt, struct pt_stats *out)
{
	__atomic_load(&pt->st.trapped_reads, &out->trapped_reads, __ATOMIC_RELAXED);
	__atomic_load(&pt->st.trapped_writes, &out->trapped_writes, __ATOMIC_RELAXED);
	__atomic_load(&pt->st.backend_errors, &out->backend_errors, __ATOMIC_RELAXED);
	__atomic_load(&pt->st.bad_accesses, &out->bad_accesses, __ATOMIC_RELAXED);
	/* The MSI-X table counts its own; a vector it could not route is a backend error. */
	out->backend_errors += __atomic_load_n(&pt->msix.st.route_errors, __ATOMIC_RELAXED);
	out->bad_accesses += __atomic_load_n(&pt->msix.st.bad_accesses, __ATOMIC_RELAXED);
	__atomic_load(&pt->st.mapped_slots, &out->mapped_slots, __ATOMIC_RELAXED);
}

static void unwatch(struct passthrough *pt)
{
	if (pt->watched_fd >= 0 && pt->vm->loop)
		(void)event_loop__del(pt->vm->loop, pt->watched_fd);
	pt->watched_fd = -1;
}

/* Everything the device holds in the guest and on the host, in lock order. */
static void release_backend(struct passthrough *pt)
{
	unwatch(pt);
	pt_bar__unmap_all(pt);
	pt_irq__teardown(pt);
	pthread_rwlock_wrlock(&pt->backend_lock);
	if (pt->b)
		pt->ops->destroy(pt->b);
	pt->b = NULL;
	pthread_rwlock_unlock(&pt->backend_lock);
	pthread_mutex_lock(&pt->map_lock);
	pt_bar__release(pt);
	pthread_mutex_unlock(&pt->map_lock);
}

/* @quiet: imsvm is stopping on a signal; the device is released without a word. */
static void fail(struct passthrough *pt, const char *why, bool quiet)
{
	if (atomic_exchange(&pt->failed, true))
		return;
	pt_ims__failed(pt);	/* the PV-IC forgets its handles first */
	release_backend(pt);
	pt->torn_down = true;
	/* Said after the release, so whoever reads it finds the fds already closed. */
	if (quiet)
		pr_debug("%s: released (%s)", pt->name, why);
	else
		pr_err("%s: device failed (%s): it now reads all-ones, its BARs and interrupts "
		       "are removed; the VM continues", pt->name, why);
}

void passthrough__fail(struct passthrough *pt, const char *why)
{
	fail(pt, why, false);
}

static void on_event(int fd, u32 events, void *opaque)
{
	struct passthrough *pt = opaque;
	int ret = -ENODEV;

	pthread_rwlock_rdlock(&pt->backend_lock);
	if (pt->b && pt->ops->poll)
		ret = pt->ops->poll(pt->b);
	pthread_rwlock_unlock(&pt->backend_lock);
	if (ret == -ENODEV)
		passthrough__fail(pt, "device server gone");
	else if (ret == -ECANCELED)	/* the backend gave up: imsvm is stopping */
		fail(pt, "imsvm is stopping", true);
}

/* ---- device list ops ---- */

static void pt_reset(struct device *dev)
{
	struct passthrough *pt = dev->priv;
	int ret = BE_CALL(pt, reset);

	if (ret < 0 && ret != -ENODEV && ret != -ECANCELED)
		pr_warn("%s: reset: %s", pt->name, strerror(-ret));
}

static void pt_free(struct passthrough *pt)
{
	if (pt->registered && pt->vm->pci)
		(void)pci__unregister(pt->vm->pci, &pt->pdev);
	pt->registered = false;
	pt_ims__teardown(pt);
	release_backend(pt);
	msix__exit(&pt->msix);
	irq_routing__put(pt->routing);
	pthread_rwlock_destroy(&pt->backend_lock);
	pthread_mutex_destroy(&pt->map_lock);
	pthread_mutex_destroy(&pt->irq_lock);
	free(pt);
}

static void pt_destroy(struct device *dev)
{
	pt_free(dev->priv);
}

void passthrough__remove(struct passthrough *pt)
{
	/* passthrough__fail() has the PV-IC revoke every handle before anything goes. */
	passthrough__fail(pt, "unassigned");
	(void)device_list__remove(&pt->vm->devices, &pt->dev);
	pt_free(pt);
}

static const struct device_ops pt_device_ops = {
	.reset = pt_reset,
	.destroy = pt_destroy,
};

/* ---- creation ---- */

static int step(struct passthrough *pt, const char *what, int ret)
{
	/* -ECANCELED: imsvm is stopping on a signal, which vm__run() says once. */
	if (ret < 0 && ret != -ECANCELED)
		pr_err("%s: %s: %s", pt->name, what, strerror(-ret));
	return ret;
}

int passthrough__create(struct vm *vm, const char *name, const struct pt_backend_ops *ops,
			void *backend, struct passthrough **out)
{
	struct passthrough *pt;
	int ret, fd;
	u16 cmd;

	pt = calloc(1, sizeof(*pt));
	if (!pt) {
		ops->destroy(backend);
		return -ENOMEM;
	}
	pt->vm = vm;
	pt->ops = ops;
	pt->b = backend;
	pt->watched_fd = -1;
	pt->intx.trigger = pt->intx.resample = -1;
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	pthread_rwlock_init(&pt->backend_lock, NULL);
	pthread_mutex_init(&pt->map_lock, NULL);
	pthread_mutex_init(&pt->irq_lock, NULL);
	atomic_init(&pt->failed, false);
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		pt->bars[i].region.fd = -1;
		pt->bars[i].gpa = PCI_BAR_UNMAPPED;
	}

	ret = step(pt, "interrupt routing", irq_routing__get(vm, &pt->routing));
	if (ret < 0)
		goto err;
	ret = step(pt, "config space", pt_cfg__build(pt));
	if (ret < 0)
		goto err;
	ret = step(pt, "BARs", pt_bar__setup(pt));
	if (ret < 0)
		goto err;
	ret = step(pt, "interrupts", pt_msi__setup(pt));
	if (ret < 0)
		goto err;
	if (vm->mem.nr_regions) {
		ret = step(pt, "DMA map of guest RAM", ops->dma_map_ram(backend, &vm->mem));
		if (ret < 0)
			goto err;
	}
	if (!vm->pci) {
		ret = step(pt, "PCI registration", -ENODEV);
		goto err;
	}
	ret = step(pt, "PCI registration", pci__register(vm->pci, &pt->pdev));
	if (ret < 0)
		goto err;
	pt->registered = true;
	/* The core enabled decoding in the image as firmware would; tell the device. */
	cmd = pci__cfg_get16(&pt->pdev, PCI_COMMAND) &
	      (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (pt__be_region_write(pt, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, &cmd, 2) < 0)
		pt__count(&pt->st.backend_errors);
	/* INTx is optional: the device still works with MSI/MSI-X or polling. */
	(void)!pt_intx__setup(pt);
	ret = step(pt, "IMS", pt_ims__setup(pt));
	if (ret < 0)
		goto err;

	fd = ops->event_fd ? ops->event_fd(backend) : -1;
	if (fd >= 0 && vm->loop) {
		ret = step(pt, "event loop", event_loop__add(vm->loop, fd, EPOLLIN | EPOLLRDHUP,
							    on_event, pt));
		if (ret < 0)
			goto err;
		pt->watched_fd = fd;
	}
	pt->dev.name = pt->name;
	pt->dev.ops = &pt_device_ops;
	pt->dev.priv = pt;
	device_list__add(&vm->devices, &pt->dev);
	pr_info("%s: assigned over %s in PCI slot %d (%u BAR slots mapped)", pt->name, ops->kind,
		pt->pdev.slot, pt->st.mapped_slots);
	if (out)
		*out = pt;
	return 0;

err:
	pt_free(pt);
	return ret;
}
