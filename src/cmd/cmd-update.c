/*
 * cmd-update.c: update-image. Brings the packages of shut-down guests up
 * to date from their own apt sources, one guest after the other (see
 * update.h and update-image(8)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cmd-common.h"
#include "commands.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"
#include "update.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

static const char usage[] =
	"usage: update-image [OPTION]... NAME...\n"
	"\n"
	"Bring the packages of shut-down guests create-image built up to date:\n"
	"apt-get update and full-upgrade in each, from its own sources, with\n"
	"no service started; a new kernel becomes the one it boots.\n"
	"\n"
	"      --dir=DIR        accepted for xen-update-image; the guest's "
	"record\n"
	"                       says where its disks are\n"
	"      --dry-run        show what would be upgraded, change nothing\n"
	"      --help           show this help and exit\n"
	"      --lvm=VG         accepted for xen-update-image, as --dir\n"
	"      --verbose        say what it runs\n"
	"      --version        show the version and exit\n";

/* "NAME OLD NEW" as the summary shows it. */
static void print_change(const char *line)
{
	const char *a = strchr(line, ' '), *b = a ? strchr(a + 1, ' ') : NULL;
	int nlen, olen;
	const char *old, *new;

	if (!b) {
		printf("  %s\n", line);
		return;
	}
	nlen = (int)(a - line);
	old = a + 1;
	olen = (int)(b - old);
	new = b + 1;
	if (olen == 1 && *old == '-')
		printf("  %.*s (new) %s\n", nlen, line, new);
	else if (streq(new, "-"))
		printf("  %.*s %.*s (removed)\n", nlen, line, olen, old);
	else
		printf("  %.*s %.*s -> %s\n", nlen, line, olen, old, new);
}

static void print_result(const char *name, int dry_run,
			 const struct update_result *res)
{
	size_t n = res->changes.nr;

	if (dry_run)
		printf("%s: %zu package change%s would be made\n", name, n,
		       n == 1 ? "" : "s");
	else
		printf("%s: %zu package change%s made\n", name, n,
		       n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		print_change(res->changes.v[i]);
	if (res->kernel_after && res->kernel_before &&
	    !streq(res->kernel_before, res->kernel_after))
		printf("  kernel %s -> %s%s%s\n", res->kernel_before,
		       res->kernel_after,
		       res->menu ? "; the boot menu starts it first, the old "
				   "one second" : "",
		       res->direct ? "; the kernel xl boots replaced, the old "
				     "one kept as vmlinuz.old" : "");
}

/* One guest, checked before: 0 updated, 1 failed. */
static int update_one(const struct manifest *m, int dry_run)
{
	struct update_result res = UPDATE_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	int fd, r, status = 0;

	if (cmd_lock_guest(m->hostname, &fd))
		return 1;
	/* Again under the lock: it may have been started meanwhile. */
	if (cmd_refuse_running(m->hostname)) {
		status = 1;
		goto out;
	}
	r = update_run(m, dry_run, &res, &err);
	if (r < 0) {
		error("cannot update '%s': %s", m->hostname, err.buf);
		status = 1;
		goto out;
	}
	print_result(m->hostname, dry_run, &res);
out:
	close(fd);
	update_result_release(&res);
	strbuf_release(&err);
	return status;
}

int cmd_update(int argc, char **argv)
{
	enum { OPT_DIR = 256, OPT_DRY_RUN, OPT_HELP, OPT_LVM, OPT_VERBOSE,
	       OPT_VERSION };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "lvm", required_argument, NULL, OPT_LVM },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct manifest *ms = NULL;
	size_t n = 0;
	int opt, status = 0, dry_run = 0, failed = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
		case OPT_LVM:
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case OPT_VERBOSE:
			log_set_verbose(1);
			break;
		case OPT_VERSION:
			printf("update-image %s\n", VERSION);
			goto out;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	/* Every name is checked before any guest is touched. */
	status = cmd_guest_names((size_t)(argc - optind),
				 (const char *const *)argv + optind);
	if (status)
		goto out;
	status = cmd_need_root("update guests");
	if (status)
		goto out;
	ms = xcalloc((size_t)(argc - optind), sizeof(*ms));
	for (int i = optind; i < argc; i++) {
		char *mpath = NULL;

		manifest_init(&ms[n]);
		status = cmd_read_record(argv[i], &ms[n], &mpath);
		free(mpath);
		n++;
		if (!status)
			status = cmd_refuse_running(argv[i]);
		if (status)
			goto out;
	}

	signals_install();
	status = cmd_private_mounts();
	if (status)
		goto out;
	for (size_t i = 0; i < n && !signals_pending(); i++)
		failed += update_one(&ms[i], dry_run);
	if (signals_pending())
		status = 128 + signals_pending();
	else if (failed)
		status = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(-errno, "cannot write to standard output: %m");
		status = 1;
	}
out:
	lvm_close();
	for (size_t i = 0; i < n; i++)
		manifest_release(&ms[i]);
	free(ms);
	return status;
}
