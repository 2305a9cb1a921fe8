/* journal.c: see journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "rootfs.h"
#include "run-command.h"
#include "strbuf.h"
#include "macros.h"
#include "banned.h"

#define JOURNAL_MAGIC "create-image-journal 1"

static const char *const kind_names[] = {
	[JOURNAL_CREATED] = "created",
	[JOURNAL_HELD] = "held",
	[JOURNAL_REPLACED] = "replaced",
};

static const char *const action_names[] = {
	[UNDO_UNLINK] = "unlink",
	[UNDO_RMDIR] = "rmdir",
	[UNDO_RM_RF] = "rm-rf",
	[UNDO_UMOUNT] = "umount",
	[UNDO_LOOP_DETACH] = "loop",
	[UNDO_RENAME_BACK] = "rename-back",
	[UNDO_CALL] = "call",
};

/*
 * One field of a record: every byte that would end it (space, control
 * characters) and the backslash as \xHH; the empty string as "-" (and a
 * lone "-" as \x2d), so that a record is always the same number of
 * fields.
 */
static void add_field(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, ' ');
	if (!s || !*s) {
		strbuf_addch(sb, '-');
		return;
	}
	if (!strcmp(s, "-")) {
		strbuf_addstr(sb, "\\x2d");
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == '\\' || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The field add_field() wrote, decoded; NULL for "-" or a bad escape. */
static char *parse_field(const char *f, int *bad)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strcmp(f, "-"))
		return NULL;
	for (; *f; f++) {
		int hi, lo;

		if (*f != '\\') {
			strbuf_addch(&sb, *f);
			continue;
		}
		if (f[1] != 'x' || (hi = unhex(f[2])) < 0 ||
		    (lo = unhex(f[3])) < 0 || (!hi && !lo)) {
			*bad = 1;
			break;
		}
		strbuf_addch(&sb, (char)(hi << 4 | lo));
		f += 3;
	}
	return strbuf_detach(&sb, NULL);
}

/* Append line (with its newline) and flush it to the disk. */
static int record(struct journal *j, const struct strbuf *line)
{
	int r;

	if (!j->path)
		return 0;
	r = write_all(j->fd, line->buf, line->len);
	if (r >= 0 && fdatasync(j->fd) < 0)
		r = -errno;
	return r;
}

static void record_entry(struct strbuf *sb, const struct journal_entry *e)
{
	strbuf_addf(sb, "+ %u %s %s", e->id, kind_names[e->kind],
		    action_names[e->action]);
	add_field(sb, e->root ? e->root : e->arg);
	add_field(sb, e->root ? e->rel : e->arg2);
	add_field(sb, e->undo ? e->undo->name : NULL);
	strbuf_addch(sb, '\n');
}

static struct journal_entry *push(struct journal *j)
{
	if (j->nr == j->alloc) {
		j->alloc = j->alloc ? 2 * j->alloc : 16;
		j->e = realloc(j->e, j->alloc * sizeof(*j->e));
		if (!j->e)
			abort();
	}
	memset(&j->e[j->nr], 0, sizeof(j->e[0]));
	j->e[j->nr].fd = -1;
	j->e[j->nr].id = ++j->next_id;
	return &j->e[j->nr++];
}

static void entry_free(struct journal_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	free(e->arg);
	free(e->arg2);
	free(e->root);
	free(e->rel);
}

/*
 * Write the newest entry, or take it back when that fails. Each is a step
 * of fault.h's: the test build fails the one it is asked to here, before
 * the resource is made, as a journal that cannot be written would.
 */
static int commit_push(struct journal *j)
{
	struct strbuf line = STRBUF_INIT;
	int r;

	r = fault_check(FAULT_STEP, j->e[j->nr - 1].arg);
	record_entry(&line, &j->e[j->nr - 1]);
	if (r >= 0)
		r = record(j, &line);
	strbuf_release(&line);
	if (r < 0) {
		entry_free(&j->e[--j->nr]);
		j->next_id--;
	}
	return r;
}

/* "- ID": the entry is undone, or was never made. */
static void record_gone(struct journal *j, const struct journal_entry *e)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_addf(&line, "- %u\n", e->id);
	/* Not fatal: an entry that stays on disk is undone again by the
	 * next run, and undoing what is gone is no failure. */
	(void)record(j, &line);
	strbuf_release(&line);
}

int journal_open_file(struct journal *j, const char *path, const char *guest,
		      int keep, struct strbuf *err)
{
	struct strbuf head = STRBUF_INIT;
	char *dir = xstrdup(path);
	int fd, r;

	*strrchr(dir, '/') = '\0';
	r = mkdir_p(dir, 0700);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-r));
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot create the journal '%s': %s", path,
			    strerror(-r));
		goto out;
	}
	j->fd = fd;
	j->path = xstrdup(path);
	j->guest = xstrdup(guest);
	strbuf_addf(&head, "%s\nguest", JOURNAL_MAGIC);
	add_field(&head, guest);
	strbuf_addf(&head, "\npid %ld\nstarted %lld\nkeep %d\n",
		    (long)getpid(), (long long)time(NULL), !!keep);
	r = record(j, &head);
	if (r >= 0)
		r = fsync_dir(dir);
	if (r < 0) {
		strbuf_addf(err, "cannot write the journal '%s': %s", path,
			    strerror(-r));
		close(j->fd);
		unlink(j->path);
		free(j->path);
		free(j->guest);
		j->path = j->guest = NULL;
	}
out:
	strbuf_release(&head);
	free(dir);
	return r;
}

void journal_set_stage(struct journal *j, const char *stage)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_addstr(&line, "stage");
	add_field(&line, stage);
	strbuf_addch(&line, '\n');
	(void)record(j, &line);
	strbuf_release(&line);
}

int journal_add(struct journal *j, enum journal_kind kind,
		enum journal_action action, const char *arg)
{
	struct journal_entry *e = push(j);

	e->kind = kind;
	e->action = action;
	e->arg = xstrdup(arg);
	return commit_push(j);
}

void journal_cancel(struct journal *j)
{
	struct journal_entry *e;

	if (!j->nr)
		return;
	e = &j->e[--j->nr];
	record_gone(j, e);
	entry_free(e);
}

void journal_add_loop(struct journal *j, const char *dev, const char *backing,
		      int fd)
{
	struct journal_entry *e = push(j);
	struct strbuf line = STRBUF_INIT;

	e->kind = JOURNAL_HELD;
	e->action = UNDO_LOOP_DETACH;
	e->arg = xstrdup(dev);
	e->arg2 = xstrdup(backing);
	e->fd = fd;
	/* Held all the same when it cannot be written: its undo needs no
	 * journal on disk (see journal.h). */
	record_entry(&line, e);
	(void)record(j, &line);
	strbuf_release(&line);
}

int journal_add_in_root(struct journal *j, enum journal_kind kind,
			enum journal_action action,
			const struct rootfs *root, const char *rel)
{
	struct journal_entry *e = push(j);

	e->kind = kind;
	e->action = action;
	/* The whole path, for the messages. */
	e->arg = path_join(root->path, rel);
	e->root = xstrdup(root->path);
	e->rel = xstrdup(rel);
	return commit_push(j);
}

int journal_add_call(struct journal *j, enum journal_kind kind,
		     const struct journal_undo *undo, const char *arg)
{
	struct journal_entry *e = push(j);

	e->kind = kind;
	e->action = UNDO_CALL;
	e->undo = undo;
	e->arg = xstrdup(arg);
	return commit_push(j);
}

int journal_mkdir_p(struct journal *j, const char *dir, int mode)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	if (dir[0] != '/')
		return -EINVAL;
	strbuf_addstr(&sb, dir);
	for (char *p = sb.buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (!path_is_dir(sb.buf)) {
			r = journal_add(j, JOURNAL_CREATED, UNDO_RMDIR,
					sb.buf);
			if (r < 0)
				break;
			if (mkdir(sb.buf, (mode_t)mode) < 0) {
				int e = errno;

				journal_cancel(j);
				/* Made by another run since, or not a
				 * directory at all. */
				if (e != EEXIST || !path_is_dir(sb.buf)) {
					r = e == EEXIST ? -ENOTDIR : -e;
					break;
				}
			}
		}
		*p = c;
		if (!c)
			break;
	}
	strbuf_release(&sb);
	return r;
}

int journal_mkdtemp(struct journal *j, enum journal_action action,
		    const char *dir, const char *prefix, char **ret)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	/*
	 * The name is drawn first, then journaled, then made: another
	 * program taking the same name in between makes it EEXIST, and a
	 * new name is drawn.
	 */
	for (int tries = 0;; tries++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s.XXXXXX", dir, prefix);
		if (!mkdtemp(sb.buf) || rmdir(sb.buf) < 0) {
			r = -errno;
			break;
		}
		r = journal_add(j, JOURNAL_HELD, action, sb.buf);
		if (r < 0)
			break;
		if (mkdir(sb.buf, 0700) == 0) {
			*ret = strbuf_detach(&sb, NULL);
			return 0;
		}
		r = -errno;
		journal_cancel(j);
		if (r != -EEXIST || tries == 10)
			break;
	}
	strbuf_release(&sb);
	return r;
}

int journal_move_aside(struct journal *j, const char *path)
{
	struct strbuf aside = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	struct journal_entry *e;
	int r;

	if (!slash)
		return -EINVAL;
	strbuf_add(&aside, path, (size_t)(slash - path) + 1);
	strbuf_addf(&aside, ".%s.replaced-%d", slash + 1, (int)getpid());
	e = push(j);
	e->kind = JOURNAL_REPLACED;
	e->action = UNDO_RENAME_BACK;
	e->arg = xstrdup(path);
	e->arg2 = strbuf_detach(&aside, NULL);
	r = commit_push(j);
	if (r >= 0 && rename(path, j->e[j->nr - 1].arg2) < 0) {
		r = -errno;
		journal_cancel(j);
	}
	return r;
}

static int run_tool(const char *const *argv)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushv(&cp.args, argv);
	/* Undoing must finish, whatever signal is pending or arrives. */
	cp.uninterruptible = 1;
	r = run_command(&cp);
	child_process_clear(&cp);
	return r;
}

/*
 * A failed rebuild kept with --keep occupies the old guest's name: move it
 * to NAME.failed so the old guest can come back.
 */
static int make_room(const char *path)
{
	struct strbuf failed = STRBUF_INIT;
	int r = 0;

	if (!path_exists(path))
		return 0;
	strbuf_addf(&failed, "%s.failed-%d", path, (int)getpid());
	if (rename(path, failed.buf) < 0)
		r = -errno;
	else
		info("kept the failed build as '%s'", failed.buf);
	strbuf_release(&failed);
	return r;
}

/* unlink() or rmdir() of e->arg, or of e->rel inside e->root: 0, -errno. */
static int remove_entry(const struct journal_entry *e)
{
	struct rootfs *root;
	int r;

	if (!e->root) {
		if (e->action == UNDO_UNLINK)
			r = unlink(e->arg);
		else
			r = rmdir(e->arg);
		return r < 0 ? -errno : 0;
	}
	r = rootfs_open(e->root, &root, NULL);
	if (r < 0)
		return r;
	if (e->action == UNDO_UNLINK)
		r = rootfs_unlink(root, e->rel);
	else
		r = rootfs_rmdir(root, e->rel);
	rootfs_free(root);
	return r;
}

static int undo(struct journal_entry *e, int restore)
{
	int r = 0;

	switch (e->action) {
	case UNDO_UNLINK:
		r = remove_entry(e);
		if (r == -ENOENT)
			r = 0;
		break;
	case UNDO_RMDIR:
		r = remove_entry(e);
		if (r == -ENOENT)
			r = 0;
		/* A directory made for the guest that another run (a guest
		 * built beside this one) has put something in is theirs
		 * now. A scratch directory (HELD) is only ever ours. */
		if (r == -ENOTEMPTY && e->kind == JOURNAL_CREATED) {
			debug("leaving '%s': it is no longer empty", e->arg);
			r = 0;
		}
		break;
	case UNDO_RM_RF:
		r = rm_rf(e->arg);
		if (r == -ENOENT)
			r = 0;
		break;
	case UNDO_UMOUNT:
		/* Recursive: a killed debootstrap leaves proc and sys
		 * mounted inside the target. */
		r = run_tool((const char *[]){ "umount", "-R", e->arg, NULL });
		if (r < 0) {
			/* Busy: detach it now, the kernel finishes later. It
			 * still counts as a failure: something held the file
			 * system, and a build must not report success. */
			if (run_tool((const char *[]){ "umount", "-R", "-l",
						      e->arg, NULL }) >= 0)
				r = -EBUSY;
		}
		break;
	case UNDO_LOOP_DETACH:
		/* An entry of journal_add(), with no descriptor of ours. */
		if (e->fd < 0) {
			r = run_tool((const char *[]){ "losetup", "-d", e->arg,
						      NULL });
			break;
		}
		/*
		 * Written back first: what a partition's loop device wrote
		 * sits in the page cache of the disk's, and reaches the
		 * image file only from there (no barrier flushes it, see
		 * build_mount_options()). Then closed, not cleared:
		 * LOOP_CLR_FD would stop the device taking I/O before its
		 * last close writes back what is left. Autoclear detaches it
		 * at that close, ours or that of a holder still left (a
		 * mount not yet undone, udev's probe). On an error the
		 * descriptor stays, for the next try; the entry's end
		 * closes it in any case.
		 */
		if (ioctl(e->fd, BLKFLSBUF, 0) < 0) {
			r = -errno;
			break;
		}
		close(e->fd);
		e->fd = -1;
		break;
	case UNDO_RENAME_BACK:
		/* Journaled before the rename: it may never have happened
		 * (a run killed between the two), or be undone already. */
		if (!path_exists(e->arg2))
			break;
		if (restore) {
			r = make_room(e->arg);
			if (r >= 0 && rename(e->arg2, e->arg) < 0)
				r = -errno;
		} else {
			r = path_is_dir(e->arg2) ? rm_rf(e->arg2) :
			    (unlink(e->arg2) < 0 ? -errno : 0);
		}
		break;
	case UNDO_CALL:
		r = e->undo->fn(e->arg, restore);
		if (r == -ENOENT)
			r = 0;
		break;
	}
	return r;
}


int journal_pop(struct journal *j)
{
	struct journal_entry *e;
	int r;

	if (!j->nr)
		return 0;
	e = &j->e[--j->nr];
	r = undo(e, 1);
	if (r < 0)
		log_error_errno(r, "cannot undo '%s': %m", e->arg);
	else
		record_gone(j, e);
	entry_free(e);
	return r;
}

int journal_release_held(struct journal *j)
{
	size_t keep = 0;
	int first = 0;

	for (size_t i = j->nr; i-- > 0;) {
		struct journal_entry *e = &j->e[i];
		int r;

		if (e->kind != JOURNAL_HELD)
			continue;
		r = undo(e, 1);
		if (r < 0) {
			log_error_errno(r, "cannot release '%s': %m", e->arg);
			if (!first)
				first = r;
			/* Kept, so the rollback that follows tries again;
			 * a lazily detached mount is gone all the same. */
			if (r != -EBUSY)
				continue;
		}
		record_gone(j, e);
		entry_free(e);
		/* A NULL arg marks it released; compacted below. */
		e->arg = e->arg2 = e->root = e->rel = NULL;
	}
	for (size_t i = 0; i < j->nr; i++)
		if (j->e[i].arg)
			j->e[keep++] = j->e[i];
	j->nr = keep;
	return first;
}

/* Whether a failed undo of e is worth another try by a later run: what
 * is held dies with this process, whatever happened to its undo. */
static int worth_keeping(const struct journal_entry *e)
{
	return e->kind != JOURNAL_HELD ||
	       ((e->action == UNDO_RMDIR || e->action == UNDO_RM_RF) &&
		!e->root) ||
	       (e->action == UNDO_CALL && e->undo && e->undo->outlives);
}

static void close_file(struct journal *j)
{
	if (!j->path)
		return;
	close(j->fd);
	free(j->path);
	free(j->guest);
	j->path = j->guest = NULL;
}

void journal_release(struct journal *j)
{
	while (j->nr)
		entry_free(&j->e[--j->nr]);
	free(j->e);
	j->e = NULL;
	j->alloc = 0;
	close_file(j);
}

int journal_finish(struct journal *j, int failed, int keep)
{
	struct journal left = JOURNAL_INIT;
	int first = 0;

	if (!failed && j->path) {
		struct strbuf line = STRBUF_INIT;

		strbuf_addstr(&line, "commit\n");
		(void)record(j, &line);
		strbuf_release(&line);
	}
	j->committed = !failed;
	while (j->nr) {
		struct journal_entry *e = &j->e[--j->nr];
		int r = 0;

		switch (e->kind) {
		case JOURNAL_HELD:
			r = undo(e, 1);
			break;
		case JOURNAL_CREATED:
			if (failed && !keep) {
				debug("removing '%s'", e->arg);
				r = undo(e, 1);
			}
			break;
		case JOURNAL_REPLACED:
			if (failed)
				debug("restoring '%s'", e->arg);
			r = undo(e, failed);
			break;
		}
		/* A guest file system that went read-only after a failed
		 * write to its disk goes with the failed build: what is
		 * left in it is no one's concern. */
		if ((r == -EROFS || r == -EIO) && e->root && failed && !keep) {
			debug("leaving '%s' in the discarded guest: %s",
			      e->arg, strerror(-r));
			r = 0;
		}
		if (r < 0) {
			log_error_errno(r, "cannot undo '%s': %m", e->arg);
			if (!first)
				first = r;
			if (j->path && worth_keeping(e)) {
				/* Newest first here; the file wants them
				 * oldest first (see journal_save_left()). */
				*push(&left) = *e;
				continue;
			}
		}
		entry_free(e);
	}
	free(j->e);
	j->e = NULL;
	j->alloc = 0;
	if (j->path) {
		struct journal_run run = {
			.pid = (long)getpid(),
			.started = (long long)time(NULL),
			.keep = keep,
			.committed = !failed,
		};
		char *path = xstrdup(j->path);
		int r;

		run.guest = xstrdup(j->guest);
		close_file(j);
		/* Oldest first again. */
		for (size_t i = 0; i < left.nr / 2; i++) {
			struct journal_entry t = left.e[i];

			left.e[i] = left.e[left.nr - 1 - i];
			left.e[left.nr - 1 - i] = t;
		}
		r = journal_save_left(&left, &run, path);
		if (r < 0)
			warning("cannot update the journal '%s': %s", path,
				strerror(-r));
		free(run.guest);
		free(path);
	}
	journal_release(&left);
	return first;
}

/* A whole number field of a header line: 0, or -EBADMSG. */
static int parse_long_long(const char *s, long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	return !*s || *end || errno ? -EBADMSG : 0;
}

static const struct journal_undo *find_undo(
	const struct journal_undo *const *undos, const char *name)
{
	for (; undos && *undos; undos++)
		if (!strcmp((*undos)->name, name))
			return *undos;
	return NULL;
}

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

/* One "+ ID KIND ACTION A B UNDO" record into j. 0 or -EBADMSG. */
static int load_entry(struct journal *j, struct strvec *f,
		      const struct journal_undo *const *undos)
{
	struct journal_entry *e;
	long long id;
	int kind, action, bad = 0;
	char *a, *b, *u;

	if (f->nr != 7 || parse_long_long(f->v[1], &id) < 0 || id <= 0)
		return -EBADMSG;
	kind = lookup(kind_names, ARRAY_SIZE(kind_names), f->v[2]);
	action = lookup(action_names, ARRAY_SIZE(action_names), f->v[3]);
	if (kind < 0 || action < 0)
		return -EBADMSG;
	a = parse_field(f->v[4], &bad);
	b = parse_field(f->v[5], &bad);
	u = parse_field(f->v[6], &bad);
	e = push(j);
	e->id = (unsigned)id;
	if ((unsigned)id > j->next_id)
		j->next_id = (unsigned)id;
	e->kind = (enum journal_kind)kind;
	e->action = (enum journal_action)action;
	if (u) {
		e->undo = find_undo(undos, u);
		/* Kept by name, so it is reported and kept again. */
		e->arg2 = e->undo ? NULL : xstrdup(u);
	}
	if (action == UNDO_UNLINK || action == UNDO_RMDIR) {
		if (b && kind == JOURNAL_HELD) {
			e->root = a;
			e->rel = b;
			e->arg = path_join(a, b);
			a = b = NULL;
		}
	}
	if (!e->arg) {
		e->arg = a;
		a = NULL;
		if (!e->arg2) {
			e->arg2 = b;
			b = NULL;
		}
	}
	free(a);
	free(b);
	free(u);
	if (bad || !e->arg || (action == UNDO_CALL && !u) ||
	    (action == UNDO_RENAME_BACK && !e->arg2))
		return -EBADMSG;
	return 0;
}

static void forget(struct journal *j, unsigned id)
{
	for (size_t i = 0; i < j->nr; i++) {
		if (j->e[i].id != id)
			continue;
		entry_free(&j->e[i]);
		memmove(&j->e[i], &j->e[i + 1],
			(j->nr - i - 1) * sizeof(j->e[0]));
		j->nr--;
		return;
	}
}

int journal_load(const char *path, const struct journal_undo *const *undos,
		 struct journal *j, struct journal_run *run,
		 struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct strvec lines = STRVEC_INIT, f = STRVEC_INIT;
	int r, lineno = 0;
	int seen_pid = 0;

	memset(run, 0, sizeof(*run));
	r = strbuf_read_file(&sb, path);
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-r));
		goto out;
	}
	/* A record is one write(): only the last can be cut short. */
	if (sb.len && sb.buf[sb.len - 1] != '\n') {
		char *nl = strrchr(sb.buf, '\n');

		strbuf_setlen(&sb, nl ? (size_t)(nl - sb.buf) + 1 : 0);
	}
	strvec_split(&lines, sb.buf, "\n");
	r = -EBADMSG;
	if (!lines.nr || strcmp(lines.v[0], JOURNAL_MAGIC)) {
		strbuf_addf(err, "'%s' is not a journal of create-image",
			    path);
		goto out;
	}
	for (size_t i = 1; i < lines.nr; i++) {
		const char *l = lines.v[i];
		long long n;
		int bad = 0;

		lineno = (int)i + 1;
		if (!*l)
			continue;
		strvec_clear(&f);
		strvec_split(&f, l, " ");
		if (!strcmp(f.v[0], "+")) {
			if (load_entry(j, &f, undos) < 0)
				goto bad;
		} else if (!strcmp(f.v[0], "-") && f.nr == 2 &&
			   parse_long_long(f.v[1], &n) == 0) {
			forget(j, (unsigned)n);
		} else if (!strcmp(f.v[0], "commit") && f.nr == 1) {
			run->committed = 1;
		} else if (!strcmp(f.v[0], "guest") && f.nr == 2) {
			free(run->guest);
			run->guest = parse_field(f.v[1], &bad);
			if (bad || !run->guest)
				goto bad;
		} else if (!strcmp(f.v[0], "stage") && f.nr == 2) {
			free(run->stage);
			run->stage = parse_field(f.v[1], &bad);
			if (bad)
				goto bad;
		} else if (!strcmp(f.v[0], "pid") && f.nr == 2 &&
			   parse_long_long(f.v[1], &n) == 0) {
			run->pid = (long)n;
			seen_pid = 1;
		} else if (!strcmp(f.v[0], "started") && f.nr == 2 &&
			   parse_long_long(f.v[1], &n) == 0) {
			run->started = n;
		} else if (!strcmp(f.v[0], "keep") && f.nr == 2 &&
			   parse_long_long(f.v[1], &n) == 0) {
			run->keep = n != 0;
		} else {
			goto bad;
		}
	}
	if (!run->guest || !seen_pid) {
		strbuf_addf(err, "'%s' names no guest or run", path);
		goto out;
	}
	r = 0;
	goto out;
bad:
	strbuf_addf(err, "%s:%d: not a journal record", path, lineno);
out:
	if (r < 0) {
		journal_release(j);
		journal_run_release(run);
	}
	strvec_clear(&f);
	strvec_clear(&lines);
	strbuf_release(&sb);
	return r;
}

void journal_run_release(struct journal_run *run)
{
	free(run->guest);
	free(run->stage);
	memset(run, 0, sizeof(*run));
}

/* What undoing e does, for --dry-run and the log. */
static void describe(const struct journal_entry *e, int restore,
		     struct strbuf *sb)
{
	switch (e->action) {
	case UNDO_UNLINK:
		strbuf_addf(sb, "remove '%s'", e->arg);
		break;
	case UNDO_RMDIR:
		strbuf_addf(sb, "remove the directory '%s' if empty", e->arg);
		break;
	case UNDO_RM_RF:
		strbuf_addf(sb, "remove '%s' and all it holds", e->arg);
		break;
	case UNDO_RENAME_BACK:
		if (restore)
			strbuf_addf(sb, "put '%s' back from '%s'", e->arg,
				    e->arg2);
		else
			strbuf_addf(sb, "remove '%s' (what '%s' replaced)",
				    e->arg2, e->arg);
		break;
	case UNDO_CALL:
		if (e->undo)
			strbuf_addf(sb, "%s '%s'",
				    !restore && e->undo->verb_committed ?
				    e->undo->verb_committed : e->undo->verb,
				    e->arg);
		else
			strbuf_addf(sb, "'%s' of '%s'", e->arg2, e->arg);
		break;
	case UNDO_UMOUNT:
	case UNDO_LOOP_DETACH:
		strbuf_addf(sb, "release '%s'", e->arg);
		break;
	}
}

int journal_undo_dead(struct journal *j, const struct journal_run *run,
		      int dry_run, void (*say)(void *data, const char *what),
		      void *data)
{
	struct strbuf what = STRBUF_INIT;
	size_t keep = j->nr;
	int undone = 0, failed = 0;

	for (size_t i = j->nr; i-- > 0;) {
		struct journal_entry *e = &j->e[i];
		int restore = !run->committed, r = 0;

		/* Mounts, loop devices and threads went with the run's
		 * process and mount namespace; a file inside the guest's
		 * tree went with the mount, or goes with the image. */
		if (e->kind == JOURNAL_HELD && !worth_keeping(e))
			goto done;
		if (e->kind == JOURNAL_CREATED && (run->committed || run->keep))
			goto done;
		strbuf_reset(&what);
		describe(e, restore, &what);
		if (say)
			say(data, what.buf);
		if (dry_run) {
			undone++;
			continue;
		}
		if (e->action == UNDO_CALL && !e->undo) {
			error("cannot %s: no such step in this version",
			      what.buf);
			continue;
		}
		r = undo(e, restore);
		if (r < 0) {
			log_error_errno(r, "cannot %s: %m", what.buf);
			failed = 1;
			continue;
		}
		/* Still full of what failed above: kept with it, so the
		 * next try removes it too. */
		if (failed && e->action == UNDO_RMDIR && path_is_dir(e->arg))
			continue;
		undone++;
done:
		if (!dry_run) {
			entry_free(e);
			e->arg = NULL;
		}
	}
	keep = 0;
	for (size_t i = 0; i < j->nr; i++)
		if (j->e[i].arg)
			j->e[keep++] = j->e[i];
	j->nr = keep;
	strbuf_release(&what);
	return undone;
}

int journal_save_left(struct journal *j, const struct journal_run *run,
		      const char *path)
{
	struct strbuf sb = STRBUF_INIT, tmp = STRBUF_INIT;
	char *dir;
	int r;

	if (!j->nr) {
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	strbuf_addf(&sb, "%s\nguest", JOURNAL_MAGIC);
	add_field(&sb, run->guest);
	strbuf_addf(&sb, "\npid %ld\nstarted %lld\nkeep %d\n", run->pid,
		    run->started, run->keep);
	if (run->stage) {
		strbuf_addstr(&sb, "stage");
		add_field(&sb, run->stage);
		strbuf_addch(&sb, '\n');
	}
	for (size_t i = 0; i < j->nr; i++)
		record_entry(&sb, &j->e[i]);
	if (run->committed)
		strbuf_addstr(&sb, "commit\n");
	/* write_file() replaces it whole, never half. */
	r = write_file(path, sb.buf, sb.len, 0600);
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	if (r >= 0)
		r = fsync_dir(dir);
	free(dir);
	strbuf_release(&tmp);
	strbuf_release(&sb);
	return r;
}
