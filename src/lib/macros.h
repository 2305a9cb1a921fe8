/* macros.h: small language helpers shared by every module. */
#ifndef MACROS_H
#define MACROS_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Allocation that does not fail: running out of memory aborts, so no half
 * built string or list is ever handed on. xstrdup(NULL) is NULL.
 */
static inline void *xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);

	if (!r)
		abort();
	return r;
}

static inline void *xcalloc(size_t nmemb, size_t size)
{
	void *r = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!r)
		abort();
	return r;
}

static inline char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		abort();
	return d;
}

static inline char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		abort();
	return d;
}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* Locals released when they go out of scope, as systemd does. */
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

#define streq(a, b) (strcmp((a), (b)) == 0)

#endif
