/* fuzz-partitions.c: a partitions.d file. */
#include "fuzz.h"
#include "partitions.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct partitions p = PARTITIONS_INIT;
	struct strbuf err = STRBUF_INIT;
	char *text = fuzz_string(data, size);

	if (!partitions_parse("fuzz", text, &p, &err)) {
		FUZZ_ASSERT(p.nr > 0);
		for (size_t i = 0; i < p.nr; i++)
			FUZZ_ASSERT(p.p[i].size > 0 &&
				    p.p[i].size <= PARTITION_SIZE_MAX);
	}
	partitions_release(&p);
	strbuf_release(&err);
	free(text);
	return 0;
}
