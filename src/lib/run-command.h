/*
 * run-command.h: the one way this program starts another program.
 *
 * Always an argv, never a shell. The environment is explicit: the child
 * inherits ours unless clear_env is set, plus every "KEY=VALUE" in env.
 * Output is collected, written to the log file, echoed with --verbose, and
 * its last lines kept so a failure can show them. Each child runs in its own
 * process group; when SIGINT or SIGTERM reaches us the whole group is killed
 * and run_command() returns -EINTR.
 */
#ifndef RUN_COMMAND_H
#define RUN_COMMAND_H

#include "strbuf.h"
#include "strvec.h"

struct child_process {
	struct strvec args;
	struct strvec env;	/* "KEY=VALUE" added to (or replacing) ours */
	int clear_env;		/* start from PATH, LC_ALL=C and proxies */
	const char *dir;	/* chdir here first */
	const char *chroot;	/* chroot here first (after dir is ignored) */
	const char *in;		/* written to stdin; NULL means /dev/null */
	int capture;		/* keep stdout in out (stderr still logged) */
	int quiet;		/* do not echo output even with --verbose */
	int no_log_args;	/* the argv holds a secret: log argv[0] only */
	struct strbuf out;	/* captured stdout when capture is set */
	struct strbuf tail;	/* last few KiB of combined output */
	int exit_status;	/* valid when the child exited */
	int term_signal;	/* non-zero when the child was killed */
};

#define CHILD_PROCESS_INIT \
	{ STRVEC_INIT, STRVEC_INIT, 0, NULL, NULL, NULL, 0, 0, 0, \
	  STRBUF_INIT, STRBUF_INIT, 0, 0 }

void child_process_init(struct child_process *cp);
void child_process_clear(struct child_process *cp);

/*
 * Run it to completion. 0 when it exited 0; -ENOENT when it could not be
 * started; -EINTR when we were interrupted; otherwise -EPROTO with
 * exit_status or term_signal saying how it ended.
 */
int run_command(struct child_process *cp);

/* "'mkfs.ext4' exited with status 1" and the like, for error messages. */
void child_describe_failure(const struct child_process *cp, int r,
			    struct strbuf *sb);

/* Install SIGINT/SIGTERM/SIGHUP handlers that only record the signal. */
void signals_install(void);
/* The signal that asked us to stop, or 0. */
int signals_pending(void);
/*
 * From now on ignore SIGINT, SIGTERM and SIGHUP and forget the pending
 * signal, so the commands that undo a run are not themselves interrupted.
 * Returns the signal that was pending.
 */
int signals_ignore_for_cleanup(void);

#endif
