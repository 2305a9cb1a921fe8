/*
 * boot.h: making the guest bootable: finding the kernel and initrd the
 * install put in /boot (and refusing to report success without them), and
 * writing the boot menu pygrub reads.
 */
#ifndef BOOT_H
#define BOOT_H

#include "guest.h"
#include "journal.h"
#include "render.h"
#include "rootfs.h"

/*
 * The guest's tree is read and written through root (rootfs.h): a link in
 * its /boot, or /boot itself a link, never leads to the host's files.
 */

/* Newest /boot/vmlinuz-V in the tree that has a matching initrd.img-V,
 * both regular files: a FIFO or device of such a name is passed over. */
int boot_find_kernel(const struct rootfs *root, struct boot_info *ret,
		     struct strbuf *err);
/* The kernel command line for a root file system with this UUID. */
char *boot_cmdline(const char *root_uuid);
/* The same for an HVM guest: its consoles are the screen and ttyS0. */
char *boot_cmdline_serial(const char *root_uuid);
/*
 * An HVM guest's /etc/default/grub, unless it has one: what its own
 * update-grub needs to write a menu like ours (the serial console), once
 * a kernel update runs it.
 */
int boot_write_grub_defaults(const struct rootfs *root, struct strbuf *err);
/* Write /boot/grub/grub.cfg from templates/grub.cfg. */
int boot_write_menu(const struct rootfs *root, const struct tvars *vars,
		    struct strbuf *err);
/*
 * Without pygrub, xl boots a kernel from dom0: --kernel/--initrd, or the
 * guest's own, copied beside its disks (recorded in j).
 */
int boot_export_kernel(const struct guest *g, const struct rootfs *root,
		       struct boot_info *b, struct journal *j,
		       struct strbuf *err);

#endif
