/*
 * u-settings.c: what a guest's record keeps of its settings, in one form
 * per value, and which keys differ between two records.
 */
#include <string.h>

#include "config.h"
#include "options.h"
#include "settings.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"

UNIT_MAIN

/* The record of the built-in defaults plus "key=value" flags. */
static void record(const char *const *flags, const char *pool,
		   struct strvec *ret)
{
	struct config c;
	struct strbuf err = STRBUF_INIT;

	config_init_defaults(&c);
	for (size_t i = 0; flags && flags[i]; i++) {
		const char *eq = strchr(flags[i], '=');
		struct strbuf key = STRBUF_INIT;

		strbuf_add(&key, flags[i], (size_t)(eq - flags[i]));
		CHECK_INTEQ(config_set(&c, option_find(key.buf), eq + 1,
				       "--test", LAYER_FLAGS, &err), 0);
		strbuf_release(&key);
	}
	CHECK_STREQ(err.buf, "");
	settings_record(&c, pool, ret);
	config_release(&c);
	strbuf_release(&err);
}

static const char *value_of(const struct strvec *kv, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < kv->nr; i++)
		if (!strncmp(kv->v[i], key, n) && kv->v[i][n] == '=')
			return kv->v[i] + n + 1;
	return NULL;
}

TEST(canonical_values)
{
	static const char *const flags[] = {
		"size=4096M", "memory=512M", "genpass=yes", "vcpus=2",
		"nameserver=192.0.2.53 192.0.2.54", NULL,
	};
	struct strvec kv = STRVEC_INIT;

	record(flags, NULL, &kv);
	CHECK_STREQ(value_of(&kv, "size"), "4294967296");
	CHECK_STREQ(value_of(&kv, "memory"), "536870912");
	CHECK_STREQ(value_of(&kv, "genpass"), "1");
	CHECK_STREQ(value_of(&kv, "vcpus"), "2");
	CHECK_STREQ(value_of(&kv, "nameserver"), "192.0.2.53, 192.0.2.54");
	CHECK_STREQ(value_of(&kv, "dist"), "bookworm");
	CHECK_STREQ(value_of(&kv, "arch"), "");
	CHECK(value_of(&kv, "pool") == NULL);
	strvec_clear(&kv);
}

/* What steers a run, what is secret, what only the command line takes. */
TEST(not_kept)
{
	static const char *const flags[] = {
		"force=1", "verbose=1", "password=s3cret", "cachedir=/x", NULL,
	};
	static const char *const gone[] = {
		"boot", "cache", "cachedir", "force", "keep", "verbose",
		"wipe", "password", "dry-run", "json", "config", "help",
		"dumpconfig", "version",
	};
	struct strvec kv = STRVEC_INIT;

	record(flags, NULL, &kv);
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		CHECK(value_of(&kv, gone[i]) == NULL);
	for (size_t i = 0; i < kv.nr; i++)
		CHECK(strstr(kv.v[i], "s3cret") == NULL);
	strvec_clear(&kv);
}

/* A pool's guest keeps the pool's name, not the addresses it gave. */
TEST(pool_instead_of_addresses)
{
	static const char *const flags[] = {
		"ip=192.0.2.100/24", "gateway=192.0.2.1",
		"mac=00:16:3e:00:00:01", NULL,
	};
	static const char *const given[] = {
		"ip", "mac", "gateway", "netmask", "nameserver", "dhcp",
		"randommac", "broadcast",
	};
	struct strvec kv = STRVEC_INIT;

	record(flags, "lab", &kv);
	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		CHECK(value_of(&kv, given[i]) == NULL);
	CHECK_STREQ(value_of(&kv, "pool"), "lab");
	CHECK_STREQ(kv.v[kv.nr - 1], "pool=lab");
	strvec_clear(&kv);
}

TEST(diff)
{
	static const struct {
		const char *want, *have, *keys;
	} cases[] = {
		{ "a=1 b=2", "a=1 b=2", "" },
		{ "a=1 b=2", "b=2 a=1", "" },
		{ "a=1 b=2", "a=1 b=3", "b" },
		{ "a=1 b=2", "a=1", "b" },
		/* A key a record lacks is empty: one added since, unset. */
		{ "a=1", "a=1 c=", "" },
		{ "a=1 c=", "a=1", "" },
		{ "a=1 c=x", "a=1", "c" },
		{ "a=1", "a=1 c=x", "c" },
		{ "a=1 b=2 c=3", "a=0 b=2 d=4", "a c d" },
		{ "pool=lab", "pool=dmz", "pool" },
		{ "", "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strvec want = STRVEC_INIT, have = STRVEC_INIT,
			      keys = STRVEC_INIT;
		struct strbuf got = STRBUF_INIT;

		strvec_split(&want, cases[i].want, " ");
		strvec_split(&have, cases[i].have, " ");
		settings_diff(&want, &have, &keys);
		for (size_t k = 0; k < keys.nr; k++)
			strbuf_addf(&got, "%s%s", k ? " " : "", keys.v[k]);
		CHECK_STREQ(got.buf, cases[i].keys);
		strvec_clear(&want);
		strvec_clear(&have);
		strvec_clear(&keys);
		strbuf_release(&got);
	}
}

/* "4G" and "4096M" are one size: a guest does not differ for it. */
TEST(same_recipe_other_spelling)
{
	static const char *const a[] = { "size=4G", "memory=256M", NULL };
	static const char *const b[] = { "size=4096M", "memory=262144k",
					 NULL };
	struct strvec x = STRVEC_INIT, y = STRVEC_INIT, keys = STRVEC_INIT;

	record(a, NULL, &x);
	record(b, NULL, &y);
	settings_diff(&x, &y, &keys);
	CHECK_INTEQ(keys.nr, 0);
	strvec_clear(&x);
	strvec_clear(&y);
	strvec_clear(&keys);
}

/*
 * Settings added since a guest was recorded, left at their defaults, keep
 * it matching its record: the device options of xen-tools default to
 * unset, which a record without their keys also says.
 */
TEST(added_settings_left_unset)
{
	static const char *const added[] = { "disk-device", "ide", "scsi",
					     "serial-device", "dontformat",
					     "lvm-thin", "modules", NULL };
	static const char *const scsi[] = { "scsi=1", NULL };
	struct strvec now = STRVEC_INIT, old = STRVEC_INIT, keys = STRVEC_INIT;

	record(NULL, NULL, &now);
	for (size_t i = 0; i < now.nr; i++) {
		size_t n = strcspn(now.v[i], "=");
		int skip = 0;

		for (size_t k = 0; added[k]; k++)
			if (strlen(added[k]) == n &&
			    !strncmp(now.v[i], added[k], n))
				skip = 1;
		if (!skip)
			strvec_push(&old, now.v[i]);
	}
	CHECK(old.nr + 7 == now.nr);
	settings_diff(&now, &old, &keys);
	CHECK_INTEQ((int)keys.nr, 0);
	strvec_clear(&now);
	/* Set, they do count. */
	record(scsi, NULL, &now);
	settings_diff(&now, &old, &keys);
	CHECK_INTEQ((int)keys.nr, 1);
	CHECK_STREQ(keys.nr ? keys.v[0] : "", "scsi");
	strvec_clear(&now);
	strvec_clear(&old);
	strvec_clear(&keys);
}
