/* SPDX-License-Identifier: GPL-2.0-only */
/* Command line of imsvm-adisim. Every bad option is one clear line and exit 2. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/adisim/adisim.h"

void adisim_opts__usage(void)
{
	printf(
"Usage: imsvm-adisim [OPTIONS]\n"
"A vfio-user server that behaves like a Scalable IOV device: N ADIs with IMS.\n"
"\n"
"  --socket-path=PATH   serve one ADI on the UNIX socket PATH\n"
"  --socket-dir=DIR     serve --adis ADIs on DIR/adi0.sock, DIR/adi1.sock, ...\n"
"  --fd=N               serve one ADI on fd N (listening, or connected: exit at EOF)\n"
"  --adis=N             number of ADIs with --socket-dir (1..%d, default 1)\n"
"  --ims-entries=N      IMS entries per ADI (1..%d, default %d)\n"
"  --storm=INDEX:HZ     raise IMS entry INDEX at HZ (<= %d) while a client is connected\n"
"  --stats-json=FILE    write the counters as JSON at exit and on SIGUSR1\n"
"  --fail-after=N       after N messages, fail (see --fail-mode)\n"
"  --fail-mode=MODE     die (exit at once, default), error (EIO to everything), close\n"
"  --die-on-doorbell    exit at once when a doorbell is written\n"
"  --keep-stale-eventfds  hostile: keep every IMS eventfd the client unbinds and\n"
"                       write them all on each BAR0 access (tests of the VMM)\n"
"  --unchecked-dma      hostile: send every DMA outside the fd-mapped memory to\n"
"                       the client as DMA_READ/DMA_WRITE, unchecked (tests of the VMM)\n"
"  -v, --verbose        debug messages\n"
"  -h, --help           this text\n"
"\n"
"Signals: SIGTERM/SIGINT exit cleanly, SIGUSR1 prints the counters.\n"
"See docs/adi-sim.md for the register map and the interrupt model.\n",
	       ADISIM_MAX_ADIS, ADISIM_IMS_MAX_ENTRIES, ADISIM_IMS_DEFAULT_ENTRIES,
	       ADISIM_STORM_MAX_HZ);
}

static int parse_u64(const char *s, u64 min, u64 max, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "imsvm-adisim: invalid %s '%s': %s\n", opt, val ? val : "", why);
	return -EINVAL;
}

int adisim_opts__parse(struct adisim_opts *o, int argc, char **argv)
{
	enum { O_SOCKET_PATH = 256, O_SOCKET_DIR, O_FD, O_ADIS, O_IMS, O_STORM, O_STATS,
	       O_FAIL_AFTER, O_FAIL_MODE, O_DIE_DOORBELL, O_KEEP_STALE,
	       O_UNCHECKED_DMA };
	static const struct option longopts[] = {
		{ "socket-path", required_argument, NULL, O_SOCKET_PATH },
		{ "socket-dir", required_argument, NULL, O_SOCKET_DIR },
		{ "fd", required_argument, NULL, O_FD },
		{ "adis", required_argument, NULL, O_ADIS },
		{ "ims-entries", required_argument, NULL, O_IMS },
		{ "storm", required_argument, NULL, O_STORM },
		{ "stats-json", required_argument, NULL, O_STATS },
		{ "fail-after", required_argument, NULL, O_FAIL_AFTER },
		{ "fail-mode", required_argument, NULL, O_FAIL_MODE },
		{ "die-on-doorbell", no_argument, NULL, O_DIE_DOORBELL },
		{ "keep-stale-eventfds", no_argument, NULL, O_KEEP_STALE },
		{ "unchecked-dma", no_argument, NULL, O_UNCHECKED_DMA },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool adis_set = false;
	u64 v, hz;
	char *colon;
	int c;

	memset(o, 0, sizeof(*o));
	o->adis = 1;
	o->fd = -1;
	o->ims_entries = ADISIM_IMS_DEFAULT_ENTRIES;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET_PATH:
			o->socket_path = optarg;
			break;
		case O_SOCKET_DIR:
			o->socket_dir = optarg;
			break;
		case O_FD:
			if (parse_u64(optarg, 0, 65535, &v))
				return bad("--fd", optarg, "not a file descriptor number");
			o->fd = (int)v;
			break;
		case O_ADIS:
			if (parse_u64(optarg, 1, ADISIM_MAX_ADIS, &v))
				return bad("--adis", optarg, "must be 1..64");
			o->adis = (unsigned int)v;
			adis_set = true;
			break;
		case O_IMS:
			if (parse_u64(optarg, 1, ADISIM_IMS_MAX_ENTRIES, &v))
				return bad("--ims-entries", optarg, "must be 1..32768");
			o->ims_entries = (u32)v;
			break;
		case O_STORM:
			colon = strchr(optarg, ':');
			if (!colon)
				return bad("--storm", optarg, "expected INDEX:HZ");
			*colon = '\0';
			if (parse_u64(optarg, 0, ADISIM_IMS_MAX_ENTRIES - 1, &v) ||
			    parse_u64(colon + 1, 1, ADISIM_STORM_MAX_HZ, &hz)) {
				*colon = ':';
				return bad("--storm", optarg, "expected INDEX:HZ, HZ 1..1000000");
			}
			*colon = ':';
			o->storm = true;
			o->storm_ims = (u32)v;
			o->storm_hz = (u32)hz;
			break;
		case O_STATS:
			o->stats_json = optarg;
			break;
		case O_FAIL_AFTER:
			if (parse_u64(optarg, 0, UINT64_MAX, &v))
				return bad("--fail-after", optarg, "not a number");
			o->fail_after = v;
			o->fail_after_set = true;
			break;
		case O_FAIL_MODE:
			if (!strcmp(optarg, "die"))
				o->fail_mode = ADISIM_FAIL_DIE;
			else if (!strcmp(optarg, "error"))
				o->fail_mode = ADISIM_FAIL_ERROR;
			else if (!strcmp(optarg, "close"))
				o->fail_mode = ADISIM_FAIL_CLOSE;
			else
				return bad("--fail-mode", optarg, "expected die, error or close");
			break;
		case O_DIE_DOORBELL:
			o->die_on_doorbell = true;
			break;
		case O_KEEP_STALE:
			o->keep_stale = true;
			break;
		case O_UNCHECKED_DMA:
			o->unchecked_dma = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			return bad("option", argv[optind - 1], "needs a value");
		default:
			return bad("option", argv[optind - 1], "unknown (see --help)");
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind], "unexpected (see --help)");
	if (!!o->socket_path + !!o->socket_dir + (o->fd >= 0) != 1)
		return bad("options", "", "give exactly one of --socket-path, --socket-dir, --fd");
	if (adis_set && !o->socket_dir && o->adis != 1)
		return bad("--adis", "", "more than one ADI needs --socket-dir");
	if (o->storm && o->storm_ims >= o->ims_entries)
		return bad("--storm", "", "INDEX must be below --ims-entries");
	return 0;
}
