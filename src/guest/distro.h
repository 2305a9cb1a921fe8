/*
 * distro.h: the distributions create-image knows, read from
 * distros/releases, and what each needs: its package set and the
 * directories its hooks come from.
 */
#ifndef DISTRO_H
#define DISTRO_H

#include "strbuf.h"
#include "strvec.h"

struct distro {
	char *codename;
	char *family;
	struct strvec attrs;
};

void distro_release(struct distro *d);
/*
 * Find codename in the releases file. -ENOENT if unknown, with the known
 * codenames, space-separated, in ret_known (may be NULL).
 */
int distro_lookup(const char *codename, struct distro *ret,
		  struct strbuf *ret_known);
int distro_has(const struct distro *d, const char *attr);
/* The family's packages plus the release's additions, less its removals,
 * for the architecture (linux-image-amd64 becomes -arm64 and so on). */
int distro_packages(const struct distro *d, const char *arch,
		    struct strvec *ret);
/*
 * distros/FAMILY/SUB and distros/RELEASE/SUB, lowest priority first: where
 * the hooks ("hooks", "hooks/base") and the base tree ("base-tree") are.
 */
void distro_dirs(const struct distro *d, const char *sub, struct strvec *ret);

#endif
