/*
 * u-fault.c: $CREATE_IMAGE_FAULT fails exactly the point it names, counted
 * per kind in this process only, and the count log names every point; a
 * failed command was never started, a failed write leaves neither the file
 * nor its temporary. Built with -DFAULT_INJECTION, against the objects of
 * the test build.
 */
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conffile.h"
#include "fault.h"
#include "fsutil.h"
#include "macros.h"
#include "run-command.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

/* scratch/rel, in a directory made for this run; caller frees. */
static char *scratch(const char *rel)
{
	return path_join(unit_scratch("u-fault"), rel);
}

/* Start counting anew with spec and a fresh count log (returned). */
static char *setup(const char *spec)
{
	char *log = scratch("count.log");

	unlink(log);
	CHECK_INTEQ(setenv("CREATE_IMAGE_FAULT", spec, 1), 0);
	CHECK_INTEQ(setenv("CREATE_IMAGE_FAULT_LOG", log, 1), 0);
	CHECK_INTEQ(fault_reset(), 0);
	return log;
}

static void read_log(const char *log, struct strbuf *out)
{
	strbuf_reset(out);
	(void)strbuf_read_file(out, log);
}

/* How many entries dir holds, dot files included. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

TEST(specs)
{
	static const struct {
		const char *spec;
		int want;
	} cases[] = {
		{ "", 0 },
		{ "step:1", 0 },
		{ "command:12", 0 },
		{ "write:3", 0 },
		{ "command", -EINVAL },
		{ "command:", -EINVAL },
		{ "command:0", -EINVAL },
		{ "command:-1", -EINVAL },
		{ "command:x", -EINVAL },
		{ "command:1x", -EINVAL },
		{ "commands:1", -EINVAL },
		{ "comman:1", -EINVAL },
		{ ":1", -EINVAL },
		{ "write:99999999999999999999999", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r;

		CHECK_INTEQ(setenv("CREATE_IMAGE_FAULT", cases[i].spec, 1), 0);
		r = fault_reset();
		if (r != cases[i].want)
			fprintf(stderr, "spec '%s':\n", cases[i].spec);
		CHECK_INTEQ(r, cases[i].want);
		/* A bad spec fails nothing. */
		CHECK_INTEQ(fault_check(FAULT_COMMAND, "c"), 0);
	}
	/* Read, then gone: what we start counts nothing. */
	CHECK(getenv("CREATE_IMAGE_FAULT") == NULL);
	CHECK(getenv("CREATE_IMAGE_FAULT_LOG") == NULL);
}

TEST(nothing_asked_nothing_fails)
{
	unsetenv("CREATE_IMAGE_FAULT");
	unsetenv("CREATE_IMAGE_FAULT_LOG");
	CHECK_INTEQ(fault_reset(), 0);
	for (int i = 0; i < 5; i++) {
		CHECK_INTEQ(fault_check(FAULT_STEP, "s"), 0);
		CHECK_INTEQ(fault_check(FAULT_COMMAND, "c"), 0);
		CHECK_INTEQ(fault_check(FAULT_WRITE, "w"), 0);
	}
}

TEST(the_nth_point_of_its_kind_fails_once)
{
	struct strbuf got = STRBUF_INIT;
	char *log = setup("command:2");

	CHECK_INTEQ(fault_check(FAULT_COMMAND, "mkfs.ext4"), 0);
	CHECK_INTEQ(fault_check(FAULT_WRITE, "/etc/a"), 0);
	CHECK_INTEQ(fault_check(FAULT_STEP, "/srv/x"), 0);
	CHECK_INTEQ(fault_check(FAULT_WRITE, "/etc/b"), 0);
	CHECK_INTEQ(fault_check(FAULT_COMMAND, "mount"), -EIO);
	CHECK_INTEQ(fault_check(FAULT_COMMAND, "umount"), 0);
	CHECK_INTEQ(fault_check(FAULT_COMMAND, NULL), 0);
	read_log(log, &got);
	CHECK_STREQ(got.buf, "command 1 mkfs.ext4\n"
			     "write 1 /etc/a\n"
			     "step 1 /srv/x\n"
			     "write 2 /etc/b\n"
			     "command 2 mount\n"
			     "command 3 umount\n"
			     "command 4 ?\n");
	strbuf_release(&got);
	free(log);
}

/* A fork of ours neither fails nor counts: the sandbox, a worker. */
TEST(forked_children_count_nothing)
{
	struct strbuf got = STRBUF_INIT;
	char *log = setup("write:1");
	int fds[2], r = 1;
	pid_t pid;

	/* The answer by a pipe: under valgrind the exit status is its. */
	CHECK_INTEQ(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		r = fault_check(FAULT_WRITE, "child");
		_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	CHECK(pid > 0);
	close(fds[1]);
	CHECK_INTEQ(read(fds[0], &r, sizeof(r)), sizeof(r));
	CHECK_INTEQ(r, 0);
	close(fds[0]);
	CHECK_INTEQ(waitpid(pid, NULL, 0), pid);
	CHECK_INTEQ(fault_check(FAULT_WRITE, "parent"), -EIO);
	read_log(log, &got);
	CHECK_STREQ(got.buf, "write 1 parent\n");
	strbuf_release(&got);
	free(log);
}

/* The command is never started, and fails as one that could not be. */
TEST(a_failed_command_never_runs)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf why = STRBUF_INIT;
	char *log = setup("command:1");
	char *made = scratch("made");
	int r;

	strvec_pushl(&cp.args, "touch", made, NULL);
	r = run_command(&cp);
	CHECK_INTEQ(r, -EIO);
	CHECK(!path_exists(made));
	child_describe_failure(&cp, r, &why);
	CHECK_STREQ(why.buf, "cannot run 'touch': Input/output error");
	/* The next one runs. */
	CHECK_INTEQ(run_command(&cp), 0);
	CHECK(path_exists(made));
	unlink(made);
	child_process_clear(&cp);
	strbuf_release(&why);
	free(made);
	free(log);
}

/*
 * write_file() and conffile_write(): the file is as it was, no temporary
 * is left beside it, and the point is named by the path the caller gave.
 * (rootfs_write_file()'s point is t1160-faults's: here it would need
 * openat2(2), which valgrind lacks.)
 */
TEST(a_failed_write_leaves_nothing)
{
	struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	char *dir = scratch("w"), *path = scratch("w/f"), *other;
	config_t cfg;
	char *log;

	CHECK_INTEQ(mkdir_p(dir, 0755), 0);
	CHECK_INTEQ(write_string(path, "old\n", 0644), 0);
	other = scratch("w/g");
	log = setup("write:1");

	CHECK_INTEQ(write_string(path, "new\n", 0644), -EIO);
	CHECK_INTEQ(write_file_new(other, "new\n", 4, 0644), 0);
	read_log(log, &got);
	strbuf_addf(&want, "write 1 %s\nwrite 2 %s\n", path, other);
	CHECK_STREQ(got.buf, want.buf);

	free(setup("write:1"));
	config_init(&cfg);
	CHECK_INTEQ(conffile_write(path, &cfg, NULL, 0644, &err), -EIO);
	strbuf_reset(&want);
	strbuf_addf(&want, "cannot write '%s': %s", path, strerror(EIO));
	CHECK_STREQ(err.buf, want.buf);
	config_destroy(&cfg);

	strbuf_reset(&got);
	CHECK_INTEQ(strbuf_read_file(&got, path), 0);
	CHECK_STREQ(got.buf, "old\n");
	/* f and g, and nothing else. */
	CHECK_INTEQ(entries(dir), 2);
	strbuf_release(&got);
	strbuf_release(&want);
	strbuf_release(&err);
	free(other);
	free(dir);
	free(path);
	free(log);
}
