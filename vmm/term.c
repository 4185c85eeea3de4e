/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/term.h"

static struct termios saved;
static int saved_fd = -1;
static volatile sig_atomic_t saved_valid;

void term__restore(void)
{
	/* tcsetattr is async-signal-safe, so signal handlers may call this. */
	if (saved_valid) {
		tcsetattr(saved_fd, TCSANOW, &saved);
		saved_valid = 0;
	}
}

/* A crash must not leave the operator's terminal raw: restore, then die as before. */
static void fatal_signal(int sig)
{
	term__restore();
	raise(sig);	/* SA_RESETHAND put the default action back */
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigaction sa = { .sa_handler = fatal_signal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

int term__raw(int fd)
{
	static bool atexit_done;
	struct termios t;

	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &saved) < 0)
		return -errno;
	saved_fd = fd;
	t = saved;
	/*
	 * Raw input for the guest, but ISIG stays on so ^C still stops the VM
	 * (SIGINT, clean shutdown); suspend and quit are disabled, because a
	 * stopped imsvm would leave the terminal raw. Output processing stays on
	 * so a guest's bare "\n" does not staircase.
	 */
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	t.c_cc[VSUSP] = _POSIX_VDISABLE;
	t.c_cc[VQUIT] = _POSIX_VDISABLE;
	if (!atexit_done) {
		atexit(term__restore);
		catch_fatal_signals();
		atexit_done = true;
	}
	saved_valid = 1;
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		saved_valid = 0;
		return -errno;
	}
	return 0;
}
