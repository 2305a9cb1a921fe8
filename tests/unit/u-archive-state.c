/*
 * u-archive-state.c: the state of the archive from signed InRelease files.
 * No network: a file:// mirror is built from the real signed files apt
 * keeps in /var/lib/apt/lists, and checked against the real keyring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive-state.h"
#include "clock.h"
#include "fsutil.h"
#include "macros.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define LISTS "/var/lib/apt/lists"

/* The real files, and what the tests read from them on their own. */
static struct real {
	const char *list;	/* its name in LISTS */
	const char *repo;	/* the mirror's last path component */
	const char *suite;
	struct strbuf text;
	time_t date, until;
	char sha256[SHA256_HEX_SIZE];
} real[] = {
	{ "deb.debian.org_debian_dists_bookworm_InRelease", "debian",
	  "bookworm", STRBUF_INIT, 0, 0, "" },
	{ "deb.debian.org_debian_dists_bookworm-updates_InRelease", "debian",
	  "bookworm-updates", STRBUF_INIT, 0, 0, "" },
	{ "deb.debian.org_debian-security_dists_bookworm-security_InRelease",
	  "debian-security", "bookworm-security", STRBUF_INIT, 0, 0, "" },
};

enum { BOOKWORM, UPDATES, SECURITY };

static char *root;		/* the scratch directory */
static int ready;		/* 1 set up, -1 skipped */
static struct suite_ref refs[ARRAY_SIZE(real)];
static time_t now;		/* an hour after the newest Date */

static void remove_root(void)
{
	(void)rm_rf(root);
	free(root);
}

static int contains(const struct strbuf *sb, const char *needle)
{
	if (!strstr(sb->buf, needle)) {
		fprintf(stderr, "  '%s' does not contain '%s'\n", sb->buf,
			needle);
		return 0;
	}
	return 1;
}

/* The test's own reading of a header field: the first line naming it. */
static time_t header_date(const char *text, const char *name)
{
	struct strbuf key = STRBUF_INIT;
	const char *p;
	struct tm tm = { 0 };
	time_t t = 0;

	strbuf_addf(&key, "\n%s: ", name);
	p = strstr(text, key.buf);
	if (p && strptime(p + key.len, "%a, %d %b %Y %H:%M:%S UTC", &tm))
		t = timegm(&tm);
	strbuf_release(&key);
	return t;
}

static char *in_root(const char *rel)
{
	return path_join(root, rel);
}

/* Write text as ROOT/name/dists/suite/InRelease; the mirror's URL. */
static char *mirror_with(const char *name, const char *suite,
			 const struct strbuf *text)
{
	struct strbuf path = STRBUF_INIT, url = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s/dists/%s", root, name, suite);
	if (mkdir_p(path.buf, 0755) < 0)
		abort();
	strbuf_addstr(&path, "/InRelease");
	if (write_file(path.buf, text->buf, text->len, 0644) < 0)
		abort();
	strbuf_addf(&url, "file://%s/%s", root, name);
	strbuf_release(&path);
	return strbuf_detach(&url, NULL);
}

/* Copy the real files into ROOT/debian and ROOT/debian-security. */
static int setup(void)
{
	const char *base = getenv("TMPDIR");

	if (ready)
		return ready > 0;
	ready = -1;
	for (size_t i = 0; i < ARRAY_SIZE(real); i++) {
		struct strbuf path = STRBUF_INIT;
		int r;

		strbuf_addf(&path, "%s/%s", LISTS, real[i].list);
		r = strbuf_read_file(&real[i].text, path.buf);
		strbuf_release(&path);
		if (r < 0 || access(ARCHIVE_KEYRING, R_OK) < 0 ||
		    access("/usr/bin/gpgv", X_OK) < 0) {
			fprintf(stderr, "# skipped: needs %s/%s, %s and gpgv\n",
				LISTS, real[i].list, ARCHIVE_KEYRING);
			return 0;
		}
	}
	root = path_join(base && *base ? base : "/tmp",
			 "u-archive-state.XXXXXX");
	if (!mkdtemp(root))
		abort();
	atexit(remove_root);
	for (size_t i = 0; i < ARRAY_SIZE(real); i++) {
		struct real *f = &real[i];

		f->date = header_date(f->text.buf, "Date");
		f->until = header_date(f->text.buf, "Valid-Until");
		sha256_hex(f->text.buf, f->text.len, f->sha256);
		refs[i].mirror = mirror_with(f->repo, f->suite, &f->text);
		refs[i].suite = f->suite;
		if (f->date + 3600 > now)
			now = f->date + 3600;
	}
	ready = 1;
	return 1;
}

static void check_real(const struct suite_state *st, const struct real *f)
{
	CHECK_STREQ(st->suite, f->suite);
	CHECK_INTEQ(st->date, f->date);
	CHECK_INTEQ(st->valid_until, f->until);
	CHECK_STREQ(st->sha256, f->sha256);
}

TEST(good_state_of_three_suites)
{
	struct archive_opts o = { .now = 0 };
	struct archive_state s = ARCHIVE_STATE_INIT;
	struct strbuf err = STRBUF_INIT;
	time_t newest = 0;

	if (!setup())
		return;
	o.now = now;
	CHECK_INTEQ(archive_state_get(refs, ARRAY_SIZE(refs), &o, &s, &err),
		    0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(s.nr, ARRAY_SIZE(real));
	for (size_t i = 0; i < s.nr && i < ARRAY_SIZE(real); i++) {
		check_real(&s.v[i], &real[i]);
		if (real[i].date > newest)
			newest = real[i].date;
	}
	/* The security suite expires, the others do not. */
	CHECK(real[SECURITY].until > 0);
	CHECK_INTEQ(s.checked, now);
	CHECK_INTEQ(archive_state_date(&s), newest);
	archive_state_release(&s);
	CHECK_INTEQ(s.nr, 0);

	/* Suites come back in the order asked for. */
	{
		struct suite_ref two[] = { refs[SECURITY], refs[BOOKWORM] };

		CHECK_INTEQ(archive_state_get(two, 2, &o, &s, &err), 0);
		CHECK_INTEQ(s.nr, 2);
		if (s.nr == 2) {
			check_real(&s.v[0], &real[SECURITY]);
			check_real(&s.v[1], &real[BOOKWORM]);
		}
		archive_state_release(&s);
	}
	strbuf_release(&err);
}

/* Changes made to the real bookworm-updates file. */
static void flip_signed_byte(struct strbuf *sb)
{
	char *p = strstr(sb->buf, "Origin: Debian");

	p[strlen("Origin: Debia")] = 'm';
}

static void flip_signature_byte(struct strbuf *sb)
{
	char *p = strstr(sb->buf, "-----BEGIN PGP SIGNATURE-----");

	/* Inside the first signature's packet, past the armor headers. */
	p = strstr(p, "\n\n") + 40;
	*p = *p == 'A' ? 'B' : 'A';
}

static void append_date(struct strbuf *sb)
{
	strbuf_addstr(sb, "Date: Mon, 01 Jan 2035 00:00:00 UTC\n");
}

static void prepend_date(struct strbuf *sb)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addstr(&t, "Date: Mon, 01 Jan 2035 00:00:00 UTC\n\n");
	strbuf_add(&t, sb->buf, sb->len);
	strbuf_reset(sb);
	strbuf_add(sb, t.buf, t.len);
	strbuf_release(&t);
}

/* Two signed texts, each good: gpgv's output would hold both. */
static void append_signed(struct strbuf *sb)
{
	strbuf_add(sb, real[SECURITY].text.buf, real[SECURITY].text.len);
}

static void prepend_signed(struct strbuf *sb)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_add(&t, real[SECURITY].text.buf, real[SECURITY].text.len);
	strbuf_add(&t, sb->buf, sb->len);
	strbuf_reset(sb);
	strbuf_add(sb, t.buf, t.len);
	strbuf_release(&t);
}

static void truncate_half(struct strbuf *sb)
{
	strbuf_setlen(sb, sb->len / 2);
}

static void empty(struct strbuf *sb)
{
	strbuf_reset(sb);
}

TEST(changed_files)
{
	static const struct {
		const char *name;
		void (*change)(struct strbuf *sb);
		int want;
		const char *msg;
	} cases[] = {
		{ "signed-byte", flip_signed_byte, -EBADMSG,
		  "is not signed by a key in '" ARCHIVE_KEYRING "'" },
		{ "signature-byte", flip_signature_byte, -EBADMSG,
		  "is not signed by a key in" },
		{ "append-date", append_date, 0, NULL },
		{ "prepend-date", prepend_date, 0, NULL },
		{ "append-signed", append_signed, -EBADMSG,
		  "is not signed by a key in" },
		{ "prepend-signed", prepend_signed, -EBADMSG,
		  "is not signed by a key in" },
		{ "truncated", truncate_half, -EBADMSG,
		  "is not signed by a key in" },
		{ "empty", empty, -EBADMSG, "is not signed by a key in" },
	};
	struct archive_opts o = { .now = 0 };

	if (!setup())
		return;
	o.now = now;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		struct strbuf name = STRBUF_INIT, url = STRBUF_INIT;
		struct archive_state s = ARCHIVE_STATE_INIT;
		struct suite_ref ref;
		int r;

		strbuf_add(&text, real[UPDATES].text.buf,
			   real[UPDATES].text.len);
		cases[i].change(&text);
		strbuf_addf(&name, "changed-%s", cases[i].name);
		ref.mirror = mirror_with(name.buf, "bookworm-updates", &text);
		ref.suite = "bookworm-updates";
		strbuf_addf(&url, "'%s/dists/bookworm-updates/InRelease'",
			    ref.mirror);
		r = archive_state_get(&ref, 1, &o, &s, &err);
		if (r != cases[i].want)
			fprintf(stderr, "  case %s: %s\n", cases[i].name,
				err.buf);
		CHECK_INTEQ(r, cases[i].want);
		if (cases[i].msg) {
			CHECK(contains(&err, url.buf));
			CHECK(contains(&err, cases[i].msg));
			CHECK_INTEQ(s.nr, 0);
		} else if (s.nr == 1) {
			char sum[SHA256_HEX_SIZE];

			/* The Date outside the signed part does not count;
			 * the file's checksum is of all of it. */
			CHECK_INTEQ(s.v[0].date, real[UPDATES].date);
			sha256_hex(text.buf, text.len, sum);
			CHECK_STREQ(s.v[0].sha256, sum);
		} else {
			CHECK_INTEQ(s.nr, 1);
		}
		archive_state_release(&s);
		free((char *)ref.mirror);
		strbuf_release(&text);
		strbuf_release(&err);
		strbuf_release(&name);
		strbuf_release(&url);
	}
}

TEST(keyrings)
{
	char *none = NULL;
	const char *one =
		"/usr/share/keyrings/debian-archive-bookworm-automatic.gpg";
	struct archive_opts o = { .now = 0 };
	struct archive_state s = ARCHIVE_STATE_INIT;
	struct strbuf err = STRBUF_INIT;

	if (!setup())
		return;
	o.now = now;
	/* A keyring without the signers' keys. */
	none = in_root("empty.gpg");
	CHECK_INTEQ(write_file(none, "", 0, 0644), 0);
	o.keyring = none;
	CHECK_INTEQ(archive_state_get(&refs[UPDATES], 1, &o, &s, &err),
		    -EBADMSG);
	CHECK(contains(&err, "is not signed by a key in '"));
	CHECK(contains(&err, none));

	/* One that cannot be read is said so, not blamed on the file. */
	o.keyring = "/nonexistent/keyring.gpg";
	CHECK_INTEQ(archive_state_get(&refs[UPDATES], 1, &o, &s, &err),
		    -ENOENT);
	CHECK(contains(&err, "cannot read keyring '/nonexistent/"));

	/*
	 * One holding the key of one of the two signatures: the other,
	 * by a key gpgv does not have, does not spoil the good one.
	 */
	if (access(one, R_OK) == 0) {
		o.keyring = one;
		CHECK_INTEQ(archive_state_get(&refs[UPDATES], 1, &o, &s,
					      &err), 0);
		if (s.nr == 1)
			check_real(&s.v[0], &real[UPDATES]);
		archive_state_release(&s);
	}
	free(none);
	strbuf_release(&err);
}

TEST(another_suites_file)
{
	struct archive_opts o = { .now = 0 };
	struct archive_state s = ARCHIVE_STATE_INIT;
	struct strbuf err = STRBUF_INIT;
	struct suite_ref ref = { NULL, "bookworm-backports" };

	if (!setup())
		return;
	o.now = now;
	/* A well-signed bookworm served as bookworm-backports. */
	ref.mirror = mirror_with("swapped", "bookworm-backports",
				 &real[BOOKWORM].text);
	CHECK_INTEQ(archive_state_get(&ref, 1, &o, &s, &err), -EBADMSG);
	CHECK(contains(&err, "is the archive of 'bookworm', not "
		       "'bookworm-backports'"));
	free((char *)ref.mirror);

	/* The old security layout names the release before its "/". */
	ref.mirror = mirror_with("old-layout", "bookworm/updates",
				 &real[BOOKWORM].text);
	ref.suite = "bookworm/updates";
	CHECK_INTEQ(archive_state_get(&ref, 1, &o, &s, &err), 0);
	if (s.nr == 1)
		CHECK_STREQ(s.v[0].suite, "bookworm/updates");
	archive_state_release(&s);
	free((char *)ref.mirror);
	strbuf_release(&err);
}

TEST(expired)
{
	struct archive_opts o = { .now = 0 };
	struct archive_state s = ARCHIVE_STATE_INIT;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char when[64];
	struct tm tm;

	if (!setup() || !real[SECURITY].until)
		return;
	o.now = real[SECURITY].until + 1;
	CHECK_INTEQ(archive_state_get(refs, ARRAY_SIZE(refs), &o, &s, &err),
		    -EBADMSG);
	gmtime_r(&real[SECURITY].until, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	strbuf_addf(&want, "'%s/dists/bookworm-security/InRelease' expired "
		    "on %s UTC: the mirror serves an outdated archive",
		    refs[SECURITY].mirror, when);
	CHECK_STREQ(err.buf, want.buf);
	CHECK_INTEQ(s.nr, 0);

	/* Up to the second it is still valid. */
	o.now = real[SECURITY].until;
	CHECK_INTEQ(archive_state_get(&refs[SECURITY], 1, &o, &s, &err), 0);
	archive_state_release(&s);
	strbuf_release(&err);
	strbuf_release(&want);
}

TEST(unreachable)
{
	static const struct {
		const char *mirror, *msg;
	} cases[] = {
		{ "http://127.0.0.1:9/debian", "cannot reach 'http://127.0.0.1:"
		  "9/debian/dists/bookworm/InRelease': " },
		{ "file:///nonexistent/debian", "cannot reach 'file:///"
		  "nonexistent/debian/dists/bookworm/InRelease': " },
	};
	struct archive_opts o = { .timeout = 10 };

	if (!setup())
		return;
	o.now = now;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct suite_ref two[] = { refs[UPDATES],
					   { cases[i].mirror, "bookworm" } };
		struct archive_state s = ARCHIVE_STATE_INIT;
		struct strbuf err = STRBUF_INIT;
		long long start = clock_ms();

		CHECK_INTEQ(archive_state_get(two, 2, &o, &s, &err),
			    -ENETUNREACH);
		CHECK(contains(&err, cases[i].msg));
		CHECK(clock_ms() - start < 5000);
		CHECK_INTEQ(s.nr, 0);
		strbuf_release(&err);
	}
}

/*
 * A one-process HTTP server for SUITE = bookworm-updates: /debian/ has
 * the real file, /moved/ redirects there, /to-file/ redirects to a file://
 * URL, /big/ sends 17 MiB, and anything else is 404.
 */
static void serve(int lfd)
{
	static const char path[] = "/dists/bookworm-updates/InRelease";
	static char xs[64 << 10];

	/* A client that hangs up must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	memset(xs, 'x', sizeof(xs));
	for (;;) {
		struct strbuf req = STRBUF_INIT, resp = STRBUF_INIT;
		size_t big = 0;
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
		if (!strstr(req.buf, path)) {
			strbuf_addstr(&resp, "HTTP/1.1 404 Not Found\r\n"
				      "Content-Length: 0\r\n\r\n");
		} else if (!strncmp(req.buf, "GET /debian/", 12)) {
			strbuf_addf(&resp, "HTTP/1.1 200 OK\r\n"
				    "Content-Length: %zu\r\n\r\n",
				    real[UPDATES].text.len);
			strbuf_add(&resp, real[UPDATES].text.buf,
				   real[UPDATES].text.len);
		} else if (!strncmp(req.buf, "GET /moved/", 11)) {
			strbuf_addf(&resp, "HTTP/1.1 302 Found\r\n"
				    "Location: /debian%s\r\n"
				    "Content-Length: 0\r\n\r\n", path);
		} else if (!strncmp(req.buf, "GET /to-file/", 13)) {
			strbuf_addf(&resp, "HTTP/1.1 302 Found\r\n"
				    "Location: %s%s\r\n"
				    "Content-Length: 0\r\n\r\n",
				    refs[UPDATES].mirror, path);
		} else if (!strncmp(req.buf, "GET /big/", 9)) {
			big = 17 << 20;
			strbuf_addf(&resp, "HTTP/1.1 200 OK\r\n"
				    "Content-Length: %zu\r\n\r\n", big);
		} else {
			strbuf_addstr(&resp, "HTTP/1.1 404 Not Found\r\n"
				      "Content-Length: 0\r\n\r\n");
		}
		/* Stops where the client hangs up. */
		if (write_all(c, resp.buf, resp.len) == 0)
			for (; big >= sizeof(xs); big -= sizeof(xs))
				if (write_all(c, xs, sizeof(xs)) < 0)
					break;
		close(c);
		strbuf_release(&req);
		strbuf_release(&resp);
	}
}

TEST(http)
{
	static const struct {
		const char *dir;
		int want;
		const char *msg;
	} cases[] = {
		{ "debian", 0, NULL },
		{ "moved", 0, NULL },
		{ "missing", -ENETUNREACH, "/missing/dists/bookworm-updates/"
		  "InRelease': HTTP 404" },
		{ "to-file", -ENETUNREACH, "/to-file/dists/bookworm-updates/"
		  "InRelease': refusing its redirect to 'file://" },
		{ "big", -EFBIG, "/big/dists/bookworm-updates/InRelease' is "
		  "larger than 16 MiB" },
	};
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct archive_opts o = { .timeout = 10 };
	int lfd, status;
	pid_t pid;

	if (!setup())
		return;
	o.now = now;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	      listen(lfd, 8) == 0 &&
	      getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		serve(lfd);
		_exit(0);
	}
	CHECK(pid > 0);
	close(lfd);
	for (size_t i = 0; pid > 0 && i < ARRAY_SIZE(cases); i++) {
		struct strbuf url = STRBUF_INIT, err = STRBUF_INIT;
		struct archive_state s = ARCHIVE_STATE_INIT;
		struct suite_ref ref = { NULL, "bookworm-updates" };
		int r;

		strbuf_addf(&url, "http://127.0.0.1:%d/%s",
			    ntohs(sa.sin_port), cases[i].dir);
		ref.mirror = url.buf;
		r = archive_state_get(&ref, 1, &o, &s, &err);
		if (r != cases[i].want)
			fprintf(stderr, "  case %s: %s\n", cases[i].dir,
				err.buf);
		CHECK_INTEQ(r, cases[i].want);
		if (cases[i].msg) {
			CHECK(contains(&err, "'http://127.0.0.1:"));
			CHECK(contains(&err, cases[i].msg));
		} else if (s.nr == 1) {
			check_real(&s.v[0], &real[UPDATES]);
		} else {
			CHECK_INTEQ(s.nr, 1);
		}
		archive_state_release(&s);
		strbuf_release(&url);
		strbuf_release(&err);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	}
}

/* A server that takes the connection and never answers. */
TEST(timeout)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct archive_opts o = { .timeout = 1 };
	struct archive_state s = ARCHIVE_STATE_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct suite_ref ref = { NULL, "bookworm" };
	long long start;
	int fd;

	if (!setup())
		return;
	o.now = now;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	      listen(fd, 8) == 0 &&
	      getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	strbuf_addf(&url, "http://127.0.0.1:%d/debian", ntohs(sa.sin_port));
	ref.mirror = url.buf;
	start = clock_ms();
	CHECK_INTEQ(archive_state_get(&ref, 1, &o, &s, &err), -ENETUNREACH);
	CHECK(contains(&err, "cannot reach 'http://127.0.0.1:"));
	CHECK(clock_ms() - start >= 900);
	CHECK(clock_ms() - start < 4000);
	close(fd);
	strbuf_release(&err);
	strbuf_release(&url);
}

TEST(bad_refs)
{
	static const struct suite_ref cases[] = {
		{ "ftp://deb.debian.org/debian", "bookworm" },
		{ "/srv/mirror", "bookworm" },
		{ "http://deb.debian.org/debian?x=", "bookworm" },
		{ "http://deb.debian.org/deb ian", "bookworm" },
		{ "http://deb.debian.org/debian", "" },
		{ "http://deb.debian.org/debian", "../../etc" },
		{ "http://deb.debian.org/debian", "bookworm/.." },
		{ "http://deb.debian.org/debian", "bookworm//updates" },
		{ "http://deb.debian.org/debian", "bookworm/" },
		{ "http://deb.debian.org/debian", "/bookworm" },
		{ "http://deb.debian.org/debian", "book@worm" },
		{ "http://deb.debian.org/debian", "book worm" },
	};
	struct archive_opts o = { .offline = 1 };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct archive_state s = ARCHIVE_STATE_INIT;
		struct strbuf err = STRBUF_INIT;

		CHECK_INTEQ(archive_state_get(&cases[i], 1, &o, &s, &err),
			    -EINVAL);
		CHECK(err.len > 0);
		strbuf_release(&err);
	}
}

/* The kept copy of ref under cachedir, as archive-state.h names it. */
static char *kept_path(const char *cachedir, const char *repo,
		       const char *suite)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/archive/file_", cachedir);
	for (const char *p = root; *p; p++)
		strbuf_addch(&sb, *p == '/' ? '_' : *p);
	strbuf_addf(&sb, "_%s_dists_%s_InRelease", repo, suite);
	return strbuf_detach(&sb, NULL);
}

static int set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	return utimensat(AT_FDCWD, path, ts, 0) < 0 ? -errno : 0;
}

static int get(const struct archive_opts *o, struct archive_state *s,
	       struct strbuf *err)
{
	archive_state_release(s);
	strbuf_reset(err);
	return archive_state_get(refs, ARRAY_SIZE(refs), o, s, err);
}

TEST(kept_copies)
{
	struct archive_opts o = { .max_age = 300 };
	struct archive_state s = ARCHIVE_STATE_INIT;
	struct strbuf err = STRBUF_INIT;
	struct strvec names = STRVEC_INIT;
	char *cache, *dir, *kept[ARRAY_SIZE(real)];
	struct strbuf text = STRBUF_INIT;
	struct stat st;

	if (!setup())
		return;
	cache = in_root("cache");
	o.cachedir = cache;
	o.now = now;
	CHECK_INTEQ(get(&o, &s, &err), 0);
	CHECK_INTEQ(s.checked, now);
	/* Kept under names from their URLs, and nothing else there. */
	dir = path_join(cache, "archive");
	CHECK_INTEQ(list_dir(dir, &names), 0);
	CHECK_INTEQ(names.nr, ARRAY_SIZE(real));
	for (size_t i = 0; i < ARRAY_SIZE(real); i++) {
		kept[i] = kept_path(cache, real[i].repo, real[i].suite);
		CHECK(stat(kept[i], &st) == 0 && st.st_mtime == now &&
		      st.st_size == (off_t)real[i].text.len);
	}

	/* Within max_age the mirror is not asked: it may be gone. */
	for (size_t i = 0; i < ARRAY_SIZE(real); i++) {
		char *repo = in_root(real[i].repo);

		(void)rm_rf(repo);
		CHECK(!path_exists(repo));
		free(repo);
	}
	o.now = now + 299;
	CHECK_INTEQ(get(&o, &s, &err), 0);
	CHECK_INTEQ(s.checked, now);
	CHECK_INTEQ(s.nr, ARRAY_SIZE(real));
	for (size_t i = 0; i < s.nr && i < ARRAY_SIZE(real); i++)
		check_real(&s.v[i], &real[i]);

	/* Past it, or with max_age 0, the mirror is asked. */
	o.now = now + 300;
	CHECK_INTEQ(get(&o, &s, &err), -ENETUNREACH);
	CHECK(contains(&err, "cannot reach 'file://"));
	o.now = now;
	o.max_age = 0;
	CHECK_INTEQ(get(&o, &s, &err), -ENETUNREACH);

	/* Offline, copies of any age do, expired ones too. */
	o.offline = 1;
	o.now = now + 365 * 86400L;
	CHECK_INTEQ(get(&o, &s, &err), 0);
	CHECK_INTEQ(s.checked, now);
	for (size_t i = 0; i < s.nr && i < ARRAY_SIZE(real); i++)
		check_real(&s.v[i], &real[i]);

	/* A kept copy is trusted for its signature only. */
	CHECK_INTEQ(strbuf_read_file(&text, kept[UPDATES]), 0);
	flip_signed_byte(&text);
	CHECK_INTEQ(write_file(kept[UPDATES], text.buf, text.len, 0644), 0);
	CHECK_INTEQ(set_mtime(kept[UPDATES], now), 0);
	CHECK_INTEQ(get(&o, &s, &err), -EBADMSG);
	CHECK(contains(&err, kept[UPDATES]));
	CHECK(contains(&err, "is not signed by a key in"));
	o.offline = 0;
	o.max_age = 300;
	o.now = now + 10;
	CHECK_INTEQ(get(&o, &s, &err), -ENETUNREACH);
	o.now = now + 365 * 86400L;

	/* Offline with no copy kept, or none to keep them in. */
	CHECK_INTEQ(write_file(kept[UPDATES], real[UPDATES].text.buf,
			       real[UPDATES].text.len, 0644), 0);
	o.offline = 1;
	CHECK_INTEQ(get(&o, &s, &err), 0);
	CHECK_INTEQ(unlink(kept[SECURITY]), 0);
	CHECK_INTEQ(get(&o, &s, &err), -ENETUNREACH);
	CHECK(contains(&err, "no copy of 'file://"));
	CHECK(contains(&err, "/debian-security/dists/bookworm-security/"
		       "InRelease' is kept and --offline forbids asking the "
		       "mirror"));
	o.cachedir = NULL;
	CHECK_INTEQ(get(&o, &s, &err), -ENETUNREACH);
	CHECK(contains(&err, "no copy of 'file://"));

	/* The mirror back: fetched again, kept again, now checked now. */
	for (size_t i = 0; i < ARRAY_SIZE(real); i++)
		free((char *)refs[i].mirror);
	for (size_t i = 0; i < ARRAY_SIZE(real); i++)
		refs[i].mirror = mirror_with(real[i].repo, real[i].suite,
					     &real[i].text);
	o.offline = 0;
	o.cachedir = cache;
	o.now = now + 600;
	CHECK_INTEQ(get(&o, &s, &err), 0);
	CHECK_INTEQ(s.checked, now + 600);
	CHECK(stat(kept[SECURITY], &st) == 0 && st.st_mtime == now + 600);
	strbuf_reset(&text);
	CHECK_INTEQ(strbuf_read_file(&text, kept[UPDATES]), 0);
	CHECK(text.len == real[UPDATES].text.len &&
	      !memcmp(text.buf, real[UPDATES].text.buf, text.len));
	strvec_clear(&names);
	CHECK_INTEQ(list_dir(dir, &names), 0);
	CHECK_INTEQ(names.nr, ARRAY_SIZE(real));

	/* A copy younger than max_age but kept partly: the oldest counts. */
	o.now = now + 700;
	CHECK_INTEQ(unlink(kept[BOOKWORM]), 0);
	CHECK_INTEQ(get(&o, &s, &err), 0);
	CHECK_INTEQ(s.checked, now + 600);

	archive_state_release(&s);
	for (size_t i = 0; i < ARRAY_SIZE(real); i++)
		free(kept[i]);
	strvec_clear(&names);
	strbuf_release(&text);
	strbuf_release(&err);
	free(cache);
	free(dir);
}

#define SUM_A "0000000000000000000000000000000000000000000000000000000000000000"
#define SUM_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

TEST(format_parse)
{
	static const char *const good[] = {
		"",
		"bookworm@2026-07-11T10:16:37Z@" SUM_A,
		"bookworm@2026-07-11T10:16:37Z@" SUM_A
		" bookworm-updates@2026-12-03T02:15:27Z@" SUM_B
		" bookworm-security@1970-01-01T00:00:00Z@" SUM_B,
		"bookworm/updates@2019-01-01T00:00:00Z@" SUM_A,
	};
	static const char *const bad[] = {
		" ",
		"bookworm",
		"bookworm@2026-07-11T10:16:37Z",
		"bookworm@2026-07-11T10:16:37Z@",
		"@2026-07-11T10:16:37Z@" SUM_A,
		"bookworm@2026-07-11 10:16:37@" SUM_A,
		"bookworm@2026-07-11T10:16:37@" SUM_A,
		"bookworm@2026-02-30T10:16:37Z@" SUM_A,
		"bookworm@2026-07-11T10:16:37Z@" SUM_A "0",
		"bookworm@2026-07-11T10:16:37Z@" "0123456789ABCDEF0123456789ab"
		"cdef0123456789abcdef0123456789abcdef",
		"bookworm@2026-07-11T10:16:37Z@" SUM_A "@x",
		"bookworm@2026-07-11T10:16:37Z@" SUM_A " ",
		" bookworm@2026-07-11T10:16:37Z@" SUM_A,
		"bookworm@2026-07-11T10:16:37Z@" SUM_A
		"  updates@2026-07-11T10:16:37Z@" SUM_A,
		"../x@2026-07-11T10:16:37Z@" SUM_A,
		"bookworm@2026-07-11T10:16:37Z@" SUM_A "\n",
	};
	struct archive_state s = ARCHIVE_STATE_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct strbuf out = STRBUF_INIT;

		CHECK_INTEQ(archive_state_parse(good[i], &s), 0);
		archive_state_format(&s, &out);
		CHECK_STREQ(out.buf, good[i]);
		archive_state_release(&s);
		strbuf_release(&out);
	}
	CHECK_INTEQ(archive_state_parse(good[2], &s), 0);
	CHECK_INTEQ(s.nr, 3);
	if (s.nr == 3) {
		CHECK_STREQ(s.v[1].suite, "bookworm-updates");
		CHECK_INTEQ(s.v[0].date, 1783764997);
		CHECK_INTEQ(s.v[2].date, 0);
		CHECK_STREQ(s.v[1].sha256, SUM_B);
		CHECK_INTEQ(archive_state_date(&s), s.v[1].date);
	}
	archive_state_release(&s);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		s.nr = 99;
		if (archive_state_parse(bad[i], &s) != -EINVAL)
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
		CHECK_INTEQ(archive_state_parse(bad[i], &s), -EINVAL);
		/* Left as it was. */
		CHECK_INTEQ(s.nr, 99);
	}
}

TEST(format_of_real_state)
{
	struct archive_opts o = { .now = 0 };
	struct archive_state s = ARCHIVE_STATE_INIT, back = ARCHIVE_STATE_INIT;
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;

	if (!setup())
		return;
	o.now = now;
	CHECK_INTEQ(archive_state_get(refs, ARRAY_SIZE(refs), &o, &s, NULL),
		    0);
	archive_state_format(&s, &out);
	for (size_t i = 0; i < ARRAY_SIZE(real); i++) {
		char when[64];
		struct tm tm;

		gmtime_r(&real[i].date, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		strbuf_addf(&want, "%s%s@%s@%s", i ? " " : "", real[i].suite,
			    when, real[i].sha256);
	}
	CHECK_STREQ(out.buf, want.buf);
	CHECK_INTEQ(archive_state_parse(out.buf, &back), 0);
	CHECK_INTEQ(back.nr, s.nr);
	for (size_t i = 0; i < back.nr && i < s.nr; i++) {
		CHECK_STREQ(back.v[i].suite, s.v[i].suite);
		CHECK_INTEQ(back.v[i].date, s.v[i].date);
		CHECK_STREQ(back.v[i].sha256, s.v[i].sha256);
	}
	{
		struct strbuf diff = STRBUF_INIT;

		archive_state_diff(&back, &s, &diff);
		CHECK_STREQ(diff.buf, "");
		strbuf_release(&diff);
	}
	archive_state_release(&s);
	archive_state_release(&back);
	strbuf_release(&out);
	strbuf_release(&want);
}

#define B_OLD "bookworm@2026-07-11T10:16:37Z@" SUM_A
#define U_OLD "bookworm-updates@2026-12-01T09:00:00Z@" SUM_A
#define U_NEW "bookworm-updates@2026-12-02T23:13:43Z@" SUM_B
#define U_RESIGNED "bookworm-updates@2026-12-01T09:00:00Z@" SUM_B
#define S_OLD "bookworm-security@2026-12-01T09:00:00Z@" SUM_A
#define S_NEW "bookworm-security@2026-12-02T23:13:43Z@" SUM_B

TEST(diff)
{
	static const struct {
		const char *old, *cur, *want;
	} cases[] = {
		{ B_OLD " " U_OLD, B_OLD " " U_OLD, "" },
		{ "", "", "" },
		{ B_OLD " " S_OLD, B_OLD " " S_NEW,
		  "bookworm-security changed (2026-12-01 09:00 -> "
		  "2026-12-02 23:13 UTC)" },
		{ B_OLD " " U_OLD " " S_OLD, B_OLD " " U_NEW " " S_NEW,
		  "bookworm-updates changed (2026-12-01 09:00 -> 2026-12-02 "
		  "23:13 UTC); bookworm-security changed (2026-12-01 09:00 "
		  "-> 2026-12-02 23:13 UTC)" },
		{ U_OLD, U_RESIGNED, "bookworm-updates changed (its file, "
		  "still dated 2026-12-01 09:00 UTC)" },
		{ B_OLD, B_OLD " " S_NEW,
		  "bookworm-security added (2026-12-02 23:13 UTC)" },
		{ B_OLD " " U_OLD, B_OLD, "bookworm-updates dropped" },
		/* Order does not make a change. */
		{ U_OLD " " B_OLD, B_OLD " " U_OLD, "" },
		{ U_OLD, S_NEW, "bookworm-security added (2026-12-02 23:13 "
		  "UTC); bookworm-updates dropped" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct archive_state a = ARCHIVE_STATE_INIT;
		struct archive_state b = ARCHIVE_STATE_INIT;
		struct strbuf out = STRBUF_INIT;

		CHECK_INTEQ(archive_state_parse(cases[i].old, &a), 0);
		CHECK_INTEQ(archive_state_parse(cases[i].cur, &b), 0);
		archive_state_diff(&a, &b, &out);
		CHECK_STREQ(out.buf, cases[i].want);
		archive_state_release(&a);
		archive_state_release(&b);
		strbuf_release(&out);
	}
}
