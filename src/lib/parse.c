/* parse.c: see parse.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"
#include "parse.h"

int parse_size(const char *s, uint64_t *ret_bytes)
{
	uint64_t whole = 0, frac = 0, fracdiv = 1, mult, bytes, fracbytes;
	const char *p = s;
	int digits = 0, wrapped = 0;

	/* Every digit is read, so "99999999999999999999T" is out of range
	 * rather than invalid, and no product may wrap. */
	while (isdigit((unsigned char)*p)) {
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(*p - '0'),
					   &whole))
			wrapped = 1;
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (fracdiv < 1000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fracdiv *= 10;
			}
			p++;
			digits++;
		}
	}
	if (!digits)
		return -EINVAL;
	switch (toupper((unsigned char)*p)) {
	case '\0':
	case 'M':
		mult = 1ULL << 20;
		break;
	case 'K':
		mult = 1ULL << 10;
		break;
	case 'G':
		mult = 1ULL << 30;
		break;
	case 'T':
		mult = 1ULL << 40;
		break;
	default:
		return -EINVAL;
	}
	if (*p) {
		p++;
		if (!strcasecmp(p, "ib") || !strcasecmp(p, "b"))
			p += strlen(p);
	}
	if (*p)
		return -EINVAL;
	/* frac < 10^9 and mult <= 2^40: the product needs 128 bits. */
	fracbytes = (uint64_t)((unsigned __int128)frac * mult / fracdiv);
	if (wrapped || __builtin_mul_overflow(whole, mult, &bytes) ||
	    __builtin_add_overflow(bytes, fracbytes, &bytes))
		return -ERANGE;
	*ret_bytes = bytes;
	return 0;
}

int size_round_up(uint64_t n, uint64_t unit, uint64_t *ret)
{
	uint64_t r;

	if (!unit)
		return -EINVAL;
	if (__builtin_add_overflow(n, unit - 1, &r))
		return -ERANGE;
	*ret = r - r % unit;
	return 0;
}

int size_add(uint64_t a, uint64_t b, uint64_t *ret)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return -ERANGE;
	*ret = r;
	return 0;
}

int size_mul(uint64_t a, uint64_t b, uint64_t *ret)
{
	uint64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return -ERANGE;
	*ret = r;
	return 0;
}

void format_size(uint64_t bytes, char *buf, unsigned long buflen)
{
	static const char units[] = "TGMk";
	static const int shifts[] = { 40, 30, 20, 10 };

	for (int i = 0; i < 4; i++) {
		uint64_t u = 1ULL << shifts[i];

		if (bytes && bytes % u == 0) {
			snprintf(buf, buflen, "%llu%c",
				 (unsigned long long)(bytes / u), units[i]);
			return;
		}
	}
	snprintf(buf, buflen, "%llu", (unsigned long long)bytes);
}

int parse_bool(const char *s, int *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = 0;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}
