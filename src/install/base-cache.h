/*
 * base-cache.h: the cache of bootstrapped bases.
 *
 * A base is what every guest of one recipe has in common: the installed
 * distribution after the base hooks ran and everything guest-specific was
 * taken out (see customize_generalize()). It is kept as a zstd-compressed
 * pax archive, CACHEDIR/bases/DIST-ARCH-ID.tar.zst, beside a description
 * of the same name ending in .conf (libconfig) that holds its key and the
 * archive's SHA-256. The archive is written as NAME.part-XXXXXX and
 * renamed, and the description is written last: an archive without one,
 * or a part file, is a build that never finished.
 *
 * The key is everything that changes a base (struct base_key); ID is the
 * SHA-256 of its canonical text, so a recipe that changes in any part
 * finds no base and builds a new one. Builds of one base are serialized
 * by a lock beside it, so two runs starting at once build it once: the
 * second waits, then reuses what the first stored.
 */
#ifndef BASE_CACHE_H
#define BASE_CACHE_H

#include <time.h>

#include "guest.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

#define BASE_ARCHIVE_SUFFIX ".tar.zst"
#define BASE_CONF_SUFFIX ".conf"

/* The parts of a key, in the order they are hashed. */
enum base_key_part {
	BASE_KEY_FORMAT,	/* what this program puts in a base */
	BASE_KEY_DIST,
	BASE_KEY_ARCH,
	BASE_KEY_MIRROR,
	BASE_KEY_METHOD,	/* debootstrap or tar */
	BASE_KEY_SOURCE,	/* tar: the archive, and its size and mtime */
	BASE_KEY_PACKAGES,	/* sorted, comma separated */
	BASE_KEY_HOOKS,		/* "NAME:SHA256" of each base hook, in order */
	BASE_KEY_TREE,		/* "PATH:MODE:SHA256" of each base-tree file */
	BASE_KEY_SUITES,	/* "bookworm bookworm-updates ...": installed from */
	BASE_KEY_NR,
};

struct base_key {
	char *part[BASE_KEY_NR];
	char id[SHA256_HEX_SIZE];
};

#define BASE_KEY_INIT { { NULL }, { 0 } }

/* The setting name of a part in the description ("packages"). */
const char *base_key_part_name(enum base_key_part p);
/* The words for it in a message ("the package set"). */
const char *base_key_part_text(enum base_key_part p);

/*
 * Fill part p (taking a copy of value); once every part is set,
 * base_key_seal() computes the id.
 */
void base_key_set(struct base_key *k, enum base_key_part p, const char *value);
void base_key_seal(struct base_key *k);
void base_key_release(struct base_key *k);

/*
 * "NAME:SHA256" of each file, joined by ";": the hooks part, and any
 * list of files whose content is part of a key. 0 or -errno, with the
 * file in err.
 */
int base_key_files(const struct strvec *paths, int with_mode,
		   const char *strip, struct strbuf *out, struct strbuf *err);

/* One cached base, as its description tells it. */
struct base_entry {
	char *name;		/* DIST-ARCH-ID12, the file names' stem */
	char *archive;		/* full path of the .tar.zst */
	char *conf;		/* full path of the .conf */
	struct base_key key;
	char sha256[SHA256_HEX_SIZE];
	/* The state of the archive it was built from, as
	 * archive_state_format() gives it; "" when that is not known (a
	 * tarball's base, or one built offline). */
	char *state;
	unsigned long long size;	/* of the archive, in bytes */
	/* What the tree took on disk when it was stored (du), the room a
	 * guest's disk needs for it; 0 when a base from before does not
	 * say. */
	unsigned long long unpacked;
	time_t created;
	time_t used;		/* last reuse (the description's mtime) */
};

void base_entry_release(struct base_entry *e);

/*
 * Every base in dir (CACHEDIR/bases), newest first; an unreadable
 * description is skipped. Missing dir: none, not an error.
 */
int base_cache_list(const char *dir, struct base_entry **ret, size_t *ret_nr);
void base_cache_list_free(struct base_entry *v, size_t nr);

/*
 * Open e's archive to read it: a regular file of the size its description
 * gives. The descriptor, or -EBADMSG (with the difference in err) when the
 * size is wrong, or another -errno when it cannot be opened. A base is
 * checked on this descriptor as it is read (install_tar_fd() with
 * e->sha256), never reopened by name after a check.
 */
int base_cache_open(const struct base_entry *e, struct strbuf *err);

/* 0 when sha256, made by reading e's archive, is the one its description
 * gives; -EBADMSG with both in err when not. */
int base_cache_check_sum(const struct base_entry *e, const char *sha256,
			 struct strbuf *err);

/*
 * Check e's archive against its description: same size and SHA-256,
 * read through base_cache_open(). 0 when intact, -EBADMSG (with the
 * difference in err) when not, or another -errno when it cannot be read.
 */
int base_cache_verify(const struct base_entry *e, struct strbuf *err);

/*
 * Whether dir (CACHEDIR/bases, an absolute path) may hold bases: only
 * root may change it, the cache directory holding it, or anything on the
 * way to them (path_check_root_only(); neither of the two may be a sticky
 * directory others write to), or whoever can could plant a base together
 * with the description that vouches for it. 0, or -EPERM with "refusing
 * the cache 'DIR': REASON ..." in err; another -errno (with err) when it
 * cannot be examined.
 */
int base_cache_check_dir(const char *dir, struct strbuf *err);

/*
 * The lock for one base: shared to read the base, which any number of
 * runs do at once, or exclusive to build, replace or remove it. With
 * fd < 0 the lock file is opened and its descriptor returned; with an fd
 * this returned, the lock it holds changes kind (flock gives the old one
 * up first, so another run may have built or removed the base in between:
 * look again). Without wait: -EBUSY when another run holds it the other
 * way. Waiting: -EINTR (with err) if a signal arrives meanwhile. Other
 * errors are -errno with err. Unlock with base_cache_unlock() (or by
 * exiting).
 */
int base_cache_lock(const char *dir, const char *name, int fd,
		    int exclusive, int wait, struct strbuf *err);
/* The exclusive lock without waiting: fd, or -EBUSY when it is held. */
int base_cache_trylock(const char *dir, const char *name);
void base_cache_unlock(int fd);

/* The stem of k's files: "bookworm-amd64-0123456789ab". */
char *base_cache_name(const struct base_key *k);

/*
 * Find k in dir: 1 and *ret filled when a description for it exists, 0
 * when not. Does not verify the archive.
 */
int base_cache_find(const char *dir, const struct base_key *k,
		    struct base_entry *ret);

/*
 * Why a base for k has to be built: the cached base closest to k (same
 * dist and arch, fewest differing parts) and what differs, or that none
 * exists. One line into why.
 */
void base_cache_explain_miss(const char *dir, const struct base_key *k,
			     struct strbuf *why);

/*
 * Store the tree at root as k's base, built from the archive in state
 * (NULL or "" when not known): the archive is written to a temporary
 * name, then renamed (over the base it renews, if any), then the
 * description is, with what the tree takes on disk. The caller holds the
 * lock; temporary files of k's base that runs killed while storing it left
 * go first. Contents of dev/, proc/ and sys/ are left out. 0 or -errno
 * with err.
 */
int base_cache_store(const char *dir, const struct base_key *k,
		     const char *state, const char *root, struct strbuf *err);

/* Remove both files of e and its ready images (base-image.h) but those
 * a guest's overlay reads, which stay; the caller holds its lock
 * exclusively. 0 or -errno. */
int base_cache_remove(const struct base_entry *e);

/* Mark e used now. */
void base_cache_touch(const struct base_entry *e);

#endif
