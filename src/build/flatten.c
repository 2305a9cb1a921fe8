/* flatten.c: see flatten.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flatten.h"
#include "fsutil.h"
#include "macros.h"
#include "qcow2-info.h"
#include "recover.h"
#include "run-command.h"
#include "banned.h"

#define BACKING_KEY "\"backing-filename\": \""

int flatten_backing_of(const char *path, char **ret_backing,
		       struct strbuf *err)
{
	struct strbuf json = STRBUF_INIT, name = STRBUF_INIT;
	const char *p;
	int r;

	r = qcow2_info(path, &json, err);
	if (r < 0)
		goto out;
	/* The top image's object comes first; its key only when it has a
	 * backing file. The value is a JSON string: undo its escapes. */
	p = strstr(json.buf, BACKING_KEY);
	if (!p) {
		r = 0;
		goto out;
	}
	for (p += strlen(BACKING_KEY); *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		strbuf_addch(&name, *p);
	}
	r = 1;
	if (ret_backing)
		*ret_backing = strbuf_detach(&name, NULL);
out:
	strbuf_release(&name);
	strbuf_release(&json);
	return r;
}

int flatten_disk(const char *path, struct journal *j, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf part = STRBUF_INIT;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	size_t held = j->nr;
	int r;

	strbuf_addf(&part, "%s.flatten-%ld", path, (long)getpid());
	r = journal_add(j, JOURNAL_HELD, UNDO_UNLINK, part.buf);
	if (r < 0) {
		strbuf_addf(err, "cannot journal '%s': %s", part.buf,
			    strerror(-r));
		goto out;
	}
	strvec_pushl(&cp.args, "qemu-img", "convert", "-q", "-f", "qcow2",
		     "-O", "qcow2", path, part.buf, NULL);
	r = run_command(&cp);
	if (r < 0) {
		if (r == -EINTR)
			strbuf_addstr(err, "interrupted");
		else
			child_describe_failure_output(&cp, r, err);
		goto out;
	}
	r = fsync_path(part.buf, O_RDONLY);
	if (r < 0) {
		strbuf_addf(err, "cannot write '%s': %s", part.buf,
			    strerror(-r));
		goto out;
	}
	/* The last moment to stop with the guest as it was. */
	if (signals_pending()) {
		strbuf_addstr(err, "interrupted");
		r = -EINTR;
		goto out;
	}
	if (rename(part.buf, path) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot rename '%s': %s", part.buf,
			    strerror(-r));
		goto out;
	}
	if (slash) {
		*slash = '\0';
		(void)fsync_dir(*dir ? dir : "/");
	}
out:
	/* The part file, if it is still there. */
	while (j->nr > held)
		(void)journal_pop(j);
	strbuf_release(&part);
	child_process_clear(&cp);
	free(dir);
	return r;
}

int flatten_guest(struct manifest *m, const char *mpath, struct journal *j,
		  struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int n = 0, r = 0;

	for (size_t i = 0; i < m->ndisks; i++) {
		const struct manifest_disk *d = &m->disks[i];

		if (!d->format || strcmp(d->format, "qcow2"))
			continue;
		r = flatten_backing_of(d->path, NULL, &why);
		if (r == 0)
			continue;
		if (r > 0)
			r = flatten_disk(d->path, j, &why);
		if (r < 0) {
			strbuf_addf(err, "'%s': %s", d->path, why.buf);
			strbuf_release(&why);
			return r;
		}
		n++;
	}
	if (!n && (!m->backing || !*m->backing)) {
		strbuf_addf(err, "guest '%s' has no backing file: its disks "
			    "stand alone", m->hostname);
		return -ENODATA;
	}
	/* After the disks: a record naming a backing file the disk no
	 * longer reads only keeps the image a while longer. */
	free(m->backing);
	m->backing = xstrdup("");
	r = manifest_write(mpath, m, err);
	return r < 0 ? r : n;
}

int flatten_run(struct manifest *m, const char *mpath, struct strbuf *err)
{
	struct journal j = JOURNAL_INIT;
	char *path = NULL;
	int r;

	if (recover_guest_logged(m->hostname) < 0) {
		strbuf_addf(err, "what an earlier run of '%s' left cannot be "
			    "undone (see above)", m->hostname);
		return -EIO;
	}
	path = recover_journal_path(m->hostname);
	r = journal_open_file(&j, path, m->hostname, 0, err);
	if (r >= 0) {
		journal_set_stage(&j, "flatten");
		r = flatten_guest(m, mpath, &j, err);
		if (journal_finish(&j, r < 0 && r != -ENODATA, 0) < 0 &&
		    r >= 0) {
			strbuf_addstr(err, "cannot remove its journal");
			r = -EIO;
		}
	}
	journal_release(&j);
	free(path);
	return r;
}
