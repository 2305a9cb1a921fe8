/* clone-copy.c: see clone-copy.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clone.h"
#include "clone-copy.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "banned.h"

/* What the copy without copy_file_range() moves at a time. */
#define COPY_BUF (1024 * 1024)

/* [at, end) of in into out at the same offsets through a buffer: where
 * the kernel cannot copy between the two files itself. */
static int copy_by_hand(int in, int out, off_t at, off_t end)
{
	char *buf = xcalloc(1, COPY_BUF);
	int r = 0;

	while (at < end && r >= 0) {
		size_t want = end - at < COPY_BUF ? (size_t)(end - at) :
			      COPY_BUF;
		ssize_t n = pread(in, buf, want, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if (n == 0)
			r = -ENODATA;
		else {
			for (ssize_t done = 0; done < n && r >= 0;) {
				ssize_t w = pwrite(out, buf + done,
						   (size_t)(n - done),
						   at + done);

				if (w < 0 && errno != EINTR)
					r = -errno;
				else if (w > 0)
					done += w;
			}
			at += n;
		}
	}
	free(buf);
	return r;
}

/* [at, end) of in into out at the same offsets, in the kernel. */
static int copy_range(int in, int out, off_t at, off_t end)
{
	off_t ipos = at, opos = at;

	while (ipos < end) {
		ssize_t n = copy_file_range(in, &ipos, out, &opos,
					    (size_t)(end - ipos), 0);

		if (n < 0 && errno == EINTR)
			continue;
		/* Not between these two files (another file system, an
		 * old kernel): by hand, from where it stopped. */
		if (n < 0 && (errno == EXDEV || errno == EOPNOTSUPP ||
			      errno == ENOSYS || errno == EINVAL))
			return copy_by_hand(in, out, ipos, end);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
	}
	return 0;
}

int clone_copy_fd(int in, int out)
{
	struct stat st;
	off_t at = 0;
	int r = 0;

	if (fstat(in, &st) < 0)
		return -errno;
	while (at < st.st_size && r >= 0) {
		off_t data = lseek(in, at, SEEK_DATA), hole;

		if (data < 0)
			/* ENXIO: nothing but holes from at on. */
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		r = copy_range(in, out, data, hole);
		at = hole;
	}
	return r;
}

int clone_copy(const char *src, const char *dst, uint64_t size,
	       struct journal *j, struct strbuf *err)
{
	int in, out, r;

	r = clone_open_pair(src, dst, size, j, &in, &out, err);
	if (r < 0)
		return r;
	r = clone_copy_fd(in, out);
	if (r < 0)
		strbuf_addf(err, "cannot copy '%s' to '%s': %s", src, dst,
			    strerror(-r));
	else if (ftruncate(out, (off_t)size) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot size '%s': %s", dst, strerror(-r));
	}
	close(out);
	close(in);
	return r;
}
