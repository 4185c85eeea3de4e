/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * epoll loop on its own thread. An eventfd wakes it to stop.
 *
 * Removal while an event for the same fd is queued: events carry the fd, and
 * the loop looks the watch up under the lock before calling it, so a removed
 * watch is never called. event_loop__del() from another thread waits until
 * a running callback of that fd has returned (cond variable); from inside
 * the callback itself it cannot wait and does not need to.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/seccomp.h"

struct watch {
	int fd;
	event_loop_cb cb;
	void *opaque;
	struct watch *next;
};

struct event_loop {
	int epfd;
	int stop_fd;			/* eventfd: written to stop the thread */
	pthread_t thread;
	bool started;
	bool stopping;
	pthread_mutex_t lock;		/* protects watches, running_fd */
	pthread_cond_t idle;		/* signalled after each callback */
	struct watch *watches;
	int running_fd;			/* fd whose callback is running, or -1 */
};

int event_loop__create(struct event_loop **out)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct event_loop *loop;
	int ret;

	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->running_fd = -1;
	pthread_mutex_init(&loop->lock, NULL);
	pthread_cond_init(&loop->idle, NULL);

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		ret = -errno;
		goto err_free;
	}
	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stop_fd < 0) {
		ret = -errno;
		goto err_epoll;
	}
	ev.data.fd = loop->stop_fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->stop_fd, &ev) < 0) {
		ret = -errno;
		goto err_stop;
	}
	*out = loop;
	return 0;

err_stop:
	close(loop->stop_fd);
err_epoll:
	close(loop->epfd);
err_free:
	pthread_cond_destroy(&loop->idle);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
	return ret;
}

static struct watch *find_watch(struct event_loop *loop, int fd)
{
	for (struct watch *w = loop->watches; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

/*
 * The loop this thread runs, if any: a callback that deletes its own watch
 * must not wait for itself. Not loop->started/loop->thread, which the
 * starting thread sets only after pthread_create() returns: a fd already
 * readable (a device server that died during set-up) runs its callback
 * before that.
 */
static __thread const struct event_loop *this_thread_loop;

static void *loop_thread(void *arg)
{
	struct event_loop *loop = arg;
	struct epoll_event evs[16];
	sigset_t set;

	this_thread_loop = loop;
	pthread_setname_np(pthread_self(), "io");
	/* Process signals belong to the main thread. */
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* Before the first event: device servers and control clients reach us here. */
	if (seccomp__install(SECCOMP_IO) < 0)
		_exit(1);	/* the VM cannot run without its loop: status 1, VMM error */

	for (;;) {
		int n = epoll_wait(loop->epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("event loop: epoll_wait: %s", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct watch w;

			if (fd == loop->stop_fd)
				return NULL;
			pthread_mutex_lock(&loop->lock);
			struct watch *found = find_watch(loop, fd);
			if (!found || loop->stopping) {
				pthread_mutex_unlock(&loop->lock);
				continue;
			}
			w = *found;
			loop->running_fd = fd;
			pthread_mutex_unlock(&loop->lock);

			w.cb(fd, evs[i].events, w.opaque);

			pthread_mutex_lock(&loop->lock);
			loop->running_fd = -1;
			pthread_cond_broadcast(&loop->idle);
			pthread_mutex_unlock(&loop->lock);
		}
	}
}

int event_loop__start(struct event_loop *loop)
{
	pthread_attr_t attr;
	int ret;

	/* Callbacks are shallow: a small stack instead of glibc's 8 MiB default. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	ret = pthread_create(&loop->thread, &attr, loop_thread, loop);
	pthread_attr_destroy(&attr);
	if (ret)
		return -ret;
	loop->started = true;
	return 0;
}

void event_loop__stop(struct event_loop *loop)
{
	u64 one = 1;

	if (!loop || !loop->started)
		return;
	pthread_mutex_lock(&loop->lock);
	loop->stopping = true;
	pthread_mutex_unlock(&loop->lock);
	if (write(loop->stop_fd, &one, sizeof(one)) != sizeof(one))
		pr_warn("event loop: cannot wake the I/O thread: %s", strerror(errno));
	pthread_join(loop->thread, NULL);
	loop->started = false;
}

void event_loop__destroy(struct event_loop *loop)
{
	if (!loop)
		return;
	event_loop__stop(loop);
	while (loop->watches) {
		struct watch *w = loop->watches;

		loop->watches = w->next;
		free(w);
	}
	close(loop->stop_fd);
	close(loop->epfd);
	pthread_cond_destroy(&loop->idle);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
}

int event_loop__add(struct event_loop *loop, int fd, u32 events, event_loop_cb cb, void *opaque)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct watch *w;
	int ret = 0;

	if (!cb || fd < 0)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){ .fd = fd, .cb = cb, .opaque = opaque };

	pthread_mutex_lock(&loop->lock);
	if (find_watch(loop, fd)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		goto err_unlock;
	}
	w->next = loop->watches;
	loop->watches = w;
	pthread_mutex_unlock(&loop->lock);
	return 0;

err_unlock:
	pthread_mutex_unlock(&loop->lock);
	free(w);
	return ret;
}

int event_loop__del(struct event_loop *loop, int fd)
{
	struct watch **pp, *w = NULL;

	pthread_mutex_lock(&loop->lock);
	for (pp = &loop->watches; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			w = *pp;
			*pp = w->next;
			break;
		}
	}
	if (!w) {
		pthread_mutex_unlock(&loop->lock);
		return -ENOENT;
	}
	/* The fd may already be closed by a careless caller: ignore EBADF/ENOENT. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (this_thread_loop != loop) {
		while (loop->running_fd == fd)
			pthread_cond_wait(&loop->idle, &loop->lock);
	}
	pthread_mutex_unlock(&loop->lock);
	free(w);
	return 0;
}
