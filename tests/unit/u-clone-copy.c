/*
 * u-clone-copy.c: a sparse copy of an image has its content byte for
 * byte, its holes as holes, its size as asked, and a base image larger
 * than the disk, or a disk that exists already, is refused with nothing
 * left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clone.h"
#include "clone-copy.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1024 * 1024L)

/* Data at each of these offsets, holes between. */
static const off_t at[] = { 0, 3 * MIB + 17, 9 * MIB - 5, 40 * MIB };

static char *image(const char *dir)
{
	char *p = path_join(dir, "base.img");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char block[8192];

	CHECK(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		memset(block, 'a' + (int)i, sizeof(block));
		CHECK_INTEQ(pwrite(fd, block, sizeof(block), at[i]),
			    (ssize_t)sizeof(block));
	}
	CHECK_INTEQ(ftruncate(fd, 64 * MIB), 0);
	close(fd);
	return p;
}

static int same_content(const char *a, const char *b, off_t len)
{
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY);
	char *x = xcalloc(1, MIB), *y = xcalloc(1, MIB);
	int same = fa >= 0 && fb >= 0;

	for (off_t o = 0; same && o < len; o += MIB)
		same = pread(fa, x, MIB, o) == MIB &&
		       pread(fb, y, MIB, o) == MIB && !memcmp(x, y, MIB);
	free(x);
	free(y);
	close(fa);
	close(fb);
	return same;
}

TEST(copy_keeps_content_and_holes)
{
	const char *top = unit_scratch("u-clone-copy");
	char *src = image(top), *dst = path_join(top, "disk.img");
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	struct stat ss, ds;
	int r, fd;

	r = clone_copy(src, dst, 128 * MIB, &j, &err);
	if (r < 0)
		fprintf(stderr, "copy: %s\n", err.buf);
	CHECK_INTEQ(r, 0);
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	CHECK_INTEQ(stat(src, &ss), 0);
	CHECK_INTEQ(stat(dst, &ds), 0);
	CHECK_INTEQ(ds.st_size, 128 * MIB);
	CHECK(same_content(src, dst, 64 * MIB));
	/* Holes stay holes: no more blocks than the source has. */
	CHECK(ds.st_blocks <= ss.st_blocks);
	CHECK(ds.st_blocks > 0);
	fd = open(dst, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(lseek(fd, 64 * MIB, SEEK_DATA) < 0);
	CHECK(lseek(fd, 1 * MIB, SEEK_DATA) >= 2 * MIB);
	close(fd);

	/* Into a disk that is there already: refused, and it stays. */
	strbuf_reset(&err);
	CHECK_INTEQ(clone_copy(src, dst, 128 * MIB, &j, &err), -EEXIST);
	CHECK(path_exists(dst));
	CHECK_INTEQ(unlink(dst), 0);

	/* A disk smaller than the image: refused before anything is made. */
	strbuf_reset(&err);
	CHECK_INTEQ(clone_copy(src, dst, 32 * MIB, &j, &err), -EFBIG);
	CHECK(strstr(err.buf, "larger than the disk") != NULL);
	CHECK(!path_exists(dst));
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	strbuf_release(&err);
	free(src);
	free(dst);
}

/* An empty file gives an empty copy; a file of data without holes
 * arrives whole. */
TEST(copy_fd_of_an_empty_and_a_full_file)
{
	const char *top = unit_scratch("u-clone-copy");
	char *a = path_join(top, "empty"), *b = path_join(top, "out");
	int in, out;

	CHECK_INTEQ(write_string(a, "", 0600), 0);
	in = open(a, O_RDONLY | O_CLOEXEC);
	out = open(b, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INTEQ(clone_copy_fd(in, out), 0);
	close(in);
	close(out);
	CHECK_INTEQ(write_string(a, "all data, no holes", 0600), 0);
	in = open(a, O_RDONLY | O_CLOEXEC);
	out = open(b, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INTEQ(clone_copy_fd(in, out), 0);
	close(in);
	close(out);
	{
		char buf[64] = "";
		int fd = open(b, O_RDONLY | O_CLOEXEC);

		CHECK_INTEQ(read(fd, buf, sizeof(buf) - 1), 18);
		CHECK_STREQ(buf, "all data, no holes");
		close(fd);
	}
	free(a);
	free(b);
}
