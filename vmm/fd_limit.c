/* SPDX-License-Identifier: GPL-2.0-only */
#include <dirent.h>
#include <errno.h>
#include <sys/resource.h>

#include "vmm/fd_limit.h"
#include "vmm/log.h"

/* Written on the main thread at set-up, read by vCPU threads: relaxed atomics. */
static unsigned long cur_limit;

static unsigned long read_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	__atomic_store_n(&cur_limit, (unsigned long)rl.rlim_cur, __ATOMIC_RELAXED);
	return rl.rlim_cur;
}

void fd_limit__raise(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur >= want)
		goto out;
	if (rl.rlim_max < want) {
		struct rlimit more = { .rlim_cur = want, .rlim_max = want };

		if (!setrlimit(RLIMIT_NOFILE, &more))
			goto out;
	}
	rl.rlim_cur = MIN(want, rl.rlim_max);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_debug("RLIMIT_NOFILE stays at %llu", (unsigned long long)rl.rlim_cur);
out:
	(void)read_limit();
}

unsigned long fd_limit__current(void)
{
	unsigned long n = __atomic_load_n(&cur_limit, __ATOMIC_RELAXED);

	return n ? n : read_limit();
}

bool fd_limit__in_reserve(int fd)
{
	unsigned long lim = fd_limit__current();

	return fd >= 0 && lim && (unsigned long)fd + FD_LIMIT_RESERVE >= lim;
}

/* fds open now (the directory's own excluded), or 0 if /proc is not there. */
static unsigned long fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned long n = 0;

	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n ? n - 1 : 0;
}

int fd_limit__check_ims(unsigned int nr_adis)
{
	unsigned long lim = fd_limit__current(), used = fds_open();
	unsigned long need = used + FD_LIMIT_RESERVE + MAX(nr_adis, 1u);

	if (!lim || lim == RLIM_INFINITY || !used)
		return 0;
	if (lim < need) {
		pr_err("RLIMIT_NOFILE is %lu and cannot be raised: too low for even one IMS vector "
		       "per device (%lu fds in use, %lu kept free); set `ulimit -n` (hard) to at "
		       "least %lu, %lu for a full handle table", lim, used, FD_LIMIT_RESERVE, need,
		       FD_LIMIT_IMS);
		return -EMFILE;
	}
	if (lim < FD_LIMIT_IMS)
		pr_info("RLIMIT_NOFILE %lu allows about %lu IMS vectors (one fd each); ALLOC past "
			"them gets EAGAIN. `ulimit -n %lu` for a full handle table", lim,
			lim - used - FD_LIMIT_RESERVE, FD_LIMIT_IMS);
	return 0;
}
