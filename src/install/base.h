/*
 * base.h: the recipe of the base a guest is built from, as a cache key:
 * the distribution, architecture, mirror, install method and source, the
 * package set, and the content of the base hooks and the base tree.
 */
#ifndef BASE_H
#define BASE_H

#include "archive-state.h"
#include "base-cache.h"
#include "guest.h"
#include "strbuf.h"

/* Bumped whenever this program changes what it puts in a base. */
#define BASE_FORMAT "3"

/* The key of g's base. 0, or -errno when a hook or file cannot be read
 * (named in err). */
int base_key_for(const struct guest *g, struct base_key *ret,
		 struct strbuf *err);

/*
 * Whether g's base may come from, and go to, the cache: not with
 * --cache=no, and not for --install-method=copy, whose source is already
 * a local tree. When not, *why says so.
 */
int base_cacheable(const struct guest *g, const char **why);

/* CACHEDIR/bases; caller frees. */
char *base_cache_dir(const char *cachedir);

/*
 * The state of the suites g's base is installed from (install_suites()),
 * asked of their mirrors, or taken from copies kept in CACHEDIR for
 * --cache-max-age seconds (none with --cache=no). 0; -ENETUNREACH when a
 * mirror cannot be reached; -EBADMSG when what it serves is not signed or
 * has expired. err says which mirror. j: the run's journal, or NULL
 * (archive_opts).
 */
#define BASE_ARCHIVE_TIMEOUT 15
struct journal;
int base_archive_state(const struct guest *g, struct journal *j,
		       struct archive_state *ret, struct strbuf *err);

/* 1 and *ret when a base of g's recipe is cached (not verified), else 0. */
int base_find_cached(const struct guest *g, struct base_entry *ret);

/* "built from the archive of 2026-12-03 02:15 UTC, 2 days ago", or
 * "built 2026-12-03 02:15, 2 days ago" for a base whose state is not
 * known. */
void base_describe_state(const struct base_entry *e, time_t now,
			 struct strbuf *out);

#endif
