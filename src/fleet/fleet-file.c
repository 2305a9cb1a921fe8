/* fleet-file.c: see fleet-file.h. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet-file.h"
#include "macros.h"
#include "net.h"
#include "secrets.h"
#include "vif.h"
#include "banned.h"

#define MAX_COUNT 10000
/* No label is longer, so a wider number never makes a valid name. */
#define MAX_WIDTH 63

/* Settings a pool gives its guests. */
static const enum opt_id pool_gives[] = {
	O_IP, O_MAC, O_DHCP, O_GATEWAY, O_NETMASK, O_NAMESERVER, O_RANDOMMAC,
};

static void settings_release(struct fleet_settings *ss)
{
	for (size_t i = 0; i < ss->nr; i++) {
		char *v = ss->v[i].value;

		if (v && (ss->v[i].def->flags & OPT_SECRET))
			explicit_bzero(v, strlen(v));
		free(v);
		strvec_clear(&ss->v[i].list);
	}
	free(ss->v);
	ss->v = NULL;
	ss->nr = 0;
}

static void pool_release(struct fleet_pool *p)
{
	free(p->name.value);
	free(p->range.value);
	free(p->netmask.value);
	free(p->gateway.value);
	free(p->mac_prefix.value);
	strvec_clear(&p->nameservers);
}

void fleet_file_release(struct fleet_file *f)
{
	free(f->name);
	settings_release(&f->defaults);
	for (size_t i = 0; i < f->npools; i++)
		pool_release(&f->pools[i]);
	free(f->pools);
	for (size_t i = 0; i < f->nguests; i++) {
		free(f->guests[i].hostname);
		free(f->guests[i].pool);
	}
	free(f->guests);
	for (size_t i = 0; i < f->nentries; i++)
		settings_release(&f->entries[i]);
	free(f->entries);
	strvec_clear(&f->warnings);
	memset(f, 0, sizeof(*f));
}

const struct fleet_pool *fleet_file_pool(const struct fleet_file *f,
					 const char *name)
{
	for (size_t i = 0; i < f->npools; i++)
		if (!strcmp(f->pools[i].name.value, name))
			return &f->pools[i];
	return NULL;
}

/* ---- applying settings to a config ---- */

static int apply_settings(struct config *c, const char *name,
			  const struct fleet_settings *ss,
			  enum config_layer layer, struct strbuf *err)
{
	struct strbuf origin = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < ss->nr && r >= 0; i++) {
		const struct fleet_setting *s = &ss->v[i];

		strbuf_reset(&origin);
		strbuf_addf(&origin, "%s:%u", name, s->line);
		if (s->def->type == OPT_LIST)
			r = config_set_list(c, s->def, &s->list, origin.buf,
					    layer, err);
		else
			r = config_set(c, s->def, s->value, origin.buf, layer,
				       err);
	}
	strbuf_release(&origin);
	return r;
}

int fleet_file_guest_config(const struct fleet_file *f,
			    const struct fleet_guest *g, struct config *c,
			    struct strbuf *err)
{
	struct strbuf origin = STRBUF_INIT;
	int r;

	r = apply_settings(c, f->name, &f->defaults, LAYER_FILE, err);
	if (r >= 0) {
		strbuf_addf(&origin, "%s:%u", f->name, g->hostname_line);
		r = config_set(c, &option_defs[O_HOSTNAME], g->hostname,
			       origin.buf, LAYER_GUEST, err);
	}
	if (r >= 0)
		r = apply_settings(c, f->name, g->settings, LAYER_GUEST, err);
	strbuf_release(&origin);
	return r;
}

/* ---- reading ---- */

struct parser {
	const char *name;
	struct strbuf *err;
	struct fleet_file *f;
	/* defaults' "pool", or NULL */
	const config_setting_t *defaults_pool;
};

/* "FILE:LINE: message" into err; always -EINVAL. */
static int fail_at(const struct parser *p, unsigned line, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
static int fail_at(const struct parser *p, unsigned line, const char *fmt,
		   ...)
{
	va_list ap;

	strbuf_addf(p->err, "%s:%u: ", p->name, line);
	va_start(ap, fmt);
	strbuf_vaddf(p->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define fail(p, s, ...) \
	fail_at((p), config_setting_source_line(s), __VA_ARGS__)

static int is_list(const config_setting_t *s)
{
	return config_setting_is_list(s) || config_setting_is_array(s);
}

/* A string, or a list or array of strings, appended to out. */
static int read_strings(const struct parser *p, const config_setting_t *s,
			struct strvec *out)
{
	const char *key = config_setting_name(s);

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		strvec_push(out, config_setting_get_string(s));
		return 0;
	}
	if (!is_list(s))
		return fail(p, s, "'%s' must be a string or a list of strings",
			    key);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(p, e, "each of '%s' must be a string",
				    key);
		strvec_push(out, config_setting_get_string(e));
	}
	return 0;
}

/* Append setting s (for def) to ss. */
static int read_setting(const struct parser *p, const config_setting_t *s,
			const struct option_def *def,
			struct fleet_settings *ss)
{
	struct fleet_setting fs = { def, NULL, STRVEC_INIT,
				    config_setting_source_line(s) };
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	if (def->type == OPT_LIST) {
		r = read_strings(p, s, &fs.list);
	} else {
		switch (config_setting_type(s)) {
		case CONFIG_TYPE_STRING:
			strbuf_addstr(&sb, config_setting_get_string(s));
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			strbuf_addf(&sb, "%lld", config_setting_get_int64(s));
			break;
		case CONFIG_TYPE_BOOL:
			strbuf_addstr(&sb, config_setting_get_bool(s) ? "1"
								       : "0");
			break;
		default:
			r = fail(p, s, "'%s' must be a string, an integer or "
				 "a boolean", config_setting_name(s));
			break;
		}
		fs.value = strbuf_detach(&sb, NULL);
	}
	if (r < 0) {
		free(fs.value);
		strvec_clear(&fs.list);
		return r;
	}
	ss->v = xrealloc(ss->v, (ss->nr + 1) * sizeof(*ss->v));
	ss->v[ss->nr++] = fs;
	return 0;
}

/* A key a configuration file may set, or NULL. */
static const struct option_def *setting_def(const char *key)
{
	const struct option_def *def = option_find(key);

	return def && !(def->flags & OPT_CLI_ONLY) ? def : NULL;
}

/*
 * Whether ss holds good values that go together, as config_set() sees
 * them in one layer.
 */
static int check_settings(const struct parser *p,
			  const struct fleet_settings *ss,
			  enum config_layer layer)
{
	struct config c;
	int r;

	config_init_defaults(&c);
	r = apply_settings(&c, p->name, ss, layer, p->err);
	config_release(&c);
	return r;
}

/* Whether a spec gives what a pool gives the primary interface. (A bad
 * spec is reported when the guest is built.) */
static int vif_sets_pooled(const char *spec)
{
	struct strbuf err = STRBUF_INIT;
	struct nic n;
	int r = 0;

	if (nic_parse(spec, &n, &err) >= 0) {
		r = !!(n.set & (NIC_SET_MAC | NIC_SET_IP | NIC_SET_GATEWAY));
		nic_release(&n);
	}
	strbuf_release(&err);
	return r;
}

/* A guest in a pool may not set what the pool gives. (None of those
 * settings has a '-' in its name, so it is named as written.) */
static int check_pool_gives(const struct parser *p,
			    const struct fleet_settings *ss, const char *pool)
{
	for (size_t i = 0; i < ss->nr; i++) {
		const struct fleet_setting *s = &ss->v[i];

		for (size_t j = 0; j < ARRAY_SIZE(pool_gives); j++)
			if (s->def->id == pool_gives[j])
				return fail_at(p, s->line, "'%s' may not be "
					       "set with pool '%s' (the pool "
					       "gives the network settings)",
					       s->def->name, pool);
		if (s->def->id == O_VIF && s->list.nr &&
		    vif_sets_pooled(s->list.v[0]))
			return fail_at(p, s->line, "the first 'vif' may not "
				       "give mac=, ip=, dhcp or gateway= with "
				       "pool '%s' (the pool gives the primary "
				       "interface's)", pool);
	}
	return 0;
}

static int check_pool_exists(const struct parser *p,
			     const config_setting_t *pool)
{
	const char *name = config_setting_get_string(pool);

	if (*name && !fleet_file_pool(p->f, name))
		return fail(p, pool, "unknown pool '%s'", name);
	return 0;
}

static int check_string(const struct parser *p, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(p, s, "'%s' must be a string",
			    config_setting_name(s));
	return 0;
}

static int read_defaults(struct parser *p, const config_setting_t *group)
{
	struct fleet_settings *ss = &p->f->defaults;
	int r = 0;

	if (!config_setting_is_group(group))
		return fail(p, group, "'defaults' must be a group { ... }");
	for (int i = 0; r >= 0 && i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *key = config_setting_name(s);
		const struct option_def *def;

		if (!strcmp(key, "pool")) {
			r = check_string(p, s);
			p->defaults_pool = s;
			continue;
		}
		if (!strcmp(key, "hostname") || !strcmp(key, "count")) {
			r = fail(p, s, "'%s' may only be set in a guest", key);
			break;
		}
		def = setting_def(key);
		if (!def) {
			r = fail(p, s, "unknown key '%s'", key);
			break;
		}
		r = read_setting(p, s, def, ss);
	}
	/* Network settings here are what guests outside a pool get; the
	 * pool's replace them. */
	if (r >= 0)
		r = check_settings(p, ss, LAYER_FILE);
	return r;
}

/* A pool key, "mac_prefix" being "mac-prefix". */
static int key_is(const char *key, const char *want)
{
	for (; *key && *want; key++, want++)
		if (*key != *want && !(*key == '_' && *want == '-'))
			return 0;
	return !*key && !*want;
}

static int read_pool(const struct parser *p, const config_setting_t *group,
		     struct fleet_pool *pool)
{
	static const struct {
		const char *key;
		size_t offset;
	} fields[] = {
		{ "name", offsetof(struct fleet_pool, name) },
		{ "range", offsetof(struct fleet_pool, range) },
		{ "netmask", offsetof(struct fleet_pool, netmask) },
		{ "gateway", offsetof(struct fleet_pool, gateway) },
		{ "mac-prefix", offsetof(struct fleet_pool, mac_prefix) },
	};
	int r = 0;

	pool->line = config_setting_source_line(group);
	for (int i = 0; r >= 0 && i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *key = config_setting_name(s);
		struct fleet_field *field = NULL;

		if (key_is(key, "nameservers")) {
			r = read_strings(p, s, &pool->nameservers);
			pool->nameservers_line = config_setting_source_line(s);
			continue;
		}
		for (size_t j = 0; j < ARRAY_SIZE(fields); j++)
			if (key_is(key, fields[j].key))
				field = (struct fleet_field *)
					((char *)pool + fields[j].offset);
		if (!field)
			return fail(p, s, "unknown pool key '%s'", key);
		r = check_string(p, s);
		if (r < 0)
			break;
		free(field->value);
		field->value = xstrdup(config_setting_get_string(s));
		field->line = config_setting_source_line(s);
	}
	if (r < 0)
		return r;
	if (!pool->name.value)
		return fail(p, group, "pool has no 'name'");
	if (!*pool->name.value)
		return fail(p, config_setting_get_member(group, "name"),
			    "'name' may not be empty");
	if (!pool->range.value)
		return fail(p, group, "pool '%s' has no 'range'",
			    pool->name.value);
	return 0;
}

static int read_pools(struct parser *p, const config_setting_t *list)
{
	struct fleet_file *f = p->f;
	int n = config_setting_length(list);

	/* An empty list may read as [ ]. */
	if (!config_setting_is_list(list) &&
	    !(config_setting_is_array(list) && !n))
		return fail(p, list, "'pools' must be a list ( { ... }, ... )");
	f->pools = xcalloc((size_t)n, sizeof(*f->pools));
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct fleet_pool *pool = &f->pools[f->npools];
		int r;

		if (!config_setting_is_group(g))
			return fail(p, g,
				    "each of 'pools' must be a group { ... }");
		strvec_init(&pool->nameservers);
		f->npools++;
		r = read_pool(p, g, pool);
		if (r < 0)
			return r;
		for (size_t j = 0; j + 1 < f->npools; j++)
			if (!strcmp(f->pools[j].name.value, pool->name.value))
				return fail_at(p, pool->name.line,
					       "duplicate pool '%s' (%s:%u)",
					       pool->name.value, p->name,
					       f->pools[j].name.line);
	}
	return 0;
}

/* A host name pattern: prefix, one number, suffix. */
struct pattern {
	struct strbuf prefix, suffix;
	int zero, width;
};

/*
 * Parse text as a pattern: 0, -EINVAL for a '%' that starts nothing this
 * takes, -ERANGE for no number or more than one.
 */
static int pattern_parse(const char *text, struct pattern *pat)
{
	struct strbuf *part = &pat->prefix;
	int numbers = 0;

	for (const char *c = text; *c; c++) {
		int zero = 0, width = 0;

		if (*c != '%') {
			strbuf_addch(part, *c);
			continue;
		}
		c++;
		if (*c == '%') {
			strbuf_addch(part, '%');
			continue;
		}
		if (*c == '0') {
			zero = 1;
			c++;
		}
		for (; *c >= '0' && *c <= '9'; c++) {
			width = width * 10 + (*c - '0');
			if (width > MAX_WIDTH)
				return -EINVAL;
		}
		if (*c != 'd')
			return -EINVAL;
		pat->zero = zero;
		pat->width = width;
		part = &pat->suffix;
		numbers++;
	}
	return numbers == 1 ? 0 : -ERANGE;
}

static char *pattern_expand(const struct pattern *pat, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, pat->prefix.buf);
	strbuf_addf(&sb, pat->zero ? "%0*u" : "%*u", pat->width, n);
	strbuf_addstr(&sb, pat->suffix.buf);
	return strbuf_detach(&sb, NULL);
}

static struct fleet_guest *add_guest(struct fleet_file *f,
				     const config_setting_t *group,
				     const config_setting_t *hostname,
				     const config_setting_t *pool,
				     const struct fleet_settings *ss,
				     char *name)
{
	struct fleet_guest *g;

	f->guests = xrealloc(f->guests, (f->nguests + 1) * sizeof(*g));
	g = &f->guests[f->nguests++];
	g->hostname = name;
	g->line = config_setting_source_line(group);
	g->hostname_line = config_setting_source_line(hostname);
	g->pool = pool && *config_setting_get_string(pool) ?
		xstrdup(config_setting_get_string(pool)) : NULL;
	g->pool_line = g->pool ? config_setting_source_line(pool) : 0;
	g->settings = ss;
	return g;
}

/* The guests of one entry: one, or count from a pattern. */
static int expand_entry(const struct parser *p, const config_setting_t *group,
			const config_setting_t *hostname,
			const config_setting_t *count,
			const config_setting_t *pool,
			const struct fleet_settings *ss)
{
	const char *text = config_setting_get_string(hostname);
	struct pattern pat = { STRBUF_INIT, STRBUF_INIT, 0, 0 };
	long long n = 1;
	int r = 0;

	if (!strchr(text, '%')) {
		if (count)
			return fail(p, count, "'count' needs a hostname "
				    "pattern such as 'web%%02d', not '%s'",
				    text);
		if (hostname_valid(text) < 0)
			return fail(p, hostname, "invalid hostname '%s'",
				    text);
		add_guest(p->f, group, hostname, pool, ss, xstrdup(text));
		return 0;
	}

	r = pattern_parse(text, &pat);
	if (r == -EINVAL)
		r = fail(p, hostname, "invalid hostname pattern '%s': use %%d, "
			 "%%3d or %%03d, and %%%% for a '%%'", text);
	else if (r < 0)
		r = fail(p, hostname, "hostname pattern '%s' needs exactly "
			 "one %%d", text);
	else if (!count)
		r = fail(p, hostname, "hostname pattern '%s' needs a 'count'",
			 text);
	if (r >= 0) {
		int t = config_setting_type(count);

		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			r = fail(p, count, "'count' must be an integer");
		else
			n = config_setting_get_int64(count);
	}
	if (r >= 0 && (n < 1 || n > MAX_COUNT))
		r = fail(p, count, "'count' must be 1 to %d, not %lld",
			 MAX_COUNT, n);
	for (unsigned i = 1; r >= 0 && i <= n; i++) {
		char *name = pattern_expand(&pat, i);

		if (hostname_valid(name) < 0) {
			r = fail(p, hostname, "invalid hostname '%s' from "
				 "'%s'", name, text);
			free(name);
			break;
		}
		add_guest(p->f, group, hostname, pool, ss, name);
	}
	strbuf_release(&pat.prefix);
	strbuf_release(&pat.suffix);
	return r;
}

static int read_guest(struct parser *p, const config_setting_t *group,
		      struct fleet_settings *ss)
{
	const config_setting_t *hostname = NULL, *count = NULL, *pool = NULL;
	const char *pool_name;
	int r = 0;

	if (!config_setting_is_group(group))
		return fail(p, group,
			    "each of 'guests' must be a group { ... }");
	for (int i = 0; r >= 0 && i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *key = config_setting_name(s);
		const struct option_def *def;

		if (!strcmp(key, "pool")) {
			r = check_string(p, s);
			pool = s;
		} else if (!strcmp(key, "count")) {
			count = s;
		} else if ((def = setting_def(key)) == NULL) {
			r = fail(p, s, "unknown key '%s'", key);
		} else if (def->id == O_HOSTNAME) {
			r = check_string(p, s);
			hostname = s;
		} else {
			r = read_setting(p, s, def, ss);
		}
	}
	if (r < 0)
		return r;
	if (!hostname)
		return fail(p, group, "guest has no 'hostname'");
	r = check_settings(p, ss, LAYER_GUEST);
	if (r < 0)
		return r;
	if (!pool)
		pool = p->defaults_pool;
	pool_name = pool ? config_setting_get_string(pool) : "";
	if (*pool_name) {
		r = check_pool_exists(p, pool);
		if (r >= 0)
			r = check_pool_gives(p, ss, pool_name);
		if (r < 0)
			return r;
	}
	return expand_entry(p, group, hostname, count, pool, ss);
}

struct name_at {
	const char *name;
	size_t index;
};

static int by_name_then_index(const void *a, const void *b)
{
	const struct name_at *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int check_unique(const struct parser *p)
{
	const struct fleet_file *f = p->f;
	struct name_at *v = xcalloc(f->nguests, sizeof(*v));
	size_t first = 0, second = 0;	/* second == 0: none */

	for (size_t i = 0; i < f->nguests; i++)
		v[i] = (struct name_at){ f->guests[i].hostname, i };
	qsort(v, f->nguests, sizeof(*v), by_name_then_index);
	/* Of all the names given twice, the one whose second place comes
	 * first in the file. */
	for (size_t i = 1; i < f->nguests; i++) {
		if (strcasecmp(v[i - 1].name, v[i].name) ||
		    (i > 1 && !strcasecmp(v[i - 2].name, v[i].name)))
			continue;
		if (!second || v[i].index < second) {
			first = v[i - 1].index;
			second = v[i].index;
		}
	}
	free(v);
	if (!second)
		return 0;
	return fail_at(p, f->guests[second].hostname_line,
		       "duplicate hostname '%s' (%s:%u)",
		       f->guests[second].hostname, p->name,
		       f->guests[first].hostname_line);
}

static int read_guests(struct parser *p, const config_setting_t *list)
{
	struct fleet_file *f = p->f;
	int n = config_setting_length(list);

	if (!config_setting_is_list(list) &&
	    !(config_setting_is_array(list) && !n))
		return fail(p, list,
			    "'guests' must be a list ( { ... }, ... )");
	if (!n)
		return fail(p, list, "'guests' holds no guest");
	/* Allocated at once: guests point into it. */
	f->entries = xcalloc((size_t)n, sizeof(*f->entries));
	f->nentries = (size_t)n;
	for (int i = 0; i < n; i++) {
		int r = read_guest(p, config_setting_get_elem(list, i),
				   &f->entries[i]);

		if (r < 0)
			return r;
	}
	return check_unique(p);
}

/* libconfig would read the file an "@include" names, and its lines would
 * be taken for this file's. */
static int find_include(const char *text, const char *name,
			struct strbuf *err)
{
	unsigned line = 1;

	for (const char *c = text; *c; line++) {
		c += strspn(c, " \t");
		if (!strncmp(c, "@include", 8)) {
			strbuf_addf(err, "%s:%u: '@include' is not supported "
				    "in a fleet file", name, line);
			return -EINVAL;
		}
		c += strcspn(c, "\n");
		if (*c)
			c++;
	}
	return 0;
}

static int read_root(struct parser *p, const config_t *cfg)
{
	const config_setting_t *root = config_root_setting(cfg);
	const config_setting_t *defaults = NULL, *pools = NULL, *guests = NULL;
	int r = 0;

	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, i);
		const char *key = config_setting_name(s);

		if (!strcmp(key, "defaults"))
			defaults = s;
		else if (!strcmp(key, "pools"))
			pools = s;
		else if (!strcmp(key, "guests"))
			guests = s;
		else
			return fail(p, s, "unknown key '%s'", key);
	}
	if (!guests) {
		strbuf_addf(p->err, "%s: missing 'guests'", p->name);
		return -EINVAL;
	}
	/* Pools first: defaults and guests name them. */
	if (pools)
		r = read_pools(p, pools);
	if (r >= 0 && defaults)
		r = read_defaults(p, defaults);
	if (r >= 0 && p->defaults_pool)
		r = check_pool_exists(p, p->defaults_pool);
	if (r >= 0)
		r = read_guests(p, guests);
	return r;
}

int fleet_file_parse(const char *text, const char *name,
		     struct fleet_file *ret, struct strbuf *err)
{
	struct fleet_file f;
	struct parser p = { name, err, &f, NULL };
	config_t cfg;
	int r;

	r = find_include(text, name, err);
	if (r < 0)
		return r;
	memset(&f, 0, sizeof(f));
	strvec_init(&f.warnings);
	f.name = xstrdup(name);
	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		strbuf_addf(err, "%s:%d: %s", name, config_error_line(&cfg),
			    config_error_text(&cfg));
		r = -EINVAL;
	} else {
		r = read_root(&p, &cfg);
	}
	config_destroy(&cfg);
	if (r < 0) {
		fleet_file_release(&f);
		return r;
	}
	*ret = f;
	return 0;
}

/* Whether ss gives a secret (a password) a value. */
static int has_secret(const struct fleet_settings *ss)
{
	for (size_t i = 0; i < ss->nr; i++)
		if ((ss->v[i].def->flags & OPT_SECRET) && ss->v[i].value &&
		    *ss->v[i].value)
			return 1;
	return 0;
}

int fleet_file_load(const char *path, struct fleet_file *ret,
		    struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	struct fleet_file f;
	struct stat st;
	int r, secret;

	r = strbuf_read_file_stat(&text, path, &st);
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-r));
		goto out;
	}
	r = fleet_file_parse(text.buf, path, &f, err);
	if (r < 0)
		goto out;
	secret = has_secret(&f.defaults);
	for (size_t i = 0; i < f.nentries; i++)
		secret |= has_secret(&f.entries[i]);
	if (secret) {
		struct strbuf w = STRBUF_INIT;

		if (secret_file_exposed(path, &st, &w))
			strvec_push(&f.warnings, w.buf);
		strbuf_release(&w);
	}
	*ret = f;
out:
	/* It may hold passwords. */
	strbuf_release_secret(&text);
	return r;
}
