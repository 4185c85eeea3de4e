/* SPDX-License-Identifier: GPL-2.0-only */
/* KVM_SIGNAL_MSI (see msi_signal.h). */
#include <errno.h>

#include "vmm/kvm.h"
#include "vmm/msi_signal.h"
#include "vmm/vm.h"

int (*msi__signal_hook)(struct vm *vm, u64 addr, u32 data);

int msi__signal(struct vm *vm, u64 addr, u32 data)
{
	struct kvm_msi msi = {
		.address_lo = (u32)addr, .address_hi = (u32)(addr >> 32), .data = data,
	};
	int ret;

	if (msi__signal_hook)
		return msi__signal_hook(vm, addr, data);
	ret = kvm__ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (ret == 0)
		return -EBUSY;		/* the guest's APIC refused it */
	return ret < 0 ? ret : 0;
}
