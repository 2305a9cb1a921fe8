/* fsspace.c: see fsspace.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fsspace.h"
#include "fsutil.h"
#include "macros.h"
#include "parse.h"
#include "banned.h"

/* Deeper than any installed system; it bounds the descriptors held. */
#define TREE_DEPTH_MAX 256

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return size_add(a, b, &r) < 0 ? UINT64_MAX : r;
}

int fsspace_free(const char *path, uint64_t *ret_bytes)
{
	struct statvfs st;

	if (statvfs(path, &st) < 0)
		return -errno;
	*ret_bytes = (uint64_t)st.f_bavail * st.f_frsize;
	return 0;
}

int fsspace_is_full(const char *path)
{
	uint64_t free_bytes = 0;

	return fsspace_free(path, &free_bytes) >= 0 &&
	       free_bytes < FSSPACE_FULL_BYTES;
}

char *fsspace_existing_dir(const char *path)
{
	char *dir = xstrdup(path);

	while (!path_is_dir(dir)) {
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir) {
			free(dir);
			return xstrdup("/");
		}
		*slash = '\0';
	}
	return dir;
}

char *fsspace_mount_point(const char *path)
{
	char *dir = realpath(path, NULL);
	struct stat st, up;

	if (!dir || stat(dir, &st) < 0) {
		free(dir);
		return xstrdup(path);
	}
	/* Up while the parent is the same file system. */
	for (;;) {
		char *slash = strrchr(dir, '/');
		char *parent;

		if (!slash || slash == dir) {
			parent = xstrdup("/");
		} else {
			parent = xstrndup(dir, (size_t)(slash - dir));
		}
		if (streq(parent, dir) || stat(parent, &up) < 0 ||
		    up.st_dev != st.st_dev) {
			free(parent);
			return dir;
		}
		free(dir);
		dir = parent;
	}
}

/* A file with more than one link, counted once at the end. */
struct linked {
	dev_t dev;
	ino_t ino;
	uint64_t bytes;
};

struct usage {
	uint64_t bytes;
	struct linked *v;
	size_t nr, alloc;
};

static int linked_cmp(const void *a, const void *b)
{
	const struct linked *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void count(struct usage *u, const struct stat *st)
{
	uint64_t bytes = (uint64_t)st->st_blocks * 512;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2) {
		u->bytes = add_sat(u->bytes, bytes);
		return;
	}
	if (u->nr == u->alloc) {
		u->alloc = u->alloc ? 2 * u->alloc : 64;
		u->v = xrealloc(u->v, u->alloc * sizeof(*u->v));
	}
	u->v[u->nr++] = (struct linked){ st->st_dev, st->st_ino, bytes };
}

/* Everything in the directory open at fd, which this closes. */
static int usage_of_dir(int fd, struct usage *u, unsigned depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	if (depth > TREE_DEPTH_MAX) {
		closedir(d);
		return -ELOOP;
	}
	while (r >= 0) {
		struct stat st;
		int sub;

		errno = 0;
		de = readdir(d);
		if (!de) {
			r = errno ? -errno : 0;
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
			/* Gone since it was listed: it takes nothing. */
			if (errno != ENOENT)
				r = -errno;
			continue;
		}
		count(u, &st);
		if (!S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			if (errno != ENOENT)
				r = -errno;
			continue;
		}
		r = usage_of_dir(sub, u, depth + 1);
	}
	closedir(d);
	return r;
}

int fsspace_tree_usage(const char *path, uint64_t *ret_bytes)
{
	struct usage u = { 0 };
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	count(&u, &st);
	r = usage_of_dir(fd, &u, 0);
	if (r >= 0) {
		qsort(u.v, u.nr, sizeof(*u.v), linked_cmp);
		for (size_t i = 0; i < u.nr; i++)
			if (!i || linked_cmp(&u.v[i - 1], &u.v[i]))
				u.bytes = add_sat(u.bytes, u.v[i].bytes);
		*ret_bytes = u.bytes;
	}
	free(u.v);
	return r;
}

void fsspace_format(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	double v = (double)bytes;
	size_t i;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
		return;
	}
	v /= 1024;
	for (i = 0; v >= 1024 && i + 1 < ARRAY_SIZE(units); i++)
		v /= 1024;
	/* One decimal where it tells something: "1.2 GiB", "300 MiB". */
	if (v < 10 && (uint64_t)(v * 10 + 0.5) % 10)
		snprintf(buf, len, "%.1f %s", v, units[i]);
	else
		snprintf(buf, len, "%.0f %s", v, units[i]);
}

int fsspace_plan_add(struct fsspace_plan *p, const char *path,
		     const char *what, uint64_t bytes)
{
	char *dir = fsspace_existing_dir(path);
	struct fsspace_need *n = NULL;
	struct stat st;

	if (stat(dir, &st) < 0) {
		int r = -errno;

		free(dir);
		return r;
	}
	for (size_t i = 0; i < p->nr; i++)
		if (p->v[i].dev == st.st_dev)
			n = &p->v[i];
	if (!n) {
		p->v = xrealloc(p->v, (p->nr + 1) * sizeof(*p->v));
		n = &p->v[p->nr++];
		memset(n, 0, sizeof(*n));
		n->dev = st.st_dev;
		n->dir = dir;
		strvec_init(&n->what);
	} else {
		free(dir);
	}
	if (strvec_find(&n->what, what) < 0)
		strvec_push(&n->what, what);
	n->bytes = add_sat(n->bytes, bytes);
	return 0;
}

int fsspace_plan_check(const struct fsspace_plan *p, struct strbuf *err)
{
	for (size_t i = 0; i < p->nr; i++) {
		const struct fsspace_need *n = &p->v[i];
		char need[32], have[32];
		uint64_t free_bytes = 0;
		char *mnt;
		int r;

		r = fsspace_free(n->dir, &free_bytes);
		if (r < 0)
			return strbuf_error(err, r, "cannot tell the free "
					    "space of '%s': %s", n->dir,
					    strerror(-r));
		if (free_bytes >= n->bytes)
			continue;
		fsspace_format(n->bytes, need, sizeof(need));
		fsspace_format(free_bytes, have, sizeof(have));
		mnt = fsspace_mount_point(n->dir);
		strbuf_addstr(err, "not enough space for ");
		for (size_t k = 0; k < n->what.nr; k++)
			strbuf_addf(err, "%s%s", !k ? "" :
				    k + 1 < n->what.nr ? ", " : " and ",
				    n->what.v[k]);
		strbuf_addf(err, " on the file system at '%s': needs %s, %s "
			    "free", mnt, need, have);
		free(mnt);
		return -ENOSPC;
	}
	return 0;
}

void fsspace_plan_release(struct fsspace_plan *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->v[i].dir);
		strvec_clear(&p->v[i].what);
	}
	free(p->v);
	p->v = NULL;
	p->nr = 0;
}
