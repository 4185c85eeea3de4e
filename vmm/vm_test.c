/* SPDX-License-Identifier: GPL-2.0-only */
/* The parts of vm.c that need no KVM: exit bookkeeping and the interrupt seam. */
#include <criterion/criterion.h>
#include <string.h>

#include "vmm/vm.h"

static u32 hook_irq;
static bool hook_level;

static int fake_irq_line(struct vm *vm, u32 irq, bool level)
{
	hook_irq = irq;
	hook_level = level;
	return 0;
}

Test(vm, first_exit_request_wins)
{
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm__request_exit(&vm, VM_EXIT_TEST, 3);
	vm__request_exit(&vm, VM_EXIT_POWEROFF, 0);
	vm__request_exit(&vm, VM_EXIT_TIMEOUT, 124);
	cr_assert_eq(atomic_load(&vm.exit_reason), VM_EXIT_TEST);
	cr_assert_eq(vm.exit_status, 3);
}

Test(vm, irq_line_goes_through_the_hook)
{
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.vm_fd = -1;
	vm.irq_line_hook = fake_irq_line;
	cr_assert_eq(vm__irq_line(&vm, 4, true), 0);
	cr_assert_eq(hook_irq, 4);
	cr_assert(hook_level);
	cr_assert_eq(vm__irq_line(&vm, 4, false), 0);
	cr_assert(!hook_level);
}

Test(vm, irq_line_without_kvm_fails_cleanly)
{
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.vm_fd = -1;
	cr_assert_lt(vm__irq_line(&vm, 4, true), 0);
}
