/*
 * base-image.h: a ready file-system image of a cached base, which new
 * guests clone (clone.h) instead of unpacking the base archive.
 *
 * Made on first need beside the archive, one per root file system type,
 * mkfs options, format and archive content:
 * CACHEDIR/bases/NAME.FS-ID-SUM.img (raw) or .qcow2, where ID is the first
 * 12 hex digits of the SHA-256 of the key text
 * ("fs=ext4\nmkfs=mkfs.ext4 -q -F -O metadata_csum_seed\nformat=raw\n")
 * and SUM the first 12 of the base archive's SHA-256. A renewed base keeps
 * its NAME but not its SUM, so its images get new files and the old ones
 * stay for the guests that read them. Beside each, IMAGE.sha256 holds the
 * checksum of its content (base_image_sum_fd()), written last: an image
 * without one, or a part file, was never finished. An image whose content
 * does not match it is never cloned.
 *
 * Lifetimes. A qcow2 overlay guest reads its base image for as long as it
 * exists; its record (manifest.h) names the image as "backing". An image
 * some record names is never removed, remade or written: removing a base
 * (base_cache_remove(), cache prune) keeps it, as an orphan kept for its
 * guests once its base is gone. Prune removes an image (and its checksum)
 * that no record names when its base is gone, renewed, stale or damaged.
 *
 * The order that makes this safe: whoever removes images holds the base
 * NAME's lock exclusively (base_cache_lock()) and reads the records under
 * it (base_image_users_read()). A build that makes an overlay of an image
 * therefore takes NAME's lock shared before it creates the overlay and
 * keeps holding it until its record, with "backing" set, is written (or,
 * on failure, the overlay is gone again): holding it from the overlay's
 * creation to manifest_write() is what keeps a prune from seeing no
 * dependant and removing the image in between. build.c keeps it in
 * struct build's base_lock from clone_root_disk() to build_finish(). A build never remakes an
 * image in place that a record names (base_image_users_of()): a damaged
 * one it leaves for its guests and clones nothing from.
 *
 * Summing an image reads all of its data (about 0.4 s per 100 MiB here),
 * so a full sum that matches leaves IMAGE.verified beside it
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
#include "manifest.h"
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

/* DIR/NAME.FS-ID-SUM.img or .qcow2 for e's base; caller frees. */
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

/*
 * What an image file's name says: the base's NAME and SUM (the first 12
 * hex digits of its archive's SHA-256; "" for an image named before
 * images carried it). 1 when file (a name without directory) is an
 * image, 0 when it is anything else (an archive, a checksum, a part file).
 */
int base_image_parse_name(const char *file, char **ret_base,
			  char ret_sum[13]);

/* The guests' records, read to know who reads which image. */
struct base_image_users {
	struct manifest *m;
	size_t n;
	/* Some record could not be read: any image may have a dependant,
	 * so none is removed. The reasons are in err of the read. */
	int unknown;
};

#define BASE_IMAGE_USERS_INIT { NULL, 0, 0 }

/*
 * Read every record (manifest_read_all()). 0, or -errno with err when
 * STATEDIR/guests cannot be read (u->unknown is set then too); records
 * that cannot be read set u->unknown with their reasons in err.
 */
int base_image_users_read(struct base_image_users *u, struct strbuf *err);
void base_image_users_release(struct base_image_users *u);

/*
 * The hostnames of the guests whose "backing" is the image at path (the
 * same string, or the same file), appended to ret; how many.
 */
size_t base_image_users_of(const struct base_image_users *u,
			   const char *path, struct strvec *ret);

/* Whether a guest's record names the image at path, or not every record
 * can be read (so one might). */
int base_image_in_use(const char *path);

/* One image file in the cache directory. */
struct base_image {
	char *path;
	char *base;		/* the NAME of the base it was made from */
	char sum[13];		/* its archive's SUM; "" for an old name */
	struct strvec dependants;	/* hostnames of guests reading it */
};

/*
 * Every image in dir whose base is named name (every image when name is
 * NULL), sorted by path, with its dependants from u. Missing dir: none.
 * 0 or -errno.
 */
int base_image_list(const char *dir, const char *name,
		    const struct base_image_users *u,
		    struct base_image **ret, size_t *ret_nr);
void base_image_list_free(struct base_image *v, size_t nr);

/* Whether img was made from e's archive as it is now (e NULL: gone). */
int base_image_of_current(const struct base_image *img,
			  const struct base_entry *e);

/* What prune does with one image, and why. */
enum base_image_fate {
	BASE_IMAGE_KEEP,		/* its base stays and it is good */
	BASE_IMAGE_KEEP_FOR_GUESTS,	/* some guest reads it */
	BASE_IMAGE_REMOVE,		/* nobody needs it */
};

/*
 * The fate of an image: used (it has dependants, or the records could
 * not all be read), current (base_image_of_current()), base_goes (its
 * base is being removed: stale, damaged, --all) and damaged (its
 * checksum does not match). A used image is always kept; an unused one
 * goes with its base, when its base is gone or renewed, or when damaged.
 * why gets the reason ("its base is gone"), unless NULL.
 */
enum base_image_fate base_image_fate(int used, int current, int base_goes,
				     int damaged, const char **why);

/* Remove one image: its verified stamp and its checksum first (without
 * one it is never used), then the image. 0 or -errno. */
int base_image_remove(const char *path);

/*
 * Remove every image of the base named name in dir and their checksums
 * (with the base), except those a guest's record names, which stay as
 * orphans kept for their guests; when the records cannot all be read,
 * every image stays. The caller holds name's lock exclusively. 0 or the
 * first -errno.
 */
int base_image_remove_all(const char *dir, const char *name);

#endif
