/*
 * cmd-delete.c: delete-image. Removes what create-image made for a guest:
 * what its manifest says it owns, and what carries its name where the
 * settings say guests are kept (DIR/domains/NAME, OUTPUT/NAME+EXT, LVs
 * tagged create-image:NAME, STATEDIR/kernels/NAME). Everything is found
 * and checked first; then the config goes before the disks and the
 * manifest last, so an interrupted or failed run can be repeated and finds
 * what is left. The addresses its pools leased it are released once the
 * manifest is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd-common.h"
#include "commands.h"
#include "config.h"
#include "dom0-hosts.h"
#include "fsutil.h"
#include "lock.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "paths.h"
#include "recover.h"
#include "pool.h"
#include "strbuf.h"
#include "strvec.h"
#include "xl.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

static const char usage[] =
	"usage: delete-image [OPTION]... [--hostname] NAME...\n"
	"\n"
	"Remove guests create-image built: their xl configuration and "
	"autostart\nlink, disks, directory, copied kernel and manifest; "
	"release the addresses\ntheir pools leased them.\n"
	"\n"
	"      --dir=DIR        also look for DIR/domains/NAME\n"
	"      --dry-run        show what would be removed, remove nothing\n"
	"      --extension=EXT  suffix of the xl configuration file\n"
	"      --force          go on when it cannot be told whether the "
	"guest runs,\n"
	"                       or when its manifest is damaged\n"
	"      --help           show this help and exit\n"
	"      --hostname=NAME  a guest to remove (the same as NAME)\n"
	"      --lvm=VG         also look for its logical volumes in VG\n"
	"      --output=DIR     where the xl configuration file is\n"
	"      --verbose        say where it looks and what it runs\n"
	"      --version        show the version and exit\n";

/* In the order they are removed. */
enum item_kind {
	ITEM_AUTOSTART,
	ITEM_CONFIG,
	ITEM_IMAGE,
	ITEM_LV,
	ITEM_DIR,
	ITEM_HOSTS_LINE,
	ITEM_MANIFEST,
	_ITEM_MAX,
};

static const char *const kind_names[_ITEM_MAX] = {
	"autostart link", "config", "image", "logical volume", "directory",
	"line of " DOM0_HOSTS_FILE, "manifest",
};

struct item {
	enum item_kind kind;
	char *path;		/* "VG/LV" for a logical volume */
};

/* Where one guest's things are, and what is left alone. */
struct plan {
	const char *name;
	struct item *items;
	size_t n;
	struct strvec looked;	/* places searched, for "not found" */
	struct strvec vgs;	/* volume groups to search */
	struct strvec configs;	/* config paths to check */
	struct strvec dirs;	/* guest directories to check */
	struct strvec lvs;	/* "VG/LV" the manifest says it owns */
	struct strvec notes;	/* "leaving ..." lines */
	struct strvec leases;	/* "address 'A' (pool 'P')" */
};

struct settings {
	const char *dir, *vg, *output, *ext;
	int dry_run, force;
};

static void plan_init(struct plan *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	strvec_init(&p->looked);
	strvec_init(&p->vgs);
	strvec_init(&p->configs);
	strvec_init(&p->dirs);
	strvec_init(&p->lvs);
	strvec_init(&p->notes);
	strvec_init(&p->leases);
}

static void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i].path);
	free(p->items);
	strvec_clear(&p->looked);
	strvec_clear(&p->vgs);
	strvec_clear(&p->configs);
	strvec_clear(&p->dirs);
	strvec_clear(&p->lvs);
	strvec_clear(&p->notes);
	strvec_clear(&p->leases);
}

static int has_item(const struct plan *p, enum item_kind kind,
		    const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].kind == kind && streq(p->items[i].path, path))
			return 1;
	return 0;
}

static void add_item(struct plan *p, enum item_kind kind, const char *path)
{
	if (has_item(p, kind, path))
		return;
	p->items = xrealloc(p->items, (p->n + 1) * sizeof(*p->items));
	p->items[p->n].kind = kind;
	p->items[p->n].path = xstrdup(path);
	p->n++;
}

static void add_once(struct strvec *sv, const char *s)
{
	if (s && *s && strvec_find(sv, s) < 0)
		strvec_push(sv, s);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The directory part of path, "" for a bare name; caller frees. */
static char *dir_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct strbuf sb = STRBUF_INIT;

	if (slash == path)
		strbuf_addch(&sb, '/');
	else if (slash)
		strbuf_add(&sb, path, (size_t)(slash - path));
	return strbuf_detach(&sb, NULL);
}

/* DIR/domains/NAME: the only shape of directory create-image makes. */
static int guest_dir_shaped(const char *dir, const char *name)
{
	char *parent;
	int ok;

	if (dir[0] != '/' || !streq(base_name(dir), name))
		return 0;
	parent = dir_name(dir);
	ok = streq(base_name(parent), "domains");
	free(parent);
	return ok;
}

/* Whether a and b hold the same bytes. */
static int same_contents(const char *a, const char *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int same;

	same = strbuf_read_file(&x, a) == 0 && strbuf_read_file(&y, b) == 0 &&
	       x.len == y.len && !memcmp(x.buf, y.buf, x.len);
	strbuf_release(&x);
	strbuf_release(&y);
	return same;
}

/*
 * OUTPUT/auto/NAME+EXT, what xendomains starts at boot: ours to remove
 * when it is a link to the config (even one left dangling by an earlier
 * run) or a copy of it; anything else there is someone else's.
 */
static void plan_autostart(struct plan *p, const char *config)
{
	struct strbuf link = STRBUF_INIT;
	char *dir = dir_name(config);
	struct stat st, cst;

	strbuf_addf(&link, "%s/auto/%s", dir, base_name(config));
	if (lstat(link.buf, &st) < 0)
		goto out;
	if (S_ISLNK(st.st_mode)) {
		struct stat tst;
		char target[4096];
		ssize_t n = readlink(link.buf, target, sizeof(target) - 1);
		char *abs = NULL;
		int ours;

		if (n < 0)
			goto out;
		target[n] = '\0';
		if (target[0] != '/') {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "%s/auto/%s", dir, target);
			abs = strbuf_detach(&sb, NULL);
		}
		ours = streq(abs ? abs : target, config) ||
		       (stat(link.buf, &tst) == 0 && stat(config, &cst) == 0 &&
			tst.st_dev == cst.st_dev && tst.st_ino == cst.st_ino);
		free(abs);
		if (ours)
			add_item(p, ITEM_AUTOSTART, link.buf);
		else
			strvec_pushf(&p->notes, "leaving '%s' (a link to '%s', "
				     "not to '%s')", link.buf, target, config);
	} else if (S_ISREG(st.st_mode) && stat(config, &cst) == 0 &&
		   same_contents(link.buf, config)) {
		add_item(p, ITEM_AUTOSTART, link.buf);
	} else {
		strvec_pushf(&p->notes, "leaving '%s' (not a link to or a copy "
			     "of '%s')", link.buf, config);
	}
out:
	strbuf_release(&link);
	free(dir);
}

static void plan_configs(struct plan *p)
{
	for (size_t i = 0; i < p->configs.nr; i++) {
		const char *config = p->configs.v[i];
		struct stat st;

		add_once(&p->looked, config);
		plan_autostart(p, config);
		if (lstat(config, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			strvec_pushf(&p->notes, "leaving '%s' (a directory)",
				     config);
		else
			add_item(p, ITEM_CONFIG, config);
	}
}

static void plan_dirs(struct plan *p)
{
	for (size_t i = 0; i < p->dirs.nr; i++) {
		const char *dir = p->dirs.v[i];

		add_once(&p->looked, dir);
		if (!path_exists(dir))
			continue;
		if (!guest_dir_shaped(dir, p->name))
			strvec_pushf(&p->notes, "leaving '%s' (not a "
				     "DIR/domains/%s directory)", dir, p->name);
		else
			add_item(p, ITEM_DIR, dir);
	}
}

/* STATEDIR/kernels/NAME: a direct boot's kernel and initrd, copied out
 * of the guest; found by its name, whatever the guest's storage. */
static void plan_kernels(struct plan *p)
{
	char *dir = paths_guest_kernels(p->name);
	struct stat st;

	add_once(&p->looked, dir);
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		add_item(p, ITEM_DIR, dir);
	else if (lstat(dir, &st) == 0)
		strvec_pushf(&p->notes, "leaving '%s' (not a directory)", dir);
	free(dir);
}

/* The manifest's disks: owned image files and LVs; never a device. */
static void plan_disks(struct plan *p, const struct manifest *m)
{
	for (size_t i = 0; i < m->ndisks; i++) {
		const struct manifest_disk *d = &m->disks[i];
		struct stat st;

		if (!d->owned) {
			strvec_pushf(&p->notes, "leaving '%s' (not created by "
				     "create-image)", d->path);
		} else if (d->lv) {
			char *vg = xstrdup(d->lv);

			*strchr(vg, '/') = '\0';
			add_once(&p->vgs, vg);
			add_once(&p->lvs, d->lv);
			free(vg);
		} else if (lstat(d->path, &st) == 0) {
			if (S_ISREG(st.st_mode))
				add_item(p, ITEM_IMAGE, d->path);
			else
				strvec_pushf(&p->notes, "leaving '%s' (not a "
					     "regular file)", d->path);
		}
	}
}

/* A volume the manifest names but LVM did not list with the tag: gone
 * (nothing to do) or someone else's by now (left, and said so). */
static int plan_untagged(struct plan *p, const char *spec, const char *tag,
			 struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	char *vg = xstrdup(spec);
	int r;

	*strchr(vg, '/') = '\0';
	r = lvm_lv_exists(vg, strchr(spec, '/') + 1, &why);
	if (r > 0)
		strvec_pushf(&p->notes, "leaving logical volume '%s' (it "
			     "lacks the tag '%s')", spec, tag);
	if (r == -ENOENT)
		r = 0;
	if (r < 0)
		strbuf_addf(err, "cannot look for logical volume '%s': %s",
			    spec, why.buf);
	free(vg);
	strbuf_release(&why);
	return r < 0 ? r : 0;
}

/*
 * A logical volume is the guest's when it carries the tag create-image
 * puts on it; one the manifest names without the tag (made again by
 * someone else since) is left alone. A VG that does not exist holds
 * nothing; any other LVM failure stops this guest before anything is
 * removed.
 */
static int plan_lvs(struct plan *p, struct strbuf *err)
{
	struct strbuf tag = STRBUF_INIT;
	int r = 0;

	strbuf_addf(&tag, "create-image:%s", p->name);
	for (size_t i = 0; r >= 0 && i < p->vgs.nr; i++) {
		const char *vg = p->vgs.v[i];
		struct strbuf why = STRBUF_INIT;
		struct lvm_lv *lvs = NULL;
		size_t n = 0;

		strvec_pushf(&p->looked, "volume group '%s'", vg);
		debug("looking for logical volumes tagged '%s' in '%s'",
		      tag.buf, vg);
		r = lvm_lv_list(vg, tag.buf, &lvs, &n, &why);
		if (r == -ENOENT) {
			warning("%s", why.buf);
			r = 0;
		} else if (r < 0) {
			strbuf_addf(err, "cannot list the logical volumes in "
				    "'%s': %s", vg, why.buf);
		}
		for (size_t k = 0; k < n; k++) {
			struct strbuf lv = STRBUF_INIT;

			strbuf_addf(&lv, "%s/%s", lvs[k].vg, lvs[k].name);
			add_item(p, ITEM_LV, lv.buf);
			strbuf_release(&lv);
		}
		lvm_lv_list_free(lvs, n);
		strbuf_release(&why);
	}
	for (size_t i = 0; r >= 0 && i < p->lvs.nr; i++)
		if (!has_item(p, ITEM_LV, p->lvs.v[i]))
			r = plan_untagged(p, p->lvs.v[i], tag.buf, err);
	strbuf_release(&tag);
	return r < 0 ? r : 0;
}

/*
 * The addresses pools leased the guest. A state file that cannot be read
 * keeps the guest from nothing else: its leases are left, and said so.
 */
static void plan_leases(struct plan *p)
{
	struct pool_view v = POOL_VIEW_INIT;
	struct strbuf why = STRBUF_INIT;

	if (pool_view_load(&v, &why) < 0) {
		warning("leaving the addresses leased to '%s': %s", p->name,
			why.buf);
		strbuf_release(&why);
		return;
	}
	for (size_t i = 0; i < v.nr_leases; i++)
		if (streq(v.leases[i].hostname, p->name))
			strvec_pushf(&p->leases, "address '%s' (pool '%s')",
				     v.leases[i].addr_text, v.leases[i].pool);
	pool_view_release(&v);
}

/* The lines --hosts added to dom0's /etc/hosts for the guest. */
static int plan_hosts_lines(struct plan *p, struct strbuf *err)
{
	struct strvec lines = STRVEC_INIT;
	int r = dom0_hosts_find(DOM0_HOSTS_FILE, p->name, &lines, err);

	for (size_t i = 0; r >= 0 && i < lines.nr; i++)
		add_item(p, ITEM_HOSTS_LINE, lines.v[i]);
	strvec_clear(&lines);
	return r;
}

/*
 * Find everything of guest p->name. Returns 0, 1 when nothing at all was
 * found, or -errno with the reason in err (nothing may be removed then).
 */
static int make_plan(const struct settings *s, struct plan *p,
		     struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT, sb = STRBUF_INIT;
	char *mpath = manifest_path(p->name);
	struct manifest m;
	int r, have = 0;

	manifest_init(&m);
	strvec_push(&p->looked, mpath);
	r = manifest_read(mpath, &m, &why);
	if (r == -ENOENT)
		debug("no manifest '%s'", mpath);
	if (r >= 0 && !streq(m.hostname, p->name)) {
		strbuf_reset(&why);
		strbuf_addf(&why, "%s: it is the manifest of '%s'", mpath,
			    m.hostname);
		manifest_release(&m);
		r = -EINVAL;
	}
	if (r >= 0) {
		have = 1;
		add_once(&p->configs, m.config);
		add_once(&p->dirs, m.dir);
		add_once(&p->vgs, m.vg);
		plan_disks(p, &m);
	} else if (r != -ENOENT && !s->force) {
		strbuf_addf(err, "cannot read its manifest: %s (--force "
			    "deletes what is found without it)", why.buf);
		goto out;
	} else if (r != -ENOENT) {
		warning("ignoring the damaged manifest (--force): %s",
			why.buf);
	}

	strbuf_addf(&sb, "%s/%s%s", s->output, p->name, s->ext);
	add_once(&p->configs, sb.buf);
	if (s->dir) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/domains/%s", s->dir, p->name);
		add_once(&p->dirs, sb.buf);
	}
	add_once(&p->vgs, s->vg);

	plan_configs(p);
	plan_dirs(p);
	plan_kernels(p);
	if (geteuid() == 0) {
		r = plan_lvs(p, err);
		if (r < 0)
			goto out;
	} else {
		/* Only root may ask LVM; a --dry-run shows what the
		 * manifest says instead. */
		for (size_t i = 0; i < p->vgs.nr; i++)
			warning("not root: logical volumes are not looked for "
				"in '%s'", p->vgs.v[i]);
		for (size_t i = 0; i < p->lvs.nr; i++)
			add_item(p, ITEM_LV, p->lvs.v[i]);
	}
	r = plan_hosts_lines(p, err);
	if (r < 0)
		goto out;
	if (path_exists(mpath))
		add_item(p, ITEM_MANIFEST, mpath);
	plan_leases(p);
	/* Leases alone are what a build that died left: found too. */
	r = p->n || have || p->leases.nr ? 0 : 1;
out:
	manifest_release(&m);
	strbuf_release(&why);
	strbuf_release(&sb);
	free(mpath);
	return r;
}

static int remove_item(const struct item *it, struct strbuf *err)
{
	int r = 0;

	switch (it->kind) {
	case ITEM_LV: {
		char *vg = xstrdup(it->path);

		*strchr(vg, '/') = '\0';
		r = lvm_lv_remove(vg, strchr(it->path, '/') + 1, err);
		free(vg);
		return r;
	}
	case ITEM_DIR:
		r = rm_rf(it->path);
		break;
	case ITEM_HOSTS_LINE:
		return dom0_hosts_remove(DOM0_HOSTS_FILE, it->path, err);
	default:
		if (unlink(it->path) < 0 && errno != ENOENT)
			r = -errno;
		break;
	}
	if (r < 0)
		strbuf_addstr(err, strerror(-r));
	return r;
}

/*
 * Release the guest's addresses, once its manifest is gone: while the
 * manifest is there, a pool must not hand them to another guest.
 */
static int release_leases(const struct plan *p, int dry_run, int failed)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	if (!p->leases.nr)
		return 0;
	if (dry_run) {
		for (size_t i = 0; i < p->leases.nr; i++)
			printf("would release %s\n", p->leases.v[i]);
		return 0;
	}
	if (failed) {
		info("keeping the addresses leased to '%s' with its manifest",
		     p->name);
		return 0;
	}
	r = pool_release_host(p->name, &err);
	if (r < 0) {
		error("cannot release the addresses leased to '%s': %s",
		      p->name, err.buf);
		strbuf_release(&err);
		return 1;
	}
	for (size_t i = 0; i < p->leases.nr; i++)
		printf("released %s\n", p->leases.v[i]);
	return 0;
}

/* Remove what the plan found, in kind order, then release its addresses.
 * 0 or 1 (something failed: the manifest and the addresses are then kept
 * for the next run). */
static int carry_out(const struct plan *p, int dry_run)
{
	int failed = 0;

	for (int kind = 0; kind < _ITEM_MAX; kind++) {
		for (size_t i = 0; i < p->n; i++) {
			const struct item *it = &p->items[i];
			struct strbuf err = STRBUF_INIT;

			if (it->kind != (enum item_kind)kind)
				continue;
			if (dry_run) {
				printf("would remove %s '%s'\n",
				       kind_names[kind], it->path);
				continue;
			}
			if (kind == ITEM_MANIFEST && failed) {
				info("keeping '%s', so that running "
				     "delete-image again finds what is left",
				     it->path);
				continue;
			}
			if (remove_item(it, &err) < 0) {
				error("cannot remove %s '%s': %s",
				      kind_names[kind], it->path, err.buf);
				failed = 1;
			} else {
				printf("removed %s '%s'\n", kind_names[kind],
				       it->path);
			}
			strbuf_release(&err);
		}
	}
	return release_leases(p, dry_run, failed) || failed;
}

/* One guest: 0 removed, 1 failed or refused, 2 not found. */
static int delete_guest(const struct settings *s, const char *name)
{
	struct strbuf err = STRBUF_INIT;
	struct plan p;
	int fd = -1, r, status;

	plan_init(&p, name);
	if (!s->dry_run) {
		fd = guest_lock(name, &err);
		if (fd < 0) {
			error("%s", err.buf);
			status = 1;
			goto out;
		}
		/* What a killed build of it left goes first: then the
		 * plan sees only what is really there. */
		r = recover_guest_logged(name);
		if (r < 0 && r != -EIO) {
			status = 1;
			goto out;
		}
	}
	r = make_plan(s, &p, &err);
	if (r < 0) {
		error("guest '%s': %s", name, err.buf);
		status = 1;
		goto out;
	}
	if (r > 0) {
		struct strbuf where = STRBUF_INIT;

		for (size_t i = 0; i < p.looked.nr; i++)
			strbuf_addf(&where, "%s%s%s%s", i ? ", " : "",
				    p.looked.v[i][0] == '/' ? "'" : "",
				    p.looked.v[i],
				    p.looked.v[i][0] == '/' ? "'" : "");
		error("no guest '%s' found (looked in %s)", name, where.buf);
		strbuf_release(&where);
		status = 2;
		goto out;
	}

	r = xl_domain_running(name, &err);
	if (r > 0) {
		error("guest '%s' is running; shut it down first (xl shutdown "
		      "%s)", name, name);
		status = 1;
		goto out;
	}
	/* A dry run still shows what would go: xl refuses most users. */
	if (r < 0 && !s->force && !s->dry_run) {
		error("cannot tell whether guest '%s' is running: %s (--force "
		      "deletes it anyway)", name, err.buf);
		status = 1;
		goto out;
	}
	if (r < 0)
		warning("cannot tell whether guest '%s' is running: %s%s",
			name, err.buf, s->force ? "; deleting it anyway "
			"(--force)" : "");

	for (size_t i = 0; i < p.notes.nr; i++)
		printf("%s\n", p.notes.v[i]);
	status = carry_out(&p, s->dry_run);
out:
	if (fd >= 0)
		close(fd);
	plan_release(&p);
	strbuf_release(&err);
	return status;
}

static int bad_setting(const struct setting *st, const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	setting_describe_bad(st, what, &sb);
	error("%s", sb.buf);
	strbuf_release(&sb);
	return 2;
}

static int valid_vg(const char *vg)
{
	return vg[0] != '-' &&
	       strspn(vg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789+_.-") == strlen(vg);
}

int cmd_delete(int argc, char **argv)
{
	enum { OPT_DIR = 256, OPT_DRY_RUN, OPT_EXTENSION, OPT_FORCE, OPT_HELP,
	       OPT_HOSTNAME, OPT_LVM, OPT_OUTPUT, OPT_VERBOSE, OPT_VERSION };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "extension", required_argument, NULL, OPT_EXTENSION },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "lvm", required_argument, NULL, OPT_LVM },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct setting dir = { O_DIR, NULL, NULL, NULL };
	struct setting vg = { O_LVM, NULL, NULL, NULL };
	struct setting output = { O_OUTPUT, NULL, NULL, NULL };
	struct setting ext = { O_EXTENSION, NULL, NULL, NULL };
	struct strvec names = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;
	struct settings s = { 0 };
	struct config c;
	int opt, status = 0, any_missing = 0, any_failed = 0;

	config_init_defaults(&c);
	opterr = 0;
	/* ":": a missing value is ':', told apart from an unknown flag. */
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			dir.flag = optarg;
			break;
		case OPT_DRY_RUN:
			s.dry_run = 1;
			break;
		case OPT_EXTENSION:
			ext.flag = optarg;
			break;
		case OPT_FORCE:
			s.force = 1;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case OPT_HOSTNAME:
			strvec_push(&names, optarg);
			break;
		case OPT_LVM:
			vg.flag = optarg;
			break;
		case OPT_OUTPUT:
			output.flag = optarg;
			break;
		case OPT_VERBOSE:
			log_set_verbose(1);
			break;
		case OPT_VERSION:
			printf("delete-image %s\n", VERSION);
			goto out;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		strvec_push(&names, argv[i]);
	status = cmd_guest_names(names.nr, names.v);
	if (status)
		goto out;

	/* The flags win over the system file, as they do for create. */
	if (config_load(&c, paths_system_config(), &err) < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	for (size_t i = 0; i < c.warnings.nr; i++)
		warning("%s", c.warnings.v[i]);
	setting_pick(&c, &dir);
	setting_pick(&c, &vg);
	setting_pick(&c, &output);
	setting_pick(&c, &ext);
	if (dir.value && *dir.value && dir.value[0] != '/') {
		status = bad_setting(&dir, "must be an absolute path");
		goto out;
	}
	if (!output.value || output.value[0] != '/') {
		status = bad_setting(&output, "must be an absolute path");
		goto out;
	}
	if (vg.value && *vg.value && !valid_vg(vg.value)) {
		status = bad_setting(&vg, "must be a volume group name");
		goto out;
	}
	if (!ext.value || strchr(ext.value, '/')) {
		status = bad_setting(&ext, "may not contain '/'");
		goto out;
	}
	s.dir = dir.value && *dir.value ? dir.value : NULL;
	s.vg = vg.value && *vg.value ? vg.value : NULL;
	s.output = output.value;
	s.ext = ext.value;

	if (!s.dry_run && geteuid() != 0) {
		error("must be run as root to remove guests (try --dry-run)");
		status = 1;
		goto out;
	}
	for (size_t i = 0; i < names.nr; i++) {
		int r = delete_guest(&s, names.v[i]);

		any_failed |= r == 1;
		any_missing |= r == 2;
	}
	status = any_failed ? 1 : any_missing ? 2 : 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(-errno, "cannot write to standard output: %m");
		status = 1;
	}
out:
	lvm_close();
	config_release(&c);
	strvec_clear(&names);
	strbuf_release(&err);
	return status;
}
