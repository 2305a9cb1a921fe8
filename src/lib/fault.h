/*
 * fault.h: failures on demand, for the test suite. Compiled in only with
 * -DFAULT_INJECTION (the test build, build/tests/create-image); otherwise
 * fault_check() is an inline 0 and nothing reads the environment.
 *
 * Each place that creates something counts as a point of its kind: a
 * step the journal is about to record, an external command about to be
 * started (run-command), a file about to be written (fsutil, rootfs,
 * conffile; never the log). $CREATE_IMAGE_FAULT=KIND:N (KIND step,
 * command or write; N from 1) makes the Nth point of that kind fail with
 * -EIO, so the caller takes its ordinary error path and says what failed
 * in its ordinary words; the log file gets "injected fault: command 7
 * (mkfs.ext4)". $CREATE_IMAGE_FAULT_LOG=FILE gets one line per point
 * counted, "command 7 mkfs.ext4", so a test can run cleanly first and
 * learn how many points of each kind a build has and what they are.
 *
 * Only the process that was started counts, from the first instruction of
 * main() on: the environment is read (and removed) before main() runs,
 * and the process's id kept. What it forks (a fleet's workers, the
 * sandbox, the guard) and what it starts (hooks, in-guest) count nothing,
 * so the numbers of one run are the same each time. A fleet's guests are
 * built in workers: a fleet fails nothing. Call from the main thread.
 */
#ifndef FAULT_H
#define FAULT_H

enum fault_point { FAULT_STEP, FAULT_COMMAND, FAULT_WRITE };

#ifdef FAULT_INJECTION
/* Count one point of kind p, named what (a path, a command name): -EIO when
 * it is the one $CREATE_IMAGE_FAULT asks to fail, else 0. */
int fault_check(enum fault_point p, const char *what);
/*
 * Read $CREATE_IMAGE_FAULT and $CREATE_IMAGE_FAULT_LOG again, remove them
 * from the environment, and count from zero in this process: done before
 * main(), which exits 2 when the spec is bad. For the unit tests. 0, or
 * -EINVAL when the spec is not KIND:N (nothing fails then).
 */
int fault_reset(void);
#else
static inline int fault_check(enum fault_point p, const char *what)
{
	(void)p;
	(void)what;
	return 0;
}
#endif

#endif
