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
#include "paths.h"
#include "banned.h"

static const char *method_name(enum install_method m)
{
	switch (m) {
	case INSTALL_DEBOOTSTRAP:
		return "debootstrap";
	case INSTALL_TAR:
		return "tar";
	case INSTALL_COPY:
		return "copy";
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
	base_key_set(ret, BASE_KEY_METHOD, method_name(g->method));

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
	return 1;
}

char *base_cache_dir(const char *cachedir)
{
	return path_join(cachedir, "bases");
}
