/*
 * u-sha256.c: digests of memory, of a file, and of what a descriptor
 * reads from where it stands, against the FIPS 180-2 examples.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "sha256.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

TEST(file_and_fd)
{
	char *dir = path_join(getenv("TMPDIR") && *getenv("TMPDIR") ?
			      getenv("TMPDIR") : "/tmp", "u-sha256.XXXXXX");
	char *path;
	char hex[SHA256_HEX_SIZE];
	unsigned long long size = 0;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	path = path_join(dir, "f");
	sha256_hex("abc", 3, hex);
	CHECK_STREQ(hex, ABC);

	CHECK_INTEQ(write_string(path, "xyzabc", 0644), 0);
	CHECK_INTEQ(sha256_file(path, hex, &size), 0);
	CHECK_INTEQ(size, 6);

	/* From where the descriptor stands, to the end; it stays open. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INTEQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_INTEQ(sha256_fd(fd, hex, &size), 0);
	CHECK_STREQ(hex, ABC);
	CHECK_INTEQ(size, 3);
	CHECK_INTEQ(sha256_fd(fd, hex, NULL), 0);
	CHECK_STREQ(hex, EMPTY);
	CHECK_INTEQ(close(fd), 0);

	CHECK_INTEQ(sha256_fd(-1, hex, NULL), -EBADF);
	unlink(path);
	CHECK_INTEQ(sha256_file(path, hex, NULL), -ENOENT);
	rmdir(dir);
	free(path);
	free(dir);
}
