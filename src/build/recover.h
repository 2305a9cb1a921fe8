/*
 * recover.h: undoing what runs killed outright left behind, from the
 * journals they kept on disk (journal.h) in STATEDIR/runs, one file per
 * run: NAME@PID.journal. A run is dead when its guest's lock is free.
 */
#ifndef RECOVER_H
#define RECOVER_H

#include "strbuf.h"

/* STATEDIR/runs/NAME@PID.journal, the journal of this run; caller frees. */
char *recover_journal_path(const char *guest);

/* One dead run found, and what became of it. */
struct recover_result {
	const char *path;	/* its journal */
	const char *guest;
	long pid;
	long long started;
	const char *stage;	/* the stage it died in, or NULL */
	int committed;		/* it had succeeded: only cleanup was cut */
	int undone;		/* entries undone (or, dry run, to undo) */
	int left;		/* entries whose undo failed, kept */
	int busy;		/* recover_all(): its guest's run is alive */
	const char *error;	/* the journal could not be read, or NULL */
};

struct recover_ops {
	/* Each entry acted on ("remove '/srv/k1/disk.img'"); may be NULL. */
	void (*entry)(void *data, const char *what);
	/* Each journal found, after it is dealt with. */
	void (*run)(void *data, const struct recover_result *res);
	void *data;
};

/*
 * Undo every dead run of guest: the caller holds its lock (lock.h), so no
 * run of it lives. Each journal then goes, or keeps the entries that
 * failed. With dry_run nothing is done. Returns how many runs were found
 * and fully undone-or-dry-run, -EIO when some entry or journal failed
 * (each reported to ops->run), or -errno with err when STATEDIR/runs
 * cannot be read.
 */
int recover_guest(const char *guest, int dry_run,
		  const struct recover_ops *ops, struct strbuf *err);
/*
 * The same for every guest with a journal on the host, taking each
 * guest's lock in turn (with dry_run, only looking whether it is held): a
 * guest whose lock is held has a live run, and is reported busy.
 */
int recover_all(int dry_run, const struct recover_ops *ops,
		struct strbuf *err);

/* The one line that says what became of a dead run (no newline). */
void recover_describe(const struct recover_result *res, int dry_run,
		      struct strbuf *out);
/*
 * What a run for guest does first, under its lock: recover_guest(),
 * saying what it found in one line each (info(), error()) and each entry
 * with --verbose. 0 when there was nothing or all of it is undone, -EIO
 * when something is left (reported), -errno when the journals cannot be
 * read (reported).
 */
int recover_guest_logged(const char *guest);

#endif
