/*
 * sum-stamp.h: a record, beside a file, that its content was summed in
 * full and had a checksum, bound to what the kernel changes whenever the
 * file is written, truncated, replaced or its inode touched (device,
 * inode, size, mtime and ctime to the nanosecond). While all of that is
 * as recorded, the content is the one that was summed, and a checker may
 * trust the checksum without reading the file again.
 */
#ifndef SUM_STAMP_H
#define SUM_STAMP_H

#include <sys/stat.h>
#include <time.h>

/*
 * 1 when the stamp at stamp records st (an fstat() of the file) and the
 * checksum sum, and was written at most max_age seconds ago (and not in
 * the future); 0 when it is missing, unreadable or records anything else.
 */
int sum_stamp_holds(const char *stamp, const struct stat *st,
		    const char *sum, time_t max_age);

/*
 * Record at stamp that the file fstat() gave st for, at seen
 * (CLOCK_REALTIME, taken just before that fstat()), has checksum sum,
 * replacing any older stamp whole. The kernel stamps a write with a
 * coarse clock and leaves a time that already reads the same as it is,
 * so a write in the same tick as the file's last change would not show:
 * a file whose ctime is not SUM_STAMP_SETTLE seconds before seen gets no
 * stamp (-EAGAIN). 0 or -errno.
 */
#define SUM_STAMP_SETTLE 1
int sum_stamp_write(const char *stamp, const struct stat *st,
		    const struct timespec *seen, const char *sum);

/* Whether a and b (two fstat()s) show the same, unchanged file. */
int sum_stamp_same(const struct stat *a, const struct stat *b);

#endif
