/* resize.c: see resize.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockdev.h"
#include "clone.h"
#include "filesystem.h"
#include "fsspace.h"
#include "fsutil.h"
#include "guest-disks.h"
#include "journal.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "parse.h"
#include "parttable.h"
#include "qcow2-info.h"
#include "recover.h"
#include "resize.h"
#include "run-command.h"
#include "banned.h"

#define MIB (1ULL << 20)
/* What a sparse image's file system writes in the space it grows into
 * (inode tables, bitmaps, group descriptors): a share of it, at least. */
#define SPARSE_SHARE 16
#define SPARSE_MIN (64ULL << 20)

int resize_parse_size(const char *s, uint64_t *ret, int *ret_add)
{
	int add = *s == '+';
	uint64_t v;

	if (parse_size(s + add, &v) < 0 || (add && !v))
		return -EINVAL;
	*ret = v;
	*ret_add = add;
	return 0;
}

static int is_ext(const char *fs)
{
	return streq(fs, "ext2") || streq(fs, "ext3") || streq(fs, "ext4");
}

static int fs_can_grow(const char *fs)
{
	return is_ext(fs) || streq(fs, "xfs") || streq(fs, "btrfs") ||
	       streq(fs, "swap");
}

/* The record's file system mounted at "/", or its first swap. */
static const struct manifest_fs *find_fs(const struct manifest *m, int swap)
{
	for (size_t i = 0; i < m->nfss; i++) {
		const struct manifest_fs *f = &m->fss[i];

		if (swap ? streq(f->type, "swap") :
			   f->mountpoint && streq(f->mountpoint, "/"))
			return f;
	}
	return NULL;
}

static int plan_item(const struct manifest *m, const struct manifest_fs *fs,
		     const char *flag, uint64_t want, int add, uint64_t unit,
		     struct resize_item *it, struct strbuf *err)
{
	const struct manifest_disk *d = guest_disk_of(m, fs->disk);
	uint64_t vol, disk;
	char have_s[32], want_s[32];

	if (!d)
		return strbuf_error(err, -EINVAL, "its record names no disk "
				    "'%s'", fs->disk);
	if (!d->owned || streq(m->storage, "device"))
		return strbuf_error(err, -EINVAL, "%s: its %s is on '%s', a "
				    "device it was given: resize-image grows "
				    "image files and logical volumes",
				    flag, it->what, d->path);
	if (!fs_can_grow(fs->type))
		return strbuf_error(err, -EINVAL, "%s: its %s is %s, which "
				    "resize-image cannot grow", flag, it->what,
				    fs->type);
	it->disk = (size_t)(d - m->disks);
	it->fs = (size_t)(fs - m->fss);
	it->disk_old = d->size;
	/* A partition is as long as its size rounded up to 1 MiB. */
	if (fs->partition && size_round_up(fs->size, MIB, &it->vol_old) < 0)
		return strbuf_error(err, -EINVAL, "its record gives '%s' a "
				    "size beyond 64 bits", fs->disk);
	if (!fs->partition)
		it->vol_old = d->size;
	vol = want;
	if ((add && size_add(it->vol_old, want, &vol) < 0) ||
	    size_round_up(vol, MIB, &vol) < 0)
		return strbuf_error(err, -EINVAL, "%s: more than 64 bits "
				    "count", flag);
	if (vol < it->vol_old) {
		format_size(it->vol_old, have_s, sizeof(have_s));
		format_size(vol, want_s, sizeof(want_s));
		return strbuf_error(err, -EINVAL, "%s: its %s is %s already, "
				    "more than %s: resize-image never shrinks",
				    flag, it->what, have_s, want_s);
	}
	if (fs->partition) {
		for (size_t i = 0; i < m->nfss; i++)
			if (streq(m->fss[i].disk, fs->disk) &&
			    m->fss[i].partition > fs->partition)
				return strbuf_error(
					err, -EINVAL, "%s: its %s is "
					"partition %u of '%s', and partition "
					"%u follows it: only the last "
					"partition can grow", flag, it->what,
					fs->partition, fs->disk,
					m->fss[i].partition);
		if (size_add(d->size, vol - it->vol_old, &disk) < 0)
			return strbuf_error(err, -EINVAL, "%s: more than 64 "
					    "bits count", flag);
	} else {
		disk = vol;
	}
	if (size_round_up(disk, unit, &disk) < 0)
		return strbuf_error(err, -EINVAL, "%s: more than 64 bits "
				    "count", flag);
	if (disk < d->size)
		disk = d->size;
	it->disk_new = disk;
	it->vol_new = fs->partition ? vol : disk;
	return 0;
}

int resize_plan(const struct manifest *m, const struct resize_request *rq,
		uint64_t unit, struct resize_plan *ret, struct strbuf *err)
{
	struct resize_plan p;
	int r;

	memset(&p, 0, sizeof(p));
	if (!rq->size_set && !rq->swap_set)
		return strbuf_error(err, -EINVAL, "how large? give --size "
				    "or --swap (see --help)");
	if (rq->size_set) {
		const struct manifest_fs *fs = find_fs(m, 0);

		if (!fs)
			return strbuf_error(err, -EINVAL, "its record names "
					    "no root file system");
		p.item[p.n].what = "root";
		r = plan_item(m, fs, "--size", rq->size, rq->size_add, unit,
			      &p.item[p.n], err);
		if (r < 0)
			return r;
		p.n++;
	}
	if (rq->swap_set) {
		const struct manifest_fs *fs = find_fs(m, 1);

		if (!fs)
			return strbuf_error(err, -EINVAL, "--swap: guest '%s' "
					    "has no swap to grow",
					    m->hostname);
		p.item[p.n].what = "swap";
		r = plan_item(m, fs, "--swap", rq->swap, rq->swap_add, unit,
			      &p.item[p.n], err);
		if (r < 0)
			return r;
		if (p.n && p.item[0].disk == p.item[1].disk)
			return strbuf_error(err, -EINVAL, "--size and --swap: "
					    "root and swap share disk '%s', "
					    "and only its last partition can "
					    "grow", m->disks[p.item[0].disk]
					    .vdev);
		p.n++;
	}
	*ret = p;
	return 0;
}

/* Whether the guest was built with --image=full (its files allocated). */
static int image_full(const struct manifest *m)
{
	const char *image = manifest_setting(m, "image");

	return image && streq(image, "full");
}

static int grow_lv(const char *vg_lv, uint64_t size, int dry_run,
		   struct strbuf *err)
{
	char *vg = xstrdup(vg_lv), *lv = strchr(vg, '/');
	struct lvm_vg_info info;
	int r;

	*lv++ = '\0';
	r = lvm_vg_info(vg, &info, err);
	if (r >= 0)
		r = lvm_lv_extend(vg, lv, (size + info.extent_size - 1) /
				  info.extent_size, dry_run, NULL, err);
	free(vg);
	return r;
}

static int check_vg_space(const struct manifest *m,
			  const struct resize_plan *p, struct strbuf *err)
{
	struct lvm_vg_info info;
	uint64_t need = 0;
	char free_s[32], need_s[32];
	int r;

	r = lvm_vg_info(m->vg, &info, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n; i++)
		need += (p->item[i].disk_new - p->item[i].disk_old +
			 info.extent_size - 1) / info.extent_size;
	/* Whether LVM finds the extents, where it must, without taking
	 * them. */
	for (size_t i = 0; need <= info.free_extents && i < p->n; i++) {
		const struct manifest_disk *d = &m->disks[p->item[i].disk];

		if (p->item[i].disk_new <= p->item[i].disk_old || !d->lv)
			continue;
		r = grow_lv(d->lv, p->item[i].disk_new, 1, err);
		if (r < 0)
			return r;
	}
	if (need <= info.free_extents)
		return 0;
	format_size(lvm_extents_bytes(info.free_extents, info.extent_size),
		    free_s, sizeof(free_s));
	format_size(lvm_extents_bytes(need, info.extent_size), need_s,
		    sizeof(need_s));
	return strbuf_error(err, -ENOSPC, "volume group '%s' has %s free, "
			    "%s needed", m->vg, free_s, need_s);
}

int resize_check_space(const struct manifest *m, const struct resize_plan *p,
		       struct strbuf *err)
{
	struct fsspace_plan plan = FSSPACE_PLAN_INIT;
	int full = image_full(m), r = 0;

	if (streq(m->storage, "lvm"))
		return check_vg_space(m, p, err);
	for (size_t i = 0; r >= 0 && i < p->n; i++) {
		const struct manifest_disk *d = &m->disks[p->item[i].disk];
		uint64_t grow = p->item[i].disk_new - p->item[i].disk_old;
		uint64_t need = grow;
		struct strbuf what = STRBUF_INIT;

		if (!full && grow / SPARSE_SHARE < need)
			need = grow / SPARSE_SHARE > SPARSE_MIN ?
			       grow / SPARSE_SHARE : SPARSE_MIN;
		if (need > grow)
			need = grow;
		strbuf_addf(&what, "growing '%s'", d->path);
		if (need)
			r = fsspace_plan_add(&plan, d->path, what.buf, need);
		if (r < 0)
			strbuf_addf(err, "cannot tell the free space for %s: "
				    "%s", what.buf, strerror(-r));
		strbuf_release(&what);
	}
	if (r >= 0)
		r = fsspace_plan_check(&plan, err);
	fsspace_plan_release(&plan);
	return r;
}

static int run_tool(struct child_process *cp, struct strbuf *err)
{
	int r = run_command(cp);

	if (r < 0)
		child_describe_failure_output(cp, r, err);
	child_process_clear(cp);
	return r;
}

static int grow_file(const char *path, uint64_t size, int full,
		     struct strbuf *err)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size >= size)
		goto out;
	if (full)
		r = -posix_fallocate(fd, st.st_size,
				     (off_t)size - st.st_size);
	else if (ftruncate(fd, (off_t)size) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		strbuf_addf(err, "cannot grow '%s': %s", path, strerror(-r));
	return r;
}

/* The virtual size qemu-img info gives the qcow2 image at path. */
static int qcow2_size(const char *path, uint64_t *ret, struct strbuf *err)
{
	struct strbuf json = STRBUF_INIT;
	const char *p;
	char *end;
	int r;

	r = qcow2_info(path, &json, err);
	if (r >= 0) {
		/* The top image's object comes first. */
		p = strstr(json.buf, "\"virtual-size\": ");
		errno = 0;
		*ret = p ? strtoull(p + 16, &end, 10) : 0;
		if (!p || errno || end == p + 16)
			r = strbuf_error(err, -EIO, "qemu-img info gives no "
					 "virtual size for '%s'", path);
	}
	strbuf_release(&json);
	return r;
}

static int grow_qcow2(const char *path, uint64_t size, int full,
		      struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	uint64_t have;
	int r;

	/* qemu-img refuses to preallocate for the size an image has. */
	r = qcow2_size(path, &have, err);
	if (r < 0 || have >= size)
		return r;
	strvec_pushl(&cp.args, "qemu-img", "resize", "-q", NULL);
	/* As the build made it (storage-dir.c). */
	if (full)
		strvec_push(&cp.args, "--preallocation=falloc");
	strvec_pushl(&cp.args, "-f", "qcow2", path, NULL);
	strvec_pushf(&cp.args, "%llu", (unsigned long long)size);
	return run_tool(&cp, err);
}

static int grow_disk(const struct manifest *m, const struct resize_item *it,
		     struct strbuf *err)
{
	const struct manifest_disk *d = &m->disks[it->disk];
	int full = image_full(m);
	char size[32];

	format_size(it->disk_new, size, sizeof(size));
	if (it->disk_new == it->disk_old)
		info("'%s' is %s already", d->lv ? d->lv : d->path, size);
	else
		info("growing '%s' to %s", d->lv ? d->lv : d->path, size);
	if (d->lv)
		return grow_lv(d->lv, it->disk_new, 0, err);
	if (streq(d->format, "qcow2"))
		return grow_qcow2(d->path, it->disk_new, full, err);
	return grow_file(d->path, it->disk_new, full, err);
}

/* e2fsck first, as resize2fs wants: status 1 is errors it corrected. */
static int grow_ext(const char *dev, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushl(&cp.args, "e2fsck", "-f", "-p", dev, NULL);
	r = run_command(&cp);
	if (r == -EPROTO && !cp.term_signal && cp.exit_status == 1)
		r = 0;
	if (r < 0) {
		child_describe_failure_output(&cp, r, err);
		strbuf_addf(err, " (check it with e2fsck -f)");
	}
	child_process_clear(&cp);
	if (r < 0)
		return r;
	strvec_pushl(&cp.args, "resize2fs", dev, NULL);
	return run_tool(&cp, err);
}

/* mkswap again, with the UUID its fstab names it by. */
static int grow_swap(const char *dev, const char *uuid, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char found[37];

	if (fs_read_uuid(dev, found, sizeof(found)) >= 0)
		uuid = found;
	strvec_push(&cp.args, "mkswap");
	if (uuid && *uuid)
		strvec_pushl(&cp.args, "-U", uuid, NULL);
	strvec_push(&cp.args, dev);
	return run_tool(&cp, err);
}

/* Grow the partition of item it, on a --layout=disk guest. */
static int grow_partition(struct guest_disks *gd,
			  const struct resize_item *it, struct strbuf *err)
{
	const struct manifest_fs *fs = &gd->m->fss[it->fs];
	uint64_t off;
	const char *view;
	int r;

	info("growing partition %u of '%s'", fs->partition,
	     gd->m->disks[it->disk].path);
	r = guest_disks_view(gd, it->disk, &view, err);
	if (r >= 0)
		r = parttable_grow(view, fs->partition, it->vol_new, &off,
				   err);
	return r;
}

static int grow_fs(struct guest_disks *gd, struct journal *j,
		   const struct resize_item *it, struct strbuf *err)
{
	const struct manifest_fs *fs = &gd->m->fss[it->fs];
	uint64_t off = 0, len = 0;
	const char *view;
	char *dev = NULL, *mnt = NULL;
	int r;

	r = guest_disks_view(gd, it->disk, &view, err);
	if (r >= 0)
		r = guest_disks_partition_range(view, fs->partition, &off,
						&len, err);
	if (r >= 0)
		r = loop_attach_range(view, off, len, j, &dev, err);
	if (r < 0)
		goto out;
	if (streq(fs->type, "swap"))
		info("making the swap area anew on all of it");
	else
		info("growing the %s file system (%s)", it->what, fs->type);
	if (is_ext(fs->type)) {
		r = grow_ext(dev, err);
	} else if (streq(fs->type, "swap")) {
		r = grow_swap(dev, fs->uuid, err);
	} else {
		/* xfs and btrfs grow mounted, and only so. */
		r = scratch_dir("create-image-resize", j, &mnt, err);
		if (r >= 0)
			r = fs_mount(dev, fs->type, mnt, NULL, j, err);
		if (r >= 0)
			r = clone_grow(mnt, fs->type, err);
	}
out:
	free(mnt);
	free(dev);
	return r;
}

/*
 * Grow the volumes (disk, then partition) and record their sizes, as far
 * as they got; then grow the file systems and release what reached them.
 * A volume recorded at its new size with its file system still at the
 * old one is what a failed run leaves; the next run finds the volume as
 * large as asked and grows the file system alone.
 */
static int resize_guest(struct manifest *m, const char *mpath,
			const struct resize_plan *p, struct journal *j,
			int *ret_grown, struct strbuf *err)
{
	struct guest_disks gd;
	int r = 0, r2;

	guest_disks_init(&gd, m, j, 1);
	for (size_t i = 0; r >= 0 && i < p->n; i++) {
		const struct resize_item *it = &p->item[i];
		struct manifest_fs *fs = &m->fss[it->fs];

		r = grow_disk(m, it, err);
		if (r < 0)
			break;
		if (it->disk_new > it->disk_old) {
			m->disks[it->disk].size = it->disk_new;
			*ret_grown = 1;
		}
		if (fs->partition)
			r = grow_partition(&gd, it, err);
		if (r >= 0 && it->vol_new > it->vol_old) {
			fs->size = it->vol_new;
			*ret_grown = 1;
		}
	}
	if (*ret_grown) {
		struct strbuf why = STRBUF_INIT;

		/* After a failure, that failure is the news. */
		r2 = manifest_write(mpath, m, &why);
		if (r >= 0 && r2 < 0)
			r = strbuf_error(err, r2, "%s", why.buf);
		strbuf_release(&why);
	}
	for (size_t i = 0; r >= 0 && i < p->n; i++)
		r = grow_fs(&gd, j, &p->item[i], err);
	/* Unmounted, detached and written back before it returns. */
	r2 = journal_release_held(j);
	if (r >= 0 && r2 < 0)
		r = strbuf_error(err, r2, "cannot release the guest's disks");
	guest_disks_release(&gd);
	return r;
}

int resize_run(struct manifest *m, const char *mpath,
	       const struct resize_plan *p, int *ret_grown,
	       struct strbuf *err)
{
	struct journal j = JOURNAL_INIT;
	char *path = NULL;
	int r;

	*ret_grown = 0;
	if (recover_guest_logged(m->hostname) < 0)
		return strbuf_error(err, -EIO, "what an earlier run of '%s' "
				    "left cannot be undone (see above)",
				    m->hostname);
	path = recover_journal_path(m->hostname);
	r = journal_open_file(&j, path, m->hostname, 0, err);
	if (r >= 0) {
		journal_set_stage(&j, "resize");
		r = resize_guest(m, mpath, p, &j, ret_grown, err);
		if (journal_finish(&j, r < 0, 0) < 0 && r >= 0)
			r = strbuf_error(err, -EIO, "cannot release the "
					 "guest's disks");
	}
	journal_release(&j);
	free(path);
	return r;
}
