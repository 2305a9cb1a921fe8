/*
 * fsutil.h: small file-system helpers: paths, whole-file reads and writes,
 * directory creation and removal. All return 0 or -errno.
 */
#ifndef FSUTIL_H
#define FSUTIL_H

#include <sys/types.h>

#include "strbuf.h"

/* a + "/" + b with exactly one slash between them; caller frees. */
char *path_join(const char *a, const char *b);
/* The directory part of path ("." for a bare name, "/" for "/x"); caller
 * frees. */
char *path_dirname(const char *path);
/* What follows path's last slash (all of it without one; "" after a
 * trailing slash). */
const char *path_basename(const char *path);
int path_exists(const char *path);
int path_is_dir(const char *path);
int path_is_executable_file(const char *path);

/*
 * Whether nobody but root can change what path names: every directory a
 * lookup of path passes through, symlinks followed, and path itself are
 * owned by root and writable by nobody else. A parent others may write
 * to is accepted when it is sticky (/tmp, /var/tmp): there they can add
 * names but not remove or rename root's, and the directory below it must
 * be root's. What does not exist yet is not judged: check again once it
 * is made. 0; -EPERM with the directory at fault in err ("'/srv/cache'
 * is writable by its group"); another -errno (with err) when a directory
 * cannot be examined.
 */
int path_check_root_only(const char *path, struct strbuf *err);

/* Create dir and its missing parents with mode. */
int mkdir_p(const char *dir, mode_t mode);
/*
 * Write data to path via a temporary file (created 0600, so a secret is
 * never readable on the way) and rename(), so a reader sees the old file
 * or the new one, never half. write_file_owned() also gives it an owner;
 * (uid_t)-1 and (gid_t)-1 keep ours.
 */
int write_file(const char *path, const char *data, size_t len, mode_t mode);
/* All of buf to fd, however many write() calls that takes (EINTR is
 * retried): 0, or -errno. */
int write_all(int fd, const void *buf, size_t len);
int write_file_owned(const char *path, const char *data, size_t len,
		     mode_t mode, uid_t uid, gid_t gid);
/* As write_file(), but -EEXIST rather than replace what is at path. */
int write_file_new(const char *path, const char *data, size_t len,
		   mode_t mode);
int write_string(const char *path, const char *s, mode_t mode);
/* Remove path recursively, not crossing into other mounted file systems. */
int rm_rf(const char *path);
/* Directory entries of dir (no dot files), sorted; -ENOENT if missing. */
struct strvec;
int list_dir(const char *dir, struct strvec *ret);

/*
 * fsync(2) what path names, opened with open_flags (O_RDONLY for a file,
 * O_RDONLY | O_DIRECTORY for a directory). 0 or -errno.
 */
int fsync_path(const char *path, int open_flags);
/* fsync_path() of a directory: what makes a rename in it durable. */
int fsync_dir(const char *dir);

#endif
