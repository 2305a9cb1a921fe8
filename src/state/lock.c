/* lock.c: see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fsutil.h"
#include "lock.h"
#include "banned.h"

/* Not /run/lock: anyone may create files there and hold them. */
#define LOCK_DIR "/run/create-image"

static char *lock_path(const char *name)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s.lock", LOCK_DIR, name);
	return strbuf_detach(&path, NULL);
}

int guest_lock(const char *name, struct strbuf *err)
{
	char *path = lock_path(name);
	int fd, r;

	r = mkdir_p(LOCK_DIR, 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", LOCK_DIR,
			    strerror(-r));
		goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", path,
			    strerror(errno));
		goto out;
	}
	/*
	 * guest_lock_held() takes the lock for a moment to look at it; a
	 * few short tries keep such a look from failing a run.
	 */
	for (int tries = 0;; tries++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			r = fd;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || tries == 10) {
			r = errno == EWOULDBLOCK ? -EBUSY : -errno;
			strbuf_addf(err, "guest '%s' is being built or "
				    "deleted by another run (lock '%s')",
				    name, path);
			close(fd);
			break;
		}
		usleep(10 * 1000);
	}
out:
	free(path);
	return r;
}

int guest_lock_held(const char *name)
{
	char *path = lock_path(name);
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/*
	 * Shared, so that two runs looking at the same time do not see each
	 * other. flock() locks belong to the open file description: our own
	 * guest_lock() on another descriptor conflicts with this one.
	 */
	while (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		r = errno == EWOULDBLOCK ? 1 : -errno;
		close(fd);
		return r;
	}
	close(fd);
	return 0;
}
