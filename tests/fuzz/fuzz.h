/*
 * fuzz.h: what the libFuzzer harnesses share. Each tests/fuzz/fuzz-NAME.c
 * defines LLVMFuzzerTestOneInput() for one parser; "make fuzz" builds it
 * with the sanitizers and runs it on tests/fuzz/corpus/NAME/.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input as a string the parsers take, in a buffer of its own so the
 * address sanitizer sees a read past its end. An input holding a NUL
 * ends there, as the text read from a file would for the parsers.
 */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A property the harness checks; a false one crashes the run. */
#define FUZZ_ASSERT(x) do { if (!(x)) abort(); } while (0)

#endif
