/* u-net.c: IPv4 and IPv6 addresses and masks, MAC addresses, host names. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "macros.h"
#include "net.h"
#include "unit.h"

UNIT_MAIN

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

TEST(ipv6_parse)
{
	static const struct {
		const char *in;
		int want_r;
		const char *want;	/* canonical text, prefix */
		int want_prefix;
	} cases[] = {
		{ "2001:db8::5/64", 0, "2001:db8::5", 64 },
		{ "2001:DB8:0:0:0:0:0:5/128", 0, "2001:db8::5", 128 },
		{ "fec0::1/64", 0, "fec0::1", 64 },
		{ "fe80::1/10", 0, "fe80::1", 10 },
		{ "::ffff:192.0.2.1/96", 0, "::ffff:192.0.2.1", 96 },
		{ "2001:db8::5", -EINVAL, NULL, 0 },
		{ "2001:db8::5/0", -EINVAL, NULL, 0 },
		{ "2001:db8::5/129", -EINVAL, NULL, 0 },
		{ "2001:db8::5/064", -EINVAL, NULL, 0 },
		{ "2001:db8::5/64 ", -EINVAL, NULL, 0 },
		{ "2001:db8::5/", -EINVAL, NULL, 0 },
		{ "::/64", -EINVAL, NULL, 0 },
		{ "ff02::1/64", -EINVAL, NULL, 0 },
		{ "fe80::1%eth0/64", -EINVAL, NULL, 0 },
		{ "10.0.0.5/24", -EINVAL, NULL, 0 },
		{ "2001:db8:::5/64", -EINVAL, NULL, 0 },
		{ "/64", -EINVAL, NULL, 0 },
		{ "", -EINVAL, NULL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t a[16];
		char text[IPV6_TEXT_MAX];
		int prefix = -7;

		CHECK_INTEQ(ipv6_parse_cidr(cases[i].in, a, &prefix),
			    cases[i].want_r);
		if (cases[i].want_r < 0) {
			CHECK_INTEQ(prefix, -7);
			continue;
		}
		ipv6_format(a, text);
		CHECK_STREQ(text, cases[i].want);
		CHECK_INTEQ(prefix, cases[i].want_prefix);
	}
	/* A plain address, as --gateway6 and name servers are given. */
	{
		uint8_t a[16];

		CHECK_INTEQ(ipv6_parse("fe80::1", a), 0);
		CHECK_INTEQ(ipv6_parse("fe80::1/64", a), -EINVAL);
		CHECK_INTEQ(ipv6_parse("::", a), -EINVAL);
		CHECK_INTEQ(ipv6_parse("ff05::2", a), -EINVAL);
		CHECK_INTEQ(ipv6_parse(NULL, a), -EINVAL);
	}
}

TEST(ipv4_parse)
{
	static const struct {
		const char *in;
		int want_r;
		uint32_t want;
	} cases[] = {
		{ "192.0.2.1", 0, IP(192, 0, 2, 1) },
		{ "0.0.0.0", 0, 0 },
		{ "255.255.255.255", 0, UINT32_MAX },
		{ "10.0.0.5", 0, IP(10, 0, 0, 5) },
		{ "1.2.3", -EINVAL, 0 },
		{ "1.2.3.4.5", -EINVAL, 0 },
		{ "01.2.3.4", -EINVAL, 0 },
		{ "1.2.3.00", -EINVAL, 0 },
		{ "256.1.1.1", -EINVAL, 0 },
		{ "1.2.3.1000", -EINVAL, 0 },
		{ "1.2.3.4 ", -EINVAL, 0 },
		{ " 1.2.3.4", -EINVAL, 0 },
		{ "1.2.3.4x", -EINVAL, 0 },
		{ "1.2.3.4/24", -EINVAL, 0 },
		{ "1..3.4", -EINVAL, 0 },
		{ "1.2.3.", -EINVAL, 0 },
		{ "+1.2.3.4", -EINVAL, 0 },
		{ "1.-2.3.4", -EINVAL, 0 },
		{ "0x1.2.3.4", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ NULL, -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t got = 7;
		int r = ipv4_parse(cases[i].in, &got);

		CHECK_INTEQ(r, cases[i].want_r);
		CHECK_INTEQ(got, r ? 7 : cases[i].want);
	}
}

TEST(ipv4_parse_cidr)
{
	static const struct {
		const char *in;
		int want_r;
		uint32_t want;
		int want_prefix;
	} cases[] = {
		{ "10.0.0.5/24", 0, IP(10, 0, 0, 5), 24 },
		{ "10.0.0.5", 0, IP(10, 0, 0, 5), -1 },
		{ "0.0.0.0/0", 0, 0, 0 },
		{ "192.0.2.1/32", 0, IP(192, 0, 2, 1), 32 },
		{ "10.0.0.5/33", -EINVAL, 0, 0 },
		{ "10.0.0.5/", -EINVAL, 0, 0 },
		{ "10.0.0.5/024", -EINVAL, 0, 0 },
		{ "10.0.0.5/08", -EINVAL, 0, 0 },
		{ "10.0.0.5/-1", -EINVAL, 0, 0 },
		{ "10.0.0.5/24x", -EINVAL, 0, 0 },
		{ "10.0.0.5/24/8", -EINVAL, 0, 0 },
		{ "10.0.0.5/255.255.255.0", -EINVAL, 0, 0 },
		{ "10.0.0/24", -EINVAL, 0, 0 },
		{ "/24", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t got = 7;
		int prefix = 99;
		int r = ipv4_parse_cidr(cases[i].in, &got, &prefix);

		CHECK_INTEQ(r, cases[i].want_r);
		CHECK_INTEQ(got, r ? 7 : cases[i].want);
		CHECK_INTEQ(prefix, r ? 99 : cases[i].want_prefix);
	}
}

TEST(ipv4_masks)
{
	static const struct {
		uint32_t mask;
		int want;
	} cases[] = {
		{ IP(255, 255, 255, 0), 24 },
		{ IP(255, 255, 255, 255), 32 },
		{ 0, 0 },
		{ IP(128, 0, 0, 0), 1 },
		{ IP(255, 255, 255, 252), 30 },
		{ IP(255, 255, 240, 0), 20 },
		{ IP(255, 0, 255, 0), -EINVAL },
		{ IP(0, 255, 255, 255), -EINVAL },
		{ IP(255, 255, 255, 1), -EINVAL },
		{ IP(255, 255, 254, 255), -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_INTEQ(ipv4_netmask_prefix(cases[i].mask), cases[i].want);
		/* Every valid prefix must round-trip through its mask. */
		if (cases[i].want >= 0)
			CHECK_INTEQ(ipv4_prefix_mask(cases[i].want),
				    cases[i].mask);
	}
	for (int p = 0; p <= 32; p++)
		CHECK_INTEQ(ipv4_netmask_prefix(ipv4_prefix_mask(p)), p);
	CHECK_INTEQ(ipv4_prefix_mask(-1), 0);
	CHECK_INTEQ(ipv4_prefix_mask(40), UINT32_MAX);
}

TEST(ipv4_format)
{
	static const struct {
		uint32_t in;
		const char *want;
	} cases[] = {
		{ IP(192, 0, 2, 1), "192.0.2.1" },
		{ 0, "0.0.0.0" },
		{ UINT32_MAX, "255.255.255.255" },
		{ IP(10, 0, 100, 5), "10.0.100.5" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[16];
		uint32_t back = 0;

		ipv4_format(cases[i].in, buf);
		CHECK_STREQ(buf, cases[i].want);
		CHECK_INTEQ(ipv4_parse(buf, &back), 0);
		CHECK_INTEQ(back, cases[i].in);
	}
}

TEST(mac_parse)
{
	static const struct {
		const char *in;
		int want_r;
		const char *want;
	} cases[] = {
		{ "00:16:3e:aa:bb:cc", 0, "00:16:3e:aa:bb:cc" },
		{ "00:16:3E:AA:BB:CC", 0, "00:16:3e:aa:bb:cc" },
		{ "00-16-3e-Aa-bB-0c", 0, "00:16:3e:aa:bb:0c" },
		{ "02:00:00:00:00:01", 0, "02:00:00:00:00:01" },
		{ "fe:ff:ff:ff:ff:ff", 0, "fe:ff:ff:ff:ff:ff" },
		{ "01:00:5e:00:00:01", -EINVAL, NULL },	/* multicast */
		{ "ff:ff:ff:ff:ff:ff", -EINVAL, NULL },	/* broadcast */
		{ "00:00:00:00:00:00", -EINVAL, NULL },
		{ "00:16:3e:aa:bb", -EINVAL, NULL },
		{ "00:16:3e:aa:bb:cc:dd", -EINVAL, NULL },
		{ "00:16:3e:aa:bb:cc ", -EINVAL, NULL },
		{ "00:16:3e-aa:bb:cc", -EINVAL, NULL },
		{ "00.16.3e.aa.bb.cc", -EINVAL, NULL },
		{ "0:16:3e:aa:bb:cc0", -EINVAL, NULL },
		{ "00:16:3e:aa:bb:cg", -EINVAL, NULL },
		{ "0016.3eaa.bbcc", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
		{ NULL, -EINVAL, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t mac[6];
		char buf[18];
		int r;

		memset(mac, 0xaa, sizeof(mac));
		r = mac_parse(cases[i].in, mac);
		CHECK_INTEQ(r, cases[i].want_r);
		mac_format(mac, buf);
		CHECK_STREQ(buf, r ? "aa:aa:aa:aa:aa:aa" : cases[i].want);
	}
}

TEST(mac_from_seed)
{
	/* Expected: first three bytes of `printf %s SEED | sha256sum`. */
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "abc", "00:16:3e:3a:78:16" },		/* ba7816 */
		{ "web1", "00:16:3e:65:9a:7f" },	/* 659a7f */
		{ "", "00:16:3e:63:b0:c4" },		/* e3b0c4 */
		/* Lengths around the padding boundaries of a 64-byte block. */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "00:16:3e:1f:43:90" },		/* 55: 9f4390 */
		{ "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		  "00:16:3e:25:fc:6e" },		/* 56: a5fc6e */
		{ "cccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
		  "cccccccc",
		  "00:16:3e:52:b6:41" },		/* 64: 52b641 */
		{ "dddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "ddddddd",
		  "00:16:3e:57:5b:77" },		/* 119: d75b77 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t mac[6], again[6];
		char buf[18];

		mac_from_seed(cases[i].in, mac);
		mac_format(mac, buf);
		CHECK_STREQ(buf, cases[i].want);
		CHECK_INTEQ(mac_parse(buf, again), 0);
		mac_from_seed(cases[i].in, again);
		CHECK(!memcmp(mac, again, sizeof(mac)));
	}
}

TEST(mac_from_seed_prefix)
{
	/* SHA-256("abc") starts ba7816bf8f01, of "web1" 659a7fb2. */
	static const struct {
		const char *seed;
		uint8_t prefix[5];
		size_t len;
		const char *want;
	} cases[] = {
		{ "abc", { 0x02 }, 1, "02:ba:78:16:bf:8f" },
		{ "abc", { 0x02, 0x00, 0x00, 0x01, 0x02 }, 5,
		  "02:00:00:01:02:ba" },
		/* Only after the Xen OUI is the top bit cleared. */
		{ "abc", { 0x00, 0x16, 0x3e }, 3, "00:16:3e:3a:78:16" },
		{ "abc", { 0x52, 0x54, 0x00 }, 3, "52:54:00:ba:78:16" },
		{ "abc", { 0x00, 0x16, 0x3e, 0x99 }, 4, "00:16:3e:99:ba:78" },
		{ "web1", { 0x00, 0x16 }, 2, "00:16:65:9a:7f:b2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t mac[6];
		char buf[18];

		mac_from_seed_prefix(cases[i].seed, cases[i].prefix,
				     cases[i].len, mac);
		mac_format(mac, buf);
		CHECK_STREQ(buf, cases[i].want);
	}
}

TEST(mac_prefix_parse)
{
	static const struct {
		const char *in;
		int want_r;
		size_t want_len;
		uint8_t want[5];
	} cases[] = {
		{ "00:16:3e", 0, 3, { 0x00, 0x16, 0x3e } },
		{ "02", 0, 1, { 0x02 } },
		{ "AA-bb-0C-dd-Ee", 0, 5, { 0xaa, 0xbb, 0x0c, 0xdd, 0xee } },
		{ "52:54:00:12", 0, 4, { 0x52, 0x54, 0x00, 0x12 } },
		{ "", -EINVAL, 0, { 0 } },
		{ "0", -EINVAL, 0, { 0 } },
		{ "00:16:3", -EINVAL, 0, { 0 } },
		{ "00:16:3e:", -EINVAL, 0, { 0 } },
		{ "00:16-3e", -EINVAL, 0, { 0 } },
		{ "00.16.3e", -EINVAL, 0, { 0 } },
		{ "00:16:3e:00:00:00", -EINVAL, 0, { 0 } },	/* six */
		/* Syntax only: the caller refuses multicast. */
		{ "01:00:5e", 0, 3, { 0x01, 0x00, 0x5e } },
		{ "0g:16:3e", -EINVAL, 0, { 0 } },
		{ "00:16:3e ", -EINVAL, 0, { 0 } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t got[5] = { 0 };
		size_t len = 99;
		int r = mac_prefix_parse(cases[i].in, got, &len);

		CHECK_INTEQ(r, cases[i].want_r);
		if (r < 0) {
			CHECK_INTEQ(len, 99);
			continue;
		}
		CHECK_INTEQ(len, cases[i].want_len);
		CHECK(!memcmp(got, cases[i].want, len));
	}
}

TEST(mac_random)
{
	int differ = 0;
	uint8_t first[6];

	CHECK_INTEQ(mac_random(first), 0);
	for (int i = 0; i < 64; i++) {
		uint8_t mac[6];
		char buf[18];

		CHECK_INTEQ(mac_random(mac), 0);
		CHECK(mac[0] == 0x00 && mac[1] == 0x16 && mac[2] == 0x3e);
		CHECK(!(mac[3] & 0x80));
		mac_format(mac, buf);
		CHECK_INTEQ(mac_parse(buf, mac), 0);
		differ |= memcmp(mac, first, sizeof(mac)) != 0;
	}
	/* 64 draws of 23 random bits all equal to the first: broken. */
	CHECK(differ);
}

TEST(hostname_valid)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "web1", 0 },
		{ "a", 0 },
		{ "web-1.example.org", 0 },
		{ "WEB1.Example.ORG", 0 },
		{ "1web", 0 },
		{ "123.example.com", 0 },
		{ "x.y2", 0 },
		{ "a2345678901234567890123456789012345678901234567890"
		  "1234567890123", 0 },			/* 63 */
		{ "a2345678901234567890123456789012345678901234567890"
		  "12345678901234", -EINVAL },		/* 64 */
		{ "", -EINVAL },
		{ NULL, -EINVAL },
		{ "-web", -EINVAL },
		{ "web-", -EINVAL },
		{ "web.-x.org", -EINVAL },
		{ "web-.x.org", -EINVAL },
		{ "web..org", -EINVAL },
		{ ".web", -EINVAL },
		{ "web.", -EINVAL },
		{ ".", -EINVAL },
		{ "web 1", -EINVAL },
		{ "web/1", -EINVAL },
		{ "../etc", -EINVAL },
		{ "web_1", -EINVAL },
		{ "web1\n", -EINVAL },
		{ "w\xc3\xa9" "b", -EINVAL },
		{ "123", -EINVAL },
		{ "10.0.0.1", -EINVAL },
		{ "host.123", -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = hostname_valid(cases[i].in);

		if (r != cases[i].want)
			fprintf(stderr, "hostname '%s'\n",
				cases[i].in ? cases[i].in : "(null)");
		CHECK_INTEQ(r, cases[i].want);
	}
}

TEST(xl_name_valid)
{
	static const struct {
		const char *in;
		size_t max;
		int want;
	} cases[] = {
		{ "xenbr0", 0, 0 },
		{ "ovsbr0:10", 0, 0 },
		{ "br_lan.10", 0, 0 },
		{ "vif-db", 15, 0 },
		{ "a23456789012345", 15, 0 },
		{ "a234567890123456", 15, -EINVAL },
		{ "a234567890123456", 0, 0 },
		{ "", 0, -EINVAL },
		{ "-br", 0, -EINVAL },
		{ "xen\\br0", 0, -EINVAL },
		{ "xenbr0\n", 0, -EINVAL },
		{ "xenbr0\nvif=x", 0, -EINVAL },
		{ "br\r", 0, -EINVAL },
		{ "br\t0", 0, -EINVAL },
		{ "br\x7f", 0, -EINVAL },
		{ "br0,script=/x", 0, -EINVAL },
		{ "br0=x", 0, -EINVAL },
		{ "br 0", 0, -EINVAL },
		{ "br'0", 0, -EINVAL },
		{ "br\"0", 0, -EINVAL },
		{ "br/0", 0, -EINVAL },
		{ "br$0", 0, -EINVAL },
		{ "br;0", 0, -EINVAL },
		{ "br\xc3\xa9", 0, -EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = xl_name_valid(cases[i].in, cases[i].max);

		if (r != cases[i].want)
			fprintf(stderr, "name '%s'\n", cases[i].in);
		CHECK_INTEQ(r, cases[i].want);
	}
}

TEST(hostname_length)
{
	char name[256];

	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters. */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	CHECK_INTEQ(hostname_valid(name), 0);
	name[253] = 'a';
	name[254] = '\0';
	CHECK_INTEQ(hostname_valid(name), -EINVAL);
}
