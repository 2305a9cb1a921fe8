/*
 * customize.h: the per-guest files the core writes into the installed
 * root, each rendered from templates/: host name, hosts, fstab, apt
 * sources, network, plus a fresh machine-id, the root password, the
 * skeleton files and root's authorized_keys.
 */
#ifndef CUSTOMIZE_H
#define CUSTOMIZE_H

#include "guest.h"
#include "journal.h"
#include "rootfs.h"
#include "strbuf.h"
#include "template.h"

/*
 * Every file is read and written through root (rootfs.h): whatever links
 * the install, hooks or roles left in the tree, nothing here reaches
 * outside it.
 */

/*
 * The installed tree comes from a mirror, a tarball or a directory, and
 * hooks change it: the directories written to must be real directories.
 * Writes stay inside the tree anyway; this names a link such as
 * etc -> /etc early and plainly, rather than as some write's failure.
 */
int customize_check_tree(const struct rootfs *root, struct strbuf *err);
/* Stop package scripts run by hooks from starting daemons (policy-rc.d);
 * recorded in j, so it is gone when the hooks are done. */
int customize_block_daemons(const struct rootfs *root, struct journal *j,
			    struct strbuf *err);
/*
 * Take out of the tree at root everything that belongs to one guest or to
 * the machine that built it: machine-id, SSH host keys, hostname, hosts,
 * resolv.conf, random seed, credential secret, shell history, and the
 * content of every log file (emptied, keeping its owner and mode). What
 * is left can be the base of any number of guests.
 */
int customize_generalize(const struct rootfs *root, struct strbuf *err);
/*
 * password_hash may be NULL: root's password is then locked if g says so
 * (g->lock_root), else left as installed. With g->ssh_keys, root's
 * authorized_keys holds them, after the skeleton files are in.
 */
/*
 * --modules=DIR: DIR's content into the guest's /lib/modules/NAME, NAME
 * being DIR's own (xen-tools' cp -a DIR /lib/modules), as it is (owners,
 * modes, links).
 */
int customize_modules(const struct guest *g, const struct rootfs *root,
		      struct strbuf *err);
int customize_guest(const struct guest *g, const struct rootfs *root,
		    const struct tvars *vars, const char *password_hash,
		    struct strbuf *err);
/*
 * Fresh SSH host keys (RSA, ECDSA, Ed25519) for every guest, named for it,
 * whatever the install or a base brought: made whether or not hooks run.
 * Nothing for a tree without /bin/sh, or without ssh-keygen.
 */
int customize_host_keys(const struct guest *g, const struct rootfs *root,
			struct strbuf *err);

/*
 * Hooks, roles and apt may need DNS in the guest, but the guest's
 * resolv.conf points at its own resolver, which is not running: with lend,
 * the host's is put in its place (the guest's moved aside to
 * /etc/resolv.conf.create-image); without, the guest's is put back.
 * Inside the tree only: etc may be a link by now. 0 or -errno.
 */
int customize_lend_resolv_conf(const struct rootfs *root, int lend);

#endif
