/* journal.c: see journal.h. */
#include <errno.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "rootfs.h"
#include "run-command.h"
#include "macros.h"
#include "banned.h"

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
	return &j->e[j->nr++];
}

void journal_add(struct journal *j, enum journal_kind kind,
		 enum journal_action action, const char *arg)
{
	struct journal_entry *e = push(j);

	e->kind = kind;
	e->action = action;
	e->arg = xstrdup(arg);
}

void journal_add_loop(struct journal *j, const char *dev, int fd)
{
	struct journal_entry *e = push(j);

	e->kind = JOURNAL_HELD;
	e->action = UNDO_LOOP_DETACH;
	e->arg = xstrdup(dev);
	e->fd = fd;
}

void journal_add_in_root(struct journal *j, enum journal_kind kind,
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
}

void journal_add_call(struct journal *j, enum journal_kind kind,
		      int (*fn)(const char *arg, int restore),
		      const char *arg)
{
	struct journal_entry *e = push(j);

	e->kind = kind;
	e->action = UNDO_CALL;
	e->fn = fn;
	e->arg = xstrdup(arg);
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
		if (mkdir(sb.buf, (mode_t)mode) == 0) {
			journal_add(j, JOURNAL_CREATED, UNDO_RMDIR, sb.buf);
		} else {
			int e = errno;

			if (e != EEXIST || !path_is_dir(sb.buf)) {
				r = e == EEXIST ? -ENOTDIR : -e;
				break;
			}
		}
		*p = c;
		if (!c)
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

	if (!slash)
		return -EINVAL;
	strbuf_add(&aside, path, (size_t)(slash - path) + 1);
	strbuf_addf(&aside, ".%s.replaced-%d", slash + 1, (int)getpid());
	if (rename(path, aside.buf) < 0) {
		int r = -errno;

		strbuf_release(&aside);
		return r;
	}
	e = push(j);
	e->kind = JOURNAL_REPLACED;
	e->action = UNDO_RENAME_BACK;
	e->arg = xstrdup(path);
	e->arg2 = strbuf_detach(&aside, NULL);
	return 0;
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
		r = e->fn(e->arg, restore);
		break;
	}
	return r;
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

int journal_finish(struct journal *j, int failed, int keep)
{
	int first = 0;

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
		}
		entry_free(e);
	}
	free(j->e);
	j->e = NULL;
	j->alloc = 0;
	return first;
}
