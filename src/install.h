/*
 * install.h: putting a distribution into the mounted root: debootstrap
 * from a mirror, a root-file-system tarball, or a copy of a directory.
 */
#ifndef INSTALL_H
#define INSTALL_H

#include "guest.h"
#include "strbuf.h"

/* Install into root, the mounted root file system. On failure err holds
 * one line of detail. */
int install_system(const struct guest *g, const char *root,
		   struct strbuf *err);
/* The debootstrap argv, for the log and for --dry-run's plan. */
void install_debootstrap_args(const struct guest *g, const char *root,
			      struct strvec *args);

#endif
