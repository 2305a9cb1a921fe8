/*
 * u-fsspace.c: the figures of fsspace.h: the human sizes, what a tree
 * takes (a file with two links once, a symlink not followed), and a plan
 * that sums what goes to one file system and names it all when it does
 * not fit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsspace.h"
#include "fsutil.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static const char *scratch(void)
{
	return unit_scratch("u-fsspace");
}

static char *at(const char *rel)
{
	return path_join(scratch(), rel);
}

/* A file of size bytes that are not zero, so nothing can skip them. */
static void make_file(const char *rel, size_t size)
{
	char *p = at(rel), *data = malloc(size);
	int fd;

	memset(data, 'x', size);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_INTEQ(write_all(fd, data, size), 0);
	CHECK_INTEQ(fsync(fd), 0);
	close(fd);
	free(data);
	free(p);
}

static uint64_t blocks_of(const char *rel)
{
	char *p = at(rel);
	struct stat st;

	CHECK_INTEQ(lstat(p, &st), 0);
	free(p);
	return (uint64_t)st.st_blocks * 512;
}

TEST(format)
{
	static const struct {
		uint64_t in;
		const char *want;
	} cases[] = {
		{ 0, "0 bytes" },
		{ 512, "512 bytes" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ 300ULL << 20, "300 MiB" },
		{ (1ULL << 30) + (1ULL << 30) / 5, "1.2 GiB" },
		{ 4ULL << 30, "4 GiB" },
		{ (4ULL << 30) - 1, "4 GiB" },
		{ 1023ULL << 20, "1023 MiB" },
		{ UINT64_MAX, "16 EiB" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];

		fsspace_format(cases[i].in, buf, sizeof(buf));
		CHECK_STREQ(buf, cases[i].want);
	}
}

TEST(tree_usage)
{
	char *top = at("tree"), *sub = at("tree/sub"), *file = at("tree/a"),
	     *second = at("tree/sub/b"), *sym = at("tree/usr");
	uint64_t got = 0, want;

	CHECK_INTEQ(mkdir(top, 0755), 0);
	CHECK_INTEQ(mkdir(sub, 0755), 0);
	make_file("tree/a", 64 * 1024);
	make_file("tree/sub/c", 8 * 1024);
	CHECK_INTEQ(symlink("/usr", sym), 0);
	CHECK_INTEQ(fsspace_tree_usage(top, &got), 0);
	want = blocks_of("tree") + blocks_of("tree/sub") +
	       blocks_of("tree/a") + blocks_of("tree/sub/c") +
	       blocks_of("tree/usr");
	CHECK_INTEQ(got, want);
	CHECK(got >= 72 * 1024);
	/* A second name for a file takes no more room. */
	CHECK_INTEQ(link(file, second), 0);
	CHECK_INTEQ(fsspace_tree_usage(top, &got), 0);
	CHECK_INTEQ(got, blocks_of("tree") + blocks_of("tree/sub") +
			 blocks_of("tree/a") + blocks_of("tree/sub/c") +
			 blocks_of("tree/usr"));
	CHECK_INTEQ(fsspace_tree_usage(file, &got), -ENOTDIR);
	free(top);
	free(sub);
	free(file);
	free(second);
	free(sym);
}

TEST(existing_dir_and_mount_point)
{
	char *missing = at("no/such/dir"), *dir, *mnt;

	dir = fsspace_existing_dir(missing);
	CHECK_STREQ(dir, scratch());
	free(dir);
	dir = fsspace_existing_dir("/no-such-top-level-dir");
	CHECK_STREQ(dir, "/");
	free(dir);
	mnt = fsspace_mount_point("/");
	CHECK_STREQ(mnt, "/");
	free(mnt);
	/* Some directory at or above the scratch directory. */
	mnt = fsspace_mount_point(scratch());
	dir = realpath(scratch(), NULL);
	CHECK(dir && !strncmp(dir, mnt, strlen(mnt)));
	free(dir);
	free(mnt);
	free(missing);
}

TEST(plan)
{
	struct fsspace_plan p = FSSPACE_PLAN_INIT;
	struct strbuf err = STRBUF_INIT;
	char *missing = at("srv/xen"), *mnt = fsspace_mount_point(scratch());
	char want[256];

	CHECK(!fsspace_is_full(scratch()));
	/* Two places on one file system, one not made yet: one sum. */
	CHECK_INTEQ(fsspace_plan_add(&p, missing, "guest 'a'", 1 << 20), 0);
	CHECK_INTEQ(fsspace_plan_add(&p, scratch(), "the cache", 1 << 20), 0);
	CHECK_INTEQ(fsspace_plan_add(&p, missing, "guest 'a'", 1 << 20), 0);
	CHECK_INTEQ(p.nr, 1);
	CHECK_INTEQ(p.v[0].bytes, 3 << 20);
	CHECK_INTEQ(p.v[0].what.nr, 2);
	CHECK_INTEQ(fsspace_plan_check(&p, &err), 0);
	CHECK_INTEQ(err.len, 0);
	/* More than any file system holds; the sum does not wrap. */
	CHECK_INTEQ(fsspace_plan_add(&p, scratch(), "guest 'b'", UINT64_MAX),
		    0);
	CHECK_INTEQ(p.v[0].bytes, UINT64_MAX);
	CHECK_INTEQ(fsspace_plan_check(&p, &err), -ENOSPC);
	snprintf(want, sizeof(want), "not enough space for guest 'a', the "
		 "cache and guest 'b' on the file system at '%s': needs "
		 "16 EiB, ", mnt);
	CHECK(!strncmp(err.buf, want, strlen(want)));
	CHECK(strstr(err.buf, " free") != NULL);
	fsspace_plan_release(&p);
	strbuf_release(&err);
	free(missing);
	free(mnt);
}
