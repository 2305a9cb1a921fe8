/*
 * u-base-image.c: the ready image of a cached base is named by its key,
 * made with the real mkfs and loop device, summed with its holes, and a
 * damaged one fails its check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base-cache.h"
#include "base-image.h"
#include "filesystem.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "strbuf.h"
#include "sum-stamp.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1024 * 1024L)

TEST(key_and_path_follow_fs_and_format)
{
	struct base_entry e = { 0 };
	char *a, *b, *c, *k;

	e.name = (char *)"bookworm-amd64-0123456789ab";
	e.archive = (char *)"/c/bases/bookworm-amd64-0123456789ab.tar.zst";
	memset(e.sha256, 'f', 64);
	k = base_image_key("ext4", "raw");
	CHECK_STREQ(k, "fs=ext4\nmkfs=mkfs.ext4 -q -F -O metadata_csum_seed\n"
		    "format=raw\n");
	free(k);
	a = base_image_path(&e, "ext4", "raw");
	b = base_image_path(&e, "xfs", "raw");
	c = base_image_path(&e, "ext4", "qcow2");
	CHECK(!strncmp(a, "/c/bases/bookworm-amd64-0123456789ab.ext4-", 42));
	CHECK_INTEQ(strlen(a), 42 + 12 + 13 + 4);
	CHECK(strstr(a, "-ffffffffffff.img") != NULL);
	CHECK(!strcmp(a + strlen(a) - 4, ".img"));
	CHECK(!strcmp(c + strlen(c) - 6, ".qcow2"));
	CHECK(strstr(b, ".xfs-") != NULL);
	CHECK(strcmp(a, b) && strcmp(a, c));
	free(a);
	free(b);
	free(c);
}

static char *sparse_file(const char *dir, const char *name, off_t size,
			 off_t at, const char *data)
{
	char *p = path_join(dir, name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	CHECK_INTEQ(ftruncate(fd, size), 0);
	if (data)
		CHECK_INTEQ(pwrite(fd, data, strlen(data), at),
			    (ssize_t)strlen(data));
	close(fd);
	return p;
}

static int sum_of(const char *path, char hex[SHA256_HEX_SIZE])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = base_image_sum_fd(fd, hex);
	close(fd);
	return r;
}

TEST(sum_sees_data_where_it_lies_and_the_size)
{
	const char *dir = unit_scratch("u-base-image");
	char s[5][SHA256_HEX_SIZE];
	char *a = sparse_file(dir, "a", 64 * MIB, 8 * MIB, "hello");
	char *b = sparse_file(dir, "b", 64 * MIB, 8 * MIB, "hello");
	char *c = sparse_file(dir, "c", 64 * MIB, 16 * MIB, "hello");
	char *d = sparse_file(dir, "d", 65 * MIB, 8 * MIB, "hello");
	char *e = sparse_file(dir, "e", 64 * MIB, 8 * MIB, "hellO");

	CHECK_INTEQ(sum_of(a, s[0]), 0);
	CHECK_INTEQ(sum_of(b, s[1]), 0);
	CHECK_INTEQ(sum_of(c, s[2]), 0);
	CHECK_INTEQ(sum_of(d, s[3]), 0);
	CHECK_INTEQ(sum_of(e, s[4]), 0);
	CHECK_STREQ(s[0], s[1]);
	CHECK(strcmp(s[0], s[2]));
	CHECK(strcmp(s[0], s[3]));
	CHECK(strcmp(s[0], s[4]));
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

/* A base of a few files, stored as the build stores one. */
static int store_base(const char *dir, struct base_entry *ret)
{
	const char *top = unit_scratch("u-base-image");
	char *tree = path_join(top, "tree"), *etc = path_join(tree, "etc"),
	     *f = path_join(etc, "hostname");
	struct base_key k = BASE_KEY_INIT;
	struct strbuf err = STRBUF_INIT;
	int r;

	CHECK_INTEQ(mkdir_p(etc, 0755), 0);
	CHECK_INTEQ(write_string(f, "base\n", 0644), 0);
	for (int p = 0; p < BASE_KEY_NR; p++)
		base_key_set(&k, p, "x");
	base_key_seal(&k);
	r = base_cache_store(dir, &k, "", tree, &err);
	if (r < 0)
		fprintf(stderr, "store: %s\n", err.buf);
	CHECK_INTEQ(r, 0);
	CHECK_INTEQ(base_cache_find(dir, &k, ret), 1);
	base_key_release(&k);
	strbuf_release(&err);
	free(tree);
	free(etc);
	free(f);
	return r;
}

TEST(make_verify_damage_remove)
{
	const char *top = unit_scratch("u-base-image");
	char *dir = path_join(top, "bases");
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	struct base_entry e = { 0 };
	char uuid[40];
	char *img, *sums, *stamp;
	int r, fd;

	if (store_base(dir, &e) < 0)
		return;
	CHECK_INTEQ(base_image_size(&e), 512 * MIB);
	img = base_image_path(&e, "ext4", "raw");
	{
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s.sha256", img);
		sums = strbuf_detach(&sb, NULL);
		strbuf_addf(&sb, "%s.verified", img);
		stamp = strbuf_detach(&sb, NULL);
	}
	CHECK_INTEQ(base_image_verify(img, &err), -ENOENT);
	r = base_image_make(&e, "ext4", "raw", img, &j, &err);
	if (r < 0)
		fprintf(stderr, "make: %s\n", err.buf);
	CHECK_INTEQ(r, 0);
	/* Only the part file's entry is left, and it is gone. */
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	CHECK(path_exists(img));
	CHECK(path_exists(sums));
	CHECK_INTEQ(fs_read_uuid(img, uuid, sizeof(uuid)), 0);
	/* Settled, so that the full sum leaves a stamp (sum-stamp.h). */
	{
		struct timespec ts = { SUM_STAMP_SETTLE, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	strbuf_reset(&err);
	r = base_image_verify(img, &err);
	if (r < 0)
		fprintf(stderr, "verify: %s\n", err.buf);
	CHECK_INTEQ(r, 0);
	CHECK(path_exists(stamp));
	/* Again, from the stamp. */
	CHECK_INTEQ(base_image_verify(img, &err), 0);

	/* One byte changed where the file system has data. */
	fd = open(img, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd >= 0) {
		off_t data = lseek(fd, 0, SEEK_DATA);
		char c = 0;

		CHECK(data >= 0);
		CHECK_INTEQ(pread(fd, &c, 1, data + 1024), 1);
		c ^= 0x20;
		CHECK_INTEQ(pwrite(fd, &c, 1, data + 1024), 1);
		close(fd);
	}
	/* The stamp vouches for the image as it was: the write is seen. */
	strbuf_reset(&err);
	CHECK_INTEQ(base_image_verify(img, &err), -EBADMSG);
	CHECK(strstr(err.buf, "has SHA-256") != NULL);

	CHECK_INTEQ(base_image_remove_all(dir, e.name), 0);
	CHECK(!path_exists(img));
	CHECK(!path_exists(sums));
	CHECK(!path_exists(stamp));
	CHECK(path_exists(e.archive));
	/* Removing the base takes its images with it. */
	CHECK_INTEQ(write_string(img, "x", 0600), 0);
	CHECK_INTEQ(write_string(sums, "x", 0600), 0);
	CHECK_INTEQ(base_cache_remove(&e), 0);
	CHECK(!path_exists(img));
	CHECK(!path_exists(sums));
	CHECK(!path_exists(e.archive));
	base_entry_release(&e);
	strbuf_release(&err);
	free(img);
	free(sums);
	free(stamp);
	free(dir);
}
