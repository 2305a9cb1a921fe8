/*
 * u-sum-stamp.c: a stamp holds for the file and checksum it recorded
 * while the file is untouched, and for nothing else: not after a write,
 * a truncate, a touch or a replacement, not for another checksum, not
 * once it is too old, and a file changed within the last tick gets none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "sum-stamp.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define SUM "71bf0550af28026cef4cac9fa2334685dfc9ab6d5579f896b85f6c70534273d2"
#define OTHER "0000000000000000000000000000000000000000000000000000000000000000"

static void settle(void)
{
	struct timespec ts = { SUM_STAMP_SETTLE, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* fstat() of path, and the time just before it. */
static void look(const char *path, struct stat *st, struct timespec *seen)
{
	CHECK_INTEQ(clock_gettime(CLOCK_REALTIME, seen), 0);
	CHECK_INTEQ(stat(path, st), 0);
}

TEST(stamp_holds_until_the_file_changes)
{
	const char *top = unit_scratch("u-sum-stamp");
	char *file = path_join(top, "img"), *stamp = path_join(top, "stamp");
	struct stat st, st2;
	struct timespec seen;
	int fd;

	CHECK_INTEQ(write_string(file, "content", 0600), 0);
	look(file, &st, &seen);
	/* Just written: not settled, no stamp. */
	CHECK_INTEQ(sum_stamp_write(stamp, &st, &seen, SUM), -EAGAIN);
	CHECK(!path_exists(stamp));
	CHECK(!sum_stamp_holds(stamp, &st, SUM, 60));

	settle();
	look(file, &st, &seen);
	CHECK_INTEQ(sum_stamp_write(stamp, &st, &seen, SUM), 0);
	CHECK(sum_stamp_holds(stamp, &st, SUM, 60));
	CHECK(!sum_stamp_holds(stamp, &st, OTHER, 60));
	/* Too old: age 0 holds only within the second it was written. */
	settle();
	CHECK(!sum_stamp_holds(stamp, &st, SUM, 0));

	/* A write of the same length, in place. */
	fd = open(file, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INTEQ(pwrite(fd, "C", 1, 0), 1);
	close(fd);
	CHECK_INTEQ(stat(file, &st2), 0);
	CHECK(!sum_stamp_same(&st, &st2));
	CHECK(!sum_stamp_holds(stamp, &st2, SUM, 60));

	/* A touch that puts the mtime back still moves the ctime. */
	{
		struct timespec times[2] = { st.st_atim, st.st_mtim };

		CHECK_INTEQ(utimensat(AT_FDCWD, file, times, 0), 0);
		CHECK_INTEQ(stat(file, &st2), 0);
		CHECK(!sum_stamp_holds(stamp, &st2, SUM, 60));
	}

	/* A replacement with the same content is another inode. */
	CHECK_INTEQ(write_string(file, "content", 0600), 0);
	CHECK_INTEQ(stat(file, &st2), 0);
	CHECK(st2.st_ino != st.st_ino || !sum_stamp_same(&st, &st2));
	CHECK(!sum_stamp_holds(stamp, &st2, SUM, 60));

	/* Not a stamp at all. */
	CHECK_INTEQ(write_string(stamp, "1 2 3\n", 0644), 0);
	CHECK(!sum_stamp_holds(stamp, &st, SUM, 60));
	free(file);
	free(stamp);
}
