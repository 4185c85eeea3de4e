/* SPDX-License-Identifier: GPL-2.0-only */
/* MC146818 CMOS RTC (devices/rtc_cmos.h). */
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/rtc_cmos.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define RTC_PORTS		2
#define RTC_RAM_SIZE		128

/* Register indexes (MC146818 data sheet). */
#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* PC convention */

#define RTC_REG_A_DV_32KHZ	0x20	/* divider: normal 32.768 kHz time base */
#define RTC_REG_A_RATE_1KHZ	0x06
#define RTC_REG_B_24H		0x02	/* 24-hour mode, BCD (DM bit clear) */
#define RTC_REG_D_VRT		0x80	/* valid RAM and time */

struct rtc_cmos {
	struct vm *vm;
	struct device dev;
	pthread_mutex_t lock;		/* index and ram: vCPUs may race */
	u8 index;
	u8 ram[RTC_RAM_SIZE];
	u64 ignored_writes;		/* writes to the clock: counted, ignored */
};

static u8 bcd(int v)
{
	return (u8)(((v / 10) << 4) | (v % 10));
}

static bool is_clock_register(u8 index)
{
	return index <= RTC_YEAR || index == RTC_CENTURY;
}

static u8 clock_register(u8 index)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	switch (index) {
	case RTC_SECONDS:	return bcd(tm.tm_sec % 60);
	case RTC_MINUTES:	return bcd(tm.tm_min);
	case RTC_HOURS:		return bcd(tm.tm_hour);
	case RTC_DAY_OF_WEEK:	return bcd(tm.tm_wday + 1);
	case RTC_DAY_OF_MONTH:	return bcd(tm.tm_mday);
	case RTC_MONTH:		return bcd(tm.tm_mon + 1);
	case RTC_YEAR:		return bcd(tm.tm_year % 100);
	case RTC_CENTURY:	return bcd((tm.tm_year + 1900) / 100);
	default:		return 0;	/* alarms: never set */
	}
}

static u8 rtc_read_data(struct rtc_cmos *rtc)
{
	u8 index = rtc->index;

	if (is_clock_register(index))
		return clock_register(index);
	if (index == RTC_REG_C) {
		/* Reading C acknowledges interrupts; we raise none. */
		return 0;
	}
	return rtc->ram[index];
}

static void rtc_write_data(struct rtc_cmos *rtc, u8 value)
{
	u8 index = rtc->index;

	switch (index) {
	case RTC_REG_A:
		/* UIP (bit 7) is read-only and always clear: updates are atomic here. */
		rtc->ram[index] = value & 0x7f;
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;		/* read-only */
	default:
		break;
	}
	if (is_clock_register(index)) {
		rtc->ignored_writes++;
		pr_debug("rtc: guest set register 0x%x to 0x%x (the clock follows the host)",
			 index, value);
		return;
	}
	rtc->ram[index] = value;
}

static void rtc_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct rtc_cmos *rtc = opaque;
	u8 *out = data;

	memset(data, 0xff, len);
	pthread_mutex_lock(&rtc->lock);
	/* Port 0x70 is write-only on real hardware; 0xff is what it floats to. */
	if (offset == 1)
		out[0] = rtc_read_data(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct rtc_cmos *rtc = opaque;
	u8 value = *(const u8 *)data;

	pthread_mutex_lock(&rtc->lock);
	if (offset == 0)
		rtc->index = value & 0x7f;	/* bit 7 is the NMI mask: not modelled */
	else
		rtc_write_data(rtc, value);
	pthread_mutex_unlock(&rtc->lock);
}

static const struct bus_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

static int rtc_fdt_node(struct device *dev, void *fdt)
{
	const fdt32_t reg[] = { cpu_to_fdt32(1), cpu_to_fdt32(LAYOUT_PORT_RTC),
				cpu_to_fdt32(0), cpu_to_fdt32(RTC_PORTS) };
	int ret = 0;

	ret |= fdt_begin_node(fdt, "rtc@70");
	ret |= fdt_property_string(fdt, "compatible", "motorola,mc146818");
	ret |= fdt_property(fdt, "reg", reg, sizeof(reg));
	ret |= fdt_end_node(fdt);
	return ret ? -ENOSPC : 0;
}

static void rtc_destroy(struct device *dev)
{
	struct rtc_cmos *rtc = dev->priv;

	bus__unregister(&rtc->vm->pio_bus, LAYOUT_PORT_RTC);
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

static const struct device_ops rtc_device_ops = {
	.fdt_node = rtc_fdt_node,
	.destroy = rtc_destroy,
};

int rtc_cmos__init(struct vm *vm)
{
	struct rtc_cmos *rtc;
	int ret;

	rtc = calloc(1, sizeof(*rtc));
	if (!rtc)
		return -ENOMEM;
	rtc->vm = vm;
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->ram[RTC_REG_A] = RTC_REG_A_DV_32KHZ | RTC_REG_A_RATE_1KHZ;
	rtc->ram[RTC_REG_B] = RTC_REG_B_24H;
	rtc->ram[RTC_REG_D] = RTC_REG_D_VRT;
	rtc->dev = (struct device){ .name = "rtc-cmos", .ops = &rtc_device_ops, .priv = rtc };

	ret = bus__register(&vm->pio_bus, LAYOUT_PORT_RTC, RTC_PORTS, &rtc_ops, rtc);
	if (ret)
		goto err_free;
	device_list__add(&vm->devices, &rtc->dev);
	return 0;

err_free:
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
	return ret;
}
