/* base-image.c: see base-image.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base-image.h"
#include "blockdev.h"
#include "filesystem.h"
#include "fsutil.h"
#include "install-archive.h"
#include "macros.h"
#include "manifest.h"
#include "run-command.h"
#include "strvec.h"
#include "sum-stamp.h"
#include "banned.h"

#define MIB (1024ULL * 1024)
/* What the checksum reads at a time, and skips when it is all zeros. */
#define SUM_BLOCK (64 * 1024)
#define MAX_OFF(a, b) ((a) > (b) ? (a) : (b))

/*
 * The mkfs of a base image: the guest's own (fs_make(), without
 * --image=full's options, which a sparse image never has), and for ext4 a
 * checksum seed of its own, so that a clone's new UUID (clone_renew())
 * leaves every metadata checksum as it is instead of rewriting them all.
 */
static int image_mkfs_args(const char *fs, struct strvec *args)
{
	if (streq(fs, "ext2") || streq(fs, "ext3") || streq(fs, "ext4")) {
		strvec_pushf(args, "mkfs.%s", fs);
		strvec_pushl(args, "-q", "-F", NULL);
		if (streq(fs, "ext4"))
			strvec_pushl(args, "-O", "metadata_csum_seed", NULL);
	} else if (streq(fs, "xfs") || streq(fs, "btrfs")) {
		strvec_pushf(args, "mkfs.%s", fs);
		strvec_pushl(args, "-f", "-q", NULL);
	} else {
		return -EINVAL;
	}
	return 0;
}

char *base_image_key(const char *fs, const char *format)
{
	struct strvec args = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "fs=%s\nmkfs=", fs);
	if (image_mkfs_args(fs, &args) == 0)
		for (size_t i = 0; i < args.nr; i++)
			strbuf_addf(&sb, "%s%s", i ? " " : "", args.v[i]);
	strbuf_addf(&sb, "\nformat=%s\n", format);
	strvec_clear(&args);
	return strbuf_detach(&sb, NULL);
}

char *base_image_path(const struct base_entry *e, const char *fs,
		      const char *format)
{
	char *key = base_image_key(fs, format), *dir, *slash;
	char id[SHA256_HEX_SIZE];
	struct strbuf sb = STRBUF_INIT;

	sha256_hex(key, strlen(key), id);
	dir = xstrdup(e->archive);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	strbuf_addf(&sb, "%s/%s.%s-%.12s-%.12s.%s", slash ? dir : ".",
		    e->name, fs, id, e->sha256,
		    streq(format, "qcow2") ? "qcow2" : "img");
	free(dir);
	free(key);
	return strbuf_detach(&sb, NULL);
}

static int all_zero(const char *buf, size_t len)
{
	return len == 0 || (buf[0] == 0 && !memcmp(buf, buf + 1, len - 1));
}

int base_image_sum_fd(int fd, char hex[SHA256_HEX_SIZE])
{
	const off_t block = SUM_BLOCK;
	struct sha256_ctx *c = sha256_new();
	char *buf = xrealloc(NULL, SUM_BLOCK);
	off_t pos = 0, done = 0, end;
	unsigned long long size;
	struct stat st;
	int r = 0;

	if (!c) {
		free(buf);
		return -ENOMEM;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	end = st.st_size;
	while (pos < end) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;		/* a hole to the end */
		if (data < 0) {
			r = -errno;
			goto out;
		}
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			r = -errno;
			goto out;
		}
		/* Whole aligned blocks, each once, zero ones skipped: a
		 * file system may report an unwritten extent as data or
		 * as a hole depending on what is cached, and either way
		 * it reads as zeros. */
		for (off_t o = MAX_OFF(data / block * block, done); o < hole;
		     o += block) {
			ssize_t n = pread(fd, buf, SUM_BLOCK, o);
			unsigned long long at = (unsigned long long)o;

			if (n < 0 && errno == EINTR) {
				o -= block;
				continue;
			}
			if (n < 0) {
				r = -errno;
				goto out;
			}
			if (!all_zero(buf, (size_t)n)) {
				sha256_update(c, &at, sizeof(at));
				sha256_update(c, buf, (size_t)n);
			}
			done = o + block;
			if (n < block)
				break;
		}
		pos = MAX_OFF(hole, done);
	}
	size = (unsigned long long)end;
	sha256_update(c, &size, sizeof(size));
out:
	free(buf);
	if (r < 0) {
		char discard[SHA256_HEX_SIZE];

		sha256_finish(c, discard);
		return r;
	}
	sha256_finish(c, hex);
	return 0;
}

static char *sum_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", path, BASE_IMAGE_SUM_SUFFIX);
	return strbuf_detach(&sb, NULL);
}

/* The checksum file: 64 hex digits and a newline. */
static int read_sum(const char *path, char hex[SHA256_HEX_SIZE])
{
	char buf[SHA256_HEX_SIZE + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != SHA256_HEX_SIZE || buf[SHA256_HEX_SIZE - 1] != '\n')
		return -EBADMSG;
	for (int i = 0; i < SHA256_HEX_SIZE - 1; i++)
		if (!strchr("0123456789abcdef", buf[i]) || !buf[i])
			return -EBADMSG;
	memcpy(hex, buf, SHA256_HEX_SIZE - 1);
	hex[SHA256_HEX_SIZE - 1] = '\0';
	return 0;
}

/*
 * Sum fd's content into got, unless the stamp beside path says it was
 * summed to want within BASE_IMAGE_TRUST_SECONDS and the file has not
 * changed since (sum-stamp.h): then got is want, read from nothing. A
 * full sum that matches, of a file that did not change while it was
 * read, renews the stamp (if the file has settled). 0 or -errno.
 */
static int verify_trusted(int fd, const char *path,
			  const char want[SHA256_HEX_SIZE],
			  char got[SHA256_HEX_SIZE])
{
	struct strbuf stamp = STRBUF_INIT;
	struct stat before, after;
	struct timespec seen;
	int r;

	if (clock_gettime(CLOCK_REALTIME, &seen) < 0 ||
	    fstat(fd, &before) < 0)
		return -errno;
	strbuf_addf(&stamp, "%s%s", path, BASE_IMAGE_STAMP_SUFFIX);
	if (sum_stamp_holds(stamp.buf, &before, want,
			    BASE_IMAGE_TRUST_SECONDS)) {
		memcpy(got, want, SHA256_HEX_SIZE);
		r = 0;
		goto out;
	}
	r = base_image_sum_fd(fd, got);
	if (r >= 0 && !strcmp(want, got) && fstat(fd, &after) == 0 &&
	    sum_stamp_same(&before, &after))
		/* Without a stamp the next check sums again: no harm. */
		(void)sum_stamp_write(stamp.buf, &before, &seen, want);
out:
	strbuf_release(&stamp);
	return r;
}

int base_image_verify(const char *path, struct strbuf *err)
{
	char want[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE];
	char *sums = sum_path(path);
	int fd, r;

	r = read_sum(sums, want);
	if (r == -ENOENT)
		goto out;
	if (r < 0) {
		strbuf_addf(err, "'%s': %s", sums, r == -EBADMSG ?
			    "not a checksum" : strerror(-r));
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			strbuf_addf(err, "cannot open '%s': %s", path,
				    strerror(-r));
		goto out;
	}
	r = verify_trusted(fd, path, want, got);
	close(fd);
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-r));
	} else if (strcmp(want, got)) {
		strbuf_addf(err, "'%s' has SHA-256 %s, not %s", path, got,
			    want);
		r = -EBADMSG;
	}
out:
	free(sums);
	return r;
}

unsigned long long base_image_size(const struct base_entry *e)
{
	/* A base from before that does not say: zstd packs a system's
	 * tree to about a fifth. */
	unsigned long long tree = e->unpacked ? e->unpacked : e->size * 6;
	unsigned long long size;

	if (!tree)
		return 0;
	/* A quarter more, and 128 MiB for the journal and inode tables. */
	size = tree + tree / 4 + 128 * MIB;
	if (size < 512 * MIB)
		size = 512 * MIB;
	return (size + MIB - 1) / MIB * MIB;
}

/* Fill the file system of part, through a loop device, from e. */
static int fill(const struct base_entry *e, const char *fs, const char *part,
		struct journal *j, struct strbuf *err)
{
	char *dev = NULL, *mnt = NULL;
	size_t held = j->nr;
	int fd = -1, r;

	r = loop_attach_range(part, 0, 0, j, &dev, err);
	if (r >= 0)
		r = scratch_dir("create-image-base", j, &mnt, err);
	if (r >= 0)
		r = fs_mount(dev, fs, mnt, NULL, j, err);
	if (r >= 0) {
		fd = base_cache_open(e, err);
		r = fd < 0 ? fd : 0;
	}
	if (r >= 0)
		r = install_tar_fd(fd, e->archive, e->sha256, mnt, err);
	if (fd >= 0)
		close(fd);
	/* The mount, the scratch point and the loop device, newest first. */
	while (j->nr > held) {
		int u = journal_pop(j);

		if (u < 0 && r >= 0) {
			strbuf_addf(err, "cannot release the image's mount: "
				    "%s", strerror(-u));
			r = u;
		}
	}
	free(dev);
	free(mnt);
	return r;
}

static int convert_qcow2(const char *raw, const char *qcow2,
			 struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	strvec_pushl(&cp.args, "qemu-img", "convert", "-q", "-f", "raw",
		     "-O", "qcow2", raw, qcow2, NULL);
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure_output(&cp, r, err);
	child_process_clear(&cp);
	return r;
}

static int mkfs(const char *path, const char *fs, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r = image_mkfs_args(fs, &cp.args);

	if (r < 0) {
		strbuf_addf(err, "cannot make a file system of type '%s'", fs);
	} else {
		strvec_push(&cp.args, path);
		r = run_command(&cp);
		if (r < 0)
			child_describe_failure_output(&cp, r, err);
	}
	child_process_clear(&cp);
	return r;
}

/* A new part file beside path, journaled before it exists. */
static int make_part(const char *path, const char *what, struct journal *j,
		     char **ret, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	int r, fd;

	strbuf_addf(&sb, "%s.%s-%ld", path, what, (long)getpid());
	r = journal_add(j, JOURNAL_HELD, UNDO_UNLINK, sb.buf);
	if (r < 0) {
		strbuf_addf(err, "cannot journal '%s': %s", sb.buf,
			    strerror(-r));
		strbuf_release(&sb);
		return r;
	}
	fd = open(sb.buf, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		journal_cancel(j);
		strbuf_addf(err, "cannot create '%s': %s", sb.buf,
			    strerror(-r));
		strbuf_release(&sb);
		return r;
	}
	close(fd);
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

int base_image_make(const struct base_entry *e, const char *fs,
		    const char *format, const char *path, struct journal *j,
		    struct strbuf *err)
{
	unsigned long long size = base_image_size(e);
	char *raw = NULL, *qcow2 = NULL, *sums = sum_path(path);
	const char *done;
	char hex[SHA256_HEX_SIZE + 1];
	int fd, r;

	if (!size) {
		strbuf_addf(err, "the base %s is empty", e->name);
		r = -ENODATA;
		goto out;
	}
	/* An image whose checksum went stays unused until remade. */
	(void)unlink(sums);
	r = make_part(path, "raw", j, &raw, err);
	if (r < 0)
		goto out;
	if (truncate(raw, (off_t)size) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot size '%s': %s", raw, strerror(-r));
		goto out;
	}
	r = mkfs(raw, fs, err);
	if (r >= 0)
		r = fill(e, fs, raw, j, err);
	if (r < 0)
		goto out;
	done = raw;
	if (streq(format, "qcow2")) {
		r = make_part(path, "qcow2", j, &qcow2, err);
		if (r >= 0)
			r = convert_qcow2(raw, qcow2, err);
		if (r < 0)
			goto out;
		done = qcow2;
	}
	fd = open(done, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot open '%s': %s", done, strerror(-r));
		goto out;
	}
	r = fsync(fd) < 0 ? -errno : base_image_sum_fd(fd, hex);
	close(fd);
	if (r < 0) {
		strbuf_addf(err, "cannot read '%s': %s", done, strerror(-r));
		goto out;
	}
	if (rename(done, path) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot rename '%s': %s", done, strerror(-r));
		goto out;
	}
	hex[SHA256_HEX_SIZE - 1] = '\n';
	hex[SHA256_HEX_SIZE] = '\0';
	r = write_file(sums, hex, SHA256_HEX_SIZE, 0644);
	if (r < 0)
		strbuf_addf(err, "cannot write '%s': %s", sums, strerror(-r));
out:
	free(raw);
	free(qcow2);
	free(sums);
	return r;
}

static int is_hex12(const char *s, size_t len)
{
	if (len != 12)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

int base_image_parse_name(const char *file, char **ret_base,
			  char ret_sum[13])
{
	size_t len = strlen(file), stem;
	const char *dot, *dash, *sum = NULL;

	if (len > 4 && streq(file + len - 4, ".img"))
		stem = len - 4;
	else if (len > 6 && streq(file + len - 6, ".qcow2"))
		stem = len - 6;
	else
		return 0;
	/* NAME.FS-ID-SUM, or NAME.FS-ID from before: NAME may hold dots,
	 * FS never does. */
	dot = file + stem;
	while (dot > file && dot[-1] != '.')
		dot--;
	if (dot <= file + 1)
		return 0;
	dash = file + stem;
	while (dash > dot && dash[-1] != '-')
		dash--;
	if (dash <= dot || !is_hex12(dash, (size_t)(file + stem - dash)))
		return 0;
	if (dash - 1 > dot) {
		const char *prev = dash - 1;

		while (prev > dot && prev[-1] != '-')
			prev--;
		if (prev > dot && is_hex12(prev, (size_t)(dash - 1 - prev))) {
			sum = dash;
			dash = prev;
		}
	}
	if (dash - 1 <= dot)
		return 0;	/* no FS */
	*ret_base = xstrndup(file, (size_t)(dot - 1 - file));
	if (sum)
		memcpy(ret_sum, sum, 12);
	ret_sum[sum ? 12 : 0] = '\0';
	return 1;
}

int base_image_users_read(struct base_image_users *u, struct strbuf *err)
{
	int r = manifest_read_all(&u->m, &u->n, err);

	if (r < 0) {
		u->m = NULL;
		u->n = 0;
		u->unknown = 1;
		return r;
	}
	u->unknown = r > 0;
	return 0;
}

void base_image_users_release(struct base_image_users *u)
{
	manifest_free_all(u->m, u->n);
	u->m = NULL;
	u->n = 0;
	u->unknown = 0;
}

size_t base_image_users_of(const struct base_image_users *u,
			   const char *path, struct strvec *ret)
{
	struct stat img;
	int have = stat(path, &img) == 0;
	size_t n = 0;

	for (size_t i = 0; i < u->n; i++) {
		const char *b = u->m[i].backing;
		struct stat st;

		if (!b || !*b)
			continue;
		/* The same file by another spelling of the cache's path
		 * (a symbolic link, a doubled slash) is the same image. */
		if (!streq(b, path) &&
		    !(have && stat(b, &st) == 0 && st.st_dev == img.st_dev &&
		      st.st_ino == img.st_ino))
			continue;
		strvec_push(ret, u->m[i].hostname);
		n++;
	}
	return n;
}

int base_image_in_use(const char *path)
{
	struct base_image_users u = BASE_IMAGE_USERS_INIT;
	struct strbuf err = STRBUF_INIT;
	struct strvec who = STRVEC_INIT;
	int used;

	(void)base_image_users_read(&u, &err);
	used = u.unknown || base_image_users_of(&u, path, &who) > 0;
	strvec_clear(&who);
	base_image_users_release(&u);
	strbuf_release(&err);
	return used;
}

static int by_path(const void *a, const void *b)
{
	const struct base_image *x = a, *y = b;

	return strcmp(x->path, y->path);
}

int base_image_list(const char *dir, const char *name,
		    const struct base_image_users *u,
		    struct base_image **ret, size_t *ret_nr)
{
	struct strvec names = STRVEC_INIT;
	struct base_image *v = NULL;
	size_t nr = 0;
	int r = list_dir(dir, &names);

	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.nr; i++) {
		struct base_image img = { 0 };

		if (!base_image_parse_name(names.v[i], &img.base, img.sum))
			continue;
		if (name && !streq(name, img.base)) {
			free(img.base);
			continue;
		}
		img.path = path_join(dir, names.v[i]);
		strvec_init(&img.dependants);
		if (u)
			(void)base_image_users_of(u, img.path, &img.dependants);
		v = xrealloc(v, (nr + 1) * sizeof(*v));
		v[nr++] = img;
	}
	if (nr)
		qsort(v, nr, sizeof(*v), by_path);
out:
	strvec_clear(&names);
	*ret = v;
	*ret_nr = nr;
	return r;
}

void base_image_list_free(struct base_image *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(v[i].path);
		free(v[i].base);
		strvec_clear(&v[i].dependants);
	}
	free(v);
}

int base_image_of_current(const struct base_image *img,
			  const struct base_entry *e)
{
	return e && streq(img->base, e->name) && img->sum[0] &&
	       !strncmp(img->sum, e->sha256, 12);
}

enum base_image_fate base_image_fate(int used, int current, int base_goes,
				     int damaged, const char **why)
{
	const char *w;
	enum base_image_fate f = BASE_IMAGE_REMOVE;

	if (used) {
		w = current && !base_goes ? "in use" : "orphan kept for its "
						       "guests";
		f = BASE_IMAGE_KEEP_FOR_GUESTS;
	} else if (!current) {
		w = "its base is gone";
	} else if (base_goes) {
		w = "with its base";
	} else if (damaged) {
		w = "damaged";
	} else {
		w = "current";
		f = BASE_IMAGE_KEEP;
	}
	if (why)
		*why = w;
	return f;
}

int base_image_remove(const char *path)
{
	struct strbuf stamp = STRBUF_INIT;
	char *sums = sum_path(path);
	int r = 0;

	strbuf_addf(&stamp, "%s%s", path, BASE_IMAGE_STAMP_SUFFIX);
	if (unlink(stamp.buf) < 0 && errno != ENOENT)
		r = -errno;
	if (!r && unlink(sums) < 0 && errno != ENOENT)
		r = -errno;
	if (!r && unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	strbuf_release(&stamp);
	free(sums);
	return r;
}

int base_image_remove_all(const char *dir, const char *name)
{
	struct base_image_users u = BASE_IMAGE_USERS_INIT;
	struct strbuf err = STRBUF_INIT;
	struct base_image *v = NULL;
	size_t nr = 0;
	int r;

	(void)base_image_users_read(&u, &err);
	r = base_image_list(dir, name, &u, &v, &nr);
	for (size_t i = 0; i < nr; i++) {
		int used = u.unknown || v[i].dependants.nr;
		int q;

		if (used)
			continue;
		q = base_image_remove(v[i].path);
		if (q < 0 && r >= 0)
			r = q;
	}
	base_image_list_free(v, nr);
	base_image_users_release(&u);
	strbuf_release(&err);
	return r;
}
