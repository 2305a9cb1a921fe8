/*
 * fsspace.h: room on the host's file systems. How much of one is free,
 * how much a tree takes, and whether what a run is about to write fits,
 * summed file system by file system; and whether one has filled up.
 */
#ifndef FSSPACE_H
#define FSSPACE_H

#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"
#include "strvec.h"

/*
 * Below this much free space a file system counts as full: what is left
 * is the reserve the kernel keeps for itself, not room a write can count
 * on.
 */
#define FSSPACE_FULL_BYTES (8ULL << 20)

/* The bytes of the file system holding path that anyone may still
 * write (f_bavail): 0 or -errno. */
int fsspace_free(const char *path, uint64_t *ret_bytes);

/*
 * Whether the file system holding path has filled up: fewer than
 * FSSPACE_FULL_BYTES free. 1 or 0; 0 too when path cannot be examined.
 */
int fsspace_is_full(const char *path);

/* The deepest directory of path that exists: where files made at path
 * would go. "/" at worst; caller frees. */
char *fsspace_existing_dir(const char *path);

/* The mount point of the file system holding path (an existing one),
 * for messages; path itself when it cannot be told. Caller frees. */
char *fsspace_mount_point(const char *path);

/*
 * The bytes the tree at path takes on disk, as du counts them: the blocks
 * of every file and directory, a file with several links once, symlinks
 * not followed, file systems mounted below crossed. 0 or -errno.
 */
int fsspace_tree_usage(const char *path, uint64_t *ret_bytes);

/* bytes for people, rounded: "300 MiB", "1.2 GiB", "512 bytes". */
void fsspace_format(uint64_t bytes, char *buf, size_t len);

/*
 * What a run means to write, file system by file system. Each
 * fsspace_plan_add() names what it is for ("guest 'web1' in '/srv/xen'");
 * what lands on the same file system adds up.
 */
struct fsspace_need {
	dev_t dev;
	char *dir;		/* the existing directory first named for it */
	struct strvec what;
	uint64_t bytes;		/* saturates rather than wraps */
};

struct fsspace_plan {
	struct fsspace_need *v;
	size_t nr;
};

#define FSSPACE_PLAN_INIT { NULL, 0 }

/* bytes to go below path, which need not exist yet (its deepest
 * existing directory tells the file system). 0, or -errno when that
 * cannot be examined. */
int fsspace_plan_add(struct fsspace_plan *p, const char *path,
		     const char *what, uint64_t bytes);
/*
 * 0 when every file system has room for its part; else -ENOSPC with
 * "not enough space for WHAT on the file system at 'MOUNT': needs N, M
 * free" in err, for the first that has not. Another -errno (with err)
 * when one cannot be examined.
 */
int fsspace_plan_check(const struct fsspace_plan *p, struct strbuf *err);
void fsspace_plan_release(struct fsspace_plan *p);

#endif
