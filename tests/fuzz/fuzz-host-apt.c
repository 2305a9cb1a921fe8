/*
 * fuzz-host-apt.c: the host's apt sources. The first byte picks the file
 * the rest is written to, in a directory that stands for /etc: even, a
 * one-line-style apt/sources.list; odd, a deb822 apt/sources.list.d/
 * x.sources. os-release names bookworm, the release asked for.
 */
#include <stdio.h>
#include <unistd.h>

#include "fsutil.h"
#include "fuzz.h"
#include "host-apt.h"
#include "strbuf.h"
#include "banned.h"

static char *etc, *list, *sources;

static void setup(void)
{
	char tmpl[] = "/tmp/fuzz-host-apt.XXXXXX";
	char *dir, *p;

	if (!mkdtemp(tmpl))
		abort();
	etc = strdup(tmpl);
	dir = path_join(etc, "apt/sources.list.d");
	p = path_join(etc, "os-release");
	if (!etc || mkdir_p(dir, 0755) ||
	    write_string(p, "ID=debian\nVERSION_CODENAME=bookworm\n", 0644))
		abort();
	list = path_join(etc, "apt/sources.list");
	sources = path_join(dir, "x.sources");
	free(dir);
	free(p);
}

static void cleanup(void)
{
	(void)rm_rf(etc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri;
	int deb822;

	if (!etc) {
		setup();
		atexit(cleanup);
	}
	if (!size)
		return 0;
	deb822 = data[0] & 1;
	(void)unlink(list);
	(void)unlink(sources);
	if (write_file(deb822 ? sources : list, (const char *)data + 1,
		       size - 1, 0644))
		abort();
	uri = host_security_mirror(etc, "bookworm");
	if (uri) {
		FUZZ_ASSERT(!strncmp(uri, "http://", 7) ||
			    !strncmp(uri, "https://", 8));
		FUZZ_ASSERT(uri[strlen(uri) - 1] != '/');
	}
	free(uri);
	return 0;
}
