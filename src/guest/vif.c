/* vif.c: see vif.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parse.h"
#include "vif.h"
#include "banned.h"

void nic_init(struct nic *n)
{
	memset(n, 0, sizeof(*n));
	strvec_init(&n->xl);
}

void nic_release(struct nic *n)
{
	free(n->ips);
	free(n->ips6);
	free(n->bridge);
	free(n->vifname);
	strvec_clear(&n->xl);
	nic_init(n);
}

/* "10Mb/s", "250KB/s", "1MB/s@20ms": xl's rate, and nothing else. */
static int rate_valid(const char *s)
{
	static const char *const units[] = { "GB", "MB", "KB", "B",
					     "Gb", "Mb", "Kb", "b" };
	static const char *const intervals[] = { "ms", "us", "s" };
	size_t n = strspn(s, "0123456789");
	size_t i;

	if (!n)
		return -EINVAL;
	s += n;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strncmp(s, units[i], strlen(units[i])) &&
		    !strncmp(s + strlen(units[i]), "/s", 2))
			break;
	if (i == ARRAY_SIZE(units))
		return -EINVAL;
	s += strlen(units[i]) + 2;
	if (!*s)
		return 0;
	if (*s++ != '@' || !(n = strspn(s, "0123456789")))
		return -EINVAL;
	s += n;
	for (i = 0; i < ARRAY_SIZE(intervals); i++)
		if (!strcmp(s, intervals[i]))
			return 0;
	return -EINVAL;
}

static int add_ip(struct nic *n, const char *v, struct strbuf *err)
{
	struct guest_ip ip;

	if (ipv4_parse_cidr(v, &ip.addr, &ip.prefix) < 0 || ip.prefix <= 0) {
		strbuf_addf(err, "invalid IPv4 address 'ip=%s' (want "
			    "ADDR/PREFIX)", v);
		return -EINVAL;
	}
	ipv4_format(ip.addr, ip.addr_text);
	snprintf(ip.text, sizeof(ip.text), "%s/%d", ip.addr_text, ip.prefix);
	n->ips = xrealloc(n->ips, (n->nips + 1) * sizeof(*n->ips));
	n->ips[n->nips++] = ip;
	return 0;
}

int nic_add_ip6(struct nic *n, const char *v, struct strbuf *err)
{
	struct guest_ip6 ip;

	if (ipv6_parse_cidr(v, ip.addr, &ip.prefix) < 0) {
		strbuf_addf(err, "invalid IPv6 address 'ip6=%s' (want "
			    "ADDR/PREFIX)", v);
		return -EINVAL;
	}
	ipv6_format(ip.addr, ip.addr_text);
	snprintf(ip.text, sizeof(ip.text), "%s/%d", ip.addr_text, ip.prefix);
	n->ips6 = xrealloc(n->ips6, (n->nips6 + 1) * sizeof(*n->ips6));
	n->ips6[n->nips6++] = ip;
	return 0;
}

/* One key=value (value NULL for a bare flag) of a spec into n. */
static int parse_item(struct nic *n, const char *key, const char *v,
		      struct strbuf *err)
{
	enum kind { FLAG, NAME, NAME15, MAC, TYPE, RATE, MTU, IP, IP6, GW,
		    GW6 };
	static const struct {
		const char *key;
		enum kind kind;
		unsigned set;		/* enum nic_set; 0: one of xl's */
	} keys[] = {
		{ "backend", NAME, 0 },		{ "bridge", NAME, NIC_SET_BRIDGE },
		{ "dhcp", FLAG, NIC_SET_IP },	{ "gateway", GW, NIC_SET_GATEWAY },
		{ "gateway6", GW6, NIC_SET_GATEWAY6 },
		{ "gatewaydev", NAME15, 0 },	{ "ip", IP, NIC_SET_IP },
		{ "ip6", IP6, NIC_SET_IP6 },	{ "mac", MAC, NIC_SET_MAC },
		{ "model", NAME, 0 },		{ "mtu", MTU, 0 },
		{ "rate", RATE, 0 },		{ "script", NAME, 0 },
		{ "trusted", FLAG, 0 },		{ "type", TYPE, 0 },
		{ "untrusted", FLAG, 0 },	{ "vifname", NAME15, NIC_SET_VIFNAME },
	};
	unsigned long mtu;
	uint32_t a4;
	uint8_t a6[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].key, key))
			break;
	if (i == ARRAY_SIZE(keys)) {
		strbuf_addstr(err, "unknown key '");
		strbuf_add_escaped(err, key);
		strbuf_addch(err, '\'');
		return -EINVAL;
	}
	if ((keys[i].kind == FLAG) != !v) {
		strbuf_addf(err, keys[i].kind == FLAG ? "'%s' takes no value" :
			    "'%s' needs a value (%s=...)", key, key);
		return -EINVAL;
	}
	/* ip= and ip6= add an address each time; the rest are said once. */
	if (keys[i].kind != IP && keys[i].kind != IP6) {
		size_t len = strlen(key);
		int twice = (keys[i].set & ~NIC_SET_IP) &&
			    (n->set & keys[i].set);

		for (size_t j = 0; !twice && j < n->xl.nr; j++)
			twice = !strncmp(n->xl.v[j], key, len) &&
				(!n->xl.v[j][len] || n->xl.v[j][len] == '=');
		if (twice || (keys[i].kind == FLAG && n->dhcp &&
			      !strcmp(key, "dhcp"))) {
			strbuf_addf(err, "'%s' given twice", key);
			return -EINVAL;
		}
	}
	switch (keys[i].kind) {
	case FLAG:
		if (keys[i].set)
			n->dhcp = 1;
		else
			strvec_push(&n->xl, key);
		break;
	case NAME:
	case NAME15:
		if (xl_name_valid(v, keys[i].kind == NAME15 ? 15 : 0) < 0) {
			strbuf_addf(err, "invalid %s '%s' (want %sletters, "
				    "digits, '_', '.', ':' and '-', not "
				    "starting with '-')", key, v,
				    keys[i].kind == NAME15 ? "at most 15 " : "");
			return -EINVAL;
		}
		if (keys[i].set == NIC_SET_BRIDGE)
			n->bridge = xstrdup(v);
		else if (keys[i].set == NIC_SET_VIFNAME)
			n->vifname = xstrdup(v);
		else
			strvec_pushf(&n->xl, "%s=%s", key, v);
		break;
	case MAC:
		if (mac_parse(v, n->mac) < 0) {
			strbuf_addf(err, "invalid MAC address '%s' (want a "
				    "unicast xx:xx:xx:xx:xx:xx)", v);
			return -EINVAL;
		}
		mac_format(n->mac, n->mac_text);
		break;
	case TYPE:
		if (strcmp(v, "ioemu") && strcmp(v, "vif")) {
			strbuf_addf(err, "invalid type '%s' (want 'vif' or "
				    "'ioemu')", v);
			return -EINVAL;
		}
		strvec_pushf(&n->xl, "type=%s", v);
		break;
	case RATE:
		if (rate_valid(v) < 0) {
			strbuf_addf(err, "invalid rate '%s' (want RATE/s or "
				    "RATE/s@INTERVAL, as '10Mb/s')", v);
			return -EINVAL;
		}
		strvec_pushf(&n->xl, "rate=%s", v);
		break;
	case MTU:
		if (parse_uint(v, 65535, &mtu) < 0 || mtu < 68) {
			strbuf_addf(err, "invalid mtu '%s' (want 68 to 65535)",
				    v);
			return -EINVAL;
		}
		strvec_pushf(&n->xl, "mtu=%lu", mtu);
		break;
	case IP:
		if (add_ip(n, v, err) < 0)
			return -EINVAL;
		break;
	case IP6:
		if (nic_add_ip6(n, v, err) < 0)
			return -EINVAL;
		break;
	case GW:
		if (ipv4_parse(v, &a4) < 0) {
			strbuf_addf(err, "invalid IPv4 address 'gateway=%s'",
				    v);
			return -EINVAL;
		}
		ipv4_format(a4, n->gateway);
		break;
	case GW6:
		if (ipv6_parse(v, a6) < 0) {
			strbuf_addf(err, "invalid IPv6 address 'gateway6=%s'",
				    v);
			return -EINVAL;
		}
		ipv6_format(a6, n->gateway6);
		break;
	}
	n->set |= keys[i].set;
	return 0;
}

int nic_parse(const char *spec, struct nic *ret, struct strbuf *err)
{
	struct strvec items = STRVEC_INIT;
	struct strbuf item = STRBUF_INIT;
	struct nic n;
	int r = 0;

	nic_init(&n);
	strvec_split(&items, spec, ",");
	for (size_t i = 0; r >= 0 && i < items.nr; i++) {
		char *eq;

		strbuf_reset(&item);
		strbuf_addstr(&item, items.v[i]);
		strbuf_trim(&item);
		if (!item.len)
			continue;
		eq = strchr(item.buf, '=');
		if (eq) {
			*eq = '\0';
			r = parse_item(&n, item.buf, eq + 1, err);
		} else {
			r = parse_item(&n, item.buf, NULL, err);
		}
	}
	if (r >= 0 && n.dhcp && n.nips) {
		strbuf_addstr(err, "'dhcp' cannot be combined with 'ip='");
		r = -EINVAL;
	}
	if (r >= 0 && !n.nips)
		n.dhcp = 1;
	strbuf_release(&item);
	strvec_clear(&items);
	if (r < 0) {
		nic_release(&n);
		return r;
	}
	*ret = n;
	return 0;
}

int nic_check(const struct nic *n, struct strbuf *err)
{
	if (n->dhcp && n->gateway[0]) {
		strbuf_addf(err, "gateway %s needs a static IPv4 address, "
			    "not DHCP", n->gateway);
		return -EINVAL;
	}
	return 0;
}

void nic_mac_seed(const struct nic *n, const char *base, size_t index,
		  struct strbuf *out)
{
	strbuf_addstr(out, base);
	for (size_t i = 0; i < n->nips; i++)
		strbuf_addf(out, "|%s", n->ips[i].text);
	for (size_t i = 0; i < n->nips6; i++)
		strbuf_addf(out, "|%s", n->ips6[i].text);
	if (index)
		strbuf_addf(out, "|vif%zu", index);
}

void nic_xl_spec(const struct nic *n, struct strbuf *out)
{
	strbuf_addf(out, "mac=%s", n->mac_text);
	if (n->bridge)
		strbuf_addf(out, ", bridge=%s", n->bridge);
	if (n->vifname)
		strbuf_addf(out, ", vifname=%s", n->vifname);
	for (size_t i = 0; i < n->xl.nr; i++)
		strbuf_addf(out, ", %s", n->xl.v[i]);
	if (n->nips) {
		strbuf_addstr(out, ", ip=");
		for (size_t i = 0; i < n->nips; i++)
			strbuf_addf(out, "%s%s", i ? " " : "",
				    n->ips[i].addr_text);
	}
}
