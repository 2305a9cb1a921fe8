/* xlcfg.c: see xlcfg.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "macros.h"
#include "net.h"
#include "parse.h"
#include "strbuf.h"
#include "strvec.h"
#include "xlcfg.h"
#include "banned.h"

struct check {
	const char *name;
	XLU_Config *cfg;
	/* libxlutil reports problems only as text on a FILE; keep it. */
	FILE *report;
	char *text;
	size_t len;
	struct strbuf *err;
};

/* Where the report ends now, so a later failure can find its own message. */
static size_t report_mark(struct check *c)
{
	fflush(c->report);
	return c->len;
}

/*
 * The first line libxlutil reported since mark, appended to sb; 0 if it
 * said nothing. With strip_name, the leading "name: " is dropped, for use
 * after a prefix of our own. Its getters call a bad value a "warning"
 * because xl carries on with a default; here it is an error, so say so.
 */
static int report_line(struct check *c, size_t mark, int strip_name,
		       struct strbuf *sb)
{
	const char *p, *eol, *warn;
	size_t nlen = strlen(c->name);

	fflush(c->report);
	if (!c->text || mark >= c->len)
		return 0;
	p = c->text + mark;
	eol = strchrnul(p, '\n');
	if (strip_name && (size_t)(eol - p) > nlen + 2 &&
	    !strncmp(p, c->name, nlen) && !strncmp(p + nlen, ": ", 2))
		p += nlen + 2;
	warn = memmem(p, (size_t)(eol - p), ": warning: ", 11);
	if (warn) {
		strbuf_add(sb, p, (size_t)(warn - p) + 2);
		p = warn + 11;
	}
	strbuf_add(sb, p, (size_t)(eol - p));
	return 1;
}

static int vfail(struct check *c, const char *fmt, va_list ap)
{
	if (c->err) {
		strbuf_addf(c->err, "%s: ", c->name);
		strbuf_vaddf(c->err, fmt, ap);
	}
	return -EINVAL;
}

static int fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct check *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * A failed libxlutil call (errno value e): its own message if it printed
 * one, since that carries the file and line; otherwise "name: fmt...".
 */
static int xlu_fail(struct check *c, size_t mark, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int xlu_fail(struct check *c, size_t mark, int e, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	va_list ap;
	int r;

	if (e == ENOMEM)
		return -ENOMEM;
	if (report_line(c, mark, 0, &line) && line.len) {
		if (c->err)
			strbuf_add(c->err, line.buf, line.len);
		return -EINVAL;
	}
	va_start(ap, fmt);
	r = vfail(c, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * "name: prefix: <what libxlutil said>", for a failure inside one list
 * entry, where the entry must be named for the message to be any use.
 */
static int entry_fail(struct check *c, size_t mark, int e,
		      const char *prefix)
{
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;

	if (e == ENOMEM)
		return -ENOMEM;
	if (!report_line(c, mark, 1, &line) || !line.len)
		strbuf_addstr(&line, "invalid");
	return fail(c, "%s: %s", prefix, line.buf);
}

/* 0, -ESRCH if key is not set, or -EINVAL (reported) if it is no string. */
static int get_string(struct check *c, const char *key, const char **ret)
{
	size_t mark = report_mark(c);
	int e = xlu_cfg_get_string(c->cfg, key, ret, 0);

	if (e == ESRCH)
		return -ESRCH;
	if (e)
		return xlu_fail(c, mark, e, "'%s' is not a string", key);
	return 0;
}

static int get_long(struct check *c, const char *key, long *ret)
{
	size_t mark = report_mark(c);
	int e = xlu_cfg_get_long(c->cfg, key, ret, 0);

	if (e == ESRCH)
		return -ESRCH;
	if (e)
		return xlu_fail(c, mark, e, "'%s' is not a number", key);
	return 0;
}

static int check_name(struct check *c)
{
	const char *name;
	int r = get_string(c, "name", &name);

	if (r == -ESRCH)
		return fail(c, "'name' is not set");
	if (r < 0)
		return r;
	/* The domain name doubles as the guest's host name. */
	if (hostname_valid(name) < 0)
		return fail(c, "name '%s' is not a valid host name", name);
	return 0;
}

static int check_resources(struct check *c)
{
	long memory, maxmem, vcpus;
	int r = get_long(c, "memory", &memory);

	if (r == -ESRCH)
		return fail(c, "'memory' is not set");
	if (r < 0)
		return r;
	if (memory <= 0)
		return fail(c, "memory %ld is not greater than 0", memory);

	r = get_long(c, "maxmem", &maxmem);
	if (r < 0 && r != -ESRCH)
		return r;
	if (!r && maxmem < memory)
		return fail(c, "maxmem %ld is less than memory %ld", maxmem,
			    memory);

	r = get_long(c, "vcpus", &vcpus);
	if (r < 0 && r != -ESRCH)
		return r;
	if (!r && vcpus < 1)
		return fail(c, "vcpus %ld is less than 1", vcpus);
	return 0;
}

/* 1 for an HVM guest: "type = 'hvm'", or xm's "builder = 'hvm'". */
static int is_hvm(struct check *c)
{
	const char *v;

	if (xlu_cfg_get_string(c->cfg, "type", &v, 1) == 0)
		return streq(v, "hvm");
	return xlu_cfg_get_string(c->cfg, "builder", &v, 1) == 0 &&
	       streq(v, "hvm");
}

/*
 * An HVM guest's firmware boots its disks by itself: it needs neither a
 * bootloader nor a kernel, but its boot order must name devices it has
 * (a: floppy, c: the first disk, d: CD-ROM, n: network), and its
 * firmware must be one xl knows.
 */
static int check_hvm_boot(struct check *c)
{
	static const char *const bioses[] = { "rombios", "seabios", "ovmf" };
	const char *v;
	int r = get_string(c, "boot", &v);

	if (r < 0 && r != -ESRCH)
		return r;
	if (!r && (!*v || v[strspn(v, "acdn")]))
		return fail(c, "boot '%s' is not a boot order of a, c, d and "
			    "n", v);
	r = get_string(c, "bios", &v);
	if (r < 0 && r != -ESRCH)
		return r;
	if (!r) {
		for (size_t i = 0; i < ARRAY_SIZE(bioses); i++)
			if (streq(v, bioses[i]))
				return 0;
		return fail(c, "bios '%s' is none of rombios, seabios and "
			    "ovmf", v);
	}
	return 0;
}

static int check_boot(struct check *c)
{
	static const char *const keys[] = { "bootloader", "kernel" };
	int found = 0;

	if (is_hvm(c))
		return check_hvm_boot(c);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v;
		int r = get_string(c, keys[i], &v);

		if (r < 0 && r != -ESRCH)
			return r;
		/* xl would try to run or load "", which cannot boot. */
		if (!r && *v)
			found = 1;
	}
	if (!found)
		return fail(c, "neither 'bootloader' nor 'kernel' is set");
	return 0;
}

/*
 * libxl turns a vdev into a device number when the domain starts
 * (libxl__device_disk_dev_number(), not exported) and refuses what it
 * cannot encode; xlu_disk_parse() accepts any string. The same rules:
 * xvdX[N] (N < 256, N not starting with 0), sdX[N] (disk < 16, N < 16),
 * hdX[N] (disk < 4, N < 64), dNpM (N < 2^20, M < 256), or a number up to
 * INT_MAX.
 *
 * The names are aliases of one another: hda, sda, xvda and d0p0 are all
 * disk 0 (Xen's vbd-interface.txt: an HVM guest sees the emulated hda
 * and, once its PV drivers unplug it, the same disk as xvda). A valid
 * name gives its key, "DISK.PART", in ret (a number stays as written).
 */
static int vdev_key(const char *v, struct strbuf *ret)
{
	static const struct {
		const char *prefix;
		unsigned max_disk, max_part;
	} kinds[] = {
		{ "xvd", 1U << 20, 256 }, { "sd", 16, 16 }, { "hd", 4, 64 },
	};
	unsigned long disk = 0, part = 0;
	const char *p;
	char *end;

	if (isdigit((unsigned char)v[0])) {
		unsigned long num;

		errno = 0;
		num = strtoul(v, &end, 0);
		if (*end || errno || num > INT_MAX)
			return 0;
		strbuf_addf(ret, "%lu", num);
		return 1;
	}
	if (v[0] == 'd' && isdigit((unsigned char)v[1])) {
		disk = strtoul(v + 1, &end, 10);
		if (*end != 'p' || !isdigit((unsigned char)end[1]))
			return 0;
		part = strtoul(end + 1, &end, 10);
		if (*end || disk >= (1UL << 20) || part >= 256)
			return 0;
		strbuf_addf(ret, "%lu.%lu", disk, part);
		return 1;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(v, kinds[i].prefix, n))
			continue;
		p = v + n;
		if (!islower((unsigned char)*p))
			return 0;
		/* Disk letters count as in bijective base 26: a..z, aa.. */
		for (; islower((unsigned char)*p) && disk < (1UL << 24); p++)
			disk = disk * 26 + (unsigned long)(*p - 'a' + 1);
		if (*p) {
			/* libxl reads no partition number starting with 0. */
			if (!isdigit((unsigned char)*p) || *p == '0')
				return 0;
			part = strtoul(p, &end, 10);
			if (*end)
				return 0;
		}
		if (disk - 1 >= kinds[i].max_disk ||
		    part >= kinds[i].max_part)
			return 0;
		strbuf_addf(ret, "%lu.%lu", disk - 1, part);
		return 1;
	}
	return 0;
}

/* vdevs holds the keys of the disks so far, names their vdevs. */
static int check_disk(struct check *c, int idx, const char *spec,
		      struct strvec *vdevs, struct strvec *names)
{
	_cleanup_strbuf_ struct strbuf key = STRBUF_INIT;
	libxl_device_disk disk;
	size_t mark = report_mark(c);
	int e, r = 0, other;

	libxl_device_disk_init(&disk);
	e = xlu_disk_parse(c->cfg, 1, &spec, &disk);
	if (e) {
		_cleanup_strbuf_ struct strbuf prefix = STRBUF_INIT;

		strbuf_addf(&prefix, "disk entry %d '%s'", idx, spec);
		r = entry_fail(c, mark, e, prefix.buf);
	} else if (!disk.vdev) {
		r = fail(c, "disk entry %d '%s': no vdev", idx, spec);
	} else if (!vdev_key(disk.vdev, &key)) {
		r = fail(c, "disk entry %d '%s': invalid vdev '%s'", idx,
			 spec, disk.vdev);
	} else if ((other = strvec_find(vdevs, key.buf)) >= 0) {
		if (streq(names->v[other], disk.vdev))
			r = fail(c, "disk entry %d '%s': vdev '%s' is already "
				 "used by disk entry %d", idx, spec, disk.vdev,
				 other + 1);
		else
			r = fail(c, "disk entry %d '%s': vdev '%s' is the "
				 "same disk as '%s' of disk entry %d", idx,
				 spec, disk.vdev, names->v[other], other + 1);
	} else {
		strvec_push(vdevs, key.buf);
		strvec_push(names, disk.vdev);
	}
	libxl_device_disk_dispose(&disk);
	return r;
}

static int check_disks(struct check *c)
{
	_cleanup_strvec_ struct strvec vdevs = STRVEC_INIT;
	_cleanup_strvec_ struct strvec names = STRVEC_INIT;
	XLU_ConfigList *list;
	size_t mark = report_mark(c);
	int n, e;

	e = xlu_cfg_get_list(c->cfg, "disk", &list, &n, 0);
	if (e == ESRCH)
		return fail(c, "'disk' is not set");
	if (e)
		return xlu_fail(c, mark, e, "'disk' is not a list");
	if (n <= 0)
		return fail(c, "'disk' is empty");
	for (int i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		int r;

		/* xl stops at the first entry that is no string: say so. */
		if (!spec)
			return fail(c, "disk entry %d is not a string", i + 1);
		r = check_disk(c, i + 1, spec, &vdevs, &names);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The vif keys xl's parse_nic_config() accepts that a guest here may use. */
static const char *const vif_keys[] = {
	"accel", "backend", "bridge", "devid", "gatewaydev", "ip", "mac",
	"model", "mtu", "rate", "script", "type", "vifname",
};

static int check_vif_value(struct check *c, const char *key,
			   const char *value, const char *prefix)
{
	unsigned long num;
	uint8_t mac[6];

	if (streq(key, "mac") && mac_parse(value, mac) < 0)
		return fail(c, "%s: invalid mac '%s'", prefix, value);
	if (streq(key, "type") && !streq(value, "vif") &&
	    !streq(value, "ioemu"))
		return fail(c, "%s: type '%s' is neither 'vif' nor 'ioemu'",
			    prefix, value);
	if ((streq(key, "devid") || streq(key, "mtu")) &&
	    parse_uint(value, INT_MAX, &num) < 0)
		return fail(c, "%s: invalid %s '%s'", prefix, key, value);
	if (streq(key, "rate")) {
		libxl_device_nic nic;
		size_t mark = report_mark(c);
		int e;

		libxl_device_nic_init(&nic);
		e = xlu_vif_parse_rate(c->cfg, value, &nic);
		libxl_device_nic_dispose(&nic);
		if (e)
			return entry_fail(c, mark, e, prefix);
	}
	return 0;
}

static int is_vif_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(vif_keys); i++)
		if (streq(key, vif_keys[i]))
			return 1;
	return 0;
}

static int check_vif(struct check *c, int idx, const char *spec)
{
	_cleanup_strvec_ struct strvec fields = STRVEC_INIT;
	_cleanup_strbuf_ struct strbuf prefix = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf key = STRBUF_INIT;

	strbuf_addf(&prefix, "vif entry %d '%s'", idx, spec);
	/*
	 * Split as xl does: at commas, dropping empty fields and leading
	 * spaces but nothing else, so "bridge=xenbr0 " keeps its blank here
	 * as it would there.
	 */
	strvec_split(&fields, spec, ",");
	for (size_t i = 0; i < fields.nr; i++) {
		const char *f = fields.v[i], *eq;
		int r;

		while (*f == ' ')
			f++;
		if (!*f)
			continue;
		eq = strchr(f, '=');
		if (!eq)
			return fail(c, "%s: '%s' is not key=value", prefix.buf,
				    f);
		strbuf_reset(&key);
		strbuf_add(&key, f, (size_t)(eq - f));
		/* xl matches "key=" exactly: "mac =" is unknown to it too. */
		if (!is_vif_key(key.buf))
			return fail(c, "%s: unknown key '%s'", prefix.buf,
				    key.buf);
		r = check_vif_value(c, key.buf, eq + 1, prefix.buf);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_vifs(struct check *c)
{
	XLU_ConfigList *list;
	size_t mark = report_mark(c);
	int n, e;

	e = xlu_cfg_get_list(c->cfg, "vif", &list, &n, 0);
	if (e == ESRCH)
		return 0;
	if (e)
		return xlu_fail(c, mark, e, "'vif' is not a list");
	for (int i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		int r;

		if (!spec)
			return fail(c, "vif entry %d is not a string", i + 1);
		r = check_vif(c, i + 1, spec);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * xm-era keys that xl accepts and ignores without a word. A config that
 * still relies on one will not give the guest what it asks for.
 */
static int check_obsolete(struct check *c)
{
	const char *v;

	if (xlu_cfg_get_string(c->cfg, "dhcp", &v, 1) != ESRCH)
		return fail(c, "'dhcp' is an xm option that xl ignores; "
			    "configure DHCP inside the guest");
	return 0;
}

static int check_config(struct check *c)
{
	static int (*const checks[])(struct check *) = {
		check_name, check_resources, check_boot, check_disks,
		check_vifs, check_obsolete,
	};

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		int r = checks[i](c);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Config strings may hold escaped control characters; callers print err
 * as one line, so none may survive into it.
 */
static void sanitize_line(struct strbuf *sb, size_t from)
{
	for (size_t i = from; i < sb->len; i++)
		if (iscntrl((unsigned char)sb->buf[i]))
			sb->buf[i] = '?';
}

int xlcfg_check_data(const char *data, size_t len, const char *name,
		     struct strbuf *err)
{
	struct check c = { .name = name ? name : "xl.cfg", .err = err };
	size_t start = err ? err->len : 0;
	int r, e;

	if (len > INT_MAX)
		return fail(&c, "file too large");
	c.report = open_memstream(&c.text, &c.len);
	if (!c.report)
		return -errno;
	c.cfg = xlu_cfg_init(c.report, c.name);
	if (!c.cfg) {
		r = -ENOMEM;
		goto out;
	}
	e = xlu_cfg_readdata(c.cfg, data, (int)len);
	if (e)
		r = xlu_fail(&c, 0, e, "cannot parse");
	else
		r = check_config(&c);
out:
	/* The config writes to the report until it is destroyed. */
	if (c.cfg)
		xlu_cfg_destroy(c.cfg);
	fclose(c.report);
	free(c.text);
	if (err)
		sanitize_line(err, start);
	return r;
}

int xlcfg_check_file(const char *path, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf data = STRBUF_INIT;
	int r = strbuf_read_file(&data, path);

	if (r < 0) {
		if (err)
			strbuf_addf(err, "cannot read '%s': %s", path,
				    strerror(-r));
		return r;
	}
	return xlcfg_check_data(data.buf, data.len, path, err);
}
