/* sshkey.c: see sshkey.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "sshkey.h"
#include "banned.h"

/*
 * The key types and the fields (length-prefixed strings, RFC 4251) their
 * data holds, the type itself first: for ECDSA the curve comes next and
 * names the type's own; an Ed25519 public key is 32 bytes. Counting the
 * fields catches data cut short on its way through a clipboard.
 */
static const struct key_type {
	const char *name;
	int fields;
	const char *curve;	/* the second field, for ECDSA */
	size_t ed25519;		/* the second field's length, for Ed25519 */
} key_types[] = {
	{ "ssh-ed25519", 2, NULL, 32 },
	{ "ssh-rsa", 3, NULL, 0 },
	{ "ecdsa-sha2-nistp256", 3, "nistp256", 0 },
	{ "ecdsa-sha2-nistp384", 3, "nistp384", 0 },
	{ "ecdsa-sha2-nistp521", 3, "nistp521", 0 },
	/* Security keys add the application ("ssh:") at the end. */
	{ "sk-ssh-ed25519@openssh.com", 3, NULL, 32 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", 4, "nistp256", 0 },
};

static const struct key_type *key_type_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++)
		if (strlen(key_types[i].name) == len &&
		    !memcmp(key_types[i].name, name, len))
			return &key_types[i];
	return NULL;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Base64 as ssh-keygen writes it, and as strictly as OpenSSH reads it:
 * padded to a multiple of four, nothing after the padding, and the bits
 * of the last character that fall past the last byte zero.
 */
static int base64_decode(const char *s, size_t len, struct strbuf *out)
{
	if (!len || len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t n = 0;
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			int v;

			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				pad++;
				v = 0;
			} else if (pad || (v = b64_value(s[i + k])) < 0) {
				return -EINVAL;
			}
			n = n << 6 | (uint32_t)v;
		}
		if ((pad == 1 && (n & 0xff)) || (pad == 2 && (n & 0xffff)))
			return -EINVAL;
		strbuf_addch(out, (int)(n >> 16 & 0xff));
		if (pad < 2)
			strbuf_addch(out, (int)(n >> 8 & 0xff));
		if (pad < 1)
			strbuf_addch(out, (int)(n & 0xff));
	}
	return 0;
}

/* The length-prefixed string at *at in blob; advances *at past it. */
static int blob_string(const struct strbuf *blob, size_t *at,
		       const char **ret, size_t *ret_len)
{
	const unsigned char *p = (const unsigned char *)blob->buf + *at;
	size_t left = blob->len - *at;
	uint32_t n;

	if (left < 4)
		return -EINVAL;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (n > left - 4)
		return -EINVAL;
	*ret = (const char *)p + 4;
	*ret_len = n;
	*at += 4 + n;
	return 0;
}

/* Whether s could be a key type's name, so "unknown type" is the reason. */
static int looks_like_type(const char *s, size_t len)
{
	return len && s[0] >= 'a' && s[0] <= 'z' && memchr(s, '-', len) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.@") >= len;
}

static void add_type_list(struct strbuf *sb)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", key_types[i].name);
}

/* The key data must be a key of type t, with t's name first. */
static int check_blob(const struct key_type *t, const struct strbuf *blob,
		      struct strbuf *err)
{
	const char *f;
	size_t at = 0, len;
	int n = 0;

	if (blob_string(blob, &at, &f, &len) < 0 ||
	    !key_type_find(f, len)) {
		strbuf_addf(err, "the key data does not start with its type "
			    "'%s'", t->name);
		return -EINVAL;
	}
	if (strlen(t->name) != len || memcmp(f, t->name, len)) {
		strbuf_addf(err, "the key data is a '%.*s' key, not '%s'",
			    (int)len, f, t->name);
		return -EINVAL;
	}
	for (n = 1; at < blob->len; n++) {
		if (blob_string(blob, &at, &f, &len) < 0)
			break;
		if (n == 1 && t->curve && (strlen(t->curve) != len ||
					   memcmp(f, t->curve, len)))
			break;
		if (n == 1 && t->ed25519 && len != t->ed25519)
			break;
	}
	if (at != blob->len || n != t->fields) {
		strbuf_addf(err, "the '%s' key data is damaged or cut short",
			    t->name);
		return -EINVAL;
	}
	return 0;
}

int sshkey_parse_line(const char *line, struct strbuf *ret,
		      struct strbuf *err)
{
	static const char ws[] = " \t";
	struct strbuf blob = STRBUF_INIT;
	const struct key_type *t;
	const char *type, *data, *comment, *end;
	size_t type_len, data_len, comment_len;
	int r = -EINVAL;

	end = line + strlen(line);
	if (end > line && end[-1] == '\r')
		end--;
	type = line + strspn(line, ws);
	type_len = strcspn(type, ws);
	data = type + type_len;
	data += strspn(data, ws);
	data_len = strcspn(data, ws);
	if (data + data_len > end)
		data_len = (size_t)(end - data);
	comment = data + data_len;
	comment += strspn(comment, ws);
	if (comment > end)
		comment = end;
	comment_len = (size_t)(end - comment);
	while (comment_len && strchr(ws, comment[comment_len - 1]))
		comment_len--;

	if (type_len == 7 && !memcmp(type, "ssh-dss", 7)) {
		strbuf_addstr(err, "'ssh-dss' (DSA) keys are refused: the "
			      "OpenSSH of current Debian releases no longer "
			      "accepts them");
		goto out;
	}
	t = key_type_find(type, type_len);
	if (!t && looks_like_type(type, type_len) && data_len) {
		strbuf_addf(err, "unsupported key type '%.*s' (want ",
			    (int)type_len, type);
		add_type_list(err);
		strbuf_addch(err, ')');
		goto out;
	}
	if (!t || !data_len) {
		strbuf_addstr(err, "not an OpenSSH public key (want 'TYPE "
			      "BASE64 [COMMENT]')");
		goto out;
	}
	if (base64_decode(data, data_len, &blob) < 0) {
		strbuf_addstr(err, "the key data is not valid base64");
		goto out;
	}
	if (check_blob(t, &blob, err) < 0)
		goto out;
	for (size_t i = 0; i < comment_len; i++) {
		unsigned char c = (unsigned char)comment[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			strbuf_addstr(err, "the key's comment holds a control "
				      "character");
			goto out;
		}
	}
	strbuf_add(ret, type, type_len);
	strbuf_addch(ret, ' ');
	strbuf_add(ret, data, data_len);
	if (comment_len) {
		strbuf_addch(ret, ' ');
		strbuf_add(ret, comment, comment_len);
	}
	r = 0;
out:
	strbuf_release(&blob);
	return r;
}

/* Whether a trimmed line opens a private key in a format ssh knows. */
static int private_key_line(const char *line, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	static const char tail[] = "PRIVATE KEY-----";
	static const char putty[] = "PuTTY-User-Key-File-";
	size_t nb = sizeof(begin) - 1, nt = sizeof(tail) - 1;

	if (len >= nb + nt && !memcmp(line, begin, nb) &&
	    !memcmp(line + len - nt, tail, nt))
		return 1;
	return len >= sizeof(putty) - 1 &&
	       !memcmp(line, putty, sizeof(putty) - 1);
}

/* "TYPE BASE64" of a normalized key is what makes two keys the same. */
static int same_key(const char *a, const char *b)
{
	const char *sa = strchr(a, ' '), *sb = strchr(b, ' ');
	size_t na = strcspn(sa + 1, " ") + (size_t)(sa + 1 - a);
	size_t nb = strcspn(sb + 1, " ") + (size_t)(sb + 1 - b);

	return na == nb && !memcmp(a, b, na);
}

static int have_key(const struct strvec *keys, const char *key)
{
	for (size_t i = 0; i < keys->nr; i++)
		if (same_key(keys->v[i], key))
			return 1;
	return 0;
}

int sshkey_parse_text(const char *text, size_t len, const char *name,
		      struct strvec *keys, struct strbuf *err)
{
	struct strvec found = STRVEC_INIT;
	struct strbuf line = STRBUF_INIT, key = STRBUF_INIT, why = STRBUF_INIT;
	const char *p = text, *end = text + len;
	int lineno = 0, nkeys = 0, blank = 1, r = 0;

	if (memchr(text, '\0', len)) {
		strbuf_addf(err, "'%s' is not a text file", name);
		return -EINVAL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		strbuf_reset(&line);
		strbuf_add(&line, p, n);
		p += n + (nl != NULL);
		strbuf_trim(&line);
		if (!line.len)
			continue;
		blank = 0;
		if (line.buf[0] == '#')
			continue;
		if (private_key_line(line.buf, line.len)) {
			strbuf_addf(err, "'%s' is a private key: give its .pub "
				    "file", name);
			r = -EINVAL;
			break;
		}
		strbuf_reset(&key);
		strbuf_reset(&why);
		r = sshkey_parse_line(line.buf, &key, &why);
		if (r < 0) {
			strbuf_addf(err, "%s:%d: %s", name, lineno, why.buf);
			break;
		}
		nkeys++;
		if (!have_key(keys, key.buf) && !have_key(&found, key.buf))
			strvec_push(&found, key.buf);
	}
	if (r >= 0 && !nkeys) {
		strbuf_addf(err, blank ? "'%s' is empty" :
			    "'%s' holds no public key", name);
		r = -EINVAL;
	}
	if (r >= 0)
		for (size_t i = 0; i < found.nr; i++)
			strvec_push(keys, found.v[i]);
	strvec_clear(&found);
	strbuf_release(&line);
	strbuf_release(&key);
	strbuf_release(&why);
	return r;
}

int sshkey_load_file(const char *path, struct strvec *keys,
		     struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		strbuf_addf(err, "'%s' is not a regular file", path);
	} else if (st.st_size > SSHKEY_FILE_MAX) {
		r = -EINVAL;
		strbuf_addf(err, "'%s' is larger than %d KiB: not a public "
			    "key file", path, SSHKEY_FILE_MAX / 1024);
	}
	while (r >= 0) {
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			strbuf_addf(err, "cannot read '%s': %s", path,
				    strerror(errno));
		} else if (!n) {
			break;
		} else if (text.len + (size_t)n > SSHKEY_FILE_MAX) {
			r = -EINVAL;
			strbuf_addf(err, "'%s' is larger than %d KiB: not a "
				    "public key file", path,
				    SSHKEY_FILE_MAX / 1024);
		} else {
			strbuf_add(&text, buf, (size_t)n);
		}
	}
	close(fd);
	if (r >= 0)
		r = sshkey_parse_text(text.buf, text.len, path,
				      keys, err);
	strbuf_release(&text);
	return r;
}
