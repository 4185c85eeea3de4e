/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One virtual machine: the KVM handles, guest RAM, the two buses, the device
 * list and the vCPUs. Devices reach KVM only through the vm__*() helpers here
 * (interrupt lines, and later routes, irqfds and memory slots).
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdatomic.h>

#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/guest_mem.h"

struct vcpu;
struct pci_root;
struct event_loop;
struct control;

#define VM_MAX_ASSIGNED		16	/* --vfio-user and --vfio devices, each */
#define VM_MAX_VIRTIO		8	/* --disk and --net devices, each */

/* How the guest gets IMS interrupts of assigned devices (docs/pvic.md). */
enum vm_ims_mode {
	VM_IMS_AUTO = 0,	/* default: the PV-IC when a device is assigned */
	VM_IMS_PVIC,		/* --ims-mode=pvic: the PV-IC, even with no device */
	VM_IMS_TRAP,		/* --ims-mode=trap: trap-and-emulate baseline, no PV-IC */
};

/* What the operator asked for (the command line of `imsvm run`). */
struct vm_config {
	const char *kernel_path;
	const char *initrd_path;	/* NULL: none */
	const char *cmdline;		/* "" when not given */
	const char *name;		/* defaults to "imsvm-PID" */
	const char *dump_dtb_path;	/* --dump-dtb FILE, NULL: no */
	u64 mem_bytes;			/* --mem, in MiB on the command line; default 256 MiB */
	unsigned int nr_cpus;		/* --cpus, default 1 */
	unsigned int timeout_sec;	/* --timeout, 0: none (then exit status 124) */
	bool quiet;			/* --quiet: no informational messages */
	bool console_stdin;		/* serial input from stdin */
	bool print_stats;		/* --stats: KVM exit counts per vCPU at exit */
	/* Device assignment (devices/passthrough.h), in command-line order. */
	const char *vfio_user[VM_MAX_ASSIGNED];	/* --vfio-user SOCKET[,OPTS] */
	unsigned int nr_vfio_user;
	const char *vfio[VM_MAX_ASSIGNED];	/* --vfio DEVICE (BDF or sysfs path) */
	unsigned int nr_vfio;
	/* IMS interrupts (devices/pvic.h). */
	enum vm_ims_mode ims_mode;	/* --ims-mode */
	bool irq_relay;			/* --irq-delivery=relay (default irqfd) */
	bool trace_pvic;		/* --trace-pvic: log each PV-IC operation */
	/* virtio devices (virtio/devices.h), in command-line order. */
	bool console_virtio;		/* --console virtio: hvc0 */
	bool virtio_console_stdin;	/* its input from stdin (then the serial port has none) */
	bool rng;			/* --rng */
	const char *disks[VM_MAX_VIRTIO];	/* --disk FILE[,ro][,serial=ID] */
	unsigned int nr_disks;
	const char *nets[VM_MAX_VIRTIO];	/* --net tap[,ifname=NAME][,mac=MAC] */
	unsigned int nr_nets;
	/* The operator control socket (vmm/control.h). */
	const char *control_path;	/* --control-socket PATH, NULL: the default */
	bool no_control;		/* --no-control */
	bool seccomp;			/* per-thread filters (vmm/seccomp.h); --no-seccomp clears */
};

/* Why the VM stopped; the first reason recorded wins. */
enum vm_exit_reason {
	VM_RUNNING = 0,
	VM_EXIT_POWEROFF,	/* guest powered off or reset: status 0 */
	VM_EXIT_TEST,		/* test-exit port: the guest's status */
	VM_EXIT_ERROR,		/* VMM failure: status 1 */
	VM_EXIT_SIGNAL,		/* SIGINT/SIGTERM */
	VM_EXIT_TIMEOUT,	/* --timeout: status 124 */
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	struct guest_mem mem;
	struct bus pio_bus;
	struct bus mmio_bus;
	struct device_list devices;
	unsigned int nr_vcpus;
	struct vcpu **vcpus;
	struct pci_root *pci;		/* devices/pci.h: the host bridge and bus 0 */
	struct event_loop *loop;	/* vmm/event_loop.h: the VMM's I/O thread */
	struct control *control;	/* vmm/control.h: the control socket, or NULL */

	/*
	 * Test seam: when set, vm__irq_line() calls this instead of KVM, so unit
	 * tests drive devices with a fake VM and watch their interrupts.
	 */
	int (*irq_line_hook)(struct vm *vm, u32 irq, bool level);
	void *test_priv;

	_Atomic int exit_reason;	/* enum vm_exit_reason */
	int exit_status;		/* valid once exit_reason != VM_RUNNING */
};

/*
 * Lifecycle (vmm/vm.c). vm__build() brings the VM up step by step and starts
 * the vCPUs; on failure it logs which step failed and leaves @vm for
 * vm__destroy(). A stop signal during start-up cuts it short: it returns 0
 * without starting the vCPUs, and vm__run() reports the signal. vm__run()
 * waits for the VM to stop and returns the process exit status.
 * vm__destroy() stops and joins every thread and closes every fd.
 */
int __must_check vm__build(struct vm *vm, const struct vm_config *cfg);
int vm__run(struct vm *vm);
void vm__destroy(struct vm *vm);

/*
 * Ask every vCPU to stop; the VM exits with @status. Safe from any thread and
 * from device handlers; only the first request counts.
 */
void vm__request_exit(struct vm *vm, enum vm_exit_reason reason, int status);

/* Set the level of an in-kernel irqchip input (KVM_IRQ_LINE): ISA IRQ / IOAPIC pin @irq. */
int __must_check vm__irq_line(struct vm *vm, u32 irq, bool level);

#endif /* VMM_VM_H */
