/* base.c: see base.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"
#include "fsutil.h"
#include "hooks.h"
#include "install-archive.h"
#include "install.h"
#include "macros.h"
#include "paths.h"
#include "banned.h"

/* A debootstrap base is named for the program that installed it: two
 * installers never make quite the same tree. */
static const char *method_name(const struct guest *g)
{
	switch (g->method) {
	case INSTALL_DEBOOTSTRAP:
		return install_installer_name(g);
	case INSTALL_TAR:
		return "tar";
	case INSTALL_COPY:
		return "copy";
	case INSTALL_NONE:
		return "none";
	}
	return "";
}

/* What was installed from: the keyring debootstrap checked the mirror
 * with, or the tarball (a local one by size and time as well), and the
 * checksum it was held to: a URL alone says nothing of what it serves. */
static int source_part(const struct guest *g, struct strbuf *out,
		       struct strbuf *err)
{
	struct strvec files = STRVEC_INIT;
	struct stat st;
	int r = 0;

	if (g->method == INSTALL_DEBOOTSTRAP && g->keyring) {
		strbuf_addstr(out, "keyring ");
		strvec_push(&files, g->keyring);
		r = base_key_files(&files, 0, NULL, out, err);
	} else if (g->method == INSTALL_TAR) {
		strbuf_addstr(out, g->install_source);
		if (!source_is_url(g->install_source)) {
			if (stat(g->install_source, &st) < 0) {
				r = -errno;
				strbuf_addf(err, "cannot read '%s': %s",
					    g->install_source, strerror(errno));
			} else {
				strbuf_addf(out, " %lld %lld.%09ld",
					    (long long)st.st_size,
					    (long long)st.st_mtim.tv_sec,
					    st.st_mtim.tv_nsec);
			}
		}
		if (g->install_sha256)
			strbuf_addf(out, " sha256:%s", g->install_sha256);
	}
	strvec_clear(&files);
	return r;
}

int base_key_for(const struct guest *g, struct base_key *ret,
		 struct strbuf *err)
{
	struct strvec list = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	char *distros = paths_data("distros");
	int debootstrap = g->method == INSTALL_DEBOOTSTRAP;
	int r;

	base_key_set(ret, BASE_KEY_FORMAT, BASE_FORMAT);
	base_key_set(ret, BASE_KEY_DIST, g->distro.codename);
	base_key_set(ret, BASE_KEY_ARCH, g->arch);
	base_key_set(ret, BASE_KEY_MIRROR, debootstrap ? g->mirror : "");
	base_key_set(ret, BASE_KEY_METHOD, method_name(g));

	r = source_part(g, &sb, err);
	if (r < 0)
		goto out;
	base_key_set(ret, BASE_KEY_SOURCE, sb.buf);

	strbuf_reset(&sb);
	if (debootstrap)
		install_packages(g, &list);
	strvec_sort(&list);
	for (size_t i = 0; i < list.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", list.v[i]);
	base_key_set(ret, BASE_KEY_PACKAGES, sb.buf);

	strbuf_reset(&sb);
	strvec_clear(&list);
	hooks_collect(g, HOOKS_BASE, &list);
	r = base_key_files(&list, 0, NULL, &sb, err);
	if (r < 0)
		goto out;
	base_key_set(ret, BASE_KEY_HOOKS, sb.buf);

	strbuf_reset(&sb);
	strvec_clear(&list);
	r = install_base_tree_files(g, &list);
	if (r >= 0)
		r = base_key_files(&list, 1, distros, &sb, err);
	if (r < 0)
		goto out;
	base_key_set(ret, BASE_KEY_TREE, sb.buf);

	strbuf_reset(&sb);
	strvec_clear(&list);
	if (debootstrap) {
		struct strvec mirrors = STRVEC_INIT;

		install_suites(g, &list, &mirrors);
		strvec_clear(&mirrors);
	}
	for (size_t i = 0; i < list.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", list.v[i]);
	base_key_set(ret, BASE_KEY_SUITES, sb.buf);
	base_key_seal(ret);
out:
	free(distros);
	strvec_clear(&list);
	strbuf_release(&sb);
	return r;
}

int base_cacheable(const struct guest *g, const char **why)
{
	if (g->cache == CACHE_NO) {
		*why = "--cache=no";
		return 0;
	}
	if (g->method == INSTALL_COPY) {
		*why = "--install-method=copy copies a local tree as it is";
		return 0;
	}
	if (g->method == INSTALL_NONE) {
		*why = "--install-method=none installs nothing";
		return 0;
	}
	return 1;
}

char *base_cache_dir(const char *cachedir)
{
	return path_join(cachedir, "bases");
}

int base_archive_state(const struct guest *g, struct journal *j,
		       struct archive_state *ret, struct strbuf *err)
{
	struct strvec suites = STRVEC_INIT, mirrors = STRVEC_INIT;
	struct suite_ref *refs;
	struct archive_opts o = {
		.keyring = g->keyring,
		.cachedir = g->cache == CACHE_NO ? NULL : g->cachedir,
		.max_age = (long)g->cache_max_age,
		.timeout = BASE_ARCHIVE_TIMEOUT,
		.offline = g->offline,
		.journal = j,
	};
	int r;

	install_suites(g, &suites, &mirrors);
	refs = xcalloc(suites.nr, sizeof(*refs));
	for (size_t i = 0; i < suites.nr; i++) {
		refs[i].mirror = mirrors.v[i];
		refs[i].suite = suites.v[i];
	}
	r = archive_state_get(refs, suites.nr, &o, ret, err);
	free(refs);
	strvec_clear(&suites);
	strvec_clear(&mirrors);
	return r;
}

int base_find_cached(const struct guest *g, struct base_entry *ret)
{
	struct base_key key = BASE_KEY_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *why;
	char *dir = base_cache_dir(g->cachedir);
	int found = 0;

	if (base_cacheable(g, &why) && base_key_for(g, &key, &err) >= 0)
		found = base_cache_find(dir, &key, ret);
	base_key_release(&key);
	strbuf_release(&err);
	free(dir);
	return found;
}

static void add_ago(struct strbuf *out, time_t then, time_t now)
{
	long long s = now > then ? (long long)(now - then) : 0;

	if (s < 2 * 3600)
		strbuf_addf(out, "%lld minutes ago", s / 60);
	else if (s < 2 * 86400)
		strbuf_addf(out, "%lld hours ago", s / 3600);
	else
		strbuf_addf(out, "%lld days ago", s / 86400);
}

void base_describe_state(const struct base_entry *e, time_t now,
			 struct strbuf *out)
{
	struct archive_state st = { 0 };
	time_t t = e->created;
	char when[32];
	struct tm tm;

	if (e->state && *e->state && archive_state_parse(e->state, &st) >= 0 &&
	    archive_state_date(&st) > 0) {
		t = archive_state_date(&st);
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		strbuf_addf(out, "built from the archive of %s, ", when);
	} else {
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		strbuf_addf(out, "built %s, ", when);
	}
	add_ago(out, t, now);
	archive_state_release(&st);
}
