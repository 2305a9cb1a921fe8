/*
 * customize.h: the per-guest files the core writes into the installed
 * root, each rendered from templates/: host name, hosts, fstab, apt
 * sources, network, plus a fresh machine-id, the root password and the
 * skeleton files.
 */
#ifndef CUSTOMIZE_H
#define CUSTOMIZE_H

#include "guest.h"
#include "strbuf.h"
#include "template.h"

/* password_hash may be NULL: root's entry is then left as installed. */
int customize_guest(const struct guest *g, const char *root,
		    const struct tvars *vars, const char *password_hash,
		    struct strbuf *err);

#endif
