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
#include "banned.h"

int boot_find_kernel(const char *root, struct boot_info *ret,
		     struct strbuf *err)
{
	struct strvec entries = STRVEC_INIT;
	char *bootdir = path_join(root, "boot");
	const char *best = NULL;
	int r;

	r = list_dir(bootdir, &entries);
	for (size_t i = 0; r >= 0 && i < entries.nr; i++) {
		const char *v;
		char *initrd;
		struct strbuf sb = STRBUF_INIT;

		if (strncmp(entries.v[i], "vmlinuz-", 8))
			continue;
		v = entries.v[i] + 8;
		strbuf_addf(&sb, "%s/initrd.img-%s", bootdir, v);
		initrd = strbuf_detach(&sb, NULL);
		if (path_exists(initrd) &&
		    (!best || strverscmp(v, best) > 0))
			best = v;
		free(initrd);
	}
	if (!best) {
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
	free(bootdir);
	return r;
}

char *boot_cmdline(const char *root_uuid)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "root=UUID=%s ro console=hvc0", root_uuid);
	return strbuf_detach(&sb, NULL);
}

int boot_write_menu(const char *root, const struct tvars *vars,
		    struct strbuf *err)
{
	return render_to_file("grub.cfg", vars, root, "boot/grub/grub.cfg",
			      0644, err);
}

static int copy_file(const char *from, const char *to, struct journal *j)
{
	int in, out, r = 0;
	struct stat st;

	/* The guest's /boot is the guest's: never follow a link out of it
	 * to copy some file of the host's. */
	in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return -errno;
	if (fstat(in, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	if (r < 0) {
		close(in);
		return r;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	journal_add(j, JOURNAL_CREATED, UNDO_UNLINK, to);
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

int boot_export_kernel(const struct guest *g, const char *root,
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
		char *to = path_join(g->guest_dir, names[i]);
		int r;

		strbuf_addf(&from, "%s/boot/%s", root, files[i]);
		r = copy_file(from.buf, to, j);
		if (r < 0) {
			strbuf_addf(err, "cannot copy '%s' to '%s': %s",
				    from.buf, to, strerror(-r));
			strbuf_release(&from);
			free(to);
			return r;
		}
		*dest[i] = to;
		strbuf_release(&from);
	}
	return 0;
}
