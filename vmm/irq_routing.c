/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's GSI route table, GSI allocator and irqfds (see irq_routing.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/irq_routing.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

/*
 * The PC wiring the MP table describes (the same table vmm/vm.c installs at
 * irqchip creation; this layer must keep it in every push): ISA IRQ n goes to
 * 8259 input n and IOAPIC pin n, except GSI 0 (the PIT) to IOAPIC pin 2 (the
 * interrupt source override) and GSI 2 (the cascade) nowhere; GSIs 16..23
 * (PCI INTx) to IOAPIC pins 16..23.
 */
#define NR_PIC_ROUTES		15	/* GSIs 0..15 but 2 */
#define NR_IRQCHIP_ROUTES	(IRQ_ROUTING_IRQCHIP_GSIS - 1 + NR_PIC_ROUTES)
_Static_assert(NR_IRQCHIP_ROUTES == IRQ_ROUTING_IRQCHIP_ROUTES, "irqchip wiring size");

struct msi_route {
	bool used;
	u64 addr;
	u32 data;
};

struct irq_routing {
	const struct irq_routing_ops *ops;
	void *ctx;
	pthread_mutex_t lock;		/* everything below, and every group's vectors */
	unsigned int max_routes;	/* entries KVM takes, irqchip ones included */
	unsigned int nr_msi;		/* MSI GSIs: IRQ_ROUTING_IRQCHIP_GSIS + [0, nr_msi) */
	struct msi_route *routes;	/* indexed by GSI - IRQ_ROUTING_IRQCHIP_GSIS */
	unsigned int hint;		/* where the next free-GSI search starts */
	bool dirty;			/* the table in KVM is not ours any more */
	struct kvm_irq_routing *buf;	/* room for max_routes entries */
	struct irq_routing_stats st;

	/* Registry (irq_routing__get). */
	struct vm *vm;
	unsigned int refs;
	struct irq_routing *next;
};

struct irq_vec {
	int efd;
	int gsi;			/* -1: none */
	u64 addr;
	u32 data;
	bool masked;
	bool attached;			/* irqfd assigned in KVM */
	bool need_attach;		/* attach at the next commit */
};

struct irq_group {
	struct irq_routing *r;
	unsigned int count;
	struct irq_vec v[];
};

/* ---- the table ---- */

int irq_routing__create(const struct irq_routing_ops *ops, void *ctx, unsigned int max_routes,
			struct irq_routing **out)
{
	struct irq_routing *r;

	if (max_routes <= NR_IRQCHIP_ROUTES)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ops = ops;
	r->ctx = ctx;
	r->max_routes = max_routes;
	r->nr_msi = max_routes - NR_IRQCHIP_ROUTES;
	r->routes = calloc(r->nr_msi, sizeof(*r->routes));
	r->buf = calloc(1, sizeof(*r->buf) + max_routes * sizeof(struct kvm_irq_routing_entry));
	if (!r->routes || !r->buf) {
		free(r->routes);
		free(r->buf);
		free(r);
		return -ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->st.gsis_max = r->nr_msi;
	*out = r;
	return 0;
}

void irq_routing__destroy(struct irq_routing *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->routes);
	free(r->buf);
	free(r);
}

void irq_routing__stats(struct irq_routing *r, struct irq_routing_stats *st)
{
	pthread_mutex_lock(&r->lock);
	*st = r->st;
	pthread_mutex_unlock(&r->lock);
}

static int alloc_gsi(struct irq_routing *r)
{
	for (unsigned int n = 0; n < r->nr_msi; n++) {
		unsigned int i = (r->hint + n) % r->nr_msi;

		if (!r->routes[i].used) {
			r->routes[i].used = true;
			r->hint = i + 1;
			r->st.gsis_used++;
			return (int)(i + IRQ_ROUTING_IRQCHIP_GSIS);
		}
	}
	return -ENOSPC;
}

static void free_gsi(struct irq_routing *r, int gsi)
{
	r->routes[gsi - IRQ_ROUTING_IRQCHIP_GSIS] = (struct msi_route){ 0 };
	r->st.gsis_used--;
	r->dirty = true;
}

/* The whole table in one KVM_SET_GSI_ROUTING. Lock held. */
static int push_table(struct irq_routing *r)
{
	struct kvm_irq_routing_entry *e = r->buf->entries;
	unsigned int n = 0;
	int ret;

	for (u32 gsi = 0; gsi < IRQ_ROUTING_IRQCHIP_GSIS; gsi++) {
		if (gsi == 2)
			continue;
		if (gsi < 16)
			e[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
							   : KVM_IRQCHIP_PIC_SLAVE,
					.pin = gsi % 8,
				},
			};
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi },
		};
	}
	for (unsigned int i = 0; i < r->nr_msi; i++) {
		if (!r->routes[i].used)
			continue;
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = i + IRQ_ROUTING_IRQCHIP_GSIS, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = {
				.address_lo = (u32)r->routes[i].addr,
				.address_hi = (u32)(r->routes[i].addr >> 32),
				.data = r->routes[i].data,
			},
		};
	}
	r->buf->nr = n;
	r->buf->flags = 0;
	ret = r->ops->set_gsi_routing(r->ctx, r->buf);
	if (ret < 0) {
		pr_err("KVM_SET_GSI_ROUTING (%u routes): %s", n, strerror(-ret));
		return ret;
	}
	r->st.commits++;
	r->dirty = false;
	return 0;
}

int irq_routing__push(struct irq_routing *r)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = push_table(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static int irqfd(struct irq_routing *r, int fd, u32 gsi, int resample_fd, bool assign)
{
	struct kvm_irqfd k = { .fd = (u32)fd, .gsi = gsi };
	int ret;

	if (!assign)
		k.flags = KVM_IRQFD_FLAG_DEASSIGN;
	else if (resample_fd >= 0) {
		k.flags = KVM_IRQFD_FLAG_RESAMPLE;
		k.resamplefd = (u32)resample_fd;
	}
	ret = r->ops->irqfd(r->ctx, &k);
	if (ret < 0)
		pr_warn("KVM_IRQFD %s gsi %u: %s", assign ? "assign" : "deassign", gsi,
			strerror(-ret));
	else if (assign)
		r->st.irqfd_attach++;
	else
		r->st.irqfd_detach++;
	return ret;
}

int irq_routing__intx_attach(struct irq_routing *r, u32 gsi, int trigger_fd, int resample_fd)
{
	int ret;

	if (gsi >= IRQ_ROUTING_IRQCHIP_GSIS)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	ret = irqfd(r, trigger_fd, gsi, resample_fd, true);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_routing__intx_detach(struct irq_routing *r, u32 gsi, int trigger_fd)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = irqfd(r, trigger_fd, gsi, -1, false);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* ---- KVM and the per-VM registry ---- */

static int kvm_set_gsi_routing(void *ctx, const struct kvm_irq_routing *table)
{
	return kvm__ioctl(((struct vm *)ctx)->vm_fd, KVM_SET_GSI_ROUTING, table);
}

static int kvm_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	return kvm__ioctl(((struct vm *)ctx)->vm_fd, KVM_IRQFD, k);
}

static const struct irq_routing_ops kvm_ops = {
	.set_gsi_routing = kvm_set_gsi_routing,
	.irqfd = kvm_irqfd,
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct irq_routing *registry;
static const struct irq_routing_ops *test_ops;
static void *test_ctx;

void irq_routing__set_test_ops(const struct irq_routing_ops *ops, void *ctx)
{
	test_ops = ops;
	test_ctx = ctx;
}

int irq_routing__get(struct vm *vm, struct irq_routing **out)
{
	struct irq_routing *r;
	int ret = 0, max;

	pthread_mutex_lock(&registry_lock);
	for (r = registry; r; r = r->next)
		if (r->vm == vm)
			break;
	if (!r) {
		if (test_ops) {
			ret = irq_routing__create(test_ops, test_ctx ? test_ctx : vm,
						  IRQ_ROUTING_DEFAULT_MAX, &r);
		} else {
			max = kvm__cap(vm->vm_fd, KVM_CAP_IRQ_ROUTING);
			if (max <= 0) {
				pr_err("KVM has no GSI routing (KVM_CAP_IRQ_ROUTING)");
				ret = -ENOTSUP;
			} else {
				ret = irq_routing__create(&kvm_ops, vm, (unsigned int)max, &r);
			}
		}
		if (ret == 0) {
			r->vm = vm;
			r->next = registry;
			registry = r;
		}
	}
	if (ret == 0) {
		r->refs++;
		*out = r;
	}
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

void irq_routing__put(struct irq_routing *r)
{
	struct irq_routing **p;

	if (!r)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--r->refs == 0) {
		for (p = &registry; *p; p = &(*p)->next)
			if (*p == r) {
				*p = r->next;
				break;
			}
		irq_routing__destroy(r);
	}
	pthread_mutex_unlock(&registry_lock);
}

/* ---- groups ---- */

int irq_group__create(struct irq_routing *r, unsigned int count, struct irq_group **out)
{
	struct irq_group *g;
	unsigned int i;

	if (count == 0 || count > r->nr_msi)
		return -EINVAL;
	g = calloc(1, sizeof(*g) + count * sizeof(g->v[0]));
	if (!g)
		return -ENOMEM;
	g->r = r;
	g->count = count;
	for (i = 0; i < count; i++) {
		g->v[i].gsi = -1;
		g->v[i].masked = true;
		g->v[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (g->v[i].efd < 0) {
			int ret = -errno;

			while (i--)
				close(g->v[i].efd);
			free(g);
			return ret;
		}
	}
	*out = g;
	return 0;
}

/* Lock held. */
static void vec_disable(struct irq_group *g, struct irq_vec *v)
{
	if (v->attached && v->gsi >= 0)
		(void)irqfd(g->r, v->efd, (u32)v->gsi, -1, false);
	v->attached = false;
	v->need_attach = false;
	if (v->gsi >= 0)
		free_gsi(g->r, v->gsi);
	v->gsi = -1;
	v->masked = true;
	v->addr = 0;
	v->data = 0;
}

void irq_group__destroy(struct irq_group *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->r->lock);
	for (unsigned int i = 0; i < g->count; i++)
		vec_disable(g, &g->v[i]);
	/* Stale routes point at a vector nobody signals; push anyway so GSIs reuse cleanly. */
	if (g->r->dirty)
		(void)push_table(g->r);
	pthread_mutex_unlock(&g->r->lock);
	for (unsigned int i = 0; i < g->count; i++)
		close(g->v[i].efd);
	free(g);
}

int irq_group__discard(struct irq_group *g)
{
	bool routed = false;

	pthread_mutex_lock(&g->r->lock);
	for (unsigned int i = 0; i < g->count; i++)
		routed |= g->v[i].gsi >= 0 || g->v[i].attached;
	pthread_mutex_unlock(&g->r->lock);
	if (routed)
		return -EBUSY;
	for (unsigned int i = 0; i < g->count; i++)
		close(g->v[i].efd);
	free(g);
	return 0;
}

unsigned int irq_group__count(const struct irq_group *g)
{
	return g->count;
}

int irq_group__notifier(const struct irq_group *g, unsigned int i)
{
	return i < g->count ? g->v[i].efd : -1;
}

int irq_group__gsi(const struct irq_group *g, unsigned int i)
{
	return i < g->count && g->v[i].gsi >= 0 ? g->v[i].gsi : -ENOENT;
}

int irq_group__update(struct irq_group *g, unsigned int i, u64 addr, u32 data, bool masked)
{
	struct irq_routing *r = g->r;
	struct irq_vec *v;
	int ret = 0;

	if (i >= g->count)
		return -EINVAL;
	v = &g->v[i];
	pthread_mutex_lock(&r->lock);
	if (masked) {
		/* Detach first: the eventfd keeps counting while masked. */
		if (v->attached) {
			ret = irqfd(r, v->efd, (u32)v->gsi, -1, false);
			if (ret == 0)
				v->attached = false;
		}
		v->need_attach = false;
	} else if (v->gsi < 0) {
		ret = alloc_gsi(r);
		if (ret < 0) {
			r->st.gsi_exhausted++;
			pr_warn_ratelimited("GSI route table full (%u MSI routes besides the %u of "
					    "the PC wiring; KVM_CAP_IRQ_ROUTING %u): vector refused",
					    r->nr_msi, NR_IRQCHIP_ROUTES, r->max_routes);
			goto out;
		}
		v->gsi = ret;
		ret = 0;
		r->dirty = true;
		v->need_attach = true;
	} else if (!v->attached) {
		v->need_attach = true;
	}
	if (v->gsi >= 0) {
		struct msi_route *m = &r->routes[v->gsi - IRQ_ROUTING_IRQCHIP_GSIS];

		if (m->addr != addr || m->data != data) {
			m->addr = addr;
			m->data = data;
			r->dirty = true;
		}
	}
	v->addr = addr;
	v->data = data;
	v->masked = masked;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_group__disable(struct irq_group *g, unsigned int i)
{
	if (i >= g->count)
		return -EINVAL;
	pthread_mutex_lock(&g->r->lock);
	vec_disable(g, &g->v[i]);
	pthread_mutex_unlock(&g->r->lock);
	return 0;
}

int irq_group__commit(struct irq_group *g)
{
	struct irq_routing *r = g->r;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	if (r->dirty) {
		ret = push_table(r);
		if (ret < 0)
			goto out;
	}
	/* Routes are in KVM: now the irqfds may deliver through them. */
	for (unsigned int i = 0; i < g->count; i++) {
		struct irq_vec *v = &g->v[i];
		int err;

		if (!v->need_attach || v->gsi < 0 || v->masked)
			continue;
		err = irqfd(r, v->efd, (u32)v->gsi, -1, true);
		if (err < 0) {
			ret = ret ? ret : err;
			continue;
		}
		v->attached = true;
		v->need_attach = false;
	}
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_group__trigger(struct irq_group *g, unsigned int i)
{
	u64 one = 1;

	if (i >= g->count)
		return -EINVAL;
	if (write(g->v[i].efd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}
