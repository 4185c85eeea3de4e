/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/boot.h"
#include "vmm/control.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/seccomp.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define VCPU_STACK_SIZE	(512 * 1024)

#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_MODE_NMI	0x4
#define APIC_MODE_EXTINT 0x7

static void kick_handler(int sig)
{
	/* Nothing to do: the signal only makes KVM_RUN return -EINTR. */
	(void)sig;
}

int vcpu__init_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: KVM_RUN must come back to us with -EINTR. */
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int vcpu__get_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out)
{
	unsigned int nent = 128;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		int ret;

		if (!c)
			return -ENOMEM;
		c->nent = nent;
		ret = kvm__ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (ret == 0) {
			*out = c;
			return 0;
		}
		free(c);
		if (ret != -E2BIG || nent >= 4096)
			return ret;
		nent *= 2;
	}
}

/* Number of bits needed to hold ids 0..n-1. */
static unsigned int order_bits(unsigned int n)
{
	unsigned int b = 0;

	while ((1U << b) < n)
		b++;
	return b;
}

/*
 * Tell the guest who this vCPU is: the APIC id in leaf 1 and in the x2APIC
 * topology leaves, and a topology of one package with @nr_cpus cores (one
 * thread each), which is what the MP table describes too.
 */
void vcpu__fixup_cpuid(struct kvm_cpuid2 *c, unsigned int id, unsigned int nr_cpus)
{
	for (u32 i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx &= 0x0000ffff;
			e->ebx |= (id & 0xff) << 24;
			e->ebx |= (MIN(nr_cpus, 255U) & 0xff) << 16;
			if (nr_cpus > 1)
				e->edx |= 1U << 28;	/* HTT: the count above is valid */
			e->ecx |= 1U << 31;		/* running under a hypervisor */
			break;
		case 4:
			/* Cores per package - 1, in EAX[31:26]; one thread shares each cache. */
			e->eax &= 0x3ff;
			if (e->eax & 0x1f)
				e->eax |= (MIN(nr_cpus, 64U) - 1) << 26;
			break;
		case 0xb:
		case 0x1f:
			e->edx = id;
			if (e->index == 0) {		/* SMT level: one thread per core */
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1U << 8) | 0;
			} else if (e->index == 1) {	/* core level */
				e->eax = order_bits(nr_cpus);
				e->ebx = nr_cpus;
				e->ecx = (2U << 8) | 1;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			break;
		case 0x80000008:
			e->ecx &= ~0xffU;
			e->ecx |= (nr_cpus - 1) & 0xff;
			break;
		default:
			break;
		}
	}
}

int vcpu__create(struct vm *vm, unsigned int id, unsigned int nr_cpus,
		 const struct kvm_cpuid2 *supported, int mmap_size, struct vcpu **out)
{
	struct kvm_cpuid2 *cpuid = NULL;
	struct vcpu *vcpu;
	size_t cpuid_size;
	int ret;

	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->stats.fd = -1;

	ret = __kvm__ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (ret < 0) {
		pr_err("vCPU %u: KVM_CREATE_VCPU: %s", id, strerror(-ret));
		goto err_free;
	}
	vcpu->fd = ret;

	vcpu->run_size = (size_t)mmap_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		ret = -errno;
		pr_err("vCPU %u: mmap of kvm_run: %s", id, strerror(-ret));
		goto err_close;
	}

	cpuid_size = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	cpuid = malloc(cpuid_size);
	if (!cpuid) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	memcpy(cpuid, supported, cpuid_size);
	vcpu__fixup_cpuid(cpuid, id, nr_cpus);
	ret = kvm__ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (ret < 0) {
		pr_err("vCPU %u: KVM_SET_CPUID2: %s", id, strerror(-ret));
		goto err_unmap;
	}

	*out = vcpu;
	return 0;

err_unmap:
	munmap(vcpu->run, vcpu->run_size);
err_close:
	close(vcpu->fd);
err_free:
	free(vcpu);
	return ret;
}

static int set_lint(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	u32 *lvt0 = (u32 *)&lapic.regs[APIC_LVT0];
	u32 *lvt1 = (u32 *)&lapic.regs[APIC_LVT1];
	int ret;

	ret = kvm__ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic);
	if (ret < 0)
		return ret;
	/* As on a PC: LINT0 takes the 8259's output (ExtINT), LINT1 is NMI. */
	*lvt0 = (*lvt0 & ~0x700U) | (APIC_MODE_EXTINT << 8);
	*lvt1 = (*lvt1 & ~0x700U) | (APIC_MODE_NMI << 8);
	return kvm__ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic);
}

int vcpu__setup_boot(struct vcpu *vcpu, const struct boot_cpu_state *st)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	bool long64 = st->mode == BOOT_CPU_LONG64;
	int ret;

	ret = kvm__ioctl(vcpu->fd, KVM_GET_SREGS, &sregs);
	if (ret < 0) {
		pr_err("vCPU %u: KVM_GET_SREGS: %s", vcpu->id, strerror(-ret));
		return ret;
	}
	/* Exactly the segments of the GDT the loader wrote, so a reload changes nothing. */
	boot__segment(st, BOOT_SEL_CODE, &sregs.cs);
	boot__segment(st, BOOT_SEL_DATA, &sregs.ds);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	/* A usable busy TSS is required by VMX even though nothing uses it. */
	boot__segment(st, BOOT_SEL_TSS, &sregs.tr);
	sregs.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .limit = 0xffff };
	sregs.gdt.base = st->gdt_base;
	sregs.gdt.limit = st->gdt_limit;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (long64) {
		sregs.cr0 |= X86_CR0_PG;
		sregs.cr3 = st->cr3;
		sregs.cr4 = X86_CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
	}
	ret = kvm__ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
	if (ret < 0) {
		pr_err("vCPU %u: KVM_SET_SREGS: %s", vcpu->id, strerror(-ret));
		return ret;
	}

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = st->rip;
	regs.rsp = st->rsp;
	regs.rsi = st->rsi;
	regs.rbx = st->rbx;
	ret = kvm__ioctl(vcpu->fd, KVM_SET_REGS, &regs);
	if (ret < 0) {
		pr_err("vCPU %u: KVM_SET_REGS: %s", vcpu->id, strerror(-ret));
		return ret;
	}

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;	/* the x87 state after FNINIT */
	fpu.mxcsr = 0x1f80;	/* the SSE state after reset */
	ret = kvm__ioctl(vcpu->fd, KVM_SET_FPU, &fpu);
	if (ret < 0)
		pr_warn("vCPU %u: KVM_SET_FPU: %s (continuing)", vcpu->id, strerror(-ret));

	ret = set_lint(vcpu);
	if (ret < 0) {
		pr_err("vCPU %u: LAPIC LINT0/LINT1 setup: %s", vcpu->id, strerror(-ret));
		return ret;
	}
	return 0;
}

int vcpu__setup_ap(struct vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };
	int ret;

	/* KVM already puts non-BSP vCPUs there with an in-kernel LAPIC; say it anyway. */
	ret = kvm__ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
	if (ret < 0)
		pr_warn("vCPU %u: KVM_SET_MP_STATE(UNINITIALIZED): %s (continuing)", vcpu->id,
			strerror(-ret));
	return 0;
}

void vcpu__dump_regs(struct vcpu *vcpu)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (kvm__ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    kvm__ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		pr_err("vCPU %u: registers unavailable", vcpu->id);
		return;
	}
	pr_err("vCPU %u: rip %016llx rsp %016llx rflags %08llx", vcpu->id, r.rip, r.rsp,
	       r.rflags);
	pr_err("vCPU %u: rax %016llx rbx %016llx rcx %016llx rdx %016llx", vcpu->id, r.rax,
	       r.rbx, r.rcx, r.rdx);
	pr_err("vCPU %u: rsi %016llx rdi %016llx rbp %016llx", vcpu->id, r.rsi, r.rdi, r.rbp);
	pr_err("vCPU %u: cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx", vcpu->id,
	       s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	pr_err("vCPU %u: cs %04x base %llx l %u db %u; ss %04x; gdt %llx/%x idt %llx/%x",
	       vcpu->id, s.cs.selector, s.cs.base, s.cs.l, s.cs.db, s.ss.selector, s.gdt.base,
	       s.gdt.limit, s.idt.base, s.idt.limit);
}

static void fatal_exit(struct vcpu *vcpu, const char *what)
{
	pr_err("vCPU %u: %s", vcpu->id, what);
	vcpu__dump_regs(vcpu);
	vm__request_exit(vcpu->vm, VM_EXIT_ERROR, 1);
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	u8 *data = (u8 *)run + run->io.data_offset;

	/* A string instruction with a rep prefix comes as @count accesses. */
	for (u32 i = 0; i < run->io.count; i++) {
		if (!bus__dispatch(&vcpu->vm->pio_bus, is_write, run->io.port, data,
				   run->io.size))
			pr_debug("vCPU %u: unhandled port %s 0x%x size %u", vcpu->id,
				 is_write ? "write" : "read", run->io.port, run->io.size);
		data += run->io.size;
	}
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data)) {
		pr_warn_ratelimited("vCPU %u: MMIO access of %u bytes refused", vcpu->id,
				    run->mmio.len);
		return;
	}
	if (!bus__dispatch(&vcpu->vm->mmio_bus, run->mmio.is_write, run->mmio.phys_addr,
			   run->mmio.data, run->mmio.len))
		pr_debug("vCPU %u: unhandled MMIO %s 0x%llx size %u", vcpu->id,
			 run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
			 run->mmio.len);
}

static void handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		pr_info("guest %s", vcpu->run->system_event.type == KVM_SYSTEM_EVENT_RESET ?
			"reset" : "shut down");
		vm__request_exit(vcpu->vm, VM_EXIT_POWEROFF, 0);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		fatal_exit(vcpu, "guest crashed (KVM_SYSTEM_EVENT_CRASH)");
		break;
	default:
		pr_warn_ratelimited("vCPU %u: system event %u ignored", vcpu->id,
				    vcpu->run->system_event.type);
		break;
	}
}

/* Returns false when the thread must stop. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; keep running so interrupts wake it. */
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault resets a PC; like kvmtool, a reset powers the VM off. */
		pr_info("vCPU %u: guest reset (triple fault): powering off", vcpu->id);
		vm__request_exit(vcpu->vm, VM_EXIT_POWEROFF, 0);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(vcpu);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error, suberror %u",
			 run->internal.suberror);
		fatal_exit(vcpu, what);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		fatal_exit(vcpu, what);
		return false;
	default:
		snprintf(what, sizeof(what), "unexpected exit reason %u", run->exit_reason);
		fatal_exit(vcpu, what);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	/* Process signals (SIGINT...) go to the main thread; the kick must reach us. */
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	/* Before the first KVM_RUN: from here the guest drives this thread. */
	if (seccomp__install(SECCOMP_VCPU) < 0) {
		vm__request_exit(vm, VM_EXIT_ERROR, 1);
		return NULL;
	}

	while (atomic_load(&vm->exit_reason) == VM_RUNNING) {
		int ret;

		control__pause_point(vcpu);	/* parks here while the VM is paused */
		ret = __kvm__ioctl(vcpu->fd, KVM_RUN, 0);

		if (ret < 0) {
			if (ret == -EINTR || ret == -EAGAIN)
				continue;
			pr_err("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(-ret));
			vm__request_exit(vm, VM_EXIT_ERROR, 1);
			break;
		}
		if (!handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu__start(struct vcpu *vcpu)
{
	pthread_attr_t attr;
	int ret;

	/*
	 * Device handlers run on this stack and are shallow; glibc's 8 MiB
	 * default only costs address space and a slower thread exit.
	 */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	ret = pthread_create(&vcpu->thread, &attr, vcpu_thread, vcpu);
	pthread_attr_destroy(&attr);
	if (ret) {
		pr_err("vCPU %u: pthread_create: %s", vcpu->id, strerror(ret));
		return -ret;
	}
	vcpu->started = true;
	return 0;
}

void vcpu__kick(struct vcpu *vcpu)
{
	/*
	 * immediate_exit covers the window where the thread has checked the VM
	 * state but not yet entered KVM_RUN; the signal covers KVM_RUN itself.
	 */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (vcpu->started)
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu__join(struct vcpu *vcpu)
{
	if (!vcpu->started)
		return;
	pthread_join(vcpu->thread, NULL);
	vcpu->started = false;
}

void vcpu__destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	vcpu__join(vcpu);
	kvm_stats__close(&vcpu->stats);
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}
