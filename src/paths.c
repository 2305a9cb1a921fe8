/* paths.c: see paths.h. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "paths.h"
#include "strbuf.h"
#include "banned.h"

#ifndef DATADIR
#define DATADIR "/usr/local/share/create-image"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static char *datadir;

const char *paths_datadir(void)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (datadir)
		return datadir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		/*
		 * Drop the binary's name, then try its directory's parent
		 * (build/create-image) and grandparent (build/tests/u-*).
		 */
		for (int up = 0; up < 3 && !datadir; up++) {
			char *slash = strrchr(exe, '/'), *probe;

			if (!slash)
				break;
			*slash = '\0';
			if (!up)
				continue;
			probe = path_join(exe, "templates/xl.cfg");
			if (path_exists(probe))
				datadir = strdup(exe);
			free(probe);
		}
	}
	if (!datadir)
		datadir = strdup(DATADIR);
	return datadir;
}

const char *paths_system_config(void)
{
	const char *env = getenv("CREATE_IMAGE_CONFIG");

	return env && *env ? env : SYSCONFDIR "/create-image/create-image.conf";
}

const char *paths_logdir(void)
{
	const char *env = getenv("CREATE_IMAGE_LOGDIR");

	return env && *env ? env : "/var/log/create-image";
}

char *paths_data(const char *rel)
{
	return path_join(paths_datadir(), rel);
}
