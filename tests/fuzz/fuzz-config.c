/*
 * fuzz-config.c: configuration files (key = value lines). The input up
 * to its first NUL is the system file, the rest the --config file, so the
 * rules between layers run as well as those within one.
 */
#include "config.h"
#include "fuzz.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct config c;
	char *text = fuzz_string(data, size);
	size_t first = strlen(text);
	const char *second = first < size ? text + first + 1 : "";

	config_init_defaults(&c);
	if (!config_parse_text(&c, text, "system.conf", LAYER_SYSTEM, &err) &&
	    !config_parse_text(&c, second, "fuzz.conf", LAYER_FILE, &err))
		config_dump(&c, &out);
	else
		FUZZ_ASSERT(err.len > 0);
	config_release(&c);
	strbuf_release(&err);
	strbuf_release(&out);
	free(text);
	return 0;
}
