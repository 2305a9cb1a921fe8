/*
 * fuzz-size.c: sizes, booleans and numbers (parse.h). A parsed size
 * written back by format_size() must parse to the same size.
 */
#include <errno.h>

#include "fuzz.h"
#include "parse.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint64_t bytes, again, r;
	unsigned long n;
	char buf[32];
	int b;

	if (!parse_size(s, &bytes)) {
		format_size(bytes, buf, sizeof(buf));
		/* A bare number is MiB, so "7" bytes cannot come back. */
		if (bytes % 1024 == 0) {
			FUZZ_ASSERT(!parse_size(buf, &again));
			FUZZ_ASSERT(again == bytes);
		}
		if (!size_round_up(bytes, 1 << 20, &r))
			FUZZ_ASSERT(r >= bytes && r % (1 << 20) == 0);
		if (!size_add(bytes, bytes, &r))
			FUZZ_ASSERT(r >= bytes);
		if (!size_mul(bytes, 3, &r))
			FUZZ_ASSERT(r / 3 == bytes);
	}
	if (!parse_bool(s, &b))
		FUZZ_ASSERT(b == 0 || b == 1);
	if (!parse_uint(s, 65535, &n))
		FUZZ_ASSERT(n <= 65535);
	free(s);
	return 0;
}
