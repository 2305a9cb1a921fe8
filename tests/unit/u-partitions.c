/*
 * u-partitions.c: partitions.d files: what a good one gives, in which
 * order, and the one line a bad one is refused with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "macros.h"
#include "parse.h"
#include "partitions.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

/* xen-tools' /etc/xen-tools/partitions.d/sample-server, verbatim. */
static const char sample_server[] =
	"[root]\n"
	"size=1G\n"
	"type=ext3\n"
	"mountpoint=/\n"
	"options=defaults,errors=remount-ro\n"
	"\n"
	"[swap]\n"
	"size=2G\n"
	"type=swap\n"
	"\n"
	"[home]\n"
	"size=1G\n"
	"type=xfs\n"
	"mountpoint=/home\n"
	"options=nodev,nosuid\n"
	"\n"
	"[opt]\n"
	"size=1.5G\n"
	"type=xfs\n"
	"mountpoint=/opt\n"
	"options=nodev\n"
	"\n"
	"[tmp]\n"
	"size=0.5G\n"
	"type=xfs\n"
	"mountpoint=/tmp\n"
	"options=nodev,nosuid\n"
	"\n"
	"[usr]\n"
	"size=4G\n"
	"type=xfs\n"
	"mountpoint=/usr\n"
	"options=nodev\n"
	"\n"
	"[var]\n"
	"size=4G\n"
	"type=xfs\n"
	"mountpoint=/var\n"
	"options=nodev,nosuid\n"
	"\n"
	"[var-tmp]\n"
	"size=1.5G\n"
	"type=xfs\n"
	"mountpoint=/var/tmp\n"
	"options=nodev,nosuid\n";

/* The list as "name:size:type:mountpoint:options ..." ('-' for none). */
static void describe(const struct partitions *p, struct strbuf *sb)
{
	for (size_t i = 0; i < p->nr; i++) {
		const struct partition *q = &p->p[i];
		char size[32];

		format_size(q->size, size, sizeof(size));
		strbuf_addf(sb, "%s%s:%s:%s:%s:%s", i ? " " : "", q->name,
			    size, q->type, q->mountpoint ? q->mountpoint : "-",
			    q->options);
	}
}

TEST(good)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ sample_server,
		  "swap:2G:swap:-:sw "
		  "root:1G:ext3:/:defaults,errors=remount-ro "
		  "opt:1536M:xfs:/opt:nodev "
		  "tmp:512M:xfs:/tmp:nodev,nosuid "
		  "usr:4G:xfs:/usr:nodev "
		  "var:4G:xfs:/var:nodev,nosuid "
		  "home:1G:xfs:/home:nodev,nosuid "
		  "var-tmp:1536M:xfs:/var/tmp:nodev,nosuid" },
		/* The header's example; default options. */
		{ "[root]\nsize=4G\ntype=ext4\nmountpoint=/\n"
		  "options=errors=remount-ro\n\n[swap]\nsize=512M\ntype=swap\n",
		  "swap:512M:swap:-:sw root:4G:ext4:/:errors=remount-ro" },
		{ "[root]\nsize=1G\ntype=btrfs\nmountpoint=/\n",
		  "root:1G:btrfs:/:defaults" },
		/* Spaces around '=', around names, before comments; CRLF;
		 * keys in any order; "options=" is the default. */
		{ "# a comment\n"
		  "; another\n"
		  "  [ root ]  \r\n"
		  "  mountpoint =  /  \r\n"
		  "type= ext4\r\n"
		  "   # indented comment\n"
		  "size =512Mb\n"
		  "options=\n",
		  "root:512M:ext4:/:defaults" },
		/* Size forms: xen-tools' suffixes, a bare number is MiB. */
		{ "[a]\nsize=100k\ntype=ext2\nmountpoint=/\n"
		  "[b]\nsize=0.5G\ntype=ext3\nmountpoint=/b\n"
		  "[c]\nsize=2Gb\ntype=ext4\nmountpoint=/c\n"
		  "[d]\nsize=64\ntype=xfs\nmountpoint=/d\n"
		  "[e]\nsize=1T\ntype=btrfs\nmountpoint=/e\n",
		  "a:100k:ext2:/:defaults b:512M:ext3:/b:defaults "
		  "c:2G:ext4:/c:defaults d:64M:xfs:/d:defaults "
		  "e:1T:btrfs:/e:defaults" },
		/* Mount points come back normalised. */
		{ "[root]\nsize=1G\ntype=ext4\nmountpoint=//./\n"
		  "[vt]\nsize=1G\ntype=ext4\nmountpoint=/var//./tmp/\n",
		  "root:1G:ext4:/:defaults vt:1G:ext4:/var/tmp:defaults" },
		/* Stable: equal lengths keep the file's order, two swaps
		 * both come first, options on swap are kept. */
		{ "[zz]\nsize=1G\ntype=ext4\nmountpoint=/zz\n"
		  "[s1]\nsize=1G\ntype=swap\noptions=sw,pri=1\n"
		  "[aa]\nsize=1G\ntype=ext4\nmountpoint=/aa\n"
		  "[root]\nsize=1G\ntype=ext4\nmountpoint=/\n"
		  "[s2]\nsize=1G\ntype=swap\n"
		  "[Mm-9]\nsize=1G\ntype=ext4\nmountpoint=/mm\n",
		  "s1:1G:swap:-:sw,pri=1 s2:1G:swap:-:sw "
		  "root:1G:ext4:/:defaults zz:1G:ext4:/zz:defaults "
		  "aa:1G:ext4:/aa:defaults Mm-9:1G:ext4:/mm:defaults" },
		/* No newline at the end. */
		{ "[root]\nsize=3G\ntype=ext4\nmountpoint=/",
		  "root:3G:ext4:/:defaults" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct partitions p = PARTITIONS_INIT;
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		int r = partitions_parse("t", cases[i].text, &p, &err);

		CHECK_INTEQ(r, 0);
		CHECK_STREQ(err.buf, "");
		describe(&p, &got);
		CHECK_STREQ(got.buf, cases[i].want);
		partitions_release(&p);
		CHECK(!p.p && !p.nr);
		strbuf_release(&got);
		strbuf_release(&err);
	}
}

TEST(bad)
{
#define ROOT "[root]\nsize=1G\ntype=ext4\nmountpoint=/\n"
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "", "t: no partition is mounted at '/'" },
		{ "# nothing\n\n", "t: no partition is mounted at '/'" },
		{ "[swap]\nsize=1G\ntype=swap\n[home]\nsize=1G\ntype=ext4\n"
		  "mountpoint=/home\n",
		  "t: no partition is mounted at '/'" },
		{ "size=1G\n" ROOT,
		  "t:1: 'size' is outside any [partition] section" },
		{ "[a b]\n",
		  "t:1: invalid partition name 'a b' (letters, digits and "
		  "'-' only)" },
		{ "[]\n",
		  "t:1: invalid partition name '' (letters, digits and '-' "
		  "only)" },
		{ "[var_tmp]\n",
		  "t:1: invalid partition name 'var_tmp' (letters, digits "
		  "and '-' only)" },
		{ "[root\n", "t:1: expected ']' at the end of '[root'" },
		{ ROOT "\n[root]\n",
		  "t:6: partition 'root' is defined twice (first on line 1)" },
		{ ROOT "fstype=ext4\n",
		  "t:5: unknown key 'fstype' (want size, type, mountpoint or "
		  "options)" },
		{ ROOT "Size=1G\n",
		  "t:5: unknown key 'Size' (want size, type, mountpoint or "
		  "options)" },
		{ "[root]\nsize=1G\n\nsize = 2G\n",
		  "t:4: 'size' given twice for partition 'root' (first on "
		  "line 2)" },
		{ "[root]\njust words\n",
		  "t:2: expected '[name]' or 'key=value', not 'just words'" },
		{ "[root]\n = 1G\n", "t:2: '=' without a key" },
		{ "[root]\nsize=\n", "t:2: 'size' has no value" },
		{ "[root]\nsize=lots\n",
		  "t:2: invalid size 'lots' (want a number and K, M, G or "
		  "T)" },
		{ "[root]\nsize=1 G\n",
		  "t:2: invalid size '1 G' (want a number and K, M, G or "
		  "T)" },
		{ "[root]\nsize=-1G\n",
		  "t:2: invalid size '-1G' (want a number and K, M, G or "
		  "T)" },
		{ "[root]\nsize=0\n", "t:2: size '0' is not more than 0" },
		{ "[root]\nsize=0.0G\n",
		  "t:2: size '0.0G' is not more than 0" },
		{ "[root]\nsize=99999999999T\n",
		  "t:2: size '99999999999T' is too large" },
		/* Once 2^64 + 3G, which wrapped to 3G. */
		{ "[root]\nsize=18446744073709551619G\n",
		  "t:2: size '18446744073709551619G' is too large" },
		{ "[root]\nsize=8796093022208M\n",
		  "t:2: size '8796093022208M' is more than a disk can hold "
		  "(at most 8796093022207M)" },
		{ "[root]\ntype=ext5\n",
		  "t:2: unknown type 'ext5' (want swap, ext2, ext3, ext4, "
		  "xfs or btrfs)" },
		{ "[root]\ntype=EXT4\n",
		  "t:2: unknown type 'EXT4' (want swap, ext2, ext3, ext4, "
		  "xfs or btrfs)" },
		{ "[root]\nmountpoint=home\n",
		  "t:2: mount point 'home' is not absolute" },
		{ "[root]\nmountpoint=/var/../etc\n",
		  "t:2: mount point '/var/../etc' contains '..'" },
		{ "[root]\nmountpoint=/..\n",
		  "t:2: mount point '/..' contains '..'" },
		{ "[root]\nmountpoint=/my home\n",
		  "t:2: mount point '/my home' contains white space" },
		{ "[root]\noptions=a, b\n",
		  "t:2: mount options 'a, b' contain white space" },
		{ "[root]\ntype=ext4\nmountpoint=/\n[swap]\n",
		  "t:1: partition 'root' has no size" },
		{ ROOT "[swap]\nsize=1G\n",
		  "t:5: partition 'swap' has no type" },
		{ ROOT "[home]\nsize=1G\ntype=ext4\n",
		  "t:5: partition 'home' has no mount point" },
		{ ROOT "[swap]\nsize=1G\nmountpoint=/swap\ntype=swap\n",
		  "t:7: partition 'swap' is swap and takes no mount point" },
		{ ROOT "[root2]\nsize=1G\ntype=ext4\nmountpoint=/\n",
		  "t:8: mount point '/' is also that of partition 'root' "
		  "(line 4)" },
		{ ROOT "[a]\nmountpoint=/var\nsize=1G\ntype=xfs\n"
		  "[b]\nsize=1G\ntype=xfs\nmountpoint=/var/\n",
		  "t:12: mount point '/var' is also that of partition 'a' "
		  "(line 6)" },
	};
#undef ROOT

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct partitions p = PARTITIONS_INIT;
		struct strbuf err = STRBUF_INIT;
		int r = partitions_parse("t", cases[i].text, &p, &err);

		CHECK_INTEQ(r, -EINVAL);
		CHECK_STREQ(err.buf, cases[i].want);
		/* ret is written only on success. */
		CHECK(!p.p && !p.nr);
		strbuf_release(&err);
	}
}

/* Each size keeps the line it was given on, for the back ends' messages. */
TEST(origins)
{
	struct partitions p = PARTITIONS_INIT;
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(partitions_parse("f.d/x", "[root]\ntype=ext4\n"
				     "mountpoint=/\nsize=8796093022207M\n\n"
				     "[swap]\nsize=1G\ntype=swap\n", &p,
				     &err), 0);
	CHECK_INTEQ(p.nr, 2);
	if (p.nr == 2) {
		CHECK_STREQ(p.p[0].origin, "f.d/x:7");
		CHECK_STREQ(p.p[1].origin, "f.d/x:4");
		CHECK(p.p[1].size == PARTITION_SIZE_MAX);
	}
	partitions_release(&p);
	strbuf_release(&err);
}

/* The files shipped in etc/partitions.d (tests run from the top). */
TEST(shipped_files)
{
	static const struct {
		const char *path;
		const char *want;
	} cases[] = {
		{ "etc/partitions.d/example",
		  "swap:128M:swap:-:sw root:1G:ext4:/:errors=remount-ro "
		  "home:320M:xfs:/home:nodev,nosuid" },
		{ "etc/partitions.d/sample-server",
		  "swap:128M:swap:-:sw "
		  "root:256M:ext4:/:defaults,errors=remount-ro "
		  "opt:64M:ext4:/opt:nodev "
		  "tmp:64M:ext4:/tmp:nodev,nosuid "
		  "usr:1536M:ext4:/usr:nodev "
		  "var:512M:ext4:/var:nodev,nosuid "
		  "home:320M:xfs:/home:nodev,nosuid "
		  "var-tmp:64M:ext4:/var/tmp:nodev,nosuid" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct partitions p = PARTITIONS_INIT;
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;

		CHECK_INTEQ(partitions_load(cases[i].path, &p, &err), 0);
		CHECK_STREQ(err.buf, "");
		describe(&p, &got);
		CHECK_STREQ(got.buf, cases[i].want);
		partitions_release(&p);
		strbuf_release(&got);
		strbuf_release(&err);
	}
}

TEST(load)
{
	const char *base = getenv("TMPDIR");
	struct partitions p = PARTITIONS_INIT;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *dir, *file, *missing;

	if (!base || !*base)
		base = "/tmp";
	dir = path_join(base, "u-partitions.XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		abort();
	}
	file = path_join(dir, "server");
	missing = path_join(dir, "missing");

	/* Messages name the file as given. */
	CHECK_INTEQ(write_string(file, sample_server, 0644), 0);
	CHECK_INTEQ(partitions_load(file, &p, &err), 0);
	CHECK_INTEQ(p.nr, 8);
	CHECK_STREQ(p.p[0].name, "swap");
	CHECK_INTEQ(p.p[7].size, 3ULL << 29);
	partitions_release(&p);

	CHECK_INTEQ(write_string(file, "[root]\nsize=1G\ntype=ext4\n"
				 "mountpoint=/\nowner=me\n", 0644), 0);
	CHECK_INTEQ(partitions_load(file, &p, &err), -EINVAL);
	strbuf_addf(&want, "%s:5: unknown key 'owner' (want size, type, "
		    "mountpoint or options)", file);
	CHECK_STREQ(err.buf, want.buf);
	CHECK(!p.p);

	/* A NUL would hide the rest of the file from the parser. */
	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(write_file(file, "[root]\0size=1G\n", 15, 0644), 0);
	CHECK_INTEQ(partitions_load(file, &p, &err), -EINVAL);
	strbuf_addf(&want, "%s: contains a NUL byte", file);
	CHECK_STREQ(err.buf, want.buf);

	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(partitions_load(missing, &p, &err), -ENOENT);
	strbuf_addf(&want, "cannot read '%s': %s", missing,
		    strerror(ENOENT));
	CHECK_STREQ(err.buf, want.buf);
	CHECK(!p.p);

	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(partitions_load(dir, &p, &err), -EISDIR);
	strbuf_addf(&want, "cannot read '%s': %s", dir, strerror(EISDIR));
	CHECK_STREQ(err.buf, want.buf);

	partitions_release(&p);
	partitions_release(NULL);
	CHECK_INTEQ(rm_rf(dir), 0);
	strbuf_release(&want);
	strbuf_release(&err);
	free(missing);
	free(file);
	free(dir);
}
