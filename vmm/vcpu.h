/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One vCPU, one thread. The thread runs KVM_RUN and dispatches exits to the
 * VM's buses; vcpu__kick() makes it leave KVM_RUN promptly (immediate_exit
 * plus a signal) so the VM can stop.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>

#include "vmm/kvm_stats.h"
#include "vmm/util.h"

struct vm;
struct kvm_run;
struct kvm_cpuid2;
struct boot_cpu_state;

struct vcpu {
	struct vm *vm;
	unsigned int id;		/* vCPU index == APIC id */
	int fd;
	struct kvm_run *run;		/* mmap'd shared area */
	size_t run_size;
	pthread_t thread;
	bool started;
	struct kvm_stats stats;		/* KVM_GET_STATS_FD; .descs NULL when unavailable */
};

/* The signal used to kick vCPU threads out of KVM_RUN. */
#define VCPU_KICK_SIGNAL	SIGUSR1

/* Install the kick signal handler; once per process, before any vCPU starts. */
int __must_check vcpu__init_signals(void);

/*
 * KVM_CREATE_VCPU, map kvm_run, set CPUID from @supported (fixed up for
 * this vCPU's APIC id and the topology of @nr_cpus).
 */
int __must_check vcpu__create(struct vm *vm, unsigned int id, unsigned int nr_cpus,
			      const struct kvm_cpuid2 *supported, int mmap_size,
			      struct vcpu **out);

/* Boot vCPU: registers from the loader, LINT0 ExtINT / LINT1 NMI. */
int __must_check vcpu__setup_boot(struct vcpu *vcpu, const struct boot_cpu_state *st);
/* Application processor: wait for INIT/SIPI. */
int __must_check vcpu__setup_ap(struct vcpu *vcpu);

int __must_check vcpu__start(struct vcpu *vcpu);
/* Make the thread leave KVM_RUN and look at the VM's exit state. Any thread. */
void vcpu__kick(struct vcpu *vcpu);
void vcpu__join(struct vcpu *vcpu);
void vcpu__destroy(struct vcpu *vcpu);

/* Log the registers (for fatal exits). */
void vcpu__dump_regs(struct vcpu *vcpu);

/*
 * Make KVM's supported CPUID describe vCPU @id of @nr_cpus: APIC id in leaf 1
 * and the x2APIC topology leaves (0xb, 0x1f), one package of @nr_cpus
 * single-thread cores (as the MP table says), the hypervisor bit.
 */
void vcpu__fixup_cpuid(struct kvm_cpuid2 *c, unsigned int id, unsigned int nr_cpus);

/* KVM_GET_SUPPORTED_CPUID into a new buffer (free() it). */
int __must_check vcpu__get_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out);

#endif /* VMM_VCPU_H */
