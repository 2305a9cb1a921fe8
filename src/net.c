/* net.c: see net.h. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "net.h"
#include "banned.h"

/*
 * Parse one decimal field of at most max_digits digits, no leading zero
 * unless the field is "0" (inet_aton would read "010" as octal 8, so such
 * a field is ambiguous and refused). Sets *end past the digits.
 */
static int parse_dec(const char *s, int max_digits, unsigned max,
		     unsigned *ret, const char **end)
{
	unsigned v = 0;
	int n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == max_digits)
			return -EINVAL;
		v = v * 10 + (unsigned)(s[n] - '0');
		n++;
	}
	if (!n || (n > 1 && s[0] == '0') || v > max)
		return -EINVAL;
	*ret = v;
	*end = s + n;
	return 0;
}

/* A dotted quad at the start of s; *end is left on what follows it. */
static int parse_quad(const char *s, uint32_t *ret_addr, const char **end)
{
	uint32_t addr = 0;

	if (!s)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		unsigned v;

		if (i && *s++ != '.')
			return -EINVAL;
		if (parse_dec(s, 3, 255, &v, &s) < 0)
			return -EINVAL;
		addr = addr << 8 | v;
	}
	*ret_addr = addr;
	*end = s;
	return 0;
}

int ipv4_parse(const char *s, uint32_t *ret_addr)
{
	const char *end;
	uint32_t addr;

	if (parse_quad(s, &addr, &end) < 0 || *end)
		return -EINVAL;
	*ret_addr = addr;
	return 0;
}

int ipv4_parse_cidr(const char *s, uint32_t *ret_addr, int *ret_prefix)
{
	const char *end;
	uint32_t addr;
	unsigned prefix;

	if (parse_quad(s, &addr, &end) < 0)
		return -EINVAL;
	if (!*end) {
		*ret_addr = addr;
		*ret_prefix = -1;
		return 0;
	}
	if (*end != '/' || parse_dec(end + 1, 2, 32, &prefix, &end) < 0 ||
	    *end)
		return -EINVAL;
	*ret_addr = addr;
	*ret_prefix = (int)prefix;
	return 0;
}

int ipv4_netmask_prefix(uint32_t mask)
{
	uint32_t host = ~mask;

	/* The host part must be a run of low one bits: 0...01...1. */
	if (host & (host + 1))
		return -EINVAL;
	return __builtin_popcount(mask);
}

uint32_t ipv4_prefix_mask(int prefix)
{
	if (prefix <= 0)
		return 0;
	if (prefix >= 32)
		return UINT32_MAX;
	return UINT32_MAX << (32 - prefix);
}

void ipv4_format(uint32_t addr, char buf[static 16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		 (addr >> 8) & 0xff, addr & 0xff);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t ret_mac[6])
{
	uint8_t mac[6];
	char sep;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hexval((unsigned char)p[0]);
		int lo = hexval((unsigned char)p[1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[2] != sep))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A multicast address would never receive the guest's unicast. */
	if (mac[0] & 1)
		return -EINVAL;
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	memcpy(ret_mac, mac, 6);
	return 0;
}

void mac_format(const uint8_t mac[6], char buf[static 18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/*
 * SHA-256 (FIPS 180-4). Only a few bytes of one short digest are needed, so
 * a small local copy is preferred over linking a crypto library.
 */
struct sha256 {
	uint32_t h[8];
	uint8_t block[64];
	size_t fill;
	uint64_t total;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(struct sha256 *c)
{
	uint32_t w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)c->block[4 * i] << 24 |
		       (uint32_t)c->block[4 * i + 1] << 16 |
		       (uint32_t)c->block[4 * i + 2] << 8 |
		       (uint32_t)c->block[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			w[i - 15] >> 3) +
		       (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			w[i - 2] >> 10);
	memcpy(v, c->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] +
		     (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
		t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		c->h[i] += v[i];
}

static void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, iv, sizeof(iv));
	c->fill = 0;
	c->total = 0;
}

static void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->total += len;
	while (len) {
		size_t n = sizeof(c->block) - c->fill;

		if (n > len)
			n = len;
		memcpy(c->block + c->fill, p, n);
		c->fill += n;
		p += n;
		len -= n;
		if (c->fill == sizeof(c->block)) {
			sha256_block(c);
			c->fill = 0;
		}
	}
}

static void sha256_final(struct sha256 *c, uint8_t digest[32])
{
	uint64_t bits = c->total * 8;
	uint8_t pad[72] = { 0x80 };
	/* Pad to 56 mod 64, leaving room for the 64-bit length. */
	size_t padlen = (c->fill < 56 ? 56 : 120) - c->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		digest[4 * i] = (uint8_t)(c->h[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		digest[4 * i + 3] = (uint8_t)c->h[i];
	}
}

/* The Xen OUI, and the top bit libxl keeps clear in generated addresses. */
static void mac_from_bytes(const uint8_t r[3], uint8_t ret_mac[6])
{
	ret_mac[0] = 0x00;
	ret_mac[1] = 0x16;
	ret_mac[2] = 0x3e;
	ret_mac[3] = r[0] & 0x7f;
	ret_mac[4] = r[1];
	ret_mac[5] = r[2];
}

void mac_from_seed(const char *seed, uint8_t ret_mac[6])
{
	struct sha256 c;
	uint8_t digest[32];

	sha256_init(&c);
	sha256_update(&c, seed, strlen(seed));
	sha256_final(&c, digest);
	mac_from_bytes(digest, ret_mac);
}

int mac_random(uint8_t ret_mac[6])
{
	uint8_t r[3];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	mac_from_bytes(r, ret_mac);
	return 0;
}

int hostname_valid(const char *s)
{
	const char *label;
	size_t len;
	int all_digits = 1;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	if (len < 1 || len > 253)
		return -EINVAL;
	label = s;
	for (const char *p = s;; p++) {
		if (*p == '.' || !*p) {
			size_t n = (size_t)(p - label);

			if (n < 1 || n > 63 || label[0] == '-' || p[-1] == '-')
				return -EINVAL;
			if (!*p)
				break;
			label = p + 1;
			all_digits = 1;
			continue;
		}
		if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) && *p != '-'))
			return -EINVAL;
		if (!isdigit((unsigned char)*p))
			all_digits = 0;
	}
	/* An all-numeric top label would make "10.0.0.1" a host name. */
	if (all_digits)
		return -EINVAL;
	return 0;
}
