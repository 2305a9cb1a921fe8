/*
 * u-install-archive.c: unpacking root-file-system archives and copying guest
 * trees. Runs as root: owners, device nodes and security.* xattrs are part of
 * what is checked.
 */
#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <locale.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "install-archive.h"
#include "macros.h"
#include "run-command.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MTIME_BASE 1500000000L

static int contains(const struct strbuf *sb, const char *needle)
{
	if (!strstr(sb->buf, needle)) {
		fprintf(stderr, "  '%s' does not contain '%s'\n", sb->buf,
			needle);
		return 0;
	}
	return 1;
}

/* ---- archive fixtures ---- */

enum kind { REG, DIR, LNK, HARD, CHR, FIFO, SOCK };

struct member {
	const char *name;
	enum kind kind;
	mode_t perm;
	uid_t uid;
	gid_t gid;
	const char *data;	/* REG: contents; LNK, HARD: link target */
	const char *xattr;	/* "name=value", stored by pax only */
};

/* Every member's mtime is MTIME_BASE + its index. */
static void write_archive(const char *path, int format, int filter,
			  const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();

	CHECK(archive_write_set_format(a, format) == ARCHIVE_OK);
	CHECK(archive_write_add_filter(a, filter) == ARCHIVE_OK);
	CHECK(archive_write_open_filename(a, path) == ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t size = 0;

		archive_entry_copy_pathname(e, m[i].name);
		archive_entry_set_perm(e, m[i].perm);
		archive_entry_set_uid(e, m[i].uid);
		archive_entry_set_gid(e, m[i].gid);
		/* Names the host maps to 0: the numbers must win. */
		archive_entry_copy_uname(e, "root");
		archive_entry_copy_gname(e, "root");
		archive_entry_set_mtime(e, MTIME_BASE + (long)i, 0);
		switch (m[i].kind) {
		case REG:
			archive_entry_set_filetype(e, AE_IFREG);
			size = strlen(m[i].data);
			break;
		case DIR:
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case LNK:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_copy_symlink(e, m[i].data);
			break;
		case HARD:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_copy_hardlink(e, m[i].data);
			break;
		case CHR:
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdev(e, makedev(1, 3));
			break;
		case FIFO:
			archive_entry_set_filetype(e, AE_IFIFO);
			break;
		case SOCK:
			archive_entry_set_filetype(e, AE_IFSOCK);
			break;
		}
		archive_entry_set_size(e, (la_int64_t)size);
		if (m[i].xattr) {
			const char *eq = strchr(m[i].xattr, '=');
			struct strbuf key = STRBUF_INIT;

			strbuf_add(&key, m[i].xattr, (size_t)(eq - m[i].xattr));
			archive_entry_xattr_add_entry(e, key.buf, eq + 1,
						      strlen(eq + 1));
			strbuf_release(&key);
		}
		CHECK(archive_write_header(a, e) == ARCHIVE_OK);
		if (size)
			CHECK(archive_write_data(a, m[i].data, size) ==
			      (la_ssize_t)size);
		archive_entry_free(e);
	}
	CHECK(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
}

/* What a small Debian-like root looks like, one of each kind of file. */
static const struct member rootfs[] = {
	{ "./", DIR, 0750, 0, 0, NULL, NULL },
	{ "./etc/", DIR, 0755, 0, 0, NULL, NULL },
	{ "./etc/passwd", REG, 0644, 0, 0, "root:x:0:0::/root:/bin/sh\n",
	  NULL },
	{ "./usr/", DIR, 0755, 0, 0, NULL, NULL },
	{ "./usr/bin/", DIR, 0755, 0, 0, NULL, NULL },
	{ "./usr/bin/su", REG, 04755, 0, 0, "su\n", NULL },
	{ "./usr/bin/wall", REG, 02755, 0, 5, "wall\n", NULL },
	{ "./usr/bin/ping", REG, 0755, 0, 0, "ping\n", "user.note=ping" },
	{ "./usr/bin/su-again", HARD, 04755, 0, 0, "./usr/bin/su", NULL },
	{ "./bin", LNK, 0777, 0, 0, "usr/bin", NULL },
	{ "./home/", DIR, 0755, 0, 0, NULL, NULL },
	{ "./home/user/", DIR, 0700, 1234, 1234, NULL, NULL },
	{ "./home/user/.profile", REG, 0600, 1234, 1234, "PATH=/bin\n",
	  NULL },
	{ "./dev/", DIR, 0755, 0, 0, NULL, NULL },
	{ "./dev/null", CHR, 0666, 0, 0, NULL, NULL },
	{ "./run/", DIR, 0755, 0, 0, NULL, NULL },
	{ "./run/initctl", FIFO, 0600, 0, 0, NULL, NULL },
	{ "./etc/empty", REG, 0400, 1234, 1234, "", NULL },
};

static mode_t kind_type(enum kind k)
{
	switch (k) {
	case DIR:
		return S_IFDIR;
	case LNK:
		return S_IFLNK;
	case CHR:
		return S_IFCHR;
	case FIFO:
		return S_IFIFO;
	case SOCK:
		return S_IFSOCK;
	default:
		return S_IFREG;
	}
}

/* Each member as the archive described it, found under root. */
static void check_members(const char *root, const struct member *m, size_t n,
			  int with_xattrs)
{
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(root, m[i].name);
		struct stat st;

		/* libarchive would make an empty file of it. */
		if (m[i].kind == SOCK) {
			CHECK(!path_exists(path));
			free(path);
			continue;
		}
		if (lstat(path, &st) < 0) {
			fprintf(stderr, "  missing '%s'\n", m[i].name);
			CHECK(0);
			free(path);
			continue;
		}
		CHECK_INTEQ(st.st_mode & S_IFMT, kind_type(m[i].kind));
		CHECK_INTEQ(st.st_uid, m[i].uid);
		CHECK_INTEQ(st.st_gid, m[i].gid);
		if (m[i].kind != LNK)
			CHECK_INTEQ(st.st_mode & 07777, m[i].perm);
		if (m[i].kind != HARD)
			CHECK_INTEQ(st.st_mtim.tv_sec, MTIME_BASE + (long)i);

		if (m[i].kind == REG) {
			struct strbuf sb = STRBUF_INIT;

			CHECK_INTEQ(strbuf_read_file(&sb, path), 0);
			CHECK_STREQ(sb.buf, m[i].data);
			strbuf_release(&sb);
		} else if (m[i].kind == LNK) {
			char buf[256];
			ssize_t len = readlink(path, buf, sizeof(buf) - 1);

			CHECK(len > 0);
			buf[len > 0 ? len : 0] = '\0';
			CHECK_STREQ(buf, m[i].data);
		} else if (m[i].kind == HARD) {
			char *other = path_join(root, m[i].data);
			struct stat ost;

			CHECK_INTEQ(lstat(other, &ost), 0);
			CHECK_INTEQ(st.st_ino, ost.st_ino);
			CHECK_INTEQ(st.st_nlink, 2);
			free(other);
		} else if (m[i].kind == CHR) {
			CHECK_INTEQ(st.st_rdev, makedev(1, 3));
		}

		if (m[i].xattr && with_xattrs) {
			const char *eq = strchr(m[i].xattr, '=');
			struct strbuf key = STRBUF_INIT;
			char val[64];
			ssize_t len;

			strbuf_add(&key, m[i].xattr, (size_t)(eq - m[i].xattr));
			len = lgetxattr(path, key.buf, val, sizeof(val) - 1);
			CHECK_INTEQ(len, strlen(eq + 1));
			val[len > 0 ? len : 0] = '\0';
			CHECK_STREQ(val, eq + 1);
			strbuf_release(&key);
		}
		free(path);
	}
}

TEST(source_is_url)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "http://mirror/rootfs.tar.gz", 1 },
		{ "https://mirror/rootfs.tar.zst", 1 },
		{ "HTTPS://MIRROR/X", 1 },
		{ "file:///srv/rootfs.tar", 1 },
		{ "ftp://mirror/rootfs.tar", 0 },
		{ "/srv/rootfs.tar", 0 },
		{ "http/rootfs.tar", 0 },
		{ "http:/rootfs.tar", 0 },
		{ "file:/srv/rootfs.tar", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_INTEQ(source_is_url(cases[i].in), cases[i].want);
}

TEST(tar_unpacks_every_kind_of_file)
{
	static const struct {
		const char *file;
		int format;
		int filter;
		int xattrs;
	} cases[] = {
		{ "root.tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		  ARCHIVE_FILTER_GZIP, 1 },
		{ "root.tar.zst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		  ARCHIVE_FILTER_ZSTD, 1 },
		{ "root.tar.xz", ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_XZ,
		  0 },
		{ "root.tar", ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE,
		  0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *dir = unit_mkdtemp("u-install-archive");
		char *archive = path_join(dir, cases[i].file);
		char *target = path_join(dir, "target");
		struct strbuf err = STRBUF_INIT;
		struct member m[ARRAY_SIZE(rootfs)];

		memcpy(m, rootfs, sizeof(m));
		/* Only pax carries xattrs; the others must not choke. */
		if (!cases[i].xattrs)
			for (size_t j = 0; j < ARRAY_SIZE(m); j++)
				m[j].xattr = NULL;
		write_archive(archive, cases[i].format, cases[i].filter, m,
			      ARRAY_SIZE(m));
		CHECK_INTEQ(mkdir(target, 0700), 0);

		fprintf(stderr, "# %s\n", cases[i].file);
		CHECK_INTEQ(install_tar(archive, target, &err), 0);
		CHECK_STREQ(err.buf, "");
		check_members(target, m, ARRAY_SIZE(m), cases[i].xattrs);

		strbuf_release(&err);
		rm_rf(dir);
		free(target);
		free(archive);
		free(dir);
	}
}

TEST(cpio_unpacks)
{
	static const struct member m[] = {
		{ ".", DIR, 0711, 0, 0, NULL, NULL },
		{ "etc", DIR, 0755, 0, 0, NULL, NULL },
		{ "etc/hostname", REG, 0644, 0, 0, "guest\n", NULL },
		{ "sbin", LNK, 0777, 0, 0, "usr/sbin", NULL },
		/* tar cannot hold a socket, cpio can. */
		{ "etc/sock", SOCK, 0755, 0, 0, NULL, NULL },
	};
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "root.cpio.gz");
	char *target = path_join(dir, "target");
	struct strbuf err = STRBUF_INIT;

	write_archive(archive, ARCHIVE_FORMAT_CPIO_SVR4_NOCRC,
		      ARCHIVE_FILTER_GZIP, m, ARRAY_SIZE(m));
	CHECK_INTEQ(mkdir(target, 0700), 0);
	CHECK_INTEQ(install_tar(archive, target, &err), 0);
	check_members(target, m, ARRAY_SIZE(m), 0);

	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(archive);
	free(dir);
}

TEST(tar_names_land_under_target)
{
	static const struct member m[] = {
		{ "/etc/hostname", REG, 0644, 0, 0, "one\n", NULL },
		{ "//etc//./motd", REG, 0644, 0, 0, "motd\n", NULL },
		{ "etc/issue", REG, 0644, 0, 0, "issue\n", NULL },
		/* A later member of the same name wins, as in tar. */
		{ "./etc/hostname", REG, 0640, 0, 0, "two\n", NULL },
		/* A UTF-8 pax name the C locale cannot convert. */
		{ "etc/caf\xc3\xa9", REG, 0644, 0, 0, "utf8\n", NULL },
	};
	static const struct {
		const char *path;
		const char *want;
		mode_t perm;
	} want[] = {
		{ "etc/hostname", "two\n", 0640 },
		{ "etc/motd", "motd\n", 0644 },
		{ "etc/issue", "issue\n", 0644 },
		{ "etc/caf\xc3\xa9", "utf8\n", 0644 },
	};
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "root.tar");
	char *target = path_join(dir, "target");
	struct strbuf err = STRBUF_INIT;
	struct archive *a = archive_write_new();

	/*
	 * Written in a UTF-8 locale, so the pax header says path=<UTF-8>
	 * rather than hdrcharset=BINARY; read back in the C locale.
	 */
	CHECK(setlocale(LC_CTYPE, "C.UTF-8") != NULL);
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_none(a);
	CHECK(archive_write_open_filename(a, archive) == ARCHIVE_OK);
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_copy_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, m[i].perm);
		archive_entry_set_size(e, (la_int64_t)strlen(m[i].data));
		CHECK(archive_write_header(a, e) == ARCHIVE_OK);
		archive_write_data(a, m[i].data, strlen(m[i].data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	setlocale(LC_CTYPE, "C");

	CHECK_INTEQ(mkdir(target, 0755), 0);
	CHECK_INTEQ(install_tar(archive, target, &err), 0);
	CHECK_STREQ(err.buf, "");
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		char *path = path_join(target, want[i].path);
		struct strbuf sb = STRBUF_INIT;
		struct stat st;

		CHECK_INTEQ(strbuf_read_file(&sb, path), 0);
		CHECK_STREQ(sb.buf, want[i].want);
		CHECK_INTEQ(lstat(path, &st), 0);
		CHECK_INTEQ(st.st_mode & 07777, want[i].perm);
		strbuf_release(&sb);
		free(path);
	}
	/* Nothing was written beside target by the "/" names. */
	{
		char *etc = path_join(dir, "etc");

		CHECK(!path_exists(etc));
		free(etc);
	}

	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(archive);
	free(dir);
}

TEST(tar_rejects_escapes)
{
	/*
	 * "@" in a link target stands for the scratch directory, so an
	 * absolute symlink can point outside the target. Each case names a
	 * path (relative to the scratch directory) that must not appear.
	 */
	static const struct {
		const char *what;
		struct member m[3];
		int want_r;		/* 0: any failure will do */
		const char *want_err;
		const char *must_not_exist;
	} cases[] = {
		{ "dotdot",
		  { { "../evil", REG, 0644, 0, 0, "x", NULL } },
		  -EINVAL, "'../evil'", "evil" },
		{ "dotdot inside",
		  { { "./a/../../evil", REG, 0644, 0, 0, "x", NULL } },
		  -EINVAL, "'./a/../../evil'", "evil" },
		{ "absolute dotdot",
		  { { "/../evil", REG, 0644, 0, 0, "x", NULL } },
		  -EINVAL, "'/../evil'", "evil" },
		{ "hard link out",
		  { { "./ok", REG, 0644, 0, 0, "x", NULL },
		    { "./link", HARD, 0644, 0, 0, "../outside/secret", NULL } },
		  -EINVAL, "'../outside/secret'", "target/link" },
		{ "absolute symlink, then through it",
		  { { "./etc", LNK, 0777, 0, 0, "@/outside", NULL },
		    { "./etc/shadow", REG, 0600, 0, 0, "x", NULL } },
		  0, "symlink", "outside/shadow" },
		{ "relative symlink, then through it",
		  { { "./etc", LNK, 0777, 0, 0, "../outside", NULL },
		    { "./etc/shadow", REG, 0600, 0, 0, "x", NULL } },
		  0, "symlink", "outside/shadow" },
		/*
		 * Not hostile, but refused all the same: the alternative is
		 * replacing the link with a directory (see extract_flags).
		 */
		{ "file under a merged-usr link",
		  { { "./usr/bin/", DIR, 0755, 0, 0, NULL, NULL },
		    { "./bin", LNK, 0777, 0, 0, "usr/bin", NULL },
		    { "./bin/sh", REG, 0755, 0, 0, "x", NULL } },
		  0, "'./bin/sh'", "target/usr/bin/sh" },
		{ "top is a file",
		  { { ".", REG, 0644, 0, 0, "x", NULL } },
		  -EINVAL, "not a directory", NULL },
		{ "hard link to top",
		  { { "./x", HARD, 0644, 0, 0, "./", NULL } },
		  -EINVAL, "hard link to the top", "target/x" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *dir = unit_mkdtemp("u-install-archive");
		char *archive = path_join(dir, "evil.tar.gz");
		char *target = path_join(dir, "target");
		char *outside = path_join(dir, "outside");
		char *secret = path_join(outside, "secret");
		struct strbuf err = STRBUF_INIT;
		struct member m[3];
		size_t n = 0;
		struct strbuf links[3] = { STRBUF_INIT, STRBUF_INIT,
					   STRBUF_INIT };
		int r;

		fprintf(stderr, "# %s\n", cases[i].what);
		for (; n < 3 && cases[i].m[n].name; n++) {
			m[n] = cases[i].m[n];
			if (m[n].data && m[n].data[0] == '@') {
				strbuf_addf(&links[n], "%s%s", dir,
					    m[n].data + 1);
				m[n].data = links[n].buf;
			}
		}
		write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
			      ARCHIVE_FILTER_GZIP, m, n);
		CHECK_INTEQ(mkdir(target, 0755), 0);
		CHECK_INTEQ(mkdir(outside, 0755), 0);
		CHECK_INTEQ(write_string(secret, "secret\n", 0600), 0);

		r = install_tar(archive, target, &err);
		if (cases[i].want_r)
			CHECK_INTEQ(r, cases[i].want_r);
		else
			CHECK(r < 0);
		CHECK(contains(&err, cases[i].want_err));
		CHECK(contains(&err, archive));
		CHECK(!strchr(err.buf, '\n'));
		if (cases[i].must_not_exist) {
			char *p = path_join(dir, cases[i].must_not_exist);

			CHECK(!path_exists(p));
			free(p);
		}
		{
			struct stat st;

			CHECK_INTEQ(lstat(secret, &st), 0);
			CHECK_INTEQ(st.st_nlink, 1);
		}

		for (size_t j = 0; j < 3; j++)
			strbuf_release(&links[j]);
		strbuf_release(&err);
		rm_rf(dir);
		free(secret);
		free(outside);
		free(target);
		free(archive);
		free(dir);
	}
}

TEST(tar_bad_sources)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *text = path_join(dir, "notes.tar.gz");
	char *missing = path_join(dir, "missing.tar.gz");
	char *good = path_join(dir, "good.tar.gz");
	char *cut = path_join(dir, "cut.tar.gz");
	char *target = path_join(dir, "target");
	char *no_target = path_join(dir, "no-target");
	struct strbuf err = STRBUF_INIT;
	struct strbuf data = STRBUF_INIT;
	struct member big[] = {
		{ "./big", REG, 0644, 0, 0, NULL, NULL },
	};
	struct strbuf payload = STRBUF_INIT;

	CHECK_INTEQ(mkdir(target, 0755), 0);
	CHECK_INTEQ(write_string(text, "this is not an archive\n", 0644), 0);

	CHECK_INTEQ(install_tar(text, target, &err), -EINVAL);
	CHECK(contains(&err, "unsupported compression or archive format"));
	CHECK(contains(&err, text));

	CHECK_INTEQ(install_tar(missing, target, &err), -ENOENT);
	CHECK(contains(&err, missing));

	CHECK_INTEQ(install_tar(dir, target, &err), -EISDIR);
	CHECK(contains(&err, dir));

	/* Half a gzip stream is an error, not a half-unpacked success. */
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&payload, "%d random-ish line %d\n", i, i * 7919);
	big[0].data = payload.buf;
	write_archive(good, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_GZIP, big, 1);
	CHECK_INTEQ(strbuf_read_file(&data, good), 0);
	CHECK(data.len > 1000);
	CHECK_INTEQ(write_file(cut, data.buf, data.len / 2, 0644), 0);
	CHECK(install_tar(cut, target, &err) < 0);
	CHECK(contains(&err, cut));
	/* The whole one does unpack, so the failure above is the cut. */
	CHECK_INTEQ(install_tar(good, target, &err), 0);

	CHECK_INTEQ(install_tar(good, no_target, &err), -ENOENT);
	CHECK(contains(&err, no_target));
	CHECK_INTEQ(install_tar(good, good, &err), -ENOTDIR);
	/* Checked before the source is even opened. */
	CHECK_INTEQ(install_tar(missing, "/", &err), -EINVAL);
	CHECK(contains(&err, "'/'"));
	CHECK_INTEQ(install_copy(target, "/", &err), -EINVAL);

	/* err may be NULL. */
	CHECK_INTEQ(install_tar(missing, target, NULL), -ENOENT);

	strbuf_release(&payload);
	strbuf_release(&data);
	strbuf_release(&err);
	rm_rf(dir);
	free(no_target);
	free(target);
	free(cut);
	free(good);
	free(missing);
	free(text);
	free(dir);
}

/* ---- URLs ---- */

static void set_tmpdir(const char *dir)
{
	if (dir)
		setenv("TMPDIR", dir, 1);
	else
		unsetenv("TMPDIR");
}

TEST(tar_from_file_url)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "root.tar.zst");
	char *target = path_join(dir, "target");
	char *dl = path_join(dir, "downloads");
	char *nowhere = path_join(dir, "nowhere");
	struct strbuf url = STRBUF_INIT, err = STRBUF_INIT;
	struct strvec left = STRVEC_INIT;
	char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;

	write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_ZSTD, rootfs, ARRAY_SIZE(rootfs));
	CHECK_INTEQ(mkdir(target, 0700), 0);
	CHECK_INTEQ(mkdir(dl, 0700), 0);
	strbuf_addf(&url, "file://%s", archive);

	/* The download goes to $TMPDIR and leaves nothing there. */
	set_tmpdir(dl);
	CHECK_INTEQ(install_tar(url.buf, target, &err), 0);
	CHECK_STREQ(err.buf, "");
	check_members(target, rootfs, ARRAY_SIZE(rootfs), 1);
	CHECK_INTEQ(list_dir(dl, &left), 0);
	CHECK_INTEQ(left.nr, 0);

	set_tmpdir(nowhere);
	CHECK_INTEQ(install_tar(url.buf, target, &err), -ENOENT);
	CHECK(contains(&err, nowhere));
	set_tmpdir(saved);

	strbuf_reset(&url);
	strbuf_addf(&url, "file://%s/missing.tar", dir);
	CHECK_INTEQ(install_tar(url.buf, target, &err), -ENOENT);
	CHECK(contains(&err, url.buf));

	free(saved);
	strvec_clear(&left);
	strbuf_release(&url);
	strbuf_release(&err);
	rm_rf(dir);
	free(nowhere);
	free(dl);
	free(target);
	free(archive);
	free(dir);
}

/* A port on 127.0.0.1 that nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0);
	CHECK_INTEQ(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_INTEQ(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

TEST(http_to_closed_port_fails_cleanly)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *target = path_join(dir, "target");
	struct strbuf url = STRBUF_INIT, err = STRBUF_INIT;

	CHECK_INTEQ(mkdir(target, 0755), 0);
	strbuf_addf(&url, "http://127.0.0.1:%d/root.tar.gz", closed_port());
	CHECK_INTEQ(install_tar(url.buf, target, &err), -ECONNREFUSED);
	CHECK(contains(&err, url.buf));
	CHECK(!strchr(err.buf, '\n'));

	strbuf_release(&url);
	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(dir);
}

/*
 * A one-process HTTP server, just enough for curl: /root.tar.gz is the
 * archive, /moved redirects to it, /to-file redirects to a file:// URL, and
 * everything else is 404.
 */
static void serve(int lfd, const struct strbuf *body)
{
	for (;;) {
		struct strbuf req = STRBUF_INIT, resp = STRBUF_INIT;
		char buf[1024];
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			continue;
		while (!strstr(req.buf, "\r\n\r\n")) {
			ssize_t n = read(c, buf, sizeof(buf));

			if (n <= 0)
				break;
			strbuf_add(&req, buf, (size_t)n);
		}
		if (!strncmp(req.buf, "GET /root.tar.gz ", 17)) {
			strbuf_addf(&resp, "HTTP/1.1 200 OK\r\n"
				    "Content-Length: %zu\r\n"
				    "Connection: close\r\n\r\n", body->len);
			strbuf_add(&resp, body->buf, body->len);
		} else if (!strncmp(req.buf, "GET /moved ", 11)) {
			strbuf_addstr(&resp, "HTTP/1.1 302 Found\r\n"
				      "Location: /root.tar.gz\r\n"
				      "Content-Length: 0\r\n"
				      "Connection: close\r\n\r\n");
		} else if (!strncmp(req.buf, "GET /to-file ", 13)) {
			strbuf_addstr(&resp, "HTTP/1.1 302 Found\r\n"
				      "Location: file:///etc/passwd\r\n"
				      "Content-Length: 0\r\n"
				      "Connection: close\r\n\r\n");
		} else {
			strbuf_addstr(&resp, "HTTP/1.1 404 Not Found\r\n"
				      "Content-Length: 9\r\n"
				      "Connection: close\r\n\r\n"
				      "not here\n");
		}
		for (size_t done = 0; done < resp.len;) {
			ssize_t n = write(c, resp.buf + done, resp.len - done);

			if (n <= 0)
				break;
			done += (size_t)n;
		}
		close(c);
		strbuf_release(&req);
		strbuf_release(&resp);
	}
}

/* serve() on a free port of 127.0.0.1, in a child: its pid. */
static pid_t start_server(const struct strbuf *body, int *ret_port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lfd;
	pid_t pid;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	CHECK_INTEQ(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_INTEQ(listen(lfd, 8), 0);
	CHECK_INTEQ(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	*ret_port = ntohs(sin.sin_port);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		serve(lfd, body);
		_exit(0);
	}
	CHECK(pid > 0);
	close(lfd);
	return pid;
}

static void stop_server(pid_t pid)
{
	int status;

	if (pid > 0) {
		kill(pid, SIGKILL);
		CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	}
}

#define WRONG_SHA256 \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* What a directory holds, by name: nothing, after a refused source. */
static size_t entries(const char *dir)
{
	struct strvec names = STRVEC_INIT;
	size_t n;

	CHECK_INTEQ(list_dir(dir, &names), 0);
	n = names.nr;
	strvec_clear(&names);
	return n;
}

TEST(tar_over_http)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "root.tar.gz");
	struct strbuf body = STRBUF_INIT, url = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	char good[SHA256_HEX_SIZE];
	int port;
	pid_t pid;
	static const struct {
		const char *path;
		int sum;		/* 0 none, 1 the right one, 2 a wrong one */
		int want_r;
		const char *want_err;	/* "%d" is the port */
	} cases[] = {
		{ "/root.tar.gz", 0, 0, "" },
		{ "/moved", 0, 0, "" },
		{ "/root.tar.gz", 1, 0, "" },
		{ "/moved", 1, 0, "" },
		{ "/root.tar.gz", 2, -EBADMSG,
		  "'http://127.0.0.1:%d/root.tar.gz' does not match its "
		  "checksum: SHA-256 " },
		{ "/moved", 2, -EBADMSG, ", expected " WRONG_SHA256 },
		{ "/missing.tar.gz", 0, -ENOENT,
		  "HTTP 404 fetching 'http://127.0.0.1:%d/missing.tar.gz'" },
		{ "/to-file", 0, -EPROTONOSUPPORT,
		  "/to-file': refusing its redirect to 'file:///etc/passwd'" },
	};

	write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_GZIP, rootfs, ARRAY_SIZE(rootfs));
	CHECK_INTEQ(strbuf_read_file(&body, archive), 0);
	sha256_hex(body.buf, body.len, good);
	pid = start_server(&body, &port);

	for (size_t i = 0; pid > 0 && i < ARRAY_SIZE(cases); i++) {
		char *target = path_join(dir, "target");
		struct strbuf want = STRBUF_INIT;
		const char *sum = cases[i].sum == 1 ? good :
				  cases[i].sum == 2 ? WRONG_SHA256 : NULL;

		fprintf(stderr, "# %s %d\n", cases[i].path, cases[i].sum);
		CHECK_INTEQ(mkdir(target, 0700), 0);
		strbuf_reset(&url);
		strbuf_addf(&url, "http://127.0.0.1:%d%s", port,
			    cases[i].path);
		CHECK_INTEQ(install_tar_checked(url.buf, sum, target, &err),
			    cases[i].want_r);
		strbuf_addf(&want, cases[i].want_err, port);
		if (!cases[i].want_r) {
			CHECK_STREQ(err.buf, "");
			check_members(target, rootfs, ARRAY_SIZE(rootfs), 1);
		} else {
			CHECK(contains(&err, want.buf));
			/* Refused before a single member was written. */
			CHECK_INTEQ(entries(target), 0);
		}
		if (cases[i].sum == 2)
			CHECK(contains(&err, good));
		strbuf_release(&want);
		rm_rf(target);
		free(target);
	}

	stop_server(pid);
	strbuf_release(&body);
	strbuf_release(&url);
	strbuf_release(&err);
	rm_rf(dir);
	free(archive);
	free(dir);
}

static size_t discard(char *data, size_t size, size_t n, void *opaque)
{
	(void)data;
	(void)opaque;
	return size * n;
}

/*
 * What a download may be redirected to. An https server would be needed
 * to see https -> http refused end to end; instead the policy is given
 * to libcurl itself, which must refuse a redirect to http under the
 * policy of an https URL and follow it under that of an http one.
 */
TEST(redirect_policy)
{
	static const struct {
		const char *url, *want;
	} cases[] = {
		{ "https://example.org/root.tar.zst", "https" },
		{ "HTTPS://example.org/root.tar.zst", "https" },
		{ "http://example.org/root.tar.zst", "http,https" },
		{ "file:///srv/root.tar.zst", "http,https" },
	};
	struct strbuf body = STRBUF_INIT, url = STRBUF_INIT;
	int port;
	pid_t pid;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STREQ(fetch_redirect_protocols(cases[i].url),
			    cases[i].want);

	strbuf_addstr(&body, "the archive");
	pid = start_server(&body, &port);
	strbuf_addf(&url, "http://127.0.0.1:%d/moved", port);
	for (int https = 1; pid > 0 && https >= 0; https--) {
		CURL *c = curl_easy_init();
		CURLcode rc;

		CHECK(c != NULL);
		if (!c)
			break;
		curl_easy_setopt(c, CURLOPT_URL, url.buf);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
				 fetch_redirect_protocols(https ?
				 "https://example.org/" :
				 "http://example.org/"));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		rc = curl_easy_perform(c);
		CHECK_INTEQ(rc, https ? CURLE_UNSUPPORTED_PROTOCOL : CURLE_OK);
		curl_easy_cleanup(c);
	}
	stop_server(pid);
	strbuf_release(&body);
	strbuf_release(&url);
}

/* The SHA-256 of the file at path. */
static void file_sha256(const char *path, char hex[SHA256_HEX_SIZE])
{
	CHECK_INTEQ(sha256_file(path, hex, NULL), 0);
}

TEST(checksum_of_a_local_or_file_url_source)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "root.tar.zst");
	char *target = path_join(dir, "target");
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	char good[SHA256_HEX_SIZE];

	write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_ZSTD, rootfs, ARRAY_SIZE(rootfs));
	file_sha256(archive, good);
	strbuf_addf(&url, "file://%s", archive);

	for (int as_url = 0; as_url < 2; as_url++) {
		const char *src = as_url ? url.buf : archive;

		fprintf(stderr, "# %s\n", src);
		CHECK_INTEQ(mkdir(target, 0755), 0);
		strbuf_reset(&err);
		CHECK_INTEQ(install_tar_checked(src, WRONG_SHA256, target,
						&err), -EBADMSG);
		CHECK(contains(&err, src));
		CHECK(contains(&err, good));
		CHECK(contains(&err, WRONG_SHA256));
		CHECK_INTEQ(entries(target), 0);

		strbuf_reset(&err);
		CHECK_INTEQ(install_tar_checked(src, good, target, &err), 0);
		CHECK_STREQ(err.buf, "");
		check_members(target, rootfs, ARRAY_SIZE(rootfs), 1);
		rm_rf(target);
	}

	strbuf_release(&url);
	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(archive);
	free(dir);
}

/*
 * install_tar_fd() hashes the very bytes it unpacks, to the end of the
 * file: what follows the archive counts, and a damaged archive is told
 * as a checksum mismatch, whatever the decompressor made of it.
 */
TEST(checksum_made_while_unpacking)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *plain = path_join(dir, "root.tar");
	char *zstd = path_join(dir, "root.tar.zst");
	char *target = path_join(dir, "target");
	struct strbuf err = STRBUF_INIT, data = STRBUF_INIT;
	char whole[SHA256_HEX_SIZE], first[SHA256_HEX_SIZE];
	char good[SHA256_HEX_SIZE];
	int fd;

	/* A tar reader stops at the archive's end, before the file's. */
	write_archive(plain, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_NONE, rootfs, ARRAY_SIZE(rootfs));
	file_sha256(plain, first);
	CHECK_INTEQ(strbuf_read_file(&data, plain), 0);
	strbuf_addstr(&data, "trailing bytes");
	CHECK_INTEQ(write_file(plain, data.buf, data.len, 0644), 0);
	file_sha256(plain, whole);
	/* A byte changed in the middle of a compressed stream. */
	write_archive(zstd, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_ZSTD, rootfs, ARRAY_SIZE(rootfs));
	file_sha256(zstd, good);
	strbuf_reset(&data);
	CHECK_INTEQ(strbuf_read_file(&data, zstd), 0);
	data.buf[data.len / 2] ^= 0x20;
	CHECK_INTEQ(write_file(zstd, data.buf, data.len, 0644), 0);

	const struct {
		const char *file, *sum;
		int want_r;
	} cases[] = {
		{ plain, whole, 0 },
		{ plain, first, -EBADMSG },
		{ zstd, good, -EBADMSG },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct stat st;

		fprintf(stderr, "# case %zu\n", i);
		CHECK_INTEQ(mkdir(target, 0755), 0);
		fd = open(cases[i].file, O_RDONLY | O_CLOEXEC);
		CHECK(fd >= 0);
		strbuf_reset(&err);
		CHECK_INTEQ(install_tar_fd(fd, "the base", cases[i].sum,
					   target, &err), cases[i].want_r);
		if (cases[i].want_r)
			CHECK(contains(&err, "'the base' does not match its "
				       "checksum: SHA-256 "));
		else
			check_members(target, rootfs, ARRAY_SIZE(rootfs), 1);
		/* fd stays open, and was read to its end. */
		CHECK_INTEQ(fstat(fd, &st), 0);
		CHECK_INTEQ(lseek(fd, 0, SEEK_CUR), st.st_size);
		close(fd);
		rm_rf(target);
	}

	strbuf_release(&data);
	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(zstd);
	free(plain);
	free(dir);
}

/* Each compression built into libarchive unpacks. */
TEST(supported_compressions)
{
	static const struct {
		int filter;
		const char *name;
	} cases[] = {
		{ ARCHIVE_FILTER_NONE, "root.tar" },
		{ ARCHIVE_FILTER_GZIP, "root.tar.gz" },
		{ ARCHIVE_FILTER_BZIP2, "root.tar.bz2" },
		{ ARCHIVE_FILTER_XZ, "root.tar.xz" },
		{ ARCHIVE_FILTER_ZSTD, "root.tar.zst" },
		{ ARCHIVE_FILTER_LZ4, "root.tar.lz4" },
	};
	char *dir = unit_mkdtemp("u-install-archive");
	char *target = path_join(dir, "target");
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *archive = path_join(dir, cases[i].name);

		fprintf(stderr, "# %s\n", cases[i].name);
		write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
			      cases[i].filter, rootfs, ARRAY_SIZE(rootfs));
		CHECK_INTEQ(mkdir(target, 0755), 0);
		CHECK_INTEQ(install_tar(archive, target, &err), 0);
		CHECK_STREQ(err.buf, "");
		check_members(target, rootfs, ARRAY_SIZE(rootfs), 1);
		rm_rf(target);
		free(archive);
	}
	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(dir);
}

/*
 * A compression that libarchive would hand to a program from PATH is
 * refused by name, and no program runs: each of them is on PATH here as
 * a script that leaves a marker, as are the programs libarchive runs for
 * the five compressions when it lacks their libraries.
 */
TEST(unsupported_compression_runs_nothing)
{
	static const struct {
		const char *file, *data;
		size_t len;
		int gzip;		/* wrapped in gzip as well */
		const char *want;
	} cases[] = {
		{ "lrzip", "LRZI\0\6junkjunkjunkjunk", 22, 0,
		  "unsupported compression 'lrzip'" },
		{ "lzop", "\x89LZO\0\r\n\x1a\njunkjunk", 17, 0,
		  "unsupported compression 'lzop'" },
		{ "grzip", "GRZipII\0\2\4:)junk", 17, 0,
		  "unsupported compression 'grzip'" },
		{ "lzip", "LZIP\1junkjunk", 13, 0,
		  "unsupported compression 'lzip'" },
		{ "compress", "\x1f\x9d\x90junkjunk", 11, 0,
		  "unsupported compression 'compress'" },
		{ "uuencode", "begin 644 root.tar\nM\n", 21, 0,
		  "unsupported compression 'uuencode'" },
		{ "gzip-lrzip", "LRZI\0\6junkjunkjunkjunk", 22, 1,
		  "not a tar or cpio archive inside its gzip compression" },
	};
	static const char *const programs[] = {
		"lrzip", "lzop", "grzip", "lzip", "lz4", "zstd", "xz", "gzip",
		"bzip2", "uudecode", "compress", "lzma", "lzcat",
	};
	char *dir = unit_mkdtemp("u-install-archive");
	char *bin = path_join(dir, "bin");
	char *marker = path_join(dir, "ran");
	char *target = path_join(dir, "target");
	char *saved = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin");
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;

	CHECK_INTEQ(mkdir(bin, 0755), 0);
	CHECK_INTEQ(mkdir(target, 0755), 0);
	strbuf_addf(&sb, "#!/bin/sh\necho \"$0 $*\" >>'%s'\ncat\n", marker);
	for (size_t i = 0; i < ARRAY_SIZE(programs); i++) {
		char *p = path_join(bin, programs[i]);

		CHECK_INTEQ(write_string(p, sb.buf, 0755), 0);
		free(p);
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s:%s", bin, saved);
	setenv("PATH", sb.buf, 1);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *file = path_join(dir, cases[i].file);

		fprintf(stderr, "# %s\n", cases[i].file);
		if (cases[i].gzip) {
			struct archive *a = archive_write_new();

			CHECK(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
			CHECK(archive_write_set_format_raw(a) == ARCHIVE_OK);
			CHECK(archive_write_open_filename(a, file) ==
			      ARCHIVE_OK);
			struct archive_entry *e = archive_entry_new();

			archive_entry_set_filetype(e, AE_IFREG);
			CHECK(archive_write_header(a, e) == ARCHIVE_OK);
			CHECK(archive_write_data(a, cases[i].data,
						 cases[i].len) ==
			      (la_ssize_t)cases[i].len);
			archive_entry_free(e);
			CHECK(archive_write_close(a) == ARCHIVE_OK);
			archive_write_free(a);
		} else {
			CHECK_INTEQ(write_file(file, cases[i].data,
					       cases[i].len, 0644), 0);
		}
		strbuf_reset(&err);
		CHECK_INTEQ(install_tar(file, target, &err), -EINVAL);
		CHECK(contains(&err, cases[i].want));
		CHECK(contains(&err, file));
		CHECK_INTEQ(entries(target), 0);
		CHECK(!path_exists(marker));
		free(file);
	}

	setenv("PATH", saved, 1);
	free(saved);
	strbuf_release(&sb);
	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(marker);
	free(bin);
	free(dir);
}

/* ---- copying a tree ---- */

static const char *walk_src, *walk_dst;
static int walk_seen, walk_sockets;

static void xattr_names(const char *path, struct strvec *ret)
{
	ssize_t len = llistxattr(path, NULL, 0);
	struct strbuf sb = STRBUF_INIT;

	CHECK(len >= 0);
	if (len <= 0)
		return;
	strbuf_grow(&sb, (size_t)len);
	len = llistxattr(path, sb.buf, (size_t)len);
	CHECK(len >= 0);
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(sb.buf + i) + 1)
		strvec_push(ret, sb.buf + i);
	strvec_sort(ret);
	strbuf_release(&sb);
}

static void xattr_value(const char *path, const char *name,
			struct strbuf *ret)
{
	ssize_t len = lgetxattr(path, name, NULL, 0);

	CHECK(len >= 0);
	if (len <= 0)
		return;
	strbuf_grow(ret, (size_t)len);
	len = lgetxattr(path, name, ret->buf, (size_t)len);
	CHECK(len >= 0);
	if (len >= 0)
		strbuf_setlen(ret, (size_t)len);
}

static void check_same_xattrs(const char *a, const char *b)
{
	struct strvec an = STRVEC_INIT, bn = STRVEC_INIT;

	xattr_names(a, &an);
	xattr_names(b, &bn);
	CHECK_INTEQ(an.nr, bn.nr);
	for (size_t i = 0; i < an.nr && i < bn.nr; i++) {
		struct strbuf av = STRBUF_INIT, bv = STRBUF_INIT;

		CHECK_STREQ(an.v[i], bn.v[i]);
		xattr_value(a, an.v[i], &av);
		xattr_value(b, an.v[i], &bv);
		CHECK(av.len == bv.len && !memcmp(av.buf, bv.buf, av.len));
		strbuf_release(&av);
		strbuf_release(&bv);
	}
	strvec_clear(&an);
	strvec_clear(&bn);
}

static int same_entry(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	char *dst = path_join(walk_dst, path + strlen(walk_src));
	struct stat d;

	(void)flag;
	(void)ftw;

	if (S_ISSOCK(st->st_mode)) {
		CHECK(!path_exists(dst));
		walk_sockets++;
		free(dst);
		return 0;
	}
	if (lstat(dst, &d) < 0) {
		fprintf(stderr, "  missing '%s'\n", dst);
		CHECK(0);
		free(dst);
		return 0;
	}
	walk_seen++;
	if (d.st_mode != st->st_mode || d.st_uid != st->st_uid ||
	    d.st_gid != st->st_gid)
		fprintf(stderr, "  '%s' differs\n", dst);
	CHECK_INTEQ(d.st_mode, st->st_mode);
	CHECK_INTEQ(d.st_uid, st->st_uid);
	CHECK_INTEQ(d.st_gid, st->st_gid);
	CHECK_INTEQ(d.st_mtim.tv_sec, st->st_mtim.tv_sec);
	CHECK_INTEQ(d.st_mtim.tv_nsec, st->st_mtim.tv_nsec);
	CHECK(d.st_ino != st->st_ino);
	if (S_ISREG(st->st_mode)) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

		CHECK_INTEQ(d.st_size, st->st_size);
		CHECK_INTEQ(strbuf_read_file(&a, path), 0);
		CHECK_INTEQ(strbuf_read_file(&b, dst), 0);
		CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
		strbuf_release(&a);
		strbuf_release(&b);
	} else if (S_ISLNK(st->st_mode)) {
		char a[256], b[256];
		ssize_t la = readlink(path, a, sizeof(a));
		ssize_t lb = readlink(dst, b, sizeof(b));

		CHECK(la > 0 && la == lb && !memcmp(a, b, (size_t)la));
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		CHECK_INTEQ(d.st_rdev, st->st_rdev);
	}
	check_same_xattrs(path, dst);
	free(dst);
	return 0;
}

static int count_entry(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	(void)flag;
	(void)path;
	(void)st;
	(void)ftw;
	walk_seen++;
	return 0;
}

static int set_times(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	struct timespec ts[2] = { { 1400000000, 0 }, { 1400000000, 0 } };

	(void)flag;
	(void)st;
	(void)ftw;

	/* Distinct per path, with nanoseconds, so a mix-up shows. */
	ts[1].tv_sec += (long)strlen(path) * 1000;
	ts[1].tv_nsec = 123456789;
	CHECK_INTEQ(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
	return 0;
}

/*
 * A POSIX ACL in the kernel's xattr form: user::rw-, user:1234:r--,
 * group::r--, mask::r--, other::---. which is system.posix_acl_access or,
 * on a directory, system.posix_acl_default.
 */
static void set_acl(const char *path, const char *which)
{
	static const uint16_t tags[] = { 0x01, 0x02, 0x04, 0x10, 0x20 };
	static const uint16_t perms[] = { 6, 4, 4, 4, 0 };
	static const uint32_t ids[] = { ~0u, 1234, ~0u, ~0u, ~0u };
	unsigned char blob[4 + 5 * 8];
	uint32_t version = 2;

	memcpy(blob, &version, 4);
	for (size_t i = 0; i < 5; i++) {
		memcpy(blob + 4 + i * 8, &tags[i], 2);
		memcpy(blob + 4 + i * 8 + 2, &perms[i], 2);
		memcpy(blob + 4 + i * 8 + 4, &ids[i], 4);
	}
	CHECK_INTEQ(setxattr(path, which, blob, sizeof(blob), 0), 0);
}

/* cap_net_raw+ep, as setcap(8) would store it. */
static void set_caps(const char *path)
{
	uint32_t cap[5] = { 0x02000001, 1u << 13, 0, 0, 0 };

	CHECK_INTEQ(setxattr(path, "security.capability", cap, sizeof(cap),
			     0), 0);
}

static void make(const char *root, const char *rel, enum kind kind,
		 mode_t perm, uid_t uid, gid_t gid, const char *data)
{
	char *p = path_join(root, rel);

	switch (kind) {
	case REG:
		CHECK_INTEQ(write_string(p, data, perm), 0);
		break;
	case DIR:
		CHECK_INTEQ(mkdir(p, perm), 0);
		break;
	case LNK:
		CHECK_INTEQ(symlink(data, p), 0);
		break;
	case HARD: {
		char *to = path_join(root, data);

		CHECK_INTEQ(link(to, p), 0);
		free(to);
		break;
	}
	case CHR:
		CHECK_INTEQ(mknod(p, S_IFCHR | perm, makedev(1, 3)), 0);
		break;
	case FIFO:
		CHECK_INTEQ(mkfifo(p, perm), 0);
		break;
	case SOCK:
		/* Made by bind(2) in the test that wants one. */
		CHECK(0);
		break;
	}
	/* A hard link shares the inode; chown would clear its setuid. */
	if (kind != HARD)
		CHECK_INTEQ(lchown(p, uid, gid), 0);
	/* After chown, which clears setuid; and past the umask. */
	if (kind != LNK && kind != HARD)
		CHECK_INTEQ(chmod(p, perm), 0);
	free(p);
}

TEST(copy_reproduces_tree)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *src = path_join(dir, "src");
	char *target = path_join(dir, "target");
	char *sock = path_join(src, "run/sock");
	char *sparse = path_join(src, "var/sparse");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct strbuf err = STRBUF_INIT;
	struct stat a, b;
	int fd, sfd;

	CHECK_INTEQ(mkdir(src, 0751), 0);
	CHECK_INTEQ(chmod(src, 0751), 0);
	CHECK_INTEQ(mkdir(target, 0700), 0);
	make(src, ".hidden", REG, 0600, 1234, 1234, "top-level dot file\n");
	make(src, ".config", DIR, 0700, 1234, 1234, NULL);
	make(src, ".config/app", REG, 0644, 1234, 1234, "k=v\n");
	make(src, "etc", DIR, 0755, 0, 0, NULL);
	make(src, "etc/passwd", REG, 0644, 0, 0, "root:x:0:0::/root:/bin/sh\n");
	make(src, "etc/shadow", REG, 0640, 0, 42, "root:*:1::::::\n");
	make(src, "usr", DIR, 0755, 0, 0, NULL);
	make(src, "usr/bin", DIR, 0755, 0, 0, NULL);
	make(src, "usr/bin/su", REG, 04755, 0, 0, "su\n");
	make(src, "usr/bin/sg", HARD, 0, 0, 0, "usr/bin/su");
	make(src, "usr/bin/wall", REG, 02755, 0, 5, "wall\n");
	make(src, "usr/bin/ping", REG, 0755, 0, 0, "ping\n");
	make(src, "bin", LNK, 0, 0, 0, "usr/bin");
	make(src, "broken", LNK, 0, 1234, 1234, "/nonexistent");
	make(src, "home", DIR, 0755, 0, 0, NULL);
	make(src, "home/user", DIR, 0700, 1234, 1234, NULL);
	make(src, "home/user/notes", REG, 0640, 1234, 1234, "notes\n");
	make(src, "tmp", DIR, 01777, 0, 0, NULL);
	make(src, "ro", DIR, 0555, 0, 0, NULL);
	make(src, "ro/inside", REG, 0444, 0, 0, "inside\n");
	make(src, "dev", DIR, 0755, 0, 0, NULL);
	make(src, "dev/null", CHR, 0666, 0, 0, NULL);
	make(src, "run", DIR, 0755, 0, 0, NULL);
	make(src, "run/initctl", FIFO, 0600, 0, 0, NULL);
	make(src, "var", DIR, 0755, 0, 0, NULL);

	/* Extended attributes, an ACL and file capabilities. */
	{
		char *ping = path_join(src, "usr/bin/ping");
		char *notes = path_join(src, "home/user/notes");
		char *user = path_join(src, "home/user");

		set_caps(ping);
		set_acl(notes, "system.posix_acl_access");
		set_acl(user, "system.posix_acl_default");
		CHECK_INTEQ(setxattr(notes, "user.origin", "guest", 5, 0), 0);
		CHECK_INTEQ(lsetxattr(src, "user.top", "1", 1, 0), 0);
		free(user);
		free(notes);
		free(ping);
	}

	/* 8 MiB with one byte of data: the holes must stay holes. */
	fd = open(sparse, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_INTEQ(pwrite(fd, "x", 1, 8 << 20), 1);
	close(fd);

	/* A socket is not something a copy can or should reproduce. */
	memcpy(addr.sun_path, sock, strlen(sock) + 1);
	sfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_INTEQ(bind(sfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(sfd);

	CHECK_INTEQ(nftw(src, set_times, 16, FTW_PHYS), 0);

	CHECK_INTEQ(install_copy(src, target, &err), 0);
	CHECK_STREQ(err.buf, "");

	walk_src = src;
	walk_dst = target;
	walk_seen = walk_sockets = 0;
	CHECK_INTEQ(nftw(src, same_entry, 16, FTW_PHYS), 0);
	CHECK_INTEQ(walk_sockets, 1);
	CHECK_INTEQ(walk_seen, 27);
	/* Nothing extra in the copy either. */
	walk_seen = 0;
	CHECK_INTEQ(nftw(target, count_entry, 16, FTW_PHYS), 0);
	CHECK_INTEQ(walk_seen, 27);

	{
		char *su = path_join(target, "usr/bin/su");
		char *sg = path_join(target, "usr/bin/sg");
		char *hidden = path_join(target, ".hidden");
		char *ping = path_join(target, "usr/bin/ping");
		char *copy = path_join(target, "var/sparse");
		char *notes = path_join(target, "home/user/notes");
		char *user = path_join(target, "home/user");

		CHECK_INTEQ(lstat(su, &a), 0);
		CHECK_INTEQ(lstat(sg, &b), 0);
		CHECK_INTEQ(a.st_ino, b.st_ino);
		CHECK_INTEQ(a.st_nlink, 2);
		CHECK_INTEQ(a.st_mode & 07777, 04755);
		CHECK_INTEQ(lstat(hidden, &a), 0);
		CHECK_INTEQ(a.st_uid, 1234);
		CHECK(lgetxattr(ping, "security.capability", NULL, 0) > 0);
		CHECK(lgetxattr(notes, "system.posix_acl_access", NULL, 0) >
		      0);
		CHECK(lgetxattr(user, "system.posix_acl_default", NULL, 0) >
		      0);
		CHECK_INTEQ(lstat(copy, &a), 0);
		CHECK_INTEQ(a.st_size, (8 << 20) + 1);
		CHECK(a.st_blocks * 512 < (1 << 20));
		CHECK_INTEQ(lstat(target, &a), 0);
		CHECK_INTEQ(a.st_mode & 07777, 0751);
		free(user);
		free(notes);
		free(copy);
		free(ping);
		free(hidden);
		free(sg);
		free(su);
	}

	strbuf_release(&err);
	rm_rf(dir);
	free(sparse);
	free(sock);
	free(target);
	free(src);
	free(dir);
}

TEST(copy_refuses_bad_arguments)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *src = path_join(dir, "src");
	char *inside = path_join(src, "guest");
	char *file = path_join(dir, "file");
	char *missing = path_join(dir, "missing");
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(mkdir(src, 0755), 0);
	CHECK_INTEQ(mkdir(inside, 0755), 0);
	CHECK_INTEQ(write_string(file, "x", 0644), 0);

	CHECK_INTEQ(install_copy(src, inside, &err), -EINVAL);
	CHECK(contains(&err, inside));
	CHECK_INTEQ(install_copy(src, src, &err), -EINVAL);
	CHECK_INTEQ(install_copy(missing, inside, &err), -ENOENT);
	CHECK(contains(&err, missing));
	CHECK_INTEQ(install_copy(file, inside, &err), -ENOTDIR);
	CHECK_INTEQ(install_copy(src, missing, &err), -ENOENT);
	/* None of that wrote anything. */
	{
		struct strvec sv = STRVEC_INIT;

		CHECK_INTEQ(list_dir(inside, &sv), 0);
		CHECK_INTEQ(sv.nr, 0);
		strvec_clear(&sv);
	}

	strbuf_release(&err);
	rm_rf(dir);
	free(missing);
	free(file);
	free(inside);
	free(src);
	free(dir);
}

TEST(copy_stays_on_one_file_system)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *src = path_join(dir, "src");
	char *proc = path_join(src, "proc");
	char *inside = path_join(proc, "meminfo");
	char *target = path_join(dir, "target");
	char *copied = path_join(target, "proc");
	char *leaked = path_join(target, "proc/meminfo");
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(mkdir(src, 0755), 0);
	CHECK_INTEQ(mkdir(proc, 0555), 0);
	CHECK_INTEQ(mkdir(target, 0755), 0);
	/* A guest tree with its /proc still mounted, as after a chroot. */
	if (mount("none", proc, "tmpfs", 0, "mode=0555") < 0) {
		fprintf(stderr, "# skipped: cannot mount tmpfs: %s\n",
			strerror(errno));
		goto out;
	}
	CHECK_INTEQ(write_string(inside, "MemTotal: 1 kB\n", 0444), 0);

	CHECK_INTEQ(install_copy(src, target, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK(path_is_dir(copied));
	CHECK(!path_exists(leaked));

	CHECK_INTEQ(umount(proc), 0);
out:
	strbuf_release(&err);
	rm_rf(dir);
	free(leaked);
	free(copied);
	free(target);
	free(inside);
	free(proc);
	free(src);
	free(dir);
}

static long get_fflags(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int flags = 0;

	CHECK(fd >= 0);
	if (fd < 0)
		return -1;
	CHECK_INTEQ(ioctl(fd, FS_IOC_GETFLAGS, &flags), 0);
	close(fd);
	return flags;
}

TEST(copy_file_flags)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *src = path_join(dir, "src");
	char *file = path_join(src, "history");
	char *target = path_join(dir, "target");
	char *copied = path_join(target, "history");
	struct strbuf err = STRBUF_INIT;
	int fd, flags;

	CHECK_INTEQ(mkdir(src, 0755), 0);
	CHECK_INTEQ(mkdir(target, 0755), 0);
	CHECK_INTEQ(write_string(file, "ls\n", 0600), 0);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INTEQ(ioctl(fd, FS_IOC_GETFLAGS, &flags), 0);
	flags |= FS_NODUMP_FL | FS_NOATIME_FL;
	CHECK_INTEQ(ioctl(fd, FS_IOC_SETFLAGS, &flags), 0);
	close(fd);

	/* Same kind of file system: the flags come across. */
	CHECK_INTEQ(install_copy(src, target, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(get_fflags(copied) & (FS_NODUMP_FL | FS_NOATIME_FL),
		    FS_NODUMP_FL | FS_NOATIME_FL);

	/*
	 * Onto tmpfs, which has no extents: ext4 marks nearly every file
	 * with FS_EXTENT_FL, and carrying that over must not fail the copy.
	 */
	rm_rf(target);
	CHECK_INTEQ(mkdir(target, 0755), 0);
	if (!(get_fflags(file) & FS_EXTENT_FL))
		fprintf(stderr, "# note: '%s' has no extents flag\n", file);
	if (mount("none", target, "tmpfs", 0, NULL) < 0) {
		fprintf(stderr, "# skipped: cannot mount tmpfs: %s\n",
			strerror(errno));
		goto out;
	}
	CHECK_INTEQ(install_copy(src, target, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(get_fflags(copied) & (FS_NODUMP_FL | FS_NOATIME_FL),
		    FS_NODUMP_FL | FS_NOATIME_FL);
	CHECK_INTEQ(umount(target), 0);
out:
	strbuf_release(&err);
	rm_rf(dir);
	free(copied);
	free(target);
	free(file);
	free(src);
	free(dir);
}

TEST(tar_file_flags)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "flags.tar");
	char *target = path_join(dir, "target");
	char *file = path_join(target, "history");
	struct strbuf err = STRBUF_INIT;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	/* As bsdtar records them; nocow is a btrfs matter ext4 refuses. */
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_none(a);
	CHECK(archive_write_open_filename(a, archive) == ARCHIVE_OK);
	archive_entry_copy_pathname(e, "history");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, 3);
	CHECK(archive_entry_copy_fflags_text(e, "nodump,noatime,nocow") ==
	      NULL);
	CHECK(archive_write_header(a, e) == ARCHIVE_OK);
	CHECK(archive_write_data(a, "ls\n", 3) == 3);
	archive_entry_free(e);
	CHECK(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);

	CHECK_INTEQ(mkdir(target, 0755), 0);
	CHECK_INTEQ(install_tar(archive, target, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(get_fflags(file) & (FS_NODUMP_FL | FS_NOATIME_FL |
					FS_NOCOW_FL),
		    FS_NODUMP_FL | FS_NOATIME_FL);

	strbuf_release(&err);
	rm_rf(dir);
	free(file);
	free(target);
	free(archive);
	free(dir);
}

TEST(overlay_leaves_the_target_directory_alone)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *src = path_join(dir, "skel"), *dst = path_join(dir, "root");
	char *key = path_join(dir, "skel/root");
	char *got = path_join(dir, "root/root/.profile");
	char *file = path_join(dir, "skel/root/.profile");
	struct strbuf err = STRBUF_INIT;
	struct stat st;

	CHECK(mkdir(src, 0700) == 0);
	CHECK(mkdir(key, 0700) == 0);
	CHECK(write_string(file, "x\n", 0600) == 0);
	CHECK(mkdir(dst, 0755) == 0);
	CHECK_INTEQ(install_overlay(src, dst, &err), 0);
	CHECK(stat(dst, &st) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(stat(got, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* A plain copy does carry the source's mode to the target. */
	CHECK_INTEQ(install_copy(src, dst, &err), 0);
	CHECK(stat(dst, &st) == 0 && (st.st_mode & 07777) == 0700);
	rm_rf(dir);
	strbuf_release(&err);
	free(src);
	free(dst);
	free(key);
	free(got);
	free(file);
	free(dir);
}

/* ---- signals ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * SIGINT and SIGTERM only set a flag; a big tarball or tree must still see
 * it between members and stop, writing nothing more. With the signal
 * already pending, nothing at all is written.
 */
TEST(pending_signal_stops_install)
{
	enum { TAR, TAR_URL, COPY, OVERLAY };
	static const struct {
		const char *what;
		int how;
	} cases[] = {
		{ "tar", TAR },
		{ "tar from a file:// URL", TAR_URL },
		{ "copy", COPY },
		{ "overlay", OVERLAY },
	};
	char *dir = unit_mkdtemp("u-install-archive");
	char *archive = path_join(dir, "root.tar.gz");
	char *src = path_join(dir, "src");
	struct strbuf url = STRBUF_INIT;

	write_archive(archive, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED,
		      ARCHIVE_FILTER_GZIP, rootfs, ARRAY_SIZE(rootfs));
	CHECK_INTEQ(mkdir(src, 0755), 0);
	make(src, "etc", DIR, 0755, 0, 0, NULL);
	make(src, "etc/hostname", REG, 0644, 0, 0, "guest\n");
	strbuf_addf(&url, "file://%s", archive);
	CHECK_INTEQ(signals_install(), 0);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *target = path_join(dir, "target");
		struct strbuf err = STRBUF_INIT;
		struct strvec left = STRVEC_INIT;
		const char *source = cases[i].how == TAR ? archive :
				     cases[i].how == TAR_URL ? url.buf : src;
		double t0;
		int r = 0;

		fprintf(stderr, "# %s\n", cases[i].what);
		CHECK_INTEQ(mkdir(target, 0700), 0);
		signals_reset();
		raise(SIGTERM);
		CHECK_INTEQ(signals_pending(), SIGTERM);
		t0 = now();
		switch (cases[i].how) {
		case TAR:
		case TAR_URL:
			r = install_tar(source, target, &err);
			break;
		case COPY:
			r = install_copy(source, target, &err);
			break;
		case OVERLAY:
			r = install_overlay(source, target, &err);
			break;
		}
		CHECK(now() - t0 < 2.0);
		CHECK_INTEQ(r, -EINTR);
		CHECK(contains(&err, "interrupted"));
		CHECK(contains(&err, source));
		CHECK(!strchr(err.buf, '\n'));
		CHECK_INTEQ(list_dir(target, &left), 0);
		CHECK_INTEQ(left.nr, 0);
		/* It stays pending for the caller to act on. */
		CHECK_INTEQ(signals_pending(), SIGTERM);
		signals_reset();

		/* Without the signal the same call succeeds. */
		rm_rf(target);
		CHECK_INTEQ(mkdir(target, 0700), 0);
		if (cases[i].how == TAR || cases[i].how == TAR_URL)
			CHECK_INTEQ(install_tar(source, target, &err), 0);
		else
			CHECK_INTEQ(install_copy(source, target, &err), 0);

		strvec_clear(&left);
		strbuf_release(&err);
		rm_rf(target);
		free(target);
	}

	signals_reset();
	strbuf_release(&url);
	rm_rf(dir);
	free(src);
	free(archive);
	free(dir);
}

/*
 * A download that has stalled: the server sends part of the body, then
 * SIGTERM to us, then nothing. The fetch must give up at once, not after
 * the stall timeout; the server hangs up after 5 s, so without the check
 * this fails as a short transfer instead of hanging.
 */
TEST(signal_stops_stalled_download)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *target = path_join(dir, "target");
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct strbuf url = STRBUF_INIT, err = STRBUF_INIT;
	pid_t parent = getpid(), pid;
	int lfd, status;
	double t0, took;

	CHECK_INTEQ(mkdir(target, 0700), 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	CHECK_INTEQ(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_INTEQ(listen(lfd, 1), 0);
	CHECK_INTEQ(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	strbuf_addf(&url, "http://127.0.0.1:%d/root.tar.gz",
		    ntohs(sin.sin_port));
	CHECK_INTEQ(signals_install(), 0);
	signals_reset();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		static const char head[] = "HTTP/1.1 200 OK\r\n"
					   "Content-Length: 1000000\r\n"
					   "Connection: close\r\n\r\n"
					   "\x1f\x8b";
		struct timespec ts = { 5, 0 };
		char buf[1024];
		int c = accept(lfd, NULL, NULL);

		if (c >= 0 && read(c, buf, sizeof(buf)) > 0 &&
		    write(c, head, sizeof(head) - 1) > 0)
			kill(parent, SIGTERM);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	CHECK(pid > 0);
	close(lfd);

	t0 = now();
	if (pid > 0)
		CHECK_INTEQ(install_tar(url.buf, target, &err), -EINTR);
	took = now() - t0;
	CHECK(took < 3.0);
	CHECK(contains(&err, "interrupted"));
	CHECK(contains(&err, url.buf));
	CHECK_INTEQ(signals_pending(), SIGTERM);

	if (pid > 0) {
		kill(pid, SIGKILL);
		CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	}
	signals_reset();
	strbuf_release(&url);
	strbuf_release(&err);
	rm_rf(dir);
	free(target);
	free(dir);
}

/* What archive_tree() wrote: "NAME MTIME ATIME-SET CTIME-SET" per member. */
static void list_times(const char *path, struct strbuf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK)
		abort();
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		strbuf_addf(out, "%s %lld.%ld %d %d\n",
			    archive_entry_pathname(e),
			    (long long)archive_entry_mtime(e),
			    archive_entry_mtime_nsec(e),
			    archive_entry_atime_is_set(e),
			    archive_entry_ctime_is_set(e));
	archive_read_free(a);
}

/* What archive_tree() wrote: "NAME" or "NAME -> LINK" per member. */
static void list_members(const char *path, struct strbuf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK)
		abort();
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		strbuf_addstr(out, archive_entry_pathname(e));
		if (archive_entry_hardlink(e))
			strbuf_addf(out, " => %s", archive_entry_hardlink(e));
		if (archive_entry_symlink(e))
			strbuf_addf(out, " -> %s", archive_entry_symlink(e));
		strbuf_addch(out, '\n');
	}
	archive_read_free(a);
}

TEST(archive_tree_sorts_members)
{
	/* Made in an order no sort gives, so a walk in creation or hash
	 * order shows. */
	static const char *const files[] = {
		"zz", "b/y", "b/x", "B", "a.d/k", "a", "b/sub/q", "b/sub/p",
	};
	char *dir = unit_mkdtemp("u-install-archive");
	char *tree = path_join(dir, "tree"), *tar = path_join(dir, "t.tar");
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT, p = STRBUF_INIT;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, sock;

	CHECK_INTEQ(mkdir(tree, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *f = path_join(tree, files[i]), *slash = strrchr(f, '/');

		*slash = '\0';
		CHECK_INTEQ(mkdir_p(f, 0755), 0);
		*slash = '/';
		CHECK_INTEQ(write_string(f, files[i], 0644), 0);
		free(f);
	}
	/* The link made first sorts last: the member met first is the file. */
	strbuf_addf(&p, "%s/zz", tree);
	strbuf_addf(&got, "%s/b/hard", tree);
	CHECK_INTEQ(link(p.buf, got.buf), 0);
	strbuf_reset(&got);
	strbuf_addf(&got, "%s/b/sym", tree);
	CHECK_INTEQ(symlink("../zz", got.buf), 0);
	/* Sockets are left out. */
	strbuf_reset(&got);
	strbuf_addf(&got, "%s/b/sock", tree);
	CHECK(got.len < sizeof(sa.sun_path));
	memcpy(sa.sun_path, got.buf, got.len);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(sock >= 0);
	CHECK_INTEQ(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(sock);

	strbuf_reset(&got);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INTEQ(archive_tree(tree, fd, NULL, NULL, &err), 0);
	close(fd);
	list_members(tar, &got);
	CHECK_STREQ(got.buf, "./\n"
			     "B\n"
			     "a\n"
			     "a.d/\n"
			     "a.d/k\n"
			     "b/\n"
			     "b/hard\n"
			     "b/sub/\n"
			     "b/sub/p\n"
			     "b/sub/q\n"
			     "b/sym -> ../zz\n"
			     "b/x\n"
			     "b/y\n"
			     "zz => b/hard\n");

	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
	free(tree);
	free(tar);
	strbuf_release(&err);
	strbuf_release(&got);
	strbuf_release(&p);
}

#define LONG_NAME "new-" \
	"0123456789012345678901234567890123456789012345678901234567890123456789" \
	"0123456789012345678901234567890123456789"

TEST(archive_tree_clamps_times_to_source_date_epoch)
{
	char *dir = unit_mkdtemp("u-install-archive");
	char *tree = path_join(dir, "tree"), *tar = path_join(dir, "t.tar");
	/* A name too long for ustar: its pax header carries the mtime's
	 * nanoseconds, as one with xattrs or ACLs does. */
	char *old = path_join(tree, "old"), *new = path_join(tree, LONG_NAME);
	struct timespec told[2] = { { MTIME_BASE, 5 }, { MTIME_BASE, 5 } };
	struct timespec tnew[2] = { { MTIME_BASE + 100, 7 },
				    { MTIME_BASE + 100, 7 } };
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
	int fd;

	CHECK_INTEQ(mkdir(tree, 0755), 0);
	CHECK_INTEQ(write_string(old, "o", 0644), 0);
	CHECK_INTEQ(write_string(new, "n", 0644), 0);
	CHECK_INTEQ(utimensat(AT_FDCWD, old, told, 0), 0);
	CHECK_INTEQ(utimensat(AT_FDCWD, new, tnew, 0), 0);
	CHECK_INTEQ(utimensat(AT_FDCWD, tree, tnew, 0), 0);

	/* Unset: every time as it is. */
	unsetenv("SOURCE_DATE_EPOCH");
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INTEQ(archive_tree(tree, fd, NULL, NULL, &err), 0);
	close(fd);
	list_times(tar, &got);
	CHECK(contains(&got, LONG_NAME " 1500000100.7 0 0\n"));
	CHECK(contains(&got, "old 1500000000.0 0 0\n"));

	/* Set: nothing later than it (not by a nanosecond), and no atime
	 * or ctime at all. */
	setenv("SOURCE_DATE_EPOCH", "1500000050", 1);
	strbuf_reset(&got);
	fd = open(tar, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK_INTEQ(archive_tree(tree, fd, NULL, NULL, &err), 0);
	close(fd);
	list_times(tar, &got);
	CHECK_STREQ(got.buf, "./ 1500000050.0 0 0\n"
			     LONG_NAME " 1500000050.0 0 0\n"
			     "old 1500000000.0 0 0\n");

	/* Not a number of seconds: as if unset. */
	setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
	strbuf_reset(&got);
	fd = open(tar, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK_INTEQ(archive_tree(tree, fd, NULL, NULL, &err), 0);
	close(fd);
	list_times(tar, &got);
	CHECK(contains(&got, LONG_NAME " 1500000100.7 0 0\n"));
	unsetenv("SOURCE_DATE_EPOCH");

	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
	free(tree);
	free(tar);
	free(old);
	free(new);
	strbuf_release(&err);
	strbuf_release(&got);
}
