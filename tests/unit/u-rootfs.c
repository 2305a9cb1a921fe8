/*
 * u-rootfs.c: every operation on a guest's tree stays inside it. The tree
 * holds absolute and relative symlinks that lead out of it, a symlinked
 * parent directory, a link loop, FIFOs and a device node; beside it lies
 * an "outside" that plays the host, whose every byte, mode, owner and
 * inode is compared before and after.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "macros.h"
#include "rootfs.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

struct fixture {
	char *dir;	/* scratch: out/ and root/ */
	char *out;	/* the "host" */
	char *root;	/* the guest's tree */
	struct rootfs *rfs;
};

static void put(const char *dir, const char *rel, const char *text,
		mode_t mode)
{
	char *p = path_join(dir, rel);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	if (mkdir_p(p, 0755) < 0)
		abort();
	*slash = '/';
	if (write_string(p, text, mode) < 0)
		abort();
	free(p);
}

static void link_at(const char *dir, const char *rel, const char *target)
{
	char *p = path_join(dir, rel);

	if (symlink(target, p) < 0)
		abort();
	free(p);
}

static void fifo_at(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);

	if (mkfifo(p, 0644) < 0)
		abort();
	free(p);
}

/*
 * The tree:
 *   abs -> OUT                  an absolute link out
 *   rel -> ../out               a relative one
 *   deep/er/rel -> ../../../out
 *   var -> OUT                  a symlinked parent of var/log
 *   secret -> OUT/secret        absolute links to a file outside
 *   secret2 -> OUT/secret
 *   loop -> /loop
 *   etc/hosts, boot/initrd.img-1, fifo, boot/vmlinuz-1 (a FIFO)
 */
static void fixture_init(struct fixture *f)
{
	struct strbuf sb = STRBUF_INIT;
	const char *base = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	f->dir = path_join(base && *base ? base : "/tmp", "u-rootfs.XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	f->out = path_join(f->dir, "out");
	f->root = path_join(f->dir, "root");
	put(f->out, "secret", "host\n", 0600);
	put(f->out, "log/syslog", "host log\n", 0640);
	put(f->out, "ssh/ssh_host_ed25519_key", "host key\n", 0600);
	put(f->out, "dir/.keep", "", 0644);
	put(f->root, "etc/hosts", "guest\n", 0644);
	put(f->root, "boot/initrd.img-1", "initrd\n", 0644);
	put(f->root, "deep/er/.keep", "", 0644);
	link_at(f->root, "abs", f->out);
	link_at(f->root, "rel", "../out");
	link_at(f->root, "deep/er/rel", "../../../out");
	link_at(f->root, "var", f->out);
	strbuf_addf(&sb, "%s/secret", f->out);
	link_at(f->root, "secret", sb.buf);
	link_at(f->root, "secret2", sb.buf);
	link_at(f->root, "loop", "/loop");
	fifo_at(f->root, "fifo");
	fifo_at(f->root, "boot/vmlinuz-1");
	strbuf_release(&sb);
	if (rootfs_open(f->root, &f->rfs, NULL) < 0)
		abort();
}

static void fixture_release(struct fixture *f)
{
	rootfs_free(f->rfs);
	CHECK_INTEQ(rm_rf(f->dir), 0);
	free(f->dir);
	free(f->out);
	free(f->root);
}

/* nftw() passes no context: where the snapshot goes, and what to skip. */
static struct strbuf *snap_out;
static const char *snap_skip;

static int snap_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (snap_skip && !strncmp(path, snap_skip, strlen(snap_skip)))
		return 0;
	strbuf_addf(snap_out, "%s %o %u:%u %lu %lld", path,
		    (unsigned)st->st_mode, (unsigned)st->st_uid,
		    (unsigned)st->st_gid, (unsigned long)st->st_ino,
		    (long long)st->st_size);
	if (S_ISREG(st->st_mode)) {
		strbuf_addch(snap_out, ' ');
		if (strbuf_read_file(snap_out, path) < 0)
			abort();
	}
	strbuf_addch(snap_out, '\n');
	return 0;
}

/* Everything in the scratch directory but the tree itself. */
static void snapshot(const struct fixture *f, struct strbuf *out)
{
	strbuf_reset(out);
	snap_out = out;
	snap_skip = f->root;
	if (nftw(f->dir, snap_one, 16, FTW_PHYS) < 0)
		abort();
	snap_out = NULL;
	snap_skip = NULL;
}

enum op {
	OP_WRITE, OP_UNLINK, OP_RMDIR, OP_MKDIR, OP_MKDIR_P, OP_TRUNCATE,
	OP_READ, OP_READ_NOFOLLOW, OP_LIST, OP_RENAME, OP_CHMOD, OP_CHOWN,
	OP_STAT, OP_LSTAT,
};

static int run_op(const struct rootfs *rfs, enum op op, const char *rel,
		  const char *arg)
{
	struct strbuf sb = STRBUF_INIT;
	struct strvec sv = STRVEC_INIT;
	struct stat st;
	int r = -EINVAL;

	switch (op) {
	case OP_WRITE:
		r = rootfs_write_file(rfs, rel, "guest\n", 6, 0644);
		break;
	case OP_UNLINK:
		r = rootfs_unlink(rfs, rel);
		break;
	case OP_RMDIR:
		r = rootfs_rmdir(rfs, rel);
		break;
	case OP_MKDIR:
		r = rootfs_mkdir(rfs, rel, 0755);
		break;
	case OP_MKDIR_P:
		r = rootfs_mkdir_p(rfs, rel, 0755);
		break;
	case OP_TRUNCATE:
		r = rootfs_truncate(rfs, rel, 0);
		break;
	case OP_READ:
		r = rootfs_read_file(rfs, rel, 0, 1 << 20, &sb, NULL);
		break;
	case OP_READ_NOFOLLOW:
		r = rootfs_read_file(rfs, rel, O_NOFOLLOW, 1 << 20, &sb, NULL);
		break;
	case OP_LIST:
		r = rootfs_list_dir(rfs, rel, &sv);
		break;
	case OP_RENAME:
		r = rootfs_rename(rfs, rel, arg);
		break;
	case OP_CHMOD:
		r = rootfs_chmod(rfs, rel, 0666);
		break;
	case OP_CHOWN:
		r = rootfs_chown(rfs, rel, 1, 1);
		break;
	case OP_STAT:
		r = rootfs_stat(rfs, rel, 0, &st);
		break;
	case OP_LSTAT:
		r = rootfs_stat(rfs, rel, AT_SYMLINK_NOFOLLOW, &st);
		break;
	}
	strbuf_release(&sb);
	strvec_clear(&sv);
	return r;
}

TEST(nothing_leads_out_of_the_tree)
{
	static const struct {
		enum op op;
		const char *rel, *arg;
		int want;
	} cases[] = {
		/* Links out resolve inside, where nothing is. */
		{ OP_WRITE, "abs/secret", NULL, -ENOENT },
		{ OP_WRITE, "rel/secret", NULL, -ENOENT },
		{ OP_WRITE, "deep/er/rel/secret", NULL, -ENOENT },
		{ OP_WRITE, "var/log/syslog", NULL, -ENOENT },
		{ OP_WRITE, "../out/secret", NULL, -ENOENT },
		{ OP_WRITE, "/../../out/new", NULL, -ENOENT },
		{ OP_WRITE, "etc/../../out/secret", NULL, -ENOENT },
		{ OP_WRITE, "loop/x", NULL, -ELOOP },
		{ OP_UNLINK, "abs/secret", NULL, -ENOENT },
		{ OP_UNLINK, "var/ssh/ssh_host_ed25519_key", NULL, -ENOENT },
		{ OP_UNLINK, "rel/dir/.keep", NULL, -ENOENT },
		{ OP_RMDIR, "abs/dir", NULL, -ENOENT },
		{ OP_MKDIR, "abs/new", NULL, -ENOENT },
		{ OP_MKDIR_P, "abs/new/dir", NULL, -ENOTDIR },
		{ OP_MKDIR_P, "var/log/new", NULL, -ENOTDIR },
		{ OP_MKDIR_P, "../out/new", NULL, -EINVAL },
		{ OP_TRUNCATE, "abs/secret", NULL, -ENOENT },
		{ OP_TRUNCATE, "var/log/syslog", NULL, -ENOENT },
		{ OP_READ, "abs/secret", NULL, -ENOENT },
		{ OP_READ, "secret", NULL, -ENOENT },
		{ OP_READ, "../out/secret", NULL, -ENOENT },
		{ OP_LIST, "abs", NULL, -ENOENT },
		{ OP_LIST, "var/log", NULL, -ENOENT },
		{ OP_RENAME, "abs/secret", "stolen", -ENOENT },
		{ OP_RENAME, "etc/hosts", "abs/hosts", -ENOENT },
		{ OP_CHMOD, "abs/secret", NULL, -ENOENT },
		{ OP_CHOWN, "rel/secret", NULL, -ENOENT },
		{ OP_STAT, "abs/secret", NULL, -ENOENT },
		{ OP_STAT, "secret", NULL, -ENOENT },
		/* A link at the end is acted on, or refused, never followed. */
		{ OP_TRUNCATE, "secret", NULL, -ELOOP },
		{ OP_CHMOD, "secret", NULL, -ELOOP },
		{ OP_CHOWN, "secret", NULL, -ELOOP },
		{ OP_READ_NOFOLLOW, "secret", NULL, -ELOOP },
		{ OP_LSTAT, "secret", NULL, 0 },
		{ OP_WRITE, "secret", NULL, 0 },
		{ OP_UNLINK, "secret2", NULL, 0 },
		{ OP_RENAME, "abs", "abs2", 0 },
		{ OP_UNLINK, "abs2", NULL, 0 },
		/* No last component to act on. */
		{ OP_UNLINK, "", NULL, -EINVAL },
		{ OP_UNLINK, "/", NULL, -EINVAL },
		{ OP_RMDIR, "etc/..", NULL, -EINVAL },
		{ OP_WRITE, ".", NULL, -EINVAL },
	};
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
	struct strbuf p = STRBUF_INIT;
	struct fixture f;
	struct stat st;

	fixture_init(&f);
	snapshot(&f, &before);
	CHECK(strstr(before.buf, "host key\n") != NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = run_op(f.rfs, cases[i].op, cases[i].rel, cases[i].arg);

		if (r != cases[i].want)
			fprintf(stderr, "case %zu: '%s'\n", i, cases[i].rel);
		CHECK_INTEQ(r, cases[i].want);
		snapshot(&f, &after);
		CHECK_STREQ(after.buf, before.buf);
	}
	/* The host's own path to the outside means the tree's, where
	 * nothing is until mkdir -p makes it: last. */
	strbuf_addf(&p, "%s/secret", f.out);
	for (enum op op = OP_WRITE; op <= OP_LSTAT; op++) {
		int r = run_op(f.rfs, op == OP_MKDIR_P ? OP_LSTAT : op, p.buf,
			       "stolen");

		CHECK_INTEQ(r, -ENOENT);
		snapshot(&f, &after);
		CHECK_STREQ(after.buf, before.buf);
	}
	CHECK_INTEQ(run_op(f.rfs, OP_MKDIR_P, p.buf, NULL), 0);
	CHECK(rootfs_is_dir(f.rfs, p.buf));
	snapshot(&f, &after);
	CHECK_STREQ(after.buf, before.buf);
	strbuf_reset(&p);
	/* The write replaced the link with a file of the tree's own. */
	strbuf_addf(&p, "%s/secret", f.root);
	CHECK_INTEQ(lstat(p.buf, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	strbuf_reset(&after);
	CHECK_INTEQ(strbuf_read_file(&after, p.buf), 0);
	CHECK_STREQ(after.buf, "guest\n");
	fixture_release(&f);
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&p);
}

/* Where a link out points to, inside the tree, is what is worked on. */
TEST(links_resolve_inside_the_tree)
{
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	struct strvec names = STRVEC_INIT;
	struct fixture f;
	struct stat st;

	fixture_init(&f);
	/* The tree's own copy of OUT, at the same path inside it. */
	strbuf_addf(&in, "%s%s", f.root, f.out);
	put(in.buf, "secret", "inside\n", 0600);
	put(in.buf, "log/syslog", "inside log\n", 0640);
	put(f.root, "out/x", "rel\n", 0644);
	snapshot(&f, &before);

	CHECK_INTEQ(rootfs_write_file(f.rfs, "abs/secret", "new\n", 4, 0640),
		    0);
	CHECK_INTEQ(rootfs_truncate(f.rfs, "var/log/syslog", 0), 0);
	CHECK_INTEQ(rootfs_read_file(f.rfs, "secret", 0, 100, &sb, &st), 0);
	CHECK_STREQ(sb.buf, "new\n");
	CHECK_INTEQ(st.st_mode & 07777, 0640);
	CHECK_INTEQ(rootfs_list_dir(f.rfs, "var/log", &names), 0);
	CHECK_INTEQ(names.nr, 1);
	CHECK_STREQ(names.v[0], "syslog");
	CHECK_INTEQ(rootfs_mkdir_p(f.rfs, "abs/a/b", 0700), 0);
	CHECK_INTEQ(rootfs_mkdir_p(f.rfs, "abs/a/b", 0700), 0);
	CHECK(rootfs_is_dir(f.rfs, "var/a/b"));
	CHECK_INTEQ(rootfs_rmdir(f.rfs, "var/a/b"), 0);
	CHECK_INTEQ(rootfs_rename(f.rfs, "rel/x", "deep/er/rel/y"), 0);
	CHECK_INTEQ(rootfs_unlink(f.rfs, "/../out/y"), 0);
	CHECK_INTEQ(rootfs_chmod(f.rfs, "abs/secret", 0604), 0);
	CHECK_INTEQ(rootfs_stat(f.rfs, "secret", 0, &st), 0);
	CHECK_INTEQ(st.st_mode & 07777, 0604);
	if (geteuid() == 0) {
		CHECK_INTEQ(rootfs_chown(f.rfs, "abs/secret", 7, 8), 0);
		CHECK_INTEQ(rootfs_stat(f.rfs, "secret", 0, &st), 0);
		CHECK_INTEQ(st.st_uid, 7);
		CHECK_INTEQ(st.st_gid, 8);
	}
	CHECK_INTEQ(rootfs_readlink(f.rfs, "abs", &sb), 0);
	CHECK_STREQ(sb.buf, f.out);

	snapshot(&f, &after);
	CHECK_STREQ(after.buf, before.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/log/syslog", in.buf);
	CHECK_INTEQ(stat(sb.buf, &st), 0);
	CHECK_INTEQ(st.st_size, 0);
	fixture_release(&f);
	strvec_clear(&names);
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&in);
	strbuf_release(&sb);
}

/* A FIFO or a device where a file should be is refused, at once. */
TEST(fifos_and_devices_are_never_opened)
{
	static const char *const names[] = { "fifo", "boot/vmlinuz-1",
					     "dev-null" };
	struct strbuf sb = STRBUF_INIT;
	struct fixture f;
	int ndev;

	fixture_init(&f);
	/* A hang fails the test instead of stopping it forever. */
	alarm(20);
	strbuf_addf(&sb, "%s/dev-null", f.root);
	ndev = geteuid() == 0 && mknod(sb.buf, S_IFCHR | 0666,
				       makedev(1, 3)) == 0;
	for (size_t i = 0; i < ARRAY_SIZE(names) - !ndev; i++) {
		struct stat st;

		strbuf_reset(&sb);
		CHECK_INTEQ(rootfs_open_read(f.rfs, names[i], 0, &st), -EBADFD);
		CHECK_INTEQ(rootfs_read_file(f.rfs, names[i], 0, 100, &sb,
					     NULL), -EBADFD);
		CHECK_INTEQ(rootfs_truncate(f.rfs, names[i], 0), -EBADFD);
		CHECK_INTEQ(sb.len, 0);
	}
	CHECK_INTEQ(rootfs_read_file(f.rfs, "etc", 0, 100, &sb, NULL),
		    -EISDIR);
	CHECK_STREQ(rootfs_strerror(-EBADFD), "not a regular file");
	/* A regular file reads, and blocks in nothing. */
	CHECK_INTEQ(rootfs_read_file(f.rfs, "boot/initrd.img-1", 0, 100, &sb,
				     NULL), 0);
	CHECK_STREQ(sb.buf, "initrd\n");
	strbuf_reset(&sb);
	CHECK_INTEQ(rootfs_read_file(f.rfs, "boot/initrd.img-1", 0, 3, &sb,
				     NULL), -EFBIG);
	CHECK_INTEQ(sb.len, 0);
	alarm(0);
	fixture_release(&f);
	strbuf_release(&sb);
}

TEST(writes_are_atomic_and_leave_nothing_behind)
{
	struct strbuf sb = STRBUF_INIT;
	struct strvec names = STRVEC_INIT;
	struct fixture f;
	struct stat st, st2;

	fixture_init(&f);
	/* A leading "/" is the tree's root. (Never a path the host has:
	 * a broken resolver must not write the machine's own files.) */
	put(f.root, "deep/er/hosts", "guest\n", 0644);
	CHECK_INTEQ(rootfs_stat(f.rfs, "deep/er/hosts", 0, &st), 0);
	CHECK_INTEQ(rootfs_write_file_owned(f.rfs, "/deep/er/hosts", "a\n", 2,
					    0640, geteuid() ? (uid_t)-1 : 5,
					    geteuid() ? (gid_t)-1 : 6), 0);
	CHECK_INTEQ(rootfs_stat(f.rfs, "deep/er/hosts", 0, &st2), 0);
	CHECK(st.st_ino != st2.st_ino);
	CHECK_INTEQ(st2.st_mode & 07777, 0640);
	if (geteuid() == 0) {
		CHECK_INTEQ(st2.st_uid, 5);
		CHECK_INTEQ(st2.st_gid, 6);
	}
	CHECK_INTEQ(rootfs_read_file(f.rfs, "deep/er/hosts", 0, 10, &sb, NULL),
		    0);
	CHECK_STREQ(sb.buf, "a\n");
	/* A directory in the way fails, and its temporary goes. */
	CHECK_INTEQ(rootfs_write_file(f.rfs, "deep", "x", 1, 0644), -EISDIR);
	CHECK_INTEQ(rootfs_list_dir(f.rfs, "", &names), 0);
	for (size_t i = 0; i < names.nr; i++)
		CHECK(!strstr(names.v[i], ".tmp."));
	strvec_clear(&names);
	CHECK_INTEQ(rootfs_list_dir(f.rfs, "etc", &names), 0);
	CHECK_INTEQ(names.nr, 1);
	CHECK_INTEQ(rootfs_mkdir(f.rfs, "etc", 0755), -EEXIST);
	CHECK_INTEQ(rootfs_mkdir_p(f.rfs, "etc/hosts/x", 0755), -ENOTDIR);
	CHECK(!rootfs_is_dir(f.rfs, "etc/hosts"));
	CHECK_INTEQ(rootfs_readlink(f.rfs, "etc/hosts", &sb), -EINVAL);
	fixture_release(&f);
	strvec_clear(&names);
	strbuf_release(&sb);
}

/* The primitive: its flags checked, its paths resolved inside. */
TEST(openat_resolves_inside)
{
	struct strbuf sb = STRBUF_INIT;
	struct fixture f;
	struct stat st;
	char *link;
	int fd;

	fixture_init(&f);
	CHECK_INTEQ(rootfs_openat(f.rfs, "abs", O_PATH | O_DIRECTORY, 0),
		    -ENOENT);
	CHECK_INTEQ(rootfs_openat(f.rfs, "etc", O_PATH | O_RDWR, 0), -EINVAL);
	/* A dangling link is created through, inside the tree. */
	strbuf_addf(&sb, "%s%s", f.root, f.out);
	CHECK_INTEQ(mkdir_p(sb.buf, 0755), 0);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/made", f.out);
	link = path_join(f.root, "dangling");
	CHECK_INTEQ(symlink(sb.buf, link), 0);
	free(link);
	fd = rootfs_openat(f.rfs, "dangling", O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INTEQ(rootfs_stat(f.rfs, sb.buf, AT_SYMLINK_NOFOLLOW, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK(!path_exists(sb.buf));
	fd = rootfs_openat(f.rfs, "/../etc", O_RDONLY | O_DIRECTORY, 0);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INTEQ(fstat(fd, &st), 0);
		CHECK(S_ISDIR(st.st_mode));
		close(fd);
	}
	fixture_release(&f);
	strbuf_release(&sb);
}

/*
 * A guest's /proc, mounted while hooks run, holds magic links such as
 * /proc/self/root: the host's "/". They are refused, not followed.
 */
TEST(magic_links_are_refused)
{
	struct strbuf sb = STRBUF_INIT, proc = STRBUF_INIT;
	struct fixture f;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "# skipped: mounting proc needs root\n");
		return;
	}
	fixture_init(&f);
	strbuf_addf(&proc, "%s/proc", f.root);
	CHECK_INTEQ(mkdir(proc.buf, 0555), 0);
	CHECK_INTEQ(mount("proc", proc.buf, "proc", 0, NULL), 0);
	strbuf_addf(&sb, "proc/self/root%s/secret", f.out);
	CHECK_INTEQ(rootfs_write_file(f.rfs, sb.buf, "x", 1, 0644), -ELOOP);
	CHECK_INTEQ(rootfs_truncate(f.rfs, sb.buf, 0), -ELOOP);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "proc/self/fd/%d/secret", f.rfs->fd);
	CHECK_INTEQ(rootfs_unlink(f.rfs, sb.buf), -ELOOP);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/secret", f.out);
	strbuf_reset(&proc);
	CHECK_INTEQ(strbuf_read_file(&proc, sb.buf), 0);
	CHECK_STREQ(proc.buf, "host\n");
	strbuf_reset(&proc);
	strbuf_addf(&proc, "%s/proc", f.root);
	CHECK_INTEQ(umount(proc.buf), 0);
	fixture_release(&f);
	strbuf_release(&sb);
	strbuf_release(&proc);
}

/*
 * A kernel older than 5.6 answers openat2(2) with ENOSYS, played here by a
 * seccomp filter in a child: the tree is refused, naming the kernel.
 */
TEST(no_openat2_is_refused)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_SIZE(filter), filter };
	struct fixture f;
	int status = -1;
	pid_t pid;

	fixture_init(&f);
	pid = fork();
	if (pid == 0) {
		struct strbuf err = STRBUF_INIT;
		struct rootfs *rfs = NULL;
		int r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(2);
		r = rootfs_open(f.root, &rfs, &err);
		fprintf(stderr, "# %s\n", err.buf);
		_exit(r == -ENOSYS && !rfs &&
		      strstr(err.buf, "this kernel (Linux ") &&
		      strstr(err.buf, "has no openat2(2): Linux 5.6 or later "
				      "is needed") ? 0 : 1);
	}
	CHECK(pid > 0);
	if (pid > 0)
		CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INTEQ(WEXITSTATUS(status), 0);
	fixture_release(&f);
}
