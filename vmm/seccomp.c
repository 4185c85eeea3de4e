/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seccomp allow-lists per thread kind (vmm/seccomp.h). The lists were made
 * from what each kind of thread does (strace -ff of every host test suite,
 * by thread name) and from reading the code paths that run on it; each
 * entry says why the call is there. Calls narrowed by argument:
 *   - ioctl() to the requests each kind needs (vmm/seccomp_ioctl.c);
 *   - socket() to AF_UNIX (vfio-user and the control socket are the only
 *     sockets), on the I/O and main threads only;
 *   - clone() to threads (CLONE_THREAD: no fork, no new process), on the
 *     I/O and main threads only, and clone3() answers ENOSYS so glibc falls
 *     back to the clone() that can be checked (Firecracker does the same);
 *   - mmap() and mprotect() never with PROT_EXEC: no thread maps new code
 *     once its filter is in (libgcc_s, which backtrace() needs, is loaded
 *     before), so code injected into memory cannot be made executable.
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/log.h"
#include "vmm/seccomp.h"

/* Set by vm_build() from the configuration (on unless --no-seccomp). */
bool seccomp_enabled;

#define R(name, why)	{ SCMP_SYS(name), why }
#define END		{ -1, NULL }

/* Every thread: memory, locks, time, logging, signals, leaving. */
#define COMMON								\
	R(read, "eventfds, timerfds, sockets, stdin"),			\
	R(write, "log lines to stderr, eventfd kicks, console output"),	\
	R(writev, "stdio and vfio-user messages in pieces"),		\
	R(close, "fds of torn-down devices, vectors, connections"),	\
	R(futex, "pthread mutexes, condition variables, joins"),	\
	R(mmap, "malloc of large blocks, thread stacks (never PROT_EXEC)"), \
	R(munmap, "free of large blocks, thread stacks"),		\
	R(mprotect, "malloc arena growth, stack guards (never PROT_EXEC)"), \
	R(ioctl, "by request only: vmm/seccomp_ioctl.c"),		\
	R(madvise, "glibc returns freed memory and dead stacks"),	\
	R(mremap, "realloc of large blocks"),				\
	R(brk, "malloc of small blocks"),				\
	R(rt_sigreturn, "return from the kick and stop signal handlers"), \
	R(rt_sigprocmask, "pthread_sigmask, thread creation and exit"),	\
	R(rt_sigaction, "raise() of an abort, signal set-up"),		\
	R(clock_gettime, "timeouts, log time stamps (vDSO fallback)"),	\
	R(clock_nanosleep, "short back-offs, the stop watchdog"),	\
	R(nanosleep, "short back-offs, the stop watchdog"),		\
	R(gettimeofday, "vDSO fallback"),				\
	R(getpid, "log lines, control replies"),			\
	R(gettid, "log lines"),						\
	R(tgkill, "pthread_kill: kick a vCPU out of KVM_RUN"),		\
	R(sched_yield, "spin-then-sleep locks"),			\
	R(restart_syscall, "a sleep interrupted by a signal"),		\
	R(poll, "vfio-user replies with a deadline"),			\
	R(ppoll, "poll() on newer glibc"),				\
	R(newfstatat, "stdio buffers"),					\
	R(fstat, "stdio buffers"),					\
	R(lseek, "stdio file positions"),						\
	R(getrandom, "virtio-rng entropy, malloc's tcache key"),	\
	R(exit, "a thread returns"),					\
	R(exit_group, "the process ends (also after a fatal error)")

/* Device emulation, on a vCPU (its exits) and on the event loop. */
#define DEVICES								\
	R(sendmsg, "vfio-user commands and replies (fds ride on them)"), \
	R(recvmsg, "vfio-user messages (fds ride on them)"),		\
	R(sendto, "vfio-user: send() without fds"),			\
	R(recvfrom, "vfio-user: recv() of message bodies"),		\
	R(shutdown, "a dead vfio-user server: wake the event loop with EPOLLHUP"), \
	R(setsockopt, "vfio-user socket timeouts"),			\
	R(eventfd2, "PV-IC vectors, irqfds, ioeventfds"),		\
	R(timerfd_settime, "PV-IC flush timer, control pause timeout"),	\
	R(epoll_ctl, "watch a new device fd or stop watching a dead one"), \
	R(fcntl, "non-blocking and close-on-exec flags"),		\
	R(dup, "an eventfd handed to a device keeps its own copy"),	\
	R(pread64, "KVM binary stats, disk images"),			\
	R(pwrite64, "disk images (synchronous fall-back)"),		\
	R(readv, "tap frames (virtio-net)"),				\
	R(prlimit64, "PV-IC raises RLIMIT_NOFILE for its eventfds")

static const struct seccomp_rule vcpu_rules[] = {
	COMMON,
	DEVICES,
	END
};

/* Event loop: also accepts control clients and assigns devices while running. */
#define IO_ONLY								\
	R(epoll_wait, "the event loop itself"),				\
	R(epoll_pwait, "epoll_wait on newer glibc"),			\
	R(accept4, "control socket clients"),				\
	R(connect, "hot assignment: connect to a vfio-user server"),	\
	R(getsockopt, "SO_PEERCRED of control clients, SO_ERROR"),	\
	R(getsockname, "the control socket's own address"),		\
	R(getpeername, "control client identity"),			\
	R(openat, "hot assignment: /dev/vfio, sysfs; /proc/self/status for stat"), \
	R(unlink, "a stale control socket file"),			\
	R(unlinkat, "a stale control socket file"),			\
	R(timerfd_create, "pause timeouts, flush timers of hot-assigned devices"), \
	R(memfd_create, "device regions backed by memory"),		\
	R(ftruncate, "size a memfd"),					\
	R(getdents64, "count fds (stat) and scan /dev/vfio"),		\
	R(readlink, "/proc/self/fd entries for stat"),			\
	R(uname, "version reply"),					\
	R(sysinfo, "stat: host memory"),				\
	R(getuid, "control socket: only the owner may connect"),	\
	R(geteuid, "control socket: only the owner may connect"),	\
	R(set_robust_list, "a new thread (the stop watchdog) starts"),	\
	R(rseq, "a new thread starts"),					\
	R(sched_getaffinity, "sysconf(_SC_NPROCESSORS_ONLN)"),		\
	R(getrusage, "stat: CPU time")

static const struct seccomp_rule io_rules[] = {
	COMMON,
	DEVICES,
	IO_ONLY,
	END
};

/* main(): waits on a futex, then tears everything down and reports. */
static const struct seccomp_rule main_rules[] = {
	COMMON,
	DEVICES,
	IO_ONLY,
	R(mincore, "--stats: how much guest RAM is resident"),
	END
};

/* virtio-blk: io_uring on the disk image, eventfd kicks from the guest. */
static const struct seccomp_rule blk_rules[] = {
	COMMON,
	R(io_uring_enter, "submit and reap disk requests"),
	R(io_uring_register, "liburing probes"),
	R(fdatasync, "flush requests (fall-back path)"),
	R(fsync, "flush requests (fall-back path)"),
	R(fallocate, "discard: punch holes (fall-back path)"),
	R(pread64, "read requests (fall-back path)"),
	R(pwrite64, "write requests (fall-back path)"),
	R(preadv, "read requests (fall-back path)"),
	R(pwritev, "write requests (fall-back path)"),
	R(eventfd2, "completion notification"),
	END
};

static const struct seccomp_rule *const kind_rules[SECCOMP_NR_KINDS] = {
	[SECCOMP_MAIN] = main_rules,
	[SECCOMP_VCPU] = vcpu_rules,
	[SECCOMP_IO] = io_rules,
	[SECCOMP_BLK] = blk_rules,
};

static const char *const kind_names[SECCOMP_NR_KINDS] = {
	[SECCOMP_MAIN] = "main",
	[SECCOMP_VCPU] = "vCPU",
	[SECCOMP_IO] = "I/O",
	[SECCOMP_BLK] = "virtio-blk",
};

const char *seccomp__kind_name(enum seccomp_kind kind)
{
	return kind < SECCOMP_NR_KINDS ? kind_names[kind] : "?";
}

const struct seccomp_rule *seccomp__rules(enum seccomp_kind kind)
{
	return kind < SECCOMP_NR_KINDS ? kind_rules[kind] : NULL;
}

/* The kind of the thread that installed a filter last, for the SIGSYS line. */
static __thread int my_kind = -1;

/*
 * System call names for the SIGSYS line, resolved once before any filter
 * (libseccomp allocates them: a signal handler must not).
 */
#define MAX_SYSCALL_NAMES	512
static char *syscall_names[MAX_SYSCALL_NAMES];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void resolve_names(void)
{
	for (int nr = 0; nr < MAX_SYSCALL_NAMES; nr++)
		syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

static void put_str(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n < cap)
		buf[(*n)++] = *s++;
}

static void put_num(char *buf, size_t *n, size_t cap, unsigned long v)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i < (int)sizeof(tmp));
	while (i && *n < cap)
		buf[(*n)++] = tmp[--i];
}

static void put_hex(char *buf, size_t *n, size_t cap, unsigned long v, int digits)
{
	put_str(buf, n, cap, "0x");
	for (int b = (digits - 1) * 4; b >= 0; b -= 4)
		if (*n < cap)
			buf[(*n)++] = "0123456789abcdef"[(v >> b) & 15];
}

/* The refused call: "ioctl KVM_CREATE_VM 0xae01", "openat", or its number. */
static void put_call(char *buf, size_t *n, size_t cap, const siginfo_t *si, const void *uc)
{
	int nr = si->si_syscall;

	put_num(buf, n, cap, (unsigned long)nr);
	if (nr < 0 || nr >= MAX_SYSCALL_NAMES || !syscall_names[nr])
		return;
	put_str(buf, n, cap, " (");
	put_str(buf, n, cap, syscall_names[nr]);
#if defined(__x86_64__)
	if (nr == SCMP_SYS(ioctl) && uc) {
		/* The request is the second argument: rsi (the kernel reads 32 bits). */
		unsigned int req = (unsigned int)((const ucontext_t *)uc)->uc_mcontext.gregs[REG_RSI];
		const char *name = seccomp__ioctl_name(req);

		put_str(buf, n, cap, " ");
		if (name) {
			put_str(buf, n, cap, name);
			put_str(buf, n, cap, " ");
		}
		put_hex(buf, n, cap, req, 8);
	}
#endif
	put_str(buf, n, cap, ")");
}

/*
 * SIGSYS: one line, then the whole process ends with status 1. Only
 * async-signal-safe calls (write, exit_group), both on every list.
 */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[224];
	size_t n = 0;

	put_str(line, &n, sizeof(line), "imsvm: error: seccomp: the ");
	put_str(line, &n, sizeof(line), my_kind >= 0 ? kind_names[my_kind] : "?");
	put_str(line, &n, sizeof(line), " thread made system call ");
	put_call(line, &n, sizeof(line), si, uc);
	put_str(line, &n, sizeof(line), ", which its allow-list refuses: stopping\n");
	(void)!write(STDERR_FILENO, line, n);
	/* Where it came from, for whoever extends the list (addr2line -e imsvm). */
	if (sig == SIGSYS) {
		void *pcs[24];
		int depth = backtrace(pcs, ARRAY_SIZE(pcs));

		n = 0;
		put_str(line, &n, sizeof(line), "imsvm: seccomp: call stack:");
		(void)!write(STDERR_FILENO, line, n);
		for (int i = 0; i < depth; i++) {
			n = 0;
			put_str(line, &n, sizeof(line), " ");
			put_hex(line, &n, sizeof(line), (unsigned long)pcs[i], 16);
			(void)!write(STDERR_FILENO, line, n);
		}
		(void)!write(STDERR_FILENO, "\n", 1);
	}
	syscall(SYS_exit_group, 1);
}

/* Calls narrowed by argument below, not allowed whole by add_rules(). */
static bool narrowed(int nr)
{
	return nr == SCMP_SYS(socket) || nr == SCMP_SYS(clone) || nr == SCMP_SYS(ioctl) ||
	       nr == SCMP_SYS(mmap) || nr == SCMP_SYS(mprotect);
}

static bool listed(const struct seccomp_rule *r, int nr)
{
	for (; r->nr >= 0; r++)
		if (r->nr == nr)
			return true;
	return false;
}

static int add_rules(scmp_filter_ctx ctx, const struct seccomp_rule *r)
{
	for (; r->nr >= 0; r++) {
		int ret;

		if (narrowed(r->nr))
			continue;	/* add_narrowed() */
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, r->nr, 0);
		if (ret < 0 && ret != -EEXIST)
			return ret;
	}
	return 0;
}

/* ioctl by request, memory never executable, sockets and clones where listed. */
static int add_narrowed(scmp_filter_ctx ctx, enum seccomp_kind kind)
{
	const struct seccomp_rule *r = kind_rules[kind];
	int ret = 0;

	for (const struct seccomp_ioctl *i = seccomp__ioctls(kind); !ret && i->name; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, i->req & 0xffffffffUL));
	/* W^X: PROT_EXEC is the third argument of both. */
	if (!ret && listed(r, SCMP_SYS(mmap)))
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret && listed(r, SCMP_SYS(mprotect)))
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (ret || kind == SECCOMP_BLK || kind == SECCOMP_VCPU)
		return ret;
	/* Unix sockets only: vfio-user servers and the control socket. */
	ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* Threads only (the stop watchdog): never a new process. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* clone3's flags are in memory a filter cannot read: make glibc use clone. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return ret;
}

int seccomp__install(enum seccomp_kind kind)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	int ret;

	if (!seccomp_enabled)
		return 0;
#if defined(__SANITIZE_ADDRESS__)
	/* LSan stops the world with ptrace and reads /proc: no filter can allow it. */
	pr_debug("seccomp: off in a sanitizer build");
	return 0;
#endif
	if (kind >= SECCOMP_NR_KINDS)
		return -EINVAL;
	/*
	 * glibc's lazy first uses open files: do them now, outside any filter.
	 * tzset(): gmtime_r() (the CMOS RTC, on a vCPU) reads /etc/localtime once.
	 * backtrace(): loads libgcc_s, which the SIGSYS handler needs.
	 */
	tzset();
	{
		void *pc;

		(void)backtrace(&pc, 1);
	}
	pthread_once(&names_once, resolve_names);
	/* Process-wide, idempotent: every kind shares the handler. */
	if (sigaction(SIGSYS, &sa, NULL))
		return -errno;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	ret = add_rules(ctx, kind_rules[kind]);
	if (!ret)
		ret = add_narrowed(ctx, kind);
	if (!ret) {
		my_kind = (int)kind;
		ret = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	if (ret < 0) {
		pr_err("seccomp: cannot install the %s thread's filter: %s", kind_names[kind],
		       strerror(-ret));
		return ret;
	}
	return 0;
}
