/*
 * paths.h: where the program finds its data (distros/ hooks/ templates/),
 * its helper programs (in-guest) and its system configuration. A binary
 * run from a checkout's build/ directory uses the checkout, so it works
 * without being installed.
 */
#ifndef PATHS_H
#define PATHS_H

/* The directory holding distros/, hooks/ and templates/. */
const char *paths_datadir(void);
/*
 * The directory of in-guest and its chroot link, first on the hooks'
 * PATH: LIBEXECDIR, or the checkout's build/libexec.
 */
const char *paths_libexecdir(void);
/* The in-guest program, which runs a command in the guest's sandbox;
 * caller frees. */
char *paths_in_guest(void);
/* The system configuration file; $CREATE_IMAGE_CONFIG overrides it. */
const char *paths_system_config(void);
/* Per-guest logs live here. $CREATE_IMAGE_LOGDIR overrides it. */
const char *paths_logdir(void);
/* What the program keeps about the guests it built (manifests).
 * $CREATE_IMAGE_STATEDIR overrides it. */
const char *paths_statedir(void);
/*
 * STATEDIR/kernels/HOST: a direct boot's kernel and initrd, copied out of
 * the guest for xl, whatever its storage; caller frees.
 */
char *paths_guest_kernels(const char *hostname);
/* datadir + "/" + rel; caller frees. */
char *paths_data(const char *rel);

#endif
