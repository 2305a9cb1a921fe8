/*
 * u-resize.c: what resize-image's sizes mean (SIZE or +SIZE), and the
 * plan it makes from a guest's record: each volume's and disk's new
 * size, rounded as the back end counts, and every refusal, before
 * anything is touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "manifest.h"
#include "resize.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

TEST(parse_size)
{
	static const struct {
		const char *in;
		int r;
		uint64_t want;
		int add;
	} cases[] = {
		{ "4G", 0, 4 * GIB, 0 },
		{ "+512M", 0, 512 * MIB, 1 },
		{ "+1.5G", 0, 3 * GIB / 2, 1 },
		{ "2048", 0, 2 * GIB, 0 },	/* a bare number is MiB */
		{ "+0", -EINVAL, 0, 0 },	/* adds nothing */
		{ "++1G", -EINVAL, 0, 0 },
		{ "-1G", -EINVAL, 0, 0 },
		{ "+", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "1G+", -EINVAL, 0, 0 },
		{ "+99999999999T", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 7;
		int add = 7, r = resize_parse_size(cases[i].in, &v, &add);

		CHECK_INTEQ(r, cases[i].r);
		if (r < 0) {
			/* Written only on success. */
			CHECK(v == 7 && add == 7);
			continue;
		}
		CHECK(v == cases[i].want);
		CHECK_INTEQ(add, cases[i].add);
	}
}

/*
 * A guest as create-image records it: storage "dir" or "lvm", layout
 * "volumes" (xvda1 swap, xvda2 root) or "disk" (xvda: 1 swap, 2 root,
 * and home as 3 with home set).
 */
static void guest(struct manifest *m, const char *storage, int disk_layout,
		  int home, int swap)
{
	struct manifest_disk *d;
	struct manifest_fs *f;

	manifest_init(m);
	m->hostname = xstrdup("rz1");
	m->storage = xstrdup(storage);
	m->layout = xstrdup(disk_layout ? "disk" : "volumes");
	m->vg = xstrdup(streq(storage, "lvm") ? "vg0" : "");
	if (disk_layout) {
		d = manifest_add_disk(m);
		d->vdev = xstrdup("xvda");
		d->path = xstrdup("/srv/rz1/disk.img");
		d->format = xstrdup("raw");
		d->size = 2 * MIB + 64 * MIB + GIB + (home ? 100 * MIB : 0);
		d->owned = 1;
	} else {
		d = manifest_add_disk(m);
		d->vdev = xstrdup("xvda2");
		d->path = xstrdup("/srv/rz1/disk.img");
		d->format = xstrdup("raw");
		d->size = GIB;
		d->owned = 1;
		if (swap) {
			d = manifest_add_disk(m);
			d->vdev = xstrdup("xvda1");
			d->path = xstrdup("/srv/rz1/swap.img");
			d->format = xstrdup("raw");
			d->size = 64 * MIB;
			d->owned = 1;
		}
	}
	f = manifest_add_fs(m);
	f->mountpoint = xstrdup("/");
	f->type = xstrdup("ext4");
	f->size = GIB;
	f->disk = xstrdup(disk_layout ? "xvda" : "xvda2");
	f->partition = disk_layout ? 2 : 0;
	if (swap) {
		f = manifest_add_fs(m);
		f->type = xstrdup("swap");
		f->size = 64 * MIB;
		f->disk = xstrdup(disk_layout ? "xvda" : "xvda1");
		f->partition = disk_layout ? 1 : 0;
	}
	if (home) {
		f = manifest_add_fs(m);
		f->mountpoint = xstrdup("/home");
		f->type = xstrdup("ext4");
		f->size = 100 * MIB;
		f->disk = xstrdup("xvda");
		f->partition = 3;
	}
}

TEST(plan)
{
	static const struct {
		const char *storage;
		int disk_layout, home, swap;
		struct resize_request rq;
		uint64_t unit;
		int r;
		const char *err;	/* a part of it */
		uint64_t vol, disk;	/* the first item's new sizes */
		uint64_t swap_vol;	/* the second's, if any */
	} cases[] = {
		/* +512M on an image file */
		{ "dir", 0, 0, 1, { .size = 512 * MIB, .size_set = 1,
				    .size_add = 1 }, MIB, 0, NULL,
		  GIB + 512 * MIB, GIB + 512 * MIB, 0 },
		/* an absolute size, rounded up to 1 MiB */
		{ "dir", 0, 0, 1, { .size = 2 * GIB + 1, .size_set = 1 },
		  MIB, 0, NULL, 2 * GIB + MIB, 2 * GIB + MIB, 0 },
		/* on LVM, to whole extents of 4 MiB */
		{ "lvm", 0, 0, 1, { .size = 2 * MIB, .size_set = 1,
				    .size_add = 1 }, 4 * MIB, 0, NULL,
		  GIB + 4 * MIB, GIB + 4 * MIB, 0 },
		/* the same size: kept, so its file system grows */
		{ "dir", 0, 0, 1, { .size = GIB, .size_set = 1 }, MIB, 0,
		  NULL, GIB, GIB, 0 },
		/* root and swap */
		{ "dir", 0, 0, 1, { .size = GIB, .size_set = 1, .size_add = 1,
				    .swap = 128 * MIB, .swap_set = 1 }, MIB,
		  0, NULL, 2 * GIB, 2 * GIB, 128 * MIB },
		/* swap alone */
		{ "dir", 0, 0, 1, { .swap = 64 * MIB, .swap_set = 1,
				    .swap_add = 1 }, MIB, 0, NULL,
		  128 * MIB, 128 * MIB, 0 },
		/* --layout=disk: the partition grows, the disk with it */
		{ "dir", 1, 0, 1, { .size = 512 * MIB, .size_set = 1,
				    .size_add = 1 }, MIB, 0, NULL,
		  GIB + 512 * MIB, 2 * MIB + 64 * MIB + GIB + 512 * MIB, 0 },
		{ "lvm", 1, 0, 1, { .size = 2 * GIB, .size_set = 1 },
		  4 * MIB, 0, NULL, 2 * GIB, 2 * MIB + 64 * MIB + 2 * GIB +
		  2 * MIB, 0 },
		/* refusals */
		{ "dir", 0, 0, 1, { .size = 512 * MIB, .size_set = 1 }, MIB,
		  -EINVAL, "--size: its root is 1G already, more than 512M: "
		  "resize-image never shrinks", 0, 0, 0 },
		{ "dir", 0, 0, 1, { .swap = 32 * MIB, .swap_set = 1 }, MIB,
		  -EINVAL, "--swap: its swap is 64M already", 0, 0, 0 },
		{ "dir", 0, 0, 0, { .swap = GIB, .swap_set = 1 }, MIB,
		  -EINVAL, "--swap: guest 'rz1' has no swap to grow", 0, 0,
		  0 },
		{ "dir", 1, 1, 1, { .size = GIB, .size_set = 1,
				    .size_add = 1 }, MIB, -EINVAL,
		  "--size: its root is partition 2 of 'xvda', and partition "
		  "3 follows it: only the last partition can grow", 0, 0, 0 },
		{ "dir", 1, 0, 1, { .swap = GIB, .swap_set = 1 }, MIB,
		  -EINVAL, "partition 2 follows it", 0, 0, 0 },
		{ "device", 0, 0, 1, { .size = GIB, .size_set = 1,
				       .size_add = 1 }, MIB, -EINVAL,
		  "a device it was given", 0, 0, 0 },
		{ "dir", 0, 0, 1, { .size = UINT64_MAX, .size_set = 1,
				    .size_add = 1 }, MIB, -EINVAL,
		  "more than 64 bits", 0, 0, 0 },
		{ "dir", 0, 0, 1, { 0 }, MIB, -EINVAL, "how large?", 0, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct resize_plan p;
		struct manifest m;
		int r;

		guest(&m, cases[i].storage, cases[i].disk_layout,
		      cases[i].home, cases[i].swap);
		if (streq(cases[i].storage, "device"))
			m.disks[0].owned = 0;
		memset(&p, 0, sizeof(p));
		r = resize_plan(&m, &cases[i].rq, cases[i].unit, &p, &err);
		CHECK_INTEQ(r, cases[i].r);
		if (r < 0) {
			if (!strstr(err.buf, cases[i].err))
				fprintf(stderr, "case %zu: '%s'\n", i,
					err.buf);
			CHECK(strstr(err.buf, cases[i].err) != NULL);
		} else {
			if (p.item[0].vol_new != cases[i].vol ||
			    p.item[0].disk_new != cases[i].disk)
				fprintf(stderr, "case %zu: %llu %llu\n", i,
					(unsigned long long)p.item[0].vol_new,
					(unsigned long long)
					p.item[0].disk_new);
			CHECK(p.item[0].vol_new == cases[i].vol);
			CHECK(p.item[0].disk_new == cases[i].disk);
			CHECK_INTEQ(p.n, 1 + !!cases[i].swap_vol);
			if (cases[i].swap_vol)
				CHECK(p.item[1].vol_new == cases[i].swap_vol);
			CHECK_STREQ(err.buf, "");
		}
		manifest_release(&m);
		strbuf_release(&err);
	}
}
