/*
 * u-manifest.c: a manifest reads back as written, a damaged one is named
 * with its line, and manifest_read_all() finds every guest in order.
 *
 * Each test points $CREATE_IMAGE_STATEDIR at a fresh directory that does
 * not exist yet, so manifest_write() must create STATEDIR/guests itself.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "manifest.h"
#include "macros.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static char *scratch;

/* A fresh, not yet existing state directory; returns its guests/ dir. */
static char *fresh_statedir(void)
{
	const char *base = getenv("TMPDIR");
	char *state;

	if (scratch) {
		rm_rf(scratch);
		free(scratch);
	}
	scratch = path_join(base && *base ? base : "/tmp",
			    "u-manifest.XXXXXX");
	if (!mkdtemp(scratch)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		abort();
	}
	state = path_join(scratch, "state");
	setenv("CREATE_IMAGE_STATEDIR", state, 1);
	free(state);
	return path_join(scratch, "state/guests");
}

/* A guest on LVM with a device it does not own, every field set. */
static void sample(struct manifest *m, const char *hostname)
{
	struct manifest_disk *d;
	struct manifest_fs *f;

	manifest_init(m);
	m->hostname = xstrdup(hostname);
	m->dist = xstrdup("bookworm");
	m->arch = xstrdup("amd64");
	m->created = xstrdup("2026-11-25T10:00:00Z");
	m->memory = 268435456;
	m->vcpus = 2;
	m->mac = xstrdup("00:16:3e:12:34:56");
	m->dhcp = 0;
	strvec_push(&m->ips, "10.0.0.5/24");
	strvec_push(&m->ips, "10.0.0.6/24");
	m->storage = xstrdup("lvm");
	m->layout = xstrdup("volumes");
	m->dir = xstrdup("/srv/xen/domains/web1");
	m->vg = xstrdup("vg0");
	m->config = xstrdup("/etc/xen/web1.cfg");
	m->pool = xstrdup("lab");
	strvec_pushl(&m->settings, "dist=bookworm", "size=5497558138880",
		     "role=a b, c", "arch=", "pool=lab", NULL);

	d = manifest_add_disk(m);
	d->vdev = xstrdup("xvda2");
	d->path = xstrdup("/dev/vg0/web1-disk");
	d->format = xstrdup("raw");
	d->size = 5ULL << 40;	/* beyond 32 bits */
	d->lv = xstrdup("vg0/web1-disk");
	d->owned = 1;
	d = manifest_add_disk(m);
	d->vdev = xstrdup("xvda1");
	d->path = xstrdup("/dev/sdz");
	d->format = xstrdup("raw");
	d->size = 128ULL << 20;
	d->lv = NULL;
	d->owned = 0;

	f = manifest_add_fs(m);
	f->mountpoint = NULL;
	f->type = xstrdup("swap");
	f->size = 128ULL << 20;
	f->uuid = xstrdup("1b0f1a4e-0000-4000-8000-000000000001");
	f->disk = xstrdup("xvda1");
	f->partition = 0;
	f = manifest_add_fs(m);
	f->mountpoint = xstrdup("/");
	f->type = xstrdup("ext4");
	f->size = 5ULL << 40;
	f->uuid = xstrdup("1b0f1a4e-0000-4000-8000-000000000002");
	f->disk = xstrdup("xvda2");
	f->partition = 3;
}

/* Every entry of dir, dot files too: a temporary file would show. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int streq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_same(const struct manifest *a, const struct manifest *b)
{
	CHECK_STREQ(a->hostname, b->hostname);
	CHECK_STREQ(a->dist, b->dist);
	CHECK_STREQ(a->arch, b->arch);
	CHECK_STREQ(a->created, b->created);
	CHECK(a->memory == b->memory);
	CHECK_INTEQ(a->vcpus, b->vcpus);
	CHECK_STREQ(a->mac, b->mac);
	CHECK_INTEQ(a->dhcp, b->dhcp);
	CHECK_INTEQ(a->ips.nr, b->ips.nr);
	for (size_t i = 0; i < a->ips.nr && i < b->ips.nr; i++)
		CHECK_STREQ(a->ips.v[i], b->ips.v[i]);
	CHECK_STREQ(a->storage, b->storage);
	CHECK_STREQ(a->layout, b->layout);
	CHECK_STREQ(a->dir, b->dir);
	CHECK_STREQ(a->vg, b->vg);
	CHECK_STREQ(a->config, b->config);
	CHECK_INTEQ(a->ndisks, b->ndisks);
	for (size_t i = 0; i < a->ndisks && i < b->ndisks; i++) {
		const struct manifest_disk *x = &a->disks[i], *y = &b->disks[i];

		CHECK_STREQ(x->vdev, y->vdev);
		CHECK_STREQ(x->path, y->path);
		CHECK_STREQ(x->format, y->format);
		CHECK(x->size == y->size);
		CHECK(streq_null(x->lv, y->lv));
		CHECK_INTEQ(x->owned, y->owned);
	}
	CHECK_INTEQ(a->nfss, b->nfss);
	for (size_t i = 0; i < a->nfss && i < b->nfss; i++) {
		const struct manifest_fs *x = &a->fss[i], *y = &b->fss[i];

		CHECK(streq_null(x->mountpoint, y->mountpoint));
		CHECK_STREQ(x->type, y->type);
		CHECK(x->size == y->size);
		CHECK_STREQ(x->uuid, y->uuid);
		CHECK_STREQ(x->disk, y->disk);
		CHECK_INTEQ(x->partition, y->partition);
	}
	CHECK(streq_null(a->pool, b->pool));
	CHECK_INTEQ(a->settings.nr, b->settings.nr);
	for (size_t i = 0; i < a->settings.nr && i < b->settings.nr; i++)
		CHECK_STREQ(a->settings.v[i], b->settings.v[i]);
}

TEST(round_trip_keeps_every_field)
{
	char *guests = fresh_statedir();
	char *path = manifest_path("web1");
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
	struct manifest m, back;
	struct stat st;
	char *want = path_join(guests, "web1.conf");

	CHECK_STREQ(path, want);
	sample(&m, "web1");
	CHECK_INTEQ(manifest_write(path, &m, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK(stat(guests, &st) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	/* No temporary file is left beside it. */
	CHECK_INTEQ(count_entries(guests), 1);
	/* Sizes are 64-bit settings, as the format says. */
	CHECK_INTEQ(strbuf_read_file(&text, path), 0);
	CHECK(strstr(text.buf, "size = 5497558138880L;") != NULL);
	CHECK(strstr(text.buf, "memory = 268435456L;") != NULL);

	manifest_init(&back);
	CHECK_INTEQ(manifest_read(path, &back, &err), 0);
	CHECK_STREQ(err.buf, "");
	check_same(&m, &back);

	/* Writing again replaces it in place. */
	m.vcpus = 4;
	CHECK_INTEQ(manifest_write(path, &m, &err), 0);
	manifest_release(&back);
	CHECK_INTEQ(manifest_read(path, &back, &err), 0);
	CHECK_INTEQ(back.vcpus, 4);

	manifest_release(&m);
	manifest_release(&back);
	strbuf_release(&err);
	strbuf_release(&text);
	free(path);
	free(want);
	free(guests);
}

TEST(empty_lists_and_empty_strings_round_trip)
{
	char *guests = fresh_statedir();
	char *path = manifest_path("bare");
	struct strbuf err = STRBUF_INIT;
	struct manifest m, back;

	manifest_init(&m);
	m.hostname = xstrdup("bare");
	m.dist = xstrdup("trixie");
	m.arch = xstrdup("arm64");
	m.created = xstrdup("2026-01-01T00:00:00Z");
	m.memory = 1;
	m.vcpus = 1;
	m.mac = xstrdup("00:16:3e:00:00:01");
	m.dhcp = 1;
	m.storage = xstrdup("device");
	m.layout = xstrdup("disk");
	m.dir = xstrdup("");
	m.vg = xstrdup("");
	m.config = xstrdup("/etc/xen/bare");
	CHECK_INTEQ(manifest_write(path, &m, &err), 0);
	manifest_init(&back);
	CHECK_INTEQ(manifest_read(path, &back, &err), 0);
	CHECK_STREQ(err.buf, "");
	check_same(&m, &back);
	CHECK_INTEQ(back.ips.nr, 0);
	CHECK(back.ips.v != NULL && back.ips.v[0] == NULL);
	CHECK_INTEQ(back.ndisks, 0);
	CHECK_INTEQ(back.nfss, 0);
	manifest_release(&m);
	manifest_release(&back);
	strbuf_release(&err);
	free(path);
	free(guests);
}

TEST(missing_manifest_is_enoent)
{
	char *guests = fresh_statedir();
	char *path = manifest_path("nosuch");
	struct strbuf err = STRBUF_INIT;
	struct manifest m;

	manifest_init(&m);
	CHECK_INTEQ(manifest_read(path, &m, &err), -ENOENT);
	CHECK(m.hostname == NULL);
	strbuf_release(&err);
	free(path);
	free(guests);
}

/* The settings of a valid manifest, one per line, so a case can replace
 * one line (by its key) or drop it. */
static const char *const good_lines[] = {
	"version = 1;",
	"hostname = \"web1\";",
	"dist = \"bookworm\";",
	"arch = \"amd64\";",
	"created = \"2026-11-25T10:00:00Z\";",
	"memory = 268435456;",
	"vcpus = 1;",
	"mac = \"00:16:3e:12:34:56\";",
	"dhcp = true;",
	"ips = [ ];",
	"storage = \"dir\";",
	"layout = \"volumes\";",
	"dir = \"/srv/xen/domains/web1\";",
	"vg = \"\";",
	"config = \"/etc/xen/web1.cfg\";",
	"disks = ( { vdev = \"xvda2\";"
	" path = \"/srv/xen/domains/web1/disk.img\"; format = \"raw\";"
	" size = 4294967296L; lv = \"\"; owned = true; } );",
	"filesystems = ( { mountpoint = \"/\"; type = \"ext4\";"
	" size = 4294967296L; uuid = \"u\"; disk = \"xvda2\";"
	" partition = 0; } );",
};

/* good_lines with the line starting with key replaced by with (NULL:
 * dropped); key NULL: unchanged. */
static void manifest_text(const char *key, const char *with,
			  struct strbuf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(good_lines); i++) {
		const char *l = good_lines[i];

		if (key && !strncmp(l, key, strlen(key)) &&
		    l[strlen(key)] == ' ') {
			if (with)
				strbuf_addf(out, "%s\n", with);
			continue;
		}
		strbuf_addf(out, "%s\n", l);
	}
}

TEST(hand_written_manifest_reads)
{
	char *guests = fresh_statedir();
	char *path = manifest_path("web1");
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct manifest m;

	manifest_text(NULL, NULL, &text);
	CHECK_INTEQ(mkdir_p(guests, 0755), 0);
	CHECK_INTEQ(write_string(path, text.buf, 0644), 0);
	manifest_init(&m);
	CHECK_INTEQ(manifest_read(path, &m, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK(m.memory == 268435456);
	CHECK_INTEQ(m.dhcp, 1);
	CHECK_INTEQ(m.ndisks, 1);
	CHECK(m.ndisks == 1 && m.disks[0].size == 4294967296ULL);
	CHECK(m.ndisks == 1 && m.disks[0].lv == NULL);
	CHECK(m.nfss == 1 && !strcmp(m.fss[0].mountpoint, "/"));
	/* Written before records kept a pool and their settings. */
	CHECK(m.pool == NULL);
	CHECK_INTEQ(m.settings.nr, 0);
	manifest_release(&m);
	strbuf_release(&text);
	strbuf_release(&err);
	free(path);
	free(guests);
}

TEST(damaged_manifest_names_file_and_line)
{
	static const struct {
		const char *key, *with;	/* see manifest_text() */
		const char *want;	/* what err holds after "PATH" */
	} cases[] = {
		{ "memory", "memory = \"big\";",
		  ":6: 'memory' must be an integer" },
		{ "memory", "memory = -1;", ":6: 'memory' is out of range" },
		{ "vcpus", "vcpus = = 1;", ":7: syntax error" },
		{ "dhcp", "dhcp = 1;", ":9: 'dhcp' must be true or false" },
		{ "ips", "ips = \"10.0.0.5/24\";",
		  ":10: 'ips' must be an array [ \"...\", ... ]" },
		{ "ips", "ips = [ 1 ];",
		  ":10: each of 'ips' must be a string" },
		{ "version", "version = 2;",
		  ":1: unsupported version (this program reads version 1)" },
		{ "hostname", "hostname = \"../etc\";",
		  ":2: invalid hostname '../etc'" },
		{ "mac", NULL, ": missing 'mac'" },
		{ "disks", "disks = ( { vdev = \"xvda2\"; } );",
		  ":16: missing 'path'" },
		{ "disks", "disks = ( { vdev = \"xvda2\"; path = \"/dev/x\";"
			   " format = \"raw\"; size = 1; lv = \"nope\";"
			   " owned = true; } );",
		  ":16: 'lv' is not VG/LV" },
		{ "disks", "disks = ( 1 );",
		  ":16: each of 'disks' must be a group { ... }" },
		{ "disks", "disks = 1;",
		  ":16: 'disks' must be a list ( { ... }, ... )" },
		{ "filesystems", "filesystems = ( { mountpoint = \"/\"; "
				 "type = \"ext4\"; size = 1; uuid = \"u\"; "
				 "disk = \"xvda2\"; partition = \"1\"; } );",
		  ":17: 'partition' must be an integer" },
	};
	char *guests = fresh_statedir();
	char *path = manifest_path("web1");

	CHECK_INTEQ(mkdir_p(guests, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		struct strbuf want = STRBUF_INIT;
		struct manifest m;
		int r;

		manifest_text(cases[i].key, cases[i].with, &text);
		CHECK_INTEQ(write_string(path, text.buf, 0644), 0);
		strbuf_addf(&want, "%s%s", path, cases[i].want);
		manifest_init(&m);
		r = manifest_read(path, &m, &err);
		CHECK_INTEQ(r, -EINVAL);
		CHECK_STREQ(err.buf, want.buf);
		/* Nothing half-read is handed back. */
		CHECK(m.hostname == NULL && m.ndisks == 0);
		manifest_release(&m);
		strbuf_release(&text);
		strbuf_release(&err);
		strbuf_release(&want);
	}
	free(path);
	free(guests);
}

static void write_sample(const char *hostname)
{
	struct strbuf err = STRBUF_INIT;
	char *path = manifest_path(hostname);
	struct manifest m;

	sample(&m, hostname);
	CHECK_INTEQ(manifest_write(path, &m, &err), 0);
	manifest_release(&m);
	strbuf_release(&err);
	free(path);
}

TEST(read_all_sorted_by_hostname_skipping_other_files)
{
	char *guests = fresh_statedir();
	struct strbuf err = STRBUF_INIT;
	struct manifest *all = NULL;
	size_t n = 0;
	char *p;

	/* No state directory at all: no guests, no error. */
	CHECK_INTEQ(manifest_read_all(&all, &n, &err), 0);
	CHECK_INTEQ(n, 0);
	manifest_free_all(all, n);

	/* File-name order would put web1.a before web1. */
	write_sample("web2");
	write_sample("web1.a");
	write_sample("web1");
	write_sample("db.example.org");
	p = path_join(guests, "README");
	CHECK_INTEQ(write_string(p, "not a manifest", 0644), 0);
	free(p);
	p = path_join(guests, "web9.conf.bak");
	CHECK_INTEQ(write_string(p, "not = a manifest", 0644), 0);
	free(p);
	p = path_join(guests, ".web8.conf.Ab12Cd");
	CHECK_INTEQ(write_string(p, "half", 0644), 0);
	free(p);

	CHECK_INTEQ(manifest_read_all(&all, &n, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(n, 4);
	if (n == 4) {
		CHECK_STREQ(all[0].hostname, "db.example.org");
		CHECK_STREQ(all[1].hostname, "web1");
		CHECK_STREQ(all[2].hostname, "web1.a");
		CHECK_STREQ(all[3].hostname, "web2");
		CHECK_INTEQ(all[3].ndisks, 2);
	}
	manifest_free_all(all, n);
	strbuf_release(&err);
	free(guests);
}

TEST(read_all_reports_broken_manifests_and_returns_the_rest)
{
	char *guests = fresh_statedir();
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct manifest *all = NULL;
	size_t n = 0;
	char *bad = NULL, *other = NULL, *p;

	write_sample("web1");
	write_sample("web3");
	bad = path_join(guests, "web2.conf");
	CHECK_INTEQ(write_string(bad, "version = 1;\nhostname = ;\n", 0644),
		    0);
	/* A copy under another name would make delete-image act on the
	 * wrong guest. */
	other = path_join(guests, "web4.conf");
	p = manifest_path("web3");
	CHECK_INTEQ(rename(p, other), 0);
	free(p);
	write_sample("web3");

	CHECK_INTEQ(manifest_read_all(&all, &n, &err), 2);
	strbuf_addf(&want, "%s:2: syntax error\n%s: hostname 'web3' does "
		    "not match the file name", bad, other);
	CHECK_STREQ(err.buf, want.buf);
	CHECK_INTEQ(n, 2);
	if (n == 2) {
		CHECK_STREQ(all[0].hostname, "web1");
		CHECK_STREQ(all[1].hostname, "web3");
	}
	manifest_free_all(all, n);
	strbuf_release(&err);
	strbuf_release(&want);
	free(bad);
	free(other);
	free(guests);
}

TEST(zz_cleanup)
{
	if (scratch)
		CHECK_INTEQ(rm_rf(scratch), 0);
	free(scratch);
	scratch = NULL;
}
