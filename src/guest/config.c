/* config.c: see config.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "macros.h"
#include "parse.h"
#include "secrets.h"
#include "xentools.h"
#include "banned.h"


void config_init_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strvec_init(&c->warnings);
	for (size_t i = 0; i < _O_MAX; i++) {
		const struct option_def *d = &option_defs[i];

		strvec_init(&c->v[i].list);
		c->v[i].origin = xstrdup("built-in default");
		c->v[i].layer = LAYER_DEFAULT;
		if (d->def)
			c->v[i].value = xstrdup(d->def);
	}
}

/* Free a value of def's, zeroed first when it is a secret. */
static void free_value(const struct option_def *def, char *value)
{
	if (value && (def->flags & OPT_SECRET))
		explicit_bzero(value, strlen(value));
	free(value);
}

void config_release(struct config *c)
{
	for (size_t i = 0; i < _O_MAX; i++) {
		free_value(&option_defs[i], c->v[i].value);
		free(c->v[i].origin);
		strvec_clear(&c->v[i].list);
	}
	strvec_clear(&c->warnings);
	for (size_t i = 0; i < c->npending; i++) {
		free_value(c->pending[i].def, c->pending[i].value);
		free(c->pending[i].origin);
	}
	free(c->pending);
	c->pending = NULL;
	c->npending = 0;
}

static void reset_to_default(struct config *c, enum opt_id id)
{
	struct config_value *v = &c->v[id];

	free_value(&option_defs[id], v->value);
	v->value = option_defs[id].def ? xstrdup(option_defs[id].def) : NULL;
	strvec_clear(&v->list);
	free(v->origin);
	v->origin = xstrdup("built-in default");
	v->layer = LAYER_DEFAULT;
	v->set = 0;
}

/* Whether a value for def turns its conflicts on: true booleans, any
 * non-empty value otherwise. */
static int value_engages(const struct option_def *def, const char *value)
{
	int b;

	if (def->type == OPT_BOOL)
		return !parse_bool(value, &b) && b;
	return value && *value;
}

static int check_value(const struct option_def *def, const char *value,
		       const char *origin, struct strbuf *err)
{
	uint64_t size;
	unsigned long n;
	int b;

	switch (def->type) {
	case OPT_BOOL:
		if (parse_bool(value, &b) < 0)
			goto bad;
		break;
	case OPT_SIZE:
		if (*value && parse_size(value, &size) == -ERANGE) {
			strbuf_addf(err, "%s: size '", origin);
			strbuf_add_escaped(err, value);
			strbuf_addf(err, "' for '%s' is too large", def->name);
			return -EINVAL;
		}
		if (*value && parse_size(value, &size) < 0)
			goto bad;
		break;
	case OPT_UINT:
		if (*value && parse_uint(value, 1UL << 31, &n) < 0)
			goto bad;
		break;
	default:
		break;
	}
	return 0;
bad:
	/* The value as given, on the message's one line. */
	strbuf_addf(err, "%s: invalid %s '", origin,
		    def->type == OPT_BOOL ? "boolean" :
		    def->type == OPT_SIZE ? "size" : "number");
	strbuf_add_escaped(err, value);
	strbuf_addf(err, "' for '%s'", def->name);
	return -EINVAL;
}

/* Whether name is one of the space-separated words of d's conflicts. */
static int conflicts_with(const struct option_def *d, const char *name)
{
	const char *p = d->conflicts;
	size_t n = strlen(name);

	while (p && *p) {
		size_t w = strcspn(p, " ");

		if (w == n && !strncmp(p, name, n))
			return 1;
		p += w;
		p += strspn(p, " ");
	}
	return 0;
}

static int is_engaged(const struct config *c, const struct option_def *o)
{
	const struct config_value *ov = &c->v[o->id];

	if (o->type == OPT_LIST)
		return ov->list.nr > 0;
	return value_engages(o, ov->value);
}

/*
 * Whether a value for def in layer would have been replaced, had the
 * layers been applied in order: def itself, or a setting that replaces
 * def when it engages, comes from a higher layer.
 */
static int outranked(const struct config *c, const struct option_def *def,
		     enum config_layer layer)
{
	if (c->v[def->id].set && c->v[def->id].layer > layer)
		return 1;
	for (size_t i = 0; i < _O_MAX; i++) {
		const struct option_def *o = &option_defs[i];
		const struct config_value *ov = &c->v[i];

		if (ov->set && ov->layer > layer &&
		    conflicts_with(o, def->name) && is_engaged(c, o))
			return 1;
	}
	return 0;
}

/*
 * Set def in layer: to value, or for a list to elems if not NULL (value is
 * then only what --dumpconfig-style readers see). The value has been
 * checked.
 */
static int set_value(struct config *c, const struct option_def *def,
		     const char *value, const struct strvec *elems,
		     const char *origin, enum config_layer layer,
		     struct strbuf *err)
{
	struct config_value *v = &c->v[def->id];
	int engages = elems ? elems->nr > 0 : value_engages(def, value);

	if (outranked(c, def, layer))
		return 0;

	if (def->conflicts && engages) {
		struct strvec names = STRVEC_INIT;

		strvec_split(&names, def->conflicts, " ");
		for (size_t i = 0; i < names.nr; i++) {
			const struct option_def *o = option_find(names.v[i]);
			struct config_value *ov = &c->v[o->id];

			if (ov->set && ov->layer == layer &&
			    is_engaged(c, o)) {
				strbuf_addf(err,
					    "%s: '%s' cannot be combined with "
					    "'%s' (%s)", origin, def->name,
					    o->name, ov->origin);
				strvec_clear(&names);
				return -EINVAL;
			}
		}
		for (size_t i = 0; i < names.nr; i++) {
			const struct option_def *o = option_find(names.v[i]);

			if (c->v[o->id].layer < layer)
				reset_to_default(c, o->id);
		}
		strvec_clear(&names);
	}

	if (def->type == OPT_LIST) {
		if (v->layer != layer || !v->set)
			strvec_clear(&v->list);
		if (elems)
			strvec_pushv(&v->list, elems->v);
		else if (def->flags & OPT_WHOLE)
			/* As for any list, "" empties it. */
			(void)(*value && strvec_push(&v->list, value));
		else
			strvec_split(&v->list, value, " \t,");
	}
	free_value(def, v->value);
	v->value = xstrdup(value);
	free(v->origin);
	v->origin = xstrdup(origin);
	v->layer = layer;
	v->set = 1;
	return 0;
}

int config_set(struct config *c, const struct option_def *def,
	       const char *value, const char *origin, enum config_layer layer,
	       struct strbuf *err)
{
	int r = check_value(def, value, origin, err);

	if (r < 0)
		return r;
	return set_value(c, def, value, NULL, origin, layer, err);
}

int config_set_list(struct config *c, const struct option_def *def,
		    const struct strvec *values, const char *origin,
		    enum config_layer layer, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int r;

	if (def->type != OPT_LIST) {
		strbuf_addf(err, "%s: '%s' takes one value, not a list",
			    origin, def->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < values->nr; i++)
		strbuf_addf(&text, "%s%s", i ? " " : "", values->v[i]);
	r = set_value(c, def, text.buf, values, origin, layer, err);
	strbuf_release(&text);
	return r;
}

/*
 * A xen-tools option that options.h lacks (xentools.h), named by origin
 * ("--install", or "FILE:LINE: 'install'") with value (NULL when none
 * came): *ret_def and *ret_value are the setting it stands for, or NULL
 * when it sets nothing (a warning may go to c->warnings). -EINVAL with
 * err when it is refused.
 */
static int from_xentools(struct config *c, const struct xentools_option *x,
			 const char *origin, const char *value,
			 const struct option_def **ret_def,
			 const char **ret_value, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	const char *ours = NULL;
	int r = 0;

	*ret_def = NULL;
	*ret_value = NULL;
	switch (x->kind) {
	case XENTOOLS_REFUSED:
		strbuf_addf(err, "%s: not supported: %s", origin, x->why);
		r = -EINVAL;
		break;
	case XENTOOLS_ALIAS:
		if (!value && x->takes_value) {
			strbuf_addf(err, "%s needs a value", origin);
			r = -EINVAL;
		} else if (xentools_value(x, value ? value : "", &ours,
					  &why) < 0) {
			strbuf_addf(err, "%s: %s", origin, why.buf);
			r = -EINVAL;
		} else if (ours) {
			*ret_def = option_find(x->to);
			*ret_value = ours;
		}
		break;
	case XENTOOLS_IGNORED:
		strbuf_addf(&why, "%s has no effect: %s", origin, x->why);
		strvec_push(&c->warnings, why.buf);
		break;
	}
	strbuf_release(&why);
	return r;
}

int config_parse_text(struct config *c, const char *text, const char *name,
		      enum config_layer layer, struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT, origin = STRBUF_INIT;
	const char *p = text;
	int lineno = 0, r = 0;

	/* A line may hold a password: sized once, so the buffer is never
	 * moved and left behind (joined lines are no longer than text). */
	strbuf_grow(&line, strlen(text));
	while (*p && !r) {
		int first = lineno + 1;
		const struct option_def *def;
		const struct xentools_option *x;
		char *eq, *key, *val;

		strbuf_reset(&line);
		/* Join "\"-continued lines. */
		for (;;) {
			size_t n = strcspn(p, "\n");

			lineno++;
			strbuf_add(&line, p, n);
			p += n;
			if (*p)
				p++;
			strbuf_rtrim(&line);
			if (line.len && line.buf[line.len - 1] == '\\' && *p) {
				strbuf_setlen(&line, line.len - 1);
				strbuf_addch(&line, ' ');
				continue;
			}
			break;
		}
		/* A comment starts a line or follows whitespace, so a
		 * value like "pa#ss" survives. */
		for (size_t i = 0; i < line.len; i++) {
			if (line.buf[i] == '#' &&
			    (i == 0 || isspace((unsigned char)line.buf[i - 1]))) {
				strbuf_setlen(&line, i);
				break;
			}
		}
		strbuf_trim(&line);
		if (!line.len)
			continue;

		strbuf_reset(&origin);
		strbuf_addf(&origin, "%s:%d", name, first);
		eq = strchr(line.buf, '=');
		if (!eq) {
			strbuf_addf(err, "%s: expected 'key = value'",
				    origin.buf);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		key = line.buf;
		val = eq + 1;
		while (*key && isspace((unsigned char)key[strlen(key) - 1]))
			key[strlen(key) - 1] = '\0';
		while (isspace((unsigned char)*val))
			val++;

		def = option_find(key);
		if (!def && (x = xentools_find(key))) {
			const char *ours = NULL;
			int on = 1;

			strbuf_addf(&origin, ": '%s'", key);
			if (!x->takes_value && parse_bool(val, &on) < 0) {
				strbuf_addf(err, "%s: expected a boolean, not "
					    "'%s'", origin.buf, val);
				r = -EINVAL;
				break;
			}
			if (on)
				r = from_xentools(c, x, origin.buf,
						  x->takes_value ? val : NULL,
						  &def, &ours, err);
			if (r >= 0 && def)
				r = config_set(c, def, ours, origin.buf, layer,
					       err);
			continue;
		}
		if (!def || (def->flags & OPT_CLI_ONLY)) {
			strbuf_addf(err, "%s: unknown key '%s'", origin.buf,
				    key);
			r = -EINVAL;
			break;
		}
		if (strchr(val, '`')) {
			struct strbuf w = STRBUF_INIT;

			strbuf_addf(&w,
				    "%s: '%s': value in backticks is not "
				    "executed; using the built-in default",
				    origin.buf, def->name);
			strvec_push(&c->warnings, w.buf);
			strbuf_release(&w);
			reset_to_default(c, def->id);
			continue;
		}
		r = config_set(c, def, val, origin.buf, layer, err);
	}
	strbuf_release_secret(&line);
	strbuf_release(&origin);
	return r;
}

/* Whether layer, which one file fills, gave a secret a value. */
static int layer_has_secret(const struct config *c, enum config_layer layer)
{
	for (size_t i = 0; i < _O_MAX; i++) {
		const struct config_value *v = &c->v[i];

		if ((option_defs[i].flags & OPT_SECRET) && v->set &&
		    v->layer == layer && v->value && *v->value)
			return 1;
	}
	return 0;
}

static int load_file(struct config *c, const char *path,
		     enum config_layer layer, int must_exist,
		     struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	struct stat st;
	int r;

	r = strbuf_read_file_stat(&text, path, &st);
	if (r == -ENOENT && !must_exist) {
		r = 0;
		goto out;
	}
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-r));
		goto out;
	}
	r = config_parse_text(c, text.buf, path, layer, err);
	if (r >= 0 && layer_has_secret(c, layer)) {
		struct strbuf w = STRBUF_INIT;

		if (secret_file_exposed(path, &st, &w))
			strvec_push(&c->warnings, w.buf);
		strbuf_release(&w);
	}
out:
	strbuf_release_secret(&text);
	return r;
}

static void push_pending(struct config *c, const struct option_def *def,
			 const char *value, const char *origin)
{
	struct config_flag *p;

	c->pending = realloc(c->pending, (c->npending + 1) * sizeof(*p));
	if (!c->pending)
		abort();
	p = &c->pending[c->npending++];
	p->def = def;
	p->value = xstrdup(value);
	p->origin = xstrdup(origin);
}

int config_parse_argv(struct config *c, int argc, char **argv,
		      struct strbuf *err)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *value = NULL;
		const struct option_def *def;
		const struct xentools_option *x;
		struct strbuf name = STRBUF_INIT, flag = STRBUF_INIT;
		int negated = 0;

		if (strncmp(arg, "--", 2) || !arg[2]) {
			strbuf_addstr(err, "unexpected argument '");
			strbuf_add_escaped(err, arg);
			strbuf_addch(err, '\'');
			return -EINVAL;
		}
		arg += 2;
		eq = strchr(arg, '=');
		strbuf_add(&name, arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (eq)
			value = eq + 1;
		strbuf_addf(&flag, "--%s", name.buf);

		def = option_find(name.buf);
		if (!def && !strncmp(name.buf, "no", 2)) {
			const char *base = name.buf + 2;

			if (*base == '-')
				base++;
			def = option_find(base);
			if (def && def->type == OPT_BOOL && !value)
				negated = 1;
			else
				def = NULL;
		}
		if (!def && (x = xentools_find(name.buf))) {
			const char *ours;

			if (x->takes_value && !value && i + 1 < argc)
				value = argv[++i];
			else if (!x->takes_value && value) {
				strbuf_addf(err, "'%s' takes no value",
					    flag.buf);
				goto fail;
			}
			if (from_xentools(c, x, flag.buf, value, &def, &ours,
					  err) < 0)
				goto fail;
			if (def)
				push_pending(c, def, ours, flag.buf);
			strbuf_release(&name);
			strbuf_release(&flag);
			continue;
		}
		if (!def) {
			strbuf_addstr(err, "unknown option '");
			strbuf_add_escaped(err, flag.buf);
			strbuf_addstr(err, "' (see --help)");
			goto fail;
		}
		if (def->type == OPT_ACTION) {
			if (value) {
				strbuf_addf(err, "'%s' takes no value",
					    flag.buf);
				goto fail;
			}
			if (def->id == O_HELP)
				c->action_help = 1;
			else if (def->id == O_VERSION)
				c->action_version = 1;
			else
				c->action_dumpconfig = 1;
		} else if (def->type == OPT_BOOL) {
			push_pending(c, def, negated ? "0" : value ? value : "1",
				     flag.buf);
		} else {
			if (!value) {
				if (i + 1 >= argc) {
					strbuf_addf(err, "'%s' needs a value",
						    flag.buf);
					goto fail;
				}
				value = argv[++i];
			}
			if (def->id == O_CONFIG)
				c->config_file = value;
			else
				push_pending(c, def, value, flag.buf);
		}
		strbuf_release(&name);
		strbuf_release(&flag);
		continue;
fail:
		strbuf_release(&name);
		strbuf_release(&flag);
		return -EINVAL;
	}
	return 0;
}

void config_scrub_argv(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const struct option_def *def;
		char *arg = argv[i], *eq, *val;

		if (strncmp(arg, "--", 2))
			continue;
		eq = strchr(arg, '=');
		if (eq)
			*eq = '\0';
		def = option_find(arg + 2);
		if (eq)
			*eq = '=';
		if (!def || !(def->flags & OPT_SECRET))
			continue;
		val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (val && strcmp(val, "-"))
			memset(val, 'x', strlen(val));
	}
}

int config_load(struct config *c, const char *system_file, struct strbuf *err)
{
	int r;

	if (system_file) {
		r = load_file(c, system_file, LAYER_SYSTEM, 0, err);
		if (r < 0)
			return r;
	}
	if (c->config_file) {
		r = load_file(c, c->config_file, LAYER_FILE, 1, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->npending; i++) {
		r = config_set(c, c->pending[i].def, c->pending[i].value,
			       c->pending[i].origin, LAYER_FLAGS, err);
		if (r < 0)
			return r;
	}
	return 0;
}

const char *config_get(const struct config *c, enum opt_id id)
{
	return c->v[id].value;
}

const struct strvec *config_get_list(const struct config *c, enum opt_id id)
{
	return &c->v[id].list;
}

int config_get_bool(const struct config *c, enum opt_id id)
{
	int b = 0;

	if (c->v[id].value)
		(void)parse_bool(c->v[id].value, &b);
	return b;
}

const char *config_origin(const struct config *c, enum opt_id id)
{
	return c->v[id].origin;
}

int config_is_set(const struct config *c, enum opt_id id)
{
	return c->v[id].set;
}

void config_dump(const struct config *c, struct strbuf *out)
{
	for (size_t i = 0; i < _O_MAX; i++) {
		const struct option_def *d = &option_defs[i];
		const struct config_value *v = &c->v[i];
		struct strbuf val = STRBUF_INIT;

		if (d->flags & OPT_CLI_ONLY)
			continue;
		if (d->type == OPT_LIST) {
			for (size_t j = 0; j < v->list.nr; j++)
				strbuf_addf(&val, "%s%s", j ? " " : "",
					    v->list.v[j]);
		} else if (v->value && (d->flags & OPT_SECRET)) {
			strbuf_addstr(&val, "(hidden)");
		} else if (v->value) {
			strbuf_addstr(&val, v->value);
		}
		strbuf_addf(out, "%-16s = %-30s # %s\n", d->name, val.buf,
			    v->origin);
		strbuf_release(&val);
	}
}

void setting_pick(const struct config *c, struct setting *st)
{
	if (st->flag) {
		st->value = st->flag;
		st->origin = NULL;
	} else {
		st->value = config_get(c, st->id);
		st->origin = config_origin(c, st->id);
	}
}

void setting_describe_bad(const struct setting *st, const char *what,
			  struct strbuf *out)
{
	const char *name = option_defs[st->id].name;
	const char *v = st->value ? st->value : "";

	if (st->origin)
		strbuf_addf(out, "%s: '%s' %s, not '%s'", st->origin, name,
			    what, v);
	else
		strbuf_addf(out, "--%s: %s, not '%s'", name, what, v);
}
