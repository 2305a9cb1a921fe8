/* guest-disks.c: see guest-disks.h. */
#include <blkid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockdev.h"
#include "filesystem.h"
#include "fsutil.h"
#include "guest-disks.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "qcow2-fuse.h"
#include "banned.h"

void guest_disks_init(struct guest_disks *gd, const struct manifest *m,
		      struct journal *j, int writable)
{
	gd->m = m;
	gd->j = j;
	gd->writable = writable;
	gd->views = xcalloc(m->ndisks ? m->ndisks : 1, sizeof(*gd->views));
	gd->mnt = NULL;
}

void guest_disks_release(struct guest_disks *gd)
{
	if (gd->views)
		for (size_t i = 0; i < gd->m->ndisks; i++)
			free(gd->views[i]);
	free(gd->views);
	gd->views = NULL;
	free(gd->mnt);
	gd->mnt = NULL;
}

const struct manifest_disk *guest_disk_of(const struct manifest *m,
					  const char *vdev)
{
	for (size_t i = 0; i < m->ndisks; i++)
		if (streq(m->disks[i].vdev, vdev))
			return &m->disks[i];
	return NULL;
}

void guest_disks_set_view(struct guest_disks *gd, size_t i, const char *path)
{
	free(gd->views[i]);
	gd->views[i] = xstrdup(path);
}

/* An inactive logical volume: a loop device over its extents on the
 * physical volume, as the build reached it. */
static int lv_view(struct guest_disks *gd, const struct manifest_disk *d,
		   char **ret, struct strbuf *err)
{
	char *vg = xstrdup(d->lv), *pv = NULL;
	const char *lv = strchr(vg, '/');
	uint64_t offset, length;
	int r;

	vg[lv - vg] = '\0';
	r = lvm_lv_location(vg, lv + 1, &pv, &offset, &length, err);
	if (r >= 0)
		r = loop_attach_range(pv, offset, length, gd->j, ret, err);
	free(pv);
	free(vg);
	return r;
}

/* DIR/.NAME.fuse beside the image, where the build exported it too. */
static int qcow2_view(struct guest_disks *gd, const struct manifest_disk *d,
		      char **ret, struct strbuf *err)
{
	char *dir = path_dirname(d->path);
	struct strbuf sb = STRBUF_INIT;
	int r;

	strbuf_addf(&sb, "%s/.%s.fuse", dir, path_basename(d->path));
	free(dir);
	r = qcow2_fuse_start(d->path, sb.buf, gd->j, err);
	if (r >= 0)
		*ret = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return r;
}

int guest_disks_view(struct guest_disks *gd, size_t i, const char **ret,
		     struct strbuf *err)
{
	const struct manifest_disk *d = &gd->m->disks[i];
	struct stat st;
	int r = 0;

	if (!gd->views[i]) {
		if (d->lv && stat(d->path, &st) < 0)
			r = lv_view(gd, d, &gd->views[i], err);
		else if (streq(d->format, "qcow2"))
			r = qcow2_view(gd, d, &gd->views[i], err);
		else
			gd->views[i] = xstrdup(d->path);
	}
	if (r >= 0)
		*ret = gd->views[i];
	return r;
}

int guest_disks_partition_range(const char *view, unsigned partno,
				uint64_t *ret_off, uint64_t *ret_size,
				struct strbuf *err)
{
	blkid_probe pr;
	blkid_partlist ls;
	blkid_partition p;
	int r = -ENOENT;

	if (!partno) {
		*ret_off = 0;
		*ret_size = 0;
		return 0;
	}
	pr = blkid_new_probe_from_filename(view);
	if (!pr)
		return strbuf_error(err, -EIO, "cannot read '%s'", view);
	blkid_probe_enable_partitions(pr, 1);
	ls = blkid_probe_get_partitions(pr);
	p = ls ? blkid_partlist_get_partition_by_partno(ls, (int)partno) :
		 NULL;
	if (p) {
		*ret_off = (uint64_t)blkid_partition_get_start(p) * 512;
		*ret_size = (uint64_t)blkid_partition_get_size(p) * 512;
		r = 0;
	} else {
		strbuf_addf(err, "'%s' has no partition %u", view, partno);
	}
	blkid_free_probe(pr);
	return r;
}

/* Read-only, and replaying no journal: the guest is left as it was. */
static const char *ro_options(const char *fs)
{
	if (streq(fs, "ext3") || streq(fs, "ext4"))
		return "ro,noload";
	if (streq(fs, "xfs"))
		return "ro,norecovery";
	return "ro";
}

static size_t depth(const char *mountpoint)
{
	size_t n = 0;

	for (const char *p = mountpoint; *p; p++)
		n += *p == '/';
	return streq(mountpoint, "/") ? 0 : n;
}

static int mount_one(struct guest_disks *gd, const struct manifest_fs *fs,
		     struct strbuf *err)
{
	const struct manifest_disk *d = guest_disk_of(gd->m, fs->disk);
	uint64_t off = 0, size = 0;
	const char *view;
	char *dev = NULL, *dir;
	int r;

	if (!d)
		return strbuf_error(err, -EINVAL, "its record names no disk "
				    "'%s'", fs->disk);
	r = guest_disks_view(gd, (size_t)(d - gd->m->disks), &view, err);
	if (r >= 0)
		r = guest_disks_partition_range(view, fs->partition, &off,
						&size, err);
	if (r >= 0)
		r = loop_attach_range(view, off, size, gd->j, &dev, err);
	if (r < 0)
		return r;
	dir = path_join(gd->mnt, fs->mountpoint);
	r = mkdir_p(dir, 0755);
	if (r == -EROFS || r == -EEXIST)
		r = 0;	/* there already, on a read-only fs */
	if (r < 0)
		strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-r));
	else
		r = fs_mount(dev, fs->type, dir,
			     gd->writable ? NULL : ro_options(fs->type), gd->j,
			     err);
	free(dir);
	free(dev);
	return r;
}

int guest_disks_mount(struct guest_disks *gd, const char *prefix, int all,
		      struct strbuf *err)
{
	const struct manifest *m = gd->m;
	size_t maxdepth = 0;
	int r;

	r = scratch_dir(prefix, gd->j, &gd->mnt, err);
	for (size_t i = 0; r >= 0 && i < m->nfss; i++)
		if (m->fss[i].mountpoint &&
		    depth(m->fss[i].mountpoint) > maxdepth)
			maxdepth = depth(m->fss[i].mountpoint);
	for (size_t dep = 0; r >= 0 && dep <= maxdepth; dep++)
		for (size_t i = 0; r >= 0 && i < m->nfss; i++) {
			const struct manifest_fs *fs = &m->fss[i];

			if (!fs->mountpoint || depth(fs->mountpoint) != dep ||
			    (!all && !streq(fs->mountpoint, "/")))
				continue;
			r = mount_one(gd, fs, err);
		}
	return r;
}
