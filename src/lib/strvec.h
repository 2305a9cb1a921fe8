/*
 * strvec.h: a NULL-terminated, growable array of owned strings.
 *
 * Used for argv and environment lists, repeatable options and any list of
 * names. v[nr] is always NULL, so v can be passed to execve() directly.
 */
#ifndef STRVEC_H
#define STRVEC_H

#include <stddef.h>

struct strvec {
	const char **v;
	size_t nr;
	size_t alloc;
};

extern const char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_clear(struct strvec *sv);
const char *strvec_push(struct strvec *sv, const char *s);
const char *strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Push every argument up to a terminating NULL. */
void strvec_pushl(struct strvec *sv, ...) __attribute__((sentinel));
void strvec_pushv(struct strvec *sv, const char *const *v);
/* Index of s in sv, or -1. */
int strvec_find(const struct strvec *sv, const char *s);
/* Remove entry i, keeping order. */
void strvec_remove(struct strvec *sv, size_t i);
void strvec_sort(struct strvec *sv);
/* Split s at every occurrence of any char in seps, skipping empty fields. */
void strvec_split(struct strvec *sv, const char *s, const char *seps);

static inline void strvec_clearp(struct strvec *sv)
{
	strvec_clear(sv);
}
#define _cleanup_strvec_ __attribute__((cleanup(strvec_clearp)))

#endif
