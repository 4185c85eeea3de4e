/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 16550A's console side (see devices/uart8250.c for the policy): guest
 * output buffered to the output fd, console input from stdin through the
 * VM's event loop, paced into the receive FIFO.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices/uart8250_priv.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define UART_OUT_WAIT_MS	1000

/* ---- output ---------------------------------------------------------- */

void uart_console_flush(struct uart8250 *u)
{
	unsigned int done = 0;

	while (done < u->out_len && u->out_fd >= 0) {
		ssize_t n = write(u->out_fd, u->out + done, u->out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * An output fd someone made non-blocking (stdout inherited from
		 * a parent): wait for room rather than lose console output, but
		 * not forever.
		 */
		if (n < 0 && errno == EAGAIN &&
		    poll(&(struct pollfd){ .fd = u->out_fd, .events = POLLOUT }, 1,
			 UART_OUT_WAIT_MS) > 0)
			continue;
		if (n <= 0) {
			/* The console is gone or full: drop, never stall or kill the VM. */
			u->stats.write_errors++;
			pr_warn_ratelimited("uart: console write failed: %s",
					    n < 0 ? strerror(errno) : "short write");
			break;
		}
		done += n;
	}
	u->out_len = 0;
}

void uart_console_put(struct uart8250 *u, u8 c)
{
	u->stats.tx_bytes++;
	u->out[u->out_len++] = c;
	if (c == '\n' || u->out_len == UART_OUT_BUF)
		uart_console_flush(u);
}

/* Move buffered console input into the FIFO while it has room. */
void uart_console_feed(struct uart8250 *u)
{
	if (u->mcr & MCR_LOOP)
		return;		/* the line input is disconnected in loopback */
	while (u->in_count && u->rx_count < uart_rx_capacity(u)) {
		uart_rx_push(u, u->in[u->in_head]);
		u->in_head = (u->in_head + 1) % UART_IN_BUF;
		u->in_count--;
	}
}

/* ---- console input ------------------------------------------------------ */

static void stdin_ready(int fd, u32 events, void *opaque);

/* Called with u->lock held; returns true when the caller must re-watch in_fd. */
bool uart_console_wants_rewatch(struct uart8250 *u)
{
	if (u->in_fd < 0 || u->in_watched || u->in_eof || !u->vm->loop)
		return false;
	if (u->in_count > UART_IN_BUF / 2)
		return false;
	u->in_watched = true;
	return true;
}

void uart_console_rewatch(struct uart8250 *u)
{
	/* Outside u->lock: the loop may be waiting for that lock in stdin_ready(). */
	if (event_loop__add(u->vm->loop, u->in_fd, EPOLLIN, stdin_ready, u)) {
		pthread_mutex_lock(&u->lock);
		u->in_watched = false;
		u->in_eof = true;
		pthread_mutex_unlock(&u->lock);
		pr_warn("uart: cannot watch console input again; input disabled");
	}
}

void uart8250__poll_input(struct uart8250 *u)
{
	u8 tmp[UART_IN_BUF];
	unsigned int space;
	ssize_t n;

	pthread_mutex_lock(&u->lock);
	if (u->in_fd < 0 || u->in_eof)
		goto out;
	space = UART_IN_BUF - u->in_count;
	if (space) {
		/* The fd is readable, so one read() does not block. */
		n = read(u->in_fd, tmp, space);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			u->in_eof = true;
		} else if (n > 0) {
			for (ssize_t i = 0; i < n; i++)
				u->in[(u->in_head + u->in_count + i) % UART_IN_BUF] = tmp[i];
			u->in_count += n;
		}
	}
	if ((u->in_eof || u->in_count == UART_IN_BUF) && u->in_watched) {
		/* Stop watching until the guest drains: pace, do not drop. */
		event_loop__del(u->vm->loop, u->in_fd);
		u->in_watched = false;
	}
	uart_console_feed(u);
	uart_update_irq(u);
out:
	pthread_mutex_unlock(&u->lock);
}

static void stdin_ready(int fd, u32 events, void *opaque)
{
	uart8250__poll_input(opaque);
}

void uart8250__set_input(struct uart8250 *u, int fd)
{
	pthread_mutex_lock(&u->lock);
	u->in_fd = fd;
	u->in_eof = false;
	u->in_head = u->in_count = 0;
	pthread_mutex_unlock(&u->lock);
}

void uart_console_start(struct uart8250 *u)
{
	struct vm *vm = u->vm;
	int ret;

	if (!vm->cfg || !vm->cfg->console_stdin || !vm->loop)
		return;
	u->in_fd = STDIN_FILENO;
	u->in_watched = true;
	ret = event_loop__add(vm->loop, STDIN_FILENO, EPOLLIN, stdin_ready, u);
	if (ret) {
		/* e.g. stdin is a regular file epoll cannot watch: run without input. */
		pr_warn("uart: cannot watch stdin (%s); serial input disabled", strerror(-ret));
		u->in_fd = -1;
		u->in_watched = false;
	}
}

void uart_console_stop(struct uart8250 *u)
{
	if (u->in_watched)
		event_loop__del(u->vm->loop, u->in_fd);
	u->in_watched = false;
	uart_console_flush(u);
}

void uart8250__set_output(struct uart8250 *u, int fd)
{
	pthread_mutex_lock(&u->lock);
	uart_console_flush(u);
	u->out_fd = fd;
	pthread_mutex_unlock(&u->lock);
}

void uart8250__flush(struct uart8250 *u)
{
	pthread_mutex_lock(&u->lock);
	uart_console_flush(u);
	pthread_mutex_unlock(&u->lock);
}

