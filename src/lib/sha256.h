/*
 * sha256.h: SHA-256 digests as lowercase hex, of memory or of a whole
 * file. Cache keys and the checksums of cached bases are made with it.
 */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>

/* 32 bytes of digest; as text, 64 hex digits and a NUL. */
#define SHA256_SIZE 32
#define SHA256_HEX_SIZE 65

struct sha256_ctx;

/* NULL when out of memory. */
struct sha256_ctx *sha256_new(void);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Write the digest into hex and free c. */
void sha256_finish(struct sha256_ctx *c, char hex[SHA256_HEX_SIZE]);

/* Of len bytes at data, as bytes or as hex. */
void sha256_digest(const void *data, size_t len,
		   unsigned char ret[SHA256_SIZE]);
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE]);
/*
 * Of the whole file at path, read front to back; its length goes to
 * ret_size if that is not NULL. 0 or -errno.
 */
int sha256_file(const char *path, char hex[SHA256_HEX_SIZE],
		unsigned long long *ret_size);
/* As sha256_file(), of what fd reads from where it is to the end; fd
 * stays open. */
int sha256_fd(int fd, char hex[SHA256_HEX_SIZE],
	      unsigned long long *ret_size);

#endif
