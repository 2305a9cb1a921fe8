/* dom0-hosts.c: see dom0-hosts.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dom0-hosts.h"
#include "fault.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "macros.h"
#include "strvec.h"
#include "banned.h"

/* Beside the guests' locks, by a name no guest can have. */
#define HOSTS_LOCK_DIR "/run/create-image"
#define HOSTS_LOCK HOSTS_LOCK_DIR "/.dom0-hosts.lock"
#define MARK "# create-image"

char *dom0_hosts_line(const char *addr, const char *hostname)
{
	struct strbuf sb = STRBUF_INIT;
	const char *dot = strchr(hostname, '.');

	strbuf_addf(&sb, "%s\t%s", addr, hostname);
	if (dot)
		strbuf_addf(&sb, " %.*s", (int)(dot - hostname), hostname);
	strbuf_addstr(&sb, "\t" MARK);
	return strbuf_detach(&sb, NULL);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && streq(s + n - m, suffix);
}

/* One entry: its address and names, comments dropped; 0 when none. */
static int parse_entry(const char *line, struct strvec *fields)
{
	size_t len = strcspn(line, "#\n");
	char *copy = xstrndup(line, len), *save = NULL;

	strvec_clear(fields);
	for (char *t = strtok_r(copy, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save))
		strvec_push(fields, t);
	free(copy);
	return fields->nr >= 2;
}

static int names_any(const struct strvec *fields, const struct strvec *names)
{
	for (size_t i = 1; i < fields->nr; i++)
		for (size_t j = 1; j < names->nr; j++)
			if (!strcasecmp(fields->v[i], names->v[j]))
				return 1;
	return 0;
}

static int read_hosts(const char *path, struct strbuf *text,
		      struct strbuf *err)
{
	int r = strbuf_read_file(text, path);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return strbuf_error(err, r, "cannot read '%s': %s", path,
				    strerror(-r));
	return 0;
}

/* check() of text, which holds path's content. */
static int check_text(const char *path, const char *text, const char *line,
		      struct strbuf *err)
{
	struct strvec ours = STRVEC_INIT, fields = STRVEC_INIT;
	int lineno = 0, r = 0;

	parse_entry(line, &ours);
	for (const char *p = text; *p && r >= 0;) {
		size_t n = strcspn(p, "\n");
		char *one = xstrndup(p, n);

		lineno++;
		if (parse_entry(one, &fields) && names_any(&fields, &ours)) {
			if (!strcmp(fields.v[0], ours.v[0]) &&
			    !strcasecmp(fields.v[1], ours.v[1])) {
				r = 1;
			} else {
				strbuf_addf(err, "%s:%d: names '%s' already: "
					    "'%s'", path, lineno, ours.v[1],
					    one);
				r = -EEXIST;
			}
		}
		free(one);
		p += n + (p[n] == '\n');
	}
	strvec_clear(&ours);
	strvec_clear(&fields);
	return r;
}

int dom0_hosts_check(const char *path, const char *line, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int r = read_hosts(path, &text, err);

	if (r >= 0)
		r = check_text(path, text.buf, line, err);
	strbuf_release(&text);
	return r;
}

/* Held until the descriptor is closed. */
static int lock_hosts(struct strbuf *err)
{
	int fd, r = mkdir_p(HOSTS_LOCK_DIR, 0755);

	if (r < 0)
		return strbuf_error(err, r, "cannot create '%s': %s",
				    HOSTS_LOCK_DIR, strerror(-r));
	fd = open(HOSTS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return strbuf_error(err, -errno, "cannot open '%s': %s",
				    HOSTS_LOCK, strerror(errno));
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = -errno;
			close(fd);
			return strbuf_error(err, r, "cannot lock '%s': %s",
					    HOSTS_LOCK, strerror(-r));
		}
	}
	return fd;
}

/* In place, for a file that is a mount point (a container's bind
 * mount), which nothing can be renamed over. */
static int rewrite(const char *path, const struct strbuf *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW), r;

	if (fd < 0)
		return -errno;
	r = write_all(fd, text->buf, text->len);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * Replace path's content by text: a temporary file beside it with its
 * mode and owner, flushed, renamed over it, the directory flushed.
 */
static int replace(const char *path, const struct strbuf *text,
		   struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT;
	char *dir = path_dirname(path);
	struct stat st = { .st_mode = 0644, .st_uid = 0, .st_gid = 0 };
	int fd, r = 0;

	if (lstat(path, &st) < 0 && errno != ENOENT)
		r = -errno;
	else if (S_ISLNK(st.st_mode))
		r = -ELOOP;	/* where it leads is not ours to rewrite */
	strbuf_addf(&tmp, "%s.create-image.XXXXXX", path);
	fd = r < 0 ? -1 : mkostemp(tmp.buf, O_CLOEXEC);
	if (r >= 0 && fd < 0)
		r = -errno;
	if (r >= 0 && (fchown(fd, st.st_uid, st.st_gid) < 0 ||
		       fchmod(fd, st.st_mode & 07777) < 0))
		r = -errno;
	if (r >= 0)
		r = fault_check(FAULT_WRITE, path);
	if (r >= 0)
		r = write_all(fd, text->buf, text->len);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r >= 0)
		r = -errno;
	if (r >= 0 && rename(tmp.buf, path) < 0)
		r = -errno;
	if (fd >= 0 && r < 0)
		unlink(tmp.buf);
	if (r == -EBUSY)
		r = rewrite(path, text);
	else if (r >= 0)
		r = fsync_dir(dir);
	if (r < 0)
		strbuf_addf(err, "cannot write '%s': %s", path,
			    r == -ELOOP ? "it is a symbolic link" :
			    strerror(-r));
	strbuf_release(&tmp);
	free(dir);
	return r;
}

/* "PATH\nLINE", the journal's argument: the undo needs both. */
static char *undo_arg(const char *path, const char *line)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s\n%s", path, line);
	return strbuf_detach(&sb, NULL);
}

int dom0_hosts_add(const char *path, const char *line, struct journal *j,
		   struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int lock = lock_hosts(err), r;
	char *arg = NULL;

	if (lock < 0)
		return lock;
	r = read_hosts(path, &text, err);
	if (r >= 0)
		r = check_text(path, text.buf, line, err);
	if (r == 0 && j) {
		arg = undo_arg(path, line);
		r = journal_add_call(j, JOURNAL_CREATED, &dom0_hosts_undo,
				     arg);
		if (r < 0)
			strbuf_addf(err, "cannot write the journal: %s",
				    strerror(-r));
	}
	if (r == 0) {
		if (text.len && text.buf[text.len - 1] != '\n')
			strbuf_addch(&text, '\n');
		strbuf_addf(&text, "%s\n", line);
		r = replace(path, &text, err);
		if (r < 0 && j)
			journal_cancel(j);
	}
	close(lock);
	free(arg);
	strbuf_release(&text);
	return r;
}

int dom0_hosts_find(const char *path, const char *hostname,
		    struct strvec *ret, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	struct strvec fields = STRVEC_INIT;
	int r = read_hosts(path, &text, err);

	for (const char *p = text.buf; r >= 0 && *p;) {
		size_t n = strcspn(p, "\n"), m = n;
		char *one;

		while (m && strchr(" \t\r", p[m - 1]))
			m--;
		one = xstrndup(p, m);
		if (ends_with(one, "\t" MARK) && parse_entry(one, &fields) &&
		    !strcasecmp(fields.v[1], hostname))
			strvec_push(ret, one);
		free(one);
		p += n + (p[n] == '\n');
	}
	strvec_clear(&fields);
	strbuf_release(&text);
	return r;
}

int dom0_hosts_remove(const char *path, const char *line, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;
	int lock = lock_hosts(err), r, found = 0;

	if (lock < 0)
		return lock;
	r = read_hosts(path, &text, err);
	for (const char *p = text.buf; r >= 0 && *p;) {
		size_t n = strcspn(p, "\n"), m = n;

		while (m && (p[m - 1] == ' ' || p[m - 1] == '\t' ||
			     p[m - 1] == '\r'))
			m--;
		if (m == strlen(line) && !strncmp(p, line, m))
			found = 1;
		else
			strbuf_add(&out, p, n + (p[n] == '\n'));
		p += n + (p[n] == '\n');
	}
	if (r >= 0 && found)
		r = replace(path, &out, err);
	close(lock);
	strbuf_release(&text);
	strbuf_release(&out);
	return r;
}

/* Loopback and IPv6's special addresses: the guest's file has its own. */
static int special_address(const char *a)
{
	static const char *const prefixes[] = {
		"127.", "::1", "fe00:", "ff00:", "ff02:", "0.0.0.0",
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncasecmp(a, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

int dom0_hosts_copy(const char *path, const char *hostname,
		    struct strvec *ret, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, sb = STRBUF_INIT;
	struct strvec fields = STRVEC_INIT, guest = STRVEC_INIT;
	char *line = dom0_hosts_line("-", hostname);
	int r = strbuf_read_file(&text, path);

	if (r < 0)
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-r));
	parse_entry(line, &guest);
	for (const char *p = text.buf; r >= 0 && *p;) {
		size_t n = strcspn(p, "\n");
		char *one = xstrndup(p, n);

		if (parse_entry(one, &fields) &&
		    !special_address(fields.v[0]) &&
		    !names_any(&fields, &guest)) {
			strbuf_reset(&sb);
			strbuf_addstr(&sb, fields.v[0]);
			for (size_t i = 1; i < fields.nr; i++)
				strbuf_addf(&sb, "%c%s", i == 1 ? '\t' : ' ',
					    fields.v[i]);
			strvec_push(ret, sb.buf);
		}
		free(one);
		p += n + (p[n] == '\n');
	}
	free(line);
	strvec_clear(&fields);
	strvec_clear(&guest);
	strbuf_release(&text);
	strbuf_release(&sb);
	return r < 0 ? r : 0;
}

static int undo_remove(const char *arg, int restore)
{
	struct strbuf err = STRBUF_INIT;
	const char *nl = strchr(arg, '\n');
	char *path;
	int r;

	(void)restore;
	if (!nl)
		return -EINVAL;
	path = xstrndup(arg, (size_t)(nl - arg));
	r = dom0_hosts_remove(path, nl + 1, &err);
	if (r < 0)
		error("%s", err.buf);
	free(path);
	strbuf_release(&err);
	return r;
}

const struct journal_undo dom0_hosts_undo = {
	"dom0-hosts", "remove the guest's line from", NULL, undo_remove, 0,
};
