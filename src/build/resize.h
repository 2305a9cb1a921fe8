/*
 * resize.h: grow a built guest's root disk, and its swap, with the file
 * systems on them (resize-image, xen-tools' xen-resize-guest): the image
 * file, qcow2 image or logical volume first, then the partition on a
 * --layout=disk guest, then the file system. Nothing ever shrinks: a
 * container that grew while its file system could not is left bigger,
 * which does the guest no harm, and the same run again finishes it.
 */
#ifndef RESIZE_H
#define RESIZE_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "strbuf.h"

/* What resize-image was asked: --size and --swap, each SIZE or +SIZE. */
struct resize_request {
	uint64_t size, swap;	/* bytes: the new size, or what to add */
	int size_set, size_add;
	int swap_set, swap_add;
};

/*
 * "SIZE" (parse.h's parse_size()) or "+SIZE", which adds: *ret_add says
 * which. "+0" adds nothing and is -EINVAL like any bad size.
 */
int resize_parse_size(const char *s, uint64_t *ret, int *ret_add);

/* One volume to grow: the root file system's, or the swap's. */
struct resize_item {
	const char *what;	/* "root" or "swap" */
	size_t disk, fs;	/* its record's disk and file system */
	uint64_t vol_old, vol_new;	/* the volume (a partition, or the
					 * whole disk) */
	uint64_t disk_old, disk_new;	/* the disk holding it */
};

struct resize_plan {
	struct resize_item item[2];
	size_t n;
};

/*
 * What growing guest m as rq asks means, checked against its record:
 * each new volume size rounded up to 1 MiB, each disk to whole units of
 * unit (1 MiB, or the volume group's extent size); the swap on --swap.
 * -EINVAL (bad input, with err) for shrinking, a device the guest was
 * given, a volume that cannot grow (a partition with another after it, a
 * guest without swap), a size beyond 64 bits. A volume already as large
 * stays in the plan with its size: its file system is grown all the same
 * (the end of a run that grew the disk but not its file system).
 */
int resize_plan(const struct manifest *m, const struct resize_request *rq,
		uint64_t unit, struct resize_plan *ret, struct strbuf *err);

/*
 * Room for the plan: the volume group's free extents, or on the host
 * file system of each image file the growth of an --image=full one, and
 * for a sparse one what its file system writes in the new space (a
 * sixteenth, at least 64 MiB). -ENOSPC with both figures in err.
 */
int resize_check_space(const struct manifest *m, const struct resize_plan *p,
		       struct strbuf *err);

/*
 * Carry out plan p on guest m (read from mpath, written back there): grow
 * each disk, and on a --layout=disk guest its partition, and write the
 * record with the volumes' new sizes (as far as they got, also when a
 * later one failed); then grow each file system: e2fsck and resize2fs
 * offline for ext2/3/4, xfs_growfs or btrfs filesystem resize mounted,
 * mkswap again keeping its UUID for swap. Loop devices, exports and
 * mounts are journaled on disk and always undone. *ret_grown is set once
 * a volume has grown (which stays grown); the record then says so, and a
 * run whose file system growth failed is finished by a plan of the same
 * sizes. The caller holds the guest's lock and has made sure it is not
 * running. 0, or -errno with err (-ENOSPC with nothing changed when the
 * volume group cannot give a logical volume what it needs).
 */
int resize_run(struct manifest *m, const char *mpath,
	       const struct resize_plan *p, int *ret_grown,
	       struct strbuf *err);

#endif
