/*
 * archive-state.h: which state of the Debian archive a base is built from.
 *
 * A suite's state is its InRelease file: fetched from the mirror, its
 * signature checked with gpgv, and told as the suite's Date and the file's
 * SHA-256. A base built from the same states is still current; one built
 * before any of them changed is stale.
 */
#ifndef ARCHIVE_STATE_H
#define ARCHIVE_STATE_H

#include <stddef.h>
#include <time.h>

#include "sha256.h"
#include "strbuf.h"

#define ARCHIVE_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
/* Seconds for the whole fetch when archive_opts.timeout is 0. */
#define ARCHIVE_TIMEOUT 30L

/* A suite of a mirror: "http://deb.debian.org/debian", "bookworm-updates". */
struct suite_ref {
	const char *mirror;
	const char *suite;
};

struct suite_state {
	char *suite;			/* as asked for */
	time_t date;			/* its Date: */
	time_t valid_until;		/* its Valid-Until:, 0 when it has none
					 * (and always after a parse) */
	char sha256[SHA256_HEX_SIZE];	/* of the InRelease file */
};

struct archive_state {
	struct suite_state *v;
	size_t nr;
	/*
	 * When the mirror was last asked: now when it answered for every
	 * suite, else the oldest check time of the kept copies used.
	 */
	time_t checked;
};

#define ARCHIVE_STATE_INIT { NULL, 0, 0 }

struct archive_opts {
	const char *keyring;	/* NULL: ARCHIVE_KEYRING */
	/*
	 * Verified copies are kept in CACHEDIR/archive/ (see
	 * archive_state_get()); NULL: none is kept, nothing is written.
	 */
	const char *cachedir;
	/* Seconds a kept copy is taken as current without asking the
	 * mirror, counted from when the mirror last answered for it. */
	long max_age;
	long timeout;		/* for the whole fetch; 0: ARCHIVE_TIMEOUT */
	int offline;		/* never ask a mirror: kept copies only */
	time_t now;		/* 0: time(NULL); tests set it */
	/* The run's journal, which then holds the scratch directory of the
	 * signature checks (so a run killed outright leaves none); or NULL. */
	struct journal *journal;
};

/*
 * The state of the nr suites refs, in that order, into ret.
 *
 * Each suite is MIRROR/dists/SUITE/InRelease, fetched with libcurl over
 * http, https or file, all suites at once and within o->timeout seconds
 * in all, through the proxies libcurl finds in the environment, following
 * redirects as fetch_redirect_protocols() allows.
 *
 * gpgv must find a good signature by a key of the keyring, made with a
 * hash stronger than SHA-1; a signature by a key it does not hold does
 * not count, a bad one fails the file, and so does a second signed text
 * in it. Date, Valid-Until, Suite and Codename are read from the text
 * gpgv says is signed, never from the rest of the file. The suite asked
 * for must be the file's Suite or Codename ("bookworm/updates": the part
 * before the "/"), so a mirror cannot pass off one suite as another, and
 * a Valid-Until before now fails it.
 *
 * With o->cachedir each verified file is kept as CACHEDIR/archive/NAME:
 * NAME is the URL with its "://" and each "/" written "_", and "_" and
 * anything else but letters, digits and ".+~-" as %XX, so that no two
 * URLs share one ("http_deb.debian.org_debian_dists_bookworm_InRelease").
 * It is written under a temporary name and renamed, its mtime set to when
 * the mirror answered; a copy that cannot be written is not an error. A kept copy younger than o->max_age is used
 * without asking the mirror, an older one is fetched again. A kept copy
 * is verified again each time it is used: trust comes from its signature,
 * not from the directory. With o->offline no mirror is asked and kept
 * copies of any age are used, expired ones too: they were current when
 * they were kept, and nothing newer can be known.
 *
 * Returns 0 or -errno with one line in err (may be NULL) that names the
 * URL, or the kept copy:
 *   -EINVAL       a mirror is no http, https or file URL, or a suite
 *                 name is not one ("bookworm", "bookworm/updates")
 *   -ENETUNREACH  "cannot reach 'URL': REASON" (connection refused, DNS,
 *                 the timeout, an HTTP status >= 400 ...); offline with no
 *                 kept copy: "no copy of 'URL' is kept and --offline
 *                 forbids asking the mirror"
 *   -EBADMSG      "'URL' is not signed by a key in 'KEYRING'", "'URL'
 *                 expired on DATE UTC: the mirror serves an outdated
 *                 archive", "'URL' has no valid Date", "'URL' is the
 *                 archive of 'SUITE', not 'ASKED'"
 *   -EFBIG        the file is larger than any InRelease file (16 MiB)
 *   -EINTR        SIGINT/SIGTERM (see run-command.h) stopped it
 * and others when the keyring cannot be read, gpgv cannot be run or a
 * copy cannot be kept.
 */
int archive_state_get(const struct suite_ref *refs, size_t nr,
		      const struct archive_opts *o, struct archive_state *ret,
		      struct strbuf *err);
void archive_state_release(struct archive_state *s);

/*
 * One line for a key, stable, suites in their order:
 * "bookworm@2026-07-11T10:16:37Z@SHA256 bookworm-updates@...@...";
 * "" for no suites. Appended to out.
 */
void archive_state_format(const struct archive_state *s, struct strbuf *out);
/*
 * What archive_state_format() wrote, back into ret (valid_until and
 * checked are 0). 0, or -EINVAL for anything else; ret is written only
 * on success.
 */
int archive_state_parse(const char *text, struct archive_state *ret);

/*
 * What differs from old to cur, for a message, appended to out:
 * "bookworm-security changed (2026-12-01 09:00 -> 2026-12-02 23:13 UTC)",
 * "bookworm-backports added (2026-12-02 20:11 UTC)", "bookworm-updates
 * dropped", several joined by "; "; nothing when they are equal. A suite
 * has changed when its file has.
 */
void archive_state_diff(const struct archive_state *old,
			const struct archive_state *cur, struct strbuf *out);

/* The newest Date of s ("built from the archive of ..."); 0 for none. */
time_t archive_state_date(const struct archive_state *s);

#endif
