/*
 * log.h: every message the program prints, and the per-run log file.
 *
 * Messages go to stderr as "prog: text"; when a log file is open each one is
 * also written there. Library code does not call these to report its own
 * errors: it returns -errno, and the caller logs once.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *prog);
const char *log_prog(void);
void log_set_verbose(int verbose);
int log_verbose(void);
/* --debug: verbose, and each command's environment in the detail. */
void log_set_debug(int debug);
int log_debug(void);
/*
 * Quiet: progress (info()) goes to the log file only; warnings and errors
 * still reach stderr. For a build whose progress someone else shows.
 */
void log_set_quiet(int quiet);
/*
 * Called around every message written to stderr, so a live display on
 * the terminal (progress.h) can take itself out of the way and come
 * back below the message. NULL to remove.
 */
void log_set_stderr_hooks(void (*before)(void *data),
			  void (*after)(void *data), void *data);
/* Also append every message to path (created mode 0600). 0 or -errno. */
int log_open_file(const char *path);
void log_close_file(void);
/* Write to the log file only (command transcripts, captured output). */
void log_file_raw(const char *data, unsigned long len);
void log_file_printf(const char *fmt, ...) PRINTF(1, 2);

/* "prog: fmt", errno set from err so %m names it; returns err. */
int log_error_errno(int err, const char *fmt, ...) PRINTF(2, 3);
/* "prog: fmt"; returns -1, for "return error(...)". */
int error(const char *fmt, ...) PRINTF(1, 2);
void warning(const char *fmt, ...) PRINTF(1, 2);
/* Progress, always shown. */
void info(const char *fmt, ...) PRINTF(1, 2);
/* Detail, shown with --verbose, always written to the log file. */
void debug(const char *fmt, ...) PRINTF(1, 2);

#endif
