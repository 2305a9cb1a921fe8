/*
 * base.h: the recipe of the base a guest is built from, as a cache key:
 * the distribution, architecture, mirror, install method and source, the
 * package set, and the content of the base hooks and the base tree.
 */
#ifndef BASE_H
#define BASE_H

#include "base-cache.h"
#include "guest.h"
#include "strbuf.h"

/* Bumped whenever this program changes what it puts in a base. */
#define BASE_FORMAT "2"

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

#endif
