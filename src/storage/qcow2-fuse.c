/* qcow2-fuse.c: see qcow2-fuse.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "macros.h"
#include "qcow2-fuse.h"
#include "run-command.h"
#include "banned.h"

#define DAEMON "qemu-storage-daemon"
/* How long a daemon gets to write back and end after SIGTERM. */
#define STOP_WAIT_MS 20000
/* How long the loop devices over an export get to let go of it. */
#define LOOP_WAIT_MS 5000

char *qcow2_fuse_pidfile(const char *mnt)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s.pid", mnt);
	return strbuf_detach(&sb, NULL);
}

/* A value in qemu's KEY=VALUE,... options: a comma is written twice. */
static void add_value(struct strbuf *sb, const char *v)
{
	for (; *v; v++) {
		if (*v == ',')
			strbuf_addch(sb, ',');
		strbuf_addch(sb, *v);
	}
}

/* The --export argument, by which the daemon is also found again. */
static char *export_opt(const char *mnt)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "type=fuse,id=export,node-name=disk,mountpoint=");
	add_value(&sb, mnt);
	/* Only root, who mounts it, reads it: no user_allow_other needed. */
	strbuf_addstr(&sb, ",writable=on,allow-other=off");
	return strbuf_detach(&sb, NULL);
}

void qcow2_fuse_args(const char *image, const char *mnt, const char *pidfile,
		     struct strvec *args)
{
	struct strbuf sb = STRBUF_INIT;
	char *exp = export_opt(mnt);

	strvec_pushl(args, DAEMON, "--daemonize", "--pidfile", pidfile,
		     "--blockdev", NULL);
	strbuf_addstr(&sb, "driver=file,node-name=file,filename=");
	add_value(&sb, image);
	strvec_push(args, sb.buf);
	/* The backing file comes from the image's header, read-only. */
	strvec_pushl(args, "--blockdev",
		     "driver=qcow2,node-name=disk,file=file", "--export", exp,
		     NULL);
	strbuf_release(&sb);
	free(exp);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Whether the process pid runs (a zombie has ended). */
static int alive(long pid)
{
	struct strbuf sb = STRBUF_INIT;
	char path[64];
	const char *paren;
	int r;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_release(&sb);
		return 0;
	}
	/* "PID (COMM) STATE ...": COMM may hold anything. */
	paren = strrchr(sb.buf, ')');
	r = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	strbuf_release(&sb);
	return r;
}

/* Whether pid is the daemon exporting onto mnt, by its argv. */
static int is_daemon_of(long pid, const char *exp)
{
	struct strbuf sb = STRBUF_INIT;
	char path[64];
	const char *base;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (strbuf_read_file(&sb, path) < 0 || !sb.len) {
		strbuf_release(&sb);
		return 0;
	}
	base = strrchr(sb.buf, '/');
	base = base ? base + 1 : sb.buf;
	if (streq(base, DAEMON))
		for (size_t i = 0; i < sb.len; i += strlen(sb.buf + i) + 1)
			if (streq(sb.buf + i, exp))
				found = 1;
	strbuf_release(&sb);
	return found;
}

long qcow2_fuse_find(const char *mnt)
{
	char *exp = export_opt(mnt);
	DIR *d = opendir("/proc");
	struct dirent *de;
	long pid = 0;

	while (d && !pid && (de = readdir(d))) {
		char *end;
		long p = strtol(de->d_name, &end, 10);

		if (p > 0 && !*end && is_daemon_of(p, exp))
			pid = p;
	}
	if (d)
		closedir(d);
	free(exp);
	return pid;
}

/* The daemon of mnt: by its pid file, or else by the process table. */
static long find_daemon(const char *mnt)
{
	char *pidfile = qcow2_fuse_pidfile(mnt), *exp = export_opt(mnt);
	struct strbuf sb = STRBUF_INIT;
	long pid = 0;

	if (strbuf_read_file(&sb, pidfile) >= 0) {
		char *end;
		long p = strtol(sb.buf, &end, 10);

		if (p > 0 && (*end == '\n' || !*end) && is_daemon_of(p, exp))
			pid = p;
	}
	strbuf_release(&sb);
	free(pidfile);
	free(exp);
	return pid ? pid : qcow2_fuse_find(mnt);
}

/*
 * Whether something is mounted on mnt here: it is then on another file
 * system than its directory; a FUSE mount whose daemon died does not
 * answer at all (ENOTCONN).
 */
static int mounted(const char *mnt)
{
	char *dir = xstrdup(mnt), *slash = strrchr(dir, '/');
	struct stat a, b;
	int r;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(mnt, &a) < 0)
		r = errno == ENOTCONN || errno == EIO;
	else
		r = stat(slash ? dir : ".", &b) == 0 && a.st_dev != b.st_dev;
	free(dir);
	return r;
}

/* Whether a loop device reads mnt: the kernel names its backing file. */
static int loop_over(const char *mnt)
{
	struct strvec names = STRVEC_INIT;
	int found = 0;

	if (list_dir("/sys/block", &names) < 0)
		return 0;
	for (size_t i = 0; i < names.nr && !found; i++) {
		struct strbuf sb = STRBUF_INIT;
		char *p;

		if (strncmp(names.v[i], "loop", 4))
			continue;
		p = path_join("/sys/block", names.v[i]);
		strbuf_addf(&sb, "%s/loop/backing_file", p);
		free(p);
		p = strbuf_detach(&sb, NULL);
		if (strbuf_read_file(&sb, p) >= 0) {
			strbuf_rtrim(&sb);
			found = streq(sb.buf, mnt);
		}
		strbuf_release(&sb);
		free(p);
	}
	strvec_clear(&names);
	return found;
}

static int run_tool(const char *const *argv, int uninterruptible,
		    struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushv(&cp.args, argv);
	cp.uninterruptible = uninterruptible;
	r = run_command(&cp);
	if (r < 0 && err)
		child_describe_failure_output(&cp, r, err);
	child_process_clear(&cp);
	return r;
}

int qcow2_fuse_start(const char *image, const char *mnt, struct journal *j,
		     struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char *pidfile = qcow2_fuse_pidfile(mnt);
	int fd, r;

	r = journal_add_call(j, JOURNAL_HELD, &qcow2_fuse_undo, mnt);
	if (r < 0) {
		strbuf_addf(err, "cannot journal '%s': %s", mnt, strerror(-r));
		goto out;
	}
	/* FUSE mounts a file only on a file. */
	fd = open(mnt, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		journal_cancel(j);
		strbuf_addf(err, "cannot create '%s': %s", mnt, strerror(-r));
		goto out;
	}
	close(fd);
	qcow2_fuse_args(image, mnt, pidfile, &cp.args);
	/* It leaves our process group on purpose; --daemonize returns once
	 * the export is up. */
	cp.leave_behind = 1;
	r = run_command(&cp);
	if (r < 0) {
		child_describe_failure_output(&cp, r, err);
	} else if (!mounted(mnt)) {
		strbuf_addf(err, "'%s' exported nothing onto '%s'", DAEMON,
			    mnt);
		r = -EIO;
	}
	child_process_clear(&cp);
out:
	free(pidfile);
	return r;
}

int qcow2_fuse_stop(const char *mnt, struct strbuf *err)
{
	char *pidfile = qcow2_fuse_pidfile(mnt);
	long pid = find_daemon(mnt);
	int r = 0, fd;

	if (pid) {
		/* What the loop devices wrote reaches the image. */
		fd = open(mnt, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (fsync(fd) < 0)
				r = -errno;
			close(fd);
		}
		if (r < 0)
			warning("cannot flush '%s': %s", mnt, strerror(-r));
		r = 0;
		for (int ms = 0; ms < LOOP_WAIT_MS && loop_over(mnt); ms += 20)
			sleep_ms(20);
		if (kill((pid_t)pid, SIGTERM) < 0 && errno != ESRCH) {
			r = -errno;
			strbuf_addf(err, "cannot stop '%s' (pid %ld): %s",
				    DAEMON, pid, strerror(-r));
			goto out;
		}
		for (int ms = 0; ms < STOP_WAIT_MS && alive(pid); ms += 20)
			sleep_ms(20);
		if (alive(pid)) {
			warning("'%s' (pid %ld) did not end on SIGTERM: "
				"killing it", DAEMON, pid);
			(void)kill((pid_t)pid, SIGKILL);
			for (int ms = 0; ms < 2000 && alive(pid); ms += 20)
				sleep_ms(20);
		}
	}
	if (mounted(mnt)) {
		r = run_tool((const char *[]){ "umount", "-l", mnt, NULL }, 1,
			     err);
		if (r < 0)
			goto out;
	}
	if (unlink(pidfile) < 0 && errno != ENOENT) {
		r = -errno;
		strbuf_addf(err, "cannot remove '%s': %s", pidfile,
			    strerror(-r));
	} else if (unlink(mnt) < 0 && errno != ENOENT) {
		r = -errno;
		strbuf_addf(err, "cannot remove '%s': %s", mnt, strerror(-r));
	}
out:
	free(pidfile);
	return r;
}

static int undo_stop(const char *mnt, int restore)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	(void)restore;
	r = qcow2_fuse_stop(mnt, &err);
	if (r < 0)
		error("cannot stop the export '%s': %s", mnt, err.buf);
	strbuf_release(&err);
	return r;
}

const struct journal_undo qcow2_fuse_undo = {
	"qcow2-fuse", "stop the qcow2 export onto", NULL, undo_stop,
	.outlives = 1,
};
