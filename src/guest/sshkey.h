/*
 * sshkey.h: OpenSSH public key files (id_ed25519.pub and the like), read
 * for a guest's authorized_keys: each key's type is one the guests' OpenSSH
 * accepts and its base64 data is a key of that type; private keys, DSA
 * keys and anything else are refused with the reason and the line.
 */
#ifndef SSHKEY_H
#define SSHKEY_H

#include <stddef.h>

#include "strbuf.h"
#include "strvec.h"

/* The largest key file read: many keys, but not a disk image by mistake. */
#define SSHKEY_FILE_MAX (1024 * 1024)

/*
 * Check one line "TYPE BASE64 [COMMENT]" (fields separated by spaces or
 * tabs; a trailing CR is ignored; the comment may not hold control
 * characters other than tabs) and append it to ret as "TYPE BASE64" or
 * "TYPE BASE64 COMMENT" with single spaces. TYPE is ssh-ed25519, ssh-rsa,
 * ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com or
 * sk-ecdsa-sha2-nistp256@openssh.com, and BASE64 must decode to the
 * length-prefixed fields of such a key, the first of them TYPE itself.
 * -EINVAL with the reason (no file or line named) in err.
 */
int sshkey_parse_line(const char *line, struct strbuf *ret,
		      struct strbuf *err);

/*
 * Every key in text (len bytes, the content of the file name): blank lines
 * and lines starting with '#' are skipped, every other line must be a key
 * as above, and at least one must be there. The keys are pushed onto keys
 * in file order, each once: a key already in keys (same TYPE and BASE64,
 * whatever the comment) is not pushed again. Nothing is pushed on failure.
 * -EINVAL with one line in err:
 *
 *   'NAME' is a private key: give its .pub file
 *   'NAME' is empty
 *   'NAME' holds no public key        (only comments)
 *   'NAME' is not a text file
 *   NAME:LINE: REASON                 (from sshkey_parse_line())
 */
int sshkey_parse_text(const char *text, size_t len, const char *name,
		      struct strvec *keys, struct strbuf *err);

/*
 * sshkey_parse_text() on the file at path, which must be a regular file of
 * at most SSHKEY_FILE_MAX bytes. -errno with "cannot read 'PATH': ..." in
 * err when it cannot be read, -EINVAL as above.
 */
int sshkey_load_file(const char *path, struct strvec *keys,
		     struct strbuf *err);

#endif
