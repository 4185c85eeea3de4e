/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which ioctl() requests each kind of thread may make (vmm/seccomp.h). An
 * ioctl is the widest door a filtered thread has: one system call number
 * for everything every driver offers (KVM_CREATE_VM, TIOCSTI that types
 * into the operator's terminal, a disk's BLKDISCARD...). So, as
 * Firecracker does, ioctl is allowed per request, and each request says
 * why that thread needs it. The sets come from reading the code paths that
 * run on each thread and from `strace -f -e trace=ioctl` of the host
 * suites by thread name (docs/reliability.md). Requests made only while
 * the VM is built (KVM_CREATE_*, KVM_SET_CPUID2, TUNSETIFF...) are in no
 * list: every filter goes in after them.
 *
 * Only the low 32 bits of the request are compared: the kernel's ioctl
 * takes an unsigned int (the upper half of the register is ignored), so a
 * filter that compared 64 bits would refuse a legitimate, sign-extended
 * request and could be dodged by no one, but one that compared fewer
 * would allow more than listed.
 */
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "devices/vfio_compat.h"
#include "vmm/seccomp.h"

#define IOC(req, why)	{ req, #req, why }
#define IOC_END		{ 0, NULL, NULL }

/*
 * Every thread: the terminal. isatty() (TCGETS) on a stream's first use and
 * in term__raw(); tcsetattr(TCSANOW) (TCSETS) restores the operator's
 * terminal from the fatal-signal handler, which runs on whichever thread
 * crashed, and at exit.
 */
#define TERMINAL							\
	IOC(TCGETS, "isatty(): stdio's first use of a stream, the console's terminal"), \
	IOC(TCSETS, "term__restore(): the operator's terminal back from raw, on a crash or exit")

/* The kernel's VFIO (--vfio, or `assign vfio=` on the control socket). */
#define VFIO_SETUP							\
	IOC(VFIO_GET_API_VERSION, "kernel VFIO assignment: container version"), \
	IOC(VFIO_CHECK_EXTENSION, "kernel VFIO assignment: type1v2 IOMMU present"), \
	IOC(VFIO_GROUP_GET_STATUS, "kernel VFIO assignment: the group is viable"), \
	IOC(VFIO_GROUP_SET_CONTAINER, "kernel VFIO assignment: group into the container"), \
	IOC(VFIO_SET_IOMMU, "kernel VFIO assignment: container's IOMMU model"), \
	IOC(VFIO_GROUP_GET_DEVICE_FD, "kernel VFIO assignment: the device's fd"), \
	IOC(VFIO_DEVICE_BIND_IOMMUFD, "kernel VFIO assignment over iommufd (cdev)"), \
	IOC(VFIO_DEVICE_ATTACH_IOMMUFD_PT, "kernel VFIO assignment over iommufd: attach the IOAS"), \
	IOC(IOMMU_IOAS_ALLOC, "kernel VFIO assignment over iommufd: the guest's address space"), \
	IOC(IOMMU_IOAS_MAP, "kernel VFIO assignment over iommufd: guest RAM for DMA"), \
	IOC(VFIO_IOMMU_MAP_DMA, "kernel VFIO assignment: guest RAM for DMA (type1)"), \
	IOC(VFIO_DEVICE_GET_INFO, "kernel VFIO assignment: regions and IRQ indices"), \
	IOC(VFIO_DEVICE_GET_REGION_INFO, "kernel VFIO assignment: BARs and config space"), \
	IOC(VFIO_DEVICE_GET_IRQ_INFO, "kernel VFIO assignment: INTx, MSI, MSI-X, IMS counts")

/*
 * vCPU: KVM_RUN and what the device models do on the guest's exits (port
 * and MMIO writes to the interrupt controllers, config space and BARs).
 */
static const struct seccomp_ioctl vcpu_ioctls[] = {
	TERMINAL,
	IOC(KVM_RUN, "run the guest: the thread's job"),
	IOC(KVM_GET_REGS, "vcpu__dump_regs() on a fatal exit"),
	IOC(KVM_GET_SREGS, "vcpu__dump_regs() on a fatal exit"),
	IOC(KVM_IRQ_LINE, "legacy lines: UART, i8042 and PCI INTx on the guest's port writes"),
	IOC(KVM_SIGNAL_MSI, "--irq-delivery=relay: the PV-IC injects from its doorbell"),
	IOC(KVM_SET_GSI_ROUTING, "the guest programs MSI, MSI-X and PV-IC vectors"),
	IOC(KVM_CHECK_EXTENSION, "KVM_CAP_IRQ_ROUTING, when the first route is made by the guest"),
	IOC(KVM_IRQFD, "attach or detach a device's eventfd as the guest (un)masks a vector"),
	IOC(KVM_IOEVENTFD, "virtio queue notify addresses, as the guest sets DRIVER_OK or moves a BAR"),
	IOC(KVM_SET_USER_MEMORY_REGION, "the guest moves a BAR whose pages are mapped (passthrough)"),
	IOC(VFIO_DEVICE_SET_IRQS, "kernel VFIO: the guest enables MSI, MSI-X, INTx or IMS vectors"),
	IOC_END
};

/*
 * I/O (event loop): device events, the control socket, hot (un)assignment
 * of devices, which makes them as the VM's set-up would.
 */
static const struct seccomp_ioctl io_ioctls[] = {
	TERMINAL,
	IOC(KVM_IRQ_LINE, "console input raises the UART's line; INTx, lowered at unassignment"),
	IOC(KVM_SIGNAL_MSI, "--irq-delivery=relay: device eventfds read here, injected by imsvm"),
	IOC(KVM_SET_GSI_ROUTING, "hot (un)assignment: the device's vectors"),
	IOC(KVM_CHECK_EXTENSION, "KVM_CAP_IRQ_ROUTING, KVM_CAP_BINARY_STATS_FD (stat, assignment)"),
	IOC(KVM_IRQFD, "hot (un)assignment, a dead device's vectors detached"),
	IOC(KVM_SET_USER_MEMORY_REGION, "hot (un)assignment, a dead device: BAR pages in or out"),
	IOC(KVM_GET_STATS_FD, "the control socket's stat: KVM's exit counts"),
	IOC(VFIO_DEVICE_SET_IRQS, "kernel VFIO: hot assignment's INTx, unassignment"),
	VFIO_SETUP,
	IOC_END
};

/* main(): waits for the VM, then tears down every device (vm__destroy()). */
static const struct seccomp_ioctl main_ioctls[] = {
	TERMINAL,
	IOC(KVM_SET_GSI_ROUTING, "teardown: device vectors freed"),
	IOC(KVM_IRQFD, "teardown: device eventfds detached"),
	IOC(KVM_IOEVENTFD, "teardown: virtio queue notify addresses detached"),
	IOC(KVM_IRQ_LINE, "teardown: pci__unregister() lowers a device's INTx line"),
	IOC(KVM_SET_USER_MEMORY_REGION, "teardown: BAR pages out of the guest"),
	IOC(KVM_GET_REGS, "vcpu__dump_regs() when the VM ends in error"),
	IOC(KVM_GET_SREGS, "vcpu__dump_regs() when the VM ends in error"),
	IOC(VFIO_DEVICE_SET_IRQS, "teardown: kernel VFIO interrupts disabled"),
	IOC_END
};

/* virtio-blk's thread: io_uring and eventfds; completions interrupt the guest. */
static const struct seccomp_ioctl blk_ioctls[] = {
	TERMINAL,
	IOC(KVM_IRQ_LINE, "a completion's INTx, before the guest enables MSI-X (pci__set_irq)"),
	IOC_END
};

static const struct seccomp_ioctl *const kind_ioctls[SECCOMP_NR_KINDS] = {
	[SECCOMP_MAIN] = main_ioctls,
	[SECCOMP_VCPU] = vcpu_ioctls,
	[SECCOMP_IO] = io_ioctls,
	[SECCOMP_BLK] = blk_ioctls,
};

const struct seccomp_ioctl *seccomp__ioctls(enum seccomp_kind kind)
{
	return kind < SECCOMP_NR_KINDS ? kind_ioctls[kind] : NULL;
}

/*
 * The name of a request, for the SIGSYS line: the lists above plus a few
 * a compromised thread would try. Async-signal-safe (no allocation).
 */
static const struct seccomp_ioctl other_ioctls[] = {
	IOC(KVM_CREATE_VM, "-"), IOC(KVM_CREATE_VCPU, "-"), IOC(KVM_GET_API_VERSION, "-"),
	IOC(KVM_SET_REGS, "-"), IOC(KVM_SET_SREGS, "-"), IOC(KVM_SET_CPUID2, "-"),
	IOC(KVM_SET_LAPIC, "-"), IOC(KVM_GET_LAPIC, "-"), IOC(KVM_SET_FPU, "-"),
	IOC(KVM_SET_MP_STATE, "-"), IOC(KVM_GET_VCPU_MMAP_SIZE, "-"),
	IOC(KVM_CREATE_IRQCHIP, "-"), IOC(KVM_GET_IRQCHIP, "-"), IOC(KVM_SET_IRQCHIP, "-"),
	IOC(KVM_SET_TSS_ADDR, "-"), IOC(KVM_SET_IDENTITY_MAP_ADDR, "-"),
	IOC(KVM_GET_SUPPORTED_CPUID, "-"), IOC(KVM_CREATE_PIT2, "-"),
	IOC(VFIO_DEVICE_RESET, "-"), IOC(TIOCSTI, "-"), IOC(TIOCGWINSZ, "-"),
	IOC(TCSETSW, "-"), IOC(TCSETSF, "-"), IOC(FIONREAD, "-"), IOC(FIONBIO, "-"),
	IOC_END
};

const char *seccomp__ioctl_name(unsigned long req)
{
	unsigned int r = (unsigned int)req;	/* what the kernel compares */

	for (int k = 0; k < SECCOMP_NR_KINDS; k++)
		for (const struct seccomp_ioctl *i = kind_ioctls[k]; i->name; i++)
			if ((unsigned int)i->req == r)
				return i->name;
	for (const struct seccomp_ioctl *i = other_ioctls; i->name; i++)
		if ((unsigned int)i->req == r)
			return i->name;
	return NULL;
}
