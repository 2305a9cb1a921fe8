/*
 * xlcfg.h: check an xl domain configuration with xl's own parser
 * (libxlutil) before it is installed, so a guest that xl would refuse, or
 * would start without its disks or network, is caught at build time.
 */
#ifndef XLCFG_H
#define XLCFG_H

#include <stddef.h>

struct strbuf;

/*
 * Parse data as xl would and check what a bootable guest needs:
 *
 *   name      a string that is a valid host name
 *   memory    a number > 0; maxmem, if set, no smaller
 *   vcpus     if set, >= 1
 *   bootloader or kernel, unless type (or xm's builder) is 'hvm'; then
 *             boot, if set, is made of a, c, d and n, and bios, if set,
 *             is rombios, seabios or ovmf
 *   disk      a non-empty list; each entry must pass xl's disk parser
 *             (CD-ROMs too) and no two may name the same disk, whatever
 *             names their vdevs use (hda, sda, xvda and d0p0 are aliases)
 *   vif       if set, each entry made of key=value pairs xl knows; mac
 *             must be unicast, and type, rate, devid and mtu well-formed
 *   dhcp      must not be set: an xm option that xl silently ignores
 *
 * name labels messages (a file name, say; NULL means "xl.cfg"). Returns 0,
 * or -EINVAL with one line appended to err (if not NULL) saying what is
 * wrong, e.g. "xl.cfg: disk entry 2 'xxx': ..."; -ENOMEM if out of memory.
 */
int xlcfg_check_data(const char *data, size_t len, const char *name,
		     struct strbuf *err);
/*
 * As xlcfg_check_data() on the contents of path, labelled with path. A file
 * that cannot be read gives its -errno (and a line in err), not -EINVAL.
 */
int xlcfg_check_file(const char *path, struct strbuf *err);

#endif
