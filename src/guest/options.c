/* options.c: see options.h. */
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "strbuf.h"
#include "banned.h"

#define S OPT_STRING
#define B OPT_BOOL
#define Z OPT_SIZE
#define U OPT_UINT
#define L OPT_LIST
#define A OPT_ACTION
#define CLI OPT_CLI_ONLY
#define RUN OPT_RUN

/* This array MUST stay sorted by name, and in enum opt_id order. */
const struct option_def option_defs[_O_MAX] = {
	{ "accounts", O_ACCOUNTS, B, 0, NULL, NULL,
	  "copy dom0's users (UID 1000 and up) into the guest, with their "
	  "groups and password hashes", NULL },
	{ "admins", O_ADMINS, L, 0, NULL, "USER[,USER]",
	  "accounts with sudo rights and the --ssh-key keys, no password",
	  NULL },
	{ "apt-proxy", O_APT_PROXY, S, 0, NULL, "URL",
	  "HTTP proxy for the build's downloads and the guest's apt "
	  "(http://HOST[:PORT]/)", NULL },
	{ "arch", O_ARCH, S, 0, NULL, "ARCH",
	  "Debian architecture of the guest (default: the host's)", NULL },
	{ "boot", O_BOOT, B, RUN, "0", NULL,
	  "start the guest with 'xl create' once it is built", NULL },
	{ "boot-mode", O_BOOT_MODE, S, 0, "pv-pygrub", "MODE",
	  "how Xen boots the guest: pv-pygrub, pvh, pv-pvgrub, pvh-direct, "
	  "pv-direct or hvm (see create-image(8))", NULL },
	{ "bridge", O_BRIDGE, S, 0, NULL, "BRIDGE",
	  "bridge the guest's interface joins (xl's default: xenbr0)", NULL },
	{ "broadcast", O_BROADCAST, S, 0, NULL, "ADDR",
	  "broadcast address for a static --ip", NULL },
	{ "btrfs-options", O_BTRFS_OPTIONS, S, 0, "defaults", "OPTS",
	  "mount options for btrfs file systems", NULL },
	{ "cache", O_CACHE, S, RUN, "yes", "yes|no|refresh",
	  "start from a cached base, build none, or build it anew", NULL },
	{ "cache-max-age", O_CACHE_MAX_AGE, U, RUN, "300", "SECONDS",
	  "how long the archive's state, once asked, counts as current",
	  NULL },
	{ "cachedir", O_CACHEDIR, S, RUN, "/var/cache/create-image", "DIR",
	  "where packages and bases are kept between builds", NULL },
	{ "clone", O_CLONE, S, 0, "auto", "auto|no",
	  "clone the root from a ready image of the base where the disk "
	  "allows it (a reflink), or always unpack the base", NULL },
	{ "config", O_CONFIG, S, CLI, NULL, "FILE",
	  "read settings from FILE (after the system file, before flags)",
	  NULL },
	{ "copyhosts", O_COPYHOSTS, B, 0, NULL, NULL,
	  "copy dom0's /etc/hosts entries into the guest's", NULL },
	{ "debootstrap-cmd", O_DEBOOTSTRAP_CMD, S, 0, "debootstrap",
	  "debootstrap|mmdebstrap", "program that installs the base for "
	  "--install-method=debootstrap", NULL },
	{ "debug", O_DEBUG, B, RUN, "0", NULL,
	  "--verbose, and the environment each command gets", NULL },
	{ "dhcp", O_DHCP, B, 0, "1", NULL,
	  "configure the guest's network by DHCP (default unless --ip)",
	  "ip" },
	{ "dir", O_DIR, S, 0, "/srv/xen", "DIR",
	  "store the guest's disks as files in DIR/domains/HOSTNAME",
	  "lvm image-dev" },
	{ "disk-device", O_DISK_DEVICE, S, 0, NULL, "DISK",
	  "the Xen disk the guest's volumes are named after: xvda (default; "
	  "xvda1, xvda2, ...), sda, hda, ...", "ide scsi" },
	{ "disk-format", O_DISK_FORMAT, S, 0, "raw", "raw|qcow2",
	  "format of image files under --dir", NULL },
	{ "dist", O_DIST, S, 0, "bookworm", "CODENAME",
	  "distribution to install: bullseye, bookworm, trixie, forky, sid",
	  NULL },
	{ "dontformat", O_DONTFORMAT, B, 0, NULL, NULL,
	  "install into the file systems already on --image-dev and "
	  "--swap-dev instead of making new ones", NULL },
	{ "dry-run", O_DRY_RUN, B, CLI, "0", NULL,
	  "print the plan and the xl.cfg, change nothing", NULL },
	{ "dumpconfig", O_DUMPCONFIG, A, CLI, NULL, NULL,
	  "print the merged settings and exit", NULL },
	{ "export", O_EXPORT, S, RUN, NULL, "FILE",
	  "also write the built guest to FILE as create-image export does",
	  NULL },
	{ "export-format", O_EXPORT_FORMAT, S, RUN, NULL, "FORMAT",
	  "raw, qcow2 or tar.zst for --export (default: by FILE's suffix)",
	  NULL },
	{ "ext2-options", O_EXT2_OPTIONS, S, 0, "noatime,errors=remount-ro",
	  "OPTS", "mount options for ext2 file systems", NULL },
	{ "ext3-options", O_EXT3_OPTIONS, S, 0, "noatime,errors=remount-ro",
	  "OPTS", "mount options for ext3 file systems", NULL },
	{ "ext4-options", O_EXT4_OPTIONS, S, 0, "noatime,errors=remount-ro",
	  "OPTS", "mount options for ext4 file systems", NULL },
	{ "extension", O_EXTENSION, S, 0, ".cfg", "EXT",
	  "suffix of the xl configuration file", NULL },
	{ "finalrole", O_FINALROLE, L, 0, NULL, "ROLE[,ROLE]",
	  "run these scripts from --roledir last, once the xl.cfg is "
	  "written, with the guest still mounted", NULL },
	{ "firmware", O_FIRMWARE, S, 0, "bios", "bios|uefi",
	  "firmware of an --boot-mode=hvm guest (uefi: OVMF)", NULL },
	{ "flatten", O_FLATTEN, B, RUN, "0", NULL,
	  "make a qcow2 overlay guest standalone once built (as create-image "
	  "flatten does)", NULL },
	{ "force", O_FORCE, B, RUN, "0", NULL,
	  "replace an existing guest of the same name", NULL },
	{ "fs", O_FS, S, 0, "ext4", "FS",
	  "root file system: ext4, ext3, ext2, xfs or btrfs", NULL },
	{ "gateway", O_GATEWAY, S, 0, NULL, "ADDR",
	  "default gateway for a static --ip", NULL },
	{ "gateway6", O_GATEWAY6, S, 0, NULL, "ADDR",
	  "IPv6 default gateway (default: from router advertisements)",
	  NULL },
	{ "generalize", O_GENERALIZE, B, 0, "0", NULL,
	  "no host keys, machine-id or hostname: each copy makes its own "
	  "on first boot", NULL },
	{ "genpass", O_GENPASS, B, 0, "1", NULL,
	  "generate a random root password and print it (not by default "
	  "with --ssh-key)", "password passwd" },
	{ "genpass-len", O_GENPASS_LEN, U, 0, "20", "N",
	  "length of a generated password (8-128)", NULL },
	{ "guest-mirror", O_GUEST_MIRROR, S, 0, NULL, "URL",
	  "mirror the guest's apt sources name (default: --mirror)", NULL },
	{ "guest-security-mirror", O_GUEST_SECURITY_MIRROR, S, 0, NULL,
	  "URL", "security mirror the guest's apt sources name (default: "
	  "--security-mirror)", NULL },
	{ "hash-method", O_HASH_METHOD, S, 0, "yescrypt", "METHOD",
	  "password hash: yescrypt or sha512", NULL },
	{ "help", O_HELP, A, CLI, NULL, NULL, "show this help and exit", NULL },
	{ "hooks", O_HOOKS, B, 0, NULL, NULL,
	  "run the hooks that finish the guest (default; --nohooks: none, "
	  "the core's own steps and the roles still run)", NULL },
	{ "hooks-dir", O_HOOKS_DIR, S, 0, SYSCONFDIR "/create-image/hooks.d",
	  "DIR", "administrator's hooks, run with the shipped ones", NULL },
	{ "hostname", O_HOSTNAME, S, 0, NULL, "NAME",
	  "the guest's host name (required)", NULL },
	{ "hosts", O_HOSTS, B, 0, NULL, NULL,
	  "add the guest's static address and name to dom0's /etc/hosts "
	  "(delete-image takes them out again)", NULL },
	{ "ide", O_IDE, B, 0, NULL, NULL,
	  "name the disks hda, as IDE disks (--disk-device=hda)",
	  "disk-device scsi" },
	{ "image", O_IMAGE, S, 0, "sparse", "sparse|full",
	  "allocate disk image files sparse or in full", NULL },
	{ "image-dev", O_IMAGE_DEV, S, 0, NULL, "DEV",
	  "install onto this existing block device", "dir lvm" },
	{ "initrd", O_INITRD, S, 0, NULL, "FILE",
	  "dom0 initrd for a direct boot (default: the guest's own)",
	  NULL },
	{ "install-method", O_INSTALL_METHOD, S, 0, "debootstrap",
	  "METHOD", "debootstrap, tar, copy, or none (storage and xl.cfg "
	  "only)", NULL },
	{ "install-source", O_INSTALL_SOURCE, S, 0, NULL, "SRC",
	  "tarball (path or URL) for tar, directory for copy", NULL },
	{ "install-source-sha256", O_INSTALL_SOURCE_SHA256, S, 0, NULL, "HEX",
	  "SHA-256 the tarball must have, checked before it is unpacked "
	  "(required for an http:// source)", NULL },
	{ "ip", O_IP, L, 0, NULL, "ADDR[/PREFIX]",
	  "static address; repeat for more (the first is primary)", "dhcp" },
	{ "ip6", O_IP6, L, 0, NULL, "ADDR/PREFIX",
	  "static IPv6 address; repeat for more", NULL },
	{ "ipv6", O_IPV6, B, 0, "1", NULL,
	  "IPv6 in the guest, with router advertisements (SLAAC) accepted "
	  "(default; --noipv6 turns it off)", NULL },
	{ "iso", O_ISO, S, 0, NULL, "FILE",
	  "installer ISO an --boot-mode=hvm --install-method=none guest boots "
	  "from", NULL },
	{ "json", O_JSON, B, CLI, "0", NULL,
	  "JSON events on standard output, one object per line (see "
	  "create-image(8)); messages stay on standard error", NULL },
	{ "keep", O_KEEP, B, RUN, "0", NULL,
	  "on failure, keep what was created for debugging", NULL },
	{ "kernel", O_KERNEL, S, 0, NULL, "FILE",
	  "dom0 kernel for a direct boot (default: the guest's own)",
	  NULL },
	{ "keyring", O_KEYRING, S, 0, NULL, "FILE",
	  "keyring debootstrap checks the mirror with", NULL },
	{ "layout", O_LAYOUT, S, 0, "volumes", "volumes|disk",
	  "one file system per Xen disk, or one partitioned disk", NULL },
	{ "lvm", O_LVM, S, 0, NULL, "VG",
	  "make the disks as logical volumes in this volume group",
	  "dir image-dev" },
	{ "lvm-thin", O_LVM_THIN, S, 0, NULL, "POOL",
	  "make the --lvm volumes thin, in this thin pool of the volume "
	  "group", NULL },
	{ "mac", O_MAC, S, 0, NULL, "MAC",
	  "the guest's MAC (default: derived from its name and network)",
	  "randommac" },
	{ "maxmem", O_MAXMEM, Z, 0, NULL, "SIZE",
	  "memory the guest may balloon up to", NULL },
	{ "memory", O_MEMORY, Z, 0, "256M", "SIZE", "the guest's memory",
	  NULL },
	{ "mirror", O_MIRROR, S, 0, "http://deb.debian.org/debian", "URL",
	  "Debian mirror to install from", NULL },
	{ "modules", O_MODULES, S, 0, NULL, "DIR",
	  "copy this modules directory of the dom0 --kernel into the guest's "
	  "/lib/modules", NULL },
	{ "nameserver", O_NAMESERVER, L, 0, NULL, "ADDR",
	  "DNS server, IPv4 or IPv6; repeat for more (DHCP's are used too)",
	  NULL },
	{ "netmask", O_NETMASK, S, 0, NULL, "MASK",
	  "netmask for a static --ip given without /PREFIX", NULL },
	{ "noswap", O_NOSWAP, B, 0, "0", NULL, "create no swap disk", NULL },
	{ "offline", O_OFFLINE, B, RUN, "0", NULL,
	  "never ask the mirror: use the cached base as it is", NULL },
	{ "output", O_OUTPUT, S, 0, "/etc/xen", "DIR",
	  "where the xl configuration file is written", NULL },
	{ "p2p", O_P2P, S, 0, NULL, "ADDR",
	  "point-to-point peer of the static --ip (the address the guest's "
	  "first address is paired with)", NULL },
	{ "partition-table", O_PARTITION_TABLE, S, 0, "gpt", "gpt|msdos",
	  "partition table of a --layout=disk disk", NULL },
	{ "partitions", O_PARTITIONS, S, 0, NULL, "FILE",
	  "file systems from a partitions file (name or path)", NULL },
	{ "partitionsdir", O_PARTITIONSDIR, S, 0,
	  SYSCONFDIR "/create-image/partitions.d", "DIR",
	  "where --partitions looks for a plain name", NULL },
	{ "passwd", O_PASSWD, B, 0, "0", NULL,
	  "ask for the root password on the terminal, twice, without echo",
	  "genpass password" },
	{ "password", O_PASSWORD, S, OPT_SECRET, NULL, "PASS",
	  "root password ('-' reads it from standard input)",
	  "genpass passwd" },
	{ "pygrub", O_PYGRUB, B, 0, "1", NULL,
	  "boot with pygrub from the guest's own kernel and boot menu", NULL },
	{ "randommac", O_RANDOMMAC, B, 0, "0", NULL,
	  "use a random MAC instead of a derived one", "mac" },
	{ "reiserfs-options", O_REISERFS_OPTIONS, S, OPT_HIDDEN, "defaults",
	  "OPTS", "accepted for xen-tools configuration files", NULL },
	{ "role", O_ROLE, L, 0, NULL, "ROLE[,ROLE]",
	  "run these scripts from --roledir on the new guest", NULL },
	{ "role-args", O_ROLE_ARGS, S, 0, NULL, "ARGS",
	  "arguments for every role and final role, after the guest's root "
	  "(split at blanks)", NULL },
	{ "roledir", O_ROLEDIR, S, 0, SYSCONFDIR "/create-image/role.d", "DIR",
	  "where --role scripts live", NULL },
	{ "scsi", O_SCSI, B, 0, NULL, NULL,
	  "name the disks sda, as SCSI disks (--disk-device=sda)",
	  "disk-device ide" },
	{ "security-mirror", O_SECURITY_MIRROR, S, 0, NULL, "URL",
	  "mirror of the security suite (default: the host's own for the "
	  "same release, else http://security.debian.org/debian-security)",
	  NULL },
	{ "serial-device", O_SERIAL_DEVICE, S, 0, NULL, "DEV",
	  "the guest's console, with a getty on it: hvc0 (default; ttyS0 "
	  "with --boot-mode=hvm), ttyS0, tty1, ...", NULL },
	{ "size", O_SIZE, Z, 0, "4G", "SIZE", "size of the root disk", NULL },
	{ "skel", O_SKEL, S, 0, SYSCONFDIR "/create-image/skel", "DIR",
	  "files copied into every guest's root", NULL },
	{ "ssh-key", O_SSH_KEY, L, 0, NULL, "FILE",
	  "OpenSSH public key file for root and --admins; repeat for more",
	  NULL },
	{ "swap", O_SWAP, Z, 0, "512M", "SIZE", "size of the swap disk",
	  NULL },
	{ "swap-dev", O_SWAP_DEV, S, 0, NULL, "DEV",
	  "use this existing block device as swap", NULL },
	{ "template", O_TEMPLATE, S, 0, NULL, "FILE",
	  "xl.cfg template to use instead of the shipped one", NULL },
	{ "updates", O_UPDATES, B, 0, "1", NULL,
	  "install the newest packages of the -updates and -security suites "
	  "(default; --noupdates: the release alone)", NULL },
	{ "vcpus", O_VCPUS, U, 0, "1", "N", "number of virtual CPUs", NULL },
	{ "verbose", O_VERBOSE, B, RUN, "0", NULL,
	  "show every command and its output", NULL },
	{ "version", O_VERSION, A, CLI, NULL, NULL,
	  "show the version and exit", NULL },
	{ "vif", O_VIF, L, OPT_WHOLE, NULL, "SPEC",
	  "a network interface in xl's vif syntax plus ip=, ip6=, gateway=, "
	  "gateway6=, dhcp; repeat for more (the first is the primary; see "
	  "create-image(8))", NULL },
	{ "vifname", O_VIFNAME, S, 0, NULL, "NAME",
	  "name of the guest's interface in dom0", NULL },
	{ "vlan", O_VLAN, U, 0, NULL, "N",
	  "VLAN of the guest's primary interface (its bridge's VLAN N)", NULL },
	{ "vnc", O_VNC, B, 0, "0", NULL,
	  "a VNC display for an --boot-mode=hvm guest (on by default with "
	  "--iso)", NULL },
	{ "vnclisten", O_VNCLISTEN, S, 0, "127.0.0.1", "ADDR",
	  "address the VNC display listens on", NULL },
	{ "wipe", O_WIPE, S, RUN, "quick", "quick|full",
	  "erase a reused volume's signatures and ends, or all of it", NULL },
	{ "xfs-options", O_XFS_OPTIONS, S, 0, "defaults", "OPTS",
	  "mount options for xfs file systems", NULL },
};

static int cmp_name(const void *key, const void *elem)
{
	const char *k = key;
	const struct option_def *d = elem;

	return strcmp(k, d->name);
}

const struct option_def *option_find(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const struct option_def *d;

	strbuf_addstr(&sb, name);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '_')
			sb.buf[i] = '-';
	d = bsearch(sb.buf, option_defs, _O_MAX, sizeof(option_defs[0]),
		    cmp_name);
	strbuf_release(&sb);
	return d;
}

/* Append text wrapped to 80 columns, continuation lines indented. */
static void add_wrapped(struct strbuf *out, const char *text, size_t col)
{
	const size_t width = 79;
	size_t at = col;

	while (*text) {
		size_t n = strcspn(text, " ");

		if (at > col && at + 1 + n > width) {
			strbuf_addf(out, "\n%*s", (int)col, "");
			at = col;
		} else if (at > col) {
			strbuf_addch(out, ' ');
			at++;
		}
		strbuf_add(out, text, n);
		at += n;
		text += n;
		while (*text == ' ')
			text++;
	}
	strbuf_addch(out, '\n');
}

void options_help(struct strbuf *out)
{
	const size_t col = 28;

	strbuf_addf(out,
		    "usage: create-image --hostname NAME [options]\n"
		    "       create-image fleet [options] FILE\n"
		    "       create-image cache list|verify|prune [options]\n"
		    "       create-image export NAME --format=raw|qcow2|tar.zst "
		    "-o FILE\n"
		    "       create-image flatten NAME\n"
		    "       create-image recover [--dry-run] [--verbose]\n"
		    "\n"
		    "Build a Xen guest: storage, a Debian install, its "
		    "customization and\nits xl.cfg. Settings come from built-in "
		    "defaults, then\n" SYSCONFDIR "/create-image/create-image.conf"
		    ", then --config FILE, then flags.\n\n");
	for (size_t i = 0; i < _O_MAX; i++) {
		const struct option_def *d = &option_defs[i];
		struct strbuf left = STRBUF_INIT, text = STRBUF_INIT;

		if (d->flags & OPT_HIDDEN)
			continue;
		strbuf_addf(&left, "  --%s", d->name);
		if (d->type == OPT_BOOL && !(d->flags & OPT_CLI_ONLY))
			strbuf_addf(&left, ", --no%s", d->name);
		else if (d->arg)
			strbuf_addf(&left, "=%s", d->arg);
		if (left.len + 1 > col)
			strbuf_addf(out, "%s\n%*s", left.buf, (int)col, "");
		else
			strbuf_addf(out, "%-*s", (int)col, left.buf);
		strbuf_addstr(&text, d->help);
		if (d->def && d->type != OPT_BOOL && !(d->flags & OPT_SECRET) &&
		    !strstr(d->help, "default"))
			strbuf_addf(&text, " [%s]", d->def);
		add_wrapped(out, text.buf, col);
		strbuf_release(&left);
		strbuf_release(&text);
	}
	strbuf_addstr(out,
		      "\nExit status: 0 success; 1 failure (a failed build "
		      "removes what it\ncreated); 2 bad usage or input (nothing "
		      "was created); 128+N stopped\nby signal N. See "
		      "create-image(8).\n");
}
