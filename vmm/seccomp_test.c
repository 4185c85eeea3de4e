/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seccomp filters (vmm/seccomp.c). Criterion runs each test in its own
 * process, so a test may install a filter and die of it:
 *   - a vCPU-kind thread that makes a forbidden call (execve, socket,
 *     openat) ends the whole process with status 1 after one line;
 *   - an allowed call (write, eventfd2, ioctl) goes through;
 *   - the I/O kind may create threads but not processes (clone without
 *     CLONE_THREAD is refused) and only AF_UNIX sockets;
 *   - ioctl() is allowed by request: a vCPU asking for KVM_CREATE_VM or
 *     TIOCSTI dies with a line naming the thread, the call and the request,
 *     KVM_RUN passes (and only its low 32 bits count, as for the kernel);
 *     the virtio-blk thread may not even KVM_RUN;
 *   - no thread maps or makes memory executable;
 *   - disabled (--no-seccomp) installs nothing;
 *   - every list says why for every entry and has the calls every thread
 *     needs to log and leave.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/seccomp.h"

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds run without filters (vmm/seccomp.c): nothing to test. */
Test(seccomp, not_in_sanitizer_builds)
{
	cr_skip_test("SANITIZE=1: imsvm installs no seccomp filter under ASan/LSan");
}
#else

static void *vcpu_forbidden(void *arg)
{
	cr_assert_eq(seccomp__install(SECCOMP_VCPU), 0);
	/* A vCPU never opens a file: a compromised device handler might. */
	(void)syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
	return (void *)1;	/* not reached */
}

/* The kill is of the process, from another thread than main: status 1. */
Test(seccomp, vcpu_forbidden_call_ends_the_process, .exit_code = 1, .init = cr_redirect_stderr)
{
	pthread_t t;

	seccomp_enabled = true;
	cr_assert_eq(pthread_create(&t, NULL, vcpu_forbidden, NULL), 0);
	pthread_join(t, NULL);
	cr_assert_fail("the forbidden call returned");
}

Test(seccomp, main_thread_forbidden_call_ends_the_process, .exit_code = 1, .init = cr_redirect_stderr)
{
	seccomp_enabled = true;
	cr_assert_eq(seccomp__install(SECCOMP_VCPU), 0);
	(void)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	cr_assert_fail("the forbidden call returned");
}

static void *vcpu_allowed(void *arg)
{
	int efd;

	if (seccomp__install(SECCOMP_VCPU))
		return NULL;
	efd = eventfd(0, EFD_CLOEXEC);		/* PV-IC vectors */
	if (efd < 0 || write(efd, &(u64){ 1 }, 8) != 8)
		return NULL;
	close(efd);
	return (void *)1;
}

Test(seccomp, vcpu_allowed_calls_work)
{
	pthread_t t;
	void *ok = NULL;

	seccomp_enabled = true;
	cr_assert_eq(pthread_create(&t, NULL, vcpu_allowed, NULL), 0);
	cr_assert_eq(pthread_join(t, &ok), 0);
	cr_assert_eq(ok, (void *)1);
}

static void *noop(void *arg)
{
	return arg;
}

Test(seccomp, io_threads_yes_processes_no, .exit_code = 1, .init = cr_redirect_stderr)
{
	pthread_t t;
	int s;

	seccomp_enabled = true;
	cr_assert_eq(seccomp__install(SECCOMP_IO), 0);
	/* A thread (the stop watchdog): clone3 says ENOSYS, glibc falls back to clone. */
	cr_assert_eq(pthread_create(&t, NULL, noop, NULL), 0);
	pthread_join(t, NULL);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(s, 0, "AF_UNIX refused: %s", strerror(errno));
	close(s);
	/* fork() is clone without CLONE_THREAD: the process ends here. */
	(void)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	cr_assert_fail("fork went through");
}

Test(seccomp, io_inet_socket_refused, .exit_code = 1, .init = cr_redirect_stderr)
{
	seccomp_enabled = true;
	cr_assert_eq(seccomp__install(SECCOMP_IO), 0);
	(void)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	cr_assert_fail("an AF_INET socket went through");
}

/*
 * Run @fn in a child process under @kind's filter; its stderr in @out.
 * Returns the child's exit status (fn's return value when it survives),
 * or -1 if it died of a signal.
 */
static int run_filtered(enum seccomp_kind kind, int (*fn)(void), char *out, size_t cap)
{
	size_t n = 0;
	ssize_t got;
	int p[2], st;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		seccomp_enabled = true;
		if (seccomp__install(kind))
			_exit(99);
		_exit(fn());
	}
	close(p[1]);
	while (n + 1 < cap && (got = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = 0;
	close(p[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* @fn is refused on every kind of thread (status 1), the line naming @what. */
static void refused_on_every_thread(int (*fn)(void), const char *what)
{
	char out[4096];

	for (int k = 0; k < SECCOMP_NR_KINDS; k++) {
		cr_expect_eq(run_filtered(k, fn, out, sizeof(out)), 1, "%s: %s",
			     seccomp__kind_name(k), out);
		cr_expect(strstr(out, what), "%s: %s", seccomp__kind_name(k), out);
	}
}

static int create_vm(void)
{
	(void)ioctl(0, KVM_CREATE_VM, 0);	/* refused before the fd is looked at */
	return 0;
}

Test(seccomp, vcpu_ioctl_outside_its_list_is_refused_and_named)
{
	char out[4096];

	cr_assert_eq(run_filtered(SECCOMP_VCPU, create_vm, out, sizeof(out)), 1, "%s", out);
	cr_expect(strstr(out, "seccomp: the vCPU thread made system call 16 (ioctl KVM_CREATE_VM "
			 "0x0000ae01), which its allow-list refuses"), "line: %s", out);
}

static int tiocsti(void)
{
	char c = 'x';

	(void)ioctl(STDIN_FILENO, TIOCSTI, &c);	/* would type into the operator's terminal */
	return 0;
}

Test(seccomp, tiocsti_refused_on_every_thread)
{
	refused_on_every_thread(tiocsti, "(ioctl TIOCSTI 0x00005412)");
}

/* Allowed requests reach the kernel: EBADF on a closed fd, ENOTTY on an eventfd. */
static int allowed_ioctls(void)
{
	struct termios t;
	int efd = eventfd(0, EFD_CLOEXEC);

	if (ioctl(-1, KVM_RUN, 0) != -1 || errno != EBADF)
		return 2;
	/* glibc passes an unsigned long: a sign-extended request is the same one. */
	if (syscall(SYS_ioctl, -1, 0xffffffff00000000UL | KVM_RUN, 0) != -1 || errno != EBADF)
		return 3;
	if (efd < 0 || tcgetattr(efd, &t) != -1 || errno != ENOTTY)	/* TCGETS */
		return 4;
	return 0;
}

Test(seccomp, vcpu_allowed_ioctls_pass)
{
	char out[4096];

	cr_assert_eq(run_filtered(SECCOMP_VCPU, allowed_ioctls, out, sizeof(out)), 0, "%s", out);
}

/* High bits do not smuggle a refused request past the filter either. */
static int create_vm_high_bits(void)
{
	(void)syscall(SYS_ioctl, 0, 0xffffffff00000000UL | KVM_CREATE_VM, 0);
	return 0;
}

Test(seccomp, high_bits_do_not_change_the_request)
{
	char out[4096];

	cr_assert_eq(run_filtered(SECCOMP_VCPU, create_vm_high_bits, out, sizeof(out)), 1, "%s", out);
	cr_expect(strstr(out, "ioctl KVM_CREATE_VM"), "%s", out);
}

static int kvm_run(void)
{
	(void)ioctl(-1, KVM_RUN, 0);
	return 0;
}

Test(seccomp, only_vcpus_run_the_guest)
{
	char out[4096];

	for (int k = 0; k < SECCOMP_NR_KINDS; k++)
		cr_expect_eq(run_filtered(k, kvm_run, out, sizeof(out)), k == SECCOMP_VCPU ? 0 : 1,
			     "%s: %s", seccomp__kind_name(k), out);
}

static int make_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return 0;
}

static int map_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

Test(seccomp, no_thread_makes_memory_executable)
{
	refused_on_every_thread(make_exec, "(mprotect)");
	refused_on_every_thread(map_exec, "(mmap)");
}

Test(seccomp, every_ioctl_says_why_and_set_up_requests_are_in_no_list)
{
	static const unsigned long never[] = { KVM_CREATE_VM, KVM_CREATE_VCPU, KVM_SET_CPUID2,
					       KVM_SET_REGS, KVM_SET_SREGS, TIOCSTI };

	for (int k = 0; k < SECCOMP_NR_KINDS; k++) {
		const struct seccomp_ioctl *i = seccomp__ioctls(k);

		cr_assert_not_null(i);
		for (; i->name; i++) {
			cr_expect(i->why && strlen(i->why) > 10, "%s: %s has no reason",
				  seccomp__kind_name(k), i->name);
			cr_expect_str_eq(seccomp__ioctl_name(i->req), i->name);
			for (unsigned int j = 0; j < ARRAY_SIZE(never); j++)
				cr_expect_neq((unsigned int)i->req, (unsigned int)never[j],
					      "%s may %s", seccomp__kind_name(k), i->name);
		}
	}
	cr_assert_null(seccomp__ioctls(SECCOMP_NR_KINDS));
	cr_expect_str_eq(seccomp__ioctl_name(KVM_CREATE_VM), "KVM_CREATE_VM");
	cr_expect_null(seccomp__ioctl_name(0x12345678));
}

Test(seccomp, disabled_installs_nothing)
{
	seccomp_enabled = false;
	cr_assert_eq(seccomp__install(SECCOMP_VCPU), 0);
	/* Would be fatal under the vCPU filter. */
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	close(fd);
}

Test(seccomp, every_rule_says_why_and_lists_are_complete)
{
	static const int needed[] = { SYS_write, SYS_futex, SYS_exit, SYS_exit_group,
				      SYS_rt_sigreturn, SYS_munmap, SYS_madvise };

	for (int k = 0; k < SECCOMP_NR_KINDS; k++) {
		const struct seccomp_rule *r = seccomp__rules(k);
		unsigned int n = 0;

		cr_assert_not_null(r);
		for (; r[n].nr >= 0; n++)
			cr_expect(r[n].why && strlen(r[n].why) > 5, "%s rule %u has no reason",
				  seccomp__kind_name(k), n);
		for (unsigned int i = 0; i < ARRAY_SIZE(needed); i++) {
			bool found = false;

			for (unsigned int j = 0; j < n; j++)
				found |= r[j].nr == needed[i];
			cr_expect(found, "%s list lacks system call %d", seccomp__kind_name(k),
				  needed[i]);
		}
	}
	cr_assert_null(seccomp__rules(SECCOMP_NR_KINDS));
}
#endif
