/*
 * options.h: the one table of every setting, shared by the command line,
 * the configuration files, --help and --dumpconfig. A setting's config-file
 * key is its long flag's name ('_' and '-' are interchangeable, as in
 * xen-tools).
 */
#ifndef OPTIONS_H
#define OPTIONS_H

enum opt_type {
	OPT_STRING,
	OPT_BOOL,	/* --x, --x=1/0, --nox, --no-x */
	OPT_SIZE,
	OPT_UINT,
	OPT_LIST,	/* repeatable flag; space/comma separated in files */
	OPT_ACTION,	/* --help, --version, --dumpconfig: no value */
};

enum opt_flags {
	OPT_CLI_ONLY = 1 << 0,	/* not accepted in configuration files */
	OPT_SECRET = 1 << 1,	/* never printed by --dumpconfig */
	OPT_HIDDEN = 1 << 2,	/* accepted, not listed in --help */
	/* Steers how a run goes, not what the guest is: not kept in the
	 * guest's record (settings.h). */
	OPT_RUN = 1 << 3,
	/* A list whose every value is one element, never split at spaces
	 * or commas (a --vif spec holds commas). */
	OPT_WHOLE = 1 << 4,
};

enum opt_id {
	O_ACCOUNTS,
	O_ADMINS,
	O_APT_PROXY,
	O_ARCH,
	O_BOOT,
	O_BOOT_MODE,
	O_BRIDGE,
	O_BROADCAST,
	O_BTRFS_OPTIONS,
	O_CACHE,
	O_CACHE_MAX_AGE,
	O_CACHEDIR,
	O_CLONE,
	O_CONFIG,
	O_COPYHOSTS,
	O_DEBOOTSTRAP_CMD,
	O_DEBUG,
	O_DHCP,
	O_DIR,
	O_DISK_DEVICE,
	O_DISK_FORMAT,
	O_DIST,
	O_DONTFORMAT,
	O_DRY_RUN,
	O_DUMPCONFIG,
	O_EXPORT,
	O_EXPORT_FORMAT,
	O_EXT2_OPTIONS,
	O_EXT3_OPTIONS,
	O_EXT4_OPTIONS,
	O_EXTENSION,
	O_FINALROLE,
	O_FIRMWARE,
	O_FLATTEN,
	O_FORCE,
	O_FS,
	O_GATEWAY,
	O_GATEWAY6,
	O_GENERALIZE,
	O_GENPASS,
	O_GENPASS_LEN,
	O_GUEST_MIRROR,
	O_GUEST_SECURITY_MIRROR,
	O_HASH_METHOD,
	O_HELP,
	O_HOOKS,
	O_HOOKS_DIR,
	O_HOSTNAME,
	O_HOSTS,
	O_IDE,
	O_IMAGE,
	O_IMAGE_DEV,
	O_INITRD,
	O_INSTALL_METHOD,
	O_INSTALL_SOURCE,
	O_INSTALL_SOURCE_SHA256,
	O_IP,
	O_IP6,
	O_IPV6,
	O_ISO,
	O_JSON,
	O_KEEP,
	O_KERNEL,
	O_KEYRING,
	O_LAYOUT,
	O_LVM,
	O_LVM_THIN,
	O_MAC,
	O_MAXMEM,
	O_MEMORY,
	O_MIRROR,
	O_MODULES,
	O_NAMESERVER,
	O_NETMASK,
	O_NOSWAP,
	O_OFFLINE,
	O_OUTPUT,
	O_P2P,
	O_PARTITION_TABLE,
	O_PARTITIONS,
	O_PARTITIONSDIR,
	O_PASSWD,
	O_PASSWORD,
	O_PYGRUB,
	O_RANDOMMAC,
	O_REISERFS_OPTIONS,
	O_ROLE,
	O_ROLE_ARGS,
	O_ROLEDIR,
	O_SCSI,
	O_SECURITY_MIRROR,
	O_SERIAL_DEVICE,
	O_SIZE,
	O_SKEL,
	O_SSH_KEY,
	O_SWAP,
	O_SWAP_DEV,
	O_TEMPLATE,
	O_UPDATES,
	O_VCPUS,
	O_VERBOSE,
	O_VERSION,
	O_VIF,
	O_VIFNAME,
	O_VLAN,
	O_VNC,
	O_VNCLISTEN,
	O_WIPE,
	O_XFS_OPTIONS,
	_O_MAX,
};

struct option_def {
	const char *name;
	enum opt_id id;
	enum opt_type type;
	unsigned flags;
	const char *def;	/* built-in default, as text; NULL = unset */
	const char *arg;	/* argument name for --help */
	const char *help;
	/* Space-separated settings this one replaces when a later layer sets
	 * it, and may not be combined with in the same layer. */
	const char *conflicts;
};

/* The table, sorted by name; option_defs[i].id == i. */
extern const struct option_def option_defs[_O_MAX];

/* Look a flag or config key up; "genpass_len" finds "genpass-len". */
const struct option_def *option_find(const char *name);
/* Print the --help text. */
struct strbuf;
void options_help(struct strbuf *out);

#endif
