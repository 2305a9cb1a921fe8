/*
 * fuzz-net.c: IPv4 addresses and prefixes, MAC addresses and prefixes,
 * host names and xl names (net.h). What parses must format to text that
 * parses to the same value.
 */
#include "fuzz.h"
#include "net.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint32_t addr, again;
	uint8_t mac[6], mac2[6], prefix[5];
	size_t len;
	char ip[16], m[18];
	int plen;

	if (!ipv4_parse(s, &addr)) {
		ipv4_format(addr, ip);
		FUZZ_ASSERT(!strcmp(ip, s));
	}
	if (!ipv4_parse_cidr(s, &addr, &plen)) {
		FUZZ_ASSERT(plen >= -1 && plen <= 32);
		ipv4_format(addr, ip);
		FUZZ_ASSERT(!ipv4_parse(ip, &again) && again == addr);
		if (plen >= 0)
			FUZZ_ASSERT(ipv4_netmask_prefix(
					ipv4_prefix_mask(plen)) == plen);
	}
	if (!mac_parse(s, mac)) {
		mac_format(mac, m);
		FUZZ_ASSERT(!mac_parse(m, mac2) && !memcmp(mac, mac2, 6));
	}
	if (!mac_prefix_parse(s, prefix, &len)) {
		FUZZ_ASSERT(len >= 1 && len <= 5);
		if (!(prefix[0] & 1)) {
			mac_from_seed_prefix(s, prefix, len, mac);
			FUZZ_ASSERT(!memcmp(mac, prefix, len));
		}
	}
	if (!hostname_valid(s))
		FUZZ_ASSERT(strlen(s) >= 1 && strlen(s) <= 253);
	(void)xl_name_valid(s, 15);
	free(s);
	return 0;
}
