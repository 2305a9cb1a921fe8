/*
 * fuzz-archive-state.c: the archive state line a base's key holds. What
 * parses must format back to a line that parses to the same states.
 */
#include "archive-state.h"
#include "fuzz.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive_state s = ARCHIVE_STATE_INIT, t = ARCHIVE_STATE_INIT;
	struct strbuf one = STRBUF_INIT, two = STRBUF_INIT;
	char *text = fuzz_string(data, size);

	if (!archive_state_parse(text, &s)) {
		archive_state_format(&s, &one);
		FUZZ_ASSERT(!archive_state_parse(one.buf, &t));
		archive_state_format(&t, &two);
		FUZZ_ASSERT(!strcmp(one.buf, two.buf));
		/* Not empty where a suite comes twice with two files, but
		 * the same for the line as for its copy. */
		strbuf_reset(&one);
		strbuf_reset(&two);
		archive_state_diff(&s, &s, &one);
		archive_state_diff(&s, &t, &two);
		FUZZ_ASSERT(!strcmp(one.buf, two.buf));
		(void)archive_state_date(&s);
	}
	archive_state_release(&s);
	archive_state_release(&t);
	strbuf_release(&one);
	strbuf_release(&two);
	free(text);
	return 0;
}
