/* base-cache.c: see base-cache.h. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base-cache.h"
#include "base-image.h"
#include "conffile.h"
#include "fsspace.h"
#include "fsutil.h"
#include "install-archive.h"
#include "log.h"
#include "macros.h"
#include "run-command.h"
#include "banned.h"

static const struct {
	const char *name, *text;
} parts[BASE_KEY_NR] = {
	[BASE_KEY_FORMAT] = { "format", "the base format" },
	[BASE_KEY_DIST] = { "dist", "the distribution" },
	[BASE_KEY_ARCH] = { "arch", "the architecture" },
	[BASE_KEY_MIRROR] = { "mirror", "the mirror" },
	[BASE_KEY_METHOD] = { "method", "the install method" },
	[BASE_KEY_SOURCE] = { "source", "the install source" },
	[BASE_KEY_PACKAGES] = { "packages", "the package set" },
	[BASE_KEY_HOOKS] = { "hooks", "the base hooks" },
	[BASE_KEY_TREE] = { "tree", "the base files" },
	[BASE_KEY_SUITES] = { "suites", "the suites installed from" },
};

#define ARCHIVE_SUFFIX BASE_ARCHIVE_SUFFIX
#define CONF_SUFFIX BASE_CONF_SUFFIX

const char *base_key_part_name(enum base_key_part p)
{
	return parts[p].name;
}

const char *base_key_part_text(enum base_key_part p)
{
	return parts[p].text;
}

void base_key_set(struct base_key *k, enum base_key_part p, const char *value)
{
	free(k->part[p]);
	k->part[p] = xstrdup(value ? value : "");
}

void base_key_seal(struct base_key *k)
{
	struct strbuf text = STRBUF_INIT;

	/* One "name=value" line each: a value holds no newline, so two
	 * different keys can never spell the same text. */
	for (int p = 0; p < BASE_KEY_NR; p++)
		strbuf_addf(&text, "%s=%s\n", parts[p].name,
			    k->part[p] ? k->part[p] : "");
	sha256_hex(text.buf, text.len, k->id);
	strbuf_release(&text);
}

void base_key_release(struct base_key *k)
{
	for (int p = 0; p < BASE_KEY_NR; p++) {
		free(k->part[p]);
		k->part[p] = NULL;
	}
	k->id[0] = '\0';
}

int base_key_files(const struct strvec *paths, int with_mode,
		   const char *strip, struct strbuf *out, struct strbuf *err)
{
	size_t striplen = strip ? strlen(strip) : 0;

	for (size_t i = 0; i < paths->nr; i++) {
		const char *path = paths->v[i], *name;
		char hex[SHA256_HEX_SIZE];
		struct stat st;
		int r;

		if (strip && !strncmp(path, strip, striplen))
			name = path + striplen + (path[striplen] == '/');
		else
			name = strrchr(path, '/') ? strrchr(path, '/') + 1 :
						    path;
		r = stat(path, &st) < 0 ? -errno : 0;
		if (r >= 0)
			r = sha256_file(path, hex, NULL);
		if (r < 0) {
			strbuf_addf(err, "cannot read '%s': %s", path,
				    strerror(-r));
			return r;
		}
		strbuf_addf(out, "%s%s:", i ? ";" : "", name);
		if (with_mode)
			strbuf_addf(out, "%04o:", (unsigned)st.st_mode & 07777);
		strbuf_addstr(out, hex);
	}
	return 0;
}

void base_entry_release(struct base_entry *e)
{
	free(e->name);
	free(e->archive);
	free(e->conf);
	free(e->state);
	base_key_release(&e->key);
	memset(e, 0, sizeof(*e));
}

char *base_cache_name(const struct base_key *k)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s-%s-%.12s", k->part[BASE_KEY_DIST],
		    k->part[BASE_KEY_ARCH], k->id);
	return strbuf_detach(&sb, NULL);
}

static char *file_of(const char *dir, const char *name, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s%s", dir, name, suffix);
	return strbuf_detach(&sb, NULL);
}

/* Read one description; 0, or -EINVAL when it is not one of ours. */
static int read_conf(const char *dir, const char *name, struct base_entry *e)
{
	config_t cfg;
	config_setting_t *key;
	const char *s;
	long long ll;
	struct stat st;
	int r = -EINVAL;

	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->conf = file_of(dir, name, CONF_SUFFIX);
	e->archive = file_of(dir, name, ARCHIVE_SUFFIX);
	config_init(&cfg);
	if (config_read_file(&cfg, e->conf) != CONFIG_TRUE)
		goto out;
	key = config_lookup(&cfg, "key");
	if (!key || !config_setting_is_group(key))
		goto out;
	for (int p = 0; p < BASE_KEY_NR; p++) {
		if (!config_setting_lookup_string(key, parts[p].name, &s))
			goto out;
		base_key_set(&e->key, (enum base_key_part)p, s);
	}
	base_key_seal(&e->key);
	if (!config_lookup_string(&cfg, "id", &s) || strcmp(s, e->key.id))
		goto out;
	if (!config_lookup_string(&cfg, "sha256", &s) || strlen(s) != 64)
		goto out;
	memcpy(e->sha256, s, SHA256_HEX_SIZE);
	e->state = xstrdup(config_lookup_string(&cfg, "state", &s) ? s : "");
	if (!config_lookup_int64(&cfg, "size", &ll) || ll < 0)
		goto out;
	e->size = (unsigned long long)ll;
	if (config_lookup_int64(&cfg, "unpacked", &ll) && ll > 0)
		e->unpacked = (unsigned long long)ll;
	if (!config_lookup_int64(&cfg, "created", &ll))
		goto out;
	e->created = (time_t)ll;
	e->used = stat(e->conf, &st) == 0 ? st.st_mtime : e->created;
	r = 0;
out:
	config_destroy(&cfg);
	if (r < 0)
		base_entry_release(e);
	return r;
}

static int newest_first(const void *a, const void *b)
{
	const struct base_entry *x = a, *y = b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

int base_cache_list(const char *dir, struct base_entry **ret, size_t *ret_nr)
{
	struct strvec names = STRVEC_INIT;
	struct base_entry *v = NULL;
	size_t nr = 0;
	int r;

	*ret = NULL;
	*ret_nr = 0;
	r = list_dir(dir, &names);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.nr; i++) {
		const char *n = names.v[i];
		size_t len = strlen(n), sl = strlen(CONF_SUFFIX);
		char *stem;

		if (len <= sl || strcmp(n + len - sl, CONF_SUFFIX))
			continue;
		stem = xstrndup(n, len - sl);
		v = xrealloc(v, (nr + 1) * sizeof(*v));
		if (read_conf(dir, stem, &v[nr]) == 0)
			nr++;
		free(stem);
	}
	strvec_clear(&names);
	if (nr)
		qsort(v, nr, sizeof(*v), newest_first);
	*ret = v;
	*ret_nr = nr;
	return 0;
}

void base_cache_list_free(struct base_entry *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		base_entry_release(&v[i]);
	free(v);
}

int base_cache_open(const struct base_entry *e, struct strbuf *err)
{
	int fd = open(e->archive, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;

		strbuf_addf(err, "cannot read '%s': %s", e->archive,
			    strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size != e->size) {
		strbuf_addf(err, "'%s' is %llu bytes, not %llu", e->archive,
			    (unsigned long long)st.st_size, e->size);
		close(fd);
		return -EBADMSG;
	}
	return fd;
}

int base_cache_check_sum(const struct base_entry *e, const char *sha256,
			 struct strbuf *err)
{
	if (!strcmp(sha256, e->sha256))
		return 0;
	strbuf_addf(err, "'%s' does not match its checksum: SHA-256 %s, "
		    "expected %s", e->archive, sha256, e->sha256);
	return -EBADMSG;
}

int base_cache_verify(const struct base_entry *e, struct strbuf *err)
{
	char hex[SHA256_HEX_SIZE];
	int fd = base_cache_open(e, err), r;

	if (fd < 0)
		return fd;
	r = sha256_fd(fd, hex, NULL);
	close(fd);
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", e->archive,
			    strerror(-r));
		return r;
	}
	return base_cache_check_sum(e, hex, err);
}

int base_cache_check_dir(const char *dir, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	char *parent = xstrndup(dir, (size_t)(strrchr(dir, '/') - dir));
	int r;

	/* The cache itself is a place, not a passage: no sticky /tmp. */
	r = path_check_root_only(*parent ? parent : "/", &why);
	if (r >= 0)
		r = path_check_root_only(dir, &why);
	free(parent);

	if (r == -EPERM)
		strbuf_addf(err, "refusing the cache '%s': %s, so others "
			    "could plant a base", dir, why.buf);
	else if (r < 0)
		strbuf_addstr(err, why.buf);
	strbuf_release(&why);
	return r;
}

static char *lock_path(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/.%s.lock", dir, name);
	return strbuf_detach(&sb, NULL);
}

static int open_lock(const char *dir, const char *name, char **ret_path)
{
	char *path = lock_path(dir, name);
	int fd, r;

	r = mkdir_p(dir, 0755);
	if (r < 0) {
		*ret_path = path;
		return r;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	*ret_path = path;
	return fd < 0 ? -errno : fd;
}

int base_cache_trylock(const char *dir, const char *name)
{
	struct strbuf err = STRBUF_INIT;
	int fd = base_cache_lock(dir, name, -1, 1, 0, &err);

	strbuf_release(&err);
	return fd;
}

int base_cache_lock(const char *dir, const char *name, int fd,
		    int exclusive, int wait, struct strbuf *err)
{
	int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
	int opened = fd < 0;
	char *path = NULL;

	if (opened) {
		fd = open_lock(dir, name, &path);
		if (fd < 0) {
			strbuf_addf(err, "cannot open '%s': %s", path,
				    strerror(-fd));
			goto out;
		}
	}
	/* Poll rather than block, so that a signal ends the wait. */
	while (flock(fd, op) < 0) {
		int r = errno == EWOULDBLOCK && !wait ? -EBUSY : -errno;

		if (r == -EWOULDBLOCK || r == -EINTR) {
			if (!signals_pending()) {
				usleep(100 * 1000);
				continue;
			}
			r = -EINTR;
		}
		if (!path)
			path = lock_path(dir, name);
		if (r == -EINTR)
			strbuf_addf(err, "interrupted while waiting for '%s'",
				    path);
		else if (r != -EBUSY)
			strbuf_addf(err, "cannot lock '%s': %s", path,
				    strerror(-r));
		if (opened)
			close(fd);
		fd = r;
		break;
	}
out:
	free(path);
	return fd;
}

void base_cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int base_cache_find(const char *dir, const struct base_key *k,
		    struct base_entry *ret)
{
	char *name = base_cache_name(k);
	int r = read_conf(dir, name, ret);

	free(name);
	if (r < 0)
		return 0;
	/* Twelve digits name the files; all 64 must match. */
	if (strcmp(ret->key.id, k->id)) {
		base_entry_release(ret);
		return 0;
	}
	return 1;
}

static int count_differences(const struct base_key *a,
			     const struct base_key *b)
{
	int n = 0;

	for (int p = 0; p < BASE_KEY_NR; p++)
		n += strcmp(a->part[p], b->part[p]) != 0;
	return n;
}

void base_cache_explain_miss(const char *dir, const struct base_key *k,
			     struct strbuf *why)
{
	struct base_entry *v = NULL;
	const struct base_entry *best = NULL;
	size_t nr = 0;
	int best_n = BASE_KEY_NR + 1, first = 1;
	char when[32];

	(void)base_cache_list(dir, &v, &nr);
	for (size_t i = 0; i < nr; i++) {
		int n;

		if (strcmp(v[i].key.part[BASE_KEY_DIST],
			   k->part[BASE_KEY_DIST]) ||
		    strcmp(v[i].key.part[BASE_KEY_ARCH],
			   k->part[BASE_KEY_ARCH]))
			continue;
		n = count_differences(&v[i].key, k);
		if (n < best_n) {
			best = &v[i];
			best_n = n;
		}
	}
	if (!best) {
		strbuf_addf(why, "no base for %s/%s is cached in '%s'",
			    k->part[BASE_KEY_DIST], k->part[BASE_KEY_ARCH],
			    dir);
		goto out;
	}
	for (int p = 0; p < BASE_KEY_NR; p++) {
		if (!strcmp(best->key.part[p], k->part[p]))
			continue;
		strbuf_addf(why, "%s%s", first ? "" : ", ", parts[p].text);
		first = 0;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M",
		 localtime(&best->created));
	strbuf_addf(why, " changed since the cached base %s (built %s)",
		    best->name, when);
out:
	base_cache_list_free(v, nr);
}

static void add_string(config_setting_t *g, const char *name, const char *v)
{
	config_setting_set_string(config_setting_add(g, name,
						     CONFIG_TYPE_STRING),
				  v);
}

static int write_conf(const char *path, const struct base_key *k,
		      const char *sha256, const char *state,
		      unsigned long long size, unsigned long long unpacked,
		      struct strbuf *err)
{
	config_t cfg;
	config_setting_t *root, *key;
	int r;

	config_init(&cfg);
	root = config_root_setting(&cfg);
	key = config_setting_add(root, "key", CONFIG_TYPE_GROUP);
	for (int p = 0; p < BASE_KEY_NR; p++)
		add_string(key, parts[p].name, k->part[p]);
	add_string(root, "id", k->id);
	add_string(root, "sha256", sha256);
	add_string(root, "state", state ? state : "");
	config_setting_set_int64(config_setting_add(root, "size",
						    CONFIG_TYPE_INT64),
				 (long long)size);
	if (unpacked)
		config_setting_set_int64(config_setting_add(root, "unpacked",
							    CONFIG_TYPE_INT64),
					 (long long)unpacked);
	config_setting_set_int64(config_setting_add(root, "created",
						    CONFIG_TYPE_INT64),
				 (long long)time(NULL));
	r = conffile_write(path, &cfg,
			   "Written by create-image: a cached base and its key.",
			   0644, err);
	config_destroy(&cfg);
	return r;
}

/* The checksum of the archive, made as it is written. */
struct hashing {
	struct sha256_ctx *c;
	unsigned long long size;
};

static void count_and_hash(const void *data, size_t len, void *opaque)
{
	struct hashing *h = opaque;

	sha256_update(h->c, data, len);
	h->size += len;
}

/*
 * NAME.part-XXXXXX files a run killed outright while it stored NAME left:
 * under NAME's lock no other run writes one, so every one there is dead.
 */
static void remove_dead_parts(const char *dir, const char *name)
{
	struct strvec files = STRVEC_INIT;
	struct strbuf prefix = STRBUF_INIT;

	strbuf_addf(&prefix, "%s.part-", name);
	if (list_dir(dir, &files) >= 0) {
		for (size_t i = 0; i < files.nr; i++) {
			char *path;

			if (strncmp(files.v[i], prefix.buf, prefix.len))
				continue;
			path = path_join(dir, files.v[i]);
			if (unlink(path) == 0)
				debug("removed '%s', left by a killed run",
				      path);
			free(path);
		}
	}
	strvec_clear(&files);
	strbuf_release(&prefix);
}

int base_cache_store(const char *dir, const struct base_key *k,
		     const char *state, const char *root, struct strbuf *err)
{
	char *name = base_cache_name(k);
	char *archive = file_of(dir, name, ARCHIVE_SUFFIX);
	char *conf = file_of(dir, name, CONF_SUFFIX);
	struct strbuf tmp = STRBUF_INIT;
	struct hashing sum = { NULL, 0 };
	char hex[SHA256_HEX_SIZE];
	unsigned long long size = 0;
	uint64_t unpacked = 0;
	int fd = -1, r;

	r = mkdir_p(dir, 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-r));
		goto out;
	}
	remove_dead_parts(dir, name);
	/* Without the suffix: never taken for a base. */
	strbuf_addf(&tmp, "%s/%s.part-XXXXXX", dir, name);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot create '%s': %s", tmp.buf,
			    strerror(errno));
		goto out;
	}
	sum.c = sha256_new();
	if (!sum.c) {
		r = -ENOMEM;
		close(fd);
		strbuf_addf(err, "cannot write '%s': %s", tmp.buf,
			    strerror(ENOMEM));
		goto out;
	}
	/* For the space check of the guests it goes into; a tree that
	 * cannot be measured is stored all the same, without the figure. */
	(void)fsspace_tree_usage(root, &unpacked);
	r = archive_tree(root, fd, count_and_hash, &sum, err);
	sha256_finish(sum.c, hex);
	size = sum.size;
	if (r >= 0 && close(fd) < 0)
		r = -errno;
	else if (r < 0)
		close(fd);
	if (r < 0) {
		if (!err->len)
			strbuf_addf(err, "cannot write '%s': %s", tmp.buf,
				    strerror(-r));
		goto out;
	}
	if (rename(tmp.buf, archive) < 0)
		r = -errno;
	if (r < 0) {
		strbuf_addf(err, "cannot store '%s': %s", archive,
			    strerror(-r));
		goto out;
	}
	strbuf_setlen(&tmp, 0);
	r = write_conf(conf, k, hex, state, size, unpacked, err);
	if (r < 0)
		unlink(archive);
out:
	if (tmp.len)
		unlink(tmp.buf);
	strbuf_release(&tmp);
	free(name);
	free(archive);
	free(conf);
	return r;
}

int base_cache_remove(const struct base_entry *e)
{
	int r = 0;

	/* The description first: without it the archive is never used. */
	if (unlink(e->conf) < 0 && errno != ENOENT)
		r = -errno;
	if (unlink(e->archive) < 0 && errno != ENOENT && !r)
		r = -errno;
	/* Its ready images (base-image.h) go with it. */
	{
		char *dir = xstrdup(e->archive), *slash = strrchr(dir, '/');
		int u;

		if (slash) {
			*slash = '\0';
			u = base_image_remove_all(dir, e->name);
			if (u < 0 && !r)
				r = u;
		}
		free(dir);
	}
	return r;
}

void base_cache_touch(const struct base_entry *e)
{
	(void)utimensat(AT_FDCWD, e->conf, NULL, 0);
}
