/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/log.h"

#define KVM_API_VERSION_EXPECTED	12

int __kvm__ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int kvm__cap(int fd, long cap)
{
	int ret = __kvm__ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)cap);

	return ret < 0 ? 0 : ret;
}

int kvm__open(const char *path, int *fd_out)
{
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
			pr_err("%s: %s (KVM is not available on this machine)", path,
			       strerror(-ret));
		else if (ret == -EACCES || ret == -EPERM)
			pr_err("%s: %s (add yourself to the 'kvm' group or run as root)",
			       path, strerror(-ret));
		else
			pr_err("%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = __kvm__ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION_EXPECTED) {
		if (ret < 0)
			pr_err("%s: KVM_GET_API_VERSION: %s", path, strerror(-ret));
		else
			pr_err("%s: KVM API version %d, imsvm needs %d", path, ret,
			       KVM_API_VERSION_EXPECTED);
		close(fd);
		return ret < 0 ? ret : -ENOTSUP;
	}
	*fd_out = fd;
	return 0;
}

/* What imsvm cannot run without; later issues rely on the interrupt ones. */
static const struct {
	const char *name;
	long cap;
} required_caps[] = {
	{ "KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY },
	{ "KVM_CAP_SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR },
	{ "KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID },
	{ "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP },
	{ "KVM_CAP_IRQ_ROUTING", KVM_CAP_IRQ_ROUTING },
	{ "KVM_CAP_IRQFD", KVM_CAP_IRQFD },
	{ "KVM_CAP_IOEVENTFD", KVM_CAP_IOEVENTFD },
	{ "KVM_CAP_PIT2", KVM_CAP_PIT2 },
	{ "KVM_CAP_SIGNAL_MSI", KVM_CAP_SIGNAL_MSI },
	{ "KVM_CAP_MP_STATE", KVM_CAP_MP_STATE },
	{ "KVM_CAP_IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT },
};

int kvm__check_caps(int kvm_fd, struct kvm_limits *limits)
{
	int v;

	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (kvm__cap(kvm_fd, required_caps[i].cap) <= 0) {
			pr_err("/dev/kvm: missing capability %s", required_caps[i].name);
			return -ENOTSUP;
		}
	}

	memset(limits, 0, sizeof(*limits));
	/* Per the KVM API documentation: NR_VCPUS absent means 4, MAX_VCPUS absent means NR_VCPUS. */
	v = kvm__cap(kvm_fd, KVM_CAP_NR_VCPUS);
	limits->nr_vcpus = v > 0 ? (unsigned int)v : 4;
	v = kvm__cap(kvm_fd, KVM_CAP_MAX_VCPUS);
	limits->max_vcpus = v > 0 ? (unsigned int)v : limits->nr_vcpus;
	v = kvm__cap(kvm_fd, KVM_CAP_MAX_VCPU_ID);
	limits->max_vcpu_id = v > 0 ? (unsigned int)v : limits->max_vcpus;
	limits->has_stats_fd = kvm__cap(kvm_fd, KVM_CAP_BINARY_STATS_FD) > 0;
	limits->has_immediate_exit = true;

	v = __kvm__ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v < (int)sizeof(struct kvm_run)) {
		pr_err("/dev/kvm: KVM_GET_VCPU_MMAP_SIZE: %s",
		       v < 0 ? strerror(-v) : "too small");
		return v < 0 ? v : -EINVAL;
	}
	limits->vcpu_mmap_size = v;
	return 0;
}
