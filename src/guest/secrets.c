/* secrets.c: see secrets.h. */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"
#include "rootfs.h"
#include "secrets.h"
#include "strbuf.h"
#include "banned.h"

/* Without it crypt_gensalt_rn() would need salt bytes from us. */
#ifndef CRYPT_GENSALT_IMPLEMENTS_AUTO_ENTROPY
#error "libxcrypt too old: crypt_gensalt_rn() cannot find its own entropy"
#endif

#define PASSWORD_MIN 8
/* Far beyond any real shadow file; a guest's is not read without end. */
#define SHADOW_MAX (64 << 20)
#define PASSWORD_MAX 128

static const char *const hash_method_names[_HASH_METHOD_MAX] = {
	[HASH_YESCRYPT] = "yescrypt",
	[HASH_SHA512] = "sha512",
};

static const char *const hash_method_prefixes[_HASH_METHOD_MAX] = {
	[HASH_YESCRYPT] = "$y$",
	[HASH_SHA512] = "$6$",
};

/* Letters and digits minus 0 O 1 l I: 57 symbols. */
static const char password_alphabet[] =
	"ABCDEFGHJKLMNPQRSTUVWXYZ"
	"abcdefghijkmnopqrstuvwxyz"
	"23456789";
#define ALPHABET_LEN (sizeof(password_alphabet) - 1)

int hash_method_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(hash_method_names); i++)
		if (streq(s, hash_method_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *hash_method_to_string(enum hash_method m)
{
	if (m < 0 || m >= _HASH_METHOD_MAX)
		return NULL;
	return hash_method_names[m];
}

static int random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int secret_file_exposed(const char *path, const struct stat *st,
			struct strbuf *warning)
{
	if (!(st->st_mode & S_IROTH) &&
	    !((st->st_mode & S_IRGRP) && st->st_gid != 0))
		return 0;
	strbuf_addf(warning, "'%s' holds a password and is readable by "
		    "others", path);
	return 1;
}

void secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int password_generate(size_t len, char **ret)
{
	/*
	 * Bytes at or above limit are thrown away so every symbol is
	 * reached by exactly the same number of byte values; a plain
	 * modulo would favour the first 256 % 57 symbols.
	 */
	const unsigned limit = 256 - 256 % ALPHABET_LEN;
	unsigned char pool[64];
	size_t have = 0;
	char *pw;
	int r = 0;

	if (len < PASSWORD_MIN || len > PASSWORD_MAX)
		return -ERANGE;
	pw = malloc(len + 1);
	if (!pw)
		return -ENOMEM;
	while (have < len) {
		r = random_bytes(pool, sizeof(pool));
		if (r < 0)
			break;
		for (size_t i = 0; i < sizeof(pool) && have < len; i++)
			if (pool[i] < limit)
				pw[have++] = password_alphabet[pool[i] %
							       ALPHABET_LEN];
	}
	explicit_bzero(pool, sizeof(pool));
	if (r < 0) {
		explicit_bzero(pw, len + 1);
		free(pw);
		return r;
	}
	pw[len] = '\0';
	*ret = pw;
	return 0;
}

/* The first line of buf's len bytes as a password (password_read_fd()). */
static int password_from_line(const char *buf, size_t len, char **ret)
{
	size_t n;
	char *pw;

	for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r'; n++)
		;
	if (n > PASSWORD_INPUT_MAX)
		return -E2BIG;
	if (!n)
		return -ENODATA;
	if (memchr(buf, '\0', n))
		return -EINVAL;
	pw = malloc(n + 1);
	if (!pw)
		return -ENOMEM;
	memcpy(pw, buf, n);
	pw[n] = '\0';
	*ret = pw;
	return 0;
}

int password_read_fd(int fd, char **ret)
{
	/* One byte more than a password may have: a line that fills it
	 * without ending is too long. */
	char buf[PASSWORD_INPUT_MAX + 1];
	size_t len = 0;
	int r = 0;

	while (len < sizeof(buf) && !memchr(buf, '\n', len)) {
		ssize_t got = read(fd, buf + len, sizeof(buf) - len);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (!got)
			break;
		len += (size_t)got;
	}
	r = password_from_line(buf, len, ret);
out:
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static volatile sig_atomic_t tty_signal;

static void on_tty_signal(int sig)
{
	tty_signal = sig;
}

int password_read_tty(int fd, const char *prompt, char **ret,
		      int *ret_signal)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_tty_signal };
	struct sigaction old[ARRAY_SIZE(sigs)];
	struct termios was, quiet;
	char buf[PASSWORD_INPUT_MAX + 1];
	size_t len = 0;
	int r = 0;

	if (tcgetattr(fd, &was) < 0)
		return -errno;
	/* No SA_RESTART: a signal ends the read, and the terminal gets
	 * its echo back before the signal is handed on. */
	tty_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	quiet = was;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ICANON | ECHONL;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0) {
		r = -errno;
		goto out;
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		r = -errno;
	while (!r && !tty_signal && len < sizeof(buf) &&
	       !memchr(buf, '\n', len)) {
		ssize_t got = read(fd, buf + len, sizeof(buf) - len);

		if (got < 0 && errno != EINTR)
			r = -errno;
		else if (!got)
			break;
		else if (got > 0)
			len += (size_t)got;
	}
	(void)tcsetattr(fd, TCSAFLUSH, &was);
out:
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	if (tty_signal) {
		*ret_signal = tty_signal;
		r = -EINTR;
	} else if (!r) {
		r = password_from_line(buf, len, ret);
	}
	explicit_bzero(buf, sizeof(buf));
	return r;
}

int password_hash(const char *password, enum hash_method m, char **ret_hash)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	char *dup;
	int r = 0;

	if (!password || m < 0 || m >= _HASH_METHOD_MAX)
		return -EINVAL;

	/* Count 0 picks libxcrypt's default cost, which tracks upstream. */
	errno = 0;
	if (!crypt_gensalt_rn(hash_method_prefixes[m], 0, NULL, 0,
			      setting, sizeof(setting)) ||
	    setting[0] == '*')
		return errno > 0 ? -errno : -EINVAL;

	/* Heap, not stack: struct crypt_data is 32 KiB. */
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	errno = 0;
	h = crypt_rn(password, setting, cd, sizeof(*cd));
	/* A hash starting with '*' is libxcrypt's failure token. */
	if (!h || h[0] == '*') {
		r = errno > 0 ? -errno : -EINVAL;
		goto out;
	}
	dup = strdup(h);
	if (!dup) {
		r = -ENOMEM;
		goto out;
	}
	*ret_hash = dup;
out:
	/* The scratch area holds a copy of the password. */
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}

/* A shadow field may not break the line or the field structure. */
static int shadow_field_ok(const char *s)
{
	return s && *s && !strpbrk(s, ":\n");
}

static long long days_since_epoch(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");

	/*
	 * shadow-utils stamps last-change from SOURCE_DATE_EPOCH, so a
	 * reproducible image build gets the same day here as from passwd(1).
	 */
	if (s && *s >= '0' && *s <= '9') {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (!errno && !*end)
			return (long long)(v / 86400);
	}
	return (long long)time(NULL) / 86400;
}

/* Start of user's line in buf, or NULL. */
static const char *shadow_find(const char *buf, size_t len, const char *user)
{
	size_t ulen = strlen(user);
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > ulen && !memcmp(p, user, ulen) &&
		    p[ulen] == ':')
			return p;
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

int shadow_set_password(const struct rootfs *root, const char *user,
			const char *hash)
{
	struct strbuf old = STRBUF_INIT, new = STRBUF_INIT;
	const char *line, *end, *pw, *colon, *after;
	struct stat st;
	int fd, r;

	if (!root || !shadow_field_ok(user) || !shadow_field_ok(hash))
		return -EINVAL;

	/*
	 * Never through a link at etc/shadow: the file put back is a
	 * regular one, so the link would quietly become a copy.
	 */
	fd = rootfs_open_read(root, "etc/shadow", O_NOFOLLOW, &st);
	if (fd < 0)
		return fd;
	if (st.st_size > SHADOW_MAX)
		r = -EFBIG;
	else
		/* Other users' hashes: nothing left in freed memory. */
		r = strbuf_read_fd(&old, fd, (size_t)st.st_size);
	close(fd);
	if (r < 0)
		goto out;

	line = shadow_find(old.buf, old.len, user);
	if (!line) {
		r = -ENOENT;
		goto out;
	}
	end = memchr(line, '\n', old.len - (size_t)(line - old.buf));
	if (!end)
		end = old.buf + old.len;
	pw = line + strlen(user) + 1;
	colon = memchr(pw, ':', (size_t)(end - pw));
	if (!colon) {
		r = -EBADMSG;
		goto out;
	}
	/* Last change runs to the next ':' or, in a short line, its end. */
	after = memchr(colon + 1, ':', (size_t)(end - colon - 1));
	if (!after)
		after = end;

	strbuf_grow(&new, old.len + strlen(hash) + 32);
	strbuf_add(&new, old.buf, (size_t)(pw - old.buf));
	strbuf_addf(&new, "%s:%lld", hash, days_since_epoch());
	strbuf_add(&new, after, old.len - (size_t)(after - old.buf));

	r = rootfs_write_file_owned(root, "etc/shadow", new.buf, new.len,
				    st.st_mode & 07777, st.st_uid, st.st_gid);
out:
	strbuf_release_secret(&old);
	strbuf_release_secret(&new);
	return r;
}

int machine_id_generate(char buf[static 33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char id[16];
	int r;

	r = random_bytes(id, sizeof(id));
	if (r < 0)
		return r;
	/* Version 4, variant 1, exactly as sd_id128_randomize() marks it. */
	id[6] = (id[6] & 0x0f) | 0x40;
	id[8] = (id[8] & 0x3f) | 0x80;
	for (size_t i = 0; i < sizeof(id); i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 0x0f];
	}
	buf[32] = '\0';
	return 0;
}
