/*
 * u-qcow2-fuse.c: the daemon's argv and pid file, the overlay's qemu-img
 * argv, and the export's journal entry: undone by the next run after a
 * run killed outright, unlike what a run only holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clone.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "qcow2-fuse.h"
#include "storage.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static void check_argv(const struct strvec *got, const char *const *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	CHECK_INTEQ(got->nr, n);
	for (size_t i = 0; i < n && i < got->nr; i++)
		CHECK_STREQ(got->v[i], want[i]);
}

TEST(qcow2_fuse_daemon_argv)
{
	static const char *const want[] = {
		"qemu-storage-daemon", "--daemonize",
		"--pidfile", "/srv/xen/domains/a/.disk.qcow2.fuse.pid",
		"--blockdev",
		"driver=file,node-name=file,"
		"filename=/srv/xen/domains/a/disk.qcow2",
		"--blockdev", "driver=qcow2,node-name=disk,file=file",
		"--export",
		"type=fuse,id=export,node-name=disk,"
		"mountpoint=/srv/xen/domains/a/.disk.qcow2.fuse,"
		"writable=on,allow-other=off",
		NULL,
	};
	struct strvec args = STRVEC_INIT;
	char *pidfile = qcow2_fuse_pidfile("/srv/xen/domains/a/.disk.qcow2"
					   ".fuse");

	CHECK_STREQ(pidfile, "/srv/xen/domains/a/.disk.qcow2.fuse.pid");
	qcow2_fuse_args("/srv/xen/domains/a/disk.qcow2",
			"/srv/xen/domains/a/.disk.qcow2.fuse", pidfile, &args);
	check_argv(&args, want);
	strvec_clear(&args);
	free(pidfile);
}

/* A comma ends a value in qemu's options: doubled, it is one. */
TEST(qcow2_fuse_argv_doubles_commas)
{
	struct strvec args = STRVEC_INIT;

	qcow2_fuse_args("/a,b/disk.qcow2", "/a,b/.disk.qcow2.fuse",
			"/a,b/p", &args);
	CHECK_INTEQ(args.nr, 10);
	CHECK_STREQ(args.v[3], "/a,b/p");
	CHECK_STREQ(args.v[5], "driver=file,node-name=file,"
		    "filename=/a,,b/disk.qcow2");
	CHECK(strstr(args.v[9], "mountpoint=/a,,b/.disk.qcow2.fuse,"
		     "writable=on") != NULL);
	strvec_clear(&args);
}

TEST(clone_overlay_argv)
{
	static const char *const want[] = {
		"qemu-img", "create", "-q", "-f", "qcow2", "-b",
		"/var/cache/create-image/bases/b.ext4-0123456789ab.qcow2",
		"-F", "qcow2", "/srv/xen/domains/a/disk.qcow2", "3221225472",
		NULL,
	};
	struct strvec args = STRVEC_INIT;

	clone_overlay_args("/var/cache/create-image/bases/"
			   "b.ext4-0123456789ab.qcow2",
			   "/srv/xen/domains/a/disk.qcow2", 3ULL << 30, &args);
	check_argv(&args, want);
	strvec_clear(&args);
}

/* No daemon exports onto a path nobody mounted. */
TEST(qcow2_fuse_find_none)
{
	CHECK_INTEQ(qcow2_fuse_find("/nonexistent/.disk.qcow2.fuse"), 0);
}

static char *touch(const char *dir, const char *name)
{
	char *p = path_join(dir, name);

	CHECK(write_file(p, "", 0, 0600) >= 0);
	return p;
}

/* With no daemon, stopping only removes the mount point and pid file;
 * twice is no failure. */
TEST(qcow2_fuse_stop_without_daemon)
{
	struct strbuf err = STRBUF_INIT;
	const char *dir = unit_scratch("u-qcow2-fuse");
	char *mnt = touch(dir, ".stop.fuse"), *pid = touch(dir,
							   ".stop.fuse.pid");

	CHECK_INTEQ(qcow2_fuse_stop(mnt, &err), 0);
	CHECK(!path_exists(mnt));
	CHECK(!path_exists(pid));
	CHECK_INTEQ(qcow2_fuse_stop(mnt, &err), 0);
	CHECK_STREQ(err.buf, "");
	strbuf_release(&err);
	free(mnt);
	free(pid);
}

/*
 * A run dies with the export in its journal: the next run's recovery
 * undoes it (the daemon is not the run's to lose), while a file the run
 * only held is left as held entries are.
 */
TEST(qcow2_fuse_entry_outlives_the_run)
{
	struct journal j = JOURNAL_INIT, dead = JOURNAL_INIT;
	struct journal_run run;
	struct strbuf err = STRBUF_INIT;
	const char *dir = unit_scratch("u-qcow2-fuse");
	char *path = path_join(dir, "g@1.journal");
	char *mnt = touch(dir, ".disk.qcow2.fuse");
	char *held = touch(dir, "held");
	int undone;

	CHECK_INTEQ(journal_open_file(&j, path, "g", 0, &err), 0);
	CHECK_INTEQ(journal_add(&j, JOURNAL_HELD, UNDO_UNLINK, held), 0);
	CHECK_INTEQ(journal_add_call(&j, JOURNAL_HELD, &qcow2_fuse_undo,
				     mnt), 0);
	/* Killed: nothing undone, the journal left on disk. */
	journal_release(&j);
	CHECK_INTEQ(journal_load(path, storage_undos, &dead, &run, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(dead.nr, 2);
	if (dead.nr == 2) {
		CHECK(dead.e[1].undo == &qcow2_fuse_undo);
		CHECK_INTEQ(dead.e[1].kind, JOURNAL_HELD);
		CHECK_STREQ(dead.e[1].arg, mnt);
	}
	undone = journal_undo_dead(&dead, &run, 0, NULL, NULL);
	CHECK_INTEQ(undone, 1);
	CHECK(!path_exists(mnt));
	CHECK(path_exists(held));
	CHECK_INTEQ(dead.nr, 0);
	journal_release(&dead);
	journal_run_release(&run);
	(void)unlink(path);
	strbuf_release(&err);
	free(path);
	free(mnt);
	free(held);
}
