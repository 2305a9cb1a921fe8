/*
 * storage-dir.c: disks as image files in DIR/domains/HOSTNAME/: raw files,
 * sparse unless --image=full, or qcow2 files converted with qemu-img from
 * a raw stage once the build is done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "fsutil.h"
#include "macros.h"
#include "run-command.h"
#include "storage.h"
#include "banned.h"

static void dir_plan(const struct guest *g, struct storage *st)
{
	for (size_t i = 0; i < st->ndisks; i++) {
		struct disk *d = &st->disks[i];
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/%s.%s", g->guest_dir, d->name,
			    g->qcow2 ? "qcow2" : "img");
		d->path = strbuf_detach(&sb, NULL);
		if (g->qcow2) {
			strbuf_addf(&sb, "%s/.%s.raw", g->guest_dir, d->name);
			d->stage = strbuf_detach(&sb, NULL);
			d->format = "qcow2";
		}
		d->owned = 1;
	}
}

static int dir_check(const struct guest *g, struct storage *st,
		     struct strbuf *err)
{
	(void)g;
	for (size_t i = 0; i < st->ndisks; i++) {
		if (path_exists(st->disks[i].path)) {
			strbuf_addf(err, "'%s'",
				    st->disks[i].path);
			return -EEXIST;
		}
	}
	return 0;
}

static int dir_create(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	const char *file = d->stage ? d->stage : d->path;
	int fd, r = 0;

	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, file);
	/* A qcow2 file is as full as qemu-img makes it; its stage need
	 * not be. */
	if (g->image_full && !d->stage)
		r = -posix_fallocate(fd, 0, (off_t)d->size);
	else if (ftruncate(fd, (off_t)d->size) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
out:
	if (r < 0)
		strbuf_addf(err, "cannot create '%s': %s", file, strerror(-r));
	return r;
}

static int dir_attach(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	(void)g;
	return loop_attach_range(d->stage ? d->stage : d->path, 0, 0, j,
				 &d->dev, err);
}

static int dir_finish(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	if (!d->stage)
		return 0;
	strvec_pushl(&cp.args, "qemu-img", "convert", "-q", "-f", "raw",
		     "-O", "qcow2", NULL);
	if (g->image_full)
		strvec_pushl(&cp.args, "-o", "preallocation=falloc", NULL);
	strvec_pushl(&cp.args, d->stage, d->path, NULL);
	/* The output is journaled before it exists, so a signal during the
	 * conversion still removes what qemu-img wrote. */
	journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, d->path);
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure(&cp, r, err);
	else if (unlink(d->stage) < 0)
		r = -errno;
	child_process_clear(&cp);
	return r;
}

const struct storage_ops storage_dir_ops = {
	.name = "dir",
	.plan = dir_plan,
	.check = dir_check,
	/* --force: the images go aside with the guest's directory. */
	.create = dir_create,
	.attach = dir_attach,
	.finish = dir_finish,
};
