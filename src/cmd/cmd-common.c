/* cmd-common.c: see cmd-common.h. */
#include <getopt.h>

#include "cmd-common.h"
#include "log.h"
#include "banned.h"

int cmd_option_error(int c, char *const argv[])
{
	if (c == ':')
		error("'%s' needs a value", argv[optind - 1]);
	else
		error("unknown option '%s' (see --help)", argv[optind - 1]);
	return 2;
}
