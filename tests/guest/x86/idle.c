/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest that idles until it is stopped from outside: the subject of the
 * control socket's integration tests (tests/control/). Not in the manifest:
 * it never ends by itself.
 *
 * It halts with interrupts on and echoes what arrives on COM1 through the
 * receive interrupt ("idle: got 'c'"), so a test sees whether the vCPU runs
 * and whether an interrupt raised while the VM was paused arrives after.
 * Command line:
 *   pvic=N   with the PV-IC and ADI simulator functions: negotiate and
 *            allocate N vectors per ADI (IMS index i, CPUs in turn, vectors
 *            from 0x40), write them into the IMS table, mask every third
 *   smp      start the other vCPUs (they halt)
 * Input bytes: 'f' raises IMS entry 0 of the first ADI ("idle: irq N"),
 * 'q' ends the VM with status 0, 'r' rescans PCI ("idle: pci N ADIs").
 */
#include "libcflat.h"
#include "serial.h"
#include "pvic_adi.h"

#define COM1		SERIAL_PORT
#define UART_RBR	0
#define UART_IER	1
#define UART_IIR	2
#define UART_LSR	5
#define RX_VECTOR	0xe1	/* above the ADI vectors of pvic_adi.h */
#define RING		64

static volatile u8 rx_ring[RING];
static volatile u32 rx_head, rx_tail;
static volatile int rx_irqs;

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];
static int nadis;

static void rx_irq(struct trap_frame *f)
{
	inb(COM1 + UART_IIR);
	while (inb(COM1 + UART_LSR) & 1) {
		u8 c = inb(COM1 + UART_RBR);

		if (rx_head - rx_tail < RING)
			rx_ring[rx_head++ % RING] = c;
	}
	rx_irqs++;
	apic_eoi();
}

static void ap_halt(void *data)
{
	for (;;)
		safe_halt();
}

static void setup_pvic(u32 n, int ncpus)
{
	static struct pvic_msg msgs[256];
	u32 dests[MAX_CPUS];
	int bs = 0;

	if (!pvic_find(&p)) {
		printf("idle: no PV-IC\n");
		return;
	}
	if (pvic_negotiate(&p, PVIC_FEAT_ALL)) {
		printf("idle: NEGOTIATE failed\n");
		return;
	}
	nadis = pa_find(adis, PA_MAX_ADIS);
	for (int c = 0; c < ncpus; c++)
		dests[c] = cpu_apic_id(c);
	n = MIN(n, (u32)ARRAY_SIZE(msgs));
	for (int a = 0; a < nadis; a++) {
		u32 got = pvic_alloc(&p, adis[a].id, MIN(n, adis[a].ims_entries), 0, dests,
				     (u32)ncpus, PA_VEC_FIRST, 64, 0, msgs, NULL, &bs);

		for (u32 i = 0; i < got; i++) {
			pa_ims_write(&adis[a], i, &msgs[i]);
			if (i % 3 == 2)
				(void)pvic_mask(&p, adis[a].id, msgs[i].handle, true);
		}
		printf("idle: ADI 00:%02x.0: %u vectors (batch status %d)\n", adis[a].slot, got,
		       bs);
	}
}

int main(int argc, char **argv)
{
	struct smp_result res;
	u32 pvic_n = 0;
	bool smp = false;
	int ncpus = 1;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "pvic=", 5))
			pvic_n = (u32)strtoul(argv[i] + 5, NULL, 10);
		else if (!strcmp(argv[i], "smp"))
			smp = true;
	}
	pa_irq_setup();
	handle_irq(RX_VECTOR, rx_irq);
	if (smp && !smp_init(&res)) {
		ncpus = cpu_count();
		for (int c = 1; c < ncpus; c++)
			on_cpu_async(c, ap_halt, NULL);
	}
	if (pvic_n)
		setup_pvic(pvic_n, ncpus);
	ioapic_route(SERIAL_IRQ, RX_VECTOR, apic_id(), false, false);
	while (inb(COM1 + UART_LSR) & 1)
		inb(COM1 + UART_RBR);
	outb(0x01, COM1 + UART_IER);	/* received data available */
	printf("idle: ready (%d CPUs, %d ADIs)\n", ncpus, nadis);

	for (;;) {
		irq_disable();
		if (rx_tail == rx_head) {
			safe_halt();
			continue;
		}
		irq_enable();
		while (rx_tail != rx_head) {
			u8 c = rx_ring[rx_tail++ % RING];

			if (c == '\n' || c == '\r')
				continue;
			printf("idle: got '%c'\n", c >= ' ' && c <= '~' ? c : '?');
			if (c == 'q')
				exit(0);
			if (c == 'f' && nadis) {
				int before = pa_total(PA_VEC_FIRST);
				u32 st = pa_raise(&adis[0], 0);

				printf("idle: irq %s (completion %u)\n",
				       pa_wait(0, PA_VEC_FIRST, before + 1) ||
				       pa_total(PA_VEC_FIRST) > before ? "delivered" : "missing", st);
			}
			if (c == 'r') {
				int n = 0;

				/* Read-only: pa_find() would reset the functions. */
				for (u32 slot = 0; slot < 32; slot++) {
					u32 id = pci_conf1_read32(0, slot, 0, PCI_VENDOR_ID);

					n += (id & 0xffff) == ADISIM_PCI_VENDOR_ID &&
					     (id >> 16) == ADISIM_PCI_DEVICE_ID;
				}
				printf("idle: pci %d ADIs\n", n);
			}
		}
	}
	return 0;
}
