/*
 * lvm.c: see lvm.h.
 *
 * Every operation is one or more LVM command lines run in process by
 * lvm2_run(). Nothing LVM says reaches our stdout or stderr: one log
 * callback takes every message, keeps the report rows of the command
 * being run and its first error, and drops the rest.
 *
 * No lvm.conf setting is overridden. Without device-mapper every command
 * gets "--driverloaded n", which keeps LVM to metadata alone: udev
 * synchronisation only concerns device-mapper nodes, so it never comes
 * into play, and with device-mapper but no udev running LVM notices and
 * makes the nodes itself. Locking is LVM's own file locking under
 * /run/lock/lvm. A host that keeps a devices file lists its PVs there, and
 * an LV is only ever made in a VG that LVM already sees, so the file is
 * respected rather than bypassed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lvm2cmd.h>

#include "lvm.h"
#include "macros.h"
#include "parse.h"
#include "strbuf.h"
#include "strvec.h"
#include "banned.h"

/* LVM's limit on VG and LV names (NAME_LEN less the terminator). */
#define LVM_NAME_MAX 127
/* LVM's limit on a tag. */
#define LVM_TAG_MAX 1024
/* The report separator; LVM never puts it in a name, tag or path. */
#define SEP "|"

static void *lvm_handle;

/*
 * What the log callback collects while one command runs: the report rows
 * (when rows is set) that have exactly nfields fields, and the first
 * error LVM reported.
 */
static struct {
	struct strvec *rows;
	size_t nfields;
	struct strbuf error;
} capture = { NULL, 0, STRBUF_INIT };

static size_t count_fields(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		if (*s == SEP[0])
			n++;
	return n;
}

/*
 * Report rows come at the same level as LVM's warnings (LVM2_LOG_PRINT),
 * so a line is taken for a row only when it has the number of fields that
 * was asked for: a warning never holds the separator that often.
 */
static void lvm_log(int level, const char *file, int line, int dm_errno,
		    const char *message)
{
	(void)file;
	(void)line;
	(void)dm_errno;
	if (!message)
		return;
	if (level == LVM2_LOG_PRINT) {
		if (capture.rows && count_fields(message) == capture.nfields)
			strvec_push(capture.rows, message);
	} else if (level > LVM2_LOG_SUPPRESS && level <= LVM2_LOG_ERROR) {
		if (!capture.error.len) {
			strbuf_addstr(&capture.error, message);
			strbuf_trim(&capture.error);
		}
	}
}

/*
 * liblvm2cmd sets the process umask to its global/umask (0077), and the
 * locale (all of it at initialisation, the collation on a command) to the
 * environment's: put both back around every call, so files we write later
 * get their usual modes and numbers keep parsing and printing the same
 * way.
 */
struct lvm_saved {
	mode_t umask;
	char *locale;
};

static void lvm_save(struct lvm_saved *s)
{
	s->umask = umask(0077);
	umask(s->umask);
	s->locale = xstrdup(setlocale(LC_ALL, NULL));
}

static void lvm_restore(struct lvm_saved *s)
{
	umask(s->umask);
	if (s->locale)
		setlocale(LC_ALL, s->locale);
	free(s->locale);
	s->locale = NULL;
}

int lvm_dm_available(void)
{
	static int known = -1;
	struct strbuf misc = STRBUF_INIT;
	int fd;

	if (known >= 0)
		return known;
	known = 0;
	/* The driver registers itself in /proc/misc when it is loaded. */
	if (strbuf_read_file(&misc, "/proc/misc") >= 0) {
		for (const char *p = misc.buf;
		     (p = strstr(p, "device-mapper")); p++) {
			if ((p == misc.buf || isspace((unsigned char)p[-1])) &&
			    (p[13] == '\n' || p[13] == '\0')) {
				known = 1;
				break;
			}
		}
	}
	strbuf_release(&misc);
	/* A container may show the node and still refuse it. */
	if (known) {
		fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			known = 0;
		else
			close(fd);
	}
	return known;
}

static int lvm_open(struct strbuf *err)
{
	struct lvm_saved saved;

	if (lvm_handle)
		return 0;
	/* Our own descriptors are none of LVM's business. */
	setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
	lvm2_log_fn(lvm_log);
	strbuf_reset(&capture.error);
	lvm_save(&saved);
	lvm_handle = lvm2_init();
	lvm_restore(&saved);
	if (!lvm_handle) {
		strbuf_addstr(err, "cannot initialise liblvm2cmd");
		if (capture.error.len)
			strbuf_addf(err, ": %s", capture.error.buf);
		return -EIO;
	}
	return 0;
}

void lvm_close(void)
{
	struct lvm_saved saved;

	if (!lvm_handle)
		return;
	lvm_save(&saved);
	lvm2_exit(lvm_handle);
	lvm_restore(&saved);
	lvm_handle = NULL;
	strbuf_release(&capture.error);
}

/* "lvs" and the flags every command needs here. */
static void lvm_cmdline(struct strbuf *cmd, const char *verb)
{
	strbuf_addstr(cmd, verb);
	if (!lvm_dm_available())
		strbuf_addstr(cmd, " --driverloaded n");
}

/* A report command: bytes without suffix, one row per line. */
static void lvm_report_cmdline(struct strbuf *cmd, const char *verb,
			       const char *fields)
{
	lvm_cmdline(cmd, verb);
	strbuf_addf(cmd, " --noheadings --nosuffix --units b --separator %s"
		    " -o %s", SEP, fields);
}

/*
 * Run one command line. With rows, keep the report rows of nfields
 * fields. 0, or -EIO with LVM's first error in err ("'lvcreate' failed:
 * ...").
 */
static int lvm_run(const char *cmdline, struct strvec *rows, size_t nfields,
		   struct strbuf *err)
{
	struct lvm_saved saved;
	size_t verb_len = strcspn(cmdline, " ");
	int r;

	r = lvm_open(err);
	if (r < 0)
		return r;
	capture.rows = rows;
	capture.nfields = nfields;
	strbuf_reset(&capture.error);
	lvm_save(&saved);
	r = lvm2_run(lvm_handle, cmdline);
	lvm_restore(&saved);
	capture.rows = NULL;
	if (r == LVM2_COMMAND_SUCCEEDED)
		return 0;

	strbuf_addf(err, "'%.*s' failed: ", (int)verb_len, cmdline);
	if (capture.error.len) {
		/* LVM ends most of its sentences with a full stop. */
		if (capture.error.buf[capture.error.len - 1] == '.')
			strbuf_setlen(&capture.error, capture.error.len - 1);
		strbuf_addstr(err, capture.error.buf);
	} else if (r == LVM2_NO_SUCH_COMMAND) {
		strbuf_addstr(err, "no such command");
	} else if (r == LVM2_INVALID_PARAMETERS) {
		strbuf_addstr(err, "invalid parameters");
	} else if (r == LVM2_INIT_FAILED) {
		strbuf_addstr(err, "initialisation failed");
	} else {
		strbuf_addf(err, "status %d", r);
	}
	return -EIO;
}

/* The fields of a report row, trimmed, into ret. */
static void split_row(const char *row, struct strvec *ret)
{
	strvec_clear(ret);
	for (;;) {
		size_t n = strcspn(row, SEP);
		struct strbuf f = STRBUF_INIT;

		strbuf_add(&f, row, n);
		strbuf_trim(&f);
		strvec_push(ret, f.buf);
		strbuf_release(&f);
		if (!row[n])
			break;
		row += n + 1;
	}
}

static int parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/*
 * LVM's own rule for VG and LV names, checked here because they become
 * part of a command line.
 */
static int name_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > LVM_NAME_MAX || s[0] == '-' || streq(s, ".") ||
	    streq(s, ".."))
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789+_.-") == len;
}

/*
 * LVM's tag characters, less '#', which starts a comment in a command line
 * given to lvm2_run(); a leading '-' would make it an option.
 */
static int tag_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > LVM_TAG_MAX || s[0] == '-')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789+_.-/=!:&") == len;
}

static int check_names(const char *vg, const char *lv, struct strbuf *err)
{
	if (!name_valid(vg)) {
		strbuf_addf(err, "invalid volume group name '%s'", vg);
		return -EINVAL;
	}
	if (lv && !name_valid(lv)) {
		strbuf_addf(err, "invalid logical volume name '%s'", lv);
		return -EINVAL;
	}
	return 0;
}

/*
 * Whether LVM lists name in the first field of "verb -o fields" run on
 * scope (NULL: everything): 1, 0, or -EIO when it cannot even say.
 */
static int lvm_lists(const char *verb, const char *fields, const char *scope,
		     const char *name, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	struct strvec rows = STRVEC_INIT, f = STRVEC_INIT;
	int r, found = 0;

	lvm_report_cmdline(&cmd, verb, fields);
	if (scope)
		strbuf_addf(&cmd, " %s", scope);
	r = lvm_run(cmd.buf, &rows, 2, err);
	for (size_t i = 0; i < rows.nr && !found; i++) {
		split_row(rows.v[i], &f);
		found = streq(f.v[0], name);
	}
	/* LVM may fail on another VG and still list the one we want. */
	if (found)
		r = 1;
	else if (r >= 0)
		r = 0;
	strvec_clear(&f);
	strvec_clear(&rows);
	strbuf_release(&cmd);
	return r;
}

/*
 * Run a vgs report on vg. When it fails, tell a missing VG (-ENOENT) from
 * anything else (-EIO with LVM's reason) by whether LVM lists it at all,
 * rather than by reading LVM's messages.
 */
static int vg_report(const char *vg, const char *fields, size_t nfields,
		     struct strvec *rows, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT, why = STRBUF_INIT;
	int r;

	lvm_report_cmdline(&cmd, "vgs", fields);
	strbuf_addf(&cmd, " %s", vg);
	r = lvm_run(cmd.buf, rows, nfields, &why);
	if (r >= 0 && rows->nr != 1) {
		strbuf_addf(&why, "'vgs' listed %zu rows for '%s'", rows->nr,
			    vg);
		r = -EIO;
	}
	if (r < 0) {
		struct strbuf ignored = STRBUF_INIT;

		if (lvm_lists("vgs", "vg_name,vg_uuid", NULL, vg,
			      &ignored) == 0) {
			strbuf_addf(err, "volume group '%s' not found", vg);
			r = -ENOENT;
		} else {
			strbuf_addstr(err, why.buf);
		}
		strbuf_release(&ignored);
	}
	strbuf_release(&why);
	strbuf_release(&cmd);
	return r;
}

/*
 * Run an lvs report on vg/lv, telling a missing VG or LV (-ENOENT) from
 * any other failure as vg_report() does.
 */
static int lv_report(const char *vg, const char *lv, const char *fields,
		     size_t nfields, struct strvec *rows, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT, why = STRBUF_INIT;
	int r;

	lvm_report_cmdline(&cmd, "lvs", fields);
	strbuf_addf(&cmd, " %s/%s", vg, lv);
	r = lvm_run(cmd.buf, rows, nfields, &why);
	if (r >= 0 && !rows->nr) {
		strbuf_addf(&why, "'lvs' listed nothing for '%s/%s'", vg, lv);
		r = -EIO;
	}
	if (r < 0) {
		struct strbuf ignored = STRBUF_INIT;

		if (lvm_lists("vgs", "vg_name,vg_uuid", NULL, vg,
			      &ignored) == 0) {
			strbuf_addf(err, "volume group '%s' not found", vg);
			r = -ENOENT;
		} else if (lvm_lists("lvs", "lv_name,vg_name", vg, lv,
				     &ignored) == 0) {
			strbuf_addf(err, "logical volume '%s/%s' not found",
				    vg, lv);
			r = -ENOENT;
		} else {
			strbuf_addstr(err, why.buf);
		}
		strbuf_release(&ignored);
	}
	strbuf_release(&why);
	strbuf_release(&cmd);
	return r;
}

uint64_t lvm_extents_bytes(uint64_t extents, uint64_t extent_size)
{
	uint64_t bytes;

	return size_mul(extents, extent_size, &bytes) < 0 ? UINT64_MAX :
							     bytes;
}

int lvm_vg_info(const char *vg, struct lvm_vg_info *ret, struct strbuf *err)
{
	struct strvec rows = STRVEC_INIT, f = STRVEC_INIT;
	struct lvm_vg_info info;
	int r;

	r = check_names(vg, NULL, err);
	if (r < 0)
		return r;
	r = vg_report(vg, "vg_name,vg_extent_size,vg_free_count", 3, &rows,
		      err);
	if (r >= 0) {
		split_row(rows.v[0], &f);
		if (parse_u64(f.v[1], &info.extent_size) < 0 ||
		    !info.extent_size ||
		    parse_u64(f.v[2], &info.free_extents) < 0) {
			strbuf_addf(err, "cannot parse 'vgs' row '%s'",
				    rows.v[0]);
			r = -EIO;
		} else {
			*ret = info;
		}
	}
	strvec_clear(&f);
	strvec_clear(&rows);
	return r;
}

int lvm_lv_exists(const char *vg, const char *lv, struct strbuf *err)
{
	struct strvec rows = STRVEC_INIT;
	struct strbuf why = STRBUF_INIT;
	int r;

	r = check_names(vg, lv, err);
	if (r < 0)
		return r;
	r = lv_report(vg, lv, "vg_name,lv_name", 2, &rows, &why);
	if (r == -ENOENT)
		r = 0;
	else if (r < 0)
		strbuf_addstr(err, why.buf);
	else
		r = 1;
	strbuf_release(&why);
	strvec_clear(&rows);
	return r;
}

/*
 * Whether vg/lv may have extents extents (no more than LVM holds), and
 * vg's facts into info, as making or growing it starts. 0 or -errno with
 * err.
 */
static int check_extents(const char *vg, const char *lv, uint64_t extents,
			 struct lvm_vg_info *info, struct strbuf *err)
{
	if (extents > LVM_EXTENTS_MAX) {
		strbuf_addf(err, "logical volume '%s/%s' would have %llu "
			    "extents, more than LVM holds (%llu)", vg, lv,
			    (unsigned long long)extents,
			    (unsigned long long)LVM_EXTENTS_MAX);
		return -EFBIG;
	}
	return lvm_vg_info(vg, info, err);
}

/* The names, tags and size (extents or bytes) of a volume to make. */
static int check_new_lv(const char *vg, const char *lv, uint64_t size,
			const char *const *tags, struct strbuf *err)
{
	int r = check_names(vg, lv, err);

	if (r < 0)
		return r;
	for (size_t i = 0; tags && tags[i]; i++) {
		if (!tag_valid(tags[i])) {
			strbuf_addf(err, "invalid tag '%s'", tags[i]);
			return -EINVAL;
		}
	}
	if (!size) {
		strbuf_addf(err, "logical volume '%s/%s' would be empty", vg,
			    lv);
		return -EINVAL;
	}
	return 0;
}

int lvm_lv_create(const char *vg, const char *lv, uint64_t extents,
		  const char *const *tags, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	struct lvm_vg_info info;
	int r;

	r = check_new_lv(vg, lv, extents, tags, err);
	if (r < 0)
		return r;
	r = check_extents(vg, lv, extents, &info, err);
	if (r < 0)
		return r;
	r = lvm_lv_exists(vg, lv, err);
	if (r < 0)
		return r;
	if (r > 0) {
		strbuf_addf(err, "logical volume '%s/%s' already exists", vg,
			    lv);
		return -EEXIST;
	}
	/* Said here in our words, before LVM says it in its own. */
	if (extents > info.free_extents) {
		char have[32], want[32];

		format_size(lvm_extents_bytes(info.free_extents,
					      info.extent_size), have,
			    sizeof(have));
		format_size(lvm_extents_bytes(extents, info.extent_size), want,
			    sizeof(want));
		strbuf_addf(err, "volume group '%s' has %s free, %s needed",
			    vg, have, want);
		return -ENOSPC;
	}

	lvm_cmdline(&cmd, "lvcreate");
	/*
	 * LVM neither zeroes the start (-Zn) nor wipes signatures (-Wn):
	 * both need the volume active, and the caller wipes it anyway. -y
	 * answers any question, which would otherwise be read from our
	 * stdin.
	 */
	strbuf_addf(&cmd, " %s -Zn -Wn -y -l %llu -n %s",
		    lvm_dm_available() ? "-ay" : "-an",
		    (unsigned long long)extents, lv);
	for (size_t i = 0; tags && tags[i]; i++)
		strbuf_addf(&cmd, " --addtag %s", tags[i]);
	strbuf_addf(&cmd, " %s", vg);
	r = lvm_run(cmd.buf, NULL, 0, err);
	strbuf_release(&cmd);
	return r;
}

int lvm_thin_pool_check(const char *vg, const char *pool, struct strbuf *err)
{
	struct strvec rows = STRVEC_INIT, f = STRVEC_INIT;
	int r;

	r = check_names(vg, pool, err);
	if (r < 0)
		return r;
	r = lv_report(vg, pool, "lv_name,segtype", 2, &rows, err);
	if (r == -ENOENT) {
		strbuf_reset(err);
		strbuf_addf(err, "no thin pool '%s/%s'", vg, pool);
	} else if (r >= 0) {
		split_row(rows.v[0], &f);
		if (!streq(f.v[1], "thin-pool")) {
			strbuf_addf(err, "'%s/%s' is a %s volume, not a thin "
				    "pool", vg, pool, f.v[1]);
			r = -EINVAL;
		}
	}
	strvec_clear(&f);
	strvec_clear(&rows);
	return r < 0 ? r : 0;
}

void lvm_thin_cmdline(const char *vg, const char *pool, const char *lv,
		      uint64_t size, const char *const *tags,
		      struct strbuf *cmd)
{
	/*
	 * Active: a thin volume is made by the pool's kernel target. No
	 * signatures to wipe (-Wn) on blocks the pool has never given out;
	 * -y answers any question, which would otherwise be read from our
	 * stdin.
	 */
	strbuf_addf(cmd, "lvcreate -ay -Wn -y -T %s/%s -V %llub -n %s", vg,
		    pool, (unsigned long long)size, lv);
	for (size_t i = 0; tags && tags[i]; i++)
		strbuf_addf(cmd, " --addtag %s", tags[i]);
}

int lvm_thin_create(const char *vg, const char *pool, const char *lv,
		    uint64_t size, const char *const *tags,
		    struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	int r;

	r = check_names(vg, pool, err);
	if (r >= 0)
		r = check_new_lv(vg, lv, size, tags, err);
	if (r < 0)
		return r;
	if (!lvm_dm_available()) {
		strbuf_addf(err, "thin volumes need device-mapper, which this "
			    "host lacks");
		return -ENOTSUP;
	}
	r = lvm_thin_pool_check(vg, pool, err);
	if (r >= 0)
		r = lvm_lv_exists(vg, lv, err);
	if (r > 0) {
		strbuf_addf(err, "logical volume '%s/%s' already exists", vg,
			    lv);
		return -EEXIST;
	}
	if (r < 0)
		return r;
	lvm_thin_cmdline(vg, pool, lv, size, tags, &cmd);
	r = lvm_run(cmd.buf, NULL, 0, err);
	strbuf_release(&cmd);
	return r;
}

int lvm_lv_remove(const char *vg, const char *lv, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	struct strvec rows = STRVEC_INIT;
	int r;

	r = check_names(vg, lv, err);
	if (r < 0)
		return r;
	r = lv_report(vg, lv, "vg_name,lv_name", 2, &rows, err);
	strvec_clear(&rows);
	if (r < 0)
		return r;
	lvm_cmdline(&cmd, "lvremove");
	/* -f: never ask, even when it is active (the question would be
	 * read from our stdin). */
	strbuf_addf(&cmd, " -f %s/%s", vg, lv);
	r = lvm_run(cmd.buf, NULL, 0, err);
	strbuf_release(&cmd);
	return r;
}

int lvm_lv_extend(const char *vg, const char *lv, uint64_t extents,
		  int dry_run, uint64_t *ret_old_extents, struct strbuf *err)
{
	struct strvec rows = STRVEC_INIT, f = STRVEC_INIT;
	struct strbuf cmd = STRBUF_INIT, why = STRBUF_INIT;
	struct lvm_vg_info info;
	uint64_t bytes, have;
	int r;

	r = check_names(vg, lv, err);
	if (r < 0)
		return r;
	r = check_extents(vg, lv, extents, &info, err);
	if (r < 0)
		return r;
	r = lv_report(vg, lv, "lv_name,lv_size", 2, &rows, err);
	if (r < 0)
		goto out;
	split_row(rows.v[0], &f);
	if (parse_u64(f.v[1], &bytes) < 0) {
		strbuf_addf(err, "cannot parse 'lvs' row '%s'", rows.v[0]);
		r = -EIO;
		goto out;
	}
	have = bytes / info.extent_size;
	if (ret_old_extents)
		*ret_old_extents = have;
	if (extents <= have)
		goto out;
	if (extents - have > info.free_extents) {
		char free_s[32], want[32];

		format_size(lvm_extents_bytes(info.free_extents,
					      info.extent_size), free_s,
			    sizeof(free_s));
		format_size(lvm_extents_bytes(extents - have,
					      info.extent_size), want,
			    sizeof(want));
		strbuf_addf(err, "volume group '%s' has %s free, %s needed",
			    vg, free_s, want);
		r = -ENOSPC;
		goto out;
	}
	lvm_cmdline(&cmd, "lvextend");
	/* Without device-mapper it is reached as one range of its PV. */
	if (!lvm_dm_available())
		strbuf_addstr(&cmd, " --alloc contiguous");
	if (dry_run)
		strbuf_addstr(&cmd, " --test");
	strbuf_addf(&cmd, " -l %llu %s/%s", (unsigned long long)extents, vg,
		    lv);
	r = lvm_run(cmd.buf, NULL, 0, &why);
	if (r < 0 && !lvm_dm_available() && strstr(why.buf, "contiguous")) {
		/* Nothing changed: say what it lacks in our words. */
		strbuf_addf(err, "volume group '%s' has no free extents right "
			    "after '%s' (without device-mapper it must stay "
			    "in one piece): %s", vg, lv, why.buf);
		r = -ENOSPC;
	} else if (r < 0) {
		strbuf_addstr(err, why.buf);
	}
out:
	strbuf_release(&why);
	strbuf_release(&cmd);
	strvec_clear(&f);
	strvec_clear(&rows);
	return r;
}

int lvm_lv_rename(const char *vg, const char *lv, const char *new_name,
		  struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	int r;

	r = check_names(vg, lv, err);
	if (r >= 0)
		r = check_names(vg, new_name, err);
	if (r < 0)
		return r;
	r = lvm_lv_exists(vg, lv, err);
	if (r < 0)
		return r;
	if (!r) {
		strbuf_addf(err, "logical volume '%s/%s' not found", vg, lv);
		return -ENOENT;
	}
	r = lvm_lv_exists(vg, new_name, err);
	if (r < 0)
		return r;
	if (r > 0) {
		strbuf_addf(err, "logical volume '%s/%s' already exists", vg,
			    new_name);
		return -EEXIST;
	}
	lvm_cmdline(&cmd, "lvrename");
	strbuf_addf(&cmd, " %s %s %s", vg, lv, new_name);
	r = lvm_run(cmd.buf, NULL, 0, err);
	strbuf_release(&cmd);
	return r;
}

/* "/dev/loop0:10-19" into the PV and its first and last extent. */
static int parse_pe_range(const char *s, struct strbuf *pv, uint64_t *first,
			  uint64_t *last)
{
	const char *colon = strrchr(s, ':');
	struct strbuf a = STRBUF_INIT;
	const char *dash;
	int r = -EINVAL;

	if (!colon || s[0] != '/' || strpbrk(s, " \t\n'\"#"))
		return -EINVAL;
	dash = strchr(colon, '-');
	if (dash) {
		strbuf_add(&a, colon + 1, (size_t)(dash - colon - 1));
		if (parse_u64(a.buf, first) >= 0 &&
		    parse_u64(dash + 1, last) >= 0 && *first <= *last) {
			strbuf_add(pv, s, (size_t)(colon - s));
			r = 0;
		}
	}
	strbuf_release(&a);
	return r;
}

int lvm_lv_location(const char *vg, const char *lv, char **ret_pv,
		    uint64_t *ret_offset, uint64_t *ret_length,
		    struct strbuf *err)
{
	struct strvec rows = STRVEC_INIT, f = STRVEC_INIT;
	struct strbuf pv = STRBUF_INIT, cmd = STRBUF_INIT;
	struct lvm_vg_info info;
	uint64_t first, last, pe_start, start, length, end;
	int r;

	r = check_names(vg, lv, err);
	if (r < 0)
		return r;
	r = lvm_vg_info(vg, &info, err);
	if (r < 0)
		return r;
	/* With a segment field, lvs gives one row per segment. */
	r = lv_report(vg, lv, "lv_name,segtype,seg_count,seg_pe_ranges", 4,
		      &rows, err);
	if (r < 0)
		goto out;
	split_row(rows.v[0], &f);
	if (rows.nr > 1 || !streq(f.v[2], "1")) {
		if (rows.nr > 1)
			strbuf_addf(err, "logical volume '%s/%s' has %zu "
				    "segments", vg, lv, rows.nr);
		else
			strbuf_addf(err, "logical volume '%s/%s' has %s "
				    "segments", vg, lv, f.v[2]);
		r = -ENOTSUP;
		goto out;
	}
	if (!streq(f.v[1], "linear")) {
		strbuf_addf(err, "logical volume '%s/%s' is '%s', not linear",
			    vg, lv, f.v[1]);
		r = -ENOTSUP;
		goto out;
	}
	if (parse_pe_range(f.v[3], &pv, &first, &last) < 0) {
		strbuf_addf(err, "cannot parse the extents '%s' of '%s/%s'",
			    f.v[3], vg, lv);
		r = -EIO;
		goto out;
	}

	strvec_clear(&rows);
	lvm_report_cmdline(&cmd, "pvs", "pv_name,pe_start");
	strbuf_addf(&cmd, " %s", pv.buf);
	r = lvm_run(cmd.buf, &rows, 2, err);
	if (r < 0)
		goto out;
	if (rows.nr != 1) {
		strbuf_addf(err, "'pvs' listed %zu rows for '%s'", rows.nr,
			    pv.buf);
		r = -EIO;
		goto out;
	}
	split_row(rows.v[0], &f);
	if (!streq(f.v[0], pv.buf) || parse_u64(f.v[1], &pe_start) < 0) {
		strbuf_addf(err, "cannot parse 'pvs' row '%s'", rows.v[0]);
		r = -EIO;
		goto out;
	}
	/* LVM's own numbers, but no sum of them may wrap either. */
	if (last < first ||
	    size_mul(first, info.extent_size, &start) < 0 ||
	    size_add(pe_start, start, &start) < 0 ||
	    size_mul(last - first + 1, info.extent_size, &length) < 0 ||
	    size_add(start, length, &end) < 0) {
		strbuf_addf(err, "the extents of '%s/%s' on '%s' lie beyond "
			    "what 64 bits count", vg, lv, pv.buf);
		r = -EIO;
		goto out;
	}
	*ret_offset = start;
	*ret_length = length;
	*ret_pv = strbuf_detach(&pv, NULL);
	r = 0;
out:
	strbuf_release(&cmd);
	strbuf_release(&pv);
	strvec_clear(&f);
	strvec_clear(&rows);
	return r;
}

static int lv_cmp(const void *a, const void *b)
{
	const struct lvm_lv *x = a, *y = b;
	int c = strcmp(x->vg, y->vg);

	return c ? c : strcmp(x->name, y->name);
}

static void lv_release(struct lvm_lv *lv)
{
	free(lv->vg);
	free(lv->name);
	for (size_t i = 0; lv->tags && lv->tags[i]; i++)
		free(lv->tags[i]);
	free(lv->tags);
	memset(lv, 0, sizeof(*lv));
}

void lvm_lv_list_free(struct lvm_lv *lvs, size_t n)
{
	if (!lvs)
		return;
	for (size_t i = 0; i < n; i++)
		lv_release(&lvs[i]);
	free(lvs);
}

/* One "vg|lv|size|tag,tag|attr" row into lv; -EINVAL if malformed. */
static int parse_lv_row(const char *row, struct lvm_lv *lv)
{
	struct strvec f = STRVEC_INIT, tags = STRVEC_INIT;
	uint64_t size;
	int r = -EINVAL;

	split_row(row, &f);
	if (f.nr == 5 && *f.v[0] && *f.v[1] &&
	    parse_u64(f.v[2], &size) >= 0 && strlen(f.v[4]) >= 5) {
		strvec_split(&tags, f.v[3], ",");
		lv->vg = xstrdup(f.v[0]);
		lv->name = xstrdup(f.v[1]);
		lv->size = size;
		lv->tags = xcalloc(tags.nr + 1, sizeof(*lv->tags));
		for (size_t i = 0; i < tags.nr; i++)
			lv->tags[i] = xstrdup(tags.v[i]);
		/* The fifth attribute is the state: 'a' for active. */
		lv->active = f.v[4][4] == 'a';
		r = 0;
	}
	strvec_clear(&tags);
	strvec_clear(&f);
	return r;
}

static int has_tag(const struct lvm_lv *lv, const char *tag)
{
	for (size_t i = 0; lv->tags[i]; i++)
		if (streq(lv->tags[i], tag))
			return 1;
	return 0;
}

int lvm_lv_list(const char *vg, const char *tag, struct lvm_lv **ret,
		size_t *ret_n, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT, why = STRBUF_INIT;
	struct strbuf ignored = STRBUF_INIT;
	struct strvec rows = STRVEC_INIT;
	struct lvm_lv *lvs = NULL;
	size_t n = 0;
	int r;

	if (vg) {
		r = check_names(vg, NULL, err);
		if (r < 0)
			return r;
	}
	lvm_report_cmdline(&cmd, "lvs",
			   "vg_name,lv_name,lv_size,lv_tags,lv_attr");
	if (vg)
		strbuf_addf(&cmd, " %s", vg);
	r = lvm_run(cmd.buf, &rows, 5, &why);
	if (r < 0) {
		if (vg && lvm_lists("vgs", "vg_name,vg_uuid", NULL, vg,
				    &ignored) == 0) {
			strbuf_addf(err, "volume group '%s' not found", vg);
			r = -ENOENT;
		} else {
			strbuf_addstr(err, why.buf);
		}
		goto out;
	}
	lvs = xcalloc(rows.nr, sizeof(*lvs));
	for (size_t i = 0; i < rows.nr; i++) {
		if (parse_lv_row(rows.v[i], &lvs[n]) < 0) {
			strbuf_addf(err, "cannot parse 'lvs' row '%s'",
				    rows.v[i]);
			r = -EIO;
			goto out;
		}
		if (tag && !has_tag(&lvs[n], tag))
			lv_release(&lvs[n]);
		else
			n++;
	}
	qsort(lvs, n, sizeof(*lvs), lv_cmp);
	*ret = lvs;
	*ret_n = n;
	lvs = NULL;
	r = 0;
out:
	lvm_lv_list_free(lvs, n);
	strvec_clear(&rows);
	strbuf_release(&ignored);
	strbuf_release(&why);
	strbuf_release(&cmd);
	return r;
}
