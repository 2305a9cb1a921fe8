/* distro.c: see distro.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "distro.h"
#include "fsutil.h"
#include "paths.h"
#include "banned.h"

void distro_release(struct distro *d)
{
	free(d->codename);
	free(d->family);
	strvec_clear(&d->attrs);
	d->codename = d->family = NULL;
}

/* Each non-comment line of a data file, as words. */
static int read_lines(const char *rel, struct strvec *ret)
{
	struct strbuf text = STRBUF_INIT;
	char *path = paths_data(rel);
	struct strvec lines = STRVEC_INIT;
	int r;

	r = strbuf_read_file(&text, path);
	free(path);
	if (r < 0)
		goto out;
	strvec_split(&lines, text.buf, "\n");
	for (size_t i = 0; i < lines.nr; i++) {
		const char *l = lines.v[i];

		l += strspn(l, " \t");
		if (*l && *l != '#')
			strvec_push(ret, l);
	}
out:
	strvec_clear(&lines);
	strbuf_release(&text);
	return r;
}

int distro_lookup(const char *codename, struct distro *ret,
		  struct strbuf *ret_known)
{
	struct strvec lines = STRVEC_INIT;
	int r = read_lines("distros/releases", &lines);

	if (r < 0)
		goto out;
	r = -ENOENT;
	for (size_t i = 0; i < lines.nr; i++) {
		struct strvec w = STRVEC_INIT;

		strvec_split(&w, lines.v[i], " \t");
		if (w.nr >= 2 && ret_known)
			strbuf_addf(ret_known, "%s%s",
				    ret_known->len ? " " : "", w.v[0]);
		if (r < 0 && w.nr >= 2 && !strcmp(w.v[0], codename)) {
			ret->codename = strdup(w.v[0]);
			ret->family = strdup(w.v[1]);
			strvec_init(&ret->attrs);
			for (size_t j = 2; j < w.nr; j++)
				strvec_push(&ret->attrs, w.v[j]);
			r = 0;
		}
		strvec_clear(&w);
	}
out:
	strvec_clear(&lines);
	return r;
}

int distro_has(const struct distro *d, const char *attr)
{
	return strvec_find(&d->attrs, attr) >= 0;
}

static void add_package_file(const char *dir, const char *arch,
			     struct strvec *pkgs)
{
	struct strvec lines = STRVEC_INIT;
	char *rel = path_join(dir, "packages");

	(void)read_lines(rel, &lines);
	for (size_t i = 0; i < lines.nr; i++) {
		struct strvec w = STRVEC_INIT;

		strvec_split(&w, lines.v[i], " \t");
		for (size_t j = 0; j < w.nr; j++) {
			const char *p = w.v[j];
			int remove = *p == '-';
			struct strvec one = STRVEC_INIT;
			const char *name;
			int at;

			if (remove)
				p++;
			/* The kernel flavour follows the guest's arch;
			 * i386 has no cloud flavour. */
			if (!strcmp(p, "linux-image-amd64") &&
			    strcmp(arch, "amd64"))
				name = strvec_pushf(&one, "linux-image-%s",
						    !strcmp(arch, "i386") ?
						    "686-pae" : arch);
			else if (!strcmp(p, "linux-image-cloud-amd64") &&
				 strcmp(arch, "amd64"))
				name = strvec_pushf(&one, "linux-image-%s%s",
						    !strcmp(arch, "i386") ?
						    "" : "cloud-",
						    !strcmp(arch, "i386") ?
						    "686-pae" : arch);
			else
				name = strvec_push(&one, p);
			at = strvec_find(pkgs, name);
			if (remove && at >= 0)
				strvec_remove(pkgs, (size_t)at);
			else if (!remove && at < 0)
				strvec_push(pkgs, name);
			strvec_clear(&one);
		}
		strvec_clear(&w);
	}
	strvec_clear(&lines);
	free(rel);
}

int distro_packages(const struct distro *d, const char *arch,
		    struct strvec *ret)
{
	struct strvec dirs = STRVEC_INIT;

	strvec_pushf(&dirs, "distros/%s", d->family);
	strvec_pushf(&dirs, "distros/%s", d->codename);
	for (size_t i = 0; i < dirs.nr; i++)
		add_package_file(dirs.v[i], arch, ret);
	strvec_clear(&dirs);
	return 0;
}

void distro_dirs(const struct distro *d, const char *sub, struct strvec *ret)
{
	char *p;

	p = paths_data("distros");
	strvec_pushf(ret, "%s/%s/%s", p, d->family, sub);
	strvec_pushf(ret, "%s/%s/%s", p, d->codename, sub);
	free(p);
}
