/*
 * guest-disks.h: a built guest's disks and file systems reached again from
 * its record (manifest.h), for the commands that work on a guest after its
 * build (export, update-image): a raw view of each disk, the byte range of
 * a file system on it, and all of its file systems mounted at a scratch
 * directory. Every loop device, export and mount is in the caller's
 * journal, so journal_finish() undoes them all.
 */
#ifndef GUEST_DISKS_H
#define GUEST_DISKS_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "manifest.h"
#include "strbuf.h"

struct guest_disks {
	const struct manifest *m;
	struct journal *j;
	int writable;		/* mounted read-write, else read-only */
	char **views;		/* per disk: a raw file or device, or NULL */
	char *mnt;		/* where guest_disks_mount() mounted them */
};

/* Of guest m, through journal j (the caller's, finished by the caller). */
void guest_disks_init(struct guest_disks *gd, const struct manifest *m,
		      struct journal *j, int writable);
/* Frees the names; undoes nothing (the journal does). */
void guest_disks_release(struct guest_disks *gd);

/* The disk of m with Xen name vdev, or NULL. */
const struct manifest_disk *guest_disk_of(const struct manifest *m,
					  const char *vdev);

/*
 * A raw view of disk i in *ret (gd's, valid until release): its own path
 * (an image file, a device, an active logical volume), a loop device over
 * the extents of an inactive one on its physical volume (no
 * device-mapper here), or for qcow2 qemu-storage-daemon's FUSE export of
 * it (qcow2-fuse.h) onto DIR/.NAME.fuse beside the image, writable. Made
 * once; a caller may give its own first (guest_disks_set_view()).
 * 0, or -errno with err.
 */
int guest_disks_view(struct guest_disks *gd, size_t i, const char **ret,
		     struct strbuf *err);
/* Use path as the raw view of disk i (a raw copy the caller made). */
void guest_disks_set_view(struct guest_disks *gd, size_t i, const char *path);

/*
 * Where partition partno of the raw disk at view lies, in bytes; partno 0
 * is all of it (*ret_size 0: to the end). -ENOENT when there is no such
 * partition, with err.
 */
int guest_disks_partition_range(const char *view, unsigned partno,
				uint64_t *ret_off, uint64_t *ret_size,
				struct strbuf *err);

/*
 * Mount the guest's file systems (only "/" unless all) at a new scratch
 * directory named for prefix (filesystem.h's scratch_dir()), in gd->mnt,
 * "/" first and each below the one holding it: read-write, or read-only
 * replaying no file system journal. -EINVAL when the record names a disk
 * it does not list. 0, or -errno with err.
 */
int guest_disks_mount(struct guest_disks *gd, const char *prefix, int all,
		      struct strbuf *err);

#endif
