/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * i8042 keyboard controller at ports 0x60 (data) and 0x64 (status/command),
 * keyboard IRQ 1: enough of a PS/2 controller and keyboard for Linux's
 * probe to finish at once, and the reset line that Linux's reboot pulls
 * (command 0xFE, or output port bit 0 through 0xD1): the VM then exits as
 * on power-off, status 0. There is no AUX (mouse) port.
 *
 * Port 0x61 (PIT channel 2 gate / speaker) is not here: KVM's in-kernel PIT
 * serves it when created with KVM_PIT_SPEAKER_DUMMY, which vmm/vm.c does.
 */
#ifndef DEVICES_I8042_H
#define DEVICES_I8042_H

#include "vmm/util.h"

struct vm;

int __must_check i8042__init(struct vm *vm);

#endif /* DEVICES_I8042_H */
