/* customize.c: see customize.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "customize.h"
#include "fsutil.h"
#include "install-archive.h"
#include "macros.h"
#include "render.h"
#include "secrets.h"
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
	{ "network", "etc/systemd/network/10-create-image.network", 0644, 1 },
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

static int unlink_in(const char *root, const char *rel, int keep_link)
{
	char *p = path_join(root, rel);
	struct stat st;
	int r = 0;

	if (lstat(p, &st) == 0 && !(keep_link && S_ISLNK(st.st_mode)) &&
	    unlink(p) < 0 && errno != ENOENT)
		r = -errno;
	free(p);
	return r;
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

static int write_identity(const char *root, struct strbuf *err)
{
	char id[33], *path;
	int r;

	r = machine_id_generate(id);
	if (r < 0) {
		strbuf_addf(err, "cannot generate a machine-id: %s",
			    strerror(-r));
		return r;
	}
	id[32] = '\n';
	path = path_join(root, "etc/machine-id");
	r = write_file(path, id, 33, 0444);
	if (r < 0)
		strbuf_addf(err, "cannot write '%s': %s", path, strerror(-r));
	free(path);
	return r;
}

static int clear_below(const char *root, const char *rel, const char *prefix,
		       int recurse, int truncate_only, struct strbuf *err)
{
	char *dir = path_join(root, rel);
	struct strvec names = STRVEC_INIT;
	int r = list_dir(dir, &names);

	if (r == -ENOENT || r == -ENOTDIR)
		r = 0;
	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		char *p = path_join(dir, names.v[i]);
		struct stat st;

		if (lstat(p, &st) < 0) {
			r = errno == ENOENT ? 0 : -errno;
		} else if (S_ISDIR(st.st_mode)) {
			if (recurse) {
				char *sub = path_join(rel, names.v[i]);

				r = clear_below(root, sub, prefix, 1,
						truncate_only, err);
				free(sub);
			}
		} else if (strncmp(names.v[i], prefix, strlen(prefix))) {
			/* not one of them */
		} else if (truncate_only) {
			if (S_ISREG(st.st_mode) && truncate(p, 0) < 0) {
				r = -errno;
				strbuf_addf(err, "cannot empty '%s': %s", p,
					    strerror(errno));
			}
		} else if (unlink(p) < 0 && errno != ENOENT) {
			r = -errno;
			strbuf_addf(err, "cannot remove '%s': %s", p,
				    strerror(errno));
		}
		free(p);
	}
	strvec_clear(&names);
	free(dir);
	return r;
}

int customize_generalize(const char *root, struct strbuf *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(per_guest_files); i++) {
		r = unlink_in(root, per_guest_files[i].path,
			      per_guest_files[i].keep_link);
		if (r < 0)
			strbuf_addf(err, "cannot remove '%s': %s",
				    per_guest_files[i].path, strerror(-r));
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

int customize_check_tree(const char *root, struct strbuf *err)
{
	for (size_t i = 0; i < sizeof(written_dirs) / sizeof(written_dirs[0]);
	     i++) {
		struct strbuf sb = STRBUF_INIT;
		const char *rel = written_dirs[i];
		int r = 0;

		strbuf_addstr(&sb, root);
		while (*rel && r >= 0) {
			size_t n = strcspn(rel, "/");
			struct stat st;

			strbuf_addch(&sb, '/');
			strbuf_add(&sb, rel, n);
			rel += n + (rel[n] == '/');
			if (lstat(sb.buf, &st) < 0)
				break;	/* made later as a real directory */
			if (!S_ISDIR(st.st_mode)) {
				strbuf_addf(err, "the installed tree's '%s' is "
					    "%s, not a directory: refusing to "
					    "write through it",
					    sb.buf + strlen(root),
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

int customize_block_daemons(const char *root, struct journal *j,
			    struct strbuf *err)
{
	static const char script[] =
		"#!/bin/sh\n"
		"# Written by create-image while it builds this guest: no\n"
		"# service starts in the build's chroot.\n"
		"exit 101\n";
	char *dir = path_join(root, "usr/sbin");
	char *path = path_join(dir, "policy-rc.d");
	int r = 0;

	/* A policy the guest brings with it stays, and stays in force. */
	if (!path_exists(path)) {
		r = mkdir_p(dir, 0755);
		if (r >= 0)
			r = write_file(path, script, sizeof(script) - 1, 0755);
		if (r >= 0)
			journal_add(j, JOURNAL_HELD, UNDO_UNLINK, path);
		else
			strbuf_addf(err, "cannot write '%s': %s", path,
				    strerror(-r));
	}
	free(dir);
	free(path);
	return r;
}

/*
 * Root's authorized_keys: the --ssh-key keys, and only those. Written
 * after the skeleton files, so the keys given for this guest are the ones
 * that hold, and never through a symlink, which could lead out of the
 * guest: /root and /root/.ssh must be real directories.
 */
static int write_root_keys(const struct guest *g, const char *root,
			   struct strbuf *err)
{
	char *home = path_join(root, "root");
	char *dir = path_join(home, ".ssh");
	char *file = path_join(dir, "authorized_keys");
	struct strbuf keys = STRBUF_INIT;
	struct stat st;
	int fd = -1, r = 0;

	if (mkdir(home, 0700) < 0 && errno != EEXIST)
		r = -errno;
	else if (lstat(home, &st) < 0)
		r = -errno;
	else if (!S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	else if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	else if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC)) < 0)
		r = errno == ELOOP ? -ENOTDIR : -errno;
	/* sshd's StrictModes: root's own, and no one else may write. */
	else if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0700) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (r == -ENOTDIR) {
		strbuf_addf(err, "the guest's '/root/.ssh' or '/root' is not a "
			    "directory: refusing to write through it");
		goto out;
	}
	for (size_t i = 0; r >= 0 && i < g->ssh_keys.nr; i++)
		strbuf_addf(&keys, "%s\n", g->ssh_keys.v[i]);
	if (r >= 0)
		r = write_file_owned(file, keys.buf, keys.len, 0600, 0, 0);
	if (r < 0)
		strbuf_addf(err, "cannot write '%s': %s", file, strerror(-r));
out:
	strbuf_release(&keys);
	free(home);
	free(dir);
	free(file);
	return r;
}

int customize_guest(const struct guest *g, const char *root,
		    const struct tvars *vars, const char *password_hash,
		    struct strbuf *err)
{
	const char *hash = password_hash;
	int r;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct strbuf tmpl = STRBUF_INIT;

		if (files[i].per_family)
			strbuf_addf(&tmpl, "%s/", g->distro.family);
		strbuf_addstr(&tmpl, files[i].tmpl);
		r = render_to_file(tmpl.buf, vars, root, files[i].dest,
				   files[i].mode, err);
		strbuf_release(&tmpl);
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
		r = install_overlay(g->skel, root, err);
		if (r < 0)
			return r;
	}
	if (g->ssh_keys.nr)
		return write_root_keys(g, root, err);
	return 0;
}
