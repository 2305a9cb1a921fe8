/* blockdev.c: see blockdev.h. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockdev.h"
#include "macros.h"
#include "run-command.h"
#include "banned.h"

#define MIB (1024 * 1024)
/* What one write or one BLKZEROOUT covers between checks for a signal. */
#define WRITE_CHUNK (4 * MIB)
#define ZEROOUT_CHUNK (64 * MIB)
/*
 * Each pass of the wipe loop erases one signature; a device holding more
 * than this many is not one libblkid is making progress on.
 */
#define MAX_SIGNATURES 256
/* How often another program may take the free loop device before us. */
#define LOOP_ATTACH_TRIES 64

int blockdev_size(const char *path, uint64_t *ret)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	uint64_t size;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*ret = (uint64_t)st.st_size;
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENOTBLK;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, &size) < 0)
		return -errno;
	*ret = size;
	return 0;
}

/*
 * Ask for every kind of signature, and those with a bad checksum too: a
 * stale superblock is still something the guest's tools would trip over.
 * FORCE_GPT finds a GPT (primary or backup header) even without its
 * protective MBR, so one that is half gone still counts and is erased.
 */
static void probe_setup(blkid_probe pr)
{
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE |
					  BLKID_SUBLKS_USAGE |
					  BLKID_SUBLKS_MAGIC |
					  BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC |
					 BLKID_PARTS_FORCE_GPT);
}

/* "an" before a vowel sound: "an ext4", "an xfs", "an LVM2_member". */
static const char *article(const char *word)
{
	const char *vowel_sound = (*word >= 'A' && *word <= 'Z') ?
				  "AEFHILMNORSX" : "aeiox";

	return *word && strchr(vowel_sound, *word) ? "an" : "a";
}

/* Put what the probe found last into what, as "'x' holds <what>" wants. */
static void describe(blkid_probe pr, struct strbuf *what)
{
	const char *type = NULL, *usage = NULL;

	if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0 && type) {
		blkid_probe_lookup_value(pr, "USAGE", &usage, NULL);
		if (!strcmp(type, "swap"))
			strbuf_addstr(what, "a swap area");
		else if (usage && !strcmp(usage, "filesystem"))
			strbuf_addf(what, "%s %s file system", article(type),
				    type);
		else
			strbuf_addf(what, "%s %s signature", article(type),
				    type);
	} else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0 &&
		   type) {
		strbuf_addf(what, "%s %s partition table", article(type),
			    type);
	} else {
		strbuf_addstr(what, "an unknown signature");
	}
}

int blockdev_probe(const char *path, struct strbuf *what,
		   struct strbuf *err)
{
	blkid_probe pr;
	int r;

	errno = 0;
	pr = blkid_new_probe_from_filename(path);
	if (!pr) {
		r = errno ? -errno : -EIO;
		strbuf_addf(err, "cannot probe '%s': %s", path, strerror(-r));
		return r;
	}
	probe_setup(pr);
	/* The first signature of any kind is enough to say it is not
	 * empty; file systems are looked for before partition tables. */
	r = blkid_do_probe(pr);
	if (r == 0) {
		describe(pr, what);
		r = 1;
	} else if (r == 1) {
		r = 0;
	} else {
		strbuf_addf(err, "cannot probe '%s': libblkid failed", path);
		r = -EIO;
	}
	blkid_free_probe(pr);
	return r;
}

/* Erase what libblkid finds on fd, one signature at a time, as wipefs -a. */
static int wipe_signatures(int fd, const char *path, struct strbuf *err)
{
	blkid_probe pr = blkid_new_probe();
	int r, n = 0;

	if (!pr) {
		strbuf_addf(err, "cannot probe '%s': out of memory", path);
		return -ENOMEM;
	}
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		strbuf_addf(err, "cannot probe '%s': libblkid failed", path);
		blkid_free_probe(pr);
		return -EIO;
	}
	probe_setup(pr);
	/*
	 * blkid_do_wipe() zeroes the magic just found and steps the probe
	 * back, so the next blkid_do_probe() looks again at the same chain
	 * and finds what hid behind it: GPT's backup header once the
	 * primary is gone, a second superblock, a table under a file system.
	 */
	for (;;) {
		r = blkid_do_probe(pr);
		if (r == 1) {
			r = 0;
			break;
		}
		if (r < 0) {
			strbuf_addf(err, "cannot probe '%s': libblkid failed",
				    path);
			r = -EIO;
			break;
		}
		if (++n > MAX_SIGNATURES) {
			strbuf_addf(err, "cannot wipe '%s': its signatures "
				    "keep reappearing", path);
			r = -ELOOP;
			break;
		}
		errno = 0;
		if (blkid_do_wipe(pr, 0) < 0) {
			r = errno ? -errno : -EIO;
			strbuf_addstr(err, "cannot erase ");
			describe(pr, err);
			strbuf_addf(err, " on '%s': %s", path, strerror(-r));
			break;
		}
	}
	blkid_free_probe(pr);
	return r;
}

static int write_zeros(int fd, uint64_t off, uint64_t len, int interruptible)
{
	_cleanup_free_ char *zeros = NULL;

	if (len)
		zeros = xcalloc(1, len < WRITE_CHUNK ? len : WRITE_CHUNK);
	while (len) {
		size_t n = len < WRITE_CHUNK ? (size_t)len : WRITE_CHUNK;
		ssize_t w;

		if (interruptible && signals_pending())
			return -EINTR;
		w = pwrite(fd, zeros, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return 0;
}

/*
 * Zero [off, off+len) of a block device: BLKZEROOUT lets the device (or
 * the loop driver's file) do it without moving zeros through memory.
 */
static int zero_device(int fd, uint64_t off, uint64_t len, int interruptible)
{
	while (len) {
		uint64_t n = len < ZEROOUT_CHUNK ? len : ZEROOUT_CHUNK;
		uint64_t range[2] = { off, n };

		if (interruptible && signals_pending())
			return -EINTR;
		if (ioctl(fd, BLKZEROOUT, range) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EOPNOTSUPP && errno != ENOTTY &&
			    errno != EINVAL)
				return -errno;
			return write_zeros(fd, off, len, interruptible);
		}
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Zero [off, off+len) of a regular file. Holes already read as zeros:
 * only the data in between is written, so a sparse image stays sparse
 * and a fully allocated one stays allocated.
 */
static int zero_file(int fd, uint64_t off, uint64_t len, int interruptible)
{
	uint64_t end = off + len;

	while (off < end) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA);
		off_t hole;
		int r;

		if (data < 0 && errno == ENXIO)
			return 0;
		if (data < 0)
			return write_zeros(fd, off, end - off, interruptible);
		if ((uint64_t)data >= end)
			return 0;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > end)
			hole = (off_t)end;
		r = write_zeros(fd, (uint64_t)data, (uint64_t)(hole - data),
				interruptible);
		if (r < 0)
			return r;
		off = (uint64_t)hole;
	}
	return 0;
}

static int zero_range(int fd, int is_blk, uint64_t off, uint64_t len,
		      int interruptible)
{
	if (is_blk)
		return zero_device(fd, off, len, interruptible);
	return zero_file(fd, off, len, interruptible);
}

int blockdev_wipe(const char *path, int full, struct strbuf *err)
{
	_cleanup_close_ int fd = -1;
	uint64_t size;
	struct stat st;
	int is_blk, r;

	if (stat(path, &st) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot stat '%s': %s", path, strerror(-r));
		return r;
	}
	is_blk = S_ISBLK(st.st_mode);
	if (!is_blk && !S_ISREG(st.st_mode)) {
		strbuf_addf(err, "'%s' is neither a block device nor a "
			    "regular file", path);
		return -ENOTBLK;
	}
	/*
	 * O_EXCL on a block device fails while anything holds it: a mount,
	 * swap, a device-mapper table, another O_EXCL opener. Opened so,
	 * nothing can start using it while we wipe.
	 */
	fd = open(path, O_RDWR | O_CLOEXEC | (is_blk ? O_EXCL : 0));
	if (fd < 0) {
		r = -errno;
		if (r == -EBUSY)
			strbuf_addf(err, "'%s' is in use (mounted, or held by "
				    "another device)", path);
		else
			strbuf_addf(err, "cannot open '%s': %s", path,
				    strerror(-r));
		return r;
	}
	if (!is_blk) {
		size = (uint64_t)st.st_size;
	} else if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot read the size of '%s': %s", path,
			    strerror(-r));
		return r;
	}

	r = wipe_signatures(fd, path, err);
	if (r < 0)
		return r;

	if (full) {
		r = zero_range(fd, is_blk, 0, size, 1);
	} else if (size <= 2 * MIB) {
		r = zero_range(fd, is_blk, 0, size, 0);
	} else {
		r = zero_range(fd, is_blk, 0, MIB, 0);
		if (r >= 0)
			r = zero_range(fd, is_blk, size - MIB, MIB, 0);
	}
	if (r == -EINTR) {
		strbuf_addf(err, "wiping '%s' was interrupted", path);
		return r;
	}
	if (r < 0) {
		strbuf_addf(err, "cannot zero '%s': %s", path, strerror(-r));
		return r;
	}
	if (fsync(fd) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot flush '%s': %s", path, strerror(-r));
		return r;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = -errno;
		strbuf_addf(err, "cannot close '%s': %s", path, strerror(-r));
		return r;
	}
	return 0;
}

/*
 * Bind free loop device fd to backing, autoclear set from the first
 * moment when the kernel has LOOP_CONFIGURE (5.8); before it, in two
 * steps. -EBUSY: someone else bound it first.
 */
static int loop_bind(int fd, int backing, uint64_t offset, uint64_t size,
		     const char *path)
{
	struct loop_config cfg;
	struct loop_info64 *info = &cfg.info;
	size_t n = strlen(path);

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)backing;
	info->lo_offset = offset;
	info->lo_sizelimit = size;
	info->lo_flags = LO_FLAGS_AUTOCLEAR;
	/* The name losetup shows when sysfs does not have it: the tail of
	 * path, which says more than its head. */
	if (n >= LO_NAME_SIZE)
		path += n - (LO_NAME_SIZE - 1);
	memcpy(info->lo_file_name, path, strlen(path));
	if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	if (ioctl(fd, LOOP_SET_FD, backing) < 0)
		return -errno;
	if (ioctl(fd, LOOP_SET_STATUS64, info) < 0) {
		int r = -errno;

		ioctl(fd, LOOP_CLR_FD, 0);
		return r;
	}
	return 0;
}

int loop_attach_range(const char *path, uint64_t offset, uint64_t size,
		      struct journal *j, char **ret_dev, struct strbuf *err)
{
	_cleanup_close_ int backing = -1, ctl = -1;
	struct strbuf dev = STRBUF_INIT;
	int r = 0;

	backing = open(path, O_RDWR | O_CLOEXEC);
	if (backing < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", path, strerror(-r));
		goto out;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '/dev/loop-control': %s",
			    strerror(-r));
		goto out;
	}
	/*
	 * The device the kernel calls free can be taken by another program
	 * (losetup, another build) before we bind it: ask again.
	 */
	for (int tries = 0; tries < LOOP_ATTACH_TRIES; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		int fd;

		if (n < 0) {
			r = -errno;
			strbuf_addf(err, "cannot find a free loop device: %s",
				    strerror(-r));
			goto out;
		}
		strbuf_reset(&dev);
		strbuf_addf(&dev, "/dev/loop%d", n);
		fd = open(dev.buf, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			if (r == -ENOENT || r == -ENXIO)
				continue;
			strbuf_addf(err, "cannot open '%s': %s", dev.buf,
				    strerror(-r));
			goto out;
		}
		r = loop_bind(fd, backing, offset, size, path);
		if (r == 0) {
			/* Held open by the run alone, so it goes when the
			 * run goes, however that happens. */
			journal_add_loop(j, dev.buf, path, fd);
			*ret_dev = strbuf_detach(&dev, NULL);
			goto out;
		}
		close(fd);
		if (r != -EBUSY)
			break;
	}
	strbuf_addf(err, "cannot attach '%s' to a loop device: %s", path,
		    strerror(-r));
out:
	strbuf_release(&dev);
	return r;
}
