/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/term.h"

static int open_pty_slave(int *master)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	*master = m;
	return open(ptsname(m), O_RDWR | O_NOCTTY);
}

Test(term, raw_then_restored)
{
	struct termios before, during, after;
	int master, fd = open_pty_slave(&master);

	if (fd < 0) {
		cr_skip_test("SKIPPED: no pseudo-terminal available");
		return;
	}
	cr_assert_eq(tcgetattr(fd, &before), 0);
	cr_assert(before.c_lflag & ICANON, "a fresh pty is canonical");
	cr_assert_eq(term__raw(fd), 0);
	cr_assert_eq(tcgetattr(fd, &during), 0);
	cr_assert(!(during.c_lflag & (ICANON | ECHO)), "raw: no line editing, no echo");
	cr_assert(during.c_lflag & ISIG, "^C still stops the VM");
	cr_assert_eq(during.c_cc[VSUSP], _POSIX_VDISABLE, "no ^Z: a stopped VMM leaves it raw");
	term__restore();
	term__restore();	/* idempotent */
	cr_assert_eq(tcgetattr(fd, &after), 0);
	cr_assert_eq(after.c_lflag, before.c_lflag);
	cr_assert_eq(after.c_iflag, before.c_iflag);
	close(fd);
	close(master);
}

Test(term, not_a_terminal_is_left_alone)
{
	int fd = open("/dev/null", O_RDWR);

	cr_assert_eq(term__raw(fd), 0);
	term__restore();
	close(fd);
}
