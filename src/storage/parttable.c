/* parttable.c: see parttable.h. */
#include <errno.h>
#include <fcntl.h>
#include <parted/parted.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "parttable.h"
#include "strbuf.h"
#include "banned.h"

#define MIB (1ULL << 20)

/*
 * libparted reports problems through one process-wide handler, which by
 * default prints them and, on a terminal, asks what to do. Ours keeps the
 * latest message for err and declines whatever can be declined; what
 * cannot (a warning whose only answer is "ignore") goes on as libparted
 * would. Each step clears the message first, so a warning that did no
 * harm is not blamed for a later failure.
 */
static struct strbuf ped_message = STRBUF_INIT;
/*
 * While a table grows: libparted offers to fix a GPT whose backup is not
 * at the device's end, or that does not use all of it. That is the growth
 * asked for, so the answer is yes.
 */
static int ped_fix_gpt;

static PedExceptionOption on_ped_exception(PedException *ex)
{
	PedExceptionOption o = ex->options;

	if (ped_fix_gpt && (o & PED_EXCEPTION_FIX))
		return PED_EXCEPTION_FIX;

	if (ex->type != PED_EXCEPTION_INFORMATION && ex->message) {
		/* One line, whatever libparted wrapped. */
		strbuf_reset(&ped_message);
		for (const char *p = ex->message; *p; p++)
			strbuf_addch(&ped_message, *p == '\n' ? ' ' : *p);
		strbuf_trim(&ped_message);
	}
	if (ex->type != PED_EXCEPTION_INFORMATION) {
		if (o & PED_EXCEPTION_CANCEL)
			return PED_EXCEPTION_CANCEL;
		if (o & PED_EXCEPTION_NO)
			return PED_EXCEPTION_NO;
	}
	return o & PED_EXCEPTION_IGNORE ? PED_EXCEPTION_IGNORE :
	       o & PED_EXCEPTION_OK ? PED_EXCEPTION_OK :
	       PED_EXCEPTION_UNHANDLED;
}

/* "what: libparted's reason", or just "what" when it gave none. */
__attribute__((format(printf, 2, 3)))
static int ped_fail(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	if (ped_message.len)
		strbuf_addf(err, ": %s", ped_message.buf);
	return -EIO;
}

/*
 * Start working on the device at path: our exception handler in place
 * (fix_gpt: see ped_fix_gpt), the device into *ret_dev and its sector
 * size, which must divide 1 MiB, into *ret_ss. 0 or -errno with err;
 * ped_done() ends it either way.
 */
static int ped_start(const char *path, int fix_gpt, PedDevice **ret_dev,
		     uint64_t *ret_ss, struct strbuf *err)
{
	uint64_t ss;

	strbuf_reset(&ped_message);
	ped_exception_set_handler(on_ped_exception);
	ped_fix_gpt = fix_gpt;

	*ret_dev = ped_device_get(path);
	if (!*ret_dev)
		return ped_fail(err, "libparted cannot use '%s'", path);
	ss = (uint64_t)(*ret_dev)->sector_size;
	if (!ss || MIB % ss) {
		strbuf_addf(err, "'%s' has %llu-byte sectors, which do not "
			    "divide 1 MiB", path, (unsigned long long)ss);
		return -EINVAL;
	}
	*ret_ss = ss;
	return 0;
}

/* Open dev (at path), and say so in *opened. 0 or -errno with err. */
static int ped_open(PedDevice *dev, const char *path, int *opened,
		    struct strbuf *err)
{
	strbuf_reset(&ped_message);
	if (!ped_device_open(dev))
		return ped_fail(err, "libparted cannot open '%s'", path);
	*opened = 1;
	return 0;
}

/* Write disk's table to its device at path. 0 or -errno with err. */
static int ped_commit(PedDisk *disk, const char *path, struct strbuf *err)
{
	strbuf_reset(&ped_message);
	if (!ped_disk_commit_to_dev(disk))
		return ped_fail(err, "cannot write the partition table on "
				"'%s'", path);
	return 0;
}

/* End what ped_start() began: disk and dev (either may be NULL) go, and
 * the exception handler saved before it is back. */
static void ped_done(PedExceptionHandler *saved, PedDevice *dev,
		     PedDisk *disk, int opened)
{
	if (disk)
		ped_disk_destroy(disk);
	if (opened)
		ped_device_close(dev);
	if (dev)
		ped_device_destroy(dev);
	ped_fix_gpt = 0;
	ped_exception_set_handler(saved);
	strbuf_release(&ped_message);
}

static uint64_t round_mib(uint64_t n)
{
	if (n > UINT64_MAX - (MIB - 1))
		return UINT64_MAX;
	return (n + MIB - 1) & ~(MIB - 1);
}

int parttable_label_from_string(const char *s)
{
	if (streq(s, "gpt"))
		return PARTTABLE_GPT;
	if (streq(s, "msdos"))
		return PARTTABLE_MSDOS;
	return -EINVAL;
}

uint64_t parttable_disk_size(enum parttable_label label,
			     const struct parttable_entry *e, size_t n)
{
	uint64_t total = 2 * MIB;	/* the head and the tail */

	(void)label;
	for (size_t i = 0; i < n; i++) {
		uint64_t s = round_mib(e[i].size);

		if (s > UINT64_MAX - total)
			return UINT64_MAX;
		total += s;
	}
	return total;
}

static int check_entries(const char *path, enum parttable_label label,
			 const struct parttable_entry *e, size_t n,
			 struct strbuf *err)
{
	if (!n) {
		strbuf_addf(err, "no partitions to write on '%s'", path);
		return -EINVAL;
	}
	if (label == PARTTABLE_MSDOS && n > 4) {
		strbuf_addf(err, "an msdos partition table holds at most 4 "
			    "partitions, not %zu: use gpt", n);
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		if (!e[i].size) {
			strbuf_addf(err, "partition %zu has no size", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Our own checks first, so that the common mistakes come back with their
 * errno rather than libparted's -EIO.
 */
static int check_target(const char *path, struct strbuf *err)
{
	struct stat st;
	int fd, r;

	if (stat(path, &st) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot use '%s': %s", path, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		strbuf_addf(err, "'%s' is neither an image file nor a block "
			    "device", path);
		return -EINVAL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", path, strerror(-r));
		return r;
	}
	close(fd);
	return 0;
}

/* Set flag f on part when wanted: 0, or -1 when libparted refused it
 * (a BIOS boot partition on msdos, where the MBR gap serves instead). */
static int set_flag(PedPartition *part, int wanted, PedPartitionFlag f)
{
	if (!wanted)
		return 0;
	strbuf_reset(&ped_message);
	if (!ped_partition_is_flag_available(part, f) ||
	    !ped_partition_set_flag(part, f, 1))
		return -1;
	return 0;
}

static int add_partitions(PedDisk *disk, const char *path,
			  const struct parttable_entry *e, size_t n,
			  struct strbuf *err)
{
	PedSector ss = disk->dev->sector_size;
	PedSector start = (PedSector)(MIB / (uint64_t)ss);
	int names = ped_disk_type_check_feature(disk->type,
						PED_DISK_TYPE_PARTITION_NAME);

	for (size_t i = 0; i < n; i++) {
		PedSector len = (PedSector)(round_mib(e[i].size) /
					    (uint64_t)ss);
		const PedFileSystemType *fs;
		PedConstraint *exact;
		PedPartition *part;
		int ok;

		/* Only a hint for the type in the table: Linux data (0x83)
		 * or Linux swap (0x82), and the GPT type GUIDs for them;
		 * the flags below make the firmware's partitions. */
		const char *hint = e[i].swap ? "linux-swap" :
				   e[i].esp ? "fat32" : "ext2";

		fs = ped_file_system_type_get(hint);
		if (!fs) {
			strbuf_addf(err, "libparted does not know file system "
				    "'%s'", hint);
			return -ENOTSUP;
		}
		strbuf_reset(&ped_message);
		part = ped_partition_new(disk, PED_PARTITION_NORMAL, fs, start,
					 start + len - 1);
		if (!part)
			return ped_fail(err, "cannot make partition %zu on "
					"'%s'", i + 1, path);
		/* GPT keeps 36 characters of a name (libparted warns, and
		 * we go on); msdos has none. */
		if (names && e[i].name && !ped_partition_set_name(part,
								 e[i].name)) {
			ped_partition_destroy(part);
			return ped_fail(err, "cannot name partition %zu on "
					"'%s'", i + 1, path);
		}
		if (set_flag(part, e[i].bios_boot, PED_PARTITION_BIOS_GRUB) ||
		    set_flag(part, e[i].esp, PED_PARTITION_ESP)) {
			ped_partition_destroy(part);
			return ped_fail(err, "cannot mark partition %zu on "
					"'%s' as a %s partition", i + 1, path,
					e[i].esp ? "EFI system" : "BIOS boot");
		}
		strbuf_reset(&ped_message);
		exact = ped_constraint_exact(&part->geom);
		ok = exact && ped_disk_add_partition(disk, part, exact);
		ped_constraint_destroy(exact);
		if (!ok) {
			ped_partition_destroy(part);
			return ped_fail(err, "cannot add partition %zu to '%s'",
					i + 1, path);
		}
		/* Callers reach partitions by the offsets we computed. */
		if (part->geom.start != start || part->geom.length != len) {
			strbuf_addf(err, "libparted moved partition %zu on "
				    "'%s'", i + 1, path);
			return -EIO;
		}
		start += len;
	}
	return 0;
}

int parttable_write(const char *path, enum parttable_label label,
		    struct parttable_entry *e, size_t n, struct strbuf *err)
{
	PedExceptionHandler *saved = ped_exception_get_handler();
	PedDevice *dev = NULL;
	PedDisk *disk = NULL;
	const PedDiskType *type;
	uint64_t need, have, ss, at;
	int opened = 0, r;

	r = check_entries(path, label, e, n, err);
	if (r >= 0)
		r = check_target(path, err);
	if (r < 0)
		return r;

	r = ped_start(path, 0, &dev, &ss, err);
	if (r < 0)
		goto out;
	need = parttable_disk_size(label, e, n);
	have = (uint64_t)dev->length * ss;
	if (have < need) {
		strbuf_addf(err, "'%s' is too small for its partitions: %llu "
			    "bytes, need %llu", path, (unsigned long long)have,
			    (unsigned long long)need);
		r = -ENOSPC;
		goto out;
	}
	r = ped_open(dev, path, &opened, err);
	if (r < 0)
		goto out;

	strbuf_reset(&ped_message);
	type = ped_disk_type_get(label == PARTTABLE_MSDOS ? "msdos" : "gpt");
	disk = type ? ped_disk_new_fresh(dev, type) : NULL;
	if (!disk) {
		r = ped_fail(err, "cannot make a partition table on '%s'",
			     path);
		goto out;
	}
	/* Our 1 MiB boundaries are the alignment wanted, not cylinders. */
	if (ped_disk_is_flag_available(disk, PED_DISK_CYLINDER_ALIGNMENT))
		ped_disk_set_flag(disk, PED_DISK_CYLINDER_ALIGNMENT, 0);
	r = add_partitions(disk, path, e, n, err);
	if (r < 0)
		goto out;
	/* The device only: the kernel is never asked to re-read it. */
	r = ped_commit(disk, path, err);
	if (r < 0)
		goto out;

	at = MIB;
	for (size_t i = 0; i < n; i++) {
		e[i].offset = at;
		e[i].length = round_mib(e[i].size);
		at += e[i].length;
	}
	r = 0;
out:
	ped_done(saved, dev, disk, opened);
	return r;
}

/* Whether a partition other than part starts after it on disk. */
static PedPartition *partition_after(PedDisk *disk, PedPartition *part)
{
	for (PedPartition *p = ped_disk_next_partition(disk, NULL); p;
	     p = ped_disk_next_partition(disk, p))
		if (p != part && p->num > 0 &&
		    !(p->type & (PED_PARTITION_FREESPACE |
				 PED_PARTITION_METADATA)) &&
		    p->geom.start > part->geom.end)
			return p;
	return NULL;
}

int parttable_grow(const char *path, unsigned partno, uint64_t length,
		   uint64_t *ret_offset, struct strbuf *err)
{
	PedExceptionHandler *saved = ped_exception_get_handler();
	PedDevice *dev = NULL;
	PedDisk *disk = NULL;
	PedGeometry *geom = NULL;
	PedConstraint *exact = NULL;
	PedPartition *part, *after;
	uint64_t ss, have, start, old;
	int opened = 0, r;

	r = check_target(path, err);
	if (r < 0)
		return r;
	if (!length || length % MIB) {
		strbuf_addf(err, "partition %u of '%s' cannot be %llu bytes: "
			    "not whole MiB", partno, path,
			    (unsigned long long)length);
		return -EINVAL;
	}
	r = ped_start(path, 1, &dev, &ss, err);
	if (r >= 0)
		r = ped_open(dev, path, &opened, err);
	if (r < 0)
		goto out;
	strbuf_reset(&ped_message);
	disk = ped_disk_new(dev);
	if (!disk) {
		r = ped_fail(err, "cannot read the partition table on '%s'",
			     path);
		goto out;
	}
	part = ped_disk_get_partition(disk, (int)partno);
	if (!part) {
		strbuf_addf(err, "'%s' has no partition %u", path, partno);
		r = -ENOENT;
		goto out;
	}
	after = partition_after(disk, part);
	if (after) {
		strbuf_addf(err, "partition %u of '%s' is followed by "
			    "partition %d: there is no room after it to grow "
			    "into", partno, path, after->num);
		r = -ENOSPC;
		goto out;
	}
	start = (uint64_t)part->geom.start * ss;
	old = (uint64_t)part->geom.length * ss;
	have = (uint64_t)dev->length * ss;
	if (length < old) {
		strbuf_addf(err, "partition %u of '%s' is %llu bytes, more "
			    "than %llu", partno, path,
			    (unsigned long long)old,
			    (unsigned long long)length);
		r = -ENOSPC;
		goto out;
	}
	if (start + length > have || have - (start + length) < MIB) {
		strbuf_addf(err, "'%s' is too small for partition %u of %llu "
			    "bytes: %llu bytes, need %llu", path, partno,
			    (unsigned long long)length,
			    (unsigned long long)have,
			    (unsigned long long)(start + length + MIB));
		r = -ENOSPC;
		goto out;
	}
	strbuf_reset(&ped_message);
	geom = ped_geometry_new(dev, part->geom.start,
				(PedSector)(length / ss));
	exact = geom ? ped_constraint_exact(geom) : NULL;
	if (!exact || !ped_disk_set_partition_geom(disk, part, exact,
						   geom->start, geom->end)) {
		r = ped_fail(err, "cannot grow partition %u on '%s'", partno,
			     path);
		goto out;
	}
	r = ped_commit(disk, path, err);
	if (r < 0)
		goto out;
	*ret_offset = start;
	r = 0;
out:
	if (exact)
		ped_constraint_destroy(exact);
	if (geom)
		ped_geometry_destroy(geom);
	ped_done(saved, dev, disk, opened);
	return r;
}
