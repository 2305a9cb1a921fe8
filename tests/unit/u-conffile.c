/*
 * u-conffile.c: a libconfig file written atomically reads back whole, with
 * its mode and comment, in a directory made for it; a failed write leaves
 * what was there and no temporary file behind.
 */
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conffile.h"
#include "fsutil.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static char *scratch_path(const char *rel)
{
	return path_join(unit_scratch("u-conffile"), rel);
}

static void one_setting(config_t *cfg, const char *value)
{
	config_init(cfg);
	config_setting_set_string(config_setting_add(config_root_setting(cfg),
						     "name",
						     CONFIG_TYPE_STRING),
				  value);
}

/* How many entries of dir there are, dot files included. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

TEST(write_reads_back)
{
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
	char *dir = scratch_path("new/sub");
	char *path = path_join(dir, "one.conf");
	const char *v = NULL;
	struct stat st;
	config_t cfg;

	/* The directory does not exist yet: it is made. */
	one_setting(&cfg, "first");
	CHECK_INTEQ(conffile_write(path, &cfg, "a comment", 0640, &err), 0);
	config_destroy(&cfg);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(stat(path, &st), 0);
	CHECK_INTEQ(st.st_mode & 07777, 0640);
	CHECK_INTEQ(strbuf_read_file(&text, path), 0);
	CHECK(!strncmp(text.buf, "# a comment\n", 12));
	CHECK(strstr(text.buf, "name = \"first\";") != NULL);

	/* Replaced whole; nothing but the file is left in the directory. */
	one_setting(&cfg, "second");
	CHECK_INTEQ(conffile_write(path, &cfg, NULL, 0644, &err), 0);
	config_destroy(&cfg);
	config_init(&cfg);
	CHECK(config_read_file(&cfg, path) == CONFIG_TRUE);
	CHECK(config_lookup_string(&cfg, "name", &v) == CONFIG_TRUE);
	CHECK_STREQ(v, "second");
	config_destroy(&cfg);
	CHECK_INTEQ(stat(path, &st), 0);
	CHECK_INTEQ(st.st_mode & 07777, 0644);
	strbuf_reset(&text);
	CHECK_INTEQ(strbuf_read_file(&text, path), 0);
	CHECK(text.buf[0] != '#');
	CHECK_INTEQ(entries(dir), 1);
	strbuf_release(&text);
	strbuf_release(&err);
	free(path);
	free(dir);
}

TEST(failed_write_leaves_no_trace)
{
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *dir = scratch_path("fail");
	char *path = path_join(dir, "busy.conf");
	char *inside = path_join(path, "keep");
	config_t cfg;

	/* A non-empty directory where the file should go: rename fails. */
	CHECK_INTEQ(mkdir_p(path, 0755), 0);
	CHECK_INTEQ(write_string(inside, "x", 0644), 0);
	one_setting(&cfg, "x");
	CHECK(conffile_write(path, &cfg, NULL, 0644, &err) < 0);
	config_destroy(&cfg);
	strbuf_addf(&want, "cannot write '%s': ", path);
	CHECK(!strncmp(err.buf, want.buf, want.len));
	CHECK(path_is_dir(path));
	CHECK(path_exists(inside));
	CHECK_INTEQ(entries(dir), 1);
	strbuf_release(&want);

	/* A file where the directory should be. */
	strbuf_reset(&err);
	free(path);
	path = path_join(inside, "x.conf");
	one_setting(&cfg, "x");
	CHECK_INTEQ(conffile_write(path, &cfg, NULL, 0644, &err), -ENOTDIR);
	config_destroy(&cfg);
	strbuf_addf(&want, "cannot create '%s': ", inside);
	CHECK(!strncmp(err.buf, want.buf, want.len));
	strbuf_release(&want);
	strbuf_release(&err);
	free(inside);
	free(path);
	free(dir);
}
