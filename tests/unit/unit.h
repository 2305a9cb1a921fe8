/*
 * unit.h: the tiny harness every tests/unit/u-*.c uses.
 *
 *   TEST(name) { CHECK(expr); CHECK_STREQ(a, b); CHECK_INTEQ(a, b); }
 *   int main(void) { return unit_run(); }   -- provided by UNIT_MAIN
 *
 * Each test prints "ok N name" or "not ok N name"; the process exits
 * non-zero when any check failed. tests/run-unit adds up the counts.
 */
#ifndef UNIT_H
#define UNIT_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "run-command.h"
#include "strbuf.h"

typedef void (*unit_fn)(void);
struct unit_test {
	const char *name;
	unit_fn fn;
};

extern int unit_failed_checks;
void unit_register(const char *name, unit_fn fn);

#define TEST(name)                                                       \
	static void test_##name(void);                                   \
	__attribute__((constructor)) static void register_##name(void)   \
	{                                                                \
		unit_register(#name, test_##name);                       \
	}                                                                \
	static void test_##name(void)

#define CHECK(expr)                                                      \
	do {                                                             \
		if (!(expr)) {                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n",     \
				__FILE__, __LINE__, #expr);              \
			unit_failed_checks++;                            \
		}                                                        \
	} while (0)

#define CHECK_STREQ(a, b)                                                \
	do {                                                             \
		const char *a_ = (a), *b_ = (b);                         \
		if (!a_ || !b_ || strcmp(a_, b_)) {                      \
			fprintf(stderr, "%s:%d: '%s' != '%s'\n",         \
				__FILE__, __LINE__, a_ ? a_ : "(null)",  \
				b_ ? b_ : "(null)");                     \
			unit_failed_checks++;                            \
		}                                                        \
	} while (0)

#define CHECK_INTEQ(a, b)                                                \
	do {                                                             \
		long long a_ = (long long)(a), b_ = (long long)(b);      \
		if (a_ != b_) {                                          \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", \
				__FILE__, __LINE__, #a, a_, b_);         \
			unit_failed_checks++;                            \
		}                                                        \
	} while (0)

/*
 * Whether $UNIT_SKIP, names separated by spaces, names this test: it is
 * then not run and reported "ok N name # skip". tests/leakcheck names
 * those valgrind cannot run.
 */
static inline int unit_skipped(const char *name)
{
	const char *list = getenv("UNIT_SKIP"), *p = list;
	size_t len = strlen(name);

	while (p && (p = strstr(p, name))) {
		if ((p == list || p[-1] == ' ') && (!p[len] || p[len] == ' '))
			return 1;
		p += len;
	}
	return 0;
}

/*
 * The scratch directory of this test program, made on first use in
 * $TMPDIR (or /tmp) as PREFIX.XXXXXX, root's and 0755, and removed with all
 * it holds when the program exits.
 */
__attribute__((unused)) static char *unit_scratch_dir_;

__attribute__((unused)) static void unit_scratch_remove_(void)
{
	(void)rm_rf(unit_scratch_dir_);
	free(unit_scratch_dir_);
}

static inline const char *unit_scratch(const char *prefix)
{
	const char *base = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;
	char *dir;

	if (unit_scratch_dir_)
		return unit_scratch_dir_;
	strbuf_addf(&sb, "%s/%s.XXXXXX", base && *base ? base : "/tmp",
		    prefix);
	dir = strbuf_detach(&sb, NULL);
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		abort();
	unit_scratch_dir_ = dir;
	atexit(unit_scratch_remove_);
	return dir;
}

/*
 * A new private directory $TMPDIR/PREFIX.XXXXXX (or under /tmp), for a
 * test that makes and removes its own (rm_rf() and free()).
 */
__attribute__((unused)) static char *unit_mkdtemp(const char *prefix)
{
	const char *base = getenv("TMPDIR");
	struct strbuf name = STRBUF_INIT;
	char *dir;

	if (!base || !*base)
		base = "/tmp";
	strbuf_addf(&name, "%s.XXXXXX", prefix);
	dir = path_join(base, name.buf);
	strbuf_release(&name);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		abort();
	}
	return dir;
}

/* A sparse file dir/name of size bytes; its path, which the caller frees. */
__attribute__((unused)) static char *unit_sparse_file(const char *dir,
						      const char *name,
						      uint64_t size)
{
	char *path = path_join(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INTEQ(ftruncate(fd, (off_t)size), 0);
		close(fd);
	}
	return path;
}

/* Run argv with its output kept quiet: run_command()'s result. */
__attribute__((unused)) static int unit_run_quiet(const char *const *argv)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushv(&cp.args, argv);
	cp.quiet = 1;
	r = run_command(&cp);
	child_process_clear(&cp);
	return r;
}

#define UNIT_MAIN                                                        \
	int unit_failed_checks;                                          \
	static struct unit_test unit_tests[256];                         \
	static int unit_ntests;                                          \
	void unit_register(const char *name, unit_fn fn)                 \
	{                                                                \
		if (unit_ntests < 256)                                   \
			unit_tests[unit_ntests++] =                      \
				(struct unit_test){ name, fn };          \
	}                                                                \
	int main(void)                                                   \
	{                                                                \
		int failed = 0;                                          \
		for (int i = 0; i < unit_ntests; i++) {                  \
			int before = unit_failed_checks;                 \
			if (unit_skipped(unit_tests[i].name)) {          \
				printf("ok %d %s # skip\n", i + 1,       \
				       unit_tests[i].name);              \
				continue;                                \
			}                                                \
			unit_tests[i].fn();                              \
			int bad = unit_failed_checks != before;          \
			failed += bad;                                   \
			printf("%s %d %s\n", bad ? "not ok" : "ok", i + 1, \
			       unit_tests[i].name);                      \
			fflush(stdout);                                  \
		}                                                        \
		return failed ? 1 : 0;                                   \
	}

#endif
