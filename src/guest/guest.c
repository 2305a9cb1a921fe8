/* guest.c: see guest.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <arpa/inet.h>

#include "base.h"
#include "export-format.h"
#include "fsutil.h"
#include "guest.h"
#include "host-apt.h"
#include "install-archive.h"
#include "macros.h"
#include "net.h"
#include "parse.h"
#include "paths.h"
#include "parttable.h"
#include "sshkey.h"
#include "storage.h"
#include "banned.h"

#define SWAP(a, b)                                                       \
	do {                                                             \
		__typeof__(a) swap_ = (a);                               \
		(a) = (b);                                               \
		(b) = swap_;                                             \
	} while (0)

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

const char *host_arch(void)
{
	static const struct {
		const char *machine, *arch;
	} map[] = {
		{ "x86_64", "amd64" },	{ "aarch64", "arm64" },
		{ "i686", "i386" },	{ "i586", "i386" },
		{ "armv7l", "armhf" },	{ "ppc64le", "ppc64el" },
		{ "s390x", "s390x" },	{ "riscv64", "riscv64" },
	};
	static struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i].machine))
			return map[i].arch;
	return u.machine;
}

void guest_release(struct guest *g)
{
	free(g->hostname);
	free(g->export_path);
	distro_release(&g->distro);
	free(g->arch);
	free(g->mirror);
	free(g->keyring);
	free(g->apt_proxy);
	free(g->security_mirror);
	free(g->guest_mirror);
	free(g->guest_security_mirror);
	free(g->dir);
	free(g->guest_dir);
	free(g->kernel_dir);
	free(g->output);
	free(g->cfg_path);
	free(g->cachedir);
	free(g->hooks_dir);
	free(g->roledir);
	free(g->skel);
	free(g->template_path);
	free(g->fs);
	free(g->fs_options);
	free(g->vg);
	free(g->thin_pool);
	free(g->disk_device);
	free(g->serial_device);
	free(g->modules);
	free(g->image_dev);
	free(g->swap_dev);
	partitions_release(&g->parts);
	free(g->partitions_file);
	free(g->install_source);
	free(g->install_sha256);
	free(g->ips);
	strvec_clear(&g->nameservers);
	free(g->bridge);
	free(g->vifname);
	for (size_t i = 0; i < g->nnics; i++)
		nic_release(&g->nics[i]);
	free(g->nics);
	free(g->pvgrub);
	free(g->vnclisten);
	free(g->iso);
	free(g->kernel);
	free(g->initrd);
	if (g->password)
		secret_free(g->password);
	strvec_clear(&g->roles);
	strvec_clear(&g->final_roles);
	strvec_clear(&g->role_args);
	strvec_clear(&g->settings_env);
	strvec_clear(&g->ssh_keys);
	strvec_clear(&g->admins);
	memset(g, 0, sizeof(*g));
}

/* "origin: message" into err; always -EINVAL. */
static int bad(struct strbuf *err, const struct config *c, enum opt_id id,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bad(struct strbuf *err, const struct config *c, enum opt_id id,
	       const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	/* A setting nobody gave is named by its flag. */
	if (config_is_set(c, id))
		strbuf_addf(err, "%s: ", config_origin(c, id));
	else
		strbuf_addf(err, "--%s: ", option_defs[id].name);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* The values quoted in it came from the user: one line. */
	strbuf_add_escaped(err, msg.buf);
	strbuf_release(&msg);
	return -EINVAL;
}

/*
 * The most memory a domain can be given: Xen counts a domain's pages of
 * 4 KiB in 32 bits and cuts a larger maximum short without a word, and
 * libxl adds 1 MiB of its own to what the xl.cfg asks for.
 */
#define XEN_MEMORY_MAX ((16ULL << 40) - (2ULL << 20))
/* qemu-img's qcow2 files, with their default 64 KiB clusters. */
#define QCOW2_SIZE_MAX (2ULL << 50)

/* Where a setting came from, as bad() names it. */
static const char *origin_of(const struct config *c, enum opt_id id,
			     struct strbuf *sb)
{
	strbuf_reset(sb);
	if (config_is_set(c, id))
		strbuf_addstr(sb, config_origin(c, id));
	else
		strbuf_addf(sb, "--%s", option_defs[id].name);
	return sb->buf;
}

/* A size from min to max; what says what max is ("a disk can hold"). */
static int get_size(const struct config *c, enum opt_id id, uint64_t min,
		    uint64_t max, const char *what, uint64_t *ret,
		    struct strbuf *err)
{
	const char *v = config_get(c, id);
	uint64_t bytes;
	char m[32];

	if (!v || !*v) {
		*ret = 0;
		return 0;
	}
	if (parse_size(v, &bytes) < 0)
		return bad(err, c, id, "invalid size '%s' for '%s'", v,
			   option_defs[id].name);
	if (bytes < min) {
		format_size(min, m, sizeof(m));
		return bad(err, c, id, "'%s' is %s, at least %s is needed",
			   option_defs[id].name, v, m);
	}
	if (bytes > max) {
		format_size(max, m, sizeof(m));
		return bad(err, c, id, "'%s' is %s, more than %s (at most %s)",
			   option_defs[id].name, v, what, m);
	}
	*ret = bytes;
	return 0;
}

static int get_bool(const struct config *c, enum opt_id id)
{
	const char *v = config_get(c, id);
	int b = 0;

	/* Values were checked as they were read. */
	if (v)
		(void)parse_bool(v, &b);
	return b;
}

/* A path from a setting must be absolute: guests are built as root and a
 * relative path would depend on where the command was typed. */
static int get_abs_path(const struct config *c, enum opt_id id, char **ret,
			struct strbuf *err)
{
	const char *v = config_get(c, id);

	if (!v || !*v) {
		*ret = NULL;
		return 0;
	}
	if (v[0] != '/')
		return bad(err, c, id, "'%s' must be an absolute path, not "
			   "'%s'", option_defs[id].name, v);
	/* Paths end up quoted in the xl.cfg and in hook environments. */
	for (const char *p = v; *p; p++)
		if (*p == '\'' || *p == '"' || *p == '\\' ||
		    (unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(err, c, id, "'%s' may not contain quotes, "
				   "backslashes or control characters",
				   option_defs[id].name);
	*ret = strdup(v);
	return 0;
}

static int check_ipv4(const struct config *c, enum opt_id id, char out[16],
		      struct strbuf *err)
{
	const char *v = config_get(c, id);
	uint32_t a;

	out[0] = '\0';
	if (!v || !*v)
		return 0;
	if (ipv4_parse(v, &a) < 0)
		return bad(err, c, id, "invalid IPv4 address '%s' for '%s'", v,
			   option_defs[id].name);
	ipv4_format(a, out);
	return 0;
}

/* The highest layer any of ids was set in, or -1 when none was. */
static int layer_of(const struct config *c, const enum opt_id *ids, size_t n)
{
	int layer = -1;

	for (size_t i = 0; i < n; i++)
		if (config_is_set(c, ids[i]) && (int)c->v[ids[i]].layer > layer)
			layer = (int)c->v[ids[i]].layer;
	return layer;
}

/*
 * The primary interface as the single-NIC flags describe it (--ip, --dhcp,
 * --netmask, --broadcast, --gateway, --ip6, --gateway6, --mac, --bridge,
 * --vifname), and what they set: f->set.
 */
static int nic_from_flags(const struct config *c, struct guest *g,
			  struct nic *f, int *ret_mask_prefix,
			  struct strbuf *err)
{
	const struct strvec *ips = config_get_list(c, O_IP);
	const struct strvec *ips6 = config_get_list(c, O_IP6);
	const char *mask = config_get(c, O_NETMASK);
	const char *gw6 = config_get(c, O_GATEWAY6);
	int mask_prefix = -1;
	int r;

	/* dhcp's built-in "1" means "unless --ip": addresses from any layer
	 * make the guest static unless a layer set dhcp itself (setting one
	 * already replaces the other from lower layers). */
	if (ips->nr && !config_is_set(c, O_DHCP))
		f->dhcp = 0;
	else
		f->dhcp = get_bool(c, O_DHCP);
	if (mask && *mask) {
		uint32_t m;

		if (ipv4_parse(mask, &m) < 0 ||
		    (mask_prefix = ipv4_netmask_prefix(m)) < 0)
			return bad(err, c, O_NETMASK, "invalid netmask '%s'",
				   mask);
	}
	if (ips->nr)
		f->ips = xcalloc(ips->nr, sizeof(*f->ips));
	for (size_t i = 0; i < ips->nr; i++) {
		struct guest_ip *ip = &f->ips[i];

		if (ipv4_parse_cidr(ips->v[i], &ip->addr, &ip->prefix) < 0 ||
		    ip->prefix == 0)
			return bad(err, c, O_IP, "invalid IPv4 address '%s'",
				   ips->v[i]);
		if (ip->prefix < 0)
			ip->prefix = mask_prefix;
		if (ip->prefix < 0)
			return bad(err, c, O_IP,
				   "'%s' has no prefix length: give "
				   "--netmask or ADDR/PREFIX", ips->v[i]);
		ipv4_format(ip->addr, ip->addr_text);
		snprintf(ip->text, sizeof(ip->text), "%s/%d", ip->addr_text,
			 ip->prefix);
		f->nips++;
	}
	if (ips->nr || config_is_set(c, O_DHCP) || mask_prefix >= 0 ||
	    (config_get(c, O_BROADCAST) && *config_get(c, O_BROADCAST)) ||
	    (config_get(c, O_P2P) && *config_get(c, O_P2P)))
		f->set |= NIC_SET_IP;
	r = check_ipv4(c, O_GATEWAY, f->gateway, err);
	if (r < 0)
		return r;
	if (f->gateway[0])
		f->set |= NIC_SET_GATEWAY;
	r = check_ipv4(c, O_BROADCAST, g->broadcast, err);
	if (r >= 0)
		r = check_ipv4(c, O_P2P, g->p2p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ips6->nr; i++) {
		struct strbuf why = STRBUF_INIT;

		r = nic_add_ip6(f, ips6->v[i], &why);
		strbuf_release(&why);
		if (r < 0)
			return bad(err, c, O_IP6, "invalid IPv6 address '%s' "
				   "(want ADDR/PREFIX)", ips6->v[i]);
		f->set |= NIC_SET_IP6;
	}
	if (gw6 && *gw6) {
		uint8_t a[16];

		if (ipv6_parse(gw6, a) < 0)
			return bad(err, c, O_GATEWAY6, "invalid IPv6 address "
				   "'%s' for 'gateway6'", gw6);
		ipv6_format(a, f->gateway6);
		f->set |= NIC_SET_GATEWAY6;
	}
	if (config_get(c, O_MAC) && *config_get(c, O_MAC)) {
		if (mac_parse(config_get(c, O_MAC), f->mac) < 0)
			return bad(err, c, O_MAC, "invalid MAC address '%s' "
				   "(want a unicast xx:xx:xx:xx:xx:xx)",
				   config_get(c, O_MAC));
		mac_format(f->mac, f->mac_text);
		f->set |= NIC_SET_MAC;
	}
	f->bridge = dup_or_null(config_get(c, O_BRIDGE));
	f->vifname = dup_or_null(config_get(c, O_VIFNAME));
	/* Both go into the xl.cfg's vif spec as they are. */
	if (f->bridge && xl_name_valid(f->bridge, 0) < 0)
		return bad(err, c, O_BRIDGE, "invalid bridge name '%s' (want "
			   "letters, digits, '_', '.', ':' and '-', not "
			   "starting with '-')", f->bridge);
	/* An interface name: at most IFNAMSIZ - 1 characters. */
	if (f->vifname && xl_name_valid(f->vifname, 15) < 0)
		return bad(err, c, O_VIFNAME, "invalid interface name '%s' "
			   "(want at most 15 letters, digits, '_', '.', ':' "
			   "and '-', not starting with '-')", f->vifname);
	if (f->bridge)
		f->set |= NIC_SET_BRIDGE;
	if (f->vifname)
		f->set |= NIC_SET_VIFNAME;
	*ret_mask_prefix = mask_prefix;
	return 0;
}

/* The flags of each part of the primary a --vif spec may set too. */
static const struct {
	unsigned set;			/* enum nic_set */
	enum opt_id ids[5];
	size_t nids;
	const char *key;		/* as the spec says it */
} primary_parts[] = {
	{ NIC_SET_MAC, { O_MAC }, 1, "mac=" },
	{ NIC_SET_BRIDGE, { O_BRIDGE }, 1, "bridge=" },
	{ NIC_SET_VIFNAME, { O_VIFNAME }, 1, "vifname=" },
	{ NIC_SET_IP, { O_IP, O_DHCP, O_NETMASK, O_BROADCAST, O_P2P }, 5,
	  "ip= or dhcp" },
	{ NIC_SET_GATEWAY, { O_GATEWAY }, 1, "gateway=" },
	{ NIC_SET_IP6, { O_IP6 }, 1, "ip6=" },
	{ NIC_SET_GATEWAY6, { O_GATEWAY6 }, 1, "gateway6=" },
};

/* Move part `set` of the primary from src to dst. */
static void nic_take(struct nic *dst, struct nic *src, unsigned set)
{
	switch (set) {
	case NIC_SET_MAC:
		memcpy(dst->mac, src->mac, 6);
		memcpy(dst->mac_text, src->mac_text, sizeof(dst->mac_text));
		break;
	case NIC_SET_BRIDGE:
		SWAP(dst->bridge, src->bridge);
		break;
	case NIC_SET_VIFNAME:
		SWAP(dst->vifname, src->vifname);
		break;
	case NIC_SET_IP:
		SWAP(dst->ips, src->ips);
		SWAP(dst->nips, src->nips);
		dst->dhcp = src->dhcp;
		break;
	case NIC_SET_GATEWAY:
		memcpy(dst->gateway, src->gateway, sizeof(dst->gateway));
		break;
	case NIC_SET_IP6:
		SWAP(dst->ips6, src->ips6);
		SWAP(dst->nips6, src->nips6);
		break;
	case NIC_SET_GATEWAY6:
		memcpy(dst->gateway6, src->gateway6, sizeof(dst->gateway6));
		break;
	}
	dst->set |= set;
}

/*
 * The first --vif is the primary, and the single-NIC flags still apply to
 * it. Where both set one part (its addresses, its MAC, ...), the higher
 * configuration layer wins, as between any two settings; in one layer
 * that is an error naming both. *ret_flags_ip: the IPv4 side came from
 * the flags.
 */
static int merge_primary(const struct config *c, struct nic *vif,
			 struct nic *f, int *ret_flags_ip, struct strbuf *err)
{
	int vif_layer = (int)c->v[O_VIF].layer;

	*ret_flags_ip = !(vif->set & NIC_SET_IP);
	for (size_t i = 0; i < ARRAY_SIZE(primary_parts); i++) {
		unsigned part = primary_parts[i].set;
		int layer;

		if (!(f->set & part))
			continue;
		layer = layer_of(c, primary_parts[i].ids,
				 primary_parts[i].nids);
		if ((vif->set & part) && layer == vif_layer) {
			enum opt_id id = primary_parts[i].ids[0];

			for (size_t j = 0; j < primary_parts[i].nids; j++)
				if (config_is_set(c, primary_parts[i].ids[j]) &&
				    (int)c->v[primary_parts[i].ids[j]].layer ==
					    layer) {
					id = primary_parts[i].ids[j];
					break;
				}
			return bad(err, c, O_VIF, "the first vif gives %s and "
				   "'%s' (%s) sets that too: give it once",
				   primary_parts[i].key, option_defs[id].name,
				   config_origin(c, id));
		}
		if ((vif->set & part) && layer < vif_layer)
			continue;
		nic_take(vif, f, part);
		if (part == NIC_SET_IP)
			*ret_flags_ip = 1;
	}
	return 0;
}

/* --vlan=N: the primary joins VLAN N of its bridge (BRIDGE.N). */
static int apply_vlan(const struct config *c, struct nic *n,
		      struct strbuf *err)
{
	const char *v = config_get(c, O_VLAN);
	struct strbuf sb = STRBUF_INIT;
	unsigned long vlan;

	if (!v || !*v)
		return 0;
	if (parse_uint(v, 4094, &vlan) < 0 || vlan == 0)
		return bad(err, c, O_VLAN, "invalid VLAN '%s' (want 1 to "
			   "4094)", v);
	if (n->bridge && strchr(n->bridge, '.'))
		return bad(err, c, O_VLAN, "bridge '%s' names a VLAN "
			   "already", n->bridge);
	strbuf_addf(&sb, "%s.%lu", n->bridge ? n->bridge : "xenbr0", vlan);
	free(n->bridge);
	n->bridge = strbuf_detach(&sb, NULL);
	return 0;
}

/* Each interface's MAC: given, random, or derived from the guest. */
static int choose_macs(const struct config *c, struct guest *g,
		       struct strbuf *err)
{
	struct strbuf base = STRBUF_INIT, seed = STRBUF_INIT;
	int random = get_bool(c, O_RANDOMMAC);
	int r = 0;

	for (size_t i = 0; i < g->nnics; i++)
		for (size_t j = 0; j < i; j++)
			if ((g->nics[i].set & NIC_SET_MAC) &&
			    (g->nics[j].set & NIC_SET_MAC) &&
			    !memcmp(g->nics[i].mac, g->nics[j].mac, 6))
				return bad(err, c, O_VIF, "duplicate MAC '%s' "
					   "(interfaces %zu and %zu)",
					   g->nics[i].mac_text, j + 1, i + 1);
	strbuf_addf(&base, "%s|%s", g->hostname, g->distro.codename);
	for (size_t i = 0; r >= 0 && i < g->nnics; i++) {
		struct nic *n = &g->nics[i];

		if (n->set & NIC_SET_MAC)
			continue;
		for (unsigned again = 0;; again++) {
			int taken = 0;

			if (random) {
				r = mac_random(n->mac);
				if (r < 0)
					break;
			} else {
				/* Stable across rebuilds of the same guest,
				 * so DHCP reservations and firewall rules
				 * keep matching. */
				strbuf_reset(&seed);
				nic_mac_seed(n, base.buf, i, &seed);
				if (again)
					strbuf_addf(&seed, "|%u", again);
				mac_from_seed(seed.buf, n->mac);
			}
			for (size_t j = 0; j < g->nnics; j++)
				if (j != i && (j < i || (g->nics[j].set &
							 NIC_SET_MAC)) &&
				    !memcmp(n->mac, g->nics[j].mac, 6))
					taken = 1;
			if (!taken)
				break;
		}
		mac_format(n->mac, n->mac_text);
	}
	strbuf_release(&base);
	strbuf_release(&seed);
	return r;
}

/* At most one default gateway of each kind, over every interface. */
static int check_gateways(const struct config *c, const struct guest *g,
			  struct strbuf *err)
{
	size_t gw = 0, gw6 = 0;

	for (size_t i = 0; i < g->nnics; i++) {
		if (g->nics[i].gateway[0] && gw++)
			return bad(err, c, O_VIF, "two default gateways: %s "
				   "on interface %zu and another before it",
				   g->nics[i].gateway, i + 1);
		if (g->nics[i].gateway6[0] && gw6++)
			return bad(err, c, O_VIF, "two IPv6 default gateways: "
				   "%s on interface %zu and another before it",
				   g->nics[i].gateway6, i + 1);
	}
	return 0;
}

/* With --noipv6 nothing may ask for IPv6. */
static int check_noipv6(const struct config *c, const struct guest *g,
			struct strbuf *err)
{
	for (size_t i = 0; i < g->nnics; i++) {
		const struct nic *n = &g->nics[i];
		enum opt_id id;

		if (!n->nips6 && !n->gateway6[0])
			continue;
		/* Name the flag when the primary's value came from it. */
		if (i == 0 && n->nips6 && config_get_list(c, O_IP6)->nr)
			id = O_IP6;
		else if (i == 0 && !n->nips6 && config_get(c, O_GATEWAY6) &&
			 *config_get(c, O_GATEWAY6))
			id = O_GATEWAY6;
		else
			id = O_VIF;
		return bad(err, c, id, "IPv6 is off (%s): no IPv6 address "
			   "or gateway may be given", config_origin(c, O_IPV6));
	}
	for (size_t i = 0; i < g->nameservers.nr; i++)
		if (strchr(g->nameservers.v[i], ':'))
			return bad(err, c, O_NAMESERVER, "IPv6 is off (%s): "
				   "name server '%s' cannot be reached",
				   config_origin(c, O_IPV6),
				   g->nameservers.v[i]);
	return 0;
}

static int validate_network(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	const struct strvec *ns = config_get_list(c, O_NAMESERVER);
	const struct strvec *vifs = config_get_list(c, O_VIF);
	struct nic flags;
	int mask_prefix = -1, flags_ip = 1;
	int r;

	g->ipv6 = get_bool(c, O_IPV6);
	for (size_t i = 0; i < ns->nr; i++) {
		uint32_t a;
		uint8_t a6[16];
		char buf[IPV6_TEXT_MAX];

		if (ipv4_parse(ns->v[i], &a) >= 0)
			ipv4_format(a, buf);
		else if (ipv6_parse(ns->v[i], a6) >= 0)
			ipv6_format(a6, buf);
		else
			return bad(err, c, O_NAMESERVER,
				   "invalid IP address '%s' for "
				   "'nameserver'", ns->v[i]);
		strvec_push(&g->nameservers, buf);
	}

	g->nnics = vifs->nr ? vifs->nr : 1;
	g->nics = xcalloc(g->nnics, sizeof(*g->nics));
	for (size_t i = 0; i < g->nnics; i++)
		nic_init(&g->nics[i]);
	for (size_t i = 0; i < vifs->nr; i++) {
		struct strbuf why = STRBUF_INIT;

		r = nic_parse(vifs->v[i], &g->nics[i], &why);
		if (r >= 0 && i)
			r = nic_check(&g->nics[i], &why);
		if (r < 0) {
			bad(err, c, O_VIF, "vif %zu '%s': %s", i + 1,
			    vifs->v[i], why.buf);
			strbuf_release(&why);
			return r;
		}
		strbuf_release(&why);
	}

	nic_init(&flags);
	r = nic_from_flags(c, g, &flags, &mask_prefix, err);
	if (r >= 0 && vifs->nr)
		r = merge_primary(c, &g->nics[0], &flags, &flags_ip, err);
	else if (r >= 0)
		SWAP(g->nics[0], flags);
	nic_release(&flags);
	if (r < 0)
		return r;
	if (!flags_ip) {
		g->broadcast[0] = '\0';
		g->p2p[0] = '\0';
	}

	/* The primary's checks, named after the flags where they apply. */
	if (flags_ip && !g->nics[0].dhcp && !g->nics[0].nips)
		return bad(err, c, O_DHCP,
			   "no network configuration: give --ip or --dhcp");
	if (flags_ip && g->nics[0].dhcp &&
	    (g->broadcast[0] || g->p2p[0] || mask_prefix >= 0)) {
		enum opt_id id = g->broadcast[0] ? O_BROADCAST :
				 g->p2p[0] ? O_P2P : O_NETMASK;

		return bad(err, c, id, "'%s' needs a static --ip, not DHCP",
			   option_defs[id].name);
	}
	if (g->nics[0].dhcp && g->nics[0].gateway[0]) {
		if (!config_get(c, O_GATEWAY) || !*config_get(c, O_GATEWAY))
			return bad(err, c, O_VIF, "the first vif's gateway= "
				   "needs a static address, not DHCP");
		return bad(err, c, O_GATEWAY, "'%s' needs a static --ip, not "
			   "DHCP", option_defs[O_GATEWAY].name);
	}
	r = apply_vlan(c, &g->nics[0], err);
	if (r < 0)
		return r;
	r = check_gateways(c, g, err);
	if (r < 0)
		return r;
	if (!g->ipv6) {
		r = check_noipv6(c, g, err);
		if (r < 0)
			return r;
	}
	r = choose_macs(c, g, err);
	if (r < 0)
		return r;

	/* The primary as the hooks and templates have always seen it. */
	g->dhcp = g->nics[0].dhcp;
	g->nips = g->nics[0].nips;
	g->ips = xcalloc(g->nips ? g->nips : 1, sizeof(*g->ips));
	if (g->nips)
		memcpy(g->ips, g->nics[0].ips, g->nips * sizeof(*g->ips));
	memcpy(g->gateway, g->nics[0].gateway, sizeof(g->gateway));
	memcpy(g->mac, g->nics[0].mac, 6);
	memcpy(g->mac_text, g->nics[0].mac_text, sizeof(g->mac_text));
	g->bridge = xstrdup(g->nics[0].bridge);
	g->vifname = xstrdup(g->nics[0].vifname);
	g->copyhosts = get_bool(c, O_COPYHOSTS);
	g->hosts = get_bool(c, O_HOSTS);
	if (g->hosts && !g->nips)
		return bad(err, c, O_HOSTS, "'hosts' needs a static --ip: "
			   "dom0 cannot name a DHCP guest's address");
	return 0;
}

/* The fstab options the configuration gives a file system type. */
static enum opt_id fs_options_id(const char *fs)
{
	static const struct {
		const char *fs;
		enum opt_id id;
	} map[] = {
		{ "ext4", O_EXT4_OPTIONS },	{ "ext3", O_EXT3_OPTIONS },
		{ "ext2", O_EXT2_OPTIONS },	{ "xfs", O_XFS_OPTIONS },
		{ "btrfs", O_BTRFS_OPTIONS },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(fs, map[i].fs))
			return map[i].id;
	return _O_MAX;
}

static int pick(const struct config *c, enum opt_id id,
		const char *const *values, struct strbuf *err)
{
	const char *v = config_get(c, id);
	struct strbuf want = STRBUF_INIT;

	for (int i = 0; values[i]; i++) {
		if (v && !strcmp(v, values[i])) {
			strbuf_release(&want);
			return i;
		}
		strbuf_addf(&want, "%s%s", i ? values[i + 1] ? ", " : " or " :
			    "", values[i]);
	}
	bad(err, c, id, "'%s' must be %s, not '%s'", option_defs[id].name,
	    want.buf, v ? v : "");
	strbuf_release(&want);
	return -EINVAL;
}

static int add_partition(struct guest *g, const char *name, uint64_t size,
			 const char *origin, const char *type,
			 const char *mountpoint, const char *options)
{
	struct partitions *p = &g->parts;
	struct partition *n;

	n = realloc(p->p, (p->nr + 1) * sizeof(*p->p));
	if (!n)
		return -ENOMEM;
	p->p = n;
	n = &p->p[p->nr++];
	n->name = strdup(name);
	n->size = size;
	n->origin = strdup(origin);
	n->type = strdup(type);
	n->mountpoint = mountpoint ? strdup(mountpoint) : NULL;
	n->options = strdup(options);
	return 0;
}

/* An existing block device for --image-dev or --swap-dev. */
static int get_device(const struct config *c, enum opt_id id, char **ret,
		      struct strbuf *err)
{
	struct stat st;
	int r = get_abs_path(c, id, ret, err);

	if (r < 0 || !*ret)
		return r;
	if (stat(*ret, &st) < 0)
		return bad(err, c, id, "cannot use '%s': %s", *ret,
			   strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return bad(err, c, id, "'%s' is not a block device", *ret);
	return 0;
}

/*
 * --disk-device (or --ide, --scsi): the Xen disk the volumes are named
 * after. xen-tools takes xvd* and sd* (and hda for --ide); a leading
 * /dev/ is dropped as there. libxl's own limits on each kind are checked
 * with the whole xl.cfg (xlcfg.h).
 */
static int validate_disk_device(const struct config *c, struct guest *g,
				struct strbuf *err)
{
	static const char *const prefixes[] = { "xvd", "sd", "hd" };
	const char *v = config_get(c, O_DISK_DEVICE);
	size_t n = 0;

	if (get_bool(c, O_IDE)) {
		g->disk_device = xstrdup("hda");
		return 0;
	}
	if (get_bool(c, O_SCSI)) {
		g->disk_device = xstrdup("sda");
		return 0;
	}
	if (!v || !*v) {
		g->disk_device = xstrdup("xvda");
		return 0;
	}
	if (!strncmp(v, "/dev/", 5))
		v += 5;
	for (size_t i = 0; !n && i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(v, prefixes[i], strlen(prefixes[i])))
			n = strlen(prefixes[i]);
	/* A partition number goes after it: at most "xvdzz255". */
	if (!n || strlen(v) > n + 2 || !v[n] ||
	    strspn(v + n, "abcdefghijklmnopqrstuvwxyz") != strlen(v + n))
		return bad(err, c, O_DISK_DEVICE, "invalid disk device '%s' "
			   "(want xvd, sd or hd and one or two letters: xvda, "
			   "sda, hda, ...)", config_get(c, O_DISK_DEVICE));
	g->disk_device = xstrdup(v);
	return 0;
}

/*
 * --serial-device: the guest's console. Xen's PV console is hvc0; an HVM
 * guest's is the emulated UART, ttyS0, unless one is asked for. A virtual
 * terminal (tty1, ...) is accepted as xen-tools takes it.
 */
static int validate_serial_device(const struct config *c, struct guest *g,
				  struct strbuf *err)
{
	static const char *const prefixes[] = { "ttyS", "hvc", "tty" };
	const char *v = config_get(c, O_SERIAL_DEVICE);
	const char *digits = NULL;

	if (!v || !*v) {
		g->serial_device = xstrdup(g->boot_mode == BOOT_HVM ? "ttyS0" :
					   "hvc0");
		return 0;
	}
	if (!strncmp(v, "/dev/", 5))
		v += 5;
	for (size_t i = 0; !digits && i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(v, prefixes[i], strlen(prefixes[i])))
			digits = v + strlen(prefixes[i]);
	/* tty0 is whichever terminal is in front: no getty runs there. */
	if (!digits || !*digits || strlen(digits) > 3 ||
	    strspn(digits, "0123456789") != strlen(digits) ||
	    (digits[0] == '0' && digits[1]) ||
	    (!strncmp(v, "tty", 3) && isdigit((unsigned char)v[3]) &&
	     !strcmp(digits, "0")))
		return bad(err, c, O_SERIAL_DEVICE, "invalid serial device "
			   "'%s' (want hvcN, ttySN or ttyN: hvc0, ttyS0, "
			   "tty1, ...)", config_get(c, O_SERIAL_DEVICE));
	g->serial_device = xstrdup(v);
	return 0;
}

/*
 * --lvm-thin=POOL: the volumes are thin ones in the thin pool VG/POOL
 * (xen-tools' lvcreate -T VG/POOL -V SIZE). Whether POOL is one is asked
 * of LVM by the storage check (storage-lvm.c).
 */
static int validate_thin_pool(const struct config *c, struct guest *g,
			      struct strbuf *err)
{
	const char *pool = config_get(c, O_LVM_THIN);

	if (!pool || !*pool)
		return 0;
	if (g->storage != STORAGE_LVM)
		return bad(err, c, O_LVM_THIN, "'lvm-thin' needs --lvm=VG, the "
			   "volume group of the thin pool");
	if (pool[0] == '-' || strspn(pool, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789+_.-") != strlen(pool))
		return bad(err, c, O_LVM_THIN, "invalid thin pool name '%s'",
			   pool);
	g->thin_pool = xstrdup(pool);
	return 0;
}

/*
 * --dontformat: the file systems on --image-dev and --swap-dev are used
 * as they are; which ones they are is the storage check's to find
 * (storage-device.c), with the device in hand.
 */
static int validate_dontformat(const struct config *c, struct guest *g,
			       struct strbuf *err)
{
	g->dontformat = get_bool(c, O_DONTFORMAT);
	if (!g->dontformat)
		return 0;
	if (g->storage != STORAGE_DEVICE)
		return bad(err, c, O_DONTFORMAT, "'dontformat' is for "
			   "--image-dev and --swap-dev, whose file systems "
			   "it keeps");
	if (g->layout == LAYOUT_DISK)
		return bad(err, c, O_DONTFORMAT, "'dontformat' keeps the file "
			   "system of a whole device, not partitions "
			   "(--layout=disk)");
	return 0;
}

/* Where the disks live: image files, logical volumes or devices. */
static int validate_backend(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	static const char *const formats[] = { "raw", "qcow2", NULL };
	static const char *const layouts[] = { "volumes", "disk", NULL };
	static const char *const labels[] = { "gpt", "msdos", NULL };
	static const char *const wipes[] = { "quick", "full", NULL };
	const char *vg = config_get(c, O_LVM);
	int r;

	r = get_device(c, O_IMAGE_DEV, &g->image_dev, err);
	if (r >= 0)
		r = get_device(c, O_SWAP_DEV, &g->swap_dev, err);
	if (r < 0)
		return r;
	if (g->swap_dev && !g->image_dev)
		return bad(err, c, O_SWAP_DEV, "'swap-dev' needs 'image-dev'");
	if (g->swap_dev && !strcmp(g->swap_dev, g->image_dev))
		return bad(err, c, O_SWAP_DEV, "'%s' is also the image device",
			   g->swap_dev);
	if (g->swap_dev && g->noswap)
		return bad(err, c, O_SWAP_DEV, "'swap-dev' contradicts "
			   "'noswap'");
	if (vg && *vg) {
		/* A VG name goes into LVM's command line: keep it plain. */
		if (vg[0] == '-' || strspn(vg, "abcdefghijklmnopqrstuvwxyz"
					   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789+_.-") != strlen(vg))
			return bad(err, c, O_LVM, "invalid volume group name "
				   "'%s'", vg);
		g->vg = strdup(vg);
	}
	g->storage = g->image_dev ? STORAGE_DEVICE :
		     g->vg ? STORAGE_LVM : STORAGE_DIR;
	r = validate_thin_pool(c, g, err);
	if (r < 0)
		return r;

	r = pick(c, O_DISK_FORMAT, formats, err);
	if (r < 0)
		return r;
	g->qcow2 = r == 1;
	if (g->qcow2 && g->storage != STORAGE_DIR)
		return bad(err, c, O_DISK_FORMAT, "qcow2 is for image files "
			   "under --dir, not for %s",
			   g->vg ? "logical volumes" : "block devices");
	r = pick(c, O_LAYOUT, layouts, err);
	if (r < 0)
		return r;
	g->layout = r ? LAYOUT_DISK : LAYOUT_VOLUMES;
	/* An HVM guest's firmware boots the disk: it needs a partition
	 * table and boot code, which only a whole disk has. */
	if (g->boot_mode == BOOT_HVM && g->layout != LAYOUT_DISK) {
		if (config_is_set(c, O_LAYOUT))
			return bad(err, c, O_LAYOUT, "--boot-mode=hvm needs "
				   "--layout=disk (its firmware boots one "
				   "partitioned disk), not '%s'",
				   config_get(c, O_LAYOUT));
		g->layout = LAYOUT_DISK;
	}
	r = pick(c, O_PARTITION_TABLE, labels, err);
	if (r < 0)
		return r;
	g->label = r ? PARTTABLE_MSDOS : PARTTABLE_GPT;
	r = pick(c, O_WIPE, wipes, err);
	if (r < 0)
		return r;
	g->wipe_full = r == 1;
	if (g->swap_dev && g->layout == LAYOUT_DISK)
		return bad(err, c, O_SWAP_DEV, "a --layout=disk guest has its "
			   "swap on the image device");
	return validate_dontformat(c, g, err);
}

/*
 * A UEFI guest's firmware loads GRUB from an EFI system partition, FAT,
 * mounted at /boot/efi as Debian's installer does it; a partitions file
 * may bring its own.
 */
#define ESP_SIZE (64ULL << 20)

/*
 * --boot-mode=hvm --install-method=none: a blank disk of --size for an
 * installer to partition; no swap or EFI system partition is planned.
 * Read before validate_install() has g->method.
 */
static int blank_hvm(const struct config *c, const struct guest *g)
{
	const char *m = config_get(c, O_INSTALL_METHOD);

	return g->boot_mode == BOOT_HVM && m && !strcmp(m, "none");
}

static int add_esp(const struct config *c, struct guest *g)
{
	if (g->boot_mode != BOOT_HVM || g->firmware != FIRMWARE_UEFI ||
	    blank_hvm(c, g))
		return 0;
	for (size_t i = 0; i < g->parts.nr; i++)
		if (g->parts.p[i].mountpoint &&
		    !strcmp(g->parts.p[i].mountpoint, "/boot/efi"))
			return 0;
	/* Parents come first in the list, and /boot/efi is deeper than
	 * the / or /boot it lies on. */
	return add_partition(g, "efi", ESP_SIZE, "--firmware=uefi", "vfat",
			     "/boot/efi", "umask=0077");
}

/* The guest's file systems: a partitions file, or root and swap. */
static int validate_partitions(const struct config *c, struct guest *g,
			       struct strbuf *err)
{
	const char *file = config_get(c, O_PARTITIONS);
	const char *dir = config_get(c, O_PARTITIONSDIR);
	const char *fs = config_get(c, O_FS);
	struct strbuf o = STRBUF_INIT;
	const char *opts;
	enum opt_id id;
	int r;

	if (file && *file) {
		struct strbuf e = STRBUF_INIT;

		/* xen-tools' habit: a plain name is in partitionsdir. */
		g->partitions_file = strchr(file, '/') || !dir ? strdup(file) :
				     path_join(dir, file);
		r = partitions_load(g->partitions_file, &g->parts, &e);
		if (r < 0)
			r = bad(err, c, O_PARTITIONS, "%s", e.buf);
		strbuf_release(&e);
		if (r >= 0)
			r = add_esp(c, g);
		if (r < 0)
			return r;
		if (g->storage == STORAGE_DEVICE && g->layout != LAYOUT_DISK)
			return bad(err, c, O_PARTITIONS, "one --image-dev "
				   "holds one file system: use --layout=disk "
				   "to partition it");
		if (g->layout == LAYOUT_DISK && g->label == PARTTABLE_MSDOS &&
		    g->parts.nr > 4)
			return bad(err, c, O_PARTITIONS, "%zu partitions do "
				   "not fit an msdos partition table (at most "
				   "4): use gpt", g->parts.nr);
		for (size_t i = 0; i < g->parts.nr; i++) {
			struct partition *p = &g->parts.p[i];

			if (p->mountpoint && !strcmp(p->mountpoint, "/")) {
				g->size = p->size;
				free(g->fs);
				g->fs = strdup(p->type);
				free(g->fs_options);
				g->fs_options = strdup(p->options);
			}
		}
		return 0;
	}

	id = fs ? fs_options_id(fs) : _O_MAX;
	if (id == _O_MAX)
		return bad(err, c, O_FS, "unsupported file system '%s' (want "
			   "ext4, ext3, ext2, xfs or btrfs)", fs ? fs : "");
	g->fs = strdup(fs);
	/* An empty value would leave the fstab line a field short. */
	opts = config_get(c, id);
	g->fs_options = strdup(opts && *opts ? opts : "defaults");
	if (strpbrk(g->fs_options, " \t"))
		return bad(err, c, id, "mount options may not contain spaces: "
			   "'%s'", g->fs_options);
	if (g->storage == STORAGE_DEVICE && g->layout == LAYOUT_VOLUMES &&
	    !g->swap_dev && !g->noswap)
		return bad(err, c, O_IMAGE_DEV, "give 'swap-dev' for the swap "
			   "disk, or 'noswap'");
	/* Swap first, as a partitions file sorts it. */
	r = 0;
	if (!g->noswap && !blank_hvm(c, g))
		r = add_partition(g, "swap", g->swap, origin_of(c, O_SWAP, &o),
				  "swap", NULL, "sw,nofail");
	if (r >= 0)
		r = add_partition(g, "disk", g->size, origin_of(c, O_SIZE, &o),
				  g->fs, "/", g->fs_options);
	if (r >= 0)
		r = add_esp(c, g);
	strbuf_release(&o);
	return r;
}

/*
 * Each disk within what its back end holds. Every partition is within
 * PARTITION_SIZE_MAX already; a partitioned disk adds them up, and a
 * qcow2 file holds less. What a volume group or the file system under
 * --dir can hold is checked against them (storage.h).
 */
static int validate_disk_sizes(const struct config *c, struct guest *g,
			       struct strbuf *err)
{
	uint64_t max = g->qcow2 ? QCOW2_SIZE_MAX : PARTITION_SIZE_MAX;
	const char *what = g->qcow2 ? "a qcow2 image holds" :
			   "a disk can hold";
	char have[32], m[32];

	format_size(max, m, sizeof(m));
	if (g->layout == LAYOUT_DISK) {
		struct parttable_entry *e = xcalloc(g->parts.nr, sizeof(*e));
		uint64_t total;

		for (size_t i = 0; i < g->parts.nr; i++)
			e[i].size = g->parts.p[i].size;
		/* UINT64_MAX when the sum does not fit. */
		total = parttable_disk_size(g->label, e, g->parts.nr);
		free(e);
		if (total <= max)
			return 0;
		if (total == UINT64_MAX)
			snprintf(have, sizeof(have), "16E or more");
		else
			format_size(total, have, sizeof(have));
		return bad(err, c, g->partitions_file ? O_PARTITIONS : O_SIZE,
			   "the partitions need a disk of %s, more than %s "
			   "(at most %s)", have, what, m);
	}
	for (size_t i = 0; i < g->parts.nr; i++) {
		const struct partition *p = &g->parts.p[i];

		if (p->size <= max)
			continue;
		format_size(p->size, have, sizeof(have));
		strbuf_addf(err, "%s: '%s' is %s, more than %s (at most %s)",
			    p->origin, p->name, have, what, m);
		return -EINVAL;
	}
	return 0;
}

/* pygrub reads the boot menu and kernel from /boot, or from / without
 * a /boot of its own: that file system must be one it can read. */
static int validate_boot_fs(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	const struct partition *boot = NULL;

	if (!g->pygrub)
		return 0;
	for (size_t i = 0; i < g->parts.nr; i++) {
		const char *m = g->parts.p[i].mountpoint;

		if (m && !strcmp(m, "/boot"))
			boot = &g->parts.p[i];
		else if (m && !strcmp(m, "/") && !boot)
			boot = &g->parts.p[i];
	}
	if (!boot || storage_pygrub_reads(boot->type))
		return 0;
	return bad(err, c, g->partitions_file ? O_PARTITIONS : O_FS,
		   "pygrub cannot read %s, which would hold /boot: give /boot "
		   "a file system of its own (ext4) in a partitions file, or "
		   "use --boot-mode=pvh (pvgrub2 reads it)", boot->type);
}

static int validate_storage(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	static const char *const images[] = { "sparse", "full", NULL };
	const char *ext = config_get(c, O_EXTENSION);
	struct strbuf sb = STRBUF_INIT;
	int r;

	r = get_size(c, O_SIZE, 256ULL << 20, PARTITION_SIZE_MAX,
		     "a disk can hold", &g->size, err);
	if (r < 0)
		return r;
	if (!g->size)
		return bad(err, c, O_SIZE, "'size' may not be empty");
	g->noswap = get_bool(c, O_NOSWAP);
	if (!g->noswap) {
		r = get_size(c, O_SWAP, 1ULL << 20, PARTITION_SIZE_MAX,
			     "a disk can hold", &g->swap, err);
		if (r < 0)
			return r;
		if (!g->swap)
			g->noswap = 1;
	}
	r = pick(c, O_IMAGE, images, err);
	if (r < 0)
		return r;
	g->image_full = r == 1;
	r = validate_backend(c, g, err);
	if (r >= 0)
		r = validate_partitions(c, g, err);
	if (r >= 0)
		r = validate_disk_sizes(c, g, err);
	if (r < 0)
		return r;

	r = get_abs_path(c, O_DIR, &g->dir, err);
	if (r < 0)
		return r;
	if (!g->dir && g->storage == STORAGE_DIR)
		return bad(err, c, O_DIR, "no storage: give --dir or --lvm");
	r = get_abs_path(c, O_OUTPUT, &g->output, err);
	if (r < 0)
		return r;
	if (!g->output)
		return bad(err, c, O_OUTPUT, "'output' may not be empty");
	if (!ext || strchr(ext, '/'))
		return bad(err, c, O_EXTENSION, "invalid extension '%s'",
			   ext ? ext : "");
	if (g->dir) {
		strbuf_addf(&sb, "%s/domains/%s", g->dir, g->hostname);
		g->guest_dir = strbuf_detach(&sb, NULL);
	}
	strbuf_addf(&sb, "%s/%s%s", g->output, g->hostname, ext);
	g->cfg_path = strbuf_detach(&sb, NULL);

	r = get_abs_path(c, O_CACHEDIR, &g->cachedir, err);
	if (r < 0)
		return r;
	r = get_abs_path(c, O_HOOKS_DIR, &g->hooks_dir, err);
	if (r < 0)
		return r;
	r = get_abs_path(c, O_SKEL, &g->skel, err);
	if (r < 0)
		return r;
	return get_abs_path(c, O_ROLEDIR, &g->roledir, err);
}

/*
 * --install-source-sha256: 64 hex digits, kept in lowercase, for a
 * tarball. Without it a tarball over plain http is refused: anyone on the
 * way could hand root a tree of their own.
 */
static int validate_checksum(const struct config *c, struct guest *g,
			     struct strbuf *err)
{
	const char *sum = config_get(c, O_INSTALL_SOURCE_SHA256);
	size_t len = sum ? strlen(sum) : 0;

	if (len) {
		if (g->method != INSTALL_TAR)
			return bad(err, c, O_INSTALL_SOURCE_SHA256,
				   "'install-source-sha256' is for "
				   "--install-method=tar");
		if (len != 64 || strspn(sum, "0123456789abcdefABCDEF") != len)
			return bad(err, c, O_INSTALL_SOURCE_SHA256,
				   "'install-source-sha256' must be 64 hex "
				   "digits, not '%s'", sum);
		g->install_sha256 = xstrdup(sum);
		for (size_t i = 0; i < len; i++)
			g->install_sha256[i] =
				(char)tolower((unsigned char)sum[i]);
	}
	if (g->method == INSTALL_TAR && !g->install_sha256 &&
	    !strncasecmp(g->install_source, "http://", 7))
		return bad(err, c, O_INSTALL_SOURCE, "'%s' comes over plain "
			   "http, where anyone on the way can change it: use "
			   "https or give the checksum "
			   "(--install-source-sha256)", g->install_source);
	return 0;
}

/*
 * Bases from a cache others can write to are theirs, whatever their
 * descriptions say: refused before anything is made, naming where the
 * cache came from. Not with --cache=no, which reads nothing there.
 */
static int validate_cachedir(const struct config *c, struct guest *g,
			     struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	const char *nocache;
	char *bases;
	int r;

	if (!base_cacheable(g, &nocache))
		return 0;
	bases = base_cache_dir(g->cachedir);
	r = base_cache_check_dir(bases, &why);
	if (r < 0)
		bad(err, c, O_CACHEDIR, "%s (make it root's and not writable "
		    "by others, or build with --cache=no)", why.buf);
	free(bases);
	strbuf_release(&why);
	return r < 0 ? -EINVAL : 0;
}

static int mirror_valid(const char *url)
{
	for (const char *p = url; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return url && (!strncmp(url, "http://", 7) ||
		       !strncmp(url, "https://", 8) ||
		       !strncmp(url, "file:/", 6)) &&
	       !strpbrk(url, " \t'\"\\");
}

/*
 * --apt_proxy: http:// or https://, a host name, IPv4 address or
 * [IPv6] address, an optional port, and at most a "/" after it: the URL
 * goes into the guest's apt.conf and the installers' http_proxy as it is.
 */
static int proxy_valid(const char *url)
{
	const char *p, *host;
	unsigned long port;
	char *end;

	if (!strncmp(url, "http://", 7))
		p = url + 7;
	else if (!strncmp(url, "https://", 8))
		p = url + 8;
	else
		return 0;
	host = p;
	if (*p == '[') {
		p += strspn(p + 1, "0123456789abcdefABCDEF:.") + 1;
		if (*p++ != ']' || p - host < 4)
			return 0;
	} else {
		p += strspn(p, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (p == host || *host == '.' || *host == '-')
			return 0;
	}
	if (*p == ':') {
		if (p[1] < '0' || p[1] > '9')
			return 0;
		errno = 0;
		port = strtoul(p + 1, &end, 10);
		if (errno || port < 1 || port > 65535)
			return 0;
		p = end;
	}
	return !*p || !strcmp(p, "/");
}

/*
 * The mirrors besides --mirror: the security suite's (the host's own for
 * its release, else Debian's), and those the guest's sources name.
 */
static int validate_mirrors(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	static const enum opt_id ids[] = { O_SECURITY_MIRROR, O_GUEST_MIRROR,
					   O_GUEST_SECURITY_MIRROR };
	char **rets[] = { &g->security_mirror, &g->guest_mirror,
			  &g->guest_security_mirror };
	unsigned long age;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *v = config_get(c, ids[i]);

		if (!v || !*v)
			continue;
		if (!mirror_valid(v))
			return bad(err, c, ids[i], "invalid mirror URL '%s' "
				   "for '%s'", v, option_defs[ids[i]].name);
		*rets[i] = xstrdup(v);
	}
	if (!distro_has(&g->distro, "security")) {
		free(g->security_mirror);
		g->security_mirror = NULL;
	} else if (!g->security_mirror) {
		g->security_mirror = host_security_mirror("/etc",
							 g->distro.codename);
		if (!g->security_mirror)
			g->security_mirror = xstrdup(DEFAULT_SECURITY_MIRROR);
	}
	if (!g->guest_mirror)
		g->guest_mirror = xstrdup(g->mirror);
	if (!g->guest_security_mirror && g->security_mirror)
		g->guest_security_mirror = xstrdup(g->security_mirror);
	g->updates = get_bool(c, O_UPDATES) &&
		     g->method == INSTALL_DEBOOTSTRAP;
	g->offline = get_bool(c, O_OFFLINE);
	if (parse_uint(config_get(c, O_CACHE_MAX_AGE), 7 * 24 * 3600,
		       &age) < 0)
		return bad(err, c, O_CACHE_MAX_AGE, "'cache-max-age' must be "
			   "0 to 604800 seconds, not '%s'",
			   config_get(c, O_CACHE_MAX_AGE));
	g->cache_max_age = (unsigned)age;
	return 0;
}

static int validate_install(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	static const char *const cache_modes[] = { "yes", "no", "refresh",
						   NULL };
	static const char *const clone_modes[] = { "auto", "no", NULL };
	/* In enum installer's order. */
	static const char *const installers[] = { "debootstrap",
						  "mmdebstrap", NULL };
	const char *proxy = config_get(c, O_APT_PROXY);
	const char *m = config_get(c, O_INSTALL_METHOD);
	const char *src = config_get(c, O_INSTALL_SOURCE);
	const char *mirror = config_get(c, O_MIRROR);
	int r;

	if (!strcmp(m, "debootstrap"))
		g->method = INSTALL_DEBOOTSTRAP;
	else if (!strcmp(m, "tar"))
		g->method = INSTALL_TAR;
	else if (!strcmp(m, "copy"))
		g->method = INSTALL_COPY;
	else if (!strcmp(m, "none"))
		g->method = INSTALL_NONE;
	else
		return bad(err, c, O_INSTALL_METHOD, "unknown install method "
			   "'%s' (want debootstrap, tar, copy or none)", m);
	r = pick(c, O_DEBOOTSTRAP_CMD, installers, err);
	if (r < 0)
		return r;
	g->installer = (enum installer)r;
	if (proxy && *proxy) {
		if (!proxy_valid(proxy))
			return bad(err, c, O_APT_PROXY, "invalid proxy URL "
				   "'%s' (want http://HOST[:PORT]/)", proxy);
		g->apt_proxy = strdup(proxy);
	}
	g->install_source = dup_or_null(src);
	if (g->method == INSTALL_NONE && g->install_source)
		return bad(err, c, O_INSTALL_SOURCE, "'install-source' is not "
			   "used with --install-method=none");
	if (g->method == INSTALL_TAR || g->method == INSTALL_COPY) {
		int url = src && source_is_url(src);

		if (!g->install_source)
			return bad(err, c, O_INSTALL_METHOD, "'%s' needs "
				   "--install-source", m);
		if (!url && src[0] != '/')
			return bad(err, c, O_INSTALL_SOURCE, "'install-source' "
				   "must be a URL or an absolute path, not '%s'",
				   src);
		if (g->method == INSTALL_COPY && !path_is_dir(src))
			return bad(err, c, O_INSTALL_SOURCE, "'%s' is not a "
				   "directory", src);
		if (g->method == INSTALL_TAR && !url && !path_exists(src))
			return bad(err, c, O_INSTALL_SOURCE, "'%s' does not "
				   "exist", src);
	}
	if (!mirror_valid(mirror))
		return bad(err, c, O_MIRROR, "invalid mirror URL '%s'",
			   mirror ? mirror : "");
	g->mirror = strdup(mirror);
	r = validate_mirrors(c, g, err);
	if (r < 0)
		return r;
	if (get_abs_path(c, O_KEYRING, &g->keyring, err) < 0)
		return -EINVAL;
	if (g->keyring && !path_exists(g->keyring))
		return bad(err, c, O_KEYRING, "keyring '%s' does not exist",
			   g->keyring);
	r = validate_checksum(c, g, err);
	if (r < 0)
		return r;
	r = pick(c, O_CACHE, cache_modes, err);
	if (r < 0)
		return r;
	g->cache = (enum cache_mode)r;
	r = pick(c, O_CLONE, clone_modes, err);
	if (r < 0)
		return r;
	g->clone = (enum clone_mode)r;
	return validate_cachedir(c, g, err);
}

/* Debian's pvgrub2 images (package grub-xen-host), by boot mode. */
static char *pvgrub_image(enum boot_mode m)
{
	const char *dir = getenv("CREATE_IMAGE_PVGRUB_DIR");

	if (!dir || !*dir)
		dir = "/usr/lib/grub-xen";
	switch (m) {
	case BOOT_PVH:
		return path_join(dir, "grub-i386-xen_pvh.bin");
	case BOOT_PV_PVGRUB:
		return path_join(dir, "grub-x86_64-xen.bin");
	default:
		return NULL;
	}
}

static const char *const boot_modes[] = { "pv-pygrub", "pvh", "pv-pvgrub",
					  "pvh-direct", "pv-direct", "hvm",
					  NULL };

const char *boot_mode_name(enum boot_mode m)
{
	return (size_t)m < ARRAY_SIZE(boot_modes) - 1 ? boot_modes[m] : "";
}

const char *boot_mode_type(enum boot_mode m)
{
	switch (m) {
	case BOOT_PVH:
	case BOOT_PVH_DIRECT:
		return "pvh";
	case BOOT_HVM:
		return "hvm";
	default:
		return "pv";
	}
}

/*
 * --boot-mode, and --nopygrub as it was before it: the guest's own kernel
 * copied to dom0 for PV. Read before the storage, which an HVM guest's
 * firmware decides.
 */
static int validate_boot_mode(const struct config *c, struct guest *g,
			      struct strbuf *err)
{
	static const char *const firmwares[] = { "bios", "uefi", NULL };
	const char *listen = config_get(c, O_VNCLISTEN);
	unsigned char addr[16];
	struct stat st;
	int r;

	r = pick(c, O_BOOT_MODE, boot_modes, err);
	if (r < 0)
		return r;
	g->boot_mode = (enum boot_mode)r;
	if (config_is_set(c, O_PYGRUB)) {
		int pygrub = get_bool(c, O_PYGRUB);

		if (!config_is_set(c, O_BOOT_MODE))
			g->boot_mode = pygrub ? BOOT_PV_PYGRUB : BOOT_PV_DIRECT;
		else if (pygrub != (g->boot_mode == BOOT_PV_PYGRUB))
			return bad(err, c, O_PYGRUB, "'%spygrub' contradicts "
				   "'boot-mode=%s'", pygrub ? "" : "no",
				   boot_mode_name(g->boot_mode));
	}
	g->pygrub = g->boot_mode == BOOT_PV_PYGRUB;
	g->direct = g->boot_mode == BOOT_PV_DIRECT ||
		    g->boot_mode == BOOT_PVH_DIRECT;

	g->pvgrub = pvgrub_image(g->boot_mode);
	if (g->pvgrub && !path_exists(g->pvgrub))
		return bad(err, c, O_BOOT_MODE, "--boot-mode=%s needs '%s': "
			   "install the package grub-xen-host",
			   boot_mode_name(g->boot_mode), g->pvgrub);

	r = pick(c, O_FIRMWARE, firmwares, err);
	if (r < 0)
		return r;
	g->firmware = (enum firmware)r;
	if (config_is_set(c, O_FIRMWARE) && g->boot_mode != BOOT_HVM)
		return bad(err, c, O_FIRMWARE, "'firmware' is for "
			   "--boot-mode=hvm, not '%s'", boot_mode_name(g->boot_mode));

	if (get_abs_path(c, O_ISO, &g->iso, err) < 0)
		return -EINVAL;
	if (g->iso && g->boot_mode != BOOT_HVM)
		return bad(err, c, O_ISO, "'iso' is for --boot-mode=hvm, not "
			   "'%s'", boot_mode_name(g->boot_mode));
	if (g->iso && (stat(g->iso, &st) < 0 || !S_ISREG(st.st_mode)))
		return bad(err, c, O_ISO, "ISO image '%s' is not a file",
			   g->iso);
	/* Installers are driven on the screen: an ISO brings VNC with it. */
	g->vnc = config_is_set(c, O_VNC) ? get_bool(c, O_VNC) : !!g->iso;
	if (config_is_set(c, O_VNC) && g->boot_mode != BOOT_HVM)
		return bad(err, c, O_VNC, "'vnc' is for --boot-mode=hvm (PV "
			   "and PVH guests have no emulated display)");
	if (!listen || (inet_pton(AF_INET, listen, addr) != 1 &&
			inet_pton(AF_INET6, listen, addr) != 1))
		return bad(err, c, O_VNCLISTEN, "'vnclisten' must be an IPv4 "
			   "or IPv6 address, not '%s'", listen ? listen : "");
	g->vnclisten = strdup(listen);
	return 0;
}

/*
 * --modules=DIR: as xen-tools' 80-install-modules, the modules of the
 * dom0 kernel a direct boot starts (--kernel) are copied into the guest,
 * which has none of its own for it. The guest's own kernel brings its
 * modules: without --kernel there is nothing to copy them for.
 */
static int validate_modules(const struct config *c, struct guest *g,
			    struct strbuf *err)
{
	const char *base;

	if (get_abs_path(c, O_MODULES, &g->modules, err) < 0)
		return -EINVAL;
	if (!g->modules)
		return 0;
	/* "/lib/modules/VERSION/" is copied as VERSION too. */
	for (size_t n = strlen(g->modules); n > 1 && g->modules[n - 1] == '/';
	     n--)
		g->modules[n - 1] = '\0';
	if (!g->direct || !g->kernel)
		return bad(err, c, O_MODULES, "'modules' are those of a dom0 "
			   "kernel: give --kernel with --boot-mode=pv-direct "
			   "or pvh-direct (the guest's own kernel brings its "
			   "modules)");
	if (g->method == INSTALL_NONE)
		return bad(err, c, O_MODULES, "'modules' go into an installed "
			   "guest, not with --install-method=none");
	if (!path_is_dir(g->modules))
		return bad(err, c, O_MODULES, "modules directory '%s' does not "
			   "exist", g->modules);
	/* Copied to /lib/modules/NAME: a kernel version, not "/". */
	base = strrchr(g->modules, '/') + 1;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return bad(err, c, O_MODULES, "'%s' names no directory of "
			   "its own: give /lib/modules/VERSION", g->modules);
	return 0;
}

static int validate_boot(const struct config *c, struct guest *g,
			 struct strbuf *err)
{
	int r;

	r = get_abs_path(c, O_KERNEL, &g->kernel, err);
	if (r < 0)
		return r;
	r = get_abs_path(c, O_INITRD, &g->initrd, err);
	if (r < 0)
		return r;
	if (g->iso && g->method != INSTALL_NONE)
		return bad(err, c, O_ISO, "'iso' installs the guest: it needs "
			   "--install-method=none");
	/* xen-tools' configuration files set kernel and initrd next to
	 * pygrub = 1: they only count for a direct boot. */
	if (!g->direct)
		return validate_modules(c, g, err);
	if (g->method == INSTALL_NONE && !g->kernel)
		return bad(err, c, O_KERNEL, "direct boot with "
			   "--install-method=none needs --kernel (no guest "
			   "kernel is installed)");
	if (g->kernel && !path_exists(g->kernel))
		return bad(err, c, O_KERNEL, "kernel '%s' does not exist",
			   g->kernel);
	if (g->initrd && !path_exists(g->initrd))
		return bad(err, c, O_INITRD, "initrd '%s' does not exist",
			   g->initrd);
	if (!g->kernel && g->initrd)
		return bad(err, c, O_INITRD, "'initrd' needs 'kernel'");
	return validate_modules(c, g, err);
}

/*
 * Users and groups every Debian base has (base-passwd's, and those its
 * packages add): an admin of one of these names would be that account,
 * or useradd could not make the admin's own group.
 */
static const char *const system_names[] = {
	"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail",
	"news", "uucp", "proxy", "www-data", "backup", "list", "irc", "gnats",
	"nobody", "nogroup", "_apt", "adm", "tty", "disk", "kmem", "dialout",
	"fax", "voice", "cdrom", "floppy", "tape", "sudo", "audio", "dip",
	"operator", "src", "shadow", "utmp", "video", "sasl", "plugdev",
	"staff", "users", "input", "sgx", "kvm", "render", "clock", "ssh",
	"_ssh", "sshd", "messagebus", "systemd-journal", "systemd-network",
	"systemd-resolve", "systemd-timesync",
};

/* A lowercase POSIX user name, as Debian's useradd takes by default. */
static int user_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 32 && ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_') &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Who may log in without a password: --ssh-key and --admins. */
/*
 * --export=FILE (absolute), in --export-format or the format its suffix
 * names; FILE and the files beside it may not be there unless --force.
 */
static int validate_export(const struct config *c, struct guest *g,
			   struct strbuf *err)
{
	const char *fmt = config_get(c, O_EXPORT_FORMAT);
	struct strbuf why = STRBUF_INIT;
	int f, r;

	if (get_abs_path(c, O_EXPORT, &g->export_path, err) < 0)
		return -EINVAL;
	if (!g->export_path) {
		if (fmt && *fmt)
			return bad(err, c, O_EXPORT_FORMAT, "'export-format' "
				   "needs --export");
		return 0;
	}
	if (fmt && *fmt) {
		f = export_format_from_string(fmt);
		if (f < 0)
			return bad(err, c, O_EXPORT_FORMAT, "unknown format "
				   "'%s' (want raw, qcow2 or tar.zst)", fmt);
	} else {
		f = export_format_from_path(g->export_path);
		if (f < 0)
			return bad(err, c, O_EXPORT, "cannot tell the format "
				   "from '%s' (want a name ending in .raw, "
				   ".img, .qcow2 or .tar.zst, or "
				   "--export-format)", g->export_path);
	}
	g->export_format = f;
	r = export_check_output(g->export_path, get_bool(c, O_FORCE), &why);
	if (r < 0)
		r = bad(err, c, O_EXPORT, "%s", why.buf);
	strbuf_release(&why);
	return r;
}

static int validate_access(const struct config *c, struct guest *g,
			   struct strbuf *err)
{
	const struct strvec *files = config_get_list(c, O_SSH_KEY);
	const struct strvec *admins = config_get_list(c, O_ADMINS);

	for (size_t i = 0; i < files->nr; i++) {
		struct strbuf e = STRBUF_INIT;
		int r;

		if (files->v[i][0] != '/')
			return bad(err, c, O_SSH_KEY, "'ssh-key' must be an "
				   "absolute path, not '%s'", files->v[i]);
		r = sshkey_load_file(files->v[i], &g->ssh_keys, &e);
		if (r < 0)
			bad(err, c, O_SSH_KEY, "%s", e.buf);
		strbuf_release(&e);
		if (r < 0)
			return -EINVAL;
	}
	for (size_t i = 0; i < admins->nr; i++) {
		const char *name = admins->v[i];

		if (!user_name_ok(name))
			return bad(err, c, O_ADMINS, "invalid user name '%s' "
				   "(want at most 32 lowercase letters, "
				   "digits, '_' and '-', not starting with a "
				   "digit or '-')", name);
		for (size_t k = 0; k < ARRAY_SIZE(system_names); k++)
			if (!strcmp(name, system_names[k]))
				return bad(err, c, O_ADMINS, "'%s' is a user "
					   "or group every Debian system has",
					   name);
		if (strvec_find(&g->admins, name) >= 0)
			return bad(err, c, O_ADMINS, "'%s' is named twice",
				   name);
		strvec_push(&g->admins, name);
	}
	g->accounts = get_bool(c, O_ACCOUNTS);
	/* Unset is on: a record from before the setting says nothing. */
	g->hooks = !config_get(c, O_HOOKS) || !*config_get(c, O_HOOKS) ||
		   get_bool(c, O_HOOKS);
	if (!g->hooks && (g->admins.nr || g->accounts))
		return bad(err, c, O_HOOKS, "--%s needs the hooks: its accounts "
			   "are made by the hook 40-accounts",
			   g->admins.nr ? "admins" : "accounts");
	return 0;
}

static int validate_accounts(const struct config *c, struct guest *g,
			     struct strbuf *err)
{
	const char *pw = config_get(c, O_PASSWORD);
	const char *len = config_get(c, O_GENPASS_LEN);
	unsigned long n;
	int m;

	/*
	 * As with dhcp: a password replaces the default generated one, and
	 * so do keys, unless a layer asked for a password itself. With keys
	 * and no password, root's is locked: the keys are the way in.
	 */
	g->ask_password = get_bool(c, O_PASSWD);
	if ((g->ask_password || (pw && *pw)) &&
	    !config_is_set(c, O_GENPASS)) {
		g->genpass = 0;
	} else if (g->ssh_keys.nr && !config_is_set(c, O_GENPASS)) {
		g->genpass = 0;
		g->lock_root = 1;
	} else {
		g->genpass = get_bool(c, O_GENPASS);
	}
	/* As long as one from standard input may be. */
	if (pw && strlen(pw) > PASSWORD_INPUT_MAX)
		return bad(err, c, O_PASSWORD, "'password' is longer than %d "
			   "bytes", PASSWORD_INPUT_MAX);
	if (pw && *pw)
		g->password = strdup(pw);
	if (parse_uint(len, 128, &n) < 0 || n < 8)
		return bad(err, c, O_GENPASS_LEN, "'genpass-len' must be 8 to "
			   "128, not '%s'", len);
	g->genpass_len = (unsigned)n;
	m = hash_method_from_string(config_get(c, O_HASH_METHOD));
	if (m < 0)
		return bad(err, c, O_HASH_METHOD, "unsupported hash method "
			   "'%s' (want yescrypt or sha512)",
			   config_get(c, O_HASH_METHOD));
	g->hash = (enum hash_method)m;

	return 0;
}

/* The scripts a --role or --finalrole list names, as paths in --roledir;
 * each must be an executable file now, before anything is built. */
static int resolve_roles(const struct config *c, const struct guest *g,
			 enum opt_id id, struct strvec *ret, struct strbuf *err)
{
	const struct strvec *roles = config_get_list(c, id);

	for (size_t i = 0; i < roles->nr; i++) {
		const char *role = roles->v[i];
		char *path;

		if (strchr(role, '/') || role[0] == '.')
			return bad(err, c, id, "invalid role name '%s'", role);
		if (!g->roledir)
			return bad(err, c, O_ROLEDIR, "no role directory");
		path = path_join(g->roledir, role);
		if (!path_is_executable_file(path)) {
			bad(err, c, id, "role '%s' not found: '%s' is not "
			    "an executable file", role, path);
			free(path);
			return -EINVAL;
		}
		strvec_push(ret, path);
		free(path);
	}
	return 0;
}

static int validate_roles(const struct config *c, struct guest *g,
			  struct strbuf *err)
{
	const char *args = config_get(c, O_ROLE_ARGS);
	int r = resolve_roles(c, g, O_ROLE, &g->roles, err);

	if (r >= 0)
		r = resolve_roles(c, g, O_FINALROLE, &g->final_roles, err);
	if (r < 0)
		return r;
	/*
	 * xen-tools hands the string to a shell; none reads it here, so
	 * what a shell would have made other words of is refused rather
	 * than passed on as it stands. A wildcard that matches no file
	 * stays as it is in sh too.
	 */
	if (args && args[strcspn(args, "'\"\\$`;&|<>()")])
		return bad(err, c, O_ROLE_ARGS, "'%s': no shell reads the role "
			   "arguments, which are split at blanks only: give "
			   "them without quotes, $ or other shell syntax", args);
	if (args)
		strvec_split(&g->role_args, args, " \t\n");
	return 0;
}

/*
 * What xen-tools' exportEnvironment() gives its hooks and roles: every
 * setting that has a value, by its key with '_' for '-'. Never a secret,
 * nor what only steers this command (--config, --dry-run, ...); ip is
 * left out as xen-tools does, which gives ip1, ip2, ... instead.
 */
static void settings_env(const struct config *c, struct guest *g)
{
	for (size_t i = 0; i < _O_MAX; i++) {
		const struct option_def *d = &option_defs[i];
		struct strbuf kv = STRBUF_INIT;

		if ((d->flags & (OPT_SECRET | OPT_CLI_ONLY)) ||
		    d->type == OPT_ACTION || d->id == O_IP)
			continue;
		for (const char *p = d->name; *p; p++)
			strbuf_addch(&kv, *p == '-' ? '_' : *p);
		strbuf_addch(&kv, '=');
		if (d->type == OPT_LIST) {
			const struct strvec *l = config_get_list(c, d->id);

			for (size_t k = 0; k < l->nr; k++)
				strbuf_addf(&kv, "%s%s", k ? "," : "",
					    l->v[k]);
			if (l->nr)
				strvec_push(&g->settings_env, kv.buf);
		} else if (d->type == OPT_BOOL) {
			strbuf_addf(&kv, "%d", config_get_bool(c, d->id));
			strvec_push(&g->settings_env, kv.buf);
		} else if (config_get(c, d->id)) {
			strbuf_addstr(&kv, config_get(c, d->id));
			strvec_push(&g->settings_env, kv.buf);
		}
		strbuf_release(&kv);
	}
}

int guest_from_config(const struct config *c, struct guest *g,
		      struct strbuf *err)
{
	const char *host = config_get(c, O_HOSTNAME);
	const char *dist = config_get(c, O_DIST);
	const char *arch = config_get(c, O_ARCH);
	const char *vcpus = config_get(c, O_VCPUS);
	struct strbuf known = STRBUF_INIT;
	unsigned long n;
	int r;

	memset(g, 0, sizeof(*g));
	strvec_init(&g->nameservers);
	strvec_init(&g->roles);
	strvec_init(&g->final_roles);
	strvec_init(&g->role_args);
	strvec_init(&g->settings_env);
	strvec_init(&g->ssh_keys);
	strvec_init(&g->admins);

	if (!host || !*host)
		return bad(err, c, O_HOSTNAME, "a hostname is required");
	if (hostname_valid(host) < 0)
		return bad(err, c, O_HOSTNAME, "invalid hostname '%s' (want an "
			   "RFC 1123 name like 'web1' or 'web1.example.org')",
			   host);
	g->hostname = strdup(host);

	if (!dist || distro_lookup(dist, &g->distro, &known) < 0) {
		r = bad(err, c, O_DIST, "unknown distribution '%s' (known: "
			"%s)", dist ? dist : "", known.buf);
		strbuf_release(&known);
		return r;
	}
	strbuf_release(&known);
	g->arch = strdup(arch && *arch ? arch : host_arch());
	if (strcmp(g->arch, host_arch()))
		return bad(err, c, O_ARCH, "cannot build an '%s' guest on this "
			   "'%s' host", g->arch, host_arch());
	/* The guests are PV with pygrub, which only x86 Xen offers. */
	if (strcmp(g->arch, "amd64"))
		return bad(err, c, O_ARCH, "unsupported architecture '%s' (PV "
			   "guests are amd64)", g->arch);

	r = get_size(c, O_MEMORY, 32ULL << 20, XEN_MEMORY_MAX,
		     "Xen gives a domain", &g->memory, err);
	if (r < 0)
		return r;
	if (!g->memory)
		return bad(err, c, O_MEMORY, "'memory' may not be empty");
	r = get_size(c, O_MAXMEM, 32ULL << 20, XEN_MEMORY_MAX,
		     "Xen gives a domain", &g->maxmem, err);
	if (r < 0)
		return r;
	if (g->maxmem && g->maxmem < g->memory)
		return bad(err, c, O_MAXMEM, "'maxmem' is less than 'memory'");
	if (parse_uint(vcpus, 512, &n) < 0 || n == 0)
		return bad(err, c, O_VCPUS, "'vcpus' must be 1 to 512, not "
			   "'%s'", vcpus);
	g->vcpus = (unsigned)n;

	r = validate_boot_mode(c, g, err);
	if (r >= 0)
		r = validate_disk_device(c, g, err);
	if (r >= 0)
		r = validate_serial_device(c, g, err);
	if (r < 0)
		return r;
	r = validate_storage(c, g, err);
	if (r < 0)
		return r;
	r = validate_install(c, g, err);
	if (r < 0)
		return r;
	r = validate_network(c, g, err);
	if (r < 0)
		return r;
	r = validate_boot(c, g, err);
	if (r < 0)
		return r;
	r = validate_boot_fs(c, g, err);
	if (r < 0)
		return r;
	g->need_guest_dir = g->storage == STORAGE_DIR;
	/* Kept with the guest's record, not its storage: the same place for
	 * image files, logical volumes and devices. */
	if (g->direct && !g->kernel)
		g->kernel_dir = paths_guest_kernels(g->hostname);
	r = validate_access(c, g, err);
	if (r < 0)
		return r;
	r = validate_accounts(c, g, err);
	if (r < 0)
		return r;
	r = validate_roles(c, g, err);
	if (r < 0)
		return r;
	if (get_abs_path(c, O_TEMPLATE, &g->template_path, err) < 0)
		return -EINVAL;
	if (g->template_path && !path_exists(g->template_path))
		return bad(err, c, O_TEMPLATE, "template '%s' does not exist",
			   g->template_path);

	r = validate_export(c, g, err);
	if (r < 0)
		return r;
	g->generalize = get_bool(c, O_GENERALIZE);
	g->flatten = get_bool(c, O_FLATTEN);
	if (g->flatten && !g->qcow2)
		return bad(err, c, O_FLATTEN, "only for --disk-format=qcow2 "
			   "guests");
	g->boot = get_bool(c, O_BOOT);
	g->force = get_bool(c, O_FORCE);
	g->keep = get_bool(c, O_KEEP);
	g->debug = get_bool(c, O_DEBUG);
	g->verbose = get_bool(c, O_VERBOSE) || g->debug;
	g->dry_run = get_bool(c, O_DRY_RUN);
	settings_env(c, g);
	return 0;
}
