/*
 * cmd-fleet.c: create-image fleet FILE. Reads the fleet file and the
 * command's flags, then prints the plan (--dry-run) or has the fleet
 * runner (fleet.h) build the guests, and says how it went.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-common.h"
#include "commands.h"
#include "fleet-file.h"
#include "fleet.h"
#include "log.h"
#include "lvm.h"
#include "options.h"
#include "parse.h"
#include "report.h"
#include "strvec.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

static const char usage[] =
	"usage: create-image fleet [options] FILE\n"
	"\n"
	"Build every guest a fleet file describes, several at once, with\n"
	"addresses from its pools; guests that are there already are left as\n"
	"they are. See FLEETS in create-image(8).\n"
	"\n"
	"  -j, --jobs=N     builds at once (default: the number of CPUs)\n"
	"      --fail-fast  after a failure, stop and roll back the builds in\n"
	"                   progress and start no more\n"
	"      --json       JSON events on standard output, one per line\n"
	"      --dry-run    print each guest's plan and change nothing\n"
	"      --help       show this help and exit\n"
	"\n"
	"Any other create-image option (--force, --verbose, --cachedir=DIR,\n"
	"...) applies to every guest and wins over the file.\n"
	"\n"
	"Exit status: 0 every guest built or there already; 1 some failed\n"
	"(each is named); 2 a bad fleet file or option (nothing was built);\n"
	"128+N stopped by signal N (the builds in progress rolled back).\n";

struct fleet_args {
	const char *file;
	struct fleet_options opt;
	int json, help;
	struct strvec pass;	/* create-image's own flags, for each guest */
};

static int parse_jobs(const char *v, unsigned *ret, struct strbuf *err)
{
	unsigned long n;

	if (!v || parse_uint(v, 1024, &n) < 0 || n == 0) {
		strbuf_addf(err, "--jobs: want a number from 1 to 1024, not "
			    "'%s'", v ? v : "");
		return -EINVAL;
	}
	*ret = (unsigned)n;
	return 0;
}

/*
 * The fleet's own flags, then create-image's (passed on to every guest),
 * and the file: the one argument that is not a flag or a flag's value.
 */
static int parse_args(int argc, char **argv, struct fleet_args *a,
		      struct strbuf *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	a->opt.jobs = cpus > 0 ? (unsigned)cpus : 1;
	strvec_push(&a->pass, "fleet");
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq;
		const struct option_def *d;
		struct strbuf name = STRBUF_INIT;

		if (!strcmp(arg, "-j") || !strcmp(arg, "--jobs")) {
			if (parse_jobs(i + 1 < argc ? argv[++i] : NULL,
				       &a->opt.jobs, err) < 0)
				return -EINVAL;
			continue;
		}
		if (!strncmp(arg, "-j", 2) && arg[2] != '-') {
			if (parse_jobs(arg + 2, &a->opt.jobs, err) < 0)
				return -EINVAL;
			continue;
		}
		if (!strncmp(arg, "--jobs=", 7)) {
			if (parse_jobs(arg + 7, &a->opt.jobs, err) < 0)
				return -EINVAL;
			continue;
		}
		if (!strcmp(arg, "--fail-fast")) {
			a->opt.fail_fast = 1;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			a->help = 1;
			continue;
		}
		if (strncmp(arg, "--", 2)) {
			if (a->file) {
				strbuf_addf(err, "unexpected argument '%s' "
					    "(one fleet file only)", arg);
				return -EINVAL;
			}
			a->file = arg;
			continue;
		}
		eq = strchr(arg, '=');
		strbuf_add(&name, arg + 2, eq ? (size_t)(eq - arg - 2) :
						strlen(arg + 2));
		d = option_find(name.buf);
		if (!d && !strncmp(name.buf, "no", 2))
			d = option_find(name.buf + 2 + (name.buf[2] == '-'));
		strbuf_release(&name);
		if (d && (d->id == O_HOSTNAME || d->id == O_CONFIG ||
			  d->id == O_DUMPCONFIG)) {
			strbuf_addf(err, "'--%s' is not for a fleet: the fleet "
				    "file gives %s", d->name,
				    d->id == O_HOSTNAME ? "the host names" :
				    "the settings");
			return -EINVAL;
		}
		strvec_push(&a->pass, arg);
		/* A value in the next argument is the flag's, not the file. */
		if (d && !eq && d->type != OPT_BOOL && d->type != OPT_ACTION &&
		    i + 1 < argc)
			strvec_push(&a->pass, argv[++i]);
		if (d && d->id == O_JSON)
			a->json = !eq || strcmp(eq + 1, "0");
		if (d && d->id == O_DRY_RUN)
			a->opt.dry_run = !eq || strcmp(eq + 1, "0");
		if (d && (d->id == O_VERBOSE || d->id == O_DEBUG))
			a->opt.verbose = !eq || strcmp(eq + 1, "0");
	}
	if (!a->help && !a->file) {
		strbuf_addstr(err, "no fleet file given (see --help)");
		return -EINVAL;
	}
	return 0;
}

int cmd_fleet(int argc, char **argv)
{
	struct fleet_args a = { .pass = STRVEC_INIT };
	struct fleet_file f;
	struct fleet fl;
	struct report rep;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int loaded = 0, ready = 0, status, r;

	memset(&f, 0, sizeof(f));
	memset(&fl, 0, sizeof(fl));
	if (parse_args(argc, argv, &a, &err) < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	if (a.help) {
		fputs(usage, stdout);
		status = 0;
		goto out;
	}
	if (fleet_file_load(a.file, &f, &err) < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	loaded = 1;
	for (size_t i = 0; i < f.warnings.nr; i++)
		warning("%s", f.warnings.v[i]);
	log_set_verbose(a.opt.verbose);
	ready = 1;
	r = fleet_init(&fl, &f, &a.opt, (int)a.pass.nr, (char **)a.pass.v,
		       &err);
	/* The system file's and the flags' warnings, the same for all. */
	for (size_t i = 0; fl.nr && i < fl.m[0].config.warnings.nr; i++)
		warning("%s", fl.m[0].config.warnings.v[i]);
	if (r < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	/* --boot with no hypervisor: refused before any guest is made. */
	for (size_t i = 0; !a.opt.dry_run && i < fl.nr; i++) {
		if (fl.m[i].b.g.boot) {
			status = cmd_boot_needs_xen();
			if (status)
				goto out;
			break;
		}
	}
	if (a.opt.dry_run && a.json) {
		report_begin(&rep, REPORT_FLEET, 1, 0, "fleet", fl.nr);
		fleet_plan(&fl, &rep, 1, &out);
		status = report_end(&rep) < 0;
		goto out;
	}
	if (a.opt.dry_run) {
		fleet_plan(&fl, NULL, 0, &out);
		fputs(out.buf, stdout);
		status = fflush(stdout) != 0 || ferror(stdout);
		goto out;
	}
	if (geteuid() != 0) {
		error("must be run as root to build guests (try --dry-run)");
		status = 1;
		goto out;
	}
	report_begin(&rep, REPORT_FLEET, a.json, !a.opt.verbose, "fleet",
		     fl.nr);
	status = fleet_run(&fl, &rep);
	if (report_end(&rep) < 0 && !status) {
		log_error_errno(-EIO, "cannot write to standard output: %m");
		status = 1;
	}
out:
	if (ready)
		fleet_release(&fl);
	if (loaded)
		fleet_file_release(&f);
	lvm_close();
	strvec_clear(&a.pass);
	strbuf_release(&err);
	strbuf_release(&out);
	return status;
}
