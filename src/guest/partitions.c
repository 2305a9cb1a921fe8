/* partitions.c: see partitions.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parse.h"
#include "partitions.h"
#include "strbuf.h"
#include "banned.h"

enum key {
	KEY_SIZE,
	KEY_TYPE,
	KEY_MOUNTPOINT,
	KEY_OPTIONS,
	_KEY_MAX,
};

static const char *const key_names[_KEY_MAX] = {
	"size", "type", "mountpoint", "options",
};

static const char *const fs_types[] = {
	"swap", "ext2", "ext3", "ext4", "xfs", "btrfs",
};

/* Where each partition and its keys were written, for messages. */
struct where {
	unsigned long line;		/* the [name] line */
	unsigned long key[_KEY_MAX];	/* 0: key not given */
};

struct parser {
	const char *name;
	struct strbuf *err;
	unsigned long line;
	struct partitions parts;
	struct where *where;		/* one per parts.p[] */
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *ps, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (line)
		strbuf_addf(ps->err, "%s:%lu: ", ps->name, line);
	else
		strbuf_addf(ps->err, "%s: ", ps->name);
	va_start(ap, fmt);
	strbuf_vaddf(ps->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int has_space(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

/*
 * "/var//tmp/" and "/var/./tmp" are "/var/tmp", so two spellings of one
 * directory are caught as duplicates and fstab gets the plain one.
 */
static int normalize_mountpoint(struct parser *ps, const char *in,
				char **ret)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = in;

	if (*in != '/')
		return fail(ps, ps->line, "mount point '%s' is not absolute",
			    in);
	if (has_space(in))
		return fail(ps, ps->line,
			    "mount point '%s' contains white space", in);
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n || (n == 1 && *p == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && !strncmp(p, "..", 2)) {
			strbuf_release(&sb);
			return fail(ps, ps->line,
				    "mount point '%s' contains '..'", in);
		}
		strbuf_addch(&sb, '/');
		strbuf_add(&sb, p, n);
		p += n;
	}
	if (!sb.len)
		strbuf_addch(&sb, '/');
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/* "NAME:LINE" of the line being read. */
static char *line_origin(const struct parser *ps)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s:%lu", ps->name, ps->line);
	return strbuf_detach(&sb, NULL);
}

static struct partition *current(struct parser *ps)
{
	return ps->parts.nr ? &ps->parts.p[ps->parts.nr - 1] : NULL;
}

static int start_section(struct parser *ps, const char *name)
{
	size_t n = ps->parts.nr;

	if (!valid_name(name))
		return fail(ps, ps->line, "invalid partition name '%s' "
			    "(letters, digits and '-' only)", name);
	for (size_t i = 0; i < n; i++)
		if (streq(ps->parts.p[i].name, name))
			return fail(ps, ps->line, "partition '%s' is defined "
				    "twice (first on line %lu)", name,
				    ps->where[i].line);
	ps->parts.p = xrealloc(ps->parts.p, (n + 1) * sizeof(*ps->parts.p));
	ps->where = xrealloc(ps->where, (n + 1) * sizeof(*ps->where));
	memset(&ps->parts.p[n], 0, sizeof(ps->parts.p[n]));
	memset(&ps->where[n], 0, sizeof(ps->where[n]));
	ps->parts.p[n].name = xstrdup(name);
	ps->where[n].line = ps->line;
	ps->parts.nr++;
	return 0;
}

static int set_key(struct parser *ps, const char *key, const char *val)
{
	struct partition *p = current(ps);
	struct where *w;
	enum key k;
	int r;

	for (k = 0; k < _KEY_MAX; k++)
		if (streq(key, key_names[k]))
			break;
	if (k == _KEY_MAX)
		return fail(ps, ps->line, "unknown key '%s' (want size, "
			    "type, mountpoint or options)", key);
	if (!p)
		return fail(ps, ps->line, "'%s' is outside any [partition] "
			    "section", key);
	w = &ps->where[ps->parts.nr - 1];
	if (w->key[k])
		return fail(ps, ps->line, "'%s' given twice for partition "
			    "'%s' (first on line %lu)", key, p->name,
			    w->key[k]);
	/* xen-tools reads "options=" as the default. */
	if (!*val && k != KEY_OPTIONS)
		return fail(ps, ps->line, "'%s' has no value", key);

	switch (k) {
	case KEY_SIZE:
		r = parse_size(val, &p->size);
		if (r == -ERANGE)
			return fail(ps, ps->line, "size '%s' is too large",
				    val);
		if (r < 0)
			return fail(ps, ps->line, "invalid size '%s' (want "
				    "a number and K, M, G or T)", val);
		if (!p->size)
			return fail(ps, ps->line, "size '%s' is not more "
				    "than 0", val);
		if (p->size > PARTITION_SIZE_MAX) {
			char max[32];

			format_size(PARTITION_SIZE_MAX, max, sizeof(max));
			return fail(ps, ps->line, "size '%s' is more than a "
				    "disk can hold (at most %s)", val, max);
		}
		free(p->origin);
		p->origin = line_origin(ps);
		break;
	case KEY_TYPE:
		for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
			if (streq(val, fs_types[i]))
				p->type = xstrdup(val);
		if (!p->type)
			return fail(ps, ps->line, "unknown type '%s' (want "
				    "swap, ext2, ext3, ext4, xfs or btrfs)",
				    val);
		break;
	case KEY_MOUNTPOINT:
		r = normalize_mountpoint(ps, val, &p->mountpoint);
		if (r < 0)
			return r;
		break;
	case KEY_OPTIONS:
		/* fstab fields are split at white space. */
		if (has_space(val))
			return fail(ps, ps->line, "mount options '%s' "
				    "contain white space", val);
		if (*val)
			p->options = xstrdup(val);
		break;
	case _KEY_MAX:
		break;
	}
	w->key[k] = ps->line;
	return 0;
}

/* What only a whole section can tell; i is the section just ended. */
static int finish_section(struct parser *ps, size_t i)
{
	struct partition *p = &ps->parts.p[i];
	const struct where *w = &ps->where[i];

	if (!p->size)
		return fail(ps, w->line, "partition '%s' has no size",
			    p->name);
	if (!p->type)
		return fail(ps, w->line, "partition '%s' has no type",
			    p->name);
	if (streq(p->type, "swap")) {
		if (p->mountpoint)
			return fail(ps, w->key[KEY_MOUNTPOINT], "partition "
				    "'%s' is swap and takes no mount point",
				    p->name);
		if (!p->options)
			p->options = xstrdup("sw");
		return 0;
	}
	if (!p->mountpoint)
		return fail(ps, w->line, "partition '%s' has no mount point",
			    p->name);
	for (size_t j = 0; j < i; j++) {
		const char *m = ps->parts.p[j].mountpoint;

		if (m && streq(m, p->mountpoint))
			return fail(ps, w->key[KEY_MOUNTPOINT], "mount point "
				    "'%s' is also that of partition '%s' "
				    "(line %lu)", m, ps->parts.p[j].name,
				    ps->where[j].key[KEY_MOUNTPOINT]);
	}
	if (!p->options)
		p->options = xstrdup("defaults");
	return 0;
}

static size_t sort_key(const struct partition *p)
{
	return p->mountpoint ? strlen(p->mountpoint) : 0;
}

/* Insertion sort: stable, and the lists are short. */
static void sort_partitions(struct partitions *parts)
{
	for (size_t i = 1; i < parts->nr; i++) {
		struct partition t = parts->p[i];
		size_t j = i;

		for (; j > 0 && sort_key(&parts->p[j - 1]) > sort_key(&t); j--)
			parts->p[j] = parts->p[j - 1];
		parts->p[j] = t;
	}
}

static int parse_line(struct parser *ps, char *s)
{
	char *eq, *val;
	size_t n;
	int r;

	if (*s == '[') {
		n = strlen(s);
		if (s[n - 1] != ']')
			return fail(ps, ps->line, "expected ']' at the end "
				    "of '%s'", s);
		s[n - 1] = '\0';
		s++;
		while (isspace((unsigned char)*s))
			s++;
		for (n = strlen(s); n && isspace((unsigned char)s[n - 1]);)
			s[--n] = '\0';
		if (current(ps)) {
			r = finish_section(ps, ps->parts.nr - 1);
			if (r < 0)
				return r;
		}
		return start_section(ps, s);
	}
	eq = strchr(s, '=');
	if (!eq)
		return fail(ps, ps->line, "expected '[name]' or 'key=value', "
			    "not '%s'", s);
	val = eq + 1;
	while (eq > s && isspace((unsigned char)eq[-1]))
		eq--;
	*eq = '\0';
	while (isspace((unsigned char)*val))
		val++;
	if (!*s)
		return fail(ps, ps->line, "'=' without a key");
	return set_key(ps, s, val);
}

static void release_parts(struct partitions *parts)
{
	for (size_t i = 0; i < parts->nr; i++) {
		free(parts->p[i].name);
		free(parts->p[i].origin);
		free(parts->p[i].type);
		free(parts->p[i].mountpoint);
		free(parts->p[i].options);
	}
	free(parts->p);
	parts->p = NULL;
	parts->nr = 0;
}

int partitions_parse(const char *name, const char *text,
		     struct partitions *ret, struct strbuf *err)
{
	struct parser ps = { .name = name, .err = err };
	struct strbuf line = STRBUF_INIT;
	const char *p = text;
	int r = 0, root = 0;

	while (*p && r >= 0) {
		size_t n = strcspn(p, "\n");

		ps.line++;
		strbuf_reset(&line);
		strbuf_add(&line, p, n);
		p += n;
		if (*p)
			p++;
		strbuf_trim(&line);
		if (!line.len || line.buf[0] == '#' || line.buf[0] == ';')
			continue;
		r = parse_line(&ps, line.buf);
	}
	if (r >= 0 && current(&ps))
		r = finish_section(&ps, ps.parts.nr - 1);
	for (size_t i = 0; r >= 0 && i < ps.parts.nr; i++) {
		const char *m = ps.parts.p[i].mountpoint;

		if (m && streq(m, "/"))
			root = 1;
	}
	if (r >= 0 && !root)
		r = fail(&ps, 0, "no partition is mounted at '/'");
	if (r >= 0) {
		sort_partitions(&ps.parts);
		*ret = ps.parts;
	} else {
		release_parts(&ps.parts);
	}
	free(ps.where);
	strbuf_release(&line);
	return r;
}

int partitions_load(const char *path, struct partitions *ret,
		    struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int r;

	r = strbuf_read_file(&text, path);
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-r));
	} else if (strlen(text.buf) != text.len) {
		strbuf_addf(err, "%s: contains a NUL byte", path);
		r = -EINVAL;
	} else {
		r = partitions_parse(path, text.buf, ret, err);
	}
	strbuf_release(&text);
	return r;
}

void partitions_release(struct partitions *p)
{
	if (p)
		release_parts(p);
}
