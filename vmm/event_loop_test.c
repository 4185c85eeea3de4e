/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/event_loop.h"

struct watcher {
	struct event_loop *loop;
	int fd;
	_Atomic unsigned int calls;
	_Atomic bool in_cb;
	bool del_self;
	int del_ret;
	unsigned int sleep_us;
};

static void on_event(int fd, u32 events, void *opaque)
{
	struct watcher *w = opaque;
	u64 v;

	w->in_cb = true;
	if (read(fd, &v, sizeof(v)) < 0)
		v = 0;
	if (w->sleep_us)
		usleep(w->sleep_us);
	if (w->del_self)
		w->del_ret = event_loop__del(w->loop, fd);
	w->calls++;
	w->in_cb = false;
}

static void kick(int fd)
{
	u64 one = 1;

	cr_assert_eq(write(fd, &one, sizeof(one)), sizeof(one));
}

static bool wait_calls(struct watcher *w, unsigned int n)
{
	for (int i = 0; i < 2000 && w->calls < n; i++)
		usleep(1000);
	return w->calls >= n;
}

/* A running loop that watches a fresh eventfd (@w->fd) with on_event(). */
static struct event_loop *start_watching(struct watcher *w)
{
	struct event_loop *loop;

	cr_assert_eq(event_loop__create(&loop), 0);
	w->loop = loop;
	w->fd = eventfd(0, EFD_NONBLOCK);
	cr_assert_eq(event_loop__add(loop, w->fd, EPOLLIN, on_event, w), 0);
	cr_assert_eq(event_loop__start(loop), 0);
	return loop;
}

Test(event_loop, callback_runs_on_event)
{
	struct watcher w = { 0 };
	struct event_loop *loop = start_watching(&w);

	cr_assert_eq(event_loop__add(loop, w.fd, EPOLLIN, on_event, &w), -EEXIST);
	kick(w.fd);
	cr_assert(wait_calls(&w, 1), "callback never ran");
	kick(w.fd);
	cr_assert(wait_calls(&w, 2));
	cr_assert_eq(event_loop__del(loop, w.fd), 0);
	cr_assert_eq(event_loop__del(loop, w.fd), -ENOENT);
	event_loop__destroy(loop);
	close(w.fd);
}

Test(event_loop, del_waits_for_running_callback)
{
	struct watcher w = { .sleep_us = 50000 };
	struct event_loop *loop = start_watching(&w);

	kick(w.fd);
	for (int i = 0; i < 2000 && !w.in_cb; i++)
		usleep(500);
	cr_assert(w.in_cb, "callback did not start");
	cr_assert_eq(event_loop__del(loop, w.fd), 0);
	cr_assert(!w.in_cb, "del returned while the callback was still running");
	cr_assert_eq(w.calls, 1);
	kick(w.fd);
	usleep(20000);
	cr_assert_eq(w.calls, 1, "a removed watch was called");
	event_loop__destroy(loop);
	close(w.fd);
}

Test(event_loop, del_from_inside_callback)
{
	struct watcher w = { .del_self = true, .del_ret = 1 };
	struct event_loop *loop = start_watching(&w);

	kick(w.fd);
	cr_assert(wait_calls(&w, 1), "callback never ran (or deadlocked in del)");
	cr_assert_eq(w.del_ret, 0);
	event_loop__destroy(loop);
	close(w.fd);
}

/*
 * A device whose fd is already readable when the loop starts (its server died
 * during set-up) deletes its own watch from the first callback, which can run
 * before event_loop__start() has returned. Found by tests/fuzz/fault-fail-after.sh
 * (the server dying at message 14): the loop thread waited for itself and
 * imsvm hung at exit. On one CPU the new thread often runs first; many rounds.
 */
static void del_self_slowly(int fd, u32 events, void *opaque)
{
	struct watcher *w = opaque;

	w->del_ret = event_loop__del(w->loop, fd);
	w->calls++;
}

Test(event_loop, del_from_a_callback_that_runs_before_start_returns, .timeout = 20)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	for (int i = 0; i < 300; i++) {
		struct watcher w = { .del_ret = 1 };
		struct event_loop *loop;

		cr_assert_eq(event_loop__create(&loop), 0);
		w.loop = loop;
		w.fd = eventfd(1, EFD_NONBLOCK);	/* readable from the start */
		cr_assert_eq(event_loop__add(loop, w.fd, EPOLLIN, del_self_slowly, &w), 0);
		cr_assert_eq(event_loop__start(loop), 0);
		cr_assert(wait_calls(&w, 1), "round %d: the callback deadlocked in del", i);
		cr_assert_eq(w.del_ret, 0);
		event_loop__destroy(loop);
		close(w.fd);
	}
}

Test(event_loop, stop_without_events_and_bad_args)
{
	struct event_loop *loop;

	cr_assert_eq(event_loop__create(&loop), 0);
	cr_assert_eq(event_loop__add(loop, -1, EPOLLIN, on_event, NULL), -EINVAL);
	cr_assert_eq(event_loop__add(loop, 0, EPOLLIN, NULL, NULL), -EINVAL);
	cr_assert_eq(event_loop__start(loop), 0);
	event_loop__stop(loop);
	event_loop__stop(loop);	/* idempotent */
	event_loop__destroy(loop);
}
