/*
 * guest.h: the validated description of the guest to build.
 *
 * guest_from_config() checks every setting before anything is created and
 * turns the merged configuration into typed values; a problem is one line
 * naming the flag or file:line it came from.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

#include "config.h"
#include "distro.h"
#include "partitions.h"
#include "secrets.h"
#include "vif.h"

enum install_method {
	INSTALL_DEBOOTSTRAP,
	INSTALL_TAR,
	INSTALL_COPY,
	INSTALL_NONE,		/* storage and the xl.cfg only */
};

/* The program that installs a debootstrap base (--debootstrap-cmd);
 * install.c holds what each one is run with. */
enum installer {
	INSTALLER_DEBOOTSTRAP,
	INSTALLER_MMDEBSTRAP,
};

/* How Xen boots the guest (--boot-mode); see create-image(8). */
enum boot_mode {
	BOOT_PV_PYGRUB,		/* PV; pygrub reads the guest's boot menu */
	BOOT_PVH,		/* PVH; pvgrub2 reads it, inside the guest */
	BOOT_PV_PVGRUB,		/* PV; pvgrub2 reads it, inside the guest */
	BOOT_PVH_DIRECT,	/* PVH; the guest's kernel, copied to dom0 */
	BOOT_PV_DIRECT,		/* PV; the guest's kernel, copied to dom0 */
	BOOT_HVM,		/* HVM; the disk boots by itself */
};

enum firmware {
	FIRMWARE_BIOS,		/* SeaBIOS, GRUB in the disk's boot code */
	FIRMWARE_UEFI,		/* OVMF, GRUB on an EFI system partition */
};

enum cache_mode {
	CACHE_YES,		/* use a cached base, or build and keep one */
	CACHE_NO,		/* neither read nor write the cache */
	CACHE_REFRESH,		/* build the base anew and keep it */
};

enum clone_mode {
	CLONE_AUTO,		/* clone a ready base image where the disk can */
	CLONE_NO,		/* always unpack the base archive */
};

enum storage_kind {
	STORAGE_DIR,		/* image files under --dir */
	STORAGE_LVM,		/* logical volumes in --lvm */
	STORAGE_DEVICE,		/* --image-dev and --swap-dev */
};

enum disk_layout {
	LAYOUT_VOLUMES,		/* xen-tools': one file system per Xen disk */
	LAYOUT_DISK,		/* one disk with a partition table */
};

/* Where Debian's security suites are published. */
#define DEFAULT_SECURITY_MIRROR "http://security.debian.org/debian-security"

struct guest {
	char *hostname;
	struct distro distro;
	char *arch;
	char *mirror;
	char *keyring;
	/* The security suite's mirror (NULL when the release has none), and
	 * what the guest's own apt sources name: the build's by default. */
	char *security_mirror;
	char *guest_mirror, *guest_security_mirror;
	/* Install from the -updates and -security suites too (debootstrap
	 * only, and releases that have them). */
	int updates;
	/* Never ask the mirror for the archive's state; how long an answer
	 * counts as current. */
	int offline;
	unsigned cache_max_age;

	char *dir;		/* --dir */
	char *guest_dir;	/* DIR/domains/HOSTNAME */
	char *output;
	char *cfg_path;		/* OUTPUT/HOSTNAME.EXT */
	char *cachedir;
	enum cache_mode cache;
	enum clone_mode clone;
	char *hooks_dir;
	char *roledir;
	char *skel;
	char *template_path;

	uint64_t size, swap, memory, maxmem;
	int noswap;
	unsigned vcpus;
	char *fs;
	char *fs_options;
	int image_full;

	enum storage_kind storage;
	char *vg;		/* --lvm */
	char *thin_pool;	/* --lvm-thin: thin volumes in VG/POOL */
	char *image_dev, *swap_dev;
	int qcow2;		/* --disk-format=qcow2 */
	enum disk_layout layout;
	int label;		/* enum parttable_label */
	int wipe_full;
	/* --dontformat: the file systems already on --image-dev and
	 * --swap-dev are used as they are, never made or wiped. */
	int dontformat;
	/* What the Xen disks are named after ("xvda": xvda1, xvda2, ...;
	 * "sda" with --scsi, "hda" with --ide), and the guest's console,
	 * where its kernel writes and a getty listens ("hvc0"). */
	char *disk_device;
	char *serial_device;
	/*
	 * The guest's file systems, swap first, then by mount point depth:
	 * from --partitions, or root (and swap) from --size, --swap, --fs.
	 */
	struct partitions parts;
	char *partitions_file;
	int need_guest_dir;	/* DIR/domains/HOST holds the image files */
	/* paths_guest_kernels(): where a direct boot's own kernel and
	 * initrd are copied; NULL with --kernel or another boot mode. */
	char *kernel_dir;

	enum install_method method;
	enum installer installer;
	/* --apt_proxy: the build's downloads and the guest's apt go through
	 * it; NULL for none. */
	char *apt_proxy;
	char *install_source;
	char *install_sha256;	/* 64 lowercase hex digits, or NULL */

	/* The primary interface, as the hooks and templates have always
	 * seen it: a copy of nics[0]'s IPv4 side. */
	int dhcp;
	struct guest_ip *ips;
	size_t nips;
	char gateway[16];	/* "" when none */
	char broadcast[16];
	char p2p[16];
	int hosts;		/* --hosts: a line in dom0's /etc/hosts */
	int copyhosts;
	int accounts;
	int hooks;		/* 0: --nohooks, no guest hooks run */		/* --accounts: dom0's users in the guest */		/* --copyhosts: dom0's entries in the guest */		/* --p2p: the peer of ips[0], or "" */
	struct strvec nameservers;
	uint8_t mac[6];
	char mac_text[18];
	char *bridge;
	char *vifname;
	/* Every interface, the primary first, in the xl.cfg's order. */
	struct nic *nics;
	size_t nnics;
	int ipv6;		/* --noipv6: 0 */

	enum boot_mode boot_mode;
	int pygrub;		/* boot_mode == BOOT_PV_PYGRUB */
	int direct;		/* pv-direct or pvh-direct */
	/* The pvgrub2 image Xen loads (pvh, pv-pvgrub), or NULL. */
	char *pvgrub;
	enum firmware firmware;
	int vnc;
	char *vnclisten;
	char *iso;		/* --iso: an installer the HVM guest boots */
	char *kernel;
	char *initrd;
	/* --modules: the dom0 kernel's modules directory, copied into the
	 * guest's /lib/modules with a direct boot of --kernel. */
	char *modules;

	int genpass;
	unsigned genpass_len;
	char *password;		/* as given; "-" means standard input */
	int ask_password;	/* --passwd: typed on the terminal */
	enum hash_method hash;
	/* Keys from --ssh-key and nothing asked of root's password: root's
	 * is locked, and the keys are the way in. */
	int lock_root;

	/* "TYPE BASE64 [COMMENT]" lines from the --ssh-key files, each key
	 * once, for root's authorized_keys and the admins'. */
	struct strvec ssh_keys;
	struct strvec admins;	/* --admins user names */

	struct strvec roles;	/* full paths of the role scripts */
	/* --finalrole's: run once the xl.cfg is written, the guest still
	 * mounted. */
	struct strvec final_roles;
	struct strvec role_args;	/* --role-args, split at blanks */
	/*
	 * Every setting as xen-tools exports it to its hooks and roles:
	 * "key=value", the key with '_' for '-', lists joined by commas;
	 * no secret, nothing unset.
	 */
	struct strvec settings_env;

	int boot, force, keep, verbose, debug, dry_run;

	int generalize;		/* --generalize */
	int flatten;		/* --flatten: no base image under its disk */
	char *export_path;	/* --export, or NULL */
	int export_format;	/* enum export_format, with export_path */
};

int guest_from_config(const struct config *c, struct guest *ret,
		      struct strbuf *err);
void guest_release(struct guest *g);

/* "pv-pygrub", "pvh", ...: as --boot-mode names it. */
const char *boot_mode_name(enum boot_mode m);
/* The domain type xl is given: "pv", "pvh" or "hvm". */
const char *boot_mode_type(enum boot_mode m);

/* The Debian architecture of this host ("amd64", "arm64", ...). */
const char *host_arch(void);

#endif
