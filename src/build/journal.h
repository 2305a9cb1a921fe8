/*
 * journal.h: everything a run creates, recorded as it is created, so a
 * failure, SIGINT or SIGTERM undoes all of it in one loop.
 *
 * Two kinds of entry: what the run made for the guest (files, directories,
 * the config) is undone only when the run fails; what it holds only while
 * working (mounts, loop devices, scratch directories) is always released.
 * A third kind moves an existing guest's file aside under --force: restored
 * on failure, deleted on success, so nothing is lost if the rebuild fails.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

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

struct journal_entry {
	enum journal_kind kind;
	enum journal_action action;
	char *arg;
	char *arg2;
	int (*fn)(const char *arg, int restore);
	char *root, *rel;	/* arg is rel inside the guest's tree root */
	int fd;			/* UNDO_LOOP_DETACH: the run's hold, or -1 */
};

struct journal {
	struct journal_entry *e;
	size_t nr, alloc;
};

#define JOURNAL_INIT { NULL, 0, 0 }

void journal_add(struct journal *j, enum journal_kind kind,
		 enum journal_action action, const char *arg);
/*
 * Loop device dev, which the run holds open through fd (the journal's
 * from now on) and which the kernel detaches on its last close
 * (LO_FLAGS_AUTOCLEAR). The undo writes back what it caches and closes
 * fd; a run that dies first loses fd all the same. Either way the device
 * goes then, or with the mount that still holds it.
 */
void journal_add_loop(struct journal *j, const char *dev, int fd);
struct rootfs;
/*
 * UNDO_UNLINK or UNDO_RMDIR of rel inside a guest's tree (rootfs.h). The
 * undo opens the tree at root->path anew and resolves rel inside it, so a
 * symlink that hooks left in the tree since cannot send it outside.
 * EROFS or EIO from it, when a failed run that is not kept finishes, is no
 * error: that file system went read-only and goes with the run.
 */
void journal_add_in_root(struct journal *j, enum journal_kind kind,
			 enum journal_action action,
			 const struct rootfs *root, const char *rel);
/*
 * An entry undone by fn(arg, restore), which returns 0 or a negative errno
 * and logs its own reason: a logical volume to remove, say. restore is
 * what UNDO_RENAME_BACK gets: for a REPLACED entry, 1 when the run failed
 * (put it back) and 0 when it succeeded (delete it).
 */
void journal_add_call(struct journal *j, enum journal_kind kind,
		      int (*fn)(const char *arg, int restore),
		      const char *arg);
/* mkdir -p that records each directory it makes, so a failed run removes
 * exactly those and no directory that was already there. dir must be
 * absolute (-EINVAL); something else in the way is -ENOTDIR. */
int journal_mkdir_p(struct journal *j, const char *dir, int mode);
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
 */
int journal_finish(struct journal *j, int failed, int keep);

#endif
