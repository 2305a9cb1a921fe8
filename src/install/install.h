/*
 * install.h: putting a distribution into the mounted root: debootstrap
 * from a mirror, a root-file-system tarball, or a copy of a directory.
 */
#ifndef INSTALL_H
#define INSTALL_H

#include "guest.h"
#include "strbuf.h"

struct rootfs;
/*
 * Install into root, the mounted root file system (rootfs.h: what is
 * written there besides the install itself stays inside the tree). On
 * failure err holds one line of detail. debootstrap runs its first stage
 * (download, check, unpack) on the host and its second (dpkg and the
 * packages' scripts) in the guest's sandbox, through in-guest (paths.h).
 */
int install_system(const struct guest *g, const struct rootfs *root,
		   struct strbuf *err);
/*
 * The suites a build installs from, the release first, and the mirror of
 * each: with --updates (debootstrap only) also -updates and -security,
 * where the release has them.
 */
void install_suites(const struct guest *g, struct strvec *suites,
		    struct strvec *mirrors);
/* Whether the build upgrades from more suites than the release. */
int install_upgrades(const struct guest *g);
/* The apt sources of those suites, as the build uses them. */
void install_build_sources(const struct guest *g, struct strbuf *out);
/*
 * Bring root (debootstrap's fresh install, or a base being renewed) to
 * the newest packages of the suites, in the guest's sandbox: apt-get
 * update and full-upgrade, the kernel installed (the upgrade brings it
 * rather than debootstrap), every kernel but the newest purged. Runs with
 * the guest's policy-rc.d in place and a resolv.conf lent. 0, or -errno
 * with apt's reason in err.
 */
int install_upgrade(const struct guest *g, const struct rootfs *root,
		    struct strbuf *err);
/* The packages of install_packages() that are kernels. */
void install_kernel_packages(const struct guest *g, struct strvec *ret);
/* The packages installed besides the minimal base, in the order given. */
void install_packages(const struct guest *g, struct strvec *ret);
/*
 * The base tree: files laid into the root before debootstrap runs, from
 * distros/FAMILY/base-tree and distros/RELEASE/base-tree. The existing
 * directories, and every regular file below them (the files only with
 * debootstrap, the only install they apply to), in a stable order.
 */
void install_base_tree_dirs(const struct guest *g, struct strvec *ret);
int install_base_tree_files(const struct guest *g, struct strvec *ret);
/*
 * The installer's argv (--debootstrap-cmd), for the log and for
 * --dry-run's plan: the install as one command; the build runs it as its
 * two stages, the first on the host, the second in the guest's sandbox.
 */
void install_debootstrap_args(const struct guest *g, const char *root,
			      struct strvec *args);

/* "debootstrap" or "mmdebstrap": what installs g's base. */
const char *install_installer_name(const struct guest *g);

#endif
