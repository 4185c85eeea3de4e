/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <string.h>

#include "virtio/ioeventfd.h"
#include "vmm/kvm.h"
#include "vmm/vm.h"

static int ioeventfd(struct vm *vm, u64 gpa, u32 len, int fd, u32 flags)
{
	struct kvm_ioeventfd io;

	if (vm->vm_fd < 0)
		return -ENODEV;
	memset(&io, 0, sizeof(io));
	io.addr = gpa;
	io.len = len;
	io.fd = fd;
	io.flags = flags;
	return kvm__ioctl(vm->vm_fd, KVM_IOEVENTFD, &io);
}

int ioeventfd__assign(struct vm *vm, u64 gpa, u32 len, int fd)
{
	return ioeventfd(vm, gpa, len, fd, 0);
}

int ioeventfd__deassign(struct vm *vm, u64 gpa, u32 len, int fd)
{
	return ioeventfd(vm, gpa, len, fd, KVM_IOEVENTFD_FLAG_DEASSIGN);
}
