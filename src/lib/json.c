/*
 * json.c: see json.h. A caller's misuse aborts at once (there is no
 * error to return: the document would be wrong whatever the caller did
 * next), so a broken writer call shows up in the first test that runs it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "banned.h"

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min, c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		min = 0x80;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		min = 0x800;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		min = 0x10000;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

void json_escape_string(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		strbuf_addstr(out, "null");
		return;
	}
	n = strlen(s);
	strbuf_addch(out, '"');
	while (n) {
		size_t len = utf8_len(p, n);

		if (!len) {
			/* One replacement per bad byte: the next may start
			 * a valid sequence. */
			strbuf_addstr(out, "\\ufffd");
			len = 1;
		} else if (*p == '"' || *p == '\\') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addf(out, "\\u%04x", *p);
		} else {
			strbuf_add(out, p, len);
		}
		p += len;
		n -= len;
	}
	strbuf_addch(out, '"');
}

void json_writer_init(struct json_writer *w, struct strbuf *out,
		      enum json_style style)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->style = style;
}

static struct json_frame *top(struct json_writer *w)
{
	return w->depth ? &w->frames[w->depth - 1] : NULL;
}

static void newline_indent(struct json_writer *w)
{
	strbuf_addch(w->out, '\n');
	for (unsigned i = 0; i < w->depth; i++)
		strbuf_addstr(w->out, "  ");
}

/*
 * What goes before a value: in an object, nothing more (json_key() wrote
 * the separators), but a key must be due; in an array, the separator
 * from the element before. An array in the pretty style takes its layout
 * from its first element.
 */
static void before_value(struct json_writer *w, int is_container)
{
	struct json_frame *f = top(w);

	if (!f)
		return;
	if (f->is_object) {
		if (!f->key_due)
			abort();
		f->key_due = 0;
		return;
	}
	if (!f->nr)
		f->one_line = w->style == JSON_COMPACT || !is_container;
	if (f->one_line) {
		if (f->nr)
			strbuf_addstr(w->out, ", ");
	} else {
		if (f->nr)
			strbuf_addch(w->out, ',');
		newline_indent(w);
	}
	f->nr++;
}

/* A finished top-level value is one document: one line of its own in a
 * JSON-lines stream, and a file that ends in a newline. */
static void after_value(struct json_writer *w)
{
	if (!w->depth)
		strbuf_addch(w->out, '\n');
}

static void begin(struct json_writer *w, int is_object)
{
	struct json_frame *f;

	before_value(w, 1);
	if (w->depth == JSON_MAX_DEPTH)
		abort();
	f = &w->frames[w->depth++];
	memset(f, 0, sizeof(*f));
	f->is_object = is_object;
	strbuf_addch(w->out, is_object ? '{' : '[');
}

static void end(struct json_writer *w, int is_object)
{
	struct json_frame *f = top(w);
	int multi_line;

	if (!f || f->is_object != is_object || f->key_due)
		abort();
	multi_line = f->nr && w->style == JSON_PRETTY &&
		     (is_object || !f->one_line);
	w->depth--;
	if (multi_line)
		newline_indent(w);
	strbuf_addch(w->out, is_object ? '}' : ']');
	after_value(w);
}

void json_object_begin(struct json_writer *w)
{
	begin(w, 1);
}

void json_object_end(struct json_writer *w)
{
	end(w, 1);
}

void json_array_begin(struct json_writer *w)
{
	begin(w, 0);
}

void json_array_end(struct json_writer *w)
{
	end(w, 0);
}

void json_key(struct json_writer *w, const char *key)
{
	struct json_frame *f = top(w);

	if (!f || !f->is_object || f->key_due || !key)
		abort();
	if (w->style == JSON_PRETTY) {
		if (f->nr)
			strbuf_addch(w->out, ',');
		newline_indent(w);
	} else if (f->nr) {
		strbuf_addstr(w->out, ", ");
	}
	json_escape_string(w->out, key);
	strbuf_addstr(w->out, ": ");
	f->key_due = 1;
	f->nr++;
}

void json_string(struct json_writer *w, const char *s)
{
	before_value(w, 0);
	json_escape_string(w->out, s);
	after_value(w);
}

void json_int(struct json_writer *w, long long v)
{
	before_value(w, 0);
	strbuf_addf(w->out, "%lld", v);
	after_value(w);
}

void json_uint(struct json_writer *w, unsigned long long v)
{
	before_value(w, 0);
	strbuf_addf(w->out, "%llu", v);
	after_value(w);
}

void json_bool(struct json_writer *w, int v)
{
	before_value(w, 0);
	strbuf_addstr(w->out, v ? "true" : "false");
	after_value(w);
}

void json_null(struct json_writer *w)
{
	before_value(w, 0);
	strbuf_addstr(w->out, "null");
	after_value(w);
}

/*
 * printf() writes the decimal point of LC_NUMERIC, which may be a comma
 * or several bytes; JSON takes only '.'. What %f writes is [-]digits,
 * then, with decimals, the point and digits again.
 */
static void add_fixed(struct strbuf *out, double v, int decimals)
{
	size_t start = out->len, point, digits;

	strbuf_addf(out, "%.*f", decimals, v);
	point = start + (out->buf[start] == '-');
	while (point < out->len && out->buf[point] >= '0' &&
	       out->buf[point] <= '9')
		point++;
	if (point == out->len)
		return;
	digits = point;
	while (digits < out->len &&
	       (out->buf[digits] < '0' || out->buf[digits] > '9'))
		digits++;
	out->buf[point] = '.';
	memmove(out->buf + point + 1, out->buf + digits, out->len - digits);
	strbuf_setlen(out, out->len - (digits - point - 1));
}

void json_double(struct json_writer *w, double v, int decimals)
{
	if (decimals < 0)
		abort();
	before_value(w, 0);
	if (isfinite(v))
		add_fixed(w->out, v, decimals);
	else
		strbuf_addstr(w->out, "null");
	after_value(w);
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_nonempty(struct json_writer *w, const char *key, const char *s)
{
	json_kv_string(w, key, s && *s ? s : NULL);
}

void json_kv_int(struct json_writer *w, const char *key, long long v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_kv_uint(struct json_writer *w, const char *key,
		  unsigned long long v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, int v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}

void json_kv_double(struct json_writer *w, const char *key, double v,
		    int decimals)
{
	json_key(w, key);
	json_double(w, v, decimals);
}

void json_kv_strvec(struct json_writer *w, const char *key,
		    const struct strvec *sv)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < sv->nr; i++)
		json_string(w, sv->v[i]);
	json_array_end(w);
}
