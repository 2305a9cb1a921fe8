/*
 * u-pool.c: a pool is checked field by field and counts what it can hand
 * out; leases come lowest address first, pass over what guest records
 * hold, come back the same for the same guest, run out with a clear
 * message, are released, and reclaimed only from runs that died; a
 * damaged state file is refused and left as it is; processes leasing at
 * the same time never get one address twice.
 *
 * Each test has a state directory of its own ($CREATE_IMAGE_STATEDIR).
 * Guest locks live in /run/create-image, so it runs as root; the lock
 * files it makes are removed on the way out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "lock.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "paths.h"
#include "pool.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static char *scratch;
static struct strvec lock_files = STRVEC_INIT;
/* The test's own process id: forked children name hosts with it too. */
static pid_t owner;

static void clean_up(void)
{
	for (size_t i = 0; i < lock_files.nr; i++)
		unlink(lock_files.v[i]);
	strvec_clear(&lock_files);
	(void)rm_rf(scratch);
	free(scratch);
}

/* A state directory of its own for each test; returns the state file. */
static char *fresh_statedir(void)
{
	static int n;
	const char *base = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;

	if (!scratch) {
		owner = getpid();
		scratch = path_join(base && *base ? base : "/tmp",
				    "u-pool.XXXXXX");
		if (!mkdtemp(scratch))
			abort();
		atexit(clean_up);
	}
	strbuf_addf(&sb, "%s/state%d", scratch, ++n);
	setenv("CREATE_IMAGE_STATEDIR", sb.buf, 1);
	strbuf_addstr(&sb, "/addresses.conf");
	return strbuf_detach(&sb, NULL);
}

/* A host name no other run uses: "upool-PID-what". */
static char *host(const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "upool-%d-%s", (int)(owner ? owner : getpid()),
		    what);
	return strbuf_detach(&sb, NULL);
}

/* Hold name's guest lock, as a build does; its file goes at exit. */
static int hold(const char *name)
{
	struct strbuf err = STRBUF_INIT;
	int fd = guest_lock(name, &err);

	if (fd < 0) {
		fprintf(stderr, "%s\n", err.buf);
		abort();
	}
	if (strvec_find(&lock_files, name) < 0)
		strvec_pushf(&lock_files, "/run/create-image/%s.lock", name);
	strbuf_release(&err);
	return fd;
}

static void make_pool(struct pool *p, const char *name, const char *range,
		      const char *netmask, const char *gateway,
		      const char *mac_prefix, const char *ns)
{
	struct strvec nss = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;
	struct pool_spec spec = { name, range, netmask, gateway, mac_prefix,
				  &nss };

	if (ns)
		strvec_split(&nss, ns, " ");
	if (pool_parse(&spec, p, &err) < 0) {
		fprintf(stderr, "pool_parse: %s\n", err.buf);
		abort();
	}
	strvec_clear(&nss);
	strbuf_release(&err);
}

/* A guest record holding ip (may be NULL) and mac. */
static void record(const char *hostname, const char *ip, const char *mac)
{
	struct strbuf err = STRBUF_INIT;
	char *path = manifest_path(hostname);
	struct manifest m;

	manifest_init(&m);
	m.hostname = xstrdup(hostname);
	m.dist = xstrdup("bookworm");
	m.arch = xstrdup("amd64");
	m.created = xstrdup("2026-11-25T10:00:00Z");
	m.mac = xstrdup(mac);
	if (ip)
		strvec_push(&m.ips, ip);
	m.storage = xstrdup("dir");
	m.layout = xstrdup("volumes");
	if (manifest_write(path, &m, &err) < 0) {
		fprintf(stderr, "%s\n", err.buf);
		abort();
	}
	manifest_release(&m);
	strbuf_release(&err);
	free(path);
}

/* The MAC pool p makes from seed. */
static void seed_mac(const struct pool *p, const char *seed, char buf[18])
{
	uint8_t mac[6];

	mac_from_seed_prefix(seed, p->mac_prefix, p->mac_prefix_len, mac);
	mac_format(mac, buf);
}

TEST(parse_and_capacity)
{
	static const struct {
		const char *range, *netmask, *gateway, *mac_prefix, *ns;
		uint32_t first, last;
		int prefix;
		uint32_t capacity;
	} cases[] = {
		/* The network and broadcast addresses never count. */
		{ "192.0.2.0/24", NULL, NULL, NULL, NULL,
		  IP(192, 0, 2, 0), IP(192, 0, 2, 255), 24, 254 },
		{ "192.0.2.0/24", "255.255.255.0", "192.0.2.1", NULL, NULL,
		  IP(192, 0, 2, 0), IP(192, 0, 2, 255), 24, 253 },
		/* A nameserver outside, one inside, one the gateway. */
		{ "192.0.2.0/24", NULL, "192.0.2.1", NULL,
		  "192.0.2.1 192.0.2.53 198.51.100.1",
		  IP(192, 0, 2, 0), IP(192, 0, 2, 255), 24, 252 },
		{ "192.0.2.10-192.0.2.20", "255.255.255.0", NULL, NULL, NULL,
		  IP(192, 0, 2, 10), IP(192, 0, 2, 20), 24, 11 },
		{ "192.0.2.10-192.0.2.20", "255.255.255.0", "192.0.2.10",
		  "02:00", "192.0.2.20 192.0.2.20",
		  IP(192, 0, 2, 10), IP(192, 0, 2, 20), 24, 9 },
		/* A range running into the network's own addresses. */
		{ "192.0.2.0-192.0.2.5", "255.255.255.0", NULL, NULL, NULL,
		  IP(192, 0, 2, 0), IP(192, 0, 2, 5), 24, 5 },
		{ "192.0.2.250-192.0.2.255", "255.255.255.0", "192.0.2.1",
		  NULL, NULL, IP(192, 0, 2, 250), IP(192, 0, 2, 255), 24, 5 },
		{ "10.1.0.0-10.1.3.255", "255.255.252.0", NULL, NULL, NULL,
		  IP(10, 1, 0, 0), IP(10, 1, 3, 255), 22, 1022 },
		/* Point-to-point networks have no such addresses. */
		{ "192.0.2.4/31", NULL, NULL, NULL, NULL,
		  IP(192, 0, 2, 4), IP(192, 0, 2, 5), 31, 2 },
		{ "192.0.2.7/32", NULL, NULL, NULL, NULL,
		  IP(192, 0, 2, 7), IP(192, 0, 2, 7), 32, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strvec ns = STRVEC_INIT;
		struct strbuf err = STRBUF_INIT;
		struct pool_spec spec = { "lab", cases[i].range,
					  cases[i].netmask, cases[i].gateway,
					  cases[i].mac_prefix, &ns };
		struct pool p;

		if (cases[i].ns)
			strvec_split(&ns, cases[i].ns, " ");
		CHECK_INTEQ(pool_parse(&spec, &p, &err), 0);
		CHECK_STREQ(err.buf, "");
		if (!err.len) {
			CHECK_STREQ(p.name, "lab");
			CHECK(p.first == cases[i].first);
			CHECK(p.last == cases[i].last);
			CHECK_INTEQ(p.prefix, cases[i].prefix);
			CHECK_INTEQ(pool_capacity(&p), cases[i].capacity);
			CHECK_INTEQ(p.nameservers.nr, ns.nr);
			pool_release(&p);
		}
		strvec_clear(&ns);
		strbuf_release(&err);
	}
}

TEST(parse_mac_prefix)
{
	struct pool p;

	make_pool(&p, "a", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	CHECK_INTEQ(p.mac_prefix_len, 3);
	CHECK(!memcmp(p.mac_prefix, "\x00\x16\x3e", 3));
	pool_release(&p);
	make_pool(&p, "a.b_c-9", "192.0.2.0/24", NULL, NULL,
		  "02:00:00:AA:bb", NULL);
	CHECK_INTEQ(p.mac_prefix_len, 5);
	CHECK(!memcmp(p.mac_prefix, "\x02\x00\x00\xaa\xbb", 5));
	pool_release(&p);
}

TEST(parse_refuses_each_bad_field)
{
	static const struct {
		const char *name, *range, *netmask, *gateway, *mac_prefix;
		const char *ns;
		const char *want;
	} cases[] = {
		{ "", "192.0.2.0/24", NULL, NULL, NULL, NULL,
		  "'name': '' may hold only letters, digits, '_', '.' and "
		  "'-'" },
		{ "my lab", "192.0.2.0/24", NULL, NULL, NULL, NULL,
		  "'name': 'my lab' may hold only letters, digits, '_', '.' "
		  "and '-'" },
		{ "lab", NULL, NULL, NULL, NULL, NULL,
		  "'range' is missing (want FIRST-LAST or NETWORK/PREFIX)" },
		{ "lab", "192.0.2.0", NULL, NULL, NULL, NULL,
		  "'range': '192.0.2.0' is neither FIRST-LAST nor "
		  "NETWORK/PREFIX" },
		{ "lab", "192.0.2.1-192.0.2", "255.255.255.0", NULL, NULL,
		  NULL, "'range': '192.0.2.1-192.0.2' is neither FIRST-LAST "
		  "nor NETWORK/PREFIX" },
		{ "lab", "192.0.2.5/24", NULL, NULL, NULL, NULL,
		  "'range': '192.0.2.5/24' is not a network (did you mean "
		  "192.0.2.0/24?)" },
		{ "lab", "192.0.2.0/24", "255.255.0.0", NULL, NULL, NULL,
		  "'netmask': 255.255.0.0 does not match the /24 of 'range'" },
		{ "lab", "192.0.2.10-192.0.2.20", NULL, NULL, NULL, NULL,
		  "'range': FIRST-LAST needs a 'netmask' (or write the range "
		  "as NETWORK/PREFIX)" },
		{ "lab", "192.0.2.10-192.0.2.20", "255.0.255.0", NULL, NULL,
		  NULL, "'netmask': '255.0.255.0' is not a netmask like "
		  "255.255.255.0" },
		{ "lab", "192.0.2.20-192.0.2.10", "255.255.255.0", NULL, NULL,
		  NULL, "'range': 192.0.2.20 comes after 192.0.2.10" },
		{ "lab", "192.0.2.200-192.0.3.10", "255.255.255.0", NULL,
		  NULL, NULL, "'range': 192.0.2.200 and 192.0.3.10 are not in "
		  "one /24 network (netmask 255.255.255.0)" },
		{ "lab", "192.0.2.0/24", NULL, "gw", NULL, NULL,
		  "'gateway': 'gw' is not an IPv4 address" },
		{ "lab", "192.0.2.0/24", NULL, "198.51.100.1", NULL, NULL,
		  "'gateway': 198.51.100.1 is not in 192.0.2.0/24" },
		{ "lab", "192.0.2.10-192.0.2.20", "255.255.255.0",
		  "192.0.2.0", NULL, NULL,
		  "'gateway': 192.0.2.0 is the network address of "
		  "192.0.2.0/24" },
		{ "lab", "192.0.2.0/24", NULL, "192.0.2.255", NULL, NULL,
		  "'gateway': 192.0.2.255 is the broadcast address of "
		  "192.0.2.0/24" },
		{ "lab", "192.0.2.0/24", NULL, NULL, NULL, "192.0.2.1 ns1",
		  "'nameservers': 'ns1' is not an IPv4 address" },
		{ "lab", "192.0.2.0/24", NULL, NULL, "00:16:3", NULL,
		  "'mac-prefix': '00:16:3' is not 1 to 5 bytes like "
		  "00:16:3e" },
		{ "lab", "192.0.2.0/24", NULL, NULL, "00:16:3e:00:00:01",
		  NULL, "'mac-prefix': '00:16:3e:00:00:01' is not 1 to 5 "
		  "bytes like 00:16:3e" },
		{ "lab", "192.0.2.0/24", NULL, NULL, "01:00:5e", NULL,
		  "'mac-prefix': '01:00:5e' is multicast (the low bit of the "
		  "first byte is set)" },
		/* Nothing left once the gateway and nameserver are out. */
		{ "lab", "192.0.2.1-192.0.2.2", "255.255.255.0", "192.0.2.1",
		  NULL, "192.0.2.2",
		  "'range': 192.0.2.1-192.0.2.2 leaves no address to hand out "
		  "(the network and broadcast addresses, the gateway and the "
		  "nameservers never are)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strvec ns = STRVEC_INIT;
		struct strbuf err = STRBUF_INIT;
		struct pool_spec spec = { cases[i].name, cases[i].range,
					  cases[i].netmask, cases[i].gateway,
					  cases[i].mac_prefix, &ns };
		struct pool p;

		memset(&p, 0xaa, sizeof(p));
		if (cases[i].ns)
			strvec_split(&ns, cases[i].ns, " ");
		CHECK_INTEQ(pool_parse(&spec, &p, &err), -EINVAL);
		CHECK_STREQ(err.buf, cases[i].want);
		/* Written only on success. */
		CHECK(p.first == 0xaaaaaaaa);
		strvec_clear(&ns);
		strbuf_release(&err);
	}
}

TEST(leases_in_order_then_full)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	static const char *const want[] = { "192.0.2.10", "192.0.2.13",
					    "192.0.2.14" };
	char *names[4];
	int fds[4];
	struct pool p;
	struct pool_lease l;
	struct stat st;

	/* .11 is the gateway, .12 a nameserver. */
	make_pool(&p, "lab", "192.0.2.10-192.0.2.14", "255.255.255.0",
		  "192.0.2.11", NULL, "192.0.2.12 192.0.2.1");
	CHECK_INTEQ(pool_capacity(&p), 3);
	for (int i = 0; i < 4; i++) {
		char what[8];
		char mac[18];

		snprintf(what, sizeof(what), "n%d", i);
		names[i] = host(what);
		fds[i] = hold(names[i]);
		strbuf_reset(&err);
		if (i == 3) {
			CHECK_INTEQ(pool_lease(&p, names[i], &l, &err),
				    -ENOSPC);
			CHECK_STREQ(err.buf, "pool 'lab' is full: all 3 "
				    "addresses it hands out "
				    "(192.0.2.10-192.0.2.14) are taken");
			continue;
		}
		CHECK_INTEQ(pool_lease(&p, names[i], &l, &err), 1);
		CHECK_STREQ(err.buf, "");
		CHECK_STREQ(l.addr_text, want[i]);
		CHECK_INTEQ(l.prefix, 24);
		CHECK_STREQ(l.pool, "lab");
		CHECK_STREQ(l.hostname, names[i]);
		/* Nothing else holds a MAC: the first seed's. */
		seed_mac(&p, names[i], mac);
		CHECK_STREQ(l.mac_text, mac);
		pool_lease_release(&l);
	}
	CHECK(stat(state, &st) == 0 && (st.st_mode & 07777) == 0644);
	for (int i = 0; i < 4; i++) {
		close(fds[i]);
		free(names[i]);
	}
	pool_release(&p);
	strbuf_release(&err);
	free(state);
}

TEST(state_file_as_documented)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	char *a = host("doc");
	int fd = hold(a);
	struct pool p;
	struct pool_lease l;

	make_pool(&p, "lab", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	CHECK_INTEQ(pool_lease(&p, a, &l, &err), 1);
	CHECK_INTEQ(strbuf_read_file(&text, state), 0);
	strbuf_addf(&want, "pool = \"lab\";\n    hostname = \"%s\";\n"
		    "    address = \"192.0.2.1\";\n    prefix = 24;\n"
		    "    mac = \"%s\";", a, l.mac_text);
	CHECK(strstr(text.buf, "version = 1;") != NULL);
	CHECK(strstr(text.buf, "leases = ") != NULL);
	CHECK(strstr(text.buf, want.buf) != NULL);
	if (!strstr(text.buf, want.buf))
		fprintf(stderr, "%s\n", text.buf);
	pool_lease_release(&l);
	close(fd);
	pool_release(&p);
	strbuf_release(&want);
	strbuf_release(&text);
	strbuf_release(&err);
	free(a);
	free(state);
}

TEST(guest_records_are_taken)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	char *a = host("rec-a"), *b = host("rec-b"), *c = host("rec-c");
	char *other = host("other"), *bad = manifest_path("broken");
	int fa = hold(a), fb = hold(b);
	char mac_a[18], mac_a1[18], mac_b[18];
	struct pool p;
	struct pool_lease l;

	make_pool(&p, "lab", "192.0.2.0/24", NULL, "192.0.2.1", NULL, NULL);
	seed_mac(&p, a, mac_a);
	seed_mac(&p, b, mac_b);
	/* Another guest holds .2 and the MAC a would get first. */
	record(other, "192.0.2.2/24", mac_a);
	/* A damaged record is passed over, not an error. */
	CHECK_INTEQ(write_string(bad, "version = ;\n", 0644), 0);
	CHECK_INTEQ(pool_lease(&p, a, &l, &err), 1);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(l.addr_text, "192.0.2.3");
	strbuf_addf(&err, "%s|1", a);
	seed_mac(&p, err.buf, mac_a1);
	strbuf_reset(&err);
	CHECK_STREQ(l.mac_text, mac_a1);
	pool_lease_release(&l);

	/* A guest's own record takes nothing from it: a rebuild. */
	record(b, "192.0.2.4/24", mac_b);
	CHECK_INTEQ(pool_lease(&p, b, &l, &err), 1);
	CHECK_STREQ(l.addr_text, "192.0.2.4");
	CHECK_STREQ(l.mac_text, mac_b);
	pool_lease_release(&l);

	/* The view sees the records and the leases; a pick in it writes
	 * nothing. */
	{
		struct pool_view v = POOL_VIEW_INIT;
		struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;

		CHECK_INTEQ(strbuf_read_file(&before, state), 0);
		CHECK_INTEQ(pool_view_load(&v, &err), 0);
		CHECK_INTEQ(v.nr_leases, 2);
		CHECK_INTEQ(v.nr_guests, 2);
		CHECK_INTEQ(pool_view_pick(&v, &p, c, &l, &err), 1);
		CHECK_STREQ(l.addr_text, "192.0.2.5");
		pool_lease_release(&l);
		CHECK_INTEQ(pool_view_pick(&v, &p, a, &l, &err), 0);
		CHECK_STREQ(l.addr_text, "192.0.2.3");
		pool_lease_release(&l);
		CHECK_INTEQ(v.nr_leases, 3);
		CHECK_INTEQ(strbuf_read_file(&after, state), 0);
		CHECK_STREQ(after.buf, before.buf);
		pool_view_release(&v);
		strbuf_release(&before);
		strbuf_release(&after);
	}
	close(fa);
	close(fb);
	pool_release(&p);
	strbuf_release(&err);
	free(a);
	free(b);
	free(c);
	free(other);
	free(bad);
	free(state);
}

TEST(same_guest_same_lease)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT, before = STRBUF_INIT;
	struct strbuf after = STRBUF_INIT;
	char *a = host("same-a"), *b = host("same-b");
	int fa = hold(a), fb = hold(b);
	struct pool p, p2, p3;
	struct pool_lease l1, l2;

	make_pool(&p, "lab", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	CHECK_INTEQ(pool_lease(&p, a, &l1, &err), 1);
	CHECK_INTEQ(pool_lease(&p, b, &l2, &err), 1);
	pool_lease_release(&l2);
	CHECK_INTEQ(strbuf_read_file(&before, state), 0);
	CHECK_INTEQ(pool_lease(&p, a, &l2, &err), 0);
	CHECK_STREQ(l2.addr_text, l1.addr_text);
	CHECK_STREQ(l2.mac_text, l1.mac_text);
	CHECK_INTEQ(strbuf_read_file(&after, state), 0);
	CHECK_STREQ(after.buf, before.buf);
	pool_lease_release(&l2);

	/* Released, it comes back the same (nothing took it meanwhile). */
	CHECK_INTEQ(pool_release_host(a, &err), 1);
	CHECK_INTEQ(pool_lease(&p, a, &l2, &err), 1);
	CHECK_STREQ(l2.addr_text, l1.addr_text);
	CHECK_STREQ(l2.mac_text, l1.mac_text);
	pool_lease_release(&l2);

	/* The pool's netmask changes: same address, the new prefix. */
	make_pool(&p2, "lab", "192.0.2.0-192.0.2.127", "255.255.255.128",
		  NULL, NULL, NULL);
	CHECK_INTEQ(pool_lease(&p2, a, &l2, &err), 0);
	CHECK_STREQ(l2.addr_text, l1.addr_text);
	CHECK_INTEQ(l2.prefix, 25);
	pool_lease_release(&l2);
	/* Its MAC prefix changes: same address, a MAC after the new one. */
	make_pool(&p3, "lab", "192.0.2.0/24", NULL, NULL, "02:00:00", NULL);
	CHECK_INTEQ(pool_lease(&p3, a, &l2, &err), 1);
	CHECK_STREQ(l2.addr_text, l1.addr_text);
	CHECK(!strncmp(l2.mac_text, "02:00:00:", 9));
	CHECK_INTEQ(l2.prefix, 24);
	pool_lease_release(&l2);
	CHECK_STREQ(err.buf, "");

	pool_lease_release(&l1);
	close(fa);
	close(fb);
	pool_release(&p);
	pool_release(&p2);
	pool_release(&p3);
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&err);
	free(a);
	free(b);
	free(state);
}

TEST(release_drops_every_lease_of_the_guest)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	char *a = host("rel-a"), *b = host("rel-b");
	int fa = hold(a), fb = hold(b);
	struct pool lab, dmz;
	struct pool_lease l;
	struct pool_view v = POOL_VIEW_INIT;

	make_pool(&lab, "lab", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	make_pool(&dmz, "dmz", "198.51.100.0/24", NULL, NULL, NULL, NULL);
	CHECK_INTEQ(pool_lease(&lab, a, &l, &err), 1);
	pool_lease_release(&l);
	CHECK_INTEQ(pool_lease(&dmz, a, &l, &err), 1);
	pool_lease_release(&l);
	CHECK_INTEQ(pool_lease(&lab, b, &l, &err), 1);
	pool_lease_release(&l);
	CHECK_INTEQ(pool_release_host(a, &err), 2);
	CHECK_INTEQ(pool_release_host(a, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(pool_view_load(&v, &err), 0);
	CHECK_INTEQ(v.nr_leases, 1);
	if (v.nr_leases == 1) {
		CHECK_STREQ(v.leases[0].hostname, b);
		CHECK_STREQ(v.leases[0].addr_text, "192.0.2.2");
	}
	pool_view_release(&v);
	close(fa);
	close(fb);
	pool_release(&lab);
	pool_release(&dmz);
	strbuf_release(&err);
	free(a);
	free(b);
	free(state);
}

TEST(two_pools_one_guest_two_macs)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	char *a = host("two");
	int fa = hold(a);
	struct pool lab, dmz;
	struct pool_lease l1, l2;

	make_pool(&lab, "lab", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	make_pool(&dmz, "dmz", "198.51.100.0/24", NULL, NULL, NULL, NULL);
	CHECK_INTEQ(pool_lease(&lab, a, &l1, &err), 1);
	CHECK_INTEQ(pool_lease(&dmz, a, &l2, &err), 1);
	CHECK(strcmp(l1.mac_text, l2.mac_text) != 0);
	CHECK_STREQ(l2.addr_text, "198.51.100.1");
	pool_lease_release(&l1);
	pool_lease_release(&l2);
	close(fa);
	pool_release(&lab);
	pool_release(&dmz);
	strbuf_release(&err);
	free(a);
	free(state);
}

TEST(stale_leases_are_reclaimed)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	char *dead = host("dead"), *live = host("live");
	char *built = host("built"), *me = host("me");
	struct pool_view v = POOL_VIEW_INIT;
	struct pool p;
	struct pool_lease l;
	int fd, fdead, fbuilt, fme = hold(me);

	make_pool(&p, "lab", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	/* Three runs lease. */
	fdead = hold(dead);
	CHECK_INTEQ(pool_lease(&p, dead, &l, &err), 1);
	CHECK_STREQ(l.addr_text, "192.0.2.1");
	pool_lease_release(&l);
	fbuilt = hold(built);
	CHECK_INTEQ(pool_lease(&p, built, &l, &err), 1);
	CHECK_STREQ(l.addr_text, "192.0.2.2");
	record(built, "192.0.2.2/24", l.mac_text);
	pool_lease_release(&l);
	fd = hold(live);
	CHECK_INTEQ(pool_lease(&p, live, &l, &err), 1);
	CHECK_STREQ(l.addr_text, "192.0.2.3");
	pool_lease_release(&l);
	/* Two end: one wrote its record, one died without. The third still
	 * runs: it holds its guest lock. */
	close(fdead);
	close(fbuilt);

	/* The next lease takes back the dead run's address only. */
	CHECK_INTEQ(pool_lease(&p, me, &l, &err), 1);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(l.addr_text, "192.0.2.1");
	pool_lease_release(&l);
	CHECK_INTEQ(pool_view_load(&v, &err), 0);
	CHECK_INTEQ(v.nr_leases, 3);
	for (size_t i = 0; i < v.nr_leases; i++)
		CHECK(strcmp(v.leases[i].hostname, dead) != 0);
	pool_view_release(&v);

	/* Once the live run is gone without a record, it is stale too. */
	close(fd);
	CHECK_INTEQ(pool_view_load(&v, &err), 0);
	CHECK(!v.changed);
	CHECK_INTEQ(pool_view_reclaim(&v), 1);
	CHECK(v.changed);
	CHECK_INTEQ(pool_view_reclaim(&v), 0);	/* "me" still holds */
	close(fme);
	CHECK_INTEQ(pool_view_reclaim(&v), 1);
	CHECK_INTEQ(v.nr_leases, 1);
	if (v.nr_leases)
		CHECK_STREQ(v.leases[0].hostname, built);
	pool_view_release(&v);

	pool_release(&p);
	strbuf_release(&err);
	free(dead);
	free(live);
	free(built);
	free(me);
	free(state);
}

TEST(damaged_state_is_refused_and_kept)
{
	static const struct {
		const char *text;
		const char *want;	/* after "PATH" */
	} cases[] = {
		{ "version = 1;\nleases = ( { pool = \"lab\"; \n",
		  ":3: syntax error" },
		{ "leases = ( );\n", ": missing 'version'" },
		{ "version = 2;\nleases = ( );\n",
		  ":1: unsupported version (this program reads version 1)" },
		{ "version = 1;\n", ": missing 'leases'" },
		{ "version = 1;\nleases = 3;\n",
		  ":2: 'leases' must be a list ( { ... }, ... )" },
		{ "version = 1;\nleases = ( { pool = \"lab\";\n"
		  "  hostname = \"web1\"; address = \"192.0.2.1\";\n"
		  "  prefix = 24;\n  mac = \"01:16:3e:00:00:01\"; } );\n",
		  ":5: '01:16:3e:00:00:01' is not a unicast MAC address" },
		{ "version = 1;\nleases = ( { pool = \"lab\";\n"
		  "  hostname = \"web1\"; address = \"192.0.2.256\";\n"
		  "  prefix = 24; mac = \"00:16:3e:00:00:01\"; } );\n",
		  ":3: '192.0.2.256' is not an IPv4 address" },
		{ "version = 1;\nleases = ( { pool = \"lab\";\n"
		  "  hostname = \"-web1\"; address = \"192.0.2.1\";\n"
		  "  prefix = 24; mac = \"00:16:3e:00:00:01\"; } );\n",
		  ":3: invalid hostname '-web1'" },
		{ "version = 1;\nleases = ( { pool = \"lab\";\n"
		  "  hostname = \"web1\"; address = \"192.0.2.1\";\n"
		  "  prefix = 33; mac = \"00:16:3e:00:00:01\"; } );\n",
		  ":4: 'prefix' must be a number 0..32" },
		{ "version = 1;\nleases = ( { pool = \"lab\";\n"
		  "  hostname = \"web1\"; address = \"192.0.2.1\";\n"
		  "  mac = \"00:16:3e:00:00:01\"; } );\n",
		  ":2: missing 'prefix'" },
	};
	char *a = host("dmg");
	int fd = hold(a);
	struct pool p;

	make_pool(&p, "lab", "192.0.2.0/24", NULL, NULL, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *state = fresh_statedir();
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		struct strbuf after = STRBUF_INIT;
		struct pool_view v = POOL_VIEW_INIT;
		struct pool_lease l;

		CHECK_INTEQ(mkdir_p(paths_statedir(), 0755), 0);
		CHECK_INTEQ(write_string(state, cases[i].text, 0644), 0);
		strbuf_addf(&want, "%s%s", state, cases[i].want);
		CHECK_INTEQ(pool_lease(&p, a, &l, &err), -EINVAL);
		CHECK(!strncmp(err.buf, want.buf, want.len));
		if (strncmp(err.buf, want.buf, want.len))
			fprintf(stderr, "got '%s'\nwant '%s'\n", err.buf,
				want.buf);
		strbuf_reset(&err);
		CHECK_INTEQ(pool_release_host("web1", &err), -EINVAL);
		strbuf_reset(&err);
		CHECK_INTEQ(pool_view_load(&v, &err), -EINVAL);
		CHECK_INTEQ(strbuf_read_file(&after, state), 0);
		CHECK_STREQ(after.buf, cases[i].text);
		strbuf_release(&after);
		strbuf_release(&want);
		strbuf_release(&err);
		free(state);
	}
	close(fd);
	pool_release(&p);
	free(a);
}

TEST(no_state_file_is_no_leases)
{
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	struct pool_view v = POOL_VIEW_INIT;

	CHECK_INTEQ(pool_view_load(&v, &err), 0);
	CHECK_INTEQ(v.nr_leases, 0);
	CHECK_INTEQ(v.nr_guests, 0);
	pool_view_release(&v);
	CHECK_INTEQ(pool_release_host("web1", &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK(!path_exists(state));
	strbuf_release(&err);
	free(state);
}

/*
 * Lease n addresses for names "upool-PID-cI-K", holding every lock, as
 * builds that run at the same time do; say so on done, and keep the locks
 * until told to go (a run that ends without a record leaves stale leases).
 */
static int lease_many(const struct pool *p, int child, int n, int done,
		      int go_away)
{
	char x = 'd';

	struct strbuf err = STRBUF_INIT;
	int *fds = xcalloc((size_t)n, sizeof(*fds));
	int bad = 0;

	for (int k = 0; k < n; k++) {
		char what[32];
		char *name;
		struct pool_lease l;

		snprintf(what, sizeof(what), "c%d-%d", child, k);
		name = host(what);
		fds[k] = hold(name);
		if (pool_lease(p, name, &l, &err) != 1) {
			fprintf(stderr, "%s: %s\n", name, err.buf);
			bad = 1;
		} else {
			pool_lease_release(&l);
		}
		free(name);
	}
	strbuf_release(&err);
	if (write(done, &x, 1) != 1 || read(go_away, &x, 1) != 0)
		bad = 1;
	/* The locks end with the process, as a build's do. */
	free(fds);
	return bad;
}

TEST(parallel_leases_never_collide)
{
	enum { CHILDREN = 4, EACH = 25 };
	char *state = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	struct pool_view v = POOL_VIEW_INIT;
	pid_t pids[CHILDREN];
	int go[2], done[2], go_away[2];
	struct pool p;
	char x;

	make_pool(&p, "lab", "10.9.0.0/24", NULL, "10.9.0.1", NULL, NULL);
	CHECK_INTEQ(pipe(go), 0);
	CHECK_INTEQ(pipe(done), 0);
	CHECK_INTEQ(pipe(go_away), 0);
	for (int c = 0; c < CHILDREN; c++) {
		pids[c] = fork();
		if (pids[c] == 0) {
			/* Lock files are the parent's to remove. */
			strvec_init(&lock_files);
			close(go[1]);
			close(go_away[1]);
			/* All start together, when the pipe closes. */
			if (read(go[0], &x, 1) != 0)
				_exit(3);
			_exit(lease_many(&p, c, EACH, done[1], go_away[0]));
		}
		CHECK(pids[c] > 0);
	}
	for (int c = 0; c < CHILDREN; c++)
		for (int k = 0; k < EACH; k++) {
			char what[32];
			char *name;

			snprintf(what, sizeof(what), "c%d-%d", c, k);
			name = host(what);
			strvec_pushf(&lock_files, "/run/create-image/%s.lock",
				     name);
			free(name);
		}
	close(go[0]);
	close(go[1]);
	/* Only the children write here: a child that dies ends the wait. */
	close(done[1]);
	for (int c = 0; c < CHILDREN; c++)
		CHECK_INTEQ(read(done[0], &x, 1), 1);
	/* Every child still holds its locks while the file is read. */
	CHECK_INTEQ(pool_view_load(&v, &err), 0);
	close(go_away[0]);
	close(go_away[1]);
	for (int c = 0; c < CHILDREN; c++) {
		int status = 0;

		CHECK_INTEQ(waitpid(pids[c], &status, 0), pids[c]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(done[0]);

	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(v.nr_leases, CHILDREN * EACH);
	for (size_t i = 0; i < v.nr_leases; i++) {
		const struct pool_lease *a = &v.leases[i];

		CHECK(a->addr != IP(10, 9, 0, 1) && a->addr > IP(10, 9, 0, 0) &&
		      a->addr < IP(10, 9, 0, 255));
		for (size_t k = i + 1; k < v.nr_leases; k++) {
			const struct pool_lease *b = &v.leases[k];

			CHECK(a->addr != b->addr);
			CHECK(memcmp(a->mac, b->mac, 6) != 0);
			CHECK(strcmp(a->hostname, b->hostname) != 0);
		}
	}
	/* Handed out from the bottom with no hole: none was lost. */
	for (size_t i = 0; i < v.nr_leases; i++)
		CHECK(v.leases[i].addr == IP(10, 9, 0, 2) + i);
	for (int c = 0; c < CHILDREN; c++)
		for (int k = 0; k < EACH; k++) {
			char what[32];
			char *name;
			int found = 0;

			snprintf(what, sizeof(what), "c%d-%d", c, k);
			name = host(what);
			for (size_t i = 0; i < v.nr_leases; i++)
				found += streq(v.leases[i].hostname, name);
			CHECK_INTEQ(found, 1);
			free(name);
		}
	pool_view_release(&v);
	pool_release(&p);
	strbuf_release(&err);
	free(state);
}
