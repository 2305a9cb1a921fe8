/*
 * dpkg-status.h: the packages installed in a guest, read from its dpkg
 * database (/var/lib/dpkg/status), for what an export says it holds.
 */
#ifndef DPKG_STATUS_H
#define DPKG_STATUS_H

#include <stddef.h>

#include "strbuf.h"

struct dpkg_package {
	char *name, *version, *arch;
};

/*
 * The stanzas of a dpkg status file whose Status says "installed", sorted
 * by name and then architecture, in *ret (freed with dpkg_packages_free()).
 * Other stanzas (removed with their conffiles left, half-configured) are
 * not installed packages and are skipped. A stanza without Package,
 * Version or Architecture, or a line that is no "Field: value" and no
 * continuation, is -EINVAL with "LINE: ..." in err; ret is then untouched.
 */
int dpkg_status_parse(const char *text, size_t len,
		      struct dpkg_package **ret, size_t *ret_n,
		      struct strbuf *err);
void dpkg_packages_free(struct dpkg_package *p, size_t n);

#endif
