/*
 * storage-device.c: disks on existing block devices (--image-dev,
 * --swap-dev). They are not create-image's: nothing here makes or removes
 * them, and one that holds a file system or a partition table is only
 * overwritten with --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
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
