/*
 * boot.h: making the guest bootable: finding the kernel and initrd the
 * install put in /boot (and refusing to report success without them, or a
 * kernel without PVH for a PVH guest), writing the boot menu pygrub and
 * pvgrub2 read, copying the kernel out for a direct boot.
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
/*
 * Whether the kernel boot_find_kernel() found boots as a PVH guest, as its
 * /boot/config-VERSION tells: 1 it does (CONFIG_XEN_PVH=y); 0 there is no
 * such file to tell (a kernel of the admin's own, say); -ENOTSUP with the
 * reason in err when it does not.
 */
int boot_check_pvh(const struct rootfs *root, const struct boot_info *b,
		   struct strbuf *err);
/* Whether the text of a kernel's .config enables Xen PVH guests. */
int boot_config_has_pvh(const char *config);
/* The kernel command line for a root file system with this UUID, its
 * console the device console ("hvc0", --serial-device). */
char *boot_cmdline(const char *root_uuid, const char *console);
/* The same for an HVM guest: its consoles are the screen and console
 * (ttyS0 by default). */
char *boot_cmdline_serial(const char *root_uuid, const char *console);
/*
 * An HVM guest's /etc/default/grub, unless it has one: what its own
 * update-grub needs to write a menu like ours (the serial console), once
 * a kernel update runs it.
 */
int boot_write_grub_defaults(const struct rootfs *root, const char *console,
			     struct strbuf *err);
/*
 * Write /boot/grub/grub.cfg from templates/grub.cfg: the menu pygrub reads
 * in dom0, and pvgrub2 in the guest (it looks for /boot/grub/grub.cfg, then
 * /grub/grub.cfg for a /boot of its own, on every disk).
 */
int boot_write_menu(const struct rootfs *root, const struct tvars *vars,
		    struct strbuf *err);
/*
 * A direct boot: xl boots a kernel from dom0: --kernel/--initrd, or the
 * guest's own, copied to g->kernel_dir (recorded in j). root is not
 * read with --kernel, and may be NULL then.
 */
int boot_export_kernel(const struct guest *g, const struct rootfs *root,
		       struct boot_info *b, struct journal *j,
		       struct strbuf *err);

/*
 * Copy the guest's file rel, a regular file, to the host's path to, a new
 * file (-EEXIST when there is one), recorded in j as made before it is.
 */
int boot_copy_file(const struct rootfs *root, const char *rel,
		   const char *to, struct journal *j);

#endif
