/*
 * u-guest.c: turning the merged configuration into a checked guest: what
 * is accepted, what each value becomes, and that every refusal names the
 * flag or file:line the value came from.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fsutil.h"
#include "guest.h"
#include "macros.h"
#include "net.h"
#include "strbuf.h"
#include "unit.h"

UNIT_MAIN

/* Flags handed to one case; the array ends at the first NULL. */
#define MAX_FLAGS 10

/* ---- helpers ---- */

static char *tmpdir;

static void remove_tmpdir(void)
{
	(void)rm_rf(tmpdir);
	free(tmpdir);
}

/* Two keys made by ssh-keygen, as their .pub files hold them. */
#define ED25519_DATA \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM+YdyZPNOCmVNsCj2YnMM6gIIX4RC85croCoeMwQhd8"
#define ED25519 "ssh-ed25519 " ED25519_DATA
#define ECDSA256 \
	"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYA" \
	"AABBBDj/1HqmgwMOWdLKDFWpBWMF0QZNqrdn091CzD3gjujNilJ20PMOcxpGxYGphCJN" \
	"AYZ4EewiUGaQZ20qUfCcwMg="

/* Key files under keys/ in the scratch directory, good and bad. */
static const struct {
	const char *name, *text;
} key_files[] = {
	{ "a.pub", ED25519 " alice@example\n" },
	{ "b.pub", "# bob\r\n" ECDSA256 " bob@example\r\n" },
	{ "id", "-----BEGIN OPENSSH PRIVATE KEY-----\n"
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAA\n"
		"-----END OPENSSH PRIVATE KEY-----\n" },
	{ "empty.pub", "" },
	{ "bad.pub", ED25519 " a\nnot a key\n" },
	{ "dsa.pub", "ssh-dss AAAAB3NzaC1kc3M= old@example\n" },
	{ "mixed.pub", "ssh-rsa " ED25519_DATA " x\n" },
};

/*
 * A scratch directory, made once, holding what some settings must point
 * at: role.d/web (executable), role.d/notes (not), root.tar, tree/,
 * vmlinuz, initrd.img and the key files above in keys/.
 */
static const char *scratch(void)
{
	static const char *const files[] = { "root.tar", "vmlinuz",
					     "initrd.img" };
	const char *base = getenv("TMPDIR");
	char *p;

	if (tmpdir)
		return tmpdir;
	if (!base || !*base)
		base = "/tmp";
	tmpdir = path_join(base, "u-guest.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(remove_tmpdir);
	p = path_join(tmpdir, "role.d");
	if (mkdir_p(p, 0755) < 0)
		abort();
	free(p);
	p = path_join(tmpdir, "tree/etc");
	if (mkdir_p(p, 0755) < 0)
		abort();
	free(p);
	p = path_join(tmpdir, "role.d/web");
	if (write_string(p, "#!/bin/sh\n", 0755) < 0)
		abort();
	free(p);
	p = path_join(tmpdir, "role.d/notes");
	if (write_string(p, "not a script\n", 0644) < 0)
		abort();
	free(p);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		p = path_join(tmpdir, files[i]);
		if (write_string(p, "x", 0644) < 0)
			abort();
		free(p);
	}
	p = path_join(tmpdir, "keys");
	if (mkdir_p(p, 0755) < 0)
		abort();
	free(p);

	for (size_t i = 0; i < ARRAY_SIZE(key_files); i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/keys/%s", tmpdir, key_files[i].name);
		if (write_string(sb.buf, key_files[i].text, 0644) < 0)
			abort();
		strbuf_release(&sb);
	}
	return tmpdir;
}

/* s with every "@TMP@" replaced by the scratch directory. */
static const char *expand(const char *s, struct strbuf *out)
{
	strbuf_reset(out);
	while (*s) {
		if (!strncmp(s, "@TMP@", 5)) {
			strbuf_addstr(out, scratch());
			s += 5;
		} else {
			strbuf_addch(out, *s++);
		}
	}
	return out->buf;
}

/*
 * The guest the layers give: "hostname = web1" as the system file
 * base.conf, file as the --config file g.conf (NULL: none), then flags.
 * With no_base, there is no system file. The caller releases g whatever
 * this returns; on failure err holds the one line.
 */
static int guest_of(int no_base, const char *file, const char *const *flags,
		    struct guest *g, struct strbuf *err)
{
	const char *argv[MAX_FLAGS + 1] = { "create-image" };
	struct strvec args = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct config c;
	int argc = 1, r;

	memset(g, 0, sizeof(*g));
	config_init_defaults(&c);
	for (size_t i = 0; flags && i < MAX_FLAGS && flags[i]; i++)
		argv[argc++] = strvec_push(&args, expand(flags[i], &sb));
	r = config_parse_argv(&c, argc, (char **)argv, err);
	if (r >= 0 && !no_base)
		r = config_parse_text(&c, "hostname = web1\n", "base.conf",
				      LAYER_SYSTEM, err);
	if (r >= 0 && file)
		r = config_parse_text(&c, expand(file, &sb), "g.conf",
				      LAYER_FILE, err);
	if (r >= 0)
		r = config_load(&c, NULL, err);
	if (r >= 0)
		r = guest_from_config(&c, g, err);
	/* The guest owns copies of everything: drop the config first. */
	config_release(&c);
	strvec_clear(&args);
	strbuf_release(&sb);
	return r;
}

static void report_case(int before, size_t i, const char *what)
{
	if (unit_failed_checks != before)
		fprintf(stderr, "  in case %zu: %s\n", i, what);
}

/* Whether s starts with prefix, saying which when it does not. */
static int starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix))) {
		fprintf(stderr, "  '%s'\n  does not start with '%s'\n", s,
			prefix);
		return 0;
	}
	return 1;
}

/* ---- what an accepted guest holds ---- */

TEST(defaults)
{
	static const char *const flags[] = { "--hostname", "web1", NULL };
	struct strbuf err = STRBUF_INIT;
	struct guest g;

	CHECK_INTEQ(guest_of(1, NULL, flags, &g, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(g.hostname, "web1");
	CHECK_STREQ(g.distro.codename, "bookworm");
	CHECK_STREQ(g.distro.family, "debian");
	CHECK_STREQ(g.arch, host_arch());
	CHECK_STREQ(g.mirror, "http://deb.debian.org/debian");
	CHECK(!g.keyring);
	CHECK_STREQ(g.guest_mirror, "http://deb.debian.org/debian");
	CHECK(g.security_mirror != NULL);
	CHECK_STREQ(g.guest_security_mirror, g.security_mirror);
	CHECK_INTEQ(g.updates, 1);
	CHECK_INTEQ(g.offline, 0);
	CHECK_INTEQ(g.cache_max_age, 300);
	CHECK_STREQ(g.dir, "/srv/xen");
	CHECK_STREQ(g.guest_dir, "/srv/xen/domains/web1");
	CHECK_STREQ(g.output, "/etc/xen");
	CHECK_STREQ(g.cfg_path, "/etc/xen/web1.cfg");
	CHECK_STREQ(g.cachedir, "/var/cache/create-image");
	CHECK_INTEQ(g.size, 4ULL << 30);
	CHECK_INTEQ(g.swap, 512ULL << 20);
	CHECK_INTEQ(g.noswap, 0);
	CHECK_INTEQ(g.memory, 256ULL << 20);
	CHECK_INTEQ(g.maxmem, 0);
	CHECK_INTEQ(g.vcpus, 1);
	CHECK_STREQ(g.fs, "ext4");
	CHECK_STREQ(g.fs_options, "noatime,errors=remount-ro");
	CHECK_INTEQ(g.image_full, 0);
	CHECK_INTEQ(g.method, INSTALL_DEBOOTSTRAP);
	CHECK(!g.install_source);
	CHECK_INTEQ(g.dhcp, 1);
	CHECK_INTEQ(g.nips, 0);
	CHECK_STREQ(g.gateway, "");
	CHECK_STREQ(g.broadcast, "");
	CHECK_INTEQ(g.nameservers.nr, 0);
	CHECK(!strncmp(g.mac_text, "00:16:3e:", 9));
	CHECK(!g.bridge && !g.vifname);
	CHECK_INTEQ(g.pygrub, 1);
	CHECK(!g.kernel && !g.initrd);
	CHECK_INTEQ(g.genpass, 1);
	CHECK_INTEQ(g.genpass_len, 20);
	CHECK(!g.password);
	CHECK_INTEQ(g.hash, HASH_YESCRYPT);
	CHECK_INTEQ(g.lock_root, 0);
	CHECK_INTEQ(g.ssh_keys.nr, 0);
	CHECK_INTEQ(g.admins.nr, 0);
	CHECK_INTEQ(g.roles.nr, 0);
	CHECK(!g.template_path);
	CHECK(!g.boot && !g.force && !g.keep && !g.verbose && !g.dry_run);
	guest_release(&g);
	strbuf_release(&err);
}

/* A SHA-256 in either case, and as it is kept. */
#define SUM_UPPER \
	"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
#define SUM "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Cases that must be accepted, with one typed field to check each. */
enum field {
	F_SIZE, F_SWAP, F_NOSWAP, F_MEMORY, F_MAXMEM, F_VCPUS, F_FS,
	F_FS_OPTIONS, F_IMAGE_FULL, F_METHOD, F_SOURCE, F_DIR, F_CFG_PATH,
	F_HOSTNAME, F_DIST, F_GENPASS, F_GENPASS_LEN, F_PASSWORD, F_HASH,
	F_ROLES, F_KERNEL, F_PYGRUB, F_FLAGS, F_ROOT, F_SSH_KEYS, F_ADMINS,
	F_SHA256, F_FINAL_ROLES, F_ROLE_ARGS, F_ENV,
};

static void field_text(const struct guest *g, enum field f, struct strbuf *sb)
{
	strbuf_reset(sb);
	switch (f) {
	case F_SIZE:
		strbuf_addf(sb, "%llu", (unsigned long long)g->size);
		break;
	case F_SWAP:
		strbuf_addf(sb, "%llu", (unsigned long long)g->swap);
		break;
	case F_NOSWAP:
		strbuf_addf(sb, "%d", g->noswap);
		break;
	case F_MEMORY:
		strbuf_addf(sb, "%llu", (unsigned long long)g->memory);
		break;
	case F_MAXMEM:
		strbuf_addf(sb, "%llu", (unsigned long long)g->maxmem);
		break;
	case F_VCPUS:
		strbuf_addf(sb, "%u", g->vcpus);
		break;
	case F_FS:
		strbuf_addstr(sb, g->fs);
		break;
	case F_FS_OPTIONS:
		strbuf_addstr(sb, g->fs_options);
		break;
	case F_IMAGE_FULL:
		strbuf_addf(sb, "%d", g->image_full);
		break;
	case F_METHOD:
		strbuf_addf(sb, "%d", (int)g->method);
		break;
	case F_SOURCE:
		strbuf_addstr(sb, g->install_source ? g->install_source :
			      "(none)");
		break;
	case F_DIR:
		strbuf_addf(sb, "%s %s", g->dir, g->guest_dir);
		break;
	case F_CFG_PATH:
		strbuf_addstr(sb, g->cfg_path);
		break;
	case F_HOSTNAME:
		strbuf_addstr(sb, g->hostname);
		break;
	case F_DIST:
		strbuf_addf(sb, "%s %s", g->distro.codename, g->distro.family);
		break;
	case F_GENPASS:
		strbuf_addf(sb, "%d", g->genpass);
		break;
	case F_GENPASS_LEN:
		strbuf_addf(sb, "%u", g->genpass_len);
		break;
	case F_PASSWORD:
		strbuf_addstr(sb, g->password ? g->password : "(none)");
		break;
	case F_HASH:
		strbuf_addf(sb, "%d", (int)g->hash);
		break;
	case F_ROLES:
		for (size_t i = 0; i < g->roles.nr; i++)
			strbuf_addf(sb, "%s%s", i ? " " : "", g->roles.v[i]);
		break;
	case F_KERNEL:
		strbuf_addf(sb, "%s %s", g->kernel ? g->kernel : "(none)",
			    g->initrd ? g->initrd : "(none)");
		break;
	case F_PYGRUB:
		strbuf_addf(sb, "%d", g->pygrub);
		break;
	case F_FLAGS:
		strbuf_addf(sb, "%d%d%d%d%d", g->boot, g->force, g->keep,
			    g->verbose, g->dry_run);
		break;
	case F_ROOT:
		strbuf_addf(sb, "genpass=%d lock=%d password=%s", g->genpass,
			    g->lock_root, g->password ? g->password : "(none)");
		break;
	case F_SSH_KEYS:
		for (size_t i = 0; i < g->ssh_keys.nr; i++)
			strbuf_addf(sb, "%s%s", i ? "|" : "", g->ssh_keys.v[i]);
		break;
	case F_ADMINS:
		for (size_t i = 0; i < g->admins.nr; i++)
			strbuf_addf(sb, "%s%s", i ? " " : "", g->admins.v[i]);
		break;
	case F_SHA256:
		strbuf_addstr(sb, g->install_sha256 ? g->install_sha256 :
			      "(none)");
		break;
	case F_FINAL_ROLES:
		for (size_t i = 0; i < g->final_roles.nr; i++)
			strbuf_addf(sb, "%s%s", i ? " " : "",
				    g->final_roles.v[i]);
		break;
	case F_ROLE_ARGS:
		for (size_t i = 0; i < g->role_args.nr; i++)
			strbuf_addf(sb, "[%s]", g->role_args.v[i]);
		break;
	case F_ENV:
		/* The settings a role sees by xen-tools' names, those the
		 * cases look at. */
		for (size_t i = 0; i < g->settings_env.nr; i++) {
			const char *kv = g->settings_env.v[i];

			if (!strncmp(kv, "role", 4) || !strncmp(kv, "final", 5) ||
			    !strncmp(kv, "memory=", 7) ||
			    !strncmp(kv, "image_dev", 9) ||
			    !strncmp(kv, "install_method=", 15) ||
			    !strncmp(kv, "passw", 5) || !strncmp(kv, "ip=", 3) ||
			    !strncmp(kv, "dry_run", 7) ||
			    !strncmp(kv, "noswap", 6))
				strbuf_addf(sb, "%s%s", sb->len ? " " : "",
					    kv);
		}
		break;

	}
}

TEST(accepted)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		enum field field;
		const char *want;
	} cases[] = {
		/* Host names (RFC 1123). */
		{ NULL, { "--hostname", "a" }, F_HOSTNAME, "a" },
		{ NULL, { "--hostname", "Web-1" }, F_HOSTNAME, "Web-1" },
		{ NULL, { "--hostname", "web1.example.org" }, F_HOSTNAME,
		  "web1.example.org" },
		{ NULL, { "--hostname", "1web" }, F_HOSTNAME, "1web" },
		{ "hostname = db2", { NULL }, F_HOSTNAME, "db2" },
		/* Distributions. */
		{ NULL, { "--dist", "trixie" }, F_DIST, "trixie debian" },
		{ "dist = sid", { NULL }, F_DIST, "sid debian" },
		/* Sizes: the minimum, units, the swap disk. */
		{ NULL, { "--size", "256M" }, F_SIZE, "268435456" },
		{ NULL, { "--size", "10G" }, F_SIZE, "10737418240" },
		{ NULL, { "--size", "1024" }, F_SIZE, "1073741824" },
		{ NULL, { "--swap", "1M" }, F_SWAP, "1048576" },
		{ NULL, { "--swap", "2G" }, F_NOSWAP, "0" },
		{ NULL, { "--noswap" }, F_NOSWAP, "1" },
		{ NULL, { "--noswap" }, F_SWAP, "0" },
		/* With no swap disk, its size is not looked at. */
		{ NULL, { "--noswap", "--swap", "1k" }, F_NOSWAP, "1" },
		{ "swap =", { NULL }, F_NOSWAP, "1" },
		{ NULL, { "--memory", "32M" }, F_MEMORY, "33554432" },
		{ NULL, { "--memory", "1G", "--maxmem", "1G" }, F_MAXMEM,
		  "1073741824" },
		{ NULL, { "--maxmem", "2G" }, F_MAXMEM, "2147483648" },
		{ NULL, { "--vcpus", "512" }, F_VCPUS, "512" },
		{ "vcpus = 4", { NULL }, F_VCPUS, "4" },
		/* The largest: a loff_t in whole MiB, 2 PiB of qcow2, what
		 * Xen's 32-bit page count leaves. */
		{ NULL, { "--size", "8796093022207M" }, F_SIZE,
		  "9223372036853727232" },
		{ NULL, { "--swap", "8796093022207M" }, F_SWAP,
		  "9223372036853727232" },
		{ NULL, { "--size", "2048T", "--disk-format", "qcow2" },
		  F_SIZE, "2251799813685248" },
		{ NULL, { "--memory", "16777214M" }, F_MEMORY,
		  "17592183947264" },
		{ NULL, { "--maxmem", "16777214M" }, F_MAXMEM,
		  "17592183947264" },
		/* File systems and their mount options. */
		{ NULL, { "--fs", "ext3" }, F_FS, "ext3" },
		{ NULL, { "--fs", "ext2" }, F_FS, "ext2" },
		{ NULL, { "--fs", "ext3", "--ext3-options", "noatime" },
		  F_FS_OPTIONS, "noatime" },
		{ NULL, { "--fs", "ext2", "--ext4-options", "x" },
		  F_FS_OPTIONS, "noatime,errors=remount-ro" },
		{ "ext4_options = noatime,nodiratime", { NULL }, F_FS_OPTIONS,
		  "noatime,nodiratime" },
		/* xfs and btrfs take their own keys (without pygrub, which
		 * cannot read them). */
		{ NULL, { "--nopygrub", "--fs", "xfs", "--xfs-options",
			  "noatime,logbsize=256k" },
		  F_FS_OPTIONS, "noatime,logbsize=256k" },
		{ NULL, { "--nopygrub", "--fs", "btrfs" }, F_FS_OPTIONS,
		  "defaults" },
		{ "btrfs_options = compress=zstd\npygrub = 0\nfs = btrfs",
		  { NULL }, F_FS_OPTIONS, "compress=zstd" },
		/* An empty option list in a file is the mount default,
		 * never an empty fstab field. */
		{ "ext4_options =", { NULL }, F_FS_OPTIONS, "defaults" },
		{ NULL, { "--image", "full" }, F_IMAGE_FULL, "1" },
		{ NULL, { "--image", "sparse" }, F_IMAGE_FULL, "0" },
		/* Where things go. */
		{ NULL, { "--dir", "/data/xen" }, F_DIR,
		  "/data/xen /data/xen/domains/web1" },
		{ NULL, { "--output", "/tmp/xl", "--extension", ".conf" },
		  F_CFG_PATH, "/tmp/xl/web1.conf" },
		{ NULL, { "--extension", "" }, F_CFG_PATH, "/etc/xen/web1" },
		/* Install methods. */
		{ NULL, { "--install-method", "tar", "--install-source",
			  "@TMP@/root.tar" }, F_METHOD, "1" },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "https://example.org/root.tar.gz" }, F_SOURCE,
		  "https://example.org/root.tar.gz" },
		{ NULL, { "--install-method", "copy", "--install-source",
			  "@TMP@/tree" }, F_METHOD, "2" },
		{ NULL, { "--install-source", "/ignored" }, F_METHOD, "0" },
		/* A tarball's checksum; plain http needs one, https and
		 * local sources may go without. */
		{ NULL, { "--install-method", "tar", "--install-source",
			  "@TMP@/root.tar", "--install-source-sha256",
			  SUM_UPPER }, F_SHA256, SUM },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "http://example.org/root.tar.gz",
			  "--install-source-sha256", SUM }, F_SHA256, SUM },
		{ "install-method = tar\ninstall-source = http://example.org/"
		  "r.tar\ninstall-source-sha256 = " SUM, { NULL }, F_SHA256,
		  SUM },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "https://example.org/root.tar.gz" }, F_SHA256,
		  "(none)" },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "file:///srv/root.tar.gz" }, F_SHA256, "(none)" },
		/* Accounts. */
		{ NULL, { "--genpass-len", "8" }, F_GENPASS_LEN, "8" },
		{ NULL, { "--genpass-len", "128" }, F_GENPASS_LEN, "128" },
		{ "genpass_len = 12", { NULL }, F_GENPASS_LEN, "12" },
		{ NULL, { "--nogenpass" }, F_GENPASS, "0" },
		{ NULL, { "--password", "pa#ss" }, F_PASSWORD, "pa#ss" },
		/* A password replaces the generated one. */
		{ NULL, { "--password", "pa#ss" }, F_GENPASS, "0" },
		{ "genpass = 1", { "--password", "x" }, F_GENPASS, "0" },
		{ "password = x", { "--genpass" }, F_PASSWORD, "(none)" },
		{ "password = x", { "--genpass" }, F_GENPASS, "1" },
		{ NULL, { "--hash-method", "sha512" }, F_HASH, "1" },
		{ NULL, { "--hash-method", "yescrypt" }, F_HASH, "0" },
		{ NULL, { "--roledir", "@TMP@/role.d", "--role", "web" },
		  F_ROLES, "@TMP@/role.d/web" },
		{ NULL, { "--roledir", "@TMP@/role.d", "--finalrole", "web" },
		  F_FINAL_ROLES, "@TMP@/role.d/web" },
		{ NULL, { "--role-args=--one  two\t-3" }, F_ROLE_ARGS,
		  "[--one][two][-3]" },
		{ "role_args = a=1 b", { NULL }, F_ROLE_ARGS, "[a=1][b]" },
		{ NULL, { "--role-args", "--url=http://x/?a=b *" }, F_ROLE_ARGS,
		  "[--url=http://x/?a=b][*]" },
		{ NULL, { NULL }, F_ROLE_ARGS, "" },
		/* xen-tools' exportEnvironment(): every setting but the
		 * secret, ip and this run's own, '_' for '-'. */
		{ "role-args = -x", { "--roledir", "@TMP@/role.d", "--role",
				      "web,web", "--finalrole", "web",
				      "--password", "pw", "--ip",
				      "192.0.2.1/24" },
		  F_ENV, "finalrole=web install_method=debootstrap "
		  "memory=256M noswap=0 passwd=0 role=web,web role_args=-x "
		  "roledir=@TMP@/role.d" },
		/* Booting. */
		{ NULL, { "--nopygrub", "--kernel", "@TMP@/vmlinuz",
			  "--initrd", "@TMP@/initrd.img" }, F_KERNEL,
		  "@TMP@/vmlinuz @TMP@/initrd.img" },
		{ NULL, { "--nopygrub" }, F_KERNEL, "(none) (none)" },
		/* With pygrub they are not looked for. */
		{ NULL, { "--kernel", "/nonexistent/vmlinuz" }, F_PYGRUB,
		  "1" },
		{ NULL, { "--boot", "--force", "--keep", "--verbose",
			  "--dry-run" }, F_FLAGS, "11111" },
		{ NULL, { "--force", "--dry-run" }, F_FLAGS, "01001" },
		/* Keys: each file's, in order, each key once. */
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub" }, F_SSH_KEYS,
		  ED25519 " alice@example" },
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub", "--ssh-key",
			  "@TMP@/keys/b.pub" }, F_SSH_KEYS,
		  ED25519 " alice@example|" ECDSA256 " bob@example" },
		{ "ssh-key = @TMP@/keys/b.pub, @TMP@/keys/a.pub", { NULL },
		  F_SSH_KEYS, ECDSA256 " bob@example|" ED25519
		  " alice@example" },
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub,@TMP@/keys/a.pub" },
		  F_SSH_KEYS, ED25519 " alice@example" },
		/* Flags replace the file's keys. */
		{ "ssh-key = @TMP@/keys/b.pub",
		  { "--ssh-key", "@TMP@/keys/a.pub" }, F_SSH_KEYS,
		  ED25519 " alice@example" },
		/* Root's password: keys lock it, unless a layer asks for a
		 * password, generated or given. */
		{ NULL, { NULL }, F_ROOT, "genpass=1 lock=0 password=(none)" },
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub" }, F_ROOT,
		  "genpass=0 lock=1 password=(none)" },
		{ "ssh-key = @TMP@/keys/a.pub", { NULL }, F_ROOT,
		  "genpass=0 lock=1 password=(none)" },
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub", "--genpass" },
		  F_ROOT, "genpass=1 lock=0 password=(none)" },
		{ "genpass = 1", { "--ssh-key", "@TMP@/keys/a.pub" }, F_ROOT,
		  "genpass=1 lock=0 password=(none)" },
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub", "--password", "pw" },
		  F_ROOT, "genpass=0 lock=0 password=pw" },
		{ "password = pw", { "--ssh-key", "@TMP@/keys/a.pub" }, F_ROOT,
		  "genpass=0 lock=0 password=pw" },
		/* Asked for no password: root's entry is left alone. */
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub", "--nogenpass" },
		  F_ROOT, "genpass=0 lock=0 password=(none)" },
		/* Admins, from flags and files. */
		{ NULL, { "--admins", "alice,bob" }, F_ADMINS, "alice bob" },
		{ NULL, { "--admins", "alice", "--admins", "bob" }, F_ADMINS,
		  "alice bob" },
		{ "admins = alice, _svc  bob-2", { NULL }, F_ADMINS,
		  "alice _svc bob-2" },
		{ NULL, { "--admins", "abcdefghijklmnopqrstuvwxyz012345" },
		  F_ADMINS, "abcdefghijklmnopqrstuvwxyz012345" },
		{ NULL, { "--admins", "alice" }, F_ROOT,
		  "genpass=1 lock=0 password=(none)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		struct strbuf want = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), 0);
		CHECK_STREQ(err.buf, "");
		if (!err.len) {
			field_text(&g, cases[i].field, &got);
			CHECK_STREQ(got.buf, expand(cases[i].want, &want));
		}
		report_case(before, i, cases[i].flags[0] ? cases[i].flags[0] :
			    cases[i].file);
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&got);
		strbuf_release(&want);
	}
}

/* ---- refusals, each naming where the value came from ---- */

TEST(refused)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *want_err;	/* the message's start */
	} cases[] = {
		/* Host names. */
		{ NULL, { "--hostname", "a/b" },
		  "--hostname: invalid hostname 'a/b' (want an RFC 1123 " },
		{ NULL, { "--hostname", "-a" },
		  "--hostname: invalid hostname '-a' " },
		{ NULL, { "--hostname", "a-" },
		  "--hostname: invalid hostname 'a-' " },
		{ NULL, { "--hostname", "a..b" },
		  "--hostname: invalid hostname 'a..b' " },
		{ NULL, { "--hostname", "a." },
		  "--hostname: invalid hostname 'a.' " },
		{ NULL, { "--hostname", "web_1" },
		  "--hostname: invalid hostname 'web_1' " },
		{ NULL, { "--hostname", "10.0.0.1" },
		  "--hostname: invalid hostname '10.0.0.1' " },
		{ NULL, { "--hostname", "w\xc3\xa9" "b" },
		  "--hostname: invalid hostname " },
		{ "hostname = -a", { NULL },
		  "g.conf:1: invalid hostname '-a' " },
		{ "\nhostname = a b", { NULL },
		  "g.conf:2: invalid hostname 'a b' " },
		{ NULL, { "--hostname=" }, "--hostname: " },
		{ "hostname =", { NULL }, "g.conf:1: " },
		/* Distributions. */
		{ NULL, { "--dist", "potato" },
		  "--dist: unknown distribution 'potato' (known: " },
		{ "\n\ndist = etch", { NULL },
		  "g.conf:3: unknown distribution 'etch' (known: " },
		{ NULL, { "--dist", "debian" },
		  "--dist: unknown distribution 'debian' (known: " },
		{ NULL, { "--arch", "mips" },
		  "--arch: cannot build an 'mips' guest on this " },
		/* Sizes. */
		{ NULL, { "--size", "255M" },
		  "--size: 'size' is 255M, at least 256M is needed" },
		{ "size = 100M", { NULL },
		  "g.conf:1: 'size' is 100M, at least 256M is needed" },
		{ NULL, { "--size=" }, "--size: 'size' may not be empty" },
		{ "memory =", { NULL }, "g.conf:1: 'memory' may not be empty" },
		{ NULL, { "--swap", "512k" },
		  "--swap: 'swap' is 512k, at least 1M is needed" },
		{ NULL, { "--memory", "16M" },
		  "--memory: 'memory' is 16M, at least 32M is needed" },
		{ NULL, { "--memory", "1G", "--maxmem", "512M" },
		  "--maxmem: 'maxmem' is less than 'memory'" },
		/* Sizes past 2^64 do not wrap to small ones. */
		{ NULL, { "--size", "18446744073709551619G" },
		  "--size: size '18446744073709551619G' for 'size' is too "
		  "large" },
		{ "\nswap = 16777216T", { NULL },
		  "g.conf:2: size '16777216T' for 'swap' is too large" },
		{ NULL, { "--memory", "18446744073709551616k" },
		  "--memory: size '18446744073709551616k' for 'memory' is too "
		  "large" },
		/* Sizes the back ends cannot hold. */
		{ NULL, { "--size", "8796093022208M" },
		  "--size: 'size' is 8796093022208M, more than a disk can "
		  "hold (at most 8796093022207M)" },
		{ "swap = 8589934592G", { NULL },
		  "g.conf:1: 'swap' is 8589934592G, more than a disk "
		  "can hold (at most 8796093022207M)" },
		{ NULL, { "--size", "2049T", "--disk-format", "qcow2" },
		  "--size: 'disk' is 2049T, more than a qcow2 image holds (at "
		  "most 2048T)" },
		{ "swap = 2049T", { "--disk-format", "qcow2" },
		  "g.conf:1: 'swap' is 2049T, more than a qcow2 image holds" },
		{ NULL, { "--size", "8796093022207M", "--layout", "disk" },
		  "--size: the partitions need a disk of 8796093022721M, more "
		  "than a disk can hold (at most 8796093022207M)" },
		{ NULL, { "--size", "2047T", "--swap", "2T", "--layout", "disk",
			  "--disk-format", "qcow2" },
		  "--size: the partitions need a disk of 2148532226M, more "
		  "than a qcow2 image holds (at most 2048T)" },
		{ NULL, { "--memory", "16777215M" },
		  "--memory: 'memory' is 16777215M, more than Xen gives a "
		  "domain (at most 16777214M)" },
		{ "maxmem = 17T", { NULL },
		  "g.conf:1: 'maxmem' is 17T, more than Xen gives a domain " },
		{ "memory = 2G", { "--maxmem", "1G" },
		  "--maxmem: 'maxmem' is less than 'memory'" },
		{ NULL, { "--vcpus", "0" },
		  "--vcpus: 'vcpus' must be 1 to 512, not '0'" },
		{ "vcpus = 0", { NULL },
		  "g.conf:1: 'vcpus' must be 1 to 512, not '0'" },
		{ NULL, { "--vcpus", "513" },
		  "--vcpus: 'vcpus' must be 1 to 512, not '513'" },
		{ NULL, { "--vcpus=" },
		  "--vcpus: 'vcpus' must be 1 to 512, not ''" },
		/* File systems and images. */
		{ NULL, { "--fs", "zfs" },
		  "--fs: unsupported file system 'zfs' (want ext4, ext3, "
		  "ext2, xfs or btrfs)" },
		{ "fs = reiserfs", { NULL },
		  "g.conf:1: unsupported file system 'reiserfs' " },
		{ NULL, { "--fs", "xfs" },
		  "--fs: pygrub cannot read xfs, which would hold /boot" },
		{ "fs = btrfs", { NULL },
		  "g.conf:1: pygrub cannot read btrfs, which would hold " },
		/* Storage back ends and layouts. */
		{ NULL, { "--lvm", "vg 0" },
		  "--lvm: invalid volume group name 'vg 0'" },
		{ NULL, { "--lvm", "-vg" },
		  "--lvm: invalid volume group name '-vg'" },
		{ "lvm = vg0\ndir = /srv", { NULL },
		  "g.conf:2: 'dir' cannot be combined with 'lvm'" },
		{ NULL, { "--disk-format", "vmdk" },
		  "--disk-format: 'disk-format' must be raw or qcow2, not "
		  "'vmdk'" },
		{ NULL, { "--lvm", "vg0", "--disk-format", "qcow2" },
		  "--disk-format: qcow2 is for image files under --dir, not "
		  "for logical volumes" },
		{ NULL, { "--layout", "lvm" },
		  "--layout: 'layout' must be volumes or disk, not 'lvm'" },
		{ NULL, { "--partition-table", "bsd" },
		  "--partition-table: 'partition-table' must be gpt or msdos" },
		{ NULL, { "--wipe", "some" },
		  "--wipe: 'wipe' must be quick or full, not 'some'" },
		{ NULL, { "--image-dev", "/nonexistent/dev" },
		  "--image-dev: cannot use '/nonexistent/dev': No such file " },
		{ NULL, { "--image-dev", "/dev/null" },
		  "--image-dev: '/dev/null' is not a block device" },
		{ NULL, { "--image-dev", "dev/x" },
		  "--image-dev: 'image-dev' must be an absolute path" },
		{ NULL, { "--swap-dev", "/dev/null" },
		  "--swap-dev: '/dev/null' is not a block device" },
		{ NULL, { "--partitions", "/nonexistent/parts" },
		  "--partitions: " },
		{ NULL, { "--partitions", "nosuch", "--partitionsdir",
			  "/nonexistent" },
		  "--partitions: " },
		{ NULL, { "--ext4-options", "a b" },
		  "--ext4-options: mount options may not contain spaces: "
		  "'a b'" },
		{ NULL, { "--image", "thick" },
		  "--image: 'image' must be sparse or full, not 'thick'" },
		/* Paths. */
		{ NULL, { "--dir", "srv/xen" },
		  "--dir: 'dir' must be an absolute path, not 'srv/xen'" },
		{ "dir = ./xen", { NULL },
		  "g.conf:1: 'dir' must be an absolute path, not './xen'" },
		{ NULL, { "--dir=" }, "--dir: no storage: give --dir" },
		{ NULL, { "--output", "xen" },
		  "--output: 'output' must be an absolute path, not 'xen'" },
		{ NULL, { "--extension", "a/b" },
		  "--extension: invalid extension 'a/b'" },
		{ NULL, { "--cachedir", "cache" },
		  "--cachedir: 'cachedir' must be an absolute path, not " },
		{ NULL, { "--template", "xl.cfg" },
		  "--template: 'template' must be an absolute path, not " },
		{ NULL, { "--template", "/nonexistent/xl.cfg" },
		  "--template: template '/nonexistent/xl.cfg' does not "
		  "exist" },
		/* Install methods. */
		{ NULL, { "--install-method", "tar" },
		  "--install-method: 'tar' needs --install-source" },
		{ "install-method = copy", { NULL },
		  "g.conf:1: 'copy' needs --install-source" },
		{ NULL, { "--install-method", "rinse" },
		  "--install-method: unknown install method 'rinse' " },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "/nonexistent/root.tar" },
		  "--install-source: '/nonexistent/root.tar' does not exist" },
		{ NULL, { "--install-method", "copy", "--install-source",
			  "@TMP@/root.tar" },
		  "--install-source: '@TMP@/root.tar' is not a directory" },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "http://example.org/root.tar.gz" },
		  "--install-source: 'http://example.org/root.tar.gz' comes "
		  "over plain http, where anyone on the way can change it: "
		  "use https or give the checksum (--install-source-sha256)" },
		{ "install-method = tar\ninstall-source = HTTP://example.org/"
		  "r.tar", { NULL },
		  "g.conf:2: 'HTTP://example.org/r.tar' comes over plain http" },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "@TMP@/root.tar", "--install-source-sha256", "abc" },
		  "--install-source-sha256: 'install-source-sha256' must be 64 "
		  "hex digits, not 'abc'" },
		{ NULL, { "--install-method", "tar", "--install-source",
			  "@TMP@/root.tar", "--install-source-sha256",
			  SUM "0" },
		  "--install-source-sha256: 'install-source-sha256' must be 64 "
		  "hex digits" },
		{ "install-source-sha256 = g" SUM, { "--install-method", "tar",
			  "--install-source", "@TMP@/root.tar" },
		  "g.conf:1: 'install-source-sha256' must be 64 hex digits" },
		{ NULL, { "--install-source-sha256", SUM },
		  "--install-source-sha256: 'install-source-sha256' is for "
		  "--install-method=tar" },
		{ NULL, { "--install-method", "copy", "--install-source",
			  "@TMP@/tree", "--install-source-sha256", SUM },
		  "--install-source-sha256: 'install-source-sha256' is for " },
		{ NULL, { "--mirror", "ftp://ftp.debian.org/debian" },
		  "--mirror: invalid mirror URL 'ftp://ftp.debian.org/"
		  "debian'" },
		{ NULL, { "--security-mirror", "ftp://s.example/ds" },
		  "--security-mirror: invalid mirror URL 'ftp://s.example/ds' "
		  "for 'security-mirror'" },
		{ "guest-mirror = http://m.example/a b", { NULL },
		  "g.conf:1: invalid mirror URL 'http://m.example/a b' for "
		  "'guest-mirror'" },
		{ NULL, { "--guest-security-mirror", "http://m.example/\\x" },
		  "--guest-security-mirror: invalid mirror URL " },
		{ NULL, { "--cache-max-age", "-1" },
		  "--cache-max-age: invalid number '-1' for 'cache-max-age'" },
		{ "cache-max-age = 604801", { NULL },
		  "g.conf:1: 'cache-max-age' must be 0 to 604800 seconds" },
		{ NULL, { "--keyring", "/nonexistent/k.gpg" },
		  "--keyring: keyring '/nonexistent/k.gpg' does not exist" },
		{ NULL, { "--debootstrap-cmd", "cdebootstrap" },
		  "--debootstrap-cmd: 'debootstrap-cmd' must be debootstrap "
		  "or mmdebstrap, not 'cdebootstrap'" },
		{ "debootstrap_cmd = /usr/sbin/debootstrap", { NULL },
		  "g.conf:1: 'debootstrap-cmd' must be debootstrap or "
		  "mmdebstrap, not '/usr/sbin/debootstrap'" },
		{ NULL, { "--apt_proxy", "ftp://p.example:3142" },
		  "--apt_proxy: invalid proxy URL 'ftp://p.example:3142' (want "
		  "http://HOST[:PORT]/)" },
		{ NULL, { "--apt-proxy", "http://" },
		  "--apt-proxy: invalid proxy URL 'http://' " },
		{ NULL, { "--apt-proxy", "http://p.example:0/" },
		  "--apt-proxy: invalid proxy URL " },
		{ NULL, { "--apt-proxy", "http://p.example:65536" },
		  "--apt-proxy: invalid proxy URL " },
		{ NULL, { "--apt-proxy", "http://p.example:/" },
		  "--apt-proxy: invalid proxy URL " },
		{ NULL, { "--apt-proxy", "http://p.example/apt" },
		  "--apt-proxy: invalid proxy URL " },
		{ NULL, { "--apt-proxy", "http://p.ex\"ample" },
		  "--apt-proxy: invalid proxy URL " },
		{ NULL, { "--apt-proxy", "http://[::1/" },
		  "--apt-proxy: invalid proxy URL " },
		{ NULL, { "--apt-proxy", "http://-p.example" },
		  "--apt-proxy: invalid proxy URL " },
		{ "apt_proxy = http://user@p.example:3142", { NULL },
		  "g.conf:1: invalid proxy URL 'http://user@p.example:3142' " },
		/* Network. */
		{ NULL, { "--ip", "10.0.0.5" },
		  "--ip: '10.0.0.5' has no prefix length: give --netmask or "
		  "ADDR/PREFIX" },
		{ "ip = 10.0.0.5/24 10.0.1.5", { NULL },
		  "g.conf:1: '10.0.1.5' has no prefix length" },
		{ NULL, { "--ip", "10.0.0.256/24" },
		  "--ip: invalid IPv4 address '10.0.0.256/24'" },
		{ NULL, { "--ip", "10.0.0.5/0" },
		  "--ip: invalid IPv4 address '10.0.0.5/0'" },
		{ NULL, { "--ip", "10.0.0.5/33" },
		  "--ip: invalid IPv4 address '10.0.0.5/33'" },
		{ NULL, { "--ip", "10.0.0.5", "--netmask", "255.0.255.0" },
		  "--netmask: invalid netmask '255.0.255.0'" },
		{ NULL, { "--ip", "10.0.0.5/24", "--gateway", "10.0.0" },
		  "--gateway: invalid IPv4 address '10.0.0' for 'gateway'" },
		{ NULL, { "--ip", "10.0.0.5/24", "--broadcast", "x" },
		  "--broadcast: invalid IPv4 address 'x' for 'broadcast'" },
		{ NULL, { "--nameserver", "1.1.1.1,8.8.8" },
		  "--nameserver: invalid IP address '8.8.8' for "
		  "'nameserver'" },
		{ "nameserver = one.one", { NULL },
		  "g.conf:1: invalid IP address 'one.one' for "
		  "'nameserver'" },
		/* IPv6. */
		{ NULL, { "--ip6", "2001:db8::5" },
		  "--ip6: invalid IPv6 address '2001:db8::5' (want "
		  "ADDR/PREFIX)" },
		{ NULL, { "--ip6", "2001:db8::5/129" },
		  "--ip6: invalid IPv6 address '2001:db8::5/129' " },
		{ NULL, { "--gateway6", "ff02::2" },
		  "--gateway6: invalid IPv6 address 'ff02::2' for "
		  "'gateway6'" },
		{ NULL, { "--noipv6", "--ip6", "2001:db8::5/64" },
		  "--ip6: IPv6 is off (--noipv6): no IPv6 address or gateway "
		  "may be given" },
		{ NULL, { "--noipv6", "--gateway6", "fe80::1" },
		  "--gateway6: IPv6 is off (--noipv6): " },
		{ NULL, { "--noipv6", "--vif", "ip6=2001:db8::5/64" },
		  "--vif: IPv6 is off (--noipv6): " },
		{ "ipv6 = 0\n", { "--nameserver", "2001:db8::53" },
		  "--nameserver: IPv6 is off (g.conf:1): name server "
		  "'2001:db8::53' cannot be reached" },
		/* Interfaces. */
		{ NULL, { "--vif", "bridge=xenbr1,colour=blue" },
		  "--vif: vif 1 'bridge=xenbr1,colour=blue': unknown key "
		  "'colour'" },
		{ NULL, { "--vif", "dhcp", "--vif", "ip=10.0.0.5" },
		  "--vif: vif 2 'ip=10.0.0.5': invalid IPv4 address "
		  "'ip=10.0.0.5' (want ADDR/PREFIX)" },
		{ NULL, { "--vif", "dhcp", "--vif", "dhcp,gateway=10.0.0.1" },
		  "--vif: vif 2 'dhcp,gateway=10.0.0.1': gateway 10.0.0.1 "
		  "needs a static IPv4 address, not DHCP" },
		{ NULL, { "--vif", "gateway=10.0.0.1" },
		  "--vif: the first vif's gateway= needs a static address, "
		  "not DHCP" },
		{ NULL, { "--ip", "10.0.0.5/24", "--vif", "ip=10.0.0.6/24" },
		  "--vif: the first vif gives ip= or dhcp and 'ip' (--ip) "
		  "sets that too: give it once" },
		{ NULL, { "--bridge", "br0", "--vif", "bridge=br1" },
		  "--vif: the first vif gives bridge= and 'bridge' (--bridge) "
		  "sets that too" },
		{ "vif = ip6=2001:db8::5/64\nip6 = 2001:db8::6/64\n",
		  { NULL },
		  "g.conf:1: the first vif gives ip6= and 'ip6' (g.conf:2) " },
		{ NULL, { "--vif", "mac=00:16:3e:00:00:01", "--vif",
			  "mac=00:16:3e:00:00:01" },
		  "--vif: duplicate MAC '00:16:3e:00:00:01' (interfaces 1 "
		  "and 2)" },
		{ NULL, { "--mac", "00:16:3e:00:00:01", "--vif", "dhcp",
			  "--vif", "mac=00:16:3e:00:00:01" },
		  "--vif: duplicate MAC '00:16:3e:00:00:01' (interfaces 1 "
		  "and 2)" },
		{ NULL, { "--ip", "10.0.0.5/24", "--gateway", "10.0.0.1",
			  "--vif", "bridge=br0", "--vif",
			  "ip=10.1.0.5/24,gateway=10.1.0.1" },
		  "--vif: two default gateways: 10.1.0.1 on interface 2" },
		{ NULL, { "--gateway6", "fe80::1", "--vif", "dhcp", "--vif",
			  "gateway6=fe80::2" },
		  "--vif: two IPv6 default gateways: fe80::2 on interface 2" },
		{ NULL, { "--vlan", "0" },
		  "--vlan: invalid VLAN '0' (want 1 to 4094)" },
		{ NULL, { "--vlan", "4095" }, "--vlan: invalid VLAN '4095' " },
		{ NULL, { "--vlan", "7", "--vif", "bridge=ovs0.5" },
		  "--vlan: bridge 'ovs0.5' names a VLAN already" },
		/* Static settings with DHCP. */
		{ NULL, { "--gateway", "10.0.0.1" },
		  "--gateway: 'gateway' needs a static --ip, not DHCP" },
		{ NULL, { "--dhcp", "--broadcast", "10.0.0.255" },
		  "--broadcast: 'broadcast' needs a static --ip, not DHCP" },
		{ NULL, { "--p2p", "10.0.0.1" },
		  "--p2p: 'p2p' needs a static --ip, not DHCP" },
		{ NULL, { "--ip", "10.0.0.5/24", "--p2p", "10.0.0" },
		  "--p2p: invalid IPv4 address '10.0.0' for 'p2p'" },
		{ "netmask = 255.255.255.0", { NULL },
		  "g.conf:1: 'netmask' needs a static --ip, not DHCP" },
		{ "ip = 10.0.0.5/24\ngateway = 10.0.0.1", { "--dhcp" },
		  "g.conf:2: 'gateway' needs a static --ip, not DHCP" },
		/* No network at all. */
		{ NULL, { "--nodhcp" },
		  "--nodhcp: no network configuration: give --ip or --dhcp" },
		{ "dhcp = no", { NULL },
		  "g.conf:1: no network configuration: give --ip or --dhcp" },
		{ "ip = 10.0.0.5/24", { "--ip=", "--nodhcp" },
		  "--nodhcp: no network configuration" },
		/* MAC addresses, bridges, interfaces. */
		{ NULL, { "--mac", "01:16:3e:00:00:01" },
		  "--mac: invalid MAC address '01:16:3e:00:00:01' (want a "
		  "unicast xx:xx:xx:xx:xx:xx)" },
		{ NULL, { "--mac", "00:16:3e:00:00" },
		  "--mac: invalid MAC address '00:16:3e:00:00' " },
		{ "mac = 00:00:00:00:00:00", { NULL },
		  "g.conf:1: invalid MAC address '00:00:00:00:00:00' " },
		{ NULL, { "--bridge", "br0,x" },
		  "--bridge: invalid bridge name 'br0,x'" },
		{ NULL, { "--vifname", "a-very-long-vifname" },
		  "--vifname: invalid interface name 'a-very-long-vifname'" },
		/* Nothing but [A-Za-z0-9_.:-] reaches the xl.cfg, and what
		 * was given is quoted on one line. */
		{ NULL, { "--bridge", "xen\\br0" },
		  "--bridge: invalid bridge name 'xen\\br0' (want letters, "
		  "digits, '_', '.', ':' and '-', not starting with '-')" },
		{ NULL, { "--bridge", "xenbr0\nvif = [ 'x' ]" },
		  "--bridge: invalid bridge name 'xenbr0\\nvif = [ 'x' ]' " },
		{ NULL, { "--bridge", "-xenbr0" },
		  "--bridge: invalid bridge name '-xenbr0' " },
		{ "\nbridge = br\x01", { NULL },
		  "g.conf:2: invalid bridge name 'br\\x01' " },
		{ NULL, { "--vifname", "v\\1" },
		  "--vifname: invalid interface name 'v\\1' (want at most 15 "
		  "letters, digits, '_', '.', ':' and '-', not starting with "
		  "'-')" },
		{ NULL, { "--vifname", "v\r\n" },
		  "--vifname: invalid interface name 'v\\r\\n' " },
		{ "vifname = v\tx", { NULL },
		  "g.conf:1: invalid interface name 'v\\tx' " },
		/* Booting without pygrub. */
		{ NULL, { "--nopygrub", "--kernel", "/nonexistent/vmlinuz" },
		  "--kernel: kernel '/nonexistent/vmlinuz' does not exist" },
		{ NULL, { "--nopygrub", "--initrd", "@TMP@/initrd.img" },
		  "--initrd: 'initrd' needs 'kernel'" },
		{ NULL, { "--nopygrub", "--kernel", "@TMP@/vmlinuz",
			  "--initrd", "/nonexistent/initrd" },
		  "--initrd: initrd '/nonexistent/initrd' does not exist" },
		{ NULL, { "--kernel", "vmlinuz" },
		  "--kernel: 'kernel' must be an absolute path, not "
		  "'vmlinuz'" },
		/* Accounts. */
		{ NULL, { "--hash-method", "md5" },
		  "--hash-method: unsupported hash method 'md5' (want "
		  "yescrypt or sha512)" },
		{ "hash_method = sha256", { NULL },
		  "g.conf:1: unsupported hash method 'sha256' " },
		{ NULL, { "--genpass-len", "7" },
		  "--genpass-len: 'genpass-len' must be 8 to 128, not '7'" },
		{ NULL, { "--genpass-len", "129" },
		  "--genpass-len: 'genpass-len' must be 8 to 128, not '129'" },
		{ "genpass_len = 0", { NULL },
		  "g.conf:1: 'genpass-len' must be 8 to 128, not '0'" },
		{ NULL, { "--roledir", "@TMP@/role.d", "--role", "nosuch" },
		  "--role: role 'nosuch' not found: '@TMP@/role.d/nosuch' is "
		  "not an executable file" },
		{ NULL, { "--roledir", "@TMP@/role.d", "--role", "web,notes" },
		  "--role: role 'notes' not found: " },
		{ "finalrole = notes", { "--roledir", "@TMP@/role.d" },
		  "g.conf:1: role 'notes' not found: " },
		{ NULL, { "--finalrole", "../web" },
		  "--finalrole: invalid role name '../web'" },
		{ NULL, { "--role-args", "--name='a b'" },
		  "--role-args: '--name='a b'': no shell reads the role " },
		{ NULL, { "--role-args", "a;b" },
		  "--role-args: 'a;b': no shell reads the role arguments" },
		{ "role_args = $HOME", { NULL },
		  "g.conf:1: '$HOME': no shell reads the role arguments" },
		{ "role = ../web", { "--roledir", "@TMP@/role.d" },
		  "g.conf:1: invalid role name '../web'" },
		{ NULL, { "--role", ".hidden" },
		  "--role: invalid role name '.hidden'" },
		{ NULL, { "--roledir", "role.d" },
		  "--roledir: 'roledir' must be an absolute path, not " },
		/* Key files. */
		{ NULL, { "--ssh-key", "@TMP@/keys/id" },
		  "--ssh-key: '@TMP@/keys/id' is a private key: give its .pub "
		  "file" },
		{ NULL, { "--ssh-key", "@TMP@/keys/empty.pub" },
		  "--ssh-key: '@TMP@/keys/empty.pub' is empty" },
		{ NULL, { "--ssh-key", "@TMP@/keys/bad.pub" },
		  "--ssh-key: @TMP@/keys/bad.pub:2: not an OpenSSH public key "
		  "(want 'TYPE BASE64 [COMMENT]')" },
		{ NULL, { "--ssh-key", "@TMP@/keys/dsa.pub" },
		  "--ssh-key: @TMP@/keys/dsa.pub:1: 'ssh-dss' (DSA) keys are "
		  "refused: " },
		{ NULL, { "--ssh-key", "@TMP@/keys/mixed.pub" },
		  "--ssh-key: @TMP@/keys/mixed.pub:1: the key data is a "
		  "'ssh-ed25519' key, not 'ssh-rsa'" },
		{ NULL, { "--ssh-key", "@TMP@/keys/none.pub" },
		  "--ssh-key: cannot read '@TMP@/keys/none.pub': No such file "
		  "or directory" },
		{ NULL, { "--ssh-key", "@TMP@/keys" },
		  "--ssh-key: '@TMP@/keys' is not a regular file" },
		{ NULL, { "--ssh-key", "@TMP@/keys/a.pub", "--ssh-key",
			  "@TMP@/keys/empty.pub" },
		  "--ssh-key: '@TMP@/keys/empty.pub' is empty" },
		{ NULL, { "--ssh-key", "keys/a.pub" },
		  "--ssh-key: 'ssh-key' must be an absolute path, not "
		  "'keys/a.pub'" },
		{ "\nssh-key = @TMP@/keys/id", { NULL },
		  "g.conf:2: '@TMP@/keys/id' is a private key: " },
		/* Admin names. */
		{ NULL, { "--admins", "Alice" },
		  "--admins: invalid user name 'Alice' (want at most 32 "
		  "lowercase letters, digits, '_' and '-', not starting with "
		  "a digit or '-')" },
		{ NULL, { "--admins", "alice,1bob" },
		  "--admins: invalid user name '1bob' " },
		{ NULL, { "--admins", "-x" },
		  "--admins: invalid user name '-x' " },
		{ NULL, { "--admins", "al.ice" },
		  "--admins: invalid user name 'al.ice' " },
		{ NULL, { "--admins", "b\xc3\xb6" "b" },
		  "--admins: invalid user name " },
		{ NULL, { "--admins", "abcdefghijklmnopqrstuvwxyz0123456" },
		  "--admins: invalid user name "
		  "'abcdefghijklmnopqrstuvwxyz0123456' " },
		{ NULL, { "--admins", "root" },
		  "--admins: 'root' is a user or group every Debian system "
		  "has" },
		{ NULL, { "--admins", "alice,sudo" },
		  "--admins: 'sudo' is a user or group every Debian system " },
		{ "admins = www-data", { NULL },
		  "g.conf:1: 'www-data' is a user or group every Debian " },
		{ NULL, { "--admins", "alice,bob,alice" },
		  "--admins: 'alice' is named twice" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), -EINVAL);
		CHECK(starts_with(err.buf, expand(cases[i].want_err, &want)));
		CHECK(!strchr(err.buf, '\n'));
		report_case(before, i, cases[i].want_err);
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&want);
	}
}

/*
 * A cache only root can change is used; one others could write to is
 * refused, naming where it came from, unless the cache is not read. Needs
 * root: the directories are root's, and one is nobody's.
 */
/*
 * An HVM guest's volumes: a UEFI one gains an EFI system partition; a
 * blank disk for an installer (--install-method=none) holds no swap.
 */
TEST(hvm_partitions)
{
	static const struct {
		const char *flags[MAX_FLAGS];
		const char *want;	/* name:type:mountpoint:options:MiB */
	} cases[] = {
		{ { "--boot-mode=hvm" },
		  "swap:swap::sw,nofail:512 disk:ext4:/:noatime,"
		  "errors=remount-ro:4096" },
		{ { "--boot-mode=hvm", "--firmware=uefi", "--noswap" },
		  "disk:ext4:/:noatime,errors=remount-ro:4096 "
		  "efi:vfat:/boot/efi:umask=0077:64" },
		{ { "--boot-mode=hvm", "--install-method=none" },
		  "disk:ext4:/:noatime,errors=remount-ro:4096" },
		{ { "--boot-mode=hvm", "--install-method=none",
		    "--firmware=uefi", "--size=20G" },
		  "disk:ext4:/:noatime,errors=remount-ro:20480" },
		/* Only HVM guests' firmware reads an ESP. */
		{ { "--boot-mode=pvh", "--noswap" },
		  "disk:ext4:/:noatime,errors=remount-ro:4096" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, NULL, cases[i].flags, &g, &err), 0);
		CHECK_STREQ(err.buf, "");
		for (size_t k = 0; k < g.parts.nr; k++) {
			const struct partition *p = &g.parts.p[k];

			strbuf_addf(&got, "%s%s:%s:%s:%s:%llu", k ? " " : "",
				    p->name, p->type,
				    p->mountpoint ? p->mountpoint : "",
				    p->options,
				    (unsigned long long)(p->size >> 20));
		}
		CHECK_STREQ(got.buf, cases[i].want);
		report_case(before, i, cases[i].flags[0]);
		guest_release(&g);
		strbuf_release(&got);
		strbuf_release(&err);
	}
}

TEST(cachedir_trust)
{
	static const struct {
		const char *name;
		mode_t mode;
		uid_t uid;
	} dirs[] = {
		{ "cache-ok", 0755, 0 },
		{ "cache-group", 0775, 0 },
		{ "cache-nobody", 0755, 65534 },
	};
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *want_err;	/* "" for accepted */
	} cases[] = {
		{ NULL, { "--cachedir", "@TMP@/cache-ok" }, "" },
		{ NULL, { "--cachedir", "@TMP@/cache-ok/new" }, "" },
		{ NULL, { "--cachedir", "@TMP@/cache-group", "--cache=no" }, "" },
		{ NULL, { "--cachedir", "@TMP@/cache-nobody",
			  "--install-method", "copy", "--install-source",
			  "@TMP@/tree" }, "" },
		{ NULL, { "--cachedir", "@TMP@/cache-group" },
		  "--cachedir: refusing the cache '@TMP@/cache-group/bases': "
		  "'@TMP@/cache-group' is writable by its group, so others "
		  "could plant a base (make it root's and not writable by "
		  "others, or build with --cache=no)" },
		{ "cachedir = @TMP@/cache-nobody", { NULL },
		  "g.conf:1: refusing the cache '@TMP@/cache-nobody/bases': "
		  "'@TMP@/cache-nobody' is owned by uid 65534, not by root" },
		{ NULL, { "--cachedir", "@TMP@/cache-group/sub",
			  "--cache=refresh" },
		  "--cachedir: refusing the cache '@TMP@/cache-group/sub/" },
	};

	if (geteuid() != 0) {
		fprintf(stderr, "# skipped: needs root to own directories\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *p = path_join(scratch(), dirs[i].name);

		CHECK_INTEQ(mkdir(p, 0700), 0);
		CHECK_INTEQ(chmod(p, dirs[i].mode), 0);
		CHECK_INTEQ(chown(p, dirs[i].uid, (gid_t)-1), 0);
		free(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;
		int r = guest_of(0, cases[i].file, cases[i].flags, &g, &err);

		if (!*cases[i].want_err) {
			CHECK_INTEQ(r, 0);
			CHECK_STREQ(err.buf, "");
		} else {
			CHECK_INTEQ(r, -EINVAL);
			CHECK(starts_with(err.buf,
					  expand(cases[i].want_err, &want)));
		}
		report_case(before, i, cases[i].flags[0] ?
			    cases[i].flags[1] : cases[i].file);
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&want);
	}
}

TEST(mirrors)
{
	static const struct {
		const char *flags[MAX_FLAGS];
		const char *security, *guest, *guest_security;
		int updates;
	} cases[] = {
		{ { "--security-mirror", "https://s.example/ds",
		    "--mirror", "http://m.example/debian" },
		  "https://s.example/ds", "http://m.example/debian",
		  "https://s.example/ds", 1 },
		{ { "--security-mirror", "https://s.example/ds",
		    "--guest-mirror", "http://g.example/debian",
		    "--guest-security-mirror", "http://g.example/ds",
		    "--noupdates" },
		  "https://s.example/ds", "http://g.example/debian",
		  "http://g.example/ds", 0 },
		/* sid has no security suite: nothing to name. */
		{ { "--dist", "sid", "--security-mirror", "https://s.example/"
		    "ds" }, NULL, "http://deb.debian.org/debian", NULL, 1 },
		/* Only debootstrap upgrades. */
		{ { "--install-method", "copy", "--install-source", "/" },
		  "*", "http://deb.debian.org/debian", "*", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *flags[MAX_FLAGS + 3] = { "--hostname", "web1" };
		struct strbuf err = STRBUF_INIT;
		struct guest g;

		for (size_t k = 0; cases[i].flags[k]; k++)
			flags[k + 2] = cases[i].flags[k];
		CHECK_INTEQ(guest_of(1, NULL, flags, &g, &err), 0);
		CHECK_STREQ(err.buf, "");
		if (!cases[i].security)
			CHECK(!g.security_mirror && !g.guest_security_mirror);
		else if (strcmp(cases[i].security, "*"))
			CHECK_STREQ(g.security_mirror, cases[i].security);
		if (cases[i].guest_security &&
		    strcmp(cases[i].guest_security, "*"))
			CHECK_STREQ(g.guest_security_mirror,
				    cases[i].guest_security);
		CHECK_STREQ(g.guest_mirror, cases[i].guest);
		CHECK_INTEQ(g.updates, cases[i].updates);
		guest_release(&g);
		strbuf_release(&err);
	}
}

TEST(installer_and_proxy)
{
	static const struct {
		const char *flags[MAX_FLAGS];
		const char *file;
		enum installer installer;
		const char *proxy;
	} cases[] = {
		{ { NULL }, NULL, INSTALLER_DEBOOTSTRAP, NULL },
		{ { "--debootstrap-cmd", "mmdebstrap" }, NULL,
		  INSTALLER_MMDEBSTRAP, NULL },
		{ { NULL }, "debootstrap_cmd = mmdebstrap\n",
		  INSTALLER_MMDEBSTRAP, NULL },
		{ { "--debootstrap-cmd=debootstrap" },
		  "debootstrap-cmd = mmdebstrap\n", INSTALLER_DEBOOTSTRAP,
		  NULL },
		{ { "--apt_proxy=http://127.0.0.1:3142" }, NULL,
		  INSTALLER_DEBOOTSTRAP, "http://127.0.0.1:3142" },
		{ { NULL }, "apt_proxy = http://apt.example:3142/\n",
		  INSTALLER_DEBOOTSTRAP, "http://apt.example:3142/" },
		{ { NULL }, "apt-proxy = https://[2001:db8::1]:8443\n",
		  INSTALLER_DEBOOTSTRAP, "https://[2001:db8::1]:8443" },
		/* xen-tools' configuration has "apt_proxy =": none. */
		{ { NULL }, "apt_proxy =\n", INSTALLER_DEBOOTSTRAP, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *flags[MAX_FLAGS + 3] = { "--hostname", "web1" };
		struct strbuf err = STRBUF_INIT;
		struct guest g;

		for (size_t k = 0; cases[i].flags[k]; k++)
			flags[k + 2] = cases[i].flags[k];
		CHECK_INTEQ(guest_of(1, cases[i].file, flags, &g, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_INTEQ(g.installer, cases[i].installer);
		if (cases[i].proxy)
			CHECK_STREQ(g.apt_proxy, cases[i].proxy);
		else
			CHECK(!g.apt_proxy);
		guest_release(&g);
		strbuf_release(&err);
	}
}

TEST(hostname_required)
{
	struct strbuf err = STRBUF_INIT;
	struct guest g;

	CHECK_INTEQ(guest_of(1, NULL, NULL, &g, &err), -EINVAL);
	CHECK(starts_with(err.buf, "--hostname: "));
	guest_release(&g);
	strbuf_release(&err);
}

TEST(hostname_lengths)
{
	static const struct {
		int labels[6];	/* lengths of the dot-separated labels */
		int want_r;
	} cases[] = {
		{ { 63 }, 0 },
		{ { 64 }, -EINVAL },
		{ { 1, 64, 3 }, -EINVAL },
		{ { 63, 63, 63, 61 }, 0 },		/* 253 characters */
		{ { 63, 63, 63, 62 }, -EINVAL },	/* 254 */
		{ { 63, 63, 63, 61, 2 }, -EINVAL },	/* 256 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf name = STRBUF_INIT, err = STRBUF_INIT;
		struct strbuf want = STRBUF_INIT;
		const char *flags[] = { "--hostname", NULL, NULL };
		int before = unit_failed_checks;
		struct guest g;

		for (size_t j = 0; j < 6 && cases[i].labels[j]; j++) {
			if (j)
				strbuf_addch(&name, '.');
			for (int k = 0; k < cases[i].labels[j]; k++)
				strbuf_addch(&name, 'a' + k % 26);
		}
		flags[1] = name.buf;
		CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err),
			    cases[i].want_r);
		if (cases[i].want_r) {
			strbuf_addf(&want, "--hostname: invalid hostname "
				    "'%s'", name.buf);
			CHECK(starts_with(err.buf, want.buf));
		} else {
			CHECK_STREQ(g.hostname, name.buf);
		}
		report_case(before, i, name.buf);
		guest_release(&g);
		strbuf_release(&name);
		strbuf_release(&err);
		strbuf_release(&want);
	}
}

TEST(unknown_dist_lists_known)
{
	static const char *const flags[] = { "--dist", "potato", NULL };
	struct strbuf err = STRBUF_INIT;
	struct guest g;

	/* Every codename of distros/releases, in its order, and nothing
	 * from its comments. */
	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), -EINVAL);
	CHECK_STREQ(err.buf, "--dist: unknown distribution 'potato' (known: "
		    "bullseye bookworm trixie forky sid)");
	guest_release(&g);
	strbuf_release(&err);
}

/* ---- the network ---- */

/* --p2p: the peer of the primary's first address, from a flag or a file. */
TEST(p2p)
{
	struct strbuf err = STRBUF_INIT;
	const char *flags[MAX_FLAGS] = { "--ip", "10.0.0.5/32" };
	struct guest g;

	CHECK_INTEQ(guest_of(0, "p2p = 10.0.0.1", flags, &g, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(g.p2p, "10.0.0.1");
	guest_release(&g);
	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), 0);
	CHECK_STREQ(g.p2p, "");
	guest_release(&g);
	strbuf_release(&err);
}

TEST(network)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		int want_dhcp;
		const char *want_ips;		/* "text addr_text" ... */
		const char *want_gateway, *want_broadcast;
		const char *want_nameservers;
	} cases[] = {
		{ NULL, { NULL }, 1, "", "", "", "" },
		{ NULL, { "--dhcp" }, 1, "", "", "", "" },
		{ NULL, { "--nameserver", "1.1.1.1,8.8.8.8" }, 1, "", "", "",
		  "1.1.1.1 8.8.8.8" },
		{ NULL, { "--ip", "10.0.0.5/24" }, 0, "10.0.0.5/24 10.0.0.5",
		  "", "", "" },
		{ NULL, { "--ip", "10.0.0.5", "--netmask", "255.255.0.0" }, 0,
		  "10.0.0.5/16 10.0.0.5", "", "", "" },
		/* A prefix given with the address beats --netmask. */
		{ NULL, { "--ip", "10.0.0.5/28", "--netmask", "255.0.0.0" },
		  0, "10.0.0.5/28 10.0.0.5", "", "", "" },
		{ NULL, { "--ip", "10.0.0.5/24", "--ip", "192.168.1.9/32" }, 0,
		  "10.0.0.5/24 10.0.0.5 192.168.1.9/32 192.168.1.9", "", "",
		  "" },
		{ NULL, { "--ip", "10.0.0.5/24", "--gateway", "10.0.0.1",
			  "--broadcast", "10.0.0.255", "--nameserver",
			  "10.0.0.2" }, 0, "10.0.0.5/24 10.0.0.5", "10.0.0.1",
		  "10.0.0.255", "10.0.0.2" },
		{ "gateway = 10.0.0.1\nnetmask = 255.255.255.0\n"
		  "nameserver = 10.0.0.2 10.0.0.3",
		  { "--ip", "10.0.0.5" }, 0, "10.0.0.5/24 10.0.0.5",
		  "10.0.0.1", "", "10.0.0.2 10.0.0.3" },
		/* An address replaces DHCP, whether DHCP was configured
		 * or only the default... */
		{ "dhcp = 1", { "--ip", "10.0.0.5/24" }, 0,
		  "10.0.0.5/24 10.0.0.5", "", "", "" },
		{ "dhcp = 1", { "--ip", "10.0.0.5/24", "--gateway",
				"10.0.0.1" }, 0, "10.0.0.5/24 10.0.0.5",
		  "10.0.0.1", "", "" },
		{ "ip = 10.0.0.5/24\ngateway = 10.0.0.1", { NULL }, 0,
		  "10.0.0.5/24 10.0.0.5", "10.0.0.1", "", "" },
		{ "dhcp = 0", { "--ip", "10.0.0.5/24" }, 0,
		  "10.0.0.5/24 10.0.0.5", "", "", "" },
		{ NULL, { "--nodhcp", "--ip", "10.0.0.5/24" }, 0,
		  "10.0.0.5/24 10.0.0.5", "", "", "" },
		/* ...and DHCP replaces configured addresses. */
		{ "ip = 10.0.0.5/24", { "--dhcp" }, 1, "", "", "", "" },
		/* Emptied addresses bring DHCP back. */
		{ "ip = 10.0.0.5/24", { "--ip=" }, 1, "", "", "", "" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, ips = STRBUF_INIT;
		struct strbuf ns = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_INTEQ(g.dhcp, cases[i].want_dhcp);
		for (size_t j = 0; j < g.nips; j++)
			strbuf_addf(&ips, "%s%s %s", j ? " " : "",
				    g.ips[j].text, g.ips[j].addr_text);
		CHECK_STREQ(ips.buf, cases[i].want_ips);
		CHECK_STREQ(g.gateway, cases[i].want_gateway);
		CHECK_STREQ(g.broadcast, cases[i].want_broadcast);
		for (size_t j = 0; j < g.nameservers.nr; j++)
			strbuf_addf(&ns, "%s%s", j ? " " : "",
				    g.nameservers.v[j]);
		CHECK_STREQ(ns.buf, cases[i].want_nameservers);
		report_case(before, i, cases[i].flags[0] ? cases[i].flags[0] :
			    cases[i].file ? cases[i].file : "(defaults)");
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&ips);
		strbuf_release(&ns);
	}
}

/* Every interface as the xl.cfg lists it, "|"-joined, and its IPv6 side. */
TEST(interfaces)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *want_xl;	/* with each MAC as "M" */
		const char *want_v6;	/* "ip6s gateway6" per NIC, "|"-joined */
		int want_dhcp0, want_ipv6;
	} cases[] = {
		{ NULL, { NULL }, "mac=M", " ", 1, 1 },
		{ NULL, { "--ip6", "2001:DB8:0::5/64", "--gateway6",
			  "fe80::1" }, "mac=M", "2001:db8::5/64 fe80::1", 1, 1 },
		{ NULL, { "--noipv6" }, "mac=M", " ", 1, 0 },
		/* The flags and the first vif make one primary. */
		{ NULL, { "--ip", "10.0.0.5/24", "--gateway", "10.0.0.1",
			  "--vif", "bridge=xenbr1, model=e1000",
			  "--vif", "ip=192.0.2.5/24, ip6=2001:db8:1::5/64, "
			  "bridge=xenbr2, vifname=web1-b, rate=1MB/s@20ms" },
		  "mac=M, bridge=xenbr1, model=e1000, ip=10.0.0.5|"
		  "mac=M, bridge=xenbr2, vifname=web1-b, rate=1MB/s@20ms, "
		  "ip=192.0.2.5",
		  " |2001:db8:1::5/64 ", 0, 1 },
		/* A higher layer wins: the flag over the file's vif... */
		{ "vif = bridge=br1, ip=10.0.0.5/24\n",
		  { "--ip", "10.0.0.9/24" },
		  "mac=M, bridge=br1, ip=10.0.0.9", " ", 0, 1 },
		/* ...and the vif over the file's settings. */
		{ "bridge = br0\nip = 10.0.0.5\nnetmask = 255.255.255.0\n",
		  { "--vif", "bridge=br1,dhcp" }, "mac=M, bridge=br1", " ",
		  1, 1 },
		/* --vlan and xl's other keys. */
		{ NULL, { "--vlan", "10" }, "mac=M, bridge=xenbr0.10", " ",
		  1, 1 },
		{ NULL, { "--vlan", "10", "--bridge", "ovs0", "--vifname",
			  "web1" }, "mac=M, bridge=ovs0.10, vifname=web1",
		  " ", 1, 1 },
		{ NULL, { "--vif", "type=vif,mtu=9000,trusted,script=vif-route,"
			  "gatewaydev=eth0,backend=netdom" },
		  "mac=M, type=vif, mtu=9000, trusted, script=vif-route, "
		  "gatewaydev=eth0, backend=netdom", " ", 1, 1 },
		{ NULL, { "--vif", " mac=00:16:3E:00:00:07 ,, dhcp " },
		  "mac=00:16:3e:00:00:07", " ", 1, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, xl = STRBUF_INIT;
		struct strbuf v6 = STRBUF_INIT, spec = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), 0);
		CHECK_STREQ(err.buf, "");
		for (size_t j = 0; j < g.nnics; j++) {
			const struct nic *n = &g.nics[j];
			const char *m;

			strbuf_reset(&spec);
			nic_xl_spec(n, &spec);
			/* Derived MACs are checked in the MAC tests. */
			m = strstr(spec.buf, n->mac_text);
			strbuf_addf(&xl, "%s", j ? "|" : "");
			if (m && !strncmp(n->mac_text, "00:16:3e:", 9) &&
			    !strstr(cases[i].want_xl, n->mac_text)) {
				strbuf_add(&xl, spec.buf, (size_t)(m - spec.buf));
				strbuf_addch(&xl, 'M');
				strbuf_addstr(&xl, m + 17);
			} else {
				strbuf_addstr(&xl, spec.buf);
			}
			strbuf_addf(&v6, "%s", j ? "|" : "");
			for (size_t k = 0; k < n->nips6; k++)
				strbuf_addf(&v6, "%s%s", k ? "," : "",
					    n->ips6[k].text);
			strbuf_addf(&v6, " %s", n->gateway6);
		}
		CHECK_STREQ(xl.buf, cases[i].want_xl);
		CHECK_STREQ(v6.buf, cases[i].want_v6);
		CHECK_INTEQ(g.dhcp, cases[i].want_dhcp0);
		CHECK_INTEQ(g.ipv6, cases[i].want_ipv6);
		if (g.nnics)
			CHECK_STREQ(g.mac_text, g.nics[0].mac_text);
		report_case(before, i, cases[i].flags[0] ? cases[i].flags[0] :
			    cases[i].file ? cases[i].file : "(defaults)");
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&xl);
		strbuf_release(&v6);
		strbuf_release(&spec);
	}
}

/*
 * Each interface's derived MAC: the primary's as it always was (from the
 * name, release and addresses), the others from the same and their place,
 * so no two are alike and a rebuild gives the same ones.
 */
TEST(interface_macs)
{
	static const char *const flags[] = {
		"--ip", "10.0.0.5/24", "--vif", "bridge=br0", "--vif",
		"dhcp", "--vif", "dhcp", "--vif", "ip6=2001:db8::9/64", NULL
	};
	static const char *const want_seeds[] = {
		"web1|bookworm|10.0.0.5/24",
		"web1|bookworm|vif1",
		"web1|bookworm|vif2",
		"web1|bookworm|2001:db8::9/64|vif3",
	};
	struct strbuf err = STRBUF_INIT;
	struct guest g, again;

	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), 0);
	CHECK_INTEQ(g.nnics, 4);
	for (size_t i = 0; i < g.nnics && i < ARRAY_SIZE(want_seeds); i++) {
		uint8_t want[6];

		mac_from_seed(want_seeds[i], want);
		CHECK(!memcmp(g.nics[i].mac, want, 6));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(g.nics[i].mac_text, g.nics[j].mac_text));
	}
	CHECK_INTEQ(guest_of(0, NULL, flags, &again, &err), 0);
	for (size_t i = 0; i < g.nnics && i < again.nnics; i++)
		CHECK_STREQ(g.nics[i].mac_text, again.nics[i].mac_text);
	guest_release(&g);
	guest_release(&again);
	strbuf_release(&err);
}

TEST(ip_prefix)
{
	static const char *const flags[] = { "--ip", "10.1.2.3/20", NULL };
	struct strbuf err = STRBUF_INIT;
	struct guest g;

	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), 0);
	CHECK_INTEQ(g.nips, 1);
	if (g.nips) {
		CHECK_INTEQ(g.ips[0].addr, 0x0a010203);
		CHECK_INTEQ(g.ips[0].prefix, 20);
	}
	guest_release(&g);
	strbuf_release(&err);
}

/* ---- MAC addresses ---- */

/* The MAC guest_of() gives for file and flags, or "" on failure. */
static void mac_of(const char *file, const char *const *flags,
		   char out[18])
{
	struct strbuf err = STRBUF_INIT;
	struct guest g;

	out[0] = '\0';
	if (guest_of(0, file, flags, &g, &err) == 0)
		memcpy(out, g.mac_text, 18);
	else
		fprintf(stderr, "  %s\n", err.buf);
	guest_release(&g);
	strbuf_release(&err);
}

TEST(mac_given)
{
	static const struct {
		const char *mac, *want;
	} cases[] = {
		{ "00:16:3e:aa:bb:cc", "00:16:3e:aa:bb:cc" },
		{ "00:16:3E:AA:BB:CC", "00:16:3e:aa:bb:cc" },
		{ "02-00-00-00-00-01", "02:00:00:00:00:01" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *flags[] = { "--mac", cases[i].mac, NULL };
		int before = unit_failed_checks;
		char mac[18];

		mac_of(NULL, flags, mac);
		CHECK_STREQ(mac, cases[i].want);
		report_case(before, i, cases[i].mac);
	}
}

TEST(mac_derived)
{
	static const char *const web1[] = { "--hostname", "web1", NULL };
	static const char *const web2[] = { "--hostname", "web2", NULL };
	static const char *const web1_trixie[] = { "--hostname", "web1",
						   "--dist", "trixie", NULL };
	static const char *const web1_ip[] = { "--hostname", "web1", "--ip",
					       "10.0.0.5/24", NULL };
	static const char *const web1_ip2[] = { "--hostname", "web1", "--ip",
						"10.0.0.6/24", NULL };
	char a[18], b[18], want[18];
	uint8_t m[6];

	/* Stable: the same inputs give the same address... */
	mac_of(NULL, web1, a);
	mac_of("hostname = web1", NULL, b);
	CHECK_STREQ(a, b);
	CHECK(!strncmp(a, "00:16:3e:", 9));
	/* ...which is the one net.h documents for the guest's identity. */
	mac_from_seed("web1|bookworm", m);
	mac_format(m, want);
	CHECK_STREQ(a, want);

	/* Other guests get other addresses. */
	mac_of(NULL, web2, b);
	CHECK(strlen(b) == 17 && strcmp(a, b));
	mac_of(NULL, web1_trixie, b);
	CHECK(strlen(b) == 17 && strcmp(a, b));
	mac_of(NULL, web1_ip, b);
	CHECK(strlen(b) == 17 && strcmp(a, b));
	mac_of(NULL, web1_ip2, a);
	CHECK(strlen(a) == 17 && strcmp(a, b));
	mac_of(NULL, web1_ip, a);
	CHECK_STREQ(a, b);
}

TEST(mac_random)
{
	static const char *const flags[] = { "--randommac", NULL };
	static const char *const derived[] = { NULL };
	static const char *const mac[] = { "--mac", "00:16:3e:00:00:01",
					   NULL };
	char a[18], b[18], d[18];

	mac_of(NULL, flags, a);
	mac_of(NULL, flags, b);
	mac_of(NULL, derived, d);
	CHECK(!strncmp(a, "00:16:3e:", 9));
	CHECK(!strncmp(b, "00:16:3e:", 9));
	/* 23 random bits: two draws agree once in eight million. */
	CHECK(strcmp(a, b));
	CHECK(strcmp(a, d));
	/* A configured random MAC gives way to a given one. */
	mac_of("randommac = 1", mac, a);
	CHECK_STREQ(a, "00:16:3e:00:00:01");
}

/* A password given is no longer than one read from standard input. */
TEST(password_length)
{
	struct strbuf pw = STRBUF_INIT, err = STRBUF_INIT;
	const char *flags[MAX_FLAGS] = { "--password", NULL };
	struct guest g;

	for (int i = 0; i < PASSWORD_INPUT_MAX; i++)
		strbuf_addch(&pw, 'a' + i % 26);
	flags[1] = pw.buf;
	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), 0);
	CHECK(g.password && strlen(g.password) == PASSWORD_INPUT_MAX);
	guest_release(&g);
	strbuf_addch(&pw, 'x');
	flags[1] = pw.buf;
	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), -EINVAL);
	CHECK_STREQ(err.buf, "--password: 'password' is longer than 4096 "
		    "bytes");
	guest_release(&g);
	strbuf_release(&pw);
	strbuf_release(&err);
}

/* ---- boot modes ---- */

static void boot_text(const struct guest *g, struct strbuf *sb)
{
	const char *pvgrub = g->pvgrub ? strrchr(g->pvgrub, '/') + 1 : "-";

	strbuf_addf(sb, "%s %s pygrub=%d direct=%d pvgrub=%s layout=%d "
		    "firmware=%d vnc=%d@%s iso=%s", boot_mode_name(g->boot_mode),
		    boot_mode_type(g->boot_mode), g->pygrub, g->direct, pvgrub,
		    (int)g->layout, (int)g->firmware, g->vnc, g->vnclisten,
		    g->iso ? strrchr(g->iso, '/') + 1 : "-");
}

/* pvgrub2's images, as grub-xen-host installs them, in the scratch
 * directory: $CREATE_IMAGE_PVGRUB_DIR points there. */
static void fake_pvgrub(void)
{
	static const char *const images[] = { "grub-i386-xen_pvh.bin",
					      "grub-x86_64-xen.bin" };
	char *dir = path_join(scratch(), "grub-xen");

	if (mkdir_p(dir, 0755) < 0)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(images); i++) {
		char *p = path_join(dir, images[i]);

		if (write_string(p, "x", 0644) < 0)
			abort();
		free(p);
	}
	setenv("CREATE_IMAGE_PVGRUB_DIR", dir, 1);
	free(dir);
}

TEST(boot_modes)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *want;
	} cases[] = {
		{ NULL, { NULL }, "pv-pygrub pv pygrub=1 direct=0 pvgrub=- "
		  "layout=0 firmware=0 vnc=0@127.0.0.1 iso=-" },
		{ NULL, { "--boot-mode", "pvh" }, "pvh pvh pygrub=0 direct=0 "
		  "pvgrub=grub-i386-xen_pvh.bin layout=0 " },
		{ "boot_mode = pv-pvgrub", { NULL }, "pv-pvgrub pv pygrub=0 "
		  "direct=0 pvgrub=grub-x86_64-xen.bin " },
		{ NULL, { "--boot-mode=pvh-direct" }, "pvh-direct pvh pygrub=0 "
		  "direct=1 pvgrub=- " },
		{ NULL, { "--boot-mode=pv-direct" }, "pv-direct pv pygrub=0 "
		  "direct=1 " },
		/* --nopygrub as it always was, alone or agreeing. */
		{ NULL, { "--nopygrub" }, "pv-direct pv pygrub=0 direct=1 " },
		{ "pygrub = 0", { "--boot-mode", "pvh-direct" }, "pvh-direct " },
		{ "pygrub = 1", { NULL }, "pv-pygrub pv pygrub=1 " },
		/* HVM: one partitioned disk, by itself. */
		{ NULL, { "--boot-mode", "hvm" }, "hvm hvm pygrub=0 direct=0 "
		  "pvgrub=- layout=1 firmware=0 vnc=0@127.0.0.1 iso=-" },
		{ NULL, { "--boot-mode", "hvm", "--layout", "disk",
			  "--firmware", "uefi", "--vnc", "--vnclisten", "::1" },
		  "hvm hvm pygrub=0 direct=0 pvgrub=- layout=1 firmware=1 "
		  "vnc=1@::1 iso=-" },
		/* An installer ISO brings its screen, unless told not to. */
		{ NULL, { "--boot-mode", "hvm", "--install-method", "none",
			  "--iso", "@TMP@/vmlinuz" },
		  "hvm hvm pygrub=0 direct=0 pvgrub=- layout=1 firmware=0 "
		  "vnc=1@127.0.0.1 iso=vmlinuz" },
		{ "vnc = 0", { "--boot-mode", "hvm", "--install-method", "none",
			       "--iso", "@TMP@/vmlinuz" }, "hvm hvm pygrub=0 "
		  "direct=0 pvgrub=- layout=1 firmware=0 vnc=0@" },
		/* xen-tools files name a dom0 kernel next to pygrub. */
		{ "kernel = /nonexistent/vmlinuz\ninitrd = /nonexistent/i",
		  { "--boot-mode", "pvh" }, "pvh pvh " },
	};
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *want_err;
	} bad[] = {
		{ NULL, { "--boot-mode", "pv" }, "--boot-mode: 'boot-mode' must "
		  "be pv-pygrub, pvh, pv-pvgrub, pvh-direct, pv-direct or hvm, "
		  "not 'pv'" },
		{ "boot-mode = HVM", { NULL }, "g.conf:1: 'boot-mode' must be " },
		{ NULL, { "--pygrub", "--boot-mode", "pvh" },
		  "--pygrub: 'pygrub' contradicts 'boot-mode=pvh'" },
		{ NULL, { "--nopygrub", "--boot-mode", "pv-pygrub" },
		  "--nopygrub: 'nopygrub' contradicts 'boot-mode=pv-pygrub'" },
		{ "pygrub = 1", { "--boot-mode", "hvm" },
		  "g.conf:1: 'pygrub' contradicts 'boot-mode=hvm'" },
		{ NULL, { "--boot-mode", "hvm", "--layout", "volumes" },
		  "--layout: --boot-mode=hvm needs --layout=disk (its firmware "
		  "boots one partitioned disk), not 'volumes'" },
		{ NULL, { "--firmware", "uefi" }, "--firmware: 'firmware' is for "
		  "--boot-mode=hvm, not 'pv-pygrub'" },
		{ NULL, { "--boot-mode", "hvm", "--firmware", "efi" },
		  "--firmware: 'firmware' must be bios or uefi, not 'efi'" },
		{ NULL, { "--vnc" }, "--vnc: 'vnc' is for --boot-mode=hvm " },
		{ NULL, { "--boot-mode", "hvm", "--vnclisten", "localhost" },
		  "--vnclisten: 'vnclisten' must be an IPv4 or IPv6 address, "
		  "not 'localhost'" },
		{ NULL, { "--boot-mode", "pvh", "--iso", "@TMP@/vmlinuz" },
		  "--iso: 'iso' is for --boot-mode=hvm, not 'pvh'" },
		{ NULL, { "--boot-mode", "hvm", "--install-method", "none",
			  "--iso", "@TMP@/tree" },
		  "--iso: ISO image '@TMP@/tree' is not a file" },
		{ NULL, { "--boot-mode", "hvm", "--iso", "@TMP@/vmlinuz" },
		  "--iso: 'iso' installs the guest: it needs "
		  "--install-method=none" },
		{ NULL, { "--boot-mode", "hvm", "--iso", "x.iso" },
		  "--iso: 'iso' must be an absolute path, not 'x.iso'" },
		{ NULL, { "--install-method", "none", "--boot-mode",
			  "pvh-direct" },
		  "--kernel: direct boot with --install-method=none needs "
		  "--kernel (no guest kernel is installed)" },
		{ NULL, { "--install-method", "none", "--install-source",
			  "@TMP@/tree" },
		  "--install-source: 'install-source' is not used with "
		  "--install-method=none" },
	};

	fake_pvgrub();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), 0);
		CHECK_STREQ(err.buf, "");
		if (!err.len) {
			boot_text(&g, &got);
			CHECK(starts_with(got.buf, cases[i].want));
			if (!starts_with(got.buf, cases[i].want))
				fprintf(stderr, "  got '%s'\n", got.buf);
		}
		report_case(before, i, cases[i].flags[0] ? cases[i].flags[0] :
			    cases[i].file);
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&got);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK(guest_of(0, bad[i].file, bad[i].flags, &g, &err) < 0);
		expand(bad[i].want_err, &want);
		CHECK(starts_with(err.buf, want.buf));
		if (!starts_with(err.buf, want.buf))
			fprintf(stderr, "  got '%s'\n", err.buf);
		report_case(before, i, bad[i].flags[0] ? bad[i].flags[0] :
			    bad[i].file);
		guest_release(&g);
		strbuf_release(&err);
		strbuf_release(&want);
	}

	/* Without grub-xen-host the mode is refused by what it lacks. */
	setenv("CREATE_IMAGE_PVGRUB_DIR", "/nonexistent", 1);
	{
		static const char *const flags[MAX_FLAGS] = { "--boot-mode",
							      "pv-pvgrub" };
		struct strbuf err = STRBUF_INIT;
		struct guest g;

		CHECK(guest_of(0, NULL, flags, &g, &err) < 0);
		CHECK_STREQ(err.buf, "--boot-mode: --boot-mode=pv-pvgrub needs "
			    "'/nonexistent/grub-x86_64-xen.bin': install the "
			    "package grub-xen-host");
		guest_release(&g);
		strbuf_release(&err);
	}
	unsetenv("CREATE_IMAGE_PVGRUB_DIR");
}
/* ---- the PV and PVH boot modes ---- */

TEST(boot_modes_pv)
{
	static const struct {
		const char *flags[MAX_FLAGS];
		/* "MODE type pygrub direct pvgrub-image need_guest_dir
		 * kernel_dir method", kernel_dir below the state dir */
		const char *want;
	} cases[] = {
		{ { NULL }, "pv-pygrub pv 1 0 - 1 - 0" },
		{ { "--boot-mode", "pvh" },
		  "pvh pvh 0 0 grub-i386-xen_pvh.bin 1 - 0" },
		{ { "--boot-mode", "pv-pvgrub" },
		  "pv-pvgrub pv 0 0 grub-x86_64-xen.bin 1 - 0" },
		{ { "--boot-mode", "pvh-direct" },
		  "pvh-direct pvh 0 1 - 1 kernels/web1 0" },
		{ { "--boot-mode", "pv-direct" },
		  "pv-direct pv 0 1 - 1 kernels/web1 0" },
		{ { "--nopygrub" }, "pv-direct pv 0 1 - 1 kernels/web1 0" },
		/* GRUB reads xfs and btrfs, pygrub does not. */
		{ { "--boot-mode", "pvh", "--fs", "xfs" },
		  "pvh pvh 0 0 grub-i386-xen_pvh.bin 1 - 0" },
		{ { "--boot-mode", "pv-pvgrub", "--fs", "btrfs" },
		  "pv-pvgrub pv 0 0 grub-x86_64-xen.bin 1 - 0" },
		/* On LVM there is no guest directory: a direct boot's
		 * kernel goes below the state directory all the same. */
		{ { "--boot-mode", "pvh", "--lvm", "vg0" },
		  "pvh pvh 0 0 grub-i386-xen_pvh.bin 0 - 0" },
		{ { "--boot-mode", "pvh-direct", "--lvm", "vg0" },
		  "pvh-direct pvh 0 1 - 0 kernels/web1 0" },
		/* Storage and the xl.cfg only. */
		{ { "--boot-mode", "pvh", "--install-method", "none" },
		  "pvh pvh 0 0 grub-i386-xen_pvh.bin 1 - 3" },
		{ { "--boot-mode", "pv-direct", "--install-method", "none",
		    "--kernel", "@TMP@/vmlinuz" },
		  "pv-direct pv 0 1 - 1 - 3" },
		/* Not copied: --kernel is named as it is. */
		{ { "--boot-mode", "pvh-direct", "--kernel", "@TMP@/vmlinuz" },
		  "pvh-direct pvh 0 1 - 1 - 0" },
		/* The copied kernel needs no --dir. */
		{ { "--boot-mode", "pvh-direct", "--dir=", "--lvm", "vg0" },
		  "pvh-direct pvh 0 1 - 0 kernels/web1 0" },
	};
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
	char *state = path_join(scratch(), "state");

	fake_pvgrub();
	setenv("CREATE_IMAGE_STATEDIR", state, 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int before = unit_failed_checks;
		const char *slash;
		struct guest g;

		strbuf_reset(&err);
		CHECK_INTEQ(guest_of(0, NULL, cases[i].flags, &g, &err), 0);
		CHECK_STREQ(err.buf, "");
		slash = g.pvgrub ? strrchr(g.pvgrub, '/') : NULL;
		strbuf_reset(&got);
		strbuf_addf(&got, "%s %s %d %d %s %d ",
			    boot_mode_name(g.boot_mode),
			    boot_mode_type(g.boot_mode), g.pygrub, g.direct,
			    slash ? slash + 1 : "-", g.need_guest_dir);
		if (!g.kernel_dir)
			strbuf_addch(&got, '-');
		else if (!strncmp(g.kernel_dir, state, strlen(state)) &&
			 g.kernel_dir[strlen(state)] == '/')
			strbuf_addstr(&got, g.kernel_dir + strlen(state) + 1);
		else
			strbuf_addstr(&got, g.kernel_dir);
		strbuf_addf(&got, " %d", (int)g.method);
		CHECK_STREQ(got.buf, cases[i].want);
		report_case(before, i, cases[i].want);
		guest_release(&g);
	}
	unsetenv("CREATE_IMAGE_STATEDIR");
	free(state);
	strbuf_release(&err);
	strbuf_release(&got);
}

TEST(boot_modes_pv_refused)
{
	static const struct {
		const char *flags[MAX_FLAGS];
		const char *want_err;	/* the message's start */
	} cases[] = {
		{ { "--boot-mode", "pvh-direct", "--install-method", "none" },
		  "--kernel: direct boot with --install-method=none needs "
		  "--kernel" },
		{ { "--nopygrub", "--install-method", "none" },
		  "--kernel: direct boot with --install-method=none needs "
		  "--kernel" },
		{ { "--boot-mode", "pvh", "--install-method", "none",
		    "--install-source", "@TMP@/root.tar" },
		  "--install-source: 'install-source' is not used with "
		  "--install-method=none" },
		{ { "--boot-mode", "pvh", "--pygrub" },
		  "--pygrub: 'pygrub' contradicts 'boot-mode=pvh'" },
		{ { "--boot-mode", "pv-direct", "--pygrub" },
		  "--pygrub: 'pygrub' contradicts 'boot-mode=pv-direct'" },
		{ { "--boot-mode", "pvh", "--vnc" }, "--vnc: 'vnc' is for " },
		{ { "--boot-mode", "pv-pvgrub", "--firmware", "uefi" },
		  "--firmware: 'firmware' is for --boot-mode=hvm" },
		{ { "--boot-mode", "pvhx" }, "--boot-mode: " },
		/* pygrub still refuses what it cannot read, and names the
		 * way out. */
		{ { "--fs", "xfs" }, "--fs: pygrub cannot read xfs, which "
		  "would hold /boot: give /boot a file system of its own "
		  "(ext4) in a partitions file, or use --boot-mode=pvh" },
	};
	struct strbuf err = STRBUF_INIT;

	fake_pvgrub();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int before = unit_failed_checks;
		struct guest g;

		strbuf_reset(&err);
		CHECK_INTEQ(guest_of(0, NULL, cases[i].flags, &g, &err),
			    -EINVAL);
		CHECK(starts_with(err.buf, cases[i].want_err));
		report_case(before, i, cases[i].want_err);
		guest_release(&g);
	}
	strbuf_release(&err);
}

/* Without grub-xen-host, the pvgrub2 modes name the package. */
TEST(boot_modes_pvgrub_missing)
{
	static const char *const flags[] = { "--boot-mode", "pv-pvgrub",
					     NULL };
	struct strbuf err = STRBUF_INIT;
	char *dir = path_join(scratch(), "no-grub-xen");
	struct guest g;

	setenv("CREATE_IMAGE_PVGRUB_DIR", dir, 1);
	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), -EINVAL);
	CHECK(starts_with(err.buf, "--boot-mode: --boot-mode=pv-pvgrub "
			  "needs '"));
	CHECK(strstr(err.buf, "/no-grub-xen/grub-x86_64-xen.bin': install "
		     "the package grub-xen-host") != NULL);
	guest_release(&g);
	unsetenv("CREATE_IMAGE_PVGRUB_DIR");
	free(dir);
	strbuf_release(&err);
}

/* ---- --disk-device, --ide, --scsi, --serial-device, --modules,
 * --dontformat, --lvm-thin ---- */

TEST(devices)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *disk, *serial;
	} cases[] = {
		{ NULL, { NULL }, "xvda", "hvc0" },
		{ NULL, { "--scsi" }, "sda", "hvc0" },
		{ NULL, { "--ide" }, "hda", "hvc0" },
		{ NULL, { "--disk_device=/dev/sdb" }, "sdb", "hvc0" },
		{ NULL, { "--disk-device", "xvdc" }, "xvdc", "hvc0" },
		{ NULL, { "--ide", "--noide" }, "xvda", "hvc0" },
		{ "disk_device = sda\nserial_device = /dev/ttyS0", { NULL },
		  "sda", "ttyS0" },
		/* A flag replaces the file's choice. */
		{ "ide = 1", { "--scsi" }, "sda", "hvc0" },
		{ "scsi = 1", { "--disk-device=xvdb" }, "xvdb", "hvc0" },
		{ "disk-device = sdc", { "--ide" }, "hda", "hvc0" },
		{ NULL, { "--serial_device=tty1" }, "xvda", "tty1" },
		{ NULL, { "--serial-device=hvc1" }, "xvda", "hvc1" },
		{ NULL, { "--boot-mode=hvm", "--install-method=none" },
		  "xvda", "ttyS0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_STREQ(g.disk_device ? g.disk_device : "(null)",
			    cases[i].disk);
		CHECK_STREQ(g.serial_device ? g.serial_device : "(null)",
			    cases[i].serial);
		report_case(before, i, cases[i].flags[0] ? cases[i].flags[0] :
			    cases[i].file);
		guest_release(&g);
		strbuf_release(&err);
	}
}

TEST(devices_refused)
{
	static const struct {
		const char *file;
		const char *flags[MAX_FLAGS];
		const char *want_err;
	} cases[] = {
		{ NULL, { "--ide", "--scsi" },
		  "--scsi: 'scsi' cannot be combined with 'ide' (--ide)" },
		{ NULL, { "--disk_device=sda", "--ide" },
		  "--ide: 'ide' cannot be combined with 'disk-device' " },
		{ "ide = 1\nscsi = 1", { NULL },
		  "g.conf:2: 'scsi' cannot be combined with 'ide' (g.conf:1" },
		{ NULL, { "--disk-device=vda" },
		  "--disk-device: invalid disk device 'vda' " },
		{ NULL, { "--disk-device=xvd" },
		  "--disk-device: invalid disk device 'xvd' " },
		{ NULL, { "--disk-device=xvda1" },
		  "--disk-device: invalid disk device 'xvda1' " },
		{ NULL, { "--disk-device=sdabc" },
		  "--disk-device: invalid disk device 'sdabc' " },
		{ "disk_device = nvme0n1", { NULL },
		  "g.conf:1: invalid disk device 'nvme0n1' " },
		{ NULL, { "--serial-device=tty0" },
		  "--serial-device: invalid serial device 'tty0' " },
		{ NULL, { "--serial-device=xvc0" },
		  "--serial-device: invalid serial device 'xvc0' " },
		{ NULL, { "--serial-device=ttyS" },
		  "--serial-device: invalid serial device 'ttyS' " },
		{ NULL, { "--serial-device=ttyS01" },
		  "--serial-device: invalid serial device 'ttyS01' " },
		{ NULL, { "--serial-device=hvc0 x" },
		  "--serial-device: invalid serial device 'hvc0 x' " },
		{ NULL, { "--modules=@TMP@/tree" },
		  "--modules: 'modules' are those of a dom0 kernel: give "
		  "--kernel" },
		{ NULL, { "--boot-mode=pv-direct", "--modules=@TMP@/tree" },
		  "--modules: 'modules' are those of a dom0 kernel" },
		{ NULL, { "--boot-mode=pv-direct", "--kernel=@TMP@/vmlinuz",
			  "--modules=@TMP@/nothing" },
		  "--modules: modules directory '" },
		{ NULL, { "--boot-mode=pv-direct", "--kernel=@TMP@/vmlinuz",
			  "--modules=relative" },
		  "--modules: 'modules' must be an absolute path" },
		{ NULL, { "--dontformat" },
		  "--dontformat: 'dontformat' is for --image-dev" },
		{ NULL, { "--lvm-thin=pool0" },
		  "--lvm-thin: 'lvm-thin' needs --lvm=VG" },
		{ NULL, { "--lvm=vg0", "--lvm_thin=-p" },
		  "--lvm_thin: invalid thin pool name '-p'" },
		{ "lvm = vg0\nlvm_thin = a/b", { NULL },
		  "g.conf:2: invalid thin pool name 'a/b'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;
		struct guest g;

		CHECK_INTEQ(guest_of(0, cases[i].file, cases[i].flags, &g,
				     &err), -EINVAL);
		CHECK(starts_with(err.buf, cases[i].want_err));
		CHECK(!strchr(err.buf, '\n'));
		report_case(before, i, cases[i].want_err);
		guest_release(&g);
		strbuf_release(&err);
	}
}

TEST(modules_accepted)
{
	static const char *const flags[] = {
		"--boot-mode=pv-direct", "--kernel=@TMP@/vmlinuz",
		"--modules=@TMP@/tree/", NULL
	};
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct guest g;

	CHECK_INTEQ(guest_of(0, NULL, flags, &g, &err), 0);
	CHECK_STREQ(err.buf, "");
	/* The trailing slash goes: copied as /lib/modules/tree. */
	strbuf_addf(&want, "%s/tree", scratch());
	CHECK_STREQ(g.modules ? g.modules : "(null)", want.buf);
	guest_release(&g);
	strbuf_release(&err);
	strbuf_release(&want);
}
