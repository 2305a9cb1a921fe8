/*
 * u-run-command.c: exit statuses, output, environment, stdin, leftover
 * processes and signals, with real processes.
 *
 * Signal state is process-wide: every test starts from start(), which
 * installs the handlers and forgets any pending signal.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "run-command.h"
#include "unit.h"

UNIT_MAIN

static void start(void)
{
	CHECK_INTEQ(signals_install(), 0);
	signals_reset();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Dead, or a zombie nobody has reaped yet: either way it runs no more. */
static int process_gone(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		struct strbuf path = STRBUF_INIT, stat = STRBUF_INIT;
		const char *paren;
		int zombie = 0;

		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		strbuf_addf(&path, "/proc/%d/stat", (int)pid);
		if (strbuf_read_file(&stat, path.buf) >= 0) {
			paren = strrchr(stat.buf, ')');
			zombie = paren && paren[1] == ' ' && paren[2] == 'Z';
		}
		strbuf_release(&path);
		strbuf_release(&stat);
		if (zombie)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/*
 * run_command() watches for the end of a command with a pidfd; without
 * one (Linux before 5.3, or under valgrind 3.19, which does not know the
 * call) it waits for the end of output, as it always did.
 */
static int have_pidfd(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* A process that sends us sig after ms milliseconds. */
static pid_t signal_me_later(int sig, long ms)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();

	if (pid == 0) {
		sleep_ms(ms);
		kill(parent, sig);
		_exit(0);
	}
	CHECK(pid > 0);
	return pid;
}

static void reap_helper(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

TEST(exit_status)
{
	static const struct {
		const char *argv[4];
		int want_r;
		int want_exit;
		int want_signal;
		const char *want_msg;
	} cases[] = {
		{ { "true" }, 0, 0, 0, NULL },
		{ { "false" }, -EPROTO, 1, 0, "'false' exited with status 1" },
		{ { "/bin/sh", "-c", "exit 3" }, -EPROTO, 3, 0,
		  "'/bin/sh' exited with status 3" },
		{ { "/bin/sh", "-c", "echo why >&2; exit 127" }, -EPROTO, 127,
		  0, "'/bin/sh' exited with status 127" },
		{ { "/bin/sh", "-c", "kill -KILL $$" }, -EPROTO, -1, SIGKILL,
		  "'/bin/sh' killed by signal 9" },
		{ { "no-such-command-for-u-run-command" }, -ENOENT, 127, 0,
		  "cannot run 'no-such-command-for-u-run-command': "
		  "command not found" },
	};

	start();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct child_process cp = CHILD_PROCESS_INIT;
		struct strbuf msg = STRBUF_INIT;
		int r;

		for (size_t j = 0; j < 4 && cases[i].argv[j]; j++)
			strvec_push(&cp.args, cases[i].argv[j]);
		r = run_command(&cp);
		CHECK_INTEQ(r, cases[i].want_r);
		CHECK_INTEQ(cp.exit_status, cases[i].want_exit);
		CHECK_INTEQ(cp.term_signal, cases[i].want_signal);
		if (cases[i].want_msg) {
			child_describe_failure(&cp, r, &msg);
			CHECK_STREQ(msg.buf, cases[i].want_msg);
		}
		strbuf_release(&msg);
		child_process_clear(&cp);
	}
}

TEST(no_args)
{
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	CHECK_INTEQ(run_command(&cp), -EINVAL);
	child_process_clear(&cp);
}

TEST(capture_and_tail)
{
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	strvec_pushl(&cp.args, "/bin/sh", "-c",
		     "echo out; echo err >&2; echo more", NULL);
	cp.capture = 1;
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_STREQ(cp.out.buf, "out\nmore\n");
	/* stderr is still logged, and kept for the error message. */
	CHECK_STREQ(cp.tail.buf, "err\n");
	child_process_clear(&cp);

	/* Without capture stdout goes to the log and the tail. */
	child_process_init(&cp);
	strvec_pushl(&cp.args, "/bin/sh", "-c", "echo out", NULL);
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_INTEQ(cp.out.len, 0);
	CHECK_STREQ(cp.tail.buf, "out\n");
	child_process_clear(&cp);
}

TEST(tail_keeps_last_4k)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf want = STRBUF_INIT;

	start();
	for (int i = 0; i < 400; i++)
		strbuf_addf(&want, "line %d of the output\n", i);
	CHECK(want.len > 2 * 4096);
	strvec_pushl(&cp.args, "/bin/sh", "-c",
		     "i=0; while [ $i -lt 400 ]; do "
		     "echo \"line $i of the output\"; i=$((i + 1)); done",
		     NULL);
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_INTEQ(cp.tail.len, 4096);
	CHECK_STREQ(cp.tail.buf, want.buf + want.len - 4096);
	strbuf_release(&want);
	child_process_clear(&cp);
}

TEST(environment)
{
	static const char show[] =
		"echo \"$PATH|$LC_ALL|$http_proxy|$U_RC_INHERITED|$FOO\"";
	static const struct {
		int clear_env;
		const char *env[3];
		const char *want;
	} cases[] = {
		{ 1, { NULL },
		  "/usr/sbin:/usr/bin:/sbin:/bin|C|http://proxy.example:3128"
		  "||\n" },
		{ 1, { "LC_ALL=POSIX", "FOO=bar" },
		  "/usr/sbin:/usr/bin:/sbin:/bin|POSIX|"
		  "http://proxy.example:3128||bar\n" },
		{ 1, { "http_proxy=", "PATH=/bin:/usr/bin" },
		  "/bin:/usr/bin|C|||\n" },
		{ 0, { "FOO=bar" },
		  "/bin:/usr/bin|caller|http://proxy.example:3128|yes|bar\n" },
	};
	static const char *const vars[] = {
		"PATH", "LC_ALL", "http_proxy", "U_RC_INHERITED", "FOO",
	};
	char *saved[ARRAY_SIZE(vars)];

	start();
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);

		saved[i] = v ? strdup(v) : NULL;
	}
	setenv("PATH", "/bin:/usr/bin", 1);
	setenv("LC_ALL", "caller", 1);
	setenv("http_proxy", "http://proxy.example:3128", 1);
	setenv("U_RC_INHERITED", "yes", 1);
	unsetenv("FOO");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct child_process cp = CHILD_PROCESS_INIT;

		strvec_pushl(&cp.args, "/bin/sh", "-c", show, NULL);
		cp.clear_env = cases[i].clear_env;
		for (size_t j = 0; j < 3 && cases[i].env[j]; j++)
			strvec_push(&cp.env, cases[i].env[j]);
		cp.capture = 1;
		CHECK_INTEQ(run_command(&cp), 0);
		CHECK_STREQ(cp.out.buf, cases[i].want);
		child_process_clear(&cp);
	}
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}

TEST(stdin_data)
{
	struct strbuf big = STRBUF_INIT;
	const char *inputs[3];

	start();
	/* Larger than a pipe buffer: feeding and reading must interleave. */
	while (big.len < 200 * 1024)
		strbuf_addf(&big, "%zu: some text to echo back\n", big.len);
	inputs[0] = big.buf;
	inputs[1] = "";
	inputs[2] = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		struct child_process cp = CHILD_PROCESS_INIT;

		strvec_push(&cp.args, "cat");
		cp.in = inputs[i];
		cp.capture = 1;
		CHECK_INTEQ(run_command(&cp), 0);
		CHECK_STREQ(cp.out.buf, inputs[i] ? inputs[i] : "");
		child_process_clear(&cp);
	}
	strbuf_release(&big);
}

/* in_len: binary data, NULs and all, reaches the command whole. */
TEST(stdin_binary)
{
	static const char data[] = "MZ\0\0PE\0\x01\xff\0end";
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	strvec_pushl(&cp.args, "od", "-An", "-tx1", NULL);
	cp.in = data;
	cp.in_len = sizeof(data) - 1;
	cp.capture = 1;
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_STREQ(cp.out.buf, " 4d 5a 00 00 50 45 00 01 ff 00 65 6e 64\n");
	child_process_clear(&cp);
}

TEST(dir)
{
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	strvec_push(&cp.args, "pwd");
	cp.dir = "/";
	cp.capture = 1;
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_STREQ(cp.out.buf, "/\n");
	child_process_clear(&cp);
}

/*
 * The command is over when its first process exits: a background process
 * it leaves behind neither holds up the build nor survives it. What the
 * leader wrote just before exiting is still collected.
 */
TEST(leftover_processes_are_killed)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int pidfd = have_pidfd();
	char *end;
	double t0;
	long pid;

	start();
	/*
	 * Without a pidfd only a background process that let go of our
	 * pipes is out of the way, and it is not killed.
	 */
	strvec_pushl(&cp.args, "/bin/sh", "-c",
		     pidfd ? "sleep 30 & echo $!; "
			     "head -c 50000 /dev/zero | tr '\\0' x" :
			     "sleep 30 >/dev/null 2>&1 & echo $!; "
			     "head -c 50000 /dev/zero | tr '\\0' x",
		     NULL);
	cp.capture = 1;
	t0 = now();
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK(now() - t0 < 3.0);
	pid = strtol(cp.out.buf, &end, 10);
	CHECK(pid > 1 && *end == '\n');
	CHECK_INTEQ(strlen(end + 1), 50000);
	if (pid > 1 && pidfd) {
		CHECK(process_gone((pid_t)pid));
	} else if (pid > 1) {
		printf("# no pidfd_open(): leftovers are not killed\n");
		CHECK(!process_gone((pid_t)pid));
		kill((pid_t)pid, SIGKILL);
	}
	child_process_clear(&cp);
}

/* A signal already pending: the command is not started... */
TEST(pending_signal_skips_command)
{
	char dir[] = "/tmp/u-run-command.XXXXXX";
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf mark = STRBUF_INIT;
	struct stat st;

	start();
	CHECK(mkdtemp(dir) != NULL);
	strbuf_addf(&mark, "%s/ran", dir);
	raise(SIGTERM);
	CHECK_INTEQ(signals_pending(), SIGTERM);
	strvec_pushl(&cp.args, "touch", mark.buf, NULL);
	CHECK_INTEQ(run_command(&cp), -EINTR);
	CHECK(stat(mark.buf, &st) < 0 && errno == ENOENT);

	/* ... unless it is one of the commands that must complete. */
	cp.uninterruptible = 1;
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK(stat(mark.buf, &st) == 0);
	CHECK_INTEQ(signals_pending(), SIGTERM);

	unlink(mark.buf);
	rmdir(dir);
	strbuf_release(&mark);
	child_process_clear(&cp);
	signals_reset();
}

/*
 * SIGTERM from outside while a long command runs: its whole group is
 * stopped at once and the caller hears -EINTR.
 */
TEST(signal_stops_running_command)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	double t0, took;
	pid_t helper;
	long pid;

	start();
	strvec_pushl(&cp.args, "/bin/sh", "-c", "sleep 5 & echo $!; wait",
		     NULL);
	cp.capture = 1;
	helper = signal_me_later(SIGTERM, 300);
	t0 = now();
	CHECK_INTEQ(run_command(&cp), -EINTR);
	took = now() - t0;
	CHECK(took >= 0.2 && took < 1.5);
	CHECK_INTEQ(signals_pending(), SIGTERM);
	CHECK_INTEQ(cp.term_signal, SIGTERM);
	pid = strtol(cp.out.buf, NULL, 10);
	CHECK(pid > 1);
	if (pid > 1)
		CHECK(process_gone((pid_t)pid));
	reap_helper(helper);
	child_process_clear(&cp);
	signals_reset();
}

/*
 * An uninterruptible command is not stopped by a signal that arrives
 * while it runs; the signal stays pending for the caller.
 */
TEST(uninterruptible_command_completes)
{
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	strvec_pushl(&cp.args, "/bin/sh", "-c",
		     "kill -TERM $PPID; sleep 0.3; echo done", NULL);
	cp.capture = 1;
	cp.uninterruptible = 1;
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_STREQ(cp.out.buf, "done\n");
	CHECK_INTEQ(cp.term_signal, 0);
	CHECK_INTEQ(signals_pending(), SIGTERM);
	child_process_clear(&cp);
	signals_reset();
}

/*
 * A command that exits 0 is reported as 0 even though a signal is pending
 * when it ends: what it did (a loop device attached, a mount made) must be
 * recorded so it can be undone. Made deterministic by having the child
 * ignore SIGTERM and then send it to us: the flag is certainly set (and
 * our SIGTERM to its group, if sent, is ignored) before it exits 0. The
 * caller sees the signal through signals_pending(), and the next command
 * does not start.
 */
TEST(exit_zero_wins_over_pending_signal)
{
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	strvec_pushl(&cp.args, "/bin/sh", "-c",
		     "trap '' TERM; kill -TERM $PPID; sleep 0.1; exit 0", NULL);
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK_INTEQ(cp.exit_status, 0);
	CHECK_INTEQ(signals_pending(), SIGTERM);
	child_process_clear(&cp);

	child_process_init(&cp);
	strvec_push(&cp.args, "true");
	CHECK_INTEQ(run_command(&cp), -EINTR);
	child_process_clear(&cp);
	signals_reset();
}

/*
 * A stopped command that does not exit 0 is -EINTR, not a failure of its
 * own, even when it handles SIGTERM and exits with a status.
 */
TEST(stopped_command_is_eintr)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf msg = STRBUF_INIT;
	int r;

	start();
	strvec_pushl(&cp.args, "/bin/sh", "-c",
		     "trap 'exit 1' TERM; kill -TERM $PPID; "
		     "while :; do sleep 0.05; done", NULL);
	r = run_command(&cp);
	CHECK_INTEQ(r, -EINTR);
	child_describe_failure(&cp, r, &msg);
	CHECK_STREQ(msg.buf, "'/bin/sh' interrupted");
	strbuf_release(&msg);
	child_process_clear(&cp);
	signals_reset();
}

/* signals_reset() also empties the wake-up pipe: no spurious wake-ups. */
TEST(reset_forgets_signal)
{
	struct child_process cp = CHILD_PROCESS_INIT;

	start();
	raise(SIGINT);
	raise(SIGHUP);
	CHECK_INTEQ(signals_pending(), SIGINT);
	signals_reset();
	CHECK_INTEQ(signals_pending(), 0);
	strvec_pushl(&cp.args, "/bin/sh", "-c", "sleep 0.1; exit 0", NULL);
	CHECK_INTEQ(run_command(&cp), 0);
	child_process_clear(&cp);
}

/*
 * Run script in a process of ours that is then killed with SIGKILL while
 * the command runs (or, with leave_behind, once it is done): the command
 * writes "LEADER BACKGROUND" into ready once it has started both.
 * Returns 0 with both pids, or -1 when it never got that far.
 */
static int run_and_kill_caller(const char *script, int leave_behind,
			       pid_t *ret_leader, pid_t *ret_bg)
{
	char dir[] = "/tmp/u-run-command.XXXXXX";
	struct strbuf ready = STRBUF_INIT, sb = STRBUF_INIT;
	int r = -1;
	long leader = 0, bg = 0;
	pid_t pid;

	CHECK(mkdtemp(dir) != NULL);
	strbuf_addf(&ready, "%s/ready", dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct child_process cp = CHILD_PROCESS_INIT;

		start();
		strvec_pushl(&cp.args, "/bin/sh", "-c", script, "sh",
			     ready.buf, NULL);
		cp.leave_behind = leave_behind;
		run_command(&cp);
		/* leave_behind: done, and still here to be killed. */
		for (;;)
			pause();
	}
	CHECK(pid > 0);
	for (int i = 0; i < 500 && sb.len == 0; i++) {
		if (strbuf_read_file(&sb, ready.buf) < 0)
			sleep_ms(10);
	}
	/* The command is over with leave_behind: let it be taken back. */
	if (leave_behind)
		sleep_ms(200);
	kill(pid, SIGKILL);
	reap_helper(pid);
	if (sscanf(sb.buf, "%ld %ld", &leader, &bg) == 2 && leader > 1 &&
	    bg > 1) {
		*ret_leader = (pid_t)leader;
		*ret_bg = (pid_t)bg;
		r = 0;
	}
	unlink(ready.buf);
	rmdir(dir);
	strbuf_release(&ready);
	strbuf_release(&sb);
	return r;
}

/*
 * A caller killed outright takes the command with it, and what the
 * command started too, though both ignore SIGTERM.
 */
TEST(commands_die_with_a_killed_caller)
{
	pid_t leader = 0, bg = 0;

	CHECK_INTEQ(run_and_kill_caller("trap '' TERM; sleep 60 & "
					"echo $$ $! >\"$1.tmp\"; "
					"mv \"$1.tmp\" \"$1\"; wait",
					0, &leader, &bg), 0);
	if (!leader)
		return;
	CHECK(process_gone(leader));
	CHECK(process_gone(bg));
	kill(leader, SIGKILL);
	kill(bg, SIGKILL);
}

/* What a leave_behind command left running was handed over for good. */
TEST(leave_behind_outlives_a_killed_caller)
{
	pid_t leader = 0, bg = 0;

	CHECK_INTEQ(run_and_kill_caller("sleep 60 >/dev/null 2>&1 & "
					"echo $$ $! >\"$1.tmp\"; "
					"mv \"$1.tmp\" \"$1\"",
					1, &leader, &bg), 0);
	if (!bg)
		return;
	CHECK(process_gone(leader));
	sleep_ms(200);
	CHECK(kill(bg, 0) == 0);
	kill(bg, SIGKILL);
}
