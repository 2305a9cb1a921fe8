/*
 * cmd-export.c: create-image export. Writes one artifact of a built
 * guest, found by its record, for an image factory to publish: see
 * export.h and the EXPORT section of create-image(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-common.h"
#include "commands.h"
#include "export.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "run-command.h"
#include "strbuf.h"
#include "xl.h"
#include "banned.h"

static const char usage[] =
	"usage: create-image export [OPTION]... NAME --format=FORMAT -o FILE\n"
	"\n"
	"Write one artifact of the built guest NAME, with FILE.sha256 and\n"
	"FILE.packages.json beside it.\n"
	"\n"
	"      --force          replace FILE and the files beside it\n"
	"      --format=FORMAT  raw, qcow2 (the disk holding /) or tar.zst\n"
	"                       (its tree); by FILE's suffix if not given\n"
	"      --help           show this help and exit\n"
	"  -o, --output=FILE    where to write it\n"
	"      --verbose        say what it runs\n";

int cmd_export(int argc, char **argv)
{
	enum { OPT_FORCE = 256, OPT_FORMAT, OPT_HELP, OPT_VERBOSE };
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL, *out = NULL, *name;
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	char *mpath = NULL;
	int opt, force = 0, status = 0, f, r, lock = -1;

	manifest_init(&m);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case 'o':
			out = optarg;
			break;
		case OPT_VERBOSE:
			log_set_verbose(1);
			break;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	status = cmd_one_guest(argc, argv, "export", &name);
	if (status)
		goto out;
	if (!out || !*out) {
		error("where to? give -o FILE (see --help)");
		status = 2;
		goto out;
	}
	f = format ? export_format_from_string(format) :
		     export_format_from_path(out);
	if (f < 0) {
		if (format)
			error("--format: unknown format '%s' (want raw, qcow2 "
			      "or tar.zst)", format);
		else
			error("cannot tell the format from '%s' (want a name "
			      "ending in .raw, .img, .qcow2 or .tar.zst, or "
			      "--format)", out);
		status = 2;
		goto out;
	}
	status = cmd_need_root("export guests");
	if (status)
		goto out;

	status = cmd_read_record(name, &m, &mpath);
	if (status)
		goto out;
	if (export_check_output(out, force, &err) < 0) {
		error("-o: %s", err.buf);
		status = 2;
		goto out;
	}
	/* Held while it reads: no build or delete of it meanwhile. */
	status = cmd_lock_guest(name, &lock);
	if (status)
		goto out;
	status = cmd_refuse_running(name);
	if (status)
		goto out;
	signals_install();
	r = export_guest(&m, (enum export_format)f, out, &err);
	if (r < 0) {
		error("cannot export '%s': %s", name, err.buf);
		status = r == -EINVAL ? 2 : 1;
		goto out;
	}
	printf("exported '%s' as %s to '%s'\n", name,
	       export_format_name((enum export_format)f), out);
out:
	lvm_close();
	if (lock >= 0)
		close(lock);
	manifest_release(&m);
	free(mpath);
	strbuf_release(&err);
	return status;
}
