/*
 * cmd-flatten.c: create-image flatten. Turns a built guest's qcow2
 * overlay into a standalone image (flatten.h), so that it no longer reads
 * its base image and can move to another host.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-common.h"
#include "commands.h"
#include "flatten.h"
#include "log.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "run-command.h"
#include "strbuf.h"
#include "xl.h"
#include "banned.h"

static const char usage[] =
	"usage: create-image flatten [OPTION]... NAME\n"
	"\n"
	"Turn the qcow2 overlay of the built guest NAME into a standalone\n"
	"image that no longer reads its base image.\n"
	"\n"
	"      --help     show this help and exit\n"
	"      --verbose  say what it runs\n";

int cmd_flatten(int argc, char **argv)
{
	enum { OPT_HELP = 256, OPT_VERBOSE };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ NULL, 0, NULL, 0 },
	};
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	const char *name;
	char *mpath = NULL;
	int opt, status = 0, r, lock = -1;

	manifest_init(&m);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case OPT_VERBOSE:
			log_set_verbose(1);
			break;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	status = cmd_one_guest(argc, argv, "flatten", &name);
	if (status)
		goto out;
	status = cmd_need_root("flatten guests");
	if (status)
		goto out;
	/* No build, export or delete of it while its disk is replaced. */
	status = cmd_take_guest(name, &lock, &m, &mpath);
	if (status)
		goto out;
	signals_install();
	r = flatten_run(&m, mpath, &err);
	if (r == -ENODATA) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	if (r < 0) {
		status = cmd_undone("flatten", name, r, err.buf);
		goto out;
	}
	printf("flattened '%s': %d disk%s standalone\n", name, r,
	       r == 1 ? "" : "s");
out:
	if (lock >= 0)
		close(lock);
	manifest_release(&m);
	free(mpath);
	strbuf_release(&err);
	return status;
}
