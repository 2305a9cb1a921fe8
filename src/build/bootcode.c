/* bootcode.c: see bootcode.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootcode.h"
#include "fsutil.h"
#include "guest-run.h"
#include "macros.h"
#include "run-command.h"
#include "strvec.h"
#include "banned.h"

#define SECTOR 512

/* Offsets in GRUB's boot.img (include/grub/i386/pc/boot.h). */
#define BOOT_BPB_START		0x03
#define BOOT_BPB_END		0x5a
#define BOOT_KERNEL_SECTOR	0x5c	/* 64-bit LBA of core.img */
#define BOOT_BOOT_DRIVE		0x64	/* 0xff: the drive the BIOS gave */
#define BOOT_DRIVE_CHECK	0x66	/* a jump, made two nops on disks */
#define BOOT_NT_MAGIC		0x1b8	/* disk signature, partition table */
#define BOOT_PART_END		0x1fe

/*
 * core.img's first sector (diskboot.img) ends in block lists of 12 bytes
 * (start LBA, sector count, load segment), read backwards until one of
 * length 0: the rest of core.img goes to 0x8200, after that sector.
 */
#define BLOCKLIST_SIZE		12
#define CORE_SEGMENT		0x820
/* What diskboot may load below the stack and buffers: grub-bios-setup's
 * limit, (0x78000 - 0x9000) bytes. */
#define CORE_MAX_SECTORS	((0x78000 - 0x9000) / SECTOR)

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t at)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

int bootcode_write_bios(const char *path, const unsigned char *boot,
			size_t boot_len, const unsigned char *core,
			size_t core_len, uint64_t core_sector,
			uint64_t max_sectors, struct strbuf *err)
{
	unsigned char mbr[SECTOR], img[SECTOR];
	unsigned char *buf = NULL, *bl;
	uint64_t sectors = (core_len + SECTOR - 1) / SECTOR;
	int fd = -1, r;

	if (boot_len != SECTOR || boot[510] != 0x55 || boot[511] != 0xaa) {
		strbuf_addstr(err, "GRUB's boot.img is not a 512-byte boot "
			      "sector");
		return -EINVAL;
	}
	if (core_len <= SECTOR) {
		strbuf_addf(err, "GRUB's core.img is %zu bytes: too short",
			    core_len);
		return -EINVAL;
	}
	if (sectors > max_sectors || sectors > CORE_MAX_SECTORS) {
		strbuf_addf(err, "GRUB's core.img takes %llu sectors, more "
			    "than the %llu there is room for",
			    (unsigned long long)sectors, (unsigned long long)
			    (max_sectors < CORE_MAX_SECTORS ? max_sectors :
			     CORE_MAX_SECTORS));
		return -ENOSPC;
	}

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", path, strerror(-r));
		return r;
	}
	if (pread(fd, mbr, SECTOR, 0) != SECTOR) {
		r = -EIO;
		strbuf_addf(err, "cannot read the first sector of '%s'", path);
		goto out;
	}

	/* The disk's own BPB and partition table stay. */
	memcpy(img, boot, SECTOR);
	memcpy(img + BOOT_BPB_START, mbr + BOOT_BPB_START,
	       BOOT_BPB_END - BOOT_BPB_START);
	memcpy(img + BOOT_NT_MAGIC, mbr + BOOT_NT_MAGIC,
	       BOOT_PART_END - BOOT_NT_MAGIC);
	/* A hard disk: trust the drive number the BIOS passes. */
	img[BOOT_DRIVE_CHECK] = 0x90;
	img[BOOT_DRIVE_CHECK + 1] = 0x90;
	img[BOOT_BOOT_DRIVE] = 0xff;
	put_le(img + BOOT_KERNEL_SECTOR, core_sector, 8);

	buf = xcalloc((size_t)sectors, SECTOR);
	memcpy(buf, core, core_len);
	/* One block list for the rest of core.img, then the terminator. */
	bl = buf + SECTOR - BLOCKLIST_SIZE;
	put_le(bl, core_sector + 1, 8);
	put_le(bl + 8, sectors - 1, 2);
	put_le(bl + 10, CORE_SEGMENT, 2);
	memset(bl - BLOCKLIST_SIZE, 0, BLOCKLIST_SIZE);

	r = pwrite_all(fd, buf, (size_t)sectors * SECTOR,
		       (off_t)(core_sector * SECTOR));
	if (r >= 0)
		r = pwrite_all(fd, img, SECTOR, 0);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		strbuf_addf(err, "cannot write GRUB to '%s': %s", path,
			    strerror(-r));
out:
	free(buf);
	close(fd);
	return r;
}

/* GRUB's module for the file system holding /boot. */
static const char *fs_module(const char *fs)
{
	if (streq(fs, "xfs") || streq(fs, "btrfs"))
		return fs;
	return "ext2";
}

/*
 * GRUB's modules to /boot/grub/PLATFORM, where the image finds them,
 * and the image made from them with a config that finds /boot by UUID,
 * as grub-install makes it: the guest's update-grub keeps the menu
 * current from then on.
 */
static int make_image(const struct storage *st, const struct rootfs *root,
		      const char *platform, const char *image,
		      struct strbuf *err)
{
	const struct volume *boot = storage_boot_volume(st);
	int own = boot->mountpoint && streq(boot->mountpoint, "/boot");
	const char *prefix = own ? "/grub" : "/boot/grub";
	struct strbuf lib = STRBUF_INIT, dir = STRBUF_INIT;
	struct strbuf cfg = STRBUF_INIT, out = STRBUF_INIT;
	struct strbuf load = STRBUF_INIT;
	int bios = streq(platform, "i386-pc");
	int r;

	strbuf_addf(&lib, "/usr/lib/grub/%s", platform);
	strbuf_addf(&dir, "/boot/grub/%s", platform);
	strbuf_addf(&cfg, "%s/load.cfg", dir.buf);
	strbuf_addf(&out, "%s/%s", dir.buf, image);
	strbuf_addf(&load, "search.fs_uuid %s root\nset prefix=($root)'%s'\n",
		    boot->uuid, prefix);

	{
		const char *cp[] = { "cp", "-rT", "--", lib.buf, dir.buf,
				     NULL };

		r = guest_run(root, cp, err);
	}
	if (r < 0) {
		strbuf_addf(err, " (is %s installed in the guest?)",
			    bios ? "grub-pc-bin" : "grub-efi-amd64-bin");
		goto out;
	}
	r = rootfs_write_file(root, cfg.buf, load.buf, load.len, 0644);
	if (r < 0) {
		strbuf_addf(err, "cannot write the guest's '%s': %s", cfg.buf,
			    rootfs_strerror(r));
		goto out;
	}
	{
		const char *mk[] = { "grub-mkimage", "-O", platform, "-d",
				     lib.buf, "-c", cfg.buf, "-p", prefix,
				     "-o", out.buf, "part_gpt", "part_msdos",
				     fs_module(boot->fs), "search_fs_uuid",
				     bios ? "biosdisk" : NULL, NULL };

		r = guest_run(root, mk, err);
	}
out:
	strbuf_release(&lib);
	strbuf_release(&dir);
	strbuf_release(&cfg);
	strbuf_release(&out);
	strbuf_release(&load);
	return r;
}

/* What grub-mkimage and boot.img weigh, with room to spare. */
#define IMAGE_MAX (16 << 20)

static int install_bios(const struct storage *st, const struct rootfs *root,
			struct strbuf *err)
{
	static const char boot_rel[] = "boot/grub/i386-pc/boot.img";
	static const char core_rel[] = "boot/grub/i386-pc/core.img";
	struct strbuf boot = STRBUF_INIT, core = STRBUF_INIT;
	uint64_t at, room;
	int r;

	r = make_image(st, root, "i386-pc", "core.img", err);
	if (r < 0)
		goto out;
	r = rootfs_read_file(root, boot_rel, O_NOFOLLOW, IMAGE_MAX, &boot,
			     NULL);
	if (r >= 0)
		r = rootfs_read_file(root, core_rel, O_NOFOLLOW, IMAGE_MAX,
				     &core, NULL);
	if (r < 0) {
		strbuf_addf(err, "cannot read GRUB's images in the guest's "
			    "'/boot/grub/i386-pc': %s", rootfs_strerror(r));
		goto out;
	}
	/* GPT: the BIOS boot partition, partition 1; msdos: the gap
	 * before partition 1, which starts at 1 MiB. */
	if (st->bios_boot) {
		at = (1ULL << 20) / SECTOR;
		room = STORAGE_BIOS_BOOT_SIZE / SECTOR;
	} else {
		at = 1;
		room = st->vols[0].offset / SECTOR - 1;
	}
	r = bootcode_write_bios(st->disks[0].dev,
				(const unsigned char *)boot.buf, boot.len,
				(const unsigned char *)core.buf, core.len, at,
				room, err);
out:
	strbuf_release(&boot);
	strbuf_release(&core);
	return r;
}

static int mtools(const char *dev, const char *const *args,
		  const struct strbuf *in, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushl(&cp.args, args[0], "-i", dev, NULL);
	strvec_pushv(&cp.args, args + 1);
	/* A partition's size need not be whole tracks. */
	strvec_push(&cp.env, "MTOOLS_SKIP_CHECK=1");
	if (in) {
		cp.in = in->buf;
		cp.in_len = in->len;
	}
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure_output(&cp, r, err);
	child_process_clear(&cp);
	return r;
}

static int install_uefi(const struct storage *st, const struct rootfs *root,
			struct strbuf *err)
{
	static const char image_rel[] = "boot/grub/x86_64-efi/core.efi";
	const struct volume *esp = NULL;
	struct strbuf image = STRBUF_INIT;
	int r;

	for (size_t i = 0; i < st->nvols; i++)
		if (streq(st->vols[i].fs, "vfat"))
			esp = &st->vols[i];
	if (!esp) {
		strbuf_addstr(err, "no EFI system partition");
		return -EINVAL;
	}
	r = make_image(st, root, "x86_64-efi", "core.efi", err);
	if (r < 0)
		goto out;
	r = rootfs_read_file(root, image_rel, O_NOFOLLOW, IMAGE_MAX, &image,
			     NULL);
	if (r < 0) {
		strbuf_addf(err, "cannot read the guest's '/%s': %s",
			    image_rel, rootfs_strerror(r));
		goto out;
	}
	{
		/* The removable path: found without NVRAM boot entries,
		 * which a new guest's firmware does not have. */
		const char *mmd[] = { "mmd", "::/EFI", "::/EFI/BOOT", NULL };
		const char *mcopy[] = { "mcopy", "-o", "-",
					"::/EFI/BOOT/BOOTX64.EFI", NULL };

		r = mtools(esp->dev, mmd, NULL, err);
		if (r >= 0)
			r = mtools(esp->dev, mcopy, &image, err);
	}
	/* The guest mounts it there. */
	if (r >= 0) {
		r = rootfs_mkdir_p(root, "boot/efi", 0755);
		if (r < 0)
			strbuf_addf(err, "cannot create the guest's "
				    "'/boot/efi': %s", rootfs_strerror(r));
	}
out:
	strbuf_release(&image);
	return r;
}

int bootcode_install(const struct guest *g, const struct storage *st,
		     const struct rootfs *root, struct strbuf *err)
{
	if (g->firmware == FIRMWARE_UEFI)
		return install_uefi(st, root, err);
	return install_bios(st, root, err);
}
