/* SPDX-License-Identifier: GPL-2.0-only */
/* The per-VM registry of IMS sources (see ims_source.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "vmm/ims_source.h"
#include "vmm/log.h"

/*
 * struct vm has no slot for this, and a VM is created once per process in
 * practice: a short list keyed by the VM pointer is enough (as irq_routing).
 */
struct ims_registry {
	struct vm *vm;
	struct ims_source *sources;
	const struct ims_consumer_ops *ops;
	void *consumer;
	struct ims_registry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ims_registry *registries;

/* Lock held. */
static struct ims_registry *find(struct vm *vm, bool create)
{
	struct ims_registry *r;

	for (r = registries; r; r = r->next)
		if (r->vm == vm)
			return r;
	if (!create)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->vm = vm;
	r->next = registries;
	registries = r;
	return r;
}

/* Lock held: drop an empty registry with no consumer. */
static void maybe_drop(struct ims_registry *r)
{
	struct ims_registry **p;

	if (r->sources || r->ops)
		return;
	for (p = &registries; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			free(r);
			return;
		}
}

int ims_source__register(struct vm *vm, struct ims_source *src)
{
	struct ims_registry *r;
	int ret = 0;

	pthread_mutex_lock(&lock);
	r = find(vm, true);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	for (struct ims_source *s = r->sources; s; s = s->next)
		if (s->id == src->id || s == src) {
			ret = -EEXIST;
			goto out;
		}
	src->failed = false;
	src->next = r->sources;
	r->sources = src;
	if (r->ops)
		r->ops->added(r->consumer, src);
out:
	pthread_mutex_unlock(&lock);
	return ret;
}

void ims_source__failed(struct vm *vm, struct ims_source *src)
{
	struct ims_registry *r;

	pthread_mutex_lock(&lock);
	r = find(vm, false);
	if (r && !src->failed) {
		src->failed = true;
		if (r->ops)
			r->ops->removed(r->consumer, src);
	}
	pthread_mutex_unlock(&lock);
}

void ims_source__unregister(struct vm *vm, struct ims_source *src)
{
	struct ims_registry *r;

	pthread_mutex_lock(&lock);
	r = find(vm, false);
	if (r) {
		for (struct ims_source **p = &r->sources; *p; p = &(*p)->next)
			if (*p == src) {
				*p = src->next;
				if (!src->failed && r->ops)
					r->ops->removed(r->consumer, src);
				src->failed = true;
				break;
			}
		maybe_drop(r);
	}
	pthread_mutex_unlock(&lock);
}

int ims_source__set_consumer(struct vm *vm, const struct ims_consumer_ops *ops, void *consumer)
{
	struct ims_registry *r;
	int ret = 0;

	pthread_mutex_lock(&lock);
	r = find(vm, ops != NULL);
	if (!r) {
		ret = ops ? -ENOMEM : 0;
		goto out;
	}
	if (ops && r->ops) {
		ret = -EBUSY;
		goto out;
	}
	r->ops = ops;
	r->consumer = consumer;
	if (ops) {
		for (struct ims_source *s = r->sources; s; s = s->next)
			if (!s->failed)
				ops->added(consumer, s);
	} else {
		maybe_drop(r);
	}
out:
	pthread_mutex_unlock(&lock);
	return ret;
}

void ims_source__clear_consumer(struct vm *vm)
{
	int ret = ims_source__set_consumer(vm, NULL, NULL);

	(void)ret;	/* clearing cannot fail */
}

unsigned int ims_source__count(struct vm *vm)
{
	struct ims_registry *r;
	unsigned int n = 0;

	pthread_mutex_lock(&lock);
	r = find(vm, false);
	for (struct ims_source *s = r ? r->sources : NULL; s; s = s->next)
		n += !s->failed;
	pthread_mutex_unlock(&lock);
	return n;
}
