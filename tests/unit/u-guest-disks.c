/*
 * u-guest-disks.c: a guest's file systems mounted again from its record,
 * on image files and on a qcow2 image through its FUSE export: "/" first
 * and the others below it, read-write or read-only, and all of it gone
 * when the journal finishes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filesystem.h"
#include "fsutil.h"
#include "guest-disks.h"
#include "journal.h"
#include "macros.h"
#include "manifest.h"
#include "run-command.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1024 * 1024ULL)

/* An ext4 image file of 32 MiB at dir/name, in the record as vdev. */
static void add_disk(struct manifest *m, const char *dir, const char *name,
		     const char *vdev, const char *mountpoint)
{
	struct manifest_disk *d = manifest_add_disk(m);
	struct manifest_fs *fs = manifest_add_fs(m);
	char *path = unit_sparse_file(dir, name, 32 * MIB);
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(fs_make(path, "ext4", 0, &err), 0);
	d->vdev = xstrdup(vdev);
	d->path = path;
	d->format = xstrdup("raw");
	fs->mountpoint = xstrdup(mountpoint);
	fs->type = xstrdup("ext4");
	fs->disk = xstrdup(vdev);
	strbuf_release(&err);
}

/* Whether anything is mounted at dir or below it. */
static int mounted_below(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	CHECK(strbuf_read_file(&sb, "/proc/self/mountinfo") >= 0);
	r = strstr(sb.buf, dir) != NULL;
	strbuf_release(&sb);
	return r;
}

static int can_write(const char *dir, const char *name)
{
	char *path = path_join(dir, name);
	int r = write_file(path, "x\n", 2, 0644);

	free(path);
	return r;
}

TEST(guest_disks_mount_in_depth_order_and_undone)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	struct guest_disks gd;
	struct manifest m;
	char *dir, *mnt, *p;

	if (geteuid() != 0) {
		fprintf(stderr, "# skipped: loop devices need root\n");
		return;
	}
	dir = unit_mkdtemp("u-guest-disks");
	manifest_init(&m);
	/* deeper first in the record: mounted after "/" all the same */
	add_disk(&m, dir, "srv.img", "xvda2", "/srv/data");
	add_disk(&m, dir, "root.img", "xvda1", "/");

	guest_disks_init(&gd, &m, &j, 1);
	CHECK_INTEQ(guest_disks_mount(&gd, "u-guest-disks", 1, &err), 0);
	CHECK_STREQ(err.buf, "");
	mnt = xstrdup(gd.mnt ? gd.mnt : "/nonexistent");
	p = path_join(mnt, "srv/data");
	CHECK_INTEQ(can_write(p, "on-srv"), 0);
	free(p);
	CHECK_INTEQ(can_write(mnt, "on-root"), 0);
	CHECK(mounted_below(mnt));
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	guest_disks_release(&gd);
	CHECK(!mounted_below(mnt));
	CHECK(!path_exists(mnt));
	free(mnt);

	/* read-only, "/" alone: what was written is there, nothing more */
	journal_release(&j);
	j = (struct journal)JOURNAL_INIT;
	guest_disks_init(&gd, &m, &j, 0);
	CHECK_INTEQ(guest_disks_mount(&gd, "u-guest-disks", 0, &err), 0);
	mnt = xstrdup(gd.mnt ? gd.mnt : "/nonexistent");
	p = path_join(mnt, "on-root");
	CHECK(path_exists(p));
	free(p);
	p = path_join(mnt, "srv/data/on-srv");
	CHECK(!path_exists(p));
	free(p);
	CHECK_INTEQ(can_write(mnt, "more"), -EROFS);
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	guest_disks_release(&gd);
	CHECK(!mounted_below(mnt));
	free(mnt);

	journal_release(&j);
	manifest_release(&m);
	strbuf_release(&err);
	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
}

TEST(guest_disks_qcow2_written_through_its_export)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	struct guest_disks gd;
	struct manifest m;
	char *dir, *img, *raw, *fuse, *mnt = NULL;
	const char *view = NULL;

	if (geteuid() != 0 ||
	    unit_run_quiet((const char *[]){ "qemu-storage-daemon",
					     "--version", NULL }) < 0) {
		fprintf(stderr, "# skipped: needs root and "
			"qemu-storage-daemon\n");
		return;
	}
	dir = unit_mkdtemp("u-guest-disks");
	manifest_init(&m);
	add_disk(&m, dir, "root.raw", "xvda1", "/");
	raw = xstrdup(m.disks[0].path);
	img = path_join(dir, "root.qcow2");
	CHECK_INTEQ(unit_run_quiet((const char *[]){ "qemu-img", "convert",
						     "-f", "raw", "-O", "qcow2",
						     raw, img, NULL }), 0);
	free(m.disks[0].path);
	m.disks[0].path = img;
	free(m.disks[0].format);
	m.disks[0].format = xstrdup("qcow2");

	guest_disks_init(&gd, &m, &j, 1);
	CHECK_INTEQ(guest_disks_view(&gd, 0, &view, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK(view && strstr(view, "/.root.qcow2.fuse"));
	CHECK_INTEQ(guest_disks_mount(&gd, "u-guest-disks", 1, &err), 0);
	CHECK_STREQ(err.buf, "");
	if (gd.mnt) {
		mnt = xstrdup(gd.mnt);
		CHECK_INTEQ(can_write(mnt, "in-qcow2"), 0);
	}
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	guest_disks_release(&gd);
	if (mnt)
		CHECK(!mounted_below(mnt));
	fuse = path_join(dir, ".root.qcow2.fuse");
	CHECK(!path_exists(fuse));
	free(fuse);
	/* what was written is in the image: read again, read-only */
	journal_release(&j);
	j = (struct journal)JOURNAL_INIT;
	guest_disks_init(&gd, &m, &j, 0);
	CHECK_INTEQ(guest_disks_mount(&gd, "u-guest-disks", 1, &err), 0);
	if (gd.mnt) {
		char *p = path_join(gd.mnt, "in-qcow2");

		CHECK(path_exists(p));
		free(p);
	}
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	guest_disks_release(&gd);
	free(mnt);
	free(raw);
	journal_release(&j);
	manifest_release(&m);
	strbuf_release(&err);
	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
}
