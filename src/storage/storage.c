/* storage.c: see storage.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parttable.h"
#include "qcow2-fuse.h"
#include "storage.h"
#include "banned.h"

int storage_pygrub_reads(const char *fs)
{
	/* Xen's own file system readers (libxenfsimage). */
	static const char *const readable[] = { "ext2", "ext3", "ext4" };

	for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++)
		if (!strcmp(fs, readable[i]))
			return 1;
	return 0;
}

static const struct volume *find_mount(const struct storage *st,
				       const char *mountpoint)
{
	for (size_t i = 0; i < st->nvols; i++)
		if (st->vols[i].mountpoint &&
		    !strcmp(st->vols[i].mountpoint, mountpoint))
			return &st->vols[i];
	return NULL;
}

const struct journal_undo *const storage_undos[] = {
	&lvm_undo_create,
	&lvm_undo_replace,
	&qcow2_fuse_undo,
	NULL,
};

const struct volume *storage_root_volume(const struct storage *st)
{
	return find_mount(st, "/");
}

const struct volume *storage_boot_volume(const struct storage *st)
{
	const struct volume *boot = find_mount(st, "/boot");

	return boot ? boot : find_mount(st, "/");
}

/*
 * xen-tools names disks after the partitions' order (xvda1, xvda2, ...,
 * or sda1, ... after --disk-device),
 * except that its default root is xvda2 whether or not there is swap:
 * keep both, so existing habits and tools still fit.
 */
static void name_vdev(const struct guest *g, size_t i, const char *name,
		      char vdev[16])
{
	unsigned n = (unsigned)i + 1;

	if (!g->partitions_file)
		n = !strcmp(name, "swap") ? 1 : 2;
	snprintf(vdev, 16, "%s%u", g->disk_device ? g->disk_device : "xvda",
		 n);
}

void storage_plan(const struct guest *g, struct storage *st)
{
	size_t n = g->parts.nr;

	st->ops = g->storage == STORAGE_LVM ? &storage_lvm_ops :
		  g->storage == STORAGE_DEVICE ? &storage_device_ops :
		  &storage_dir_ops;
	st->nvols = n;
	st->vols = xcalloc(n, sizeof(*st->vols));
	for (size_t i = 0; i < n; i++) {
		const struct partition *p = &g->parts.p[i];
		struct volume *v = &st->vols[i];

		v->name = p->name;
		v->size = p->size;
		v->origin = p->origin;
		v->fs = p->type;
		v->mountpoint = p->mountpoint;
		v->options = p->options;
	}

	if (g->layout == LAYOUT_DISK) {
		struct parttable_entry *e;
		struct disk *d;
		size_t ne;

		st->bios_boot = g->boot_mode == BOOT_HVM &&
				g->firmware == FIRMWARE_BIOS &&
				g->label == PARTTABLE_GPT;
		/* Partition 1 is the BIOS boot partition when there is
		 * one. */
		for (size_t i = 0; i < n; i++)
			st->vols[i].partno = (unsigned)(i + 1) +
					     (st->bios_boot ? 1 : 0);
		e = storage_parttable(st, &ne);
		st->ndisks = 1;
		st->disks = xcalloc(1, sizeof(*st->disks));
		d = &st->disks[0];
		d->name = xstrdup("disk");
		snprintf(d->vdev, sizeof(d->vdev), "%s",
			 g->disk_device ? g->disk_device : "xvda");
		d->size = parttable_disk_size(g->label, e, ne);
		/* The partitions file, or the --size of root. */
		d->origin = g->partitions_file;
		for (size_t i = 0; !d->origin && i < n; i++)
			if (st->vols[i].mountpoint &&
			    !strcmp(st->vols[i].mountpoint, "/"))
				d->origin = st->vols[i].origin;
		free(e);
	} else {
		const struct volume *boot;
		size_t first = 0;

		st->ndisks = n;
		st->disks = xcalloc(n, sizeof(*st->disks));
		/* pygrub reads the first disk: the one holding /boot. */
		boot = storage_boot_volume(st);
		if (boot)
			first = (size_t)(boot - st->vols);
		for (size_t i = 0, k = 1; i < n; i++) {
			size_t at = i == first ? 0 : k++;
			struct disk *d = &st->disks[at];

			d->name = xstrdup(st->vols[i].name);
			name_vdev(g, i, d->name, d->vdev);
			d->size = st->vols[i].size;
			d->origin = st->vols[i].origin;
			st->vols[i].disk = at;
		}
	}
	for (size_t i = 0; i < st->ndisks; i++)
		st->disks[i].format = "raw";
	st->ops->plan(g, st);
}

struct parttable_entry *storage_parttable(const struct storage *st,
					  size_t *ret_n)
{
	size_t first = st->bios_boot ? 1 : 0;
	struct parttable_entry *e = xcalloc(st->nvols + first, sizeof(*e));

	if (first) {
		e[0].size = STORAGE_BIOS_BOOT_SIZE;
		e[0].bios_boot = 1;
	}
	for (size_t i = 0; i < st->nvols; i++) {
		e[first + i].size = st->vols[i].size;
		e[first + i].swap = !strcmp(st->vols[i].fs, "swap");
		e[first + i].esp = !strcmp(st->vols[i].fs, "vfat");
	}
	*ret_n = st->nvols + first;
	return e;
}

void storage_release(struct storage *st)
{
	for (size_t i = 0; i < st->ndisks; i++) {
		struct disk *d = &st->disks[i];

		free(d->name);
		free(d->path);
		free(d->lv);
		free(d->export);
		free(d->dev);
	}
	for (size_t i = 0; i < st->nvols; i++)
		free(st->vols[i].dev);
	free(st->disks);
	free(st->vols);
	memset(st, 0, sizeof(*st));
}
