/*
 * u-filesystem.c: making each file system the guest may have, with the
 * real mkfs on image files, and the fstab options each gets by default.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "filesystem.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1024 * 1024ULL)

TEST(fs_make_makes_each_file_system)
{
	static const struct {
		const char *fs;
		uint64_t size;	/* at least what its mkfs accepts */
		const char *want;
	} cases[] = {
		{ "ext2", 16 * MIB, "an ext2 file system" },
		{ "ext3", 16 * MIB, "an ext3 file system" },
		{ "ext4", 16 * MIB, "an ext4 file system" },
		{ "xfs", 300 * MIB, "an xfs file system" },
		{ "btrfs", 300 * MIB, "a btrfs file system" },
		{ "swap", 16 * MIB, "a swap area" },
	};
	char *dir = unit_mkdtemp("u-filesystem");
	struct strbuf what = STRBUF_INIT, err = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* keep_allocated passes other flags: each must be accepted. */
		for (int keep = 0; keep < 2; keep++) {
			char *file = unit_sparse_file(dir, "disk.img",
						      cases[i].size);
			char uuid[37] = "";

			strbuf_reset(&err);
			strbuf_reset(&what);
			CHECK_INTEQ(fs_make(file, cases[i].fs, keep, &err), 0);
			if (err.len)
				fprintf(stderr, "%s: %s\n", cases[i].fs,
					err.buf);
			CHECK_INTEQ(blockdev_probe(file, &what, &err), 1);
			CHECK_STREQ(what.buf, cases[i].want);
			CHECK_INTEQ(fs_read_uuid(file, uuid, sizeof(uuid)),
				    0);
			CHECK_INTEQ(strlen(uuid), 36);
			CHECK_INTEQ(unlink(file), 0);
			free(file);
		}
	}

	/* What mkfs refuses, and what is not made at all. */
	{
		char *file = unit_sparse_file(dir, "tiny.img", 64 * 1024);

		strbuf_reset(&err);
		CHECK(fs_make(file, "xfs", 0, &err) < 0);
		CHECK(strstr(err.buf, "mkfs.xfs") != NULL);
		strbuf_reset(&err);
		CHECK_INTEQ(fs_make(file, "reiserfs", 0, &err), -EINVAL);
		CHECK_STREQ(err.buf, "cannot make a file system of type "
			    "'reiserfs'");
		free(file);
	}

	strbuf_release(&what);
	strbuf_release(&err);
	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
}

TEST(loop_attach_range_takes_the_whole_file)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	char *dir, *file, *dev = NULL;
	uint64_t size = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "# skipped: loop devices need root\n");
		return;
	}
	dir = unit_mkdtemp("u-filesystem");
	file = unit_sparse_file(dir, "disk.img", 3 * MIB);
	CHECK_INTEQ(loop_attach_range(file, 0, 0, &j, &dev, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(j.nr, 1);
	if (dev) {
		CHECK_INTEQ(blockdev_size(dev, &size), 0);
		CHECK_INTEQ(size, 3 * MIB);
		CHECK_STREQ(j.e[0].arg, dev);
	}
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	free(dev);
	strbuf_release(&err);
	free(file);
	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
}
