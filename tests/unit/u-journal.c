/*
 * u-journal.c: what a finished run undoes, keeps, restores and releases,
 * and in which order.
 *
 * Mounts and loop devices are released through stand-in umount and losetup
 * scripts put first on PATH: each appends "NAME ARGS" to a record file and
 * exits with the next status queued for it, so a test can make a release
 * fail and see it retried. Every test starts from setup(), which also
 * installs the signal handlers and forgets any pending signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "rootfs.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

struct scratch {
	char *dir;
	char *record;
	char *saved_path;	/* NULL: PATH was unset */
	struct strvec paths;	/* what at() and expand() hand out */
};

static void setup(struct scratch *s)
{
	const char *base = getenv("TMPDIR");
	const char *path = getenv("PATH");
	struct strbuf script = STRBUF_INIT, newpath = STRBUF_INIT;
	char *bin;

	if (!base || !*base)
		base = "/tmp";
	s->dir = path_join(base, "u-journal.XXXXXX");
	if (!mkdtemp(s->dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		abort();
	}
	s->record = path_join(s->dir, "record");
	strvec_init(&s->paths);

	/*
	 * The journal runs umount and losetup with our environment, and the
	 * child looks them up on that PATH.
	 */
	bin = path_join(s->dir, "bin");
	CHECK_INTEQ(mkdir(bin, 0755), 0);
	strbuf_addf(&script,
		    "#!/bin/sh\n"
		    "name=${0##*/}\n"
		    "dir='%s'\n"
		    "echo \"$name $*\" >>\"$dir/record\"\n"
		    "q=\"$dir/$name.status\"\n"
		    "st=0\n"
		    "if [ -s \"$q\" ]; then\n"
		    "\tst=$(head -n 1 \"$q\")\n"
		    "\ttail -n +2 \"$q\" >\"$q.next\"\n"
		    "\tmv \"$q.next\" \"$q\"\n"
		    "fi\n"
		    "exit \"$st\"\n",
		    s->dir);
	for (size_t i = 0; i < 2; i++) {
		char *tool = path_join(bin, i ? "losetup" : "umount");

		CHECK_INTEQ(write_string(tool, script.buf, 0755), 0);
		free(tool);
	}
	s->saved_path = path ? strdup(path) : NULL;
	strbuf_addf(&newpath, "%s:%s", bin,
		    path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	setenv("PATH", newpath.buf, 1);

	CHECK_INTEQ(signals_install(), 0);
	signals_reset();

	strbuf_release(&newpath);
	strbuf_release(&script);
	free(bin);
}

static void teardown(struct scratch *s)
{
	if (s->saved_path)
		setenv("PATH", s->saved_path, 1);
	else
		unsetenv("PATH");
	signals_reset();
	CHECK_INTEQ(rm_rf(s->dir), 0);
	strvec_clear(&s->paths);
	free(s->saved_path);
	free(s->record);
	free(s->dir);
}

/* rel under the scratch directory; valid until teardown(). */
static const char *at(struct scratch *s, const char *rel)
{
	return strvec_pushf(&s->paths, "%s/%s", s->dir, rel);
}

/* text with every "@" replaced by the scratch directory. */
static const char *expand(struct scratch *s, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const char *r;

	for (const char *p = text; *p; p++) {
		if (*p == '@')
			strbuf_addstr(&sb, s->dir);
		else
			strbuf_addch(&sb, *p);
	}
	r = strvec_push(&s->paths, sb.buf);
	strbuf_release(&sb);
	return r;
}

/* Statuses the fake tool exits with on its next calls, one a line. */
static void queue(struct scratch *s, const char *tool, const char *statuses)
{
	struct strbuf name = STRBUF_INIT;

	strbuf_addf(&name, "%s.status", tool);
	CHECK_INTEQ(write_string(at(s, name.buf), statuses, 0644), 0);
	strbuf_release(&name);
}

/* The fakes ran exactly so ("@" is the scratch directory) since last time. */
static void check_calls(struct scratch *s, const char *want)
{
	struct strbuf got = STRBUF_INIT;
	int r = strbuf_read_file(&got, s->record);

	CHECK(r == 0 || r == -ENOENT);
	CHECK_STREQ(got.buf, expand(s, want));
	unlink(s->record);
	strbuf_release(&got);
}

static void put(const char *path, const char *text)
{
	CHECK_INTEQ(write_string(path, text, 0644), 0);
}

/* The file's contents, or "(missing)". */
static const char *contents(struct scratch *s, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *r;

	if (strbuf_read_file(&sb, path) < 0)
		strbuf_addstr(&sb, "(missing)");
	r = strvec_push(&s->paths, sb.buf);
	strbuf_release(&sb);
	return r;
}

static void check_emptied(const struct journal *j)
{
	CHECK_INTEQ(j->nr, 0);
	CHECK(j->e == NULL);
}

/*
 * What the run made for the guest goes only when the run failed and the
 * user did not ask to keep it; newest first, so each directory is empty by
 * the time it is removed. A file already gone is not an error.
 */
TEST(created_undone_on_failure_only)
{
	static const struct {
		int failed, keep, want_gone;
	} cases[] = {
		{ 1, 0, 1 },
		{ 0, 0, 0 },
		{ 1, 1, 0 },
		{ 0, 1, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		const char *d1, *d2, *f, *gone;

		setup(&s);
		d1 = at(&s, "d1");
		d2 = at(&s, "d1/d2");
		f = at(&s, "d1/d2/f");
		gone = at(&s, "d1/gone");
		CHECK_INTEQ(mkdir(d1, 0755), 0);
		journal_add(&j, JOURNAL_CREATED, UNDO_RMDIR, d1);
		CHECK_INTEQ(mkdir(d2, 0755), 0);
		journal_add(&j, JOURNAL_CREATED, UNDO_RMDIR, d2);
		put(f, "f\n");
		journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, f);
		journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, gone);
		CHECK_INTEQ(j.nr, 4);

		CHECK_INTEQ(journal_finish(&j, cases[i].failed, cases[i].keep),
			    0);
		check_emptied(&j);
		CHECK_INTEQ(path_exists(f), !cases[i].want_gone);
		CHECK_INTEQ(path_exists(d2), !cases[i].want_gone);
		CHECK_INTEQ(path_exists(d1), !cases[i].want_gone);
		/* Nothing here was mounted. */
		check_calls(&s, "");
		teardown(&s);
	}
}

/* One undo that fails does not stop the others; the first error is kept. */
TEST(finish_goes_on_after_an_error)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT;
	const char *a, *d, *stray, *b;

	setup(&s);
	a = at(&s, "a");
	d = at(&s, "d");
	stray = at(&s, "d/not-journaled");
	b = at(&s, "b");
	put(a, "a\n");
	journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, a);
	/* A scratch directory something was left in. */
	CHECK_INTEQ(mkdir(d, 0755), 0);
	journal_add(&j, JOURNAL_HELD, UNDO_RMDIR, d);
	put(stray, "x\n");
	put(b, "b\n");
	journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, b);

	CHECK_INTEQ(journal_finish(&j, 1, 0), -ENOTEMPTY);
	check_emptied(&j);
	CHECK(!path_exists(a));
	CHECK(!path_exists(b));
	CHECK(path_exists(stray));
	teardown(&s);
}

/*
 * A directory made for the guest (DIR/domains, say) that a guest built
 * beside this one has put its own directory in is left to it: that is
 * not a failure to undo.
 */
TEST(created_directory_someone_else_uses_is_left)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT;
	const char *d, *theirs, *mine;

	setup(&s);
	d = at(&s, "domains");
	theirs = at(&s, "domains/other");
	mine = at(&s, "domains/mine");
	CHECK_INTEQ(mkdir(d, 0755), 0);
	journal_add(&j, JOURNAL_CREATED, UNDO_RMDIR, d);
	CHECK_INTEQ(mkdir(mine, 0700), 0);
	journal_add(&j, JOURNAL_CREATED, UNDO_RMDIR, mine);
	CHECK_INTEQ(mkdir(theirs, 0700), 0);

	CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
	check_emptied(&j);
	CHECK(!path_exists(mine));
	CHECK(path_exists(theirs));
	teardown(&s);
}

/*
 * What the run holds while it works is released however it ends, newest
 * first: a file system is unmounted before the loop device under it is
 * detached.
 */
TEST(held_released_always_newest_first)
{
	static const struct {
		int failed, keep;
	} cases[] = {
		{ 1, 0 }, { 0, 0 }, { 1, 1 }, { 0, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		const char *mnt;

		setup(&s);
		mnt = at(&s, "mnt");
		CHECK_INTEQ(mkdir(mnt, 0755), 0);
		journal_add(&j, JOURNAL_HELD, UNDO_RMDIR, mnt);
		journal_add(&j, JOURNAL_HELD, UNDO_LOOP_DETACH, "/dev/loop7");
		journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, mnt);
		journal_add(&j, JOURNAL_HELD, UNDO_LOOP_DETACH, "/dev/loop8");
		journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, at(&s, "mnt/boot"));

		CHECK_INTEQ(journal_finish(&j, cases[i].failed, cases[i].keep),
			    0);
		check_emptied(&j);
		check_calls(&s, "umount -R @/mnt/boot\n"
				"losetup -d /dev/loop8\n"
				"umount -R @/mnt\n"
				"losetup -d /dev/loop7\n");
		CHECK(!path_exists(mnt));
		teardown(&s);
	}
}

/*
 * journal_mkdir_p() records the directories it made, oldest first, and
 * nothing that was already there, so a rollback removes exactly those.
 * "have" is a directory and "file" and "have/file" are files before each
 * case; made lists the directories it must record, "" for none.
 */
TEST(mkdir_p_records_only_what_it_made)
{
	static const struct {
		const char *dir;
		int want_r;
		const char *made;
	} cases[] = {
		{ "have/a/b/c", 0, "have/a have/a/b have/a/b/c" },
		{ "have", 0, "" },
		{ "have/", 0, "" },
		{ "have/x/", 0, "have/x" },
		{ "have//y", 0, "have//y" },
		{ "new", 0, "new" },
		{ "file", -ENOTDIR, "" },
		{ "file/sub", -ENOTDIR, "" },
		{ "have/file/sub/deeper", -ENOTDIR, "" },
		/* Made before the file was in the way: still recorded. */
		{ "new2/../file/x", -ENOTDIR, "new2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		struct strvec made = STRVEC_INIT;

		setup(&s);
		fprintf(stderr, "# %s\n", cases[i].dir);
		CHECK_INTEQ(mkdir(at(&s, "have"), 0755), 0);
		put(at(&s, "file"), "file\n");
		put(at(&s, "have/file"), "file\n");

		CHECK_INTEQ(journal_mkdir_p(&j, at(&s, cases[i].dir), 0755),
			    cases[i].want_r);
		if (!cases[i].want_r)
			CHECK(path_is_dir(at(&s, cases[i].dir)));
		strvec_split(&made, cases[i].made, " ");
		CHECK_INTEQ(j.nr, made.nr);
		for (size_t k = 0; k < j.nr && k < made.nr; k++) {
			CHECK_INTEQ(j.e[k].kind, JOURNAL_CREATED);
			CHECK_INTEQ(j.e[k].action, UNDO_RMDIR);
			CHECK_STREQ(j.e[k].arg, at(&s, made.v[k]));
			CHECK(path_is_dir(j.e[k].arg));
		}

		CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
		for (size_t k = 0; k < made.nr; k++)
			CHECK(!path_exists(at(&s, made.v[k])));
		CHECK(path_is_dir(at(&s, "have")));
		CHECK_STREQ(contents(&s, at(&s, "file")), "file\n");
		CHECK_STREQ(contents(&s, at(&s, "have/file")), "file\n");
		strvec_clear(&made);
		teardown(&s);
	}
}

/*
 * --force moves the old guest's file (or directory) aside. A failed run
 * brings it back; a good one deletes it. With --keep the failed new one
 * occupies the name, so it moves to NAME.failed-PID first.
 */
TEST(move_aside_restores_or_deletes)
{
	static const struct {
		int is_dir, failed, keep;
		const char *want;	/* at the name afterwards */
		const char *want_failed; /* at NAME.failed-PID */
	} cases[] = {
		{ 0, 1, 0, "old\n", "(missing)" },
		{ 0, 0, 0, "new\n", "(missing)" },
		{ 0, 1, 1, "old\n", "new\n" },
		{ 0, 0, 1, "new\n", "(missing)" },
		{ 1, 1, 0, "old\n", "(missing)" },
		{ 1, 0, 0, "new\n", "(missing)" },
		{ 1, 1, 1, "old\n", "new\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		struct strbuf name = STRBUF_INIT;
		const char *path, *aside, *failed, *inner, *failed_inner;
		int is_dir = cases[i].is_dir;

		setup(&s);
		path = at(&s, is_dir ? "guest" : "guest.cfg");
		strbuf_addf(&name, ".%s.replaced-%d",
			    is_dir ? "guest" : "guest.cfg", (int)getpid());
		aside = at(&s, name.buf);
		strbuf_reset(&name);
		strbuf_addf(&name, "%s.failed-%d", path, (int)getpid());
		failed = strvec_push(&s.paths, name.buf);
		/* For a directory the contents tell old from new. */
		inner = is_dir ? at(&s, "guest/disk") : path;
		strbuf_addstr(&name, "/disk");
		failed_inner = is_dir ? strvec_push(&s.paths, name.buf) :
					failed;

		if (is_dir)
			CHECK_INTEQ(mkdir(path, 0755), 0);
		put(inner, "old\n");
		CHECK_INTEQ(journal_move_aside(&j, path), 0);
		CHECK(!path_exists(path));
		CHECK(path_exists(aside));
		CHECK_INTEQ(j.nr, 1);
		CHECK_INTEQ(j.e[0].kind, JOURNAL_REPLACED);

		/* The rebuild, as the run journals it. */
		if (is_dir) {
			CHECK_INTEQ(mkdir(path, 0755), 0);
			journal_add(&j, JOURNAL_CREATED, UNDO_RMDIR, path);
		}
		put(inner, "new\n");
		journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, inner);

		CHECK_INTEQ(journal_finish(&j, cases[i].failed, cases[i].keep),
			    0);
		check_emptied(&j);
		CHECK_STREQ(contents(&s, inner), cases[i].want);
		CHECK_STREQ(contents(&s, failed_inner), cases[i].want_failed);
		CHECK(!path_exists(aside));
		if (!strcmp(cases[i].want_failed, "(missing)"))
			CHECK(!path_exists(failed));
		strbuf_release(&name);
		teardown(&s);
	}
}

TEST(move_aside_bad_paths)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT;

	setup(&s);
	CHECK_INTEQ(journal_move_aside(&j, at(&s, "missing")), -ENOENT);
	CHECK_INTEQ(journal_move_aside(&j, "no-slash"), -EINVAL);
	CHECK_INTEQ(j.nr, 0);
	CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
	teardown(&s);
}

/*
 * Releasing the held entries early (before the config is written) leaves
 * the guest's own entries, in order, for the finish that follows.
 */
TEST(release_held_keeps_created)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT;
	const char *d, *f, *mnt;

	setup(&s);
	d = at(&s, "d");
	f = at(&s, "d/f");
	mnt = at(&s, "mnt");
	CHECK_INTEQ(mkdir(d, 0755), 0);
	journal_add(&j, JOURNAL_CREATED, UNDO_RMDIR, d);
	journal_add(&j, JOURNAL_HELD, UNDO_LOOP_DETACH, "/dev/loop3");
	journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, mnt);
	put(f, "f\n");
	journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, f);

	CHECK_INTEQ(journal_release_held(&j), 0);
	check_calls(&s, "umount -R @/mnt\nlosetup -d /dev/loop3\n");
	CHECK_INTEQ(j.nr, 2);
	if (j.nr == 2) {
		CHECK_STREQ(j.e[0].arg, d);
		CHECK_STREQ(j.e[1].arg, f);
	}
	CHECK(path_exists(f));

	/* Nothing held is left to release. */
	CHECK_INTEQ(journal_release_held(&j), 0);
	check_calls(&s, "");

	CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
	check_emptied(&j);
	check_calls(&s, "");
	CHECK(!path_exists(d));
	teardown(&s);
}

/*
 * A release that fails stays in the journal for journal_finish() to try
 * again; a mount only lazily detached (umount -l) is gone all the same
 * but reported as -EBUSY. The loop device is the older entry, the mount
 * (@/mnt) the newer; a file the run made is there too. The status queues
 * decide how each call of the fakes ends.
 */
TEST(failed_release_is_retried)
{
	static const struct {
		const char *what;
		const char *umount_q, *losetup_q;
		int want_release;
		size_t want_left;
		const char *want_calls;
		int want_finish;
		const char *want_retries;
	} cases[] = {
		{ "all released", "", "", 0, 1,
		  "umount -R @/mnt\nlosetup -d /dev/loop0\n", 0, "" },
		{ "busy, lazily detached", "1\n0\n", "", -EBUSY, 1,
		  "umount -R @/mnt\numount -R -l @/mnt\n"
		  "losetup -d /dev/loop0\n", 0, "" },
		{ "umount fails, then works", "1\n1\n0\n", "", -EPROTO, 2,
		  "umount -R @/mnt\numount -R -l @/mnt\n"
		  "losetup -d /dev/loop0\n", 0, "umount -R @/mnt\n" },
		{ "losetup fails, then works", "", "1\n0\n", -EPROTO, 2,
		  "umount -R @/mnt\nlosetup -d /dev/loop0\n", 0,
		  "losetup -d /dev/loop0\n" },
		{ "both fail, then work", "1\n1\n0\n", "1\n0\n", -EPROTO, 3,
		  "umount -R @/mnt\numount -R -l @/mnt\n"
		  "losetup -d /dev/loop0\n", 0,
		  "umount -R @/mnt\nlosetup -d /dev/loop0\n" },
		{ "the retry is busy", "1\n1\n1\n0\n", "", -EPROTO, 2,
		  "umount -R @/mnt\numount -R -l @/mnt\n"
		  "losetup -d /dev/loop0\n", -EBUSY,
		  "umount -R @/mnt\numount -R -l @/mnt\n" },
		{ "umount never works", "1\n1\n1\n1\n", "", -EPROTO, 2,
		  "umount -R @/mnt\numount -R -l @/mnt\n"
		  "losetup -d /dev/loop0\n", -EPROTO,
		  "umount -R @/mnt\numount -R -l @/mnt\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		const char *f;

		setup(&s);
		fprintf(stderr, "# %s\n", cases[i].what);
		f = at(&s, "f");
		put(f, "f\n");
		journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, f);
		journal_add(&j, JOURNAL_HELD, UNDO_LOOP_DETACH, "/dev/loop0");
		journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, at(&s, "mnt"));
		queue(&s, "umount", cases[i].umount_q);
		queue(&s, "losetup", cases[i].losetup_q);

		CHECK_INTEQ(journal_release_held(&j), cases[i].want_release);
		CHECK_INTEQ(j.nr, cases[i].want_left);
		if (j.nr)
			CHECK_STREQ(j.e[0].arg, f);
		check_calls(&s, cases[i].want_calls);
		CHECK(path_exists(f));

		CHECK_INTEQ(journal_finish(&j, 1, 0), cases[i].want_finish);
		check_emptied(&j);
		check_calls(&s, cases[i].want_retries);
		CHECK(!path_exists(f));
		teardown(&s);
	}
}

/* The newest entry, undone now whatever its kind; the older ones stay. */
TEST(pop_undoes_the_newest)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT;
	const char *a, *b, *mnt;

	setup(&s);
	CHECK_INTEQ(journal_pop(&j), 0);
	a = at(&s, "a");
	b = at(&s, "b");
	mnt = at(&s, "mnt");
	put(a, "a\n");
	journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, a);
	journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, mnt);
	put(b, "b\n");
	journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, b);

	CHECK_INTEQ(journal_pop(&j), 0);
	CHECK(!path_exists(b));
	CHECK(path_exists(a));
	check_calls(&s, "");
	queue(&s, "umount", "1\n1\n");
	CHECK_INTEQ(journal_pop(&j), -EPROTO);
	check_calls(&s, "umount -R @/mnt\numount -R -l @/mnt\n");
	/* Popped all the same: a failed pop is not retried. */
	CHECK_INTEQ(j.nr, 1);

	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	check_calls(&s, "");
	CHECK(path_exists(a));
	teardown(&s);
}

/*
 * SIGTERM is what starts a rollback, so it is pending while the rollback
 * runs: the undo commands must run all the same, and the signal stay
 * pending for the caller.
 */
TEST(pending_signal_does_not_stop_undo)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT;
	const char *f;

	setup(&s);
	f = at(&s, "f");
	put(f, "f\n");
	journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, f);
	journal_add(&j, JOURNAL_HELD, UNDO_LOOP_DETACH, "/dev/loop1");
	journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, at(&s, "mnt"));
	journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, at(&s, "mnt/proc"));
	raise(SIGTERM);
	CHECK_INTEQ(signals_pending(), SIGTERM);

	CHECK_INTEQ(journal_pop(&j), 0);
	check_calls(&s, "umount -R @/mnt/proc\n");
	/* A busy mount under a signal: both attempts still run. */
	queue(&s, "umount", "1\n0\n");
	CHECK_INTEQ(journal_release_held(&j), -EBUSY);
	check_calls(&s, "umount -R @/mnt\numount -R -l @/mnt\n"
			"losetup -d /dev/loop1\n");
	journal_add(&j, JOURNAL_HELD, UNDO_LOOP_DETACH, "/dev/loop2");
	CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
	check_calls(&s, "losetup -d /dev/loop2\n");
	CHECK(!path_exists(f));
	CHECK_INTEQ(signals_pending(), SIGTERM);
	teardown(&s);
}

/*
 * A guest file system that went read-only after a write to its disk
 * failed goes with the failed build: what cannot be undone inside it is
 * no error then. Kept (--keep), or after a build that did not fail, it is.
 */
TEST(read_only_guest_tree_goes_with_a_failed_build)
{
	static const struct {
		int failed, keep, want;
	} cases[] = {
		{ 1, 0, 0 },
		{ 1, 1, -EROFS },
		{ 0, 0, -EROFS },
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "# skipped: a read-only mount needs root\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		struct rootfs *root = NULL;
		const char *tree, *policy;

		setup(&s);
		tree = at(&s, "root");
		policy = at(&s, "root/usr/sbin/policy-rc.d");
		CHECK_INTEQ(mkdir_p(at(&s, "root/usr/sbin"), 0755), 0);
		put(policy, "exit 101\n");
		CHECK_INTEQ(rootfs_open(tree, &root, NULL), 0);
		if (!root) {
			teardown(&s);
			break;
		}
		journal_add_in_root(&j, JOURNAL_HELD, UNDO_UNLINK, root,
				    "usr/sbin/policy-rc.d");
		rootfs_free(root);
		CHECK_INTEQ(mount(tree, tree, NULL, MS_BIND, NULL), 0);
		CHECK_INTEQ(mount(NULL, tree, NULL,
				  MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
		CHECK_INTEQ(journal_finish(&j, cases[i].failed, cases[i].keep),
			    cases[i].want);
		check_emptied(&j);
		CHECK(path_exists(policy));
		CHECK_INTEQ(umount(tree), 0);
		teardown(&s);
	}
}

/*
 * What the run put in the guest's tree is undone inside it: a hook that
 * has since swapped the directory for a link to the host's own cannot
 * make the undo remove the host's file or directory of that name.
 */
TEST(in_root_undo_stays_in_the_tree)
{
	static const struct {
		int swap;	/* usr/sbin replaced by a link out */
	} cases[] = { { 0 }, { 1 } };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT;
		struct rootfs *root = NULL;
		const char *policy, *dir, *host_policy, *host_dir;

		setup(&s);
		CHECK_INTEQ(mkdir_p(at(&s, "root/usr/sbin"), 0755), 0);
		CHECK_INTEQ(mkdir_p(at(&s, "host/sbin/made"), 0755), 0);
		host_policy = at(&s, "host/sbin/policy-rc.d");
		host_dir = at(&s, "host/sbin/made");
		put(host_policy, "host\n");
		policy = at(&s, "root/usr/sbin/policy-rc.d");
		dir = at(&s, "root/usr/sbin/made");
		CHECK_INTEQ(rootfs_open(at(&s, "root"), &root, NULL), 0);
		if (!root) {
			teardown(&s);
			continue;
		}
		put(policy, "exit 101\n");
		journal_add_in_root(&j, JOURNAL_HELD, UNDO_UNLINK, root,
				    "usr/sbin/policy-rc.d");
		CHECK_INTEQ(mkdir(dir, 0755), 0);
		journal_add_in_root(&j, JOURNAL_CREATED, UNDO_RMDIR, root,
				    "/usr/sbin/made");
		CHECK_STREQ(j.e[0].arg, policy);
		if (cases[i].swap) {
			CHECK_INTEQ(rename(at(&s, "root/usr/sbin"),
					   at(&s, "root/usr/sbin.old")), 0);
			CHECK_INTEQ(symlink(at(&s, "host/sbin"),
					    at(&s, "root/usr/sbin")), 0);
		}

		CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
		check_emptied(&j);
		CHECK_STREQ(contents(&s, host_policy), "host\n");
		CHECK(path_is_dir(host_dir));
		CHECK_INTEQ(path_exists(at(&s, "root/usr/sbin.old/made")),
			    cases[i].swap);
		if (!cases[i].swap) {
			CHECK(!path_exists(policy));
			CHECK(!path_exists(dir));
		}
		check_calls(&s, "");
		rootfs_free(root);
		teardown(&s);
	}
}

/* An undo by name, for the journals on disk: records its calls in the
 * scratch directory's "calls" file, and fails while "fail" exists. */
static char *call_dir;

static int test_undo_fn(const char *arg, int restore)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	int r = 0;

	strbuf_addf(&path, "%s/fail", call_dir);
	if (path_exists(path.buf))
		r = -EIO;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/calls", call_dir);
	(void)strbuf_read_file(&sb, path.buf);
	strbuf_addf(&sb, "%s %d%s\n", arg, restore, r ? " failed" : "");
	CHECK_INTEQ(write_string(path.buf, sb.buf, 0644), 0);
	strbuf_release(&sb);
	strbuf_release(&path);
	return r;
}

static const struct journal_undo test_undo = {
	"test-undo", "test-undo", NULL, test_undo_fn, 0,
};
static const struct journal_undo *const test_undos[] = { &test_undo, NULL };

/* Forget j as a run killed outright would: nothing undone. */
static void die(struct journal *j)
{
	journal_release(j);
}

static void collect(void *data, const char *what)
{
	strbuf_addf(data, "%s\n", what);
}

/*
 * What goes to disk comes back: every entry still standing, with names
 * holding spaces, newlines, backslashes and a lone "-"; not those
 * cancelled or popped; the run's guest, pid, stage and --keep.
 */
TEST(journal_file_round_trip)
{
	static const char *const odd[] = {
		"a b", "new\nline", "back\\slash", "-", "tab\there",
	};
	struct scratch s;
	struct journal j = JOURNAL_INIT, back = JOURNAL_INIT;
	struct journal_run run;
	struct strbuf err = STRBUF_INIT;
	const char *path;

	setup(&s);
	call_dir = s.dir;
	path = at(&s, "runs/web1@42.journal");
	CHECK_INTEQ(journal_open_file(&j, path, "web1", 1, &err), 0);
	CHECK_STREQ(err.buf, "");
	/* Never over another run's journal. */
	{
		struct journal other = JOURNAL_INIT;

		CHECK_INTEQ(journal_open_file(&other, path, "web1", 0, &err),
			    -EEXIST);
		CHECK(strstr(err.buf, path) != NULL);
		strbuf_reset(&err);
	}
	journal_set_stage(&j, "disks");
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++)
		CHECK_INTEQ(journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK,
					at(&s, odd[i])), 0);
	CHECK_INTEQ(journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK,
				at(&s, "cancelled")), 0);
	journal_cancel(&j);
	CHECK_INTEQ(journal_add(&j, JOURNAL_HELD, UNDO_RMDIR,
				at(&s, "popped")), 0);
	CHECK_INTEQ(journal_pop(&j), 0);
	CHECK_INTEQ(journal_add_call(&j, JOURNAL_CREATED, &test_undo,
				     "vg/lv one"), 0);
	journal_set_stage(&j, "install");
	die(&j);

	CHECK_INTEQ(journal_load(path, test_undos, &back, &run, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(run.guest, "web1");
	CHECK_INTEQ(run.pid, (long)getpid());
	CHECK_STREQ(run.stage, "install");
	CHECK_INTEQ(run.keep, 1);
	CHECK_INTEQ(run.committed, 0);
	CHECK_INTEQ(back.nr, ARRAY_SIZE(odd) + 1);
	for (size_t i = 0; i < ARRAY_SIZE(odd); i++) {
		CHECK_STREQ(back.e[i].arg, at(&s, odd[i]));
		CHECK_INTEQ(back.e[i].kind, JOURNAL_CREATED);
		CHECK_INTEQ(back.e[i].action, UNDO_UNLINK);
	}
	CHECK_INTEQ(back.e[ARRAY_SIZE(odd)].action, UNDO_CALL);
	CHECK(back.e[ARRAY_SIZE(odd)].undo == &test_undo);
	CHECK_STREQ(back.e[ARRAY_SIZE(odd)].arg, "vg/lv one");
	journal_release(&back);
	journal_run_release(&run);
	strbuf_release(&err);
	teardown(&s);
}

/*
 * A dead run's journal undone: what it made goes (unless it had
 * committed, or ran with --keep), what it moved aside comes back (or goes,
 * once committed), its scratch directory goes, and what died with it (a
 * mount, a loop device, a file in the guest's tree) is left alone. A dry
 * run says the same and does nothing.
 */
TEST(dead_run_undone)
{
	static const struct {
		int committed, keep;
		const char *want_cfg;	/* at the config's name after */
		int made_stays, restore_arg;
	} cases[] = {
		{ 0, 0, "old\n", 0, 1 },
		{ 1, 0, "new\n", 1, 0 },
		{ 0, 1, "old\n", 1, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT, back = JOURNAL_INIT;
		struct journal_run run;
		struct strbuf err = STRBUF_INIT, said = STRBUF_INIT;
		struct strbuf aside = STRBUF_INIT, want = STRBUF_INIT;
		const char *path, *cfg, *dir, *disk, *mnt;
		struct rootfs *root = NULL;
		int n;

		setup(&s);
		call_dir = s.dir;
		path = at(&s, "runs/web1@7.journal");
		cfg = at(&s, "web1.cfg");
		dir = at(&s, "domains");
		disk = at(&s, "domains/disk.img");
		mnt = at(&s, "mnt");
		put(cfg, "old\n");
		CHECK_INTEQ(journal_open_file(&j, path, "web1", cases[i].keep,
					      &err), 0);
		CHECK_INTEQ(journal_move_aside(&j, cfg), 0);
		put(cfg, "new\n");
		CHECK_INTEQ(journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, cfg),
			    0);
		CHECK_INTEQ(journal_mkdir_p(&j, dir, 0755), 0);
		CHECK_INTEQ(journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK, disk),
			    0);
		put(disk, "data\n");
		CHECK_INTEQ(journal_add_call(&j, JOURNAL_CREATED, &test_undo,
					     "vg/web1-disk"), 0);
		CHECK_INTEQ(journal_add(&j, JOURNAL_HELD, UNDO_RMDIR, mnt), 0);
		CHECK_INTEQ(mkdir(mnt, 0700), 0);
		CHECK_INTEQ(journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT, mnt), 0);
		journal_add_loop(&j, "/dev/loop9", disk, -1);
		CHECK_INTEQ(rootfs_open(s.dir, &root, NULL), 0);
		if (root) {
			CHECK_INTEQ(journal_add_in_root(&j, JOURNAL_HELD,
							UNDO_UNLINK, root,
							"domains/disk.img"), 0);
			rootfs_free(root);
		}
		die(&j);
		if (cases[i].committed) {
			int fd = open(path, O_WRONLY | O_APPEND);

			CHECK(fd >= 0);
			CHECK_INTEQ(write_all(fd, "commit\n", 7), 0);
			close(fd);
		}

		CHECK_INTEQ(journal_load(path, test_undos, &back, &run, &err),
			    0);
		CHECK_INTEQ(run.committed, cases[i].committed);
		n = (int)back.nr;
		/* Dry run: said, not done. */
		CHECK(journal_undo_dead(&back, &run, 1, collect, &said) > 0);
		CHECK_INTEQ((int)back.nr, n);
		CHECK_STREQ(contents(&s, cfg), "new\n");
		CHECK(path_is_dir(mnt));
		strbuf_addf(&aside, "%s/.web1.cfg.replaced-%d", s.dir,
			    (int)getpid());
		if (cases[i].committed || cases[i].keep) {
			strbuf_addf(&want, "remove the directory '%s' if "
				    "empty\n", mnt);
		} else {
			strbuf_addf(&want, "remove the directory '%s' if "
				    "empty\ntest-undo 'vg/web1-disk'\n"
				    "remove '%s'\nremove the directory '%s' "
				    "if empty\nremove '%s'\n", mnt, disk, dir,
				    cfg);
		}
		if (cases[i].committed)
			strbuf_addf(&want, "remove '%s' (what '%s' replaced)\n",
				    aside.buf, cfg);
		else
			strbuf_addf(&want, "put '%s' back from '%s'\n", cfg,
				    aside.buf);
		CHECK_STREQ(said.buf, want.buf);

		CHECK(journal_undo_dead(&back, &run, 0, NULL, NULL) > 0);
		CHECK_INTEQ(back.nr, 0);
		CHECK_INTEQ(journal_save_left(&back, &run, path), 0);
		CHECK(!path_exists(path));
		CHECK_STREQ(contents(&s, cfg), cases[i].want_cfg);
		CHECK(!path_exists(aside.buf));
		CHECK_INTEQ(path_exists(disk), cases[i].made_stays);
		CHECK(!path_exists(mnt));
		CHECK_STREQ(contents(&s, at(&s, "calls")),
			    cases[i].made_stays ? "(missing)" :
			    "vg/web1-disk 1\n");
		/* Nothing of what died with the run was touched. */
		check_calls(&s, "");
		journal_release(&back);
		journal_run_release(&run);
		strbuf_release(&err);
		strbuf_release(&said);
		strbuf_release(&aside);
		strbuf_release(&want);
		teardown(&s);
	}
}

/* An undo that fails is reported and kept, on disk too, for the next try;
 * what is already gone is no failure. */
TEST(dead_run_failure_kept)
{
	struct scratch s;
	struct journal j = JOURNAL_INIT, back = JOURNAL_INIT;
	struct journal_run run;
	struct strbuf err = STRBUF_INIT;
	const char *path;

	setup(&s);
	call_dir = s.dir;
	path = at(&s, "runs/web1@7.journal");
	CHECK_INTEQ(journal_open_file(&j, path, "web1", 0, &err), 0);
	CHECK_INTEQ(journal_add(&j, JOURNAL_CREATED, UNDO_UNLINK,
				at(&s, "never-made")), 0);
	CHECK_INTEQ(journal_add_call(&j, JOURNAL_CREATED, &test_undo,
				     "vg/lv"), 0);
	die(&j);
	put(at(&s, "fail"), "");

	for (int round = 0; round < 2; round++) {
		CHECK_INTEQ(journal_load(path, test_undos, &back, &run, &err),
			    0);
		CHECK_INTEQ(back.nr, round ? 1 : 2);
		CHECK_INTEQ(journal_undo_dead(&back, &run, 0, NULL, NULL),
			    round ? 0 : 1);
		CHECK_INTEQ(back.nr, 1);
		CHECK_STREQ(back.e[0].arg, "vg/lv");
		CHECK_INTEQ(journal_save_left(&back, &run, path), 0);
		CHECK(path_exists(path));
		journal_release(&back);
		journal_run_release(&run);
	}
	unlink(at(&s, "fail"));
	CHECK_INTEQ(journal_load(path, test_undos, &back, &run, &err), 0);
	CHECK_INTEQ(journal_undo_dead(&back, &run, 0, NULL, NULL), 1);
	CHECK_INTEQ(journal_save_left(&back, &run, path), 0);
	CHECK(!path_exists(path));
	CHECK_STREQ(contents(&s, at(&s, "calls")),
		    "vg/lv 1 failed\nvg/lv 1 failed\nvg/lv 1\n");
	journal_release(&back);
	journal_run_release(&run);
	strbuf_release(&err);
	teardown(&s);
}

/* A live run's journal goes when it finishes, whether it failed or not;
 * what it could not undo stays in it for the next run. */
TEST(finish_removes_or_keeps_the_file)
{
	for (int fail_undo = 0; fail_undo < 2; fail_undo++) {
		struct scratch s;
		struct journal j = JOURNAL_INIT, back = JOURNAL_INIT;
		struct journal_run run;
		struct strbuf err = STRBUF_INIT;
		const char *path;

		setup(&s);
		call_dir = s.dir;
		path = at(&s, "runs/web1@7.journal");
		CHECK_INTEQ(journal_open_file(&j, path, "web1", 0, &err), 0);
		CHECK_INTEQ(journal_add_call(&j, JOURNAL_CREATED, &test_undo,
					     "vg/lv"), 0);
		CHECK_INTEQ(journal_add(&j, JOURNAL_HELD, UNDO_UMOUNT,
					at(&s, "mnt")), 0);
		if (fail_undo) {
			put(at(&s, "fail"), "");
			queue(&s, "umount", "32\n32\n");
		}
		CHECK_INTEQ(journal_finish(&j, 1, 0) < 0, fail_undo);
		CHECK_INTEQ(path_exists(path), fail_undo);
		if (fail_undo) {
			CHECK_INTEQ(journal_load(path, test_undos, &back, &run,
						 &err), 0);
			/* The mount went with the run's namespace. */
			CHECK_INTEQ(back.nr, 1);
			CHECK_STREQ(back.e[0].arg, "vg/lv");
			journal_release(&back);
			journal_run_release(&run);
		}
		strbuf_release(&err);
		teardown(&s);
	}
}

/* Not a journal, or a damaged one: -EBADMSG naming the file (and line);
 * a last record cut short by the run's death is no damage. */
TEST(journal_load_refuses_damage)
{
	static const struct {
		const char *text;
		int want, entries;
	} cases[] = {
		{ "", -EBADMSG, 0 },
		{ "something else\n", -EBADMSG, 0 },
		{ "create-image-journal 1\npid 1\n", -EBADMSG, 0 },
		{ "create-image-journal 1\nguest a\npid 1\n+ 1 created "
		  "unlink /x - -\n+ 2 created unl", 0, 1 },
		{ "create-image-journal 1\nguest a\npid 1\n+ 1 made "
		  "unlink /x - -\n", -EBADMSG, 0 },
		{ "create-image-journal 1\nguest a\npid 1\n+ 1 created "
		  "unlink /x -\n", -EBADMSG, 0 },
		{ "create-image-journal 1\nguest a\npid 1\n+ 1 created "
		  "unlink /\\x0 - -\n", -EBADMSG, 0 },
		{ "create-image-journal 1\nguest a\npid 1\n+ 1 created "
		  "call vg/lv - -\n", -EBADMSG, 0 },
		{ "create-image-journal 1\nguest a\npid 1\n+ 1 created "
		  "call vg/lv - unknown-undo\n", 0, 1 },
		{ "create-image-journal 1\nguest a\npid 1\nwhat 3\n",
		  -EBADMSG, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scratch s;
		struct journal back = JOURNAL_INIT;
		struct journal_run run;
		struct strbuf err = STRBUF_INIT;
		const char *path;

		setup(&s);
		path = at(&s, "j");
		put(path, cases[i].text);
		CHECK_INTEQ(journal_load(path, test_undos, &back, &run, &err),
			    cases[i].want);
		CHECK_INTEQ(back.nr, cases[i].entries);
		if (cases[i].want < 0)
			CHECK(strstr(err.buf, path) != NULL);
		journal_release(&back);
		journal_run_release(&run);
		strbuf_release(&err);
		teardown(&s);
	}
}
