/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <time.h>

#include "devices/rtc_cmos.h"
#include "tests/unit/fake_vm.h"
#include "vmm/layout.h"

static struct fake_vm f;

static void setup(void)
{
	fake_vm__init(&f);
	cr_assert_eq(rtc_cmos__init(&f.vm), 0);
}

static void teardown(void)
{
	fake_vm__destroy(&f);
}

static u8 cmos_read(u8 index)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_RTC, index, 1);
	return (u8)fake_vm__pio_read(&f, LAYOUT_PORT_RTC + 1, 1);
}

static void cmos_write(u8 index, u8 value)
{
	fake_vm__pio_write(&f, LAYOUT_PORT_RTC, index, 1);
	fake_vm__pio_write(&f, LAYOUT_PORT_RTC + 1, value, 1);
}

static int from_bcd(u8 v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

TestSuite(rtc_cmos, .init = setup, .fini = teardown);

Test(rtc_cmos, status_registers_say_valid_and_not_updating)
{
	cr_assert_eq(cmos_read(0x0a) & 0x80, 0, "UIP must be clear, or Linux waits for it");
	cr_assert_eq(cmos_read(0x0b), 0x02, "24-hour BCD");
	cr_assert_eq(cmos_read(0x0d), 0x80, "valid RAM and time");
	cr_assert_eq(cmos_read(0x0c), 0);
}

Test(rtc_cmos, clock_follows_the_host_in_bcd)
{
	struct tm tm;
	time_t before = time(NULL), after;
	int year, month, day, hour;

	year = from_bcd(cmos_read(0x32)) * 100 + from_bcd(cmos_read(0x09));
	month = from_bcd(cmos_read(0x08));
	day = from_bcd(cmos_read(0x07));
	hour = from_bcd(cmos_read(0x04));
	after = time(NULL);
	gmtime_r(&before, &tm);
	if (tm.tm_mday != day) {	/* crossed midnight between reads */
		gmtime_r(&after, &tm);
	}
	cr_assert_eq(year, tm.tm_year + 1900);
	cr_assert_eq(month, tm.tm_mon + 1);
	cr_assert_eq(day, tm.tm_mday);
	cr_assert(hour == tm.tm_hour || hour == (tm.tm_hour + 1) % 24);
	cr_assert_leq(from_bcd(cmos_read(0x00)), 59);
}

Test(rtc_cmos, guest_cannot_set_the_clock_but_ram_is_storage)
{
	u8 year = cmos_read(0x09);

	cmos_write(0x09, 0x99 == year ? 0x98 : 0x99);
	cr_assert_eq(cmos_read(0x09), year, "the clock follows the host");
	cmos_write(0x40, 0x5a);
	cr_assert_eq(cmos_read(0x40), 0x5a);
	cmos_write(0x0a, 0xff);
	cr_assert_eq(cmos_read(0x0a) & 0x80, 0, "UIP stays clear");
}

Test(rtc_cmos, nmi_bit_and_index_port_reads)
{
	cmos_write(0x80 | 0x41, 0x33);		/* NMI-disable bit set: same register */
	cr_assert_eq(cmos_read(0x41), 0x33);
	cr_assert_eq(fake_vm__pio_read(&f, LAYOUT_PORT_RTC, 1), 0xff, "index port is write-only");
}
