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
#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/lib/create-image"
#endif

static char *datadir;
static int in_checkout;

const char *paths_datadir(void)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (datadir)
		return datadir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		static const char *const builds[] = { "/build/tests", "/build" };
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/*
		 * Only a binary in a checkout's build/ (build/create-image,
		 * build/tests/u-*) uses the checkout; an installed one never
		 * looks around its own directory.
		 */
		for (size_t i = 0; slash && i < 2 && !datadir; i++) {
			size_t len = strlen(exe), blen = strlen(builds[i]);
			char *probe;

			if (len < blen || strcmp(exe + len - blen, builds[i]))
				continue;
			exe[len - blen] = '\0';
			probe = path_join(exe, "templates/xl.cfg");
			if (path_exists(probe)) {
				datadir = strdup(exe);
				in_checkout = 1;
			}
			free(probe);
		}
	}
	if (!datadir)
		datadir = strdup(DATADIR);
	return datadir;
}

const char *paths_libexecdir(void)
{
	static char *dir;

	if (dir)
		return dir;
	/* Whether we run from a checkout is found with the data. */
	(void)paths_datadir();
	dir = in_checkout ? path_join(datadir, "build/libexec") :
			    strdup(LIBEXECDIR);
	return dir;
}

char *paths_in_guest(void)
{
	return path_join(paths_libexecdir(), "in-guest");
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

const char *paths_statedir(void)
{
	const char *env = getenv("CREATE_IMAGE_STATEDIR");

	return env && *env ? env : "/var/lib/create-image";
}

char *paths_guest_kernels(const char *hostname)
{
	char *dir = path_join(paths_statedir(), "kernels");
	char *ret = path_join(dir, hostname);

	free(dir);
	return ret;
}

char *paths_data(const char *rel)
{
	return path_join(paths_datadir(), rel);
}
