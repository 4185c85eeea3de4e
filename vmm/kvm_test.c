/* SPDX-License-Identifier: GPL-2.0-only */
/* What needs no KVM: the error paths of opening it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "vmm/kvm.h"

Test(kvm, missing_device_is_enoent)
{
	int fd = -1;

	cr_assert_eq(kvm__open("/nonexistent/kvm", &fd), -ENOENT);
	cr_assert_eq(fd, -1, "no fd handed out on failure");
}

Test(kvm, not_a_kvm_device_is_refused)
{
	int fd = -1;

	/* /dev/null opens but has no KVM_GET_API_VERSION. */
	cr_assert_eq(kvm__open("/dev/null", &fd), -ENOTTY);
	cr_assert_eq(fd, -1);
}

Test(kvm, raw_ioctl_returns_minus_errno)
{
	int fd = open("/dev/null", O_RDWR);

	cr_assert_geq(fd, 0);
	cr_assert_eq(__kvm__ioctl(fd, KVM_GET_API_VERSION, 0), -ENOTTY);
	cr_assert_eq(__kvm__ioctl(-1, KVM_GET_API_VERSION, 0), -EBADF);
	cr_assert_eq(kvm__cap(fd, KVM_CAP_IRQCHIP), 0, "a failed check reads as absent");
	close(fd);
}
