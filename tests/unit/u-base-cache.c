/*
 * u-base-cache.c: cache keys change with every part of the recipe and say
 * which part changed; a stored base reads back, unpacks as it was, and a
 * damaged or unfinished one is never taken for a good one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base-cache.h"
#include "base.h"
#include "config.h"
#include "customize.h"
#include "fsspace.h"
#include "fsutil.h"
#include "guest.h"
#include "install-archive.h"
#include "macros.h"
#include "rootfs.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static char *scratch_dir;

static void remove_scratch(void)
{
	(void)rm_rf(scratch_dir);
	free(scratch_dir);
}

/* A fresh directory under the scratch directory made for this run. */
static char *fresh(const char *name)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (!scratch_dir) {
		scratch_dir = path_join(base && *base ? base : "/tmp",
					"u-base-cache.XXXXXX");
		if (!mkdtemp(scratch_dir))
			abort();
		atexit(remove_scratch);
	}
	p = path_join(scratch_dir, name);
	(void)rm_rf(p);
	if (mkdir_p(p, 0755) < 0)
		abort();
	return p;
}

static void put(const char *dir, const char *rel, const char *text,
		mode_t mode)
{
	char *p = path_join(dir, rel);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	if (mkdir_p(p, 0755) < 0)
		abort();
	*slash = '/';
	if (write_string(p, text, mode) < 0)
		abort();
	free(p);
}

static const char *const values[BASE_KEY_NR] = {
	"1", "bookworm", "amd64", "http://deb.debian.org/debian",
	"debootstrap", "", "dbus,linux-image-amd64",
	"30-enable-services:00ff", "debian/base-tree/x:0644:aa",
	"bookworm bookworm-updates bookworm-security",
};

static void sample_key(struct base_key *k)
{
	for (int p = 0; p < BASE_KEY_NR; p++)
		base_key_set(k, (enum base_key_part)p, values[p]);
	base_key_seal(k);
}

TEST(id_changes_with_every_part)
{
	struct base_key a = BASE_KEY_INIT, b = BASE_KEY_INIT;

	sample_key(&a);
	sample_key(&b);
	CHECK_STREQ(a.id, b.id);
	CHECK_INTEQ(strlen(a.id), 64);
	for (int p = 0; p < BASE_KEY_NR; p++) {
		struct strbuf v = STRBUF_INIT;

		strbuf_addf(&v, "%s-changed", values[p]);
		base_key_set(&b, (enum base_key_part)p, v.buf);
		base_key_seal(&b);
		if (!strcmp(a.id, b.id))
			fprintf(stderr, "part %s does not change the id\n",
				base_key_part_name((enum base_key_part)p));
		CHECK(strcmp(a.id, b.id));
		base_key_set(&b, (enum base_key_part)p, values[p]);
		strbuf_release(&v);
	}
	/* Moving text from one part to the next is a different key. */
	base_key_set(&b, BASE_KEY_SOURCE, "x");
	base_key_set(&b, BASE_KEY_PACKAGES, "dbus,linux-image-amd64");
	base_key_seal(&b);
	base_key_set(&a, BASE_KEY_SOURCE, "");
	base_key_set(&a, BASE_KEY_PACKAGES, "xdbus,linux-image-amd64");
	base_key_seal(&a);
	CHECK(strcmp(a.id, b.id));
	base_key_release(&a);
	base_key_release(&b);
}

/* A small tree with what a system has: modes, a symlink, a hard link,
 * an xattr, and something under dev/ and proc/ that must stay out. */
static char *sample_tree(void)
{
	char *root = fresh("tree");
	struct strbuf p = STRBUF_INIT;

	put(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	put(root, "etc/shadow", "root:*:1::::::\n", 0640);
	put(root, "usr/bin/ping", "ELF", 04755);
	put(root, "dev/null", "not a device", 0644);
	put(root, "proc/1/status", "Name: init\n", 0444);
	strbuf_addf(&p, "%s/usr/bin/ping", root);
	(void)setxattr(p.buf, "user.create-image", "cap", 3, 0);
	/* A sparse file: a hole, then data at its end. */
	strbuf_reset(&p);
	put(root, "var/lib/dpkg/status", "Package: dash\n", 0644);
	strbuf_addf(&p, "%s/var/sparse", root);
	{
		int fd = open(p.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || ftruncate(fd, 1 << 20) < 0 ||
		    pwrite(fd, "end", 3, (1 << 20) - 3) != 3)
			abort();
		close(fd);
	}
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/usr/bin/sh", root);
	if (symlink("dash", p.buf) < 0)
		abort();
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/usr/bin/ping4", root);
	{
		char *ping = path_join(root, "usr/bin/ping");

		if (link(ping, p.buf) < 0)
			abort();
		free(ping);
	}
	strbuf_release(&p);
	return root;
}

static char *stored_base(struct base_key *k, char **ret_dir)
{
	struct strbuf err = STRBUF_INIT;
	char *tree = sample_tree();
	char *cache = fresh("cache");
	char *dir = base_cache_dir(cache);

	sample_key(k);
	CHECK_INTEQ(base_cache_store(dir, k, "bookworm@2026-12-03T02:15:27Z@ab",
				     tree, &err), 0);
	if (err.len)
		fprintf(stderr, "store: %s\n", err.buf);
	strbuf_release(&err);
	free(cache);
	*ret_dir = dir;
	return tree;
}

TEST(store_find_verify_unpack)
{
	struct base_key k = BASE_KEY_INIT;
	struct base_entry e = { 0 }, *v = NULL;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	char *dir = NULL, *tree = stored_base(&k, &dir), *out, *name;
	size_t nr = 0;
	struct stat a, b;
	char link[64] = "";
	char val[8] = "";

	name = base_cache_name(&k);
	CHECK(!strncmp(name, "bookworm-amd64-", 15));
	CHECK_INTEQ(strlen(name), 15 + 12);
	CHECK_INTEQ(base_cache_find(dir, &k, &e), 1);
	CHECK_STREQ(e.state, "bookworm@2026-12-03T02:15:27Z@ab");
	CHECK_STREQ(e.name, name);
	CHECK_STREQ(e.key.part[BASE_KEY_PACKAGES], values[BASE_KEY_PACKAGES]);
	{
		uint64_t du = 0;

		/* What the tree takes, for the guests' space check. */
		CHECK_INTEQ(fsspace_tree_usage(tree, &du), 0);
		CHECK(du > 1024);
		CHECK_INTEQ(e.unpacked, du);
	}
	CHECK_INTEQ(base_cache_verify(&e, &err), 0);
	CHECK_INTEQ(base_cache_list(dir, &v, &nr), 0);
	CHECK_INTEQ(nr, 1);
	if (nr == 1)
		CHECK_STREQ(v[0].key.id, k.id);
	base_cache_list_free(v, nr);

	/* Checked by the reading that unpacks it, on one descriptor. */
	out = fresh("unpacked");
	{
		int fd = base_cache_open(&e, &err);

		CHECK(fd >= 0);
		CHECK_INTEQ(install_tar_fd(fd, e.archive, e.sha256, out,
					   &err), 0);
		CHECK_STREQ(err.buf, "");
		close(fd);
	}
	strbuf_addf(&sb, "%s/usr/bin/ping", out);
	CHECK_INTEQ(stat(sb.buf, &a), 0);
	CHECK_INTEQ(a.st_mode & 07777, 04755);
	CHECK_INTEQ(getxattr(sb.buf, "user.create-image", val, sizeof(val)),
		    3);
	CHECK(!memcmp(val, "cap", 3));
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/usr/bin/ping4", out);
	CHECK_INTEQ(stat(sb.buf, &b), 0);
	CHECK_INTEQ(a.st_ino, b.st_ino);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/var/sparse", out);
	CHECK_INTEQ(stat(sb.buf, &a), 0);
	CHECK_INTEQ(a.st_size, 1 << 20);
	{
		char tail[4] = "";
		int fd = open(sb.buf, O_RDONLY);

		CHECK_INTEQ(pread(fd, tail, 3, (1 << 20) - 3), 3);
		CHECK_STREQ(tail, "end");
		CHECK_INTEQ(pread(fd, tail, 3, 4096), 3);
		CHECK(!memcmp(tail, "\0\0\0", 3));
		close(fd);
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/usr/bin/sh", out);
	CHECK(readlink(sb.buf, link, sizeof(link) - 1) == 4);
	CHECK_STREQ(link, "dash");
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/etc/shadow", out);
	CHECK_INTEQ(stat(sb.buf, &a), 0);
	CHECK_INTEQ(a.st_mode & 07777, 0640);
	/* dev/ and proc/ are there, empty. */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/dev", out);
	CHECK(path_is_dir(sb.buf));
	strbuf_addstr(&sb, "/null");
	CHECK(!path_exists(sb.buf));
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/proc/1", out);
	CHECK(!path_exists(sb.buf));

	base_entry_release(&e);
	base_key_release(&k);
	strbuf_release(&err);
	strbuf_release(&sb);
	free(name);
	free(out);
	free(tree);
	free(dir);
}

TEST(damage_is_detected)
{
	struct base_key k = BASE_KEY_INIT;
	struct base_entry e = { 0 };
	struct strbuf err = STRBUF_INIT;
	char *dir = NULL, *tree = stored_base(&k, &dir), *archive;
	int fd;

	CHECK_INTEQ(base_cache_find(dir, &k, &e), 1);
	/* One byte changed, same size. */
	fd = open(e.archive, O_WRONLY);
	CHECK(fd >= 0);
	CHECK_INTEQ(pwrite(fd, "X", 1, 100), 1);
	close(fd);
	CHECK_INTEQ(base_cache_verify(&e, &err), -EBADMSG);
	CHECK(strstr(err.buf, "does not match its checksum") != NULL);
	CHECK(strstr(err.buf, e.sha256) != NULL);
	/* Opened by its size alone, then found out by the unpack. */
	strbuf_reset(&err);
	fd = base_cache_open(&e, &err);
	CHECK(fd >= 0);
	{
		char *out = fresh("unpacked-damaged");

		CHECK_INTEQ(install_tar_fd(fd, e.archive, e.sha256, out,
					   &err), -EBADMSG);
		CHECK(strstr(err.buf, "does not match its checksum") != NULL);
		free(out);
	}
	close(fd);
	/* Truncated: known before a byte is unpacked. */
	strbuf_reset(&err);
	CHECK_INTEQ(truncate(e.archive, 50), 0);
	CHECK_INTEQ(base_cache_open(&e, &err), -EBADMSG);
	CHECK(strstr(err.buf, "is 50 bytes, not ") != NULL);
	strbuf_reset(&err);
	CHECK_INTEQ(base_cache_verify(&e, &err), -EBADMSG);
	CHECK(strstr(err.buf, "is 50 bytes, not ") != NULL);
	/* Gone. */
	strbuf_reset(&err);
	CHECK_INTEQ(base_cache_remove(&e), 0);
	archive = xstrdup(e.archive);
	base_entry_release(&e);
	CHECK_INTEQ(base_cache_find(dir, &k, &e), 0);
	CHECK(!path_exists(archive));

	base_entry_release(&e);
	base_key_release(&k);
	strbuf_release(&err);
	free(archive);
	free(tree);
	free(dir);
}

/* Whoever may write a cache could plant a base and its description. */
TEST(a_cache_only_root_can_change)
{
	static const struct {
		const char *dir;
		mode_t mode;
		uid_t uid;
		int want_r;
		const char *want_err;
	} cases[] = {
		{ "trusted", 0755, 0, 0, "" },
		{ "group", 0775, 0, -EPERM, "is writable by its group" },
		{ "others", 0757, 0, -EPERM, "is writable by all users" },
		{ "nobody", 0755, 65534, -EPERM, "is owned by uid 65534" },
		/* Sticky: a passage (/var/tmp), never the cache itself. */
		{ "sticky", 01777, 0, -EPERM, "is writable by all users" },
	};
	struct strbuf err = STRBUF_INIT;

	if (geteuid() != 0) {
		fprintf(stderr, "# skipped: needs root to own directories\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *cache = fresh(cases[i].dir), *dir;

		CHECK_INTEQ(chmod(cache, cases[i].mode), 0);
		CHECK_INTEQ(chown(cache, cases[i].uid, (gid_t)-1), 0);
		dir = base_cache_dir(cache);
		strbuf_reset(&err);
		CHECK_INTEQ(base_cache_check_dir(dir, &err), cases[i].want_r);
		CHECK(strstr(err.buf, cases[i].want_err) != NULL);
		if (cases[i].want_r)
			CHECK(strstr(err.buf, "refusing the cache") != NULL);
		free(dir);
		free(cache);
	}
	strbuf_release(&err);
}

TEST(unfinished_is_never_a_base)
{
	struct base_key k = BASE_KEY_INIT;
	struct base_entry e = { 0 }, *v = NULL;
	char *cache = fresh("cache-unfinished"), *dir = base_cache_dir(cache);
	char *name;
	size_t nr = 0;

	sample_key(&k);
	name = base_cache_name(&k);
	{
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s.part-abc123", name);
		put(dir, sb.buf, "half an archive", 0600);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s.tar.zst", name);
		put(dir, sb.buf, "an archive never described", 0600);
		strbuf_release(&sb);
	}
	CHECK_INTEQ(base_cache_find(dir, &k, &e), 0);
	CHECK_INTEQ(base_cache_list(dir, &v, &nr), 0);
	CHECK_INTEQ(nr, 0);
	base_cache_list_free(v, nr);
	/* The next store of the base, under its lock, removes what a run
	 * killed while storing it left; another base's stays. */
	{
		struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
		char *tree = sample_tree();

		put(dir, "other-base.part-abc123", "not ours", 0600);
		CHECK_INTEQ(base_cache_store(dir, &k, NULL, tree, &err), 0);
		strbuf_addf(&sb, "%s/%s.part-abc123", dir, name);
		CHECK(!path_exists(sb.buf));
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/other-base.part-abc123", dir);
		CHECK(path_exists(sb.buf));
		strbuf_release(&sb);
		strbuf_release(&err);
		free(tree);
	}
	base_key_release(&k);
	free(name);
	free(dir);
	free(cache);
}

TEST(a_miss_names_what_changed)
{
	struct base_key k = BASE_KEY_INIT;
	char *dir = NULL, *tree = stored_base(&k, &dir);

	for (int p = 0; p < BASE_KEY_NR; p++) {
		struct base_key o = BASE_KEY_INIT;
		struct strbuf why = STRBUF_INIT, v = STRBUF_INIT;
		int before = unit_failed_checks;

		sample_key(&o);
		strbuf_addf(&v, "%s2", values[p]);
		base_key_set(&o, (enum base_key_part)p, v.buf);
		base_key_seal(&o);
		base_cache_explain_miss(dir, &o, &why);
		if (p == BASE_KEY_DIST || p == BASE_KEY_ARCH) {
			CHECK(strstr(why.buf, "no base for ") != NULL);
			CHECK(strstr(why.buf, " is cached in ") != NULL);
		} else {
			CHECK(!strncmp(why.buf,
				       base_key_part_text((enum base_key_part)p),
				       strlen(base_key_part_text(
					       (enum base_key_part)p))));
			CHECK(strstr(why.buf, " changed since the cached base "
					      "bookworm-amd64-") != NULL);
		}
		if (unit_failed_checks != before)
			fprintf(stderr, "part %s: %s\n",
				base_key_part_name((enum base_key_part)p),
				why.buf);
		base_key_release(&o);
		strbuf_release(&why);
		strbuf_release(&v);
	}
	base_key_release(&k);
	free(tree);
	free(dir);
}

TEST(one_lock_per_base)
{
	char *cache = fresh("cache-lock"), *dir = base_cache_dir(cache);
	int a = base_cache_trylock(dir, "bookworm-amd64-0123456789ab");
	int b = base_cache_trylock(dir, "bookworm-amd64-0123456789ab");
	int c = base_cache_trylock(dir, "trixie-amd64-0123456789ab");

	CHECK(a >= 0);
	CHECK_INTEQ(b, -EBUSY);
	CHECK(c >= 0);
	base_cache_unlock(a);
	b = base_cache_trylock(dir, "bookworm-amd64-0123456789ab");
	CHECK(b >= 0);
	base_cache_unlock(b);
	base_cache_unlock(c);
	free(dir);
	free(cache);
}

/*
 * Readers share a base; a builder has it alone, and a reader turned
 * builder waits for the other readers.
 */
TEST(readers_share_builders_wait)
{
	static const char name[] = "bookworm-amd64-0123456789ab";
	char *cache = fresh("cache-shared"), *dir = base_cache_dir(cache);
	struct strbuf err = STRBUF_INIT;
	int a = base_cache_lock(dir, name, -1, 0, 0, &err);
	int b = base_cache_lock(dir, name, -1, 0, 0, &err);
	int r;

	CHECK(a >= 0);
	CHECK(b >= 0);
	CHECK_INTEQ(base_cache_trylock(dir, name), -EBUSY);
	/* a would build it: not while b reads. */
	CHECK_INTEQ(base_cache_lock(dir, name, a, 1, 0, &err), -EBUSY);
	base_cache_unlock(b);
	r = base_cache_lock(dir, name, a, 1, 0, &err);
	CHECK_INTEQ(r, a);
	CHECK_INTEQ(base_cache_lock(dir, name, -1, 0, 0, &err), -EBUSY);
	/* Back to reading: others may read again. */
	CHECK_INTEQ(base_cache_lock(dir, name, a, 0, 0, &err), a);
	b = base_cache_lock(dir, name, -1, 0, 0, &err);
	CHECK(b >= 0);
	CHECK_STREQ(err.buf, "");
	base_cache_unlock(a);
	base_cache_unlock(b);
	strbuf_release(&err);
	free(dir);
	free(cache);
}

/* The key of the guest create-image would build with these flags. */
static void key_of(const char *const *flags, struct base_key *k,
		   int *cacheable)
{
	const char *argv[16] = { "create-image", "--hostname", "web1" };
	struct strbuf err = STRBUF_INIT;
	struct config c;
	struct guest g;
	const char *why;
	int argc = 3, r;

	memset(&g, 0, sizeof(g));
	while (*flags && argc < 15)
		argv[argc++] = *flags++;
	config_init_defaults(&c);
	r = config_parse_argv(&c, argc, (char **)argv, &err);
	if (r >= 0)
		r = config_load(&c, NULL, &err);
	if (r >= 0)
		r = guest_from_config(&c, &g, &err);
	if (r >= 0)
		r = base_key_for(&g, k, &err);
	if (r < 0)
		fprintf(stderr, "key_of: %s\n", err.buf);
	CHECK_INTEQ(r, 0);
	*cacheable = base_cacheable(&g, &why);
	config_release(&c);
	guest_release(&g);
	strbuf_release(&err);
}

#define SUM_A \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SUM_B \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

TEST(a_guest_key_follows_its_recipe)
{
	static const char *const none[] = { NULL };
	static const char *const xfs[] = { "--fs", "xfs", "--nopygrub",
					   NULL };
	static const char *const mirror[] = {
		"--mirror", "http://ftp.de.debian.org/debian", NULL };
	static const char *const nocache[] = { "--cache=no", NULL };
	struct base_key d = BASE_KEY_INIT, o = BASE_KEY_INIT;
	char *hooks = fresh("hooks.d");
	struct strbuf flag = STRBUF_INIT;
	const char *with_hooks[] = { "--hooks-dir", hooks, NULL };
	int cacheable = 0;

	key_of(none, &d, &cacheable);
	CHECK(cacheable);
	CHECK_STREQ(d.part[BASE_KEY_METHOD], "debootstrap");
	CHECK(strstr(d.part[BASE_KEY_PACKAGES], "linux-image-cloud-amd64"));
	CHECK(!strstr(d.part[BASE_KEY_PACKAGES], "xfsprogs"));
	CHECK(strstr(d.part[BASE_KEY_HOOKS], "90-clean:") != NULL);
	CHECK(strstr(d.part[BASE_KEY_TREE], "initramfs-tools") != NULL);
	/* Guest hooks are not part of the base. */
	CHECK(!strstr(d.part[BASE_KEY_HOOKS], "40-accounts"));

	key_of(xfs, &o, &cacheable);
	CHECK(strstr(o.part[BASE_KEY_PACKAGES], "xfsprogs") != NULL);
	CHECK(strcmp(o.id, d.id));
	base_key_release(&o);

	key_of(mirror, &o, &cacheable);
	CHECK(strcmp(o.part[BASE_KEY_MIRROR], d.part[BASE_KEY_MIRROR]));
	CHECK(strcmp(o.id, d.id));
	base_key_release(&o);

	key_of(nocache, &o, &cacheable);
	CHECK(!cacheable);
	CHECK_STREQ(o.id, d.id);
	base_key_release(&o);

	/* A guest hook in --hooks-dir leaves the key alone; a base hook
	 * changes it, and so does a change to that hook. */
	put(hooks, "50-site", "#!/bin/sh\n", 0755);
	key_of(with_hooks, &o, &cacheable);
	CHECK_STREQ(o.id, d.id);
	base_key_release(&o);
	put(hooks, "base/50-site", "#!/bin/sh\necho one\n", 0755);
	key_of(with_hooks, &o, &cacheable);
	CHECK(strstr(o.part[BASE_KEY_HOOKS], "50-site:") != NULL);
	CHECK(strcmp(o.id, d.id));
	{
		struct base_key t = BASE_KEY_INIT;

		put(hooks, "base/50-site", "#!/bin/sh\necho two\n", 0755);
		key_of(with_hooks, &t, &cacheable);
		CHECK(strcmp(o.id, t.id));
		base_key_release(&t);
	}
	base_key_release(&o);

	/* A tarball: the source, its size and time; no mirror or
	 * packages. */
	{
		char *dir = fresh("tarball");
		char *tar = path_join(dir, "root.tar.zst");
		const char *tarred[] = { "--install-method", "tar",
					 "--install-source", tar, NULL };
		struct base_key t = BASE_KEY_INIT;

		put(dir, "root.tar.zst", "x", 0644);
		key_of(tarred, &o, &cacheable);
		CHECK(cacheable);
		CHECK_STREQ(o.part[BASE_KEY_METHOD], "tar");
		CHECK(!strncmp(o.part[BASE_KEY_SOURCE], tar, strlen(tar)));
		CHECK_STREQ(o.part[BASE_KEY_MIRROR], "");
		CHECK_STREQ(o.part[BASE_KEY_PACKAGES], "");
		put(dir, "root.tar.zst", "xy", 0644);
		key_of(tarred, &t, &cacheable);
		CHECK(strcmp(o.id, t.id));
		base_key_release(&t);
		base_key_release(&o);
		free(tar);
		free(dir);
	}

	/* A URL by itself, and the checksum it is held to: a URL says
	 * nothing of what it serves. */
	{
		static const char *const url[] = {
			"--install-method", "tar", "--install-source",
			"https://example.org/root.tar.zst", NULL };
		static const char *const a[] = {
			"--install-method", "tar", "--install-source",
			"https://example.org/root.tar.zst",
			"--install-source-sha256", SUM_A, NULL };
		static const char *const b[] = {
			"--install-method", "tar", "--install-source",
			"https://example.org/root.tar.zst",
			"--install-source-sha256", SUM_B, NULL };
		struct base_key ka = BASE_KEY_INIT, kb = BASE_KEY_INIT;

		key_of(url, &o, &cacheable);
		CHECK_STREQ(o.part[BASE_KEY_SOURCE],
			    "https://example.org/root.tar.zst");
		key_of(a, &ka, &cacheable);
		CHECK_STREQ(ka.part[BASE_KEY_SOURCE],
			    "https://example.org/root.tar.zst sha256:" SUM_A);
		key_of(b, &kb, &cacheable);
		CHECK(strcmp(o.id, ka.id) && strcmp(o.id, kb.id) &&
		      strcmp(ka.id, kb.id));
		base_key_release(&ka);
		base_key_release(&kb);
		base_key_release(&o);
	}
	base_key_release(&d);
	strbuf_release(&flag);
	free(hooks);
}

/* customize_generalize() on the tree at dir. */
static int generalize(const char *dir, struct strbuf *err)
{
	struct rootfs *root;
	int r = rootfs_open(dir, &root, err);

	if (r < 0)
		return r;
	r = customize_generalize(root, err);
	rootfs_free(root);
	return r;
}

TEST(generalize_takes_out_what_is_one_guests)
{
	static const char *const gone[] = {
		"etc/machine-id", "etc/hostname", "etc/hosts",
		"etc/resolv.conf", "etc/ssh/ssh_host_ed25519_key",
		"etc/ssh/ssh_host_ed25519_key.pub",
		"var/lib/systemd/random-seed", "root/.bash_history",
	};
	static const char *const kept[] = {
		"etc/ssh/sshd_config", "etc/passwd", "var/lib/dbus/machine-id",
		"var/log/apt/history.log", "var/log/btmp",
	};
	struct strbuf err = STRBUF_INIT, p = STRBUF_INIT;
	char *root = fresh("generalize");
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
		put(root, gone[i], "host\n", 0600);
	put(root, "etc/ssh/sshd_config", "Port 22\n", 0644);
	put(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	put(root, "var/log/apt/history.log", "Install: x\n", 0640);
	put(root, "var/log/btmp", "x", 0660);
	put(root, "var/lib/dbus/.keep", "", 0644);
	strbuf_addf(&p, "%s/var/lib/dbus/machine-id", root);
	CHECK_INTEQ(symlink("/etc/machine-id", p.buf), 0);

	CHECK_INTEQ(generalize(root, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(gone); i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", root, gone[i]);
		if (lstat(p.buf, &st) == 0)
			fprintf(stderr, "still there: %s\n", gone[i]);
		CHECK(lstat(p.buf, &st) < 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", root, kept[i]);
		CHECK_INTEQ(lstat(p.buf, &st), 0);
	}
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/var/log/apt/history.log", root);
	CHECK_INTEQ(stat(p.buf, &st), 0);
	CHECK_INTEQ(st.st_size, 0);
	CHECK_INTEQ(st.st_mode & 07777, 0640);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/etc/passwd", root);
	CHECK_INTEQ(stat(p.buf, &st), 0);
	CHECK(st.st_size > 0);
	strbuf_release(&err);
	strbuf_release(&p);
	free(root);
}

/* dir/rel, a symlink to the absolute path to/name. */
static void link_in(const char *dir, const char *rel, const char *to,
		    const char *name)
{
	char *link = path_join(dir, rel), *target = path_join(to, name);

	CHECK_INTEQ(symlink(target, link), 0);
	free(link);
	free(target);
}

/*
 * A base hook that swapped the guest's log and SSH directories for links
 * to the host's own: what generalizing empties and removes is the tree's,
 * and the host's log and key stay as they were.
 */
TEST(generalize_stays_in_the_tree)
{
	static const struct {
		const char *file, *text;
	} host[] = {
		{ "log/syslog", "host log\n" },
		{ "log/sub/kern.log", "host kern\n" },
		{ "ssh/ssh_host_ed25519_key", "host key\n" },
		{ "machine-id", "host id\n" },
	};
	struct strbuf err = STRBUF_INIT, p = STRBUF_INIT, sb = STRBUF_INIT;
	char *root = fresh("hostile");
	char *out = fresh("hostile-host");

	for (size_t i = 0; i < ARRAY_SIZE(host); i++)
		put(out, host[i].file, host[i].text, 0600);
	put(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	put(root, "var/lib/dpkg/status", "\n", 0644);
	link_in(root, "var/log", out, "log");
	link_in(root, "etc/ssh", out, "ssh");
	link_in(root, "etc/machine-id", out, "machine-id");
	/* One link resolves inside: that log is the tree's to empty. */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s%s/log", root, out);
	put(p.buf, "syslog", "tree log\n", 0640);

	CHECK_INTEQ(generalize(root, &err), 0);
	CHECK_STREQ(err.buf, "");
	for (size_t i = 0; i < ARRAY_SIZE(host); i++) {
		char *f = path_join(out, host[i].file);

		strbuf_reset(&sb);
		CHECK_INTEQ(strbuf_read_file(&sb, f), 0);
		CHECK_STREQ(sb.buf, host[i].text);
		free(f);
	}
	strbuf_addstr(&p, "/syslog");
	strbuf_reset(&sb);
	CHECK_INTEQ(strbuf_read_file(&sb, p.buf), 0);
	CHECK_STREQ(sb.buf, "");
	/* The machine-id link itself went; where it pointed did not. */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/etc/machine-id", root);
	CHECK(!path_exists(p.buf));
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/var/log", root);
	CHECK(path_exists(p.buf));
	free(root);
	free(out);
	strbuf_release(&err);
	strbuf_release(&p);
	strbuf_release(&sb);
}
