/* install-archive.c: see install-archive.h. */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "install-archive.h"
#include "macros.h"
#include "run-command.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "banned.h"

/*
 * How members reach the disk. The target is a fresh file system, so there is
 * nothing inside it to protect; what needs protecting is everything outside.
 *
 * SECURE_SYMLINKS refuses to write through a symlink already on disk. A tar
 * made from a real tree never does that, since tar does not descend into
 * symlinks, so the only archives it stops are hand-made or hostile ones, where
 * "etc -> /etc" followed by "etc/shadow" would land on the host. Legitimate
 * symlinks, including merged-/usr "bin -> usr/bin", are unpacked as links.
 *
 * UNLINK is left out on purpose: together with SECURE_SYMLINKS it makes
 * libarchive delete an intervening symlink and create a real directory in its
 * place, which would quietly split a merged /usr in two. Failing is better.
 * Without it an existing file is still replaced, so a later member of the same
 * name wins, as in tar.
 *
 * SECURE_NOABSOLUTEPATHS cannot be used because every name is rewritten to an
 * absolute path under the target; path_under() rejects ".." before that, and
 * SECURE_NODOTDOT stays as a second guard.
 *
 * Owners are restored by number: archive_write_disk_set_standard_lookup() is
 * never called, because the guest's passwd is not the host's.
 */
static const int extract_flags =
	ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_OWNER |
	ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_FFLAGS |
	ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS;

/*
 * The file flags (chattr) that mean something inside the guest, and that
 * every Linux file system with flags at all understands. The others (ext4's
 * extents flag, btrfs's nocow, inline data, DAX ...) describe how one file
 * system stores a file; most others refuse them, which would fail an ext4 to
 * xfs copy on the very first file.
 */
#define PORTABLE_FFLAGS (FS_SYNC_FL | FS_IMMUTABLE_FL | FS_APPEND_FL | \
			 FS_NODUMP_FL | FS_NOATIME_FL)

/* Large enough that a multi-gigabyte tarball is not read in dribbles. */
#define READ_BLOCK (64 * 1024)

/* Give up on a download that has stalled completely for this long. */
#define STALL_SECONDS 120L


/*
 * libarchive reports a format error as EILSEQ on Linux, whose text
 * ("invalid or incomplete multibyte character") misleads whoever reads %m,
 * and anything it cannot name as -1.
 */
static int archive_errno_to_r(struct archive *a)
{
	int e = archive_errno(a);

	if (e == EILSEQ)
		return -EINVAL;
	return e > 0 ? -e : -EIO;
}

/*
 * A big tarball or tree takes minutes, and SIGINT/SIGTERM only set a flag:
 * look at it between members so the run stops and rolls back promptly.
 */
static int interrupted(struct strbuf *err, const char *source)
{
	return strbuf_error(err, -EINTR, "'%s': interrupted", source);
}

static int archive_fail(struct archive *a, struct strbuf *err,
			const char *source, const char *member)
{
	int r = archive_errno_to_r(a);
	const char *msg = archive_error_string(a);

	if (!msg)
		msg = strerror(-r);
	if (member)
		return strbuf_error(err, r, "'%s': '%s': %s", source, member, msg);
	return strbuf_error(err, r, "'%s': %s", source, msg);
}

int source_is_url(const char *s)
{
	static const char *const schemes[] = { "http://", "https://",
					       "file://" };

	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (!strncasecmp(s, schemes[i], strlen(schemes[i])))
			return 1;
	return 0;
}

/*
 * Canonical target: SECURE_SYMLINKS inspects every component of the names
 * it is given, so a symlink in the target's own path (/var/tmp -> ...) would
 * otherwise fail every member.
 */
static int resolve_target(const char *target, char **ret_root,
			  struct strbuf *err)
{
	char *root = realpath(target, NULL);
	struct stat st;

	if (!root)
		return strbuf_error(err, -errno, "target '%s': %s", target,
			    strerror(errno));
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(root);
		return strbuf_error(err, -ENOTDIR, "target '%s': %s", target,
			    strerror(ENOTDIR));
	}
	/* Only a bug would ask for this, and the result is a wrecked host. */
	if (streq(root, "/")) {
		free(root);
		return strbuf_error(err, -EINVAL, "refusing to install into '/'");
	}
	*ret_root = root;
	return 0;
}

/*
 * root + "/" + name, with leading "/" and "./", "." and empty components
 * dropped. Returns 1 when name is the top directory itself, 0 for anything
 * below it, -EINVAL when a component is "..".
 */
static int path_under(const char *root, const char *name, struct strbuf *out)
{
	const char *p = name;
	int depth = 0;

	strbuf_reset(out);
	strbuf_addstr(out, root);
	while (*p) {
		const char *s;
		size_t len;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - s);
		if (!len || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return -EINVAL;
		strbuf_addch(out, '/');
		strbuf_add(out, s, len);
		depth++;
	}
	return depth == 0;
}

/*
 * The data of the current entry from in to out. To a disk writer blocks go
 * by offset, so holes stay holes. An archive writer takes the data in
 * order: holes are written as zeros, which the pax writer leaves out again
 * where the entry's sparse map (filled in by the disk reader) has a hole.
 */
static int copy_data(struct archive *in, struct archive *out,
		     int to_archive, const char *source, const char *member,
		     struct strbuf *err)
{
	static const char zeros[64 * 1024];
	la_int64_t done = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int r = archive_read_data_block(in, &buf, &size, &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_OK)
			return archive_fail(in, err, source, member);
		if (!to_archive) {
			if (archive_write_data_block(out, buf, size, offset) <
			    ARCHIVE_OK)
				return archive_fail(out, err, source, member);
			continue;
		}
		while (done < offset) {
			size_t n = offset - done > (la_int64_t)sizeof(zeros) ?
				   sizeof(zeros) : (size_t)(offset - done);

			if (archive_write_data(out, zeros, n) < 0)
				return archive_fail(out, err, source, member);
			done += (la_int64_t)n;
		}
		if (size && archive_write_data(out, buf, size) < 0)
			return archive_fail(out, err, source, member);
		done = offset + (la_int64_t)size;
	}
}

/*
 * Warnings from the writer are failures too: they mean an owner, mode, time,
 * ACL or xattr (file capabilities live there) did not make it, and a guest
 * that is quietly different from its source is worse than a clear error.
 */
static int write_member(struct archive *in, struct archive *out,
			int to_archive, struct archive_entry *e,
			const char *source, const char *member,
			struct strbuf *err)
{
	int r;

	if (archive_write_header(out, e) < ARCHIVE_OK)
		return archive_fail(out, err, source, member);
	/* A hard link's size is 0 or unset unless the format carries data. */
	if (archive_entry_size(e) > 0) {
		r = copy_data(in, out, to_archive, source, member, err);
		if (r < 0)
			return r;
	}
	if (archive_write_finish_entry(out) < ARCHIVE_OK)
		return archive_fail(out, err, source, member);
	return 0;
}

static void keep_portable_fflags(struct archive_entry *e)
{
	unsigned long set, clear;

	archive_entry_fflags(e, &set, &clear);
	archive_entry_set_fflags(e, set & PORTABLE_FFLAGS,
				 clear & PORTABLE_FFLAGS);
}

static struct archive *disk_writer(void)
{
	struct archive *out = archive_write_disk_new();

	if (out && archive_write_disk_set_options(out, extract_flags) !=
		   ARCHIVE_OK) {
		archive_write_free(out);
		return NULL;
	}
	return out;
}

/*
 * libarchive defers the times of directories it creates until close, after
 * their contents are in; the target already exists, so its times would be
 * set at once and then spoiled by every member written into it.
 */
struct top_times {
	int set;
	struct timespec ts[2];
};

static void top_times_save(struct top_times *t, struct archive_entry *e)
{
	t->set = 1;
	t->ts[0].tv_sec = archive_entry_atime(e);
	t->ts[0].tv_nsec = archive_entry_atime_is_set(e) ?
		archive_entry_atime_nsec(e) : UTIME_OMIT;
	t->ts[1].tv_sec = archive_entry_mtime(e);
	t->ts[1].tv_nsec = archive_entry_mtime_is_set(e) ?
		archive_entry_mtime_nsec(e) : UTIME_OMIT;
}

static int top_times_apply(const struct top_times *t, const char *root,
			   const char *source, struct strbuf *err)
{
	if (t->set && utimensat(AT_FDCWD, root, t->ts, 0) < 0)
		return strbuf_error(err, -errno, "'%s': cannot set times of '%s': %s",
			    source, root, strerror(errno));
	return 0;
}

/*
 * Point one tar member at its place under root. Returns 0 to write it, 1 to
 * skip it, or -errno. member receives the name as the archive spells it.
 */
static int place_member(struct archive_entry *e, const char *root,
			const char *source, struct strbuf *member,
			struct strbuf *path, struct strbuf *link,
			struct strbuf *err)
{
	const char *name = archive_entry_pathname(e);
	const char *hl = archive_entry_hardlink(e);
	int top, r;

	if (!name)
		return strbuf_error(err, -EINVAL, "'%s': a member has no name",
			    source);
	strbuf_reset(member);
	strbuf_addstr(member, name);

	/*
	 * libarchive would write a socket as an empty regular file; tar
	 * itself does not archive them, and a live socket means nothing in a
	 * guest that is not running.
	 */
	if (archive_entry_filetype(e) == AE_IFSOCK)
		return 1;

	top = path_under(root, name, path);
	if (top < 0)
		return strbuf_error(err, top, "'%s': '%s': a '..' component leaves "
			    "the target", source, name);
	if (top && archive_entry_filetype(e) != AE_IFDIR)
		return strbuf_error(err, -EINVAL, "'%s': '%s': the top of the tree is "
			    "not a directory", source, name);

	if (hl) {
		r = path_under(root, hl, link);
		if (r < 0)
			return strbuf_error(err, r, "'%s': '%s': hard-link target '%s' "
				    "leaves the target", source, name, hl);
		if (r > 0)
			return strbuf_error(err, -EINVAL, "'%s': '%s': hard link to "
				    "the top directory", source, name);
		archive_entry_copy_hardlink(e, link->buf);
	}
	archive_entry_copy_pathname(e, path->buf);
	keep_portable_fflags(e);
	return 0;
}

/*
 * The archive file as libarchive reads it. Every byte goes through sum on
 * the way, so the file is checked by the same reading that unpacks it:
 * nothing can change it between a check and a second opening.
 */
struct source {
	int fd;
	struct sha256_ctx *sum;		/* NULL: not checked */
	unsigned char head[16];		/* its first bytes, to name it */
	size_t head_len;
	char *buf;			/* READ_BLOCK bytes */
};

static void source_seen(struct source *s, const char *data, size_t n)
{
	size_t take = sizeof(s->head) - s->head_len;

	if (take > n)
		take = n;
	memcpy(s->head + s->head_len, data, take);
	s->head_len += take;
	if (s->sum)
		sha256_update(s->sum, data, n);
}

static la_ssize_t source_read(struct archive *a, void *opaque,
			      const void **ret_buf)
{
	struct source *s = opaque;
	ssize_t n;

	do
		n = read(s->fd, s->buf, READ_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	source_seen(s, s->buf, (size_t)n);
	*ret_buf = s->buf;
	return n;
}

/*
 * Whatever the unpack left unread, into the sum: the archive may end
 * before the file does, and a failure stops it anywhere. 0 or -errno.
 */
static int source_drain(struct source *s)
{
	for (;;) {
		ssize_t n = read(s->fd, s->buf, READ_BLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		source_seen(s, s->buf, (size_t)n);
	}
}

/*
 * The compressions a root file system comes in, each only as libarchive
 * has it built in. For one it lacks, libarchive runs the program of that
 * name from PATH instead (and says so with ARCHIVE_WARN); lrzip, grzip
 * and others always run one. A downloaded file must never choose a
 * program for root to run: the rest of libarchive's filters are never
 * enabled, and these only when they need no program.
 */
static const struct {
	const char *name;
	int (*enable)(struct archive *a);
} filters[] = {
	{ "gzip", archive_read_support_filter_gzip },
	{ "bzip2", archive_read_support_filter_bzip2 },
	{ "xz", archive_read_support_filter_xz },
	{ "zstd", archive_read_support_filter_zstd },
	{ "lz4", archive_read_support_filter_lz4 },
};

#define WANT_FILTERS "gzip, bzip2, xz, zstd or lz4"

/*
 * Other compressions, by their first bytes: never unpacked, only named
 * in the error.
 */
static const struct {
	const char *name;
	const char *magic;
	size_t len;
} other_compressions[] = {
	{ "lrzip", "LRZI", 4 },
	{ "lzop", "\x89LZO\0\r\n\x1a\n", 9 },
	{ "grzip", "GRZipII", 7 },
	{ "lzip", "LZIP", 4 },
	{ "bzip3", "BZ3v1", 5 },
	{ "compress", "\x1f\x9d", 2 },
	{ "rpm", "\xed\xab\xee\xdb", 4 },
	{ "uuencode", "begin ", 6 },
};

/* A filter, once enabled, cannot be taken back: ask a scratch reader. */
static int filter_is_builtin(size_t i)
{
	struct archive *probe = archive_read_new();
	int r = probe ? filters[i].enable(probe) : ARCHIVE_FATAL;

	archive_read_free(probe);
	return r == ARCHIVE_OK;
}

/* The filters of filters[] that need no program, on a. */
static int enable_filters(struct archive *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		if (!filter_is_builtin(i))
			continue;
		if (filters[i].enable(a) != ARCHIVE_OK)
			return -1;
	}
	return 0;
}

/*
 * Neither a compression libarchive has built in (or the inflater would
 * have found it) nor a tar or cpio: say which, when the first bytes tell.
 */
static int unsupported(const struct source *s, const char *filter,
		       const char *source, struct strbuf *err)
{
	if (*filter)
		return strbuf_error(err, -EINVAL, "'%s': not a tar or cpio archive "
			    "inside its %s compression", source, filter);
	for (size_t i = 0; i < ARRAY_SIZE(other_compressions); i++)
		if (s->head_len >= other_compressions[i].len &&
		    !memcmp(s->head, other_compressions[i].magic,
			    other_compressions[i].len))
			return strbuf_error(err, -EINVAL, "'%s': unsupported "
				    "compression '%s' (want " WANT_FILTERS ")",
				    source, other_compressions[i].name);
	return strbuf_error(err, -EINVAL, "'%s': unsupported compression or archive "
		    "format (want a tar or cpio archive, plain or compressed "
		    "with " WANT_FILTERS ")", source);
}

/*
 * Unpack the tar or cpio read from in (through the filters when
 * decompress) into root. *ret_unknown is set when in is not an archive
 * libarchive knows, for unsupported() to explain.
 */
static int unpack_fd(struct source *src, int decompress, const char *source,
		     const char *root, int *ret_unknown, struct strbuf *err)
{
	struct archive *in = archive_read_new();
	struct archive *out = disk_writer();
	struct strbuf member = STRBUF_INIT, path = STRBUF_INIT;
	struct strbuf link = STRBUF_INIT;
	struct top_times top = { 0 };
	struct archive_entry *e;
	int r;

	if (!in || !out) {
		r = strbuf_error(err, -ENOMEM, "'%s': %s", source, strerror(ENOMEM));
		goto out;
	}
	if (decompress && enable_filters(in) < 0) {
		r = archive_fail(in, err, source, NULL);
		goto out;
	}
	/*
	 * Root file systems come as tar or cpio. Leaving out zip, iso9660,
	 * rar and the rest keeps their parsers away from downloaded input.
	 */
	archive_read_support_format_tar(in);
	archive_read_support_format_cpio(in);
	/* The format is chosen as it opens: EILSEQ, as above, when no
	 * format's bid won. */
	if (archive_read_open(in, src, NULL, source_read, NULL) !=
	    ARCHIVE_OK) {
		*ret_unknown = archive_errno(in) == EILSEQ;
		r = archive_fail(in, err, source, NULL);
		goto out;
	}

	for (;;) {
		if (signals_pending()) {
			r = interrupted(err, source);
			goto out;
		}
		r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		/*
		 * A reader warning is about a name the locale cannot show
		 * (a UTF-8 pax name under LANG=C); the raw bytes are kept,
		 * which is what the disk wants. RETRY means a damaged
		 * header: skipping past it would leave a partial tree.
		 */
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			r = archive_fail(in, err, source, NULL);
			goto out;
		}
		r = place_member(e, root, source, &member, &path, &link, err);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (streq(path.buf, root))
			top_times_save(&top, e);
		r = write_member(in, out, 0, e, source, member.buf, err);
		if (r < 0)
			goto out;
	}

	/* Directory modes and times are set here, after their contents. */
	if (archive_write_close(out) != ARCHIVE_OK) {
		r = archive_fail(out, err, source, NULL);
		goto out;
	}
	r = top_times_apply(&top, root, source, err);
out:
	archive_read_free(in);
	archive_write_free(out);
	strbuf_release(&member);
	strbuf_release(&path);
	strbuf_release(&link);
	return r;
}

static int open_local(const char *source, int *ret_fd, struct strbuf *err)
{
	struct stat st;
	int fd = open(source, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return strbuf_error(err, -errno, "'%s': %s", source, strerror(errno));
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return strbuf_error(err, r, "'%s': %s", source, strerror(-r));
	}
	/* A directory would only fail later, as a baffling read error. */
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return strbuf_error(err, -EISDIR, "'%s': %s (a tree is copied, not "
			    "unpacked)", source, strerror(EISDIR));
	}
	*ret_fd = fd;
	return 0;
}

/*
 * An unnamed file, so a crash leaves nothing behind. /var/tmp rather than
 * /tmp because a root file system does not belong in a RAM-backed tmpfs.
 */
static int open_tmpfile(int *ret_fd, struct strbuf *err)
{
	const char *dir = getenv("TMPDIR");
	struct strbuf tmpl = STRBUF_INIT;
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	/* File systems (and old kernels) without O_TMPFILE. */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return strbuf_error(err, -errno, "temporary directory '%s': %s", dir,
			    strerror(errno));
	strbuf_addf(&tmpl, "%s/create-image.XXXXXX", dir);
	fd = mkostemp(tmpl.buf, O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		strbuf_release(&tmpl);
		return strbuf_error(err, r, "temporary directory '%s': %s", dir,
			    strerror(-r));
	}
	unlink(tmpl.buf);
	strbuf_release(&tmpl);
	*ret_fd = fd;
	return 0;
}

/*
 * The program is single-threaded, so a flag is enough. curl's global state
 * lives until exit: tearing it down per download buys nothing.
 */
int fetch_global_init(void)
{
	static int ready;

	if (!ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -EIO;
		ready = 1;
	}
	return 0;
}

/* The download's file, and its checksum made as it arrives. */
struct sink {
	int fd;
	int error;
	struct sha256_ctx *sum;		/* NULL: not checked */
};

static size_t sink_write(char *data, size_t size, size_t n, void *opaque)
{
	struct sink *s = opaque;
	size_t len = size * n;
	int r = write_all(s->fd, data, len);

	if (r < 0) {
		s->error = -r;
		return 0;
	}
	if (s->sum)
		sha256_update(s->sum, data, len);
	return len;
}

static int mismatch(struct strbuf *err, const char *source, const char *got,
		    const char *want)
{
	return strbuf_error(err, -EBADMSG, "'%s' does not match its checksum: "
		    "SHA-256 %s, expected %s", source, got, want);
}

const char *fetch_redirect_protocols(const char *url)
{
	return strncasecmp(url, "https://", 8) ? "http,https" : "https";
}

/* Non-zero makes curl give up with CURLE_ABORTED_BY_CALLBACK. */
static int fetch_progress(void *opaque, curl_off_t dltotal, curl_off_t dlnow,
			  curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dlnow;
	(void)dltotal;
	(void)opaque;
	(void)ulnow;
	(void)ultotal;
	return signals_pending() != 0;
}

static const char *fetch_proxy;

void fetch_set_proxy(const char *url)
{
	fetch_proxy = url;
}

void fetch_configure(CURL *c, const char *url, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* As apt's Acquire::http::Proxy: http only. */
	if (fetch_proxy && !strncasecmp(url, "http://", 7))
		curl_easy_setopt(c, CURLOPT_PROXY, fetch_proxy);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 20L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "create-image");
	/* Called at least once a second, even while no data flows. */
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, fetch_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	/*
	 * A mirror may redirect elsewhere on the web, never into our disk,
	 * and never from https to http: what was asked for over TLS must
	 * not arrive in the clear, where anyone on the way could change it.
	 */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
			 fetch_redirect_protocols(url));
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
			 CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
			 strcmp(fetch_redirect_protocols(url), "https") ?
			 CURLPROTO_HTTP | CURLPROTO_HTTPS : CURLPROTO_HTTPS);
#endif
}


static int curl_code_to_r(CURLcode rc)
{
	static const struct {
		CURLcode rc;
		int r;
	} map[] = {
		{ CURLE_OUT_OF_MEMORY, -ENOMEM },
		{ CURLE_URL_MALFORMAT, -EINVAL },
		{ CURLE_UNSUPPORTED_PROTOCOL, -EPROTONOSUPPORT },
		{ CURLE_COULDNT_RESOLVE_HOST, -EHOSTUNREACH },
		{ CURLE_COULDNT_RESOLVE_PROXY, -EHOSTUNREACH },
		{ CURLE_COULDNT_CONNECT, -ECONNREFUSED },
		{ CURLE_OPERATION_TIMEDOUT, -ETIMEDOUT },
		{ CURLE_FILE_COULDNT_READ_FILE, -ENOENT },
		{ CURLE_REMOTE_ACCESS_DENIED, -EACCES },
		{ CURLE_TOO_MANY_REDIRECTS, -ELOOP },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].rc == rc)
			return map[i].r;
	return -EIO;
}

static int http_status_to_r(long status)
{
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 404 || status == 410)
		return -ENOENT;
	return -EIO;
}

/*
 * url into fd, which is left at its start. With sha256 the download is
 * hashed as it arrives and must match before the caller reads any of it.
 */
static int fetch(const char *url, const char *sha256, int fd,
		 struct strbuf *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = { fd, 0, NULL };
	char *moved = NULL;
	long status = 0, hops = 0;
	CURLcode rc;
	CURL *c;
	int r;

	r = fetch_global_init();
	if (r < 0)
		return strbuf_error(err, r, "cannot initialise libcurl");
	c = curl_easy_init();
	if (sha256)
		sink.sum = sha256_new();
	if (!c || (sha256 && !sink.sum)) {
		r = strbuf_error(err, -ENOMEM, "cannot fetch '%s': %s", url,
			 strerror(ENOMEM));
		goto out;
	}

	fetch_configure(c, url, errbuf);
	/* No overall timeout (images are big), but a dead transfer ends. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	/* A refused redirect leaves its target as the effective URL. */
	if (rc == CURLE_UNSUPPORTED_PROTOCOL &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &hops) ==
		    CURLE_OK && hops > 0)
		curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &moved);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		r = interrupted(err, url);
	else if (rc == CURLE_HTTP_RETURNED_ERROR)
		r = strbuf_error(err, http_status_to_r(status),
			 "HTTP %ld fetching '%s'", status, url);
	else if (rc == CURLE_WRITE_ERROR && sink.error)
		r = strbuf_error(err, -sink.error, "cannot store '%s': %s", url,
			 strerror(sink.error));
	else if (moved)
		r = strbuf_error(err, -EPROTONOSUPPORT, "cannot fetch '%s': refusing "
			 "its redirect to '%s' (allowed: %s)", url, moved,
			 fetch_redirect_protocols(url));
	else if (rc != CURLE_OK)
		r = strbuf_error(err, curl_code_to_r(rc), "cannot fetch '%s': %s", url,
			 *errbuf ? errbuf : curl_easy_strerror(rc));
	else if (lseek(fd, 0, SEEK_SET) < 0)
		r = strbuf_error(err, -errno, "cannot fetch '%s': %s", url,
			 strerror(errno));
	else
		r = 0;
out:
	if (sink.sum) {
		char got[SHA256_HEX_SIZE];

		sha256_finish(sink.sum, got);
		if (r >= 0 && strcmp(got, sha256))
			r = mismatch(err, url, got, sha256);
	}
	curl_easy_cleanup(c);
	return r;
}

/*
 * Decompression runs in a thread of its own, feeding the plain archive
 * through a pipe to the thread that writes the files: on two cores a
 * 170 MB zstd base unpacks in about half the time. Any compression of
 * filters[] works, and an uncompressed archive just passes through.
 */
struct inflater {
	pthread_t thread;
	struct source *in;	/* the compressed file */
	int out;		/* the pipe's write end */
	int r;			/* 0 or -errno */
	char msg[256];		/* what went wrong, for err */
	char filter[16];	/* the compression found; "" for none */
};

static void inflate_fail(struct inflater *f, struct archive *a)
{
	f->r = archive_errno_to_r(a);
	snprintf(f->msg, sizeof(f->msg), "%s", archive_error_string(a) ?
		 archive_error_string(a) : strerror(-f->r));
}

static void *inflate_thread(void *opaque)
{
	struct inflater *f = opaque;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *buf = malloc(READ_BLOCK);
	sigset_t all;

	/* Signals are the main thread's business; a reader that gave up
	 * makes write() fail with EPIPE here, not raise SIGPIPE. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (!a || !buf) {
		f->r = -ENOMEM;
		snprintf(f->msg, sizeof(f->msg), "%s", strerror(ENOMEM));
		goto out;
	}
	if (enable_filters(a) < 0) {
		inflate_fail(f, a);
		goto out;
	}
	archive_read_support_format_raw(a);
	if (archive_read_open(a, f->in, NULL, source_read, NULL) !=
		    ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		inflate_fail(f, a);
		goto out;
	}
	/* The last filter is "none", the file itself. */
	if (archive_filter_count(a) > 1)
		snprintf(f->filter, sizeof(f->filter), "%s",
			 archive_filter_name(a, 0));
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, READ_BLOCK);
		const char *p = buf;

		if (n == 0)
			break;
		if (n < 0) {
			inflate_fail(f, a);
			break;
		}
		while (n > 0) {
			ssize_t w = write(f->out, p, (size_t)n);

			if (w < 0 && errno == EINTR)
				continue;
			/* The reader stopped (an error of its own). */
			if (w < 0)
				goto out;
			p += w;
			n -= w;
		}
	}
out:
	close(f->out);
	free(buf);
	archive_read_free(a);
	return NULL;
}

static int unpack_inflated(struct source *src, const char *source,
			   const char *root, struct strbuf *err)
{
	struct inflater f = { .in = src, .r = 0 };
	struct source plain = { .fd = -1 };
	int pipefd[2], unknown = 0, r;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return strbuf_error(err, -errno, "'%s': %s", source, strerror(errno));
	/* Fewer, larger hand-overs between the threads. */
	(void)fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20);
	f.out = pipefd[1];
	r = -pthread_create(&f.thread, NULL, inflate_thread, &f);
	if (r < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		r = unpack_fd(src, 1, source, root, &unknown, err);
		return unknown ? unsupported(src, "", source, err) : r;
	}
	plain.fd = pipefd[0];
	plain.buf = malloc(READ_BLOCK);
	if (plain.buf)
		r = unpack_fd(&plain, 0, source, root, &unknown, err);
	else
		r = strbuf_error(err, -ENOMEM, "'%s': %s", source, strerror(ENOMEM));
	/* Unblock the writer if the reader gave up early. */
	close(pipefd[0]);
	pthread_join(f.thread, NULL);
	free(plain.buf);
	/* A damaged stream shows up on the reader's side as a truncated
	 * archive: the decompressor's own reason is the one to give. */
	if (f.r < 0)
		return strbuf_error(err, f.r, "'%s': %s", source, f.msg);
	if (unknown)
		return unsupported(src, f.filter, source, err);
	return r;
}

/*
 * Unpack the archive at fd's current offset into root (canonical). With
 * sha256 the whole file, to its end, must have that checksum; it is made
 * as the file is read, so a mismatch is only known once the unpack is
 * over, and explains any failure it caused.
 */
static int unpack_checked(int fd, const char *source, const char *sha256,
			  const char *root, struct strbuf *err)
{
	struct source src = { .fd = fd };
	char got[SHA256_HEX_SIZE];
	int r, rest;

	src.buf = malloc(READ_BLOCK);
	if (sha256)
		src.sum = sha256_new();
	if (!src.buf || (sha256 && !src.sum)) {
		r = strbuf_error(err, -ENOMEM, "'%s': %s", source, strerror(ENOMEM));
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = unpack_inflated(&src, source, root, err);
	if (!sha256 || r == -EINTR)
		goto out;
	rest = source_drain(&src);
	sha256_finish(src.sum, got);
	src.sum = NULL;
	if (rest < 0 && r >= 0)
		r = strbuf_error(err, rest, "'%s': %s", source, strerror(-rest));
	else if (rest >= 0 && strcmp(got, sha256))
		r = mismatch(err, source, got, sha256);
out:
	if (src.sum)
		sha256_finish(src.sum, got);
	free(src.buf);
	return r;
}

int install_tar(const char *source, const char *target, struct strbuf *err)
{
	return install_tar_checked(source, NULL, target, err);
}

int install_tar_checked(const char *source, const char *sha256,
			const char *target, struct strbuf *err)
{
	_cleanup_free_ char *root = NULL;
	_cleanup_close_ int fd = -1;
	char got[SHA256_HEX_SIZE];
	int r;

	r = resolve_target(target, &root, err);
	if (r < 0)
		return r;
	/* The download is ours alone: checked as it arrives, once. */
	if (source_is_url(source)) {
		r = open_tmpfile(&fd, err);
		if (r >= 0)
			r = fetch(source, sha256, fd, err);
		return r < 0 ? r : unpack_checked(fd, source, NULL, root, err);
	}
	r = open_local(source, &fd, err);
	if (r < 0 || !sha256)
		return r < 0 ? r : unpack_checked(fd, source, NULL, root, err);
	/*
	 * A local file is checked before anything is unpacked, and again
	 * as it is, in case it changed in between.
	 */
	r = sha256_fd(fd, got, NULL);
	if (r < 0)
		return strbuf_error(err, r, "'%s': %s", source, strerror(-r));
	if (strcmp(got, sha256))
		return mismatch(err, source, got, sha256);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return strbuf_error(err, -errno, "'%s': %s", source, strerror(errno));
	return unpack_checked(fd, source, sha256, root, err);
}

int install_tar_fd(int fd, const char *name, const char *sha256,
		   const char *target, struct strbuf *err)
{
	_cleanup_free_ char *root = NULL;
	int r = resolve_target(target, &root, err);

	if (r < 0)
		return r;
	return unpack_checked(fd, name, sha256, root, err);
}

/* 1 if path is dir or lies below it; both canonical. */
static int path_is_within(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (streq(dir, "/"))
		return 1;
	return !strncmp(path, dir, len) && (!path[len] || path[len] == '/');
}

/*
 * The next entry of a disk walk opened on a directory whose path is
 * srclen bytes long: 1 with e filled and member set to its name below
 * the directory ("." for the directory itself), 0 at the end, or -errno.
 * Directories are descended into unless skip_below(member) says not;
 * sockets are passed over. A pending signal ends the walk with -EINTR.
 */
static int next_tree_entry(struct archive *in, struct archive_entry *e,
			   size_t srclen, const char *source,
			   int (*skip_below)(const char *member),
			   struct strbuf *member, struct strbuf *err)
{
	for (;;) {
		const char *name;
		int r;

		if (signals_pending())
			return interrupted(err, source);
		r = archive_read_next_header2(in, e);
		if (r == ARCHIVE_EOF)
			return 0;
		/* An unreadable xattr or ACL is a fidelity loss: fail. */
		if (r != ARCHIVE_OK)
			return archive_fail(in, err, source, NULL);
		name = archive_entry_pathname(e) + srclen;
		strbuf_reset(member);
		strbuf_addstr(member, name[0] == '/' ? name + 1 : name);
		if (!member->len)
			strbuf_addch(member, '.');
		if (archive_read_disk_can_descend(in) &&
		    !(skip_below && skip_below(member->buf)))
			archive_read_disk_descend(in);
		if (archive_entry_filetype(e) != AE_IFSOCK)
			return 1;
	}
}

static int copy_tree(const char *source_dir, const char *target, int overlay,
		     struct strbuf *err)
{
	_cleanup_free_ char *root = NULL;
	_cleanup_free_ char *src = NULL;
	struct archive *in = NULL, *out = NULL;
	struct archive_entry_linkresolver *links = NULL;
	struct archive_entry *e = NULL;
	struct strbuf member = STRBUF_INIT, path = STRBUF_INIT;
	struct top_times top = { 0 };
	size_t srclen;
	struct stat st;
	int r;

	r = resolve_target(target, &root, err);
	if (r < 0)
		return r;
	src = realpath(source_dir, NULL);
	if (!src)
		return strbuf_error(err, -errno, "'%s': %s", source_dir,
			    strerror(errno));
	if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		return strbuf_error(err, -ENOTDIR, "'%s': %s", source_dir,
			    strerror(ENOTDIR));
	/* The walk would find its own output and never end. */
	if (path_is_within(root, src))
		return strbuf_error(err, -EINVAL, "target '%s' lies inside '%s'",
			    target, source_dir);
	srclen = streq(src, "/") ? 0 : strlen(src);

	in = archive_read_disk_new();
	out = disk_writer();
	links = archive_entry_linkresolver_new();
	e = archive_entry_new();
	if (!in || !out || !links || !e) {
		r = strbuf_error(err, -ENOMEM, "'%s': %s", source_dir,
			 strerror(ENOMEM));
		goto out;
	}
	/*
	 * Hard links come out as the first path plus link entries naming it,
	 * as in a tar, which archive_write_disk turns back into link(2).
	 */
	archive_entry_linkresolver_set_strategy(
		links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_read_disk_set_symlink_physical(in);
	/*
	 * Stay on one file system: a prepared guest may still have /proc,
	 * /sys or /dev mounted, and copying those would be wrong or endless.
	 * archive_read_disk_set_standard_lookup() is not called: as in
	 * extract_flags, only the numbers travel.
	 */
	archive_read_disk_set_behavior(in, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_read_disk_open(in, src) != ARCHIVE_OK) {
		r = archive_fail(in, err, source_dir, NULL);
		goto out;
	}

	for (;;) {
		struct archive_entry *spare = NULL;

		r = next_tree_entry(in, e, srclen, source_dir, NULL, &member,
				    err);
		if (r <= 0)
			break;
		/* The walk yields names below src; ".." cannot occur. */
		r = path_under(root, member.buf, &path);
		if (r < 0) {
			r = strbuf_error(err, r, "'%s': '%s': unexpected '..'",
				 source_dir, member.buf);
			goto out;
		}
		/* An overlay leaves the target's own directory alone. */
		if (r > 0 && overlay)
			continue;
		archive_entry_copy_pathname(e, path.buf);
		keep_portable_fflags(e);
		if (r > 0)
			top_times_save(&top, e);
		archive_entry_linkify(links, &e, &spare);
		r = write_member(in, out, 0, e, source_dir, member.buf, err);
		if (r < 0)
			goto out;
	}
	if (r < 0)
		goto out;
	if (archive_write_close(out) != ARCHIVE_OK) {
		r = archive_fail(out, err, source_dir, NULL);
		goto out;
	}
	r = top_times_apply(&top, root, source_dir, err);
out:
	archive_read_free(in);
	archive_write_free(out);
	archive_entry_linkresolver_free(links);
	archive_entry_free(e);
	strbuf_release(&member);
	strbuf_release(&path);
	return r;
}

int install_copy(const char *source_dir, const char *target,
		 struct strbuf *err)
{
	return copy_tree(source_dir, target, 0, err);
}

int install_overlay(const char *source_dir, const char *target,
		    struct strbuf *err)
{
	return copy_tree(source_dir, target, 1, err);
}

/*
 * zstd's level for archive_tree(): measured on a 700 MB bookworm base on
 * two cores, see the commit that set it.
 */
#define ZSTD_LEVEL "3"

/* The API file systems mounted in a guest while it is built: their
 * directories belong in an archive of it, what is mounted on them not. */
static int is_api_dir(const char *member)
{
	return streq(member, "dev") || streq(member, "proc") ||
	       streq(member, "sys");
}

struct tree_sink {
	int fd;
	void (*observe)(const void *data, size_t len, void *opaque);
	void *opaque;
};

/*
 * $SOURCE_DATE_EPOCH (reproducible-builds.org): a number of seconds since
 * the epoch, in *ret; 0 when it is unset or not such a number.
 */
static int source_date_epoch(time_t *ret)
{
	const char *v = getenv("SOURCE_DATE_EPOCH");
	unsigned long long n = 0;

	if (!v || !*v || strspn(v, "0123456789") != strlen(v) ||
	    strlen(v) > 18)
		return 0;
	for (const char *p = v; *p; p++)
		n = n * 10 + (unsigned long long)(*p - '0');
	*ret = (time_t)n;
	return 1;
}

/*
 * For an archive that two builds can make alike: no time after epoch,
 * and no access, change or birth time at all, which say when a build
 * ran rather than what it made.
 */
static void clamp_times(struct archive_entry *e, time_t epoch)
{
	if (archive_entry_mtime(e) > epoch ||
	    (archive_entry_mtime(e) == epoch &&
	     archive_entry_mtime_nsec(e) > 0))
		archive_entry_set_mtime(e, epoch, 0);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
}

static la_ssize_t sink_write_fd(struct archive *a, void *opaque,
				const void *data, size_t len)
{
	struct tree_sink *s = opaque;
	int r = write_all(s->fd, data, len);

	if (r < 0) {
		archive_set_error(a, -r, "%s", strerror(-r));
		return -1;
	}
	if (s->observe)
		s->observe(data, len, s->opaque);
	return (la_ssize_t)len;
}

/* One archive_tree() run: the walk, the archive, the member at hand. */
struct tree_walk {
	struct archive *in, *out;
	struct archive_entry_linkresolver *links;
	struct archive_entry *e;
	const char *root_dir;	/* as the caller named it, for messages */
	size_t rootlen;		/* of the canonical root, in path */
	struct strbuf path;	/* the file at hand, the root's path first */
	struct strbuf member;	/* its name in the archive */
	int clamp;
	time_t epoch;
};

/* The names in dir but "." and "..", sorted by their bytes. */
static int sorted_names(const char *dir, struct strvec *ret)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strvec_push(ret, de->d_name);
		errno = 0;
	}
	if (errno)
		r = -errno;
	closedir(d);
	strvec_sort(ret);
	return r;
}

/*
 * Archive w->path and, for a directory, what is below it: each directory
 * before its entries, and those sorted by name, so the member order is
 * the tree's and not the order a file system happens to list it in.
 * Each file is read through the disk reader opened on it alone, which
 * keeps its xattrs, ACLs, flags and holes as a walk of the whole tree
 * would.
 */
static int archive_walk(struct tree_walk *w, struct strbuf *err)
{
	const char *name = w->path.buf + w->rootlen;
	struct strvec names = STRVEC_INIT;
	struct archive_entry *spare = NULL;
	size_t len;
	int r, dir;

	if (signals_pending())
		return interrupted(err, w->root_dir);
	strbuf_reset(&w->member);
	strbuf_addstr(&w->member, name[0] == '/' ? name + 1 : name);
	if (!w->member.len)
		strbuf_addch(&w->member, '.');
	if (archive_read_disk_open(w->in, w->path.buf) != ARCHIVE_OK)
		return archive_fail(w->in, err, w->root_dir, w->member.buf);
	/* An unreadable xattr or ACL is a fidelity loss: fail. */
	if (archive_read_next_header2(w->in, w->e) != ARCHIVE_OK) {
		r = archive_fail(w->in, err, w->root_dir, w->member.buf);
		archive_read_close(w->in);
		return r;
	}
	if (archive_entry_filetype(w->e) == AE_IFSOCK) {
		archive_read_close(w->in);
		return 0;
	}
	dir = archive_entry_filetype(w->e) == AE_IFDIR &&
	      !is_api_dir(w->member.buf);
	archive_entry_copy_pathname(w->e, w->member.buf);
	keep_portable_fflags(w->e);
	if (w->clamp)
		clamp_times(w->e, w->epoch);
	/* The tar strategy never holds an entry back. */
	archive_entry_linkify(w->links, &w->e, &spare);
	r = write_member(w->in, w->out, 1, w->e, w->root_dir, w->member.buf,
			 err);
	if (archive_read_close(w->in) != ARCHIVE_OK && r >= 0)
		r = archive_fail(w->in, err, w->root_dir, w->member.buf);
	if (r < 0 || !dir)
		return r;
	r = sorted_names(w->path.buf, &names);
	if (r < 0)
		strbuf_addf(err, "'%s': %s: %s", w->root_dir, w->member.buf,
			    strerror(-r));
	len = w->path.len;
	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		if (len > 1)
			strbuf_addch(&w->path, '/');
		strbuf_addstr(&w->path, names.v[i]);
		r = archive_walk(w, err);
		strbuf_setlen(&w->path, len);
	}
	strvec_clear(&names);
	return r;
}

int archive_tree(const char *root_dir, int fd,
		 void (*observe)(const void *data, size_t len, void *opaque),
		 void *opaque, struct strbuf *err)
{
	struct tree_sink sink = { fd, observe, opaque };
	_cleanup_free_ char *root = NULL;
	struct tree_walk w = { .root_dir = root_dir, .path = STRBUF_INIT,
			       .member = STRBUF_INIT };
	int r;

	w.clamp = source_date_epoch(&w.epoch);
	r = resolve_target(root_dir, &root, err);
	if (r < 0)
		return r;
	w.rootlen = streq(root, "/") ? 0 : strlen(root);
	strbuf_addstr(&w.path, root);
	w.in = archive_read_disk_new();
	w.out = archive_write_new();
	w.links = archive_entry_linkresolver_new();
	w.e = archive_entry_new();
	if (!w.in || !w.out || !w.links || !w.e) {
		r = strbuf_error(err, -ENOMEM, "'%s': %s", root_dir, strerror(ENOMEM));
		goto out;
	}
	archive_entry_linkresolver_set_strategy(
		w.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_read_disk_set_symlink_physical(w.in);
	/* pax keeps xattrs (file capabilities), ACLs and nanosecond times;
	 * zstd on every core unpacks several times faster than gzip or xz. */
	if (archive_write_set_format_pax_restricted(w.out) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(w.out) != ARCHIVE_OK ||
	    archive_write_set_filter_option(w.out, "zstd", "threads", "0") <
		    ARCHIVE_WARN ||
	    archive_write_set_filter_option(w.out, "zstd", "compression-level",
					    ZSTD_LEVEL) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w.out, 1) != ARCHIVE_OK ||
	    archive_write_open(w.out, &sink, NULL, sink_write_fd, NULL) !=
		    ARCHIVE_OK) {
		r = archive_fail(w.out, err, root_dir, NULL);
		goto out;
	}
	/* Guest file systems mounted below root (a separate /boot) are part
	 * of the tree, so mounts are crossed; see is_api_dir(). */
	r = archive_walk(&w, err);
	if (r < 0)
		goto out;
	if (archive_write_close(w.out) != ARCHIVE_OK) {
		r = archive_fail(w.out, err, root_dir, NULL);
		goto out;
	}
	r = 0;
out:
	archive_read_free(w.in);
	archive_write_free(w.out);
	archive_entry_linkresolver_free(w.links);
	archive_entry_free(w.e);
	strbuf_release(&w.path);
	strbuf_release(&w.member);
	return r;
}
