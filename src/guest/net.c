/* net.c: see net.h. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>

#include "net.h"
#include "sha256.h"
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

int ipv6_parse(const char *s, uint8_t ret_addr[16])
{
	uint8_t a[16];
	static const uint8_t zero[16];

	/* inet_pton() takes no zone ("%eth0"), prefix or spaces. */
	if (!s || inet_pton(AF_INET6, s, a) != 1)
		return -EINVAL;
	if (a[0] == 0xff || !memcmp(a, zero, 16))
		return -EINVAL;
	memcpy(ret_addr, a, 16);
	return 0;
}

int ipv6_parse_cidr(const char *s, uint8_t ret_addr[16], int *ret_prefix)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char text[IPV6_TEXT_MAX];
	const char *end;
	unsigned prefix;
	uint8_t a[16];

	if (!slash || (size_t)(slash - s) >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, (size_t)(slash - s));
	text[slash - s] = '\0';
	if (ipv6_parse(text, a) < 0 ||
	    parse_dec(slash + 1, 3, 128, &prefix, &end) < 0 || *end ||
	    prefix == 0)
		return -EINVAL;
	memcpy(ret_addr, a, 16);
	*ret_prefix = (int)prefix;
	return 0;
}

void ipv6_format(const uint8_t addr[16], char buf[static IPV6_TEXT_MAX])
{
	if (!inet_ntop(AF_INET6, addr, buf, IPV6_TEXT_MAX))
		buf[0] = '\0';
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

const uint8_t mac_xen_oui[3] = { 0x00, 0x16, 0x3e };

/*
 * prefix, then as many of bytes as fit. After the Xen OUI the top bit of
 * the fourth byte stays clear, as libxl keeps it in the addresses it makes.
 */
static void mac_from_bytes(const uint8_t *prefix, size_t len,
			   const uint8_t *bytes, uint8_t ret_mac[6])
{
	memcpy(ret_mac, prefix, len);
	memcpy(ret_mac + len, bytes, 6 - len);
	if (len == 3 && !memcmp(prefix, mac_xen_oui, 3))
		ret_mac[3] &= 0x7f;
}

void mac_from_seed_prefix(const char *seed, const uint8_t *prefix,
			  size_t len, uint8_t ret_mac[6])
{
	unsigned char digest[SHA256_SIZE];

	sha256_digest(seed, strlen(seed), digest);
	mac_from_bytes(prefix, len, digest, ret_mac);
}

void mac_from_seed(const char *seed, uint8_t ret_mac[6])
{
	mac_from_seed_prefix(seed, mac_xen_oui, 3, ret_mac);
}

int mac_prefix_parse(const char *s, uint8_t ret_prefix[5], size_t *ret_len)
{
	uint8_t prefix[5];
	size_t n = 0;
	char sep = 0;

	if (!s)
		return -EINVAL;
	for (const char *p = s;; p += 3) {
		int hi = hexval((unsigned char)p[0]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)p[1]);

		if (lo < 0 || n == 5)
			return -EINVAL;
		prefix[n++] = (uint8_t)(hi << 4 | lo);
		if (!p[2])
			break;
		if (!sep && (p[2] == ':' || p[2] == '-'))
			sep = p[2];
		if (p[2] != sep)
			return -EINVAL;
	}
	memcpy(ret_prefix, prefix, n);
	*ret_len = n;
	return 0;
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
	mac_from_bytes(mac_xen_oui, 3, r, ret_mac);
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

int xl_name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || (max && n > max) || s[0] == '-')
		return -EINVAL;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.:-") == n ? 0 : -EINVAL;
}
