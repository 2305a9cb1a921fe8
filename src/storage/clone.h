/*
 * clone.h: which way a guest's root file system gets the base: cloned
 * from a ready image of the base (a reflinked copy, or a qcow2 overlay
 * backed by it) or unpacked from the base archive as before, and why.
 * The choice is made from the guest's settings and the host file system
 * under --dir alone, so the plan says it before anything is made.
 */
#ifndef CLONE_H
#define CLONE_H

#include <stdint.h>

#include "guest.h"
#include "strbuf.h"
#include "strvec.h"

enum clone_path {
	CLONE_PATH_UNPACK,	/* unpack the base archive into a new fs */
	CLONE_PATH_REFLINK,	/* FICLONE the base image into disk.img */
	CLONE_PATH_OVERLAY,	/* qcow2 overlay backed by the base's
				 * qcow2 image (qcow2-fuse.h) */
	CLONE_PATH_COPY,	/* sparse copy of the base image into
				 * disk.img (clone-copy.h) */
};

/* "unpack", "reflink", "qcow2 overlay", "copy". */
const char *clone_path_name(enum clone_path p);

/* Whether a host file system (statfs's f_type) shares extents (FICLONE):
 * xfs and btrfs. */
int clone_fs_reflinks(long f_type);
/* "xfs", "btrfs", "ext4" (ext2/3/4 share one magic), "tmpfs", or "" */
const char *clone_fs_name(long f_type);

/*
 * The path for g, whose --dir lies on a host file system of type f_type
 * (0 when it is not known: not a --dir guest, or nothing of --dir exists
 * yet). cacheable: whether g's base comes from the cache at all;
 * cache_beside: whether the cache is on the file system of --dir, as a
 * reflink needs. One line saying why into why ("--dir '/srv/xen' is on
 * xfs, which shares extents").
 */
enum clone_path clone_choose(const struct guest *g, int cacheable,
			     long f_type, int cache_beside,
			     struct strbuf *why);

/* Whether a and b (or their nearest existing parents) are on one file
 * system. */
int clone_same_fs(const char *a, const char *b);

/*
 * statfs's f_type of the file system holding path, or of its nearest
 * existing parent; 0 when none can be examined.
 */
long clone_host_fs_type(const char *path);

#endif

struct journal;

/*
 * The guest's image file dst as a reflinked copy of the base image src
 * (FICLONE: shared extents, nothing written), then sized to size bytes.
 * dst is journaled (undone on failure) before it exists. -EOPNOTSUPP or
 * -EXDEV (with err) when the two cannot share extents; other -errno.
 */
int clone_reflink(const char *src, const char *dst, uint64_t size,
		  struct journal *j, struct strbuf *err);

/*
 * The guest's qcow2 image dst as an overlay of size bytes whose backing
 * file is the base's qcow2 image base: it holds only what the guest
 * writes. dst is journaled (undone on failure) before it exists. 0 or
 * -errno with err.
 */
int clone_overlay(const char *base, const char *dst, uint64_t size,
		  struct journal *j, struct strbuf *err);
/* Its qemu-img argv. */
void clone_overlay_args(const char *base, const char *dst, uint64_t size,
			struct strvec *args);

/*
 * The two ends of a copy of the base image src into the guest's new disk
 * dst of size bytes: src open to read and checked to fit (-EFBIG when
 * the image is larger: the file system in it cannot shrink with the
 * file), dst created (mode 0600, journaled before it exists) to write.
 * 0 with both descriptors, the caller's to close, or -errno with err and
 * nothing left open.
 */
int clone_open_pair(const char *src, const char *dst, uint64_t size,
		    struct journal *j, int *ret_in, int *ret_out,
		    struct strbuf *err);

/*
 * Make the cloned file system on dev (not mounted) its own: grown to
 * the device (ext2/3/4; xfs and btrfs grow once mounted, clone_grow())
 * and given a fresh UUID, so two clones of one base are told apart.
 * 0 or -errno with err.
 */
int clone_renew(const char *dev, const char *fs, struct strbuf *err);
/* Grow a mounted xfs or btrfs clone at mnt to its device; nothing for
 * ext2/3/4. 0 or -errno with err. */
int clone_grow(const char *mnt, const char *fs, struct strbuf *err);
