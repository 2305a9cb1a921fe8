/*
 * u-lvm.c: the command lines lvm.c hands liblvm2cmd that can be built
 * without a volume group: thin volumes (--lvm-thin), which need
 * device-mapper to be made at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lvm.h"
#include "macros.h"
#include "strbuf.h"
#include "unit.h"

UNIT_MAIN

TEST(thin_cmdline)
{
	static const char *const one_tag[] = { "create-image:web1", NULL };
	static const char *const two_tags[] = { "a", "b+c", NULL };
	static const struct {
		const char *vg, *pool, *lv;
		uint64_t size;
		const char *const *tags;
		const char *want;
	} cases[] = {
		{ "vg0", "pool0", "web1-disk", 4ULL << 30, one_tag,
		  "lvcreate -ay -Wn -y -T vg0/pool0 -V 4294967296b -n web1-disk "
		  "--addtag create-image:web1" },
		{ "vg0", "thin", "web1-swap", 128ULL << 20, NULL,
		  "lvcreate -ay -Wn -y -T vg0/thin -V 134217728b -n web1-swap" },
		{ "data.vg", "p_1", "x", 1, two_tags,
		  "lvcreate -ay -Wn -y -T data.vg/p_1 -V 1b -n x --addtag a "
		  "--addtag b+c" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf cmd = STRBUF_INIT;

		lvm_thin_cmdline(cases[i].vg, cases[i].pool, cases[i].lv,
				 cases[i].size, cases[i].tags, &cmd);
		CHECK_STREQ(cmd.buf, cases[i].want);
		strbuf_release(&cmd);
	}
}

TEST(thin_create_refused)
{
	static const char *const bad_tag[] = { "a#b", NULL };
	struct strbuf err = STRBUF_INIT;

	/* Names and tags are checked before LVM or device-mapper is asked. */
	CHECK_INTEQ(lvm_thin_create("vg0", "-pool", "web1-disk", 1 << 20, NULL,
				    &err), -EINVAL);
	CHECK(strstr(err.buf, "-pool") != NULL);
	strbuf_reset(&err);
	CHECK_INTEQ(lvm_thin_create("vg 0", "pool", "web1-disk", 1 << 20, NULL,
				    &err), -EINVAL);
	strbuf_reset(&err);
	CHECK_INTEQ(lvm_thin_create("vg0", "pool", "web1-disk", 1 << 20,
				    bad_tag, &err), -EINVAL);
	CHECK_STREQ(err.buf, "invalid tag 'a#b'");
	strbuf_reset(&err);
	CHECK_INTEQ(lvm_thin_create("vg0", "pool", "web1-disk", 0, NULL, &err),
		    -EINVAL);
	CHECK_STREQ(err.buf, "logical volume 'vg0/web1-disk' would be empty");
	strbuf_reset(&err);
	/* Without device-mapper (as here in the suite), said before LVM is
	 * asked about the pool. */
	if (!lvm_dm_available()) {
		CHECK_INTEQ(lvm_thin_create("vg0", "pool", "web1-disk", 1 << 20,
					    NULL, &err), -ENOTSUP);
		CHECK_STREQ(err.buf, "thin volumes need device-mapper, which "
			    "this host lacks");
	}
	strbuf_release(&err);
}
