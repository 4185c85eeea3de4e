/* SPDX-License-Identifier: GPL-2.0-only */
#include <sys/resource.h>

#include "vmm/fd_limit.h"
#include "vmm/log.h"

void fd_limit__raise(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want) {
		struct rlimit more = { .rlim_cur = want, .rlim_max = want };

		if (!setrlimit(RLIMIT_NOFILE, &more))
			return;
	}
	rl.rlim_cur = MIN(want, rl.rlim_max);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_debug("RLIMIT_NOFILE stays at %llu", (unsigned long long)rl.rlim_cur);
}
