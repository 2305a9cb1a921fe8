/* archive-state.c: see archive-state.h. */
#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive-state.h"
#include "fsutil.h"
#include "install-archive.h"
#include "journal.h"
#include "macros.h"
#include "run-command.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "banned.h"

/*
 * Debian's largest InRelease is a few hundred KiB; a mirror that sends
 * more is not sending one, and must not fill our memory.
 */
#define INRELEASE_MAX (16L << 20)


/* ---- dates ---- */

/* Month and day names in dates are English whatever LC_TIME says. */
static locale_t c_locale(void)
{
	static locale_t loc;

	if (!loc)
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return loc;
}

/*
 * An RFC 2822 date as Release files write it, "Sat, 11 Jul 2026 10:16:37
 * UTC"; the zone may also be GMT, Z or a numeric offset. 0 or -EINVAL.
 */
static int parse_rfc2822(const char *s, time_t *ret)
{
	static const char *const forms[] = { "%a, %d %b %Y %H:%M:%S",
					     "%d %b %Y %H:%M:%S" };
	locale_t loc = c_locale();

	if (!loc)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		struct tm tm = { 0 };
		const char *end = strptime_l(s, forms[i], &tm, loc);
		long off = 0;
		time_t t;

		if (!end)
			continue;
		while (*end == ' ')
			end++;
		if (!strncmp(end, "UTC", 3) || !strncmp(end, "GMT", 3)) {
			end += 3;
		} else {
			end = strptime_l(end, "%z", &tm, loc);
			if (!end)
				return -EINVAL;
			off = tm.tm_gmtoff;
		}
		while (*end == ' ')
			end++;
		if (*end)
			return -EINVAL;
		t = timegm(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
		*ret = t - off;
		return 0;
	}
	return -EINVAL;
}

/* t in UTC as fmt has it, into a buffer of the caller's. */
static const char *utc(time_t t, const char *fmt, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, fmt, &tm))
		snprintf(buf, size, "@%lld", (long long)t);
	return buf;
}

#define KEY_TIME "%Y-%m-%dT%H:%M:%SZ"
#define SHOWN_TIME "%Y-%m-%d %H:%M"

/* ---- names ---- */

/*
 * A suite's name as Debian spells them: "bookworm", "stable-updates",
 * "bookworm/updates". No "." or ".." component can reach the URL, and
 * nothing that would break the one-line format ('@', spaces).
 */
static int suite_name_ok(const char *s)
{
	int start = 1;

	for (; *s; s++) {
		if (start && !isalnum((unsigned char)*s))
			return 0;
		start = *s == '/';
		if (!start && !isalnum((unsigned char)*s) &&
		    !strchr("._+~-", *s))
			return 0;
	}
	return !start;
}

/* A mirror URL the suite's path can be put after. */
static int mirror_ok(const char *m)
{
	/* debootstrap's "file:/srv/mirror" is libcurl's file:///srv/... */
	if (!source_is_url(m) && strncmp(m, "file:/", 6))
		return 0;
	for (; *m; m++)
		if ((unsigned char)*m <= ' ' || *m == 0x7f || *m == '?' ||
		    *m == '#')
			return 0;
	return 1;
}

static char *suite_url(const struct suite_ref *ref)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strncmp(ref->mirror, "file:/", 6) &&
	    strncmp(ref->mirror, "file://", 7))
		strbuf_addf(&sb, "file://%s", ref->mirror + 5);
	else
		strbuf_addstr(&sb, ref->mirror);
	while (sb.len && sb.buf[sb.len - 1] == '/')
		strbuf_setlen(&sb, sb.len - 1);
	strbuf_addf(&sb, "/dists/%s/InRelease", ref->suite);
	return strbuf_detach(&sb, NULL);
}

/*
 * The kept copy's name for url: "SCHEME_" and the rest of it, each "/" as
 * "_", and "_", "%" and anything else but letters, digits and ".+~-" as
 * %XX. Decoding it gives the URL back, so two URLs never share a name,
 * and no name holds a "/" or can be "." or "..". A name too long for the
 * file system is "sha256-" and the URL's SHA-256 instead.
 */
static void kept_name(const char *url, struct strbuf *out)
{
	const char *rest = strstr(url, "://");
	size_t start = out->len;

	for (const char *p = url; p < rest; p++)
		strbuf_addch(out, tolower((unsigned char)*p));
	strbuf_addch(out, '_');
	for (const char *p = rest + 3; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/')
			strbuf_addch(out, '_');
		else if (isalnum(c) || strchr(".+~-", c))
			strbuf_addch(out, c);
		else
			strbuf_addf(out, "%%%02X", c);
	}
	if (out->len - start > NAME_MAX) {
		char sum[SHA256_HEX_SIZE];

		sha256_hex(url, strlen(url), sum);
		strbuf_setlen(out, start);
		strbuf_addf(out, "sha256-%s", sum);
	}
}

/* ---- the signed text ---- */

/*
 * The value of field name (case does not matter) in the first paragraph
 * of text, trimmed; NULL when it has none. Caller frees.
 */
static char *field(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');

		/* A line of blanks ends the paragraph. */
		if (line + strspn(line, " \t\r") == eol)
			break;
		if (!strncasecmp(line, name, len) && line[len] == ':') {
			const char *v = line + len + 1;

			while (v < eol && isspace((unsigned char)*v))
				v++;
			while (eol > v && isspace((unsigned char)eol[-1]))
				eol--;
			return xstrndup(v, (size_t)(eol - v));
		}
		line = *eol ? eol + 1 : eol;
	}
	return NULL;
}

/* Word n (from 0) of the space-separated words from s to eol, or "". */
static char *word(const char *s, const char *eol, int n)
{
	for (;;) {
		size_t len;

		while (s < eol && *s == ' ')
			s++;
		/* eol is the line's first '\n' (or its end). */
		len = strcspn(s, " \n");
		if (!n--)
			return xstrndup(s, len);
		s += len;
	}
}

#define STATUS "[GNUPG:] "

/*
 * Whether gpgv's status lines tell of a good signature by a key of the
 * keyring over the one signed text of the file. gpgv fails a text (exit
 * 2) that also has a signature by a key it lacks, as Debian's have while
 * a keyring holds only one release's keys, so the status decides: GOODSIG
 * then VALIDSIG in the same signature, with a hash stronger than MD5,
 * SHA-1 or RIPEMD-160. A BADSIG anywhere refuses the file, and so does an
 * ERROR, which is how gpgv reports a second signed text in it: the text
 * it wrote out would then not be the one the good signature covers.
 */
static int signature_good(const char *status)
{
	int good = 0, goodsig = 0, texts = 0;

	for (const char *line = status; *line;) {
		const char *eol = strchrnul(line, '\n');

		if (!strncmp(line, STATUS, strlen(STATUS))) {
			const char *kw = line + strlen(STATUS);
			size_t n = strcspn(kw, " \n");

			if (n == 6 && !strncmp(kw, "NEWSIG", n)) {
				goodsig = 0;
			} else if (n == 7 && !strncmp(kw, "GOODSIG", n)) {
				goodsig = 1;
			} else if (n == 8 && !strncmp(kw, "VALIDSIG", n)) {
				/* FPR DATE STAMP EXPIRE VERSION 0 PKALGO
				 * HASHALGO ...: 1, 2, 3 are MD5, SHA-1,
				 * RIPEMD-160. */
				_cleanup_free_ char *hash =
					word(kw + n, eol, 7);

				if (goodsig && *hash && !streq(hash, "1") &&
				    !streq(hash, "2") && !streq(hash, "3"))
					good = 1;
			} else if ((n == 6 && !strncmp(kw, "BADSIG", n)) ||
				   (n == 5 && !strncmp(kw, "ERROR", n))) {
				return 0;
			} else if (n == 9 && !strncmp(kw, "PLAINTEXT", n)) {
				texts++;
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	return good && texts == 1;
}

/* ---- verification ---- */

struct verifier {
	const char *keyring;	/* as given, for messages */
	char *keyring_arg;	/* as gpgv takes it */
	char *dir;		/* private scratch directory */
	struct journal *journal;	/* which holds dir, or NULL */
	char *in, *out;		/* the file gpgv reads, the text it writes */
};

static int verifier_init(struct verifier *v, const char *keyring,
			 struct journal *j, struct strbuf *err)
{
	const char *tmp = getenv("TMPDIR");
	int r;

	v->keyring = keyring;
	/* gpgv looks for a bare name in its home directory. */
	v->keyring_arg = strchr(keyring, '/') ? xstrdup(keyring) :
		path_join(".", keyring);
	if (access(keyring, R_OK) < 0)
		return strbuf_error(err, -errno, "cannot read keyring '%s': %s",
			    keyring, strerror(errno));
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (j) {
		r = journal_mkdtemp(j, UNDO_RM_RF, tmp, "create-image-archive",
				    &v->dir);
		if (r >= 0)
			v->journal = j;
	} else {
		v->dir = path_join(tmp, "create-image-archive.XXXXXX");
		r = mkdtemp(v->dir) ? 0 : -errno;
		if (r < 0) {
			free(v->dir);
			v->dir = NULL;
		}
	}
	if (r < 0)
		return strbuf_error(err, r, "cannot make the directory "
				    "'%s/create-image-archive.XXXXXX': %s", tmp,
				    strerror(-r));
	v->in = path_join(v->dir, "InRelease");
	v->out = path_join(v->dir, "signed");
	return 0;
}

static void verifier_release(struct verifier *v)
{
	struct journal *j = v->journal;

	/* Its entry is the journal's newest: nothing is journaled while
	 * the suites are checked. */
	if (j && j->nr && !strcmp(j->e[j->nr - 1].arg, v->dir))
		(void)journal_pop(j);
	else if (v->dir)
		(void)rm_rf(v->dir);
	free(v->keyring_arg);
	free(v->dir);
	free(v->in);
	free(v->out);
}

/*
 * The text of file that its signature covers, into ret_text: 0, -EBADMSG
 * when no key of the keyring signed it, or another -errno. name is the
 * file in messages.
 */
static int signed_text(struct verifier *v, const char *name,
		       const struct strbuf *file, struct strbuf *ret_text,
		       struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	/* gpgv would write the text of a bad file here too: start empty. */
	if (unlink(v->out) < 0 && errno != ENOENT)
		return strbuf_error(err, -errno, "cannot remove '%s': %s", v->out,
			    strerror(errno));
	r = write_file(v->in, file->buf, file->len, 0600);
	if (r < 0)
		return strbuf_error(err, r, "cannot write '%s': %s", v->in,
			    strerror(-r));
	strvec_pushl(&cp.args, "gpgv", "--keyring", v->keyring_arg,
		     "--status-fd", "1", "--output", v->out, v->in, NULL);
	cp.capture = 1;
	r = run_command(&cp);
	if (r == -EINTR) {
		r = strbuf_error(err, r, "'%s': interrupted", name);
	} else if (r < 0 && r != -EPROTO) {
		struct strbuf why = STRBUF_INIT;

		child_describe_failure(&cp, r, &why);
		r = strbuf_error(err, r, "cannot verify '%s': %s", name, why.buf);
		strbuf_release(&why);
	} else if ((r == 0 || (cp.exit_status == 2 && !cp.term_signal)) &&
		   signature_good(cp.out.buf)) {
		r = strbuf_read_file(ret_text, v->out);
		if (r < 0)
			r = strbuf_error(err, r, "cannot read '%s': %s", v->out,
				 strerror(-r));
	} else {
		r = strbuf_error(err, -EBADMSG, "'%s' is not signed by a key in '%s'",
			 name, v->keyring);
	}
	child_process_clear(&cp);
	return r;
}

/*
 * Whether a Suite or Codename field says the file is suite's. For the
 * old "buster/updates" the part before the "/" is what it names.
 */
static int is_suite(const char *suite, const char *value)
{
	size_t len = strcspn(suite, "/");

	return value && (streq(value, suite) ||
			 (strlen(value) == len && !strncmp(value, suite, len)));
}

/*
 * The state of suite from file, its InRelease: verified, for the suite
 * asked for, and unexpired at now unless expired_ok. name is the file in
 * messages. On success ret is filled but for its suite.
 */
static int verify(struct verifier *v, const char *name, const char *suite,
		  const struct strbuf *file, time_t now, int expired_ok,
		  struct suite_state *ret, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	_cleanup_free_ char *date = NULL, *until = NULL;
	_cleanup_free_ char *name_suite = NULL, *codename = NULL;
	struct suite_state st = { 0 };
	char when[64];
	int r;

	r = signed_text(v, name, file, &text, err);
	if (r < 0)
		goto out;
	date = field(text.buf, "Date");
	until = field(text.buf, "Valid-Until");
	name_suite = field(text.buf, "Suite");
	codename = field(text.buf, "Codename");
	if (!date || parse_rfc2822(date, &st.date) < 0) {
		r = strbuf_error(err, -EBADMSG, "'%s' has no valid Date", name);
		goto out;
	}
	if (until && parse_rfc2822(until, &st.valid_until) < 0) {
		r = strbuf_error(err, -EBADMSG, "'%s' has no valid Valid-Until", name);
		goto out;
	}
	/* A good signature over another suite would pass it off as this. */
	if (!is_suite(suite, name_suite) && !is_suite(suite, codename)) {
		r = strbuf_error(err, -EBADMSG, "'%s' is the archive of '%s', not '%s'",
			 name, codename ? codename :
			 name_suite ? name_suite : "", suite);
		goto out;
	}
	if (!expired_ok && st.valid_until && st.valid_until < now) {
		r = strbuf_error(err, -EBADMSG, "'%s' expired on %s UTC: the mirror "
			 "serves an outdated archive", name,
			 utc(st.valid_until, SHOWN_TIME, when, sizeof(when)));
		goto out;
	}
	sha256_hex(file->buf, file->len, st.sha256);
	*ret = st;
	r = 0;
out:
	strbuf_release(&text);
	return r;
}

/* ---- fetching ---- */

struct job {
	const struct suite_ref *ref;
	char *url;
	char *kept;		/* the kept copy's path; NULL: none kept */
	int fetch;		/* the mirror is to be asked */
	struct suite_state st;	/* once known */
	time_t checked;
	/* The transfer. */
	CURL *c;
	struct strbuf body;
	int too_big;
	int done;		/* rc is set */
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE];
};


static size_t body_write(char *data, size_t size, size_t n, void *opaque)
{
	struct job *j = opaque;
	size_t len = size * n;

	if (j->body.len + len > (size_t)INRELEASE_MAX) {
		j->too_big = 1;
		return 0;
	}
	strbuf_add(&j->body, data, len);
	return len;
}


static CURL *job_handle(struct job *j, long timeout)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	fetch_configure(c, j->url, j->errbuf);
	curl_easy_setopt(c, CURLOPT_PRIVATE, j);
	/*
	 * The transfers run side by side, so each one's limit bounds them
	 * all: a dead mirror costs a warm build this long, no more.
	 */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	return c;
}

/* Every job with fetch set, at once; each one's outcome in its rc. */
static int fetch_all(struct job *jobs, size_t nr, long timeout,
		     struct strbuf *err)
{
	CURLM *m;
	int running = 0, r = 0;

	r = fetch_global_init();
	if (r < 0)
		return strbuf_error(err, r, "cannot initialise libcurl");
	m = curl_multi_init();
	if (!m)
		return strbuf_error(err, -ENOMEM, "cannot initialise libcurl");
	for (size_t i = 0; i < nr; i++) {
		if (!jobs[i].fetch)
			continue;
		jobs[i].c = job_handle(&jobs[i], timeout);
		if (!jobs[i].c ||
		    curl_multi_add_handle(m, jobs[i].c) != CURLM_OK) {
			r = strbuf_error(err, -ENOMEM, "cannot fetch '%s': %s",
				 jobs[i].url, strerror(ENOMEM));
			goto out;
		}
	}
	for (;;) {
		CURLMcode mc = curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;

		while ((msg = curl_multi_info_read(m, &left))) {
			struct job *j = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&j);
			j->rc = msg->data.result;
			j->done = 1;
		}
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			r = strbuf_error(err, -EIO, "cannot fetch: %s",
				 curl_multi_strerror(mc));
			goto out;
		}
		if (!running)
			break;
	}
out:
	for (size_t i = 0; i < nr; i++)
		if (jobs[i].c)
			curl_multi_remove_handle(m, jobs[i].c);
	curl_multi_cleanup(m);
	return r;
}

/* How j's transfer ended: 0 with its body, or -errno. */
static int job_result(struct job *j, struct strbuf *err)
{
	long status = 0, hops = 0;
	char *moved = NULL;

	if (!j->done)
		return strbuf_error(err, -ENETUNREACH, "cannot reach '%s': the "
			    "transfer did not finish", j->url);
	if (j->rc == CURLE_OK)
		return 0;
	if (j->rc == CURLE_ABORTED_BY_CALLBACK)
		return strbuf_error(err, -EINTR, "'%s': interrupted", j->url);
	if (j->rc == CURLE_WRITE_ERROR && j->too_big)
		return strbuf_error(err, -EFBIG, "'%s' is larger than %ld MiB: not an "
			    "InRelease file", j->url, INRELEASE_MAX >> 20);
	if (j->rc == CURLE_HTTP_RETURNED_ERROR) {
		curl_easy_getinfo(j->c, CURLINFO_RESPONSE_CODE, &status);
		return strbuf_error(err, -ENETUNREACH, "cannot reach '%s': HTTP %ld",
			    j->url, status);
	}
	/* A refused redirect leaves its target as the effective URL. */
	if (j->rc == CURLE_UNSUPPORTED_PROTOCOL &&
	    curl_easy_getinfo(j->c, CURLINFO_REDIRECT_COUNT, &hops) ==
		    CURLE_OK && hops > 0 &&
	    curl_easy_getinfo(j->c, CURLINFO_EFFECTIVE_URL, &moved) ==
		    CURLE_OK && moved)
		return strbuf_error(err, -ENETUNREACH, "cannot reach '%s': refusing "
			    "its redirect to '%s' (allowed: %s)", j->url,
			    moved, fetch_redirect_protocols(j->url));
	return strbuf_error(err, -ENETUNREACH, "cannot reach '%s': %s", j->url,
		    *j->errbuf ? j->errbuf : curl_easy_strerror(j->rc));
}

/* ---- kept copies ---- */

/*
 * Use j's kept copy if it is current (younger than max_age, or any age
 * offline): 1 when it is, with j->st and j->checked filled; 0 when the
 * mirror is to be asked; -errno offline when there is none to use.
 */
static int use_kept(struct verifier *v, struct job *j,
		    const struct archive_opts *o, time_t now,
		    struct strbuf *err)
{
	struct strbuf file = STRBUF_INIT;
	struct stat st;
	int r;

	if (!j->kept || lstat(j->kept, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > INRELEASE_MAX) {
		if (o->offline)
			return strbuf_error(err, -ENETUNREACH, "no copy of '%s' is "
				    "kept and --offline forbids asking the "
				    "mirror", j->url);
		return 0;
	}
	if (!o->offline &&
	    (st.st_mtime > now || now - st.st_mtime >= o->max_age))
		return 0;
	r = strbuf_read_file(&file, j->kept);
	if (r < 0)
		r = strbuf_error(err, r, "cannot read '%s': %s", j->kept,
			 strerror(-r));
	else
		r = verify(v, j->kept, j->ref->suite, &file, now, o->offline,
			   &j->st, err);
	strbuf_release(&file);
	/* A copy gone bad (or expired) is replaced from the mirror. */
	if (r < 0 && r != -EINTR && !o->offline)
		return 0;
	if (r < 0)
		return r;
	j->checked = st.st_mtime;
	return 1;
}

/* Keep j's body as its kept copy, checked at now. */
static int keep(struct job *j, time_t now, struct strbuf *err)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { now, 0 } };
	char *dir = xstrndup(j->kept, (size_t)(strrchr(j->kept, '/') -
					       j->kept));
	int r = mkdir_p(dir, 0755);

	free(dir);
	if (r >= 0)
		r = write_file(j->kept, j->body.buf, j->body.len, 0644);
	if (r >= 0 && utimensat(AT_FDCWD, j->kept, ts, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	if (r < 0)
		return strbuf_error(err, r, "cannot keep '%s': %s", j->kept,
			    strerror(-r));
	return 0;
}

/* ---- the state ---- */

static int check_refs(const struct suite_ref *refs, size_t nr,
		      struct strbuf *err)
{
	for (size_t i = 0; i < nr; i++) {
		if (!mirror_ok(refs[i].mirror))
			return strbuf_error(err, -EINVAL, "mirror '%s' is no http, "
				    "https or file URL", refs[i].mirror);
		if (!suite_name_ok(refs[i].suite))
			return strbuf_error(err, -EINVAL, "'%s' is no suite name",
				    refs[i].suite);
	}
	return 0;
}

int archive_state_get(const struct suite_ref *refs, size_t nr,
		      const struct archive_opts *o, struct archive_state *ret,
		      struct strbuf *err)
{
	struct verifier v = { 0 };
	struct job *jobs = NULL;
	char *dir = NULL;
	time_t now = o->now ? o->now : time(NULL);
	time_t checked = now;
	int r, fetching = 0;

	r = check_refs(refs, nr, err);
	if (r < 0)
		return r;
	r = verifier_init(&v, o->keyring ? o->keyring : ARCHIVE_KEYRING,
			  o->journal, err);
	if (r < 0)
		goto out;
	if (o->cachedir)
		dir = path_join(o->cachedir, "archive");
	jobs = xcalloc(nr, sizeof(*jobs));
	for (size_t i = 0; i < nr; i++) {
		struct job *j = &jobs[i];

		j->ref = &refs[i];
		j->url = suite_url(&refs[i]);
		strbuf_init(&j->body, 0);
		if (dir) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "%s/", dir);
			kept_name(j->url, &sb);
			j->kept = strbuf_detach(&sb, NULL);
		}
		r = use_kept(&v, j, o, now, err);
		if (r < 0)
			goto out;
		j->fetch = !r;
		fetching |= j->fetch;
	}
	if (fetching) {
		r = fetch_all(jobs, nr, o->timeout > 0 ? o->timeout :
			      ARCHIVE_TIMEOUT, err);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		struct job *j = &jobs[i];

		if (!j->fetch)
			continue;
		r = job_result(j, err);
		if (r < 0)
			goto out;
		r = verify(&v, j->url, j->ref->suite, &j->body, now, 0, &j->st,
			   err);
		if (r < 0)
			goto out;
		j->checked = now;
		/* A copy that cannot be kept (a cache that is not ours to
		 * write, for a plan made as another user) costs only the next
		 * run's fetch. */
		if (j->kept)
			(void)keep(j, now, NULL);
	}

	ret->v = xcalloc(nr, sizeof(*ret->v));
	ret->nr = nr;
	for (size_t i = 0; i < nr; i++) {
		ret->v[i] = jobs[i].st;
		ret->v[i].suite = xstrdup(refs[i].suite);
		if (jobs[i].checked < checked)
			checked = jobs[i].checked;
	}
	ret->checked = checked;
	r = 0;
out:
	for (size_t i = 0; jobs && i < nr; i++) {
		if (jobs[i].c)
			curl_easy_cleanup(jobs[i].c);
		free(jobs[i].url);
		free(jobs[i].kept);
		strbuf_release(&jobs[i].body);
	}
	free(jobs);
	free(dir);
	verifier_release(&v);
	return r;
}

void archive_state_release(struct archive_state *s)
{
	for (size_t i = 0; i < s->nr; i++)
		free(s->v[i].suite);
	free(s->v);
	s->v = NULL;
	s->nr = 0;
	s->checked = 0;
}

void archive_state_format(const struct archive_state *s, struct strbuf *out)
{
	char when[64];

	for (size_t i = 0; i < s->nr; i++)
		strbuf_addf(out, "%s%s@%s@%s", i ? " " : "", s->v[i].suite,
			    utc(s->v[i].date, KEY_TIME, when, sizeof(when)),
			    s->v[i].sha256);
}

static int sha256_hex_ok(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == SHA256_HEX_SIZE - 1 && !s[n];
}

/* "SUITE@DATE@SHA256" into st; 0 or -EINVAL. */
static int parse_one(char *word, struct suite_state *st)
{
	char *date = strchr(word, '@');
	char *sum = date ? strchr(date + 1, '@') : NULL;
	struct tm tm = { 0 };
	char again[64];
	const char *end;
	time_t t;

	if (!sum)
		return -EINVAL;
	*date++ = '\0';
	*sum++ = '\0';
	if (!suite_name_ok(word) || !sha256_hex_ok(sum) || !c_locale())
		return -EINVAL;
	end = strptime_l(date, KEY_TIME, &tm, c_locale());
	if (!end || *end)
		return -EINVAL;
	t = timegm(&tm);
	/* Only the one spelling archive_state_format() writes. */
	if (!streq(utc(t, KEY_TIME, again, sizeof(again)), date))
		return -EINVAL;
	st->suite = xstrdup(word);
	st->date = t;
	st->valid_until = 0;
	memcpy(st->sha256, sum, SHA256_HEX_SIZE);
	return 0;
}

int archive_state_parse(const char *text, struct archive_state *ret)
{
	struct archive_state s = ARCHIVE_STATE_INIT;
	_cleanup_free_ char *copy = xstrdup(text);
	char *p = copy;
	size_t len = strlen(text);

	/* One space between words, none around them, as they are written. */
	if (len && (text[0] == ' ' || text[len - 1] == ' ' ||
		    strstr(text, "  ")))
		return -EINVAL;
	while (*p) {
		char *w = p;

		p = strchrnul(p, ' ');
		if (*p)
			*p++ = '\0';
		s.v = xrealloc(s.v, (s.nr + 1) * sizeof(*s.v));
		if (parse_one(w, &s.v[s.nr]) < 0) {
			archive_state_release(&s);
			return -EINVAL;
		}
		s.nr++;
	}
	*ret = s;
	return 0;
}

static const struct suite_state *find(const struct archive_state *s,
				      const char *suite)
{
	for (size_t i = 0; i < s->nr; i++)
		if (streq(s->v[i].suite, suite))
			return &s->v[i];
	return NULL;
}

void archive_state_diff(const struct archive_state *old,
			const struct archive_state *cur, struct strbuf *out)
{
	const char *sep = "";
	char a[64], b[64];

	for (size_t i = 0; i < cur->nr; i++) {
		const struct suite_state *n = &cur->v[i];
		const struct suite_state *o = find(old, n->suite);

		if (o && streq(o->sha256, n->sha256))
			continue;
		strbuf_addf(out, "%s%s ", sep, n->suite);
		sep = "; ";
		if (!o)
			strbuf_addf(out, "added (%s UTC)",
				    utc(n->date, SHOWN_TIME, a, sizeof(a)));
		else if (o->date == n->date)
			strbuf_addf(out, "changed (its file, still dated "
				    "%s UTC)",
				    utc(n->date, SHOWN_TIME, a, sizeof(a)));
		else
			strbuf_addf(out, "changed (%s -> %s UTC)",
				    utc(o->date, SHOWN_TIME, a, sizeof(a)),
				    utc(n->date, SHOWN_TIME, b, sizeof(b)));
	}
	for (size_t i = 0; i < old->nr; i++) {
		if (find(cur, old->v[i].suite))
			continue;
		strbuf_addf(out, "%s%s dropped", sep, old->v[i].suite);
		sep = "; ";
	}
}

time_t archive_state_date(const struct archive_state *s)
{
	time_t newest = 0;

	for (size_t i = 0; i < s->nr; i++)
		if (s->v[i].date > newest)
			newest = s->v[i].date;
	return newest;
}
