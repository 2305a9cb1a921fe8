/*
 * template.h: a logic-light, mustache-like template engine for the files
 * written into and beside a guest (xl.cfg, fstab, network configuration).
 * Values are plain strings or lists of scopes; an unknown name is an error.
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>

struct strbuf;

/*
 * A scope: each name maps to a string or to a list of child scopes. A name
 * holds one kind at a time: setting a string on a list name frees the list
 * (and every scope in it), adding a list item to a string name drops the
 * string. Allocation failure aborts, as it does in strbuf, except in
 * tvars_new(), which returns NULL.
 */
struct tvars;

struct tvars *tvars_new(void);
/* Frees v and every scope in its lists. Only for scopes from tvars_new(). */
void tvars_free(struct tvars *v);

/* value is copied; NULL is taken as "", so optional settings can be passed. */
void tvars_set(struct tvars *v, const char *name, const char *value);
void tvars_setf(struct tvars *v, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "1" or "", for {{#name}} / {{^name}}. */
void tvars_set_bool(struct tvars *v, const char *name, int on);
/* Make name an empty list, so a template may use it; keeps existing items. */
void tvars_declare_list(struct tvars *v, const char *name);
/*
 * Append a new, empty scope to the list `list` (declaring it if needed) and
 * return it. It is owned by v and its parent is v, so lookups in it fall
 * back to v. Never NULL.
 */
struct tvars *tvars_list_add(struct tvars *v, const char *list);
/*
 * Item i of v's own list `list` (not its parents'), or NULL: a file
 * rendered once per item (each network interface) is rendered in it.
 */
const struct tvars *tvars_list_item(const struct tvars *v, const char *list,
				    size_t i);
/* String value of name in v or its parents; NULL if unknown or a list. */
const char *tvars_get(const struct tvars *v, const char *name);

/*
 * Syntax (no HTML escaping; "{{" always opens a tag):
 *
 *   {{name}}               the string value of name; names are
 *                          [A-Za-z0-9_.-]+, spaces inside the braces are fine
 *   {{#name}}...{{/name}}  a list: the body once per item, with the item's
 *                          scope searched first, then the enclosing ones;
 *                          a string: the body once if the value is neither
 *                          "" nor "0"
 *   {{^name}}...{{/name}}  the body once if the list is empty or the string
 *                          is "" or "0"
 *   {{! comment }}         nothing; may span lines
 *
 * A line holding nothing but one section, inverted, closing or comment tag
 * and blanks is dropped whole, newline included, so templates can put those
 * tags on lines of their own. A {{name}} tag never does this.
 *
 * Every name is checked even where nothing is rendered: the body of a false
 * section is checked against the current scope, a list's body against each
 * item. The body of a list with no items is checked for syntax only: its
 * names may belong to the items, and there are none to look them up in.
 *
 * Both functions append the output to out and return 0. On failure they
 * return -errno (-EINVAL for a bad template) and append one line, without a
 * newline, to err (if not NULL): "line 3: unknown variable 'foo'", or
 * "path:3: ..." from template_render_file(). out may then hold partial
 * output, which the caller discards. template_render_file() refuses a
 * xen-tools template (Perl's Text::Template, "{$hostname}") by name.
 */
int template_render(const char *tmpl, size_t len, const struct tvars *vars,
		    struct strbuf *out, struct strbuf *err);
int template_render_file(const char *path, const struct tvars *vars,
			 struct strbuf *out, struct strbuf *err);

#endif
