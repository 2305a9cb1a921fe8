/*
 * bootcode.h: the boot code of an --boot-mode=hvm guest, whose firmware
 * boots its disk by itself: GRUB for BIOS (boot.img in the MBR, core.img
 * in the BIOS boot partition or the gap before partition 1) or for UEFI
 * (the removable path EFI/BOOT/BOOTX64.EFI on the EFI system partition).
 *
 * GRUB's images are made in the guest's sandbox by the guest's own
 * grub-mkimage from its own modules (grub-pc-bin, grub-efi-amd64-bin),
 * with an embedded config that finds /boot by its UUID. grub-install
 * cannot be used there: it asks the kernel which device holds /boot, and
 * the sandbox has no devices, nor could GRUB tell a partition from the
 * loop device the build reaches it through. What grub-bios-setup does
 * with the images is done here, on the host; the EFI system partition
 * is written with mtools, so a dom0 kernel need not know FAT.
 */
#ifndef BOOTCODE_H
#define BOOTCODE_H

#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "rootfs.h"
#include "storage.h"
#include "strbuf.h"

/*
 * Make the guest's disk boot by itself (g->boot_mode == BOOT_HVM): the
 * GRUB modules copied to /boot/grub, the image made, and written to the
 * disk (BIOS) or the EFI system partition (UEFI). st's disks and volumes
 * are attached (their dev set) and the volumes have their UUIDs.
 */
int bootcode_install(const struct guest *g, const struct storage *st,
		     const struct rootfs *root, struct strbuf *err);

/*
 * What grub-bios-setup does, on the disk at path (an image file or a
 * block device): core (core_len bytes, from grub-mkimage -O i386-pc) to
 * the sectors from core_sector on, at most max_sectors of them, its first
 * sector's block list pointing at the rest; boot (512 bytes, boot.img)
 * to sector 0, told where core starts, keeping the disk's partition
 * table and BPB. -ENOSPC when core does not fit, -EINVAL for images that
 * are not GRUB's, with the reason in err.
 */
int bootcode_write_bios(const char *path, const unsigned char *boot,
			size_t boot_len, const unsigned char *core,
			size_t core_len, uint64_t core_sector,
			uint64_t max_sectors, struct strbuf *err);

#endif
