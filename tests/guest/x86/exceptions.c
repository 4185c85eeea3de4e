/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exceptions: #UD, #DE, #GP and #PF reach the IDT with the right vector,
 * error code and RIP, and execution resumes after them. No int3: nested PVM
 * refuses it at CPL0.
 */
#include "libcflat.h"
#include "x86/desc.h"
#include "x86/processor.h"

/* Not mapped by the boot page tables (only the low 4 GiB are). */
#define UNMAPPED_ADDR	0x100000000000ULL
#define NONCANONICAL	0x8000000000000000ULL

static u64 fault_rip;

static void test_ud(void)
{
	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "leaq 2f(%%rip), %%rax\n\t"
		     "movq %%rax, %[rip]\n\t"
		     "2: ud2\n\t"
		     "1:" ASM_TRY_END
		     : [rip] "=m"(fault_rip) : ASM_TRY_INPUT : "rax", ASM_TRY_CLOBBER);
	report(exception_vector() == UD_VECTOR, "ud2 raises #UD (vector %d)",
	       exception_vector());
	report(exception_rip() == fault_rip, "#UD RIP points at the ud2 (0x%lx)",
	       exception_rip());
}

static void test_de(void)
{
	u32 zero = 0;

	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "leaq 2f(%%rip), %%rcx\n\t"
		     "movq %%rcx, %[rip]\n\t"
		     "xorl %%edx, %%edx\n\t"
		     "movl $1, %%eax\n\t"
		     "2: divl %[zero]\n\t"
		     "1:" ASM_TRY_END
		     : [rip] "=m"(fault_rip)
		     : [zero] "r"(zero), ASM_TRY_INPUT
		     : "rax", "rcx", "rdx", ASM_TRY_CLOBBER);
	report(exception_vector() == DE_VECTOR, "div by zero raises #DE (vector %d)",
	       exception_vector());
	report(exception_rip() == fault_rip, "#DE RIP points at the div");
}

static void test_gp(void)
{
	u64 v;

	report_prefix_push("#GP");
	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "movq (%[addr]), %[v]\n\t"
		     "1:" ASM_TRY_END
		     : [v] "=r"(v) : [addr] "r"(NONCANONICAL), ASM_TRY_INPUT
		     : ASM_TRY_CLOBBER);
	report(exception_vector() == GP_VECTOR, "non-canonical load (vector %d)",
	       exception_vector());
	report(exception_error_code() == 0, "error code 0");

	/* A selector beyond the GDT's limit: #GP with the selector as error code. */
	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "movw %w[sel], %%fs\n\t"
		     "1:" ASM_TRY_END
		     : : [sel] "r"(0x1000), ASM_TRY_INPUT : ASM_TRY_CLOBBER);
	report(exception_vector() == GP_VECTOR, "load of selector 0x1000 (vector %d)",
	       exception_vector());
	report(exception_error_code() == 0x1000, "error code is the selector (0x%lx)",
	       exception_error_code());
	asm volatile("movw %w0, %%fs" : : "r"(0x10));
	report_prefix_pop();
}

static void test_pf(void)
{
	volatile u64 *p = (volatile u64 *)UNMAPPED_ADDR;
	u64 v = 0;

	report_prefix_push("#PF");
	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "movq (%[addr]), %[v]\n\t"
		     "1:" ASM_TRY_END
		     : [v] "+r"(v) : [addr] "r"(p), ASM_TRY_INPUT : ASM_TRY_CLOBBER);
	report(exception_vector() == PF_VECTOR, "read of unmapped 0x%llx (vector %d)",
	       UNMAPPED_ADDR, exception_vector());
	report(exception_cr2() == UNMAPPED_ADDR, "CR2 holds the address (0x%lx)",
	       exception_cr2());
	/* P=0 (not present), W=0 (read), U=0 (supervisor). */
	report((exception_error_code() & 7) == 0, "error code: not present, read (0x%lx)",
	       exception_error_code());

	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "movq %[v], (%[addr])\n\t"
		     "1:" ASM_TRY_END
		     : : [v] "r"(v), [addr] "r"(p + 1), ASM_TRY_INPUT : ASM_TRY_CLOBBER);
	report(exception_vector() == PF_VECTOR && (exception_error_code() & 7) == 2,
	       "write: vector %d, error code 0x%lx (W set)", exception_vector(),
	       exception_error_code());
	report(exception_cr2() == UNMAPPED_ADDR + 8, "write CR2 0x%lx", exception_cr2());
	report_prefix_pop();
}

static void test_no_fault(void)
{
	u64 v;

	exception_clear();
	asm volatile(ASM_TRY("1f")
		     "movq $42, %[v]\n\t"
		     "1:" ASM_TRY_END
		     : [v] "=r"(v) : ASM_TRY_INPUT : ASM_TRY_CLOBBER);
	report(exception_vector() == -1 && v == 42 && !this_cpu()->fixup_rip,
	       "no exception: none recorded, fixup disarmed");
}

int main(int argc, char **argv)
{
	test_ud();
	test_de();
	test_gp();
	test_pf();
	test_no_fault();
	return report_summary();
}
