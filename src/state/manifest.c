/* manifest.c: see manifest.h. */
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conffile.h"
#include "fsutil.h"
#include "json.h"
#include "macros.h"
#include "manifest.h"
#include "net.h"
#include "paths.h"
#include "banned.h"

#define MANIFEST_VERSION 1

void manifest_init(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
	strvec_init(&m->ips);
	strvec_init(&m->settings);
}

void manifest_release(struct manifest *m)
{
	free(m->hostname);
	free(m->dist);
	free(m->arch);
	free(m->created);
	free(m->mac);
	strvec_clear(&m->ips);
	free(m->storage);
	free(m->layout);
	free(m->dir);
	free(m->vg);
	free(m->config);
	for (size_t i = 0; i < m->ndisks; i++) {
		struct manifest_disk *d = &m->disks[i];

		free(d->vdev);
		free(d->path);
		free(d->format);
		free(d->lv);
	}
	free(m->disks);
	for (size_t i = 0; i < m->nfss; i++) {
		struct manifest_fs *f = &m->fss[i];

		free(f->mountpoint);
		free(f->type);
		free(f->uuid);
		free(f->disk);
	}
	free(m->fss);
	free(m->pool);
	free(m->archive);
	free(m->base);
	free(m->backing);
	strvec_clear(&m->settings);
	manifest_init(m);
}

struct manifest_disk *manifest_add_disk(struct manifest *m)
{
	m->disks = xrealloc(m->disks, (m->ndisks + 1) * sizeof(*m->disks));
	memset(&m->disks[m->ndisks], 0, sizeof(*m->disks));
	return &m->disks[m->ndisks++];
}

struct manifest_fs *manifest_add_fs(struct manifest *m)
{
	m->fss = xrealloc(m->fss, (m->nfss + 1) * sizeof(*m->fss));
	memset(&m->fss[m->nfss], 0, sizeof(*m->fss));
	return &m->fss[m->nfss++];
}

const char *manifest_setting(const struct manifest *m, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < m->settings.nr; i++)
		if (!strncmp(m->settings.v[i], key, len) &&
		    m->settings.v[i][len] == '=')
			return m->settings.v[i] + len + 1;
	return NULL;
}

static char *guests_dir(void)
{
	return path_join(paths_statedir(), "guests");
}

char *manifest_path(const char *hostname)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir = guests_dir();

	strbuf_addf(&sb, "%s/%s.conf", dir, hostname);
	free(dir);
	return strbuf_detach(&sb, NULL);
}

/* Setters that cannot fail on a setting we just added: abort if they do. */
static config_setting_t *add(config_setting_t *parent, const char *name,
			     int type)
{
	config_setting_t *s = config_setting_add(parent, name, type);

	if (!s)
		abort();
	return s;
}

static void add_string(config_setting_t *parent, const char *name,
		       const char *value)
{
	config_setting_set_string(add(parent, name, CONFIG_TYPE_STRING),
				  value ? value : "");
}

static void add_int(config_setting_t *parent, const char *name, int value)
{
	config_setting_set_int(add(parent, name, CONFIG_TYPE_INT), value);
}

static void add_int64(config_setting_t *parent, const char *name,
		      uint64_t value)
{
	config_setting_set_int64(add(parent, name, CONFIG_TYPE_INT64),
				 (long long)value);
}

static void add_bool(config_setting_t *parent, const char *name, int value)
{
	config_setting_set_bool(add(parent, name, CONFIG_TYPE_BOOL), !!value);
}

static void manifest_to_config(const struct manifest *m, config_t *cfg)
{
	config_setting_t *root = config_root_setting(cfg);
	config_setting_t *list;

	add_int(root, "version", MANIFEST_VERSION);
	add_string(root, "hostname", m->hostname);
	add_string(root, "dist", m->dist);
	add_string(root, "arch", m->arch);
	add_string(root, "created", m->created);
	add_int64(root, "memory", m->memory);
	add_int(root, "vcpus", (int)m->vcpus);
	add_string(root, "mac", m->mac);
	add_bool(root, "dhcp", m->dhcp);
	list = add(root, "ips", CONFIG_TYPE_ARRAY);
	for (size_t i = 0; i < m->ips.nr; i++)
		add_string(list, NULL, m->ips.v[i]);
	add_string(root, "storage", m->storage);
	add_string(root, "layout", m->layout);
	add_string(root, "dir", m->dir);
	add_string(root, "vg", m->vg);
	add_string(root, "config", m->config);
	list = add(root, "disks", CONFIG_TYPE_LIST);
	for (size_t i = 0; i < m->ndisks; i++) {
		const struct manifest_disk *d = &m->disks[i];
		config_setting_t *g = add(list, NULL, CONFIG_TYPE_GROUP);

		add_string(g, "vdev", d->vdev);
		add_string(g, "path", d->path);
		add_string(g, "format", d->format);
		add_int64(g, "size", d->size);
		add_string(g, "lv", d->lv);
		add_bool(g, "owned", d->owned);
	}
	list = add(root, "filesystems", CONFIG_TYPE_LIST);
	for (size_t i = 0; i < m->nfss; i++) {
		const struct manifest_fs *f = &m->fss[i];
		config_setting_t *g = add(list, NULL, CONFIG_TYPE_GROUP);

		add_string(g, "mountpoint", f->mountpoint);
		add_string(g, "type", f->type);
		add_int64(g, "size", f->size);
		add_string(g, "uuid", f->uuid);
		add_string(g, "disk", f->disk);
		add_int(g, "partition", (int)f->partition);
	}
	add_string(root, "pool", m->pool);
	add_string(root, "archive", m->archive);
	add_string(root, "base", m->base);
	add_string(root, "backing", m->backing);
	list = add(root, "settings", CONFIG_TYPE_GROUP);
	for (size_t i = 0; i < m->settings.nr; i++) {
		const char *kv = m->settings.v[i], *eq = strchr(kv, '=');
		char *key = xstrndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));

		add_string(list, key, eq ? eq + 1 : "");
		free(key);
	}
}

int manifest_write(const char *path, const struct manifest *m,
		   struct strbuf *err)
{
	config_t cfg;
	int r;

	config_init(&cfg);
	manifest_to_config(m, &cfg);
	r = conffile_write(path, &cfg,
			   "Written by create-image: what it built for this "
			   "guest.", 0644, err);
	config_destroy(&cfg);
	return r;
}

/* Reading: every problem is "PATH:LINE: ..." (or "PATH: ..." for a
 * setting missing from the top level, which has no line). */
struct reader {
	const char *path;
	struct strbuf *err;
};

static int bad(const struct reader *rd, const config_setting_t *s,
	       const char *fmt, const char *name)
{
	unsigned line = s ? config_setting_source_line(s) : 0;

	if (line)
		strbuf_addf(rd->err, "%s:%u: ", rd->path, line);
	else
		strbuf_addf(rd->err, "%s: ", rd->path);
	strbuf_addf(rd->err, fmt, name);
	return -EINVAL;
}

static int member(const struct reader *rd, const config_setting_t *group,
		  const char *name, int type, const char *what,
		  config_setting_t **ret)
{
	config_setting_t *s = config_setting_get_member(group, name);
	int t;

	if (!s)
		return bad(rd, group, "missing '%s'", name);
	t = config_setting_type(s);
	/* A small size may be written without the L suffix. */
	if (t == type || (type == CONFIG_TYPE_INT64 && t == CONFIG_TYPE_INT)) {
		*ret = s;
		return 0;
	}
	bad(rd, s, "'%s' must be ", name);
	strbuf_addstr(rd->err, what);
	return -EINVAL;
}

/* empty_is_null: "" reads as NULL (an LV path, a swap's mount point). */
static int get_string(const struct reader *rd, const config_setting_t *group,
		      const char *name, int empty_is_null, char **ret)
{
	config_setting_t *s = NULL;
	const char *v;
	int r = member(rd, group, name, CONFIG_TYPE_STRING, "a string", &s);

	if (r < 0)
		return r;
	v = config_setting_get_string(s);
	*ret = empty_is_null && !*v ? NULL : xstrdup(v);
	return 0;
}

static int get_uint(const struct reader *rd, const config_setting_t *group,
		    const char *name, long long min, long long max,
		    uint64_t *ret)
{
	config_setting_t *s = NULL;
	long long v;
	int r = member(rd, group, name, CONFIG_TYPE_INT64, "an integer", &s);

	if (r < 0)
		return r;
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return bad(rd, s, "'%s' is out of range", name);
	*ret = (uint64_t)v;
	return 0;
}

static int get_bool(const struct reader *rd, const config_setting_t *group,
		    const char *name, int *ret)
{
	config_setting_t *s = NULL;
	int r = member(rd, group, name, CONFIG_TYPE_BOOL, "true or false", &s);

	if (r < 0)
		return r;
	*ret = config_setting_get_bool(s);
	return 0;
}

/* A list of groups ( {...}, {...} ); an empty one may read as [ ]. */
static int get_list(const struct reader *rd, const config_setting_t *group,
		    const char *name, config_setting_t **ret)
{
	config_setting_t *s = config_setting_get_member(group, name);

	if (!s)
		return bad(rd, group, "missing '%s'", name);
	if (config_setting_is_list(s) ||
	    (config_setting_is_array(s) && !config_setting_length(s))) {
		*ret = s;
		return 0;
	}
	return bad(rd, s, "'%s' must be a list ( { ... }, ... )", name);
}

static int group_elem(const struct reader *rd, const config_setting_t *list,
		      int i, const char *name, config_setting_t **ret)
{
	config_setting_t *s = config_setting_get_elem(list, (unsigned)i);

	if (!config_setting_is_group(s))
		return bad(rd, s, "each of '%s' must be a group { ... }", name);
	*ret = s;
	return 0;
}

/* "VG/LV", each part a name LVM takes on a command line. */
static int lv_name_valid(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-";
	const char *slash = strchr(s, '/');
	size_t vglen;

	if (!slash)
		return 0;
	vglen = (size_t)(slash - s);
	return vglen && s[0] != '-' && strspn(s, ok) == vglen &&
	       slash[1] && slash[1] != '-' &&
	       strspn(slash + 1, ok) == strlen(slash + 1);
}

static int read_disks(const struct reader *rd, const config_setting_t *root,
		      struct manifest *m)
{
	config_setting_t *list, *g;
	int r = get_list(rd, root, "disks", &list);

	for (int i = 0; r >= 0 && i < config_setting_length(list); i++) {
		struct manifest_disk *d;

		r = group_elem(rd, list, i, "disks", &g);
		if (r < 0)
			break;
		d = manifest_add_disk(m);
		r = get_string(rd, g, "vdev", 0, &d->vdev);
		if (r >= 0)
			r = get_string(rd, g, "path", 0, &d->path);
		if (r >= 0)
			r = get_string(rd, g, "format", 0, &d->format);
		if (r >= 0)
			r = get_uint(rd, g, "size", 0, INT64_MAX, &d->size);
		if (r >= 0)
			r = get_string(rd, g, "lv", 1, &d->lv);
		if (r >= 0 && d->lv && !lv_name_valid(d->lv))
			r = bad(rd, config_setting_get_member(g, "lv"),
				"'%s' is not VG/LV", "lv");
		if (r >= 0)
			r = get_bool(rd, g, "owned", &d->owned);
		if (r >= 0 && !*d->path)
			r = bad(rd, g, "'%s' may not be empty", "path");
	}
	return r;
}

static int read_filesystems(const struct reader *rd,
			    const config_setting_t *root, struct manifest *m)
{
	config_setting_t *list, *g;
	int r = get_list(rd, root, "filesystems", &list);

	for (int i = 0; r >= 0 && i < config_setting_length(list); i++) {
		struct manifest_fs *f;
		uint64_t part;

		r = group_elem(rd, list, i, "filesystems", &g);
		if (r < 0)
			break;
		f = manifest_add_fs(m);
		r = get_string(rd, g, "mountpoint", 1, &f->mountpoint);
		if (r >= 0)
			r = get_string(rd, g, "type", 0, &f->type);
		if (r >= 0)
			r = get_uint(rd, g, "size", 0, INT64_MAX, &f->size);
		if (r >= 0)
			r = get_string(rd, g, "uuid", 0, &f->uuid);
		if (r >= 0)
			r = get_string(rd, g, "disk", 0, &f->disk);
		if (r >= 0)
			r = get_uint(rd, g, "partition", 0, 128, &part);
		if (r >= 0)
			f->partition = (unsigned)part;
	}
	return r;
}

static int read_ips(const struct reader *rd, const config_setting_t *root,
		    struct manifest *m)
{
	config_setting_t *s = config_setting_get_member(root, "ips");

	if (!s)
		return bad(rd, root, "missing '%s'", "ips");
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return bad(rd, s, "'%s' must be an array [ \"...\", ... ]",
			   "ips");
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return bad(rd, e, "each of '%s' must be a string",
				   "ips");
		strvec_push(&m->ips, config_setting_get_string(e));
	}
	return 0;
}

/* Optional: a record from before settings were kept has none. */
static int read_settings(const struct reader *rd,
			 const config_setting_t *root, struct manifest *m)
{
	config_setting_t *s = config_setting_get_member(root, "settings");

	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return bad(rd, s, "'%s' must be a group { ... }", "settings");
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return bad(rd, e, "each of '%s' must be a string",
				   "settings");
		strvec_pushf(&m->settings, "%s=%s", config_setting_name(e),
			     config_setting_get_string(e));
	}
	return 0;
}

static int config_to_manifest(const struct reader *rd, const config_t *cfg,
			      struct manifest *m)
{
	const config_setting_t *root = config_root_setting(cfg);
	uint64_t version, vcpus;
	int r;

	r = get_uint(rd, root, "version", 0, INT32_MAX, &version);
	if (r >= 0 && version != MANIFEST_VERSION)
		r = bad(rd, config_setting_get_member(root, "version"),
			"unsupported %s (this program reads version 1)",
			"version");
	if (r >= 0)
		r = get_string(rd, root, "hostname", 0, &m->hostname);
	/* delete-image builds paths from it: it must be a plain name. */
	if (r >= 0 && hostname_valid(m->hostname) < 0)
		r = bad(rd, config_setting_get_member(root, "hostname"),
			"invalid hostname '%s'", m->hostname);
	if (r >= 0)
		r = get_string(rd, root, "dist", 0, &m->dist);
	if (r >= 0)
		r = get_string(rd, root, "arch", 0, &m->arch);
	if (r >= 0)
		r = get_string(rd, root, "created", 0, &m->created);
	if (r >= 0)
		r = get_uint(rd, root, "memory", 0, INT64_MAX, &m->memory);
	if (r >= 0)
		r = get_uint(rd, root, "vcpus", 0, INT32_MAX, &vcpus);
	if (r >= 0)
		m->vcpus = (unsigned)vcpus;
	if (r >= 0)
		r = get_string(rd, root, "mac", 0, &m->mac);
	if (r >= 0)
		r = get_bool(rd, root, "dhcp", &m->dhcp);
	if (r >= 0)
		r = read_ips(rd, root, m);
	if (r >= 0)
		r = get_string(rd, root, "storage", 0, &m->storage);
	if (r >= 0)
		r = get_string(rd, root, "layout", 0, &m->layout);
	if (r >= 0)
		r = get_string(rd, root, "dir", 0, &m->dir);
	if (r >= 0)
		r = get_string(rd, root, "vg", 0, &m->vg);
	if (r >= 0)
		r = get_string(rd, root, "config", 0, &m->config);
	if (r >= 0)
		r = read_disks(rd, root, m);
	if (r >= 0)
		r = read_filesystems(rd, root, m);
	if (r >= 0 && config_setting_get_member(root, "pool"))
		r = get_string(rd, root, "pool", 1, &m->pool);
	if (r >= 0 && config_setting_get_member(root, "archive"))
		r = get_string(rd, root, "archive", 1, &m->archive);
	if (r >= 0 && config_setting_get_member(root, "base"))
		r = get_string(rd, root, "base", 1, &m->base);
	if (r >= 0 && config_setting_get_member(root, "backing"))
		r = get_string(rd, root, "backing", 1, &m->backing);
	if (r >= 0)
		r = read_settings(rd, root, m);
	return r;
}

int manifest_read(const char *path, struct manifest *m, struct strbuf *err)
{
	struct reader rd = { path, err };
	struct manifest tmp;
	struct stat st;
	config_t cfg;
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (r == -ENOENT)
			strbuf_addf(err, "no manifest '%s'", path);
		else
			strbuf_addf(err, "cannot read '%s': %s", path,
				    strerror(errno));
		return r;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		strbuf_addf(err, "%s: not a regular file", path);
		return -EINVAL;
	}
	config_init(&cfg);
	if (!config_read(&cfg, f)) {
		strbuf_addf(err, "%s:%d: %s", path, config_error_line(&cfg),
			    config_error_text(&cfg));
		r = -EINVAL;
	} else {
		manifest_init(&tmp);
		r = config_to_manifest(&rd, &cfg, &tmp);
		if (r < 0) {
			manifest_release(&tmp);
		} else {
			*m = tmp;
		}
	}
	config_destroy(&cfg);
	fclose(f);
	return r;
}

static int by_hostname(const void *a, const void *b)
{
	const struct manifest *x = a, *y = b;

	return strcmp(x->hostname, y->hostname);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

int manifest_read_all(struct manifest **ret, size_t *ret_n,
		      struct strbuf *err)
{
	struct strvec names = STRVEC_INIT;
	struct manifest *all = NULL;
	size_t n = 0;
	char *dir = guests_dir();
	int r, broken = 0;

	r = list_dir(dir, &names);
	if (r == -ENOENT) {
		r = 0;
	} else if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", dir, strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < names.nr; i++) {
		struct strbuf one = STRBUF_INIT;
		const char *name = names.v[i];
		struct manifest m;
		size_t stem;
		char *path;

		if (!ends_with(name, ".conf"))
			continue;
		stem = strlen(name) - strlen(".conf");
		path = path_join(dir, name);
		r = manifest_read(path, &m, &one);
		/* Gone since we listed it: deleted meanwhile. */
		if (r == -ENOENT) {
			free(path);
			strbuf_release(&one);
			continue;
		}
		if (r >= 0 && (strlen(m.hostname) != stem ||
			       strncmp(m.hostname, name, stem))) {
			strbuf_addf(&one, "%s: hostname '%s' does not match "
				    "the file name", path, m.hostname);
			manifest_release(&m);
			r = -EINVAL;
		}
		if (r < 0) {
			if (err->len)
				strbuf_addch(err, '\n');
			strbuf_addstr(err, one.buf);
			broken++;
		} else {
			all = xrealloc(all, (n + 1) * sizeof(*all));
			all[n++] = m;
		}
		free(path);
		strbuf_release(&one);
	}
	if (n)
		qsort(all, n, sizeof(*all), by_hostname);
	*ret = all;
	*ret_n = n;
	r = broken;
out:
	strvec_clear(&names);
	free(dir);
	return r;
}

void manifest_free_all(struct manifest *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		manifest_release(&m[i]);
	free(m);
}

void manifest_json_disks(struct json_writer *w, const struct manifest *m)
{
	json_key(w, "disks");
	json_array_begin(w);
	for (size_t i = 0; i < m->ndisks; i++) {
		const struct manifest_disk *d = &m->disks[i];

		json_object_begin(w);
		json_kv_string(w, "vdev", d->vdev);
		json_kv_string(w, "path", d->path);
		json_kv_string(w, "format", d->format);
		json_kv_uint(w, "size", d->size);
		json_kv_nonempty(w, "lv", d->lv);
		json_kv_bool(w, "owned", d->owned);
		json_object_end(w);
	}
	json_array_end(w);
}

void manifest_json_filesystems(struct json_writer *w, const struct manifest *m)
{
	json_key(w, "filesystems");
	json_array_begin(w);
	for (size_t i = 0; i < m->nfss; i++) {
		const struct manifest_fs *f = &m->fss[i];

		json_object_begin(w);
		json_kv_nonempty(w, "mountpoint", f->mountpoint);
		json_kv_string(w, "type", f->type);
		json_kv_uint(w, "size", f->size);
		json_kv_nonempty(w, "uuid", f->uuid);
		json_kv_string(w, "disk", f->disk);
		json_kv_uint(w, "partition", f->partition);
		json_object_end(w);
	}
	json_array_end(w);
}
