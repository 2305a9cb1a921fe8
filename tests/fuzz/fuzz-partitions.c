/*
 * fuzz-partitions.c: a partitions.d file. What loads must be what
 * partitions.h promises: sizes in range, normalised and unique mount
 * points with one "/", options without blanks, swap first and the rest
 * by the length of their mount points.
 */
#include "fuzz.h"
#include "partitions.h"
#include "banned.h"

static void check_mountpoint(const char *m)
{
	size_t n = strlen(m);

	FUZZ_ASSERT(m[0] == '/');
	FUZZ_ASSERT(n == 1 || m[n - 1] != '/');
	FUZZ_ASSERT(!strstr(m, "//"));
	FUZZ_ASSERT(!strstr(m, "/../") && strcmp(m + n - (n < 3 ? n : 3),
						 "/.."));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct partitions p = PARTITIONS_INIT;
	struct strbuf err = STRBUF_INIT;
	char *text = fuzz_string(data, size);
	size_t roots = 0, prev = 0;

	if (partitions_parse("fuzz", text, &p, &err)) {
		FUZZ_ASSERT(err.len > 0 && p.nr == 0);
		goto out;
	}
	FUZZ_ASSERT(p.nr > 0);
	for (size_t i = 0; i < p.nr; i++) {
		const struct partition *q = &p.p[i];
		int swap = !strcmp(q->type, "swap");
		size_t len = q->mountpoint ? strlen(q->mountpoint) : 0;

		FUZZ_ASSERT(q->size > 0 && q->size <= PARTITION_SIZE_MAX);
		FUZZ_ASSERT(q->name[0] && q->options[0]);
		FUZZ_ASSERT(!strpbrk(q->options, " \t\r\n\v\f"));
		FUZZ_ASSERT(swap == !q->mountpoint);
		if (q->mountpoint) {
			check_mountpoint(q->mountpoint);
			roots += !strcmp(q->mountpoint, "/");
			for (size_t j = 0; j < i; j++)
				FUZZ_ASSERT(!p.p[j].mountpoint ||
					    strcmp(p.p[j].mountpoint,
						   q->mountpoint));
		}
		FUZZ_ASSERT(len >= prev);
		prev = len;
	}
	FUZZ_ASSERT(roots == 1);
out:
	partitions_release(&p);
	strbuf_release(&err);
	free(text);
	return 0;
}
