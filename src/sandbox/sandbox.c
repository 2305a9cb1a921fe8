/*
 * sandbox.c: see sandbox.h.
 *
 * Three processes: the caller, which waits and passes signals on; the
 * sandbox's PID 1, which makes the sandbox in its new namespaces, reaps
 * what is orphaned in it and passes signals on again; and the command, PID
 * 2. When PID 1 exits the kernel kills whatever else runs in the
 * namespace, so nothing the command started outlives it. systemd-nspawn's
 * mount table and capability set are the model, less what a package
 * installation does not need.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "macros.h"
#include "sandbox.h"
#include "strvec.h"
#include "banned.h"

/* The exit status of PID 1 when it could not make the sandbox. */
#define SETUP_FAILED 125

#define CAP(c) (UINT64_C(1) << (c))

static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
};

/* The character devices of /dev: nothing that reaches hardware. */
static const struct {
	const char *name;
	unsigned int major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

/*
 * /proc of the new PID namespace still shows the host's kernel: its
 * sysctls (kernel/core_pattern names a program the kernel runs on the
 * host as root; the network's are the host's, whose network is shared),
 * and hardware tunables. Read-only, as systemd-nspawn has them.
 */
static const char *const proc_read_only[] = {
	"sys", "acpi", "apm", "asound", "bus", "fs", "irq", "scsi",
};

/* Kernel internals and triggers, masked with an empty read-only file. */
static const char *const proc_masked[] = {
	"kallsyms", "kcore", "keys", "sysrq-trigger", "timer_list",
};

uint64_t sandbox_capabilities(void)
{
	/*
	 * What debootstrap's second stage, apt (which drops to _apt), dpkg
	 * and the package scripts (useradd, setcap, systemctl enable) and
	 * the shipped hooks were seen to need; KILL reaches only the
	 * sandbox's own processes. Not kept, among others: CAP_SYS_ADMIN
	 * (mount, and most of the kernel), CAP_MKNOD (a node of a host
	 * disk), CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PTRACE,
	 * CAP_SYS_BOOT, CAP_SYS_TIME, CAP_NET_ADMIN and CAP_NET_RAW (the
	 * network is the host's), CAP_DAC_READ_SEARCH (open_by_handle_at()
	 * reaches files outside the root on the same file system),
	 * CAP_SYS_RESOURCE, CAP_LINUX_IMMUTABLE, CAP_BPF, CAP_PERFMON,
	 * CAP_SYSLOG, CAP_SETPCAP, the CAP_MAC_* and the CAP_AUDIT_*.
	 */
	return CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_FOWNER) |
	       CAP(CAP_FSETID) | CAP(CAP_KILL) | CAP(CAP_SETGID) |
	       CAP(CAP_SETUID) | CAP(CAP_SETFCAP) | CAP(CAP_SYS_CHROOT);
}

/* "WHAT: strerror(errno)" into err; -errno. */
static int fail(struct strbuf *err, const char *what)
{
	int r = errno ? -errno : -EIO;

	strbuf_addf(err, "%s: %s", what, strerror(-r));
	return r;
}

static int fail_at(struct strbuf *err, const char *fmt, const char *name)
{
	int r = errno ? -errno : -EIO;

	strbuf_addf(err, fmt, name);
	strbuf_addf(err, ": %s", strerror(-r));
	return r;
}

/*
 * In the sandbox: why it failed, for the caller, who reads it once the
 * sandbox is gone. The errno first, then the message.
 */
static void report(int fd, int r, const char *msg)
{
	int e = r < 0 ? -r : EIO;

	if (write_all(fd, &e, sizeof(e)) >= 0)
		(void)write_all(fd, msg, strlen(msg));
}

static int read_report(int fd, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[512];
	ssize_t n;
	int e = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			strbuf_add(&sb, buf, (size_t)n);
	if (sb.len > sizeof(e)) {
		memcpy(&e, sb.buf, sizeof(e));
		strbuf_add(err, sb.buf + sizeof(e), sb.len - sizeof(e));
	}
	strbuf_release(&sb);
	return e > 0 ? -e : 0;
}

/* Close every descriptor from 3 up but a and b (a < b). */
static void close_others(int a, int b)
{
	if (a > 3)
		close_range(3, (unsigned int)a - 1, 0);
	if (b > a + 1)
		close_range((unsigned int)a + 1, (unsigned int)b - 1, 0);
	close_range((unsigned int)b + 1, ~0U, 0);
}

/*
 * Pass the forwarded signals on until pid exits; its wait status. The
 * caller passes them to PID 1 and reaps only it; PID 1 passes them to the
 * command's process group (the command leads one) and reaps every child,
 * since what is orphaned in the namespace comes to it.
 */
static int supervise(pid_t pid, const sigset_t *waited, int is_init)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(waited, &si), status;
		pid_t p;

		if (sig < 0)
			continue;
		/* Before the command's setsid() its group is not there. */
		if (sig != SIGCHLD) {
			if (!is_init || kill(-pid, sig) < 0)
				kill(pid, sig);
			continue;
		}
		while ((p = waitpid(is_init ? -1 : pid, &status, WNOHANG)) > 0)
			if (p == pid)
				return status;
	}
}

/*
 * The guest's tree, bound onto itself, becomes our root; the host's root,
 * and every mount on it, is detached.
 */
static int enter_root(const char *root, struct strbuf *err)
{
	struct mount_attr nodev = { .attr_set = MOUNT_ATTR_NODEV };

	/* Nothing mounted from here on may propagate to the caller. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return fail(err, "cannot make the mounts private");
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail_at(err, "cannot bind '%s'", root);
	/*
	 * A device node in the guest's tree (a tarball may bring one of a
	 * host disk) opens nothing: the only usable nodes are /dev's.
	 */
	if (mount_setattr(AT_FDCWD, root, AT_RECURSIVE, &nodev,
			  sizeof(nodev)) < 0)
		return fail_at(err, "cannot mount '%s' nodev", root);
	if (chdir(root) < 0)
		return fail_at(err, "cannot enter '%s'", root);
	/* The old root ends up stacked on the new one, where it is
	 * detached with everything mounted below it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail_at(err, "cannot pivot to '%s'", root);
	if (umount2(".", MNT_DETACH) < 0)
		return fail(err, "cannot detach the host's root");
	if (chdir("/") < 0)
		return fail(err, "cannot enter '/'");
	return 0;
}

/*
 * A mount point in the guest's root: a real directory, made if missing. A
 * symlink there would take the mount where the guest chose: it is
 * replaced, as debootstrap's second stage replaces the proc -> /proc its
 * first stage leaves when it believes it runs in a container. Anything
 * else is refused.
 */
static int mount_point(const char *name, struct strbuf *err)
{
	struct stat st;

	if (lstat(name, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		if (!S_ISLNK(st.st_mode)) {
			errno = ENOTDIR;
			return fail_at(err, "the guest's '/%s' is not a "
				       "directory", name);
		}
		if (unlink(name) < 0)
			return fail_at(err, "cannot remove the guest's "
				       "symlink '/%s'", name);
	} else if (errno != ENOENT) {
		return fail_at(err, "cannot inspect the guest's '/%s'", name);
	}
	if (mkdir(name, 0755) < 0 && errno != EEXIST)
		return fail_at(err, "cannot create the guest's '/%s'", name);
	return 0;
}

/*
 * The directory a file system was just mounted on, opened, and checked to
 * be that file system: work below it then goes by this descriptor, never
 * again by a path through the guest's tree.
 */
static int open_mounted(const char *path, long magic, struct strbuf *err)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;

	if (fd < 0)
		return fail_at(err, "cannot open '%s'", path);
	if (fstatfs(fd, &sf) < 0 || sf.f_type != magic) {
		close(fd);
		errno = EXDEV;
		return fail_at(err, "'%s' is not the file system just mounted "
			       "on it", path);
	}
	return fd;
}

static int bind_read_only(const char *src, const char *dst,
			  struct strbuf *err)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail_at(err, "cannot make '/proc/%s' read-only", dst);
	return 0;
}

/* A tmpfs /dev with only the harmless nodes, a devpts and /dev/shm. */
static int mount_dev(int *ret_fd, struct strbuf *err)
{
	int fd, r = mount_point("dev", err);

	if (r < 0)
		return r;
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC |
		  MS_STRICTATIME, "mode=0755,size=4m,nr_inodes=4096") < 0)
		return fail(err, "cannot mount /dev");
	fd = open_mounted("/dev", TMPFS_MAGIC, err);
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++)
		if (mknodat(fd, dev_nodes[i].name, S_IFCHR | 0666,
			    makedev(dev_nodes[i].major,
				    dev_nodes[i].minor)) < 0) {
			r = fail_at(err, "cannot make '/dev/%s'",
				    dev_nodes[i].name);
			goto fail;
		}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, fd, dev_links[i].name) < 0) {
			r = fail_at(err, "cannot make '/dev/%s'",
				    dev_links[i].name);
			goto fail;
		}
	if (mkdirat(fd, "pts", 0755) < 0 || mkdirat(fd, "shm", 01777) < 0) {
		r = fail(err, "cannot make /dev/pts and /dev/shm");
		goto fail;
	}
	if (fchdir(fd) < 0) {
		r = fail(err, "cannot enter /dev");
		goto fail;
	}
	/* A pty the command opens is its own, never one of the host's. */
	if (mount("devpts", "pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0) {
		r = fail(err, "cannot mount /dev/pts");
		goto fail;
	}
	if (mount("tmpfs", "shm", "tmpfs", MS_NOSUID | MS_NODEV |
		  MS_STRICTATIME, "mode=1777") < 0) {
		r = fail(err, "cannot mount /dev/shm");
		goto fail;
	}
	if (chdir("/") < 0) {
		r = fail(err, "cannot enter '/'");
		goto fail;
	}
	*ret_fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

/*
 * /proc of the new PID namespace, its global knobs read-only and its
 * kernel internals masked. devfd is /dev, where the mask file is made;
 * everything is done relative to the new /proc itself, reached by its
 * descriptor.
 */
static int mount_proc(int devfd, struct strbuf *err)
{
	struct strbuf mask = STRBUF_INIT;
	struct stat st;
	int fd, maskfd = -1, r = mount_point("proc", err);

	if (r < 0)
		return r;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return fail(err, "cannot mount /proc");
	fd = open_mounted("/proc", PROC_SUPER_MAGIC, err);
	if (fd < 0)
		return fd;
	if (fchdir(fd) < 0) {
		r = fail(err, "cannot enter /proc");
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_read_only) && r >= 0; i++)
		if (lstat(proc_read_only[i], &st) == 0)
			r = bind_read_only(proc_read_only[i],
					   proc_read_only[i], err);
	if (r < 0)
		goto out;
	/* Bound from its descriptor, then unlinked: /dev does not show it. */
	maskfd = openat(devfd, ".mask", O_RDONLY | O_CREAT | O_EXCL |
			O_CLOEXEC, 0);
	if (maskfd < 0) {
		r = fail(err, "cannot make a mask file");
		goto out;
	}
	strbuf_addf(&mask, "self/fd/%d", maskfd);
	for (size_t i = 0; i < ARRAY_SIZE(proc_masked) && r >= 0; i++)
		if (lstat(proc_masked[i], &st) == 0)
			r = bind_read_only(mask.buf, proc_masked[i], err);
	if (unlinkat(devfd, ".mask", 0) < 0 && r >= 0)
		r = fail(err, "cannot remove the mask file");
	if (r >= 0 && chdir("/") < 0)
		r = fail(err, "cannot enter '/'");
out:
	if (maskfd >= 0)
		close(maskfd);
	close(fd);
	strbuf_release(&mask);
	return r;
}

static int mount_sys(struct strbuf *err)
{
	int r = mount_point("sys", err);

	if (r >= 0 && mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID |
			    MS_NODEV | MS_NOEXEC, NULL) < 0)
		r = fail(err, "cannot mount /sys");
	return r;
}

static int drop_capabilities(struct strbuf *err)
{
	struct __user_cap_header_struct head = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint64_t keep = sandbox_capabilities();

	/* Every capability the kernel knows, those after ours included. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (cap < 64 && (keep & CAP(cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail(err, "cannot drop a capability");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return fail(err, "cannot clear the ambient capabilities");
	if (syscall(SYS_capget, &head, data) < 0)
		return fail(err, "cannot read the capabilities");
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		data[i].effective &= k;
		data[i].permitted &= k;
		data[i].inheritable &= k;
	}
	if (syscall(SYS_capset, &head, data) < 0)
		return fail(err, "cannot drop the capabilities");
	return 0;
}

/* PID 2, after fork: never returns. */
static void exec_command(const struct sandbox *sb, int report_fd,
			 const sigset_t *mask, mode_t umask_was)
{
	extern char **environ;
	struct strvec env = STRVEC_INIT;
	struct strbuf msg = STRBUF_INIT;
	int e;

	for (char *const *v = sb->envp; v && *v; v++)
		if (strncmp(*v, "PATH=", 5))
			strvec_push(&env, *v);
	strvec_push(&env, "PATH=" SANDBOX_PATH);
	umask(umask_was);
	/* A session of its own: its process group holds nothing of the
	 * host's, and no terminal of the host's is its controlling one. */
	setsid();
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* Only stdin, stdout and stderr: a descriptor of a host directory
	 * would be a way out. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	/* Looked up in the sandbox's PATH, not the caller's. */
	environ = (char **)env.v;
	execvp(sb->argv[0], sb->argv);
	e = errno;
	strbuf_addf(&msg, "cannot run '%s': %s", sb->argv[0], strerror(e));
	report(report_fd, -e, msg.buf);
	_exit(e == ENOENT ? 127 : 126);
}

/* PID 1 of the sandbox, after clone(): its exit status. */
static int sandbox_init(const struct sandbox *sb, int report_fd,
			int alive_fd, const sigset_t *mask,
			const sigset_t *waited)
{
	struct strbuf err = STRBUF_INIT;
	struct pollfd alive = { alive_fd, POLLIN, 0 };
	mode_t umask_was;
	int devfd = -1, r;
	pid_t cmd = -1;

	/* Dies with the caller; and goes at once if it is gone already
	 * (the pipe's other end, the caller's, is then closed). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&alive, 1, 0) != 0)
		return SETUP_FAILED;
	/* Nothing of the caller's but stdin, stdout and stderr; and no
	 * process in the sandbox may look into this one. */
	close_others(report_fd < alive_fd ? report_fd : alive_fd,
		     report_fd < alive_fd ? alive_fd : report_fd);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask_was = umask(0);
	r = enter_root(sb->root, &err);
	if (r >= 0)
		r = mount_dev(&devfd, &err);
	if (r >= 0)
		r = mount_proc(devfd, &err);
	if (devfd >= 0)
		close(devfd);
	if (r >= 0)
		r = mount_sys(&err);
	if (r >= 0)
		r = drop_capabilities(&err);
	if (r >= 0) {
		cmd = fork();
		if (cmd == 0)
			exec_command(sb, report_fd, mask, umask_was);
		if (cmd < 0)
			r = fail(&err, "cannot start the command");
	}
	if (r < 0) {
		report(report_fd, r, err.buf);
		return SETUP_FAILED;
	}
	close(report_fd);
	r = supervise(cmd, waited, 1);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 128 + WTERMSIG(r);
}

int sandbox_run(const struct sandbox *sb, struct strbuf *err)
{
	int report_fds[2] = { -1, -1 }, alive[2] = { -1, -1 };
	sigset_t waited, mask;
	int status, r = 0;
	pid_t pid;

	if (!sb->argv || !sb->argv[0])
		return -EINVAL;
	if (!sb->root || sb->root[0] != '/' || !path_is_dir(sb->root)) {
		strbuf_addf(err, "the guest's root '%s' is not a directory",
			    sb->root ? sb->root : "");
		return -ENOTDIR;
	}
	sigemptyset(&waited);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&waited, forwarded[i]);
	sigaddset(&waited, SIGCHLD);
	if (pipe2(report_fds, O_CLOEXEC) < 0 || pipe2(alive, O_CLOEXEC) < 0) {
		r = fail(err, "cannot make a pipe");
		goto out;
	}
	/* Blocked before the clone, so no signal is lost on either side;
	 * both wait for them with sigwaitinfo(). */
	sigprocmask(SIG_BLOCK, &waited, &mask);
	fflush(NULL);
	/* fork() into new namespaces: the child is PID 1 of its own. */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS |
			     CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(report_fds[0]);
		close(alive[1]);
		_exit(sandbox_init(sb, report_fds[1], alive[0], &mask,
				   &waited));
	}
	if (pid < 0) {
		r = fail(err, "cannot make the sandbox's namespaces");
		sigprocmask(SIG_SETMASK, &mask, NULL);
		goto out;
	}
	close(report_fds[1]);
	close(alive[0]);
	report_fds[1] = alive[0] = -1;
	status = supervise(pid, &waited, 0);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	r = read_report(report_fds[0], err);
	if (r >= 0)
		r = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
out:
	for (size_t i = 0; i < 2; i++) {
		if (report_fds[i] >= 0)
			close(report_fds[i]);
		if (alive[i] >= 0)
			close(alive[i]);
	}
	return r;
}
