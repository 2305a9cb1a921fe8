/* customize.c: see customize.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "customize.h"
#include "dom0-hosts.h"
#include "fsutil.h"
#include "guest-run.h"
#include "install-archive.h"
#include "log.h"
#include "macros.h"
#include "render.h"
#include "rootfs.h"
#include "secrets.h"
#include "strvec.h"
#include "banned.h"

struct guest_file {
	const char *tmpl;	/* under templates/; FAMILY/ is filled in */
	const char *dest;
	int mode;
	int per_family;
};

static const struct guest_file files[] = {
	{ "hostname", "etc/hostname", 0644, 0 },
	{ "hosts", "etc/hosts", 0644, 0 },
	{ "fstab", "etc/fstab", 0644, 0 },
	{ "sources.list", "etc/apt/sources.list", 0644, 1 },
};

/*
 * What no two guests may share, or what describes the machine that built
 * the tree rather than the guest: a base never carries it, and each
 * guest's own is written (machine-id, host keys, hostname, hosts,
 * resolv.conf) or made on its first boot (random seed, credential secret).
 */
static const struct {
	const char *path;
	int keep_link;
} per_guest_files[] = {
	{ "etc/machine-id", 0 },
	{ "etc/hostname", 0 },
	{ "etc/hosts", 0 },
	{ "etc/resolv.conf", 0 },
	{ "etc/resolv.conf.create-image", 0 },
	/* Usually a link to /etc/machine-id: keep that. */
	{ "var/lib/dbus/machine-id", 1 },
	{ "var/lib/systemd/random-seed", 0 },
	{ "var/lib/systemd/credential.secret", 0 },
	{ "root/.bash_history", 0 },
};

static int unlink_in(const struct rootfs *root, const char *rel,
		     int keep_link)
{
	struct stat st;
	int r = rootfs_stat(root, rel, AT_SYMLINK_NOFOLLOW, &st);

	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0 || (keep_link && S_ISLNK(st.st_mode)))
		return r;
	r = rootfs_unlink(root, rel);
	return r == -ENOENT ? 0 : r;
}

/*
 * Files whose name starts so in these directories: the host keys are
 * removed, and every file below the log directory is emptied, keeping the
 * owner and mode its package gave it (btmp, lastlog, ...).
 */
static const struct {
	const char *dir, *prefix;
	int recurse, truncate;
} per_guest_dirs[] = {
	{ "etc/ssh", "ssh_host_", 0, 0 },
	{ "var/log", "", 1, 1 },
};

static int write_identity(const struct rootfs *root, struct strbuf *err)
{
	char id[33];
	int r;

	r = machine_id_generate(id);
	if (r < 0) {
		strbuf_addf(err, "cannot generate a machine-id: %s",
			    strerror(-r));
		return r;
	}
	id[32] = '\n';
	r = rootfs_write_file(root, "etc/machine-id", id, 33, 0444);
	if (r < 0)
		strbuf_addf(err, "cannot write the guest's '/etc/machine-id': "
			    "%s", rootfs_strerror(r));
	return r;
}

static int clear_below(const struct rootfs *root, const char *rel,
		       const char *prefix, int recurse, int truncate_only,
		       struct strbuf *err)
{
	struct strvec names = STRVEC_INIT;
	int r = rootfs_list_dir(root, rel, &names);

	if (r == -ENOENT || r == -ENOTDIR)
		r = 0;
	else if (r < 0)
		strbuf_addf(err, "cannot read the guest's '/%s': %s", rel,
			    rootfs_strerror(r));
	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		char *p = path_join(rel, names.v[i]);
		const char *what = NULL;
		struct stat st;

		r = rootfs_stat(root, p, AT_SYMLINK_NOFOLLOW, &st);
		if (r == -ENOENT) {
			r = 0;
		} else if (r < 0) {
			what = "read";
		} else if (S_ISDIR(st.st_mode)) {
			if (recurse)
				r = clear_below(root, p, prefix, 1,
						truncate_only, err);
		} else if (strncmp(names.v[i], prefix, strlen(prefix))) {
			/* not one of them */
		} else if (truncate_only) {
			/* Links, FIFOs and devices have no content to lose. */
			if (S_ISREG(st.st_mode))
				r = rootfs_truncate(root, p, 0);
			what = "empty";
		} else {
			r = rootfs_unlink(root, p);
			if (r == -ENOENT)
				r = 0;
			what = "remove";
		}
		if (r < 0 && what)
			strbuf_addf(err, "cannot %s the guest's '/%s': %s",
				    what, p, rootfs_strerror(r));
		free(p);
	}
	strvec_clear(&names);
	return r;
}

int customize_generalize(const struct rootfs *root, struct strbuf *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(per_guest_files); i++) {
		r = unlink_in(root, per_guest_files[i].path,
			      per_guest_files[i].keep_link);
		if (r < 0)
			strbuf_addf(err, "cannot remove the guest's '/%s': %s",
				    per_guest_files[i].path,
				    rootfs_strerror(r));
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(per_guest_dirs); i++)
		r = clear_below(root, per_guest_dirs[i].dir,
				per_guest_dirs[i].prefix,
				per_guest_dirs[i].recurse,
				per_guest_dirs[i].truncate, err);
	return r;
}

/* Every directory the core or the shipped hooks write into, or mount on. */
static const char *const written_dirs[] = {
	"etc/apt",
	"etc/ssh",
	"etc/systemd/network",
	"etc/sysctl.d",
	"boot/grub",
	"var/lib/dbus",
	"var/lib/systemd",
	"var/lib/apt/lists",
	"var/cache/apt/archives/partial",
	"var/log",
	"usr/sbin",
	"dev/pts",
	"proc",
	"sys",
	"root",
};

int customize_check_tree(const struct rootfs *root, struct strbuf *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(written_dirs); i++) {
		struct strbuf sb = STRBUF_INIT;
		const char *rel = written_dirs[i];
		int r = 0;

		while (*rel && r >= 0) {
			size_t n = strcspn(rel, "/");
			struct stat st;

			strbuf_addch(&sb, '/');
			strbuf_add(&sb, rel, n);
			rel += n + (rel[n] == '/');
			r = rootfs_stat(root, sb.buf, AT_SYMLINK_NOFOLLOW, &st);
			if (r == -ENOENT) {
				r = 0;
				break;	/* made later as a real directory */
			}
			if (r < 0) {
				strbuf_addf(err, "cannot read the installed "
					    "tree's '%s': %s", sb.buf,
					    rootfs_strerror(r));
			} else if (!S_ISDIR(st.st_mode)) {
				strbuf_addf(err, "the installed tree's '%s' is "
					    "%s, not a directory: refusing to "
					    "write through it", sb.buf,
					    S_ISLNK(st.st_mode) ? "a symlink" :
								  "a file");
				r = -ENOTDIR;
			}
		}
		strbuf_release(&sb);
		if (r < 0)
			return r;
	}
	return 0;
}

int customize_block_daemons(const struct rootfs *root, struct journal *j,
			    struct strbuf *err)
{
	static const char script[] =
		"#!/bin/sh\n"
		"# Written by create-image while it builds this guest: no\n"
		"# service starts in the build's chroot.\n"
		"exit 101\n";
	static const char policy[] = "usr/sbin/policy-rc.d";
	struct stat st;
	int r;

	/* A policy the guest brings with it stays, and stays in force. */
	if (rootfs_stat(root, policy, AT_SYMLINK_NOFOLLOW, &st) == 0)
		return 0;
	r = rootfs_mkdir_p(root, "usr/sbin", 0755);
	if (r >= 0) {
		r = journal_add_in_root(j, JOURNAL_HELD, UNDO_UNLINK, root,
					policy);
		if (r < 0) {
			strbuf_addf(err, "cannot journal the guest's '/%s': "
				    "%s", policy, strerror(-r));
			return r;
		}
		r = rootfs_write_file(root, policy, script, sizeof(script) - 1,
				      0755);
		if (r < 0)
			journal_cancel(j);
	}
	if (r < 0)
		strbuf_addf(err, "cannot write the guest's '/%s': %s", policy,
			    rootfs_strerror(r));
	return r;
}

/*
 * Root's authorized_keys: the --ssh-key keys, and only those. Written
 * after the skeleton files, so the keys given for this guest are the ones
 * that hold, and never through a symlink, which could lead out of the
 * guest: /root and /root/.ssh must be real directories.
 */
static int real_dir(const struct rootfs *root, const char *rel,
		    mode_t mode)
{
	struct stat st;
	int r = rootfs_mkdir(root, rel, mode);

	if (r < 0 && r != -EEXIST)
		return r;
	r = rootfs_stat(root, rel, AT_SYMLINK_NOFOLLOW, &st);
	if (r >= 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	return r;
}

static int write_root_keys(const struct guest *g, const struct rootfs *root,
			   struct strbuf *err)
{
	static const char file[] = "root/.ssh/authorized_keys";
	struct strbuf keys = STRBUF_INIT;
	int r;

	r = real_dir(root, "root", 0700);
	if (r >= 0)
		r = real_dir(root, "root/.ssh", 0700);
	/* sshd's StrictModes: root's own, and no one else may write. */
	if (r >= 0)
		r = rootfs_chown(root, "root/.ssh", 0, 0);
	if (r >= 0)
		r = rootfs_chmod(root, "root/.ssh", 0700);
	if (r == -ENOTDIR) {
		strbuf_addf(err, "the guest's '/root/.ssh' or '/root' is not a "
			    "directory: refusing to write through it");
		goto out;
	}
	for (size_t i = 0; r >= 0 && i < g->ssh_keys.nr; i++)
		strbuf_addf(&keys, "%s\n", g->ssh_keys.v[i]);
	if (r >= 0)
		r = rootfs_write_file_owned(root, file, keys.buf, keys.len,
					    0600, 0, 0);
	if (r < 0)
		strbuf_addf(err, "cannot write the guest's '/%s': %s", file,
			    rootfs_strerror(r));
out:
	strbuf_release(&keys);
	return r;
}

/*
 * One networkd file per interface, in the interface's scope: the primary's
 * keeps the name it always had, the others are numbered after it.
 */
static const char noipv6_conf[] = "etc/sysctl.d/90-create-image-noipv6.conf";

/*
 * What an earlier build wrote for interfaces, or for --noipv6, that this
 * guest does not have: a tree copied from another guest may carry them,
 * and a stale sysctl file would turn IPv6 off unasked.
 */
static int remove_stale_network(const struct rootfs *root, struct strbuf *err)
{
	static const char dir[] = "etc/systemd/network";
	static const char prefix[] = "10-create-image-vif";
	struct strvec names = STRVEC_INIT;
	int r = rootfs_list_dir(root, dir, &names);

	if (r == -ENOENT || r == -ENOTDIR)
		r = 0;
	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		char *p;

		if (strncmp(names.v[i], prefix, sizeof(prefix) - 1))
			continue;
		p = path_join(dir, names.v[i]);
		r = unlink_in(root, p, 0);
		free(p);
	}
	if (r >= 0)
		r = unlink_in(root, noipv6_conf, 0);
	if (r < 0)
		strbuf_addf(err, "cannot clear the guest's old network files: "
			    "%s", rootfs_strerror(r));
	strvec_clear(&names);
	return r;
}

static int write_network(const struct guest *g, const struct rootfs *root,
			 const struct tvars *vars, struct strbuf *err)
{
	struct strbuf tmpl = STRBUF_INIT, dest = STRBUF_INIT;
	int r = remove_stale_network(root, err);

	for (size_t i = 0; r >= 0 && i < g->nnics; i++) {
		const struct tvars *nic = tvars_list_item(vars, "nics", i);

		strbuf_reset(&tmpl);
		strbuf_reset(&dest);
		strbuf_addf(&tmpl, "%s/network", g->distro.family);
		strbuf_addstr(&dest, "etc/systemd/network/10-create-image");
		if (i)
			strbuf_addf(&dest, "-vif%zu", i);
		strbuf_addstr(&dest, ".network");
		r = nic ? render_to_file(tmpl.buf, nic, root, dest.buf, 0644,
					 err) : -EINVAL;
	}
	/* The kernel's own switch, so nothing else brings IPv6 up. */
	if (r >= 0 && !g->ipv6) {
		strbuf_reset(&tmpl);
		strbuf_addf(&tmpl, "%s/sysctl-noipv6", g->distro.family);
		r = render_to_file(tmpl.buf, vars, root, noipv6_conf, 0644,
				   err);
	}
	strbuf_release(&tmpl);
	strbuf_release(&dest);
	return r;
}

/*
 * --apt_proxy, as xen-tools writes it. Per guest, never in a base: the
 * proxy is the build host's, and a base serves builds with and without.
 */
static const char proxy_conf[] = "etc/apt/apt.conf.d/01proxy";

static int write_apt_proxy(const struct guest *g, const struct rootfs *root,
			   struct strbuf *err)
{
	struct strbuf conf = STRBUF_INIT;
	int r;

	strbuf_addf(&conf, "Acquire::http::Proxy \"%s\";\n", g->apt_proxy);
	r = rootfs_mkdir_p(root, "etc/apt/apt.conf.d", 0755);
	if (r >= 0)
		r = rootfs_write_file(root, proxy_conf, conf.buf, conf.len,
				      0644);
	if (r < 0)
		strbuf_addf(err, "cannot write the guest's '/%s': %s",
			    proxy_conf, rootfs_strerror(r));
	strbuf_release(&conf);
	return r;
}

/* --copyhosts: the guest's own hosts file, then dom0's other entries. */
static int write_hosts_copied(const struct guest *g, const struct rootfs *root,
			      const struct tvars *vars, const char *dest,
			      int mode, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT;
	struct strvec copied = STRVEC_INIT;
	int r = render_to_buf("hosts", vars, &out, err);

	if (r >= 0)
		r = dom0_hosts_copy(DOM0_HOSTS_FILE, g->hostname, &copied,
				    err);
	if (r >= 0 && copied.nr) {
		strbuf_addf(&out, "\n# dom0's entries (--copyhosts)\n");
		for (size_t i = 0; i < copied.nr; i++)
			strbuf_addf(&out, "%s\n", copied.v[i]);
	}
	if (r >= 0) {
		r = rootfs_write_file(root, dest, out.buf, out.len,
				      (mode_t)mode);
		if (r < 0)
			strbuf_addf(err, "cannot write the guest's '/%s': %s",
				    dest, rootfs_strerror(r));
	}
	strvec_clear(&copied);
	strbuf_release(&out);
	return r;
}

int customize_modules(const struct guest *g, const struct rootfs *root,
		      struct strbuf *err)
{
	const char *name;
	struct strbuf rel = STRBUF_INIT, at = STRBUF_INIT;
	int fd, r;

	if (!g->modules)
		return 0;
	name = strrchr(g->modules, '/') + 1;
	strbuf_addf(&rel, "lib/modules/%s", name);
	r = rootfs_mkdir_p(root, rel.buf, 0755);
	/* The directory as found inside the tree (lib is usr/lib on a
	 * merged /usr): the copy starts there, and libarchive's
	 * SECURE_SYMLINKS keeps it from following any link below. */
	fd = r < 0 ? r : rootfs_openat(root, rel.buf, O_PATH | O_DIRECTORY, 0);
	if (fd < 0) {
		r = strbuf_error(err, fd, "cannot make the guest's '/%s': %s",
				 rel.buf, rootfs_strerror(fd));
		goto out;
	}
	strbuf_addf(&at, "/proc/self/fd/%d", fd);
	r = install_copy(g->modules, at.buf, err);
	close(fd);
out:
	strbuf_release(&rel);
	strbuf_release(&at);
	return r;
}

int customize_guest(const struct guest *g, const struct rootfs *root,
		    const struct tvars *vars, const char *password_hash,
		    struct strbuf *err)
{
	const char *hash = password_hash;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct strbuf tmpl = STRBUF_INIT;

		if (files[i].per_family)
			strbuf_addf(&tmpl, "%s/", g->distro.family);
		strbuf_addstr(&tmpl, files[i].tmpl);
		if (g->copyhosts && streq(files[i].tmpl, "hosts"))
			r = write_hosts_copied(g, root, vars, files[i].dest,
					       files[i].mode, err);
		else
			r = render_to_file(tmpl.buf, vars, root, files[i].dest,
					   files[i].mode, err);
		strbuf_release(&tmpl);
		if (r < 0)
			return r;
	}
	r = write_network(g, root, vars, err);
	if (r < 0)
		return r;
	if (g->apt_proxy) {
		r = write_apt_proxy(g, root, err);
		if (r < 0)
			return r;
	}
	r = write_identity(root, err);
	if (r < 0)
		return r;
	if (!hash && g->lock_root)
		hash = SHADOW_LOCKED;
	if (hash) {
		r = shadow_set_password(root, "root", hash);
		if (r < 0) {
			strbuf_addf(err, "cannot %s root's password in the "
				    "guest's /etc/shadow: %s",
				    password_hash ? "set" : "lock",
				    strerror(-r));
			return r;
		}
	}
	if (g->skel && path_is_dir(g->skel)) {
		/* libarchive's SECURE_SYMLINKS keeps it from writing
		 * through any link on disk. */
		r = install_overlay(g->skel, root->path, err);
		if (r < 0)
			return r;
	}
	if (g->ssh_keys.nr)
		return write_root_keys(g, root, err);
	return 0;
}

/*
 * Made by the guest's own ssh-keygen in its sandbox (in-guest): the
 * guest's programs never have the host in reach, and no symlink the guest
 * brought can turn the removal of its old keys into one of the host's.
 */
static const char host_keys_script[] =
	"rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub\n"
	"[ -x /usr/bin/ssh-keygen ] || exit 0\n"
	"for type in rsa ecdsa ed25519; do\n"
	"\t/usr/bin/ssh-keygen -q -t \"$type\" -N '' -C \"root@$1\" \\\n"
	"\t\t-f \"/etc/ssh/ssh_host_${type}_key\"\n"
	"done\n";

int customize_host_keys(const struct guest *g, const struct rootfs *root,
			struct strbuf *err)
{
	const char *const argv[] = {
		"/bin/sh", "-euc", host_keys_script, "host-keys", g->hostname,
		NULL,
	};
	size_t len = err->len;
	struct stat st;
	int r;

	/* A tree without a shell (a bare tarball) gets none. Only that is
	 * looked at from here; all else is the sandbox's to see. */
	if (rootfs_stat(root, "bin/sh", 0, &st) < 0)
		return 0;
	info("making SSH host keys");
	strbuf_addstr(err, "cannot make the guest's SSH host keys: ");
	r = guest_run(root, argv, err);
	if (r >= 0)
		strbuf_setlen(err, len);
	return r;
}

int customize_lend_resolv_conf(const struct rootfs *root, int lend)
{
	static const char conf[] = "etc/resolv.conf";
	static const char saved[] = "etc/resolv.conf.create-image";
	struct strbuf host = STRBUF_INIT;
	int r;

	if (lend) {
		r = rootfs_rename(root, conf, saved);
		if (r == -ENOENT)
			r = 0;
		if (r >= 0 && strbuf_read_file(&host, "/etc/resolv.conf") >= 0)
			r = rootfs_write_file(root, conf, host.buf, host.len,
					      0644);
	} else {
		r = rootfs_unlink(root, conf);
		if (r >= 0 || r == -ENOENT)
			r = rootfs_rename(root, saved, conf);
		if (r == -ENOENT)
			r = 0;
	}
	strbuf_release(&host);
	return r;
}
