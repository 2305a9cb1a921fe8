/*
 * u-sandbox.c: the sandbox, for real, as root. Its root is a tmpfs of
 * the test's own mount namespace holding the host's /usr (read-only) and
 * the usual links to it; commands in it write what they see to its /tmp,
 * which the test reads from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "macros.h"
#include "sandbox.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static char *scratch;	/* a tmpfs in the test's own mount namespace */
static char *root;	/* scratch/root, the sandbox's root */

static void cleanup(void)
{
	/* Detached first: the bound /usr is the host's. */
	umount2(scratch, MNT_DETACH);
	rmdir(scratch);
}

/* A guest-like root: the host's /usr read-only, links to it, a /tmp. */
static char *make_root(const char *name)
{
	static const char *const links[][2] = {
		{ "bin", "usr/bin" }, { "sbin", "usr/sbin" },
		{ "lib", "usr/lib" }, { "lib64", "usr/lib64" },
	};
	char *dir = path_join(scratch, name);
	char *usr = path_join(dir, "usr"), *tmp = path_join(dir, "tmp");

	CHECK_INTEQ(mkdir(dir, 0755), 0);
	CHECK_INTEQ(mkdir(usr, 0755), 0);
	CHECK_INTEQ(mkdir(tmp, 01777), 0);
	CHECK_INTEQ(chmod(tmp, 01777), 0);
	CHECK_INTEQ(mount("/usr", usr, NULL, MS_BIND | MS_REC, NULL), 0);
	CHECK_INTEQ(mount(NULL, usr, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
			  NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		char *p = path_join(dir, links[i][0]);

		CHECK_INTEQ(symlink(links[i][1], p), 0);
		free(p);
	}
	free(usr);
	free(tmp);
	return dir;
}

/* The root's /tmp emptied: each test reads only what it wrote. */
static void clear_tmp(void)
{
	struct strvec names = STRVEC_INIT;
	char *tmp = path_join(root, "tmp");

	(void)list_dir(tmp, &names);
	for (size_t i = 0; i < names.nr; i++) {
		char *p = path_join(tmp, names.v[i]);

		unlink(p);
		free(p);
	}
	strvec_clear(&names);
	free(tmp);
}

/*
 * Called first by every test: 0 (and a note) when not root, and every
 * test is then skipped.
 */
static int setup(void)
{
	const char *base = getenv("TMPDIR");

	if (root) {
		clear_tmp();
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "# skipped: the sandbox needs root\n");
		return 0;
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "cannot make a mount namespace: %s\n",
			strerror(errno));
		abort();
	}
	scratch = path_join(base && *base ? base : "/tmp",
			    "u-sandbox.XXXXXX");
	if (!mkdtemp(scratch) ||
	    mount("tmpfs", scratch, "tmpfs", 0, "mode=0755") < 0) {
		fprintf(stderr, "cannot make '%s': %s\n", scratch,
			strerror(errno));
		abort();
	}
	atexit(cleanup);
	root = make_root("root");
	return 1;
}

static int run_in(const char *dir, char *const *argv, char *const *envp,
		  struct strbuf *err)
{
	struct sandbox sb = { .root = dir, .argv = argv, .envp = envp };

	return sandbox_run(&sb, err);
}

/* sh -c script in the sandbox: its exit status, or -errno. */
static int run_sh(const char *script)
{
	char *const argv[] = { "sh", "-c", (char *)script, NULL };
	char *const envp[] = { "LC_ALL=C", NULL };
	struct strbuf err = STRBUF_INIT;
	int r = run_in(root, argv, envp, &err);

	if (err.len)
		fprintf(stderr, "sandbox: %s\n", err.buf);
	strbuf_release(&err);
	return r;
}

/* A file of the sandbox's root, read from outside; NULL if missing. */
static char *slurp(const char *rel)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = path_join(root, rel);
	int r = strbuf_read_file(&sb, path);

	free(path);
	if (r < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static int exists(const char *rel)
{
	char *path = path_join(root, rel);
	int r = path_exists(path);

	free(path);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wait up to 5 s for a file in the sandbox's root. */
static int wait_for(const char *rel)
{
	for (int i = 0; i < 500; i++) {
		if (exists(rel))
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/* Whether fd reaches end of file within 5 s: every writer is gone. */
static int eof_soon(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[256];

	while (poll(&p, 1, 5000) > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
	return 0;
}

/* A capability set's line of /proc/PID/status, as a number. */
static uint64_t cap_line(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : UINT64_MAX;
}

TEST(the_command_status_is_returned)
{
	static const struct {
		const char *script;
		int want;
	} cases[] = {
		{ "true", 0 },
		{ "exit 7", 7 },
		{ "kill -9 $$", 128 + SIGKILL },
		{ "kill -TERM $$", 128 + SIGTERM },
	};

	if (!setup())
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_INTEQ(run_sh(cases[i].script), cases[i].want);
}

TEST(a_missing_command_is_enoent_with_its_name)
{
	char *const argv[] = { "no-such-command", NULL };
	struct strbuf err = STRBUF_INIT;

	if (!setup())
		return;
	CHECK_INTEQ(run_in(root, argv, NULL, &err), -ENOENT);
	CHECK(strstr(err.buf, "cannot run 'no-such-command'") != NULL);
	strbuf_release(&err);
}

TEST(a_bad_root_is_refused)
{
	char *const argv[] = { "true", NULL };
	const char *const roots[] = { "relative", "/no/such/dir" };

	if (!setup())
		return;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		struct strbuf err = STRBUF_INIT;

		CHECK_INTEQ(run_in(roots[i], argv, NULL, &err), -ENOTDIR);
		CHECK(strstr(err.buf, roots[i]) != NULL);
		strbuf_release(&err);
	}
}

TEST(the_command_is_pid_2_and_sees_no_host_process)
{
	char *pid, *pids;

	if (!setup())
		return;
	CHECK_INTEQ(run_sh("echo $$ >/tmp/pid; "
			   "for p in /proc/[0-9]*; do echo ${p#/proc/}; done "
			   ">/tmp/pids"), 0);
	pid = slurp("tmp/pid");
	pids = slurp("tmp/pids");
	CHECK_STREQ(pid, "2\n");
	CHECK(pids != NULL);
	/* init, sh and the few commands sh started, nothing more. */
	for (char *p = pids; p && *p; p = strchr(p, '\n') + 1)
		CHECK(strtol(p, NULL, 10) < 20);
	free(pid);
	free(pids);
}

TEST(its_root_is_the_guest_and_nothing_is_left_mounted)
{
	char *ls;

	if (!setup())
		return;
	CHECK_INTEQ(run_sh("ls -A / >/tmp/ls; ls -A /.. >>/tmp/ls"), 0);
	ls = slurp("tmp/ls");
	CHECK_STREQ(ls, "bin\ndev\nlib\nlib64\nproc\nsbin\nsys\ntmp\nusr\n"
			"bin\ndev\nlib\nlib64\nproc\nsbin\nsys\ntmp\nusr\n");
	free(ls);
	/* The mounts were the sandbox's: seen from here, its mount points
	 * are the empty directories it made. */
	CHECK(!exists("dev/null"));
	CHECK(!exists("proc/self"));
	CHECK(!exists("sys/kernel"));
}

TEST(dev_holds_only_harmless_nodes)
{
	char *dev, *blk, *rnd;

	if (!setup())
		return;
	CHECK_INTEQ(run_sh("ls -A /dev >/tmp/dev; "
			   "find /dev -type b >/tmp/blk; "
			   "head -c 16 /dev/urandom | wc -c >/tmp/rnd; "
			   "echo x >/dev/null; test -c /dev/pts/ptmx"), 0);
	dev = slurp("tmp/dev");
	blk = slurp("tmp/blk");
	rnd = slurp("tmp/rnd");
	CHECK_STREQ(dev, "fd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\n"
			 "stdin\nstdout\ntty\nurandom\nzero\n");
	CHECK_STREQ(blk, "");
	CHECK_STREQ(rnd, "16\n");
	free(dev);
	free(blk);
	free(rnd);
}

TEST(a_device_node_in_the_tree_opens_nothing)
{
	char *node;

	if (!setup())
		return;
	node = path_join(root, "tmp/null");
	/* What a tarball may bring: made here, outside the sandbox. */
	CHECK_INTEQ(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0);
	CHECK_INTEQ(run_sh("{ echo x >/tmp/null; } 2>/dev/null || "
			   "echo refused >/tmp/res"), 0);
	CHECK(exists("tmp/res"));
	unlink(node);
	free(node);
}

TEST(no_mknod_and_no_mount)
{
	struct strbuf script = STRBUF_INIT;
	struct stat st;
	char *res;

	if (!setup())
		return;
	CHECK_INTEQ(stat("/", &st), 0);
	/* The host's root disk, by its numbers. */
	strbuf_addf(&script, "exec 2>/dev/null; "
		    "mknod /tmp/disk b %u %u && echo mknod >>/tmp/res; "
		    "mount -t tmpfs none /tmp && echo mount >>/tmp/res; "
		    "echo done >>/tmp/res",
		    major(st.st_dev), minor(st.st_dev));
	CHECK_INTEQ(run_sh(script.buf), 0);
	res = slurp("tmp/res");
	CHECK_STREQ(res, "done\n");
	CHECK(!exists("tmp/disk"));
	free(res);
	strbuf_release(&script);
}

TEST(the_kernel_s_knobs_are_read_only_or_masked)
{
	struct strbuf host = STRBUF_INIT;
	char *res, *pattern;

	if (!setup())
		return;
	/*
	 * Each write puts back what is there, or writes to a masked file:
	 * a sandbox that failed this test changes nothing on the host.
	 */
	CHECK_INTEQ(run_sh("exec 2>/dev/null; "
			   "p=/proc/sys/kernel/core_pattern; "
			   "cat $p >/tmp/pattern; "
			   "cat /tmp/pattern >$p && echo written >>/tmp/res; "
			   "for f in kcore kallsyms keys timer_list; do "
			   "test -e /proc/$f || continue; "
			   "test -s /proc/$f && echo $f >>/tmp/res; "
			   "echo x >/proc/$f && echo w$f >>/tmp/res; "
			   "done; "
			   "test -e /proc/sysrq-trigger && : >/proc/sysrq-trigger "
			   "&& echo wsysrq >>/tmp/res; "
			   "echo done >>/tmp/res"), 0);
	res = slurp("tmp/res");
	pattern = slurp("tmp/pattern");
	CHECK_STREQ(res, "done\n");
	CHECK_INTEQ(strbuf_read_file(&host, "/proc/sys/kernel/core_pattern"),
		    0);
	CHECK_STREQ(pattern, host.buf);
	free(res);
	free(pattern);
	strbuf_release(&host);
}

TEST(capabilities_are_bounded)
{
	struct strbuf host = STRBUF_INIT;
	uint64_t want;
	char *status;

	if (!setup())
		return;
	CHECK_INTEQ(strbuf_read_file(&host, "/proc/self/status"), 0);
	want = sandbox_capabilities() & cap_line(host.buf, "CapBnd:");
	CHECK_INTEQ(run_sh("cat /proc/self/status >/tmp/status"), 0);
	status = slurp("tmp/status");
	CHECK(status != NULL);
	if (status) {
		CHECK_INTEQ(cap_line(status, "CapBnd:"), want);
		CHECK_INTEQ(cap_line(status, "CapEff:"), want);
		CHECK_INTEQ(cap_line(status, "CapPrm:"), want);
		CHECK_INTEQ(cap_line(status, "CapInh:"), 0);
		CHECK_INTEQ(cap_line(status, "CapAmb:"), 0);
	}
	/* Those the brief of the sandbox names, whatever else changes. */
	CHECK(!(want & (UINT64_C(1) << 21)));	/* CAP_SYS_ADMIN */
	CHECK(!(want & (UINT64_C(1) << 27)));	/* CAP_MKNOD */
	CHECK(!(want & (UINT64_C(1) << 17)));	/* CAP_SYS_RAWIO */
	CHECK(!(want & (UINT64_C(1) << 19)));	/* CAP_SYS_PTRACE */
	free(status);
	strbuf_release(&host);
}

TEST(only_stdin_stdout_and_stderr_are_passed_on)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY), nine;

	if (!setup()) {
		close(fd);
		return;
	}
	/* Not close-on-exec: a caller's careless descriptor of the host. */
	nine = dup2(fd, 9);
	CHECK_INTEQ(nine, 9);
	CHECK_INTEQ(run_sh("ls /proc/self/fd/9 >/dev/null 2>&1 && "
			   "echo leaked >/tmp/fd9; true"), 0);
	CHECK(!exists("tmp/fd9"));
	close(9);
	close(fd);
}

TEST(the_environment_is_the_callers_with_the_sandbox_path)
{
	char *const argv[] = { "sh", "-c", "echo \"$FOO $PATH\" >/tmp/env",
			       NULL };
	char *const envp[] = { "FOO=bar", "PATH=/host/bin", NULL };
	struct strbuf err = STRBUF_INIT;
	char *env;

	if (!setup())
		return;
	CHECK_INTEQ(run_in(root, argv, envp, &err), 0);
	env = slurp("tmp/env");
	CHECK_STREQ(env, "bar " SANDBOX_PATH "\n");
	free(env);
	strbuf_release(&err);
}

TEST(a_symlinked_mount_point_becomes_a_directory_a_file_is_refused)
{
	char *const argv[] = { "sh", "-c", "test -r /proc/self/status", NULL };
	struct strbuf err = STRBUF_INIT;
	struct stat st;
	char *dir, *proc, *sys, *tmp;
	int fd;

	if (!setup())
		return;
	/* proc -> /tmp: the mount would land on the guest's /tmp. */
	dir = make_root("proc-link");
	proc = path_join(dir, "proc");
	tmp = path_join(dir, "tmp/self");
	CHECK_INTEQ(symlink("/tmp", proc), 0);
	CHECK_INTEQ(run_in(dir, argv, NULL, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK(lstat(proc, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(!path_exists(tmp));
	/* A file where /sys goes: not the sandbox's to remove. */
	sys = path_join(dir, "sys");
	CHECK_INTEQ(rmdir(sys), 0);
	fd = open(sys, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INTEQ(run_in(dir, argv, NULL, &err), -ENOTDIR);
	CHECK(strstr(err.buf, "the guest's '/sys' is not a directory") !=
	      NULL);
	free(proc);
	free(sys);
	free(tmp);
	free(dir);
	strbuf_release(&err);
}

TEST(signals_to_the_caller_reach_the_command)
{
	char *const argv[] = { "sh", "-c",
			       "exec 2>/dev/null; "
			       "trap 'echo TERM >/tmp/sig; exit 3' TERM; "
			       ": >/tmp/ready; while :; do sleep 0.05; done",
			       NULL };
	struct strbuf err = STRBUF_INIT;
	char *sig;
	int status = 0;
	pid_t pid;

	if (!setup())
		return;
	pid = fork();
	if (pid == 0)
		_exit(run_in(root, argv, NULL, &err));
	CHECK(wait_for("tmp/ready"));
	CHECK_INTEQ(kill(pid, SIGTERM), 0);
	CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	sig = slurp("tmp/sig");
	CHECK_STREQ(sig, "TERM\n");
	free(sig);
}

/*
 * Run script in a child whose stdout is a pipe; the read end in
 * *ret_fd. Everything in the sandbox holds that pipe, so its end of
 * file says they are all gone.
 */
static pid_t start_piped(const char *script, int *ret_fd)
{
	char *const argv[] = { "sh", "-c", (char *)script, NULL };
	struct strbuf err = STRBUF_INIT;
	int fds[2];
	pid_t pid;

	CHECK_INTEQ(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		_exit(run_in(root, argv, NULL, &err));
	}
	close(fds[1]);
	*ret_fd = fds[0];
	return pid;
}

TEST(the_sandbox_dies_with_its_caller)
{
	int fd, status;
	pid_t pid;

	if (!setup())
		return;
	pid = start_piped(": >/tmp/up; exec sleep 1000", &fd);
	CHECK(wait_for("tmp/up"));
	CHECK_INTEQ(kill(pid, SIGKILL), 0);
	CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	CHECK(eof_soon(fd));
	close(fd);
}

TEST(nothing_the_command_started_outlives_it)
{
	int fd, status = -1;
	pid_t pid;

	if (!setup())
		return;
	pid = start_piped("sleep 1000 & exit 0", &fd);
	CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(eof_soon(fd));
	close(fd);
}
