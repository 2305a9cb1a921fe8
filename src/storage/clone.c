/* clone.c: see clone.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "clone.h"
#include "fsutil.h"
#include "journal.h"
#include "run-command.h"
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
	case CLONE_PATH_COPY:
		return "copy";
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
			     long f_type, int cache_beside,
			     struct strbuf *why)
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
	} else if (g->image_full) {
		strbuf_addstr(why, "--image=full wants blocks of its own");
	} else if (g->qcow2) {
		strbuf_addstr(why, "--disk-format=qcow2: the disk reads the "
			      "base's qcow2 image as its backing file");
		return CLONE_PATH_OVERLAY;
	} else if (clone_fs_reflinks(f_type) && !cache_beside) {
		strbuf_addf(why, "the cache '%s' is not on the file system of "
			    "--dir '%s', which a reflink needs", g->cachedir,
			    g->dir);
	} else if (clone_fs_reflinks(f_type)) {
		strbuf_addf(why, "--dir '%s' is on %s, which shares extents",
			    g->dir, clone_fs_name(f_type));
		return CLONE_PATH_REFLINK;
	} else if (f_type == EXT_MAGIC) {
		/* Measured on ext4 (man page, CLONES): copying the image's
		 * data beats unpacking 30,000 files into a new one. */
		strbuf_addf(why, "--dir '%s' is on ext4, which cannot share "
			    "extents: a sparse copy of the base image",
			    g->dir);
		return CLONE_PATH_COPY;
	} else {
		host = clone_fs_name(f_type);
		strbuf_addf(why, "--dir '%s' is on %s, which cannot share "
			    "extents", g->dir, *host ? host :
			    "a file system");
	}
	return CLONE_PATH_UNPACK;
}

/* statfs() or stat() of path or of its nearest existing parent. */
static int nearest(const char *path, struct statfs *ret_sfs,
		   struct stat *ret_st)
{
	char *p = xstrdup(path);
	int r = -ENOENT;

	for (;;) {
		char *slash;

		if (ret_sfs ? statfs(*p ? p : "/", ret_sfs) == 0 :
			      stat(*p ? p : "/", ret_st) == 0) {
			r = 0;
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

long clone_host_fs_type(const char *path)
{
	struct statfs sfs;

	return nearest(path, &sfs, NULL) == 0 ? (long)sfs.f_type : 0;
}

int clone_same_fs(const char *a, const char *b)
{
	struct stat sa, sb;

	return nearest(a, NULL, &sa) == 0 && nearest(b, NULL, &sb) == 0 &&
	       sa.st_dev == sb.st_dev;
}

/* Whether the image open at in fits a disk of size bytes (-EFBIG). */
static int clone_fits(int in, const char *src, uint64_t size,
		      struct strbuf *err)
{
	struct stat st;
	int r;

	if (fstat(in, &st) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot examine '%s': %s", src, strerror(-r));
		return r;
	}
	if ((uint64_t)st.st_size > size) {
		strbuf_addf(err, "the base image '%s' (%llu MiB) is larger "
			    "than the disk (%llu MiB)", src,
			    (unsigned long long)st.st_size >> 20,
			    (unsigned long long)size >> 20);
		return -EFBIG;
	}
	return 0;
}

int clone_open_pair(const char *src, const char *dst, uint64_t size,
		    struct journal *j, int *ret_in, int *ret_out,
		    struct strbuf *err)
{
	int in, out, r;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", src, strerror(-r));
		return r;
	}
	r = clone_fits(in, src, size, err);
	if (r < 0) {
		close(in);
		return r;
	}
	r = journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, dst);
	if (r < 0) {
		strbuf_addf(err, "cannot journal '%s': %s", dst, strerror(-r));
		close(in);
		return r;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		r = -errno;
		journal_cancel(j);
		strbuf_addf(err, "cannot create '%s': %s", dst, strerror(-r));
		close(in);
		return r;
	}
	*ret_in = in;
	*ret_out = out;
	return 0;
}

int clone_reflink(const char *src, const char *dst, uint64_t size,
		  struct journal *j, struct strbuf *err)
{
	int in, out, r;

	r = clone_open_pair(src, dst, size, j, &in, &out, err);
	if (r < 0)
		return r;
	if (ioctl(out, FICLONE, in) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot share the extents of '%s' with '%s': "
			    "%s", src, dst, strerror(-r));
	} else if (ftruncate(out, (off_t)size) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot size '%s': %s", dst, strerror(-r));
	}
	close(out);
	close(in);
	return r;
}

int clone_overlay(const char *base, const char *dst, uint64_t size,
		  struct journal *j, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	r = journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, dst);
	if (r < 0) {
		strbuf_addf(err, "cannot journal '%s': %s", dst, strerror(-r));
		return r;
	}
	clone_overlay_args(base, dst, size, &cp.args);
	r = run_command(&cp);
	if (r < 0) {
		child_describe_failure_output(&cp, r, err);
	} else if (chmod(dst, 0600) < 0) {
		/* The guest's alone, as every image file of ours. */
		r = -errno;
		strbuf_addf(err, "cannot chmod '%s': %s", dst, strerror(-r));
	}
	child_process_clear(&cp);
	return r;
}

void clone_overlay_args(const char *base, const char *dst, uint64_t size,
			struct strvec *args)
{
	strvec_pushl(args, "qemu-img", "create", "-q", "-f", "qcow2", "-b",
		     base, "-F", "qcow2", dst, NULL);
	strvec_pushf(args, "%llu", (unsigned long long)size);
}

static int run_tool(struct strbuf *err, const char *const *argv)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	for (size_t i = 0; argv[i]; i++)
		strvec_push(&cp.args, argv[i]);
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure_output(&cp, r, err);
	child_process_clear(&cp);
	return r;
}

int clone_renew(const char *dev, const char *fs, struct strbuf *err)
{
	int r;

	if (streq(fs, "ext2") || streq(fs, "ext3") || streq(fs, "ext4")) {
		/* -f: the base image was checked when it was made. */
		r = run_tool(err, (const char *[]){ "resize2fs", "-f", dev,
						    NULL });
		/* Instant with metadata_csum_seed, which the base image
		 * has (base-image.c). */
		if (r >= 0)
			r = run_tool(err, (const char *[]){ "tune2fs", "-U",
							    "random", dev,
							    NULL });
		return r;
	}
	if (streq(fs, "xfs"))
		return run_tool(err, (const char *[]){ "xfs_admin", "-U",
						       "generate", dev, NULL });
	if (streq(fs, "btrfs"))
		/* -m: a new fsid without rewriting every block. */
		return run_tool(err, (const char *[]){ "btrfstune", "-f",
						       "-m", dev, NULL });
	strbuf_addf(err, "cannot renew a clone of type '%s'", fs);
	return -EINVAL;
}

int clone_grow(const char *mnt, const char *fs, struct strbuf *err)
{
	if (streq(fs, "xfs"))
		return run_tool(err, (const char *[]){ "xfs_growfs", "-d",
						       mnt, NULL });
	if (streq(fs, "btrfs"))
		return run_tool(err, (const char *[]){ "btrfs", "filesystem",
						       "resize", "max", mnt,
						       NULL });
	return 0;
}
