/* sha256.c: see sha256.h. The digest is OpenSSL's libcrypto. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "banned.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

struct sha256_ctx *sha256_new(void)
{
	struct sha256_ctx *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	c->md = EVP_MD_CTX_new();
	if (!c->md || !EVP_DigestInit_ex(c->md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(c->md);
		free(c);
		return NULL;
	}
	return c;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	EVP_DigestUpdate(c->md, data, len);
}

static void to_hex(const unsigned char *md, unsigned int n,
		   char hex[SHA256_HEX_SIZE])
{
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

void sha256_finish(struct sha256_ctx *c, char hex[SHA256_HEX_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(c->md, md, &n);
	to_hex(md, n, hex);
	EVP_MD_CTX_free(c->md);
	free(c);
}

void sha256_digest(const void *data, size_t len,
		   unsigned char ret[SHA256_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	memcpy(ret, md, SHA256_SIZE);
}

void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE])
{
	unsigned char md[SHA256_SIZE];

	sha256_digest(data, len, md);
	to_hex(md, SHA256_SIZE, hex);
}

int sha256_fd(int fd, char hex[SHA256_HEX_SIZE],
	      unsigned long long *ret_size)
{
	static const size_t bufsize = 1 << 20;
	unsigned long long size = 0;
	struct sha256_ctx *c;
	char *buf;
	int r = 0;

	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = malloc(bufsize);
	c = sha256_new();
	if (!buf || !c) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		sha256_update(c, buf, (size_t)n);
		size += (unsigned long long)n;
	}
	sha256_finish(c, hex);
	c = NULL;
	if (ret_size)
		*ret_size = size;
out:
	if (c) {
		char discard[SHA256_HEX_SIZE];

		sha256_finish(c, discard);
	}
	free(buf);
	return r;
}

int sha256_file(const char *path, char hex[SHA256_HEX_SIZE],
		unsigned long long *ret_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = sha256_fd(fd, hex, ret_size);
	close(fd);
	return r;
}
