/*
 * manifest.h: what create-image built for a guest, written with libconfig
 * to STATEDIR/guests/HOSTNAME.conf when the build succeeds. list-images
 * reads every manifest; delete-image reads one to know exactly what the
 * guest owns. The format is documented for administrators in
 * list-images(8); settings a reader does not know are ignored, so later
 * versions only add settings. The file as written (libconfig lays out the
 * lists over several lines):
 *
 *	version = 1;
 *	hostname = "web1";
 *	dist = "bookworm";
 *	arch = "amd64";
 *	created = "2026-11-25T10:00:00Z";
 *	memory = 268435456L;   # bytes
 *	vcpus = 1;
 *	mac = "00:16:3e:12:34:56";
 *	dhcp = true;
 *	ips = [ "10.0.0.5/24" ];
 *	storage = "lvm";        # "dir", "lvm" or "device"
 *	layout = "volumes";     # "volumes" (one file system per Xen disk)
 *	                        # or "disk" (one partitioned disk)
 *	dir = "/srv/xen/domains/web1";  # "" when nothing was made there
 *	vg = "vg0";             # "" unless storage = "lvm"
 *	config = "/etc/xen/web1.cfg";
 *	disks = ( { vdev = "xvda2"; path = "/dev/vg0/web1-disk";
 *	            format = "raw"; size = 4294967296L;
 *	            lv = "vg0/web1-disk";   # "" when not an LV
 *	            owned = true; } );      # false for --image-dev devices
 *	filesystems = ( { mountpoint = "/";  # "" for swap
 *	                  type = "ext4"; size = 4294967296L;
 *	                  uuid = "..."; disk = "xvda2"; partition = 0; } );
 *	pool = "lab";           # "" unless its address came from a pool
 *	archive = "bookworm@2026-07-11T10:16:37Z@<sha256> ...";
 *	                        # the archive state its packages come from
 *	                        # (archive-state.h), "" when not known
 *	base = "bookworm-amd64-0123456789ab";
 *	                        # the cached base it was made from, ""
 *	                        # when none (not cached, or no install)
 *	backing = "/var/cache/create-image/bases/....qcow2";
 *	                        # the base image its qcow2 overlay reads,
 *	                        # "" when its disks stand alone
 *	settings = { dist = "bookworm"; size = "4294967296"; ... };
 *
 * Sizes are 64-bit integers (the L suffix); a reader also takes a plain
 * integer. Every setting above is required but pool, archive, base, backing and
 * settings,
 * which records written before they existed lack; version must be 1. settings
 * holds what the guest was built from (settings.h), every value a string.
 */
#ifndef MANIFEST_H
#define MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "strvec.h"

struct manifest_disk {
	char *vdev, *path, *format;
	uint64_t size;
	char *lv;		/* "VG/LV" or NULL */
	int owned;		/* made by create-image, removed with it */
};

struct manifest_fs {
	char *mountpoint;	/* NULL for swap */
	char *type;		/* "ext4", ..., "swap" */
	uint64_t size;
	char *uuid;
	char *disk;		/* the vdev of the disk holding it */
	unsigned partition;	/* 0: the whole disk, else its number */
};

struct manifest {
	char *hostname, *dist, *arch, *created;
	uint64_t memory;
	unsigned vcpus;
	char *mac;
	int dhcp;
	struct strvec ips;
	char *storage, *layout;
	char *dir, *vg, *config;
	struct manifest_disk *disks;
	size_t ndisks;
	struct manifest_fs *fss;
	size_t nfss;
	char *pool;		/* NULL: none */
	char *archive;		/* NULL: not known */
	char *base;		/* the cached base's name; NULL: none */
	char *backing;		/* the base image an overlay reads; NULL */
	/* "key=value" (settings.h); empty in a record from before them */
	struct strvec settings;
};

void manifest_init(struct manifest *m);
void manifest_release(struct manifest *m);
/* Append zeroed entries; the manifest owns every string (strdup'd). */
struct manifest_disk *manifest_add_disk(struct manifest *m);
struct manifest_fs *manifest_add_fs(struct manifest *m);
/* The value of setting key in m->settings, or NULL when it has none. */
const char *manifest_setting(const struct manifest *m, const char *key);

/* STATEDIR/guests/HOSTNAME.conf; caller frees. */
char *manifest_path(const char *hostname);
/*
 * Write atomically (a hidden temporary file beside it, fsync, rename,
 * fsync of the directory), mode 0644, creating the directory (0755) if
 * it is missing.
 */
int manifest_write(const char *path, const struct manifest *m,
		   struct strbuf *err);
/*
 * Read and check one manifest: the settings' types, version 1, a valid
 * hostname, "VG/LV" for lv. -ENOENT when there is none; -EINVAL with
 * "PATH:LINE: ..." in err (just "PATH: ..." for a missing setting at the
 * top). m is overwritten (not released) on success, untouched on failure.
 */
int manifest_read(const char *path, struct manifest *m, struct strbuf *err);
/*
 * Every manifest in STATEDIR/guests (files named *.conf; no directory is
 * no guests), sorted by hostname, in *ret (freed with
 * manifest_free_all()). A manifest that cannot be read, or whose hostname
 * is not its file name, is left out and counted: the return value is how
 * many were, each reason one line of err, so a caller can list the
 * others. -errno (with err) when the directory cannot be read.
 */
int manifest_read_all(struct manifest **ret, size_t *ret_n,
		      struct strbuf *err);
void manifest_free_all(struct manifest *m, size_t n);

/*
 * The record's "disks" and "filesystems" as members of the JSON object
 * w is writing, in list-images(8)'s documented form; "" is null.
 */
struct json_writer;
void manifest_json_disks(struct json_writer *w, const struct manifest *m);
void manifest_json_filesystems(struct json_writer *w,
			       const struct manifest *m);

#endif
