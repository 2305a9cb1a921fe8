/* conffile.c: see conffile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "fault.h"
#include "fsutil.h"
#include "banned.h"

int conffile_write(const char *path, const config_t *cfg,
		   const char *header_comment, mode_t mode,
		   struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT, dir = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	FILE *f = NULL;
	int fd = -1, r;

	if (slash == path)
		strbuf_addch(&dir, '/');
	else if (slash)
		strbuf_add(&dir, path, (size_t)(slash - path));
	else
		strbuf_addch(&dir, '.');
	r = mkdir_p(dir.buf, 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", dir.buf,
			    strerror(-r));
		goto out;
	}
	/* Hidden and without ".conf": a reader listing the directory
	 * never takes one left behind by a crash for a file of its own. */
	strbuf_addf(&tmp, "%s/.%s.XXXXXX", dir.buf, base);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot create '%s': %s", tmp.buf,
			    strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp.buf);
		strbuf_addf(err, "cannot write '%s': %s", tmp.buf,
			    strerror(-r));
		goto out;
	}
	if (header_comment)
		fprintf(f, "# %s\n", header_comment);
	config_write(cfg, f);
	errno = 0;
	r = fault_check(FAULT_WRITE, path);
	if (!r && (fflush(f) != 0 || ferror(f) || fchmod(fd, mode) < 0 ||
		   fsync(fd) < 0))
		r = errno ? -errno : -EIO;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r && rename(tmp.buf, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp.buf);
		strbuf_addf(err, "cannot write '%s': %s", path, strerror(-r));
		goto out;
	}
	r = fsync_dir(dir.buf);
	if (r < 0)
		strbuf_addf(err, "cannot sync the directory of '%s': %s", path,
			    strerror(-r));
out:
	strbuf_release(&tmp);
	strbuf_release(&dir);
	return r;
}
