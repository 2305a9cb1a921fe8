/* sum-stamp.c: see sum-stamp.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "strbuf.h"
#include "sum-stamp.h"
#include "banned.h"

/* Longer than any stamp: a longer file is not one. */
#define STAMP_MAX 512

/* The stamp's one line: its version, then the file's identity and times,
 * then the checksum. */
static void stamp_line(struct strbuf *sb, const struct stat *st,
		       const char *sum)
{
	strbuf_addf(sb, "1 %llu %llu %lld %lld.%09ld %lld.%09ld %s\n",
		    (unsigned long long)st->st_dev,
		    (unsigned long long)st->st_ino, (long long)st->st_size,
		    (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		    (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, sum);
}

int sum_stamp_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int sum_stamp_holds(const char *stamp, const struct stat *st,
		    const char *sum, time_t max_age)
{
	struct strbuf want = STRBUF_INIT;
	char buf[STAMP_MAX];
	struct stat sst;
	time_t now = time(NULL);
	ssize_t n;
	int fd, ok = 0;

	fd = open(stamp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	/* The stamp's own mtime is when the file was last summed. */
	if (fstat(fd, &sst) < 0 || !S_ISREG(sst.st_mode) ||
	    sst.st_mtime > now || now - sst.st_mtime > max_age)
		goto out;
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || n == (ssize_t)sizeof(buf))
		goto out;
	stamp_line(&want, st, sum);
	ok = (size_t)n == want.len && !memcmp(buf, want.buf, want.len);
out:
	close(fd);
	strbuf_release(&want);
	return ok;
}

int sum_stamp_write(const char *stamp, const struct stat *st,
		    const struct timespec *seen, const char *sum)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (st->st_ctim.tv_sec > seen->tv_sec - SUM_STAMP_SETTLE ||
	    (st->st_ctim.tv_sec == seen->tv_sec - SUM_STAMP_SETTLE &&
	     st->st_ctim.tv_nsec > seen->tv_nsec))
		return -EAGAIN;
	stamp_line(&sb, st, sum);
	r = write_file(stamp, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	return r;
}
