/* run-command.c: see run-command.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "banned.h"
#include "log.h"
#include "run-command.h"

#define TAIL_MAX 4096

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking poll() must wake up and notice. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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

		strvec_push(envp,
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			    "/usr/bin:/sbin:/bin");
		strvec_push(envp, "LC_ALL=C");
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
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

	if (cp->chroot)
		strbuf_addf(&sb, "[chroot %s] ", cp->chroot);
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

/* In the child, after fork: never returns. */
static void exec_child(struct child_process *cp, char *const *envp, int in_fd,
		       int out_fd, int err_fd)
{
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	if (cp->dir && chdir(cp->dir) < 0) {
		dprintf(2, "cannot chdir to '%s': %s\n", cp->dir,
			strerror(errno));
		_exit(127);
	}
	if (cp->chroot && (chroot(cp->chroot) < 0 || chdir("/") < 0)) {
		dprintf(2, "cannot chroot to '%s': %s\n", cp->chroot,
			strerror(errno));
		_exit(127);
	}
	execvpe(cp->args.v[0], (char *const *)cp->args.v, envp);
	_exit(errno == ENOENT ? 127 : 126);
}

static void consume(struct child_process *cp, int fd, int is_out, int *open_fd)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(fd);
		*open_fd = -1;
		return;
	}
	if (is_out && cp->capture) {
		strbuf_add(&cp->out, buf, (size_t)n);
		return;
	}
	tail_add(&cp->tail, buf, (size_t)n);
	log_file_raw(buf, (unsigned long)n);
	if (log_verbose() && !cp->quiet)
		fwrite(buf, 1, (size_t)n, stderr);
}

int run_command(struct child_process *cp)
{
	struct strvec envp = STRVEC_INIT;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 };
	int nullfd = -1, status = 0, r = 0, killed = 0;
	size_t in_off = 0, in_len = cp->in ? strlen(cp->in) : 0;
	pid_t pid;

	if (!cp->args.nr)
		return -EINVAL;
	if (signals_pending())
		return -EINTR;
	log_argv(cp);
	build_env(cp, &envp);

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	if (cp->in) {
		if (pipe2(in, O_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
	} else {
		nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nullfd < 0) {
			r = -errno;
			goto out;
		}
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		exec_child(cp, (char *const *)envp.v, cp->in ? in[0] : nullfd,
			   out[1], err[1]);
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (cp->in) {
		close(in[0]);
		in[0] = -1;
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (!in_len) {
			close(in[1]);
			in[1] = -1;
		}
	}

	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd p[3];
		int np = 0, io = -1, ie = -1, ii = -1;

		if (signals_pending() && !killed) {
			kill(-pid, SIGTERM);
			killed = 1;
		}
		if (out[0] >= 0) {
			io = np;
			p[np++] = (struct pollfd){ out[0], POLLIN, 0 };
		}
		if (err[0] >= 0) {
			ie = np;
			p[np++] = (struct pollfd){ err[0], POLLIN, 0 };
		}
		if (in[1] >= 0) {
			ii = np;
			p[np++] = (struct pollfd){ in[1], POLLOUT, 0 };
		}
		if (poll(p, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (io >= 0 && p[io].revents)
			consume(cp, out[0], 1, &out[0]);
		if (ie >= 0 && p[ie].revents)
			consume(cp, err[0], 0, &err[0]);
		if (ii >= 0 && p[ii].revents) {
			ssize_t n = write(in[1], cp->in + in_off, in_len - in_off);

			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    in_off == in_len) {
				close(in[1]);
				in[1] = -1;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			goto out;
		}
		if (signals_pending() && !killed) {
			kill(-pid, SIGTERM);
			killed = 1;
		}
	}
	/* Grandchildren may linger in the group after the leader is gone. */
	if (killed)
		kill(-pid, SIGKILL);
	cp->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	cp->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (killed || signals_pending())
		r = -EINTR;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 &&
		 !cp->tail.len)
		r = -ENOENT;
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = -EPROTO;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
		if (in[i] >= 0)
			close(in[i]);
	}
	if (nullfd >= 0)
		close(nullfd);
	strvec_clear(&envp);
	return r;
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
