/*
 * u-config.c: the layered configuration: key = value files, flags, the
 * order the layers apply in, list and conflicting settings, --dumpconfig,
 * and config_set()/config_set_list() with the fleet guest layer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "macros.h"
#include "options.h"
#include "strbuf.h"
#include "unit.h"

UNIT_MAIN

#define STOCK_CONF "/etc/xen-tools/xen-tools.conf"

/* Flags handed to one case; the array ends at the first NULL. */
#define MAX_FLAGS 8

/* ---- helpers ---- */

static char *tmpdir;
static struct strbuf sys_path = STRBUF_INIT, file_path = STRBUF_INIT;

static void remove_tmpdir(void)
{
	(void)rm_rf(tmpdir);
	free(tmpdir);
	strbuf_release(&sys_path);
	strbuf_release(&file_path);
}

/* The scratch directory holding system.conf and file.conf, made once. */
static void setup_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir)
		return;
	if (!base || !*base)
		base = "/tmp";
	tmpdir = path_join(base, "u-config.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		abort();
	}
	strbuf_addf(&sys_path, "%s/system.conf", tmpdir);
	strbuf_addf(&file_path, "%s/file.conf", tmpdir);
	atexit(remove_tmpdir);
}

/* want with "@SYS@" and "@FILE@" replaced by the scratch files' paths. */
static const char *expand(const char *want, struct strbuf *out)
{
	strbuf_reset(out);
	while (*want) {
		if (!strncmp(want, "@SYS@", 5)) {
			strbuf_addstr(out, sys_path.buf);
			want += 5;
		} else if (!strncmp(want, "@FILE@", 6)) {
			strbuf_addstr(out, file_path.buf);
			want += 6;
		} else {
			strbuf_addch(out, *want++);
		}
	}
	return out->buf;
}

/*
 * Load as create-image does: sys as the system file and file as the --config
 * file (NULL: none), then flags. c is initialized here; the caller
 * releases it whatever this returns.
 */
static int load(struct config *c, const char *sys, const char *file,
		const char *const *flags, struct strbuf *err)
{
	const char *argv[2 * MAX_FLAGS] = { "create-image" };
	int argc = 1, r;

	setup_tmpdir();
	config_init_defaults(c);
	(void)unlink(sys_path.buf);
	(void)unlink(file_path.buf);
	if (sys && write_string(sys_path.buf, sys, 0644) < 0)
		abort();
	if (file) {
		if (write_string(file_path.buf, file, 0644) < 0)
			abort();
		argv[argc++] = "--config";
		argv[argc++] = file_path.buf;
	}
	for (size_t i = 0; flags && i < MAX_FLAGS && flags[i]; i++)
		argv[argc++] = flags[i];
	r = config_parse_argv(c, argc, (char **)argv, err);
	if (r < 0)
		return r;
	return config_load(c, sys ? sys_path.buf : NULL, err);
}

/* A setting as one string: a list joined by spaces, NULL when unset. */
static const char *text_of(const struct config *c, enum opt_id id,
			   struct strbuf *sb)
{
	const struct strvec *l = config_get_list(c, id);

	if (option_defs[id].type != OPT_LIST)
		return config_get(c, id);
	strbuf_reset(sb);
	for (size_t i = 0; i < l->nr; i++)
		strbuf_addf(sb, "%s%s", i ? " " : "", l->v[i]);
	return sb->buf;
}

/* Compare a possibly NULL string with a possibly NULL expectation. */
#define CHECK_STREQ_NULL(a, b)                                           \
	do {                                                             \
		const char *x_ = (a), *y_ = (b);                         \
		if (!x_ || !y_)                                          \
			CHECK(x_ == y_);                                 \
		else                                                     \
			CHECK_STREQ(x_, y_);                             \
	} while (0)

static void report_case(int before, size_t i, const char *what)
{
	if (unit_failed_checks != before)
		fprintf(stderr, "  in case %zu: %s\n", i, what);
}

/* ---- one file's text ---- */

TEST(file_values)
{
	static const struct {
		const char *text;
		enum opt_id id;
		const char *want, *want_origin;
	} cases[] = {
		{ "hostname = web1", O_HOSTNAME, "web1", "t.conf:1" },
		{ "hostname=web1", O_HOSTNAME, "web1", "t.conf:1" },
		{ "  hostname \t=   web1  \t", O_HOSTNAME, "web1", "t.conf:1" },
		{ "hostname = web1\r\n", O_HOSTNAME, "web1", "t.conf:1" },
		{ "hostname = a\nhostname = b\n", O_HOSTNAME, "b", "t.conf:2" },
		{ "extension = a=b", O_EXTENSION, "a=b", "t.conf:1" },
		/* Comments: at the start of a line, or after whitespace. */
		{ "# hostname = no\nhostname = yes1", O_HOSTNAME, "yes1",
		  "t.conf:2" },
		{ "   # indented\n\n\nhostname = a", O_HOSTNAME, "a",
		  "t.conf:4" },
		{ "password = pa#ss", O_PASSWORD, "pa#ss", "t.conf:1" },
		{ "password = pa#ss # the root password", O_PASSWORD, "pa#ss",
		  "t.conf:1" },
		{ "password = pa #ss", O_PASSWORD, "pa", "t.conf:1" },
		{ "password =#ss", O_PASSWORD, "#ss", "t.conf:1" },
		{ "size = 8G\t# tab, then a comment", O_SIZE, "8G",
		  "t.conf:1" },
		{ "mirror = http://m/debian#x", O_MIRROR, "http://m/debian#x",
		  "t.conf:1" },
		/* "\" joins the next line; the origin is the first one. */
		{ "\nhostname = \\\n  web1\nsize = 8G", O_HOSTNAME, "web1",
		  "t.conf:2" },
		{ "\nhostname = \\\n  web1\nsize = 8G", O_SIZE, "8G",
		  "t.conf:4" },
		{ "hostname = \\  \n\\\nweb1", O_HOSTNAME, "web1", "t.conf:1" },
		/* '_' and '-' are the same in keys. */
		{ "genpass_len = 12", O_GENPASS_LEN, "12", "t.conf:1" },
		{ "genpass-len = 12", O_GENPASS_LEN, "12", "t.conf:1" },
		{ "ext4_options = noatime", O_EXT4_OPTIONS, "noatime",
		  "t.conf:1" },
		{ "install_method = tar", O_INSTALL_METHOD, "tar", "t.conf:1" },
		/* Typed values are kept as written. */
		{ "dhcp = yes", O_DHCP, "yes", "t.conf:1" },
		{ "noswap = 1", O_NOSWAP, "1", "t.conf:1" },
		{ "vcpus = 4", O_VCPUS, "4", "t.conf:1" },
		{ "memory = 1.5G", O_MEMORY, "1.5G", "t.conf:1" },
		/* An empty size or number means unset, not an error. */
		{ "maxmem =", O_MAXMEM, "", "t.conf:1" },
		{ "", O_SIZE, "4G", "built-in default" },
		{ "\n\n# only comments\n", O_HOSTNAME, NULL,
		  "built-in default" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		config_init_defaults(&c);
		CHECK_INTEQ(config_parse_text(&c, cases[i].text, "t.conf",
					      LAYER_FILE, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_STREQ_NULL(config_get(&c, cases[i].id), cases[i].want);
		CHECK_STREQ(config_origin(&c, cases[i].id),
			    cases[i].want_origin);
		CHECK_INTEQ(config_is_set(&c, cases[i].id),
			    !!strcmp(cases[i].want_origin,
				     "built-in default"));
		CHECK_INTEQ(c.warnings.nr, 0);
		report_case(before, i, cases[i].text);
		strbuf_release(&err);
		config_release(&c);
	}
}

TEST(file_errors)
{
	static const struct {
		const char *text;
		const char *want_err;
	} cases[] = {
		{ "bogus = 1", "t.conf:1: unknown key 'bogus'" },
		{ "hostname = a\n\n# c\nbogus_key = 1",
		  "t.conf:4: unknown key 'bogus_key'" },
		{ "hostname = \\\n a\nbogus = 1",
		  "t.conf:3: unknown key 'bogus'" },
		{ "= value", "t.conf:1: unknown key ''" },
		{ "Hostname = a", "t.conf:1: unknown key 'Hostname'" },
		{ "hostname", "t.conf:1: expected 'key = value'" },
		{ "\n\nhostname web1", "t.conf:3: expected 'key = value'" },
		/* Settings only a command line can give. */
		{ "config = /etc/other.conf",
		  "t.conf:1: unknown key 'config'" },
		{ "help = 1", "t.conf:1: unknown key 'help'" },
		{ "version = 1", "t.conf:1: unknown key 'version'" },
		{ "dumpconfig = 1", "t.conf:1: unknown key 'dumpconfig'" },
		{ "dry_run = 1", "t.conf:1: unknown key 'dry_run'" },
		/* Typed values are checked as they are read. */
		{ "dhcp = maybe",
		  "t.conf:1: invalid boolean 'maybe' for 'dhcp'" },
		{ "dhcp =", "t.conf:1: invalid boolean '' for 'dhcp'" },
		{ "noswap = 2", "t.conf:1: invalid boolean '2' for 'noswap'" },
		{ "size = 4X", "t.conf:1: invalid size '4X' for 'size'" },
		{ "\nswap = -1G", "t.conf:2: invalid size '-1G' for 'swap'" },
		{ "vcpus = two", "t.conf:1: invalid number 'two' for 'vcpus'" },
		{ "vcpus = -1", "t.conf:1: invalid number '-1' for 'vcpus'" },
		{ "genpass_len = 99999999999",
		  "t.conf:1: invalid number '99999999999' for 'genpass-len'" },
		/* Conflicting settings in one layer. */
		{ "dhcp = 1\nip = 10.0.0.5/24",
		  "t.conf:2: 'ip' cannot be combined with 'dhcp' (t.conf:1)" },
		{ "ip = 10.0.0.5/24\n\ndhcp = yes",
		  "t.conf:3: 'dhcp' cannot be combined with 'ip' (t.conf:1)" },
		{ "genpass = 1\npassword = x",
		  "t.conf:2: 'password' cannot be combined with 'genpass' "
		  "(t.conf:1)" },
		{ "password = x\ngenpass = on",
		  "t.conf:2: 'genpass' cannot be combined with 'password' "
		  "(t.conf:1)" },
		{ "mac = 00:16:3e:00:00:01\nrandommac = 1",
		  "t.conf:2: 'randommac' cannot be combined with 'mac' "
		  "(t.conf:1)" },
		{ "randommac = true\nmac = 00:16:3e:00:00:01",
		  "t.conf:2: 'mac' cannot be combined with 'randommac' "
		  "(t.conf:1)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		config_init_defaults(&c);
		CHECK_INTEQ(config_parse_text(&c, cases[i].text, "t.conf",
					      LAYER_FILE, &err), -EINVAL);
		CHECK_STREQ(err.buf, cases[i].want_err);
		report_case(before, i, cases[i].text);
		strbuf_release(&err);
		config_release(&c);
	}
}

TEST(file_error_stops_reading)
{
	struct config c;
	struct strbuf err = STRBUF_INIT;

	config_init_defaults(&c);
	CHECK_INTEQ(config_parse_text(&c, "hostname = a\nbogus = 1\nsize = 8G",
				      "t.conf", LAYER_FILE, &err), -EINVAL);
	CHECK_STREQ(config_get(&c, O_HOSTNAME), "a");
	CHECK_STREQ(config_get(&c, O_SIZE), "4G");
	CHECK(!strchr(err.buf, '\n'));
	strbuf_release(&err);
	config_release(&c);
}

TEST(file_booleans)
{
	static const struct {
		const char *value;
		int ok;
	} cases[] = {
		{ "1", 1 },	{ "0", 1 },	 { "yes", 1 },	 { "no", 1 },
		{ "true", 1 },	{ "false", 1 }, { "on", 1 },	 { "off", 1 },
		{ "YES", 1 },	{ "No", 1 },	 { "maybe", 0 }, { "2", 0 },
		{ "y", 0 },	{ "-1", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		struct strbuf want = STRBUF_INIT;
		int before = unit_failed_checks;

		config_init_defaults(&c);
		strbuf_addf(&text, "boot = %s", cases[i].value);
		CHECK_INTEQ(config_parse_text(&c, text.buf, "t.conf",
					      LAYER_FILE, &err),
			    cases[i].ok ? 0 : -EINVAL);
		if (cases[i].ok) {
			CHECK_STREQ(err.buf, "");
			CHECK_STREQ(config_get(&c, O_BOOT), cases[i].value);
		} else {
			strbuf_addf(&want, "t.conf:1: invalid boolean '%s' "
				    "for 'boot'", cases[i].value);
			CHECK_STREQ(err.buf, want.buf);
			CHECK_STREQ(config_get(&c, O_BOOT), "0");
		}
		report_case(before, i, cases[i].value);
		strbuf_release(&text);
		strbuf_release(&err);
		strbuf_release(&want);
		config_release(&c);
	}
}

TEST(file_backticks)
{
	static const struct {
		const char *text;
		size_t nwarnings;
		const char *want_warning;	/* the first one */
		enum opt_id id;
		const char *want;
	} cases[] = {
		{ "dist = `xt-guess-suite-and-mirror --suite`", 1,
		  "t.conf:1: 'dist': value in backticks is not executed; "
		  "using the built-in default", O_DIST, "bookworm" },
		{ "\nkernel = /boot/vmlinuz-`uname -r`", 1,
		  "t.conf:2: 'kernel': value in backticks is not executed; "
		  "using the built-in default", O_KERNEL, NULL },
		/* The warning names the setting, not the spelling. */
		{ "genpass_len = `echo 9`", 1,
		  "t.conf:1: 'genpass-len': value in backticks is not "
		  "executed; using the built-in default", O_GENPASS_LEN, "20" },
		/* It replaces an earlier line of the same file too. */
		{ "size = 8G\nsize = `df`", 1,
		  "t.conf:2: 'size': value in backticks is not executed; "
		  "using the built-in default", O_SIZE, "4G" },
		{ "dist = `a`\ninitrd = `b`\nsize = 8G", 2,
		  "t.conf:1: 'dist': value in backticks is not executed; "
		  "using the built-in default", O_SIZE, "8G" },
		/* Not in a comment. */
		{ "# kernel = /boot/vmlinuz-`uname -r`", 0, NULL, O_KERNEL,
		  NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		config_init_defaults(&c);
		CHECK_INTEQ(config_parse_text(&c, cases[i].text, "t.conf",
					      LAYER_FILE, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_INTEQ(c.warnings.nr, cases[i].nwarnings);
		if (cases[i].want_warning && c.warnings.nr)
			CHECK_STREQ(c.warnings.v[0], cases[i].want_warning);
		CHECK_STREQ_NULL(config_get(&c, cases[i].id), cases[i].want);
		report_case(before, i, cases[i].text);
		strbuf_release(&err);
		config_release(&c);
	}
}

/* ---- the command line ---- */

TEST(argv)
{
	static const struct {
		const char *argv[MAX_FLAGS];
		enum opt_id id;
		const char *want, *want_origin;
	} cases[] = {
		{ { "--hostname", "web1" }, O_HOSTNAME, "web1", "--hostname" },
		{ { "--hostname=web1" }, O_HOSTNAME, "web1", "--hostname" },
		{ { "--hostname=" }, O_HOSTNAME, "", "--hostname" },
		{ { "--extension=a=b" }, O_EXTENSION, "a=b", "--extension" },
		{ { "--hostname", "a", "--hostname", "b" }, O_HOSTNAME, "b",
		  "--hostname" },
		{ { "--genpass_len", "12" }, O_GENPASS_LEN, "12",
		  "--genpass_len" },
		{ { "--size", "8G" }, O_SIZE, "8G", "--size" },
		/* A value that looks like a flag is still the value. */
		{ { "--hostname", "--dhcp" }, O_HOSTNAME, "--dhcp",
		  "--hostname" },
		/* Booleans. */
		{ { "--dhcp" }, O_DHCP, "1", "--dhcp" },
		{ { "--dhcp=1" }, O_DHCP, "1", "--dhcp" },
		{ { "--dhcp=0" }, O_DHCP, "0", "--dhcp" },
		{ { "--dhcp=no" }, O_DHCP, "no", "--dhcp" },
		{ { "--nodhcp" }, O_DHCP, "0", "--nodhcp" },
		{ { "--no-dhcp" }, O_DHCP, "0", "--no-dhcp" },
		{ { "--boot" }, O_BOOT, "1", "--boot" },
		{ { "--noswap" }, O_NOSWAP, "1", "--noswap" },
		{ { "--nonoswap" }, O_NOSWAP, "0", "--nonoswap" },
		{ { "--boot", "--noboot" }, O_BOOT, "0", "--noboot" },
		{ { "--dry-run" }, O_DRY_RUN, "1", "--dry-run" },
		/* Not given: the built-in default. */
		{ { "--dhcp" }, O_SIZE, "4G", "built-in default" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[MAX_FLAGS + 1] = { "create-image" };
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int argc = 1, before = unit_failed_checks;

		for (size_t j = 0; j < MAX_FLAGS && cases[i].argv[j]; j++)
			argv[argc++] = cases[i].argv[j];
		config_init_defaults(&c);
		CHECK_INTEQ(config_parse_argv(&c, argc, (char **)argv, &err),
			    0);
		CHECK_INTEQ(config_load(&c, NULL, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_STREQ_NULL(config_get(&c, cases[i].id), cases[i].want);
		CHECK_STREQ(config_origin(&c, cases[i].id),
			    cases[i].want_origin);
		CHECK(!c.action_help && !c.action_version &&
		      !c.action_dumpconfig);
		report_case(before, i, argv[1]);
		strbuf_release(&err);
		config_release(&c);
	}
}

TEST(argv_errors)
{
	static const struct {
		const char *argv[MAX_FLAGS];
		int want_parse, want_load;
		const char *want_err;
	} cases[] = {
		/* Found while reading argv. */
		{ { "--bogus" }, -EINVAL, 0,
		  "unknown option '--bogus' (see --help)" },
		{ { "--bogus=1" }, -EINVAL, 0,
		  "unknown option '--bogus' (see --help)" },
		{ { "--nohostname" }, -EINVAL, 0,
		  "unknown option '--nohostname' (see --help)" },
		{ { "--no-size" }, -EINVAL, 0,
		  "unknown option '--no-size' (see --help)" },
		{ { "--nodhcp=1" }, -EINVAL, 0,
		  "unknown option '--nodhcp' (see --help)" },
		{ { "--nohelp" }, -EINVAL, 0,
		  "unknown option '--nohelp' (see --help)" },
		{ { "--hostname" }, -EINVAL, 0, "'--hostname' needs a value" },
		{ { "--dhcp", "--ip" }, -EINVAL, 0, "'--ip' needs a value" },
		{ { "--help=1" }, -EINVAL, 0, "'--help' takes no value" },
		{ { "web1" }, -EINVAL, 0, "unexpected argument 'web1'" },
		{ { "--hostname", "a", "b" }, -EINVAL, 0,
		  "unexpected argument 'b'" },
		{ { "-h" }, -EINVAL, 0, "unexpected argument '-h'" },
		{ { "--" }, -EINVAL, 0, "unexpected argument '--'" },
		{ { "" }, -EINVAL, 0, "unexpected argument ''" },
		/* xen-tools' names that are refused or misused. */
		{ { "--zpool", "tank" }, -EINVAL, 0,
		  "--zpool: not supported: ZFS pools are not managed here; "
		  "give a zvol you made with --image-dev=/dev/zvol/POOL/NAME, "
		  "or use --lvm=VG or --dir=DIR" },
		{ { "--evms=lvm2/vg0" }, -EINVAL, 0,
		  "--evms: not supported: EVMS left Linux with 2.6; use "
		  "--lvm=VG" },
		{ { "--manual" }, -EINVAL, 0,
		  "--manual: not supported: the manual is create-image(8): "
		  "run 'man create-image'" },
		{ { "--install" }, -EINVAL, 0, "--install needs a value" },
		{ { "--install=yes" }, -EINVAL, 0,
		  "--install: 'yes' is not one of 0 1" },
		{ { "--no-xen-ok=1" }, -EINVAL, 0,
		  "'--no-xen-ok' takes no value" },
		/* Found when the flags are applied, naming the flag. */
		{ { "--dhcp=maybe" }, 0, -EINVAL,
		  "--dhcp: invalid boolean 'maybe' for 'dhcp'" },
		{ { "--dhcp=" }, 0, -EINVAL,
		  "--dhcp: invalid boolean '' for 'dhcp'" },
		{ { "--size", "huge" }, 0, -EINVAL,
		  "--size: invalid size 'huge' for 'size'" },
		{ { "--vcpus=x" }, 0, -EINVAL,
		  "--vcpus: invalid number 'x' for 'vcpus'" },
		{ { "--genpass-len", "-8" }, 0, -EINVAL,
		  "--genpass-len: invalid number '-8' for 'genpass-len'" },
		{ { "--config", "/nonexistent/create-image.conf" }, 0, -ENOENT,
		  "cannot read '/nonexistent/create-image.conf': No such file "
		  "or directory" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[MAX_FLAGS + 1] = { "create-image" };
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int argc = 1, before = unit_failed_checks, r;

		for (size_t j = 0; j < MAX_FLAGS && cases[i].argv[j]; j++)
			argv[argc++] = cases[i].argv[j];
		config_init_defaults(&c);
		r = config_parse_argv(&c, argc, (char **)argv, &err);
		CHECK_INTEQ(r, cases[i].want_parse);
		if (!r)
			CHECK_INTEQ(config_load(&c, NULL, &err),
				    cases[i].want_load);
		CHECK_STREQ(err.buf, cases[i].want_err);
		CHECK(!strchr(err.buf, '\n'));
		report_case(before, i, cases[i].want_err);
		strbuf_release(&err);
		config_release(&c);
	}
}

/*
 * Settings from up to three flags, a system file's text and a file's
 * text, for the xen-tools names below; checks they all load.
 */
static void load_xen_tools(struct config *c, const char *const flags[3],
			   const char *system, const char *text,
			   struct strbuf *err)
{
	const char *argv[4] = { "create-image" };
	int argc = 1;

	config_init_defaults(c);
	for (size_t j = 0; j < 3 && flags[j]; j++)
		argv[argc++] = flags[j];
	CHECK_INTEQ(config_parse_argv(c, argc, (char **)argv, err), 0);
	if (system)
		CHECK_INTEQ(config_parse_text(c, system, "s.conf",
					      LAYER_SYSTEM, err), 0);
	if (text)
		CHECK_INTEQ(config_parse_text(c, text, "t.conf", LAYER_FILE,
					      err), 0);
	CHECK_INTEQ(config_load(c, NULL, err), 0);
	CHECK_STREQ(err->buf, "");
}

/*
 * xen-create-image's options that options.h lacks (xentools.h): what each
 * sets, from a flag and from a file, and the warning of one that does
 * nothing here.
 */
TEST(xen_tools_names)
{
	static const struct {
		const char *argv[3];	/* or NULL, and text in a file */
		const char *text;
		const char *want_method, *want_origin, *want_warning;
	} cases[] = {
		{ { "--install", "0" }, NULL, "none", "--install", NULL },
		{ { "--install=0" }, NULL, "none", "--install", NULL },
		{ { "--install=1" }, NULL, "debootstrap", NULL, NULL },
		{ { "--nohosts" }, NULL, "debootstrap", NULL, NULL },
		{ { "--no-hosts" }, NULL, "debootstrap", NULL, NULL },
		{ { "--no-xen-ok" }, NULL, "debootstrap", NULL,
		  "--no-xen-ok has no effect: create-image needs no running "
		  "hypervisor but for --boot" },
		{ { NULL }, "install = 0", "none", "t.conf:1: 'install'", NULL },
		{ { NULL }, "install = 1", "debootstrap", NULL, NULL },
		{ { NULL }, "nohosts = 1\nno_hosts = 0", "debootstrap", NULL,
		  NULL },
		{ { NULL }, "no_xen_ok = 0", "debootstrap", NULL, NULL },
		{ { NULL }, "no_xen_ok = 1", "debootstrap", NULL,
		  "t.conf:1: 'no_xen_ok' has no effect: create-image needs no "
		  "running hypervisor but for --boot" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		load_xen_tools(&c, cases[i].argv, NULL, cases[i].text, &err);
		CHECK_STREQ(config_get(&c, O_INSTALL_METHOD),
			    cases[i].want_method);
		CHECK_INTEQ(config_is_set(&c, O_INSTALL_METHOD),
			    !!cases[i].want_origin);
		if (cases[i].want_origin)
			CHECK_STREQ(config_origin(&c, O_INSTALL_METHOD),
				    cases[i].want_origin);
		CHECK_INTEQ(c.warnings.nr, !!cases[i].want_warning);
		if (cases[i].want_warning && c.warnings.nr)
			CHECK_STREQ(c.warnings.v[0], cases[i].want_warning);
		report_case(before, i, cases[i].argv[0] ? cases[i].argv[0] :
			    cases[i].text);
		strbuf_release(&err);
		config_release(&c);
	}
}

/* --hosts and --copyhosts under xen-tools' names, from flags and files. */
TEST(xen_tools_hosts)
{
	static const struct {
		const char *argv[3];
		const char *text;
		const char *want_hosts, *want_copy;
	} cases[] = {
		{ { "--hosts" }, NULL, "1", "" },
		{ { "--hosts", "--nohosts" }, NULL, "0", "" },
		{ { "--hosts", "--no-hosts" }, NULL, "0", "" },
		{ { "--copyhosts" }, NULL, "", "1" },
		{ { "--copy-hosts" }, NULL, "", "1" },
		{ { NULL }, "nohosts = 1", "0", "" },
		{ { NULL }, "no-hosts = 0", "1", "" },
		{ { NULL }, "copy_hosts = 1", "1", "1" },
		{ { NULL }, "copy-hosts = 0", "1", "" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		/* With a file, what a file below may turn off. */
		load_xen_tools(&c, cases[i].argv,
			       cases[i].text ? "hosts = 1" : NULL,
			       cases[i].text, &err);
		/* Unset ("") is off. */
		CHECK_STREQ(config_get(&c, O_HOSTS) ? config_get(&c, O_HOSTS) :
			    "", cases[i].want_hosts);
		CHECK_STREQ(config_get(&c, O_COPYHOSTS) ?
			    config_get(&c, O_COPYHOSTS) : "", cases[i].want_copy);
		report_case(before, i, cases[i].argv[0] ? cases[i].argv[0] :
			    cases[i].text);
		strbuf_release(&err);
		config_release(&c);
	}
}

TEST(argv_actions)
{
	static const struct {
		const char *argv[3];
		int help, version, dumpconfig;
	} cases[] = {
		{ { "--help" }, 1, 0, 0 },
		{ { "--version" }, 0, 1, 0 },
		{ { "--dumpconfig" }, 0, 0, 1 },
		{ { "--hostname", "x", "--dumpconfig" }, 0, 0, 1 },
		{ { "--help", "--version" }, 1, 1, 0 },
		{ { "--hostname", "x" }, 0, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[4] = { "create-image" };
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int argc = 1, before = unit_failed_checks;

		for (size_t j = 0; j < 3 && cases[i].argv[j]; j++)
			argv[argc++] = cases[i].argv[j];
		config_init_defaults(&c);
		CHECK_INTEQ(config_parse_argv(&c, argc, (char **)argv, &err),
			    0);
		CHECK_INTEQ(c.action_help, cases[i].help);
		CHECK_INTEQ(c.action_version, cases[i].version);
		CHECK_INTEQ(c.action_dumpconfig, cases[i].dumpconfig);
		CHECK_STREQ(err.buf, "");
		report_case(before, i, argv[1]);
		strbuf_release(&err);
		config_release(&c);
	}
}

/* Flags are held until config_load(), after the files, whatever their
 * place on the command line. */
TEST(argv_applied_after_files)
{
	static const char *const flags[] = { "--size", "32G", NULL };
	struct config c;
	struct strbuf err = STRBUF_INIT;
	const char *argv[] = { "create-image", "--size", "32G", "--config",
			       NULL };

	/* --config given after the flag. */
	setup_tmpdir();
	CHECK_INTEQ(write_string(file_path.buf, "size = 8G\n", 0644), 0);
	argv[4] = file_path.buf;
	config_init_defaults(&c);
	CHECK_INTEQ(config_parse_argv(&c, 5, (char **)argv, &err), 0);
	CHECK_STREQ(c.config_file, file_path.buf);
	CHECK_STREQ(config_get(&c, O_SIZE), "4G");
	CHECK_INTEQ(config_load(&c, NULL, &err), 0);
	CHECK_STREQ(config_get(&c, O_SIZE), "32G");
	CHECK_STREQ(config_origin(&c, O_SIZE), "--size");
	CHECK_STREQ(err.buf, "");
	config_release(&c);

	/* A config released before loading takes its flags with it. */
	config_init_defaults(&c);
	CHECK_INTEQ(config_parse_argv(&c, 3, (char **)argv, &err), 0);
	config_release(&c);
	CHECK_INTEQ(load(&c, NULL, NULL, NULL, &err), 0);
	CHECK_STREQ(config_get(&c, O_SIZE), "4G");
	config_release(&c);

	CHECK_INTEQ(load(&c, NULL, NULL, flags, &err), 0);
	CHECK_STREQ(config_get(&c, O_SIZE), "32G");
	CHECK_INTEQ(config_is_set(&c, O_SIZE), 1);
	strbuf_release(&err);
	config_release(&c);
}

/* ---- layers ---- */

TEST(layers)
{
	static const struct {
		const char *sys, *file;
		const char *flags[MAX_FLAGS];
		enum opt_id id;
		const char *want, *want_origin;
		int want_set;
	} cases[] = {
		{ NULL, NULL, { NULL }, O_SIZE, "4G", "built-in default", 0 },
		{ "", "", { NULL }, O_SIZE, "4G", "built-in default", 0 },
		{ "size = 8G", NULL, { NULL }, O_SIZE, "8G", "@SYS@:1", 1 },
		{ NULL, "\nsize = 16G", { NULL }, O_SIZE, "16G", "@FILE@:2",
		  1 },
		{ "size = 8G", "size = 16G", { NULL }, O_SIZE, "16G",
		  "@FILE@:1", 1 },
		{ "size = 8G", "size = 16G", { "--size", "32G" }, O_SIZE,
		  "32G", "--size", 1 },
		{ "size = 8G", NULL, { "--size=32G" }, O_SIZE, "32G", "--size",
		  1 },
		{ NULL, "size = 16G", { "--size", "32G" }, O_SIZE, "32G",
		  "--size", 1 },
		/* A layer that does not mention a setting leaves it. */
		{ "size = 8G", "memory = 1G", { "--vcpus", "2" }, O_SIZE, "8G",
		  "@SYS@:1", 1 },
		{ "size = 8G", "memory = 1G", { "--vcpus", "2" }, O_MEMORY,
		  "1G", "@FILE@:1", 1 },
		{ "dhcp = 0", "", { "--dhcp" }, O_DHCP, "1", "--dhcp", 1 },
		{ "dhcp = 0", "dhcp = yes", { "--nodhcp" }, O_DHCP, "0",
		  "--nodhcp", 1 },
		{ "hostname = sys", "hostname = file", { NULL }, O_HOSTNAME,
		  "file", "@FILE@:1", 1 },
		/* Backticks bring back the built-in default, over the system
		 * file; a flag still wins over both. */
		{ "dist = trixie", "dist = `guess`", { NULL }, O_DIST,
		  "bookworm", "built-in default", 0 },
		{ "dist = `guess`", NULL, { "--dist", "trixie" }, O_DIST,
		  "trixie", "--dist", 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(load(&c, cases[i].sys, cases[i].file,
				 cases[i].flags, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_STREQ(config_get(&c, cases[i].id), cases[i].want);
		CHECK_STREQ(config_origin(&c, cases[i].id),
			    expand(cases[i].want_origin, &want));
		CHECK_INTEQ(config_is_set(&c, cases[i].id), cases[i].want_set);
		report_case(before, i, option_defs[cases[i].id].name);
		strbuf_release(&err);
		strbuf_release(&want);
		config_release(&c);
	}
}

TEST(layer_errors)
{
	static const struct {
		const char *sys, *file;
		const char *flags[MAX_FLAGS];
		int want_r;
		const char *want_err;
	} cases[] = {
		{ "bogus = 1", NULL, { NULL }, -EINVAL,
		  "@SYS@:1: unknown key 'bogus'" },
		{ NULL, "\n\nbogus = 1", { NULL }, -EINVAL,
		  "@FILE@:3: unknown key 'bogus'" },
		{ NULL, "size = big", { NULL }, -EINVAL,
		  "@FILE@:1: invalid size 'big' for 'size'" },
		{ "size = 8G", NULL, { "--size", "big" }, -EINVAL,
		  "--size: invalid size 'big' for 'size'" },
		/* The system file stops the load before the others. */
		{ "bogus = 1", "other = 2", { "--size", "big" }, -EINVAL,
		  "@SYS@:1: unknown key 'bogus'" },
		{ NULL, NULL, { "--config", "/nonexistent/c.conf" }, -ENOENT,
		  "cannot read '/nonexistent/c.conf': No such file or "
		  "directory" },
		{ NULL, NULL, { "--config", "/" }, -EISDIR,
		  "cannot read '/': Is a directory" },
		/* An empty --config is a file that cannot be read. */
		{ NULL, NULL, { "--config=" }, -ENOENT,
		  "cannot read '': No such file or directory" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(load(&c, cases[i].sys, cases[i].file,
				 cases[i].flags, &err), cases[i].want_r);
		CHECK_STREQ(err.buf, expand(cases[i].want_err, &want));
		report_case(before, i, cases[i].want_err);
		strbuf_release(&err);
		strbuf_release(&want);
		config_release(&c);
	}
}

TEST(missing_system_file_is_fine)
{
	struct config c;
	struct strbuf err = STRBUF_INIT;

	config_init_defaults(&c);
	CHECK_INTEQ(config_load(&c, "/nonexistent/create-image.conf", &err),
		    0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(config_get(&c, O_DIST), "bookworm");
	strbuf_release(&err);
	config_release(&c);
}

/*
 * A file that sets a password, and that others than its owner and root
 * may read, is named in a warning; the password itself never is.
 */
TEST(password_in_readable_file)
{
	static const struct {
		const char *sys, *file;
		mode_t mode;		/* of both files */
		const char *flags[MAX_FLAGS];
		const char *want;	/* the one warning, or NULL */
	} cases[] = {
		{ NULL, "password = s3cr3t\n", 0644, { NULL },
		  "'@FILE@' holds a password and is readable by others" },
		{ "password = s3cr3t\n", NULL, 0604, { NULL },
		  "'@SYS@' holds a password and is readable by others" },
		{ "size = 8G\n", "\n# the root password\npassword=x\n", 0644,
		  { NULL },
		  "'@FILE@' holds a password and is readable by others" },
		/* A flag replaces it, but it is in the file all the same. */
		{ NULL, "password = s3cr3t\n", 0644, { "--password", "pw" },
		  "'@FILE@' holds a password and is readable by others" },
		{ NULL, "password = s3cr3t\n", 0600, { NULL }, NULL },
		{ NULL, "password = s3cr3t\n", 0640, { NULL }, NULL },
		{ NULL, "size = 8G\n", 0644, { NULL }, NULL },
		{ NULL, "password =\n", 0644, { NULL }, NULL },
		{ NULL, NULL, 0644, { "--password", "pw" }, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;
		struct config c;

		/* Group-readable is fine for root's group only, which our
		 * files have when we are root. */
		if ((cases[i].mode & 044) == 040 && getegid() != 0)
			continue;
		setup_tmpdir();
		(void)unlink(sys_path.buf);
		(void)unlink(file_path.buf);
		if (cases[i].sys &&
		    write_string(sys_path.buf, cases[i].sys, cases[i].mode) < 0)
			abort();
		if (cases[i].file &&
		    write_string(file_path.buf, cases[i].file,
				 cases[i].mode) < 0)
			abort();
		{
			const char *argv[2 * MAX_FLAGS] = { "create-image" };
			int argc = 1;

			if (cases[i].file) {
				argv[argc++] = "--config";
				argv[argc++] = file_path.buf;
			}
			for (size_t k = 0; k < MAX_FLAGS && cases[i].flags[k];
			     k++)
				argv[argc++] = cases[i].flags[k];
			config_init_defaults(&c);
			CHECK_INTEQ(config_parse_argv(&c, argc, (char **)argv,
						      &err), 0);
			CHECK_INTEQ(config_load(&c, cases[i].sys ?
						sys_path.buf : NULL, &err), 0);
		}
		CHECK_STREQ(err.buf, "");
		CHECK_INTEQ(c.warnings.nr, cases[i].want ? 1 : 0);
		if (cases[i].want && c.warnings.nr)
			CHECK_STREQ(c.warnings.v[0],
				    expand(cases[i].want, &want));
		for (size_t k = 0; k < c.warnings.nr; k++)
			CHECK(!strstr(c.warnings.v[k], "s3cr3t"));
		report_case(before, i, cases[i].file ? cases[i].file :
			    cases[i].sys ? cases[i].sys : "flags");
		config_release(&c);
		strbuf_release(&err);
		strbuf_release(&want);
	}
}

/* ---- list settings ---- */

TEST(lists)
{
	static const struct {
		const char *sys, *file;
		const char *flags[MAX_FLAGS];
		enum opt_id id;
		const char *want;	/* joined by single spaces */
		const char *want_origin;
	} cases[] = {
		{ NULL, NULL, { NULL }, O_IP, "", "built-in default" },
		{ NULL, NULL, { "--ip", "10.0.0.1/24" }, O_IP, "10.0.0.1/24",
		  "--ip" },
		{ NULL, NULL, { "--ip", "10.0.0.1", "--ip=10.0.0.2" }, O_IP,
		  "10.0.0.1 10.0.0.2", "--ip" },
		{ NULL, NULL, { "--nameserver", "1.1.1.1,8.8.8.8 9.9.9.9" },
		  O_NAMESERVER, "1.1.1.1 8.8.8.8 9.9.9.9", "--nameserver" },
		{ NULL, NULL, { "--role", "a,,b", "--role", " c " }, O_ROLE,
		  "a b c", "--role" },
		{ NULL, "ip = 10.0.0.1, 10.0.0.2\nip = 10.0.0.3", { NULL },
		  O_IP, "10.0.0.1 10.0.0.2 10.0.0.3", "@FILE@:2" },
		{ NULL, "nameserver = 1.1.1.1\t8.8.8.8", { NULL },
		  O_NAMESERVER, "1.1.1.1 8.8.8.8", "@FILE@:1" },
		{ NULL, "ip = 10.0.0.1 \\\n     10.0.0.2", { NULL }, O_IP,
		  "10.0.0.1 10.0.0.2", "@FILE@:1" },
		/* A higher layer replaces a lower one's list. */
		{ "nameserver = 1.1.1.1 8.8.8.8", "nameserver = 9.9.9.9",
		  { NULL }, O_NAMESERVER, "9.9.9.9", "@FILE@:1" },
		{ "role = a,b", NULL, { "--role", "c" }, O_ROLE, "c",
		  "--role" },
		{ "role = x y", "role = a", { NULL }, O_ROLE, "a",
		  "@FILE@:1" },
		{ "role = x", "role = a\nrole = b", { "--role", "c",
						      "--role", "d" },
		  O_ROLE, "c d", "--role" },
		{ "role = x", "role = a\nrole = b", { NULL }, O_ROLE, "a b",
		  "@FILE@:2" },
		/* An empty value in a higher layer empties the list. */
		{ "nameserver = 1.1.1.1", "nameserver =", { NULL },
		  O_NAMESERVER, "", "@FILE@:1" },
		{ "ip = 10.0.0.1/24", NULL, { "--ip=" }, O_IP, "", "--ip" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		struct strbuf got = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(load(&c, cases[i].sys, cases[i].file,
				 cases[i].flags, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK_STREQ(text_of(&c, cases[i].id, &got), cases[i].want);
		CHECK_STREQ(config_origin(&c, cases[i].id),
			    expand(cases[i].want_origin, &want));
		report_case(before, i, cases[i].want);
		strbuf_release(&err);
		strbuf_release(&want);
		strbuf_release(&got);
		config_release(&c);
	}
}

/* ---- conflicting settings ---- */

struct expect {
	enum opt_id id;
	const char *want;	/* NULL: no value; lists joined by spaces */
	int want_set;
};

TEST(conflicts)
{
	static const struct {
		const char *sys, *file;
		const char *flags[MAX_FLAGS];
		struct expect a, b;
	} cases[] = {
		/* A later layer replaces the other setting from earlier
		 * layers; it is back to its default and counts as unset. */
		{ NULL, "dhcp = 1", { "--ip", "10.0.0.5/24" },
		  { O_DHCP, "1", 0 }, { O_IP, "10.0.0.5/24", 1 } },
		{ "dhcp = 1", "ip = 10.0.0.5/24", { NULL },
		  { O_DHCP, "1", 0 }, { O_IP, "10.0.0.5/24", 1 } },
		{ "dhcp = 0", NULL, { "--ip", "10.0.0.5/24" },
		  { O_DHCP, "1", 0 }, { O_IP, "10.0.0.5/24", 1 } },
		{ NULL, "ip = 10.0.0.5/24", { "--dhcp" },
		  { O_DHCP, "1", 1 }, { O_IP, "", 0 } },
		{ "ip = 10.0.0.5/24 10.0.0.6/24", "dhcp = yes", { NULL },
		  { O_DHCP, "yes", 1 }, { O_IP, "", 0 } },
		{ NULL, "password = secret", { "--genpass" },
		  { O_GENPASS, "1", 1 }, { O_PASSWORD, NULL, 0 } },
		{ NULL, "genpass = 1", { "--password", "secret" },
		  { O_GENPASS, "1", 0 }, { O_PASSWORD, "secret", 1 } },
		{ NULL, "randommac = 1", { "--mac", "00:16:3e:00:00:01" },
		  { O_RANDOMMAC, "0", 0 },
		  { O_MAC, "00:16:3e:00:00:01", 1 } },
		{ "mac = 00:16:3e:00:00:01", NULL, { "--randommac" },
		  { O_RANDOMMAC, "1", 1 }, { O_MAC, NULL, 0 } },
		/* Turning a setting off does not replace its partner. */
		{ NULL, "ip = 10.0.0.5/24", { "--nodhcp" },
		  { O_DHCP, "0", 1 }, { O_IP, "10.0.0.5/24", 1 } },
		{ NULL, "password = secret", { "--nogenpass" },
		  { O_GENPASS, "0", 1 }, { O_PASSWORD, "secret", 1 } },
		/* An empty value turns nothing on either. */
		{ NULL, "dhcp = 1", { "--ip=" },
		  { O_DHCP, "1", 1 }, { O_IP, "", 1 } },
		/* In one layer, both are fine if the one is turned off. */
		{ NULL, NULL, { "--nodhcp", "--ip", "10.0.0.5/24" },
		  { O_DHCP, "0", 1 }, { O_IP, "10.0.0.5/24", 1 } },
		{ NULL, NULL, { "--ip", "10.0.0.5/24", "--no-dhcp" },
		  { O_DHCP, "0", 1 }, { O_IP, "10.0.0.5/24", 1 } },
		{ NULL, NULL, { "--dhcp=0", "--ip", "10.0.0.5/24" },
		  { O_DHCP, "0", 1 }, { O_IP, "10.0.0.5/24", 1 } },
		{ NULL, NULL, { "--nogenpass", "--password", "x" },
		  { O_GENPASS, "0", 1 }, { O_PASSWORD, "x", 1 } },
		{ NULL, NULL, { "--norandommac", "--mac", "00:16:3e:00:00:01" },
		  { O_RANDOMMAC, "0", 1 },
		  { O_MAC, "00:16:3e:00:00:01", 1 } },
		{ NULL, "dhcp = no\nip = 10.0.0.5/24", { NULL },
		  { O_DHCP, "no", 1 }, { O_IP, "10.0.0.5/24", 1 } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(load(&c, cases[i].sys, cases[i].file,
				 cases[i].flags, &err), 0);
		CHECK_STREQ(err.buf, "");
		for (size_t j = 0; j < 2; j++) {
			const struct expect *e = j ? &cases[i].b : &cases[i].a;

			CHECK_STREQ_NULL(text_of(&c, e->id, &got), e->want);
			CHECK_INTEQ(config_is_set(&c, e->id), e->want_set);
		}
		report_case(before, i, cases[i].flags[0] ? cases[i].flags[0] :
			    cases[i].file ? cases[i].file : cases[i].sys);
		strbuf_release(&err);
		strbuf_release(&got);
		config_release(&c);
	}
}

/* Both of two conflicting settings in one layer. */
TEST(conflict_errors)
{
	static const struct {
		const char *sys, *file;
		const char *flags[MAX_FLAGS];
		const char *want_err;
	} cases[] = {
		{ NULL, NULL, { "--dhcp", "--ip", "10.0.0.5/24" },
		  "--ip: 'ip' cannot be combined with 'dhcp' (--dhcp)" },
		{ NULL, NULL, { "--ip", "10.0.0.5/24", "--dhcp" },
		  "--dhcp: 'dhcp' cannot be combined with 'ip' (--ip)" },
		{ NULL, NULL, { "--dhcp=yes", "--ip", "10.0.0.5/24" },
		  "--ip: 'ip' cannot be combined with 'dhcp' (--dhcp)" },
		{ NULL, NULL, { "--genpass", "--password", "x" },
		  "--password: 'password' cannot be combined with 'genpass' "
		  "(--genpass)" },
		{ NULL, NULL, { "--password", "x", "--genpass" },
		  "--genpass: 'genpass' cannot be combined with 'password' "
		  "(--password)" },
		{ NULL, NULL, { "--mac", "00:16:3e:00:00:01", "--randommac" },
		  "--randommac: 'randommac' cannot be combined with "
		  "'mac' (--mac)" },
		{ NULL, NULL, { "--randommac", "--mac", "00:16:3e:00:00:01" },
		  "--mac: 'mac' cannot be combined with 'randommac' "
		  "(--randommac)" },
		{ NULL, "dhcp = 1\nip = 10.0.0.5/24", { NULL },
		  "@FILE@:2: 'ip' cannot be combined with 'dhcp' (@FILE@:1)" },
		{ "ip = 10.0.0.5/24\ndhcp = 1", NULL, { NULL },
		  "@SYS@:2: 'dhcp' cannot be combined with 'ip' (@SYS@:1)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(load(&c, cases[i].sys, cases[i].file,
				 cases[i].flags, &err), -EINVAL);
		CHECK_STREQ(err.buf, expand(cases[i].want_err, &want));
		report_case(before, i, cases[i].want_err);
		strbuf_release(&err);
		strbuf_release(&want);
		config_release(&c);
	}
}

/* ---- --dumpconfig ---- */

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(dump)
{
	static const char *const flags[] = { "--password", "s3cr3t-pw",
					     "--hostname", "web1",
					     "--dry-run", NULL };
	struct config c;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	int settings = 0;

	for (size_t i = 0; i < _O_MAX; i++)
		settings += !(option_defs[i].flags & OPT_CLI_ONLY);

	CHECK_INTEQ(load(&c, "nameserver = 1.1.1.1,8.8.8.8", NULL, flags,
			 &err), 0);
	config_dump(&c, &out);
	CHECK(!strstr(out.buf, "s3cr3t"));
	CHECK(strstr(out.buf, "\npassword         = (hidden)"
				"                       # --password\n"));
	CHECK(strstr(out.buf, "\nhostname         = web1"
				"                           # --hostname\n"));
	CHECK(strstr(out.buf, "\nsize             = 4G"
				"                             "
				"# built-in default\n"));
	strbuf_addf(&want, "\nnameserver       = 1.1.1.1 8.8.8.8"
			   "                # %s:1\n", sys_path.buf);
	CHECK(strstr(out.buf, want.buf));
	CHECK(!strncmp(out.buf, "accounts         = ", 19));
	/* Settings a file cannot hold are not listed. */
	CHECK(!strstr(out.buf, "\nconfig "));
	CHECK(!strstr(out.buf, "\nhelp "));
	CHECK(!strstr(out.buf, "\ndry-run "));
	CHECK_INTEQ(count_lines(out.buf), settings);
	config_release(&c);

	/* An unset password is not claimed to be hidden. */
	strbuf_reset(&out);
	CHECK_INTEQ(load(&c, NULL, NULL, NULL, &err), 0);
	config_dump(&c, &out);
	CHECK(strstr(out.buf, "\npassword         = "
				"                               "
				"# built-in default\n"));
	CHECK(!strstr(out.buf, "(hidden)"));
	CHECK_STREQ(err.buf, "");
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&want);
	config_release(&c);
}

/* ---- xen-tools configuration files ---- */

/* The setting lines of Debian's stock /etc/xen-tools/xen-tools.conf, with
 * a few of its comments, laid out as there. */
static const char xen_tools_excerpt[] =
	"##\n"
	"#  /etc/xen-tools/xen-tools.conf\n"
	"##\n"
	"# dir = /home/xen\n"
	"# lvm = vg0\n"
	"install-method = debootstrap\n"
	"size   = 4G       # Root disk, suffix (G, M, k) required\n"
	"memory = 256M     # Suffix (G, M, k) required\n"
	"#maxmem = 2G      # Suffix (G, M, k) optional\n"
	"swap   = 512M     # Suffix (G, M, k) required\n"
	"# noswap = 1      # Don't use swap at all for new systems.\n"
	"fs     = ext4     # Default file system for any disk\n"
	"dist   = `xt-guess-suite-and-mirror --suite`\n"
	"                  # Default distribution is determined by Dom0's "
	"distribution\n"
	"image  = sparse   # Specify sparse vs. full disk images (file based "
	"images only)\n"
	"# gateway    = 192.168.1.1\n"
	"# genpass_len = 8\n"
	"kernel = /boot/vmlinuz-`uname -r`\n"
	"initrd = /boot/initrd.img-`uname -r`\n"
	"# mirror = `xt-guess-suite-and-mirror --mirror`\n"
	"# apt_proxy =\n"
	"ext4_options     = noatime,nodiratime,errors=remount-ro\n"
	"ext3_options     = noatime,nodiratime,errors=remount-ro\n"
	"ext2_options     = noatime,nodiratime,errors=remount-ro\n"
	"xfs_options      = defaults\n"
	"reiserfs_options = defaults\n"
	"btrfs_options    = defaults\n"
	"# nohosts = 0 # default\n";

/* The 1-based number of the line of text starting with prefix, or 0. */
static int line_of(const char *text, const char *prefix)
{
	int line = 1;

	for (const char *p = text; *p; line++) {
		if (!strncmp(p, prefix, strlen(prefix)))
			return line;
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
	return 0;
}

/* Load text as the --config file; check what xen-tools.conf gives. */
static void check_xen_tools_conf(const char *text)
{
	static const struct {
		enum opt_id id;
		const char *want, *line;	/* line: NULL for default */
	} want[] = {
		{ O_INSTALL_METHOD, "debootstrap", "install-method" },
		{ O_SIZE, "4G", "size " },
		{ O_MEMORY, "256M", "memory " },
		{ O_SWAP, "512M", "swap " },
		{ O_FS, "ext4", "fs " },
		{ O_IMAGE, "sparse", "image " },
		{ O_EXT4_OPTIONS, "noatime,nodiratime,errors=remount-ro",
		  "ext4_options" },
		{ O_EXT2_OPTIONS, "noatime,nodiratime,errors=remount-ro",
		  "ext2_options" },
		{ O_XFS_OPTIONS, "defaults", "xfs_options" },
		{ O_REISERFS_OPTIONS, "defaults", "reiserfs_options" },
		{ O_BTRFS_OPTIONS, "defaults", "btrfs_options" },
		{ O_DIST, "bookworm", NULL },
		{ O_KERNEL, NULL, NULL },
		{ O_INITRD, NULL, NULL },
		{ O_MAXMEM, NULL, NULL },
		{ O_NOSWAP, "0", NULL },
		{ O_DIR, "/srv/xen", NULL },
		{ O_GENPASS_LEN, "20", NULL },
	};
	static const char *const warned[] = { "dist", "kernel", "initrd" };
	static const char *const flags[] = { "--hostname", "web1", NULL };
	struct config c;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;

	CHECK_INTEQ(load(&c, NULL, text, flags, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(c.warnings.nr, 3);
	for (size_t i = 0; i < ARRAY_SIZE(warned) && i < c.warnings.nr;
	     i++) {
		int before = unit_failed_checks;

		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s:%d: '%s': value in backticks",
			    file_path.buf, line_of(text, warned[i]),
			    warned[i]);
		CHECK(!strncmp(c.warnings.v[i], sb.buf, sb.len));
		report_case(before, i, c.warnings.v[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		int before = unit_failed_checks;

		CHECK_STREQ_NULL(config_get(&c, want[i].id), want[i].want);
		strbuf_reset(&sb);
		if (want[i].line)
			strbuf_addf(&sb, "%s:%d", file_path.buf,
				    line_of(text, want[i].line));
		else
			strbuf_addstr(&sb, "built-in default");
		CHECK_STREQ(config_origin(&c, want[i].id), sb.buf);
		report_case(before, i, option_defs[want[i].id].name);
	}
	CHECK_STREQ(config_get(&c, O_HOSTNAME), "web1");
	strbuf_release(&err);
	strbuf_release(&sb);
	config_release(&c);
}

TEST(xen_tools_conf_excerpt)
{
	check_xen_tools_conf(xen_tools_excerpt);
}

/* The stock file itself, when this host has xen-tools installed. */
TEST(xen_tools_conf_stock)
{
	struct strbuf text = STRBUF_INIT;

	if (strbuf_read_file(&text, STOCK_CONF) < 0) {
		fprintf(stderr, "# skipped: no %s\n", STOCK_CONF);
		strbuf_release(&text);
		return;
	}
	check_xen_tools_conf(text.buf);
	strbuf_release(&text);
}

/* ---- config_set(), config_set_list() and the guest layer ---- */

/* One call: config_set_list() when list[0] or empty_list, else
 * config_set(). */
struct set_step {
	enum config_layer layer;
	const char *key, *value;
	const char *list[4];
	int empty_list;
	const char *origin;
};

#define MAX_STEPS 4

static int run_steps(struct config *c, const struct set_step *steps,
		     struct strbuf *err)
{
	int r = 0;

	config_init_defaults(c);
	for (size_t i = 0; i < MAX_STEPS && steps[i].key && !r; i++) {
		const struct set_step *s = &steps[i];
		const struct option_def *def = option_find(s->key);

		if (s->list[0] || s->empty_list) {
			struct strvec l = STRVEC_INIT;

			for (size_t j = 0; j < 4 && s->list[j]; j++)
				strvec_push(&l, s->list[j]);
			r = config_set_list(c, def, &l, s->origin, s->layer,
					    err);
			strvec_clear(&l);
		} else {
			r = config_set(c, def, s->value, s->origin, s->layer,
				       err);
		}
	}
	return r;
}

/* A list's elements joined by '|', so a split element shows. */
static const char *elements_of(const struct config *c, enum opt_id id,
			       struct strbuf *sb)
{
	const struct strvec *l = config_get_list(c, id);

	strbuf_reset(sb);
	for (size_t i = 0; i < l->nr; i++)
		strbuf_addf(sb, "%s%s", i ? "|" : "", l->v[i]);
	return sb->buf;
}

TEST(set_layers)
{
	static const struct {
		struct set_step steps[MAX_STEPS];
		enum opt_id id;
		const char *want;	/* a list's elements joined by '|' */
		const char *want_origin;
		int want_set;
	} cases[] = {
		{ { { LAYER_GUEST, "size", "8G", { NULL }, 0, "f:3" } },
		  O_SIZE, "8G", "f:3", 1 },
		{ { { LAYER_GUEST, "genpass_len", "12", { NULL }, 0, "f:3" } },
		  O_GENPASS_LEN, "12", "f:3", 1 },
		{ { { LAYER_FILE, "size", "8G", { NULL }, 0, "f:1" },
		    { LAYER_GUEST, "size", "16G", { NULL }, 0, "f:5" } },
		  O_SIZE, "16G", "f:5", 1 },
		{ { { LAYER_GUEST, "size", "16G", { NULL }, 0, "f:5" },
		    { LAYER_FLAGS, "size", "32G", { NULL }, 0, "--size" } },
		  O_SIZE, "32G", "--size", 1 },
		/* Applied out of order, a lower layer still loses. */
		{ { { LAYER_FLAGS, "size", "32G", { NULL }, 0, "--size" },
		    { LAYER_GUEST, "size", "16G", { NULL }, 0, "f:5" },
		    { LAYER_FILE, "size", "8G", { NULL }, 0, "f:1" } },
		  O_SIZE, "32G", "--size", 1 },
		{ { { LAYER_GUEST, "size", "16G", { NULL }, 0, "f:5" },
		    { LAYER_FILE, "size", "8G", { NULL }, 0, "f:1" } },
		  O_SIZE, "16G", "f:5", 1 },
		{ { { LAYER_GUEST, "size", "16G", { NULL }, 0, "f:5" },
		    { LAYER_GUEST, "size", "20G", { NULL }, 0, "f:6" } },
		  O_SIZE, "20G", "f:6", 1 },
		/* Lists: elements as given, never split. */
		{ { { LAYER_GUEST, "role", NULL, { "a b", "c,d" }, 0,
		      "f:2" } },
		  O_ROLE, "a b|c,d", "f:2", 1 },
		{ { { LAYER_FILE, "nameserver", NULL, { "1.1.1.1" }, 0, "f:1" },
		    { LAYER_GUEST, "nameserver", NULL,
		      { "8.8.8.8", "9.9.9.9" }, 0, "f:4" } },
		  O_NAMESERVER, "8.8.8.8|9.9.9.9", "f:4", 1 },
		{ { { LAYER_GUEST, "role", NULL, { "a" }, 0, "f:2" },
		    { LAYER_GUEST, "role", NULL, { "b" }, 0, "f:3" } },
		  O_ROLE, "a|b", "f:3", 1 },
		{ { { LAYER_FILE, "role", NULL, { "a" }, 0, "f:2" },
		    { LAYER_GUEST, "role", NULL, { NULL }, 1, "f:3" } },
		  O_ROLE, "", "f:3", 1 },
		{ { { LAYER_FLAGS, "role", "x", { NULL }, 0, "--role" },
		    { LAYER_GUEST, "role", NULL, { "a" }, 0, "f:3" } },
		  O_ROLE, "x", "--role", 1 },
		/* config_set() splits a list as a file does. */
		{ { { LAYER_GUEST, "role", "a,b c", { NULL }, 0, "f:2" } },
		  O_ROLE, "a|b|c", "f:2", 1 },
		/* The guest layer replaces conflicting lower settings. */
		{ { { LAYER_FILE, "dhcp", "1", { NULL }, 0, "f:1" },
		    { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" } },
		  O_DHCP, "1", "built-in default", 0 },
		{ { { LAYER_FILE, "dhcp", "1", { NULL }, 0, "f:1" },
		    { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" } },
		  O_IP, "10.0.0.5/24", "f:4", 1 },
		{ { { LAYER_FILE, "ip", NULL, { "10.0.0.5/24" }, 0, "f:1" },
		    { LAYER_GUEST, "dhcp", "1", { NULL }, 0, "f:4" } },
		  O_IP, "", "built-in default", 0 },
		{ { { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" },
		    { LAYER_FLAGS, "dhcp", "1", { NULL }, 0, "--dhcp" } },
		  O_IP, "", "built-in default", 0 },
		/* ... and out of order, a lower one that a higher conflicting
		 * setting would have replaced is dropped. */
		{ { { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" },
		    { LAYER_FILE, "dhcp", "1", { NULL }, 0, "f:1" } },
		  O_DHCP, "1", "built-in default", 0 },
		{ { { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" },
		    { LAYER_FILE, "dhcp", "1", { NULL }, 0, "f:1" } },
		  O_IP, "10.0.0.5/24", "f:4", 1 },
		{ { { LAYER_FLAGS, "ip", "10.0.0.5/24", { NULL }, 0, "--ip" },
		    { LAYER_GUEST, "dhcp", "0", { NULL }, 0, "f:2" } },
		  O_DHCP, "1", "built-in default", 0 },
		{ { { LAYER_FLAGS, "mac", "00:16:3e:00:00:01", { NULL }, 0,
		      "--mac" },
		    { LAYER_FILE, "randommac", "1", { NULL }, 0, "f:2" } },
		  O_RANDOMMAC, "0", "built-in default", 0 },
		/* A higher setting turned off replaces nothing. */
		{ { { LAYER_FLAGS, "dhcp", "0", { NULL }, 0, "--nodhcp" },
		    { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" } },
		  O_IP, "10.0.0.5/24", "f:4", 1 },
		{ { { LAYER_FLAGS, "dhcp", "0", { NULL }, 0, "--nodhcp" },
		    { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:4" } },
		  O_DHCP, "0", "--nodhcp", 1 },
		/* Neither does an empty list. */
		{ { { LAYER_FILE, "dhcp", "1", { NULL }, 0, "f:1" },
		    { LAYER_GUEST, "ip", NULL, { NULL }, 1, "f:4" } },
		  O_DHCP, "1", "f:1", 1 },
		{ { { LAYER_GUEST, "dhcp", "1", { NULL }, 0, "f:1" },
		    { LAYER_GUEST, "ip", NULL, { NULL }, 1, "f:4" } },
		  O_IP, "", "f:4", 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		int before = unit_failed_checks;
		enum opt_id id = cases[i].id;

		CHECK_INTEQ(run_steps(&c, cases[i].steps, &err), 0);
		CHECK_STREQ(err.buf, "");
		if (option_defs[id].type == OPT_LIST)
			CHECK_STREQ(elements_of(&c, id, &got), cases[i].want);
		else
			CHECK_STREQ(config_get(&c, id), cases[i].want);
		CHECK_STREQ(config_origin(&c, id), cases[i].want_origin);
		CHECK_INTEQ(config_is_set(&c, id), cases[i].want_set);
		report_case(before, i, option_defs[id].name);
		strbuf_release(&err);
		strbuf_release(&got);
		config_release(&c);
	}
}

TEST(set_errors)
{
	static const struct {
		struct set_step steps[MAX_STEPS];
		const char *want_err;
	} cases[] = {
		{ { { LAYER_GUEST, "size", "big", { NULL }, 0, "f:4" } },
		  "f:4: invalid size 'big' for 'size'" },
		{ { { LAYER_GUEST, "dhcp", "maybe", { NULL }, 0, "f:2" } },
		  "f:2: invalid boolean 'maybe' for 'dhcp'" },
		{ { { LAYER_FILE, "vcpus", "-1", { NULL }, 0, "f:2" } },
		  "f:2: invalid number '-1' for 'vcpus'" },
		/* Checked even when a higher layer has the setting. */
		{ { { LAYER_FLAGS, "size", "32G", { NULL }, 0, "--size" },
		    { LAYER_GUEST, "size", "big", { NULL }, 0, "f:4" } },
		  "f:4: invalid size 'big' for 'size'" },
		{ { { LAYER_GUEST, "size", NULL, { "8G" }, 0, "f:1" } },
		  "f:1: 'size' takes one value, not a list" },
		{ { { LAYER_GUEST, "dhcp", "1", { NULL }, 0, "f:2" },
		    { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:3" } },
		  "f:3: 'ip' cannot be combined with 'dhcp' (f:2)" },
		{ { { LAYER_GUEST, "ip", NULL, { "10.0.0.5/24" }, 0, "f:2" },
		    { LAYER_GUEST, "dhcp", "yes", { NULL }, 0, "f:3" } },
		  "f:3: 'dhcp' cannot be combined with 'ip' (f:2)" },
		{ { { LAYER_FILE, "dhcp", "1", { NULL }, 0, "f:1" },
		    { LAYER_GUEST, "mac", "00:16:3e:00:00:01", { NULL }, 0,
		      "f:2" },
		    { LAYER_GUEST, "randommac", "1", { NULL }, 0, "f:3" } },
		  "f:3: 'randommac' cannot be combined with 'mac' (f:2)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config c;
		struct strbuf err = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(run_steps(&c, cases[i].steps, &err), -EINVAL);
		CHECK_STREQ(err.buf, cases[i].want_err);
		report_case(before, i, cases[i].want_err);
		strbuf_release(&err);
		config_release(&c);
	}
}

/* The guest layer under real flags and files, set after config_load()
 * applied them. */
TEST(guest_layer_after_load)
{
	static const char *const flags[] = { "--size", "32G", "--ip",
					     "10.0.0.9/24", NULL };
	struct config c;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;

	CHECK_INTEQ(load(&c, "memory = 1G\nvcpus = 2", NULL, flags, &err), 0);
	CHECK_INTEQ(config_set(&c, option_find("memory"), "2G", "f:3",
			       LAYER_FILE, &err), 0);
	CHECK_INTEQ(config_set(&c, option_find("memory"), "4G", "f:7",
			       LAYER_GUEST, &err), 0);
	CHECK_INTEQ(config_set(&c, option_find("size"), "8G", "f:8",
			       LAYER_GUEST, &err), 0);
	CHECK_INTEQ(config_set(&c, option_find("dhcp"), "1", "f:9",
			       LAYER_GUEST, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(config_get(&c, O_MEMORY), "4G");
	CHECK_STREQ(config_origin(&c, O_MEMORY), "f:7");
	CHECK_STREQ(config_get(&c, O_SIZE), "32G");
	CHECK_STREQ(config_origin(&c, O_SIZE), "--size");
	CHECK_STREQ(config_get(&c, O_VCPUS), "2");
	CHECK_STREQ(config_origin(&c, O_VCPUS), expand("@SYS@:2", &want));
	CHECK_INTEQ(config_is_set(&c, O_DHCP), 0);
	CHECK_INTEQ(config_get_list(&c, O_IP)->nr, 1);
	strbuf_release(&err);
	strbuf_release(&want);
	config_release(&c);
}
