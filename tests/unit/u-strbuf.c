/* u-strbuf.c: the string builder's escaping. */
#include <string.h>

#include "macros.h"
#include "strbuf.h"
#include "unit.h"

UNIT_MAIN

TEST(add_escaped)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "xenbr0", "xenbr0" },
		{ "xen\\br0", "xen\\br0" },
		{ "a\nb", "a\\nb" },
		{ "\a\b\t\n\v\f\r", "\\a\\b\\t\\n\\v\\f\\r" },
		{ "\x1b[2J", "\\x1b[2J" },
		{ "\x01\x1f\x7f", "\\x01\\x1f\\x7f" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;

		/* It appends. */
		strbuf_addstr(&sb, "x");
		strbuf_add_escaped(&sb, cases[i].in);
		CHECK_INTEQ(sb.buf[0], 'x');
		CHECK_STREQ(sb.buf + 1, cases[i].want);
		CHECK(!strchr(sb.buf, '\n'));
		strbuf_release(&sb);
	}
}
