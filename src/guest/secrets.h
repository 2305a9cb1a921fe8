/*
 * secrets.h: a guest's root password and machine identity: random
 * passwords, crypt(3) hashes, the root entry in the guest's /etc/shadow and
 * /etc/machine-id. Every random byte comes from the kernel via getrandom(2).
 */
#ifndef SECRETS_H
#define SECRETS_H

#include <errno.h>
#include <stddef.h>

#include "strbuf.h"

enum hash_method {
	HASH_YESCRYPT,
	HASH_SHA512,
	_HASH_METHOD_MAX,
	_HASH_METHOD_INVALID = -EINVAL,
};

/*
 * "yescrypt" or "sha512"; anything else is -EINVAL. xen-tools also offered
 * md5 and sha256: both are refused, so an old config fails loudly rather
 * than leaving a guest with a weak hash.
 */
int hash_method_from_string(const char *s);
/* NULL for a value outside the enum. */
const char *hash_method_to_string(enum hash_method m);

/*
 * A password of len characters (8..128, else -ERANGE) drawn uniformly from
 * letters and digits without the look-alikes 0 O 1 l I, so it can be read
 * off a console and typed back. Release *ret with secret_free().
 */
int password_generate(size_t len, char **ret);

/* The longest password taken from standard input (or given). */
#define PASSWORD_INPUT_MAX 4096

/*
 * The first line read from fd ("\n" or "\r\n" ends it, as does the end of
 * the input), for --password=-: into a buffer of fixed size that is zeroed
 * afterwards, bytes after the line included, so the only copy left is
 * *ret, which the caller releases with secret_free(). -ENODATA for an empty
 * line, -E2BIG for one longer than PASSWORD_INPUT_MAX bytes, -EINVAL for
 * a NUL byte in it (crypt(3) would stop there), else -errno of read(2).
 */
int password_read_fd(int fd, char **ret);

/*
 * As password_read_fd(), from the terminal fd: prompt is written to it
 * and the line is read with echo off (the newline typed is still
 * echoed). -ENOTTY when fd is not a terminal. A SIGINT, SIGTERM, SIGHUP
 * or SIGQUIT while it waits gives the terminal back as it was and
 * returns -EINTR, the signal in *ret_signal, for the caller to act on.
 */
int password_read_tty(int fd, const char *prompt, char **ret,
		      int *ret_signal);

/*
 * The crypt(3) hash of password with a fresh salt at libxcrypt's default
 * cost, ready for the second field of /etc/shadow. -EINVAL for an unknown
 * method or one this libxcrypt cannot do. Caller frees *ret_hash.
 */
int password_hash(const char *password, enum hash_method m, char **ret_hash);

/*
 * Set user's password field in the guest's /etc/shadow (read and written
 * inside the tree root, rootfs.h) to hash and its last-change field to
 * today, leaving every other byte of the file as it was. The file is
 * replaced atomically with its mode and owner kept. "Today" is
 * $SOURCE_DATE_EPOCH when that holds a valid number, as shadow-utils does.
 *
 * -ENOENT if the file or user's line is missing, -ELOOP if etc/shadow is a
 * symlink, -EBADFD or -EISDIR if it is not a regular file, -EFBIG beyond
 * 64 MiB, -EBADMSG if user's line has no last-change field, -EINVAL for an
 * empty hash or a user or hash that contains ':' or a newline.
 */
struct rootfs;
int shadow_set_password(const struct rootfs *root, const char *user,
			const char *hash);

/*
 * The hash that locks an account's password: no password matches it, and
 * the '!' marks it locked, so passwd -S says "L" and passwd -u cannot
 * unlock it into an empty password. Logging in with a key still works.
 */
#define SHADOW_LOCKED "!*"

/*
 * A random /etc/machine-id value: 32 lowercase hex digits and a NUL, with
 * the UUID version 4 and variant bits set as systemd's sd_id128_randomize()
 * does. buf is written only on success.
 */
int machine_id_generate(char buf[static 33]);

/*
 * For a file that holds a password (a configuration or fleet file), as
 * fstat() found it: 1, with "'PATH' holds a password and is readable by
 * others" appended to warning, when users other than its owner and root
 * may read it (read by all, or by a group other than root's); else 0.
 */
struct stat;
int secret_file_exposed(const char *path, const struct stat *st,
			struct strbuf *warning);

/* Zero a secret string before freeing it; NULL is fine. */
void secret_free(char *s);

#endif
