/* boot.c: see boot.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "fsutil.h"
#include "strvec.h"
#include "banned.h"

/* 1 if rel in the tree is a regular file, links followed inside it. */
static int is_file(const struct rootfs *root, const char *rel)
{
	struct stat st;

	return rootfs_stat(root, rel, 0, &st) == 0 && S_ISREG(st.st_mode);
}

int boot_find_kernel(const struct rootfs *root, struct boot_info *ret,
		     struct strbuf *err)
{
	struct strvec entries = STRVEC_INIT;
	const char *best = NULL;
	int r;

	r = rootfs_list_dir(root, "boot", &entries);
	for (size_t i = 0; r >= 0 && i < entries.nr; i++) {
		struct strbuf kernel = STRBUF_INIT, initrd = STRBUF_INIT;
		const char *v;

		if (strncmp(entries.v[i], "vmlinuz-", 8))
			continue;
		v = entries.v[i] + 8;
		strbuf_addf(&kernel, "boot/%s", entries.v[i]);
		strbuf_addf(&initrd, "boot/initrd.img-%s", v);
		if (is_file(root, kernel.buf) && is_file(root, initrd.buf) &&
		    (!best || strverscmp(v, best) > 0))
			best = v;
		strbuf_release(&kernel);
		strbuf_release(&initrd);
	}
	if (r < 0 && r != -ENOENT) {
		strbuf_addf(err, "cannot read the guest's '/boot': %s",
			    rootfs_strerror(r));
	} else if (!best) {
		strbuf_addf(err, "no kernel with an initrd in the guest's "
			    "/boot: it could not boot (is a linux-image "
			    "package installed?)");
		r = -ENOENT;
	} else {
		struct strbuf sb = STRBUF_INIT;

		memset(ret, 0, sizeof(*ret));
		ret->kernel_version = strdup(best);
		strbuf_addf(&sb, "vmlinuz-%s", best);
		ret->kernel_file = strbuf_detach(&sb, NULL);
		strbuf_addf(&sb, "initrd.img-%s", best);
		ret->initrd_file = strbuf_detach(&sb, NULL);
		r = 0;
	}
	strvec_clear(&entries);
	return r;
}

int boot_config_has_pvh(const char *config)
{
	static const char want[] = "CONFIG_XEN_PVH=y";
	const char *p = config;

	while ((p = strstr(p, want))) {
		char end = p[sizeof(want) - 1];

		if ((p == config || p[-1] == '\n') &&
		    (end == '\n' || end == '\0'))
			return 1;
		p += sizeof(want) - 1;
	}
	return 0;
}

/* Debian's .config files are about 300 KiB. */
#define KERNEL_CONFIG_MAX (8 << 20)

int boot_check_pvh(const struct rootfs *root, const struct boot_info *b,
		   struct strbuf *err)
{
	struct strbuf rel = STRBUF_INIT, config = STRBUF_INIT;
	int r;

	strbuf_addf(&rel, "boot/config-%s", b->kernel_version);
	r = rootfs_read_file(root, rel.buf, 0, KERNEL_CONFIG_MAX, &config,
			     NULL);
	if (r == -ENOENT) {
		r = 0;
	} else if (r < 0) {
		strbuf_addf(err, "cannot read the guest's '/%s': %s", rel.buf,
			    rootfs_strerror(r));
	} else if (boot_config_has_pvh(config.buf)) {
		r = 1;
	} else {
		strbuf_addf(err, "the guest's kernel %s cannot boot as a PVH "
			    "guest ('/%s' lacks CONFIG_XEN_PVH=y): install "
			    "one that can (linux-image-cloud-amd64 or "
			    "linux-image-amd64), or use --boot-mode=pv-pvgrub",
			    b->kernel_version, rel.buf);
		r = -ENOTSUP;
	}
	strbuf_release(&rel);
	strbuf_release(&config);
	return r;
}

char *boot_cmdline(const char *root_uuid, const char *console)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "root=UUID=%s ro console=%s", root_uuid, console);
	return strbuf_detach(&sb, NULL);
}

char *boot_cmdline_serial(const char *root_uuid, const char *console)
{
	struct strbuf sb = STRBUF_INIT;

	/* The last console= is /dev/console, where systemd starts a getty
	 * (serial-getty@ttyS0): qemu's and xl's 'serial = pty' console. */
	strbuf_addf(&sb, "root=UUID=%s ro console=tty0 console=%s",
		    root_uuid, console);
	return strbuf_detach(&sb, NULL);
}

int boot_write_grub_defaults(const struct rootfs *root, const char *console,
			     struct strbuf *err)
{
	static const char rel[] = "etc/default/grub";
	struct strbuf text = STRBUF_INIT;
	struct stat st;
	int r;

	if (rootfs_stat(root, rel, AT_SYMLINK_NOFOLLOW, &st) == 0)
		return 0;
	strbuf_addf(&text,
		    "# Written by create-image for an HVM guest: update-grub "
		    "reads it.\n"
		    "GRUB_DEFAULT=0\n"
		    "GRUB_TIMEOUT=1\n"
		    "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || "
		    "echo Debian`\n"
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"\"\n"
		    "GRUB_CMDLINE_LINUX=\"console=tty0 console=%s\"\n"
		    "GRUB_TERMINAL=\"console serial\"\n"
		    "GRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=115200\"\n",
		    console);
	r = rootfs_mkdir_p(root, "etc/default", 0755);
	if (r >= 0)
		r = rootfs_write_file(root, rel, text.buf, text.len, 0644);
	strbuf_release(&text);
	if (r < 0)
		strbuf_addf(err, "cannot write the guest's '/%s': %s", rel,
			    rootfs_strerror(r));
	return r;
}

int boot_write_menu(const struct rootfs *root, const struct tvars *vars,
		    struct strbuf *err)
{
	return render_to_file("grub.cfg", vars, root, "boot/grub/grub.cfg",
			      0644, err);
}

int boot_copy_file(const struct rootfs *root, const char *rel,
		   const char *to, struct journal *j)
{
	int in, out, r = 0;
	struct stat st;

	in = rootfs_open_read(root, rel, 0, &st);
	if (in < 0)
		return in;
	r = journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, to);
	if (r < 0) {
		close(in);
		return r;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		r = -errno;
		journal_cancel(j);
		close(in);
		return r;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		left -= n;
	}
	close(in);
	if (close(out) < 0 && !r)
		r = -errno;
	return r;
}

int boot_export_kernel(const struct guest *g, const struct rootfs *root,
		       struct boot_info *b, struct journal *j,
		       struct strbuf *err)
{
	const char *files[2] = { b->kernel_file, b->initrd_file };
	/* Fixed names: the xl.cfg stays the same when the kernel is
	 * exported again after an upgrade. */
	const char *names[2] = { "vmlinuz", "initrd.img" };
	char **dest[2] = { &b->kernel_path, &b->initrd_path };

	if (g->kernel) {
		b->kernel_path = strdup(g->kernel);
		b->initrd_path = strdup(g->initrd ? g->initrd : "");
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		struct strbuf from = STRBUF_INIT;
		char *to = path_join(g->kernel_dir, names[i]);
		int r;

		strbuf_addf(&from, "boot/%s", files[i]);
		r = boot_copy_file(root, from.buf, to, j);
		if (r < 0) {
			strbuf_addf(err, "cannot copy the guest's '/%s' to "
				    "'%s': %s", from.buf, to,
				    rootfs_strerror(r));
			strbuf_release(&from);
			free(to);
			return r;
		}
		*dest[i] = to;
		strbuf_release(&from);
	}
	return 0;
}
