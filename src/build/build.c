/*
 * build.c: see build.h. The stages are the table at the end; each one
 * journals every resource it creates, so any failure or signal undoes the
 * whole run.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "base-image.h"
#include "blockdev.h"
#include "boot.h"
#include "bootcode.h"
#include "build.h"
#include "clone.h"
#include "clone-copy.h"
#include "clock.h"
#include "config.h"
#include "customize.h"
#include "dom0-hosts.h"
#include "filesystem.h"
#include "fsspace.h"
#include "fsutil.h"
#include "guest.h"
#include "generalize.h"
#include "hooks.h"
#include "install-archive.h"
#include "install.h"
#include "journal.h"
#include "lock.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "manifest.h"
#include "parse.h"
#include "parttable.h"
#include "paths.h"
#include "qcow2-fuse.h"
#include "recover.h"
#include "render.h"
#include "run-command.h"
#include "secrets.h"
#include "storage.h"
#include "xl.h"
#include "xlcfg.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

void build_init(struct build *b, build_progress_fn *progress, void *data)
{
	memset(b, 0, sizeof(*b));
	strvec_init(&b->fingerprints);
	strvec_init(&b->settings);
	strbuf_init(&b->xl_cfg, 0);
	strbuf_init(&b->error, 0);
	b->progress = progress;
	b->progress_data = data;
	b->base_lock = -1;
}

void build_release(struct build *b)
{
	storage_release(&b->st);
	rootfs_free(b->root);
	free(b->mnt);
	boot_info_release(&b->boot);
	secret_free(b->password);
	secret_free(b->hash);
	strvec_clear(&b->fingerprints);
	strvec_clear(&b->settings);
	free(b->pool);
	free(b->base_name);
	free(b->backing);
	archive_state_release(&b->archive);
	free(b->built_from);
	strbuf_release(&b->xl_cfg);
	strbuf_release(&b->error);
	free(b->j.e);
	guest_release(&b->g);
	base_cache_unlock(b->base_lock);
	memset(b, 0, sizeof(*b));
	b->base_lock = -1;
}

static void report(struct build *b, enum build_event_kind kind,
		   const char *stage, const char *title, double elapsed)
{
	struct build_event ev = {
		.kind = kind,
		.hostname = b->g.hostname,
		.stage = stage,
		.title = title,
		.elapsed = elapsed,
		.total = clock_seconds() - b->started,
		.message = kind == BUILD_FAILED ? b->error.buf : NULL,
	};

	if (b->progress)
		b->progress(&ev, b->progress_data);
}

/*
 * Why the build failed, "cannot WHAT: REASON", kept for the BUILD_FAILED
 * event; the first reason is the one that counts. fmt is a full message
 * whose %m names -r. Returns r; -EINTR when a signal stopped the step,
 * which is not a reason of its own.
 */
static int build_error(struct build *b, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int build_error(struct build *b, int r, const char *fmt, ...)
{
	va_list ap;

	if (r == -EINTR || signals_pending())
		return -EINTR;
	if (!b->error.len) {
		errno = r < 0 ? -r : r;
		va_start(ap, fmt);
		strbuf_vaddf(&b->error, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* The step that failed, for one "cannot ..." line; -EINTR means a signal. */
static int fail(struct build *b, int r, const char *what,
		const struct strbuf *err)
{
	if (err && err->len)
		return build_error(b, r, "cannot %s: %s", what, err->buf);
	return build_error(b, r, "cannot %s: %m", what);
}

/*
 * Disk space: what the guest's files will take on the host's file
 * systems, told before anything is made (create-image(8), DISK SPACE).
 * A sparse image needs what is installed in it plus a margin, for the
 * file systems' journals, the guest's own files and what hooks add.
 */
#define SPACE_MARGIN_MIN (256ULL << 20)
/* A system debootstrap installs, when no cached base tells its size:
 * Debian's minbase with the guest's packages is 350 to 700 MiB, and the
 * packages are in the tree as well while they are unpacked. */
#define SPACE_INSTALL_ESTIMATE (1ULL << 30)
/* A compressed archive unpacks to at most this many times its size
 * (zstd bases: about 3). */
#define SPACE_UNPACK_RATIO 4
/* The kernel and initrd copied out for a direct boot. */
#define SPACE_BOOT_FILES (128ULL << 20)

/*
 * Whether the build puts a system on the disks. --install-method=none
 * makes the storage and the xl.cfg only: the stages that work on an
 * installed system are skipped (struct stage's .system), and nothing else
 * of the guest's tree is read or written.
 */
static int build_installs(const struct build *b)
{
	return b->g.method != INSTALL_NONE;
}

/* Sizes that do not fit in 64 bits are more than any disk holds. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return size_add(a, b, &r) < 0 ? UINT64_MAX : r;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return size_mul(a, b, &r) < 0 ? UINT64_MAX : r;
}

/* A tarball by its name: compressed unless it ends in ".tar". */
static int is_plain_tar(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && !strcasecmp(path + n - 4, ".tar");
}

/*
 * What the guest's tree will take, as well as it can be told before it
 * is there: what the cached base records (or its archive's size times
 * SPACE_UNPACK_RATIO for a base from before that), the size of a copy's
 * source or of a local tarball, else SPACE_INSTALL_ESTIMATE. *ret_store:
 * whether a base will be built and stored in the cache.
 */
static uint64_t installed_size(const struct guest *g, int *ret_store,
			       const char **ret_how)
{
	struct base_entry e = { 0 };
	const char *nocache;
	uint64_t size = SPACE_INSTALL_ESTIMATE;
	struct stat st;

	*ret_store = 0;
	*ret_how = "an estimate for an install";
	if (g->method == INSTALL_NONE) {
		*ret_how = "nothing is installed";
		return 0;
	}
	if (g->method == INSTALL_COPY) {
		if (fsspace_tree_usage(g->install_source, &size) >= 0)
			*ret_how = "the size of --install-source";
		else
			size = SPACE_INSTALL_ESTIMATE;
		return size;
	}
	if (base_cacheable(g, &nocache)) {
		if (g->cache != CACHE_REFRESH && base_find_cached(g, &e)) {
			size = e.unpacked ? e.unpacked :
			       mul_sat(e.size, SPACE_UNPACK_RATIO);
			*ret_how = e.unpacked ? "the cached base's size" :
				   "an estimate from the cached base's archive";
			base_entry_release(&e);
			return size;
		}
		*ret_store = 1;
	}
	if (g->method == INSTALL_TAR && !source_is_url(g->install_source) &&
	    stat(g->install_source, &st) == 0 && S_ISREG(st.st_mode)) {
		size = mul_sat((uint64_t)st.st_size,
			       is_plain_tar(g->install_source) ? 1 :
			       SPACE_UNPACK_RATIO);
		*ret_how = "an estimate from the tarball's size";
	}
	return size;
}

/*
 * Whether the host's file systems have room for the guest's image files
 * (and the kernel copied out for Xen) and for a base to be stored in the
 * cache; summed where they share one. -ENOSPC with both figures in err.
 */
static int check_space(struct build *b, struct strbuf *err)
{
	const struct guest *g = &b->g;
	struct fsspace_plan plan = FSSPACE_PLAN_INIT;
	struct strbuf what = STRBUF_INIT;
	uint64_t tree, data, sizes = 0, files = 0;
	const char *how;
	char *cache = NULL;
	char t[32], f[32];
	int store, r = 0;

	tree = installed_size(g, &store, &how);
	data = add_sat(tree, tree / 4 > SPACE_MARGIN_MIN ? tree / 4 :
			     SPACE_MARGIN_MIN);
	if (g->storage == STORAGE_DIR) {
		uint64_t sparse;

		for (size_t i = 0; i < b->st.ndisks; i++)
			sizes = add_sat(sizes, b->st.disks[i].size);
		/* A sparse file never grows past its size. */
		sparse = data < sizes ? data : sizes;
		/* A qcow2 image is written in place (qcow2-fuse.h), and
		 * preallocated with --image=full. */
		files = g->image_full ? sizes : sparse;
	}
	fsspace_format(tree, t, sizeof(t));
	fsspace_format(files, f, sizeof(f));
	debug("space: the guest's tree takes %s (%s); its files need %s", t,
	      how, f);
	if (files && g->guest_dir) {
		strbuf_addf(&what, "guest '%s' in '%s'", g->hostname, g->dir);
		r = fsspace_plan_add(&plan, g->guest_dir, what.buf, files);
	}
	if (r >= 0 && g->kernel_dir) {
		strbuf_reset(&what);
		strbuf_addf(&what, "the kernel of guest '%s'", g->hostname);
		r = fsspace_plan_add(&plan, g->kernel_dir, what.buf,
				     SPACE_BOOT_FILES);
	}
	if (r >= 0 && store && g->cachedir) {
		/* The archive is compressed to about a third of the tree:
		 * half, to be safe. */
		cache = base_cache_dir(g->cachedir);
		strbuf_reset(&what);
		strbuf_addf(&what, "the base cache '%s'", cache);
		r = fsspace_plan_add(&plan, cache, what.buf, tree / 2);
	}
	if (r < 0)
		strbuf_addf(err, "cannot tell the free space for %s: %s",
			    what.buf, strerror(-r));
	else
		r = fsspace_plan_check(&plan, err);
	fsspace_plan_release(&plan);
	strbuf_release(&what);
	free(cache);
	return r;
}

/*
 * Whether the guest exists already: its config, its directory, or a disk
 * in the way. -EEXIST is what --force may replace (refused while the guest
 * runs); any other error (no such volume group, no room) is final.
 */
int build_check_existing(struct build *b, int check_storage,
			 struct strbuf *err)
{
	const struct guest *g = &b->g;
	struct strbuf found = STRBUF_INIT;
	char *manifest = manifest_path(g->hostname);
	int r = 0;

	if (path_exists(g->cfg_path))
		strbuf_addf(&found, "'%s'", g->cfg_path);
	else if (g->need_guest_dir && path_exists(g->guest_dir))
		strbuf_addf(&found, "'%s'", g->guest_dir);
	else if (g->kernel_dir && path_exists(g->kernel_dir))
		strbuf_addf(&found, "'%s'", g->kernel_dir);
	else if (path_exists(manifest))
		strbuf_addf(&found, "its record '%s'", manifest);
	free(manifest);
	if (check_storage) {
		struct strbuf detail = STRBUF_INIT;

		r = b->st.ops->check(g, &b->st, &detail);
		if (r == -EFBIG) {
			/* Named by where the size was given. */
			strbuf_addstr(err, detail.buf);
			strbuf_release(&detail);
			strbuf_release(&found);
			return r;
		}
		if (r < 0 && r != -EEXIST) {
			strbuf_addf(err, "%s: %s", g->storage == STORAGE_LVM ?
				    "--lvm" : g->storage == STORAGE_DEVICE ?
				    "--image-dev" : "--dir", detail.buf);
			strbuf_release(&detail);
			strbuf_release(&found);
			return r;
		}
		/* Someone's data on a device is not a guest. */
		if (r == -EEXIST && !g->force && g->storage == STORAGE_DEVICE) {
			strbuf_addf(err, "--image-dev: %s (use --force to "
				    "overwrite it)", detail.buf);
			strbuf_release(&detail);
			strbuf_release(&found);
			return r;
		}
		if (r == -EEXIST && !found.len)
			strbuf_addstr(&found, detail.buf);
		strbuf_release(&detail);
	}
	if (found.len && !g->force) {
		strbuf_addf(err, "guest '%s' already exists: %s (use --force "
			    "to replace it)", g->hostname, found.buf);
		r = -EEXIST;
	} else if (found.len) {
		struct strbuf why = STRBUF_INIT;

		/* Never pull the disks from under a running guest. */
		r = xl_domain_running(g->hostname, &why);
		if (r > 0)
			strbuf_addf(err, "guest '%s' is running: shut it down "
				    "before replacing it", g->hostname);
		else if (r < 0)
			strbuf_addf(err, "cannot tell whether guest '%s' is "
				    "running: %s", g->hostname, why.buf);
		r = r > 0 ? -EBUSY : r < 0 ? r : 0;
		strbuf_release(&why);
	} else {
		r = 0;
	}
	strbuf_release(&found);
	if (r >= 0 && g->hosts) {
		char *line = dom0_hosts_line(g->ips[0].addr_text, g->hostname);
		struct strbuf why = STRBUF_INIT;

		r = dom0_hosts_check(DOM0_HOSTS_FILE, line, &why);
		if (r < 0)
			strbuf_addf(err, "--hosts: %s", why.buf);
		r = r < 0 ? r : 0;
		strbuf_release(&why);
		free(line);
	}
	if (r >= 0)
		r = check_space(b, err);
	return r;
}

/* How a disk is kept, for the plan and the summary. */
static const char *disk_kind(const struct guest *g, const struct disk *d)
{
	if (g->storage == STORAGE_DEVICE)
		return g->dontformat ? "existing device, kept as it is" :
				       "existing device";
	if (d->lv)
		return d->inactive ? "logical volume, inactive" :
				     "logical volume";
	if (g->qcow2)
		return "qcow2";
	return g->image_full ? "full" : "sparse";
}

/*
 * --boot-mode=hvm --install-method=none: the disk is left blank for the
 * installer the guest boots (--iso) to partition; nothing is made on it
 * and nothing installed.
 */
static int blank_disk(const struct build *b)
{
	return b->g.boot_mode == BOOT_HVM && b->g.method == INSTALL_NONE;
}

/* The stages that write inside the disk, which a blank disk skips. */
static int blank_skips(const char *stage)
{
	static const char *const skipped[] = { "filesystems", "mount",
					       "install", "customize",
					       "bootloader" };

	for (size_t i = 0; i < ARRAY_SIZE(skipped); i++)
		if (streq(stage, skipped[i]))
			return 1;
	return 0;
}

/*
 * The disks and the file systems on them, for the plan (without UUIDs)
 * and the summary: one line per disk, and for a partitioned disk one more
 * per partition.
 */
static void add_storage_lines(const struct build *b, const char *dlabel,
			      const char *plabel, struct strbuf *out)
{
	const struct storage *st = &b->st;

	for (size_t i = 0; i < st->ndisks; i++) {
		const struct disk *d = &st->disks[i];
		char size[32];

		format_size(d->size, size, sizeof(size));
		strbuf_addf(out, "%s%-5s %s %s", dlabel, d->vdev, d->path,
			    size);
		for (size_t k = 0; k < st->nvols; k++) {
			const struct volume *v = &st->vols[k];

			if (v->disk != i || v->partno || blank_disk(b))
				continue;
			strbuf_addf(out, " %s%s%s", v->fs,
				    v->mountpoint ? " " : "",
				    v->mountpoint ? v->mountpoint : "");
			if (v->uuid[0])
				strbuf_addf(out, " UUID=%s", v->uuid);
		}
		if (blank_disk(b))
			strbuf_addstr(out, " blank");
		else if (st->vols[0].partno)
			strbuf_addf(out, " %s",
				    b->g.label == PARTTABLE_MSDOS ? "msdos" :
				    "gpt");
		strbuf_addf(out, " (%s)\n", disk_kind(&b->g, d));
		if (!i && st->bios_boot && !blank_disk(b))
			strbuf_addf(out, "%s%s1 1M BIOS boot (GRUB)\n", plabel,
				    d->vdev);
		for (size_t k = 0; k < st->nvols; k++) {
			const struct volume *v = &st->vols[k];

			if (v->disk != i || !v->partno || blank_disk(b))
				continue;
			format_size(v->size, size, sizeof(size));
			strbuf_addf(out, "%s%s%u %s %s%s%s", plabel, d->vdev,
				    v->partno, size, v->fs,
				    v->mountpoint ? " " : "",
				    v->mountpoint ? v->mountpoint : "");
			if (v->uuid[0])
				strbuf_addf(out, " UUID=%s", v->uuid);
			strbuf_addch(out, '\n');
		}
	}
}

/* A guest in the way, no such volume group, no room, a layout LVM cannot
 * reach, a volume of the guest's name that is not the guest's. */
int build_bad_input(int r)
{
	return r == -EEXIST || r == -ENOENT || r == -ENOSPC ||
	       r == -EINVAL || r == -ENOTSUP || r == -EPERM || r == -EFBIG;
}

/* The primary's IPv6 addresses, then each other interface: its MAC and
 * how it gets its addresses. */
static void add_nic_lines(const struct guest *g, const char *label,
			  const char *dhcp, struct strbuf *out)
{
	for (size_t i = 0; i < g->nnics; i++) {
		const struct nic *n = &g->nics[i];
		struct strbuf on = STRBUF_INIT;

		if (i)
			strbuf_addf(&on, " on %s (interface %zu)",
				    n->mac_text, i + 1);
		if (i && n->dhcp)
			strbuf_addf(out, "%s%s%s\n", label, dhcp, on.buf);
		for (size_t j = 0; i && j < n->nips; j++)
			strbuf_addf(out, "%s%s%s%s%s\n", label, n->ips[j].text,
				    j == 0 && n->gateway[0] ? " via " : "",
				    j == 0 ? n->gateway : "", on.buf);
		for (size_t j = 0; j < n->nips6; j++)
			strbuf_addf(out, "%s%s%s%s%s\n", label,
				    n->ips6[j].text,
				    j == 0 && n->gateway6[0] ? " via " : "",
				    j == 0 ? n->gateway6 : "", on.buf);
		strbuf_release(&on);
	}
}

/* One "LABEL..." line for DHCP and for each address, the first with its
 * gateway: the plan and the summary describe the network alike. */
static void add_network_lines(const struct guest *g, const char *label,
			      const char *dhcp, struct strbuf *out)
{
	if (g->dhcp)
		strbuf_addf(out, "%s%s\n", label, dhcp);
	for (size_t i = 0; i < g->nips; i++)
		strbuf_addf(out, "%s%s%s%s\n", label, g->ips[i].text,
			    i == 0 && g->gateway[0] ? " via " : "",
			    i == 0 ? g->gateway : "");
	add_nic_lines(g, label, dhcp, out);
}

/* The archive's state now, as a base's description records it. */
static void current_state(const struct build *b, struct strbuf *out)
{
	if (b->archive_known)
		archive_state_format(&b->archive, out);
}

/*
 * Whether cached base e is older than the archive: one of its suites has
 * changed since it was built. Never when the archive's state is not known
 * (offline), nor for a base that records none. What changed goes to why.
 */
static int base_is_stale(const struct build *b, const struct base_entry *e,
			 struct strbuf *why)
{
	struct archive_state old = { 0 };
	struct strbuf now = STRBUF_INIT;
	int stale;

	current_state(b, &now);
	stale = now.len && strcmp(e->state, now.buf);
	if (stale && why) {
		if (*e->state && archive_state_parse(e->state, &old) >= 0)
			archive_state_diff(&old, &b->archive, why);
		if (!why->len)
			strbuf_addstr(why, "it records no archive state");
	}
	archive_state_release(&old);
	strbuf_release(&now);
	return stale;
}

/*
 * Where the base would come from: the cache, a renewal or a build (and
 * why), or a build that is not cached. archive_err: why the archive's
 * state is not known, when it is not.
 */
static void add_base_line(const struct build *b, const char *archive_err,
			  struct strbuf *out)
{
	const struct guest *g = &b->g;
	struct base_key key = BASE_KEY_INIT;
	struct base_entry e = { 0 };
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	const char *nocache;
	char *dir = base_cache_dir(g->cachedir), *name = NULL;

	if (!base_cacheable(g, &nocache)) {
		strbuf_addf(out, "base      built, not cached (%s)\n", nocache);
	} else if (base_key_for(g, &key, &err) < 0) {
		strbuf_addf(out, "base      unknown: %s\n", err.buf);
	} else {
		name = base_cache_name(&key);
		if (g->cache == CACHE_REFRESH) {
			strbuf_addf(out, "base      %s, built anew "
				    "(--cache=refresh)\n", name);
		} else if (base_cache_find(dir, &key, &e)) {
			if (base_is_stale(b, &e, &why)) {
				strbuf_addf(out, "base      %s, renewed: %s\n",
					    name, why.buf);
			} else if (archive_err && *archive_err) {
				base_describe_state(&e, time(NULL), &why);
				strbuf_addf(out, "base      %s, from the cache "
					    "as it is (%s), %s\n", name,
					    archive_err, why.buf);
			} else {
				strbuf_addf(out, "base      %s, from the "
					    "cache\n", name);
			}
		} else {
			strbuf_addf(out, "base      %s, built: ", name);
			base_cache_explain_miss(dir, &key, out);
			if (archive_err && *archive_err)
				strbuf_addf(out, "; but %s", archive_err);
			strbuf_addch(out, '\n');
		}
	}
	base_entry_release(&e);
	base_key_release(&key);
	strbuf_release(&err);
	strbuf_release(&why);
	free(dir);
	free(name);
}

/* Which way the root gets its base (clone.h), and why. */
static void add_clone_line(const struct build *b, struct strbuf *out)
{
	const struct guest *g = &b->g;
	struct strbuf why = STRBUF_INIT;
	const char *nocache;
	enum clone_path p;

	p = clone_choose(g, base_cacheable(g, &nocache),
			 g->storage == STORAGE_DIR ?
			 clone_host_fs_type(g->dir) : 0,
			 clone_same_fs(g->cachedir, g->dir), &why);
	strbuf_addf(out, "clone     %s: %s\n", clone_path_name(p), why.buf);
	strbuf_release(&why);
}

/* Who may log in how, for the plan and the summary: keys and admins. */
static void add_access_lines(const struct guest *g, const char *label,
			     struct strbuf *out)
{
	for (size_t i = 0; i < g->admins.nr; i++)
		strbuf_addf(out, "%s%s%s", i ? ", " : label, g->admins.v[i],
			    i + 1 == g->admins.nr ? "\n" : "");
}

static void plan_text(const struct build *b, const char *archive_err,
		      struct strbuf *out)
{
	const struct guest *g = &b->g;
	struct strvec args = STRVEC_INIT;

	strbuf_addf(out, "hostname  %s\n", g->hostname);
	strbuf_addf(out, "dist      %s (%s)\n", g->distro.codename, g->arch);
	if (g->method == INSTALL_DEBOOTSTRAP) {
		install_debootstrap_args(g, "ROOT", &args);
		strbuf_addstr(out, "install  ");
		for (size_t i = 0; i < args.nr; i++)
			strbuf_addf(out, " %s", args.v[i]);
		strbuf_addch(out, '\n');
		if (install_upgrades(g)) {
			struct strvec suites = STRVEC_INIT,
				      mirrors = STRVEC_INIT,
				      kernels = STRVEC_INIT;

			install_suites(g, &suites, &mirrors);
			install_kernel_packages(g, &kernels);
			strbuf_addstr(out, "upgrade   apt-get full-upgrade "
				      "from");
			for (size_t i = 0; i < suites.nr; i++)
				strbuf_addf(out, " %s (%s)", suites.v[i],
					    mirrors.v[i]);
			for (size_t i = 0; i < kernels.nr; i++)
				strbuf_addf(out, "%s%s", i ? " " :
					    ", then install ", kernels.v[i]);
			strbuf_addch(out, '\n');
			strvec_clear(&suites);
			strvec_clear(&mirrors);
			strvec_clear(&kernels);
		}
	} else if (g->method == INSTALL_NONE) {
		strbuf_addstr(out, blank_disk(b) ?
			      "install   none: the disk is left blank, for an "
			      "installer\n" :
			      "install   none: the file systems are left "
			      "empty; no base, hooks, roles or customization\n");
	} else {
		strbuf_addf(out, "install   %s from %s\n",
			    g->method == INSTALL_TAR ? "tar" : "copy",
			    g->install_source);
	}
	if (build_installs(b)) {
		add_base_line(b, archive_err, out);
		add_clone_line(b, out);
	}
	add_storage_lines(b, "disk      ", "partition ", out);
	strbuf_addf(out, "mac       %s\n", g->mac_text);
	add_network_lines(g, "network   ", "dhcp", out);
	/* Nothing installed, nobody to let in. */
	if (g->ssh_keys.nr && build_installs(b))
		strbuf_addf(out, "access    root: %zu SSH key%s%s\n",
			    g->ssh_keys.nr, g->ssh_keys.nr == 1 ? "" : "s",
			    g->lock_root ? ", password locked" : "");
	if (build_installs(b))
		add_access_lines(g, "admins    ", out);
	strbuf_addf(out, "boot      %s: ", boot_mode_name(g->boot_mode));
	if (g->pygrub)
		strbuf_addf(out, "pygrub reads the guest's boot menu%s\n",
			    build_installs(b) ? "" : ", once one is installed");
	else if (g->pvgrub)
		strbuf_addf(out, "%s reads the guest's boot menu%s\n",
			    g->pvgrub, build_installs(b) ? "" :
			    ", once one is installed");
	else if (g->direct)
		strbuf_addf(out, "%s\n", g->kernel ? g->kernel :
			    "the guest's own kernel, copied to dom0");
	else
		strbuf_addf(out, "the disk's own boot code (%s)\n",
			    g->firmware == FIRMWARE_UEFI ? "uefi" : "bios");
	strbuf_addf(out, "config    %s\n", g->cfg_path);
	if (g->hosts) {
		char *line = dom0_hosts_line(g->ips[0].addr_text, g->hostname);

		strbuf_addf(out, "dom0      %s: \"%s\"\n", DOM0_HOSTS_FILE,
			    line);
		free(line);
	}
	strvec_clear(&args);
}

static int make_xl_cfg(struct build *b, struct strbuf *err)
{
	struct tvars *vars = render_vars(&b->g, &b->st, &b->boot);
	int r;

	if (!vars)
		return -ENOMEM;
	strbuf_reset(&b->xl_cfg);
	r = render_xl_cfg(&b->g, vars, &b->xl_cfg, err);
	tvars_free(vars);
	if (r < 0)
		return r;
	/* A file xl would refuse is a failed build, not a surprise later. */
	return xlcfg_check_data(b->xl_cfg.buf, b->xl_cfg.len, b->g.cfg_path,
				err);
}

int build_prepare(struct build *b, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	struct boot_info p;
	int r;

	storage_plan(&b->g, &b->st);
	memset(&p, 0, sizeof(p));
	if (b->g.direct && b->g.kernel) {
		p.kernel_path = strdup(b->g.kernel);
		p.initrd_path = strdup(b->g.initrd ? b->g.initrd : "");
	} else if (b->g.direct) {
		p.kernel_path = path_join(b->g.kernel_dir, "vmlinuz");
		p.initrd_path = path_join(b->g.kernel_dir, "initrd.img");
	}
	p.cmdline = boot_cmdline("ROOT-UUID", b->g.serial_device);
	b->boot = p;
	r = make_xl_cfg(b, &why);
	boot_info_release(&b->boot);
	if (r < 0)
		strbuf_addf(err, "%s: %s", b->g.template_path ? "--template" :
			    "the shipped xl.cfg template", why.buf);
	strbuf_release(&why);
	return r;
}

void build_plan(struct build *b, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	const char *nocache;

	/* The plan asks the mirrors too: whether the base is current. */
	fetch_set_proxy(b->g.apt_proxy);
	if (b->g.method == INSTALL_DEBOOTSTRAP && !b->archive_known &&
	    base_cacheable(&b->g, &nocache)) {
		if (b->g.offline)
			strbuf_addstr(&err, "--offline");
		else if (base_archive_state(&b->g, NULL, &b->archive, &err) >= 0)
			b->archive_known = 1;
	}
	plan_text(b, err.buf, out);
	strbuf_release(&err);
	strbuf_addf(out, "--- %s\n%s", b->g.cfg_path, b->xl_cfg.buf);
}

/* DIR/domains/HOST or STATEDIR/kernels/HOST, made by this run: a
 * directory that appeared since the existence check is not ours to fill. */
static int make_guest_dir(struct build *b, const char *dir)
{
	char *parent = xstrdup(dir);
	int r;

	*strrchr(parent, '/') = '\0';
	r = journal_mkdir_p(&b->j, parent, 0755);
	free(parent);
	if (r >= 0)
		r = journal_add(&b->j, JOURNAL_CREATED, UNDO_RMDIR, dir);
	if (r >= 0 && mkdir(dir, 0700) < 0) {
		r = -errno;
		journal_cancel(&b->j);
	}
	if (r < 0)
		return build_error(b, r, "cannot create '%s': %m", dir);
	return 0;
}

/* Write the partition table and note where each partition lies. */
static int partition_disk(struct build *b, struct strbuf *err)
{
	struct storage *st = &b->st;
	size_t n, first = st->bios_boot ? 1 : 0;
	struct parttable_entry *e = storage_parttable(st, &n);
	int r;

	if (first)
		e[0].name = "bios";
	for (size_t i = 0; i < st->nvols; i++)
		e[first + i].name = st->vols[i].name;
	info("partitioning '%s' (%s)", st->disks[0].path,
	     b->g.label == PARTTABLE_MSDOS ? "msdos" : "gpt");
	r = parttable_write(st->disks[0].dev, b->g.label, e, n, err);
	for (size_t i = 0; r >= 0 && i < st->nvols; i++) {
		st->vols[i].offset = e[first + i].offset;
		st->vols[i].size = e[first + i].length;
	}
	free(e);
	return r;
}

static int lock_base(const char *dir, const char *name, int *fd,
		     int exclusive, int *waited, struct strbuf *err);
static void set_built_from(struct build *b, const char *state);
static void set_base_name(struct build *b, const char *name);

/*
 * The root disk as a qcow2 overlay of the base's qcow2 image at img,
 * exported onto d->export (storage-dir.c) to be written like any qcow2
 * disk. What fails is undone here, for the base to be unpacked instead.
 */
static int overlay_root_disk(struct build *b, struct disk *d,
			     const char *img, struct strbuf *err)
{
	size_t held = b->j.nr;
	int r;

	if (!d->export) {
		strbuf_addf(err, "'%s' is not a qcow2 image", d->path);
		return -EINVAL;
	}
	r = clone_overlay(img, d->path, d->size, &b->j, err);
	if (r >= 0)
		r = qcow2_fuse_start(d->path, d->export, &b->j, err);
	if (r < 0) {
		while (b->j.nr > held)
			(void)journal_pop(&b->j);
		return r;
	}
	free(b->backing);
	b->backing = xstrdup(img);
	return 0;
}

/*
 * The root disk cloned from the base's image (clone.h): a reflinked or
 * sparse copy (clone-copy.h) of its raw image, or a qcow2 overlay of its
 * qcow2 image; the image made on first need, under the base's lock so
 * that no prune or renewal removes it meanwhile. Anything short of that (no current cached base,
 * an image that cannot be made, a cache on another file system) leaves
 * the disk to be made and the base unpacked as before: 0 either way, and
 * b->cloned says which.
 */
static int clone_root_disk(struct build *b, struct disk *d)
{
	const struct guest *g = &b->g;
	const char *fs = storage_root_volume(&b->st)->fs, *nocache, *format;
	struct base_key key = BASE_KEY_INIT;
	struct base_entry e = { 0 };
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	char *dir = NULL, *name = NULL, *img = NULL;
	int lock = -1, waited = 0, r;
	enum clone_path p;

	p = clone_choose(g, base_cacheable(g, &nocache),
			 clone_host_fs_type(g->dir),
			 clone_same_fs(g->cachedir, g->dir), &why);
	if (p == CLONE_PATH_UNPACK || g->cache == CACHE_REFRESH)
		goto out;
	format = p == CLONE_PATH_OVERLAY ? "qcow2" : "raw";
	dir = base_cache_dir(g->cachedir);
	if (base_key_for(g, &key, &err) < 0)
		goto out;
	name = base_cache_name(&key);
	if (lock_base(dir, name, &lock, 0, &waited, &err) < 0)
		goto out;
	if (!base_cache_find(dir, &key, &e) || base_is_stale(b, &e, NULL)) {
		info("no current cached base to clone: unpacking it");
		goto out;
	}
	img = base_image_path(&e, fs, format);
	r = base_image_verify(img, &err);
	if (r < 0 && r != -ENOENT)
		warning("the base image is damaged (%s): making it again",
			err.buf);
	if (r < 0) {
		strbuf_reset(&err);
		/* Alone, then look again: another run may have made it. */
		if (lock_base(dir, name, &lock, 1, &waited, &err) < 0)
			goto out;
		base_entry_release(&e);
		if (!base_cache_find(dir, &key, &e) ||
		    base_is_stale(b, &e, NULL))
			goto out;
		r = base_image_verify(img, &err);
		if (r < 0 && base_image_in_use(img)) {
			warning("the base image '%s' is damaged, but guests "
				"read it: leaving it to them, and unpacking the "
				"base", img);
			goto out;
		}
		if (r < 0) {
			double t0 = clock_seconds();

			info("making the %s%s image of the base %s", fs,
			     p == CLONE_PATH_OVERLAY ? " qcow2" : "", e.name);
			strbuf_reset(&err);
			r = base_image_make(&e, fs, format, img, &b->j, &err);
			if (r < 0) {
				warning("cannot make the base image: %s; "
					"unpacking the base", err.buf);
				goto out;
			}
			debug("made the base image in %.1f s",
			      clock_seconds() - t0);
		}
		/* An overlay holds the lock until the build's end: shared,
		 * so other guests of the base are built meanwhile. flock
		 * lets go of it in between: look again. */
		if (p == CLONE_PATH_OVERLAY) {
			strbuf_reset(&err);
			if (lock_base(dir, name, &lock, 0, &waited, &err) < 0)
				goto out;
			if (!path_exists(img)) {
				info("the base image went meanwhile: unpacking "
				     "the base");
				goto out;
			}
		}
	}
	strbuf_reset(&err);
	if (p == CLONE_PATH_OVERLAY) {
		info("cloning the base %s into '%s' as a qcow2 overlay (%s)",
		     e.name, d->path, why.buf);
		r = overlay_root_disk(b, d, img, &err);
	} else if (p == CLONE_PATH_COPY) {
		info("copying the base %s's image into '%s' (%s)", e.name,
		     d->path, why.buf);
		r = clone_copy(img, d->path, d->size, &b->j, &err);
	} else {
		info("cloning the base %s into '%s' (%s)", e.name, d->path,
		     why.buf);
		r = clone_reflink(img, d->path, d->size, &b->j, &err);
	}
	if (r < 0) {
		warning("%s; unpacking the base", err.buf);
		goto out;
	}
	b->cloned = 1;
	set_built_from(b, e.state);
	set_base_name(b, e.name);
	base_cache_touch(&e);
	/* The overlay reads the image from now on, but no record says so
	 * until the build's end: a prune must not see it unused meanwhile. */
	if (p == CLONE_PATH_OVERLAY) {
		b->base_lock = lock;
		lock = -1;
	}
out:
	base_cache_unlock(lock);
	base_entry_release(&e);
	base_key_release(&key);
	strbuf_release(&err);
	strbuf_release(&why);
	free(dir);
	free(name);
	free(img);
	return 0;
}

/* Make each disk and reach it through a block device. */
static int make_disks(struct build *b)
{
	const struct guest *g = &b->g;
	const struct volume *root = storage_root_volume(&b->st);
	struct strbuf err = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < b->st.ndisks && r >= 0; i++) {
		struct disk *d = &b->st.disks[i];

		if (root && i == root->disk)
			r = clone_root_disk(b, d);
		if (r < 0)
			break;
		if (!b->cloned || i != root->disk)
			info("%s %s '%s'", d->owned ? "creating" : "using",
			     d->name, d->path);
		if (b->st.ops->create && (!b->cloned || i != root->disk))
			r = b->st.ops->create(g, d, &b->j, &err);
		if (r >= 0)
			r = b->st.ops->attach(g, d, &b->j, &err);
		/* A volume or device may hold an earlier tenant's data; a
		 * new image file holds nothing. --dontformat keeps what the
		 * devices hold. */
		if (r >= 0 && g->storage != STORAGE_DIR && !g->dontformat) {
			info("wiping '%s'%s", d->path, g->wipe_full ?
			     " completely (--wipe=full)" : "");
			r = blockdev_wipe(d->dev, g->wipe_full, &err);
		}
		if (r < 0)
			r = fail(b, r, "prepare the disk", &err);
	}
	if (r >= 0 && b->st.vols[0].partno && !blank_disk(b)) {
		r = partition_disk(b, &err);
		if (r < 0)
			r = fail(b, r, "partition the disk", &err);
	}
	strbuf_release(&err);
	return r;
}

static int make_filesystems(struct build *b)
{
	const struct guest *g = &b->g;
	/* Nothing may punch the blocks of a full image back out (a qcow2
	 * one passes discards on to its file). */
	int keep = g->image_full && g->storage == STORAGE_DIR;
	struct strbuf err = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < b->st.nvols && r >= 0; i++) {
		struct volume *v = &b->st.vols[i];
		struct disk *d = &b->st.disks[v->disk];

		if (v->partno)
			r = loop_attach_range(d->dev, v->offset, v->size,
					      &b->j, &v->dev, &err);
		else
			v->dev = xstrdup(d->dev);
		if (r >= 0 && b->cloned && v == storage_root_volume(&b->st))
			r = clone_renew(v->dev, v->fs, &err);
		else if (r >= 0 && g->dontformat)
			info("keeping the %s on '%s' (--dontformat)",
			     streq(v->fs, "swap") ? "swap area" :
			     "file system", v->dev);
		else if (r >= 0)
			r = fs_make(v->dev, v->fs, keep, &err);
		if (r >= 0)
			r = fs_read_uuid(v->dev, v->uuid, sizeof(v->uuid));
		if (r < 0)
			r = fail(b, r, "make a file system", &err);
	}
	strbuf_release(&err);
	return r;
}

/* The root at a scratch mount point, then every other file system on
 * it, parents first (the volumes are sorted by mount point depth). */
/*
 * Mount options for building. On a loop device (an image file, or a
 * logical volume reached through its physical volume) a journal commit's
 * cache flush makes the loop driver fsync the whole image file to the
 * host's disk, and ext3/ext4 issue one on every commit and at unmount:
 * 0.3 s of a 2 s build here, for nothing, since a half-built guest is
 * thrown away whole. A real device keeps its flushes.
 */
static const char *build_mount_options(const struct volume *v)
{
	if (strncmp(v->dev, "/dev/loop", 9))
		return NULL;
	if (streq(v->fs, "ext3") || streq(v->fs, "ext4"))
		return "barrier=0";
	return NULL;
}

static int mount_all(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	r = scratch_dir("create-image", &b->j, &b->mnt, &err);
	if (r < 0) {
		r = fail(b, r, "make a mount point", &err);
		strbuf_release(&err);
		return r;
	}
	for (size_t i = 0; i < b->st.nvols && r >= 0; i++) {
		const struct volume *v = &b->st.vols[i];
		char *dir;

		if (!v->mountpoint)
			continue;
		dir = path_join(b->mnt, v->mountpoint);
		r = mkdir_p(dir, 0755);
		if (r < 0)
			strbuf_addf(&err, "cannot create '%s': %s", dir,
				    strerror(-r));
		/* The EFI system partition is written with mtools (see
		 * bootcode.h): a dom0 kernel need not know FAT. */
		else if (!streq(v->fs, "vfat"))
			r = fs_mount(v->dev, v->fs, dir,
				     build_mount_options(v), &b->j, &err);
		if (r >= 0 && b->cloned && v == storage_root_volume(&b->st))
			r = clone_grow(dir, v->fs, &err);
		free(dir);
	}
	if (r < 0)
		r = fail(b, r, "mount the guest's file systems", &err);
	strbuf_release(&err);
	return r;
}

/* Once nothing is mounted: what a storage finishes its disks with. */
static int finish_disks(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	int r = 0;

	if (!b->st.ops->finish)
		return 0;
	for (size_t i = 0; i < b->st.ndisks && r >= 0; i++) {
		struct disk *d = &b->st.disks[i];

		r = b->st.ops->finish(&b->g, d, &b->j, &err);
		if (r < 0)
			r = fail(b, r, "finish the disk", &err);
	}
	strbuf_release(&err);
	return r;
}

static int root_is_full(const struct build *b)
{
	struct strbuf log = STRBUF_INIT;
	struct statvfs st;
	int full = 0;

	if (statvfs(b->mnt, &st) == 0)
		full = (unsigned long long)st.f_bavail * st.f_frsize <
		       (1ULL << 20);
	/* dpkg cleans up after a failed unpack, freeing what it wrote; its
	 * log under debootstrap still says why. */
	if (!full && b->root &&
	    rootfs_read_file(b->root, "debootstrap/debootstrap.log",
			     O_NOFOLLOW, 16 << 20, &log, NULL) >= 0)
		full = strstr(log.buf, "No space left on device") != NULL;
	strbuf_release(&log);
	return full;
}

/* A step that failed on a full root says so: its own words seldom do
 * (debootstrap's are "file already exists"). */
static void add_full_hint(const struct build *b, struct strbuf *err)
{
	if (root_is_full(b))
		strbuf_addstr(err, " (the root file system is full: give a "
			      "larger --size)");
}

/*
 * The directory to name for the file system holding the guest's files:
 * --dir, unless DIR/domains/HOST is on another file system.
 */
static char *files_holder(const struct guest *g)
{
	char *dir = fsspace_existing_dir(g->guest_dir);
	struct stat a, c;

	if (stat(dir, &a) == 0 && stat(g->dir, &c) == 0 &&
	    a.st_dev == c.st_dev) {
		free(dir);
		return xstrdup(g->dir);
	}
	return dir;
}

/* A guest file system that went read-only: the kernel's answer to a
 * write its disk refused. Its mount point in the guest, or NULL. */
static const char *read_only_volume(const struct build *b)
{
	for (size_t i = 0; b->mnt && i < b->st.nvols; i++) {
		const struct volume *v = &b->st.vols[i];
		struct statvfs st;
		char *dir;
		int ro;

		if (!v->mountpoint)
			continue;
		dir = path_join(b->mnt, v->mountpoint);
		ro = statvfs(dir, &st) == 0 && (st.f_flag & ST_RDONLY);
		free(dir);
		if (ro)
			return v->mountpoint;
	}
	return NULL;
}

/*
 * What made a step fail when it was not the step: a host file system
 * that filled up (the image files could not grow, the cache could not
 * take a download), or a guest file system that went read-only after a
 * failed write. The step's own words seldom say so ("hook failed",
 * "Input/output error"). One line into cause, or nothing.
 */
static void failure_cause(const struct build *b, struct strbuf *cause)
{
	const struct guest *g = &b->g;
	const char *mp;

	if (g->need_guest_dir && g->guest_dir &&
	    fsspace_is_full(g->guest_dir)) {
		char *dir = files_holder(g);
		int grows = g->storage == STORAGE_DIR &&
			    (!g->image_full || g->qcow2);

		strbuf_addf(cause, "the file system holding '%s' is full%s",
			    dir, grows ? " (the image files could not grow)" :
			    "");
		free(dir);
	} else if (b->stage && streq(b->stage, "install") && g->cachedir &&
		   path_is_dir(g->cachedir) && fsspace_is_full(g->cachedir)) {
		/* Only installing writes there: downloads, a new base. */
		strbuf_addf(cause, "the file system holding the cache '%s' is "
			    "full", g->cachedir);
	} else if ((mp = read_only_volume(b))) {
		strbuf_addf(cause, "the guest's file system '%s' went "
			    "read-only after a write to its disk failed", mp);
	}
}

/* The build's reason, led by its cause when that was not the step. */
static void name_the_cause(struct build *b)
{
	struct strbuf cause = STRBUF_INIT;

	failure_cause(b, &cause);
	if (cause.len && b->error.len) {
		strbuf_addf(&cause, ": %s", b->error.buf);
		strbuf_release(&b->error);
		b->error = cause;
		return;
	}
	strbuf_release(&cause);
}

/*
 * The guest as hooks find it: no daemon started by a package script, and
 * the host's resolver lent. Nothing is mounted in it: each command a hook
 * runs in the guest (in-guest) gets /dev, /proc and /sys of its own
 * sandbox. The policy is in the journal; leave_chroot() takes the
 * resolver back.
 */
static int enter_chroot(struct build *b, struct strbuf *err)
{
	int r = customize_block_daemons(b->root, &b->j, err);

	if (r < 0)
		return r;
	r = customize_lend_resolv_conf(b->root, 1);
	if (r < 0)
		strbuf_addf(err, "cannot lend the host's resolv.conf to the "
			    "guest's '/etc/resolv.conf': %s", strerror(-r));
	return r;
}

static int leave_chroot(struct build *b, struct strbuf *err)
{
	int r = customize_lend_resolv_conf(b->root, 0);

	if (r < 0)
		strbuf_addf(err, "cannot restore the guest's "
			    "'/etc/resolv.conf': %s", strerror(-r));
	return r;
}

static int has_roles(const struct build *b)
{
	return b->g.roles.nr || b->g.final_roles.nr;
}

/*
 * Before the first role, the package lists roles expect: without them a
 * role that installs a package fails, naming it, while one that does not
 * needs no mirror (--offline), so that is a warning. After the last, they
 * go again, as from the base.
 */
static int roles_apt(struct build *b, int before, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int r;

	if (before)
		info("fetching the package lists for the roles");
	r = hooks_roles_apt(&b->g, b->mnt, before, &why);
	if (r < 0 && before)
		warning("%s", why.buf);
	else if (r < 0)
		strbuf_addstr(err, why.buf);
	strbuf_release(&why);
	return before ? 0 : r;
}

static int customize(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	struct strvec hooks = STRVEC_INIT;
	struct tvars *vars = NULL;
	int r;

	if (b->g.password) {
		r = password_hash(b->g.password, b->g.hash, &b->hash);
	} else if (b->g.genpass) {
		r = password_generate(b->g.genpass_len, &b->password);
		if (r >= 0)
			r = password_hash(b->password, b->g.hash, &b->hash);
	} else {
		r = 0;
	}
	if (r < 0)
		return build_error(b, r, "cannot make the root password: %m");

	info("customizing the guest");
	r = customize_check_tree(b->root, &err);
	if (r < 0)
		goto out;
	vars = render_vars(&b->g, &b->st, NULL);
	if (!vars) {
		r = -ENOMEM;
		strbuf_addstr(&err, strerror(ENOMEM));
		goto out;
	}
	r = customize_guest(&b->g, b->root, vars, b->hash, &err);
	if (r >= 0 && b->g.modules) {
		info("copying the modules in '%s' into the guest",
		     b->g.modules);
		r = customize_modules(&b->g, b->root, &err);
	}
	if (r >= 0)
		r = customize_host_keys(&b->g, b->root, &err);
	if (r >= 0)
		r = enter_chroot(b, &err);
	if (r < 0)
		goto out;
	/* --hooks=0: none, as in xen-tools; the roles still run. */
	if (b->g.hooks)
		hooks_collect(&b->g, HOOKS_GUEST, &hooks);
	r = hooks_run(&b->g, HOOKS_GUEST, b->mnt, &hooks, NULL, "hook", &err);
	if (r >= 0 && has_roles(b))
		r = roles_apt(b, 1, &err);
	if (r >= 0)
		r = hooks_run(&b->g, HOOKS_GUEST, b->mnt, &b->g.roles,
			      &b->g.role_args, "role", &err);
	if (r >= 0 && has_roles(b) && !b->g.final_roles.nr)
		r = roles_apt(b, 0, &err);
	if (r >= 0)
		r = leave_chroot(b, &err);
	/* After the hooks and roles, which may have made keys of their own. */
	if (r >= 0 && b->g.generalize)
		r = generalize_image(b->root, &err);
out:
	if (r < 0)
		r = fail(b, r, "customize the guest", &err);
	tvars_free(vars);
	strvec_clear(&hooks);
	strbuf_release(&err);
	return r;
}

/*
 * What makes an installed tree a base: the upgrade to the newest packages
 * of the -updates and -security suites, the base hooks, and taking out
 * what belongs to one guest. For a fresh install, and for a stale base
 * being renewed.
 */
static int finish_base(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	struct strvec hooks = STRVEC_INIT;
	int upgrade = install_upgrades(&b->g);
	size_t mark;
	int r;

	hooks_collect(&b->g, HOOKS_BASE, &hooks);
	mark = b->j.nr;
	r = customize_check_tree(b->root, &err);
	if (r >= 0 && (hooks.nr || upgrade)) {
		r = enter_chroot(b, &err);
		if (r >= 0 && upgrade) {
			struct strvec suites = STRVEC_INIT, mirrors = STRVEC_INIT;
			struct strbuf list = STRBUF_INIT;
			double t0 = clock_seconds();

			install_suites(&b->g, &suites, &mirrors);
			for (size_t i = 0; i < suites.nr; i++)
				strbuf_addf(&list, "%s%s", !i ? "" :
					    i + 1 < suites.nr ? ", " : " and ",
					    suites.v[i]);
			info("upgrading to the newest packages of %s",
			     list.buf);
			strbuf_release(&list);
			strvec_clear(&suites);
			strvec_clear(&mirrors);
			r = install_upgrade(&b->g, b->root, &err);
			if (r < 0)
				add_full_hint(b, &err);
			if (r < 0) {
				r = fail(b, r, "upgrade the system", &err);
				goto out;
			}
			debug("upgraded in %.1f s", clock_seconds() - t0);
		}
		if (r >= 0 && hooks.nr)
			r = hooks_run(&b->g, HOOKS_BASE, b->mnt, &hooks, NULL,
				      "base hook", &err);
		if (r >= 0)
			r = leave_chroot(b, &err);
		/* Lift the policy: it is not the base's. */
		while (r >= 0 && b->j.nr > mark)
			r = journal_pop(&b->j);
	}
	if (r >= 0)
		r = customize_generalize(b->root, &err);
	/* The cache keeps what is here now: never a tree in which a base
	 * hook made a link of a directory every guest's build writes to,
	 * which would fail each of them. */
	if (r >= 0)
		r = customize_check_tree(b->root, &err);
	if (r < 0)
		r = fail(b, r, "prepare the base", &err);
out:
	strvec_clear(&hooks);
	strbuf_release(&err);
	return r;
}

/*
 * The part of the guest every guest of its recipe shares: the system
 * installed, the base hooks run in it, and everything of one guest or of
 * this host taken out again. The tree is then what the cache keeps.
 */
static int make_base(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	info("installing %s with %s", b->g.distro.codename,
	     b->g.method == INSTALL_DEBOOTSTRAP ?
	     install_installer_name(&b->g) :
	     b->g.method == INSTALL_TAR ? "tar" : "copy");
	/* Plain http without a checksum was refused with the options. */
	if (b->g.method == INSTALL_TAR && !b->g.install_sha256 &&
	    source_is_url(b->g.install_source) &&
	    strncasecmp(b->g.install_source, "file://", 7))
		warning("'%s' is not checked against a checksum: give "
			"--install-source-sha256 to be sure of what it "
			"serves", b->g.install_source);
	r = install_system(&b->g, b->root, &err);
	if (r < 0)
		add_full_hint(b, &err);
	if (r < 0) {
		r = fail(b, r, "install the system", &err);
		goto out;
	}
	r = finish_base(b);
out:
	strbuf_release(&err);
	return r;
}

/*
 * The cached base e into the guest's root, checked by the reading that
 * unpacks it: 0 when done; 1 when it could not be opened, or its size
 * gives it away as damaged, and nothing was unpacked; -EBADMSG when its
 * checksum did once it was unpacked (the root holds what came out of it).
 * Either way damage says why. Another failure is the build's.
 */
static int unpack_base(struct build *b, const struct base_key *key,
		       struct base_entry *e, double t0, struct strbuf *damage)
{
	struct strbuf err = STRBUF_INIT;
	char when[32];
	int fd, r;

	strbuf_reset(damage);
	fd = base_cache_open(e, damage);
	if (fd < 0)
		return 1;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&e->created));
	info("using the cached base %s", e->name);
	debug("its key matches this guest's: %s/%s, %s from %s, built %s",
	      key->part[BASE_KEY_DIST], key->part[BASE_KEY_ARCH],
	      key->part[BASE_KEY_METHOD],
	      *key->part[BASE_KEY_MIRROR] ? key->part[BASE_KEY_MIRROR] :
					    key->part[BASE_KEY_SOURCE],
	      when);
	r = install_tar_fd(fd, e->archive, e->sha256, b->mnt, &err);
	close(fd);
	if (r == -EBADMSG) {
		strbuf_add(damage, err.buf, err.len);
	} else if (r < 0) {
		add_full_hint(b, &err);
		r = fail(b, r, "unpack the cached base", &err);
	} else {
		base_cache_touch(e);
		debug("checked and unpacked the base in %.1f s",
		      clock_seconds() - t0);
	}
	strbuf_release(&err);
	return r;
}

/*
 * The base's lock, shared to read the base or exclusive to build, replace
 * or remove it, saying so when another run makes us wait for it. With
 * *fd >= 0 the lock changes kind.
 */
static int lock_base(const char *dir, const char *name, int *fd,
		     int exclusive, int *waited, struct strbuf *err)
{
	int r = base_cache_lock(dir, name, *fd, exclusive, 0, err);

	if (r == -EBUSY) {
		if (exclusive)
			info("waiting for another run that is building the "
			     "base %s", name);
		else
			info("waiting for another run that is building or "
			     "removing the base %s", name);
		*waited = 1;
		r = base_cache_lock(dir, name, *fd, exclusive, 1, err);
	}
	if (r >= 0)
		*fd = r;
	return r;
}

/*
 * A base whose checksum failed only once it was unpacked: what came out
 * of it is in the guest's root, where nothing can tell it apart, so the
 * run fails and is rolled back. The base goes too, unless another run
 * replaced it meanwhile, so that the next run builds it anew.
 */
static int drop_damaged_base(struct build *b, const char *dir,
			     const struct base_key *key,
			     const struct base_entry *e, int *lock,
			     const struct strbuf *damage)
{
	struct strbuf err = STRBUF_INIT;
	struct base_entry now = { 0 };
	int waited = 0, r;

	r = lock_base(dir, e->name, lock, 1, &waited, &err);
	if (r >= 0 && base_cache_find(dir, key, &now) &&
	    !strcmp(now.sha256, e->sha256) && now.created == e->created)
		r = base_cache_remove(&now);
	if (r < 0 && r != -EINTR && !err.len)
		strbuf_addf(&err, "%s", strerror(-r));
	if (r == -EINTR)
		r = build_error(b, r, "interrupted");
	else if (r < 0)
		r = build_error(b, -EBADMSG, "cannot use the cached base %s: "
				"%s; removing it failed too: %s", e->name,
				damage->buf, err.buf);
	else
		r = build_error(b, -EBADMSG, "cannot use the cached base %s: "
				"%s; it was removed, and the next run builds "
				"it anew", e->name, damage->buf);
	base_entry_release(&now);
	strbuf_release(&err);
	return r;
}

static void set_built_from(struct build *b, const char *state)
{
	free(b->built_from);
	b->built_from = xstrdup(state ? state : "");
}

static void set_base_name(struct build *b, const char *name)
{
	free(b->base_name);
	b->base_name = xstrdup(name);
}

/*
 * The base from the cache, or built here and then stored in it. A base
 * is read under a shared lock, so the guests of a fleet unpack it side by
 * side; building, renewing or removing one takes the lock alone. A base
 * older than the archive is renewed: unpacked, upgraded to the newest
 * packages and stored again, which takes a fraction of a fresh install.
 */
static int install_base(struct build *b)
{
	struct base_key key = BASE_KEY_INIT;
	struct base_entry e = { 0 };
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	struct strbuf state = STRBUF_INIT;
	const char *nocache;
	char *dir = NULL, *name = NULL;
	int lock = -1, waited = 0, refresh, r;
	double t0 = clock_seconds();

	if (b->cloned) {
		debug("the base came with the cloned root disk");
		return 0;
	}
	current_state(b, &state);
	if (!base_cacheable(&b->g, &nocache)) {
		debug("not using the base cache: %s", nocache);
		set_built_from(b, state.buf);
		r = make_base(b);
		goto out;
	}
	dir = base_cache_dir(b->g.cachedir);
	r = base_key_for(&b->g, &key, &err);
	if (r < 0) {
		r = fail(b, r, "work out the base", &err);
		goto out;
	}
	/*
	 * Checked with the options already; again now that it is made, in
	 * case someone else made it first (in a sticky /var/tmp, say).
	 */
	(void)mkdir_p(dir, 0755);
	r = base_cache_check_dir(dir, &err);
	if (r < 0) {
		r = fail(b, r, "use the base cache", &err);
		goto out;
	}
	name = base_cache_name(&key);
	set_base_name(b, name);
	refresh = b->g.cache == CACHE_REFRESH;
	r = lock_base(dir, name, &lock, refresh, &waited, &err);
	if (r < 0 && !err.len)
		strbuf_addf(&err, "'%s': %s", dir, strerror(-r));
	/* A cache that cannot be used (read-only, not ours) costs only the
	 * speed it would have brought. */
	if (r < 0 && r != -EINTR) {
		warning("cannot use the base cache: %s; building the base "
			"without it", err.buf);
		set_built_from(b, state.buf);
		r = make_base(b);
		goto out;
	}
	if (r < 0) {
		r = fail(b, r, "lock the base cache", &err);
		goto out;
	}
	/* The common case: a good, current base, read beside other runs. */
	if (!refresh && base_cache_find(dir, &key, &e) &&
	    !base_is_stale(b, &e, NULL)) {
		set_built_from(b, e.state);
		r = unpack_base(b, &key, &e, t0, &err);
		if (r == -EBADMSG)
			r = drop_damaged_base(b, dir, &key, &e, &lock, &err);
		if (r != 1)
			goto out;
	}
	base_entry_release(&e);
	strbuf_reset(&err);

	/* To build, renew or replace it, alone; then look again: another
	 * run may have done it meanwhile. */
	r = lock_base(dir, name, &lock, 1, &waited, &err);
	if (r < 0) {
		r = fail(b, r, "lock the base cache", &err);
		goto out;
	}
	set_built_from(b, state.buf);
	if (base_cache_find(dir, &key, &e)) {
		if (refresh && !waited) {
			strbuf_addstr(&why, "--cache=refresh");
			r = base_cache_remove(&e);
		} else if (base_is_stale(b, &e, &why)) {
			info("renewing the cached base %s: %s", name, why.buf);
			r = unpack_base(b, &key, &e, t0, &err);
			if (r == -EBADMSG)
				r = drop_damaged_base(b, dir, &key, &e, &lock,
						      &err);
			if (r == 0)
				r = finish_base(b);
			if (r <= 0) {
				if (r == 0)
					debug("renewed the base in %.1f s",
					      clock_seconds() - t0);
				goto store;
			}
			warning("the cached base %s is damaged (%s): building "
				"it again", e.name, err.buf);
			strbuf_reset(&why);
			strbuf_addf(&why, "the cached copy was damaged");
			r = base_cache_remove(&e);
		} else {
			set_built_from(b, e.state);
			r = unpack_base(b, &key, &e, t0, &err);
			if (r == -EBADMSG)
				r = drop_damaged_base(b, dir, &key, &e, &lock,
						      &err);
			if (r != 1)
				goto out;
			set_built_from(b, state.buf);
			warning("the cached base %s is damaged (%s): building "
				"it again", e.name, err.buf);
			strbuf_addf(&why, "the cached copy was damaged");
			r = base_cache_remove(&e);
		}
		if (r < 0) {
			r = build_error(b, r, "cannot remove the cached base "
					"'%s': %m", e.archive);
			goto out;
		}
	} else {
		base_cache_explain_miss(dir, &key, &why);
	}

	info("building the base %s", name);
	debug("why: %s", why.buf);
	r = make_base(b);
	if (r >= 0)
		debug("built the base in %.1f s", clock_seconds() - t0);
store:
	if (r < 0)
		goto out;
	info("storing the base in '%s'", dir);
	t0 = clock_seconds();
	strbuf_reset(&err);
	r = base_cache_store(dir, &key, state.buf, b->mnt, &err);
	if (r >= 0)
		debug("stored the base in %.1f s", clock_seconds() - t0);
	/* The guest is fine without it: the next run builds it again. */
	if (r < 0 && r != -EINTR) {
		warning("cannot store the base: %s", err.buf);
		r = 0;
	} else if (r < 0) {
		r = fail(b, r, "store the base", &err);
	}
out:
	base_cache_unlock(lock);
	base_entry_release(&e);
	base_key_release(&key);
	strbuf_release(&err);
	strbuf_release(&why);
	strbuf_release(&state);
	free(dir);
	free(name);
	return r;
}

static int make_bootable(struct build *b)
{
	const char *uuid = storage_root_volume(&b->st)->uuid;
	struct strbuf err = STRBUF_INIT;
	struct tvars *vars = NULL;
	int r;

	/* Nothing installed: no boot menu to write, and a direct boot's
	 * kernel is --kernel, which guest.c asks for. */
	if (!build_installs(b)) {
		b->boot.cmdline = boot_cmdline(uuid, b->g.serial_device);
		r = b->g.direct ? boot_export_kernel(&b->g, NULL, &b->boot,
						     &b->j, &err) : 0;
		goto out;
	}
	r = boot_find_kernel(b->root, &b->boot, &err);
	if (r < 0)
		goto out;
	b->boot.cmdline = b->g.boot_mode == BOOT_HVM ?
		boot_cmdline_serial(uuid, b->g.serial_device) :
		boot_cmdline(uuid, b->g.serial_device);
	/* Unless --kernel boots it instead, the guest's kernel must start
	 * as a PVH guest. */
	if (streq(boot_mode_type(b->g.boot_mode), "pvh") &&
	    !(b->g.direct && b->g.kernel)) {
		r = boot_check_pvh(b->root, &b->boot, &err);
		if (r < 0)
			goto out;
		if (r == 0)
			warning("cannot tell whether the guest's kernel %s "
				"boots as a PVH guest: it has no "
				"/boot/config-%s", b->boot.kernel_version,
				b->boot.kernel_version);
	}
	if (b->g.direct) {
		r = boot_export_kernel(&b->g, b->root, &b->boot, &b->j, &err);
		if (r < 0)
			goto out;
	}
	vars = render_vars(&b->g, &b->st, &b->boot);
	r = vars ? boot_write_menu(b->root, vars, &err) : -ENOMEM;
	if (r >= 0 && b->g.boot_mode == BOOT_HVM) {
		info("installing GRUB for %s on '%s'", b->g.firmware ==
		     FIRMWARE_UEFI ? "UEFI" : "BIOS", b->st.disks[0].path);
		r = boot_write_grub_defaults(b->root,
					     b->g.serial_device, &err);
		if (r >= 0)
			r = bootcode_install(&b->g, &b->st, b->root, &err);
	}
out:
	if (r < 0)
		r = fail(b, r, "make the guest bootable", &err);
	tvars_free(vars);
	strbuf_release(&err);
	return r;
}

/* What ssh-keygen reads of a host key: a .pub line, far below this. */
#define PUBKEY_MAX (64 * 1024)

/*
 * The host keys' fingerprints, for the summary. Each .pub is read from the
 * tree through rootfs and handed to ssh-keygen on its stdin: ssh-keygen
 * given a path would follow a link in the guest's /etc/ssh out of it, and
 * wait forever on a FIFO.
 */
static void read_fingerprints(struct build *b)
{
	struct strvec entries = STRVEC_INIT;

	if (!b->root)
		return;
	(void)rootfs_list_dir(b->root, "etc/ssh", &entries);
	for (size_t i = 0; i < entries.nr; i++) {
		struct child_process cp = CHILD_PROCESS_INIT;
		struct strbuf rel = STRBUF_INIT, key = STRBUF_INIT;
		const char *e = entries.v[i];
		size_t n = strlen(e);
		int r;

		if (strncmp(e, "ssh_host_", 9) || n < 4 ||
		    strcmp(e + n - 4, ".pub"))
			continue;
		strbuf_addf(&rel, "etc/ssh/%s", e);
		if (rootfs_read_file(b->root, rel.buf, 0, PUBKEY_MAX, &key,
				     NULL) < 0)
			goto next;
		strvec_pushl(&cp.args, "ssh-keygen", "-l", "-f", "-", NULL);
		cp.in = key.buf;
		cp.capture = 1;
		r = run_command(&cp);
		if (r >= 0) {
			/* "256 SHA256:... root@host (ED25519)": drop the
			 * comment, which names the build host. */
			struct strvec w = STRVEC_INIT;

			strvec_split(&w, cp.out.buf, " \n");
			if (w.nr >= 3)
				strvec_pushf(&b->fingerprints, "%s %s %s",
					     w.v[w.nr - 1], w.v[0], w.v[1]);
			strvec_clear(&w);
		} else if (r != -EINTR) {
			struct strbuf why = STRBUF_INIT;

			/* The guest is whole; only the summary is short. */
			child_describe_failure_output(&cp, r, &why);
			warning("the summary lacks the fingerprint of the "
				"guest's '/%s': %s", rel.buf, why.buf);
			strbuf_release(&why);
		}
next:
		child_process_clear(&cp);
		strbuf_release(&rel);
		strbuf_release(&key);
	}
	strvec_clear(&entries);
}

static int write_config(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	r = make_xl_cfg(b, &err);
	if (r >= 0) {
		/* Never over a file that appeared since the check. */
		r = journal_add(&b->j, JOURNAL_CREATED, UNDO_UNLINK,
				b->g.cfg_path);
		if (r >= 0) {
			r = write_file_new(b->g.cfg_path, b->xl_cfg.buf,
					   b->xl_cfg.len, 0644);
			if (r < 0)
				journal_cancel(&b->j);
		}
		if (r < 0)
			strbuf_addf(&err, "cannot write '%s': %s",
				    b->g.cfg_path, strerror(-r));
	}
	if (r >= 0) {
		/* Parse what is on disk, exactly as xl will read it. */
		r = xlcfg_check_file(b->g.cfg_path, &err);
	}
	if (r < 0)
		r = fail(b, r, "write the xl configuration", &err);
	strbuf_release(&err);
	return r;
}

/*
 * --finalrole: as xen-tools runs them, once the xl.cfg is written and
 * with the guest still mounted, the last to change it. With the lent
 * resolv.conf again; the policy-rc.d is still held.
 */
static int final_roles(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	int r = enter_chroot(b, &err);

	if (r >= 0)
		r = hooks_run(&b->g, HOOKS_GUEST, b->mnt, &b->g.final_roles,
			      &b->g.role_args, "final role", &err);
	if (r >= 0)
		r = roles_apt(b, 0, &err);
	if (r >= 0)
		r = leave_chroot(b, &err);
	/* What --generalize takes out, a final role may have made. */
	if (r >= 0 && b->g.generalize)
		r = generalize_image(b->root, &err);
	if (r < 0)
		r = fail(b, r, "run the final roles", &err);
	strbuf_release(&err);
	return r;
}

static int make_output_dir(struct build *b)
{
	int r = journal_mkdir_p(&b->j, b->g.output, 0755);

	if (r < 0)
		build_error(b, r, "cannot create '%s': %m", b->g.output);
	return r;
}

/* --force: move the old guest aside; it comes back if the build fails. */
static int replace_existing(struct build *b)
{
	char *manifest = manifest_path(b->g.hostname);
	const char *paths[4] = { b->g.cfg_path, b->g.need_guest_dir ?
				 b->g.guest_dir : NULL, b->g.kernel_dir,
				 manifest };
	struct strbuf err = STRBUF_INIT;
	int r = 0;

	/* Without --force, check_existing() made sure nothing is there. */
	if (!b->g.force) {
		free(manifest);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(paths) && r >= 0; i++) {
		if (!paths[i] || !path_exists(paths[i]))
			continue;
		info("replacing '%s' (--force)", paths[i]);
		r = journal_move_aside(&b->j, paths[i]);
		if (r < 0)
			build_error(b, r, "cannot move '%s' aside: %m",
				    paths[i]);
	}
	if (r >= 0 && b->st.ops->replace) {
		r = b->st.ops->replace(&b->g, &b->st, &b->j, &err);
		if (r < 0)
			r = fail(b, r, "replace the old disks", &err);
	}
	free(manifest);
	strbuf_release(&err);
	return r;
}

void build_record(const struct build *b, struct manifest *m)
{
	const struct guest *g = &b->g;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	m->hostname = xstrdup(g->hostname);
	m->dist = xstrdup(g->distro.codename);
	m->arch = xstrdup(g->arch);
	m->created = xstrdup(stamp);
	m->memory = g->memory;
	m->vcpus = g->vcpus;
	m->mac = xstrdup(g->mac_text);
	m->dhcp = g->dhcp;
	for (size_t i = 0; i < g->nips; i++)
		strvec_push(&m->ips, g->ips[i].text);
	m->storage = xstrdup(b->st.ops->name);
	m->layout = xstrdup(g->layout == LAYOUT_DISK ? "disk" : "volumes");
	m->dir = xstrdup(g->need_guest_dir ? g->guest_dir : "");
	m->vg = xstrdup(g->vg ? g->vg : "");
	m->config = xstrdup(g->cfg_path);
	for (size_t i = 0; i < b->st.ndisks; i++) {
		const struct disk *d = &b->st.disks[i];
		struct manifest_disk *md = manifest_add_disk(m);

		md->vdev = xstrdup(d->vdev);
		md->path = xstrdup(d->path);
		md->format = xstrdup(d->format);
		md->size = d->size;
		md->lv = xstrdup(d->lv);
		md->owned = d->owned;
	}
	for (size_t i = 0; i < b->st.nvols; i++) {
		const struct volume *v = &b->st.vols[i];
		struct manifest_fs *f = manifest_add_fs(m);

		f->mountpoint = xstrdup(v->mountpoint);
		f->type = xstrdup(v->fs);
		f->size = v->size;
		f->uuid = xstrdup(v->uuid);
		f->disk = xstrdup(b->st.disks[v->disk].vdev);
		f->partition = v->partno;
	}
	m->pool = xstrdup(b->pool);
	m->archive = xstrdup(b->built_from);
	m->base = xstrdup(b->base_name);
	m->backing = xstrdup(b->backing);
	strvec_pushv(&m->settings, b->settings.v);
}

/* --hosts: the guest's line in dom0's /etc/hosts, journaled. */
static int add_hosts_line(struct build *b, struct strbuf *err)
{
	char *line = dom0_hosts_line(b->g.ips[0].addr_text, b->g.hostname);
	int r = dom0_hosts_add(DOM0_HOSTS_FILE, line, &b->j, err);

	if (r > 0)
		info("%s names the guest already: '%s'", DOM0_HOSTS_FILE,
		     line);
	free(line);
	return r < 0 ? r : 0;
}

static int write_manifest(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	char *path = manifest_path(b->g.hostname);
	int r;

	manifest_init(&m);
	build_record(b, &m);
	/* Last but for the record, which is what delete-image reads. */
	r = b->g.hosts ? add_hosts_line(b, &err) : 0;
	/* Journaled first: a failed write leaves no half a manifest. */
	if (r >= 0) {
		r = journal_add(&b->j, JOURNAL_CREATED, UNDO_UNLINK, path);
		if (r < 0)
			strbuf_addf(&err, "cannot journal '%s': %s", path,
				    strerror(-r));
		else
			r = manifest_write(path, &m, &err);
	}
	if (r < 0)
		r = fail(b, r, "record the guest", &err);
	manifest_release(&m);
	free(path);
	strbuf_release(&err);
	return r;
}

int build_boot(struct build *b, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	info("starting the guest: xl create '%s'", b->g.cfg_path);
	strvec_pushl(&cp.args, xl_program(), "create", b->g.cfg_path, NULL);
	/* xl leaves its domain monitor behind, daemonized, on purpose. */
	cp.leave_behind = 1;
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure(&cp, r, err);
	child_process_clear(&cp);
	return r;
}

/* The suites the packages come from and the date of each. */
static void add_archive_line(const char *state, const char *label,
			     struct strbuf *out)
{
	struct archive_state st = { 0 };

	if (!state || !*state || archive_state_parse(state, &st) < 0)
		return;
	strbuf_addstr(out, label);
	for (size_t i = 0; i < st.nr; i++) {
		char when[32];
		struct tm tm;

		gmtime_r(&st.v[i].date, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		strbuf_addf(out, "%s%s %s", i ? ", " : "", st.v[i].suite,
			    when);
	}
	strbuf_addstr(out, " UTC\n");
	archive_state_release(&st);
}

void build_summary(const struct build *b, struct strbuf *out)
{
	const struct guest *g = &b->g;

	strbuf_addf(out, "Guest '%s' created.\n\n", g->hostname);
	strbuf_addf(out, "  Distribution:  %s (%s)\n", g->distro.codename,
		    g->arch);
	if (b->boot.kernel_version)
		strbuf_addf(out, "  Kernel:        %s\n",
			    b->boot.kernel_version);
	else if (!build_installs(b))
		strbuf_addf(out, "  Installed:     nothing "
			    "(--install-method=none): %s\n", blank_disk(b) ?
			    "the disk is blank" : "the file systems are empty");
	add_archive_line(b->built_from, "  Archive:       ", out);
	strbuf_addf(out, "  Config:        %s\n", g->cfg_path);
	add_storage_lines(b, "  Disk ", "    Partition ", out);
	strbuf_addf(out, "  MAC:           %s\n", g->mac_text);
	add_network_lines(g, "  Network:       ", "DHCP", out);
	for (size_t i = 0; i < b->fingerprints.nr; i++)
		strbuf_addf(out, "  SSH host key:  %s\n", b->fingerprints.v[i]);
	if (b->password)
		strbuf_addf(out, "  Root password: %s\n", b->password);
	else if (g->lock_root && build_installs(b))
		strbuf_addf(out, "  Root password: locked (SSH keys only)\n");
	if (build_installs(b))
		add_access_lines(g, "  Admins:        ", out);
	if (b->st.ndisks && b->st.disks[0].inactive)
		strbuf_addf(out, "\nThe logical volumes are inactive: "
			    "device-mapper is missing here.\nActivate them on "
			    "the Xen host before starting the guest:\n  "
			    "lvchange -ay --select 'lv_tags=create-image:%s' "
			    "%s\n", g->hostname, g->vg);
}

/* Nothing started in the guest may outlive the build. */
static void stop_guest_processes(struct build *b)
{
	int n;

	if (!b->mnt)
		return;
	n = kill_processes_in(b->mnt);
	if (n > 0) {
		warning("killed %d process%s left running in the guest", n,
			n == 1 ? "" : "es");
		/* SIGKILL is delivered, not yet done: give the kernel a
		 * moment to release their files before unmounting. */
		usleep(200 * 1000);
	}
}

/*
 * The installed tree is hundreds of megabytes of dirty pages. Writing them
 * back in a second thread while the guest's own part is made (its host
 * keys take a while) leaves the unmount little to do. Joined through the
 * journal, before anything below the root is unmounted.
 */
static struct {
	pthread_t thread;
	int fd;
	int running;
} writeback;

static void *writeback_thread(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	(void)syncfs(writeback.fd);
	return NULL;
}

static int writeback_wait(const char *arg, int restore)
{
	(void)arg;
	(void)restore;
	if (!writeback.running)
		return 0;
	pthread_join(writeback.thread, NULL);
	close(writeback.fd);
	writeback.running = 0;
	return 0;
}

static const struct journal_undo writeback_undo = {
	"writeback-wait", "wait for the writeback of", NULL, writeback_wait, 0,
};

static int writeback_start(struct build *b)
{
	int r;

	/* Only a head start: without a thread the unmount writes it all. */
	writeback.fd = open(b->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (writeback.fd < 0)
		return 0;
	/* A journal that cannot be written fails the build here, as it
	 * would at its next entry. */
	r = journal_add_call(&b->j, JOURNAL_HELD, &writeback_undo, b->mnt);
	if (r < 0) {
		close(writeback.fd);
		return build_error(b, r, "cannot journal the writeback of "
				   "'%s': %m", b->mnt);
	}
	if (pthread_create(&writeback.thread, NULL, writeback_thread,
			   NULL) != 0) {
		close(writeback.fd);
		return 0;
	}
	writeback.running = 1;
	return 0;
}

static void close_root(struct build *b)
{
	rootfs_free(b->root);
	b->root = NULL;
}

/* Unmount and detach everything before the guest may be started: the
 * exports of qcow2 images too, which writes them back. */
static int unmount_all(struct build *b)
{
	int r;

	read_fingerprints(b);
	stop_guest_processes(b);
	/* An open fd on the root would keep it busy. */
	close_root(b);
	r = journal_release_held(&b->j);
	if (r < 0)
		return build_error(b, r, "cannot unmount the guest's file "
				   "systems: %m");
	return finish_disks(b);
}

/*
 * The archive's state, asked of the mirrors before anything is created:
 * it says whether the cached base is current, and a build that would need
 * an unreachable mirror fails here, leaving nothing. With --offline, or
 * when the mirror cannot be reached, a cached base is used as it is.
 */
static int check_archive(struct build *b)
{
	struct base_entry e = { 0 };
	struct strbuf err = STRBUF_INIT, age = STRBUF_INIT;
	int r = 0, cached;

	if (b->g.method != INSTALL_DEBOOTSTRAP)
		return 0;
	if (!b->g.offline) {
		r = base_archive_state(&b->g, &b->j, &b->archive, &err);
		if (r >= 0) {
			b->archive_known = 1;
			goto out;
		}
		if (r != -ENETUNREACH) {
			r = fail(b, r, "check the archive's state", &err);
			goto out;
		}
	}
	cached = base_find_cached(&b->g, &e);
	if (!cached) {
		r = build_error(b, -ENETUNREACH, "%s%s no base for this guest "
				"is cached, and building one needs the mirror",
				b->g.offline ? "--offline:" : err.buf,
				b->g.offline ? "" : ";");
		goto out;
	}
	base_describe_state(&e, time(NULL), &age);
	if (b->g.offline)
		info("--offline: using the cached base %s as it is, %s",
		     e.name, age.buf);
	else
		warning("%s: using the cached base %s as it is, %s", err.buf,
			e.name, age.buf);
	r = 0;
out:
	base_entry_release(&e);
	strbuf_release(&err);
	strbuf_release(&age);
	return r;
}

/* The journal on disk, before anything is made (recover.h). */
static int open_journal(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	char *path = recover_journal_path(b->g.hostname);
	int r;

	r = journal_open_file(&b->j, path, b->g.hostname, b->g.keep, &err);
	if (r < 0)
		r = fail(b, r, "keep the journal", &err);
	else
		journal_set_stage(&b->j, b->stage);
	free(path);
	strbuf_release(&err);
	return r;
}

static int prepare_dirs(struct build *b)
{
	int r = open_journal(b);

	if (r >= 0)
		r = check_archive(b);

	if (r >= 0)
		r = make_output_dir(b);

	if (r >= 0)
		r = replace_existing(b);
	if (r >= 0 && b->g.need_guest_dir)
		r = make_guest_dir(b, b->g.guest_dir);
	if (r >= 0 && b->g.kernel_dir)
		r = make_guest_dir(b, b->g.kernel_dir);
	return r;
}

/* The guest's tree, from its first write on (see struct build). */
static int open_root(struct build *b)
{
	struct strbuf err = STRBUF_INIT;
	int r = rootfs_open(b->mnt, &b->root, &err);

	if (r < 0)
		r = fail(b, r, "open the guest's root", &err);
	strbuf_release(&err);
	return r;
}

static int install(struct build *b)
{
	int r = open_root(b);

	if (r >= 0)
		r = install_base(b);
	if (r >= 0)
		r = writeback_start(b);
	return r;
}

/*
 * The build, in order. Each stage records in the journal what it creates,
 * so a failure in any of them undoes the ones before; the names are part
 * of the JSON events (create-image(8)) and never change.
 */
static const struct stage {
	const char *name;
	const char *title;
	int (*run)(struct build *b);
	const char *journals;
	/* Works on the installed system: skipped, and not reported, when
	 * the build installs none (build_installs()). */
	int system;
	/* 1: only with --finalrole, -1: only without, 0: either way. */
	int finalrole;
} stages[] = {
	{ "prepare", "preparing directories", prepare_dirs,
	  "the journal on disk; the output and guest directories, and the "
	  "one a direct boot's kernel is copied to; with --force, the old "
	  "guest's config, directories, record and volumes moved aside",
	  0, 0 },
	{ "disks", "making the disks", make_disks,
	  "image files or logical volumes, the loop devices over them",
	  0, 0 },
	{ "filesystems", "making the file systems", make_filesystems,
	  "a loop device per partition", 0, 0 },
	{ "mount", "mounting", mount_all,
	  "the scratch mount point, the guest's mounts", 1, 0 },
	{ "install", "installing the system", install,
	  "the guest's policy-rc.d while base hooks run; the writeback "
	  "thread", 1, 0 },
	{ "customize", "customizing the guest", customize,
	  "the guest's policy-rc.d", 1, 0 },
	{ "bootloader", "making the guest bootable", make_bootable,
	  "the kernel and initrd copied out for a direct boot", 0, 0 },
	/* The final roles want the xl.cfg, and the guest mounted. */
	{ "config", "writing the xl configuration", write_config,
	  "the xl.cfg", 0, 1 },
	{ "finalrole", "running the final roles", final_roles,
	  "nothing of its own (the lent resolv.conf is given back)", 1, 1 },
	{ "unmount", "unmounting", unmount_all,
	  "releases every mount and loop device, and the exports of "
	  "qcow2 images", 0, 0 },
	{ "config", "writing the xl configuration", write_config,
	  "the xl.cfg", 0, -1 },
	{ "record", "recording the guest", write_manifest,
	  "the guest's line in dom0's /etc/hosts (--hosts); the guest's "
	  "record", 0, 0 },
};

const char *build_stage_name(size_t i)
{
	return i < ARRAY_SIZE(stages) ? stages[i].name : NULL;
}

int build_run(struct build *b)
{
	int r = 0;

	b->started = clock_seconds();
	fetch_set_proxy(b->g.apt_proxy);
	for (size_t i = 0; i < ARRAY_SIZE(stages) && r >= 0; i++) {
		const struct stage *s = &stages[i];
		double t0 = clock_seconds();

		if ((s->system && !build_installs(b)) ||
		    (blank_disk(b) && blank_skips(s->name)) ||
		    (s->finalrole && (s->finalrole > 0) !=
				     (b->g.final_roles.nr > 0)))
			continue;
		b->stage = s->name;
		journal_set_stage(&b->j, s->name);
		report(b, BUILD_STAGE_STARTED, s->name, s->title, 0);
		debug("stage '%s': journals %s", s->name, s->journals);
		r = s->run(b);
		if (r >= 0 && signals_pending())
			r = -EINTR;
		if (r >= 0)
			report(b, BUILD_STAGE_FINISHED, s->name, s->title,
			       clock_seconds() - t0);
	}
	if (r == -EINTR || signals_pending())
		return -EINTR;
	if (r < 0) {
		build_error(b, r, "stage '%s' failed: %m", b->stage);
		name_the_cause(b);
		report(b, BUILD_FAILED, b->stage, NULL, 0);
	}
	return r;
}

int build_finish(struct build *b, int ok)
{
	int r;

	if (!ok)
		stop_guest_processes(b);
	close_root(b);
	r = journal_finish(&b->j, !ok, b->g.keep);
	/* The record naming the base image is written, or the overlay
	 * reading it is gone: a prune may look now. */
	base_cache_unlock(b->base_lock);
	b->base_lock = -1;
	return r;
}

/*
 * Mounts made from here on are this process's alone: the host never sees
 * the guest's file systems, and a run killed outright takes its mounts
 * with it.
 */
static int host_mount_ns = -1;

int build_private_mounts(void)
{
	host_mount_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_mount_ns < 0)
		return -errno;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * Back to the host's mount namespace: a started guest's xl monitor and
 * what libxl runs for it later must see the host's mounts as they are,
 * not this build's private copy of them.
 */
int build_host_mounts(void)
{
	if (host_mount_ns < 0)
		return 0;
	if (setns(host_mount_ns, CLONE_NEWNS) < 0)
		return -errno;
	close(host_mount_ns);
	host_mount_ns = -1;
	return 0;
}

char *build_log_path(const struct build *b)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s.log", paths_logdir(), b->g.hostname);
	return strbuf_detach(&path, NULL);
}

int build_open_log(const struct build *b, const struct config *c,
		   struct strbuf *err)
{
	struct strbuf dump = STRBUF_INIT;
	const char *dir = paths_logdir();
	char *path = build_log_path(b);
	int r;

	r = mkdir_p(dir, 0700);
	if (r >= 0)
		r = log_open_file(path);
	if (r < 0) {
		strbuf_addf(err, "cannot open the log '%s': %s", path,
			    strerror(-r));
	} else {
		config_dump(c, &dump);
		log_file_printf("\n==== create-image %s: %s\n%s", VERSION,
				b->g.hostname, dump.buf);
	}
	free(path);
	strbuf_release(&dump);
	return r;
}
