/*
 * clone.h: which way a guest's root file system gets the base: cloned
 * from a ready image of the base (a reflinked copy, or a qcow2 overlay
 * backed by it) or unpacked from the base archive as before, and why.
 * The choice is made from the guest's settings and the host file system
 * under --dir alone, so the plan says it before anything is made.
 */
#ifndef CLONE_H
#define CLONE_H

#include "guest.h"
#include "strbuf.h"

enum clone_path {
	CLONE_PATH_UNPACK,	/* unpack the base archive into a new fs */
	CLONE_PATH_REFLINK,	/* FICLONE the base image into disk.img */
	CLONE_PATH_OVERLAY,	/* qcow2 overlay backed by the base image */
};

/* "unpack", "reflink", "qcow2 overlay". */
const char *clone_path_name(enum clone_path p);

/* Whether a host file system (statfs's f_type) shares extents (FICLONE):
 * xfs and btrfs. */
int clone_fs_reflinks(long f_type);
/* "xfs", "btrfs", "ext4" (ext2/3/4 share one magic), "tmpfs", or "" */
const char *clone_fs_name(long f_type);

/*
 * The path for g, whose --dir lies on a host file system of type f_type
 * (0 when it is not known: not a --dir guest, or nothing of --dir exists
 * yet). cacheable: whether g's base comes from the cache at all. One line
 * saying why into why ("--dir '/srv/xen' is on xfs, which shares
 * extents").
 */
enum clone_path clone_choose(const struct guest *g, int cacheable,
			     long f_type, struct strbuf *why);

/*
 * statfs's f_type of the file system holding path, or of its nearest
 * existing parent; 0 when none can be examined.
 */
long clone_host_fs_type(const char *path);

#endif
