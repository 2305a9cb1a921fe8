/* template.c: see template.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "strbuf.h"
#include "template.h"
#include "banned.h"

struct tvar {
	char *name;
	/* The string, or NULL when the name is a list (possibly empty). */
	char *value;
	struct tvars **items;
	size_t nr_items, alloc_items;
};

struct tvars {
	struct tvars *parent;
	struct tvar *vars;
	size_t nr, alloc;
};

/*
 * The setters return nothing, so, as in strbuf, allocation failure cannot be
 * handed back; a scope silently missing a value would render a wrong file.
 */
static void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	size_t bytes;
	void *r;

	if (size && nmemb > SIZE_MAX / size)
		abort();
	bytes = nmemb * size;
	r = realloc(p, bytes ? bytes : 1);
	if (!r)
		abort();
	return r;
}

static size_t grow_to(size_t alloc, size_t want)
{
	if (want <= alloc)
		return alloc;
	return want < 8 ? 8 : want * 3 / 2;
}

static struct tvar *find(const struct tvars *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->nr; i++) {
		struct tvar *t = &v->vars[i];

		if (!strncmp(t->name, name, len) && !t->name[len])
			return t;
	}
	return NULL;
}

static void tvar_drop_items(struct tvar *t)
{
	for (size_t i = 0; i < t->nr_items; i++)
		tvars_free(t->items[i]);
	free(t->items);
	t->items = NULL;
	t->nr_items = t->alloc_items = 0;
}

static struct tvar *find_or_add(struct tvars *v, const char *name)
{
	struct tvar *t = find(v, name, strlen(name));
	size_t alloc;

	if (t)
		return t;
	alloc = grow_to(v->alloc, v->nr + 1);
	if (alloc != v->alloc) {
		v->vars = xreallocarray(v->vars, alloc, sizeof(*v->vars));
		v->alloc = alloc;
	}
	t = &v->vars[v->nr++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	/* A name nobody set yet is an empty list until a string arrives. */
	t->value = NULL;
	return t;
}

/* Takes ownership of value. */
static void set_owned(struct tvars *v, const char *name, char *value)
{
	struct tvar *t = find_or_add(v, name);

	tvar_drop_items(t);
	free(t->value);
	t->value = value;
}

struct tvars *tvars_new(void)
{
	return calloc(1, sizeof(struct tvars));
}

void tvars_free(struct tvars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nr; i++) {
		tvar_drop_items(&v->vars[i]);
		free(v->vars[i].value);
		free(v->vars[i].name);
	}
	free(v->vars);
	free(v);
}

void tvars_set(struct tvars *v, const char *name, const char *value)
{
	set_owned(v, name, xstrdup(value ? value : ""));
}

void tvars_setf(struct tvars *v, const char *name, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	set_owned(v, name, strbuf_detach(&sb, NULL));
}

void tvars_set_bool(struct tvars *v, const char *name, int on)
{
	tvars_set(v, name, on ? "1" : "");
}

void tvars_declare_list(struct tvars *v, const char *name)
{
	struct tvar *t = find_or_add(v, name);

	free(t->value);
	t->value = NULL;
}

struct tvars *tvars_list_add(struct tvars *v, const char *list)
{
	struct tvar *t = find_or_add(v, list);
	struct tvars *item;
	size_t alloc;

	free(t->value);
	t->value = NULL;
	item = tvars_new();
	if (!item)
		abort();
	item->parent = v;
	alloc = grow_to(t->alloc_items, t->nr_items + 1);
	if (alloc != t->alloc_items) {
		t->items = xreallocarray(t->items, alloc, sizeof(*t->items));
		t->alloc_items = alloc;
	}
	t->items[t->nr_items++] = item;
	return item;
}

const struct tvars *tvars_list_item(const struct tvars *v, const char *list,
				    size_t i)
{
	const struct tvar *t = find(v, list, strlen(list));

	if (!t || t->value || i >= t->nr_items)
		return NULL;
	return t->items[i];
}

const char *tvars_get(const struct tvars *v, const char *name)
{
	size_t len = strlen(name);

	for (; v; v = v->parent) {
		const struct tvar *t = find(v, name, len);

		/* A list shadows a string of the same name further out. */
		if (t)
			return t->value;
	}
	return NULL;
}

enum tok_type {
	TOK_TEXT,
	TOK_VAR,
	TOK_SECTION,
	TOK_INVERTED,
	TOK_CLOSE,
};

struct token {
	enum tok_type type;
	unsigned line;
	/* The text, or the tag's name; both point into the template. */
	const char *s;
	size_t len;
	/* Sections: the index of the matching TOK_CLOSE. */
	size_t close;
};

struct render {
	/* Prefix for messages; NULL gives "line N: ". */
	const char *path;
	struct token *toks;
	size_t nr, alloc;
	struct strbuf *out;
	struct strbuf *err;
};

struct frame {
	const struct tvars *scope;
	const struct frame *up;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct render *r, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (!r->err)
		return -EINVAL;
	if (r->path)
		strbuf_addf(r->err, "%s:%u: ", r->path, line);
	else
		strbuf_addf(r->err, "line %u: ", line);
	va_start(ap, fmt);
	strbuf_vaddf(r->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static size_t push_token(struct render *r, enum tok_type type, unsigned line,
			 const char *s, size_t len)
{
	size_t alloc = grow_to(r->alloc, r->nr + 1);

	if (alloc != r->alloc) {
		r->toks = xreallocarray(r->toks, alloc, sizeof(*r->toks));
		r->alloc = alloc;
	}
	r->toks[r->nr] = (struct token){ type, line, s, len, 0 };
	return r->nr++;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int same_name(const struct token *a, const struct token *b)
{
	return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

/*
 * If the tag [open, after) is alone on its line, return where the line
 * starts and, in *ret_next, where the next line starts; else NULL.
 */
static const char *standalone(const char *start, const char *end,
			      const char *open, const char *after,
			      const char **ret_next)
{
	const char *ls = open, *p = after;

	while (ls > start && ls[-1] != '\n')
		ls--;
	for (const char *q = ls; q < open; q++)
		if (!is_blank(*q))
			return NULL;
	while (p < end && is_blank(*p))
		p++;
	if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
		p += 2;
	else if (p < end && *p == '\n')
		p++;
	else if (p < end)
		return NULL;
	*ret_next = p;
	return ls;
}

/*
 * Split the template into tokens and pair every section with its closing
 * tag, so that syntax errors are found before anything is rendered, also
 * inside sections that never will be.
 */
static int lex(struct render *r, const char *s, size_t len)
{
	_cleanup_free_ size_t *open_secs = NULL;
	size_t depth = 0, alloc = 0;
	const char *end = s + len, *text = s, *counted = s, *open;
	unsigned line = 1;

	while (text < end && (open = memmem(text, end - text, "{{", 2))) {
		const char *c = open + 2, *stop, *close, *name, *next;
		const char *ls = NULL;
		enum tok_type type = TOK_VAR;
		int comment = 0;
		size_t nlen;

		for (; counted < open; counted++)
			line += *counted == '\n';

		while (c < end && is_blank(*c))
			c++;
		if (c < end && *c == '!')
			comment = 1;
		/* Only comments may span lines; a tag missing its "}}" must
		 * not swallow the text after it. */
		stop = comment ? NULL : memchr(open, '\n', end - open);
		if (!stop)
			stop = end;
		close = memmem(open + 2, stop - (open + 2), "}}", 2);
		if (!close)
			return fail(r, line, "unterminated tag");
		next = close + 2;

		if (c < close && *c == '#')
			type = TOK_SECTION;
		else if (c < close && *c == '^')
			type = TOK_INVERTED;
		else if (c < close && *c == '/')
			type = TOK_CLOSE;
		if (comment || type != TOK_VAR)
			c++;
		while (c < close && is_blank(*c))
			c++;
		name = c;
		while (c < close && is_name_char(*c))
			c++;
		nlen = c - name;
		while (c < close && is_blank(*c))
			c++;
		if (!comment && (!nlen || c != close))
			return fail(r, line, "invalid tag '%.*s'",
				    (int)(next - open), open);

		if (comment || type != TOK_VAR)
			ls = standalone(s, end, open, next, &next);
		if (ls ? ls > text : open > text)
			push_token(r, TOK_TEXT, line, text,
				   (ls ? ls : open) - text);
		text = next;
		if (comment)
			continue;

		if (type == TOK_SECTION || type == TOK_INVERTED) {
			size_t a = grow_to(alloc, depth + 1);

			if (a != alloc) {
				open_secs = xreallocarray(open_secs, a,
							  sizeof(*open_secs));
				alloc = a;
			}
			open_secs[depth++] = push_token(r, type, line, name,
							nlen);
		} else if (type == TOK_CLOSE) {
			size_t i = push_token(r, type, line, name, nlen);
			struct token *sec;

			if (!depth)
				return fail(r, line,
					    "'{{/%.*s}}' closes no section",
					    (int)nlen, name);
			sec = &r->toks[open_secs[depth - 1]];
			if (!same_name(sec, &r->toks[i]))
				return fail(r, line,
					    "'{{/%.*s}}' closes '%.*s'",
					    (int)nlen, name,
					    (int)sec->len, sec->s);
			sec->close = i;
			depth--;
		} else {
			push_token(r, type, line, name, nlen);
		}
	}
	if (text < end)
		push_token(r, TOK_TEXT, line, text, end - text);
	if (depth) {
		const struct token *sec = &r->toks[open_secs[depth - 1]];

		return fail(r, sec->line, "unclosed section '%.*s'",
			    (int)sec->len, sec->s);
	}
	return 0;
}

/*
 * Search the frames innermost first, as mustache's context stack does: a
 * root list iterated inside a list item still sees that item. Only the
 * outermost frame continues into its scope's parents, so rendering with an
 * item scope as the root still finds what tvars_get() would.
 */
static const struct tvar *lookup(const struct frame *f, const char *name,
				 size_t len)
{
	for (; f; f = f->up) {
		const struct tvars *v = f->scope;

		do {
			const struct tvar *t = find(v, name, len);

			if (t)
				return t;
			v = f->up ? NULL : v->parent;
		} while (v);
	}
	return NULL;
}

static int truthy(const char *value)
{
	return value[0] && strcmp(value, "0");
}

/*
 * Render tokens [i, end) into r->out, or only check their names when !emit.
 * Sections that will not be rendered are still walked (without emitting) so
 * a misspelt name is an error however the variables are set.
 */
static int walk(struct render *r, size_t i, size_t end, const struct frame *f,
		int emit)
{
	int ret;

	for (; i < end; i++) {
		const struct token *t = &r->toks[i];
		const struct tvar *var;
		int on;

		if (t->type == TOK_TEXT) {
			if (emit)
				strbuf_add(r->out, t->s, t->len);
			continue;
		}
		var = lookup(f, t->s, t->len);
		if (!var)
			return fail(r, t->line, "unknown variable '%.*s'",
				    (int)t->len, t->s);
		if (t->type == TOK_VAR) {
			if (!var->value)
				return fail(r, t->line,
					    "'%.*s' is a list, not a value",
					    (int)t->len, t->s);
			if (emit)
				strbuf_addstr(r->out, var->value);
			continue;
		}

		/* TOK_SECTION or TOK_INVERTED; lex() skips closing tags. */
		if (t->type == TOK_SECTION && !var->value) {
			/* No items: nothing to check the body's names
			 * against, see template.h. */
			for (size_t k = 0; k < var->nr_items; k++) {
				struct frame item = { var->items[k], f };

				ret = walk(r, i + 1, t->close, &item, emit);
				if (ret < 0)
					return ret;
			}
		} else {
			on = var->value ? truthy(var->value) : !!var->nr_items;
			if (t->type == TOK_INVERTED)
				on = !on;
			ret = walk(r, i + 1, t->close, f, emit && on);
			if (ret < 0)
				return ret;
		}
		i = t->close;
	}
	return 0;
}

static int render(const char *path, const char *tmpl, size_t len,
		  const struct tvars *vars, struct strbuf *out,
		  struct strbuf *err)
{
	struct render r = { .path = path, .out = out, .err = err };
	struct frame root = { vars, NULL };
	int ret;

	ret = lex(&r, tmpl, len);
	if (!ret)
		ret = walk(&r, 0, r.nr, &root, 1);
	free(r.toks);
	return ret;
}

int template_render(const char *tmpl, size_t len, const struct tvars *vars,
		    struct strbuf *out, struct strbuf *err)
{
	return render(NULL, tmpl, len, vars, out, err);
}

/*
 * Whether tmpl is a xen-tools template (xm.tmpl): Perl in single braces,
 * "{$hostname}" or "{ if ($pygrub) { $OUT .= ... } }", which this syntax
 * would pass on as text for xl to choke on.
 */
static int is_text_template(const char *tmpl, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t j = i + 1;

		if (tmpl[i] != '{' || (i && tmpl[i - 1] == '{') ||
		    (j < len && tmpl[j] == '{'))
			continue;
		while (j < len && isspace((unsigned char)tmpl[j]))
			j++;
		if (j < len && tmpl[j] == '$')
			return 1;
	}
	return memmem(tmpl, len, "$OUT", 4) != NULL;
}

int template_render_file(const char *path, const struct tvars *vars,
			 struct strbuf *out, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int ret;

	ret = strbuf_read_file(&sb, path);
	if (ret < 0) {
		if (err)
			strbuf_addf(err, "cannot read '%s': %s", path,
				    strerror(-ret));
		return ret;
	}
	if (is_text_template(sb.buf, sb.len)) {
		if (err)
			strbuf_addf(err, "%s: a xen-tools template (Perl's "
				    "Text::Template: '{$hostname}', '$OUT'), "
				    "which is never run: write it as an xl.cfg "
				    "template ('{{hostname}}', '{{memory_mb}}', "
				    "'{{#disks}}'; see create-image(8), "
				    "TEMPLATES)", path);
		return -EINVAL;
	}
	return render(path, sb.buf, sb.len, vars, out, err);
}
