/* pool.c: see pool.h. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "fsutil.h"
#include "lock.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "paths.h"
#include "pool.h"
#include "banned.h"

#define STATE_VERSION 1

/*
 * How many seeds to try for a free MAC. With room for as few as 256
 * addresses after a 5-byte prefix, 4096 tries miss the last free one
 * about once in ten million.
 */
#define MAC_TRIES 4096

/* What a guest record holds that a pool must not hand out again. */
struct pool_guest {
	char *hostname;
	uint32_t *addrs;
	size_t nr_addrs;
	uint8_t mac[6];
	int has_mac;
};

static uint32_t mask_of(const struct pool *p)
{
	return ipv4_prefix_mask(p->prefix);
}

/* "192.0.2.0/24" */
static void add_network(struct strbuf *sb, const struct pool *p)
{
	char net[16];

	ipv4_format(p->first & mask_of(p), net);
	strbuf_addf(sb, "%s/%d", net, p->prefix);
}

/* Never handed out: the subnet's own addresses, gateway, nameservers. */
static int excluded(const struct pool *p, uint32_t addr)
{
	uint32_t mask = mask_of(p);

	if (p->prefix < 31 && (addr == (p->first & mask) ||
			       addr == (p->first | ~mask)))
		return 1;
	if (p->gateway && addr == p->gateway)
		return 1;
	for (size_t i = 0; i < p->nameservers.nr; i++) {
		uint32_t ns;

		if (ipv4_parse(p->nameservers.v[i], &ns) == 0 && ns == addr)
			return 1;
	}
	return 0;
}

static int usable(const struct pool *p, uint32_t addr)
{
	return addr >= p->first && addr <= p->last && !excluded(p, addr);
}

uint32_t pool_capacity(const struct pool *p)
{
	uint32_t mask = mask_of(p);
	size_t nr = 0, max = 3 + p->nameservers.nr;
	uint32_t *cand = xcalloc(max, sizeof(*cand));
	uint64_t n = (uint64_t)p->last - p->first + 1;

	/* Each excluded address in the range, counted once. */
	cand[nr++] = p->first & mask;
	cand[nr++] = p->first | ~mask;
	if (p->gateway)
		cand[nr++] = p->gateway;
	for (size_t i = 0; i < p->nameservers.nr; i++)
		if (ipv4_parse(p->nameservers.v[i], &cand[nr]) == 0)
			nr++;
	for (size_t i = 0; i < nr; i++) {
		int seen = 0;

		for (size_t k = 0; k < i; k++)
			seen |= cand[k] == cand[i];
		if (!seen && cand[i] >= p->first && cand[i] <= p->last &&
		    excluded(p, cand[i]))
			n--;
	}
	free(cand);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int name_valid(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

	return *s && strspn(s, ok) == strlen(s);
}

static int bad(struct strbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_netmask(const char *s, int *ret_prefix, struct strbuf *err)
{
	uint32_t mask;
	int prefix = -EINVAL;

	if (ipv4_parse(s, &mask) == 0)
		prefix = ipv4_netmask_prefix(mask);
	if (prefix < 0)
		return bad(err, "'netmask': '%s' is not a netmask like "
			   "255.255.255.0", s);
	*ret_prefix = prefix;
	return 0;
}

/* "A-B", split at dash. */
static int parse_pair(const char *s, const char *dash, uint32_t *ret_a,
		      uint32_t *ret_b)
{
	char *first = xstrndup(s, (size_t)(dash - s));
	uint32_t a, b;
	int r = ipv4_parse(first, &a);

	free(first);
	if (r >= 0)
		r = ipv4_parse(dash + 1, &b);
	if (r < 0)
		return r;
	*ret_a = a;
	*ret_b = b;
	return 0;
}

/* "A-B" or "NET/PREFIX" into p->first, p->last and p->prefix. */
static int parse_range(const struct pool_spec *spec, struct pool *p,
		       struct strbuf *err)
{
	const char *s = spec->range, *dash;
	char a_text[16], b_text[16];
	uint32_t a, b, mask;
	int prefix;

	if (!s || !*s)
		return bad(err, "'range' is missing (want FIRST-LAST or "
			   "NETWORK/PREFIX)");
	dash = strchr(s, '-');
	if (!dash) {
		if (ipv4_parse_cidr(s, &a, &prefix) < 0 || prefix < 0)
			return bad(err, "'range': '%s' is neither FIRST-LAST "
				   "nor NETWORK/PREFIX", s);
		mask = ipv4_prefix_mask(prefix);
		if (a & ~mask) {
			ipv4_format(a & mask, a_text);
			return bad(err, "'range': '%s' is not a network (did "
				   "you mean %s/%d?)", s, a_text, prefix);
		}
		if (spec->netmask) {
			int given = -1;

			if (parse_netmask(spec->netmask, &given, err) < 0)
				return -EINVAL;
			if (given != prefix)
				return bad(err, "'netmask': %s does not match "
					   "the /%d of 'range'", spec->netmask,
					   prefix);
		}
		p->first = a;
		p->last = a | ~mask;
		p->prefix = prefix;
		return 0;
	}

	if (parse_pair(s, dash, &a, &b) < 0)
		return bad(err, "'range': '%s' is neither FIRST-LAST nor "
			   "NETWORK/PREFIX", s);
	if (!spec->netmask)
		return bad(err, "'range': FIRST-LAST needs a 'netmask' (or "
			   "write the range as NETWORK/PREFIX)");
	if (parse_netmask(spec->netmask, &prefix, err) < 0)
		return -EINVAL;
	ipv4_format(a, a_text);
	ipv4_format(b, b_text);
	if (a > b)
		return bad(err, "'range': %s comes after %s", a_text, b_text);
	mask = ipv4_prefix_mask(prefix);
	if ((a & mask) != (b & mask))
		return bad(err, "'range': %s and %s are not in one /%d network "
			   "(netmask %s)", a_text, b_text, prefix,
			   spec->netmask);
	p->first = a;
	p->last = b;
	p->prefix = prefix;
	return 0;
}

static int parse_gateway(const char *s, struct pool *p, struct strbuf *err)
{
	struct strbuf net = STRBUF_INIT;
	uint32_t gw, mask = mask_of(p);
	int r = 0;

	if (ipv4_parse(s, &gw) < 0)
		return bad(err, "'gateway': '%s' is not an IPv4 address", s);
	add_network(&net, p);
	if ((gw & mask) != (p->first & mask))
		r = bad(err, "'gateway': %s is not in %s", s, net.buf);
	else if (p->prefix < 31 && gw == (p->first & mask))
		r = bad(err, "'gateway': %s is the network address of %s", s,
			net.buf);
	else if (p->prefix < 31 && gw == (p->first | ~mask))
		r = bad(err, "'gateway': %s is the broadcast address of %s",
			s, net.buf);
	else
		p->gateway = gw;
	strbuf_release(&net);
	return r;
}

static int parse_mac_prefix(const char *s, struct pool *p,
			    struct strbuf *err)
{
	if (mac_prefix_parse(s, p->mac_prefix, &p->mac_prefix_len) < 0)
		return bad(err, "'mac-prefix': '%s' is not 1 to 5 bytes like "
			   "00:16:3e", s);
	/* Every guest's MAC starts with it: it must name one interface. */
	if (p->mac_prefix[0] & 1)
		return bad(err, "'mac-prefix': '%s' is multicast (the low bit "
			   "of the first byte is set)", s);
	return 0;
}

int pool_parse(const struct pool_spec *spec, struct pool *ret,
	       struct strbuf *err)
{
	struct pool p;
	int r;

	memset(&p, 0, sizeof(p));
	strvec_init(&p.nameservers);
	if (!spec->name || !name_valid(spec->name)) {
		r = bad(err, "'name': '%s' may hold only letters, digits, "
			"'_', '.' and '-'", spec->name ? spec->name : "");
		goto out;
	}
	r = parse_range(spec, &p, err);
	if (r < 0)
		goto out;
	if (spec->gateway) {
		r = parse_gateway(spec->gateway, &p, err);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; spec->nameservers && i < spec->nameservers->nr;
	     i++) {
		const char *ns = spec->nameservers->v[i];
		uint32_t addr;

		if (ipv4_parse(ns, &addr) < 0) {
			r = bad(err, "'nameservers': '%s' is not an IPv4 "
				"address", ns);
			goto out;
		}
		strvec_push(&p.nameservers, ns);
	}
	if (spec->mac_prefix) {
		r = parse_mac_prefix(spec->mac_prefix, &p, err);
		if (r < 0)
			goto out;
	} else {
		memcpy(p.mac_prefix, mac_xen_oui, sizeof(mac_xen_oui));
		p.mac_prefix_len = sizeof(mac_xen_oui);
	}
	if (!pool_capacity(&p)) {
		r = bad(err, "'range': %s leaves no address to hand out (the "
			"network and broadcast addresses, the gateway and the "
			"nameservers never are)", spec->range);
		goto out;
	}
	p.name = xstrdup(spec->name);
	*ret = p;
	return 0;
out:
	strvec_clear(&p.nameservers);
	return r;
}

void pool_release(struct pool *p)
{
	free(p->name);
	p->name = NULL;
	strvec_clear(&p->nameservers);
}

void pool_lease_release(struct pool_lease *l)
{
	free(l->pool);
	free(l->hostname);
	memset(l, 0, sizeof(*l));
}

static void lease_set(struct pool_lease *l, const char *pool,
		      const char *hostname, uint32_t addr, int prefix,
		      const uint8_t mac[6])
{
	memset(l, 0, sizeof(*l));
	l->pool = xstrdup(pool);
	l->hostname = xstrdup(hostname);
	l->addr = addr;
	l->prefix = prefix;
	memcpy(l->mac, mac, 6);
	ipv4_format(addr, l->addr_text);
	mac_format(mac, l->mac_text);
}

static void lease_copy(struct pool_lease *dst, const struct pool_lease *src)
{
	lease_set(dst, src->pool, src->hostname, src->addr, src->prefix,
		  src->mac);
}

static struct pool_lease *view_add(struct pool_view *v)
{
	v->leases = xrealloc(v->leases, (v->nr_leases + 1) *
			     sizeof(*v->leases));
	return &v->leases[v->nr_leases++];
}

static void view_drop(struct pool_view *v, size_t i)
{
	pool_lease_release(&v->leases[i]);
	memmove(&v->leases[i], &v->leases[i + 1],
		(v->nr_leases - i - 1) * sizeof(*v->leases));
	v->nr_leases--;
	v->changed = 1;
}

static char *state_path(const char *name)
{
	return path_join(paths_statedir(), name);
}

/* Reading the state file: every problem is "PATH:LINE: ...". */
static int bad_at(struct strbuf *err, const char *path,
		  const config_setting_t *s, const char *what,
		  const char *name)
{
	unsigned line = s ? config_setting_source_line(s) : 0;

	if (line)
		strbuf_addf(err, "%s:%u: ", path, line);
	else
		strbuf_addf(err, "%s: ", path);
	strbuf_addf(err, what, name);
	return -EINVAL;
}

static int lease_string(const char *path, const config_setting_t *g,
			const char *name, const char **ret,
			struct strbuf *err)
{
	config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		return bad_at(err, path, g, "missing '%s'", name);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return bad_at(err, path, s, "'%s' must be a string", name);
	*ret = config_setting_get_string(s);
	return 0;
}

static int read_lease(const char *path, const config_setting_t *g,
		      struct pool_lease *ret, struct strbuf *err)
{
	const char *pool, *host, *addr_text, *mac_text;
	config_setting_t *s;
	uint32_t addr;
	uint8_t mac[6];
	int r;

	if (!config_setting_is_group(g))
		return bad_at(err, path, g, "each of '%s' must be a group "
			      "{ ... }", "leases");
	r = lease_string(path, g, "pool", &pool, err);
	if (r >= 0 && !name_valid(pool))
		r = bad_at(err, path, config_setting_get_member(g, "pool"),
			   "invalid pool name '%s'", pool);
	if (r >= 0)
		r = lease_string(path, g, "hostname", &host, err);
	if (r >= 0 && hostname_valid(host) < 0)
		r = bad_at(err, path,
			   config_setting_get_member(g, "hostname"),
			   "invalid hostname '%s'", host);
	if (r >= 0)
		r = lease_string(path, g, "address", &addr_text, err);
	if (r >= 0 && ipv4_parse(addr_text, &addr) < 0)
		r = bad_at(err, path, config_setting_get_member(g, "address"),
			   "'%s' is not an IPv4 address", addr_text);
	if (r >= 0)
		r = lease_string(path, g, "mac", &mac_text, err);
	if (r >= 0 && mac_parse(mac_text, mac) < 0)
		r = bad_at(err, path, config_setting_get_member(g, "mac"),
			   "'%s' is not a unicast MAC address", mac_text);
	if (r < 0)
		return r;
	s = config_setting_get_member(g, "prefix");
	if (!s)
		return bad_at(err, path, g, "missing '%s'", "prefix");
	if (config_setting_type(s) != CONFIG_TYPE_INT ||
	    config_setting_get_int(s) < 0 || config_setting_get_int(s) > 32)
		return bad_at(err, path, s, "'%s' must be a number 0..32",
			      "prefix");
	lease_set(ret, pool, host, addr, config_setting_get_int(s), mac);
	return 0;
}

/* The leases in the state file; none when there is no file. */
static int state_read(struct pool_view *v, struct strbuf *err)
{
	char *path = state_path("addresses.conf");
	config_setting_t *root, *list, *s;
	struct stat st;
	config_t cfg;
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (!f) {
		r = errno == ENOENT ? 0 : -errno;
		if (r < 0)
			strbuf_addf(err, "cannot read '%s': %s", path,
				    strerror(-r));
		free(path);
		return r;
	}
	config_init(&cfg);
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		r = -EINVAL;
		strbuf_addf(err, "%s: not a regular file", path);
		goto out;
	}
	if (!config_read(&cfg, f)) {
		r = -EINVAL;
		strbuf_addf(err, "%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	s = config_setting_get_member(root, "version");
	if (!s) {
		r = bad_at(err, path, root, "missing '%s'", "version");
		goto out;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT ||
	    config_setting_get_int(s) != STATE_VERSION) {
		r = bad_at(err, path, s, "unsupported %s (this program reads "
			   "version 1)", "version");
		goto out;
	}
	list = config_setting_get_member(root, "leases");
	if (!list) {
		r = bad_at(err, path, root, "missing '%s'", "leases");
		goto out;
	}
	/* An empty list may read as [ ]. */
	if (!config_setting_is_list(list) &&
	    !(config_setting_is_array(list) && !config_setting_length(list))) {
		r = bad_at(err, path, list, "'%s' must be a list ( { ... }, "
			   "... )", "leases");
		goto out;
	}
	for (int i = 0; i < config_setting_length(list); i++) {
		struct pool_lease l;

		r = read_lease(path, config_setting_get_elem(list,
							     (unsigned)i),
			       &l, err);
		if (r < 0)
			goto out;
		*view_add(v) = l;
	}
out:
	config_destroy(&cfg);
	fclose(f);
	free(path);
	return r;
}

static int by_pool_and_address(const void *a, const void *b)
{
	const struct pool_lease *x = a, *y = b;
	int c = strcmp(x->pool, y->pool);

	if (c)
		return c;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->hostname, y->hostname);
}

static void add_string(config_setting_t *g, const char *name,
		       const char *value)
{
	config_setting_set_string(config_setting_add(g, name,
						     CONFIG_TYPE_STRING),
				  value);
}

static int state_write(struct pool_view *v, struct strbuf *err)
{
	char *path = state_path("addresses.conf");
	config_setting_t *root, *list;
	config_t cfg;
	int r;

	/* Sorted, so that the file reads like a table of each pool. */
	if (v->nr_leases)
		qsort(v->leases, v->nr_leases, sizeof(*v->leases),
		      by_pool_and_address);
	config_init(&cfg);
	root = config_root_setting(&cfg);
	config_setting_set_int(config_setting_add(root, "version",
						  CONFIG_TYPE_INT),
			       STATE_VERSION);
	list = config_setting_add(root, "leases", CONFIG_TYPE_LIST);
	for (size_t i = 0; i < v->nr_leases; i++) {
		const struct pool_lease *l = &v->leases[i];
		config_setting_t *g = config_setting_add(list, NULL,
							 CONFIG_TYPE_GROUP);

		add_string(g, "pool", l->pool);
		add_string(g, "hostname", l->hostname);
		add_string(g, "address", l->addr_text);
		config_setting_set_int(config_setting_add(g, "prefix",
							  CONFIG_TYPE_INT),
				       l->prefix);
		add_string(g, "mac", l->mac_text);
	}
	r = conffile_write(path, &cfg, "Written by create-image: the "
			   "addresses its pools have leased to guests.",
			   0644, err);
	config_destroy(&cfg);
	free(path);
	if (r >= 0)
		v->changed = 0;
	return r;
}

/* Take STATEDIR/addresses.lock, waiting for it; the descriptor or -errno. */
static int state_lock(struct strbuf *err)
{
	char *path = state_path("addresses.lock");
	int fd, r;

	r = mkdir_p(paths_statedir(), 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", paths_statedir(),
			    strerror(-r));
		goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", path, strerror(-r));
		goto out;
	}
	/* Held only while the file is read and written: never long. */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		strbuf_addf(err, "cannot lock '%s': %s", path, strerror(-r));
		close(fd);
		goto out;
	}
	r = fd;
out:
	free(path);
	return r;
}

static void guests_release(struct pool_guest *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].hostname);
		free(g[i].addrs);
	}
	free(g);
}

/* What every readable guest record holds. */
static int guests_read(struct pool_view *v, struct strbuf *err)
{
	struct strbuf broken = STRBUF_INIT;
	struct manifest *m = NULL;
	size_t n = 0;
	int r;

	/* A damaged record is left out, as list-images does; its reason
	 * is list-images' to tell. */
	r = manifest_read_all(&m, &n, &broken);
	if (r < 0) {
		strbuf_addstr(err, broken.buf);
		strbuf_release(&broken);
		return r;
	}
	strbuf_release(&broken);
	v->guests = xcalloc(n, sizeof(*v->guests));
	for (size_t i = 0; i < n; i++) {
		struct pool_guest *g = &v->guests[i];

		g->hostname = xstrdup(m[i].hostname);
		g->addrs = xcalloc(m[i].ips.nr, sizeof(*g->addrs));
		for (size_t k = 0; k < m[i].ips.nr; k++) {
			uint32_t addr;
			int prefix;

			if (ipv4_parse_cidr(m[i].ips.v[k], &addr, &prefix) == 0)
				g->addrs[g->nr_addrs++] = addr;
		}
		g->has_mac = mac_parse(m[i].mac, g->mac) == 0;
	}
	v->nr_guests = n;
	manifest_free_all(m, n);
	return 0;
}

int pool_view_load(struct pool_view *v, struct strbuf *err)
{
	struct pool_view tmp = POOL_VIEW_INIT;
	int r = state_read(&tmp, err);

	if (r >= 0)
		r = guests_read(&tmp, err);
	if (r < 0) {
		pool_view_release(&tmp);
		return r;
	}
	*v = tmp;
	return 0;
}

void pool_view_release(struct pool_view *v)
{
	for (size_t i = 0; i < v->nr_leases; i++)
		pool_lease_release(&v->leases[i]);
	free(v->leases);
	guests_release(v->guests, v->nr_guests);
	memset(v, 0, sizeof(*v));
}

size_t pool_view_reclaim(struct pool_view *v)
{
	size_t dropped = 0;

	for (size_t i = 0; i < v->nr_leases;) {
		const char *host = v->leases[i].hostname;
		char *record = manifest_path(host);
		/* A record that exists, even a damaged one, is a guest's:
		 * only a lease nobody can be using is dropped. */
		int keep = path_exists(record) || guest_lock_held(host) != 0;

		free(record);
		if (keep) {
			i++;
			continue;
		}
		view_drop(v, i);
		dropped++;
	}
	return dropped;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t mac_value(const uint8_t mac[6])
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

/* What is taken from hostname: everything but its own guest record. */
struct taken {
	uint32_t *addrs;
	size_t nr_addrs;
	uint64_t *macs;
	size_t nr_macs;
};

static void taken_collect(const struct pool_view *v, const char *hostname,
			  struct taken *t)
{
	size_t na = v->nr_leases, nm = v->nr_leases;

	for (size_t i = 0; i < v->nr_guests; i++) {
		na += v->guests[i].nr_addrs;
		nm++;
	}
	t->addrs = xcalloc(na, sizeof(*t->addrs));
	t->macs = xcalloc(nm, sizeof(*t->macs));
	t->nr_addrs = t->nr_macs = 0;
	for (size_t i = 0; i < v->nr_leases; i++) {
		t->addrs[t->nr_addrs++] = v->leases[i].addr;
		t->macs[t->nr_macs++] = mac_value(v->leases[i].mac);
	}
	for (size_t i = 0; i < v->nr_guests; i++) {
		const struct pool_guest *g = &v->guests[i];

		if (streq(g->hostname, hostname))
			continue;
		for (size_t k = 0; k < g->nr_addrs; k++)
			t->addrs[t->nr_addrs++] = g->addrs[k];
		if (g->has_mac)
			t->macs[t->nr_macs++] = mac_value(g->mac);
	}
	if (t->nr_addrs)
		qsort(t->addrs, t->nr_addrs, sizeof(*t->addrs), cmp_u32);
	if (t->nr_macs)
		qsort(t->macs, t->nr_macs, sizeof(*t->macs), cmp_u64);
}

static void taken_release(struct taken *t)
{
	free(t->addrs);
	free(t->macs);
}

static int addr_taken(const struct taken *t, uint32_t addr)
{
	return t->nr_addrs && bsearch(&addr, t->addrs, t->nr_addrs,
				      sizeof(addr), cmp_u32) != NULL;
}

static int mac_taken(const struct taken *t, const uint8_t mac[6])
{
	uint64_t m = mac_value(mac);

	return !m || (t->nr_macs && bsearch(&m, t->macs, t->nr_macs,
					    sizeof(m), cmp_u64) != NULL);
}

/*
 * prefer (0: none) if nobody has it, else the lowest usable address
 * nobody has; -ENOSPC when there is none.
 */
static int pick_addr(const struct pool *p, const struct taken *t,
		     uint32_t prefer, uint32_t *ret, struct strbuf *err)
{
	char first[16], last[16];

	if (prefer && !addr_taken(t, prefer)) {
		*ret = prefer;
		return 0;
	}
	/* Each step passes a taken or excluded address: it ends soon. */
	for (uint64_t a = p->first; a <= p->last; a++) {
		if (!excluded(p, (uint32_t)a) && !addr_taken(t, (uint32_t)a)) {
			*ret = (uint32_t)a;
			return 0;
		}
	}
	ipv4_format(p->first, first);
	ipv4_format(p->last, last);
	strbuf_addf(err, "pool '%s' is full: all %u addresses it hands out "
		    "(%s-%s) are taken", p->name, pool_capacity(p), first,
		    last);
	return -ENOSPC;
}

/* The first free MAC of hostname's seeds; -ENOSPC when none is found. */
static int pick_mac(const struct pool *p, const char *hostname,
		    const struct taken *t, uint8_t ret[6],
		    struct strbuf *err)
{
	struct strbuf seed = STRBUF_INIT;
	char prefix[18];
	uint8_t mac[6] = { 0 };

	for (int i = 0; i < MAC_TRIES; i++) {
		strbuf_reset(&seed);
		strbuf_addstr(&seed, hostname);
		if (i)
			strbuf_addf(&seed, "|%d", i);
		mac_from_seed_prefix(seed.buf, p->mac_prefix,
				     p->mac_prefix_len, mac);
		if (!mac_taken(t, mac)) {
			memcpy(ret, mac, 6);
			strbuf_release(&seed);
			return 0;
		}
	}
	strbuf_release(&seed);
	mac_format(mac, prefix);
	prefix[3 * p->mac_prefix_len - 1] = '\0';
	strbuf_addf(err, "pool '%s': no free MAC address found after the "
		    "prefix %s for '%s'", p->name, prefix, hostname);
	return -ENOSPC;
}

static int mac_fits(const struct pool *p, const uint8_t mac[6])
{
	return !memcmp(mac, p->mac_prefix, p->mac_prefix_len);
}

int pool_view_pick(struct pool_view *v, const struct pool *p,
		   const char *hostname, struct pool_lease *ret,
		   struct strbuf *err)
{
	uint32_t addr, prefer = 0;
	struct taken t;
	uint8_t mac[6];
	size_t i = 0;
	int r;

	while (i < v->nr_leases) {
		struct pool_lease *l = &v->leases[i];

		if (!streq(l->pool, p->name) || !streq(l->hostname, hostname)) {
			i++;
			continue;
		}
		if (usable(p, l->addr) && mac_fits(p, l->mac)) {
			/* The pool's netmask may have changed since. */
			if (l->prefix != p->prefix) {
				l->prefix = p->prefix;
				v->changed = 1;
			}
			lease_copy(ret, l);
			return 0;
		}
		/* The pool was changed under it: lease afresh, keeping the
		 * address if the pool still hands it out. */
		if (usable(p, l->addr))
			prefer = l->addr;
		view_drop(v, i);
	}
	taken_collect(v, hostname, &t);
	r = pick_addr(p, &t, prefer, &addr, err);
	if (r >= 0)
		r = pick_mac(p, hostname, &t, mac, err);
	taken_release(&t);
	if (r < 0)
		return r;
	lease_set(view_add(v), p->name, hostname, addr, p->prefix, mac);
	v->changed = 1;
	lease_copy(ret, &v->leases[v->nr_leases - 1]);
	return 1;
}

int pool_lease(const struct pool *p, const char *hostname,
	       struct pool_lease *ret, struct strbuf *err)
{
	struct pool_view v = POOL_VIEW_INIT;
	struct pool_lease l;
	int fd, r;

	if (hostname_valid(hostname) < 0) {
		strbuf_addf(err, "invalid hostname '%s'", hostname);
		return -EINVAL;
	}
	fd = state_lock(err);
	if (fd < 0)
		return fd;
	r = pool_view_load(&v, err);
	if (r < 0)
		goto out;
	pool_view_reclaim(&v);
	r = pool_view_pick(&v, p, hostname, &l, err);
	if (r < 0)
		goto out;
	if (v.changed) {
		int w = state_write(&v, err);

		if (w < 0) {
			pool_lease_release(&l);
			r = w;
			goto out;
		}
	}
	*ret = l;
out:
	pool_view_release(&v);
	close(fd);
	return r;
}

int pool_release_host(const char *hostname, struct strbuf *err)
{
	struct pool_view v = POOL_VIEW_INIT;
	int fd, r, n = 0;

	fd = state_lock(err);
	if (fd < 0)
		return fd;
	/* Only the file: a damaged guest record is no reason to keep. */
	r = state_read(&v, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < v.nr_leases;) {
		if (streq(v.leases[i].hostname, hostname)) {
			view_drop(&v, i);
			n++;
		} else {
			i++;
		}
	}
	if (n)
		r = state_write(&v, err);
	if (r >= 0)
		r = n;
out:
	pool_view_release(&v);
	close(fd);
	return r;
}
