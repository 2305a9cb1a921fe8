/* fsutil.c: see fsutil.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"
#include "fault.h"
#include "fsutil.h"
#include "macros.h"
#include "strvec.h"

char *path_join(const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	strbuf_add(&sb, a, la);
	while (*b == '/')
		b++;
	if (!(la == 1 && a[0] == '/'))
		strbuf_addch(&sb, '/');
	strbuf_addstr(&sb, b);
	return strbuf_detach(&sb, NULL);
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int path_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int path_is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* One directory of path_check_root_only(); a sticky one only as a parent. */
static int check_root_dir(const char *dir, const struct stat *st,
			  int parent, struct strbuf *err)
{
	if (!S_ISDIR(st->st_mode)) {
		strbuf_addf(err, "'%s' is not a directory", dir);
		return -ENOTDIR;
	}
	if (st->st_uid != 0) {
		strbuf_addf(err, "'%s' is owned by uid %u, not by root", dir,
			    (unsigned)st->st_uid);
		return -EPERM;
	}
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)) ||
	    (parent && (st->st_mode & S_ISVTX)))
		return 0;
	strbuf_addf(err, "'%s' is writable by %s", dir,
		    st->st_mode & S_IWOTH ? "all users" : "its group");
	return -EPERM;
}

static int stat_fail(const char *path, struct strbuf *err)
{
	int r = -errno;

	strbuf_addf(err, "cannot examine '%s': %s", path, strerror(errno));
	return r;
}

/* The target of the symlink at path; NULL with errno set. */
static char *read_link(const char *path)
{
	for (size_t size = 256;; size *= 2) {
		char *buf = malloc(size);
		ssize_t n;

		if (!buf)
			return NULL;
		n = readlink(path, buf, size);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
	}
}

/*
 * The path is resolved here one name at a time, as the kernel would, so
 * that each directory a name is looked up in is the one judged: a symlink
 * in a safe place may still point through an unsafe one.
 */
int path_check_root_only(const char *path, struct strbuf *err)
{
	struct strbuf cur = STRBUF_INIT, rest = STRBUF_INIT;
	struct strbuf name = STRBUF_INIT, next = STRBUF_INIT;
	int hops = 0, r;
	struct stat st;

	if (path[0] != '/') {
		strbuf_addf(err, "'%s' is not an absolute path", path);
		return -EINVAL;
	}
	strbuf_addstr(&rest, path);
	r = stat("/", &st) < 0 ? stat_fail("/", err) :
				 check_root_dir("/", &st, 1, err);
	while (r >= 0) {
		size_t skip = strspn(rest.buf, "/");
		size_t len = strcspn(rest.buf + skip, "/");
		char *target;

		if (!len) {
			/* All of it exists: path itself is no parent. */
			const char *dir = cur.len ? cur.buf : "/";

			r = stat(dir, &st) < 0 ? stat_fail(dir, err) :
						 check_root_dir(dir, &st, 0,
								err);
			break;
		}
		strbuf_reset(&name);
		strbuf_add(&name, rest.buf + skip, len);
		strbuf_remove(&rest, 0, skip + len);
		if (!strcmp(name.buf, "."))
			continue;
		/* cur is resolved, so its parent is a name ago, checked. */
		if (!strcmp(name.buf, "..")) {
			char *slash = strrchr(cur.buf, '/');

			if (slash)
				strbuf_setlen(&cur, (size_t)(slash - cur.buf));
			continue;
		}
		strbuf_reset(&next);
		strbuf_addf(&next, "%s/%s", cur.buf, name.buf);
		if (lstat(next.buf, &st) < 0) {
			/* Not there yet: whoever makes it is judged then. */
			if (errno != ENOENT)
				r = stat_fail(next.buf, err);
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			r = check_root_dir(next.buf, &st, 1, err);
			strbuf_reset(&cur);
			strbuf_addstr(&cur, next.buf);
			continue;
		}
		if (++hops > 40) {
			strbuf_addf(err, "cannot examine '%s': %s", path,
				    strerror(ELOOP));
			r = -ELOOP;
			break;
		}
		target = read_link(next.buf);
		if (!target) {
			r = stat_fail(next.buf, err);
			break;
		}
		/* The link's target takes its place; an absolute one
		 * starts again at the root, checked first thing. */
		strbuf_reset(&next);
		strbuf_addf(&next, "%s/%s", target, rest.buf);
		strbuf_reset(&rest);
		strbuf_addstr(&rest, next.buf);
		if (target[0] == '/')
			strbuf_reset(&cur);
		free(target);
	}
	strbuf_release(&cur);
	strbuf_release(&rest);
	strbuf_release(&name);
	strbuf_release(&next);
	return r;
}

int mkdir_p(const char *dir, mode_t mode)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	strbuf_addstr(&sb, dir);
	for (char *p = sb.buf + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(sb.buf, mode) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*p = c;
		if (!c)
			break;
	}
	if (!r && !path_is_dir(dir))
		r = -ENOTDIR;
	strbuf_release(&sb);
	return r;
}

static int write_via_temp(const char *path, const char *data, size_t len,
			  mode_t mode, uid_t uid, gid_t gid, int noreplace)
{
	struct strbuf tmp = STRBUF_INIT;
	int fd, r = 0;

	strbuf_addf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		r = -errno;
	/* After fchown, which may clear set-id bits. */
	if (!r && fchmod(fd, mode) < 0)
		r = -errno;
	if (!r)
		r = fault_check(FAULT_WRITE, path);
	if (!r)
		r = write_all(fd, data, len);
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && !noreplace && rename(tmp.buf, path) < 0)
		r = -errno;
	if (!r && noreplace &&
	    renameat2(AT_FDCWD, tmp.buf, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		r = -errno;
		/* NFS and some FUSE file systems lack RENAME_NOREPLACE;
		 * link() fails with EEXIST just as atomically. */
		if (r == -EINVAL) {
			r = link(tmp.buf, path) < 0 ? -errno : 0;
			if (!r)
				unlink(tmp.buf);
		}
	}
	if (r)
		unlink(tmp.buf);
out:
	strbuf_release(&tmp);
	return r;
}

int write_file_owned(const char *path, const char *data, size_t len,
		     mode_t mode, uid_t uid, gid_t gid)
{
	return write_via_temp(path, data, len, mode, uid, gid, 0);
}

int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_via_temp(path, data, len, mode, (uid_t)-1, (gid_t)-1, 0);
}

int write_file_new(const char *path, const char *data, size_t len,
		   mode_t mode)
{
	return write_via_temp(path, data, len, mode, (uid_t)-1, (gid_t)-1, 1);
}

int write_string(const char *path, const char *s, mode_t mode)
{
	return write_file(path, s, strlen(s), mode);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
	if (!path_exists(path))
		return 0;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

int list_dir(const char *dir, struct strvec *ret)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strvec_push(ret, de->d_name);
	closedir(d);
	strvec_sort(ret);
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fsync_path(const char *path, int open_flags)
{
	int fd = open(path, open_flags | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int fsync_dir(const char *dir)
{
	return fsync_path(dir, O_RDONLY | O_DIRECTORY);
}
