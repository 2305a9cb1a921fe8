/*
 * base-image.h: a ready file-system image of a cached base, which new
 * guests clone (clone.h) instead of unpacking the base archive.
 *
 * Made on first need beside the archive, one per root file system type,
 * mkfs options and format: CACHEDIR/bases/NAME.FS-ID.img (raw) or .qcow2,
 * where ID is the first 12 hex digits of the SHA-256 of the key text
 * ("fs=ext4\nmkfs=mkfs.ext4 -q -F -O metadata_csum_seed\nformat=raw\n").
 * Beside it, NAME.FS-ID.img.sha256 holds the checksum of its content
 * (base_image_sum_fd()), written last: an image without one, or a part
 * file, was never finished. An image whose content does not match it is
 * never cloned.
 *
 * Summing an image reads all of its data (about 0.4 s per 100 MiB here),
 * so a full sum that matches leaves NAME.FS-ID.img.verified beside it
 * (sum-stamp.h): while the image's inode, size, mtime and ctime are as
 * that stamp recorded, nothing has written to it through the file
 * system, and for a day the checksum is taken as read. Every write,
 * truncate or replacement of the image, a changed checksum file, or a
 * stamp older than a day, and it is summed in full again.
 */
#ifndef BASE_IMAGE_H
#define BASE_IMAGE_H

#include "base-cache.h"
#include "journal.h"
#include "sha256.h"
#include "strbuf.h"

#define BASE_IMAGE_SUM_SUFFIX ".sha256"
#define BASE_IMAGE_STAMP_SUFFIX ".verified"
/* How long a stamp vouches for an untouched image: damage that bypasses
 * the file system (the medium, the device beneath it) is found within a
 * day. */
#define BASE_IMAGE_TRUST_SECONDS (24 * 60 * 60)

/* The key text of an image of a root of type fs in format ("raw" or
 * "qcow2"); caller frees. */
char *base_image_key(const char *fs, const char *format);

/* DIR/NAME.FS-ID.img or .qcow2 for e's base; caller frees. */
char *base_image_path(const struct base_entry *e, const char *fs,
		      const char *format);

/*
 * The SHA-256 of what fd holds: every 64 KiB block that is not all
 * zeros, with its offset, and the file's size. Holes (SEEK_DATA) are not
 * read, so a sparse image is summed at the speed of its data; how the
 * zeros are stored (hole, unwritten or written extent) does not change
 * it. 0 or -errno.
 */
int base_image_sum_fd(int fd, char hex[SHA256_HEX_SIZE]);

/*
 * 0 when the image at path is finished and its content has the checksum
 * beside it (summed, or vouched for by its stamp: see above); -ENOENT when
 * it or its checksum is missing; -EBADMSG with both sums in err when they
 * differ; another -errno with err.
 */
int base_image_verify(const char *path, struct strbuf *err);

/*
 * The size an image of e must have: what its tree took on disk (or, for
 * a base from before that does not say, six times its archive) and room
 * for the file system's own metadata; at least 512 MiB (mkfs.xfs wants
 * 300). The image is sparse: the room costs nothing. 0 for an empty
 * base.
 */
unsigned long long base_image_size(const struct base_entry *e);

/*
 * Make the image of e at path (base_image_path()): a sparse part file,
 * mkfs, e's archive unpacked into it through a loop device mounted at a
 * scratch point (its checksum checked as it is read), unmounted, then
 * for qcow2 converted; summed, renamed, and its checksum written. The
 * part file, the loop device, the mount and the scratch directory are in
 * j before they exist, so a run killed meanwhile leaves nothing the next
 * one does not undo. The caller holds e's lock. 0 or -errno with err.
 */
int base_image_make(const struct base_entry *e, const char *fs,
		    const char *format, const char *path, struct journal *j,
		    struct strbuf *err);

/* Remove every image of the base named name in dir and their checksums
 * (with the base). 0 or the first -errno. */
int base_image_remove_all(const char *dir, const char *name);

#endif
