/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Freestanding printf: %d %i %u %x %X %o %p %s %c %%, flags '-' '0',
 * width and precision (also '*'), length modifiers hh h l ll z j t.
 */
#include "libcflat.h"
#include "atomic.h"
#include "serial.h"

struct out {
	char *buf;
	size_t size;
	size_t len;	/* would-be length, as C's snprintf returns */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, int width, int prec, bool left)
{
	int len;

	if (!s)
		s = "(null)";
	len = (int)strnlen(s, prec >= 0 ? (size_t)prec : (size_t)-1);
	if (!left)
		pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', width - len);
}

static void put_num(struct out *o, u64 v, bool neg, unsigned int base, bool upper,
		    int width, bool zero, bool left, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, plen = (int)strlen(prefix) + (neg ? 1 : 0);

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + plen;
	if (!left && !zero)
		pad(o, ' ', width - len);
	if (neg)
		put(o, '-');
	while (*prefix)
		put(o, *prefix++);
	if (!left && zero)
		pad(o, '0', width - len);
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - len);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool left = false, zero = false;
		int width = 0, prec = -1, lng = 0;
		u64 v;
		s64 sv;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
				lng = 2;
			else if (*fmt != 'h')
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = lng ? va_arg(ap, s64) : va_arg(ap, int);
			put_num(&o, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10, false,
				width, zero, left, "");
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			put_num(&o, v, false,
				*fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				*fmt == 'X', width, zero, left, "");
			break;
		case 'p':
			v = (u64)(uintptr_t)va_arg(ap, void *);
			put_num(&o, v, false, 16, false, width, zero, left, "0x");
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), width, prec, left);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/* One lock for the console: lines from several CPUs never interleave. */
static struct spinlock console_lock;

int vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int r = vsnprintf(buf, sizeof(buf), fmt, ap);

	spin_lock(&console_lock);
	serial_puts(buf);
	spin_unlock(&console_lock);
	return r;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

void puts(const char *s)
{
	spin_lock(&console_lock);
	serial_puts(s);
	spin_unlock(&console_lock);
}
