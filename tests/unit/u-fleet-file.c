/*
 * u-fleet-file.c: a fleet file reads into its defaults, pools and expanded
 * guests with the lines they came from; every problem is one "FILE:LINE"
 * message; a guest's merged configuration layers defaults < guest < flags.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fleet-file.h"
#include "fsutil.h"
#include "macros.h"
#include "options.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"

UNIT_MAIN

/* One pool, on line 1 of the texts that use it. */
#define POOLS \
	"pools = ( { name = \"lab\"; range = \"192.0.2.10-192.0.2.20\"; } );\n"

static void report_case(int before, size_t i, const char *what)
{
	if (unit_failed_checks != before)
		fprintf(stderr, "  in case %zu: %s\n", i, what);
}

/* A list joined by '|', so an element that was split shows. */
static const char *joined(const struct strvec *l, struct strbuf *sb)
{
	strbuf_reset(sb);
	for (size_t i = 0; i < l->nr; i++)
		strbuf_addf(sb, "%s%s", i ? "|" : "", l->v[i]);
	return sb->buf;
}

/* The setting's value, a list joined by '|'. */
static const char *value_of(const struct fleet_setting *s, struct strbuf *sb)
{
	if (s->def->type == OPT_LIST)
		return joined(&s->list, sb);
	return s->value;
}

struct want_setting {
	const char *key;
	const char *value;
	unsigned line;
};

static void check_settings(const struct fleet_settings *ss,
			   const struct want_setting *want, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INTEQ(ss->nr, n);
	for (size_t i = 0; i < n && i < ss->nr; i++) {
		int before = unit_failed_checks;

		CHECK(ss->v[i].def == option_find(want[i].key));
		CHECK_STREQ(value_of(&ss->v[i], &sb), want[i].value);
		CHECK_INTEQ(ss->v[i].line, want[i].line);
		report_case(before, i, want[i].key);
	}
	strbuf_release(&sb);
}

/* ---- the example ---- */

/* ssh-key of the documented example is role here: a list all the same. */
static const char example[] =
	"defaults = { dist = \"bookworm\"; size = \"4G\"; swap = \"128M\"; "
	"dir = \"/srv/xen\"; role = [ \"base\", \"ssh keys\" ]; };\n"
	"pools = ( { name = \"lab\"; range = \"192.0.2.100-192.0.2.150\"; "
	"netmask = \"255.255.255.0\";\n"
	"            gateway = \"192.0.2.1\"; "
	"nameservers = [ \"192.0.2.53\" ]; } );\n"
	"guests = ( { hostname = \"web%02d\"; count = 4; pool = \"lab\"; "
	"memory = \"512M\"; },\n"
	"           { hostname = \"db1\"; pool = \"lab\"; size = \"8G\"; } "
	");\n";

TEST(example)
{
	static const struct want_setting defaults[] = {
		{ "dist", "bookworm", 1 },
		{ "size", "4G", 1 },
		{ "swap", "128M", 1 },
		{ "dir", "/srv/xen", 1 },
		{ "role", "base|ssh keys", 1 },
	};
	static const struct want_setting web[] = { { "memory", "512M", 4 } };
	static const struct want_setting db[] = { { "size", "8G", 5 } };
	static const char *const names[] = { "web01", "web02", "web03",
					     "web04", "db1" };
	struct fleet_file f = { 0 };
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	const struct fleet_pool *p;

	CHECK_INTEQ(fleet_file_parse(example, "fleet.conf", &f, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(f.name, "fleet.conf");
	check_settings(&f.defaults, defaults, ARRAY_SIZE(defaults));

	CHECK_INTEQ(f.npools, 1);
	p = fleet_file_pool(&f, "lab");
	CHECK(p == &f.pools[0]);
	CHECK(!fleet_file_pool(&f, "Lab"));
	CHECK_INTEQ(p->line, 2);
	CHECK_STREQ(p->name.value, "lab");
	CHECK_INTEQ(p->name.line, 2);
	CHECK_STREQ(p->range.value, "192.0.2.100-192.0.2.150");
	CHECK_INTEQ(p->range.line, 2);
	CHECK_STREQ(p->netmask.value, "255.255.255.0");
	CHECK_INTEQ(p->netmask.line, 2);
	CHECK_STREQ(p->gateway.value, "192.0.2.1");
	CHECK_INTEQ(p->gateway.line, 3);
	CHECK_STREQ(joined(&p->nameservers, &sb), "192.0.2.53");
	CHECK_INTEQ(p->nameservers_line, 3);
	CHECK(!p->mac_prefix.value);
	CHECK_INTEQ(p->mac_prefix.line, 0);

	CHECK_INTEQ(f.nguests, ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names) && i < f.nguests; i++) {
		const struct fleet_guest *g = &f.guests[i];
		unsigned line = i < 4 ? 4 : 5;
		int before = unit_failed_checks;

		CHECK_STREQ(g->hostname, names[i]);
		CHECK_INTEQ(g->line, line);
		CHECK_INTEQ(g->hostname_line, line);
		CHECK_STREQ(g->pool, "lab");
		CHECK_INTEQ(g->pool_line, line);
		if (i < 4)
			check_settings(g->settings, web, ARRAY_SIZE(web));
		else
			check_settings(g->settings, db, ARRAY_SIZE(db));
		report_case(before, i, names[i]);
	}
	/* A pattern's guests share their entry's settings. */
	CHECK(f.nguests == 5 && f.guests[0].settings == f.guests[3].settings);
	CHECK(f.nguests == 5 && f.guests[0].settings != f.guests[4].settings);
	fleet_file_release(&f);
	fleet_file_release(&f);
	strbuf_release(&err);
	strbuf_release(&sb);
}

/* Every value type, one per line; pools without a pool key given. */
TEST(values_and_lines)
{
	static const char text[] =
		"# a fleet\n"
		"defaults = {\n"
		"  genpass_len = 12;\n"
		"  vcpus = 2;\n"
		"  maxmem = 2147483648L;\n"
		"  boot = true;\n"
		"  pygrub = false;\n"
		"  nameserver = \"192.0.2.53\";\n"
		"  role = ( \"a b\",\n"
		"           \"c,d\" );\n"
		"  pool = \"lab\";\n"
		"};\n"
		"pools = ( { name = \"lab\";\n"
		"            range = \"192.0.2.10-192.0.2.20\";\n"
		"            mac_prefix = \"00:16:3e:01\";\n"
		"            nameservers = \"192.0.2.53\"; },\n"
		"          { name = \"dmz\";\n"
		"            range = \"198.51.100.10-198.51.100.20\";\n"
		"            nameservers = ( \"198.51.100.1\",\n"
		"                            \"198.51.100.2\" ); } );\n"
		"guests = (\n"
		"  { hostname = \"a\"; },\n"
		"  {\n"
		"    hostname = \"b\";\n"
		"    pool = \"dmz\";\n"
		"    role = [ ];\n"
		"  },\n"
		"  { hostname = \"c\"; pool = \"\"; ip = [ \"10.0.0.5/24\" ]; "
		"}\n"
		");\n";
	static const struct want_setting defaults[] = {
		{ "genpass-len", "12", 3 },
		{ "vcpus", "2", 4 },
		{ "maxmem", "2147483648", 5 },
		{ "boot", "1", 6 },
		{ "pygrub", "0", 7 },
		{ "nameserver", "192.0.2.53", 8 },
		{ "role", "a b|c,d", 9 },
	};
	static const struct want_setting b[] = { { "role", "", 26 } };
	static const struct want_setting c[] = {
		{ "ip", "10.0.0.5/24", 28 },
	};
	struct fleet_file f = { 0 };
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;

	CHECK_INTEQ(fleet_file_parse(text, "t.fleet", &f, &err), 0);
	CHECK_STREQ(err.buf, "");
	check_settings(&f.defaults, defaults, ARRAY_SIZE(defaults));
	CHECK_INTEQ(f.npools, 2);
	if (f.npools == 2) {
		CHECK_INTEQ(f.pools[0].line, 13);
		CHECK_STREQ(f.pools[0].mac_prefix.value, "00:16:3e:01");
		CHECK_INTEQ(f.pools[0].mac_prefix.line, 15);
		CHECK_STREQ(joined(&f.pools[0].nameservers, &sb),
			    "192.0.2.53");
		CHECK_INTEQ(f.pools[0].nameservers_line, 16);
		CHECK(!f.pools[0].netmask.value && !f.pools[0].gateway.value);
		CHECK_INTEQ(f.pools[1].line, 17);
		CHECK_INTEQ(f.pools[1].name.line, 17);
		CHECK_INTEQ(f.pools[1].range.line, 18);
		CHECK_STREQ(joined(&f.pools[1].nameservers, &sb),
			    "198.51.100.1|198.51.100.2");
		CHECK_INTEQ(f.pools[1].nameservers_line, 19);
	}
	CHECK_INTEQ(f.nguests, 3);
	if (f.nguests == 3) {
		/* The pool of defaults, the guest's own, and "" for none. */
		CHECK_STREQ(f.guests[0].pool, "lab");
		CHECK_INTEQ(f.guests[0].pool_line, 11);
		CHECK_INTEQ(f.guests[0].settings->nr, 0);
		CHECK_STREQ(f.guests[1].pool, "dmz");
		CHECK_INTEQ(f.guests[1].pool_line, 25);
		CHECK_INTEQ(f.guests[1].line, 23);
		CHECK_INTEQ(f.guests[1].hostname_line, 24);
		check_settings(f.guests[1].settings, b, ARRAY_SIZE(b));
		CHECK(!f.guests[2].pool);
		CHECK_INTEQ(f.guests[2].pool_line, 0);
		check_settings(f.guests[2].settings, c, ARRAY_SIZE(c));
	}
	fleet_file_release(&f);
	strbuf_release(&err);
	strbuf_release(&sb);
}

/* ---- host name patterns ---- */

TEST(patterns)
{
	static const struct {
		const char *hostname;
		int count;		/* 0: none given */
		const char *first, *last;
	} cases[] = {
		{ "db1", 0, "db1", "db1" },
		{ "web%02d", 12, "web01", "web12" },
		{ "web%02d", 100, "web01", "web100" },
		{ "n%d", 3, "n1", "n3" },
		{ "n%0d", 3, "n1", "n3" },
		{ "n%1d", 10, "n1", "n10" },
		{ "n%05d", 10000, "n00001", "n10000" },
		{ "%d-web", 2, "1-web", "2-web" },
		{ "web%d.lab.example", 2, "web1.lab.example",
		  "web2.lab.example" },
		{ "%03d.lab", 1, "001.lab", "001.lab" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fleet_file f = { 0 };
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		int before = unit_failed_checks;
		size_t n = cases[i].count ? (size_t)cases[i].count : 1;

		strbuf_addf(&text, "guests = ( { hostname = \"%s\";",
			    cases[i].hostname);
		if (cases[i].count)
			strbuf_addf(&text, " count = %d;", cases[i].count);
		strbuf_addstr(&text, " } );\n");
		CHECK_INTEQ(fleet_file_parse(text.buf, "t.fleet", &f, &err),
			    0);
		CHECK_STREQ(err.buf, "");
		CHECK_INTEQ(f.nguests, n);
		if (f.nguests == n) {
			CHECK_STREQ(f.guests[0].hostname, cases[i].first);
			CHECK_STREQ(f.guests[n - 1].hostname, cases[i].last);
			CHECK(!f.guests[n - 1].pool);
			CHECK_INTEQ(f.guests[n - 1].line, 1);
		}
		report_case(before, i, cases[i].hostname);
		fleet_file_release(&f);
		strbuf_release(&text);
		strbuf_release(&err);
	}
}

/* ---- errors ---- */

TEST(errors)
{
	static const struct {
		const char *text;
		const char *want_err;
	} cases[] = {
		/* libconfig's own */
		{ "\nguests = ( { hostname = ; } );",
		  "t.fleet:2: syntax error" },
		{ "guests = ( { hostname = \"a\";\n hostname = \"b\"; } );",
		  "t.fleet:2: duplicate setting name" },
		{ "guests = ( { role = [ \"a\", 1 ]; } );",
		  "t.fleet:1: mismatched element type in array" },
		{ "# shared\n  @include \"pools.conf\"\nguests = ( );",
		  "t.fleet:2: '@include' is not supported in a fleet file" },
		/* the top level */
		{ "", "t.fleet: missing 'guests'" },
		{ "defaults = { };\npools = ( );",
		  "t.fleet: missing 'guests'" },
		{ "guests = ( { hostname = \"a\"; } );\nbogus = 1;",
		  "t.fleet:2: unknown key 'bogus'" },
		{ "dist = \"bookworm\";\nguests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: unknown key 'dist'" },
		{ "\nguests = ( );", "t.fleet:2: 'guests' holds no guest" },
		{ "guests = [ ];", "t.fleet:1: 'guests' holds no guest" },
		{ "guests = { hostname = \"a\"; };",
		  "t.fleet:1: 'guests' must be a list ( { ... }, ... )" },
		{ "guests = [ \"a\" ];",
		  "t.fleet:1: 'guests' must be a list ( { ... }, ... )" },
		{ "guests = ( { hostname = \"a\"; },\n \"b\" );",
		  "t.fleet:2: each of 'guests' must be a group { ... }" },
		{ "defaults = ( );\nguests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: 'defaults' must be a group { ... }" },
		{ "pools = { name = \"lab\"; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: 'pools' must be a list ( { ... }, ... )" },
		{ "pools = ( 1 );\nguests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: each of 'pools' must be a group { ... }" },
		/* keys */
		{ "guests = ( { hostname = \"a\";\n bogus = 1; } );",
		  "t.fleet:2: unknown key 'bogus'" },
		{ "guests = ( { hostname = \"a\";\n dry-run = true; } );",
		  "t.fleet:2: unknown key 'dry-run'" },
		{ "guests = ( { hostname = \"a\";\n dry_run = true; } );",
		  "t.fleet:2: unknown key 'dry_run'" },
		{ "defaults = { config = \"x.conf\"; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: unknown key 'config'" },
		{ "defaults = { help = true; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: unknown key 'help'" },
		{ "defaults = {\n hostname = \"a\"; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: 'hostname' may only be set in a guest" },
		{ "defaults = { count = 2; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: 'count' may only be set in a guest" },
		/* value types */
		{ "guests = ( { hostname = \"a\";\n memory = 1.5; } );",
		  "t.fleet:2: 'memory' must be a string, an integer or a "
		  "boolean" },
		{ "guests = ( { hostname = \"a\"; memory = { a = 1; }; } );",
		  "t.fleet:1: 'memory' must be a string, an integer or a "
		  "boolean" },
		{ "guests = ( { hostname = \"a\"; memory = [ \"1G\" ]; } );",
		  "t.fleet:1: 'memory' must be a string, an integer or a "
		  "boolean" },
		{ "defaults = { genpass_len = ( 8 ); };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: 'genpass_len' must be a string, an integer or a "
		  "boolean" },
		{ "guests = ( { hostname = \"a\"; nameserver = 5; } );",
		  "t.fleet:1: 'nameserver' must be a string or a list of "
		  "strings" },
		{ "guests = ( { hostname = \"a\"; role = true; } );",
		  "t.fleet:1: 'role' must be a string or a list of strings" },
		{ "guests = ( { hostname = \"a\"; role = ( \"x\",\n 1 ); } );",
		  "t.fleet:2: each of 'role' must be a string" },
		{ "guests = ( { hostname = \"a\"; nameserver = [ 1, 2 ]; } );",
		  "t.fleet:1: each of 'nameserver' must be a string" },
		{ "guests = ( { hostname = 5; } );",
		  "t.fleet:1: 'hostname' must be a string" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = 1; } );",
		  "t.fleet:2: 'pool' must be a string" },
		{ POOLS "defaults = { pool = [ \"lab\" ]; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: 'pool' must be a string" },
		/* values, as config_set() checks them */
		{ "guests = ( { hostname = \"a\";\n memory = \"lots\"; } );",
		  "t.fleet:2: invalid size 'lots' for 'memory'" },
		{ "guests = ( { hostname = \"a\"; memory = -1; } );",
		  "t.fleet:1: invalid size '-1' for 'memory'" },
		{ "guests = ( { hostname = \"a\"; dhcp = \"maybe\"; } );",
		  "t.fleet:1: invalid boolean 'maybe' for 'dhcp'" },
		{ "guests = ( { hostname = \"a\"; vcpus = -2; } );",
		  "t.fleet:1: invalid number '-2' for 'vcpus'" },
		{ "defaults = {\n genpass_len = \"x\"; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: invalid number 'x' for 'genpass-len'" },
		/* conflicting settings in one entry */
		{ "guests = ( { hostname = \"a\";\n dhcp = true;\n"
		  " ip = [ \"10.0.0.5/24\" ]; } );",
		  "t.fleet:3: 'ip' cannot be combined with 'dhcp' "
		  "(t.fleet:2)" },
		{ "defaults = { ip = \"10.0.0.5/24\";\n dhcp = \"yes\"; };\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: 'dhcp' cannot be combined with 'ip' "
		  "(t.fleet:1)" },
		{ "guests = ( { hostname = \"a\"; password = \"x\";\n"
		  " genpass = true; } );",
		  "t.fleet:2: 'genpass' cannot be combined with 'password' "
		  "(t.fleet:1)" },
		/* host names and patterns */
		{ "guests = ( { memory = \"1G\"; } );",
		  "t.fleet:1: guest has no 'hostname'" },
		{ "guests = ( { hostname = \"db1\";\n count = 2; } );",
		  "t.fleet:2: 'count' needs a hostname pattern such as "
		  "'web%02d', not 'db1'" },
		{ "guests = ( { hostname = \"web%02d\"; } );",
		  "t.fleet:1: hostname pattern 'web%02d' needs a 'count'" },
		{ "guests = ( { hostname = \"w%d\";\n count = 0; } );",
		  "t.fleet:2: 'count' must be 1 to 10000, not 0" },
		{ "guests = ( { hostname = \"w%d\"; count = 10001; } );",
		  "t.fleet:1: 'count' must be 1 to 10000, not 10001" },
		{ "guests = ( { hostname = \"w%d\"; count = -3; } );",
		  "t.fleet:1: 'count' must be 1 to 10000, not -3" },
		{ "guests = ( { hostname = \"w%d\"; count = \"4\"; } );",
		  "t.fleet:1: 'count' must be an integer" },
		{ "guests = ( { hostname = \"w%d\"; count = 2.0; } );",
		  "t.fleet:1: 'count' must be an integer" },
		{ "guests = ( { hostname = \"web%s\"; count = 2; } );",
		  "t.fleet:1: invalid hostname pattern 'web%s': use %d, %3d "
		  "or %03d, and %% for a '%'" },
		{ "guests = ( { hostname = \"web%-2d\"; count = 2; } );",
		  "t.fleet:1: invalid hostname pattern 'web%-2d': use %d, %3d "
		  "or %03d, and %% for a '%'" },
		{ "guests = ( { hostname = \"web%i\"; count = 2; } );",
		  "t.fleet:1: invalid hostname pattern 'web%i': use %d, %3d "
		  "or %03d, and %% for a '%'" },
		{ "guests = ( { hostname = \"web%\"; count = 2; } );",
		  "t.fleet:1: invalid hostname pattern 'web%': use %d, %3d "
		  "or %03d, and %% for a '%'" },
		{ "guests = ( { hostname = \"web%064d\"; count = 2; } );",
		  "t.fleet:1: invalid hostname pattern 'web%064d': use %d, %3d "
		  "or %03d, and %% for a '%'" },
		{ "guests = ( { hostname = \"w%dx%d\"; count = 2; } );",
		  "t.fleet:1: hostname pattern 'w%dx%d' needs exactly one %d" },
		{ "guests = ( { hostname = \"w%%\"; count = 2; } );",
		  "t.fleet:1: hostname pattern 'w%%' needs exactly one %d" },
		{ "guests = ( { hostname = \"w%%\"; } );",
		  "t.fleet:1: hostname pattern 'w%%' needs exactly one %d" },
		{ "guests = ( { hostname = \"db_1\"; } );",
		  "t.fleet:1: invalid hostname 'db_1'" },
		{ "guests = ( { hostname = \"\"; } );",
		  "t.fleet:1: invalid hostname ''" },
		{ "guests = ( { hostname = \"a%%b%d\"; count = 2; } );",
		  "t.fleet:1: invalid hostname 'a%b1' from 'a%%b%d'" },
		{ "guests = ( { hostname = \"-web%d\"; count = 2; } );",
		  "t.fleet:1: invalid hostname '-web1' from '-web%d'" },
		{ "guests = ( { hostname = \"%d\"; count = 2; } );",
		  "t.fleet:1: invalid hostname '1' from '%d'" },
		{ "guests = ( { hostname = \"web%3d\"; count = 2; } );",
		  "t.fleet:1: invalid hostname 'web  1' from 'web%3d'" },
		/* 62 letters: the tenth name is one too long for a label. */
		{ "guests = ( { hostname = \"abcdefghijklmnopqrstuvwxyz"
		  "abcdefghijklmnopqrstuvwxyzabcdefghij%d\"; count = 10; } );",
		  "t.fleet:1: invalid hostname 'abcdefghijklmnopqrstuvwxyzabcd"
		  "efghijklmnopqrstuvwxyzabcdefghij10' from 'abcdefghijklmnopq"
		  "rstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij%d'" },
		/* duplicates, ignoring case */
		{ "guests = ( { hostname = \"web%d\"; count = 3; },\n"
		  "           { hostname = \"web2\"; } );",
		  "t.fleet:2: duplicate hostname 'web2' (t.fleet:1)" },
		{ "guests = ( { hostname = \"db\"; },\n"
		  "           { hostname = \"DB\"; } );",
		  "t.fleet:2: duplicate hostname 'DB' (t.fleet:1)" },
		{ "guests = ( { hostname = \"a%d\"; count = 10; },\n"
		  "           { hostname = \"a%02d\"; count = 10; } );",
		  "t.fleet:2: duplicate hostname 'a10' (t.fleet:1)" },
		{ "guests = ( { hostname = \"x\"; },\n"
		  "           { hostname = \"z\"; },\n"
		  "           { hostname = \"y\"; },\n"
		  "           { hostname = \"x\"; },\n"
		  "           { hostname = \"y\"; },\n"
		  "           { hostname = \"z\"; } );",
		  "t.fleet:4: duplicate hostname 'x' (t.fleet:1)" },
		{ "guests = ( { hostname = \"z\"; },\n"
		  "           { hostname = \"y\"; },\n"
		  "           { hostname = \"y\"; },\n"
		  "           { hostname = \"y\"; },\n"
		  "           { hostname = \"z\"; } );",
		  "t.fleet:3: duplicate hostname 'y' (t.fleet:2)" },
		/* pools */
		{ POOLS "guests = ( { hostname = \"a\";\n"
		  " pool = \"nope\"; } );",
		  "t.fleet:3: unknown pool 'nope'" },
		{ "guests = ( { hostname = \"a\"; pool = \"lab\"; } );",
		  "t.fleet:1: unknown pool 'lab'" },
		{ POOLS "defaults = { pool = \"nope\"; };\n"
		  "guests = ( { hostname = \"a\"; pool = \"lab\"; } );",
		  "t.fleet:2: unknown pool 'nope'" },
		{ "pools = ( { name = \"lab\"; range = \"r\"; },\n"
		  "          { name = \"lab\"; range = \"s\"; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: duplicate pool 'lab' (t.fleet:1)" },
		{ "pools = ( { range = \"r\"; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: pool has no 'name'" },
		{ "pools = ( { name = \"\"; range = \"r\"; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: 'name' may not be empty" },
		{ "pools = ( { name = \"lab\";\n netmask = \"m\"; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: pool 'lab' has no 'range'" },
		{ "pools = ( { name = \"lab\";\n ip = \"10.0.0.1\"; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: unknown pool key 'ip'" },
		{ "pools = ( { name = \"lab\"; range = 5; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:1: 'range' must be a string" },
		{ "pools = ( { name = \"lab\"; range = \"r\";\n"
		  "            gateway = true; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: 'gateway' must be a string" },
		{ "pools = ( { name = \"lab\"; range = \"r\";\n"
		  "            nameservers = 5; } );\n"
		  "guests = ( { hostname = \"a\"; } );",
		  "t.fleet:2: 'nameservers' must be a string or a list of "
		  "strings" },
		/* what a pool gives, its guests may not set */
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " vif = [ \"bridge=br1, ip=10.0.0.5/24\", \"dhcp\" ]; } );",
		  "t.fleet:3: the first 'vif' may not give mac=, ip=, dhcp or "
		  "gateway= with pool 'lab' (the pool gives the primary "
		  "interface's)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " vif = \"mac=00:16:3e:00:00:01\"; } );",
		  "t.fleet:3: the first 'vif' may not give mac=, ip=, dhcp or "
		  "gateway= with pool 'lab' (the pool gives the primary "
		  "interface's)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " ip = [ \"10.0.0.5/24\" ]; } );",
		  "t.fleet:3: 'ip' may not be set with pool 'lab' (the pool "
		  "gives the network settings)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " mac = \"00:16:3e:00:00:01\"; } );",
		  "t.fleet:3: 'mac' may not be set with pool 'lab' (the pool "
		  "gives the network settings)" },
		{ POOLS "defaults = { pool = \"lab\"; };\n"
		  "guests = ( { hostname = \"a\";\n dhcp = false; } );",
		  "t.fleet:4: 'dhcp' may not be set with pool 'lab' (the pool "
		  "gives the network settings)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " gateway = \"192.0.2.1\"; } );",
		  "t.fleet:3: 'gateway' may not be set with pool 'lab' (the "
		  "pool gives the network settings)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " netmask = \"255.255.255.0\"; } );",
		  "t.fleet:3: 'netmask' may not be set with pool 'lab' (the "
		  "pool gives the network settings)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " nameserver = [ ]; } );",
		  "t.fleet:3: 'nameserver' may not be set with pool 'lab' (the "
		  "pool gives the network settings)" },
		{ POOLS "guests = ( { hostname = \"a\"; pool = \"lab\";\n"
		  " randommac = true; } );",
		  "t.fleet:3: 'randommac' may not be set with pool 'lab' (the "
		  "pool gives the network settings)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fleet_file f = { .nguests = 42 };
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(fleet_file_parse(cases[i].text, "t.fleet", &f,
					     &err), -EINVAL);
		CHECK_STREQ(err.buf, cases[i].want_err);
		/* Left alone on failure. */
		CHECK_INTEQ(f.nguests, 42);
		report_case(before, i, cases[i].want_err);
		strbuf_release(&err);
	}
}

/* Settings a pool gives are fine for a guest outside a pool, and in
 * defaults, where they are what the pool's replace. */
TEST(network_settings_allowed)
{
	static const char *const texts[] = {
		POOLS "defaults = { pool = \"lab\"; randommac = true;\n"
		" nameserver = \"192.0.2.53\"; };\n"
		"guests = ( { hostname = \"a\"; } );",
		POOLS "defaults = { dhcp = true;\n"
		" nameserver = \"192.0.2.53\"; };"
		"\nguests = ( { hostname = \"a\"; pool = \"lab\"; } );",
		POOLS "defaults = { pool = \"lab\"; };\n"
		"guests = ( { hostname = \"a\"; pool = \"\";\n"
		" ip = [ \"10.0.0.5/24\" ]; mac = \"00:16:3e:00:00:01\"; } );",
		"guests = ( { hostname = \"a\"; ip = \"10.0.0.5/24\";\n"
		" gateway = \"10.0.0.1\"; netmask = \"255.255.255.0\"; } );",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct fleet_file f = { 0 };
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(fleet_file_parse(texts[i], "t.fleet", &f, &err),
			    0);
		CHECK_STREQ(err.buf, "");
		report_case(before, i, texts[i]);
		fleet_file_release(&f);
		strbuf_release(&err);
	}
}

/* ---- a guest's configuration ---- */

/*
 * The configuration of guest i of text: built-in defaults, sys as the
 * system file, flags (NULL-terminated, may be NULL) applied by
 * config_load() before the fleet's layers, as a command would.
 */
static int guest_config(const char *text, size_t i, const char *sys,
			const char *const *flags, struct config *c,
			struct strbuf *err)
{
	const char *argv[8] = { "create-image" };
	struct fleet_file f;
	int argc = 1, r;

	for (size_t j = 0; flags && flags[j] && argc < 8; j++)
		argv[argc++] = flags[j];
	config_init_defaults(c);
	r = config_parse_argv(c, argc, (char **)argv, err);
	if (r >= 0 && sys)
		r = config_parse_text(c, sys, "sys.conf", LAYER_SYSTEM, err);
	if (r >= 0)
		r = config_load(c, NULL, err);
	if (r < 0)
		return r;
	r = fleet_file_parse(text, "t.fleet", &f, err);
	if (r < 0)
		return r;
	if (i < f.nguests)
		r = fleet_file_guest_config(&f, &f.guests[i], c, err);
	else
		r = -ERANGE;
	fleet_file_release(&f);
	return r;
}

struct want_value {
	enum opt_id id;
	const char *value;	/* lists joined by '|' */
	const char *origin;
};

TEST(guest_config)
{
	static const char fleet[] =
		POOLS
		"defaults = { dist = \"trixie\"; memory = \"1G\";\n"
		"             dhcp = true; role = [ \"base\" ]; };\n"
		"guests = ( { hostname = \"web%02d\"; count = 3;\n"
		"             memory = \"2G\"; role = [ \"web server\", "
		"\"x,y\" ]; },\n"
		"           { hostname = \"db1\";\n"
		"             ip = [ \"10.0.0.5/24\" ]; vcpus = 4; },\n"
		"           { hostname = \"pooled\"; pool = \"lab\"; } );\n";
	static const char sys[] = "dist = bookworm\nvcpus = 2\nsize = 8G\n"
				  "nameserver = 9.9.9.9\n";
	static const char *const memflag[] = { "--memory", "4G", NULL };
	static const char *const dhcpflag[] = { "--dhcp", NULL };
	static const struct {
		size_t guest;
		const char *const *flags;
		struct want_value want[6];
	} cases[] = {
		{ 2, NULL,
		  { { O_HOSTNAME, "web03", "t.fleet:4" },
		    { O_DIST, "trixie", "t.fleet:2" },
		    { O_MEMORY, "2G", "t.fleet:5" },
		    { O_ROLE, "web server|x,y", "t.fleet:5" },
		    { O_VCPUS, "2", "sys.conf:2" },
		    { O_SIZE, "8G", "sys.conf:3" } } },
		{ 0, NULL,
		  { { O_HOSTNAME, "web01", "t.fleet:4" },
		    { O_DHCP, "1", "t.fleet:3" },
		    { O_NAMESERVER, "9.9.9.9", "sys.conf:4" },
		    { O_SWAP, "512M", "built-in default" } } },
		/* A guest's ip replaces dhcp from defaults. */
		{ 3, NULL,
		  { { O_HOSTNAME, "db1", "t.fleet:6" },
		    { O_IP, "10.0.0.5/24", "t.fleet:7" },
		    { O_DHCP, "1", "built-in default" },
		    { O_VCPUS, "4", "t.fleet:7" },
		    { O_MEMORY, "1G", "t.fleet:2" },
		    { O_ROLE, "base", "t.fleet:3" } } },
		/* Flags win over both, though applied first. */
		{ 2, memflag,
		  { { O_MEMORY, "4G", "--memory" },
		    { O_DIST, "trixie", "t.fleet:2" },
		    { O_HOSTNAME, "web03", "t.fleet:4" } } },
		{ 3, memflag,
		  { { O_MEMORY, "4G", "--memory" },
		    { O_VCPUS, "4", "t.fleet:7" } } },
		{ 3, dhcpflag,
		  { { O_DHCP, "1", "--dhcp" },
		    { O_IP, "", "built-in default" },
		    { O_HOSTNAME, "db1", "t.fleet:6" } } },
		/* The pool's addresses are not this module's to add. */
		{ 4, NULL,
		  { { O_HOSTNAME, "pooled", "t.fleet:8" },
		    { O_DHCP, "1", "t.fleet:3" },
		    { O_IP, "", "built-in default" } } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(guest_config(fleet, cases[i].guest, sys,
					 cases[i].flags, &c, &err), 0);
		CHECK_STREQ(err.buf, "");
		for (size_t j = 0; j < 6 && cases[i].want[j].value; j++) {
			const struct want_value *w = &cases[i].want[j];
			const char *got = option_defs[w->id].type == OPT_LIST ?
				joined(config_get_list(&c, w->id), &sb) :
				config_get(&c, w->id);

			CHECK_STREQ(got, w->value);
			CHECK_STREQ(config_origin(&c, w->id), w->origin);
		}
		report_case(before, i, cases[i].want[0].value);
		strbuf_release(&err);
		strbuf_release(&sb);
		config_release(&c);
	}
}

/* ---- reading a file ---- */

TEST(load)
{
	const char *base = getenv("TMPDIR");
	char *dir = path_join(base && *base ? base : "/tmp",
			      "u-fleet-file.XXXXXX");
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct fleet_file f = { .nguests = 42 };
	struct config c;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	strbuf_addf(&path, "%s/fleet.conf", dir);

	CHECK_INTEQ(fleet_file_load(path.buf, &f, &err), -ENOENT);
	CHECK(!strncmp(err.buf, "cannot read '", 13));
	CHECK(strstr(err.buf, "': No such file or directory"));
	CHECK_INTEQ(f.nguests, 42);
	strbuf_reset(&err);

	CHECK_INTEQ(write_string(path.buf, example, 0644), 0);
	CHECK_INTEQ(fleet_file_load(path.buf, &f, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(f.name, path.buf);
	CHECK_INTEQ(f.nguests, 5);
	config_init_defaults(&c);
	CHECK_INTEQ(fleet_file_guest_config(&f, &f.guests[4], &c, &err), 0);
	strbuf_addstr(&path, ":5");
	CHECK_STREQ(config_origin(&c, O_SIZE), path.buf);
	CHECK_STREQ(config_get(&c, O_HOSTNAME), "db1");
	config_release(&c);
	fleet_file_release(&f);

	strbuf_setlen(&path, path.len - 2);
	CHECK_INTEQ(write_string(path.buf, "\nguests = ( );\n", 0644), 0);
	CHECK_INTEQ(fleet_file_load(path.buf, &f, &err), -EINVAL);
	strbuf_addstr(&path, ":2: 'guests' holds no guest");
	CHECK_STREQ(err.buf, path.buf);

	(void)rm_rf(dir);
	free(dir);
	strbuf_release(&path);
	strbuf_release(&err);
}

/* A password in a fleet file that others may read: a warning naming it. */
TEST(load_password_readable)
{
	static const struct {
		const char *text;
		mode_t mode;
		int warns;
	} cases[] = {
		{ "defaults = { password = \"s3cr3t\"; };\n"
		  "guests = ( { hostname = \"a\"; } );\n", 0644, 1 },
		{ "guests = ( { hostname = \"a\"; },\n"
		  "  { hostname = \"b\"; password = \"s3cr3t\"; } );\n",
		  0604, 1 },
		{ "defaults = { password = \"s3cr3t\"; };\n"
		  "guests = ( { hostname = \"a\"; } );\n", 0600, 0 },
		{ "guests = ( { hostname = \"a\"; memory = \"1G\"; } );\n",
		  0644, 0 },
		{ "guests = ( { hostname = \"a\"; password = \"\"; } );\n",
		  0644, 0 },
	};
	const char *base = getenv("TMPDIR");
	char *dir = path_join(base && *base ? base : "/tmp",
			      "u-fleet-file.XXXXXX");
	struct strbuf path = STRBUF_INIT, want = STRBUF_INIT;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	strbuf_addf(&path, "%s/fleet.conf", dir);
	strbuf_addf(&want, "'%s' holds a password and is readable by others",
		    path.buf);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct fleet_file f;

		CHECK_INTEQ(write_string(path.buf, cases[i].text,
					 cases[i].mode), 0);
		CHECK_INTEQ(fleet_file_load(path.buf, &f, &err), 0);
		CHECK_STREQ(err.buf, "");
		if (!err.len) {
			CHECK_INTEQ(f.warnings.nr, cases[i].warns);
			if (f.warnings.nr)
				CHECK_STREQ(f.warnings.v[0], want.buf);
			fleet_file_release(&f);
		}
		strbuf_release(&err);
	}
	(void)rm_rf(dir);
	free(dir);
	strbuf_release(&path);
	strbuf_release(&want);
}
