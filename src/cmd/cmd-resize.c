/*
 * cmd-resize.c: resize-image. Grows a built guest's root disk (and its
 * swap) with the file system on it, as xen-tools' xen-resize-guest does:
 * see resize.h and resize-image(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-common.h"
#include "commands.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "parse.h"
#include "resize.h"
#include "run-command.h"
#include "strbuf.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

static const char usage[] =
	"usage: resize-image [OPTION]... NAME --size=[+]SIZE [--swap=[+]SIZE]\n"
	"\n"
	"Grow the root disk of the built guest NAME, and the file system on "
	"it;\nwith --swap, its swap too. The guest must not be running; "
	"nothing\never shrinks.\n"
	"\n"
	"      --add=SIZE       the same as --size=+SIZE (xen-resize-guest)\n"
	"      --dry-run        show what would grow, change nothing\n"
	"      --help           show this help and exit\n"
	"      --hostname=NAME  the guest to grow (the same as NAME)\n"
	"      --size=SIZE      the root file system's volume becomes SIZE;\n"
	"                       +SIZE adds SIZE to it\n"
	"      --swap=SIZE      the swap volume becomes SIZE (+SIZE adds), "
	"made\n"
	"                       anew with the same UUID\n"
	"      --verbose        say what it runs\n"
	"      --version        show the version and exit\n";

#define MIB (1ULL << 20)

static int bad_size(const char *flag, const char *value)
{
	error("%s: invalid size '%s' (want SIZE or +SIZE, such as 10G or "
	      "+512M)", flag, value);
	return 2;
}

static void say_plan(const struct manifest *m, const struct resize_plan *p,
		     int dry_run)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct resize_item *it = &p->item[i];
		const struct manifest_disk *d = &m->disks[it->disk];
		char from[32], to[32];

		format_size(it->vol_old, from, sizeof(from));
		format_size(it->vol_new, to, sizeof(to));
		printf("%s%-4s  %s, %s on '%s': %s to %s\n",
		       dry_run ? "would grow " : "", it->what, d->vdev,
		       m->fss[it->fs].type, d->lv ? d->lv : d->path, from,
		       to);
	}
}

int cmd_resize(int argc, char **argv)
{
	enum { OPT_ADD = 256, OPT_DRY_RUN, OPT_HELP, OPT_HOSTNAME, OPT_SIZE,
	       OPT_SWAP, OPT_VERBOSE, OPT_VERSION };
	static const struct option longopts[] = {
		{ "add", required_argument, NULL, OPT_ADD },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "swap", required_argument, NULL, OPT_SWAP },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct strbuf err = STRBUF_INIT;
	struct resize_request rq;
	struct resize_plan plan;
	struct manifest m;
	const char *name = NULL;
	char *mpath = NULL;
	uint64_t unit = MIB;
	int opt, dry_run = 0, status = 0, r, lock = -1, grown;

	memset(&rq, 0, sizeof(rq));
	manifest_init(&m);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ADD:
			if (parse_size(optarg, &rq.size) < 0 || !rq.size) {
				status = bad_size("--add", optarg);
				goto out;
			}
			rq.size_set = rq.size_add = 1;
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case OPT_HOSTNAME:
			name = optarg;
			break;
		case OPT_SIZE:
			if (resize_parse_size(optarg, &rq.size,
					      &rq.size_add) < 0) {
				status = bad_size("--size", optarg);
				goto out;
			}
			rq.size_set = 1;
			break;
		case OPT_SWAP:
			if (resize_parse_size(optarg, &rq.swap,
					      &rq.swap_add) < 0) {
				status = bad_size("--swap", optarg);
				goto out;
			}
			rq.swap_set = 1;
			break;
		case OPT_VERBOSE:
			log_set_verbose(1);
			break;
		case OPT_VERSION:
			printf("resize-image %s\n", VERSION);
			goto out;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	if (name && optind < argc) {
		error("give the guest once: --hostname or NAME");
		status = 2;
		goto out;
	}
	if (name && hostname_valid(name) < 0) {
		error("--hostname: invalid hostname '%s'", name);
		status = 2;
		goto out;
	}
	if (!name) {
		status = cmd_one_guest(argc, argv, "resize-image", &name);
		if (status)
			goto out;
	}
	if (!rq.size_set && !rq.swap_set) {
		error("how large? give --size=[+]SIZE or --swap=[+]SIZE "
		      "(see --help)");
		status = 2;
		goto out;
	}
	status = cmd_need_root("resize guests");
	if (status)
		goto out;
	/* No build, export or delete of it while its disks change. */
	status = cmd_take_guest(name, &lock, &m, &mpath);
	if (status)
		goto out;
	if (streq(m.storage, "lvm")) {
		struct lvm_vg_info info;

		r = lvm_vg_info(m.vg, &info, &err);
		if (r < 0) {
			error("%s", err.buf);
			status = r == -ENOENT ? 2 : 1;
			goto out;
		}
		unit = info.extent_size;
	}
	r = resize_plan(&m, &rq, unit, &plan, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	r = resize_check_space(&m, &plan, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = r == -ENOSPC ? 2 : 1;
		goto out;
	}
	if (dry_run) {
		say_plan(&m, &plan, 1);
		goto out;
	}
	signals_install();
	r = resize_run(&m, mpath, &plan, &grown, &err);
	if (r == -ENOSPC && !grown) {
		error("%s; nothing changed", err.buf);
		status = 2;
		goto out;
	}
	if (r < 0) {
		if (grown) {
			struct strbuf again = STRBUF_INIT;

			for (size_t i = 0; i < plan.n; i++) {
				char sz[32];

				format_size(plan.item[i].vol_new, sz,
					    sizeof(sz));
				strbuf_addf(&again, " --%s=%s",
					    streq(plan.item[i].what, "swap") ?
					    "swap" : "size", sz);
			}
			error("cannot resize '%s': %s; its disk has grown, "
			      "its file system not (which does it no harm): "
			      "'resize-image %s%s' finishes it", name,
			      err.buf, name, again.buf);
			strbuf_release(&again);
			status = signals_pending() ? 128 + signals_pending() :
						     1;
		} else {
			status = cmd_undone("resize", name, r, err.buf);
		}
		goto out;
	}
	printf("resized '%s':\n", name);
	say_plan(&m, &plan, 0);
out:
	lvm_close();
	if (lock >= 0)
		close(lock);
	manifest_release(&m);
	free(mpath);
	strbuf_release(&err);
	return status;
}
