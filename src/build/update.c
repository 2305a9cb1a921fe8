/* update.c: see update.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "customize.h"
#include "dpkg-status.h"
#include "fsutil.h"
#include "guest-disks.h"
#include "journal.h"
#include "log.h"
#include "macros.h"
#include "paths.h"
#include "recover.h"
#include "render.h"
#include "rootfs.h"
#include "run-command.h"
#include "template.h"
#include "update.h"
#include "banned.h"

/* dpkg's status of a few thousand packages is a few MiB. */
#define STATUS_MAX (64 << 20)

/* One run of update_run(). */
struct updater {
	const struct manifest *m;
	int dry_run;
	struct journal j;	/* on disk: exports, mounts, kernel files */
	struct journal in;	/* in memory: what is lent inside the guest */
	struct guest_disks gd;
	struct rootfs *root;
	char *lists;		/* dry run: apt's lists, inside the guest */
	int menu_aside;		/* an HVM guest's grub.cfg, moved aside */
};

void update_result_release(struct update_result *res)
{
	strvec_clear(&res->changes);
	free(res->kernel_before);
	free(res->kernel_after);
	res->kernel_before = res->kernel_after = NULL;
}

/*
 * "Inst NAME [OLD] (NEW SUITE [ARCH])", "Inst NAME (NEW ...)" for a new
 * package, "Remv NAME [OLD]".
 */
void update_parse_simulation(const char *text, struct strvec *ret)
{
	struct strvec lines = STRVEC_INIT;
	const char *p = text;

	while (*p) {
		const char *end = strchrnul(p, '\n');
		int inst = !strncmp(p, "Inst ", 5), remv = !strncmp(p, "Remv ", 5);
		char *line = xstrndup(p, (size_t)(end - p));
		char *name = line + 5, *old = "-", *new = "-", *q;

		p = *end ? end + 1 : end;
		if (!inst && !remv) {
			free(line);
			continue;
		}
		q = strchr(name, ' ');
		if (q) {
			*q++ = '\0';
			if (*q == '[') {
				old = q + 1;
				q = strchr(old, ']');
				if (q) {
					*q++ = '\0';
					q += *q == ' ';
				}
			}
			if (inst && q && *q == '(') {
				new = q + 1;
				q = strchr(new, ' ');
				if (!q)
					q = strchr(new, ')');
				if (q)
					*q = '\0';
			}
		}
		if (*name)
			strvec_pushf(&lines, "%s %s %s", name, old, new);
		free(line);
	}
	strvec_sort(&lines);
	for (size_t i = 0; i < lines.nr; i++)
		strvec_push(ret, lines.v[i]);
	strvec_clear(&lines);
}

static int read_status(struct updater *u, struct dpkg_package **ret,
		       size_t *ret_n, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, why = STRBUF_INIT;
	int r;

	r = rootfs_read_file(u->root, "var/lib/dpkg/status", 0, STATUS_MAX,
			     &text, NULL);
	if (r < 0)
		strbuf_addf(err, "cannot read the guest's /var/lib/dpkg/"
			    "status: %s", rootfs_strerror(r));
	else if ((r = dpkg_status_parse(text.buf, text.len, ret, ret_n,
					&why)) < 0)
		strbuf_addf(err, "/var/lib/dpkg/status:%s", why.buf);
	strbuf_release(&text);
	strbuf_release(&why);
	return r;
}

static int pkg_cmp(const struct dpkg_package *a, const struct dpkg_package *b)
{
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->arch, b->arch);
}

/* What differs between two sorted package lists, as "NAME OLD NEW". */
static void diff_status(const struct dpkg_package *a, size_t na,
			const struct dpkg_package *b, size_t nb,
			struct strvec *ret)
{
	size_t i = 0, k = 0;

	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : pkg_cmp(&a[i], &b[k]);

		if (c < 0) {
			strvec_pushf(ret, "%s %s -", a[i].name, a[i].version);
			i++;
		} else if (c > 0) {
			strvec_pushf(ret, "%s - %s", b[k].name, b[k].version);
			k++;
		} else {
			if (!streq(a[i].version, b[k].version))
				strvec_pushf(ret, "%s %s %s", a[i].name,
					     a[i].version, b[k].version);
			i++;
			k++;
		}
	}
}

static const struct manifest_fs *fs_at(const struct manifest *m,
				       const char *mountpoint)
{
	for (size_t i = 0; i < m->nfss; i++)
		if (m->fss[i].mountpoint &&
		    streq(m->fss[i].mountpoint, mountpoint))
			return &m->fss[i];
	return NULL;
}

/* The host's resolv.conf, lent while apt runs: update_lent_undo puts the
 * guest's back (arg: where the guest's root is mounted). */
static int give_back_resolv_conf(const char *mnt, int restore)
{
	struct rootfs *root = NULL;
	int r;

	(void)restore;
	r = rootfs_open(mnt, &root, NULL);
	if (r >= 0)
		r = customize_lend_resolv_conf(root, 0);
	if (r < 0)
		error("cannot put back the guest's /etc/resolv.conf (it is "
		      "in /etc/resolv.conf.create-image): %s",
		      rootfs_strerror(r));
	rootfs_free(root);
	return r;
}

static const struct journal_undo resolv_undo = {
	"update-resolv-conf", "put back the guest's resolv.conf in",
	NULL, give_back_resolv_conf, 0,
};

/*
 * An HVM guest's kernel packages run its update-grub, which cannot find
 * the guest's disk in the sandbox and would fail the upgrade: its menu is
 * moved aside (the hook then does nothing), and put back unless a new
 * kernel has a new menu written (arg: where the guest's root is mounted).
 */
static const char menu_rel[] = "boot/grub/grub.cfg";
static const char menu_saved[] = "boot/grub/grub.cfg.create-image";

static int put_back_menu(const char *mnt, int restore)
{
	struct rootfs *root = NULL;
	struct stat st;
	int r;

	(void)restore;
	r = rootfs_open(mnt, &root, NULL);
	if (r >= 0 && rootfs_stat(root, menu_saved, AT_SYMLINK_NOFOLLOW,
				  &st) == 0)
		r = rootfs_rename(root, menu_saved, menu_rel);
	if (r < 0)
		error("cannot put back the guest's /%s (it is in /%s): %s",
		      menu_rel, menu_saved, rootfs_strerror(r));
	rootfs_free(root);
	return r;
}

static const struct journal_undo menu_undo = {
	"update-grub-cfg", "put back the guest's grub.cfg in",
	NULL, put_back_menu, 0,
};

static int move_menu_aside(struct updater *u, struct strbuf *err)
{
	struct stat st;
	int r;

	if (rootfs_stat(u->root, menu_rel, AT_SYMLINK_NOFOLLOW, &st) < 0)
		return 0;
	r = journal_add_call(&u->in, JOURNAL_HELD, &menu_undo, u->gd.mnt);
	if (r >= 0) {
		r = rootfs_rename(u->root, menu_rel, menu_saved);
		if (r < 0)
			journal_cancel(&u->in);
	}
	if (r < 0)
		return strbuf_error(err, r, "cannot move the guest's '/%s' "
				    "aside: %s", menu_rel, rootfs_strerror(r));
	u->menu_aside = 1;
	return 0;
}

/* var/tmp inside the guest, for the dry run's package lists: a real
 * directory all the way, which no link in the guest leads out of. */
static int make_lists_dir(struct updater *u, struct strbuf *err)
{
	static const char *const dirs[] = { "var", "var/tmp" };
	char *base;
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(dirs) && r >= 0; i++) {
		struct stat st;

		r = rootfs_stat(u->root, dirs[i], AT_SYMLINK_NOFOLLOW, &st);
		if (r >= 0 && !S_ISDIR(st.st_mode))
			r = -ENOTDIR;
		if (r < 0)
			return strbuf_error(err, r, "the guest's '/%s' is no "
					    "directory: %s", dirs[i],
					    rootfs_strerror(r));
	}
	base = path_join(u->gd.mnt, "var/tmp");
	r = journal_mkdtemp(&u->in, UNDO_RM_RF, base, "create-image-update",
			    &u->lists);
	if (r < 0)
		strbuf_addf(err, "cannot make a directory in the guest's "
			    "/var/tmp: %s", strerror(-r));
	free(base);
	return r;
}

/*
 * Run in the guest's sandbox. $1, given for a dry run, is where apt keeps
 * its lists and cache instead of the guest's own; the simulation is on
 * stdout, everything else on stderr.
 */
static const char update_script[] =
	"export DEBIAN_FRONTEND=noninteractive\n"
	"apt='apt-get -q -y -o Dpkg::Options::=--force-confdef "
	"-o Dpkg::Options::=--force-confold'\n"
	"if [ $# -gt 0 ]; then\n"
	"	mkdir -p \"$1/lists/partial\" \"$1/cache/archives/partial\"\n"
	"	apt=\"$apt -o Dir::State::Lists=$1/lists "
	"-o Dir::Cache=$1/cache\"\n"
	"	$apt update >&2\n"
	"	$apt -s full-upgrade\n"
	"else\n"
	"	$apt update >&2\n"
	"	$apt full-upgrade >&2\n"
	"	$apt clean >&2\n"
	"fi\n";

static int run_apt(struct updater *u, struct strbuf *out, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char *in_guest = paths_in_guest();
	int r;

	strvec_pushl(&cp.args, in_guest, "/bin/sh", "-euc", update_script,
		     "update", NULL);
	if (u->lists)
		strvec_push(&cp.args, u->lists + strlen(u->gd.mnt));
	cp.clear_env = 1;
	cp.capture = 1;
	strvec_pushf(&cp.env, "CREATE_IMAGE_ROOT=%s", u->gd.mnt);
	r = run_command(&cp);
	if (r == -EPROTO && !cp.term_signal) {
		strbuf_addf(err, "apt-get in the guest exited with status %d",
			    cp.exit_status);
		child_add_last_line(&cp, err);
	} else if (r < 0) {
		child_describe_failure(&cp, r, err);
	} else {
		strbuf_add(out, cp.out.buf, cp.out.len);
	}
	child_process_clear(&cp);
	free(in_guest);
	return r;
}

/* The boot menu the build wrote, now with now first and before after it. */
static int write_menu(struct updater *u, const struct boot_info *now,
		      const struct boot_info *before, struct strbuf *err)
{
	const struct manifest_fs *rootfs = fs_at(u->m, "/"),
				 *bootfs = fs_at(u->m, "/boot");
	const char *mode = manifest_setting(u->m, "boot-mode");
	const char *console = manifest_setting(u->m, "serial-device");
	int hvm = mode && streq(mode, "hvm");
	struct tvars *t = tvars_new();
	const char *uuid = rootfs ? rootfs->uuid : "";
	char *cmdline;
	int r;

	if (!t)
		return -ENOMEM;
	/* --serial-device as it was built, else its default */
	if (!console || !*console)
		console = hvm ? "ttyS0" : "hvc0";
	cmdline = hvm ? boot_cmdline_serial(uuid, console) :
			boot_cmdline(uuid, console);
	tvars_set(t, "boot_mode", mode ? mode : "pv-pygrub");
	tvars_set_bool(t, "hvm", hvm);
	tvars_set(t, "cmdline", cmdline);
	render_boot_vars(t, bootfs ? bootfs->uuid : uuid, bootfs != NULL,
			 now);
	if (before)
		render_boot_fallback(t, before);
	r = boot_write_menu(u->root, t, err);
	/* the new menu stands: the old one is not put back */
	if (r >= 0 && u->menu_aside) {
		r = rootfs_unlink(u->root, menu_saved);
		if (r < 0)
			strbuf_addf(err, "cannot remove the guest's '/%s': %s",
				    menu_saved, rootfs_strerror(r));
	}
	tvars_free(t);
	free(cmdline);
	return r;
}

/*
 * STATEDIR/kernels/HOST/NAME from the guest's /boot/FILE: NAME is kept as
 * NAME.old (an older NAME.old goes on success), and the new one copied in
 * its place; on failure all is as it was.
 */
static int replace_direct(struct updater *u, const char *dir,
			  const char *name, const char *file,
			  struct strbuf *err)
{
	char *cur = path_join(dir, name), *rel = path_join("boot", file);
	struct strbuf old = STRBUF_INIT;
	int r = 0;

	strbuf_addf(&old, "%s.old", cur);
	if (path_exists(old.buf))
		r = journal_move_aside(&u->j, old.buf);
	if (r >= 0 && path_exists(cur)) {
		r = journal_add(&u->j, JOURNAL_CREATED, UNDO_UNLINK, old.buf);
		if (r >= 0 && link(cur, old.buf) < 0) {
			r = -errno;
			journal_cancel(&u->j);
		}
		if (r >= 0)
			r = journal_move_aside(&u->j, cur);
	}
	if (r >= 0)
		r = boot_copy_file(u->root, rel, cur, &u->j);
	if (r < 0)
		strbuf_addf(err, "cannot replace '%s' with the guest's '/%s': "
			    "%s", cur, rel, rootfs_strerror(r));
	strbuf_release(&old);
	free(rel);
	free(cur);
	return r;
}

static int new_kernel(struct updater *u, struct update_result *res,
		      const struct boot_info *before,
		      const struct boot_info *now, struct strbuf *err)
{
	const char *mode = manifest_setting(u->m, "boot-mode"),
		   *kernel = manifest_setting(u->m, "kernel");
	struct stat st;
	int r = 0;
	int direct = mode && strstr(mode, "-direct") && (!kernel || !*kernel);

	if (mode && streq(mode, "pvh-direct") && direct) {
		r = boot_check_pvh(u->root, now, err);
		if (r < 0)
			return r;
	}
	/* A fallback that is still there to boot. */
	if (before) {
		struct strbuf k = STRBUF_INIT, i = STRBUF_INIT;

		strbuf_addf(&k, "boot/%s", before->kernel_file);
		strbuf_addf(&i, "boot/%s", before->initrd_file);
		if (rootfs_stat(u->root, k.buf, 0, &st) < 0 ||
		    rootfs_stat(u->root, i.buf, 0, &st) < 0)
			before = NULL;
		strbuf_release(&k);
		strbuf_release(&i);
	}
	if (u->menu_aside || rootfs_stat(u->root, menu_rel, 0, &st) == 0) {
		info("booting kernel %s first, %s after it", now->kernel_version,
		     before ? before->kernel_version : "none");
		r = write_menu(u, now, before, err);
		res->menu = r >= 0;
	}
	if (r >= 0 && direct) {
		char *dir = paths_guest_kernels(u->m->hostname);

		info("replacing the kernel in '%s'", dir);
		r = replace_direct(u, dir, "vmlinuz", now->kernel_file, err);
		if (r >= 0)
			r = replace_direct(u, dir, "initrd.img",
					   now->initrd_file, err);
		res->direct = r >= 0;
		free(dir);
	}
	return r;
}

static int update_guest(struct updater *u, struct update_result *res,
			struct strbuf *err)
{
	struct dpkg_package *before_pkgs = NULL, *after_pkgs = NULL;
	size_t nbefore = 0, nafter = 0;
	struct boot_info before = { 0 }, after = { 0 };
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	const char *mode;
	int r, r2, had_kernel = 0;

	guest_disks_init(&u->gd, u->m, &u->j, 1);
	r = guest_disks_mount(&u->gd, "create-image-update", 1, err);
	if (r >= 0)
		r = rootfs_open(u->gd.mnt, &u->root, err);
	if (r < 0)
		goto out;
	had_kernel = boot_find_kernel(u->root, &before, &why) >= 0;
	if (!u->dry_run)
		r = read_status(u, &before_pkgs, &nbefore, err);
	if (r >= 0)
		r = customize_block_daemons(u->root, &u->in, err);
	if (r >= 0) {
		r = journal_add_call(&u->in, JOURNAL_HELD, &resolv_undo,
				     u->gd.mnt);
		if (r >= 0) {
			r = customize_lend_resolv_conf(u->root, 1);
			if (r < 0) {
				journal_cancel(&u->in);
				strbuf_addf(err, "cannot lend the host's "
					    "resolv.conf to the guest: %s",
					    rootfs_strerror(r));
			}
		}
	}
	if (r >= 0 && u->dry_run)
		r = make_lists_dir(u, err);
	else if (r >= 0 && (mode = manifest_setting(u->m, "boot-mode")) &&
		 streq(mode, "hvm"))
		r = move_menu_aside(u, err);
	if (r >= 0) {
		info("running apt-get %s in '%s'", u->dry_run ?
		     "update and apt-get -s full-upgrade" :
		     "update and full-upgrade", u->m->hostname);
		r = run_apt(u, &out, err);
	}
	if (r >= 0 && u->dry_run)
		update_parse_simulation(out.buf, &res->changes);
	if (r >= 0 && !u->dry_run) {
		r = read_status(u, &after_pkgs, &nafter, err);
		if (r >= 0)
			diff_status(before_pkgs, nbefore, after_pkgs, nafter,
				    &res->changes);
	}
	if (r >= 0 && had_kernel)
		res->kernel_before = xstrdup(before.kernel_version);
	if (r >= 0 && !u->dry_run &&
	    boot_find_kernel(u->root, &after, &why) >= 0) {
		res->kernel_after = xstrdup(after.kernel_version);
		if (!had_kernel ||
		    !streq(before.kernel_version, after.kernel_version))
			r = new_kernel(u, res, had_kernel ? &before : NULL,
				       &after, err);
	}
out:
	/* What was lent in the guest goes back before it is unmounted. */
	r2 = journal_finish(&u->in, r < 0, 0);
	if (r >= 0 && r2 < 0)
		r = strbuf_error(err, r2, "cannot take back what was lent "
				 "to the guest");
	dpkg_packages_free(before_pkgs, nbefore);
	dpkg_packages_free(after_pkgs, nafter);
	boot_info_release(&before);
	boot_info_release(&after);
	strbuf_release(&out);
	strbuf_release(&why);
	return r;
}

int update_run(const struct manifest *m, int dry_run,
	       struct update_result *res, struct strbuf *err)
{
	struct updater u = { .m = m, .dry_run = dry_run, .j = JOURNAL_INIT,
			     .in = JOURNAL_INIT };
	char *path = NULL;
	int r, r2;

	if (recover_guest_logged(m->hostname) < 0) {
		strbuf_addf(err, "what an earlier run of '%s' left cannot be "
			    "undone (see above)", m->hostname);
		return -EIO;
	}
	path = recover_journal_path(m->hostname);
	r = journal_open_file(&u.j, path, m->hostname, 0, err);
	if (r >= 0) {
		journal_set_stage(&u.j, "update");
		r = update_guest(&u, res, err);
		rootfs_free(u.root);
		u.root = NULL;
		r2 = journal_finish(&u.j, r < 0, 0);
		if (r >= 0 && r2 < 0)
			r = strbuf_error(err, r2, "cannot unmount the guest's "
					 "file systems");
	}
	guest_disks_release(&u.gd);
	journal_release(&u.j);
	journal_release(&u.in);
	free(u.lists);
	free(path);
	return r;
}
