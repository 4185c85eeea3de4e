/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging: one global level, printf-checked formats. Debug lines carry
 * file:function:line. Guest-triggerable messages go through pr_ratelimited()
 * so a guest cannot flood the host log.
 */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include "vmm/util.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

void __printf(2, 3) log_print(enum log_level level, const char *fmt, ...);
void __printf(4, 5) log_debug_at(const char *file, const char *func, int line,
				 const char *fmt, ...);

#define pr_err(...)	log_print(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	log_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)							\
	do {								\
		if (log_level >= LOG_DEBUG)				\
			log_debug_at(__FILE__, __func__, __LINE__,	\
				     __VA_ARGS__);			\
	} while (0)

/*
 * Rate-limited warning, one budget per call site: at most 10 lines, then one
 * line per 1024 further occurrences saying how many were suppressed.
 */
struct ratelimit {
	unsigned long count;
};

bool ratelimit__allow(struct ratelimit *rl);

#define pr_warn_ratelimited(...)					\
	do {								\
		static struct ratelimit __rl;				\
		if (ratelimit__allow(&__rl))				\
			pr_warn(__VA_ARGS__);				\
	} while (0)

#endif /* VMM_LOG_H */
