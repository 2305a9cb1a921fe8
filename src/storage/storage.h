/*
 * storage.h: the guest's disks and file systems, and the back ends that
 * make them.
 *
 * A disk is what xl.cfg names: an image file, a logical volume or an
 * existing block device. A volume is one file system the guest mounts (or
 * its swap). In xen-tools' layout every volume is a disk of its own
 * (xvda1 swap, xvda2 root, ...); with --layout=disk there is one disk,
 * xvda, with a partition table and one partition per volume.
 *
 * A back end turns the plan into files or devices behind a small ops
 * table; the core never asks which back end it has. During the build
 * every disk and volume is reached through a block device (a loop device,
 * the LV itself, the given device) so mkfs and mount see the same thing
 * wherever the bytes live.
 */
#ifndef STORAGE_H
#define STORAGE_H

#include <stdint.h>

#include "guest.h"
#include "journal.h"
#include "strbuf.h"

struct parttable_entry;

struct disk {
	char *name;		/* "disk", "swap", "home" */
	char vdev[16];		/* "xvda2", or "xvda" when partitioned */
	uint64_t size;		/* bytes; LVs round up to whole extents */
	const char *origin;	/* where its size was given, for messages */
	char *path;		/* what xl.cfg names */
	const char *format;	/* "raw" or "qcow2" */
	int owned;		/* made by create-image, deleted with it */
	char *lv;		/* "VG/LV" for a logical volume */
	int inactive;		/* an LV reached through its PV */
	/* while building */
	char *export;		/* the file a qcow2 image is written
				 * through (qcow2-fuse.h), or NULL */
	char *dev;		/* block device the build writes through */
};

struct volume {
	const char *name;	/* the partition's name */
	uint64_t size;
	const char *origin;	/* where size was given: "--size", "FILE:LINE" */
	const char *fs;		/* "ext4", ..., or "swap" */
	const char *mountpoint;	/* "/", "/home", ... or NULL for swap */
	const char *options;	/* fstab options */
	size_t disk;		/* index of the disk holding it */
	unsigned partno;	/* 0: the whole disk, else its partition */
	uint64_t offset;	/* first byte on the disk */
	char *dev;		/* block device while building */
	char uuid[40];		/* read back after mkfs */
};

struct storage {
	const struct storage_ops *ops;
	struct disk *disks;	/* disks[0] is the one pygrub reads */
	size_t ndisks;
	struct volume *vols;	/* in the guest's order: swap first */
	size_t nvols;
	/*
	 * Partition 1 of disks[0] is a BIOS boot partition, holding no
	 * volume: where GRUB's core image lives on a GPT disk an HVM
	 * guest's BIOS boots (on msdos the gap before partition 1 serves).
	 */
	int bios_boot;
};

/* The BIOS boot partition's size: GRUB's core image takes some 100 KiB. */
#define STORAGE_BIOS_BOOT_SIZE (1ULL << 20)

/* Entries other than plan, check and attach may be NULL: nothing to do. */
struct storage_ops {
	const char *name;	/* "dir", "lvm", "device" */
	/* Name each disk: its path, format and ownership. */
	void (*plan)(const struct guest *g, struct storage *st);
	/*
	 * Check that the disks can be made: -EEXIST (with the path in err)
	 * when one is taken, which --force may replace; -EFBIG when a disk
	 * is larger than the back end holds, with err starting with the
	 * disk's origin; any other error (no such VG, not enough room, a
	 * device in use) is final.
	 */
	int (*check)(const struct guest *g, struct storage *st,
		     struct strbuf *err);
	/* --force: move what is in the way aside, restored on failure. */
	int (*replace)(const struct guest *g, struct storage *st,
		       struct journal *j, struct strbuf *err);
	/* Make the disk, recorded in j. */
	int (*create)(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err);
	/* Set d->dev to a block device holding the disk's bytes. */
	int (*attach)(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err);
	/* After everything is unmounted: what a disk still needs; may be
	 * NULL. */
	int (*finish)(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err);
};

extern const struct storage_ops storage_dir_ops;
extern const struct storage_ops storage_lvm_ops;
extern const struct storage_ops storage_device_ops;

/* What the back ends journal for undoing by name (journal_load()). */
extern const struct journal_undo lvm_undo_create, lvm_undo_replace;
extern const struct journal_undo *const storage_undos[];

/* Lay out g's volumes on disks and name them. */
void storage_plan(const struct guest *g, struct storage *st);
/*
 * The partition table of a --layout=disk guest: the BIOS boot partition
 * first if st has one, then one entry per volume. *ret_n entries, to
 * free(); the caller fills in the names it wants.
 */
struct parttable_entry *storage_parttable(const struct storage *st,
					  size_t *ret_n);
void storage_release(struct storage *st);

/*
 * The volume holding /boot (or / without one): what pygrub must read.
 * Its disk is disks[0].
 */
const struct volume *storage_boot_volume(const struct storage *st);
/* The volume mounted at "/". */
const struct volume *storage_root_volume(const struct storage *st);

/* The file systems pygrub can read ("ext4", ...): 1 or 0. */
int storage_pygrub_reads(const char *fs);

#endif
