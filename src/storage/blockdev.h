/*
 * blockdev.h: block devices the guest will own: what libblkid finds on
 * them, wiping what an earlier tenant left, and loop devices over a byte
 * range of a file or device (an inactive LV on its PV, a partition inside
 * a disk image).
 */
#ifndef BLOCKDEV_H
#define BLOCKDEV_H

#include <stdint.h>

#include "journal.h"
#include "strbuf.h"

/* Size in bytes of a block device or a regular file. */
int blockdev_size(const char *path, uint64_t *ret);
/*
 * 1 when libblkid finds a file system, RAID or LVM member, or a partition
 * table on path, with what in what ("an ext4 file system", "a gpt
 * partition table"); 0 when it finds nothing; negative errno on error,
 * with the reason in err.
 */
int blockdev_probe(const char *path, struct strbuf *what,
		   struct strbuf *err);
/*
 * Make path show nothing of what it held: erase every signature libblkid
 * finds (file systems, partition tables and their backups), then zero
 * the first and last MiB. With full, zero all of it (BLKZEROOUT on a
 * device, else writes). A signal ends a full wipe early with -EINTR.
 */
int blockdev_wipe(const char *path, int full, struct strbuf *err);
/*
 * A loop device over [offset, offset+size) of path (size 0: to the end),
 * attached in process with LO_FLAGS_AUTOCLEAR and journaled as held with
 * the one descriptor that keeps it: the kernel detaches it when the
 * journal closes that descriptor, or a run killed outright loses it, and
 * no mount holds it any more. *ret_dev is freed by the caller.
 */
int loop_attach_range(const char *path, uint64_t offset, uint64_t size,
		      struct journal *j, char **ret_dev, struct strbuf *err);

#endif
