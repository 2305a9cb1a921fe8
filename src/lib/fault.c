/* fault.c: see fault.h. Empty unless built with -DFAULT_INJECTION. */
#ifdef FAULT_INJECTION
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "fsutil.h"
#include "log.h"
#include "macros.h"
#include "parse.h"
#include "strbuf.h"
#include "banned.h"

static const char *const kinds[] = {
	[FAULT_STEP] = "step",
	[FAULT_COMMAND] = "command",
	[FAULT_WRITE] = "write",
};

static pid_t owner;		/* the one process that counts */
static int fail_kind = -1;	/* -1: nothing fails */
static unsigned long fail_n;
static unsigned long counts[ARRAY_SIZE(kinds)];
static char *count_log;

/* "KIND:N" into fail_kind and fail_n. */
static int parse_spec(const char *spec)
{
	const char *colon = strchr(spec, ':');
	unsigned long n;

	if (!colon || parse_uint(colon + 1, ULONG_MAX, &n) < 0 || !n)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strlen(kinds[i]) == (size_t)(colon - spec) &&
		    !strncmp(spec, kinds[i], (size_t)(colon - spec))) {
			fail_kind = (int)i;
			fail_n = n;
			return 0;
		}
	}
	return -EINVAL;
}

int fault_reset(void)
{
	const char *spec = getenv("CREATE_IMAGE_FAULT");
	const char *log = getenv("CREATE_IMAGE_FAULT_LOG");
	int r = 0;

	owner = getpid();
	memset(counts, 0, sizeof(counts));
	fail_kind = -1;
	free(count_log);
	count_log = log && *log ? xstrdup(log) : NULL;
	if (spec && *spec)
		r = parse_spec(spec);
	/* Nothing started from here counts points of its own. */
	unsetenv("CREATE_IMAGE_FAULT");
	unsetenv("CREATE_IMAGE_FAULT_LOG");
	return r;
}

/*
 * Before main(): a fault that cannot be told apart from no fault would
 * let a test pass that tested nothing. Nothing is made yet, and nothing
 * can print on our behalf, so refuse to run.
 */
__attribute__((constructor)) static void fault_setup(void)
{
	const char *spec = getenv("CREATE_IMAGE_FAULT");
	char *copy = xstrdup(spec);

	if (fault_reset() < 0) {
		dprintf(2, "create-image: $CREATE_IMAGE_FAULT: '%s' is not "
			"step:N, command:N or write:N (N from 1)\n", copy);
		_exit(2);
	}
	free(copy);
}

/* One "KIND N WHAT" line to the count log, whole, with one write(). */
static void log_point(enum fault_point p, unsigned long n, const char *what)
{
	struct strbuf line = STRBUF_INIT;
	int fd;

	fd = open(count_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	strbuf_addf(&line, "%s %lu %s\n", kinds[p], n, what);
	(void)write_all(fd, line.buf, line.len);
	close(fd);
	strbuf_release(&line);
}

int fault_check(enum fault_point p, const char *what)
{
	unsigned long n;

	if ((size_t)p >= ARRAY_SIZE(kinds) || getpid() != owner)
		return 0;
	if (!what)
		what = "?";
	n = ++counts[p];
	if (count_log)
		log_point(p, n, what);
	if ((int)p != fail_kind || n != fail_n)
		return 0;
	debug("injected fault: %s %lu (%s)", kinds[p], n, what);
	return -EIO;
}
#endif
