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
		char *slash, *probe;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			/* build/create-image: the checkout is one up. */
			*slash = '\0';
			slash = strrchr(exe, '/');
			if (slash) {
				*slash = '\0';
				probe = path_join(exe, "templates/xl.cfg");
				if (path_exists(probe))
					datadir = strdup(exe);
				free(probe);
			}
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
