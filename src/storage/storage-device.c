/*
 * storage-device.c: disks on existing block devices (--image-dev,
 * --swap-dev). They are not create-image's: nothing here makes or removes
 * them, and one that holds a file system or a partition table is only
 * overwritten with --force. With --dontformat the file systems on them
 * are kept, and the install goes into them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "filesystem.h"
#include "macros.h"
#include "parse.h"
#include "storage.h"
#include "banned.h"

static void device_plan(const struct guest *g, struct storage *st)
{
	for (size_t i = 0; i < st->ndisks; i++) {
		struct disk *d = &st->disks[i];

		d->path = xstrdup(strcmp(d->name, "swap") ? g->image_dev :
				  g->swap_dev);
		d->owned = 0;
	}
}

/* Mounted, swapped on, or held by another device (an LV, a RAID). */
static int device_busy(const char *path)
{
	int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);

	if (fd < 0)
		return errno == EBUSY;
	close(fd);
	return 0;
}

/* Root gets what the others leave of size bytes, if they leave 1 MiB. */
static void fit_root(struct storage *st, uint64_t size)
{
	const uint64_t mib = 1 << 20;
	uint64_t rest = 2 * mib;	/* the label, and GPT's backup */
	struct volume *root = NULL;

	for (size_t i = 0; i < st->nvols; i++) {
		struct volume *v = &st->vols[i];
		uint64_t s;

		if (v->mountpoint && !strcmp(v->mountpoint, "/"))
			root = v;
		else if (size_round_up(v->size, mib, &s) < 0 ||
			 size_add(rest, s, &rest) < 0)
			return;	/* they do not fit: the check says so */
	}
	if (root && rest < UINT64_MAX - mib && size > rest + mib) {
		root->size = (size - rest) / mib * mib;
		st->disks[0].size = rest + root->size;
	}
}

/*
 * --dontformat: volume v on device path must hold the file system it is
 * to have (swap for swap), and the root no files unless --force: the
 * install goes in among them, as xen-tools' does. -EINVAL with err.
 */
static int check_kept(const struct guest *g, const struct volume *v,
		      const char *path, struct strbuf *err)
{
	struct strbuf what = STRBUF_INIT;
	char *type = NULL;
	int r;

	r = fs_read_type(path, &type);
	if (r < 0)
		return strbuf_error(err, r, "cannot probe '%s': %s", path,
				    strerror(-r));
	if (!r) {
		strbuf_addf(err, "'%s' holds no %s: --dontformat uses the one "
			    "already there (make it first, or leave out "
			    "--dontformat)", path, streq(v->fs, "swap") ?
			    "swap area" : "file system");
		return -EINVAL;
	}
	if (!streq(type, v->fs)) {
		strbuf_addf(err, "'%s' holds %s%s, not %s%s (--dontformat "
			    "keeps what is there)", path, type,
			    streq(type, "swap") ? "" : " file system", v->fs,
			    streq(v->fs, "swap") ? "" : " file system");
		if (!streq(v->fs, "swap") && !streq(type, "swap"))
			strbuf_addf(err, ": give --fs=%s", type);
		free(type);
		return -EINVAL;
	}
	free(type);
	if (!v->mountpoint || !streq(v->mountpoint, "/"))
		return 0;
	r = fs_peek_root(path, v->fs, &what, err);
	if (r > 0 && !g->force) {
		strbuf_addf(err, "the %s file system on '%s' holds files "
			    "('%s'): --dontformat installs among them only "
			    "with --force", v->fs, path, what.buf);
		r = -EINVAL;
	}
	strbuf_release(&what);
	return r < 0 ? r : 0;
}

static int device_check(const struct guest *g, struct storage *st,
			struct strbuf *err)
{
	struct strbuf what = STRBUF_INIT, used = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < st->ndisks && r >= 0; i++) {
		struct disk *d = &st->disks[i];
		uint64_t size;

		if (device_busy(d->path)) {
			strbuf_addf(err, "'%s' is in use (mounted, or held by "
				    "another device)", d->path);
			r = -EBUSY;
			break;
		}
		r = blockdev_size(d->path, &size);
		if (r < 0) {
			strbuf_addf(err, "cannot read the size of '%s': %s",
				    d->path, strerror(-r));
			break;
		}
		/* Without a partitions file, root takes what the other
		 * partitions leave of the device. */
		if (st->vols[0].partno && !g->partitions_file)
			fit_root(st, size);
		if (size < d->size && st->vols[0].partno) {
			char have[32], want[32];

			format_size(size, have, sizeof(have));
			format_size(d->size, want, sizeof(want));
			strbuf_addf(err, "'%s' holds %s, the partitions need "
				    "%s", d->path, have, want);
			r = -ENOSPC;
			break;
		}
		d->size = size;
		if (g->dontformat) {
			for (size_t k = 0; r >= 0 && k < st->nvols; k++)
				if (st->vols[k].disk == i)
					r = check_kept(g, &st->vols[k],
						       d->path, err);
			continue;
		}
		strbuf_reset(&what);
		r = blockdev_probe(d->path, &what, err);
		if (r > 0 && !used.len)
			strbuf_addf(&used, "'%s' holds %s", d->path, what.buf);
	}
	/* On a device the size is the device's. */
	for (size_t i = 0; r >= 0 && i < st->nvols; i++)
		if (!st->vols[i].partno)
			st->vols[i].size = st->disks[st->vols[i].disk].size;
	if (r >= 0 && used.len) {
		strbuf_addstr(err, used.buf);
		r = -EEXIST;
	}
	strbuf_release(&what);
	strbuf_release(&used);
	return r < 0 ? r : 0;
}

static int device_attach(const struct guest *g, struct disk *d,
			 struct journal *j, struct strbuf *err)
{
	(void)g;
	(void)j;
	(void)err;
	d->dev = xstrdup(d->path);
	return 0;
}

const struct storage_ops storage_device_ops = {
	.name = "device",
	.plan = device_plan,
	.check = device_check,
	/* --force: the devices are simply overwritten. */
	.attach = device_attach,
};
