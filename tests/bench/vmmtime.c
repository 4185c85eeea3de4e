/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmmtime: run a VMM once and time it from the outside, the same way for
 * every VMM (imsvm, QEMU), so that the two columns of `make bench` differ
 * only in the program measured.
 *
 *   vmmtime [-o OUT] [-e ERR] [-p PATTERN] [-k SEC] [-t SEC] [-m SUBSTR] -- CMD ARG...
 *
 * Prints one line of key=value figures on stdout:
 *
 *   first_us   CLOCK_MONOTONIC from just before execve() (stamped by the
 *              child itself) to the first byte the child writes on stdout
 *              (the guest's serial console: both VMMs write it unbuffered)
 *   match_us   ... to the first appearance of PATTERN in that output (-p)
 *   exit_us    ... to the moment wait() reports the process gone: the guest
 *              stopped, the VMM tore the VM down and exited
 *   status     exit status, or 128+signal
 *   maxrss_kb  the child's peak RSS from wait4()'s rusage (guest RAM included)
 *   cpu_us     user + system CPU time of all its threads (rusage)
 *   sys_us     of which system (kernel) time
 *
 * -k SEC kills the child (SIGKILL) SEC seconds after PATTERN appeared (0:
 * at once) unless it ended by then: a Linux guest that reached /init need
 * not finish shutting down. -t SEC kills it SEC seconds after the start
 * (default 600).
 *
 * -m SUBSTR (memory mode): the child is traced (PTRACE_SEIZE with
 * PTRACE_O_TRACEEXIT|TRACECLONE, no system-call tracing) and each thread
 * stops on its way out, before its memory is released. At every such stop
 * the thread's /proc status (VmHWM, VmRSS, RssAnon, RssFile, RssShmem) and
 * smaps are read. Guest RAM is the Rss of the mappings whose path
 * contains SUBSTR (the VMM's guest-RAM memfd). Adds:
 *
 *   hwm_kb        VmHWM at the last stop: the peak RSS of the process
 *   guest_kb      Rss of the guest-RAM mappings, at the stop that saw the
 *                 most (a VMM may unmap guest RAM before its last thread
 *                 exits; the first thread to exit, after the guest stopped,
 *                 still sees it all)
 *   rss_kb anon_kb file_kb shmem_kb   VmRSS, RssAnon, RssFile, RssShmem at
 *                 that same stop
 *   vmm_hwm_kb    hwm_kb - guest_kb: peak RSS without guest RAM (guest RAM
 *                 only grows while a VM runs, so this never subtracts more
 *                 guest memory than the peak held)
 *   vmm_rss_kb    rss_kb - guest_kb: RSS without guest RAM at that stop
 *   threads       threads seen
 *   runq_wait_us  time its threads spent runnable but waiting for a CPU
 *                 (schedstat run_delay, summed over the threads, latest
 *                 value each): what a loaded host adds to the times
 *
 * The stops make the run slower: times of memory-mode runs are not used.
 *
 * Exit status: 0 when the child ran (whatever its own status), 1 on an
 * error of vmmtime itself, 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct mem_figures {
	bool valid;
	long long hwm, rss, anon, file, shmem, guest;
};

struct opts {
	const char *out, *err, *pattern, *guest_substr;
	int kill_after_match;		/* seconds, -1: never */
	int timeout_sec;
	char **argv;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: vmmtime [-o OUT] [-e ERR] [-p PATTERN] [-k SEC] [-t SEC] "
		"[-m GUEST_MAPPING_SUBSTR] -- CMD ARG...\n");
	exit(2);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_sec = 600;
	o->kill_after_match = -1;
	while ((c = getopt(argc, argv, "+o:e:p:k:t:m:")) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'e': o->err = optarg; break;
		case 'p': o->pattern = optarg; break;
		case 'k': o->kill_after_match = atoi(optarg); break;
		case 't': o->timeout_sec = atoi(optarg); break;
		case 'm': o->guest_substr = optarg; break;
		default: return -EINVAL;
		}
	}
	if (optind >= argc || o->timeout_sec <= 0 || (o->kill_after_match >= 0 && !o->pattern))
		return -EINVAL;
	o->argv = argv + optind;
	return 0;
}

/* "Key:   1234 kB" lines of a /proc status file. */
static void read_status(const char *path, struct mem_figures *m)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "VmHWM:", offsetof(struct mem_figures, hwm) },
		{ "VmRSS:", offsetof(struct mem_figures, rss) },
		{ "RssAnon:", offsetof(struct mem_figures, anon) },
		{ "RssFile:", offsetof(struct mem_figures, file) },
		{ "RssShmem:", offsetof(struct mem_figures, shmem) },
	};
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i].key, strlen(keys[i].key))) {
				*(long long *)((char *)m + keys[i].off) =
					strtoll(line + strlen(keys[i].key), NULL, 10);
				if (i == 0)
					m->valid = true;
			}
	fclose(f);
}

/* Sum of Rss over the mappings whose header line contains @substr. */
static long long guest_rss_kb(const char *path, const char *substr)
{
	char line[1024];
	bool in_guest = false;
	long long sum = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		/* A mapping header starts "start-end perms ..."; fields are "Key: value". */
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2)
			in_guest = strstr(line, substr) != NULL;
		else if (in_guest && !strncmp(line, "Rss:", 4))
			sum += strtoll(line + 4, NULL, 10);
	}
	fclose(f);
	return sum;
}

/*
 * A thread of the child stopped on its way out: take the memory figures now.
 * VmHWM only grows, so the latest sample has the peak. Guest RAM only grows
 * while it is mapped, but a VMM may unmap it before its last thread exits
 * (imsvm does): the guest figures are those of the sample that saw the most
 * guest RAM, the latest among equals.
 */
static void sample_memory(pid_t pid, pid_t tid, const char *substr, struct mem_figures *best)
{
	struct mem_figures m = { 0 };
	char path[64];
	long long hwm;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	read_status(path, &m);
	if (!m.valid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/smaps", pid, tid);
	m.guest = guest_rss_kb(path, substr);
	if (m.guest < 0)
		return;
	hwm = m.hwm > best->hwm ? m.hwm : best->hwm;
	if (!best->valid || m.guest >= best->guest)
		*best = m;
	best->hwm = hwm;
}

/* CPU time and run-queue wait of each thread (/proc/.../schedstat), latest seen. */
#define MAX_THREADS 256
static struct { pid_t tid; long long cpu_ns, wait_ns; } sched[MAX_THREADS];

static void sample_sched(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);
		long long cpu, wait;
		FILE *f;
		int i;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%lld %lld", &cpu, &wait) == 2) {
			for (i = 0; i < MAX_THREADS && sched[i].tid && sched[i].tid != tid; i++)
				;
			if (i < MAX_THREADS) {
				sched[i].tid = tid;
				sched[i].cpu_ns = cpu;
				sched[i].wait_ns = wait;
			}
		}
		fclose(f);
	}
	closedir(dir);
}

/* Child: wait for the parent's go, stamp the start, exec. */
static void __attribute__((noreturn)) child(const struct opts *o, int out_w, int go_r,
					     volatile long long *t0)
{
	int fd;
	char c;

	if (dup2(out_w, 1) < 0)
		_exit(127);
	fd = open(o->err ? o->err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0)
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(127);
	if (read(go_r, &c, 1) != 1)
		_exit(127);
	*t0 = now_ns();
	execvp(o->argv[0], o->argv);
	dprintf(2, "vmmtime: exec %s: %s\n", o->argv[0], strerror(errno));
	_exit(127);
}

/* Handle every pending state change of the child's threads. True once the child is gone. */
static bool reap(pid_t pid, const struct opts *o, struct mem_figures *mem, int *status,
		 struct rusage *ru_out, long long *t_exit)
{
	for (;;) {
		struct rusage ru;
		int st;
		pid_t w = wait4(-1, &st, __WALL | WNOHANG, &ru);

		if (w <= 0)
			return false;
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st), event = st >> 16, inject = 0;

			if (event == PTRACE_EVENT_EXIT) {
				sample_memory(pid, w, o->guest_substr, mem);
				sample_sched(pid);
			}
			else if (event == 0 && sig != SIGTRAP)
				inject = sig;	/* a real signal: deliver it */
			ptrace(PTRACE_CONT, w, 0, (void *)(long)inject);
			continue;
		}
		if (w != pid)
			continue;	/* another thread of the child ended */
		*t_exit = now_ns();
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		*ru_out = ru;
		return true;
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct mem_figures mem = { 0 };
	struct rusage ru = { 0 };
	int out_p[2], go_p[2], sfd, status = -1, outfd = -1;
	long long t_first = -1, t_match = -1, t_exit = -1, deadline, t0, user_us, sys_us;
	volatile long long *t0p;
	size_t plen = 0, keep = 0;
	char *win = NULL;
	bool gone = false, eof = false, killed = false;
	sigset_t mask;
	pid_t pid;

	if (parse_opts(argc, argv, &o) < 0)
		usage();
	if (o.out) {
		outfd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (outfd < 0) {
			fprintf(stderr, "vmmtime: %s: %s\n", o.out, strerror(errno));
			return 1;
		}
	}
	if (o.pattern) {
		plen = strlen(o.pattern);
		win = malloc(plen + 65536);
		if (!win || !plen)
			return 1;
	}
	t0p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t0p == MAP_FAILED || pipe2(out_p, O_CLOEXEC) < 0 || pipe2(go_p, O_CLOEXEC) < 0) {
		perror("vmmtime");
		return 1;
	}
	/* SIGCHLD through a signalfd: the exit (and ptrace stops) wake the poll below. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		perror("vmmtime: signalfd");
		return 1;
	}

	pid = fork();
	if (pid < 0) {
		perror("vmmtime: fork");
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
		close(out_p[0]);
		close(go_p[1]);
		child(&o, out_p[1], go_p[0], t0p);
	}
	close(out_p[1]);
	close(go_p[0]);
	if (o.guest_substr &&
	    ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE |
							 PTRACE_O_EXITKILL)) < 0) {
		perror("vmmtime: PTRACE_SEIZE");
		kill(pid, SIGKILL);
		return 1;
	}
	if (write(go_p[1], "g", 1) != 1) {
		perror("vmmtime: write");
		return 1;
	}
	close(go_p[1]);
	deadline = now_ns() + (long long)o.timeout_sec * 1000000000LL;

	while (!gone || !eof) {
		struct pollfd pfd[2] = {
			{ .fd = eof ? -1 : out_p[0], .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		long long left = deadline - now_ns();
		char buf[65536];
		ssize_t n;

		/* Something the child left behind may hold the pipe: not for long. */
		if (gone && now_ns() - t_exit > 2000000000LL)
			break;
		if (left <= 0 && !killed) {
			if (t_match < 0 || o.kill_after_match < 0)
				fprintf(stderr, "vmmtime: timeout after %d s: killing %s\n",
					o.timeout_sec, o.argv[0]);
			kill(pid, SIGKILL);
			killed = true;
		}
		if (poll(pfd, 2, left > 0 ? (int)(left / 1000000 + 1) : 100) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			if (!gone)
				gone = reap(pid, &o, &mem, &status, &ru, &t_exit);
		}
		if (!pfd[0].revents)
			continue;
		n = read(out_p[0], buf, sizeof(buf));
		if (n <= 0) {
			eof = true;
			continue;
		}
		if (t_first < 0)
			t_first = now_ns();
		if (outfd >= 0 && write(outfd, buf, (size_t)n) != n)
			perror("vmmtime: writing the output copy");
		if (o.pattern && t_match < 0) {
			/* Window: the last plen-1 bytes seen plus this chunk. */
			memcpy(win + keep, buf, (size_t)n);
			if (memmem(win, keep + (size_t)n, o.pattern, plen)) {
				t_match = now_ns();
				/* The deadline moves closer; the loop's check kills. */
				if (o.kill_after_match >= 0 &&
				    t_match + o.kill_after_match * 1000000000LL < deadline)
					deadline = t_match + o.kill_after_match * 1000000000LL;
			}
			keep += (size_t)n;
			if (keep > plen - 1) {
				memmove(win, win + keep - (plen - 1), plen - 1);
				keep = plen - 1;
			}
		}
	}

	t0 = *t0p;
#define US(t) ((t) < 0 || !t0 ? -1LL : ((t) - t0) / 1000)
	user_us = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
	sys_us = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
	printf("first_us=%lld match_us=%lld exit_us=%lld status=%d maxrss_kb=%ld cpu_us=%lld "
	       "sys_us=%lld", US(t_first), US(t_match), US(t_exit), status, ru.ru_maxrss,
	       user_us + sys_us, sys_us);
	if (o.guest_substr) {
		if (mem.valid)
			printf(" hwm_kb=%lld rss_kb=%lld anon_kb=%lld file_kb=%lld shmem_kb=%lld "
			       "guest_kb=%lld vmm_hwm_kb=%lld vmm_rss_kb=%lld", mem.hwm, mem.rss,
			       mem.anon, mem.file, mem.shmem, mem.guest, mem.hwm - mem.guest,
			       mem.rss - mem.guest);
		else
			printf(" mem=unavailable");
		if (sched[0].tid) {
			long long w = 0, n = 0;

			for (int i = 0; i < MAX_THREADS && sched[i].tid; i++, n++)
				w += sched[i].wait_ns;
			printf(" threads=%lld runq_wait_us=%lld", n, w / 1000);
		}
	}
	printf("\n");
	return 0;
}
