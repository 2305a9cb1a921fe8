/* export-format.c: see export-format.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export-format.h"
#include "fsutil.h"
#include "macros.h"
#include "banned.h"

static const char *const format_names[_EXPORT_FORMAT_MAX] = {
	"raw", "qcow2", "tar.zst",
};

const char *const export_side_suffixes[EXPORT_SIDE_FILES] = {
	".sha256", ".packages.json",
};

int export_format_from_string(const char *s)
{
	for (int i = 0; i < _EXPORT_FORMAT_MAX; i++)
		if (streq(s, format_names[i]))
			return i;
	return -EINVAL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && streq(s + n - k, suffix);
}

int export_format_from_path(const char *path)
{
	if (ends_with(path, ".raw") || ends_with(path, ".img"))
		return EXPORT_RAW;
	if (ends_with(path, ".qcow2"))
		return EXPORT_QCOW2;
	if (ends_with(path, ".tar.zst"))
		return EXPORT_TAR_ZST;
	return -EINVAL;
}

const char *export_format_name(enum export_format f)
{
	return format_names[f];
}

int export_check_output(const char *path, int force, struct strbuf *err)
{
	char *dir = path_dirname(path);
	struct stat st;
	int r = 0;

	if (!*path_basename(path)) {
		r = strbuf_error(err, -EINVAL, "'%s' names no file", path);
	} else if (stat(dir, &st) < 0) {
		r = strbuf_error(err, -errno, "cannot write into '%s': %s",
				 dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		r = strbuf_error(err, -ENOTDIR, "'%s' is not a directory",
				 dir);
	} else if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		r = strbuf_error(err, -EISDIR, "'%s' is a directory", path);
	} else if (!force) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; r >= 0 && i <= EXPORT_SIDE_FILES; i++) {
			strbuf_reset(&sb);
			strbuf_addstr(&sb, path);
			if (i)
				strbuf_addstr(&sb, export_side_suffixes[i - 1]);
			if (lstat(sb.buf, &st) == 0)
				r = strbuf_error(err, -EEXIST, "'%s' already "
						 "exists (--force replaces it)",
						 sb.buf);
		}
		strbuf_release(&sb);
	}
	free(dir);
	return r;
}
