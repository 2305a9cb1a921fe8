/* generalize.c: see generalize.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "generalize.h"
#include "macros.h"
#include "strvec.h"
#include "banned.h"

static const char ssh_unit[] =
	"# Written by create-image --generalize: each copy of this image\n"
	"# makes its own SSH host keys when it first boots.\n"
	"[Unit]\n"
	"Description=Make the SSH host keys of a generalized image\n"
	"ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key\n"
	"DefaultDependencies=no\n"
	"After=local-fs.target\n"
	"Before=ssh.service sshd.service multi-user.target\n"
	"\n"
	"[Service]\n"
	"Type=oneshot\n"
	"ExecStart=/usr/bin/ssh-keygen -A\n"
	"RemainAfterExit=yes\n"
	"\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n";

static const char hosts[] =
	"127.0.0.1	localhost\n"
	"::1		localhost ip6-localhost ip6-loopback\n"
	"ff02::1		ip6-allnodes\n"
	"ff02::2		ip6-allrouters\n";

/* Files of one machine, made again on the first boot. */
static const char *const machine_files[] = {
	"var/lib/systemd/random-seed",
	"var/lib/systemd/credential.secret",
};

static int remove_host_keys(const struct rootfs *root, struct strbuf *err)
{
	struct strvec names = STRVEC_INIT;
	int r = rootfs_list_dir(root, "etc/ssh", &names);

	if (r == -ENOENT)
		r = 0;
	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		char *rel;

		if (strncmp(names.v[i], "ssh_host_", 9))
			continue;
		rel = path_join("etc/ssh", names.v[i]);
		r = rootfs_unlink(root, rel);
		if (r < 0)
			strbuf_addf(err, "cannot remove the guest's '/%s': %s",
				    rel, rootfs_strerror(r));
		free(rel);
	}
	strvec_clear(&names);
	return r;
}

/* A link named name in dir (inside the tree) to target; one there
 * already is replaced. */
static int link_in(const struct rootfs *root, const char *dir,
		   const char *name, const char *target, struct strbuf *err)
{
	int fd, r;

	r = rootfs_mkdir_p(root, dir, 0755);
	fd = r < 0 ? r : rootfs_openat(root, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0) {
		strbuf_addf(err, "cannot make the guest's '/%s': %s", dir,
			    rootfs_strerror(fd));
		return fd;
	}
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		r = -errno;
	else if (symlinkat(target, fd, name) < 0)
		r = -errno;
	else
		r = 0;
	if (r < 0)
		strbuf_addf(err, "cannot link the guest's '/%s/%s': %s", dir,
			    name, strerror(-r));
	close(fd);
	return r;
}

static int write_in(const struct rootfs *root, const char *rel,
		    const char *data, mode_t mode, struct strbuf *err)
{
	int r = rootfs_write_file(root, rel, data, strlen(data), mode);

	if (r < 0)
		strbuf_addf(err, "cannot write the guest's '/%s': %s", rel,
			    rootfs_strerror(r));
	return r;
}

int generalize_image(const struct rootfs *root, struct strbuf *err)
{
	struct stat st;
	int r;

	r = remove_host_keys(root, err);
	/* Empty, not missing: systemd then takes the boot as the first,
	 * and writes the new id once / is writable. */
	if (r >= 0)
		r = write_in(root, "etc/machine-id", "", 0444, err);
	/* Usually a link to /etc/machine-id: a copy of its own goes. */
	if (r >= 0 && rootfs_stat(root, "var/lib/dbus/machine-id",
				  AT_SYMLINK_NOFOLLOW, &st) == 0 &&
	    !S_ISLNK(st.st_mode)) {
		r = rootfs_unlink(root, "var/lib/dbus/machine-id");
		if (r < 0)
			strbuf_addf(err, "cannot remove the guest's "
				    "'/var/lib/dbus/machine-id': %s",
				    rootfs_strerror(r));
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(machine_files); i++) {
		r = rootfs_unlink(root, machine_files[i]);
		if (r == -ENOENT)
			r = 0;
		if (r < 0)
			strbuf_addf(err, "cannot remove the guest's '/%s': %s",
				    machine_files[i], rootfs_strerror(r));
	}
	if (r >= 0)
		r = write_in(root, "etc/hostname", "localhost\n", 0644, err);
	if (r >= 0)
		r = write_in(root, "etc/hosts", hosts, 0644, err);
	if (r >= 0)
		r = write_in(root, "etc/systemd/system/" GENERALIZE_SSH_UNIT,
			     ssh_unit, 0644, err);
	if (r >= 0)
		r = link_in(root, "etc/systemd/system/multi-user.target.wants",
			    GENERALIZE_SSH_UNIT, "../" GENERALIZE_SSH_UNIT,
			    err);
	return r;
}
