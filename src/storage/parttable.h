/*
 * parttable.h: partition tables on a whole-disk volume, written with
 * libparted (--layout=disk). Partitions are aligned to 1 MiB, laid out in
 * the order given, numbered from 1; nothing is told to the kernel (the
 * device may be an image file, or a loop device over an inactive LV), so
 * callers reach partitions by offset.
 */
#ifndef PARTTABLE_H
#define PARTTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

enum parttable_label {
	PARTTABLE_GPT,
	PARTTABLE_MSDOS,
};

struct parttable_entry {
	uint64_t size;		/* in: bytes wanted, rounded up to 1 MiB */
	int swap;		/* in: Linux swap rather than Linux data */
	/* in: a BIOS boot partition (GPT), where GRUB's core image lives */
	int bios_boot;
	int esp;		/* in: an EFI system partition */
	const char *name;	/* in: GPT partition name (may be NULL) */
	uint64_t offset;	/* out: first byte on the disk */
	uint64_t length;	/* out: bytes */
};

/* "gpt" or "msdos" to the enum; -EINVAL for anything else. */
int parttable_label_from_string(const char *s);
/*
 * How large a disk must be to hold these partitions with this label: 1 MiB
 * before the first, each rounded up to 1 MiB, 1 MiB after the last (GPT's
 * backup; msdos too, so the size does not depend on the label). UINT64_MAX
 * when that does not fit in 64 bits.
 */
uint64_t parttable_disk_size(enum parttable_label label,
			     const struct parttable_entry *e, size_t n);
/*
 * Write a new label with partitions e[0..n) on path (an image file or a
 * block device at least parttable_disk_size() long, else -ENOSPC), filling
 * in each entry's offset and length on success only. Partition types are
 * Linux data or Linux swap, a BIOS boot partition (GPT's bios_grub flag)
 * or an EFI system partition; GPT names are cut to 36 characters. msdos
 * takes at most 4 partitions (-E2BIG). What libparted reports goes into
 * err, never to the terminal: for the call, libparted's process-wide
 * exception handler is ours (so this is not for threads), then the
 * caller's again. Its failures are -EIO.
 */
int parttable_write(const char *path, enum parttable_label label,
		    struct parttable_entry *e, size_t n, struct strbuf *err);

/*
 * Grow partition partno of the table on path (an image file or block
 * device that has itself grown) to length bytes (a multiple of 1 MiB),
 * its start unchanged, with 1 MiB left after it as parttable_write()
 * leaves. A GPT's backup header and table move to the new end of the
 * device. Only the last partition can grow: one after it (or a device
 * too small, or a length below its own) is -ENOSPC, with nothing
 * written. Its start in *ret_offset. The same exception handling and
 * errors as parttable_write().
 */
int parttable_grow(const char *path, unsigned partno, uint64_t length,
		   uint64_t *ret_offset, struct strbuf *err);

#endif
