/*
 * render.h: the variables every template sees, built once from the guest
 * and its volumes, and rendering a template file into a guest file.
 */
#ifndef RENDER_H
#define RENDER_H

#include "guest.h"
#include "storage.h"
#include "template.h"

/* Boot facts found in the installed guest, for the boot menu and xl.cfg. */
struct boot_info {
	char *kernel_file;	/* "vmlinuz-6.1.0-13-amd64" */
	char *initrd_file;
	char *kernel_version;	/* "6.1.0-13-amd64" */
	char *cmdline;		/* "root=UUID=... ro console=hvc0" */
	char *kernel_path;	/* dom0 path for the xl.cfg of a direct boot */
	char *initrd_path;
};

struct tvars *render_vars(const struct guest *g, const struct storage *st,
			  const struct boot_info *boot);
/*
 * The boot menu's variables (boot.h) into t, as the build and
 * update-image both write it: boot_prefix and boot_uuid of the file
 * system holding /boot (uuid; own_boot when it is a /boot of its own, not
 * the root), os_name, the kernel's files from boot (NULL: none, ""), and
 * an empty list of fallbacks.
 */
void render_boot_vars(struct tvars *t, const char *uuid, int own_boot,
		      const struct boot_info *boot);
/* An older kernel, boot, that the boot menu offers after the first. */
void render_boot_fallback(struct tvars *t, const struct boot_info *boot);
/* Render template rel (under the data dir, or an absolute path) to out. */
int render_to_buf(const char *tmpl, const struct tvars *vars,
		  struct strbuf *out, struct strbuf *err);
struct rootfs;
/* Render template rel into dest inside the guest's tree, with mode. */
int render_to_file(const char *tmpl, const struct tvars *vars,
		   const struct rootfs *root, const char *dest, int mode,
		   struct strbuf *err);
/* The xl.cfg text for g. */
int render_xl_cfg(const struct guest *g, const struct tvars *vars,
		  struct strbuf *out, struct strbuf *err);

void boot_info_release(struct boot_info *b);

#endif
