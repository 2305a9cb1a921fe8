/*
 * u-host-apt.c: the host's security source is found in one-line and
 * deb822 sources, only for the host's own release, only for the security
 * suite, never from a disabled or commented-out entry.
 */
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "host-apt.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static char *scratch;

static void remove_scratch(void)
{
	(void)rm_rf(scratch);
	free(scratch);
}

/* A fresh ETC holding os-release and the given apt files. */
static char *make_etc(const char *release, const char *list,
		      const char *d_name, const char *d_text)
{
	const char *base = getenv("TMPDIR");
	char *etc, *p;

	if (!scratch) {
		scratch = path_join(base && *base ? base : "/tmp",
				    "u-host-apt.XXXXXX");
		if (!mkdtemp(scratch))
			abort();
		atexit(remove_scratch);
	}
	etc = path_join(scratch, "etc");
	(void)rm_rf(etc);
	p = path_join(etc, "apt/sources.list.d");
	if (mkdir_p(p, 0755) < 0)
		abort();
	free(p);
	p = path_join(etc, "os-release");
	(void)write_string(p, release, 0644);
	free(p);
	if (list) {
		p = path_join(etc, "apt/sources.list");
		(void)write_string(p, list, 0644);
		free(p);
	}
	if (d_name) {
		char *d = path_join(etc, "apt/sources.list.d");

		p = path_join(d, d_name);
		(void)write_string(p, d_text, 0644);
		free(p);
		free(d);
	}
	return etc;
}

static const char bookworm[] = "PRETTY_NAME=\"Debian GNU/Linux 12\"\n"
			       "VERSION_CODENAME=bookworm\nID=debian\n";

static const struct {
	const char *release, *list, *d_name, *d_text, *dist, *want;
} cases[] = {
	/* One-line sources, with options and a trailing slash. */
	{ bookworm,
	  "deb http://deb.debian.org/debian bookworm main\n"
	  "deb [signed-by=/usr/share/keyrings/x.gpg arch=amd64] "
	  "http://mirror.example/debian-security/ bookworm-security main\n",
	  NULL, NULL, "bookworm", "http://mirror.example/debian-security" },
	/* Commented out: not a source. */
	{ bookworm,
	  "# deb http://mirror.example/ds bookworm-security main\n",
	  NULL, NULL, "bookworm", NULL },
	/* deb822, the Debian 12 default. */
	{ bookworm, NULL, "debian.sources",
	  "Types: deb\nURIs: http://deb.debian.org/debian\n"
	  "Suites: bookworm bookworm-updates\nComponents: main\n\n"
	  "Types: deb deb-src\nURIs: http://deb.debian.org/debian-security\n"
	  "Suites: bookworm-security\nComponents: main\n",
	  "bookworm", "http://deb.debian.org/debian-security" },
	/* A disabled stanza. */
	{ bookworm, NULL, "debian.sources",
	  "Types: deb\nURIs: http://m.example/ds\n"
	  "Suites: bookworm-security\nEnabled: no\n",
	  "bookworm", NULL },
	/* Another release's security suite, or another host release. */
	{ bookworm, "deb http://m.example/ds trixie-security main\n", NULL,
	  NULL, "bookworm", NULL },
	{ "VERSION_CODENAME=\"trixie\"\n",
	  "deb http://m.example/ds bookworm-security main\n", NULL, NULL,
	  "bookworm", NULL },
	{ "VERSION_CODENAME=\"trixie\"\n",
	  "deb http://m.example/ds trixie-security main\n", NULL, NULL,
	  "trixie", "http://m.example/ds" },
	/* Only http and https: a local file: source means nothing to a
	 * guest, nor does cdrom:. */
	{ bookworm, "deb file:/srv/ds bookworm-security main\n", NULL, NULL,
	  "bookworm", NULL },
	/* A URI without a host is no mirror, slashes or not: the next
	 * source is taken. */
	{ bookworm, "deb http:/// bookworm-security main\n"
	  "deb [arch=amd64] https:// bookworm-security main\n"
	  "deb http://m.example/ds/ bookworm-security main\n", NULL, NULL,
	  "bookworm", "http://m.example/ds" },
	{ bookworm, NULL, "debian.sources",
	  "Types: deb\nURIs: http:///\nSuites: bookworm-security\n",
	  "bookworm", NULL },
	/* A .list file in sources.list.d; other names are not read. */
	{ bookworm, NULL, "security.list",
	  "deb https://m.example/ds bookworm-security main\n", "bookworm",
	  "https://m.example/ds" },
	{ bookworm, NULL, "security.list.save",
	  "deb https://m.example/ds bookworm-security main\n", "bookworm",
	  NULL },
};

TEST(finds_the_security_source)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *etc = make_etc(cases[i].release, cases[i].list,
				     cases[i].d_name, cases[i].d_text);
		char *got = host_security_mirror(etc, cases[i].dist);

		if (cases[i].want)
			CHECK_STREQ(got ? got : "(none)", cases[i].want);
		else
			CHECK_STREQ(got ? got : "(none)", "(none)");
		free(got);
		free(etc);
	}
}

TEST(no_os_release)
{
	char *etc = make_etc("", "deb http://m.example/ds bookworm-security "
			     "main\n", NULL, NULL);
	char *got = host_security_mirror(etc, "bookworm");

	CHECK(got == NULL);
	free(got);
	free(etc);
}
