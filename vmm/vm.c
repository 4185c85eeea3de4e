/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VM bring-up, run and teardown. vm__build() reads top to bottom in the
 * order things happen; every step names itself when it fails.
 *
 * Stopping: the first vm__request_exit() records the reason and status in
 * vm->exit_reason (a futex word the main thread sleeps on), kicks every
 * vCPU out of KVM_RUN and wakes the main thread. SIGINT/SIGTERM/SIGHUP are
 * blocked in every other thread, so they reach the main thread, whose
 * handler only records the reason and wakes it; the main thread then kicks
 * the vCPUs itself (pthread_kill is not async-signal-safe).
 *
 * A stop signal also makes the abort eventfd readable: every wait for a
 * device server ends at once (vfu_client__set_abort_fd()), so a server that
 * stopped answering holds neither start-up, a hot assignment, a vCPU nor the
 * teardown; each server just sees its connection close. During vm__build()
 * the signals are blocked in the main thread too (threads created meanwhile
 * inherit the mask), except while device servers are contacted; a signal
 * that came meanwhile is taken at the next checkpoint. Either way the start-up
 * stops there, vm__build() returns 0 without starting the vCPUs, and vm__run()
 * says "stopped by signal N (SIGX) during start-up" and returns 128 + N.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


#include "vmm/control.h"
#include "vmm/seccomp.h"
#include "devices/passthrough.h"
#include "devices/vfio_user_client.h"
#include "devices/pvic.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/rtc_cmos.h"
#include "devices/test_exit.h"
#include "devices/uart8250.h"
#include "virtio/devices.h"
#include "vmm/event_loop.h"
#include "vmm/fd_limit.h"
#include "vmm/kvm.h"
#include "vmm/kvm_stats.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/mptable.h"
#include "vmm/term.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/vm_priv.h"

/* Below the LAPIC/IOAPIC and the PCI windows, above RAM below 4 GiB: the kvmtool values. */
#define VM_TSS_ADDR		0xfffbd000ULL
#define VM_IDENTITY_MAP_ADDR	0xfffbc000ULL

static struct vm *signal_vm;	/* the VM the process signal handler stops */
static int abort_fd = -1;	/* eventfd: written by the stop signal handler */

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void futex_wake_all(_Atomic int *word)
{
	syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Records the reason; true for the first caller only. Async-signal-safe. */
static bool record_exit(struct vm *vm, enum vm_exit_reason reason, int status)
{
	int expected = VM_RUNNING;

	if (!atomic_compare_exchange_strong(&vm->exit_reason, &expected, (int)reason))
		return false;
	/* Read by the main thread only after it has joined the vCPU threads. */
	vm->exit_status = status;
	return true;
}

static void kick_vcpus(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i])
			vcpu__kick(vm->vcpus[i]);
}

void vm__request_exit(struct vm *vm, enum vm_exit_reason reason, int status)
{
	if (!record_exit(vm, reason, status))
		return;
	kick_vcpus(vm);
	futex_wake_all(&vm->exit_reason);
}

int vm__irq_line(struct vm *vm, u32 irq, bool level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (vm->irq_line_hook)
		return vm->irq_line_hook(vm, irq, level);
	return kvm__ioctl(vm->vm_fd, KVM_IRQ_LINE, &l);
}

static void stop_signal_handler(int sig)
{
	const u64 one = 1;
	int saved = errno;

	if (signal_vm && record_exit(signal_vm, VM_EXIT_SIGNAL, 128 + sig))
		futex_wake_all(&signal_vm->exit_reason);
	/* Even when the VM was stopping already: a stalled server must not hold it. */
	if (signal_vm && abort_fd >= 0)
		(void)!write(abort_fd, &one, sizeof(one));	/* cannot fail short of 2^64 */
	errno = saved;
}

static int install_signals(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = stop_signal_handler };
	int ret;

	ret = vcpu__init_signals();
	if (ret < 0)
		return ret;
	if (abort_fd < 0) {
		abort_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (abort_fd < 0)
			return -errno;
	}
	vfu_client__set_abort_fd(abort_fd);
	/* A closed console pipe is the UART's error to report, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A file size limit (ulimit -f) below guest RAM or a disk's writes must
	 * fail that call with EFBIG, reported, not kill the VMM with SIGXFSZ.
	 */
	signal(SIGXFSZ, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	signal_vm = vm;
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		if (sigaction(stop_signals[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

/* Block (@block) or unblock the stop signals in the calling thread. */
static void mask_stop_signals(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&set, stop_signals[i]);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * A start-up checkpoint (main thread, stop signals blocked): a stop signal
 * that arrived meanwhile is delivered now, on unblocking. True when the
 * start-up must stop.
 */
static bool stop_signalled(struct vm *vm)
{
	mask_stop_signals(false);
	mask_stop_signals(true);
	return atomic_load(&vm->exit_reason) == VM_EXIT_SIGNAL;
}

/*
 * Pages Intel VMX without unrestricted guest needs to run real mode (a TSS
 * and an identity-mapped page table), placed below the IOAPIC. Other KVMs
 * ignore them or may refuse: our guests start in protected or long mode, so
 * a failure is only worth a warning.
 */
static void set_vmx_realmode_pages(struct vm *vm)
{
	u64 identity = VM_IDENTITY_MAP_ADDR;
	int ret;

	ret = __kvm__ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR);
	if (ret < 0)
		pr_warn("KVM_SET_TSS_ADDR: %s (continuing)", strerror(-ret));
	ret = kvm__ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity);
	if (ret < 0)
		pr_warn("KVM_SET_IDENTITY_MAP_ADDR: %s (continuing)", strerror(-ret));
}

static int create_ram(struct vm *vm, u64 size)
{
	u8 *host;
	int fd, ret;

	fd = memfd_create("imsvm-ram", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		if (ret == -EFBIG)
			pr_err("guest RAM: %llu MiB is more than the file size limit (ulimit -f)",
			       (unsigned long long)(size / MiB));
		goto err_close;
	}
	/* NORESERVE: guest RAM is committed page by page as the guest touches it. */
	host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (host == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	/* Best effort: shmem huge pages when the host allows them (shmem_enabled=advise). */
	if (size >= 2 * MiB)
		madvise(host, size, MADV_HUGEPAGE);
	ret = guest_mem__layout(&vm->mem, host, fd, size);
	if (ret < 0)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(host, size);
err_close:
	close(fd);
	return ret;
}

static int map_ram(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->mem.nr_regions; i++) {
		const struct guest_mem_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region kr = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (u64)(uintptr_t)(vm->mem.host + r->offset),
		};
		int ret = kvm__ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &kr);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The PC wiring the MP table describes: ISA IRQ n goes to 8259 input n and
 * IOAPIC pin n, except IRQ 0 (the PIT), which is wired to IOAPIC pin 2 (the
 * usual interrupt source override); GSI 2 (the cascade) goes nowhere; GSIs
 * 16..23 (PCI INTx) go to IOAPIC pins 16..23. KVM's default table sends GSI
 * 0 to pin 0, so it is replaced (QEMU does the same).
 * TODO: the interrupt-routing layer of later issues owns this table and must
 * keep these entries when it adds MSI routes.
 */
static int set_pc_irq_routing(struct vm *vm)
{
	struct kvm_irq_routing *r;
	unsigned int n = 0;
	int ret;

	r = calloc(1, sizeof(*r) + 48 * sizeof(r->entries[0]));
	if (!r)
		return -ENOMEM;
	for (u32 gsi = 0; gsi < LAYOUT_IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		if (gsi < 16)
			r->entries[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							     KVM_IRQCHIP_PIC_SLAVE,
					.pin = gsi % 8,
				},
			};
		r->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi },
		};
	}
	r->nr = n;
	ret = kvm__ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}

/* The IOAPIC's id register must say what the MP table says: the id after the CPUs'. */
static int set_ioapic_id(struct vm *vm, unsigned int id)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	int ret;

	ret = kvm__ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip);
	if (ret < 0)
		return ret;
	chip.chip.ioapic.id = id;
	return kvm__ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip);
}

static int create_irqchip(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int ret;

	ret = __kvm__ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (ret < 0) {
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(-ret));
		return ret;
	}
	ret = set_pc_irq_routing(vm);
	if (ret < 0) {
		pr_err("KVM_SET_GSI_ROUTING (ISA/PCI wiring): %s", strerror(-ret));
		return ret;
	}
	ret = set_ioapic_id(vm, vm->cfg->nr_cpus);
	if (ret < 0) {
		pr_err("IOAPIC id (KVM_GET/SET_IRQCHIP): %s", strerror(-ret));
		return ret;
	}
	ret = kvm__ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit);
	if (ret < 0) {
		pr_err("KVM_CREATE_PIT2: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static int create_devices(struct vm *vm)
{
	static const struct {
		const char *name;
		int (*init)(struct vm *vm);
	} steps[] = {
		{ "PCI host bridge", pci__init },
		{ "serial port (8250)", uart8250__init },
		{ "test-exit port", test_exit__init },
		{ "i8042 (reset)", i8042__init },
		{ "CMOS RTC", rtc_cmos__init },
	};
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		ret = steps[i].init(vm);

		if (ret < 0) {
			pr_err("device %s: %s", steps[i].name, strerror(-ret));
			return ret;
		}
	}
	/*
	 * Assigned devices last: they need RAM (DMA map) and the PCI bus. A
	 * device server may take its time (up to its timeout): the stop
	 * signals are let in meanwhile (no thread but this one exists yet), so
	 * SIGTERM ends the wait at once (the abort fd) instead of after it.
	 */
	mask_stop_signals(false);
	for (unsigned int i = 0; i < vm->cfg->nr_vfio_user && !ret; i++)
		ret = passthrough__add_vfio_user(vm, vm->cfg->vfio_user[i]);
	for (unsigned int i = 0; i < vm->cfg->nr_vfio && !ret; i++)
		ret = passthrough__add_vfio(vm, vm->cfg->vfio[i]);
	mask_stop_signals(true);
	if (ret < 0)
		return ret;
	/* virtio devices (virtio/devices.h); each names its own problem. */
	if (vm->cfg->console_virtio && virtio_console__init(vm) < 0)
		return -EINVAL;
	for (unsigned int i = 0; i < vm->cfg->nr_disks; i++)
		if (virtio_blk__init(vm, vm->cfg->disks[i]) < 0)
			return -EINVAL;
	for (unsigned int i = 0; i < vm->cfg->nr_nets; i++)
		if (virtio_net__init(vm, vm->cfg->nets[i]) < 0)
			return -EINVAL;
	if (vm->cfg->rng && virtio_rng__init(vm) < 0)
		return -EINVAL;
	/* The PV-IC after them: it hands out IMS vectors for the assigned ADIs. */
	return pvic__setup(vm);
}

static int create_vcpus(struct vm *vm, const struct kvm_limits *limits)
{
	struct kvm_cpuid2 *cpuid;
	unsigned int n = vm->cfg->nr_cpus;
	int ret;

	ret = vcpu__get_supported_cpuid(vm->kvm_fd, &cpuid);
	if (ret < 0) {
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(-ret));
		return ret;
	}
	vm->vcpus = calloc(n, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		ret = vcpu__create(vm, i, n, cpuid, limits->vcpu_mmap_size, &vm->vcpus[i]);
		if (ret < 0)
			goto out;
		vm->nr_vcpus = i + 1;
		/* Missing stats are said once (kvm_stats__open) and are not an error. */
		if (vm->cfg->print_stats && (i == 0 || vm->vcpus[0]->stats.descs) &&
		    kvm_stats__open(vm->kvm_fd, vm->vcpus[i]->fd, &vm->vcpus[i]->stats) < 0)
			pr_debug("vCPU %u: no statistics", i);
	}
out:
	free(cpuid);
	return ret;
}

/* The boot vCPU starts where the loader says; the others wait for INIT/SIPI. */
static int setup_vcpus(struct vm *vm, const struct boot_cpu_state *boot)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int ret = i == 0 ? vcpu__setup_boot(vm->vcpus[i], boot) :
				   vcpu__setup_ap(vm->vcpus[i]);

		if (ret < 0)
			return ret;
	}
	return 0;
}

static int start_vcpus(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int ret = vcpu__start(vm->vcpus[i]);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A step whose callee says nothing on failure: name it here. */
#define STEP(what, expr)						\
	do {								\
		ret = (expr);						\
		if (ret < 0) {						\
			pr_err("VM set-up failed at: %s (%s)", what,	\
			       strerror(-ret));				\
			return ret;					\
		}							\
	} while (0)

/* A step whose callee already logged the one line naming the problem. */
#define STEP_LOGGED(expr)						\
	do {								\
		ret = (expr);						\
		if (ret < 0)						\
			return ret;					\
	} while (0)

/* A stop signal came during start-up: stop here (see stop_signalled()). */
#define CHECKPOINT()							\
	do {								\
		if (stop_signalled(vm))					\
			return -EINTR;					\
	} while (0)

static int build(struct vm *vm, const struct vm_config *cfg)
{
	struct boot_cpu_state boot;
	struct kvm_limits limits;
	size_t dtb_size = 0;
	void *dtb = NULL;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->mem.fd = -1;
	bus__init(&vm->pio_bus, "pio");
	bus__init(&vm->mmio_bus, "mmio");
	device_list__init(&vm->devices);
	atomic_store(&vm->exit_reason, VM_RUNNING);
	/* Each thread installs its filter as it starts (vmm/seccomp.h). */
	seccomp_enabled = cfg->seccomp;

	/*
	 * Each assigned device and each of its interrupt vectors costs fds: the
	 * limit is raised before the first device, not when the PV-IC comes.
	 */
	fd_limit__raise(FD_LIMIT_IMS);

	/* Signals first: from here on SIGINT ends the VM through vm__run(). */
	STEP("signal handlers", install_signals(vm));
	mask_stop_signals(true);

	/* KVM itself: errors here are about the host, and say so. */
	STEP_LOGGED(kvm__open("/dev/kvm", &vm->kvm_fd));
	STEP_LOGGED(kvm__check_caps(vm->kvm_fd, &limits));
	if (cfg->nr_cpus == 0 || cfg->nr_cpus > limits.max_vcpus ||
	    cfg->nr_cpus > MPTABLE_MAX_CPUS) {
		pr_err("--cpus %u: must be 1..%u (KVM_CAP_MAX_VCPUS %u, MP table limit %u)",
		       cfg->nr_cpus, MIN(limits.max_vcpus, (unsigned int)MPTABLE_MAX_CPUS),
		       limits.max_vcpus, MPTABLE_MAX_CPUS);
		return -EINVAL;
	}
	if (cfg->nr_cpus > limits.nr_vcpus)
		pr_info("--cpus %u: above KVM's recommended %u (KVM_CAP_NR_VCPUS)", cfg->nr_cpus,
			limits.nr_vcpus);

	STEP("KVM_CREATE_VM", vm->vm_fd = __kvm__ioctl(vm->kvm_fd, KVM_CREATE_VM, 0));
	set_vmx_realmode_pages(vm);

	/* Guest RAM: a memfd, so device servers can map it too. */
	STEP("guest RAM (memfd)", create_ram(vm, cfg->mem_bytes));
	STEP("KVM_SET_USER_MEMORY_REGION", map_ram(vm));

	/* Interrupt controllers and timer in the kernel: LAPIC, IOAPIC, PIC, PIT. */
	STEP_LOGGED(create_irqchip(vm));

	/* vCPUs exist before the device tree, which lists them. */
	STEP_LOGGED(create_vcpus(vm, &limits));

	/* The I/O thread, then the devices (the console may watch stdin through it). */
	STEP("event loop", event_loop__create(&vm->loop));
	if (cfg->console_stdin || cfg->virtio_console_stdin)
		STEP("console terminal", term__raw(STDIN_FILENO));
	STEP_LOGGED(create_devices(vm));
	CHECKPOINT();
	STEP("event loop thread", event_loop__start(vm->loop));

	/* What the guest is told about the machine. */
	STEP_LOGGED(vm_image__build_dtb(vm, &dtb, &dtb_size));
	ret = mptable__write(&vm->mem, cfg->nr_cpus);
	if (ret < 0) {
		free(dtb);
		pr_err("VM set-up failed at: MP table (%s)", strerror(-ret));
		return ret;
	}

	ret = vm_image__load_kernel(vm, dtb, dtb_size, &boot);
	free(dtb);
	if (ret < 0)
		return ret;
	CHECKPOINT();

	STEP_LOGGED(setup_vcpus(vm, &boot));
	/* The operator's socket, once there is a VM to control. */
	STEP_LOGGED(control__start(vm));
	CHECKPOINT();
	STEP_LOGGED(start_vcpus(vm));
	return 0;
}

int vm__build(struct vm *vm, const struct vm_config *cfg)
{
	int ret = build(vm, cfg);

	/*
	 * A stop signal cut the start-up short (whatever step it interrupted
	 * failed quietly): not a VMM error. No vCPU runs; vm__run() says it
	 * and returns 128 + the signal.
	 */
	if (ret < 0 && atomic_load(&vm->exit_reason) == VM_EXIT_SIGNAL)
		return 0;
	return ret;
}

#undef STEP
#undef STEP_LOGGED
#undef CHECKPOINT

int vm__run(struct vm *vm)
{
	struct timespec deadline, now, rel;
	unsigned int timeout = vm->cfg->timeout_sec;
	bool guest_ran;
	int reason;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	/* Every other thread runs under its own filter by now: main's last. */
	if (seccomp__install(SECCOMP_MAIN) < 0)
		record_exit(vm, VM_EXIT_ERROR, 1);	/* status 1: a VMM error */
	mask_stop_signals(false);

	while ((reason = atomic_load(&vm->exit_reason)) == VM_RUNNING) {
		struct timespec *tp = NULL;

		if (timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			rel.tv_sec = deadline.tv_sec - now.tv_sec;
			rel.tv_nsec = deadline.tv_nsec - now.tv_nsec;
			if (rel.tv_nsec < 0) {
				rel.tv_nsec += 1000000000L;
				rel.tv_sec--;
			}
			if (rel.tv_sec < 0) {
				if (record_exit(vm, VM_EXIT_TIMEOUT, 124))
					pr_err("timeout: the guest ran for %u s (--timeout)",
					       timeout);
				break;
			}
			tp = &rel;
		}
		/* Sleeps only while the word still says VM_RUNNING: no lost wake-up. */
		syscall(SYS_futex, (int *)&vm->exit_reason, FUTEX_WAIT_PRIVATE, VM_RUNNING, tp,
			NULL, 0);
	}

	/* Whoever recorded the exit may have been a signal handler: kick from here. */
	kick_vcpus(vm);
	guest_ran = vm->nr_vcpus && vm->vcpus[0]->started;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu__join(vm->vcpus[i]);

	if (vm->cfg->print_stats) {
		vm_report__exit_counts(vm);
		vm_report__host_memory(vm);
	}
	reason = atomic_load(&vm->exit_reason);
	if (reason == VM_EXIT_SIGNAL) {
		const char *abbrev = sigabbrev_np(vm->exit_status - 128);

		/* The one line of a signal stop (vfio-user waits it cut short say nothing). */
		pr_info("stopped by signal %d (SIG%s)%s", vm->exit_status - 128,
			abbrev ? abbrev : "?", guest_ran ? "" : " during start-up: the guest never ran");
	}
	/* exit(256) would read as success: a code that does not fit becomes 255. */
	if (vm->exit_status < 0 || vm->exit_status > 255) {
		pr_warn("guest exit code %d does not fit an exit status: exiting with 255",
			vm->exit_status);
		return 255;
	}
	return vm->exit_status;
}

void vm__destroy(struct vm *vm)
{
	/* Stop whatever runs: vCPU threads first, so no device handler is in flight. */
	record_exit(vm, VM_EXIT_ERROR, 1);
	kick_vcpus(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu__join(vm->vcpus[i]);
	if (vm->loop)
		event_loop__stop(vm->loop);

	device_list__destroy(&vm->devices);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu__destroy(vm->vcpus[i]);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	event_loop__destroy(vm->loop);
	vm->loop = NULL;

	if (vm->mem.host)
		munmap(vm->mem.host, vm->mem.ram_size);
	if (vm->mem.fd >= 0)
		close(vm->mem.fd);
	vm->mem.host = NULL;
	vm->mem.fd = -1;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
	bus__destroy(&vm->pio_bus);
	bus__destroy(&vm->mmio_bus);
	term__restore();
	/* Blocked while the handler's fd goes: it must not write to a reused number. */
	mask_stop_signals(true);
	if (signal_vm == vm) {
		signal_vm = NULL;
		vfu_client__set_abort_fd(-1);
		if (abort_fd >= 0)
			close(abort_fd);
		abort_fd = -1;
	}
	mask_stop_signals(false);
}
