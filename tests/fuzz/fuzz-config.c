/* fuzz-config.c: a configuration file (key = value lines) into a layer. */
#include "config.h"
#include "fuzz.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct config c;
	char *text = fuzz_string(data, size);

	config_init_defaults(&c);
	if (!config_parse_text(&c, text, "fuzz.conf", LAYER_FILE, &err))
		config_dump(&c, &out);
	config_release(&c);
	strbuf_release(&err);
	strbuf_release(&out);
	free(text);
	return 0;
}
