/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The relay delivery baseline (--irq-delivery=relay): each PV-IC vector is
 * an eventfd that imsvm's event loop watches; when the device signals it,
 * the loop thread reads it and injects the message with KVM_SIGNAL_MSI.
 * Every interrupt wakes imsvm, which is what irqfd avoids: this exists to
 * be measured against it (docs/performance.md). Masking stops watching; the
 * eventfd keeps counting, and watching again (level-triggered) delivers
 * what is pending, once, as with an irqfd.
 *
 * Locking: relay_lock guards a vector's message against the loop thread;
 * event_loop__del() is never called with it held (it waits for a callback
 * that may be taking it).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/pvic_backend.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/msi_signal.h"
#include "vmm/vm.h"

struct pvic_relay_vec {
	struct pvic_kvm_be *be;
	int efd;
	u64 addr;
	u32 data;
	bool masked;
	bool watched;
	bool want_watch;
};

static void on_signal(int fd, u32 events, void *opaque)
{
	struct pvic_relay_vec *v = opaque;
	struct pvic_kvm_be *be = v->be;
	u64 count, addr;
	u32 data;
	int ret;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return;		/* EAGAIN: another wakeup got it */
	pthread_mutex_lock(&be->relay_lock);
	addr = v->addr;
	data = v->data;
	pthread_mutex_unlock(&be->relay_lock);
	/* n signals while nobody read collapse into one interrupt, as with irqfd. */
	ret = msi__signal(be->vm, addr, data);
	if (ret && ret != -EBUSY)
		pr_warn_ratelimited("pvic: relay: KVM_SIGNAL_MSI failed: %d", ret);
	__atomic_add_fetch(&be->relayed, 1, __ATOMIC_RELAXED);
}

int pvic_relay__create(struct pvic_kvm_be *be, u32 h, int *efd)
{
	struct pvic_relay_vec *v;

	if (be->rvec[h])
		return -EEXIST;
	if (!be->vm->loop)
		return -ENODEV;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->be = be;
	v->masked = true;
	v->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (v->efd < 0) {
		int ret = -errno;

		free(v);
		return ret;
	}
	be->rvec[h] = v;
	*efd = v->efd;
	return 0;
}

static void unwatch(struct pvic_relay_vec *v)
{
	if (v->watched)
		(void)event_loop__del(v->be->vm->loop, v->efd);
	v->watched = false;
}

void pvic_relay__destroy(struct pvic_kvm_be *be, u32 h)
{
	struct pvic_relay_vec *v = be->rvec[h];

	if (!v)
		return;
	be->rvec[h] = NULL;
	unwatch(v);
	close(v->efd);
	free(v);
}

int pvic_relay__update(struct pvic_kvm_be *be, u32 h, u64 addr, u32 data, bool masked)
{
	struct pvic_relay_vec *v = be->rvec[h];

	if (!v)
		return -ENOENT;
	pthread_mutex_lock(&be->relay_lock);
	v->addr = addr;
	v->data = data;
	pthread_mutex_unlock(&be->relay_lock);
	v->masked = masked;
	if (masked) {
		unwatch(v);
		v->want_watch = false;
	} else if (!v->watched) {
		v->want_watch = true;	/* at commit, as an irqfd would attach */
	}
	return 0;
}

int pvic_relay__commit(struct pvic_kvm_be *be)
{
	int ret = 0;

	for (u32 h = 0; h < PVIC_IRT_SIZE; h++) {
		struct pvic_relay_vec *v = be->rvec[h];
		int err;

		if (!v || !v->want_watch)
			continue;
		err = event_loop__add(be->vm->loop, v->efd, EPOLLIN, on_signal, v);
		if (err) {
			ret = ret ? ret : err;
			continue;
		}
		v->watched = true;
		v->want_watch = false;
	}
	return ret;
}

int pvic_relay__efd(struct pvic_kvm_be *be, u32 h)
{
	return be->rvec[h] ? be->rvec[h]->efd : -ENOENT;
}

u64 pvic_relay__count(struct pvic_kvm_be *be)
{
	return __atomic_load_n(&be->relayed, __ATOMIC_RELAXED);
}
