/*
 * export.h: one artifact of a built guest for image factories: its root
 * disk as a raw or qcow2 image, or its tree as a tar.zst, with
 * FILE.sha256 (sha256sum's format) and FILE.packages.json (what dpkg says
 * is installed, with the guest's record) beside it.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <stddef.h>

#include "dpkg-status.h"
#include "export-format.h"
#include "manifest.h"
#include "strbuf.h"

/*
 * What path.packages.json holds: the guest's record (hostname, dist,
 * arch, created, the archive state, the cached base it was made from or
 * null, the settings it was built from) and
 * every installed package, with its version and architecture.
 */
void export_packages_json(struct strbuf *out, const struct manifest *m,
			  enum export_format f,
			  const struct dpkg_package *pkgs, size_t n);

/*
 * Write the export of the guest m records to path, path.sha256 and
 * path.packages.json: each to a hidden temporary name beside it first,
 * renamed over the old ones (force) only when all three are complete;
 * on failure none is left. raw and qcow2 are the disk that holds "/" (for
 * --layout=volumes the root file system's own image, for --layout=disk
 * the whole partitioned disk); a guest with file systems on other disks
 * is -EINVAL for them (tar.zst holds them all). The guest's file systems
 * are mounted read-only while it works, and are unmounted again.
 * The caller makes sure the guest is not running. 0 or -errno with err.
 */
int export_guest(const struct manifest *m, enum export_format f,
		 const char *path, struct strbuf *err);

#endif
