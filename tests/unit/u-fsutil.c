/*
 * u-fsutil.c: path_check_root_only(), the test a directory must pass
 * before root trusts what is in it: root's, writable by nobody else, all
 * the way up and through every symlink. Runs as root: it makes
 * directories owned by nobody.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

/* The scratch directory for this run, root's and 0755. */
static const char *scratch(void)
{
	return unit_scratch("u-fsutil");
}

/* scratch/rel as a directory of mode (umask aside) and owner. */
static void make_dir(const char *rel, mode_t mode, uid_t uid)
{
	char *p = path_join(scratch(), rel);

	CHECK_INTEQ(mkdir(p, 0700), 0);
	CHECK_INTEQ(chmod(p, mode), 0);
	CHECK_INTEQ(chown(p, uid, (gid_t)-1), 0);
	free(p);
}

static void make_link(const char *rel, const char *target)
{
	char *p = path_join(scratch(), rel);

	CHECK_INTEQ(symlink(target, p), 0);
	free(p);
}

TEST(root_only_directories)
{
	struct passwd *nobody = getpwnam("nobody");
	uid_t other = nobody ? nobody->pw_uid : 65534;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *file;
	static const struct {
		const char *path;	/* below scratch; "%s" is scratch */
		int want_r;
		const char *want_err;	/* "%s" is scratch */
	} cases[] = {
		{ "%s/ok", 0, "" },
		{ "%s/ok/", 0, "" },
		{ "%s/ok/./sub", 0, "" },
		/* What is not there yet is judged once it is made. */
		{ "%s/ok/missing/deeper", 0, "" },
		{ "%s/group", -EPERM, "'%s/group' is writable by its group" },
		{ "%s/all", -EPERM, "'%s/all' is writable by all users" },
		{ "%s/theirs", -EPERM,
		  "'%s/theirs' is owned by uid %u, not by root" },
		/* A safe directory below an unsafe one is not safe. */
		{ "%s/group/sub", -EPERM,
		  "'%s/group' is writable by its group" },
		{ "%s/theirs/sub", -EPERM, "'%s/theirs' is owned by uid" },
		{ "%s/all/missing", -EPERM, "'%s/all' is writable by all" },
		/* Sticky: fine as a parent (/tmp), never as the place. */
		{ "%s/sticky/sub", 0, "" },
		{ "%s/sticky/missing", 0, "" },
		{ "%s/sticky", -EPERM, "'%s/sticky' is writable by all users" },
		{ "%s/sticky/sub/..", -EPERM, "'%s/sticky' is writable by all" },
		{ "%s/sticky/theirs", -EPERM,
		  "'%s/sticky/theirs' is owned by uid" },
		{ "%s/ok/../ok/sub", 0, "" },
		/* A link is judged where it points, and where it is. */
		{ "%s/ok/to-ok", 0, "" },
		{ "%s/ok/to-group-sub", -EPERM,
		  "'%s/group' is writable by its group" },
		{ "%s/ok/to-group-sub-rel", -EPERM,
		  "'%s/group' is writable by its group" },
		{ "%s/all/link", -EPERM, "'%s/all' is writable by all users" },
		{ "%s/ok/up/ok/sub", 0, "" },
		{ "%s/ok/up/group", -EPERM,
		  "'%s/group' is writable by its group" },
		{ "%s/ok/loop", -ELOOP, "cannot examine '%s/ok/loop'" },
		{ "%s/file/sub", -ENOTDIR, "'%s/file' is not a directory" },
		{ "relative/path", -EINVAL,
		  "'relative/path' is not an absolute path" },
	};

	if (geteuid() != 0) {
		fprintf(stderr, "# skipped: needs root to own directories\n");
		return;
	}
	scratch();
	make_dir("ok", 0755, 0);
	make_dir("ok/sub", 0750, 0);
	make_dir("group", 0775, 0);
	make_dir("group/sub", 0755, 0);
	make_dir("all", 0757, 0);
	make_dir("theirs", 0755, other);
	make_dir("theirs/sub", 0755, 0);
	make_dir("sticky", 01777, 0);
	make_dir("sticky/sub", 0755, 0);
	make_dir("sticky/theirs", 0755, other);
	make_link("ok/to-ok", "sub");
	strbuf_addf(&want, "%s/group/sub", scratch());
	make_link("ok/to-group-sub", want.buf);
	make_link("ok/to-group-sub-rel", "../group/sub");
	make_link("all/link", "../ok");
	make_link("ok/up", "..");
	make_link("ok/loop", "loop");
	file = path_join(scratch(), "file");
	CHECK_INTEQ(write_string(file, "x\n", 0644), 0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf path = STRBUF_INIT;

		strbuf_reset(&err);
		strbuf_reset(&want);
		strbuf_addf(&path, cases[i].path, scratch());
		strbuf_addf(&want, cases[i].want_err, scratch(),
			    (unsigned)other);
		fprintf(stderr, "# %s\n", cases[i].path);
		CHECK_INTEQ(path_check_root_only(path.buf, &err),
			    cases[i].want_r);
		if (cases[i].want_r)
			CHECK(strstr(err.buf, want.buf) != NULL);
		else
			CHECK_STREQ(err.buf, "");
		if (cases[i].want_r && !strstr(err.buf, want.buf))
			fprintf(stderr, "  got '%s'\n  want '%s'\n", err.buf,
				want.buf);
		strbuf_release(&path);
	}
	free(file);
	strbuf_release(&err);
	strbuf_release(&want);
}

/* The very directories a default install and the tests use. */
TEST(system_directories)
{
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(path_check_root_only("/", &err), 0);
	CHECK_INTEQ(path_check_root_only("/var/cache/create-image/bases",
					 &err), 0);
	CHECK_INTEQ(path_check_root_only("/tmp", &err), -EPERM);
	CHECK(strstr(err.buf, "'/tmp' is writable by all users") != NULL);
	strbuf_release(&err);
}

TEST(dirname_and_basename)
{
	static const struct {
		const char *path, *dir, *base;
	} cases[] = {
		{ "/srv/exports/web.img", "/srv/exports", "web.img" },
		{ "web.img", ".", "web.img" },
		{ "/web.img", "/", "web.img" },
		{ "out/", "out", "" },
		{ "a/b", "a", "b" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = path_dirname(cases[i].path);

		CHECK_STREQ(dir, cases[i].dir);
		CHECK_STREQ(path_basename(cases[i].path), cases[i].base);
		free(dir);
	}
}
