/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMM's I/O thread: an epoll loop that watches file descriptors (stdin
 * for the serial console, device sockets, eventfds in relay mode, the
 * control socket) so no vCPU thread ever blocks on I/O.
 * Callbacks run on the loop thread, one at a time.
 */
#ifndef VMM_EVENT_LOOP_H
#define VMM_EVENT_LOOP_H

#include "vmm/util.h"

struct event_loop;

typedef void (*event_loop_cb)(int fd, u32 events, void *opaque);

int __must_check event_loop__create(struct event_loop **out);
/* Starts the loop thread. */
int __must_check event_loop__start(struct event_loop *loop);
/* Stops the thread and waits for it; callbacks are not running after this. */
void event_loop__stop(struct event_loop *loop);
void event_loop__destroy(struct event_loop *loop);

/* Watch @fd for @events (EPOLLIN ...); safe from any thread, including callbacks. */
int __must_check event_loop__add(struct event_loop *loop, int fd, u32 events,
				 event_loop_cb cb, void *opaque);
/* After it returns, @cb is not running for @fd (unless called from that very callback). */
int event_loop__del(struct event_loop *loop, int fd);

#endif /* VMM_EVENT_LOOP_H */
