/*
 * json.h: JSON written as it is produced, into a strbuf, for every
 * machine-readable output (list-images --json, JSON-lines event streams).
 * Strings are escaped in one place here, so every document parses.
 *
 * The writer places the commas, the newlines and the indentation; callers
 * only say what comes next:
 *
 *	struct json_writer w;
 *
 *	json_writer_init(&w, &out, JSON_PRETTY);
 *	json_object_begin(&w);
 *	json_kv_int(&w, "version", 1);
 *	json_key(&w, "guests");
 *	json_array_begin(&w);
 *	...
 *	json_array_end(&w);
 *	json_object_end(&w);
 *
 * Each top-level value ends with a newline, so a JSON-lines stream is one
 * compact value after another through the same writer. Misuse (a value
 * where a key is due, a key outside an object, an end that does not match
 * its begin, nesting deeper than JSON_MAX_DEPTH) is a bug in the caller
 * and aborts.
 */
#ifndef JSON_H
#define JSON_H

#include "strbuf.h"
#include "strvec.h"

enum json_style {
	/*
	 * One line, with Python's json.dumps() separators:
	 * {"a": 1, "b": [1, 2]}
	 */
	JSON_COMPACT,
	/*
	 * An object has one member per line, indented by two spaces per
	 * level. An array is laid out by its first element: one element per
	 * line when that is an object or an array, else on one line as in
	 * the compact style ("ips": ["a", "b"]). Empty ones are {} and [].
	 */
	JSON_PRETTY,
};

#define JSON_MAX_DEPTH 32

/* An open object or array. */
struct json_frame {
	unsigned char is_object;
	unsigned char key_due;	/* a key was written, its value not yet */
	unsigned char one_line;	/* an array laid out on one line */
	size_t nr;		/* members or elements so far */
};

struct json_writer {
	struct strbuf *out;
	enum json_style style;
	unsigned depth;
	struct json_frame frames[JSON_MAX_DEPTH];	/* outermost first */
};

/* Nothing to release: the writer only appends to out. */
void json_writer_init(struct json_writer *w, struct strbuf *out,
		      enum json_style style);

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* The next member's name; its value is the next thing written. */
void json_key(struct json_writer *w, const char *key);

/* A JSON string (see json_escape_string()); NULL writes null. */
void json_string(struct json_writer *w, const char *s);
void json_int(struct json_writer *w, long long v);
void json_uint(struct json_writer *w, unsigned long long v);
void json_bool(struct json_writer *w, int v);
void json_null(struct json_writer *w);
/*
 * v with that many digits after the point (0: none; below 0 is misuse),
 * '.' whatever the locale; NaN and the infinities, which JSON cannot
 * say, write null.
 */
void json_double(struct json_writer *w, double v, int decimals);

/* An object member: json_key() and the value in one call. */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
/* The same, with "" written as null: a record's way of saying "none". */
void json_kv_nonempty(struct json_writer *w, const char *key, const char *s);
void json_kv_int(struct json_writer *w, const char *key, long long v);
void json_kv_uint(struct json_writer *w, const char *key,
		  unsigned long long v);
void json_kv_bool(struct json_writer *w, const char *key, int v);
void json_kv_null(struct json_writer *w, const char *key);
void json_kv_double(struct json_writer *w, const char *key, double v,
		    int decimals);
/* An array of the strings in sv. */
void json_kv_strvec(struct json_writer *w, const char *key,
		    const struct strvec *sv);

/*
 * Append s as a quoted JSON string: quotes and backslashes escaped with a
 * backslash, control characters and DEL as \u00XX, valid UTF-8 passed
 * through, and each byte that is not part of valid UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF, cut-off sequences) as \ufffd, so the
 * result always parses. NULL appends null.
 */
void json_escape_string(struct strbuf *out, const char *s);

#endif
