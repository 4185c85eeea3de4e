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
 *   storm=HZ the first ADI raises IMS entry 1 (vector 0x41) HZ times a second
 *   hotstorm=HZ  the rate of 's' (default 20000)
 * Input bytes: 'f' raises IMS entry 0 of every ADI ("idle: irq 00:SS.0
 * delivered"), 'q' ends the VM with status 0, 'r' counts the simulator's
 * functions on PCI ("idle: pci N ADIs"), 'c' prints how many interrupts
 * vector 0x41 (IMS entry 1 of every ADI) got ("idle: count 0x41 N"), 'd'
 * keeps the newest ADI's descriptor ring busy with COPY descriptors (DMA)
 * instead of halting: "idle: dma busy 00:SS.0" once they flow, and when its
 * descriptors stop completing "idle: dma 00:SS.0 stopped after N
 * descriptors: config all-ones yes|no, BAR0 all-ones yes|no" (the fault
 * tests kill or stop its server meanwhile: tests/faults/server.sh); 's'
 * starts a storm on the newest ADI's IMS entry 1 at hotstorm=HZ ("idle:
 * storm 00:SS.0 at HZ").
 *
 * The PV-IC's event interrupt (MSI-X vector 0) is handled: each one prints
 * "idle: event N cause 0xC"; on ADI_ADDED the guest rescans bus 0 and sets
 * up N vectors on each new ADI, on ADI_REMOVED it forgets the ADIs whose
 * functions are gone ("idle: ADI 00:SS.0 removed").
 */
#include "libcflat.h"
#include "serial.h"
#include "adisim.h"
#include "pvic_adi.h"

#define COM1		SERIAL_PORT
#define UART_RBR	0
#define UART_IER	1
#define UART_IIR	2
#define UART_LSR	5
#define RX_VECTOR	0xe1	/* above the ADI vectors of pvic_adi.h */
#define EVT_VECTOR	0xe2	/* the PV-IC's event interrupt */
#define RING		64

static volatile u8 rx_ring[RING];
static volatile u32 rx_head, rx_tail;
static volatile int rx_irqs;

static struct pvic p;
static bool have_pvic;
#define MAX_ADIS	32
static struct pa_adi adis[MAX_ADIS];
static bool adi_live[MAX_ADIS];
static int nadis;			/* live ones */
static struct pa_ring slot_rings[32];	/* by PCI slot: a device keeps its ring address */
static volatile int evt_irqs;
static u32 pvic_n, storm_hz, hotstorm_hz = 20000;
static int ncpus = 1;

/* 'd': DMA on one ADI until its descriptors stop completing. */
#define DMA_LEN		(64 * 1024)
#define DMA_BATCH	4	/* descriptors per doorbell (the ring holds PA_RING) */
static u8 dma_src[DMA_LEN] __aligned(4096), dma_dst[DMA_LEN] __aligned(4096);
static int dma_adi = -1;	/* index in adis[], or -1 */
static u32 dma_done;

static void evt_irq(struct trap_frame *f)
{
	evt_irqs++;
	apic_eoi();
}

/* Enable the PV-IC's MSI-X with vector 0 to this CPU (as pvic_death.c). */
static void msix_setup(void)
{
	u32 cap = pci_conf1_read32(0, p.slot, 0, 0x34) & 0xfc;

	while (cap && (pci_conf1_read32(0, p.slot, 0, cap) & 0xff) != 0x11)
		cap = (pci_conf1_read32(0, p.slot, 0, cap) >> 8) & 0xfc;
	if (!cap)
		return;
	handle_irq(EVT_VECTOR, evt_irq);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 0, 0xFEE00000u | apic_id() << 12);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 4, 0);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 8, EVT_VECTOR);
	pvic_wreg(&p, PVIC_MSIX_TABLE_OFFSET + 12, 0);
	pci_conf1_write32(0, p.slot, 0, cap, pci_conf1_read32(0, p.slot, 0, cap) | 1u << 31);
}

/* Set up one new simulator function in @slot (pa_find() would reset all of them). */
static struct pa_adi *adi_init(u32 slot)
{
	u32 bar0 = pci_conf1_read32(0, slot, 0, PCI_BAR0);
	u32 bar2 = pci_conf1_read32(0, slot, 0, PCI_BAR0 + 8);
	struct pa_adi *a = NULL;

	/* Removed again already (the operator is quick): its config space reads all-ones. */
	if (bar0 == 0xffffffffu || bar2 == 0xffffffffu || !(bar0 & ~0xfu) || !(bar2 & ~0xfu) ||
	    !adisim_at(slot))
		return NULL;
	for (int i = 0; i < MAX_ADIS && !a; i++)
		if (!adi_live[i]) {
			a = &adis[i];
			adi_live[i] = true;
		}
	if (!a)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->slot = slot;
	a->id = pvic_adi(slot);
	a->regs = (volatile u32 *)(uintptr_t)(bar0 & ~0xfu);
	a->ims = (volatile u32 *)(uintptr_t)(bar2 & ~0xfu);
	adisim_enable(slot);
	a->ims_entries = pa_reg(a, ADISIM_REG_IMS_ENTRIES);
	a->ring = &slot_rings[slot];
	memset(a->ring, 0, sizeof(*a->ring));
	adisim_ring_start(a->regs, (uintptr_t)a->ring->desc, PA_RING);
	nadis++;
	return a;
}

static void adi_vectors(struct pa_adi *a)
{
	static struct pvic_msg msgs[256];
	u32 dests[MAX_CPUS], n = MIN(pvic_n, (u32)ARRAY_SIZE(msgs)), got;
	int bs = 0;

	for (int c = 0; c < ncpus; c++)
		dests[c] = cpu_apic_id(c);
	got = pvic_alloc(&p, a->id, MIN(n, a->ims_entries), 0, dests, (u32)ncpus, PA_VEC_FIRST,
			 64, 0, msgs, NULL, &bs);
	for (u32 i = 0; i < got; i++) {
		pa_ims_write(a, i, &msgs[i]);
		if (i % 3 == 2)
			(void)pvic_mask(&p, a->id, msgs[i].handle, true);
	}
	printf("idle: ADI 00:%02x.0: %u vectors (batch status %d)\n", a->slot, got, bs);
}

/*
 * Bus 0 changed: forget functions that are gone, set up new ones. A device
 * that arrived while the guest runs (@hot) raises IMS entry 0 once, so the
 * operator sees its first interrupt ("idle: first irq 00:SS.0 delivered").
 */
static void rescan(bool hot)
{
	for (int i = 0; i < MAX_ADIS; i++) {
		if (!adi_live[i] || adisim_at(adis[i].slot))
			continue;
		{
			/* Its handles are revoked: the PV-IC refuses it from now on. */
			const u32 dest = cpu_apic_id(0);
			struct pvic_msg m;
			int bs = 0;

			(void)pvic_alloc(&p, adis[i].id, 1, 0, &dest, 1, PA_VEC_FIRST, 1, 0, &m,
					 NULL, &bs);
			printf("idle: ADI 00:%02x.0 removed (ALLOC now %d)\n", adis[i].slot, bs);
		}
		adi_live[i] = false;
		nadis--;
	}
	for (u32 slot = 0; slot < 32; slot++) {
		bool known = false;

		for (int i = 0; i < MAX_ADIS; i++)
			known |= adi_live[i] && adis[i].slot == slot;
		if (!known && adisim_at(slot)) {
			struct pa_adi *a = adi_init(slot);

			if (a && pvic_n) {
				int before = pa_count(0, PA_VEC_FIRST);

				adi_vectors(a);
				if (hot && pa_raise(a, 0) != 0xffffffffu &&
				    pa_wait(0, PA_VEC_FIRST, before + 1))
					printf("idle: first irq 00:%02x.0 delivered\n", slot);
			}
		}
	}
}

/*
 * One doorbell with DMA_BATCH COPY descriptors, each with a completion
 * record; true if all completed with SUCCESS within PA_WAIT.
 */
static bool dma_batch(struct pa_adi *a)
{
	volatile struct adisim_completion *c[DMA_BATCH];
	u64 end;

	for (int i = 0; i < DMA_BATCH; i++) {
		u32 slot = a->tail;

		c[i] = &a->ring->comp[slot];
		c[i]->status = ADISIM_COMP_PENDING;
		a->ring->desc[slot] = (struct adisim_desc){
			.opcode = ADISIM_OP_COPY, .flags = ADISIM_DESC_F_COMPLETION,
			.len = DMA_LEN, .src = (u64)(uintptr_t)dma_src,
			.dst = (u64)(uintptr_t)dma_dst, .completion = (u64)(uintptr_t)c[i],
		};
		a->tail = (slot + 1) % PA_RING;
	}
	barrier();
	pa_wreg(a, ADISIM_REG_RING_TAIL, a->tail);
	end = rdtsc() + PA_WAIT;
	for (int i = 0; i < DMA_BATCH; i++) {
		u32 st;

		while ((st = READ_ONCE(c[i]->status)) == ADISIM_COMP_PENDING && rdtsc() < end)
			cpu_relax();
		if (st != ADISIM_COMP_SUCCESS)
			return false;
		dma_done++;
	}
	return true;
}

/* The newest live ADI: the last one set up (highest slot); -1 if none. */
static int newest_adi(void)
{
	int n = -1;

	for (int a = 0; a < MAX_ADIS; a++)
		if (adi_live[a] && (n < 0 || adis[a].slot > adis[n].slot))
			n = a;
	return n;
}

static void dma_step(void)
{
	struct pa_adi *a = &adis[dma_adi];
	bool gone;

	if (adi_live[dma_adi] && dma_batch(a)) {
		if (dma_done == DMA_BATCH)
			printf("idle: dma busy 00:%02x.0\n", a->slot);
		return;
	}
	/* A dead device: imsvm tears it down, then its function reads all-ones. */
	for (u64 end = rdtsc() + 4 * PA_WAIT; rdtsc() < end; cpu_relax())
		if (pci_conf1_read32(0, a->slot, 0, PCI_VENDOR_ID) == 0xffffffffu)
			break;
	gone = pci_conf1_read32(0, a->slot, 0, PCI_VENDOR_ID) == 0xffffffffu;
	printf("idle: dma 00:%02x.0 stopped after %u descriptors: config all-ones %s, "
	       "BAR0 all-ones %s\n", a->slot, dma_done, gone ? "yes" : "no",
	       pa_reg(a, ADISIM_REG_ID) == 0xffffffffu ? "yes" : "no");
	dma_adi = -1;
}

static void handle_event(void)
{
	u32 cause = pvic_reg(&p, PVIC_REG_EVENT_CAUSE);

	pvic_wreg(&p, PVIC_REG_EVENT_CAUSE, cause);
	printf("idle: event %d cause 0x%x\n", evt_irqs, cause);
	if (cause & (PVIC_EVENT_ADI_ADDED | PVIC_EVENT_ADI_REMOVED))
		rescan(true);
}

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

static void setup_pvic(void)
{
	if (!pvic_find(&p)) {
		printf("idle: no PV-IC\n");
		return;
	}
	if (pvic_negotiate(&p, PVIC_FEAT_ALL)) {
		printf("idle: NEGOTIATE failed\n");
		return;
	}
	have_pvic = true;
	msix_setup();
	rescan(false);
}

int main(int argc, char **argv)
{
	struct smp_result res;
	bool smp = false;
	int seen_evt = 0;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "pvic=", 5))
			pvic_n = (u32)strtoul(argv[i] + 5, NULL, 10);
		else if (!strncmp(argv[i], "hotstorm=", 9))
			hotstorm_hz = (u32)strtoul(argv[i] + 9, NULL, 10);
		else if (!strncmp(argv[i], "storm=", 6))
			storm_hz = (u32)strtoul(argv[i] + 6, NULL, 10);
		else if (!strcmp(argv[i], "smp"))
			smp = true;
	}
	pa_irq_setup();
	handle_irq(RX_VECTOR, rx_irq);
	apic_enable();	/* smp_init() does it too; without it no interrupt arrives */
	if (smp && !smp_init(&res)) {
		ncpus = cpu_count();
		for (int c = 1; c < ncpus; c++)
			on_cpu_async(c, ap_halt, NULL);
	}
	if (pvic_n)
		setup_pvic();
	if (storm_hz && nadis) {
		/* The device's own timer: interrupts flow with no help from the guest. */
		pa_wreg(&adis[0], ADISIM_REG_STORM_IMS, 1);
		pa_wreg(&adis[0], ADISIM_REG_STORM_HZ, storm_hz);
	}
	ioapic_route(SERIAL_IRQ, RX_VECTOR, apic_id(), false, false);
	while (inb(COM1 + UART_LSR) & 1)
		inb(COM1 + UART_RBR);
	outb(0x01, COM1 + UART_IER);	/* received data available */
	printf("idle: ready (%d CPUs, %d ADIs)\n", ncpus, nadis);

	for (;;) {
		irq_disable();
		if (rx_tail == rx_head && evt_irqs == seen_evt && dma_adi < 0) {
			safe_halt();
			continue;
		}
		irq_enable();
		if (dma_adi >= 0)
			dma_step();
		if (evt_irqs != seen_evt) {
			seen_evt = evt_irqs;
			if (have_pvic)
				handle_event();
		}
		while (rx_tail != rx_head) {
			u8 c = rx_ring[rx_tail++ % RING];

			if (c == '\n' || c == '\r')
				continue;
			printf("idle: got '%c'\n", c >= ' ' && c <= '~' ? c : '?');
			if (c == 'q')
				exit(0);
			for (int a = 0; c == 'f' && a < MAX_ADIS; a++) {
				if (!adi_live[a])
					continue;
				int before = pa_count(0, PA_VEC_FIRST);
				u32 st = pa_raise(&adis[a], 0);

				printf("idle: irq 00:%02x.0 %s (completion %u)\n", adis[a].slot,
				       pa_wait(0, PA_VEC_FIRST, before + 1) ? "delivered" :
				       "missing", st);
			}
			if (c == 'c')
				printf("idle: count 0x41 %d\n", pa_total(PA_VEC_FIRST + 1));
			if (c == 'd') {
				dma_adi = newest_adi();
				dma_done = 0;
				if (dma_adi < 0)
					printf("idle: dma: no ADI\n");
			}
			if (c == 's' && newest_adi() >= 0) {
				struct pa_adi *a = &adis[newest_adi()];

				pa_wreg(a, ADISIM_REG_STORM_IMS, 1);
				pa_wreg(a, ADISIM_REG_STORM_HZ, hotstorm_hz);
				printf("idle: storm 00:%02x.0 at %u\n", a->slot, hotstorm_hz);
			}
			if (c == 'r') {
				int n = 0;

				for (u32 slot = 0; slot < 32; slot++)
					n += adisim_at(slot);
				printf("idle: pci %d ADIs\n", n);
			}
		}
	}
	return 0;
}
