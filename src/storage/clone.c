/* clone.c: see clone.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "clone.h"
#include "fsutil.h"
#include "macros.h"
#include "banned.h"

/* From linux/magic.h, which not every libc's headers carry. */
#define XFS_MAGIC 0x58465342L
#define BTRFS_MAGIC 0x9123683EL
#define EXT_MAGIC 0xEF53L
#define TMPFS_MAGIC 0x01021994L

const char *clone_path_name(enum clone_path p)
{
	switch (p) {
	case CLONE_PATH_REFLINK:
		return "reflink";
	case CLONE_PATH_OVERLAY:
		return "qcow2 overlay";
	default:
		return "unpack";
	}
}

int clone_fs_reflinks(long f_type)
{
	return f_type == XFS_MAGIC || f_type == BTRFS_MAGIC;
}

const char *clone_fs_name(long f_type)
{
	switch (f_type) {
	case XFS_MAGIC:
		return "xfs";
	case BTRFS_MAGIC:
		return "btrfs";
	case EXT_MAGIC:
		return "ext4";
	case TMPFS_MAGIC:
		return "tmpfs";
	default:
		return "";
	}
}

/* The file systems a base image can be made of, grown and renamed. */
static int fs_clonable(const char *fs)
{
	return streq(fs, "ext4") || streq(fs, "ext3") || streq(fs, "ext2") ||
	       streq(fs, "xfs") || streq(fs, "btrfs");
}

/* Only a guest whose base all lands on its root: with /var or /usr of
 * their own, the base is split across file systems. */
static const char *other_fs(const struct guest *g)
{
	for (size_t i = 0; i < g->parts.nr; i++) {
		const struct partition *p = &g->parts.p[i];

		if (p->mountpoint && !streq(p->mountpoint, "/"))
			return p->mountpoint;
	}
	return NULL;
}

static const char *root_fs(const struct guest *g)
{
	for (size_t i = 0; i < g->parts.nr; i++)
		if (g->parts.p[i].mountpoint &&
		    streq(g->parts.p[i].mountpoint, "/"))
			return g->parts.p[i].type;
	return g->fs;
}

enum clone_path clone_choose(const struct guest *g, int cacheable,
			     long f_type, struct strbuf *why)
{
	const char *fs = root_fs(g), *other = other_fs(g), *host;

	if (g->clone == CLONE_NO) {
		strbuf_addstr(why, "--clone=no");
	} else if (g->method != INSTALL_DEBOOTSTRAP &&
		   g->method != INSTALL_TAR) {
		strbuf_addstr(why, "no base to clone: the install method "
			      "makes none");
	} else if (!cacheable) {
		strbuf_addstr(why, "the base is not cached");
	} else if (g->storage != STORAGE_DIR) {
		strbuf_addf(why, "%s: no image file to clone into",
			    g->storage == STORAGE_LVM ? "a logical volume" :
			    "a device");
	} else if (g->layout == LAYOUT_DISK) {
		strbuf_addstr(why, "a partitioned disk (--layout=disk)");
	} else if (other) {
		strbuf_addf(why, "'%s' is a file system of its own", other);
	} else if (!fs || !fs_clonable(fs)) {
		strbuf_addf(why, "no base image of a '%s' root", fs ? fs : "");
	} else if (g->qcow2) {
		strbuf_addstr(why, "--disk-format=qcow2: an overlay backed by "
			      "the base's qcow2 image");
		return CLONE_PATH_OVERLAY;
	} else if (g->image_full) {
		strbuf_addstr(why, "--image=full wants blocks of its own");
	} else if (clone_fs_reflinks(f_type)) {
		strbuf_addf(why, "--dir '%s' is on %s, which shares extents",
			    g->dir, clone_fs_name(f_type));
		return CLONE_PATH_REFLINK;
	} else {
		host = clone_fs_name(f_type);
		strbuf_addf(why, "--dir '%s' is on %s, which cannot share "
			    "extents", g->dir, *host ? host :
			    "a file system");
	}
	return CLONE_PATH_UNPACK;
}

long clone_host_fs_type(const char *path)
{
	char *p = xstrdup(path);
	struct statfs sfs;
	long r = 0;

	for (;;) {
		char *slash;

		if (statfs(*p ? p : "/", &sfs) == 0) {
			r = (long)sfs.f_type;
			break;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			break;
		slash = strrchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	free(p);
	return r;
}
