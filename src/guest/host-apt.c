/* host-apt.c: see host-apt.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "host-apt.h"
#include "macros.h"
#include "strbuf.h"
#include "strvec.h"
#include "banned.h"

/* "VERSION_CODENAME=bookworm" (quoted or not) from os-release. */
static int host_release_is(const char *etc, const char *codename)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = path_join(etc, "os-release");
	int found = 0;

	if (strbuf_read_file(&sb, path) >= 0) {
		for (char *line = sb.buf; line && *line && !found;) {
			char *nl = strchr(line, '\n');
			const char *v = line + strlen("VERSION_CODENAME=");
			size_t n;

			if (nl)
				*nl = '\0';
			if (!strncmp(line, "VERSION_CODENAME=", 17)) {
				if (*v == '"' || *v == '\'')
					v++;
				n = strcspn(v, "\"'");
				found = n == strlen(codename) &&
					!strncmp(v, codename, n);
			}
			line = nl ? nl + 1 : NULL;
		}
	}
	strbuf_release(&sb);
	free(path);
	return found;
}

/*
 * http or https with a host: "http://" or "http:///" would be trimmed to
 * "http:", which names no mirror at all.
 */
static int usable_uri(const char *uri)
{
	size_t n = !strncmp(uri, "http://", 7) ? 7 :
		   !strncmp(uri, "https://", 8) ? 8 : 0;

	return n && uri[n] && uri[n] != '/' && !strpbrk(uri, " \t'\"\\");
}

static char *trimmed_uri(const char *uri, size_t n)
{
	while (n > 0 && uri[n - 1] == '/')
		n--;
	return xstrndup(uri, n);
}

/* A one-line "deb [OPTIONS] URI SUITE COMPONENT..." source. */
static char *from_list(const char *text, const char *suite)
{
	struct strbuf sb = STRBUF_INIT;
	char *found = NULL;

	strbuf_addstr(&sb, text);
	for (char *line = sb.buf; line && *line && !found;) {
		char *nl = strchr(line, '\n');
		struct strvec w = STRVEC_INIT;
		size_t i = 1;

		if (nl)
			*nl = '\0';
		*(line + strcspn(line, "#")) = '\0';
		/* The options may hold spaces: skip them whole. */
		if (!strncmp(line, "deb", 3) && (line[3] == ' ' ||
						  line[3] == '\t')) {
			char *p = line + 3 + strspn(line + 3, " \t");

			if (*p == '[') {
				char *end = strchr(p, ']');

				p = end ? end + 1 : p + strlen(p);
			}
			strvec_push(&w, "deb");
			for (char *t = strtok_r(p, " \t", &p); t;
			     t = strtok_r(NULL, " \t", &p))
				strvec_push(&w, t);
			if (w.nr > i + 1 && !strcmp(w.v[i + 1], suite) &&
			    usable_uri(w.v[i]))
				found = trimmed_uri(w.v[i], strlen(w.v[i]));
		}
		strvec_clear(&w);
		line = nl ? nl + 1 : NULL;
	}
	strbuf_release(&sb);
	return found;
}

/* Whether the space separated list holds word. */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == n && !strncmp(p, word, n))
			return 1;
		p += len;
	}
	return 0;
}

/* A deb822 .sources file: stanzas of Types, URIs, Suites, Enabled. */
static char *from_sources(const char *text, const char *suite)
{
	struct strbuf sb = STRBUF_INIT;
	char *found = NULL;
	const char *types = "", *uris = "", *suites = "", *enabled = "yes";

	strbuf_addstr(&sb, text);
	strbuf_addstr(&sb, "\n\n");
	for (char *line = sb.buf; line && !found;) {
		char *nl = strchr(line, '\n');
		char *colon;

		if (!nl)
			break;
		*nl = '\0';
		if (!*line) {
			if (has_word(types, "deb") && has_word(suites, suite) &&
			    strcasecmp(enabled, "no")) {
				size_t n;

				uris += strspn(uris, " \t");
				n = strcspn(uris, " \t");
				if (n) {
					char *u = xstrndup(uris, n);

					if (usable_uri(u))
						found = trimmed_uri(u, n);
					free(u);
				}
			}
			types = uris = suites = "";
			enabled = "yes";
		} else if (*line != '#' && *line != ' ' && *line != '\t' &&
			   (colon = strchr(line, ':'))) {
			char *v = colon + 1 + strspn(colon + 1, " \t");

			*colon = '\0';
			if (!strcasecmp(line, "Types"))
				types = v;
			else if (!strcasecmp(line, "URIs"))
				uris = v;
			else if (!strcasecmp(line, "Suites"))
				suites = v;
			else if (!strcasecmp(line, "Enabled"))
				enabled = v;
		}
		line = nl + 1;
	}
	strbuf_release(&sb);
	return found;
}

static char *from_file(const char *path, const char *suite, int deb822)
{
	struct strbuf sb = STRBUF_INIT;
	char *found = NULL;

	if (strbuf_read_file(&sb, path) >= 0)
		found = deb822 ? from_sources(sb.buf, suite) :
				 from_list(sb.buf, suite);
	strbuf_release(&sb);
	return found;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

char *host_security_mirror(const char *etc, const char *codename)
{
	struct strvec names = STRVEC_INIT;
	struct strbuf suite = STRBUF_INIT;
	char *found = NULL, *path, *dir;

	if (!host_release_is(etc, codename))
		return NULL;
	strbuf_addf(&suite, "%s-security", codename);
	path = path_join(etc, "apt/sources.list");
	found = from_file(path, suite.buf, 0);
	free(path);
	dir = path_join(etc, "apt/sources.list.d");
	(void)list_dir(dir, &names);
	for (size_t i = 0; i < names.nr && !found; i++) {
		int deb822 = ends_with(names.v[i], ".sources");

		if (!deb822 && !ends_with(names.v[i], ".list"))
			continue;
		path = path_join(dir, names.v[i]);
		found = from_file(path, suite.buf, deb822);
		free(path);
	}
	free(dir);
	strbuf_release(&suite);
	strvec_clear(&names);
	return found;
}
