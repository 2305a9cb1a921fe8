/*
 * u-bootcode.c: GRUB's boot sector and core image written onto a disk
 * image as grub-bios-setup would, read back byte by byte; and the images
 * that do not fit or are not GRUB's refused without a write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootcode.h"
#include "fsutil.h"
#include "macros.h"
#include "parttable.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define MIB (1ULL << 20)

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A disk image of 4 MiB with one partition, on the label given. */
static char *make_disk(const char *name, enum parttable_label label,
		       int bios_boot)
{
	char *path = path_join(unit_scratch("u-bootcode"), name);
	struct parttable_entry e[2] = { { 0 } };
	struct strbuf err = STRBUF_INIT;
	size_t n = 0;
	int fd;

	if (bios_boot) {
		e[n].size = MIB;
		e[n++].bios_boot = 1;
	}
	e[n++].size = MIB;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_INTEQ(ftruncate(fd, 4 * MIB), 0);
	close(fd);
	CHECK_INTEQ(parttable_write(path, label, e, n, &err), 0);
	CHECK_STREQ(err.buf, "");
	strbuf_release(&err);
	return path;
}

static void read_at(const char *path, void *buf, size_t len, off_t at)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_INTEQ(pread(fd, buf, len, at), (ssize_t)len);
	close(fd);
}

/* boot.img's stand-in: a pattern GRUB's fields are then written over. */
static void fake_boot(unsigned char *boot)
{
	for (int i = 0; i < 512; i++)
		boot[i] = (unsigned char)(i * 7 + 1);
	boot[510] = 0x55;
	boot[511] = 0xaa;
}

TEST(write_bios)
{
	static const struct {
		enum parttable_label label;
		int bios_boot;
		uint64_t at, room;
	} cases[] = {
		/* GPT: the BIOS boot partition, 1 MiB at 1 MiB. */
		{ PARTTABLE_GPT, 1, 2048, 2048 },
		/* msdos: the gap between the MBR and partition 1. */
		{ PARTTABLE_MSDOS, 0, 1, 2047 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *disk = make_disk("disk.img", cases[i].label,
				       cases[i].bios_boot);
		unsigned char boot[512], before[512], mbr[512];
		size_t core_len = 3 * 512 + 100;
		unsigned char *core = xcalloc(1, core_len);
		unsigned char *got = xcalloc(4, 512);
		struct strbuf err = STRBUF_INIT;

		fake_boot(boot);
		for (size_t k = 0; k < core_len; k++)
			core[k] = (unsigned char)(k * 13 + 5);
		read_at(disk, before, 512, 0);
		CHECK_INTEQ(bootcode_write_bios(disk, boot, 512, core,
						core_len, cases[i].at,
						cases[i].room, &err), 0);
		CHECK_STREQ(err.buf, "");

		read_at(disk, mbr, 512, 0);
		/* GRUB's code, where it is not the disk's own data. */
		CHECK(!memcmp(mbr, boot, 3));
		CHECK(!memcmp(mbr + 0x5a, boot + 0x5a, 2));
		CHECK(!memcmp(mbr + 0x68, boot + 0x68, 0x1b8 - 0x68));
		/* The BPB and the partition table stay the disk's. */
		CHECK(!memcmp(mbr + 3, before + 3, 0x5a - 3));
		CHECK(!memcmp(mbr + 0x1b8, before + 0x1b8, 0x1fe - 0x1b8));
		CHECK_INTEQ(mbr[0x1fe], 0x55);
		CHECK_INTEQ(mbr[0x1ff], 0xaa);
		/* Where core.img starts, the BIOS's drive, no floppy test. */
		CHECK_INTEQ(get_le(mbr + 0x5c, 8), cases[i].at);
		CHECK_INTEQ(mbr[0x64], 0xff);
		CHECK_INTEQ(mbr[0x66], 0x90);
		CHECK_INTEQ(mbr[0x67], 0x90);

		/* core.img, padded to whole sectors, with its first
		 * sector's block list naming the other three. */
		read_at(disk, got, 4 * 512, (off_t)(cases[i].at * 512));
		CHECK(!memcmp(got, core, 512 - 24));
		CHECK_INTEQ(get_le(got + 500, 8), cases[i].at + 1);
		CHECK_INTEQ(get_le(got + 508, 2), 3);
		CHECK_INTEQ(get_le(got + 510, 2), 0x820);
		CHECK_INTEQ(get_le(got + 488, 8), 0);
		CHECK_INTEQ(get_le(got + 496, 4), 0);
		CHECK(!memcmp(got + 512, core + 512, core_len - 512));
		for (size_t k = core_len; k < 4 * 512; k++)
			CHECK_INTEQ(got[k], 0);

		strbuf_release(&err);
		free(core);
		free(got);
		CHECK_INTEQ(unlink(disk), 0);
		free(disk);
	}
}

TEST(write_bios_refused)
{
	char *disk = make_disk("refused.img", PARTTABLE_GPT, 1);
	unsigned char boot[512], before[512], after[512];
	unsigned char *core = xcalloc(8, 512);
	static const struct {
		size_t boot_len;
		int bad_sig;
		size_t core_len;
		uint64_t room;
		int want;
		const char *want_err;
	} cases[] = {
		{ 511, 0, 2048, 2048, -EINVAL,
		  "GRUB's boot.img is not a 512-byte boot sector" },
		{ 512, 1, 2048, 2048, -EINVAL,
		  "GRUB's boot.img is not a 512-byte boot sector" },
		{ 512, 0, 512, 2048, -EINVAL,
		  "GRUB's core.img is 512 bytes: too short" },
		{ 512, 0, 8 * 512, 7, -ENOSPC,
		  "GRUB's core.img takes 8 sectors, more than the 7 there is "
		  "room for" },
	};

	read_at(disk, before, 512, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;

		fake_boot(boot);
		if (cases[i].bad_sig)
			boot[511] = 0;
		CHECK_INTEQ(bootcode_write_bios(disk, boot, cases[i].boot_len,
						core, cases[i].core_len, 2048,
						cases[i].room, &err),
			    cases[i].want);
		CHECK_STREQ(err.buf, cases[i].want_err);
		strbuf_release(&err);
	}
	read_at(disk, after, 512, 0);
	CHECK(!memcmp(before, after, 512));
	free(core);
	free(disk);
}
