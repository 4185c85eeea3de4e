/* SPDX-License-Identifier: GPL-2.0-only */
/* `imsvm ims NAME`: every IMS vector the PV-IC has handed out. */
#include "vmm/cli.h"
#include "vmm/cmd_priv.h"

void cmd__usage_ims(FILE *f)
{
	fputs("usage: imsvm ims NAME [--json] [--timeout-ms MS]\n"
	      "\n"
	      "Every vector the PV-IC of VM NAME has allocated: the ADI (PCI function), the\n"
	      "IMS index the guest gave, the remapping handle, the destination APIC id,\n"
	      "the vector, whether it is masked (the irqfd detached; the GSI is kept), and\n"
	      "the KVM GSI it is routed through (- with --irq-delivery=relay).\n", f);
}

static void print_ims(const struct cmd_opts *o, json_object *r)
{
	json_object *vecs;

	printf("%-9s %-12s %8s %7s %6s %6s %-6s %5s\n", "ADI", "DEVICE", "IMS", "HANDLE", "DEST",
	       "VECTOR", "MASKED", "GSI");
	if (json_object_object_get_ex(r, "vectors", &vecs) && vecs) {
		for (size_t i = 0; i < json_object_array_length(vecs); i++) {
			json_object *v = json_object_array_get_idx(vecs, i), *m;
			bool masked = json_object_object_get_ex(v, "masked", &m) &&
				      json_object_get_boolean(m);

			printf("%-9s %-12s %8s %7s %6s   0x%02x %-6s %5s\n", cmd__str(v, "adi"),
			       cmd__str(v, "device"), cmd__str(v, "ims_index"),
			       cmd__str(v, "handle"), cmd__str(v, "dest"),
			       (unsigned int)cmd__int(v, "vector") & 0xff, masked ? "yes" : "no",
			       cmd__str(v, "gsi"));
		}
		printf("%zu vector(s)\n", json_object_array_length(vecs));
	}
}

int cmd__ims(int argc, char **argv)
{
	return cmd__show(argc, argv, cmd__usage_ims, "ims", print_ims);
}
