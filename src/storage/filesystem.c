/* filesystem.c: see filesystem.h. */
#include <blkid.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blockdev.h"
#include "filesystem.h"
#include "fsutil.h"
#include "macros.h"
#include "run-command.h"
#include "strvec.h"
#include "banned.h"

static int run_or_describe(struct child_process *cp, struct strbuf *err)
{
	int r = run_command(cp);

	if (r < 0 && err) {
		child_describe_failure_output(cp, r, err);
	}
	return r;
}

static int is_ext(const char *fs)
{
	return streq(fs, "ext2") || streq(fs, "ext3") || streq(fs, "ext4");
}

int fs_make(const char *path, const char *fs, int keep_allocated,
	    struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	if (streq(fs, "swap")) {
		strvec_pushl(&cp.args, "mkswap", NULL);
	} else if (is_ext(fs)) {
		strvec_pushf(&cp.args, "mkfs.%s", fs);
		/* -F: the target is an image file, not a block device. */
		strvec_pushl(&cp.args, "-q", "-F", NULL);
		/* Lazy init zeroes inode tables after mount, which the loop
		 * driver also turns into holes: do it now instead. */
		if (keep_allocated)
			strvec_pushl(&cp.args, "-E",
				     "nodiscard,lazy_itable_init=0,"
				     "lazy_journal_init=0", NULL);
	} else if (streq(fs, "xfs") || streq(fs, "btrfs")) {
		strvec_pushf(&cp.args, "mkfs.%s", fs);
		/* -f: overwrite what an earlier tenant left. */
		strvec_pushl(&cp.args, "-f", "-q", NULL);
		/* -K: no discard, which would punch the image's blocks. */
		if (keep_allocated)
			strvec_push(&cp.args, "-K");
	} else if (streq(fs, "vfat")) {
		/* An EFI system partition: FAT, its size picking 12, 16 or
		 * 32, all of which UEFI reads. */
		strvec_pushl(&cp.args, "mkfs.fat", "-n", "EFI", NULL);
	} else {
		strbuf_addf(err, "cannot make a file system of type '%s'", fs);
		return -EINVAL;
	}
	strvec_push(&cp.args, path);
	r = run_or_describe(&cp, err);
	child_process_clear(&cp);
	return r;
}

int fs_read_uuid(const char *path, char *buf, size_t len)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *uuid = NULL;
	int r = -ENODATA;

	if (!pr)
		return -errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID |
					  BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, "UUID", &uuid, NULL) == 0 && uuid) {
		if (strlen(uuid) + 1 > len) {
			r = -ENOBUFS;
		} else {
			memcpy(buf, uuid, strlen(uuid) + 1);
			r = 0;
		}
	}
	blkid_free_probe(pr);
	return r;
}

int fs_read_type(const char *path, char **ret)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *type = NULL;
	int r = 0;

	*ret = NULL;
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 &&
	    blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0 && type) {
		*ret = xstrdup(type);
		r = 1;
	}
	blkid_free_probe(pr);
	return r;
}

/* Read-only, and nothing replayed: the device stays as it is. */
static const char *peek_options(const char *fs)
{
	if (streq(fs, "ext3") || streq(fs, "ext4"))
		return "noload";
	if (streq(fs, "xfs"))
		return "norecovery";
	if (streq(fs, "btrfs"))
		return "nologreplay";
	return NULL;
}

/*
 * The child of fs_peek_root(): writes the first name to fd and exits 1,
 * exits 0 when there is none, or 64 + errno when it cannot look.
 */
static void peek_child(const char *dev, const char *fs, const char *dir,
		       int fd)
{
	struct dirent *e;
	DIR *d;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(dev, dir, fs, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  peek_options(fs)) < 0)
		_exit(64 + (errno < 192 ? errno : EIO));
	d = opendir(dir);
	if (!d)
		_exit(64 + (errno < 192 ? errno : EIO));
	while ((e = readdir(d))) {
		const char *n = e->d_name;

		if (streq(n, ".") || streq(n, ".."))
			continue;
		if (streq(n, "lost+found")) {
			struct strbuf lf = STRBUF_INIT;
			DIR *l;
			int empty = 1;

			strbuf_addf(&lf, "%s/lost+found", dir);
			l = opendir(lf.buf);
			while (l && (e = readdir(l)))
				if (!streq(e->d_name, ".") &&
				    !streq(e->d_name, ".."))
					empty = 0;
			if (l)
				closedir(l);
			strbuf_release(&lf);
			if (empty)
				continue;
			n = "lost+found";
		}
		if (write(fd, n, strlen(n)) < 0)
			_exit(64 + (errno < 192 ? errno : EIO));
		_exit(1);
	}
	_exit(0);
}

int fs_peek_root(const char *dev, const char *fs, struct strbuf *what,
		 struct strbuf *err)
{
	/*
	 * Any directory does as the mount point: it is covered only in the
	 * child's own mount namespace, which dies with it, so nothing is
	 * made on the host for it and nothing can be left there.
	 */
	static const char dir[] = "/run";
	char name[256];
	int fds[2], status, r;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return strbuf_error(err, -errno, "cannot look into '%s': %s",
				    dev, strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		peek_child(dev, fs, dir, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		r = strbuf_error(err, -errno, "cannot look into '%s': %s", dev,
				 strerror(errno));
		close(fds[0]);
		return r;
	}
	do
		n = read(fds[0], name, sizeof(name) - 1);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) >= 64) {
		int e = WIFEXITED(status) ? WEXITSTATUS(status) - 64 : EIO;

		return strbuf_error(err, -e, "cannot mount the %s file system "
				    "on '%s' read-only to look into it: %s",
				    fs, dev, strerror(e));
	}
	if (WEXITSTATUS(status) == 0)
		return 0;
	name[n > 0 ? n : 0] = '\0';
	strbuf_addstr(what, name);
	return 1;
}

int fs_mount(const char *dev, const char *fs, const char *dir,
	     const char *opts, struct journal *j, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushl(&cp.args, "mount", NULL);
	if (fs)
		strvec_pushl(&cp.args, "-t", fs, NULL);
	if (opts)
		strvec_pushl(&cp.args, "-o", opts, NULL);
	strvec_pushl(&cp.args, dev, dir, NULL);
	cp.uninterruptible = 1;
	r = journal_add(j, JOURNAL_HELD, UNDO_UMOUNT, dir);
	if (r < 0) {
		strbuf_addf(err, "cannot journal the mount on '%s': %s", dir,
			    strerror(-r));
	} else {
		r = run_or_describe(&cp, err);
		if (r < 0)
			journal_cancel(j);
	}
	child_process_clear(&cp);
	return r;
}

int kill_processes_in(const char *root)
{
	struct strvec pids = STRVEC_INIT;
	size_t len = strlen(root);
	struct stat want;
	int have_want = stat(root, &want) == 0, killed = 0;

	if (list_dir("/proc", &pids) < 0)
		return 0;
	for (size_t i = 0; i < pids.nr; i++) {
		struct strbuf link = STRBUF_INIT;
		char target[4096];
		struct stat st;
		ssize_t n;
		long pid;
		char *end;
		int same;

		pid = strtol(pids.v[i], &end, 10);
		if (*end || pid <= 1 || pid == (long)getpid())
			continue;
		strbuf_addf(&link, "/proc/%ld/root", pid);
		n = readlink(link.buf, target, sizeof(target) - 1);
		/*
		 * A sandbox's processes have the guest's root as theirs
		 * through a mount of their own namespace, whose path says
		 * nothing here: the same directory does.
		 */
		same = have_want && stat(link.buf, &st) == 0 &&
		       st.st_dev == want.st_dev && st.st_ino == want.st_ino;
		strbuf_release(&link);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if ((same || (!strncmp(target, root, len) &&
			      (target[len] == '\0' || target[len] == '/'))) &&
		    kill((pid_t)pid, SIGKILL) == 0)
			killed++;
	}
	strvec_clear(&pids);
	return killed;
}

int scratch_dir(const char *prefix, struct journal *j, char **ret,
		struct strbuf *err)
{
	const char *base = getenv("TMPDIR");
	int r;

	if (!base || !*base)
		base = path_is_dir("/run") ? "/run" : "/tmp";
	r = journal_mkdtemp(j, UNDO_RMDIR, base, prefix, ret);
	if (r < 0)
		strbuf_addf(err, "cannot make the directory '%s/%s.XXXXXX': %s",
			    base, prefix, strerror(-r));
	return r;
}
