/* install.c: see install.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "install-archive.h"
#include "install.h"
#include "log.h"
#include "macros.h"
#include "paths.h"
#include "rootfs.h"
#include "run-command.h"
#include "banned.h"

void install_packages(const struct guest *g, struct strvec *ret)
{
	(void)distro_packages(&g->distro, g->arch, ret);
	/* The tools the guest needs for its own file systems. */
	for (size_t i = 0; i < g->parts.nr; i++) {
		const char *t = g->parts.p[i].type;
		const char *pkg = !strcmp(t, "xfs") ? "xfsprogs" :
				  !strcmp(t, "btrfs") ? "btrfs-progs" : NULL;

		if (pkg && strvec_find(ret, pkg) < 0)
			strvec_push(ret, pkg);
	}
	/*
	 * An HVM guest's disk boots GRUB (bootcode.h): its image is made
	 * from the guest's own modules, for BIOS and UEFI alike, so that
	 * both share one base. The -bin packages, not grub-pc or
	 * grub-efi-amd64: those two conflict, and their scripts run
	 * grub-install on devices the build's sandbox does not have.
	 * grub2-common brings update-grub for kernel updates.
	 */
	if (g->boot_mode == BOOT_HVM) {
		static const char *const grub[] = { "grub-pc-bin",
						     "grub-efi-amd64-bin",
						     "grub2-common" };

		for (size_t i = 0; i < ARRAY_SIZE(grub); i++)
			if (strvec_find(ret, grub[i]) < 0)
				strvec_push(ret, grub[i]);
	}
}

void install_suites(const struct guest *g, struct strvec *suites,
		    struct strvec *mirrors)
{
	strvec_push(suites, g->distro.codename);
	strvec_push(mirrors, g->mirror);
	if (g->method != INSTALL_DEBOOTSTRAP || !g->updates)
		return;
	if (distro_has(&g->distro, "updates")) {
		strvec_pushf(suites, "%s-updates", g->distro.codename);
		strvec_push(mirrors, g->mirror);
	}
	if (g->security_mirror) {
		strvec_pushf(suites, "%s-security", g->distro.codename);
		strvec_push(mirrors, g->security_mirror);
	}
}

int install_upgrades(const struct guest *g)
{
	struct strvec suites = STRVEC_INIT, mirrors = STRVEC_INIT;
	int more;

	install_suites(g, &suites, &mirrors);
	more = suites.nr > 1;
	strvec_clear(&suites);
	strvec_clear(&mirrors);
	return more;
}

/*
 * The kernel is the largest package and the one every point release
 * and security update replaces: installed by debootstrap from the release
 * and then upgraded, it would be unpacked, and its initramfs made, twice.
 * When the build upgrades, it comes from the upgrade alone.
 */
static int is_kernel(const char *pkg)
{
	return !strncmp(pkg, "linux-image-", 12);
}

void install_kernel_packages(const struct guest *g, struct strvec *ret)
{
	struct strvec pkgs = STRVEC_INIT;

	install_packages(g, &pkgs);
	for (size_t i = 0; i < pkgs.nr; i++)
		if (is_kernel(pkgs.v[i]))
			strvec_push(ret, pkgs.v[i]);
	strvec_clear(&pkgs);
}

/* The packages the installer puts in besides its minimal base. */
static void include_list(const struct guest *g, struct strvec *ret)
{
	struct strvec pkgs = STRVEC_INIT;
	int defer = install_upgrades(g);

	install_packages(g, &pkgs);
	for (size_t i = 0; i < pkgs.nr; i++)
		if (!defer || !is_kernel(pkgs.v[i]))
			strvec_push(ret, pkgs.v[i]);
	strvec_clear(&pkgs);
}

static void join(const struct strvec *v, struct strbuf *out)
{
	for (size_t i = 0; i < v->nr; i++)
		strbuf_addf(out, "%s%s", i ? "," : "", v->v[i]);
}

/* minbase plus every package the guest needs, in one pass: no second
 * apt run per hook, and nothing the guest does not use. */
static void debootstrap_args(const struct guest *g, const char *root,
			     const char *debs, int first_stage,
			     struct strvec *args)
{
	struct strvec pkgs = STRVEC_INIT;
	struct strbuf include = STRBUF_INIT;

	include_list(g, &pkgs);
	join(&pkgs, &include);
	strvec_push(args, "debootstrap");
	if (first_stage)
		strvec_push(args, "--foreign");
	strvec_push(args, "--variant=minbase");
	strvec_pushf(args, "--arch=%s", g->arch);
	if (include.len)
		strvec_pushf(args, "--include=%s", include.buf);
	strvec_push(args, "--components=main");
	if (g->keyring)
		strvec_pushf(args, "--keyring=%s", g->keyring);
	strvec_pushf(args, "--cache-dir=%s", debs);
	strvec_pushl(args, g->distro.codename, root, g->mirror, NULL);
	strbuf_release(&include);
	strvec_clear(&pkgs);
}

/* What mmdebstrap installs besides the Essential and required packages
 * (apt patterns, which the first stage gives it on their own). */
static void mmdebstrap_packages(const struct guest *g, struct strvec *ret)
{
	strvec_push(ret, "apt");
	/* As debootstrap: usr-is-merged, not usrmerge, satisfies what wants
	 * a merged /usr (merge_usr()). */
	if (distro_has(&g->distro, "usr-is-merged"))
		strvec_push(ret, "usr-is-merged");
	include_list(g, ret);
}

/*
 * mmdebstrap's first stage is its "extract" variant: apt on the host
 * resolves debootstrap's minbase (the Essential and required packages
 * and apt) plus the same packages, downloads them into the guest's
 * /var/cache/apt/archives (those in CACHEDIR/debs copied in by a hook of
 * mmdebstrap's own, the new ones kept there by keep_packages()) and
 * unpacks them, running nothing of them. The lists and the packages stay
 * for the second stage.
 */
static void mmdebstrap_args(const struct guest *g, const char *root,
			    const char *debs, int first_stage,
			    struct strvec *args)
{
	struct strvec pkgs = STRVEC_INIT;
	struct strbuf include = STRBUF_INIT;

	(void)first_stage;
	mmdebstrap_packages(g, &pkgs);
	join(&pkgs, &include);
	strvec_pushl(args, "mmdebstrap", "--mode=root", "--variant=extract",
		     "--format=directory", NULL);
	strvec_pushf(args, "--arch=%s", g->arch);
	/* An apt pattern is one --include of its own: mmdebstrap does not
	 * split one at commas. */
	strvec_pushl(args, "--include=?essential",
		     "--include=?priority(required)", NULL);
	strvec_pushf(args, "--include=%s", include.buf);
	strvec_push(args, "--components=main");
	if (g->keyring)
		strvec_pushf(args, "--keyring=%s", g->keyring);
	/* The root holds lost+found and the base tree already; /dev, /proc
	 * and /sys of the host have no business in it. */
	strvec_pushl(args, "--skip=check/empty", "--skip=chroot/mount",
		     "--skip=cleanup/apt", NULL);
	strvec_pushf(args, "--setup-hook=sync-in %s /var/cache/apt/archives",
		     debs);
	strvec_pushl(args, g->distro.codename, root, g->mirror, NULL);
	strbuf_release(&include);
	strvec_clear(&pkgs);
}

/*
 * mmdebstrap's second stage, in the guest's sandbox, from what the first
 * left in /var/cache/apt/archives: the Essential packages by dpkg, as
 * mmdebstrap itself does (base-passwd's preinst must run before anything
 * needs /etc/passwd), then the rest by apt, without a download. apt names
 * the Essential set, with usr-is-merged where the first stage took it:
 * else it would take usrmerge (and perl) for what wants a merged /usr.
 * The package lists and the packages go, as after debootstrap.
 */
static const char mmdebstrap_second_stage[] =
	"export DEBIAN_FRONTEND=noninteractive\n"
	"cd /var/cache/apt/archives\n"
	"apt='apt-get -q -y -o APT::Install-Recommends=false "
	"-o Dpkg::Options::=--force-confdef "
	"-o Dpkg::Options::=--force-confold'\n"
	"case \" $* \" in *' usr-is-merged '*) merged=usr-is-merged ;; "
	"*) merged= ;; esac\n"
	"debs=$($apt -s install '?essential' $merged | sed -n "
	"'s/^Inst \\([^ ]*\\) (\\([^ ]*\\) .*\\[\\([a-z0-9]*\\)\\]).*/"
	"\\1_\\2_\\3.deb/p' | sed 's/:/%3a/')\n"
	"[ -n \"$debs\" ]\n"
	"dpkg --install --force-depends $debs\n"
	"$apt --no-download install '?priority(required)' \"$@\"\n"
	"$apt clean\n"
	"rm -rf /var/lib/apt/lists/*_* /var/lib/apt/lists/auxfiles\n";

/* What each --debootstrap-cmd is run with. */
static const struct installer_ops {
	const char *name;
	/* The host's stage (first_stage 0: the install as one command, for
	 * the plan). */
	void (*args)(const struct guest *g, const char *root,
		     const char *debs, int first_stage, struct strvec *args);
	/* The sandbox's stage: the command, then these packages. */
	const char *const second_stage[5];
	void (*packages)(const struct guest *g, struct strvec *ret);
	/* Made in the root before the first stage: where it leaves the
	 * packages, to be kept in CACHEDIR/debs (NULL: it keeps them). */
	const char *dir;
	/* The merged /usr links are ours to make (debootstrap makes its
	 * own), for the releases with usr-is-merged. */
	int merge_usr;
} installers[] = {
	[INSTALLER_DEBOOTSTRAP] = {
		"debootstrap", debootstrap_args,
		{ "/debootstrap/debootstrap", "--second-stage", NULL }, NULL,
		NULL, 0 },
	[INSTALLER_MMDEBSTRAP] = {
		"mmdebstrap", mmdebstrap_args,
		{ "/bin/sh", "-euc", mmdebstrap_second_stage, "mmdebstrap",
		  NULL }, mmdebstrap_packages, "var/cache/apt/archives", 1 },
};

const char *install_installer_name(const struct guest *g)
{
	return installers[g->installer].name;
}

void install_debootstrap_args(const struct guest *g, const char *root,
			      struct strvec *args)
{
	char *debs = path_join(g->cachedir, "debs");

	installers[g->installer].args(g, root, debs, 0, args);
	free(debs);
}

/* nftw() passes no context: the list being filled. */
static struct strvec *tree_files_ret;

static int tree_file(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_F)
		strvec_push(tree_files_ret, path);
	return 0;
}

void install_base_tree_dirs(const struct guest *g, struct strvec *ret)
{
	struct strvec dirs = STRVEC_INIT;

	distro_dirs(&g->distro, "base-tree", &dirs);
	for (size_t i = 0; i < dirs.nr; i++)
		if (path_is_dir(dirs.v[i]))
			strvec_push(ret, dirs.v[i]);
	strvec_clear(&dirs);
}

int install_base_tree_files(const struct guest *g, struct strvec *ret)
{
	struct strvec dirs = STRVEC_INIT;
	int r = 0;

	if (g->method != INSTALL_DEBOOTSTRAP)
		return 0;
	install_base_tree_dirs(g, &dirs);
	for (size_t i = 0; i < dirs.nr && r >= 0; i++) {
		struct strvec files = STRVEC_INIT;

		tree_files_ret = &files;
		if (nftw(dirs.v[i], tree_file, 16, FTW_PHYS) < 0)
			r = errno ? -errno : -EIO;
		tree_files_ret = NULL;
		/* nftw's order is the directory's; the key's must not be. */
		strvec_sort(&files);
		strvec_pushv(ret, files.v);
		strvec_clear(&files);
	}
	strvec_clear(&dirs);
	return r;
}

/*
 * debootstrap's own reason for a failure is its last "E:" line; apt's is
 * its first (the download that failed, before "Unable to fetch some
 * archives").
 */
static void add_reason(struct child_process *cp, int first,
		       struct strbuf *err)
{
	const char *tail = cp->tail.buf, *p;

	for (p = tail; (p = strstr(p, "E: ")); p += 3) {
		tail = p;
		if (first)
			break;
	}
	if (tail != cp->tail.buf)
		strbuf_addf(err, ": %.*s", (int)strcspn(tail, "\n"), tail);
}

static void add_debootstrap_reason(struct child_process *cp,
				   struct strbuf *err)
{
	add_reason(cp, 0, err);
}

/*
 * --apt_proxy for the downloads of a build: debootstrap's wget and apt
 * both take http_proxy, as libcurl does for ours (fetch_set_proxy()).
 */
static void add_proxy(const struct guest *g, struct strvec *env)
{
	if (g->apt_proxy)
		strvec_pushf(env, "http_proxy=%s", g->apt_proxy);
}

/*
 * The first stage, on the host: debootstrap downloads and checks the
 * packages and unpacks the essential ones, running nothing of them.
 */
static int first_stage(const struct guest *g, const char *root,
		       struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char *debs = path_join(g->cachedir, "debs");
	int r;

	r = mkdir_p(debs, 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", debs, strerror(-r));
		goto out;
	}
	installers[g->installer].args(g, root, debs, 1, &cp.args);
	cp.clear_env = 1;
	add_proxy(g, &cp.env);
	/*
	 * debootstrap runs wget once per package, and each looks the mirror
	 * up again: ~150 lookups. A lost DNS reply (some resolvers drop an
	 * AAAA query now and then) stalls one for glibc's 5 s timeout, 15 s
	 * of a cold build here. Retransmit after 1 s instead, giving up after
	 * 5 s as before. The administrator's own RES_OPTIONS win.
	 */
	strvec_pushf(&cp.env, "RES_OPTIONS=%s",
		     getenv("RES_OPTIONS") ? getenv("RES_OPTIONS") :
					     "timeout:1 attempts:5");
	r = run_command(&cp);
	if (r == -ENOENT) {
		strbuf_addf(err, "'%s' is not installed (--debootstrap-cmd="
			    "%s; it is the Debian package of that name)",
			    cp.args.v[0], cp.args.v[0]);
	} else if (r < 0) {
		child_describe_failure(&cp, r, err);
		add_debootstrap_reason(&cp, err);
	}
out:
	free(debs);
	child_process_clear(&cp);
	return r;
}

/*
 * The second stage, in the guest's sandbox: the packages' own programs
 * (dpkg, their maintainer scripts) are the guest's, and never run with
 * the host in reach. It needs no network: everything was downloaded.
 */
static int second_stage(const struct guest *g, const char *root,
			struct strbuf *err)
{
	const struct installer_ops *ops = &installers[g->installer];
	struct child_process cp = CHILD_PROCESS_INIT;
	char *in_guest = paths_in_guest();
	int r;

	strvec_push(&cp.args, in_guest);
	strvec_pushv(&cp.args, (const char **)ops->second_stage);
	if (ops->packages)
		ops->packages(g, &cp.args);
	cp.clear_env = 1;
	strvec_pushf(&cp.env, "CREATE_IMAGE_ROOT=%s", root);
	/*
	 * debootstrap first checks that it can make a working /dev/null on
	 * the target: never in the sandbox, which has neither CAP_MKNOD nor
	 * device nodes in the guest's tree, by design. It skips that check
	 * in a container it knows, which is what the sandbox is to it. The
	 * package scripts of the shipped set do not read the variable.
	 */
	strvec_push(&cp.env, "container=lxc");
	r = run_command(&cp);
	if (r == -EPROTO && !cp.term_signal) {
		strbuf_addf(err, "the second stage of '%s' exited with "
			    "status %d", ops->name, cp.exit_status);
		add_debootstrap_reason(&cp, err);
		/* in-guest's own reason, when the sandbox failed. */
		if (cp.exit_status >= 125)
			child_add_last_line(&cp, err);
	} else if (r < 0) {
		child_describe_failure(&cp, r, err);
	}
	free(in_guest);
	child_process_clear(&cp);
	return r;
}

/* A .deb is never near this; a file that is is no package of ours. */
#define DEB_MAX (1UL << 30)

/*
 * The packages the first stage left in the root, kept in CACHEDIR/debs
 * for the next build: each one new there is written whole through a
 * temporary file, so that a build reading the cache meanwhile sees it
 * entire or not at all; one there already is left as it is.
 */
static int keep_packages(const char *dir, const struct rootfs *root,
			 const char *debs, struct strbuf *err)
{
	struct strvec names = STRVEC_INIT;
	struct strbuf deb = STRBUF_INIT;
	const char *name = dir;
	int r = rootfs_list_dir(root, dir, &names);

	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		size_t n = strlen(names.v[i]);
		char *dest, *rel;

		name = names.v[i];
		if (n < 5 || strcmp(name + n - 4, ".deb"))
			continue;
		dest = path_join(debs, name);
		rel = path_join(dir, name);
		if (!path_exists(dest)) {
			strbuf_reset(&deb);
			r = rootfs_read_file(root, rel, O_NOFOLLOW, DEB_MAX,
					     &deb, NULL);
			if (r >= 0)
				r = write_file_new(dest, deb.buf, deb.len,
						   0644);
			if (r == -EEXIST)
				r = 0;
		}
		free(dest);
		free(rel);
	}
	if (r < 0)
		strbuf_addf(err, "cannot keep '%s' in '%s': %s", name, debs,
			    rootfs_strerror(r));
	strbuf_release(&deb);
	strvec_clear(&names);
	return r;
}

static int debootstrap(const struct guest *g, const struct rootfs *root,
		       struct strbuf *err)
{
	const char *dir = installers[g->installer].dir;
	int r = first_stage(g, root->path, err);

	if (r >= 0 && dir) {
		char *debs = path_join(g->cachedir, "debs");

		r = keep_packages(dir, root, debs, err);
		free(debs);
	}
	return r < 0 ? r : second_stage(g, root->path, err);
}

/*
 * Set the stage for debootstrap: the base tree's files go in first, so
 * the packages find them when they configure themselves (the initramfs
 * settings), and dpkg is told not to fsync every file it unpacks. A
 * half-built guest is thrown away whole, so those syncs buy nothing; the
 * guest's file systems are flushed once when they are unmounted.
 */
static const char unsafe_io[] = "etc/dpkg/dpkg.cfg.d/create-image-unsafe-io";

/*
 * A merged /usr, made as debootstrap makes it: the top-level directories
 * are links into /usr before anything is unpacked (mmdebstrap keeps
 * such links when it unpacks).
 */
static int merge_usr(const struct guest *g, const struct rootfs *root,
		     struct strbuf *err)
{
	static const struct {
		const char *arch, *dirs;
	} extra[] = {
		{ "amd64", "lib32 lib64 libx32" },
		{ "i386", "lib64 libx32" },
		{ "ppc64el", "lib64" },
		{ "s390x", "lib32" },
	};
	struct strvec dirs = STRVEC_INIT;
	int r = 0;

	strvec_pushl(&dirs, "bin", "sbin", "lib", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++)
		if (!strcmp(g->arch, extra[i].arch))
			strvec_split(&dirs, extra[i].dirs, " ");
	for (size_t i = 0; i < dirs.nr && r >= 0; i++) {
		struct strbuf usr = STRBUF_INIT;

		strbuf_addf(&usr, "usr/%s", dirs.v[i]);
		r = rootfs_mkdir_p(root, usr.buf, 0755);
		if (r >= 0)
			r = rootfs_symlink(root, usr.buf, dirs.v[i]);
		if (r < 0)
			strbuf_addf(err, "cannot link the guest's '/%s' to "
				    "'/%s': %s", dirs.v[i], usr.buf,
				    rootfs_strerror(r));
		strbuf_release(&usr);
	}
	strvec_clear(&dirs);
	return r;
}

static int seed(const struct guest *g, const struct rootfs *root,
		struct strbuf *err)
{
	static const char conf[] = "force-unsafe-io\n";
	struct strvec dirs = STRVEC_INIT;
	const char *slash = strrchr(unsafe_io, '/');
	char *dir = xstrndup(unsafe_io, (size_t)(slash - unsafe_io));
	int r = 0;

	install_base_tree_dirs(g, &dirs);
	/* libarchive's SECURE_SYMLINKS keeps it from writing through any
	 * link on disk. */
	for (size_t i = 0; i < dirs.nr && r >= 0; i++)
		r = install_overlay(dirs.v[i], root->path, err);
	if (r >= 0 && installers[g->installer].merge_usr &&
	    distro_has(&g->distro, "usr-is-merged"))
		r = merge_usr(g, root, err);
	if (r >= 0) {
		r = rootfs_mkdir_p(root, dir, 0755);
		if (r >= 0 && installers[g->installer].dir)
			r = rootfs_mkdir_p(root, installers[g->installer].dir,
					   0755);
		if (r >= 0)
			r = rootfs_write_file(root, unsafe_io, conf,
					      sizeof(conf) - 1, 0644);
		if (r < 0)
			strbuf_addf(err, "cannot write the guest's '/%s': %s",
				    unsafe_io, rootfs_strerror(r));
	}
	strvec_clear(&dirs);
	free(dir);
	return r;
}

/* After debootstrap, whose packages may have left links anywhere. */
static int unseed(const struct rootfs *root)
{
	int r = rootfs_unlink(root, unsafe_io);

	return r == -ENOENT ? 0 : r;
}

/*
 * The upgrade, in the guest's sandbox: apt reads the suites the build
 * installs from, upgrades what debootstrap put in from the release,
 * installs the kernel (see is_kernel()), and leaves one kernel, the
 * newest: a base renewed by upgrading still holds the one it had. No
 * recommended packages, as with debootstrap: the package set is the same
 * whichever way a base was made.
 */
static const char upgrade_script[] =
	"export DEBIAN_FRONTEND=noninteractive\n"
	"apt='apt-get -q -y -o APT::Install-Recommends=false "
	"-o Dpkg::Options::=--force-confdef "
	"-o Dpkg::Options::=--force-confold'\n"
	"$apt update\n"
	"$apt full-upgrade\n"
	"[ $# -eq 0 ] || $apt install \"$@\"\n"
	"if command -v linux-version >/dev/null; then\n"
	"	newest=$(linux-version list | linux-version sort --reverse |"
	" head -n 1)\n"
	"	old=\n"
	"	for v in $(linux-version list); do\n"
	"		[ \"$v\" = \"$newest\" ] || old=\"$old linux-image-$v\"\n"
	"	done\n"
	"	[ -z \"$old\" ] || $apt purge $old\n"
	"fi\n";

void install_build_sources(const struct guest *g, struct strbuf *out)
{
	struct strvec suites = STRVEC_INIT, mirrors = STRVEC_INIT;

	install_suites(g, &suites, &mirrors);
	for (size_t i = 0; i < suites.nr; i++)
		strbuf_addf(out, "deb %s %s main\n", mirrors.v[i],
			    suites.v[i]);
	strvec_clear(&suites);
	strvec_clear(&mirrors);
}

int install_upgrade(const struct guest *g, const struct rootfs *root,
		    struct strbuf *err)
{
	static const char list[] = "etc/apt/sources.list";
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf sources = STRBUF_INIT;
	char *in_guest = paths_in_guest();
	int r;

	/* The guest's own sources are written for each guest later. */
	install_build_sources(g, &sources);
	r = rootfs_write_file(root, list, sources.buf, sources.len, 0644);
	if (r < 0) {
		strbuf_addf(err, "cannot write the guest's '/%s': %s", list,
			    rootfs_strerror(r));
		goto out;
	}
	strvec_pushl(&cp.args, in_guest, "/bin/sh", "-euc", upgrade_script,
		     "upgrade", NULL);
	install_kernel_packages(g, &cp.args);
	cp.clear_env = 1;
	strvec_pushf(&cp.env, "CREATE_IMAGE_ROOT=%s", root->path);
	add_proxy(g, &cp.env);
	r = run_command(&cp);
	if (r == -EPROTO && !cp.term_signal) {
		strbuf_addf(err, "upgrading from %s exited with status %d",
			    g->distro.codename, cp.exit_status);
		add_reason(&cp, 1, err);
		if (cp.exit_status >= 125)
			child_add_last_line(&cp, err);
	} else if (r < 0) {
		child_describe_failure(&cp, r, err);
	}
out:
	free(in_guest);
	strbuf_release(&sources);
	child_process_clear(&cp);
	return r;
}

int install_system(const struct guest *g, const struct rootfs *root,
		   struct strbuf *err)
{
	int r;

	switch (g->method) {
	case INSTALL_DEBOOTSTRAP:
		r = seed(g, root, err);
		if (r >= 0)
			r = debootstrap(g, root, err);
		if (r >= 0) {
			r = unseed(root);
			if (r < 0)
				strbuf_addf(err, "cannot remove '%s': %s",
					    unsafe_io, rootfs_strerror(r));
		}
		return r;
	case INSTALL_TAR:
		r = install_tar_checked(g->install_source, g->install_sha256,
					root->path, err);
		if (r == -EBADMSG)
			strbuf_addstr(err, " (--install-source-sha256)");
		return r;
	case INSTALL_COPY:
		return install_copy(g->install_source, root->path, err);
	case INSTALL_NONE:
		break;
	}
	return -EINVAL;
}
