/* export.c: see export.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg-status.h"
#include "export.h"
#include "fsutil.h"
#include "guest-disks.h"
#include "install-archive.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "macros.h"
#include "run-command.h"
#include "sha256.h"
#include "banned.h"

void export_packages_json(struct strbuf *out, const struct manifest *m,
			  enum export_format f,
			  const struct dpkg_package *pkgs, size_t n)
{
	struct json_writer w;

	json_writer_init(&w, out, JSON_PRETTY);
	json_object_begin(&w);
	json_kv_int(&w, "version", 1);
	json_kv_string(&w, "hostname", m->hostname);
	json_kv_string(&w, "format", export_format_name(f));
	json_kv_string(&w, "dist", m->dist);
	json_kv_string(&w, "arch", m->arch);
	json_kv_string(&w, "created", m->created);
	if (m->archive && *m->archive)
		json_kv_string(&w, "archive", m->archive);
	else
		json_kv_null(&w, "archive");
	json_kv_nonempty(&w, "base", m->base);
	json_key(&w, "settings");
	json_object_begin(&w);
	for (size_t i = 0; i < m->settings.nr; i++) {
		const char *kv = m->settings.v[i];
		const char *eq = strchr(kv, '=');
		char *key;

		if (!eq)
			continue;
		key = xstrndup(kv, (size_t)(eq - kv));
		json_kv_string(&w, key, eq + 1);
		free(key);
	}
	json_object_end(&w);
	json_key(&w, "packages");
	json_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&w);
		json_kv_string(&w, "name", pkgs[i].name);
		json_kv_string(&w, "version", pkgs[i].version);
		json_kv_string(&w, "architecture", pkgs[i].arch);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
}

/* One run of export_guest(). */
struct exporter {
	const struct manifest *m;
	enum export_format f;
	const char *path;
	struct journal j;	/* mounts, loop devices, scratch directory */
	struct guest_disks gd;	/* its views and mounts, in j */
	char *tmp[3];		/* the image, .sha256, .packages.json */
	char **scratch;		/* per disk: a raw copy made for it, or NULL */
};

static int run_or_describe(struct child_process *cp, struct strbuf *err)
{
	int r = run_command(cp);

	if (r < 0)
		child_describe_failure_output(cp, r, err);
	return r;
}

static int qemu_img_convert(const char *from, const char *from_fmt,
			    const char *to, const char *to_fmt,
			    struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushl(&cp.args, "qemu-img", "convert", "-f", from_fmt, "-O",
		     to_fmt, from, to, NULL);
	r = run_or_describe(&cp, err);
	child_process_clear(&cp);
	return r;
}

/* A hidden name beside the export that nothing has yet: made empty, 0600. */
static int temp_beside(const char *path, const char *suffix, char **ret,
		       struct strbuf *err)
{
	char *dir = path_dirname(path);
	struct strbuf sb = STRBUF_INIT;
	int fd;

	strbuf_addf(&sb, "%s/.%s%s.part-XXXXXX", dir, path_basename(path), suffix);
	free(dir);
	fd = mkstemp(sb.buf);
	if (fd < 0) {
		int r = -errno;

		strbuf_addf(err, "cannot create '%s': %s", sb.buf,
			    strerror(errno));
		strbuf_release(&sb);
		return r;
	}
	close(fd);
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/*
 * Export reads a qcow2 disk through a raw copy beside the export, made
 * once, so the guest's image is never opened for writing.
 */
static int qcow2_copy(struct exporter *x, size_t i, struct strbuf *err)
{
	const struct manifest_disk *d = &x->m->disks[i];
	int r;

	if (x->gd.views[i] || !streq(d->format, "qcow2"))
		return 0;
	r = temp_beside(x->path, ".raw", &x->scratch[i], err);
	if (r >= 0) {
		info("reading qcow2 disk '%s' through a raw copy", d->path);
		r = qemu_img_convert(d->path, "qcow2", x->scratch[i], "raw",
				     err);
	}
	if (r >= 0)
		guest_disks_set_view(&x->gd, i, x->scratch[i]);
	return r;
}

/* The guest's file systems at x->gd.mnt, read-only: only "/" unless all. */
static int mount_guest(struct exporter *x, int all, struct strbuf *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < x->m->nfss; i++) {
		const struct manifest_fs *fs = &x->m->fss[i];
		const struct manifest_disk *d = guest_disk_of(x->m, fs->disk);

		if (!fs->mountpoint || (!all && !streq(fs->mountpoint, "/")))
			continue;
		if (d)
			r = qcow2_copy(x, (size_t)(d - x->m->disks), err);
	}
	if (r >= 0)
		r = guest_disks_mount(&x->gd, "create-image-export", all, err);
	return r;
}

static int write_packages(struct exporter *x, struct strbuf *err)
{
	char *status = path_join(x->gd.mnt, "var/lib/dpkg/status");
	struct strbuf text = STRBUF_INIT, json = STRBUF_INIT,
		      why = STRBUF_INIT;
	struct dpkg_package *pkgs = NULL;
	size_t n = 0;
	int r;

	r = strbuf_read_file(&text, status);
	if (r < 0) {
		strbuf_addf(err, "cannot read the guest's /var/lib/dpkg/"
			    "status: %s", strerror(-r));
		goto out;
	}
	r = dpkg_status_parse(text.buf, text.len, &pkgs, &n, &why);
	if (r < 0) {
		strbuf_addf(err, "/var/lib/dpkg/status:%s", why.buf);
		goto out;
	}
	export_packages_json(&json, x->m, x->f, pkgs, n);
	r = write_file(x->tmp[2], json.buf, json.len, 0644);
	if (r < 0)
		strbuf_addf(err, "cannot write '%s': %s", x->tmp[2],
			    strerror(-r));
out:
	dpkg_packages_free(pkgs, n);
	strbuf_release(&text);
	strbuf_release(&json);
	strbuf_release(&why);
	free(status);
	return r;
}

static int write_tar(struct exporter *x, struct strbuf *err)
{
	int fd = open(x->tmp[0], O_WRONLY | O_TRUNC | O_CLOEXEC);
	int r;

	if (fd < 0)
		return strbuf_error(err, -errno, "cannot open '%s': %s",
				    x->tmp[0], strerror(errno));
	r = archive_tree(x->gd.mnt, fd, NULL, NULL, err);
	if (r >= 0 && fsync(fd) < 0)
		r = strbuf_error(err, -errno, "cannot write '%s': %s",
				 x->tmp[0], strerror(errno));
	close(fd);
	return r;
}

static int write_sha256(struct exporter *x, struct strbuf *err)
{
	char hex[SHA256_HEX_SIZE];
	struct strbuf sb = STRBUF_INIT;
	int r;

	r = sha256_file(x->tmp[0], hex, NULL);
	if (r < 0)
		return strbuf_error(err, r, "cannot read '%s': %s", x->tmp[0],
				    strerror(-r));
	/* sha256sum -c, run where the export is */
	strbuf_addf(&sb, "%s  %s\n", hex, path_basename(x->path));
	r = write_file(x->tmp[1], sb.buf, sb.len, 0644);
	if (r < 0)
		strbuf_addf(err, "cannot write '%s': %s", x->tmp[1],
			    strerror(-r));
	strbuf_release(&sb);
	return r;
}

/* The three into place, the image last; none of them if one fails. */
static int commit(struct exporter *x, struct strbuf *err)
{
	static const int order[] = { 2, 1, 0 };
	char *final[3];
	size_t done = 0;
	int r = 0;

	for (size_t i = 0; i < 3; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, x->path);
		if (i)
			strbuf_addstr(&sb, export_side_suffixes[i - 1]);
		final[i] = strbuf_detach(&sb, NULL);
	}
	for (; done < ARRAY_SIZE(order); done++) {
		int k = order[done];

		if (rename(x->tmp[k], final[k]) < 0) {
			r = strbuf_error(err, -errno, "cannot rename '%s' to "
					 "'%s': %s", x->tmp[k], final[k],
					 strerror(errno));
			break;
		}
		free(x->tmp[k]);
		x->tmp[k] = NULL;
	}
	if (r < 0)
		for (size_t i = 0; i < done; i++)
			unlink(final[order[i]]);
	for (size_t i = 0; i < 3; i++)
		free(final[i]);
	return r;
}

/* raw and qcow2 hold one disk: the one with "/" and nothing else. */
static int check_one_disk(const struct manifest *m, const char **ret_vdev,
			  struct strbuf *err)
{
	const char *root = NULL;

	for (size_t i = 0; i < m->nfss; i++)
		if (m->fss[i].mountpoint && streq(m->fss[i].mountpoint, "/"))
			root = m->fss[i].disk;
	if (!root || !guest_disk_of(m, root))
		return strbuf_error(err, -EINVAL, "its record names no disk "
				    "holding '/'");
	for (size_t i = 0; i < m->nfss; i++)
		if (m->fss[i].mountpoint && !streq(m->fss[i].disk, root))
			return strbuf_error(err, -EINVAL, "'%s' is on another "
					    "disk than '/' ('%s'): a raw or "
					    "qcow2 image holds one disk "
					    "(--format=tar.zst holds them all)",
					    m->fss[i].mountpoint,
					    m->fss[i].disk);
	*ret_vdev = root;
	return 0;
}

int export_guest(const struct manifest *m, enum export_format f,
		 const char *path, struct strbuf *err)
{
	struct exporter x = { .m = m, .f = f, .path = path,
			      .j = JOURNAL_INIT };
	static const char *const tmp_suffixes[3] = {
		"", ".sha256", ".packages.json",
	};
	const char *root_vdev = NULL;
	int r = 0, r2;

	guest_disks_init(&x.gd, m, &x.j, 0);
	x.scratch = xcalloc(m->ndisks ? m->ndisks : 1, sizeof(*x.scratch));
	if (f != EXPORT_TAR_ZST)
		r = check_one_disk(m, &root_vdev, err);
	for (size_t i = 0; r >= 0 && i < 3; i++)
		r = temp_beside(path, tmp_suffixes[i], &x.tmp[i], err);
	if (r >= 0 && f != EXPORT_TAR_ZST) {
		const struct manifest_disk *d = guest_disk_of(m, root_vdev);
		size_t di = (size_t)(d - m->disks);
		int qcow2 = streq(d->format, "qcow2");
		const char *view = d->path;

		info("writing disk '%s' as %s", d->path, export_format_name(f));
		if (!qcow2)
			r = guest_disks_view(&x.gd, di, &view, err);
		if (r >= 0)
			r = qemu_img_convert(view, d->format, x.tmp[0],
					     export_format_name(f), err);
		/* The raw export is what is read back for its packages. */
		if (r >= 0 && f == EXPORT_RAW)
			guest_disks_set_view(&x.gd, di, x.tmp[0]);
	}
	if (r >= 0)
		r = mount_guest(&x, f == EXPORT_TAR_ZST, err);
	if (r >= 0)
		r = write_packages(&x, err);
	if (r >= 0 && f == EXPORT_TAR_ZST) {
		info("writing the tree of '%s' as tar.zst", m->hostname);
		r = write_tar(&x, err);
	}
	/* Unmounted before the image is summed and goes into place. */
	r2 = journal_finish(&x.j, r < 0, 0);
	if (r >= 0 && r2 < 0)
		r = strbuf_error(err, r2, "cannot unmount the guest's file "
				 "systems");
	if (r >= 0)
		r = write_sha256(&x, err);
	if (r >= 0)
		r = commit(&x, err);
	for (size_t i = 0; i < 3; i++) {
		if (x.tmp[i])
			unlink(x.tmp[i]);
		free(x.tmp[i]);
	}
	for (size_t i = 0; i < m->ndisks; i++) {
		if (x.scratch[i])
			unlink(x.scratch[i]);
		free(x.scratch[i]);
	}
	free(x.scratch);
	guest_disks_release(&x.gd);
	journal_release(&x.j);
	return r;
}
