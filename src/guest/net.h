/*
 * net.h: parse, check and format the network values a guest is given:
 * IPv4 and IPv6 addresses and prefixes, MAC addresses (including Xen-style
 * generated ones) and host names. Parsers return >= 0 or -EINVAL and write ret_* only
 * on success; nothing prints.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>

/*
 * A strict dotted quad, "192.0.2.1": four decimal fields 0..255 without
 * leading zeros, signs, spaces or trailing text. Host byte order.
 */
int ipv4_parse(const char *s, uint32_t *ret_addr);
/* "10.0.0.5/24", or a plain address, for which *ret_prefix is -1. */
int ipv4_parse_cidr(const char *s, uint32_t *ret_addr, int *ret_prefix);
/* 255.255.255.0 -> 24; a mask whose one bits are not contiguous -> -EINVAL. */
int ipv4_netmask_prefix(uint32_t mask);
/* 24 -> 255.255.255.0; a prefix outside 0..32 is clamped to that range. */
uint32_t ipv4_prefix_mask(int prefix);
void ipv4_format(uint32_t addr, char buf[static 16]);

/* Room for inet_ntop()'s longest IPv6 text and its NUL. */
#define IPV6_TEXT_MAX 46

/*
 * An IPv6 address as inet_pton() reads it ("2001:db8::5", no zone, no
 * prefix). The unspecified address :: and multicast addresses (ff00::/8)
 * cannot name an interface or a gateway, so they are rejected.
 */
int ipv6_parse(const char *s, uint8_t ret_addr[16]);
/* "2001:db8::5/64": the prefix (1..128) is required. */
int ipv6_parse_cidr(const char *s, uint8_t ret_addr[16], int *ret_prefix);
/* The canonical text (RFC 5952, as inet_ntop() writes it). */
void ipv6_format(const uint8_t addr[16], char buf[static IPV6_TEXT_MAX]);

/*
 * "00:16:3e:aa:bb:cc" or "00-16-3E-AA-BB-CC" (one separator throughout,
 * either case). Multicast and all-zero addresses cannot name a guest's
 * interface, so they are rejected.
 */
int mac_parse(const char *s, uint8_t ret_mac[6]);
/* Lowercase, ':' separated. */
void mac_format(const uint8_t mac[6], char buf[static 18]);
/* 00:16:3e, the prefix Xen's own tools give the addresses they make. */
extern const uint8_t mac_xen_oui[3];
/*
 * A stable address for seed (say, the guest's host name): the Xen OUI
 * 00:16:3e followed by the first three bytes of SHA-256(seed), with the top
 * bit of the fourth byte cleared as Xen's own generator does.
 */
void mac_from_seed(const char *seed, uint8_t ret_mac[6]);
/*
 * As mac_from_seed(), after a prefix of len (1..5) bytes of one's own; the
 * bit is cleared only when the prefix is the Xen OUI. A unicast prefix
 * gives a unicast address.
 */
void mac_from_seed_prefix(const char *seed, const uint8_t *prefix,
			  size_t len, uint8_t ret_mac[6]);
/*
 * The first 1..5 bytes of a MAC address, "00:16:3e" (':' or '-', one
 * separator throughout, either case). Only the syntax is checked: a
 * caller refuses a multicast prefix (ret_prefix[0] & 1) with its own words.
 */
int mac_prefix_parse(const char *s, uint8_t ret_prefix[5], size_t *ret_len);
/* As mac_from_seed() but from getrandom(); 0 or -errno. */
int mac_random(uint8_t ret_mac[6]);

/*
 * 0 if s is an RFC 1123 host name: 1..253 characters, dot-separated labels
 * of 1..63 letters, digits and '-', no label starting or ending with '-',
 * no trailing dot, last label not all digits. Otherwise -EINVAL.
 */
int hostname_valid(const char *s);

/*
 * 0 if s may stand bare in an xl.cfg vif spec, as the bridge= and
 * vifname= values do: 1..max characters (max 0: any number) of letters,
 * digits, '_', '.', ':' and '-', not starting with '-'. xl splits a spec
 * at ',' and '=', and its hotplug scripts hand the values to ip(8) and
 * friends, so nothing else is safe there. Otherwise -EINVAL.
 */
int xl_name_valid(const char *s, size_t max);

#endif
