/*
 * partitions.h: xen-tools' partitions.d files, which describe a guest's
 * file systems one per section:
 *
 *	[root]
 *	size=4G
 *	type=ext4
 *	mountpoint=/
 *	options=errors=remount-ro
 *
 *	[swap]
 *	size=512M
 *	type=swap
 *
 * Section names are [a-zA-Z0-9-]+ and unique; the keys are size, type,
 * mountpoint and options, each at most once, with optional spaces around
 * '='. size takes what parse_size() takes (xen-tools' "1.5G", "512Mb",
 * "100k" included; a bare number is MiB), more than 0 and at most
 * PARTITION_SIZE_MAX; type is
 * swap, ext2, ext3, ext4, xfs or btrfs; size and type are required.
 * mountpoint is absolute, required for everything but swap and refused for
 * swap; it comes back normalised ("/var//tmp/" is "/var/tmp", ".." is
 * refused), no two partitions share one, and one of them must be "/".
 * options are fstab options without white space; they default to
 * "defaults", or "sw" for swap ("options=" also means the default). Blank
 * lines and lines starting with '#' or ';' are ignored.
 *
 * The list comes back in xen-tools' order, sorted by the length of the
 * mount point (swap first, then "/", then deeper mounts), stable for
 * equal lengths (file order): partition i becomes Xen disk xvda<i+1>.
 */
#ifndef PARTITIONS_H
#define PARTITIONS_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * The largest disk or partition of any back end: the kernel holds the
 * size of a file or a block device in a signed 64-bit loff_t. This is
 * that rounded down to whole MiB, so rounding a size up to MiB or to
 * LVM's extents cannot wrap.
 */
#define PARTITION_SIZE_MAX ((uint64_t)INT64_MAX & ~((1ULL << 20) - 1))

struct partition {
	char *name;
	uint64_t size;		/* bytes */
	char *origin;		/* where size was given: "FILE:LINE", "--size" */
	char *type;		/* "swap", "ext4", ... */
	char *mountpoint;	/* NULL for swap */
	char *options;		/* fstab options; "sw" by default for swap */
};

struct partitions {
	struct partition *p;
	size_t nr;
};

#define PARTITIONS_INIT { NULL, 0 }

/*
 * Load path into ret (which must be PARTITIONS_INIT). On a problem, err
 * holds one line "PATH:LINE: what is wrong" (or "PATH: ..." for problems
 * of the whole file, like a missing "/") and -EINVAL is returned; a file
 * that cannot be read is its -errno with the reason in err.
 */
int partitions_load(const char *path, struct partitions *ret,
		    struct strbuf *err);
/* The same from text already in memory; name is used in messages. */
int partitions_parse(const char *name, const char *text,
		     struct partitions *ret, struct strbuf *err);
void partitions_release(struct partitions *p);

#endif
