/* rootfs.c: see rootfs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fault.h"
#include "fsutil.h"
#include "macros.h"
#include "rootfs.h"
#include "strvec.h"
#include "banned.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* openat2(2) accepts nothing else beside O_PATH. */
#define PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* Largest symlink target read: PATH_MAX, as the kernel's own limit. */
#define LINK_MAX_LEN 4096

static int openat2_in(int dirfd, const char *rel, int flags, mode_t mode)
{
	/* O_TMPFILE holds O_DIRECTORY's bit: all of it, or it is not. */
	int creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = creates ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!(flags & O_PATH))
		how.flags |= O_NOCTTY;
	if (!*rel)
		rel = ".";
	/*
	 * With RESOLVE_IN_ROOT the kernel answers EAGAIN when a rename or
	 * mount elsewhere raced a ".." walk; asking again is its advice.
	 */
	for (int tries = 0;; tries++) {
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EINTR && (errno != EAGAIN || tries >= 64))
			return -errno;
	}
}

int rootfs_open(const char *path, struct rootfs **ret, struct strbuf *err)
{
	struct rootfs *root;
	int fd, probe;

	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		if (err)
			strbuf_addf(err, "cannot open '%s': %s", path,
				    strerror(-r));
		return r;
	}
	/* Asked now, so a kernel without it is named here and not as the
	 * mystery of some later write. */
	probe = openat2_in(fd, ".", O_PATH | O_DIRECTORY, 0);
	if (probe < 0) {
		struct utsname u;

		if (err && probe == -ENOSYS)
			strbuf_addf(err, "this kernel (Linux %s) has no "
				    "openat2(2): Linux 5.6 or later is needed "
				    "to keep every write into the guest's tree "
				    "inside it", uname(&u) == 0 ? u.release :
				    "unknown");
		else if (err)
			strbuf_addf(err, "cannot open '%s': %s", path,
				    strerror(-probe));
		close(fd);
		return probe;
	}
	close(probe);
	root = xcalloc(1, sizeof(*root));
	root->fd = fd;
	root->path = xstrdup(path);
	*ret = root;
	return 0;
}

void rootfs_free(struct rootfs *root)
{
	if (!root)
		return;
	close(root->fd);
	free(root->path);
	free(root);
}

int rootfs_openat(const struct rootfs *root, const char *rel, int flags,
		  mode_t mode)
{
	if ((flags & O_PATH) && (flags & ~PATH_FLAGS))
		return -EINVAL;
	return openat2_in(root->fd, rel, flags, mode);
}

/*
 * The directory holding rel's last component, opened O_PATH inside the
 * tree, and that component: the *at() call that follows acts on the name
 * itself, whatever it is.
 */
static int open_parent(const struct rootfs *root, const char *rel,
		       int *ret_fd, char **ret_name)
{
	size_t end = strlen(rel), start;
	char *dir;
	int fd;

	while (end && rel[end - 1] == '/')
		end--;
	start = end;
	while (start && rel[start - 1] != '/')
		start--;
	if (end == start || (end - start == 1 && rel[start] == '.') ||
	    (end - start == 2 && !strncmp(rel + start, "..", 2)))
		return -EINVAL;
	dir = xstrndup(rel, start);
	fd = openat2_in(root->fd, dir, O_PATH | O_DIRECTORY, 0);
	free(dir);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	*ret_name = xstrndup(rel + start, end - start);
	return 0;
}

/* -ELOOP, -EISDIR or -EBADFD unless st is a regular file. */
static int check_regular(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	return S_ISDIR(st->st_mode) ? -EISDIR : -EBADFD;
}

/*
 * A real open of what the O_PATH fd stands for: the very inode whose type
 * was checked, reached through our own /proc (the host's, never the
 * guest's), so nothing can be swapped in between.
 */
static int fd_reopen(int fd, int flags)
{
	struct strbuf p = STRBUF_INIT;
	int r;

	strbuf_addf(&p, "/proc/self/fd/%d", fd);
	r = open(p.buf, flags | O_CLOEXEC | O_NOCTTY);
	if (r < 0)
		r = -errno;
	strbuf_release(&p);
	return r;
}

/* rel itself, opened O_PATH, never through a link at its end: -ELOOP for
 * a link, or st's type for the caller to check. */
static int open_name(const struct rootfs *root, const char *rel,
		     struct stat *st)
{
	int fd = openat2_in(root->fd, rel, O_PATH | O_NOFOLLOW, 0);

	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (S_ISLNK(st->st_mode)) {
		close(fd);
		return -ELOOP;
	}
	return fd;
}

int rootfs_stat(const struct rootfs *root, const char *rel, int flags,
		struct stat *ret)
{
	int fd, r = 0;

	fd = openat2_in(root->fd, rel, O_PATH |
			(flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0), 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, ret) < 0)
		r = -errno;
	close(fd);
	return r;
}

int rootfs_is_dir(const struct rootfs *root, const char *rel)
{
	struct stat st;

	return rootfs_stat(root, rel, 0, &st) == 0 && S_ISDIR(st.st_mode);
}

int rootfs_readlink(const struct rootfs *root, const char *rel,
		    struct strbuf *out)
{
	char *name;
	ssize_t n;
	int dirfd, r;

	r = open_parent(root, rel, &dirfd, &name);
	if (r < 0)
		return r;
	strbuf_reset(out);
	strbuf_grow(out, LINK_MAX_LEN + 1);
	n = readlinkat(dirfd, name, out->buf, LINK_MAX_LEN + 1);
	if (n < 0)
		r = -errno;
	else if (n > LINK_MAX_LEN)
		r = -ENAMETOOLONG;
	else
		strbuf_setlen(out, (size_t)n);
	close(dirfd);
	free(name);
	return r;
}

int rootfs_open_read(const struct rootfs *root, const char *rel, int flags,
		     struct stat *ret_st)
{
	struct stat st;
	int fd, r;

	fd = openat2_in(root->fd, rel, O_PATH | (flags & O_NOFOLLOW), 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else
		r = check_regular(&st);
	if (r >= 0)
		r = fd_reopen(fd, O_RDONLY);
	close(fd);
	if (r >= 0 && ret_st)
		*ret_st = st;
	return r;
}

int rootfs_read_file(const struct rootfs *root, const char *rel, int flags,
		     size_t max, struct strbuf *out, struct stat *ret_st)
{
	struct stat st;
	size_t start = out->len;
	int fd, r = 0;

	fd = rootfs_open_read(root, rel, flags, &st);
	if (fd < 0)
		return fd;
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	for (;;) {
		ssize_t n;

		strbuf_grow(out, 8192);
		n = read(fd, out->buf + out->len, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		strbuf_setlen(out, out->len + (size_t)n);
		/* It may have grown since fstat(). */
		if (out->len - start > max) {
			r = -EFBIG;
			break;
		}
	}
	close(fd);
	if (r < 0)
		strbuf_setlen(out, start);
	else if (ret_st)
		*ret_st = st;
	return r;
}

int rootfs_list_dir(const struct rootfs *root, const char *rel,
		    struct strvec *ret)
{
	int fd = openat2_in(root->fd, rel, O_RDONLY | O_DIRECTORY, 0);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;

		close(fd);
		return r;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strvec_push(ret, de->d_name);
	closedir(d);
	strvec_sort(ret);
	return 0;
}

/* NAME.tmp.XXXXXX, made with O_EXCL so nothing already there is used. */
static int create_temp(int dirfd, const char *name, struct strbuf *ret)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[6];
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return errno ? -errno : -EIO;
		strbuf_reset(ret);
		strbuf_addf(ret, "%s.tmp.", name);
		for (size_t i = 0; i < sizeof(rnd); i++)
			strbuf_addch(ret, chars[rnd[i] % (sizeof(chars) - 1)]);
		fd = openat(dirfd, ret->buf, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int rootfs_write_file_owned(const struct rootfs *root, const char *rel,
			    const void *data, size_t len, mode_t mode,
			    uid_t uid, gid_t gid)
{
	struct strbuf tmp = STRBUF_INIT;
	char *name = NULL;
	int dirfd, fd, r;

	r = open_parent(root, rel, &dirfd, &name);
	if (r < 0)
		return r;
	fd = create_temp(dirfd, name, &tmp);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		r = -errno;
	/* After fchown, which may clear set-id bits. */
	if (!r && fchmod(fd, mode) < 0)
		r = -errno;
	if (!r)
		r = fault_check(FAULT_WRITE, rel);
	if (!r)
		r = write_all(fd, data, len);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	/* Within the one directory: the name is replaced, never followed. */
	if (!r && renameat(dirfd, tmp.buf, dirfd, name) < 0)
		r = -errno;
	if (r)
		(void)unlinkat(dirfd, tmp.buf, 0);
out:
	close(dirfd);
	free(name);
	strbuf_release(&tmp);
	return r;
}

int rootfs_write_file(const struct rootfs *root, const char *rel,
		      const void *data, size_t len, mode_t mode)
{
	return rootfs_write_file_owned(root, rel, data, len, mode, (uid_t)-1,
				       (gid_t)-1);
}

int rootfs_mkdir(const struct rootfs *root, const char *rel, mode_t mode)
{
	char *name;
	int dirfd, r;

	r = open_parent(root, rel, &dirfd, &name);
	if (r < 0)
		return r;
	if (mkdirat(dirfd, name, mode) < 0)
		r = -errno;
	close(dirfd);
	free(name);
	return r;
}

int rootfs_symlink(const struct rootfs *root, const char *target,
		   const char *rel)
{
	char *name;
	int dirfd, r;

	r = open_parent(root, rel, &dirfd, &name);
	if (r < 0)
		return r;
	if (symlinkat(target, dirfd, name) < 0)
		r = -errno;
	close(dirfd);
	free(name);
	return r;
}

int rootfs_mkdir_p(const struct rootfs *root, const char *rel, mode_t mode)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = rel;
	int r = 0;

	while (*p && r >= 0) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2))
			r = -EINVAL;
		if (!n || (n == 1 && *p == '.') || r < 0) {
			p += n;
			continue;
		}
		if (sb.len)
			strbuf_addch(&sb, '/');
		strbuf_add(&sb, p, n);
		p += n;
		r = rootfs_mkdir(root, sb.buf, mode);
		/* A link to a directory inside the tree will do. */
		if (r == -EEXIST)
			r = rootfs_is_dir(root, sb.buf) ? 0 : -ENOTDIR;
	}
	strbuf_release(&sb);
	return r;
}

static int unlink_name(const struct rootfs *root, const char *rel, int flags)
{
	char *name;
	int dirfd, r;

	r = open_parent(root, rel, &dirfd, &name);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, flags) < 0)
		r = -errno;
	close(dirfd);
	free(name);
	return r;
}

int rootfs_unlink(const struct rootfs *root, const char *rel)
{
	return unlink_name(root, rel, 0);
}

int rootfs_rmdir(const struct rootfs *root, const char *rel)
{
	return unlink_name(root, rel, AT_REMOVEDIR);
}

int rootfs_rename(const struct rootfs *root, const char *from,
		  const char *to)
{
	char *fname = NULL, *tname = NULL;
	int ffd = -1, tfd = -1, r;

	r = open_parent(root, from, &ffd, &fname);
	if (r >= 0)
		r = open_parent(root, to, &tfd, &tname);
	if (r >= 0 && renameat(ffd, fname, tfd, tname) < 0)
		r = -errno;
	if (ffd >= 0)
		close(ffd);
	if (tfd >= 0)
		close(tfd);
	free(fname);
	free(tname);
	return r;
}

int rootfs_truncate(const struct rootfs *root, const char *rel, off_t len)
{
	struct stat st;
	int fd, wfd, r;

	fd = open_name(root, rel, &st);
	if (fd < 0)
		return fd;
	r = check_regular(&st);
	if (r >= 0) {
		wfd = fd_reopen(fd, O_WRONLY);
		if (wfd < 0) {
			r = wfd;
		} else {
			if (ftruncate(wfd, len) < 0)
				r = -errno;
			close(wfd);
		}
	}
	close(fd);
	return r;
}

int rootfs_chmod(const struct rootfs *root, const char *rel, mode_t mode)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	int fd, r = 0;

	fd = open_name(root, rel, &st);
	if (fd < 0)
		return fd;
	/* fchmod() refuses O_PATH fds; through /proc it is that inode,
	 * and not a link (open_name() said so). */
	strbuf_addf(&p, "/proc/self/fd/%d", fd);
	if (chmod(p.buf, mode) < 0)
		r = -errno;
	strbuf_release(&p);
	close(fd);
	return r;
}

int rootfs_chown(const struct rootfs *root, const char *rel, uid_t uid,
		 gid_t gid)
{
	struct stat st;
	int fd, r = 0;

	fd = open_name(root, rel, &st);
	if (fd < 0)
		return fd;
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		r = -errno;
	close(fd);
	return r;
}

const char *rootfs_strerror(int r)
{
	if (r == -EBADFD)
		return "not a regular file";
	return strerror(r < 0 ? -r : r);
}
