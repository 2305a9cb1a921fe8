/* recover.c: see recover.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dom0-hosts.h"
#include "fsutil.h"
#include "journal.h"
#include "lock.h"
#include "log.h"
#include "macros.h"
#include "paths.h"
#include "recover.h"
#include "storage.h"
#include "strvec.h"
#include "banned.h"

#define JOURNAL_SUFFIX ".journal"

static char *runs_dir(void)
{
	return path_join(paths_statedir(), "runs");
}

char *recover_journal_path(const char *guest)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir = runs_dir();

	strbuf_addf(&sb, "%s/%s@%ld%s", dir, guest, (long)getpid(),
		    JOURNAL_SUFFIX);
	free(dir);
	return strbuf_detach(&sb, NULL);
}

/* The guest a journal's file name says (NAME@PID.journal), or NULL. */
static char *guest_of(const char *file)
{
	size_t n = strlen(file), s = strlen(JOURNAL_SUFFIX);
	const char *at = strrchr(file, '@');

	if (n <= s || strcmp(file + n - s, JOURNAL_SUFFIX) || !at ||
	    at == file)
		return NULL;
	for (const char *p = at + 1; p < file + n - s; p++)
		if (*p < '0' || *p > '9')
			return NULL;
	return xstrndup(file, (size_t)(at - file));
}

/* The journals in STATEDIR/runs, of guest or of all when NULL: their
 * file names, sorted (oldest run first is not known; any order works,
 * as runs of one guest never overlap). */
static int list_journals(const char *dir, const char *guest,
			 struct strvec *ret, struct strbuf *err)
{
	struct strvec all = STRVEC_INIT;
	int r = list_dir(dir, &all);

	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", dir, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < all.nr; i++) {
		char *g = guest_of(all.v[i]);

		if (g && (!guest || !strcmp(g, guest)))
			strvec_push(ret, all.v[i]);
		free(g);
	}
	strvec_clear(&all);
	strvec_sort(ret);
	return 0;
}

static void say_entry(void *data, const char *what)
{
	const struct recover_ops *ops = data;

	if (ops->entry)
		ops->entry(ops->data, what);
}

/* What a journal on disk may name for a module to undo: the storage's,
 * and the build's own. */
static const struct journal_undo *const *journal_undos(void)
{
	static const struct journal_undo *all[16];
	size_t n = 0;

	if (all[0])
		return all;
	while (storage_undos[n] && n + 2 < ARRAY_SIZE(all)) {
		all[n] = storage_undos[n];
		n++;
	}
	all[n] = &dom0_hosts_undo;
	return all;
}

/* Undo one dead run's journal at path: 0, or -EIO when anything failed. */
static int recover_one(const char *path, int dry_run,
		       const struct recover_ops *ops)
{
	struct journal j = JOURNAL_INIT;
	struct journal_run run;
	struct recover_result res = { .path = path };
	struct strbuf err = STRBUF_INIT;
	int r;

	r = journal_load(path, journal_undos(), &j, &run, &err);
	if (r < 0) {
		res.error = err.buf;
		ops->run(ops->data, &res);
		strbuf_release(&err);
		return -EIO;
	}
	res.guest = run.guest;
	res.pid = run.pid;
	res.started = run.started;
	res.stage = run.stage;
	res.committed = run.committed;
	res.undone = journal_undo_dead(&j, &run, dry_run, say_entry,
				       (void *)ops);
	res.left = dry_run ? 0 : (int)j.nr;
	if (!dry_run) {
		r = journal_save_left(&j, &run, path);
		if (r < 0) {
			strbuf_addf(&err, "cannot update '%s': %s", path,
				    strerror(-r));
			res.error = err.buf;
		}
	}
	ops->run(ops->data, &res);
	r = res.left || res.error ? -EIO : 0;
	journal_release(&j);
	journal_run_release(&run);
	strbuf_release(&err);
	return r;
}

int recover_guest(const char *guest, int dry_run,
		  const struct recover_ops *ops, struct strbuf *err)
{
	struct strvec files = STRVEC_INIT;
	char *dir = runs_dir();
	int r, failed = 0;

	r = list_journals(dir, guest, &files, err);
	for (size_t i = 0; r >= 0 && i < files.nr; i++) {
		char *path = path_join(dir, files.v[i]);

		if (recover_one(path, dry_run, ops) < 0)
			failed = 1;
		free(path);
	}
	if (r >= 0)
		r = failed ? -EIO : (int)files.nr;
	strvec_clear(&files);
	free(dir);
	return r;
}

int recover_all(int dry_run, const struct recover_ops *ops,
		struct strbuf *err)
{
	struct strvec files = STRVEC_INIT;
	char *dir = runs_dir();
	int r, failed = 0, found = 0;

	r = list_journals(dir, NULL, &files, err);
	for (size_t i = 0; r >= 0 && i < files.nr; i++) {
		char *path = path_join(dir, files.v[i]);
		char *guest = guest_of(files.v[i]);
		struct strbuf lock_err = STRBUF_INIT;
		int lock = -1, held;

		/* A dry run takes no lock: it only looks. */
		if (dry_run)
			held = guest_lock_held(guest) != 0;
		else
			held = (lock = guest_lock(guest, &lock_err)) < 0;
		if (held) {
			struct recover_result res = {
				.path = path, .guest = guest, .busy = 1,
			};

			ops->run(ops->data, &res);
		} else {
			if (recover_one(path, dry_run, ops) < 0)
				failed = 1;
			found++;
		}
		if (lock >= 0)
			close(lock);
		strbuf_release(&lock_err);
		free(guest);
		free(path);
	}
	if (r >= 0)
		r = failed ? -EIO : found;
	strvec_clear(&files);
	free(dir);
	return r;
}

void recover_describe(const struct recover_result *res, int dry_run,
		      struct strbuf *out)
{
	if (res->error) {
		strbuf_addf(out, "cannot recover from '%s': %s", res->path,
			    res->error);
		return;
	}
	if (res->busy) {
		strbuf_addf(out, "'%s': its run is still going (journal '%s')",
			    res->guest, res->path);
		return;
	}
	strbuf_addf(out, "'%s': the run killed earlier (pid %ld", res->guest,
		    res->pid);
	if (res->stage)
		strbuf_addf(out, ", in stage '%s'", res->stage);
	strbuf_addch(out, ')');
	if (res->committed)
		strbuf_addstr(out, " had built it, and");
	strbuf_addf(out, " left %d %s", res->undone + res->left,
		    res->undone + res->left == 1 ? "entry" : "entries");
	if (dry_run)
		strbuf_addstr(out, " to undo");
	else if (!res->left)
		strbuf_addstr(out, ", all undone");
	else
		strbuf_addf(out, ": %d undone, %d that failed kept in '%s' "
			    "for the next try", res->undone, res->left,
			    res->path);
}

static void log_entry(void *data, const char *what)
{
	(void)data;
	debug("recovering: %s", what);
}

static void log_run(void *data, const struct recover_result *res)
{
	struct strbuf sb = STRBUF_INIT;

	(void)data;
	recover_describe(res, 0, &sb);
	if (res->error || res->left)
		error("%s", sb.buf);
	else
		info("%s", sb.buf);
	strbuf_release(&sb);
}

int recover_guest_logged(const char *guest)
{
	const struct recover_ops ops = { log_entry, log_run, NULL };
	struct strbuf err = STRBUF_INIT;
	int r = recover_guest(guest, 0, &ops, &err);

	if (r < 0 && err.len)
		error("%s", err.buf);
	strbuf_release(&err);
	return r < 0 ? r : 0;
}
