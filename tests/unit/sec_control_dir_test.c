/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Security: the control socket's directory (control__make_dir()). A
 * directory of another user, or one of ours that other users may write and
 * that is not sticky, is refused: there another user could unlink the VM's
 * socket and plant their own for the operator's CLI to talk to. Ours with
 * 0700, or sticky as /tmp, is used. tests/security/control-access.sh checks
 * the same through `imsvm run`.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/control.h"

static char base[] = "/tmp/sec-ctldir.XXXXXX";

static void setup(void)
{
	cr_redirect_stderr();
	cr_assert_not_null(mkdtemp(base));
}

static void teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	(void)!system(cmd);
}

/* control__make_dir() on BASE/NAME created beforehand with @mode (0: not created). */
static int with_mode(const char *name, mode_t mode)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if (mode) {
		cr_assert_eq(mkdir(dir, 0700), 0);
		cr_assert_eq(chmod(dir, mode), 0);
	}
	return control__make_dir(dir);
}

Test(sec_control_dir, modes, .init = setup, .fini = teardown)
{
	cr_expect_eq(with_mode("new", 0), 0, "created 0700");
	cr_expect_eq(with_mode("private", 0700), 0);
	cr_expect_eq(with_mode("search", 0711), 0, "others may reach, not replace");
	cr_expect_eq(with_mode("sticky", 01777), 0, "sticky: only we remove our files");
	cr_expect_eq(with_mode("world", 0777), -EPERM, "anyone could replace the socket");
	cr_expect_eq(with_mode("group", 0770), -EPERM, "the group could replace the socket");
}
