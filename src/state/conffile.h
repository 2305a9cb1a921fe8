/*
 * conffile.h: write a libconfig file atomically, so that a reader (or a
 * crash) sees the old file or the new one, never half of either. The
 * manifests, the base cache's descriptions and the address leases are
 * all written through it.
 */
#ifndef CONFFILE_H
#define CONFFILE_H

#include <libconfig.h>
#include <sys/types.h>

#include "strbuf.h"

/*
 * Write cfg to path with mode, preceded by "# header_comment" when that is
 * not NULL: a hidden temporary file beside it (".NAME.XXXXXX", which no
 * reader of *.conf takes for one of its files), fsync, rename, fsync of
 * the directory. The directory is created (0755) if it is missing. 0, or
 * -errno with the reason in err; on failure path is left as it was.
 */
int conffile_write(const char *path, const config_t *cfg,
		   const char *header_comment, mode_t mode,
		   struct strbuf *err);

#endif
