/*
 * clone-copy.h: the guest's image file as a block copy of the base image,
 * for host file systems that cannot share extents (ext4): only the
 * image's data is copied (SEEK_DATA/SEEK_HOLE), in the kernel where it can
 * (copy_file_range), and its holes stay holes. On ext4 this measured
 * faster than unpacking the base archive into a new file system (see
 * clone_choose() and the man page's CLONES).
 */
#ifndef CLONE_COPY_H
#define CLONE_COPY_H

#include <stdint.h>

#include "strbuf.h"

struct journal;

/*
 * Copy the data of in (every extent SEEK_DATA finds) into out at the
 * same offsets, leaving out's holes; out's size is the caller's. 0, or
 * -errno (-ENODATA when in shrank under the copy).
 */
int clone_copy_fd(int in, int out);

/*
 * The guest's image file dst as a sparse copy of the base image src
 * (clone_copy_fd()), sized to size bytes. dst is journaled (undone on
 * failure) before it exists. 0 or -errno with err.
 */
int clone_copy(const char *src, const char *dst, uint64_t size,
	       struct journal *j, struct strbuf *err);

#endif
