/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seccomp filters (vmm/seccomp.c). Criterion runs each test in its own
 * process, so a test may install a filter and die of it:
 *   - a vCPU-kind thread that makes a forbidden call (execve, socket,
 *     openat) ends the whole process with status 1 after one line;
 *   - an allowed call (write, eventfd2, ioctl) goes through;
 *   - the I/O kind may create threads but not processes (clone without
 *     CLONE_THREAD is refused) and only AF_UNIX sockets;
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
#include <sys/eventfd.h>
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
