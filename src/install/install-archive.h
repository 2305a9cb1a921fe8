/*
 * install-archive.h: the two installers that need no debootstrap: unpack a
 * root-file-system tarball (local or fetched by URL), or copy a prepared
 * guest tree. Both write into an existing directory, normally the freshly
 * made root of the guest.
 */
#ifndef INSTALL_ARCHIVE_H
#define INSTALL_ARCHIVE_H

#include <curl/curl.h>

#include "strbuf.h"

/*
 * Unpack a root-file-system archive into target, an existing directory.
 *
 * A tar (ustar, pax, GNU) or cpio archive, plain or compressed with gzip,
 * bzip2, xz, zstd or lz4 as libarchive has them built in: a compression
 * that would run a program (lrzip, lzop, grzip, or one of those five
 * without its library) is refused as "unsupported compression", naming
 * the file, and no program is run. source is a local path or an http://,
 * https:// or file:// URL; a URL is fetched first into an unnamed
 * temporary file under $TMPDIR (default /var/tmp), following redirects as
 * fetch_redirect_protocols() allows, and an HTTP status >= 400 is a
 * failure.
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
 * of detail, e.g. "HTTP 404 fetching 'http://...'" or "'x.tar.lrz':
 * unsupported compression 'lrzip' (want ...)". What was unpacked before
 * the failure is left for the caller to remove.
 */
int install_tar(const char *source, const char *target, struct strbuf *err);

/*
 * install_tar() of a source that must have the SHA-256 sha256 (64
 * lowercase hex digits; NULL checks nothing). A download is hashed as it
 * arrives, a local file before it is unpacked (and again while it is, in
 * case it changed in between), so a mismatch unpacks nothing: -EBADMSG
 * with "'SOURCE' does not match its checksum: SHA-256 GOT, expected
 * WANT" in err.
 */
int install_tar_checked(const char *source, const char *sha256,
			const char *target, struct strbuf *err);

/*
 * Unpack the archive open on fd, from its offset, as install_tar() does;
 * name is the file in messages. With sha256, everything fd reads to its
 * end must have that SHA-256, hashed by the same reading that unpacks it,
 * so no second opening can be given other bytes than the ones checked.
 * A mismatch is known only at the end: -EBADMSG as above (it explains any
 * failure of the unpack too), and what was unpacked must be thrown away.
 * fd stays open.
 */
int install_tar_fd(int fd, const char *name, const char *sha256,
		   const char *target, struct strbuf *err);

/*
 * The schemes a download from url may be redirected to, as libcurl's
 * CURLOPT_REDIR_PROTOCOLS_STR takes them: "https" from an https URL, so
 * a redirect never downgrades a download to plain http, and "http,https"
 * from any other.
 */
const char *fetch_redirect_protocols(const char *url);

/*
 * Set up a libcurl handle for url as every download here is: errors into
 * errbuf (CURL_ERROR_SIZE), redirects followed within
 * fetch_redirect_protocols(), http, https and file only, an HTTP error a
 * failure, no signals, and a transfer that gives up once a signal is
 * pending (signals_pending()).
 */
void fetch_configure(CURL *c, const char *url, char *errbuf);
/*
 * The proxy http:// downloads go through from now on (--apt_proxy), or
 * NULL for libcurl's own choice (http_proxy in the environment). Kept,
 * not copied: url must outlive the downloads.
 */
void fetch_set_proxy(const char *url);
/* curl_global_init(), once: 0 or -EIO. */
int fetch_global_init(void);

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
 * root ("." is the root itself). Each directory comes before what it
 * holds, and that sorted by name (bytewise), whatever order the file
 * system lists it in; of two hard links the first by that order is the
 * file. File systems mounted below root_dir are crossed, except what is
 * mounted on dev, proc and sys, whose directories are archived empty.
 * Sockets are skipped.
 *
 * With $SOURCE_DATE_EPOCH set (seconds since the epoch), no member's
 * mtime is later than it, and no atime, ctime or birth time is kept:
 * for archives that two builds of the same tree make alike (see
 * "Reproducible archives" in create-image(8)).
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
