/*
 * u-parttable.c: partition tables written on sparse image files, then read
 * back by libblkid (and by pygrub's own partition code, when pygrub is
 * installed), which know nothing of how they were written.
 */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <parted/parted.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "macros.h"
#include "parttable.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1ULL << 20)
#define GPT_DATA "0fc63daf-8483-4772-8e79-3d69d8477de4"
#define GPT_SWAP "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f"

/* A new sparse file of size bytes in dir. */
static char *make_image(const char *dir, const char *name, uint64_t size)
{
	char *path = path_join(dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INTEQ(ftruncate(fd, (off_t)size), 0);
		close(fd);
	}
	return path;
}

static void remove_scratch(char *dir)
{
	CHECK_INTEQ(rm_rf(dir), 0);
	free(dir);
}

/*
 * What libblkid finds: "gpt 1:2048+20480:TYPE:NAME 2:..." with TYPE the
 * GPT type GUID or the msdos type byte, NAME the GPT name; "none" when it
 * finds no partition table.
 */
static void blkid_describe(const char *path, struct strbuf *sb)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	blkid_partlist ls;
	blkid_parttable tab;
	int n;

	CHECK(pr != NULL);
	if (!pr)
		return;
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	ls = blkid_probe_get_partitions(pr);
	tab = ls ? blkid_partlist_get_table(ls) : NULL;
	if (!tab) {
		strbuf_addstr(sb, "none");
		blkid_free_probe(pr);
		return;
	}
	strbuf_addstr(sb, blkid_parttable_get_type(tab));
	n = blkid_partlist_numof_partitions(ls);
	for (int i = 0; i < n; i++) {
		blkid_partition par = blkid_partlist_get_partition(ls, i);
		const char *type = blkid_partition_get_type_string(par);
		const char *name = blkid_partition_get_name(par);

		strbuf_addf(sb, " %d:%lld+%lld:",
			    blkid_partition_get_partno(par),
			    (long long)blkid_partition_get_start(par),
			    (long long)blkid_partition_get_size(par));
		if (type)
			strbuf_addstr(sb, type);
		else
			strbuf_addf(sb, "0x%x", blkid_partition_get_type(par));
		strbuf_addf(sb, ":%s", name ? name : "");
	}
	blkid_free_probe(pr);
}

static char *find_pygrub(void)
{
	struct strvec dirs = STRVEC_INIT;
	const char *path = getenv("PATH");
	char *found = NULL;

	strvec_split(&dirs, path ? path : "/usr/bin:/bin", ":");
	for (size_t i = 0; i < dirs.nr && !found; i++) {
		char *p = path_join(dirs.v[i], "pygrub");

		if (path_is_executable_file(p))
			found = p;
		else
			free(p);
	}
	strvec_clear(&dirs);
	return found;
}

/*
 * The byte offsets pygrub's get_partition_offsets() gives for path (those
 * that are not 0), or NULL without pygrub. It is pygrub's own code, loaded
 * from the installed script as a module.
 */
static char *pygrub_offsets(const char *path)
{
	static const char script[] =
		"import importlib.machinery as m, importlib.util as u\n"
		"import os, sys\n"
		"p = os.path.realpath(sys.argv[1])\n"
		"sys.path.insert(0, os.path.dirname(p) + '/../lib/python')\n"
		"l = m.SourceFileLoader('pygrub', p)\n"
		"g = u.module_from_spec(u.spec_from_loader('pygrub', l))\n"
		"l.exec_module(g)\n"
		"print(' '.join(str(o) for o in "
		"g.get_partition_offsets(sys.argv[2]) if o))\n";
	struct child_process cp = CHILD_PROCESS_INIT;
	char *pygrub = find_pygrub();
	char *r = NULL;

	if (!pygrub)
		return NULL;
	strvec_pushl(&cp.args, "python3", "-c", script, pygrub, path, NULL);
	cp.capture = 1;
	cp.quiet = 1;
	if (run_command(&cp) == 0) {
		strbuf_trim(&cp.out);
		r = strbuf_detach(&cp.out, NULL);
	} else {
		fprintf(stderr, "pygrub's code failed: %s\n", cp.tail.buf);
		r = xstrdup("(failed)");
	}
	child_process_clear(&cp);
	free(pygrub);
	return r;
}

TEST(label_from_string)
{
	CHECK_INTEQ(parttable_label_from_string("gpt"), PARTTABLE_GPT);
	CHECK_INTEQ(parttable_label_from_string("msdos"), PARTTABLE_MSDOS);
	CHECK_INTEQ(parttable_label_from_string("dos"), -EINVAL);
	CHECK_INTEQ(parttable_label_from_string("GPT"), -EINVAL);
	CHECK_INTEQ(parttable_label_from_string(""), -EINVAL);
}

TEST(disk_size)
{
	static const struct {
		uint64_t sizes[4];
		size_t n;
		uint64_t want;
	} cases[] = {
		{ { 0 }, 0, 2 * MIB },
		{ { 1 }, 1, 3 * MIB },
		{ { MIB, MIB + 1, 3 * MIB / 2 }, 3, 7 * MIB },
		{ { 4ULL << 30, 512 * MIB }, 2, (4ULL << 30) + 514 * MIB },
		{ { UINT64_MAX }, 1, UINT64_MAX },
		/* The largest that fits, and just past it. */
		{ { UINT64_MAX - 3 * MIB + 1 }, 1, UINT64_MAX - MIB + 1 },
		{ { UINT64_MAX - 2 * MIB + 2 }, 1, UINT64_MAX },
		{ { UINT64_MAX / 2, UINT64_MAX / 2 }, 2, UINT64_MAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct parttable_entry e[4] = { { 0 } };

		for (size_t j = 0; j < cases[i].n; j++)
			e[j].size = cases[i].sizes[j];
		/* The same for both labels. */
		CHECK_INTEQ(parttable_disk_size(PARTTABLE_GPT, e, cases[i].n),
			    cases[i].want);
		CHECK_INTEQ(parttable_disk_size(PARTTABLE_MSDOS, e,
						cases[i].n), cases[i].want);
	}
}

TEST(write_and_read_back)
{
	char *dir = unit_mkdtemp("u-parttable");
	static const struct {
		enum parttable_label label;
		struct {
			uint64_t size;
			int swap;
			const char *name;
		} in[6];
		size_t n;
		const char *want;	/* as blkid_describe() says */
		const char *want_pygrub;
	} cases[] = {
		{ PARTTABLE_GPT,
		  { { 10 * MIB, 1, "swap" }, { 3 * MIB / 2, 0, "root" },
		    { 100 * MIB, 0, "home" } }, 3,
		  "gpt 1:2048+20480:" GPT_SWAP ":swap "
		  "2:22528+4096:" GPT_DATA ":root "
		  "3:26624+204800:" GPT_DATA ":home",
		  "1048576 11534336 13631488" },
		{ PARTTABLE_MSDOS,
		  { { 10 * MIB, 1, "swap" }, { 3 * MIB / 2, 0, "root" },
		    { 100 * MIB, 0, "home" } }, 3,
		  "dos 1:2048+20480:0x82: 2:22528+4096:0x83: "
		  "3:26624+204800:0x83:",
		  /* pygrub takes 0x82 for an old Solaris slice and skips
		   * it when it finds no Solaris label there. */
		  "11534336 13631488" },
		/* Four is the most msdos holds; one byte past a MiB takes
		 * another; no name. */
		{ PARTTABLE_MSDOS,
		  { { 4 * MIB, 0, NULL }, { MIB + 1, 0, NULL },
		    { MIB, 0, NULL }, { 1, 1, NULL } }, 4,
		  "dos 1:2048+8192:0x83: 2:10240+4096:0x83: "
		  "3:14336+2048:0x83: 4:16384+2048:0x82:",
		  "1048576 5242880 7340032" },
		/* Six for GPT; a name keeps GPT's 36 characters. */
		{ PARTTABLE_GPT,
		  { { MIB, 0, "root" }, { MIB, 0, NULL },
		    { MIB, 1, "swap" },
		    { MIB, 0, "abcdefghijklmnopqrstuvwxyz0123456789-more" },
		    { MIB, 0, "var-tmp" }, { 2 * MIB, 0, "last" } }, 6,
		  "gpt 1:2048+2048:" GPT_DATA ":root "
		  "2:4096+2048:" GPT_DATA ": "
		  "3:6144+2048:" GPT_SWAP ":swap "
		  "4:8192+2048:" GPT_DATA
		  ":abcdefghijklmnopqrstuvwxyz0123456789 "
		  "5:10240+2048:" GPT_DATA ":var-tmp "
		  "6:12288+4096:" GPT_DATA ":last",
		  "1048576 2097152 3145728 4194304 5242880 6291456" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct parttable_entry e[6] = { { 0 } };
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		uint64_t size, at = MIB;
		char *img, *pg;

		for (size_t j = 0; j < cases[i].n; j++) {
			e[j].size = cases[i].in[j].size;
			e[j].swap = cases[i].in[j].swap;
			e[j].name = cases[i].in[j].name;
		}
		size = parttable_disk_size(cases[i].label, e, cases[i].n);
		img = make_image(dir, "disk.img", size);
		CHECK_INTEQ(parttable_write(img, cases[i].label, e,
					    cases[i].n, &err), 0);
		CHECK_STREQ(err.buf, "");
		blkid_describe(img, &got);
		CHECK_STREQ(got.buf, cases[i].want);

		/* The offsets handed back are where the partitions are. */
		for (size_t j = 0; j < cases[i].n; j++) {
			uint64_t len = (e[j].size + MIB - 1) / MIB * MIB;

			CHECK_INTEQ(e[j].offset, at);
			CHECK_INTEQ(e[j].length, len);
			at += len;
		}
		CHECK_INTEQ(at + MIB, size);

		pg = pygrub_offsets(img);
		if (pg)
			CHECK_STREQ(pg, cases[i].want_pygrub);
		else if (!i)
			fprintf(stderr, "no pygrub: its reading not tried\n");
		free(pg);
		CHECK_INTEQ(unlink(img), 0);
		free(img);
		strbuf_release(&got);
		strbuf_release(&err);
	}
	remove_scratch(dir);
}

#define GPT_BIOS "21686148-6449-6e6f-744e-656564454649"
#define GPT_ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"

/* The partitions an HVM guest's firmware boots from. */
TEST(firmware_partitions)
{
	char *dir = unit_mkdtemp("u-parttable");
	static const struct {
		enum parttable_label label;
		int bios_boot[3], esp[3];
		int want_r;
		const char *want;
	} cases[] = {
		{ PARTTABLE_GPT, { 1, 0, 0 }, { 0, 0, 0 }, 0,
		  "gpt 1:2048+2048:" GPT_BIOS ":a 2:4096+2048:" GPT_DATA
		  ":b 3:6144+2048:" GPT_DATA ":c" },
		{ PARTTABLE_GPT, { 0, 0, 0 }, { 0, 0, 1 }, 0,
		  "gpt 1:2048+2048:" GPT_DATA ":a 2:4096+2048:" GPT_DATA
		  ":b 3:6144+2048:" GPT_ESP ":c" },
		{ PARTTABLE_MSDOS, { 0, 0, 0 }, { 0, 1, 0 }, 0,
		  "dos 1:2048+2048:0x83: 2:4096+2048:0xef: "
		  "3:6144+2048:0x83:" },
		/* msdos has no BIOS boot partition: the gap serves. */
		{ PARTTABLE_MSDOS, { 1, 0, 0 }, { 0, 0, 0 }, -EIO, "none" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		static const char *const names[] = { "a", "b", "c" };
		struct parttable_entry e[3] = { { 0 } };
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		char *img;

		for (size_t j = 0; j < 3; j++) {
			e[j].size = MIB;
			e[j].name = names[j];
			e[j].bios_boot = cases[i].bios_boot[j];
			e[j].esp = cases[i].esp[j];
		}
		img = make_image(dir, "fw.img",
				 parttable_disk_size(cases[i].label, e, 3));
		CHECK_INTEQ(parttable_write(img, cases[i].label, e, 3, &err),
			    cases[i].want_r);
		if (cases[i].want_r)
			CHECK(strstr(err.buf, "cannot mark partition 1 on") &&
			      strstr(err.buf, "as a BIOS boot partition"));
		else
			CHECK_STREQ(err.buf, "");
		blkid_describe(img, &got);
		CHECK_STREQ(got.buf, cases[i].want);
		CHECK_INTEQ(unlink(img), 0);
		free(img);
		strbuf_release(&got);
		strbuf_release(&err);
	}
	remove_scratch(dir);
}

/* A new table replaces the old one: nothing of the other label stays. */
TEST(rewrite)
{
	struct parttable_entry e[2] = {
		{ .size = MIB, .swap = 1, .name = "swap" },
		{ .size = 2 * MIB, .name = "root" },
	};
	struct parttable_entry one[1] = { { .size = 3 * MIB } };
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
	char *dir = unit_mkdtemp("u-parttable");
	char *img = make_image(dir, "rewrite.img",
			       parttable_disk_size(PARTTABLE_GPT, e, 2));

	CHECK_INTEQ(parttable_write(img, PARTTABLE_GPT, e, 2, &err), 0);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_MSDOS, one, 1, &err), 0);
	blkid_describe(img, &got);
	CHECK_STREQ(got.buf, "dos 1:2048+6144:0x83:");
	strbuf_reset(&got);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_GPT, one, 1, &err), 0);
	blkid_describe(img, &got);
	CHECK_STREQ(got.buf, "gpt 1:2048+6144:" GPT_DATA ":");
	CHECK_STREQ(err.buf, "");

	/* A block device's worth more room is fine: the table fits the
	 * whole disk, not just what was asked for. */
	CHECK_INTEQ(truncate(img, 64 * MIB), 0);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_GPT, e, 2, &err), 0);
	strbuf_reset(&got);
	blkid_describe(img, &got);
	CHECK_STREQ(got.buf, "gpt 1:2048+2048:" GPT_SWAP ":swap "
		    "2:4096+4096:" GPT_DATA ":root");
	CHECK_STREQ(err.buf, "");

	free(img);
	remove_scratch(dir);
	strbuf_release(&got);
	strbuf_release(&err);
}

/*
 * Growing the last partition of a disk that has grown: a GPT's backup
 * moves to the new end (libblkid checks both headers' CRCs and the
 * backup's place), msdos just takes the new end; nothing else moves.
 */
TEST(grow)
{
	static const enum parttable_label labels[] = { PARTTABLE_GPT,
						       PARTTABLE_MSDOS };
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
	char *dir = unit_mkdtemp("u-parttable");

	for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
		struct parttable_entry e[2] = {
			{ .size = MIB, .swap = 1, .name = "swap" },
			{ .size = 2 * MIB, .name = "root" },
		};
		int gpt = labels[i] == PARTTABLE_GPT;
		char *img = make_image(dir, gpt ? "g.img" : "m.img",
				       parttable_disk_size(labels[i], e, 2));
		uint64_t off = 0;

		CHECK_INTEQ(parttable_write(img, labels[i], e, 2, &err), 0);
		/* The disk grows by 5 MiB: root takes all of it. */
		CHECK_INTEQ(truncate(img, 10 * MIB), 0);
		CHECK_INTEQ(parttable_grow(img, 2, 7 * MIB, &off, &err), 0);
		CHECK_STREQ(err.buf, "");
		CHECK(off == 2 * MIB);
		strbuf_reset(&got);
		blkid_describe(img, &got);
		CHECK_STREQ(got.buf, gpt ?
			    "gpt 1:2048+2048:" GPT_SWAP ":swap "
			    "2:4096+14336:" GPT_DATA ":root" :
			    "dos 1:2048+2048:0x82: 2:4096+14336:0x83:");
		/* GPT's backup header is in the last sector now. */
		if (gpt) {
			char sig[8] = { 0 };
			int fd = open(img, O_RDONLY | O_CLOEXEC);

			CHECK(fd >= 0);
			CHECK_INTEQ(pread(fd, sig, 8, 10 * MIB - 512), 8);
			CHECK(!memcmp(sig, "EFI PART", 8));
			close(fd);
		}
		/* Again at the same size: nothing to do, and no harm. */
		CHECK_INTEQ(parttable_grow(img, 2, 7 * MIB, &off, &err), 0);

		/* Swap has root after it; too long; shorter; no such one:
		 * refused, the table as it was. */
		CHECK_INTEQ(parttable_grow(img, 1, 2 * MIB, &off, &err),
			    -ENOSPC);
		CHECK(strstr(err.buf, "followed by partition 2") != NULL);
		strbuf_reset(&err);
		CHECK_INTEQ(parttable_grow(img, 2, 8 * MIB, &off, &err),
			    -ENOSPC);
		CHECK(strstr(err.buf, "too small") != NULL);
		strbuf_reset(&err);
		CHECK_INTEQ(parttable_grow(img, 2, 6 * MIB, &off, &err),
			    -ENOSPC);
		strbuf_reset(&err);
		CHECK_INTEQ(parttable_grow(img, 3, 2 * MIB, &off, &err),
			    -ENOENT);
		strbuf_reset(&err);
		CHECK_INTEQ(parttable_grow(img, 2, 7 * MIB + 1, &off, &err),
			    -EINVAL);
		strbuf_reset(&err);
		strbuf_reset(&got);
		blkid_describe(img, &got);
		CHECK(strstr(got.buf, gpt ? "2:4096+14336:" GPT_DATA ":root" :
				      "2:4096+14336:0x83:") != NULL);
		free(img);
	}
	remove_scratch(dir);
	strbuf_release(&got);
	strbuf_release(&err);
}

/* Refusals: the file is left as it was and the entries untouched. */
TEST(refused)
{
	struct parttable_entry five[5] = {
		{ .size = MIB }, { .size = MIB }, { .size = MIB },
		{ .size = MIB }, { .size = MIB, .swap = 1 },
	};
	struct parttable_entry two[2] = {
		{ .size = 10 * MIB, .name = "root" },
		{ .size = MIB, .swap = 1, .name = "swap" },
	};
	struct parttable_entry zero[2] = { { .size = MIB }, { .size = 0 } };
	uint64_t need = parttable_disk_size(PARTTABLE_GPT, two, 2);
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct strbuf got = STRBUF_INIT;
	char *dir = unit_mkdtemp("u-parttable");
	char *img, *missing;

	/* One sector short, for either label. */
	img = make_image(dir, "small.img", need - 512);
	for (size_t i = 0; i < 2; i++) {
		strbuf_reset(&err);
		strbuf_reset(&want);
		CHECK_INTEQ(parttable_write(img, i ? PARTTABLE_MSDOS :
					    PARTTABLE_GPT, two, 2, &err),
			    -ENOSPC);
		strbuf_addf(&want, "'%s' is too small for its partitions: "
			    "%llu bytes, need %llu", img,
			    (unsigned long long)(need - 512),
			    (unsigned long long)need);
		CHECK_STREQ(err.buf, want.buf);
		CHECK(!two[0].offset && !two[0].length && !two[1].offset);
		strbuf_reset(&got);
		blkid_describe(img, &got);
		CHECK_STREQ(got.buf, "none");
	}

	strbuf_reset(&err);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_MSDOS, five, 5, &err),
		    -E2BIG);
	CHECK_STREQ(err.buf, "an msdos partition table holds at most 4 "
		    "partitions, not 5: use gpt");
	CHECK(!five[0].offset && !five[0].length);

	strbuf_reset(&err);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_GPT, zero, 2, &err),
		    -EINVAL);
	CHECK_STREQ(err.buf, "partition 2 has no size");
	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_GPT, zero, 0, &err),
		    -EINVAL);
	strbuf_addf(&want, "no partitions to write on '%s'", img);
	CHECK_STREQ(err.buf, want.buf);
	strbuf_reset(&got);
	blkid_describe(img, &got);
	CHECK_STREQ(got.buf, "none");

	missing = path_join(dir, "missing.img");
	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(parttable_write(missing, PARTTABLE_GPT, two, 2, &err),
		    -ENOENT);
	strbuf_addf(&want, "cannot use '%s': %s", missing, strerror(ENOENT));
	CHECK_STREQ(err.buf, want.buf);
	CHECK(!path_exists(missing));

	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(parttable_write(dir, PARTTABLE_GPT, two, 2, &err),
		    -EINVAL);
	strbuf_addf(&want, "'%s' is neither an image file nor a block device",
		    dir);
	CHECK_STREQ(err.buf, want.buf);

	free(missing);
	free(img);
	remove_scratch(dir);
	strbuf_release(&got);
	strbuf_release(&want);
	strbuf_release(&err);
}

static int foreign_calls;

static PedExceptionOption foreign_handler(PedException *ex)
{
	(void)ex;
	foreign_calls++;
	return PED_EXCEPTION_UNHANDLED;
}

/*
 * parttable_write() with stdout and stderr going to dir/output, which
 * comes back in printed; the handler the caller had set (ours counts its
 * calls) must neither be called nor be left replaced.
 */
static int write_watched(const char *dir, const char *img,
			 enum parttable_label label, struct parttable_entry *e,
			 size_t n, struct strbuf *err, struct strbuf *printed)
{
	char *log = path_join(dir, "output");
	int saved_out, saved_err, fd, r;

	ped_exception_set_handler(foreign_handler);
	foreign_calls = 0;
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(saved_out >= 0 && saved_err >= 0 && fd >= 0);
	dup2(fd, 1);
	dup2(fd, 2);
	r = parttable_write(img, label, e, n, err);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	close(fd);

	CHECK_INTEQ(strbuf_read_file(printed, log), 0);
	CHECK(ped_exception_get_handler() == foreign_handler);
	CHECK_INTEQ(foreign_calls, 0);
	ped_exception_set_handler(NULL);
	free(log);
	return r;
}

/*
 * What libparted itself refuses comes back in err; what it warns about
 * and goes on with (a GPT name cut to 36 characters) is no failure; and
 * neither reaches stdout or stderr.
 */
TEST(libparted_is_quiet)
{
	/* msdos counts sectors in 32 bits: 3 TiB is past its reach. */
	struct parttable_entry big[1] = { { .size = 3ULL << 40 } };
	struct parttable_entry named[1] = {
		{ .size = MIB,
		  .name = "a-name-of-forty-characters-0123456789abc" },
	};
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct strbuf out = STRBUF_INIT, got = STRBUF_INIT;
	char *dir = unit_mkdtemp("u-parttable");
	char *img = make_image(dir, "disk.img", 3 * MIB);

	CHECK_INTEQ(write_watched(dir, img, PARTTABLE_GPT, named, 1, &err,
				  &out), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_STREQ(out.buf, "");
	blkid_describe(img, &got);
	CHECK_STREQ(got.buf, "gpt 1:2048+2048:" GPT_DATA
		    ":a-name-of-forty-characters-012345678");

	if (truncate(img, (off_t)parttable_disk_size(PARTTABLE_MSDOS, big,
						      1)) < 0) {
		fprintf(stderr, "no 3 TiB sparse file under '%s' (%s): "
			"libparted's own errors not tried\n", dir,
			strerror(errno));
		goto out;
	}
	strbuf_reset(&out);
	CHECK_INTEQ(write_watched(dir, img, PARTTABLE_MSDOS, big, 1, &err,
				  &out), -EIO);
	strbuf_addf(&want, "cannot add partition 1 to '%s': partition length "
		    "of 6442450944 sectors exceeds the "
		    "msdos-partition-table-imposed maximum of 4294967295",
		    img);
	CHECK_STREQ(err.buf, want.buf);
	CHECK_STREQ(out.buf, "");
	CHECK(!big[0].offset && !big[0].length);

	/* GPT takes it. */
	strbuf_reset(&err);
	CHECK_INTEQ(parttable_write(img, PARTTABLE_GPT, big, 1, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(big[0].offset, MIB);
	CHECK_INTEQ(big[0].length, 3ULL << 40);
out:
	free(img);
	remove_scratch(dir);
	strbuf_release(&got);
	strbuf_release(&out);
	strbuf_release(&want);
	strbuf_release(&err);
}
