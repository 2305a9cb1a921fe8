/*
 * cmd-create.c: create-image itself. Reads the settings, validates them,
 * then drives the build (build.h) and prints what it made: the plan with
 * --dry-run, the summary when the guest is ready.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cmd-common.h"
#include "commands.h"
#include "config.h"
#include "guest.h"
#include "lock.h"
#include "export.h"
#include "flatten.h"
#include "log.h"
#include "manifest.h"
#include "lvm.h"
#include "manifest.h"
#include "options.h"
#include "report.h"
#include "paths.h"
#include "recover.h"
#include "run-command.h"
#include "secrets.h"
#include "settings.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

/* Flush stdout and report whether everything reached it: 0 or 1. */
static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(-errno, "cannot write to standard output: %m");
		return 1;
	}
	return 0;
}

/* What one build tells its user as it goes: why it failed, at once,
 * and every stage to the report. */
static void on_progress(const struct build_event *ev, void *data)
{
	if (ev->kind == BUILD_FAILED)
		error("%s", ev->message);
	report_stage(data, ev);
}

/* The guest's outcome, to the report: its record and its summary. */
static void report_build(struct report *rep, struct build *b,
			 enum outcome_status status, const char *why)
{
	struct strbuf json = STRBUF_INIT, summary = STRBUF_INIT;
	char *log = build_log_path(b);
	struct outcome o = {
		.hostname = b->g.hostname,
		.status = status,
		.error = why,
		.log = status == OUTCOME_PLANNED ? NULL : log,
	};
	struct manifest m;

	manifest_init(&m);
	build_record(b, &m);
	if (status == OUTCOME_BUILT)
		build_summary(b, &summary);
	report_guest_json(&json, &o, &m, b);
	o.summary = summary.buf;
	o.json = json.buf;
	report_outcome(rep, &o);
	manifest_release(&m);
	/* Both hold a generated root password. */
	strbuf_release_secret(&json);
	strbuf_release_secret(&summary);
	free(log);
}

/*
 * --flatten: the guest just built, from its record, as flatten does; a
 * guest whose disks stand alone already is no failure.
 */
static int flatten_built(const struct guest *g)
{
	struct strbuf err = STRBUF_INIT;
	char *mpath = manifest_path(g->hostname);
	struct manifest m;
	int r;

	manifest_init(&m);
	signals_install();
	r = manifest_read(mpath, &m, &err);
	if (r >= 0)
		r = flatten_run(&m, mpath, &err);
	if (r == -ENODATA) {
		info("nothing to flatten: %s", err.buf);
		r = 0;
	} else if (r < 0) {
		error("the guest was built, but not flattened: %s", err.buf);
	} else {
		info("flattened '%s': its disk no longer reads a base image",
		     g->hostname);
	}
	signals_ignore_for_cleanup();
	manifest_release(&m);
	free(mpath);
	strbuf_release(&err);
	return r;
}

/* --export: the guest just built, from its record, as export does. */
static int export_built(const struct guest *g)
{
	struct strbuf err = STRBUF_INIT;
	char *mpath = manifest_path(g->hostname);
	struct manifest m;
	int r;

	manifest_init(&m);
	signals_install();
	r = manifest_read(mpath, &m, &err);
	if (r >= 0)
		r = export_guest(&m, (enum export_format)g->export_format,
				 g->export_path, &err);
	if (r < 0)
		error("the guest was built, but not exported to '%s': %s",
		      g->export_path, err.buf);
	else
		info("exported '%s' as %s to '%s'", g->hostname,
		     export_format_name((enum export_format)g->export_format),
		     g->export_path);
	signals_ignore_for_cleanup();
	manifest_release(&m);
	free(mpath);
	strbuf_release(&err);
	return r;
}

/*
 * --passwd: root's password typed twice on the terminal, as passwd(1)
 * asks for it, three tries. The exit status to stop with, or 0.
 */
static int ask_password(struct guest *g)
{
	for (int tries = 0; tries < 3; tries++) {
		struct strbuf prompt = STRBUF_INIT;
		char *first = NULL, *again = NULL;
		int sig = 0, r;

		strbuf_addf(&prompt, "Root password for '%s': ", g->hostname);
		r = password_read_tty(0, prompt.buf, &first, &sig);
		if (r >= 0)
			r = password_read_tty(0, "Retype it: ", &again, &sig);
		strbuf_release(&prompt);
		if (r >= 0 && strcmp(first, again))
			r = -EBADMSG;
		secret_free(again);
		if (r >= 0) {
			g->password = first;
			return 0;
		}
		secret_free(first);
		if (r == -EINTR) {
			/* Stopped at the prompt: nothing was made. */
			signal(sig, SIG_DFL);
			raise(sig);
			return 128 + sig;
		}
		if (r == -EBADMSG)
			error("--passwd: the two passwords differ");
		else if (r == -ENODATA)
			error("--passwd: no password given");
		else if (r == -E2BIG)
			error("--passwd: longer than %d bytes",
			      PASSWORD_INPUT_MAX);
		else if (r == -EINVAL)
			error("--passwd: the password holds a NUL byte");
		else {
			log_error_errno(r, "--passwd: cannot read the "
					"terminal: %m");
			return 1;
		}
	}
	error("--passwd: no password after three tries");
	return 2;
}

int cmd_create(int argc, char **argv)
{
	struct config c;
	struct build b;
	struct report rep;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int r, status = 0, json = 0, reporting = 0;

	build_init(&b, on_progress, &rep);
	config_init_defaults(&c);

	r = config_parse_argv(&c, argc, argv, &err);
	config_scrub_argv(argc, argv);
	if (r >= 0 && !c.action_help && !c.action_version)
		r = config_load(&c, paths_system_config(), &err);
	for (size_t i = 0; i < c.warnings.nr; i++)
		warning("%s", c.warnings.v[i]);
	if (r < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	if (c.action_help) {
		options_help(&out);
		fputs(out.buf, stdout);
		goto out;
	}
	if (c.action_version) {
		printf("create-image %s\n", VERSION);
		goto out;
	}
	if (c.action_dumpconfig) {
		config_dump(&c, &out);
		fputs(out.buf, stdout);
		goto out;
	}

	r = guest_from_config(&c, &b.g, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	log_set_verbose(b.g.verbose);
	log_set_debug(b.g.debug);
	json = config_get_bool(&c, O_JSON);
	if (b.g.password && !strcmp(b.g.password, "-") && !b.g.dry_run) {
		secret_free(b.g.password);
		b.g.password = NULL;
		r = password_read_fd(0, &b.g.password);
		if (r < 0) {
			if (r == -E2BIG)
				error("--password=-: the password on standard "
				      "input is longer than %d bytes",
				      PASSWORD_INPUT_MAX);
			else if (r == -EINVAL)
				error("--password=-: the password on standard "
				      "input holds a NUL byte");
			else if (r == -ENODATA)
				error("--password=-: no password on standard "
				      "input");
			else
				log_error_errno(r, "--password=-: cannot read "
						"standard input: %m");
			status = r == -E2BIG || r == -EINVAL ||
				 r == -ENODATA ? 2 : 1;
			goto out;
		}
	}
	if (b.g.boot && !b.g.dry_run) {
		status = cmd_boot_needs_xen();
		if (status)
			goto out;
	}
	if (b.g.ask_password && !b.g.dry_run && !isatty(0)) {
		error("--passwd: standard input is not a terminal (--password=- "
		      "reads the password from a pipe)");
		status = 2;
		goto out;
	}
	settings_record(&c, NULL, &b.settings);
	r = build_prepare(&b, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	if (b.g.dry_run) {
		/* Only root may ask LVM or open devices. */
		r = build_check_existing(&b, geteuid() == 0 ||
					 b.g.storage == STORAGE_DIR, &err);
		if (r < 0) {
			error("%s", err.buf);
			status = build_bad_input(r) ? 2 : 1;
			goto out;
		}
		if (json) {
			report_begin(&rep, REPORT_SINGLE, 1, 0, "create", 1);
			report_build(&rep, &b, OUTCOME_PLANNED, NULL);
			status = report_end(&rep) < 0;
			goto out;
		}
		build_plan(&b, &out);
		fputs(out.buf, stdout);
		status = finish_stdout();
		goto out;
	}
	if (geteuid() != 0) {
		error("must be run as root to create storage and mount it "
		      "(try --dry-run)");
		status = 1;
		goto out;
	}
	/* Under the lock, so the answer still holds when we create. */
	r = guest_lock(b.g.hostname, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = 1;
		goto out;
	}
	/* A run of this guest killed outright left its journal: undone
	 * first, so that the same command simply works again. What cannot
	 * be undone is reported and kept; the checks below see the rest. */
	r = recover_guest_logged(b.g.hostname);
	if (r < 0 && r != -EIO) {
		status = 1;
		goto out;
	}
	r = build_check_existing(&b, 1, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = build_bad_input(r) ? 2 : 1;
		goto out;
	}
	/* Asked only once the guest can be built: nobody types a password
	 * to be told the name is taken. */
	if (b.g.ask_password) {
		status = ask_password(&b.g);
		if (status)
			goto out;
	}

	signals_install();
	status = cmd_private_mounts();
	if (status)
		goto out;
	r = build_open_log(&b, &c, &err);
	if (r < 0) {
		error("%s", err.buf);
		status = 1;
		goto out;
	}
	report_begin(&rep, REPORT_SINGLE, json, !b.g.verbose, "create", 1);
	reporting = 1;
	r = build_run(&b);
	/* The summary holds the only copy of a generated password: if it
	 * cannot be written, the guest is of no use. */
	if (r >= 0 && !signals_pending()) {
		report_build(&rep, &b, OUTCOME_BUILT, NULL);
		if (rep.stdout_failed) {
			log_error_errno(-EIO, "cannot write to standard "
					"output: %m");
			r = -EIO;
		}
	}
	if (r < 0 || signals_pending()) {
		int sig = signals_ignore_for_cleanup();

		strbuf_reset(&err);
		if (sig) {
			strbuf_addf(&err, "interrupted by signal %d", sig);
			error("%s", err.buf);
		}
		info(b.g.keep ? "keeping what was created (--keep)" :
		     "removing everything this run created");
		build_finish(&b, 0);
		if (r != -EIO)
			report_build(&rep, &b, OUTCOME_FAILED, err.len ?
				     err.buf : b.error.len ? b.error.buf :
				     "the build failed");
		status = sig ? 128 + sig : 1;
		goto out;
	}
	signals_ignore_for_cleanup();
	if (build_finish(&b, 1) < 0)
		warning("the guest is ready, but not everything it replaced "
			"could be removed (see above)");
	info("guest '%s' is ready; the log is in '%s/%s.log'", b.g.hostname,
	     paths_logdir(), b.g.hostname);
	if (b.g.flatten && flatten_built(&b.g) < 0)
		status = 1;
	if (b.g.export_path && export_built(&b.g) < 0)
		status = 1;
	if (b.g.boot) {
		/* The build is done: Ctrl-C may stop xl create again. */
		signals_install();
		r = build_host_mounts();
		if (r < 0) {
			log_error_errno(r, "cannot return to the host's mount "
					"namespace: %m");
		} else {
			strbuf_reset(&err);
			r = build_boot(&b, &err);
			if (r < 0)
				error("the guest was built, but it did not "
				      "start: %s", err.buf);
		}
		if (r < 0)
			status = 1;
	}
out:
	if (reporting && report_end(&rep) < 0 && !status)
		status = 1;
	log_close_file();
	lvm_close();
	build_release(&b);
	config_release(&c);
	strbuf_release(&err);
	strbuf_release(&out);
	return status;
}
