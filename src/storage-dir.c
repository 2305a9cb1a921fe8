/*
 * storage-image.c: volumes as image files in DIR/domains/HOSTNAME/,
 * sparse unless --image=full.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "storage.h"
#include "banned.h"

static int image_plan(const struct guest *g, struct volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/%s.img", g->guest_dir, v[i].name);
		v[i].path = strbuf_detach(&sb, NULL);
	}
	return 0;
}

static int image_check_free(const struct guest *g, const struct volume *v,
			    size_t n, struct strbuf *err)
{
	(void)g;
	for (size_t i = 0; i < n; i++) {
		if (path_exists(v[i].path)) {
			strbuf_addf(err, "'%s' already exists", v[i].path);
			return -EEXIST;
		}
	}
	return 0;
}

/* DIR/domains/HOST, made by this run: a directory that appeared since the
 * existence check is not ours to fill. */
static int image_prepare(const struct guest *g, struct journal *j)
{
	char *parent = strdup(g->guest_dir);
	int r;

	*strrchr(parent, '/') = '\0';
	r = journal_mkdir_p(j, parent, 0755);
	free(parent);
	if (r < 0)
		return r;
	if (mkdir(g->guest_dir, 0700) < 0)
		return -errno;
	journal_add(j, JOURNAL_CREATED, UNDO_RMDIR, g->guest_dir);
	return 0;
}

static int image_create(const struct guest *g, struct volume *v,
			struct journal *j)
{
	int fd, r = 0;

	fd = open(v->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, v->path);
	if (g->image_full)
		r = -posix_fallocate(fd, 0, (off_t)v->size);
	else if (ftruncate(fd, (off_t)v->size) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

const struct storage_ops storage_image_ops = {
	.name = "image",
	.plan = image_plan,
	.check_free = image_check_free,
	.prepare = image_prepare,
	.create = image_create,
	.format = "raw",
};
