/*
 * u-blockdev.c: what libblkid finds on image files, wiping it, and loop
 * devices over a byte range, with real mkfs, a real GPT (written with
 * libparted) and real loop devices.
 *
 * Every test works in its own scratch directory. The loop-device tests
 * need root; without it they say so on stderr and check nothing.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <parted/parted.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blockdev.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1024 * 1024ULL)

static void scratch_done(char *dir)
{
	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
}

static int need_root(void)
{
	if (geteuid() == 0)
		return 1;
	fprintf(stderr, "# skipped: loop devices need root\n");
	return 0;
}

/* Write len bytes of c at off, through the page cache and to the disk. */
static void fill(const char *path, uint64_t off, uint64_t len, int c)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	char *buf = xcalloc(1, MIB);

	memset(buf, c, MIB);
	CHECK(fd >= 0);
	while (fd >= 0 && len) {
		size_t n = len < MIB ? (size_t)len : MIB;

		CHECK_INTEQ(pwrite(fd, buf, n, (off_t)off), n);
		off += n;
		len -= n;
	}
	if (fd >= 0) {
		CHECK_INTEQ(fsync(fd), 0);
		close(fd);
	}
	free(buf);
}

/* 1 when every byte of [off, off+len) is c. */
static int all_bytes(const char *path, uint64_t off, uint64_t len, int c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *buf = xcalloc(1, MIB);
	int same = fd >= 0;

	while (same && len) {
		size_t n = len < MIB ? (size_t)len : MIB;

		if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
			same = 0;
		for (size_t i = 0; same && i < n; i++)
			same = buf[i] == c;
		off += n;
		len -= n;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return same;
}

/* 1 when the bytes at off are s. */
static int holds(const char *path, uint64_t off, const char *s)
{
	size_t len = strlen(s);
	char *buf = xcalloc(1, len);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = fd >= 0 && pread(fd, buf, len, (off_t)off) == (ssize_t)len &&
		!memcmp(buf, s, len);

	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* Write s at off of a block device and flush it to what backs it. */
static void put(const char *dev, uint64_t off, const char *s)
{
	int fd = open(dev, O_WRONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INTEQ(pwrite(fd, s, strlen(s), (off_t)off), strlen(s));
	CHECK_INTEQ(fsync(fd), 0);
	close(fd);
}

static int run(const char *const *argv, const char *path)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	for (size_t i = 0; argv[i]; i++)
		strvec_push(&cp.args, argv[i]);
	strvec_push(&cp.args, path);
	cp.quiet = 1;
	r = run_command(&cp);
	if (r < 0)
		fprintf(stderr, "%s failed: %s", argv[0], cp.tail.buf);
	child_process_clear(&cp);
	return r;
}

static int mkfs_ext4(const char *path)
{
	return run((const char *[]){ "mkfs.ext4", "-q", "-F", NULL }, path);
}

/* A GPT with one partition, primary and backup headers, as parted does. */
static int make_gpt(const char *path)
{
	PedDevice *dev = ped_device_get(path);
	PedDisk *disk = NULL;
	PedPartition *part;
	PedConstraint *c = NULL;
	int ok = 0;

	if (!dev)
		return -1;
	disk = ped_disk_new_fresh(dev, ped_disk_type_get("gpt"));
	if (disk) {
		c = ped_device_get_constraint(dev);
		part = ped_partition_new(disk, PED_PARTITION_NORMAL,
					 ped_file_system_type_get("ext4"),
					 2048, 4095);
		ok = part && ped_disk_add_partition(disk, part, c) &&
		     ped_disk_commit_to_dev(disk);
	}
	if (c)
		ped_constraint_destroy(c);
	if (disk)
		ped_disk_destroy(disk);
	ped_device_destroy(dev);
	return ok ? 0 : -1;
}

/* 1 when a GPT header sits in sector lba (negative: from the end). */
static int gpt_header_at(const char *path, int64_t lba)
{
	uint64_t size = 0;

	CHECK_INTEQ(blockdev_size(path, &size), 0);
	return holds(path, lba < 0 ? size + (uint64_t)lba * 512 :
			   (uint64_t)lba * 512, "EFI PART");
}

/* What blockdev_probe() says about path: "" for nothing, else what. */
static const char *probe(const char *path, struct strbuf *what)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	strbuf_reset(what);
	r = blockdev_probe(path, what, &err);
	CHECK_STREQ(err.buf, "");
	CHECK(r == (what->len ? 1 : 0));
	strbuf_release(&err);
	return what->buf;
}

static int wipe(const char *path, int full)
{
	struct strbuf err = STRBUF_INIT;
	int r = blockdev_wipe(path, full, &err);

	if (r < 0)
		fprintf(stderr, "wipe: %s\n", err.buf);
	CHECK(r < 0 ? err.len > 0 : err.len == 0);
	strbuf_release(&err);
	return r;
}

TEST(size_of_files_and_what_is_not_one)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *missing = path_join(dir, "missing");
	char *file = unit_sparse_file(dir, "f", 3 * MIB + 7);
	char *empty = unit_sparse_file(dir, "empty", 0);
	uint64_t size = 1;

	CHECK_INTEQ(blockdev_size(file, &size), 0);
	CHECK_INTEQ(size, 3 * MIB + 7);
	CHECK_INTEQ(blockdev_size(empty, &size), 0);
	CHECK_INTEQ(size, 0);
	size = 1;
	CHECK_INTEQ(blockdev_size(missing, &size), -ENOENT);
	CHECK_INTEQ(blockdev_size(dir, &size), -EISDIR);
	CHECK_INTEQ(blockdev_size("/dev/null", &size), -ENOTBLK);
	CHECK_INTEQ(size, 1);

	free(missing);
	free(file);
	free(empty);
	scratch_done(dir);
}

TEST(a_fresh_file_holds_nothing)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *file = unit_sparse_file(dir, "disk.img", 16 * MIB);
	char *missing = path_join(dir, "missing");
	struct strbuf what = STRBUF_INIT, err = STRBUF_INIT;

	CHECK_STREQ(probe(file, &what), "");
	fill(file, 0, 16 * MIB, 0x5a);
	CHECK_STREQ(probe(file, &what), "");

	CHECK_INTEQ(blockdev_probe(missing, &what, &err), -ENOENT);
	CHECK(strstr(err.buf, "missing'") != NULL);

	strbuf_release(&what);
	strbuf_release(&err);
	free(missing);
	free(file);
	scratch_done(dir);
}

TEST(probe_names_what_it_finds)
{
	static const struct {
		const char *argv[4];
		uint64_t size;
		const char *want;
	} cases[] = {
		{ { "mkfs.ext4", "-q", "-F" }, 16 * MIB,
		  "an ext4 file system" },
		{ { "mkfs.ext2", "-q", "-F" }, 16 * MIB,
		  "an ext2 file system" },
		{ { "mkswap" }, 16 * MIB, "a swap area" },
		{ { "mkfs.xfs", "-f", "-q" }, 300 * MIB,
		  "an xfs file system" },
		{ { "mkfs.btrfs", "-f", "-q" }, 300 * MIB,
		  "a btrfs file system" },
	};
	char *dir = unit_mkdtemp("u-blockdev");
	struct strbuf what = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *file = unit_sparse_file(dir, "disk.img", cases[i].size);

		CHECK_INTEQ(run(cases[i].argv, file), 0);
		CHECK_STREQ(probe(file, &what), cases[i].want);
		CHECK_INTEQ(wipe(file, 0), 0);
		CHECK_STREQ(probe(file, &what), "");
		free(file);
	}
	strbuf_release(&what);
	scratch_done(dir);
}

TEST(wipe_zeroes_the_ends_and_keeps_the_middle)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *file = unit_sparse_file(dir, "disk.img", 16 * MIB);
	struct strbuf what = STRBUF_INIT;
	uint64_t size = 0;

	CHECK_INTEQ(mkfs_ext4(file), 0);
	/* Nothing at either end would be zero by chance. */
	fill(file, 15 * MIB, MIB, 0xa5);
	fill(file, 8 * MIB, 64 * 1024, 0x5a);
	CHECK(!all_bytes(file, 0, MIB, 0));
	CHECK_STREQ(probe(file, &what), "an ext4 file system");

	CHECK_INTEQ(wipe(file, 0), 0);
	CHECK_STREQ(probe(file, &what), "");
	CHECK(all_bytes(file, 0, MIB, 0));
	CHECK(all_bytes(file, 15 * MIB, MIB, 0));
	CHECK(all_bytes(file, 8 * MIB, 64 * 1024, 0x5a));
	CHECK_INTEQ(blockdev_size(file, &size), 0);
	CHECK_INTEQ(size, 16 * MIB);

	/* Smaller than the two ends together: all of it. */
	free(file);
	file = unit_sparse_file(dir, "small.img", MIB + MIB / 2);
	fill(file, 0, MIB + MIB / 2, 0x5a);
	CHECK_INTEQ(wipe(file, 0), 0);
	CHECK(all_bytes(file, 0, MIB + MIB / 2, 0));

	strbuf_release(&what);
	free(file);
	scratch_done(dir);
}

/*
 * Past the first MiB, where zeroing the ends does not reach: VMFS keeps
 * its volume header at 1 MiB and its file system at 2 MiB. Nothing here
 * makes VMFS, so only the magic numbers libblkid looks for are written.
 */
TEST(wipe_erases_signatures_between_the_ends)
{
	static const struct {
		uint64_t off;
		const char *magic;
		const char *want;
	} cases[] = {
		{ MIB, "\x0d\xd0\x01\xc0", "a VMFS_volume_member signature" },
		{ 2 * MIB, "\x5e\xf1\xab\x2f", "a VMFS file system" },
	};
	char *dir = unit_mkdtemp("u-blockdev");
	struct strbuf what = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *file = unit_sparse_file(dir, "disk.img", 16 * MIB);
		int fd = open(file, O_WRONLY | O_CLOEXEC);

		CHECK(fd >= 0);
		CHECK_INTEQ(pwrite(fd, cases[i].magic, 4, (off_t)cases[i].off),
			    4);
		CHECK_INTEQ(pwrite(fd, "kept", 4, (off_t)cases[i].off + 4096),
			    4);
		close(fd);
		CHECK_STREQ(probe(file, &what), cases[i].want);
		CHECK_INTEQ(wipe(file, 0), 0);
		CHECK_STREQ(probe(file, &what), "");
		CHECK(all_bytes(file, cases[i].off, 4, 0));
		CHECK(holds(file, cases[i].off + 4096, "kept"));
		free(file);
	}
	strbuf_release(&what);
	scratch_done(dir);
}

TEST(full_wipe_zeroes_everything)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *file = unit_sparse_file(dir, "disk.img", 16 * MIB);
	struct strbuf what = STRBUF_INIT;
	struct stat before, after;

	CHECK_INTEQ(mkfs_ext4(file), 0);
	fill(file, 2 * MIB, 12 * MIB, 0x5a);
	CHECK_INTEQ(wipe(file, 1), 0);
	CHECK_STREQ(probe(file, &what), "");
	CHECK(all_bytes(file, 0, 16 * MIB, 0));

	/* A fully allocated image stays allocated: zeros are written. */
	free(file);
	file = unit_sparse_file(dir, "full.img", 8 * MIB);
	fill(file, 0, 8 * MIB, 0x5a);
	CHECK_INTEQ(stat(file, &before), 0);
	CHECK_INTEQ(wipe(file, 1), 0);
	CHECK_INTEQ(stat(file, &after), 0);
	CHECK(all_bytes(file, 0, 8 * MIB, 0));
	CHECK(after.st_blocks >= before.st_blocks);
	CHECK(after.st_blocks * 512 >= 8 * (long long)MIB);

	/* A sparse one stays sparse: its holes already read as zeros. */
	free(file);
	file = unit_sparse_file(dir, "sparse.img", 256 * MIB);
	CHECK_INTEQ(mkfs_ext4(file), 0);
	CHECK_INTEQ(stat(file, &before), 0);
	CHECK_INTEQ(wipe(file, 1), 0);
	CHECK_INTEQ(stat(file, &after), 0);
	CHECK(all_bytes(file, 0, 256 * MIB, 0));
	CHECK(after.st_blocks <= before.st_blocks);
	CHECK(after.st_blocks * 512 < 64 * (long long)MIB);

	strbuf_release(&what);
	free(file);
	scratch_done(dir);
}

TEST(full_wipe_stops_on_a_signal)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *file = unit_sparse_file(dir, "disk.img", 16 * MIB);
	struct strbuf err = STRBUF_INIT;

	fill(file, 0, 16 * MIB, 0x5a);
	CHECK_INTEQ(signals_install(), 0);
	signals_reset();
	raise(SIGTERM);
	CHECK_INTEQ(blockdev_wipe(file, 1, &err), -EINTR);
	CHECK(strstr(err.buf, "interrupted") != NULL);
	CHECK(!all_bytes(file, 0, 16 * MIB, 0));
	/* Without full it is quick, and finishes. */
	CHECK_INTEQ(wipe(file, 0), 0);
	CHECK(all_bytes(file, 0, MIB, 0));
	signals_reset();

	strbuf_release(&err);
	free(file);
	scratch_done(dir);
}

TEST(wipe_erases_both_gpt_headers)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *file = unit_sparse_file(dir, "disk.img", 16 * MIB);
	struct strbuf what = STRBUF_INIT;

	CHECK_INTEQ(make_gpt(file), 0);
	CHECK(gpt_header_at(file, 1));
	CHECK(gpt_header_at(file, -1));
	CHECK_STREQ(probe(file, &what), "a gpt partition table");

	CHECK_INTEQ(wipe(file, 0), 0);
	CHECK_STREQ(probe(file, &what), "");
	CHECK(!gpt_header_at(file, 1));
	CHECK(!gpt_header_at(file, -1));

	/* A backup header alone is still a partition table, and wiped. */
	CHECK_INTEQ(make_gpt(file), 0);
	fill(file, 512, 512, 0);
	fill(file, 0, 512, 0);
	CHECK(gpt_header_at(file, -1));
	CHECK_STREQ(probe(file, &what), "a gpt partition table");
	CHECK_INTEQ(wipe(file, 0), 0);
	CHECK_STREQ(probe(file, &what), "");
	CHECK(!gpt_header_at(file, -1));

	strbuf_release(&what);
	free(file);
	scratch_done(dir);
}

TEST(wipe_reports_what_is_not_a_disk)
{
	char *dir = unit_mkdtemp("u-blockdev");
	char *missing = path_join(dir, "missing");
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(blockdev_wipe(missing, 0, &err), -ENOENT);
	CHECK(strstr(err.buf, "missing'") != NULL);
	strbuf_reset(&err);
	CHECK_INTEQ(blockdev_wipe(dir, 0, &err), -ENOTBLK);
	CHECK(strstr(err.buf, "neither a block device nor a regular file"));

	strbuf_release(&err);
	free(missing);
	scratch_done(dir);
}

/* The file backing loop device dev ("" when it is detached). */
static void backing_file(const char *dev, struct strbuf *sb)
{
	struct strbuf path = STRBUF_INIT;
	const char *name = strrchr(dev, '/');

	strbuf_reset(sb);
	strbuf_addf(&path, "/sys/block/%s/loop/backing_file",
		    name ? name + 1 : dev);
	if (strbuf_read_file(sb, path.buf) < 0)
		strbuf_reset(sb);
	strbuf_trim(sb);
	strbuf_release(&path);
}

/* Whether dev still has file behind it after up to 2 s of waiting for
 * the kernel to let go of it (udev may be probing it). */
static int still_attached(const char *dev, const char *file)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	for (int i = 0; i < 200; i++) {
		backing_file(dev, &sb);
		r = !strcmp(sb.buf, file);
		if (!r)
			break;
		usleep(10 * 1000);
	}
	strbuf_release(&sb);
	return r;
}

/* The content of /sys/block/DEV/loop/NAME, trimmed. */
static void loop_attr(const char *dev, const char *name, struct strbuf *sb)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_reset(sb);
	strbuf_addf(&path, "/sys/block/%s/loop/%s", strrchr(dev, '/') + 1,
		    name);
	if (strbuf_read_file(sb, path.buf) < 0)
		strbuf_reset(sb);
	strbuf_trim(sb);
	strbuf_release(&path);
}

TEST(loop_over_a_range_and_over_a_loop)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	char *dir, *file, *missing, *dev1 = NULL, *dev2 = NULL, *dev3 = NULL;
	char *none = NULL;
	uint64_t size = 0;

	if (!need_root())
		return;
	dir = unit_mkdtemp("u-blockdev");
	file = unit_sparse_file(dir, "pv.img", 8 * MIB);
	missing = path_join(dir, "missing");

	CHECK_INTEQ(loop_attach_range(file, MIB, 4 * MIB, &j, &dev1, &err),
		    0);
	CHECK_STREQ(err.buf, "");
	CHECK(dev1 && !strncmp(dev1, "/dev/loop", 9));
	if (!dev1)
		goto out;
	backing_file(dev1, &sb);
	CHECK_STREQ(sb.buf, file);
	CHECK_INTEQ(blockdev_size(dev1, &size), 0);
	CHECK_INTEQ(size, 4 * MIB);
	put(dev1, 0, "first");
	put(dev1, 4 * MIB - 4, "last");
	CHECK(holds(file, MIB, "first"));
	CHECK(holds(file, 5 * MIB - 4, "last"));
	CHECK(all_bytes(file, 0, MIB, 0));
	CHECK(all_bytes(file, 5 * MIB, 3 * MIB, 0));

	/* An inactive LV: a range of a PV that is itself a loop device. */
	CHECK_INTEQ(loop_attach_range(dev1, MIB / 2, MIB, &j, &dev2, &err),
		    0);
	CHECK_STREQ(err.buf, "");
	if (!dev2)
		goto out;
	CHECK(strcmp(dev1, dev2) != 0);
	CHECK_INTEQ(blockdev_size(dev2, &size), 0);
	CHECK_INTEQ(size, MIB);
	put(dev2, 0, "nested");
	put(dev2, MIB - 3, "end");
	CHECK(holds(file, MIB + MIB / 2, "nested"));
	CHECK(holds(file, 2 * MIB + MIB / 2 - 3, "end"));

	/* Without a size limit the loop runs to the end. */
	CHECK_INTEQ(loop_attach_range(file, 2 * MIB, 0, &j, &dev3, &err), 0);
	if (dev3) {
		CHECK_INTEQ(blockdev_size(dev3, &size), 0);
		CHECK_INTEQ(size, 6 * MIB);
	}

	CHECK_INTEQ(loop_attach_range(missing, 0, 0, &j, &none, &err),
		    -ENOENT);
	CHECK(strstr(err.buf, "cannot open '") != NULL);
	CHECK(strstr(err.buf, "/missing'") != NULL);
	CHECK(none == NULL);
	CHECK_INTEQ(j.nr, 3);
out:
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	/* Detached (or by now reused for someone else's file). */
	if (dev1) {
		backing_file(dev1, &sb);
		CHECK(strcmp(sb.buf, file) != 0);
	}
	free(dev1);
	free(dev2);
	free(dev3);
	strbuf_release(&err);
	strbuf_release(&sb);
	free(missing);
	free(file);
	scratch_done(dir);
}

TEST(wipe_a_loop_device)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT, what = STRBUF_INIT;
	char *dir, *file, *mnt, *dev = NULL;

	if (!need_root())
		return;
	dir = unit_mkdtemp("u-blockdev");
	file = unit_sparse_file(dir, "disk.img", 32 * MIB);
	mnt = path_join(dir, "mnt");
	CHECK_INTEQ(mkdir(mnt, 0700), 0);
	CHECK_INTEQ(loop_attach_range(file, 0, 0, &j, &dev, &err), 0);
	if (!dev)
		goto out;

	/* In use: O_EXCL refuses it, and nothing is touched. */
	CHECK_INTEQ(mkfs_ext4(dev), 0);
	CHECK_INTEQ(mount(dev, mnt, "ext4", 0, NULL), 0);
	CHECK_INTEQ(blockdev_wipe(dev, 0, &err), -EBUSY);
	CHECK(strstr(err.buf, "is in use") != NULL);
	strbuf_reset(&err);
	CHECK_INTEQ(umount(mnt), 0);
	CHECK_STREQ(probe(dev, &what), "an ext4 file system");

	fill(dev, 31 * MIB, MIB, 0xa5);
	fill(dev, 16 * MIB, 64 * 1024, 0x5a);
	CHECK_INTEQ(wipe(dev, 0), 0);
	CHECK_STREQ(probe(dev, &what), "");
	CHECK(all_bytes(file, 0, MIB, 0));
	CHECK(all_bytes(file, 31 * MIB, MIB, 0));
	CHECK(all_bytes(file, 16 * MIB, 64 * 1024, 0x5a));

	/* Full, with BLKZEROOUT: every byte of the file behind it. */
	CHECK_INTEQ(make_gpt(dev), 0);
	CHECK_STREQ(probe(dev, &what), "a gpt partition table");
	CHECK(gpt_header_at(file, -1));
	CHECK_INTEQ(wipe(dev, 1), 0);
	CHECK_STREQ(probe(dev, &what), "");
	CHECK(all_bytes(file, 0, 32 * MIB, 0));
out:
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	free(dev);
	strbuf_release(&err);
	strbuf_release(&what);
	free(mnt);
	free(file);
	scratch_done(dir);
}

TEST(loop_is_autoclear_with_its_range)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	char *dir, *file, *dev = NULL;

	if (!need_root())
		return;
	dir = unit_mkdtemp("u-blockdev");
	file = unit_sparse_file(dir, "disk.img", 8 * MIB);
	CHECK_INTEQ(loop_attach_range(file, 2 * MIB, 3 * MIB, &j, &dev, &err),
		    0);
	if (!dev)
		goto out;
	loop_attr(dev, "autoclear", &sb);
	CHECK_STREQ(sb.buf, "1");
	loop_attr(dev, "offset", &sb);
	CHECK_STREQ(sb.buf, "2097152");
	loop_attr(dev, "sizelimit", &sb);
	CHECK_STREQ(sb.buf, "3145728");
	CHECK_INTEQ(j.nr, 1);
	CHECK_INTEQ(j.e[0].kind, JOURNAL_HELD);
	CHECK_INTEQ(j.e[0].action, UNDO_LOOP_DETACH);
	CHECK(j.e[0].fd >= 0);
	/* Not inherited by what the run starts. */
	CHECK(fcntl(j.e[0].fd, F_GETFD) & FD_CLOEXEC);
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	CHECK(!still_attached(dev, file));
out:
	free(dev);
	strbuf_release(&err);
	strbuf_release(&sb);
	free(file);
	scratch_done(dir);
}

/*
 * A run killed outright undoes nothing, yet its loop devices go: the
 * kernel closes the run's descriptors, the last holders of them.
 */
TEST(loop_goes_with_a_killed_run)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir, *file, devs[2][64];
	int fds[2], status = 0;
	pid_t pid;

	if (!need_root())
		return;
	dir = unit_mkdtemp("u-blockdev");
	file = unit_sparse_file(dir, "disk.img", 8 * MIB);
	CHECK_INTEQ(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct journal j = JOURNAL_INIT;
		struct strbuf err = STRBUF_INIT;
		char *d1 = NULL, *d2 = NULL;

		close(fds[0]);
		if (loop_attach_range(file, 0, 0, &j, &d1, &err) < 0 ||
		    loop_attach_range(d1, MIB, MIB, &j, &d2, &err) < 0)
			_exit(1);
		dprintf(fds[1], "%s %s\n", d1, d2);
		close(fds[1]);
		raise(SIGKILL);
		_exit(2);
	}
	close(fds[1]);
	CHECK(pid > 0);
	CHECK(strbuf_read_fd(&sb, fds[0], 0) >= 0);
	close(fds[0]);
	CHECK_INTEQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_INTEQ(sscanf(sb.buf, "%63s %63s", devs[0], devs[1]), 2);
	/* The partition's loop first, then the disk's, which the
	 * partition's held. */
	CHECK(!still_attached(devs[1], devs[0]));
	CHECK(!still_attached(devs[0], file));
	strbuf_release(&sb);
	free(file);
	scratch_done(dir);
}

/* A mount still holding it when the journal lets go keeps it until the
 * unmount: the namespace's end does the same for a killed run. */
TEST(loop_outlives_the_journal_while_mounted)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	char *dir, *file, *mnt, *dev = NULL;

	if (!need_root())
		return;
	/*
	 * The mount in a namespace of our own, as a build makes it: in the
	 * host's, any program that makes a namespace meanwhile (a build
	 * running beside the tests) gets a copy, which holds the device.
	 */
	CHECK_INTEQ(unshare(CLONE_NEWNS), 0);
	CHECK_INTEQ(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	dir = unit_mkdtemp("u-blockdev");
	file = unit_sparse_file(dir, "disk.img", 32 * MIB);
	mnt = path_join(dir, "mnt");
	CHECK_INTEQ(mkdir(mnt, 0700), 0);
	CHECK_INTEQ(loop_attach_range(file, 0, 0, &j, &dev, &err), 0);
	if (!dev)
		goto out;
	CHECK_INTEQ(mkfs_ext4(dev), 0);
	CHECK_INTEQ(mount(dev, mnt, "ext4", 0, NULL), 0);
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	CHECK(still_attached(dev, file));
	CHECK_INTEQ(umount(mnt), 0);
	CHECK(!still_attached(dev, file));
out:
	free(dev);
	strbuf_release(&err);
	free(mnt);
	free(file);
	scratch_done(dir);
}

/*
 * What a partition's loop device holds unflushed (a file system mounted
 * without barriers leaves it so) reaches the image file when the journal
 * lets go of the devices: the disk's loop device caches it in between.
 */
TEST(loop_release_writes_back_what_is_cached)
{
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT;
	char *dir, *file, *disk = NULL, *part = NULL;
	int fd;

	if (!need_root())
		return;
	dir = unit_mkdtemp("u-blockdev");
	file = unit_sparse_file(dir, "disk.img", 8 * MIB);
	CHECK_INTEQ(loop_attach_range(file, 0, 0, &j, &disk, &err), 0);
	if (disk)
		CHECK_INTEQ(loop_attach_range(disk, MIB, 4 * MIB, &j, &part,
					      &err), 0);
	if (!part)
		goto out;
	fd = open(part, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INTEQ(pwrite(fd, "cached", 6, 4096), 6);
		close(fd);
	}
out:
	CHECK_INTEQ(journal_finish(&j, 0, 0), 0);
	CHECK(holds(file, MIB + 4096, "cached"));
	if (disk)
		CHECK(!still_attached(disk, file));
	free(disk);
	free(part);
	strbuf_release(&err);
	free(file);
	scratch_done(dir);
}
