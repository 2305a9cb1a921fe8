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
	int digits = 0;

	while (isdigit((unsigned char)*p)) {
		if (whole > UINT64_MAX / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p++ - '0');
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
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	/* frac < 10^9 and mult <= 2^40: the product needs 128 bits. */
	fracbytes = (uint64_t)((unsigned __int128)frac * mult / fracdiv);
	bytes = whole * mult;
	if (bytes > UINT64_MAX - fracbytes)
		return -ERANGE;
	bytes += fracbytes;
	*ret_bytes = bytes;
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
