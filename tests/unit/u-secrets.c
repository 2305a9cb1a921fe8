/* u-secrets.c: passwords, hashes, /etc/shadow editing and machine ids. */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "rootfs.h"
#include "secrets.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"

UNIT_MAIN

/* Spelled out here rather than shared, so a typo in either shows up. */
static const char want_alphabet[] =
	"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

TEST(hash_methods)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "yescrypt", HASH_YESCRYPT },
		{ "sha512", HASH_SHA512 },
		{ "md5", -EINVAL },
		{ "sha256", -EINVAL },
		{ "SHA512", -EINVAL },
		{ "sha512 ", -EINVAL },
		{ "", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int m = hash_method_from_string(cases[i].in);

		CHECK_INTEQ(m, cases[i].want);
		if (m >= 0)
			CHECK_STREQ(hash_method_to_string(m), cases[i].in);
	}
	CHECK_INTEQ(hash_method_from_string(NULL), -EINVAL);
	CHECK(hash_method_to_string(_HASH_METHOD_MAX) == NULL);
	CHECK(hash_method_to_string(_HASH_METHOD_INVALID) == NULL);
}

TEST(password_lengths)
{
	static const struct {
		size_t len;
		int want_r;
	} cases[] = {
		{ 0, -ERANGE },
		{ 7, -ERANGE },
		{ 8, 0 },
		{ 20, 0 },
		{ 128, 0 },
		{ 129, -ERANGE },
		{ (size_t)-1, -ERANGE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char sentinel[] = "untouched";
		char *pw = sentinel;
		int r = password_generate(cases[i].len, &pw);

		CHECK_INTEQ(r, cases[i].want_r);
		if (r < 0) {
			CHECK(pw == sentinel);
			continue;
		}
		CHECK_INTEQ(strlen(pw), cases[i].len);
		CHECK_INTEQ(strspn(pw, want_alphabet), cases[i].len);
		CHECK(!strpbrk(pw, "0O1lI"));
		secret_free(pw);
	}
}

TEST(passwords_differ)
{
	char *a = NULL, *b = NULL;

	CHECK_INTEQ(password_generate(16, &a), 0);
	CHECK_INTEQ(password_generate(16, &b), 0);
	CHECK(a && b && strcmp(a, b));
	secret_free(a);
	secret_free(b);
	secret_free(NULL);
}

/*
 * Pearson's chi-square over 25600 symbols. Taking a random byte modulo 57
 * would make 28 symbols 25% likelier and push the statistic near 300;
 * uniform output exceeds 120 with probability about 2e-6 (56 degrees of
 * freedom).
 */
TEST(passwords_uniform)
{
	enum { N = sizeof(want_alphabet) - 1, ROUNDS = 200, LEN = 128 };
	unsigned long count[256] = { 0 };
	double expect = (double)ROUNDS * LEN / N, chi2 = 0;
	int foreign = 0;

	for (int i = 0; i < ROUNDS; i++) {
		char *pw = NULL;

		if (password_generate(LEN, &pw) < 0) {
			CHECK(!"password_generate failed");
			return;
		}
		/* Over 25600 symbols a stray extra one cannot hide. */
		foreign += strspn(pw, want_alphabet) != LEN;
		for (const char *p = pw; *p; p++)
			count[(unsigned char)*p]++;
		secret_free(pw);
	}
	for (int i = 0; i < N; i++) {
		double d = (double)count[(unsigned char)want_alphabet[i]] -
			   expect;

		chi2 += d * d / expect;
	}
	CHECK_INTEQ(foreign, 0);
	if (chi2 >= 120)
		fprintf(stderr, "chi-square %.1f\n", chi2);
	CHECK(chi2 < 120);
}

static void check_hash(enum hash_method m, const char *prefix)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *h = NULL, *h2 = NULL;
	const char *v;

	CHECK_INTEQ(password_hash("correct horse", m, &h), 0);
	CHECK_INTEQ(password_hash("correct horse", m, &h2), 0);
	if (!cd || !h || !h2) {
		CHECK(!"no hash");
		goto out;
	}
	CHECK(!strncmp(h, prefix, strlen(prefix)));
	/* A fresh salt each time. */
	CHECK(strcmp(h, h2));

	v = crypt_rn("correct horse", h, cd, sizeof(*cd));
	CHECK_STREQ(v, h);
	v = crypt_rn("correct horsE", h, cd, sizeof(*cd));
	CHECK(v && strcmp(v, h));
	v = crypt_rn("correct horse", h2, cd, sizeof(*cd));
	CHECK_STREQ(v, h2);
out:
	free(cd);
	free(h);
	free(h2);
}

TEST(hash_yescrypt)
{
	check_hash(HASH_YESCRYPT, "$y$");
}

TEST(hash_sha512)
{
	check_hash(HASH_SHA512, "$6$");
}

TEST(hash_bad_method)
{
	char sentinel[] = "untouched";
	char *h = sentinel;

	CHECK_INTEQ(password_hash("x", _HASH_METHOD_MAX, &h), -EINVAL);
	CHECK_INTEQ(password_hash("x", _HASH_METHOD_INVALID, &h), -EINVAL);
	CHECK(h == sentinel);
}

static const char fixture[] =
	"rooty:$6$x$decoy:19000:0:99999:7:::\n"
	"root:$y$j9T$oldsalt$oldhash:18000:0:99999:7:::\n"
	"daemon:*:19000:0:99999:7:::\n"
	"nobody:*:19000:0:99999:7:::\n";

/* SOURCE_DATE_EPOCH 1700000000 is day 19675. */
static const char fixture_done[] =
	"rooty:$6$x$decoy:19000:0:99999:7:::\n"
	"root:$6$new$hash:19675:0:99999:7:::\n"
	"daemon:*:19000:0:99999:7:::\n"
	"nobody:*:19000:0:99999:7:::\n";

/*
 * A guest root holding etc/shadow with content, mode 0640, group 42
 * (Debian's shadow) when we may chown. Returns the root; caller frees.
 */
static char *make_root(const char *content, struct stat *ret_st)
{
	char tmpl[] = "/tmp/u-secrets.XXXXXX";
	char *etc, *shadow, *root;

	if (!mkdtemp(tmpl))
		return NULL;
	root = strdup(tmpl);
	etc = path_join(root, "etc");
	shadow = path_join(root, "etc/shadow");
	CHECK_INTEQ(mkdir(etc, 0755), 0);
	if (content) {
		CHECK_INTEQ(write_string(shadow, content, 0640), 0);
		if (geteuid() == 0)
			CHECK_INTEQ(chown(shadow, 0, 42), 0);
		CHECK_INTEQ(stat(shadow, ret_st), 0);
	}
	free(etc);
	free(shadow);
	return root;
}

/* shadow_set_password() on the tree at root. */
static int set_password(const char *root, const char *user, const char *hash)
{
	struct rootfs *rfs;
	int r = rootfs_open(root, &rfs, NULL);

	if (r < 0)
		return r;
	r = shadow_set_password(rfs, user, hash);
	rootfs_free(rfs);
	return r;
}

static void read_shadow(const char *root, struct strbuf *sb, struct stat *st)
{
	char *shadow = path_join(root, "etc/shadow");

	strbuf_reset(sb);
	CHECK_INTEQ(strbuf_read_file(sb, shadow), 0);
	CHECK_INTEQ(lstat(shadow, st), 0);
	free(shadow);
}

/* Nothing but etc/shadow is left in etc/: no stray temporary files. */
static void check_etc_clean(const char *root)
{
	struct strvec sv = STRVEC_INIT;
	char *etc = path_join(root, "etc");

	CHECK_INTEQ(list_dir(etc, &sv), 0);
	CHECK_INTEQ(sv.nr, 1);
	free(etc);
	strvec_clear(&sv);
}

TEST(shadow_replaces_only_the_field)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat before, after;
	char *root = make_root(fixture, &before);

	if (!root) {
		CHECK(!"mkdtemp");
		return;
	}
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	CHECK_INTEQ(set_password(root, "root", "$6$new$hash"), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	read_shadow(root, &sb, &after);
	CHECK_STREQ(sb.buf, fixture_done);
	CHECK_INTEQ(after.st_mode & 07777, 0640);
	CHECK_INTEQ(after.st_uid, before.st_uid);
	CHECK_INTEQ(after.st_gid, before.st_gid);
	if (geteuid() == 0)
		CHECK_INTEQ(after.st_gid, 42);
	/* Replaced by rename, not rewritten in place. */
	CHECK(after.st_ino != before.st_ino);
	check_etc_clean(root);

	CHECK_INTEQ(rm_rf(root), 0);
	free(root);
	strbuf_release(&sb);
}

TEST(shadow_last_line_and_today)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	struct stat st, after;
	char *root = make_root("daemon:*:1::::::\nroot:!:1", &st);
	long long day0, day1;

	if (!root) {
		CHECK(!"mkdtemp");
		return;
	}
	unsetenv("SOURCE_DATE_EPOCH");
	day0 = (long long)time(NULL) / 86400;
	CHECK_INTEQ(set_password(root, "root", "$y$h"), 0);
	day1 = (long long)time(NULL) / 86400;
	read_shadow(root, &sb, &after);
	/* Both spellings cover a run that straddles midnight UTC. */
	strbuf_addf(&want, "daemon:*:1::::::\nroot:$y$h:%lld", day0);
	if (day1 != day0 && strcmp(sb.buf, want.buf)) {
		strbuf_reset(&want);
		strbuf_addf(&want, "daemon:*:1::::::\nroot:$y$h:%lld", day1);
	}
	CHECK_STREQ(sb.buf, want.buf);
	CHECK_INTEQ(after.st_mode & 07777, 0640);

	CHECK_INTEQ(rm_rf(root), 0);
	free(root);
	strbuf_release(&sb);
	strbuf_release(&want);
}

TEST(shadow_locks)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat before, after;
	char *root = make_root(fixture, &before);

	if (!root) {
		CHECK(!"mkdtemp");
		return;
	}
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	CHECK_INTEQ(set_password(root, "root", SHADOW_LOCKED), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	read_shadow(root, &sb, &after);
	CHECK_STREQ(sb.buf, "rooty:$6$x$decoy:19000:0:99999:7:::\n"
			    "root:!*:19675:0:99999:7:::\n"
			    "daemon:*:19000:0:99999:7:::\n"
			    "nobody:*:19000:0:99999:7:::\n");
	CHECK_INTEQ(after.st_mode & 07777, 0640);

	CHECK_INTEQ(rm_rf(root), 0);
	free(root);
	strbuf_release(&sb);
}

TEST(shadow_errors)
{
	static const struct {
		const char *user;
		const char *hash;
		int want;
	} cases[] = {
		{ "rot", "$6$h", -ENOENT },
		{ "roo", "$6$h", -ENOENT },
		{ "nobody:*", "$6$h", -EINVAL },
		{ "broken", "$6$h", -EBADMSG },
		{ "root", "", -EINVAL },
		{ "root", "$6$a:b", -EINVAL },
		{ "root", "$6$a\nb", -EINVAL },
		{ "", "$6$h", -EINVAL },
	};
	struct strbuf sb = STRBUF_INIT;
	struct stat before, after;
	char *root = make_root("broken:x\n" "root:*:1:::::\n", &before);
	char *shadow, *link;

	if (!root) {
		CHECK(!"mkdtemp");
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INTEQ(set_password(root, cases[i].user, cases[i].hash),
			    cases[i].want);
		read_shadow(root, &sb, &after);
		CHECK_STREQ(sb.buf, "broken:x\n" "root:*:1:::::\n");
		CHECK(after.st_ino == before.st_ino);
	}
	check_etc_clean(root);

	/* A symlinked shadow is refused, not followed. */
	shadow = path_join(root, "etc/shadow");
	link = path_join(root, "etc/shadow.real");
	CHECK_INTEQ(rename(shadow, link), 0);
	CHECK_INTEQ(symlink("shadow.real", shadow), 0);
	CHECK_INTEQ(set_password(root, "root", "$6$h"), -ELOOP);
	/* A FIFO is refused at once, not waited on. */
	CHECK_INTEQ(unlink(shadow), 0);
	CHECK_INTEQ(mkfifo(shadow, 0640), 0);
	alarm(20);
	CHECK_INTEQ(set_password(root, "root", "$6$h"), -EBADFD);
	alarm(0);
	/* A link out of the tree leads to the tree's own /etc. */
	CHECK_INTEQ(unlink(shadow), 0);
	CHECK_INTEQ(rename(link, shadow), 0);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/etc", root);
	free(link);
	link = path_join(root, "sub");
	CHECK_INTEQ(mkdir(link, 0755), 0);
	free(shadow);
	shadow = path_join(link, "etc");
	CHECK_INTEQ(symlink(sb.buf, shadow), 0);
	CHECK_INTEQ(set_password(link, "root", "$6$h"), -ENOENT);
	read_shadow(root, &sb, &after);
	CHECK_STREQ(sb.buf, "broken:x\n" "root:*:1:::::\n");
	free(shadow);
	free(link);
	CHECK_INTEQ(rm_rf(root), 0);
	free(root);

	/* No etc/shadow at all. */
	root = make_root(NULL, NULL);
	if (root) {
		CHECK_INTEQ(set_password(root, "root", "$6$h"), -ENOENT);
		CHECK_INTEQ(rm_rf(root), 0);
		free(root);
	}
	strbuf_release(&sb);
}

TEST(machine_ids)
{
	char ids[32][33];
	int varies[32] = { 0 };

	for (int i = 0; i < 32; i++) {
		memset(ids[i], 'X', sizeof(ids[i]));
		CHECK_INTEQ(machine_id_generate(ids[i]), 0);
		CHECK_INTEQ(strlen(ids[i]), 32);
		CHECK_INTEQ(strspn(ids[i], "0123456789abcdef"), 32);
		/* Version nibble, then the RFC 4122 variant nibble. */
		CHECK(ids[i][12] == '4');
		CHECK(ids[i][16] && strchr("89ab", ids[i][16]));
	}
	CHECK(strcmp(ids[0], ids[1]));
	/* Every digit but the version one must actually be random. */
	for (int i = 1; i < 32; i++)
		for (int j = 0; j < 32; j++)
			varies[j] |= ids[i][j] != ids[0][j];
	for (int j = 0; j < 32; j++)
		CHECK(varies[j] == (j != 12));
}

/*
 * --password=-: text written to a pipe, read back. Also what is left in
 * the pipe: the read stops at the first line's end or one byte past the
 * longest password, so a flood is not read to its end.
 */
TEST(password_read)
{
	struct strbuf a4096 = STRBUF_INIT, a4097 = STRBUF_INIT;
	struct strbuf a5000 = STRBUF_INIT;

	for (int i = 0; i < 5000; i++) {
		if (i < 4096)
			strbuf_addch(&a4096, 'a');
		if (i < 4097)
			strbuf_addch(&a4097, 'a');
		strbuf_addch(&a5000, 'a');
	}
	strbuf_addch(&a5000, '\n');
	{
		const struct {
			const char *in;
			size_t len;	/* of in; 0: strlen(in) */
			int want_r;
			const char *want;
			size_t left;	/* bytes still in the pipe */
		} cases[] = {
			{ "correct horse\n", 0, 0, "correct horse", 0 },
			{ "pw", 0, 0, "pw", 0 },
			{ "pw\r\n", 0, 0, "pw", 0 },
			{ " pw with spaces \n", 0, 0, " pw with spaces ", 0 },
			{ "", 0, -ENODATA, NULL, 0 },
			{ "\n", 0, -ENODATA, NULL, 0 },
			{ "\r\npw\n", 0, -ENODATA, NULL, 0 },
			{ "a\0b\n", 4, -EINVAL, NULL, 0 },
			{ a4096.buf, 0, 0, a4096.buf, 0 },
			{ a4097.buf, 0, -E2BIG, NULL, 0 },
			{ a5000.buf, 0, -E2BIG, NULL, 5001 - 4097 },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]);
		     i++) {
			size_t len = cases[i].len ? cases[i].len :
						    strlen(cases[i].in);
			char *pw = (char *)"untouched", drain[8192];
			int before = unit_failed_checks, p[2], r;

			CHECK_INTEQ(pipe(p), 0);
			CHECK_INTEQ(write(p[1], cases[i].in, len),
				    (long long)len);
			close(p[1]);
			r = password_read_fd(p[0], &pw);
			CHECK_INTEQ(r, cases[i].want_r);
			if (!r) {
				CHECK_STREQ(pw, cases[i].want);
				secret_free(pw);
			} else {
				CHECK_STREQ(pw, "untouched");
			}
			CHECK_INTEQ(read(p[0], drain, sizeof(drain)),
				    (long long)cases[i].left);
			close(p[0]);
			if (unit_failed_checks != before)
				fprintf(stderr, "  in case %zu\n", i);
		}
	}
	strbuf_release(&a4096);
	strbuf_release(&a4097);
	strbuf_release(&a5000);
}

TEST(secret_file_exposed)
{
	static const struct {
		mode_t mode;
		gid_t gid;
		int want;
	} cases[] = {
		{ 0600, 0, 0 },
		{ 0640, 0, 0 },		/* root's group */
		{ 0400, 50, 0 },
		{ 0644, 0, 1 },
		{ 0604, 0, 1 },
		{ 0640, 50, 1 },	/* staff */
		{ 0660, 1000, 1 },
		{ 0444, 0, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf w = STRBUF_INIT;
		struct stat st;

		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFREG | cases[i].mode;
		st.st_gid = cases[i].gid;
		CHECK_INTEQ(secret_file_exposed("/etc/x.conf", &st, &w),
			    cases[i].want);
		CHECK_STREQ(w.buf, cases[i].want ? "'/etc/x.conf' holds a "
			    "password and is readable by others" : "");
		strbuf_release(&w);
	}
}
