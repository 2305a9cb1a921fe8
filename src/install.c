/* install.c: see install.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "install-archive.h"
#include "install.h"
#include "log.h"
#include "run-command.h"
#include "banned.h"

void install_debootstrap_args(const struct guest *g, const char *root,
			      struct strvec *args)
{
	struct strvec pkgs = STRVEC_INIT;
	struct strbuf include = STRBUF_INIT;
	char *debs = path_join(g->cachedir, "debs");

	(void)distro_packages(&g->distro, g->arch, &pkgs);
	/* The tools the guest needs for its own file systems. */
	for (size_t i = 0; i < g->parts.nr; i++) {
		const char *t = g->parts.p[i].type;
		const char *pkg = !strcmp(t, "xfs") ? "xfsprogs" :
				  !strcmp(t, "btrfs") ? "btrfs-progs" : NULL;

		if (pkg && strvec_find(&pkgs, pkg) < 0)
			strvec_push(&pkgs, pkg);
	}
	for (size_t i = 0; i < pkgs.nr; i++)
		strbuf_addf(&include, "%s%s", i ? "," : "", pkgs.v[i]);
	/* minbase plus every package the guest needs, in one pass: no
	 * second apt run per hook, and nothing the guest does not use. */
	strvec_pushl(args, "debootstrap", "--variant=minbase", NULL);
	strvec_pushf(args, "--arch=%s", g->arch);
	if (include.len)
		strvec_pushf(args, "--include=%s", include.buf);
	strvec_push(args, "--components=main");
	if (g->keyring)
		strvec_pushf(args, "--keyring=%s", g->keyring);
	strvec_pushf(args, "--cache-dir=%s", debs);
	strvec_pushl(args, g->distro.codename, root, g->mirror, NULL);
	free(debs);
	strbuf_release(&include);
	strvec_clear(&pkgs);
}

static int debootstrap(const struct guest *g, const char *root,
		       struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char *debs = path_join(g->cachedir, "debs");
	int r;

	r = mkdir_p(debs, 0755);
	if (r < 0) {
		strbuf_addf(err, "cannot create '%s': %s", debs, strerror(-r));
		goto out;
	}
	install_debootstrap_args(g, root, &cp.args);
	cp.clear_env = 1;
	r = run_command(&cp);
	if (r < 0) {
		const char *tail = cp.tail.buf, *p;

		child_describe_failure(&cp, r, err);
		/* debootstrap's own reason is its last "E:" line. */
		for (p = tail; (p = strstr(p, "E: ")); p += 3)
			tail = p;
		if (tail != cp.tail.buf) {
			strbuf_addf(err, ": %.*s", (int)strcspn(tail, "\n"),
				    tail);
		}
	}
out:
	free(debs);
	child_process_clear(&cp);
	return r;
}

int install_system(const struct guest *g, const char *root,
		   struct strbuf *err)
{
	switch (g->method) {
	case INSTALL_DEBOOTSTRAP:
		return debootstrap(g, root, err);
	case INSTALL_TAR:
		return install_tar(g->install_source, root, err);
	case INSTALL_COPY:
		return install_copy(g->install_source, root, err);
	}
	return -EINVAL;
}
