/* run-command.c: see run-command.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "clock.h"
#include "fault.h"
#include "log.h"
#include "macros.h"
#include "run-command.h"

#define TAIL_MAX 4096
/* How long a group stopped with SIGTERM has before SIGKILL. */
#define KILL_GRACE_MS 5000

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on every architecture */
#endif

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static volatile sig_atomic_t stop_signal;
/*
 * The self-pipe: the handler writes a byte to it, so a signal that lands
 * after run_command() checked signals_pending() but before it went to
 * sleep in poll() still wakes it. Both ends are non-blocking.
 */
static int wake_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved_errno = errno;

	if (!stop_signal)
		stop_signal = sig;
	if (wake_pipe[1] >= 0) {
		/* A full pipe is already readable: nothing is lost. */
		ssize_t n = write(wake_pipe[1], "", 1);

		(void)n;
	}
	errno = saved_errno;
}

static void wake_pipe_drain(void)
{
	char buf[64];

	if (wake_pipe[0] < 0)
		return;
	for (;;) {
		ssize_t n = read(wake_pipe[0], buf, sizeof(buf));

		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		break;
	}
}

/*
 * The guard: a process of its own, not our child, that is told the
 * process group of each command as it starts and as it ends. When its
 * pipe from us reaches end of file, we are gone; a group not taken back
 * by then belongs to a command we did not see to its end (we were killed
 * outright), and the guard kills what is left in it: the grandchildren
 * that PR_SET_PDEATHSIG does not reach (debootstrap's dpkg, a hook's
 * background job).
 */
static int guard_fd = -1;	/* write end of the pipe; -1: no guard */
static pid_t guard_owner;	/* the process the guard watches */
/* run_command() runs one command at a time, leave_behind ones are taken
 * back at once: a handful of groups is ever held. */
#define GUARD_GROUPS 64

static void guard_main(int in)
{
	pid_t groups[GUARD_GROUPS];
	size_t nr = 0;
	int32_t msg;

	for (;;) {
		ssize_t n = read(in, &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		/* Messages are written whole (PIPE_BUF): anything else is
		 * the end of file. */
		if (n != (ssize_t)sizeof(msg))
			break;
		if (msg > 0 && nr < GUARD_GROUPS) {
			groups[nr++] = msg;
			continue;
		}
		for (size_t i = 0; i < nr; i++) {
			if (groups[i] == -msg) {
				groups[i] = groups[--nr];
				break;
			}
		}
	}
	for (size_t i = 0; i < nr; i++)
		kill(-groups[i], SIGKILL);
	_exit(0);
}

/*
 * Start the guard unless this process has one. Without it (fork failed)
 * commands still die with us, only not what they started.
 */
static void guard_start(void)
{
	int fds[2];
	pid_t pid;

	if (guard_fd >= 0 && guard_owner == getpid())
		return;
	/* A fork of ours that did not exec (a worker, say) watches its own
	 * commands; the descriptor it inherited is left alone, as it may
	 * no longer be the pipe. */
	guard_fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* In between: the guard is orphaned at once, so it is
		 * never ours to reap, and it is out of our session, so
		 * no Ctrl-C on our terminal reaches it. */
		if (fork() != 0)
			_exit(0);
		setsid();
		for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
			signal(stop_signals[i], SIG_IGN);
		/* Nothing of ours held open: not our loop devices, not our
		 * locks, not a directory in our mount namespace. */
		if (chdir("/") < 0)
			_exit(1);
		if (fds[0] > 0)
			close_range(0, (unsigned)fds[0] - 1, 0);
		close_range((unsigned)fds[0] + 1, ~0U, 0);
		guard_main(fds[0]);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	guard_fd = fds[1];
	guard_owner = getpid();
}

/* Tell the guard group pgid started (add) or was taken back (!add). */
static void guard_tell(pid_t pgid, int add)
{
	int32_t msg = add ? pgid : -pgid;
	ssize_t n;

	if (guard_fd < 0)
		return;
	do
		n = write(guard_fd, &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
}

int signals_install(void)
{
	struct sigaction sa;
	int r = 0;

	if (wake_pipe[0] < 0 &&
	    pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		wake_pipe[0] = wake_pipe[1] = -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking waitpid() must wake up and notice. */
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return r;
}

int signals_pending(void)
{
	return stop_signal;
}

int signals_ignore_for_cleanup(void)
{
	int sig = stop_signal;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	stop_signal = 0;
	return sig;
}

void signals_reset(void)
{
	stop_signal = 0;
	wake_pipe_drain();
}

void child_process_init(struct child_process *cp)
{
	struct child_process blank = CHILD_PROCESS_INIT;

	*cp = blank;
}

void child_process_clear(struct child_process *cp)
{
	strvec_clear(&cp->args);
	strvec_clear(&cp->env);
	strbuf_release(&cp->out);
	strbuf_release(&cp->tail);
}

static void tail_add(struct strbuf *tail, const char *data, size_t len)
{
	strbuf_add(tail, data, len);
	if (tail->len > TAIL_MAX) {
		size_t cut = tail->len - TAIL_MAX;

		memmove(tail->buf, tail->buf + cut, TAIL_MAX);
		strbuf_setlen(tail, TAIL_MAX);
	}
}

static void build_env(const struct child_process *cp, struct strvec *envp)
{
	extern char **environ;

	if (cp->clear_env) {
		/* A dom0 behind a proxy still reaches its mirror. */
		static const char *const keep[] = {
			"http_proxy", "https_proxy", "no_proxy",
			"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
		};

		strvec_push(envp, "PATH=" RUN_COMMAND_PATH);
		strvec_push(envp, "LC_ALL=C");
		for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
			const char *v = getenv(keep[i]);

			if (v)
				strvec_pushf(envp, "%s=%s", keep[i], v);
		}
	} else {
		for (char **e = environ; *e; e++)
			strvec_push(envp, *e);
	}
	for (size_t i = 0; i < cp->env.nr; i++) {
		const char *kv = cp->env.v[i];
		size_t klen = strcspn(kv, "=");

		for (size_t j = 0; j < envp->nr; j++) {
			if (!strncmp(envp->v[j], kv, klen) &&
			    envp->v[j][klen] == '=') {
				strvec_remove(envp, j);
				break;
			}
		}
		strvec_push(envp, kv);
	}
}

static void log_argv(const struct child_process *cp)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < cp->args.nr; i++) {
		const char *a = cp->args.v[i];

		if (i)
			strbuf_addch(&sb, ' ');
		if (i && cp->no_log_args) {
			strbuf_addstr(&sb, "...");
			break;
		}
		if (!*a || strpbrk(a, " \t\n'\"\\$`*?;&|<>()"))
			strbuf_addf(&sb, "'%s'", a);
		else
			strbuf_addstr(&sb, a);
	}
	debug("$ %s", sb.buf);
	strbuf_release(&sb);
}

/*
 * With --debug, what the command gets: all of it when it starts from a
 * cleared environment, else what is added to (or replaces) ours. Not for
 * a command whose arguments are a secret.
 */
static void log_env(const struct child_process *cp, const struct strvec *envp)
{
	const struct strvec *shown = cp->clear_env ? envp : &cp->env;

	if (!log_debug() || cp->no_log_args)
		return;
	debug("  environment: %s", cp->clear_env ? "only these" :
	      shown->nr ? "create-image's, and" : "create-image's");
	for (size_t i = 0; i < shown->nr; i++)
		debug("    %s", shown->v[i]);
}

/*
 * In the child, after fork: never returns. The stop signals arrive
 * blocked (see run_command()), so the caller's handler never runs here.
 */
static void exec_child(struct child_process *cp, char *const *envp, int in_fd,
		       int out_fd, int err_fd, pid_t parent,
		       const sigset_t *mask)
{
	setpgid(0, 0);
	/* Told before anything can start in the group, and before we can
	 * know whether the parent is still there. */
	guard_tell(getpid(), 1);
	/*
	 * Dies with the caller, however it dies: SIGKILL, as the command
	 * may catch or ignore SIGTERM. A caller gone before the prctl()
	 * has left us to another parent: end here, before the exec.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(128 + SIGKILL);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++) {
		int sig = stop_signals[i];
		struct sigaction old;

		/*
		 * Setting SIG_IGN discards a pending signal, even a blocked
		 * one. Drop one that reached us while we were still in the
		 * caller's process group if the caller would not have acted
		 * on it: the command is uninterruptible, or the caller
		 * ignores the signal (cleanup). Otherwise it stays pending
		 * and ends us as soon as we unblock it, which is what the
		 * caller's SIGTERM to our group asked for.
		 */
		if (cp->uninterruptible ||
		    (!sigaction(sig, NULL, &old) && old.sa_handler == SIG_IGN))
			signal(sig, SIG_IGN);
		signal(sig, SIG_DFL);
	}
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	if (cp->dir && chdir(cp->dir) < 0) {
		dprintf(2, "cannot chdir to '%s': %s\n", cp->dir,
			strerror(errno));
		_exit(127);
	}
	/* Search the child's PATH, not ours: with clear_env the two differ. */
	environ = (char **)envp;
	execvp(cp->args.v[0], (char *const *)cp->args.v);
	_exit(errno == ENOENT ? 127 : 126);
}

/* The parent's side of one running child. */
struct run {
	struct child_process *cp;
	pid_t pid;
	int pidfd;		/* -1: kernel without pidfd_open() */
	int out, err, in;	/* our pipe ends, -1 once closed */
	size_t in_off, in_len;
	int killed;		/* we sent SIGTERM because of a signal */
	int hard_killed;	/* ... and SIGKILL after the grace period */
	long long kill_deadline;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Read once from *fd: the byte count, 0 at end of file (*fd is then
 * closed), or -1 when nothing is there yet.
 */
static ssize_t consume(struct child_process *cp, int *fd, int is_out)
{
	char buf[8192];
	ssize_t n;

	do
		n = read(*fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n <= 0) {
		close_fd(fd);
		return 0;
	}
	if (is_out && cp->capture) {
		strbuf_add(&cp->out, buf, (size_t)n);
		return n;
	}
	tail_add(&cp->tail, buf, (size_t)n);
	log_file_raw(buf, (unsigned long)n);
	if (log_verbose() && !cp->quiet)
		fwrite(buf, 1, (size_t)n, stderr);
	return n;
}

/*
 * The leader has exited: take what is in the pipe now without waiting for
 * more. Everything the leader wrote is there, and there is at most one
 * pipe's worth of it, so a background writer cannot keep us here.
 */
static void consume_rest(struct child_process *cp, int *fd, int is_out)
{
	int room;

	if (*fd < 0)
		return;
	room = fcntl(*fd, F_GETPIPE_SZ);
	if (room <= 0)
		room = 65536;
	fcntl(*fd, F_SETFL, O_NONBLOCK);
	while (*fd >= 0 && room > 0) {
		ssize_t n = consume(cp, fd, is_out);

		if (n <= 0)
			break;
		room -= (int)n;
	}
}

static void feed_stdin(struct run *rn)
{
	ssize_t n = write(rn->in, rn->cp->in + rn->in_off,
			  rn->in_len - rn->in_off);

	if (n > 0)
		rn->in_off += (size_t)n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
	    rn->in_off == rn->in_len)
		close_fd(&rn->in);
}

/*
 * Stop the group when a signal asks us to, and escalate to SIGKILL when
 * the grace period is over. Returns the poll() timeout to use.
 */
static int stop_if_asked(struct run *rn)
{
	long long left;

	if (rn->cp->uninterruptible || rn->hard_killed)
		return -1;
	if (!rn->killed) {
		if (!signals_pending())
			return -1;
		kill(-rn->pid, SIGTERM);
		rn->killed = 1;
		rn->kill_deadline = clock_ms() + KILL_GRACE_MS;
	}
	left = rn->kill_deadline - clock_ms();
	if (left > 0)
		return (int)left;
	kill(-rn->pid, SIGKILL);
	rn->hard_killed = 1;
	return -1;
}

/*
 * Pass data until the command is over: with a pidfd, until the leader
 * exits; without one, until stdout and stderr are closed (or the group
 * was killed outright). 1 when the leader is known to have exited,
 * 0 when it may still have to be waited for, or -errno.
 */
static int pump(struct run *rn)
{
	for (;;) {
		struct pollfd p[5];
		int np = 0, io = -1, ie = -1, ii = -1, iw = -1, ip = -1;
		int timeout = stop_if_asked(rn);

		if (rn->pidfd < 0 &&
		    ((rn->out < 0 && rn->err < 0) || rn->hard_killed))
			return 0;
		if (rn->out >= 0) {
			io = np;
			p[np++] = (struct pollfd){ rn->out, POLLIN, 0 };
		}
		if (rn->err >= 0) {
			ie = np;
			p[np++] = (struct pollfd){ rn->err, POLLIN, 0 };
		}
		if (rn->in >= 0) {
			ii = np;
			p[np++] = (struct pollfd){ rn->in, POLLOUT, 0 };
		}
		if (wake_pipe[0] >= 0) {
			iw = np;
			p[np++] = (struct pollfd){ wake_pipe[0], POLLIN, 0 };
		}
		if (rn->pidfd >= 0) {
			ip = np;
			p[np++] = (struct pollfd){ rn->pidfd, POLLIN, 0 };
		}
		if (poll(p, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (io >= 0 && p[io].revents)
			consume(rn->cp, &rn->out, 1);
		if (ie >= 0 && p[ie].revents)
			consume(rn->cp, &rn->err, 0);
		if (ii >= 0 && p[ii].revents)
			feed_stdin(rn);
		/* The flag is what counts; the bytes only woke us. */
		if (iw >= 0 && p[iw].revents)
			wake_pipe_drain();
		if (ip >= 0 && p[ip].revents) {
			consume_rest(rn->cp, &rn->out, 1);
			consume_rest(rn->cp, &rn->err, 0);
			return 1;
		}
	}
}

static int reap(struct run *rn, int *status)
{
	while (waitpid(rn->pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		/* Only reached without a pidfd: the leader may still run. */
		if (!rn->cp->uninterruptible && !rn->killed &&
		    signals_pending()) {
			kill(-rn->pid, SIGTERM);
			rn->killed = 1;
		}
	}
	return 0;
}

/* A close-on-exec pipe: its read end in *ret_r, its write end in *ret_w. */
static int pipe_pair(int *ret_r, int *ret_w)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	*ret_r = fds[0];
	*ret_w = fds[1];
	return 0;
}

/* How the child ended, once reaped. */
static int child_result(struct run *rn, int status)
{
	struct child_process *cp = rn->cp;

	cp->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	cp->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	/* It finished its work: a signal came too late to stop it. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (rn->killed)
		return -EINTR;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !cp->tail.len)
		return -ENOENT;
	return -EPROTO;
}

/*
 * fork() with the stop signals blocked across it: the child must not run
 * our handler, and must not lose a SIGTERM we send it before it has reset
 * its handlers. The parent's mask before the call is in *ret_mask; both
 * sides restore it (the child once it is ready).
 */
static pid_t fork_stop_signals_blocked(sigset_t *ret_mask)
{
	sigset_t stop_set;
	pid_t pid;
	int saved;

	sigemptyset(&stop_set);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&stop_set, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stop_set, ret_mask);
	fflush(NULL);
	pid = fork();
	saved = errno;
	if (pid != 0)
		sigprocmask(SIG_SETMASK, ret_mask, NULL);
	errno = saved;
	return pid;
}

int run_command(struct child_process *cp)
{
	struct strvec envp = STRVEC_INIT;
	struct run rn = { .cp = cp, .pid = -1, .pidfd = -1,
			  .out = -1, .err = -1, .in = -1 };
	int out_w = -1, err_w = -1, in_r = -1, nullfd = -1;
	int status = 0, r, rr;
	sigset_t mask;
	pid_t pid, parent;

	if (!cp->args.nr)
		return -EINVAL;
	if (!cp->uninterruptible && signals_pending())
		return -EINTR;
	log_argv(cp);
	/* The test build fails it here as if it could not be started. */
	r = fault_check(FAULT_COMMAND, cp->args.v[0]);
	if (r < 0)
		return r;
	build_env(cp, &envp);
	log_env(cp, &envp);

	r = pipe_pair(&rn.out, &out_w);
	if (r >= 0)
		r = pipe_pair(&rn.err, &err_w);
	if (r >= 0 && cp->in) {
		r = pipe_pair(&in_r, &rn.in);
		rn.in_len = cp->in_len ? cp->in_len : strlen(cp->in);
	} else if (r >= 0) {
		nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nullfd < 0)
			r = -errno;
	}
	if (r < 0)
		goto out;

	guard_start();
	parent = getpid();
	pid = fork_stop_signals_blocked(&mask);
	if (pid == 0)
		exec_child(cp, (char *const *)envp.v, cp->in ? in_r : nullfd,
			   out_w, err_w, parent, &mask);
	if (pid < 0)
		r = -errno;
	if (r < 0)
		goto out;
	rn.pid = pid;
	setpgid(pid, pid);
	close_fd(&out_w);
	close_fd(&err_w);
	close_fd(&in_r);
	if (rn.in >= 0) {
		fcntl(rn.in, F_SETFL, O_NONBLOCK);
		if (!rn.in_len)
			close_fd(&rn.in);
	}
	/*
	 * Without a pidfd (ENOSYS before Linux 5.3, or a seccomp filter)
	 * fall back to waiting for the end of output.
	 */
	rn.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	r = pump(&rn);
	/*
	 * Once the leader has exited it stays a zombie until reaped, so its
	 * process group id cannot have been reused: whatever is still in the
	 * group is what the command left behind.
	 */
	if (r < 0 || (r > 0 && !cp->leave_behind))
		kill(-pid, SIGKILL);
	/* Taken back while the unreaped leader still holds the group's id,
	 * so the guard can never kill a later group of that id. */
	guard_tell(pid, 0);
	close_fd(&rn.out);
	close_fd(&rn.err);
	close_fd(&rn.in);
	rr = reap(&rn, &status);
	if (r < 0)
		goto out;
	r = rr;
	if (r < 0)
		goto out;
	/* Without a pidfd, grandchildren may linger after a stop. */
	if (rn.pidfd < 0 && rn.killed)
		kill(-pid, SIGKILL);
	r = child_result(&rn, status);
out:
	close_fd(&rn.out);
	close_fd(&rn.err);
	close_fd(&rn.in);
	close_fd(&rn.pidfd);
	close_fd(&out_w);
	close_fd(&err_w);
	close_fd(&in_r);
	close_fd(&nullfd);
	strvec_clear(&envp);
	return r;
}

/* In the worker, after fork: never returns. */
static void worker_child(int (*fn)(void *data, int fd), void *data, int out_w,
			 int err_w, int keep_fd, pid_t parent,
			 const sigset_t *mask)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* A parent that dies however it dies stops the worker, which then
	 * undoes its work as on any SIGTERM. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		signal(stop_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* The self-pipe and the pending signal were the parent's, and so is
	 * a live view its messages would have to step around (whose lock
	 * another thread of the parent may have held at fork()). */
	wake_pipe[0] = wake_pipe[1] = -1;
	guard_fd = -1;
	stop_signal = 0;
	log_set_stderr_hooks(NULL, NULL, NULL);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
	    dup2(err_w, 2) < 0 || dup2(out_w, 3) < 0 ||
	    (keep_fd >= 0 && dup2(keep_fd, 4) < 0))
		_exit(127);
	close_range(keep_fd >= 0 ? 5 : 4, ~0U, 0);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (getppid() != parent)
		_exit(128 + SIGTERM);
	_exit(fn(data, 3));
}

int worker_start(struct worker *w, int (*fn)(void *data, int fd),
		 void *data, int keep_fd)
{
	int out_w = -1, err_w = -1, r;
	sigset_t mask;
	pid_t parent = getpid(), pid;

	w->pid = -1;
	w->out = w->err = -1;
	r = pipe_pair(&w->out, &out_w);
	if (r >= 0)
		r = pipe_pair(&w->err, &err_w);
	if (r < 0)
		goto fail;
	pid = fork_stop_signals_blocked(&mask);
	if (pid == 0)
		worker_child(fn, data, out_w, err_w, keep_fd, parent, &mask);
	r = pid < 0 ? -errno : 0;
	if (r < 0)
		goto fail;
	w->pid = pid;
	close_fd(&out_w);
	close_fd(&err_w);
	return 0;
fail:
	close_fd(&w->out);
	close_fd(&w->err);
	close_fd(&out_w);
	close_fd(&err_w);
	return r;
}

int worker_wait(struct worker *w, int block, int *ret_status)
{
	int status;
	pid_t pid;

	do
		pid = waitpid(w->pid, &status, block ? 0 : WNOHANG);
	while (pid < 0 && errno == EINTR);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		return 0;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) :
		      128 + WTERMSIG(status);
	return 1;
}

void child_describe_failure(const struct child_process *cp, int r,
			    struct strbuf *sb)
{
	const char *name = cp->args.nr ? cp->args.v[0] : "?";

	if (r == -ENOENT)
		strbuf_addf(sb, "cannot run '%s': command not found", name);
	else if (r == -EINTR)
		strbuf_addf(sb, "'%s' interrupted", name);
	else if (cp->term_signal)
		strbuf_addf(sb, "'%s' killed by signal %d", name,
			    cp->term_signal);
	else if (r == -EPROTO)
		strbuf_addf(sb, "'%s' exited with status %d", name,
			    cp->exit_status);
	else
		strbuf_addf(sb, "cannot run '%s': %s", name, strerror(-r));
}

void child_describe_failure_output(struct child_process *cp, int r,
				   struct strbuf *sb)
{
	child_describe_failure(cp, r, sb);
	child_add_last_line(cp, sb);
}

void child_add_last_line(struct child_process *cp, struct strbuf *sb)
{
	strbuf_rtrim(&cp->tail);
	if (cp->tail.len) {
		const char *last = strrchr(cp->tail.buf, '\n');

		strbuf_addf(sb, ": %s", last ? last + 1 : cp->tail.buf);
	}
}
