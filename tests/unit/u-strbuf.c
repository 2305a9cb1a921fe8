/* u-strbuf.c: the string builder's escaping and reading. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

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

TEST(read_fd)
{
	static const size_t sizes[] = { 0, 1, 100, 8190, 8191, 8192, 20000 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
		int p[2];

		for (size_t k = 0; k < sizes[i]; k++)
			strbuf_addch(&want, 'a' + (int)(k % 26));
		strbuf_addstr(&sb, "head:");
		CHECK_INTEQ(pipe(p), 0);
		/* A pipe holds 64 KiB: all of it is written at once. */
		CHECK_INTEQ(write(p[1], want.buf, want.len),
			    (long long)want.len);
		close(p[1]);
		/* A hint too small, then one that fits. */
		CHECK_INTEQ(strbuf_read_fd(&sb, p[0], i % 2 ? 10 : sizes[i]),
			    0);
		close(p[0]);
		CHECK_INTEQ(sb.len, want.len + 5);
		CHECK(!strncmp(sb.buf, "head:", 5));
		CHECK(!memcmp(sb.buf + 5, want.buf, want.len));
		CHECK_INTEQ(sb.buf[sb.len], 0);
		strbuf_release_secret(&sb);
		CHECK(sb.len == 0 && sb.alloc == 0 && !*sb.buf);
		strbuf_release(&want);
	}
	{
		struct strbuf sb = STRBUF_INIT;

		CHECK_INTEQ(strbuf_read_fd(&sb, -1, 0), -EBADF);
		strbuf_release_secret(&sb);
		/* Never allocated: fine too. */
		strbuf_release_secret(&sb);
	}
}
