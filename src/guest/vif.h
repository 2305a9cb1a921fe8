/*
 * vif.h: a guest's network interfaces. One --vif SPEC (xl's vif syntax,
 * xl-network-configuration(5), plus ip=, ip6=, gateway=, gateway6= and
 * dhcp for the guest's side) becomes a struct nic; a nic gets its MAC and
 * is written back as the spec the xl.cfg lists. Nothing prints: a bad spec
 * is -EINVAL with one line in err.
 */
#ifndef VIF_H
#define VIF_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "strbuf.h"
#include "strvec.h"

struct guest_ip {
	uint32_t addr;
	int prefix;
	char text[24];		/* "10.0.2.50/24" */
	char addr_text[16];	/* "10.0.2.50" */
};

struct guest_ip6 {
	uint8_t addr[16];
	int prefix;
	char text[IPV6_TEXT_MAX + 4];	/* "2001:db8::5/64" */
	char addr_text[IPV6_TEXT_MAX];	/* "2001:db8::5" */
};

/* What a spec gave, so the primary's flags can tell what they may set. */
enum nic_set {
	NIC_SET_MAC = 1 << 0,
	NIC_SET_BRIDGE = 1 << 1,
	NIC_SET_VIFNAME = 1 << 2,
	NIC_SET_IP = 1 << 3,		/* ip= or dhcp */
	NIC_SET_GATEWAY = 1 << 4,
	NIC_SET_IP6 = 1 << 5,
	NIC_SET_GATEWAY6 = 1 << 6,
};

struct nic {
	unsigned set;			/* enum nic_set */
	int dhcp;			/* DHCPv4 */
	struct guest_ip *ips;
	size_t nips;
	struct guest_ip6 *ips6;
	size_t nips6;
	char gateway[16];		/* "" when none */
	char gateway6[IPV6_TEXT_MAX];
	uint8_t mac[6];
	char mac_text[18];		/* "" until the MAC is chosen */
	char *bridge, *vifname;		/* NULL: xl's default */
	/* xl's other keys as given ("model=e1000", "trusted"), in order. */
	struct strvec xl;
};

void nic_init(struct nic *n);
void nic_release(struct nic *n);

/*
 * Parse SPEC: comma-separated key=value items (spaces around them are
 * ignored) and the bare flags dhcp, trusted and untrusted. xl's keys:
 * mac, bridge, vifname, gatewaydev, type (ioemu|vif), model, script (a
 * name under /etc/xen/scripts), backend, rate (RATE/s[@INTERVAL]), mtu;
 * ours: ip=ADDR/PREFIX and ip6=ADDR/PREFIX (each may be repeated),
 * gateway=, gateway6=, dhcp. A spec without ip= is DHCP. Every value that
 * reaches the xl.cfg is made of [A-Za-z0-9_.:-] (rate adds its '/' and
 * '@'); vifname and gatewaydev are at most 15 characters. devid is not
 * taken: the NICs are numbered in the order given. ret is initialised
 * here and written only on success; err gets "unknown key 'x'" and such.
 */
int nic_parse(const char *spec, struct nic *ret, struct strbuf *err);

/* One more IPv6 address, "ADDR/PREFIX", for --ip6. */
int nic_add_ip6(struct nic *n, const char *text, struct strbuf *err);

/*
 * What a complete interface may not be: a gateway without a static
 * address (DHCP brings its own). A gateway6 needs no ip6=: SLAAC gives the
 * link its address. 0 or -EINVAL with err.
 */
int nic_check(const struct nic *n, struct strbuf *err);

/*
 * The text n's derived MAC is made from: base ("HOST|CODENAME"), then
 * "|ADDR/PREFIX" for each IPv4 and IPv6 address, then "|vifN" for the
 * N-th interface after the primary (index 0 adds nothing, so a guest with
 * one NIC keeps the MAC it always had).
 */
void nic_mac_seed(const struct nic *n, const char *base, size_t index,
		  struct strbuf *out);

/*
 * The spec the xl.cfg lists for n: "mac=M, bridge=B, vifname=V, <xl's
 * other keys>, ip=A B" (ip= names the IPv4 addresses, for vif-route and
 * the anti-spoofing rules of dom0's hotplug scripts).
 */
void nic_xl_spec(const struct nic *n, struct strbuf *out);

#endif
