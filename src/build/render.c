/* render.c: see render.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "macros.h"
#include "net.h"
#include "paths.h"
#include "render.h"
#include "rootfs.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

void boot_info_release(struct boot_info *b)
{
	free(b->kernel_file);
	free(b->initrd_file);
	free(b->kernel_version);
	free(b->cmdline);
	free(b->kernel_path);
	free(b->initrd_path);
	memset(b, 0, sizeof(*b));
}

/* The "ips" list of t: each IPv4 address, the first with broadcast and
 * point-to-point peer. */
static void add_ips(struct tvars *t, const struct guest_ip *ips, size_t n,
		    const char *broadcast, const char *peer)
{
	tvars_declare_list(t, "ips");
	for (size_t i = 0; i < n; i++) {
		struct tvars *ip = tvars_list_add(t, "ips");
		char mask[16];

		ipv4_format(ipv4_prefix_mask(ips[i].prefix), mask);
		tvars_set(ip, "address", ips[i].addr_text);
		tvars_set(ip, "cidr", ips[i].text);
		tvars_setf(ip, "prefix", "%d", ips[i].prefix);
		tvars_set(ip, "netmask", mask);
		tvars_set(ip, "ip_broadcast", i == 0 ? broadcast : "");
		tvars_set(ip, "ip_peer", i == 0 ? peer : "");
	}
}

static void add_network(struct tvars *t, const struct guest *g)
{
	tvars_set_bool(t, "dhcp", g->dhcp);
	tvars_set(t, "mac", g->mac_text);
	tvars_set(t, "bridge", g->bridge);
	tvars_set(t, "vifname", g->vifname);
	tvars_set(t, "gateway", g->gateway);
	tvars_set(t, "broadcast", g->broadcast);
	tvars_set(t, "p2p", g->p2p);
	tvars_set(t, "primary_ip", g->nips ? g->ips[0].addr_text : "");
	tvars_set(t, "primary_cidr", g->nips ? g->ips[0].text : "");
	add_ips(t, g->ips, g->nips, g->broadcast, g->p2p);
	tvars_declare_list(t, "nameservers");
	for (size_t i = 0; i < g->nameservers.nr; i++)
		tvars_set(tvars_list_add(t, "nameservers"), "address",
			  g->nameservers.v[i]);
}

/* One interface's side of the guest's network file (templates/FAMILY/network). */
static void add_nic(struct tvars *t, const struct guest *g, size_t index)
{
	const struct nic *n = &g->nics[index];
	struct tvars *v = tvars_list_add(t, "nics");

	tvars_setf(v, "index", "%zu", index);
	tvars_set_bool(v, "dhcp", n->dhcp);
	tvars_set(v, "mac", n->mac_text);
	tvars_set(v, "bridge", n->bridge);
	tvars_set(v, "vifname", n->vifname);
	tvars_set(v, "gateway", n->gateway);
	tvars_set(v, "gateway6", n->gateway6);
	tvars_set_bool(v, "ipv6", g->ipv6);
	/* SLAAC wherever no static IPv6 address is given. */
	tvars_set_bool(v, "accept_ra", g->ipv6 && !n->nips6);
	add_ips(v, n->ips, n->nips, index == 0 ? g->broadcast : "",
		index == 0 ? g->p2p : "");
	tvars_declare_list(v, "ips6");
	for (size_t i = 0; i < n->nips6; i++) {
		struct tvars *ip = tvars_list_add(v, "ips6");

		tvars_set(ip, "address", n->ips6[i].addr_text);
		tvars_set(ip, "cidr", n->ips6[i].text);
		tvars_setf(ip, "prefix", "%d", n->ips6[i].prefix);
	}
	/* The name servers go with the primary, once. */
	tvars_declare_list(v, "nameservers");
	for (size_t i = 0; index == 0 && i < g->nameservers.nr; i++)
		tvars_set(tvars_list_add(v, "nameservers"), "address",
			  g->nameservers.v[i]);
}

static void add_vif(struct tvars *t, const struct guest *g)
{
	struct strbuf vif = STRBUF_INIT;

	tvars_set_bool(t, "ipv6", g->ipv6);
	tvars_declare_list(t, "nics");
	tvars_declare_list(t, "vifs");
	for (size_t i = 0; i < g->nnics; i++) {
		struct tvars *v = tvars_list_add(t, "vifs");

		strbuf_reset(&vif);
		nic_xl_spec(&g->nics[i], &vif);
		tvars_set(v, "spec", vif.buf);
		tvars_set_bool(v, "last", i + 1 == g->nnics);
		/* A template of one's own may still name the primary's. */
		if (i == 0)
			tvars_set(t, "vif", vif.buf);
		add_nic(t, g, i);
	}
	strbuf_release(&vif);
}

/*
 * An HVM guest's firmware, display and installer ISO (xl.cfg(5)): the
 * disk boots first ('c'), or the ISO ('d') while there is nothing on the
 * disk to boot.
 */
static void add_hvm(struct tvars *t, const struct guest *g)
{
	tvars_set_bool(t, "ovmf", g->firmware == FIRMWARE_UEFI);
	tvars_set_bool(t, "vnc", g->vnc);
	tvars_set(t, "vnclisten", g->vnclisten ? g->vnclisten : "");
	tvars_set(t, "iso", g->iso ? g->iso : "");
	tvars_set(t, "boot_order", g->iso ? "dc" : "c");
}

static void add_storage(struct tvars *t, const struct storage *st)
{
	tvars_declare_list(t, "disks");
	tvars_declare_list(t, "volumes");
	for (size_t i = 0; i < st->ndisks; i++) {
		const struct disk *d = &st->disks[i];
		struct tvars *dv = tvars_list_add(t, "disks");

		tvars_set(dv, "name", d->name);
		tvars_set(dv, "vdev", d->vdev);
		tvars_set(dv, "target", d->path);
		tvars_set(dv, "format", d->format);
		/* target= last: it is the one key whose value may hold a
		 * comma (xl-disk-configuration(5)). */
		tvars_setf(dv, "spec", "format=%s, vdev=%s, access=rw, "
			   "target=%s", d->format, d->vdev, d->path);
	}
	/* fstab order: parents before what is mounted on them. */
	for (size_t i = 0; i < st->nvols; i++) {
		const struct volume *v = &st->vols[i];
		struct tvars *f = tvars_list_add(t, "volumes");
		int swap = !strcmp(v->fs, "swap");

		tvars_set(f, "uuid", v->uuid);
		tvars_set(f, "mountpoint", swap ? "none" : v->mountpoint);
		tvars_set(f, "fs", v->fs);
		tvars_set(f, "options", v->options);
		/* xfs and btrfs check themselves as they mount: their fsck
		 * helpers do nothing, and need not be installed. An EFI
		 * system partition's (dosfstools) is not installed either. */
		tvars_set(f, "pass", swap || !strcmp(v->fs, "xfs") ||
			  !strcmp(v->fs, "btrfs") || !strcmp(v->fs, "vfat") ?
			  "0" :
			  !strcmp(v->mountpoint, "/") ? "1" : "2");
	}
}

void render_boot_vars(struct tvars *t, const char *uuid, int own_boot,
		      const struct boot_info *boot)
{
	/* Paths in the boot menu are relative to the file system holding
	 * /boot: "/boot/vmlinuz-..." on the root, "/vmlinuz-..." on a /boot
	 * of its own. */
	tvars_set(t, "boot_prefix", own_boot ? "" : "/boot");
	tvars_set(t, "boot_uuid", uuid);
	tvars_set(t, "os_name", "Debian GNU/Linux");
	tvars_set(t, "kernel_file", boot ? boot->kernel_file : "");
	tvars_set(t, "initrd_file", boot ? boot->initrd_file : "");
	tvars_set(t, "kernel_version", boot ? boot->kernel_version : "");
	tvars_declare_list(t, "fallbacks");	/* update-image's (grub.cfg) */
}

void render_boot_fallback(struct tvars *t, const struct boot_info *boot)
{
	struct tvars *f = tvars_list_add(t, "fallbacks");

	tvars_set(f, "kernel_file", boot->kernel_file);
	tvars_set(f, "initrd_file", boot->initrd_file);
	tvars_set(f, "kernel_version", boot->kernel_version);
}

struct tvars *render_vars(const struct guest *g, const struct storage *st,
			  const struct boot_info *boot)
{
	struct tvars *t = tvars_new();
	const struct volume *bootvol = storage_boot_volume(st);
	const char *dot = strchr(g->hostname, '.');
	char *short_name;

	if (!t)
		return NULL;
	short_name = dot ? strndup(g->hostname, (size_t)(dot - g->hostname)) :
			   strdup(g->hostname);
	tvars_set(t, "version", VERSION);
	tvars_set(t, "hostname", g->hostname);
	tvars_set(t, "short", short_name);
	tvars_set(t, "domain", dot ? dot + 1 : "");
	free(short_name);
	tvars_set(t, "dist", g->distro.codename);
	tvars_set(t, "family", g->distro.family);
	tvars_set(t, "arch", g->arch);
	tvars_set(t, "mirror", g->guest_mirror ? g->guest_mirror : g->mirror);
	tvars_set(t, "security_mirror", g->guest_security_mirror ?
		  g->guest_security_mirror : DEFAULT_SECURITY_MIRROR);
	tvars_set_bool(t, "security", distro_has(&g->distro, "security"));
	tvars_set_bool(t, "updates", distro_has(&g->distro, "updates"));
	tvars_set(t, "components", distro_has(&g->distro, "non-free-firmware") ?
		  "main contrib non-free non-free-firmware" :
		  "main contrib non-free");
	tvars_setf(t, "memory_mb", "%llu",
		   (unsigned long long)(g->memory >> 20));
	tvars_set(t, "maxmem_mb", "");
	if (g->maxmem)
		tvars_setf(t, "maxmem_mb", "%llu",
			   (unsigned long long)(g->maxmem >> 20));
	tvars_setf(t, "vcpus", "%u", g->vcpus);
	tvars_set(t, "boot_mode", boot_mode_name(g->boot_mode));
	tvars_set(t, "type", boot_mode_type(g->boot_mode));
	tvars_set_bool(t, "pygrub", g->pygrub);
	tvars_set(t, "pvgrub", g->pvgrub ? g->pvgrub : "");
	tvars_set_bool(t, "direct", g->direct);
	tvars_set_bool(t, "hvm", g->boot_mode == BOOT_HVM);
	add_hvm(t, g);
	tvars_set(t, "kernel", boot ? boot->kernel_path : "");
	tvars_set(t, "initrd", boot ? boot->initrd_path : "");
	tvars_set(t, "cmdline", boot ? boot->cmdline : "");
	render_boot_vars(t, bootvol ? bootvol->uuid : "",
			 bootvol && bootvol->mountpoint &&
			 !strcmp(bootvol->mountpoint, "/boot"), boot);
	add_network(t, g);
	add_vif(t, g);
	add_storage(t, st);
	return t;
}

int render_to_buf(const char *tmpl, const struct tvars *vars,
		  struct strbuf *out, struct strbuf *err)
{
	char *path;
	int r;

	if (tmpl[0] == '/') {
		path = strdup(tmpl);
	} else {
		char *dir = paths_data("templates");

		path = path_join(dir, tmpl);
		free(dir);
	}
	r = template_render_file(path, vars, out, err);
	free(path);
	return r;
}

int render_to_file(const char *tmpl, const struct tvars *vars,
		   const struct rootfs *root, const char *dest, int mode,
		   struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT;
	const char *slash = strrchr(dest, '/');
	char *dir = xstrndup(dest, slash ? (size_t)(slash - dest) : 0);
	int r;

	r = render_to_buf(tmpl, vars, &out, err);
	if (r >= 0) {
		r = rootfs_mkdir_p(root, dir, 0755);
		if (r >= 0)
			r = rootfs_write_file(root, dest, out.buf, out.len,
					      (mode_t)mode);
		if (r < 0)
			strbuf_addf(err, "cannot write the guest's '/%s': %s",
				    dest, rootfs_strerror(r));
	}
	free(dir);
	strbuf_release(&out);
	return r;
}

int render_xl_cfg(const struct guest *g, const struct tvars *vars,
		  struct strbuf *out, struct strbuf *err)
{
	return render_to_buf(g->template_path ? g->template_path : "xl.cfg",
			     vars, out, err);
}
