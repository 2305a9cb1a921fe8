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
#include "fsutil.h"
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
