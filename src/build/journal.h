/*
 * journal.h: everything a run creates, recorded as it is created, so a
 * failure, SIGINT or SIGTERM undoes all of it in one loop.
 *
 * Two kinds of entry: what the run made for the guest (files, directories,
 * the config) is undone only when the run fails; what it holds only while
 * working (mounts, loop devices, scratch directories) is always released.
 * A third kind moves an existing guest's file aside under --force: restored
 * on failure, deleted on success, so nothing is lost if the rebuild fails.
 *
 * With journal_open_file() the journal is also kept on disk, each entry
 * written and flushed before the resource it names is made: a run killed
 * outright (SIGKILL, the OOM killer, a power cut) leaves a journal that
 * the next run undoes (journal_load(), journal_undo_dead()). Entries are
 * therefore added before the resource exists, and journal_cancel()ed when
 * making it failed.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

struct strbuf;

enum journal_kind {
	JOURNAL_CREATED,	/* undo on failure */
	JOURNAL_HELD,		/* undo always */
	JOURNAL_REPLACED,	/* on failure restore, on success delete */
};

enum journal_action {
	UNDO_UNLINK,		/* remove a file */
	UNDO_RMDIR,		/* remove an empty directory */
	UNDO_RM_RF,		/* remove a directory tree */
	UNDO_UMOUNT,		/* unmount, with everything mounted below */
	UNDO_LOOP_DETACH,	/* close a loop device (or losetup -d) */
	UNDO_RENAME_BACK,	/* arg2 was renamed to arg: rename it back */
	UNDO_CALL,		/* call fn(arg): what only a module can undo */
};

/*
 * What only a module can undo (a logical volume, say), by a name that
 * stays the same from one version to the next: it is in the journals on
 * disk. fn(arg, restore) returns 0 or a negative errno and logs its own
 * reason; -ENOENT means already gone, which is no failure. restore is what
 * UNDO_RENAME_BACK gets: for a REPLACED entry, 1 when the run failed (put
 * it back) and 0 when it succeeded (delete it).
 */
struct journal_undo {
	const char *name;	/* in the journal on disk */
	const char *verb;	/* "remove logical volume", for --dry-run */
	const char *verb_committed;	/* of a REPLACED entry, if other */
	int (*fn)(const char *arg, int restore);
	/* A HELD entry whose resource outlives a run killed outright (a
	 * daemon in a session of its own): undone by the next run too. */
	int outlives;
};

struct journal_entry {
	enum journal_kind kind;
	enum journal_action action;
	char *arg;
	char *arg2;
	const struct journal_undo *undo;	/* UNDO_CALL */
	char *root, *rel;	/* arg is rel inside the guest's tree root */
	int fd;			/* UNDO_LOOP_DETACH: the run's hold, or -1 */
	unsigned id;		/* its number on disk */
};

struct journal {
	struct journal_entry *e;
	size_t nr, alloc;
	char *path;		/* the journal on disk, or NULL */
	char *guest;		/* its header's, with path */
	int fd;			/* valid only with path */
	unsigned next_id;
	int committed;		/* journal_finish() of a run that succeeded */
};

/* Zero is a valid empty journal, kept in memory only. */
#define JOURNAL_INIT { 0 }

/*
 * Keep j on disk at path from now on: made 0600 (never over a file that
 * is there), headed with the guest's name, this process and keep (the
 * run's --keep), and flushed with its directory. 0, or -errno with err.
 */
int journal_open_file(struct journal *j, const char *path, const char *guest,
		      int keep, struct strbuf *err);
/* Note on disk the stage the run is in, for the message of the run that
 * finds it dead. */
void journal_set_stage(struct journal *j, const char *stage);

/*
 * Record what the caller is about to make, before it makes it: on disk
 * (flushed) when j is. 0, or -errno when the journal cannot be written, and
 * then the caller must not make it. journal_cancel() it when making failed.
 */
int journal_add(struct journal *j, enum journal_kind kind,
		enum journal_action action, const char *arg);
/* Forget the newest entry: what it names was never made. */
void journal_cancel(struct journal *j);
/*
 * Loop device dev over backing, which the run holds open through fd (the
 * journal's from now on) and which the kernel detaches on its last close
 * (LO_FLAGS_AUTOCLEAR). The undo writes back what it caches and closes
 * fd; a run that dies first loses fd all the same. Either way the device
 * goes then, or with the mount that still holds it: the kernel is its
 * journal, so this one is added after the fact, and on disk only says so.
 */
void journal_add_loop(struct journal *j, const char *dev, const char *backing,
		      int fd);
struct rootfs;
/*
 * UNDO_UNLINK or UNDO_RMDIR of rel inside a guest's tree (rootfs.h). The
 * undo opens the tree at root->path anew and resolves rel inside it, so a
 * symlink that hooks left in the tree since cannot send it outside.
 * EROFS or EIO from it, when a failed run that is not kept finishes, is no
 * error: that file system went read-only and goes with the run.
 */
int journal_add_in_root(struct journal *j, enum journal_kind kind,
			enum journal_action action,
			const struct rootfs *root, const char *rel);
/* An entry undone by undo->fn(arg, restore). */
int journal_add_call(struct journal *j, enum journal_kind kind,
		     const struct journal_undo *undo, const char *arg);
/* mkdir -p that records each directory it makes, so a failed run removes
 * exactly those and no directory that was already there. dir must be
 * absolute (-EINVAL); something else in the way is -ENOTDIR. */
int journal_mkdir_p(struct journal *j, const char *dir, int mode);
/*
 * A new directory DIR/PREFIX.XXXXXX that the run holds while it works,
 * journaled (HELD, with action UNDO_RMDIR or UNDO_RM_RF) before it exists,
 * so a run killed any time after leaves a journal naming it. Its path in
 * *ret (caller frees). 0 or -errno.
 */
int journal_mkdtemp(struct journal *j, enum journal_action action,
		    const char *dir, const char *prefix, char **ret);
/* Move path aside to a hidden name beside it; restored if the run fails. */
int journal_move_aside(struct journal *j, const char *path);
/* Undo the newest entry now (releasing a mount before the next step). */
int journal_pop(struct journal *j);
/* Release every HELD entry now (unmount before writing the config),
 * newest first, keeping the others. 0 or the first error. */
int journal_release_held(struct journal *j);
/*
 * Walk the journal newest first: HELD entries are released, CREATED ones
 * undone when failed && !keep, REPLACED ones restored when failed and
 * deleted otherwise. Returns 0, or the first error (everything is tried).
 * A run that succeeded is committed on disk first. The journal on disk
 * then goes, or keeps only the entries whose undo failed, for the next run.
 */
int journal_finish(struct journal *j, int failed, int keep);

/* What a journal on disk says of its run (journal_load()). */
struct journal_run {
	char *guest;
	long pid;
	long long started;	/* seconds since the epoch */
	char *stage;		/* the last it began, or NULL */
	int keep;
	int committed;		/* it succeeded; only its cleanup was cut */
};

/*
 * Read the journal at path into j (JOURNAL_INIT, in memory only) and run:
 * the entries still standing, oldest first. undos lists the
 * journal_undo kinds an entry may name (NULL-terminated). A last line cut
 * short by the run's death is ignored. 0, or -errno with err (-EBADMSG:
 * not a journal).
 */
int journal_load(const char *path, const struct journal_undo *const *undos,
		 struct journal *j, struct journal_run *run,
		 struct strbuf *err);
void journal_run_release(struct journal_run *run);
/*
 * Undo what the dead run of j left, newest first: what it made, unless it
 * committed or ran with --keep; what it moved aside goes back (or, when it
 * committed, goes). What died with it (its mounts, loop devices, threads,
 * files inside the guest's mounted tree) is skipped, and what is already
 * gone counts as undone. With dry_run nothing is done. say(data, what) is
 * told of each entry acted on ("remove '/srv/k1/disk.img'"). Entries whose
 * undo failed stay in j. Returns how many entries were undone.
 */
int journal_undo_dead(struct journal *j, const struct journal_run *run,
		      int dry_run, void (*say)(void *data, const char *what),
		      void *data);
/* Replace the journal file at path with what is left in j (the failed
 * entries) for the next try, or remove it when nothing is. 0 or -errno. */
int journal_save_left(struct journal *j, const struct journal_run *run,
		      const char *path);
/* Free j's entries without undoing anything. */
void journal_release(struct journal *j);

#endif
