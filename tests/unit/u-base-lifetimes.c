/*
 * u-base-lifetimes.c: a base image is named by its archive's content, a
 * guest's record that names it as backing makes it a dependant (found by
 * the same path or the same file), prune decides by a table, removing a
 * base keeps the images its guests read, and flatten turns a real qcow2
 * overlay into a standalone image with the same content.
 *
 * Each test that reads records points $CREATE_IMAGE_STATEDIR at a fresh
 * directory, and makes its cache directory beside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base-cache.h"
#include "base-image.h"
#include "flatten.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "manifest.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define BASE "bookworm-amd64-0123456789ab"
#define SUM_OLD "aaaaaaaaaaaa"
#define SUM_NEW "bbbbbbbbbbbb"

static char *scratch;

/* A fresh scratch directory with state/ (STATEDIR) and bases/ in it;
 * returns the bases directory. */
static char *fresh(void)
{
	const char *tmp = getenv("TMPDIR");
	char *state, *bases;

	if (scratch) {
		rm_rf(scratch);
		free(scratch);
	}
	scratch = path_join(tmp && *tmp ? tmp : "/tmp", "u-lifetimes.XXXXXX");
	if (!mkdtemp(scratch))
		abort();
	state = path_join(scratch, "state");
	setenv("CREATE_IMAGE_STATEDIR", state, 1);
	free(state);
	bases = path_join(scratch, "bases");
	CHECK_INTEQ(mkdir(bases, 0755), 0);
	return bases;
}

static void entry(struct base_entry *e, const char *dir, char sumc)
{
	struct strbuf sb = STRBUF_INIT;

	memset(e, 0, sizeof(*e));
	e->name = xstrdup(BASE);
	strbuf_addf(&sb, "%s/%s.tar.zst", dir, BASE);
	e->archive = strbuf_detach(&sb, NULL);
	memset(e->sha256, sumc, 64);
}

/* A guest on image files, its disk at disk, reading backing. */
static void write_guest(const char *host, const char *disk,
			const char *backing)
{
	struct manifest m;
	struct manifest_disk *d;
	struct manifest_fs *f;
	struct strbuf err = STRBUF_INIT;
	char *path = manifest_path(host);

	manifest_init(&m);
	m.hostname = xstrdup(host);
	m.dist = xstrdup("bookworm");
	m.arch = xstrdup("amd64");
	m.created = xstrdup("2026-11-25T10:00:00Z");
	m.memory = 268435456;
	m.vcpus = 1;
	m.mac = xstrdup("00:16:3e:12:34:56");
	m.dhcp = 1;
	m.storage = xstrdup("dir");
	m.layout = xstrdup("volumes");
	m.dir = xstrdup("/srv/xen/domains/x");
	m.vg = xstrdup("");
	m.config = xstrdup("/etc/xen/x.cfg");
	m.base = xstrdup(BASE);
	m.backing = xstrdup(backing);
	d = manifest_add_disk(&m);
	d->vdev = xstrdup("xvda2");
	d->path = xstrdup(disk);
	d->format = xstrdup("qcow2");
	d->size = 64ULL << 20;
	d->owned = 1;
	f = manifest_add_fs(&m);
	f->mountpoint = xstrdup("/");
	f->type = xstrdup("ext4");
	f->size = 64ULL << 20;
	f->uuid = xstrdup("1b0f1a4e-0000-4000-8000-000000000002");
	f->disk = xstrdup("xvda2");
	CHECK_INTEQ(manifest_write(path, &m, &err), 0);
	manifest_release(&m);
	strbuf_release(&err);
	free(path);
}

/* An image file and its checksum file, both with some bytes. */
static char *make_image(const char *dir, const char *file)
{
	char *p = path_join(dir, file);
	struct strbuf sums = STRBUF_INIT;

	CHECK_INTEQ(write_file(p, "image", 5, 0644), 0);
	strbuf_addf(&sums, "%s.sha256", p);
	CHECK_INTEQ(write_file(sums.buf, "x\n", 2, 0644), 0);
	strbuf_release(&sums);
	return p;
}

static int exists_with_sum(const char *path)
{
	struct strbuf sums = STRBUF_INIT;
	int a = path_exists(path), b;

	strbuf_addf(&sums, "%s.sha256", path);
	b = path_exists(sums.buf);
	strbuf_release(&sums);
	CHECK_INTEQ(a, b);
	return a;
}

TEST(image_name_carries_the_archive_content)
{
	struct base_entry old, renewed;
	char *a, *b, *base = NULL;
	char sum[13];
	const char *slash;

	entry(&old, "/c/bases", 'a');
	entry(&renewed, "/c/bases", 'b');
	a = base_image_path(&old, "ext4", "qcow2");
	b = base_image_path(&renewed, "ext4", "qcow2");
	/* Same base name, same file system, new content: a new file. */
	CHECK(strcmp(a, b) != 0);
	CHECK(strstr(a, "-" SUM_OLD ".qcow2") != NULL);
	slash = strrchr(a, '/');
	CHECK_INTEQ(base_image_parse_name(slash + 1, &base, sum), 1);
	CHECK_STREQ(base, BASE);
	CHECK_STREQ(sum, SUM_OLD);
	free(base);
	free(a);
	free(b);
	base_entry_release(&old);
	base_entry_release(&renewed);
}

TEST(parse_name_table)
{
	static const struct {
		const char *file, *base, *sum;
		int is;
	} cases[] = {
		{ BASE ".ext4-0123456789ab-" SUM_OLD ".img", BASE, SUM_OLD, 1 },
		{ BASE ".xfs-0123456789ab-" SUM_NEW ".qcow2", BASE, SUM_NEW,
		  1 },
		/* Named before images carried their content. */
		{ BASE ".ext4-0123456789ab.img", BASE, "", 1 },
		{ "a.b.ext4-0123456789ab-" SUM_OLD ".img", "a.b", SUM_OLD, 1 },
		{ BASE ".tar.zst", NULL, NULL, 0 },
		{ BASE ".conf", NULL, NULL, 0 },
		{ BASE ".ext4-0123456789ab-" SUM_OLD ".img.sha256", NULL, NULL,
		  0 },
		{ BASE ".ext4-0123456789ab-" SUM_OLD ".img.raw-123", NULL,
		  NULL, 0 },
		{ BASE ".ext4-0123456789AB.img", NULL, NULL, 0 },
		{ BASE ".ext4-01234.img", NULL, NULL, 0 },
		{ ".ext4-0123456789ab.img", NULL, NULL, 0 },
		{ BASE ".0123456789ab.img", NULL, NULL, 0 },
		{ "disk.img", NULL, NULL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *base = NULL;
		char sum[13];
		int is = base_image_parse_name(cases[i].file, &base, sum);

		CHECK_INTEQ(is, cases[i].is);
		if (!is)
			continue;
		CHECK_STREQ(base, cases[i].base);
		CHECK_STREQ(sum, cases[i].sum);
		free(base);
	}
}

TEST(prune_fate_table)
{
	static const struct {
		int used, current, base_goes, damaged;
		enum base_image_fate fate;
		const char *why;
	} cases[] = {
		/* A guest reads it: kept, whatever else holds. */
		{ 1, 1, 0, 0, BASE_IMAGE_KEEP_FOR_GUESTS, "in use" },
		{ 1, 1, 0, 1, BASE_IMAGE_KEEP_FOR_GUESTS, "in use" },
		{ 1, 1, 1, 0, BASE_IMAGE_KEEP_FOR_GUESTS,
		  "orphan kept for its guests" },
		{ 1, 0, 0, 0, BASE_IMAGE_KEEP_FOR_GUESTS,
		  "orphan kept for its guests" },
		{ 1, 0, 1, 1, BASE_IMAGE_KEEP_FOR_GUESTS,
		  "orphan kept for its guests" },
		/* Nobody reads it. */
		{ 0, 1, 0, 0, BASE_IMAGE_KEEP, "current" },
		{ 0, 1, 0, 1, BASE_IMAGE_REMOVE, "damaged" },
		{ 0, 1, 1, 0, BASE_IMAGE_REMOVE, "with its base" },
		{ 0, 0, 0, 0, BASE_IMAGE_REMOVE, "its base is gone" },
		{ 0, 0, 1, 0, BASE_IMAGE_REMOVE, "its base is gone" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;

		CHECK_INTEQ(base_image_fate(cases[i].used, cases[i].current,
					    cases[i].base_goes,
					    cases[i].damaged, &why),
			    cases[i].fate);
		CHECK_STREQ(why, cases[i].why);
	}
}

TEST(dependants_are_found_by_path_or_by_file)
{
	struct base_image_users u = BASE_IMAGE_USERS_INIT;
	struct strbuf err = STRBUF_INIT, other = STRBUF_INIT;
	struct strvec who = STRVEC_INIT;
	struct base_image *v = NULL;
	struct base_entry old, renewed;
	char *dir = fresh(), *a, *b, *link;
	size_t n = 0;

	entry(&old, dir, 'a');
	entry(&renewed, dir, 'b');
	a = base_image_path(&old, "ext4", "qcow2");
	b = base_image_path(&renewed, "ext4", "qcow2");
	free(make_image(dir, strrchr(a, '/') + 1));
	free(make_image(dir, strrchr(b, '/') + 1));
	/* The same cache reached through a symbolic link. */
	link = path_join(scratch, "cache-link");
	CHECK_INTEQ(symlink(dir, link), 0);
	strbuf_addf(&other, "%s/%s", link, strrchr(a, '/') + 1);

	/* No records yet: nobody. */
	CHECK_INTEQ(base_image_users_read(&u, &err), 0);
	CHECK_INTEQ(u.unknown, 0);
	CHECK_INTEQ(base_image_users_of(&u, a, &who), 0);
	base_image_users_release(&u);

	write_guest("web1", "/srv/web1/disk.qcow2", a);
	write_guest("web2", "/srv/web2/disk.qcow2", other.buf);
	write_guest("web3", "/srv/web3/disk.qcow2", "");
	CHECK_INTEQ(base_image_users_read(&u, &err), 0);
	CHECK_INTEQ(u.unknown, 0);
	CHECK_INTEQ(base_image_users_of(&u, a, &who), 2);
	CHECK_STREQ(who.v[0], "web1");
	CHECK_STREQ(who.v[1], "web2");
	strvec_clear(&who);
	CHECK_INTEQ(base_image_users_of(&u, b, &who), 0);
	CHECK_INTEQ(base_image_in_use(a), 1);
	CHECK_INTEQ(base_image_in_use(other.buf), 1);
	CHECK_INTEQ(base_image_in_use(b), 0);

	CHECK_INTEQ(base_image_list(dir, NULL, &u, &v, &n), 0);
	CHECK_INTEQ(n, 2);
	CHECK_STREQ(v[0].path, a);
	CHECK_INTEQ(v[0].dependants.nr, 2);
	CHECK_INTEQ(base_image_of_current(&v[0], &renewed), 0);
	CHECK_INTEQ(base_image_of_current(&v[0], &old), 1);
	CHECK_INTEQ(base_image_of_current(&v[0], NULL), 0);
	CHECK_STREQ(v[1].path, b);
	CHECK_INTEQ(v[1].dependants.nr, 0);
	CHECK_INTEQ(base_image_of_current(&v[1], &renewed), 1);
	base_image_list_free(v, n);
	CHECK_INTEQ(base_image_list(dir, "other-base", &u, &v, &n), 0);
	CHECK_INTEQ(n, 0);
	base_image_list_free(v, n);
	base_image_users_release(&u);

	strbuf_release(&err);
	strbuf_release(&other);
	strvec_clear(&who);
	base_entry_release(&old);
	base_entry_release(&renewed);
	free(a);
	free(b);
	free(link);
	free(dir);
}

TEST(removing_a_base_keeps_the_images_its_guests_read)
{
	struct base_entry old, renewed;
	struct strbuf bad = STRBUF_INIT;
	char *dir = fresh(), *a, *b, *raw, *state;

	entry(&old, dir, 'a');
	entry(&renewed, dir, 'b');
	a = base_image_path(&old, "ext4", "qcow2");
	b = base_image_path(&renewed, "ext4", "qcow2");
	raw = base_image_path(&renewed, "xfs", "raw");
	free(make_image(dir, strrchr(a, '/') + 1));
	free(make_image(dir, strrchr(b, '/') + 1));
	free(make_image(dir, strrchr(raw, '/') + 1));
	write_guest("web1", "/srv/web1/disk.qcow2", a);

	CHECK_INTEQ(base_image_remove_all(dir, BASE), 0);
	CHECK_INTEQ(exists_with_sum(a), 1);
	CHECK_INTEQ(exists_with_sum(b), 0);
	CHECK_INTEQ(exists_with_sum(raw), 0);

	/* A record that cannot be read might name it: it stays. */
	state = manifest_path("broken");
	strbuf_addstr(&bad, "version = ;\n");
	CHECK_INTEQ(write_file(state, bad.buf, bad.len, 0644), 0);
	write_guest("web1", "/srv/web1/disk.qcow2", "");
	CHECK_INTEQ(base_image_remove_all(dir, BASE), 0);
	CHECK_INTEQ(exists_with_sum(a), 1);

	/* The last dependant gone, the next removal takes it. */
	CHECK_INTEQ(unlink(state), 0);
	CHECK_INTEQ(base_image_remove_all(dir, BASE), 0);
	CHECK_INTEQ(exists_with_sum(a), 0);

	strbuf_release(&bad);
	base_entry_release(&old);
	base_entry_release(&renewed);
	free(state);
	free(a);
	free(b);
	free(raw);
	free(dir);
}

/* A qcow2 base with data, and an overlay over it with data of its own. */
static void make_overlay(const char *base, const char *overlay)
{
	const char *create_base[] = { "qemu-img", "create", "-q", "-f",
				      "qcow2", base, "8M", NULL };
	const char *write_base[] = { "qemu-io", "-f", "qcow2", "-c",
				     "write -P 0x41 0 1M", base, NULL };
	const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2",
				 "-b", base, "-F", "qcow2", overlay, NULL };
	const char *write_top[] = { "qemu-io", "-f", "qcow2", "-c",
				    "write -P 0x42 4M 1M", overlay, NULL };

	CHECK_INTEQ(unit_run_quiet(create_base), 0);
	CHECK_INTEQ(unit_run_quiet(write_base), 0);
	CHECK_INTEQ(unit_run_quiet(create), 0);
	CHECK_INTEQ(unit_run_quiet(write_top), 0);
}

static int pattern_at(const char *img, const char *pattern, const char *at)
{
	struct strbuf cmd = STRBUF_INIT;
	const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", NULL, img,
			       NULL };
	int r;

	strbuf_addf(&cmd, "read -P %s %s 1M", pattern, at);
	argv[4] = cmd.buf;
	r = unit_run_quiet(argv);
	strbuf_release(&cmd);
	return r;
}

TEST(flatten_makes_a_real_overlay_standalone)
{
	struct journal j = JOURNAL_INIT;
	struct manifest m;
	struct strbuf err = STRBUF_INIT;
	char *dir = fresh(), *base = path_join(dir, "base.qcow2");
	char *top = path_join(scratch, "disk.qcow2");
	char *copy = path_join(scratch, "before.qcow2");
	char *mpath = manifest_path("web1"), *backing = NULL;
	const char *cp_argv[] = { "cp", "--sparse=always", top, copy, NULL };
	const char *compare[] = { "qemu-img", "compare", "-q", copy, top,
				  NULL };
	ino_t ino;
	struct stat st;

	make_overlay(base, top);
	CHECK_INTEQ(flatten_backing_of(top, &backing, &err), 1);
	CHECK_STREQ(backing, base);
	free(backing);
	CHECK_INTEQ(flatten_backing_of(base, NULL, &err), 0);
	CHECK_INTEQ(unit_run_quiet(cp_argv), 0);
	CHECK_INTEQ(stat(top, &st), 0);
	ino = st.st_ino;

	write_guest("web1", top, base);
	manifest_init(&m);
	CHECK_INTEQ(manifest_read(mpath, &m, &err), 0);
	CHECK_INTEQ(flatten_guest(&m, mpath, &j, &err), 1);
	manifest_release(&m);

	/* A new file, renamed over the disk, reading nothing else. */
	CHECK_INTEQ(stat(top, &st), 0);
	CHECK(st.st_ino != ino);
	CHECK_INTEQ(flatten_backing_of(top, NULL, &err), 0);
	CHECK_INTEQ(unit_run_quiet(compare), 0);
	CHECK_INTEQ(pattern_at(top, "0x41", "0"), 0);
	CHECK_INTEQ(pattern_at(top, "0x42", "4M"), 0);
	/* The base can go now. */
	CHECK_INTEQ(unlink(base), 0);
	CHECK_INTEQ(pattern_at(top, "0x41", "0"), 0);
	/* The copy taken before still needed it. */
	CHECK_INTEQ(unit_run_quiet(compare), -EPROTO);

	manifest_init(&m);
	CHECK_INTEQ(manifest_read(mpath, &m, &err), 0);
	/* "" is read back as none. */
	CHECK(!m.backing || !*m.backing);
	/* Again: nothing to flatten, the guest untouched. */
	strbuf_reset(&err);
	CHECK_INTEQ(flatten_guest(&m, mpath, &j, &err), -ENODATA);
	CHECK(strstr(err.buf, "'web1' has no backing file") != NULL);
	CHECK_INTEQ(stat(top, &st), 0);
	manifest_release(&m);

	/* A disk that is not there: an error, and the record as it was. */
	write_guest("web2", "/nonexistent/disk.qcow2", base);
	free(mpath);
	mpath = manifest_path("web2");
	manifest_init(&m);
	CHECK_INTEQ(manifest_read(mpath, &m, &err), 0);
	strbuf_reset(&err);
	CHECK(flatten_guest(&m, mpath, &j, &err) < 0);
	CHECK(err.len > 0);
	manifest_release(&m);
	manifest_init(&m);
	CHECK_INTEQ(manifest_read(mpath, &m, &err), 0);
	CHECK_STREQ(m.backing, base);
	manifest_release(&m);

	/* Not a qcow2: refused, and its part file gone with it. */
	free(copy);
	copy = path_join(scratch, "bad.qcow2");
	CHECK_INTEQ(write_file(copy, "not qcow2", 9, 0644), 0);
	strbuf_reset(&err);
	CHECK(flatten_disk(copy, &j, &err) < 0);
	CHECK(err.len > 0);
	{
		struct strvec names = STRVEC_INIT;

		CHECK_INTEQ(list_dir(scratch, &names), 0);
		for (size_t i = 0; i < names.nr; i++)
			CHECK(strstr(names.v[i], ".flatten-") == NULL);
		strvec_clear(&names);
	}

	/* Nothing held is left behind. */
	CHECK_INTEQ(j.nr, 0);
	journal_release(&j);
	strbuf_release(&err);
	free(mpath);
	free(base);
	free(top);
	free(copy);
	free(dir);
	rm_rf(scratch);
}
