/*
 * u-lock.c: a guest's lock is taken once, seen as held by this process
 * and by others while it is, and seen free once it is let go. It uses
 * /run/create-image, so it runs as root, and removes its lock files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

/* A name no other run uses, and its lock file removed on the way out. */
static char *name_for(const char *what, struct strbuf *path)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "ulock-%d-%s", (int)getpid(), what);
	strbuf_reset(path);
	strbuf_addf(path, "/run/create-image/%s.lock", sb.buf);
	return strbuf_detach(&sb, NULL);
}

TEST(held_while_locked)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	char *name = name_for("a", &path);
	int fd;

	CHECK_INTEQ(guest_lock_held(name), 0);		/* no file */
	fd = guest_lock(name, &err);
	CHECK(fd >= 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(guest_lock_held(name), 1);
	/* Looking did not take it away. */
	CHECK_INTEQ(guest_lock_held(name), 1);
	CHECK_INTEQ(guest_lock(name, &err), -EBUSY);
	CHECK(strstr(err.buf, "is being built or deleted") != NULL);
	close(fd);
	CHECK_INTEQ(guest_lock_held(name), 0);		/* file, unlocked */
	fd = guest_lock(name, &err);
	CHECK(fd >= 0);
	close(fd);
	unlink(path.buf);
	strbuf_release(&path);
	strbuf_release(&err);
	free(name);
}

TEST(held_by_another_process)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	char *name = name_for("b", &path);
	int go[2], done[2], status = 0;
	char c = 0;
	pid_t pid;

	CHECK_INTEQ(pipe(go), 0);
	CHECK_INTEQ(pipe(done), 0);
	pid = fork();
	if (pid == 0) {
		int fd = guest_lock(name, &err);

		/* Tell the parent, then hold it until told to stop. */
		c = fd >= 0 ? 'y' : 'n';
		if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		_exit(fd >= 0 ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK_INTEQ(read(go[0], &c, 1), 1);
	CHECK_INTEQ(c, 'y');
	CHECK_INTEQ(guest_lock_held(name), 1);
	CHECK_INTEQ(guest_lock(name, &err), -EBUSY);
	CHECK_INTEQ(write(done[1], &c, 1), 1);
	CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INTEQ(guest_lock_held(name), 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	unlink(path.buf);
	strbuf_release(&path);
	strbuf_release(&err);
	free(name);
}
