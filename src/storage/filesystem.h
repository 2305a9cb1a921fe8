/*
 * filesystem.h: file systems on the guest's volumes: making them, reading
 * their UUIDs with libblkid, and attaching and mounting them for the
 * install. Mounts and loop devices are journaled as held resources.
 */
#ifndef FILESYSTEM_H
#define FILESYSTEM_H

#include "journal.h"
#include "strbuf.h"

/*
 * mkfs.FS (or mkswap for "swap") on path, for ext2, ext3, ext4, xfs, btrfs
 * and swap (-EINVAL for anything else); on failure err says why. With
 * keep_allocated, nothing may punch the blocks of an --image=full file back
 * out: no discard at mkfs, no lazy zeroing after mount.
 */
int fs_make(const char *path, const char *fs, int keep_allocated,
	    struct strbuf *err);
/* The file system UUID libblkid finds on path; buf holds 37 bytes. */
int fs_read_uuid(const char *path, char *buf, size_t len);
/*
 * The type of the file system (or "swap") libblkid finds on path, to
 * free(): 1 with *ret set, 0 when there is none (*ret NULL), or -errno.
 */
int fs_read_type(const char *path, char **ret);
/*
 * Whether the file system fs on dev holds anything but an empty
 * lost+found at its top: 1 with the first name found in what, 0 when it
 * is empty, -errno with err saying why it could not be looked at. It is
 * mounted read-only, without replaying a journal, in a mount namespace
 * of a child process of its own: nothing on dev or on the host changes,
 * and nothing stays mounted however the run ends.
 */
int fs_peek_root(const char *dev, const char *fs, struct strbuf *what,
		 struct strbuf *err);
int fs_mount(const char *dev, const char *fs, const char *dir,
	     const char *opts, struct journal *j, struct strbuf *err);
/*
 * SIGKILL every process whose root directory is root or below it, or is
 * root itself seen through another mount namespace (a sandbox's): what a
 * hook or role started in the guest and left running, even after leaving
 * the hook's process group (gpg-agent, a daemon), would keep the file
 * system busy. Returns how many were killed.
 */
int kill_processes_in(const char *root);
/* Make a private scratch directory under /run (or $TMPDIR), journaled
 * (journal_mkdtemp()). 0, or -errno with err naming it. */
int scratch_dir(const char *prefix, struct journal *j, char **ret,
		struct strbuf *err);

#endif
