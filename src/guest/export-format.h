/*
 * export-format.h: what an export is asked for, checked before anything is
 * built: the format's name or the file's suffix to the format, and whether
 * the file (and the .sha256 and .packages.json beside it) may be written.
 * export.h writes it.
 */
#ifndef EXPORT_FORMAT_H
#define EXPORT_FORMAT_H

#include "strbuf.h"

enum export_format {
	EXPORT_RAW,
	EXPORT_QCOW2,
	EXPORT_TAR_ZST,
	_EXPORT_FORMAT_MAX,
};

/* "raw", "qcow2" or "tar.zst" to the enum; -EINVAL for anything else. */
int export_format_from_string(const char *s);
/* By the name's suffix: .raw or .img, .qcow2, .tar.zst; else -EINVAL. */
int export_format_from_path(const char *path);
const char *export_format_name(enum export_format f);

/* The files written beside an export, by suffix, and how many there are. */
extern const char *const export_side_suffixes[];
#define EXPORT_SIDE_FILES 2

/*
 * Whether path may be written: its directory exists, and neither it nor
 * path.sha256 nor path.packages.json is there unless force. 0, -EEXIST or
 * -ENOENT/-ENOTDIR with err naming the file.
 */
int export_check_output(const char *path, int force, struct strbuf *err);

#endif
