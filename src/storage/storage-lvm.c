/*
 * storage-lvm.c: disks as logical volumes VG/HOSTNAME-NAME, made in
 * process through liblvm2cmd and tagged create-image:HOSTNAME so that
 * delete-image and list-images find exactly what a guest owns.
 *
 * Without device-mapper (a container, a kernel built without it) the
 * volumes stay inactive and the build reaches each one through a loop
 * device set at its extents on the physical volume.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "parse.h"
#include "storage.h"
#include "banned.h"

/* "VG/LV" into its parts; the caller frees *vg. */
static void split_lv(const char *spec, char **vg, const char **lv)
{
	const char *slash = strchr(spec, '/');

	*vg = xstrdup(spec);
	(*vg)[slash - spec] = '\0';
	*lv = slash + 1;
}

static void lvm_plan(const struct guest *g, struct storage *st)
{
	for (size_t i = 0; i < st->ndisks; i++) {
		struct disk *d = &st->disks[i];
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/%s-%s", g->vg, g->hostname, d->name);
		d->lv = strbuf_detach(&sb, NULL);
		strbuf_addf(&sb, "/dev/%s", d->lv);
		d->path = strbuf_detach(&sb, NULL);
		d->owned = 1;
		d->inactive = !lvm_dm_available();
	}
}

/* The tag that marks a guest's volumes: "create-image:HOST". */
static char *guest_tag(const struct guest *g)
{
	struct strbuf tag = STRBUF_INIT;

	strbuf_addf(&tag, "create-image:%s", g->hostname);
	return strbuf_detach(&tag, NULL);
}

/* Whether vg/lv is one of the guest's own volumes, by its tag. */
static int owned_by_guest(const struct lvm_lv *mine, size_t n,
			  const char *lv)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(mine[i].name, lv))
			return 1;
	return 0;
}

static int lvm_check(const struct guest *g, struct storage *st,
		     struct strbuf *err)
{
	struct lvm_vg_info vg;
	struct strbuf taken = STRBUF_INIT;
	struct lvm_lv *mine = NULL;
	size_t nmine = 0;
	char *tag = guest_tag(g);
	uint64_t need = 0;
	int r;

	r = lvm_vg_info(g->vg, &vg, err);
	if (r >= 0 && g->thin_pool) {
		/* Named by the flag: the volume group is fine. */
		struct strbuf why = STRBUF_INIT;

		r = lvm_thin_pool_check(g->vg, g->thin_pool, &why);
		if (r >= 0 && !lvm_dm_available()) {
			strbuf_addstr(&why, "thin volumes need device-mapper, "
				      "which this host lacks");
			r = -ENOTSUP;
		}
		if (r < 0) {
			strbuf_addf(err, "%s (--lvm-thin)", why.buf);
			r = r == -EIO ? r : -EINVAL;
		}
		strbuf_release(&why);
	}
	if (r >= 0)
		r = lvm_lv_list(g->vg, tag, &mine, &nmine, err);
	free(tag);
	if (r < 0)
		return r;
	for (size_t i = 0; i < st->ndisks; i++) {
		struct disk *d = &st->disks[i];
		uint64_t size = 0, extents;
		char *vgname;
		const char *lv;

		/* LVM allocates whole extents: the disk is that large. */
		r = size_round_up(d->size, vg.extent_size, &size);
		extents = size / vg.extent_size;
		if (r < 0 || extents > LVM_EXTENTS_MAX) {
			char have[32], max[32], ext[32];

			format_size(d->size, have, sizeof(have));
			format_size(lvm_extents_bytes(LVM_EXTENTS_MAX,
						      vg.extent_size),
				    max, sizeof(max));
			format_size(vg.extent_size, ext, sizeof(ext));
			strbuf_addf(err, "%s: '%s' is %s, more than a logical "
				    "volume in '%s' holds (at most %s: %llu "
				    "extents of %s)", d->origin, d->name, have,
				    g->vg, max,
				    (unsigned long long)LVM_EXTENTS_MAX, ext);
			lvm_lv_list_free(mine, nmine);
			strbuf_release(&taken);
			return -EFBIG;
		}
		d->size = size;
		/* At most 2^32 extents a disk: the sum cannot wrap. */
		need += extents;
		split_lv(d->lv, &vgname, &lv);
		r = lvm_lv_exists(vgname, lv, err);
		free(vgname);
		if (r > 0 && !owned_by_guest(mine, nmine, lv)) {
			/* Not even --force takes a volume that is not the
			 * guest's: it may hold anyone's data. */
			strbuf_addf(err, "logical volume '%s' exists and is not "
				    "guest '%s''s (it has no tag "
				    "create-image:%s)", d->lv, g->hostname,
				    g->hostname);
			r = -EPERM;
		}
		if (r < 0) {
			lvm_lv_list_free(mine, nmine);
			strbuf_release(&taken);
			return r;
		}
		if (r > 0 && !taken.len)
			strbuf_addf(&taken, "logical volume '%s'", d->lv);
	}
	/* The guest's other volumes (of an older layout) count too. */
	if (nmine && !taken.len)
		strbuf_addf(&taken, "logical volume '%s/%s'", mine[0].vg,
			    mine[0].name);
	lvm_lv_list_free(mine, nmine);
	for (size_t i = 0; i < st->nvols; i++)
		if (!st->vols[i].partno)
			st->vols[i].size = st->disks[st->vols[i].disk].size;
	/* A replaced guest's volumes stay until the new one is built. A
	 * thin pool gives its blocks as they are written. */
	if (need > vg.free_extents && !g->thin_pool) {
		char have[32], want[32];

		format_size(lvm_extents_bytes(vg.free_extents, vg.extent_size),
			    have, sizeof(have));
		format_size(lvm_extents_bytes(need, vg.extent_size), want,
			    sizeof(want));
		strbuf_addf(err, "volume group '%s' has %s free, the guest "
			    "needs %s", g->vg, have, want);
		strbuf_release(&taken);
		return -ENOSPC;
	}
	r = taken.len ? -EEXIST : 0;
	strbuf_addstr(err, taken.buf);
	strbuf_release(&taken);
	return r;
}

static int remove_lv(const char *spec, int restore)
{
	struct strbuf err = STRBUF_INIT;
	const char *lv;
	char *vg;
	int r;

	(void)restore;
	split_lv(spec, &vg, &lv);
	/* Journaled before it was made: it may never have been. */
	r = lvm_lv_exists(vg, lv, &err);
	if (r > 0)
		r = lvm_lv_remove(vg, lv, &err);
	if (r < 0)
		error("cannot remove logical volume '%s': %s", spec, err.buf);
	free(vg);
	strbuf_release(&err);
	return r;
}

/*
 * A replaced volume was renamed to "LV.replaced-PID" (arg is
 * "VG/LV.replaced-PID"): put it back when the build failed, remove it
 * when it succeeded. A failed build kept with --keep moves out of the
 * way first, as "LV.failed-PID".
 */
static int restore_lv(const char *spec, int restore)
{
	struct strbuf err = STRBUF_INIT, name = STRBUF_INIT;
	const char *aside, *dot;
	char *vg;
	int r;

	if (!restore)
		return remove_lv(spec, 0);
	split_lv(spec, &vg, &aside);
	dot = strrchr(aside, '.');
	strbuf_add(&name, aside, (size_t)(dot - aside));
	/* Journaled before the rename: it may never have happened, or a
	 * run before this one put it back already. */
	r = lvm_lv_exists(vg, aside, &err);
	if (r == 0)
		goto out;
	if (r > 0)
		r = lvm_lv_exists(vg, name.buf, &err);
	if (r > 0) {
		struct strbuf failed = STRBUF_INIT;

		strbuf_addf(&failed, "%s.failed-%d", name.buf, (int)getpid());
		r = lvm_lv_rename(vg, name.buf, failed.buf, &err);
		if (r >= 0)
			info("kept the failed build as '%s/%s'", vg,
			     failed.buf);
		strbuf_release(&failed);
	}
	if (r >= 0)
		r = lvm_lv_rename(vg, aside, name.buf, &err);
	if (r < 0)
		error("cannot restore logical volume '%s/%s': %s", vg,
		      name.buf, err.buf);
out:
	free(vg);
	strbuf_release(&name);
	strbuf_release(&err);
	return r;
}

const struct journal_undo lvm_undo_create = {
	"lvm-remove", "remove logical volume", NULL, remove_lv, 0,
};

const struct journal_undo lvm_undo_replace = {
	"lvm-restore", "put back logical volume",
	"remove the replaced logical volume", restore_lv, 0,
};

/* --force: every volume tagged for the guest goes aside, whatever its
 * name, so none of an older layout is left behind. */
static int lvm_replace(const struct guest *g, struct storage *st,
		       struct journal *j, struct strbuf *err)
{
	struct lvm_lv *mine = NULL;
	size_t n = 0;
	char *tag = guest_tag(g);
	int r;

	(void)st;
	r = lvm_lv_list(g->vg, tag, &mine, &n, err);
	free(tag);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct strbuf aside = STRBUF_INIT;

		info("replacing logical volume '%s/%s' (--force)", mine[i].vg,
		     mine[i].name);
		strbuf_addf(&aside, "%s/%s.replaced-%d", mine[i].vg,
			    mine[i].name, (int)getpid());
		r = journal_add_call(j, JOURNAL_REPLACED, &lvm_undo_replace,
				     aside.buf);
		if (r < 0) {
			strbuf_addf(err, "cannot journal '%s': %s", aside.buf,
				    strerror(-r));
		} else {
			r = lvm_lv_rename(mine[i].vg, mine[i].name,
					  aside.buf + strlen(mine[i].vg) + 1,
					  err);
			if (r < 0)
				journal_cancel(j);
		}
		strbuf_release(&aside);
	}
	lvm_lv_list_free(mine, n);
	return r;
}

static int lvm_create(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	struct lvm_vg_info info;
	char *tag = guest_tag(g);
	const char *tags[2] = { tag, NULL };
	const char *lv;
	char *vg;
	int r;

	split_lv(d->lv, &vg, &lv);
	r = lvm_vg_info(vg, &info, err);
	if (r >= 0) {
		r = journal_add_call(j, JOURNAL_CREATED, &lvm_undo_create,
				     d->lv);
		if (r < 0)
			strbuf_addf(err, "cannot journal '%s': %s", d->lv,
				    strerror(-r));
	}
	if (r >= 0) {
		r = g->thin_pool ?
			lvm_thin_create(vg, g->thin_pool, lv, d->size, tags,
					err) :
			lvm_lv_create(vg, lv, d->size / info.extent_size, tags,
				      err);
		if (r < 0)
			journal_cancel(j);
	}
	free(vg);
	free(tag);
	return r;
}

static int lvm_attach(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	uint64_t offset, length;
	const char *lv;
	char *vg, *pv = NULL;
	int r;

	(void)g;
	if (!d->inactive) {
		d->dev = xstrdup(d->path);
		return 0;
	}
	split_lv(d->lv, &vg, &lv);
	r = lvm_lv_location(vg, lv, &pv, &offset, &length, err);
	if (r == -ENOTSUP)
		strbuf_addstr(err, " (without device-mapper only linear "
			      "volumes in one piece can be reached)");
	if (r >= 0)
		r = loop_attach_range(pv, offset, length, j, &d->dev, err);
	free(pv);
	free(vg);
	return r;
}

const struct storage_ops storage_lvm_ops = {
	.name = "lvm",
	.plan = lvm_plan,
	.check = lvm_check,
	.replace = lvm_replace,
	.create = lvm_create,
	.attach = lvm_attach,
};
