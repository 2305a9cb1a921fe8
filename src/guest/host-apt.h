/*
 * host-apt.h: what the host's own apt configuration says, for defaults
 * that follow it: the security mirror a dom0 of the same release already
 * uses is the nearest one it can reach.
 */
#ifndef HOST_APT_H
#define HOST_APT_H

/*
 * The URI of the first source for CODENAME-security in etc (normally
 * "/etc": ETC/apt/sources.list, ETC/apt/sources.list.d/ *.list and
 * *.sources), when ETC/os-release names codename as the host's release;
 * http or https only, without a trailing '/'. NULL when there is none.
 * Caller frees.
 */
char *host_security_mirror(const char *etc, const char *codename);

#endif
