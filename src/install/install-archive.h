/*
 * install-archive.h: the two installers that need no debootstrap: unpack a
 * root-file-system tarball (local or fetched by URL), or copy a prepared
 * guest tree. Both write into an existing directory, normally the freshly
 * made root of the guest.
 */
#ifndef INSTALL_ARCHIVE_H
#define INSTALL_ARCHIVE_H

#include "strbuf.h"

/*
 * Unpack a root-file-system archive into target, an existing directory.
 *
 * Any compression libarchive reads (gzip, xz, zstd, bzip2, lz4, ...) around
 * a tar (ustar, pax, GNU) or cpio archive. source is a local path or an
 * http://, https:// or file:// URL; a URL is fetched first into an unnamed
 * temporary file under $TMPDIR (default /var/tmp), following redirects, and
 * an HTTP status >= 400 is a failure.
 *
 * Every member lands under target: leading "/" and "./" are stripped, and a
 * ".." component, in a name or a hard-link target, fails the whole install,
 * as does writing through a symlink the archive planted. Owners are restored
 * by number, never mapped through the host's user database. A "./" member
 * sets the mode, owner and times of target itself. Of the file flags only
 * immutable, append-only, nodump, noatime and sync are kept; the rest are
 * one file system's storage details. Sockets are skipped. Anything that
 * cannot be restored as recorded (an xattr, an ACL, an owner) is a failure.
 *
 * A pending SIGINT/SIGTERM (see run-command.h) stops it between entries, or
 * during a download, with -EINTR and "'SOURCE': interrupted".
 *
 * Returns 0 or -errno. On failure err (may be NULL) is replaced with one line
 * of detail, e.g. "HTTP 404 fetching 'http://...'" or
 * "'x.tar.gz': Unrecognized archive format". What was unpacked before the
 * failure is left for the caller to remove.
 */
int install_tar(const char *source, const char *target, struct strbuf *err);

/*
 * Copy the tree at source_dir into target, an existing directory, as it is:
 * files, directories, symlinks, hard links, device nodes, fifos, numeric
 * owners, all mode bits, times, extended attributes (file capabilities
 * included), ACLs and file flags as for install_tar(), sparse files, dot
 * files at the top level included. The root of source_dir gives target
 * its mode, owner and times. The copy stays on source_dir's file system: a
 * mount point below it (a guest's /proc, say) is copied as an empty
 * directory. Sockets are skipped. target may not lie inside source_dir.
 *
 * Returns 0 or -errno, with err as for install_tar().
 */
int install_copy(const char *source_dir, const char *target,
		 struct strbuf *err);

/*
 * Copy what is inside source_dir over target as install_copy() does, but
 * leave target's own mode, owner and times alone: for skeleton files laid
 * over an installed guest.
 */
int install_overlay(const char *source_dir, const char *target,
		    struct strbuf *err);

/*
 * Write the tree at root_dir to fd as a zstd-compressed pax archive that
 * install_tar() unpacks as it was: numeric owners, modes, times, hard
 * links, xattrs, ACLs and the portable file flags, names relative to the
 * root ("." is the root itself). File systems mounted below root_dir are
 * crossed, except what is mounted on dev, proc and sys, whose directories
 * are archived empty. Sockets are skipped.
 *
 * observe (may be NULL) sees every byte written to fd, in order, with
 * opaque: for a checksum made on the way, not by reading the file back.
 *
 * Returns 0 or -errno with err as for install_tar(); -EINTR on a signal.
 */
int archive_tree(const char *root_dir, int fd,
		 void (*observe)(const void *data, size_t len, void *opaque),
		 void *opaque, struct strbuf *err);

/* 1 if s starts with http://, https:// or file:// (any case), else 0. */
int source_is_url(const char *s);

#endif
