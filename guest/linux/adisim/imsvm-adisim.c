/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm-adisim: Linux driver for the imsvm ADI simulator's PCI function
 * (F1E5:0001, docs/adi-sim.md). It gets its IMS interrupts from the PV-IC
 * (imsvm-pvic.ko), writes each message into the device's IMS storage (BAR2)
 * itself, and runs copy/fill descriptors whose completions interrupt on a
 * chosen vector. Per-vector completion counts (total, per CPU) are in
 * debugfs, next to a file that submits descriptors:
 *
 *   /sys/kernel/debug/imsvm-adisim/<pci name>/vectors   one line per vector
 *   /sys/kernel/debug/imsvm-adisim/<pci name>/run       "copy N", "fill N", "all"
 *   /sys/kernel/debug/imsvm-adisim/<pci name>/info      device counters
 *   /sys/kernel/debug/imsvm-adisim/<pci name>/storm     "N COUNT HZ": the device
 *       raises vector N at HZ for COUNT/HZ seconds (storm mode), for measurements
 */
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "devices/adisim/regs.h"
#include "imsvm-pvic.h"

#define DRV_NAME	"imsvm-adisim"
#define RING_SIZE	64
#define BUF_SIZE	4096
#define WAIT_MS		30000	/* only bounds a hang; nothing is timed */

static unsigned int nvec = 64;
module_param(nvec, uint, 0444);
MODULE_PARM_DESC(nvec, "IMS vectors to allocate (default 64)");
static int nrequest = -1;
module_param(nrequest, int, 0444);
MODULE_PARM_DESC(nrequest, "of those, vectors to request and write into IMS (default all; "
		 "fewer lets a measurement allocate more vectors than the CPUs have)");

struct adisim;

struct adisim_vec {
	struct adisim *ad;
	unsigned int irq;
	u32 index;			/* IMS slot */
	unsigned long count;		/* interrupts handled */
	unsigned long *per_cpu;		/* [nr_cpu_ids] */
	int last_cpu;
	struct completion done;
	char name[32];
};

struct adisim {
	struct pci_dev *pdev;
	void __iomem *regs;
	void __iomem *ims;
	u32 ims_entries;
	struct imsvm_pvic_adi *adi;
	int virq;			/* first of nvec, or < 0 */
	unsigned int nvec;
	struct adisim_vec *vecs;
	unsigned int requested;		/* vectors with request_irq() done */

	struct mutex lock;		/* the ring and the buffers */
	struct adisim_desc *ring;
	dma_addr_t ring_dma;
	u32 tail;
	struct adisim_completion *comp;	/* one record per ring slot */
	dma_addr_t comp_dma;
	u8 *src, *dst;
	dma_addr_t src_dma, dst_dma;
	u64 submitted, failures;
	u64 storm_raised, storm_delivered;	/* of the last storm */
	bool dead;

	struct dentry *debugfs;
};

static struct dentry *adisim_debugfs_root;

static u64 read_counter(struct adisim *ad, unsigned int n)
{
	u64 lo = readl(ad->regs + ADISIM_REG_CNT(n));
	u64 hi = readl(ad->regs + ADISIM_REG_CNT(n) + 4);

	return hi << 32 | lo;
}

static irqreturn_t adisim_irq(int irq, void *data)
{
	struct adisim_vec *v = data;
	int cpu = smp_processor_id();

	v->count++;
	v->per_cpu[cpu]++;
	WRITE_ONCE(v->last_cpu, cpu);
	complete(&v->done);
	return IRQ_HANDLED;
}

static void ims_write(struct adisim *ad, u32 index, u32 off, u32 val)
{
	writel(val, ad->ims + index * ADISIM_IMS_ENTRY_SIZE + off);
}

/*
 * Run one descriptor whose completion interrupts on vector @i and check
 * the completion record and the data. Caller holds ad->lock.
 */
static int adisim_run_one(struct adisim *ad, unsigned int i, bool copy)
{
	struct adisim_vec *v = &ad->vecs[i];
	struct adisim_desc *d = &ad->ring[ad->tail];
	struct adisim_completion *c = &ad->comp[ad->tail];
	u64 cookie = (u64)i << 32 | (u32)ad->submitted;
	u64 pattern = 0x5a5a000000000000ull | cookie;
	unsigned int k;
	long left;

	memset(ad->dst, 0, BUF_SIZE);
	if (copy)
		for (k = 0; k < BUF_SIZE; k++)
			ad->src[k] = (u8)(k * 7 + i + ad->submitted);
	memset(d, 0, sizeof(*d));
	d->opcode = copy ? ADISIM_OP_COPY : ADISIM_OP_FILL;
	d->flags = ADISIM_DESC_F_COMPLETION | ADISIM_DESC_F_INTERRUPT;
	d->ims_index = v->index;
	d->len = BUF_SIZE;
	d->src = ad->src_dma;
	d->dst = ad->dst_dma;
	d->pattern = pattern;
	d->completion = ad->comp_dma + ad->tail * sizeof(*c);
	d->cookie = cookie;
	WRITE_ONCE(c->status, ADISIM_COMP_PENDING);
	reinit_completion(&v->done);
	ad->tail = (ad->tail + 1) % RING_SIZE;
	ad->submitted++;
	/* Descriptor and record before the doorbell (writel orders them). */
	writel(ad->tail, ad->regs + ADISIM_REG_RING_TAIL);

	left = wait_for_completion_timeout(&v->done, msecs_to_jiffies(WAIT_MS));
	if (!left) {
		dev_err(&ad->pdev->dev, "vector %u (irq %u): no completion interrupt; record status %u, engine status %#x error %u\n",
			i, v->irq, READ_ONCE(c->status), readl(ad->regs + ADISIM_REG_STATUS),
			readl(ad->regs + ADISIM_REG_ERROR));
		return -ETIMEDOUT;
	}
	if (READ_ONCE(c->status) != ADISIM_COMP_SUCCESS || c->cookie != cookie ||
	    c->bytes != BUF_SIZE) {
		dev_err(&ad->pdev->dev, "vector %u: completion status %u bytes %u cookie %#llx (want %#llx)\n",
			i, c->status, c->bytes, c->cookie, cookie);
		return -EIO;
	}
	for (k = 0; k < BUF_SIZE; k++) {
		u8 want = copy ? ad->src[k] : (u8)(pattern >> (8 * (k % 8)));

		if (ad->dst[k] != want) {
			dev_err(&ad->pdev->dev, "vector %u: %s data differs at byte %u\n",
				i, copy ? "copy" : "fill", k);
			return -EIO;
		}
	}
	return 0;
}

/* ---- debugfs ---------------------------------------------------------- */

static int vectors_show(struct seq_file *m, void *unused)
{
	struct adisim *ad = m->private;
	unsigned int i, cpu;

	seq_puts(m, "# ims irq count last_cpu per_cpu...\n");
	for (i = 0; i < ad->requested; i++) {
		struct adisim_vec *v = &ad->vecs[i];

		seq_printf(m, "%u %u %lu %d", v->index, v->irq, v->count, v->last_cpu);
		for_each_possible_cpu(cpu)
			seq_printf(m, " %lu", v->per_cpu[cpu]);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vectors);

static int info_show(struct seq_file *m, void *unused)
{
	static const char *const names[ADISIM_CNT_NUM] = {
		"raised", "delivered", "blocked_remapping", "masked_pending", "dma_bytes",
		"faults", "descriptors_done", "descriptor_errors", "protocol_errors",
	};
	struct adisim *ad = m->private;
	unsigned int n;

	seq_printf(m, "adi_id %u\nims_entries %u\nvectors %u\nfirst_irq %d\nsubmitted %llu\nfailures %llu\n",
		   readl(ad->regs + ADISIM_REG_ADI_ID), ad->ims_entries, ad->requested, ad->virq,
		   ad->submitted, ad->failures);
	seq_printf(m, "storm_raised %llu\nstorm_delivered %llu\n", ad->storm_raised,
		   ad->storm_delivered);
	for (n = 0; n < ADISIM_CNT_NUM; n++)
		seq_printf(m, "dev_%s %llu\n", names[n], read_counter(ad, n));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(info);

/*
 * Storm: the device raises IMS slot i at hz for count/hz seconds, with no
 * device access by the driver meanwhile (so that exits counted during a
 * storm are the delivery's own); then the raises and what reached the
 * handler are recorded (the host's eventfd coalesces raises that come
 * faster than they are delivered).
 */
static int adisim_storm(struct adisim *ad, unsigned int i, u64 count, u32 hz)
{
	struct adisim_vec *v = &ad->vecs[i];
	unsigned long seen0 = v->count;
	u64 raised0 = read_counter(ad, ADISIM_CNT_RAISED);

	writel(v->index, ad->regs + ADISIM_REG_STORM_IMS);
	writel(hz, ad->regs + ADISIM_REG_STORM_HZ);
	if (readl(ad->regs + ADISIM_REG_ERROR) == ADISIM_ERR_BAD_STORM) {
		writel(0, ad->regs + ADISIM_REG_ERROR);
		return -EINVAL;
	}
	msleep(div_u64(count * 1000, hz));
	writel(0, ad->regs + ADISIM_REG_STORM_HZ);
	msleep(100);	/* let the last ones in flight arrive */
	ad->storm_raised = read_counter(ad, ADISIM_CNT_RAISED) - raised0;
	ad->storm_delivered = v->count - seen0;
	return ad->storm_raised ? 0 : -EIO;
}

static ssize_t storm_write(struct file *f, const char __user *ubuf, size_t len, loff_t *pos)
{
	struct adisim *ad = file_inode(f)->i_private;
	unsigned long long count;
	unsigned int i, hz;
	char buf[64];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%u %llu %u", &i, &count, &hz) != 3 || i >= ad->requested ||
	    !count || !hz || hz > ADISIM_STORM_MAX_HZ)
		return -EINVAL;
	mutex_lock(&ad->lock);
	ret = ad->dead ? -ENODEV : adisim_storm(ad, i, count, hz);
	mutex_unlock(&ad->lock);
	return ret ? ret : len;
}

static const struct file_operations storm_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = storm_write,
	.llseek = noop_llseek,
};

static ssize_t run_write(struct file *f, const char __user *ubuf, size_t len, loff_t *pos)
{
	struct adisim *ad = file_inode(f)->i_private;
	char buf[32], op[8];
	unsigned int i;
	int ret = 0, n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	mutex_lock(&ad->lock);
	if (ad->dead) {
		ret = -ENODEV;
	} else if (sysfs_streq(buf, "all")) {
		/* Every vector, alternating fill and copy. */
		for (i = 0; i < ad->requested && !ret; i++)
			ret = adisim_run_one(ad, i, i & 1);
	} else if (sscanf(buf, "%7s %u%n", op, &i, &n) == 2 && i < ad->requested &&
		   (!strcmp(op, "copy") || !strcmp(op, "fill"))) {
		ret = adisim_run_one(ad, i, op[0] == 'c');
	} else {
		ret = -EINVAL;
	}
	if (ret && ret != -EINVAL)
		ad->failures++;
	mutex_unlock(&ad->lock);
	return ret ? ret : len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = run_write,
	.llseek = noop_llseek,
};

/* ---- setup ------------------------------------------------------------ */

static void adisim_removed(void *priv)
{
	struct adisim *ad = priv;

	/* The host freed our handles: stop submitting. */
	WRITE_ONCE(ad->dead, true);
}

static int adisim_setup_vectors(struct adisim *ad)
{
	struct device *dev = &ad->pdev->dev;
	struct imsvm_pvic_adi_info info;
	unsigned int i;
	int ret;

	ret = imsvm_pvic_adi_query(ad->adi, &info);
	if (ret)
		return ret;
	ad->nvec = min3(nvec, ad->ims_entries, info.irq_count ? info.irq_count : nvec);
	if (!ad->nvec)
		return -EINVAL;
	ad->vecs = devm_kcalloc(dev, ad->nvec, sizeof(*ad->vecs), GFP_KERNEL);
	if (!ad->vecs)
		return -ENOMEM;
	for (i = 0; i < ad->nvec; i++) {
		ad->vecs[i].per_cpu = devm_kcalloc(dev, nr_cpu_ids, sizeof(unsigned long),
						   GFP_KERNEL);
		if (!ad->vecs[i].per_cpu)
			return -ENOMEM;
	}

	/* One call, one ALLOC batch per page of entries. */
	ad->virq = imsvm_pvic_alloc_irqs(ad->adi, 0, ad->nvec);
	if (ad->virq < 0)
		return ad->virq;

	for (i = 0; i < ad->nvec && (nrequest < 0 || i < nrequest); i++) {
		struct adisim_vec *v = &ad->vecs[i];
		struct msi_msg msg;

		v->ad = ad;
		v->irq = ad->virq + i;
		v->index = i;
		v->last_cpu = -1;
		init_completion(&v->done);
		snprintf(v->name, sizeof(v->name), "adisim-%s-%u", pci_name(ad->pdev), i);
		ret = imsvm_pvic_get_msg(v->irq, &msg);
		if (ret)
			return ret;
		/* The message, masked, then unmasked once Linux handles it. */
		ims_write(ad, i, ADISIM_IMS_CTRL, ADISIM_IMS_CTRL_MASK);
		ims_write(ad, i, ADISIM_IMS_ADDR_LO, msg.address_lo);
		ims_write(ad, i, ADISIM_IMS_ADDR_HI, msg.address_hi);
		ims_write(ad, i, ADISIM_IMS_DATA, msg.data);
		ret = request_irq(v->irq, adisim_irq, 0, v->name, v);
		if (ret)
			return ret;
		ad->requested++;
		ims_write(ad, i, ADISIM_IMS_CTRL, 0);
	}
	return 0;
}

static void adisim_teardown_vectors(struct adisim *ad)
{
	unsigned int i;

	/* Mask in the device first: no write of a freed handle after FREE. */
	for (i = 0; i < ad->requested; i++)
		ims_write(ad, i, ADISIM_IMS_CTRL, ADISIM_IMS_CTRL_MASK);
	for (i = 0; i < ad->requested; i++)
		free_irq(ad->vecs[i].irq, &ad->vecs[i]);
	ad->requested = 0;
	if (ad->virq >= 0)
		imsvm_pvic_free_irqs(ad->adi, ad->virq, ad->nvec);
	ad->virq = -1;
}

static int adisim_setup_engine(struct adisim *ad)
{
	struct device *dev = &ad->pdev->dev;

	ad->ring = dmam_alloc_coherent(dev, RING_SIZE * sizeof(*ad->ring), &ad->ring_dma,
				       GFP_KERNEL);
	ad->comp = dmam_alloc_coherent(dev, RING_SIZE * sizeof(*ad->comp), &ad->comp_dma,
				       GFP_KERNEL);
	ad->src = dmam_alloc_coherent(dev, BUF_SIZE, &ad->src_dma, GFP_KERNEL);
	ad->dst = dmam_alloc_coherent(dev, BUF_SIZE, &ad->dst_dma, GFP_KERNEL);
	if (!ad->ring || !ad->comp || !ad->src || !ad->dst)
		return -ENOMEM;
	writel(ADISIM_CTRL_RESET, ad->regs + ADISIM_REG_CTRL);
	writel(lower_32_bits(ad->ring_dma), ad->regs + ADISIM_REG_RING_BASE_LO);
	writel(upper_32_bits(ad->ring_dma), ad->regs + ADISIM_REG_RING_BASE_HI);
	writel(RING_SIZE, ad->regs + ADISIM_REG_RING_SIZE);
	ad->tail = 0;
	writel(ADISIM_CTRL_ENABLE, ad->regs + ADISIM_REG_CTRL);
	if (!(readl(ad->regs + ADISIM_REG_STATUS) & ADISIM_STATUS_ENABLED))
		return -EIO;
	return 0;
}

static int adisim_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct adisim *ad;
	u32 caps;
	int ret;

	ad = devm_kzalloc(dev, sizeof(*ad), GFP_KERNEL);
	if (!ad)
		return -ENOMEM;
	ad->pdev = pdev;
	ad->virq = -1;
	mutex_init(&ad->lock);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(ADISIM_BAR_REGS) | BIT(ADISIM_BAR_IMS), DRV_NAME);
	if (ret)
		return ret;
	ad->regs = pcim_iomap_table(pdev)[ADISIM_BAR_REGS];
	ad->ims = pcim_iomap_table(pdev)[ADISIM_BAR_IMS];
	if (readl(ad->regs + ADISIM_REG_ID) != ADISIM_ID_VALUE) {
		dev_err(dev, "not an ADI simulator: ID %#x\n", readl(ad->regs + ADISIM_REG_ID));
		return -ENODEV;
	}
	caps = readl(ad->regs + ADISIM_REG_CAPS);
	ad->ims_entries = readl(ad->regs + ADISIM_REG_IMS_ENTRIES);
	if (!(caps & ADISIM_CAP_COPY) || !(caps & ADISIM_CAP_FILL) ||
	    (u64)ad->ims_entries * ADISIM_IMS_ENTRY_SIZE > pci_resource_len(pdev, ADISIM_BAR_IMS)) {
		dev_err(dev, "unexpected device: caps %#x, %u IMS entries\n", caps, ad->ims_entries);
		return -ENODEV;
	}
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	pci_set_master(pdev);

	ad->adi = imsvm_pvic_adi_get(pdev, adisim_removed, ad);
	if (IS_ERR(ad->adi)) {
		ret = PTR_ERR(ad->adi);
		if (ret != -EPROBE_DEFER)
			dev_err(dev, "PV-IC does not serve this device: %d\n", ret);
		return ret;
	}
	ret = adisim_setup_engine(ad);
	if (ret)
		goto err_adi;
	ret = adisim_setup_vectors(ad);
	if (ret) {
		dev_err(dev, "IMS vectors: %d\n", ret);
		goto err_vectors;
	}
	pci_set_drvdata(pdev, ad);
	ad->debugfs = debugfs_create_dir(pci_name(pdev), adisim_debugfs_root);
	debugfs_create_file("vectors", 0444, ad->debugfs, ad, &vectors_fops);
	debugfs_create_file("info", 0444, ad->debugfs, ad, &info_fops);
	debugfs_create_file("run", 0200, ad->debugfs, ad, &run_fops);
	debugfs_create_file("storm", 0200, ad->debugfs, ad, &storm_fops);
	dev_info(dev, "ADI %u: %u IMS vectors (%u requested), irqs %d-%d, %u IMS entries\n",
		 readl(ad->regs + ADISIM_REG_ADI_ID), ad->nvec, ad->requested, ad->virq,
		 ad->virq + ad->nvec - 1, ad->ims_entries);
	return 0;

err_vectors:
	adisim_teardown_vectors(ad);
	writel(0, ad->regs + ADISIM_REG_CTRL);
err_adi:
	imsvm_pvic_adi_put(ad->adi);
	return ret;
}

static void adisim_remove(struct pci_dev *pdev)
{
	struct adisim *ad = pci_get_drvdata(pdev);

	debugfs_remove_recursive(ad->debugfs);
	mutex_lock(&ad->lock);
	ad->dead = true;
	mutex_unlock(&ad->lock);
	writel(0, ad->regs + ADISIM_REG_CTRL);
	adisim_teardown_vectors(ad);
	imsvm_pvic_adi_put(ad->adi);
	pci_clear_master(pdev);
}

static const struct pci_device_id adisim_ids[] = {
	{ PCI_DEVICE(ADISIM_PCI_VENDOR_ID, ADISIM_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, adisim_ids);

static struct pci_driver adisim_driver = {
	.name = DRV_NAME,
	.id_table = adisim_ids,
	.probe = adisim_probe,
	.remove = adisim_remove,
};

static int __init adisim_init(void)
{
	int ret;

	adisim_debugfs_root = debugfs_create_dir(DRV_NAME, NULL);
	ret = pci_register_driver(&adisim_driver);
	if (ret)
		debugfs_remove_recursive(adisim_debugfs_root);
	return ret;
}

static void __exit adisim_exit(void)
{
	pci_unregister_driver(&adisim_driver);
	debugfs_remove_recursive(adisim_debugfs_root);
}
module_init(adisim_init);
module_exit(adisim_exit);

MODULE_DESCRIPTION("imsvm ADI simulator: IMS interrupts through the PV-IC, copy/fill descriptors");
MODULE_LICENSE("GPL");
