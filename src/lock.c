/* lock.c: see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fsutil.h"
#include "lock.h"
#include "banned.h"

int guest_lock(const char *name, struct strbuf *err)
{
	/* Not /run/lock: anyone may create files there and hold them. */
	const char *dir = "/run/create-image";
	struct strbuf path = STRBUF_INIT;
	int fd, r;

	r = mkdir_p(dir, 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-r));
		return r;
	}
	strbuf_addf(&path, "%s/%s.lock", dir, name);
	fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", path.buf,
			    strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		strbuf_addf(err, "guest '%s' is being built or deleted by "
			    "another run (lock '%s')", name, path.buf);
		close(fd);
	} else {
		r = fd;
	}
	strbuf_release(&path);
	return r;
}
