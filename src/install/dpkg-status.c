/* dpkg-status.c: see dpkg-status.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dpkg-status.h"
#include "macros.h"
#include "banned.h"

struct stanza {
	char *name, *version, *arch, *status;
	size_t line;		/* where it began */
};

static void stanza_clear(struct stanza *s)
{
	free(s->name);
	free(s->version);
	free(s->arch);
	free(s->status);
	memset(s, 0, sizeof(*s));
}

/* "install ok installed", "hold ok installed": the third word is the
 * state, and only "installed" is a package on the disk, configured. */
static int status_installed(const char *status)
{
	const char *last = strrchr(status, ' ');

	return last && streq(last + 1, "installed");
}

static int cmp_package(const void *a, const void *b)
{
	const struct dpkg_package *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch, y->arch);
}

/* The end of a stanza: kept when installed. 0 or -EINVAL with err. */
static int stanza_end(struct stanza *s, struct dpkg_package **v, size_t *n,
		      struct strbuf *err)
{
	const char *missing = NULL;
	int r = 0;

	if (!s->line)
		return 0;
	if (!s->name)
		missing = "Package";
	else if (s->status && status_installed(s->status) && !s->version)
		missing = "Version";
	else if (s->status && status_installed(s->status) && !s->arch)
		missing = "Architecture";
	if (missing) {
		strbuf_addf(err, "%zu: a stanza without %s", s->line, missing);
		r = -EINVAL;
	} else if (s->status && status_installed(s->status)) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].name = s->name;
		(*v)[*n].version = s->version;
		(*v)[*n].arch = s->arch;
		(*n)++;
		s->name = s->version = s->arch = NULL;
	}
	stanza_clear(s);
	return r;
}

int dpkg_status_parse(const char *text, size_t len,
		      struct dpkg_package **ret, size_t *ret_n,
		      struct strbuf *err)
{
	struct stanza s = { 0 };
	struct dpkg_package *v = NULL;
	size_t n = 0, lineno = 0, pos = 0;
	int r = 0;

	while (r >= 0 && pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *colon;
		char **field = NULL;

		pos += llen + (nl ? 1 : 0);
		lineno++;
		if (!llen) {
			r = stanza_end(&s, &v, &n, err);
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue;	/* a continuation: no field we read */
		colon = memchr(line, ':', llen);
		if (!colon || colon == line) {
			strbuf_addf(err, "%zu: not a 'Field: value' line",
				    lineno);
			r = -EINVAL;
			break;
		}
		if (!s.line)
			s.line = lineno;
#define FIELD(nm, member) \
		if ((size_t)(colon - line) == strlen(nm) && \
		    !strncasecmp(line, nm, strlen(nm))) \
			field = &s.member;
		FIELD("Package", name)
		FIELD("Version", version)
		FIELD("Architecture", arch)
		FIELD("Status", status)
#undef FIELD
		if (field) {
			const char *val = colon + 1;
			size_t vlen = llen - (size_t)(val - line);

			while (vlen && (*val == ' ' || *val == '\t')) {
				val++;
				vlen--;
			}
			while (vlen && (val[vlen - 1] == ' ' ||
					val[vlen - 1] == '\t' ||
					val[vlen - 1] == '\r'))
				vlen--;
			free(*field);
			*field = xstrndup(val, vlen);
		}
	}
	if (r >= 0)
		r = stanza_end(&s, &v, &n, err);
	stanza_clear(&s);
	if (r < 0) {
		dpkg_packages_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_package);
	*ret = v;
	*ret_n = n;
	return 0;
}

void dpkg_packages_free(struct dpkg_package *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].version);
		free(p[i].arch);
	}
	free(p);
}
