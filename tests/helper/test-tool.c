/*
 * test-tool.c: internals exposed to the shell tests, as git's t/helper
 * does. "test-tool xlcfg-check FILE" parses an xl.cfg with libxlutil
 * exactly as create-image does before reporting success.
 */
#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "xlcfg.h"

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	if (argc != 3 || strcmp(argv[1], "xlcfg-check")) {
		fprintf(stderr, "usage: test-tool xlcfg-check FILE\n");
		return 2;
	}
	r = xlcfg_check_file(argv[2], &err);
	if (r < 0)
		fprintf(stderr, "test-tool: %s\n", err.buf);
	strbuf_release(&err);
	return r < 0 ? 1 : 0;
}
