/*
 * storage-dir.c: disks as image files in DIR/domains/HOSTNAME/: raw files,
 * sparse unless --image=full, or qcow2 files written in place through
 * qemu-storage-daemon's FUSE export (qcow2-fuse.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockdev.h"
#include "fsspace.h"
#include "fsutil.h"
#include "macros.h"
#include "parse.h"
#include "qcow2-fuse.h"
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
			strbuf_addf(&sb, "%s/.%s.qcow2.fuse", g->guest_dir,
				    d->name);
			d->export = strbuf_detach(&sb, NULL);
			d->format = "qcow2";
		}
		d->owned = 1;
	}
}

/*
 * Whether a file of size bytes can be made in dir: 0, or -EFBIG when
 * the process's file size limit or the file system refuses it. The file
 * system is asked with an unnamed sparse file (O_TMPFILE), which is gone
 * when closed; where that cannot be made (no permission, a file system
 * without it) nothing is known and the answer is 0.
 */
static int file_size_fits(const char *dir, uint64_t size,
			  struct strbuf *why)
{
	struct rlimit rl;
	int fd, r = 0;

	/* Beyond it ftruncate() would raise SIGXFSZ, which kills us. */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    size > (uint64_t)rl.rlim_cur) {
		char max[32];

		format_size((uint64_t)rl.rlim_cur, max, sizeof(max));
		strbuf_addf(why, "the file size limit (ulimit -f) is %s", max);
		return -EFBIG;
	}
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (ftruncate(fd, (off_t)size) < 0 && errno == EFBIG) {
		strbuf_addf(why, "the file system of '%s' holds no file that "
			    "large", dir);
		r = -EFBIG;
	}
	close(fd);
	return r;
}

static int dir_check(const struct guest *g, struct storage *st,
		     struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	char *dir;
	int r = 0;

	for (size_t i = 0; i < st->ndisks; i++) {
		if (path_exists(st->disks[i].path)) {
			strbuf_addf(err, "'%s'",
				    st->disks[i].path);
			return -EEXIST;
		}
	}
	/* A qcow2 file holds no more than the raw image would. */
	dir = fsspace_existing_dir(g->guest_dir);
	for (size_t i = 0; i < st->ndisks && r >= 0; i++) {
		const struct disk *d = &st->disks[i];

		r = file_size_fits(dir, d->size, &why);
		if (r < 0) {
			char have[32];

			format_size(d->size, have, sizeof(have));
			strbuf_addf(err, "%s: '%s' is %s: %s", d->origin,
				    d->name, have, why.buf);
		}
	}
	free(dir);
	strbuf_release(&why);
	return r;
}

/* A qcow2 image, exported onto d->export for the loop device. */
static int create_qcow2(const struct guest *g, struct disk *d,
			struct journal *j, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	r = journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, d->path);
	if (r < 0) {
		strbuf_addf(err, "cannot journal '%s': %s", d->path,
			    strerror(-r));
		return r;
	}
	strvec_pushl(&cp.args, "qemu-img", "create", "-q", "-f", "qcow2",
		     NULL);
	if (g->image_full)
		strvec_pushl(&cp.args, "-o", "preallocation=falloc", NULL);
	strvec_push(&cp.args, d->path);
	strvec_pushf(&cp.args, "%llu", (unsigned long long)d->size);
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure_output(&cp, r, err);
	else if (chmod(d->path, 0600) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot chmod '%s': %s", d->path,
			    strerror(-r));
	}
	child_process_clear(&cp);
	if (r >= 0)
		r = qcow2_fuse_start(d->path, d->export, j, err);
	return r;
}

static int dir_create(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	int fd, r = 0;

	if (d->export)
		return create_qcow2(g, d, j, err);
	r = journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, d->path);
	if (r < 0)
		goto out;
	fd = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		journal_cancel(j);
		goto out;
	}
	if (g->image_full)
		r = -posix_fallocate(fd, 0, (off_t)d->size);
	else if (ftruncate(fd, (off_t)d->size) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
out:
	if (r < 0)
		strbuf_addf(err, "cannot create '%s': %s", d->path,
			    strerror(-r));
	return r;
}

/* The loop device over the image file, or over a qcow2 image's export. */
static int dir_attach(const struct guest *g, struct disk *d,
		      struct journal *j, struct strbuf *err)
{
	(void)g;
	return loop_attach_range(d->export ? d->export : d->path, 0, 0, j,
				 &d->dev, err);
}

const struct storage_ops storage_dir_ops = {
	.name = "dir",
	.plan = dir_plan,
	.check = dir_check,
	/* --force: the images go aside with the guest's directory. */
	.create = dir_create,
	/* A qcow2 image's export is stopped, and the image written back,
	 * with the loop devices (journal_release_held()). */
	.attach = dir_attach,
};
