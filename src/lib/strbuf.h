/*
 * strbuf.h: a growable, always NUL-terminated string.
 *
 * Paths, command lines for the log and rendered files are built with it, so
 * no code needs a fixed-size buffer. Allocation failure aborts: a half-built
 * string is never returned.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Hand the string to the caller; sb is left empty. Never NULL. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Take len bytes out at pos (both within the buffer). */
void strbuf_remove(struct strbuf *sb, size_t pos, size_t len);

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/*
 * Append s with each ASCII control character written as a C escape
 * ("\n", "\t", "\x1b"), so that a value quoted in a one-line message
 * keeps it one line.
 */
void strbuf_add_escaped(struct strbuf *sb, const char *s);

void strbuf_trim(struct strbuf *sb);
void strbuf_rtrim(struct strbuf *sb);
/*
 * Replace err (when not NULL) with one line from fmt, newlines turned to
 * spaces (it is printed as the tail of one log line), and return r: for
 * "return strbuf_error(err, -EIO, ...)".
 */
__attribute__((format(printf, 3, 4)))
int strbuf_error(struct strbuf *err, int r, const char *fmt, ...);
/* Append a file's whole contents; returns 0 or -errno. */
int strbuf_read_file(struct strbuf *sb, const char *path);
/*
 * The same, read through strbuf_read_fd() with the file's size as the
 * hint, and *ret_st the stat of what was read (for a check of who may
 * read it that must be of the same file). 0 or -errno.
 */
struct stat;
int strbuf_read_file_stat(struct strbuf *sb, const char *path,
			  struct stat *ret_st);
/*
 * Append what fd holds to its end, read straight into the buffer, which
 * is first grown by hint (the file's size, say) so that it is not moved
 * while a file that does not grow is read. For text that may hold
 * secrets: nothing is left behind in a bounce buffer or a block that
 * realloc() gave up. Returns 0 or -errno.
 */
int strbuf_read_fd(struct strbuf *sb, int fd, size_t hint);
/* Zero all of the buffer, then release it: for text that held secrets. */
void strbuf_release_secret(struct strbuf *sb);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ __attribute__((cleanup(strbuf_releasep)))

#endif
