/*
 * storage.h: the guest's volumes and the back ends that make them.
 *
 * A volume is one Xen disk holding one file system (xen-tools' layout:
 * xvda1 swap, xvda2 root). A back end turns the plan into files or devices
 * behind a small ops table; the core never asks which back end it has.
 */
#ifndef STORAGE_H
#define STORAGE_H

#include <stdint.h>

#include "guest.h"
#include "journal.h"
#include "strbuf.h"

struct volume {
	const char *name;	/* "disk", "swap" */
	uint64_t size;
	const char *fs;		/* "ext4", ..., or "swap" */
	const char *mountpoint;	/* "/" or NULL for swap */
	const char *options;	/* fstab options */
	char vdev[16];		/* "xvda2" */
	char *path;		/* the file or device holding it */
	char uuid[40];		/* read back after mkfs */
};

struct storage_ops {
	const char *name;
	/* Fill in each volume's path. */
	int (*plan)(const struct guest *g, struct volume *v, size_t n);
	/* Refuse to overwrite: -EEXIST with the path in err. */
	int (*check_free)(const struct guest *g, const struct volume *v,
			  size_t n, struct strbuf *err);
	/* Make what holds the volumes (recorded in j); it must be new. */
	int (*prepare)(const struct guest *g, struct journal *j);
	/* Make the volume, recording it in j. */
	int (*create)(const struct guest *g, struct volume *v,
		      struct journal *j);
	/* The xl.cfg disk spec's "target=" and "format=" for a volume. */
	const char *format;
};

extern const struct storage_ops storage_image_ops;

/* The volumes of g, root first; returns how many. */
size_t storage_layout(const struct guest *g, struct volume vols[2]);
void storage_release(struct volume *v, size_t n);

#endif
