/*
 * parse.h: parsers for the value types the options use: sizes, booleans,
 * unsigned numbers; and the arithmetic on sizes, which must never wrap.
 * They return 0 or -EINVAL/-ERANGE and write ret_* only on success.
 */
#ifndef PARSE_H
#define PARSE_H

#include <stdint.h>

/*
 * "4G", "512M", "512Mb", "1.5GiB", "4096k", "2T"; a bare number means MiB
 * (as xl's memory does). Units are binary and case-insensitive.
 */
int parse_size(const char *s, uint64_t *ret_bytes);
/*
 * n rounded up to a multiple of unit (a disk to whole MiB, a volume to
 * whole extents), n + b and n * b: -ERANGE where the result does not fit
 * in 64 bits, -EINVAL for a unit of 0.
 */
int size_round_up(uint64_t n, uint64_t unit, uint64_t *ret);
int size_add(uint64_t a, uint64_t b, uint64_t *ret);
int size_mul(uint64_t a, uint64_t b, uint64_t *ret);
/* Bytes as the shortest exact "4G" / "512M" / "100k" / "7". */
void format_size(uint64_t bytes, char *buf, unsigned long buflen);
/* 1/0, yes/no, true/false, on/off. */
int parse_bool(const char *s, int *ret);
int parse_uint(const char *s, unsigned long max, unsigned long *ret);

#endif
