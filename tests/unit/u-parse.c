/* u-parse.c: sizes, booleans and numbers. */
#include <errno.h>
#include <stdint.h>

#include "parse.h"
#include "unit.h"

UNIT_MAIN

TEST(sizes)
{
	static const struct {
		const char *in;
		int want_r;
		uint64_t want;
	} cases[] = {
		{ "4G", 0, 4ULL << 30 },
		{ "4Gb", 0, 4ULL << 30 },
		{ "4GiB", 0, 4ULL << 30 },
		{ "512M", 0, 512ULL << 20 },
		{ "512mb", 0, 512ULL << 20 },
		{ "128", 0, 128ULL << 20 },
		{ "1.5G", 0, 3ULL << 29 },
		{ "4096k", 0, 4ULL << 20 },
		{ "2T", 0, 2ULL << 40 },
		{ "", -EINVAL, 0 },
		{ "G", -EINVAL, 0 },
		{ "4X", -EINVAL, 0 },
		{ "4GG", -EINVAL, 0 },
		{ "-1G", -EINVAL, 0 },
		{ "4 G", -EINVAL, 0 },
		{ "99999999999999999999T", -ERANGE, 0 },
		{ "0.123456789T", 0, 135742175033ULL },
		{ "16777216T", -ERANGE, 0 },
		/* Sizes that wrapped around 2^64 once: 2^64 + 3 GiB was 3G. */
		{ "18446744073709551619G", -ERANGE, 0 },
		{ "18446744073709551616k", -ERANGE, 0 },
		{ "18446744073709551615", -ERANGE, 0 },
		{ "184467440737095516150", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 },
		{ "17179869183G", 0, 18446744072635809792ULL },
		{ "16777215.999999999T", 0, 18446744073709550516ULL },
		{ "16777215.9999999999999999999T", 0,
		  18446744073709550516ULL },
		{ "0.5k", 0, 512 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = 7;
		int r = parse_size(cases[i].in, &got);

		CHECK_INTEQ(r, cases[i].want_r);
		if (!r)
			CHECK_INTEQ(got, cases[i].want);
		else
			CHECK_INTEQ(got, 7);
	}
}

TEST(size_arithmetic)
{
	static const struct {
		uint64_t n, unit;
		int want_r;
		uint64_t want;
	} round[] = {
		{ 0, 4096, 0, 0 },
		{ 1, 4096, 0, 4096 },
		{ 4096, 4096, 0, 4096 },
		{ 4097, 3, 0, 4098 },
		{ UINT64_MAX - 4095, 4096, 0, UINT64_MAX - 4095 },
		{ UINT64_MAX - 4094, 4096, -ERANGE, 0 },
		{ UINT64_MAX, 1ULL << 20, -ERANGE, 0 },
		{ UINT64_MAX, 1, 0, UINT64_MAX },
		{ 5, 0, -EINVAL, 0 },
	};
	uint64_t got;

	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		got = 7;
		CHECK_INTEQ(size_round_up(round[i].n, round[i].unit, &got),
			    round[i].want_r);
		CHECK(got == (round[i].want_r ? 7 : round[i].want));
	}
	got = 7;
	CHECK_INTEQ(size_add(UINT64_MAX - 1, 1, &got), 0);
	CHECK(got == UINT64_MAX);
	CHECK_INTEQ(size_add(UINT64_MAX, 1, &got), -ERANGE);
	CHECK(got == UINT64_MAX);
	CHECK_INTEQ(size_mul(1ULL << 32, (1ULL << 32) - 1, &got), 0);
	CHECK(got == (1ULL << 32) * ((1ULL << 32) - 1));
	CHECK_INTEQ(size_mul(1ULL << 32, 1ULL << 32, &got), -ERANGE);
	CHECK(got == (1ULL << 32) * ((1ULL << 32) - 1));
}

TEST(format_sizes)
{
	char buf[32];

	format_size(4ULL << 30, buf, sizeof(buf));
	CHECK_STREQ(buf, "4G");
	format_size(1536ULL << 20, buf, sizeof(buf));
	CHECK_STREQ(buf, "1536M");
	format_size(1000, buf, sizeof(buf));
	CHECK_STREQ(buf, "1000");
}

TEST(bools)
{
	int v = -1;

	CHECK_INTEQ(parse_bool("1", &v), 0);
	CHECK_INTEQ(v, 1);
	CHECK_INTEQ(parse_bool("no", &v), 0);
	CHECK_INTEQ(v, 0);
	CHECK_INTEQ(parse_bool("maybe", &v), -EINVAL);
	CHECK_INTEQ(v, 0);
}

TEST(uints)
{
	unsigned long v = 0;

	CHECK_INTEQ(parse_uint("8", 64, &v), 0);
	CHECK_INTEQ(v, 8);
	CHECK_INTEQ(parse_uint("65", 64, &v), -ERANGE);
	CHECK_INTEQ(parse_uint("-1", 64, &v), -EINVAL);
	CHECK_INTEQ(parse_uint("1x", 64, &v), -EINVAL);
}
