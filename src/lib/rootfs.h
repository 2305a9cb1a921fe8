/*
 * rootfs.h: reading and writing inside a guest's root file system from the
 * host. The kernel resolves every path with the tree as its "/" (openat2(2)
 * with RESOLVE_IN_ROOT), so no symlink, absolute or relative, no "..", and
 * no /proc magic link that hooks, roles or the guest's packages left in the
 * tree can lead a read or a write out of it.
 */
#ifndef ROOTFS_H
#define ROOTFS_H

#include <sys/stat.h>
#include <sys/types.h>

#include "strbuf.h"

struct strvec;

struct rootfs {
	int fd;		/* O_PATH on the root directory */
	char *path;	/* where the host sees the tree, for the journal */
};

/*
 * Open the tree at path: the host's own path to it is followed as given
 * (it is ours, not the guest's); every path below it is the guest's.
 * openat2(2) came with Linux 5.6: without it, -ENOSYS with a message that
 * names the kernel, since nothing could be kept inside the tree. err may
 * be NULL. Release *ret with rootfs_free().
 */
int rootfs_open(const char *path, struct rootfs **ret, struct strbuf *err);
/* Close and free; NULL is fine. */
void rootfs_free(struct rootfs *root);

/*
 * Paths ("rel") are inside the tree, with or without a leading "/". A
 * symlink on the way is followed inside the tree: "/" and ".." stop at its
 * root, and a magic link (/proc/self/root in a guest's mounted /proc) is
 * refused with -ELOOP. Functions that act on a name (the writes, unlink,
 * rmdir, rename, mkdir, readlink, truncate, chmod, chown, and lstat with
 * AT_SYMLINK_NOFOLLOW) never follow its last component: they act on the
 * link, or refuse it with -ELOOP. A name must have a last component
 * ("", "/", "." and ".." have none: -EINVAL).
 *
 * All return 0 (or an fd) or -errno. Where a regular file must be, a
 * FIFO, socket or device is refused with -EBADFD before anything could
 * block on it or open it; a directory with -EISDIR.
 */

/* openat2(2) of rel inside root; O_CLOEXEC is added, and O_NOCTTY
 * unless flags has O_PATH. Returns the fd. */
int rootfs_openat(const struct rootfs *root, const char *rel, int flags,
		  mode_t mode);
/* stat(2) of rel, or lstat(2) with flags AT_SYMLINK_NOFOLLOW. */
int rootfs_stat(const struct rootfs *root, const char *rel, int flags,
		struct stat *ret);
/* 1 if rel is a directory (following links inside the tree), else 0. */
int rootfs_is_dir(const struct rootfs *root, const char *rel);
/* Where the symlink rel points, replacing out's content. */
int rootfs_readlink(const struct rootfs *root, const char *rel,
		    struct strbuf *out);

/*
 * Open the regular file rel for reading (flags O_NOFOLLOW refuses a link
 * at its last component). Its type is checked on an O_PATH descriptor
 * before it is opened at all: a FIFO would block, and opening a device
 * (a watchdog, a tape) can act on the host. Returns the fd; *ret_st (may
 * be NULL) gets its stat.
 */
int rootfs_open_read(const struct rootfs *root, const char *rel, int flags,
		     struct stat *ret_st);
/* Append the regular file rel to out: -EFBIG beyond max bytes. */
int rootfs_read_file(const struct rootfs *root, const char *rel, int flags,
		     size_t max, struct strbuf *out, struct stat *ret_st);
/* The names in directory rel (no dot files), sorted, as list_dir(). */
int rootfs_list_dir(const struct rootfs *root, const char *rel,
		    struct strvec *ret);

/*
 * Write data to rel through a temporary file in the same directory,
 * flushed, then renamed over rel, as write_file() does: a reader sees the
 * old file or the new one, a link at rel is replaced, not followed. The
 * temporary is 0600 until done. _owned also gives it an owner; (uid_t)-1
 * and (gid_t)-1 keep ours.
 */
int rootfs_write_file(const struct rootfs *root, const char *rel,
		      const void *data, size_t len, mode_t mode);
int rootfs_write_file_owned(const struct rootfs *root, const char *rel,
			    const void *data, size_t len, mode_t mode,
			    uid_t uid, gid_t gid);

/* mkdir(2): -EEXIST when anything is there. */
int rootfs_mkdir(const struct rootfs *root, const char *rel, mode_t mode);
/* rel and its missing parents; something else in the way is -ENOTDIR, a
 * ".." in rel -EINVAL. */
int rootfs_mkdir_p(const struct rootfs *root, const char *rel, mode_t mode);
/* symlink(2): rel pointing at target, which is taken as it is. */
int rootfs_symlink(const struct rootfs *root, const char *target,
		   const char *rel);
int rootfs_unlink(const struct rootfs *root, const char *rel);
int rootfs_rmdir(const struct rootfs *root, const char *rel);
int rootfs_rename(const struct rootfs *root, const char *from,
		  const char *to);
/* Truncate the regular file rel to len bytes. */
int rootfs_truncate(const struct rootfs *root, const char *rel, off_t len);
int rootfs_chmod(const struct rootfs *root, const char *rel, mode_t mode);
int rootfs_chown(const struct rootfs *root, const char *rel, uid_t uid,
		 gid_t gid);

/* strerror(-r), in words for what is particular to this module:
 * -EBADFD is "not a regular file". */
const char *rootfs_strerror(int r);

#endif
