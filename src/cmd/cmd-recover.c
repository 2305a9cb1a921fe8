/*
 * cmd-recover.c: "create-image recover": undo what every run killed
 * outright left behind (a power cut, the OOM killer), from the journals
 * in STATEDIR/runs (recover.h). A build does this for its own guest
 * first; this is for an operator, after a reboot say.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd-common.h"
#include "commands.h"
#include "log.h"
#include "lvm.h"
#include "recover.h"
#include "strbuf.h"
#include "banned.h"

static const char usage[] =
	"usage: create-image recover [--dry-run] [--verbose]\n"
	"\n"
	"Undo what runs of create-image killed outright (SIGKILL, the OOM "
	"killer,\n"
	"a power cut) left behind: their image files, volumes and "
	"directories;\n"
	"what a --force rebuild moved aside comes back. A run still going "
	"is left\n"
	"alone. A build does this for its own guest before anything else.\n"
	"\n"
	"      --dry-run   say what would be undone, undo nothing\n"
	"      --help      show this help and exit\n"
	"      --verbose   also name each thing undone\n";

struct recover_cmd {
	int dry_run, verbose;
};

static void on_entry(void *data, const char *what)
{
	const struct recover_cmd *rc = data;

	if (rc->dry_run)
		printf("  would %s\n", what);
	else if (rc->verbose)
		printf("  %s\n", what);
}

static void on_run(void *data, const struct recover_result *res)
{
	const struct recover_cmd *rc = data;
	struct strbuf sb = STRBUF_INIT;

	recover_describe(res, rc->dry_run, &sb);
	if (res->error || res->left) {
		error("%s", sb.buf);
	} else if (res->busy) {
		info("%s", sb.buf);
	} else {
		char when[32] = "";
		time_t t = (time_t)res->started;

		if (t)
			strftime(when, sizeof(when), ", started %Y-%m-%d %H:%M",
				 localtime(&t));
		printf("%s%s\n", sb.buf, when);
	}
	strbuf_release(&sb);
}

int cmd_recover(int argc, char **argv)
{
	enum { OPT_DRY_RUN = 256, OPT_HELP, OPT_VERBOSE };
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ NULL, 0, NULL, 0 },
	};
	struct recover_cmd rc = { 0 };
	struct recover_ops ops = { on_entry, on_run, &rc };
	struct strbuf err = STRBUF_INIT;
	int opt, r, status = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DRY_RUN:
			rc.dry_run = 1;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case OPT_VERBOSE:
			rc.verbose = 1;
			log_set_verbose(1);
			break;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	if (optind != argc) {
		error("recover takes no operands (see --help)");
		status = 2;
		goto out;
	}
	if (!rc.dry_run && geteuid() != 0) {
		error("must be run as root to undo what runs left "
		      "(try --dry-run)");
		status = 1;
		goto out;
	}
	r = recover_all(rc.dry_run, &ops, &err);
	if (r < 0) {
		if (err.len)
			error("%s", err.buf);
		status = 1;
	} else if (!r) {
		info("no run killed earlier left anything to undo");
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error("cannot write to standard output");
		status = 1;
	}
out:
	lvm_close();
	strbuf_release(&err);
	return status;
}
