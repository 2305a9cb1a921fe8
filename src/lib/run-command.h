/*
 * run-command.h: the one way this program starts another program.
 *
 * Always an argv, never a shell. The environment is explicit: the child
 * inherits ours unless clear_env is set, plus every "KEY=VALUE" in env.
 * Output is collected, written to the log file, echoed with --verbose, and
 * its last lines kept so a failure can show them. Each child runs in its own
 * process group; when SIGINT, SIGTERM or SIGHUP reaches us the whole group is
 * stopped and run_command() returns -EINTR, unless the command is marked
 * uninterruptible. When we die outright (SIGKILL) the child gets SIGKILL
 * (PR_SET_PDEATHSIG), and a guard process of ours, started with the first
 * command, kills what is left in its group.
 */
#ifndef RUN_COMMAND_H
#define RUN_COMMAND_H

#include "strbuf.h"
#include "strvec.h"

/*
 * The PATH every program we start searches: main() sets it before
 * anything runs, so neither the caller's PATH nor a directory on it that
 * others may write (/usr/local is group staff's on Debian) chooses what
 * runs as root; and clear_env starts from it. Programs found elsewhere are
 * named by absolute path (xl: $CREATE_IMAGE_XL, see xl.h).
 */
#define RUN_COMMAND_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

struct child_process {
	struct strvec args;
	struct strvec env;	/* "KEY=VALUE" added to (or replacing) ours */
	int clear_env;		/* start from RUN_COMMAND_PATH, LC_ALL=C and
				 * the proxies */
	const char *dir;	/* chdir here first */
	const char *in;		/* written to stdin; NULL means /dev/null */
	size_t in_len;		/* in's length when it holds NULs, else 0 */
	int capture;		/* keep stdout in out (stderr still logged) */
	int quiet;		/* do not echo output even with --verbose */
	int no_log_args;	/* the argv holds a secret: log argv[0] only */
	struct strbuf out;	/* captured stdout when capture is set */
	struct strbuf tail;	/* last few KiB of combined output */
	int exit_status;	/* valid when the child exited */
	int term_signal;	/* non-zero when the child was killed */
	/*
	 * Run and finish even when SIGINT/SIGTERM/SIGHUP is pending or
	 * arrives: for the commands that undo a run (umount, say),
	 * which must complete. Never returns -EINTR.
	 */
	int uninterruptible;
	/*
	 * Leave what the command started in its process group running when
	 * it exits: for a program that daemonizes on purpose, as xl create
	 * does with its domain monitor.
	 */
	int leave_behind;
};

#define CHILD_PROCESS_INIT \
	{ .args = STRVEC_INIT, .env = STRVEC_INIT, \
	  .out = STRBUF_INIT, .tail = STRBUF_INIT }

void child_process_init(struct child_process *cp);
void child_process_clear(struct child_process *cp);

/*
 * Run it to completion and say how it ended:
 *
 *   0        it exited 0. This holds even when a signal arrived meanwhile
 *            (what it did is done, so the caller can record it); callers
 *            check signals_pending() themselves between steps.
 *   -EINTR   a signal was already pending, so it was not started; or one
 *            arrived while it ran and we stopped it (SIGTERM to its group,
 *            SIGKILL 5 s later if the group is still there) and it did
 *            not exit 0. Never with uninterruptible.
 *   -ENOENT  it could not be started (command not found).
 *   -EPROTO  it failed: exit_status or term_signal says how.
 *   -EINVAL  args is empty; another -errno when a pipe or fork failed.
 *
 * The command is over when its first process exits, not when its output
 * is closed: output already written is collected, then anything it left
 * running in its process group ("sleep 100 &" in a hook, a daemon started
 * in a chroot) is killed with SIGKILL. A process that left the group
 * (setsid(), as daemons do) is out of reach. On kernels without
 * pidfd_open() (before 5.3) the command is over when its stdout and
 * stderr are closed, and what it leaves behind is killed only after a
 * signal stopped it.
 */
int run_command(struct child_process *cp);

/* "'mkfs.ext4' exited with status 1" and the like, for error messages. */
void child_describe_failure(const struct child_process *cp, int r,
			    struct strbuf *sb);
/* The same, then ": " and the last line the command printed, which is
 * usually its reason. */
void child_describe_failure_output(struct child_process *cp, int r,
				   struct strbuf *sb);
/* Just ": " and that last line, if the command printed anything. */
void child_add_last_line(struct child_process *cp, struct strbuf *sb);

/*
 * A worker: fn(data, fd) run in a child process of ours, for work that
 * must own its process (a guest's build owns its mount namespace, its
 * signal handling and its log). The child's stdin and stdout are
 * /dev/null, its stderr a pipe to us (err), and fd a pipe to us (out) for
 * what it reports; every other descriptor is closed but keep_fd (-1 for
 * none), which it keeps open (a lock it holds for us). Its stop signals
 * start with their default action and no signal pending, it is sent
 * SIGTERM when we die (so it rolls back what it did; its own commands
 * die with it as with us), and it exits with fn's return value.
 */
struct worker {
	int pid;
	int out;		/* read end of what it reports */
	int err;		/* read end of its stderr */
};

int worker_start(struct worker *w, int (*fn)(void *data, int fd),
		 void *data, int keep_fd);
/*
 * Whether the worker has ended (1, with its exit status in *ret_status,
 * 128+N when signal N killed it) or still runs (0, only when !block).
 * Its pipes are the caller's to read to the end and close.
 */
int worker_wait(struct worker *w, int block, int *ret_status);

/*
 * Install SIGINT/SIGTERM/SIGHUP handlers that only record the signal and
 * wake a run_command() that is waiting. Returns 0, or -errno when the
 * wake-up pipe cannot be made: the handlers are installed anyway, but a
 * signal arriving just as run_command() starts to wait is then only seen
 * when the child prints or exits.
 */
int signals_install(void);
/* The signal that asked us to stop, or 0. */
int signals_pending(void);
/*
 * From now on ignore SIGINT, SIGTERM and SIGHUP and forget the pending
 * signal, so the commands that undo a run are not themselves interrupted.
 * Returns the signal that was pending.
 */
int signals_ignore_for_cleanup(void);
/*
 * Forget the pending signal and keep the handlers: for tests, which raise
 * signals on purpose and must start each case clean.
 */
void signals_reset(void);

#endif
