/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The freestanding "C library" of the guest test kernels: types, printf,
 * string functions, the report API and exit. Guest code never includes host
 * headers; this is the one header every test includes.
 */
#ifndef TESTS_GUEST_LIB_LIBCFLAT_H
#define TESTS_GUEST_LIB_LIBCFLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uint64_t phys_addr_t;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define __unused	__attribute__((unused))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __aligned(x)	__attribute__((aligned(x)))
#define barrier()	asm volatile("" ::: "memory")
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define KiB	1024UL
#define MiB	(1024UL * KiB)
#define GiB	(1024UL * MiB)

/* Exit status table (docs/testing.md): unambiguous from day one. */
#define EXIT_PASS	0
#define EXIT_VMM_FAIL	1	/* imsvm's own; a guest never uses it */
#define EXIT_TEST_FAIL	3
#define EXIT_SKIP	77

/* printf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
void puts(const char *s);

/* string.c */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
u8 byte_sum(const void *p, size_t n);	/* firmware tables (ACPI, MP) sum to 0 */
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
unsigned long strtoul(const char *s, char **end, int base);

/* report.c */
void report(bool pass, const char *fmt, ...) __printf(2, 3);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
int report_summary(void);
/* Abort the test now: prints the reason, exits with EXIT_TEST_FAIL. */
void report_abort(const char *fmt, ...) __printf(1, 2) __noreturn;

/* exit.c: prints "EXIT: STATUS=n" and writes the test-exit port. */
void exit(int code) __noreturn;

#define assert(cond)							\
	do {								\
		if (!(cond))						\
			report_abort("%s:%d: assertion failed: %s",	\
				     __FILE__, __LINE__, #cond);	\
	} while (0)

/* args.c: the kernel command line, split kvm-unit-tests style. */
extern int __argc;
extern char *__argv[];
/* Value of "key=value" on the command line, "" for a bare "key", or NULL. */
const char *arg_get(const char *key);
/* Numeric value of "key=N"; returns false if absent or malformed. */
bool arg_get_ulong(const char *key, unsigned long *val);

int main(int argc, char **argv);

#endif /* TESTS_GUEST_LIB_LIBCFLAT_H */
