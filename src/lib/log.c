/* log.c: see log.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "fsutil.h"
#include "log.h"
#include "strbuf.h"

static const char *prog = "create-image";
static int verbose;
static int debug_env;
static int quiet;
static int log_fd = -1;
static void (*hook_before)(void *data);
static void (*hook_after)(void *data);
static void *hook_data;

void log_init(const char *p)
{
	const char *slash = strrchr(p, '/');

	prog = slash ? slash + 1 : p;
}

const char *log_prog(void)
{
	return prog;
}

void log_set_verbose(int v)
{
	verbose = v;
}

void log_set_debug(int d)
{
	debug_env = d;
	if (d)
		verbose = 1;
}

int log_debug(void)
{
	return debug_env;
}

int log_verbose(void)
{
	return verbose;
}

void log_set_quiet(int q)
{
	quiet = q;
}

void log_set_stderr_hooks(void (*before)(void *data),
			  void (*after)(void *data), void *data)
{
	hook_before = before;
	hook_after = after;
	hook_data = data;
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
		      0600);

	if (fd < 0)
		return -errno;
	/* An existing file keeps its mode on open; the log may hold secrets
	 * of the guest's set-up, so tighten it. */
	if (fchmod(fd, 0600) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	log_close_file();
	log_fd = fd;
	return 0;
}

void log_close_file(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void log_file_raw(const char *data, unsigned long len)
{
	if (log_fd >= 0)
		(void)write_all(log_fd, data, len);
}

static void stamp(struct strbuf *sb)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) && strftime(when, sizeof(when), "%F %T", &tm))
		strbuf_addf(sb, "%s ", when);
}

void log_file_printf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (log_fd < 0)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	log_file_raw(sb.buf, sb.len);
	strbuf_release(&sb);
}

static void emit(int to_stderr, const char *kind, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	struct strbuf line = STRBUF_INIT;

	strbuf_vaddf(&msg, fmt, ap);
	if (to_stderr) {
		if (hook_before)
			hook_before(hook_data);
		fprintf(stderr, "%s: %s%s\n", prog, kind, msg.buf);
		if (hook_after)
			hook_after(hook_data);
	}
	if (log_fd >= 0) {
		stamp(&line);
		strbuf_addf(&line, "%s%s\n", kind, msg.buf);
		log_file_raw(line.buf, line.len);
	}
	strbuf_release(&msg);
	strbuf_release(&line);
}

int log_error_errno(int err, const char *fmt, ...)
{
	va_list ap;

	errno = err < 0 ? -err : err;
	va_start(ap, fmt);
	emit(1, "", fmt, ap);
	va_end(ap);
	return err;
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, "", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, "warning: ", fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(!quiet, "", fmt, ap);
	va_end(ap);
}

void debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(verbose, "", fmt, ap);
	va_end(ap);
}
