/*
 * u-sshkey.c: OpenSSH public key files: every key type the guests accept,
 * with keys made by ssh-keygen (the security-key ones assembled from those,
 * as ssh-keygen reads them: making one needs the token), and each way a
 * file or a line is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "macros.h"
#include "sshkey.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"

UNIT_MAIN

/* The base64 of each key, as its .pub file holds it. */
#define ED25519 \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM+YdyZPNOCmVNsCj2YnMM6gIIX4RC85croC" \
	"oeMwQhd8"
#define RSA \
	"AAAAB3NzaC1yc2EAAAADAQABAAABAQCjJZ+UJKPZX0P6c22cqHP7sdpV0ldN" \
	"hIIORaZF9H6xl8QP4MVUkneFp8fx8CuDRR2InXVcI3Tt54AzWpfRZYV1UUQC" \
	"rYCYL5ZyEvg8/NptoZb6holvg+LH/RQvwMV7rOyibbUEP5JTkSZnUYgc4UTf" \
	"5Tdqz/QdAFOY3aKDyhf6ODLHkT6IYtHo9OOm4CwWe5qOBkuHoJFCrWD1pzbe" \
	"QzzEmk2IOdh2mHgsHelETbe5kLRQrqNI37XadS/cgb1rTw9Ht7cn51oE6Jzz" \
	"z2rSUT1QeippsXrODolK8cFypkuj6Let6J1dKQ2gGP2v0g5j+D3FfyTNCS7U" \
	"fAqzv95RN8g9"
#define ECDSA256 \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDj/1Hqm" \
	"gwMOWdLKDFWpBWMF0QZNqrdn091CzD3gjujNilJ20PMOcxpGxYGphCJNAYZ4" \
	"EewiUGaQZ20qUfCcwMg="
#define ECDSA384 \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBL4JQOqb" \
	"gh5GtWDB8AP79sT2hcnFOs/1tOIP8tqh+b43j64okI4p87rL7YfeDZDWXh8v" \
	"ZL5AB5Mmw1QRAy7AIRniwrC68713Kn/IDKty4vTwa7WjfkxXN0z0qeEnSIHh" \
	"wg=="
#define ECDSA521 \
	"AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAFdtE5/" \
	"QroPyPI5wRRe7fUMUUt5yOPRVAYfZDGC2UNfDA8QIFp+QEExVgnOenPK1Cy7" \
	"h7qfpWCV5F/qSGfw8OfGqQEmcHI5Vx1VCyuFsBdCBLAOpqbGYCoIWlYQOH5L" \
	"OfdfHCcRI7xa/X7hkH0w9JxOXuSRwvRkozhceHaegBUcctAP5g=="
#define SK_ED25519 \
	"AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIM+YdyZPNOCmVNsC" \
	"j2YnMM6gIIX4RC85croCoeMwQhd8AAAABHNzaDo="
#define SK_ECDSA \
	"AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlz" \
	"dHAyNTYAAABBBDj/1HqmgwMOWdLKDFWpBWMF0QZNqrdn091CzD3gjujNilJ2" \
	"0PMOcxpGxYGphCJNAYZ4EewiUGaQZ20qUfCcwMgAAAAEc3NoOg=="
#define DSA \
	"AAAAB3NzaC1kc3MAAACBAL3SvSer43RfeQjEze2MbqoZMWydFtF7ZlPfzBe5" \
	"R6dTCyM1dinesxBt1zyzUdkwBfFa+tBLwI4wjd4+U4f8aNYiUJuN1jwj6EMn" \
	"tdDIBikhv+TkAuyiBDGDgLLQ+hh72LjiAYiwBq9GhN73JrJmuMC+jyxLc5lA" \
	"OJNcoTuYRFzpAAAAFQCZseco5NIe6akbu5jj3xXhWGI2wQAAAIA1/c8B+dbu" \
	"33oKqvPkekK9QToNoS4B5gpbTRkZwYgVMUOwMWm3+8liAGihb7QBdjx2s7nk" \
	"DQkbSJQkVHZ421l+rG9vJNwbndULT+cbx2OeQ5awizFi89v2XiQOKse9ZaDq" \
	"ECf6+4bm3yPmphZmIe5OAcRLQuvyjS4w2Z3uhIPR1AAAAIBvOk/V6f7Mc0WD" \
	"J7oy1yA1F0VMtBS9nRX9IzhBQgJTuBvtKFE1P60usxx/bnWb6TmxPKIRJ2oi" \
	"VtZPVN50F00KCS9oxTwlGnoFavNosGZ1ZCfKikRFC03PGxpIF83fpoQLSGx6" \
	"eYjphHX9cb8l0yVIX/fLoUPVCam+4KrsGkn/Gg=="

/* The same Ed25519 key: a character that is not base64, the last
 * character gone, and the last three bytes gone (whole base64 groups). */
#define ED25519_BAD_CHAR \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM+YdyZPNOCmVNsCj2YnMM6gIIX4RC85croC" \
	"oeMw!hd8"
#define ED25519_SHORT_CHAR \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM+YdyZPNOCmVNsCj2YnMM6gIIX4RC85croC" \
	"oeMwQhd"
#define ED25519_CUT \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM+YdyZPNOCmVNsCj2YnMM6gIIX4RC85croC" \
	"oeMw"
/* ECDSA256 with bits set past its last byte. */
#define ECDSA256_BITS \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDj/1Hqm" \
	"gwMOWdLKDFWpBWMF0QZNqrdn091CzD3gjujNilJ20PMOcxpGxYGphCJNAYZ4" \
	"EewiUGaQZ20qUfCcwMh="
/* An ecdsa-sha2-nistp256 key whose curve field says nistp384. */
#define ECDSA_CURVE \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABhBL4JQOqb" \
	"gh5GtWDB8AP79sT2hcnFOs/1tOIP8tqh+b43j64okI4p87rL7YfeDZDWXh8v" \
	"ZL5AB5Mmw1QRAy7AIRniwrC68713Kn/IDKty4vTwa7WjfkxXN0z0qeEnSIHh" \
	"wg=="

static const char types_list[] =
	"ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, "
	"ecdsa-sha2-nistp521, sk-ssh-ed25519@openssh.com, "
	"sk-ecdsa-sha2-nistp256@openssh.com";

TEST(parse_line)
{
	static const struct {
		const char *in;
		const char *want;	/* the key, or the reason */
	} ok[] = {
		{ "ssh-ed25519 " ED25519 " alice@example",
		  "ssh-ed25519 " ED25519 " alice@example" },
		{ "ssh-rsa " RSA " test-rsa@example",
		  "ssh-rsa " RSA " test-rsa@example" },
		{ "ecdsa-sha2-nistp256 " ECDSA256 " e",
		  "ecdsa-sha2-nistp256 " ECDSA256 " e" },
		{ "ecdsa-sha2-nistp384 " ECDSA384 " e",
		  "ecdsa-sha2-nistp384 " ECDSA384 " e" },
		{ "ecdsa-sha2-nistp521 " ECDSA521 " e",
		  "ecdsa-sha2-nistp521 " ECDSA521 " e" },
		{ "sk-ssh-ed25519@openssh.com " SK_ED25519 " token",
		  "sk-ssh-ed25519@openssh.com " SK_ED25519 " token" },
		{ "sk-ecdsa-sha2-nistp256@openssh.com " SK_ECDSA " token",
		  "sk-ecdsa-sha2-nistp256@openssh.com " SK_ECDSA " token" },
		/* No comment; blanks and tabs between fields; CRLF. */
		{ "ssh-ed25519 " ED25519, "ssh-ed25519 " ED25519 },
		{ "ssh-ed25519 " ED25519 "  \t", "ssh-ed25519 " ED25519 },
		{ "  ssh-ed25519\t\t" ED25519 "\t my  key \r",
		  "ssh-ed25519 " ED25519 " my  key" },
		{ "ssh-ed25519 " ED25519 "\r", "ssh-ed25519 " ED25519 },
		{ "ssh-ed25519 " ED25519 " a\tb",
		  "ssh-ed25519 " ED25519 " a\tb" },
	};
	static const struct {
		const char *in;
		const char *want;
	} bad[] = {
		{ "ssh-dss " DSA " old@example",
		  "'ssh-dss' (DSA) keys are refused: the OpenSSH of current "
		  "Debian releases no longer accepts them" },
		{ "hello world", "not an OpenSSH public key (want 'TYPE BASE64 "
				 "[COMMENT]')" },
		{ "ssh-ed25519", "not an OpenSSH public key (want 'TYPE BASE64 "
				 "[COMMENT]')" },
		{ "ssh-ed25519 \r", "not an OpenSSH public key (want 'TYPE "
				    "BASE64 [COMMENT]')" },
		{ ED25519 " no type", "not an OpenSSH public key (want 'TYPE "
				      "BASE64 [COMMENT]')" },
		/* authorized_keys options are not part of a .pub file. */
		{ "from=\"10.0.0.1\" ssh-ed25519 " ED25519,
		  "not an OpenSSH public key (want 'TYPE BASE64 [COMMENT]')" },
		{ "---- BEGIN SSH2 PUBLIC KEY ----",
		  "not an OpenSSH public key (want 'TYPE BASE64 [COMMENT]')" },
		{ "ssh-ed448 " ED25519, "unsupported key type 'ssh-ed448'" },
		{ "ssh-ed25519-cert-v01@openssh.com " ED25519,
		  "unsupported key type 'ssh-ed25519-cert-v01@openssh.com'" },
		{ "ssh-ed25519 " ED25519_BAD_CHAR,
		  "the key data is not valid base64" },
		{ "ssh-ed25519 " ED25519_SHORT_CHAR,
		  "the key data is not valid base64" },
		{ "ecdsa-sha2-nistp256 " ECDSA256_BITS,
		  "the key data is not valid base64" },
		{ "ssh-ed25519 AAAA==AA", "the key data is not valid base64" },
		{ "ssh-ed25519 A===", "the key data is not valid base64" },
		{ "ssh-ed25519 " ED25519_CUT,
		  "the 'ssh-ed25519' key data is damaged or cut short" },
		{ "ecdsa-sha2-nistp256 " ECDSA_CURVE,
		  "the 'ecdsa-sha2-nistp256' key data is damaged or cut "
		  "short" },
		/* The type and the data disagree. */
		{ "ssh-rsa " ED25519,
		  "the key data is a 'ssh-ed25519' key, not 'ssh-rsa'" },
		{ "ecdsa-sha2-nistp384 " ECDSA256,
		  "the key data is a 'ecdsa-sha2-nistp256' key, not "
		  "'ecdsa-sha2-nistp384'" },
		{ "sk-ssh-ed25519@openssh.com " ED25519,
		  "the key data is a 'ssh-ed25519' key, not "
		  "'sk-ssh-ed25519@openssh.com'" },
		{ "ssh-ed25519 " DSA,
		  "the key data does not start with its type 'ssh-ed25519'" },
		{ "ssh-ed25519 aGVsbG8gd29ybGQ=",
		  "the key data does not start with its type 'ssh-ed25519'" },
		{ "ssh-ed25519 " ED25519 " a\033[2Jb",
		  "the key's comment holds a control character" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct strbuf key = STRBUF_INIT, err = STRBUF_INIT;
		int before = unit_failed_checks;

		strbuf_addstr(&key, "kept|");
		CHECK_INTEQ(sshkey_parse_line(ok[i].in, &key, &err), 0);
		CHECK(!strncmp(key.buf, "kept|", 5));
		CHECK_STREQ(key.buf + 5, ok[i].want);
		CHECK_STREQ(err.buf, "");
		if (unit_failed_checks != before)
			fprintf(stderr, "  in ok case %zu: %s\n", i, err.buf);
		strbuf_release(&key);
		strbuf_release(&err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf key = STRBUF_INIT, err = STRBUF_INIT;
		int before = unit_failed_checks;

		CHECK_INTEQ(sshkey_parse_line(bad[i].in, &key, &err), -EINVAL);
		CHECK_STREQ(key.buf, "");
		CHECK(!strncmp(err.buf, bad[i].want, strlen(bad[i].want)));
		if (unit_failed_checks != before)
			fprintf(stderr, "  in bad case %zu: '%s'\n", i,
				err.buf);
		strbuf_release(&key);
		strbuf_release(&err);
	}
}

TEST(unsupported_type_lists_the_known)
{
	struct strbuf key = STRBUF_INIT, err = STRBUF_INIT, want = STRBUF_INIT;

	CHECK_INTEQ(sshkey_parse_line("ssh-xmss@openssh.com " ED25519, &key,
				      &err), -EINVAL);
	strbuf_addf(&want, "unsupported key type 'ssh-xmss@openssh.com' "
		    "(want %s)", types_list);
	CHECK_STREQ(err.buf, want.buf);
	strbuf_release(&key);
	strbuf_release(&err);
	strbuf_release(&want);
}

TEST(parse_text)
{
	static const struct {
		const char *text;
		const char *want;	/* keys joined by '|', or the error */
	} cases[] = {
		{ "ssh-ed25519 " ED25519 " a@example\n",
		  "ssh-ed25519 " ED25519 " a@example" },
		/* No final newline. */
		{ "ssh-ed25519 " ED25519, "ssh-ed25519 " ED25519 },
		/* Comments, blank lines, CRLF, several keys in order. */
		{ "# the admins\r\n\r\nssh-ed25519 " ED25519 " a\r\n"
		  "   \r\n  # bob:\r\nssh-rsa " RSA " b\r\n",
		  "ssh-ed25519 " ED25519 " a|ssh-rsa " RSA " b" },
		/* The same key twice, whatever its comment: kept once. */
		{ "ssh-ed25519 " ED25519 " a\nssh-ed25519 " ED25519 " b\n",
		  "ssh-ed25519 " ED25519 " a" },
		{ "", "error: 'k.pub' is empty" },
		{ "\n \n\t\r\n", "error: 'k.pub' is empty" },
		{ "# nothing here yet\n\n",
		  "error: 'k.pub' holds no public key" },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----\n"
		  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAA\n"
		  "-----END OPENSSH PRIVATE KEY-----\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		{ "-----BEGIN RSA PRIVATE KEY-----\r\nMIIEow==\r\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		{ "-----BEGIN EC PRIVATE KEY-----\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		{ "-----BEGIN PRIVATE KEY-----\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		{ "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		{ "PuTTY-User-Key-File-3: ssh-ed25519\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		/* A public key and then the private one pasted after it. */
		{ "ssh-ed25519 " ED25519 "\n-----BEGIN OPENSSH PRIVATE KEY-----"
		  "\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAA\n",
		  "error: 'k.pub' is a private key: give its .pub file" },
		/* A bad line is named, counting blank and comment lines. */
		{ "# keys\n\nssh-ed25519 " ED25519 "\ngarbage here\n",
		  "error: k.pub:4: not an OpenSSH public key (want 'TYPE "
		  "BASE64 [COMMENT]')" },
		{ "ssh-ed25519 " ED25519 "\r\nssh-dss " DSA "\r\n",
		  "error: k.pub:2: 'ssh-dss' (DSA) keys are refused: the "
		  "OpenSSH of current Debian releases no longer accepts them" },
		{ "ssh-rsa " ED25519 " x\n",
		  "error: k.pub:1: the key data is a 'ssh-ed25519' key, not "
		  "'ssh-rsa'" },
		{ "---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"x\"\n",
		  "error: k.pub:1: not an OpenSSH public key (want 'TYPE "
		  "BASE64 [COMMENT]')" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strvec keys = STRVEC_INIT;
		struct strbuf got = STRBUF_INIT, err = STRBUF_INIT;
		int before = unit_failed_checks;
		int r = sshkey_parse_text(cases[i].text,
					  strlen(cases[i].text), "k.pub",
					  &keys, &err);

		if (r < 0) {
			strbuf_addf(&got, "error: %s", err.buf);
			CHECK_INTEQ(r, -EINVAL);
			CHECK_INTEQ(keys.nr, 0);
		} else {
			for (size_t k = 0; k < keys.nr; k++)
				strbuf_addf(&got, "%s%s", k ? "|" : "",
					    keys.v[k]);
			CHECK_STREQ(err.buf, "");
		}
		CHECK_STREQ(got.buf, cases[i].want);
		if (unit_failed_checks != before)
			fprintf(stderr, "  in case %zu\n", i);
		strvec_clear(&keys);
		strbuf_release(&got);
		strbuf_release(&err);
	}
}

TEST(parse_text_nul_is_not_text)
{
	static const char text[] = "ssh-ed25519 " ED25519 "\0x\n";
	struct strvec keys = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(sshkey_parse_text(text, sizeof(text) - 1, "k.pub", &keys,
				      &err), -EINVAL);
	CHECK_STREQ(err.buf, "'k.pub' is not a text file");
	CHECK_INTEQ(keys.nr, 0);
	strvec_clear(&keys);
	strbuf_release(&err);
}

/* Keys from several files add up; one already there is not added again,
 * and a file that brings only those is still fine. */
TEST(parse_text_adds_to_keys)
{
	static const char a[] = "ssh-ed25519 " ED25519 " a\n";
	static const char b[] = "ssh-ed25519 " ED25519 " a again\n"
				"ecdsa-sha2-nistp256 " ECDSA256 " b\n";
	struct strvec keys = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;

	CHECK_INTEQ(sshkey_parse_text(a, strlen(a), "a.pub", &keys, &err), 0);
	CHECK_INTEQ(sshkey_parse_text(b, strlen(b), "b.pub", &keys, &err), 0);
	CHECK_INTEQ(sshkey_parse_text(a, strlen(a), "a.pub", &keys, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(keys.nr, 2);
	CHECK_STREQ(keys.v[0], "ssh-ed25519 " ED25519 " a");
	CHECK_STREQ(keys.v[1], "ecdsa-sha2-nistp256 " ECDSA256 " b");
	/* A failing file adds nothing, even its good lines. */
	CHECK_INTEQ(sshkey_parse_text("ssh-rsa " RSA "\nx\n", strlen(RSA) + 11,
				      "c.pub", &keys, &err), -EINVAL);
	CHECK_STREQ(err.buf, "c.pub:2: not an OpenSSH public key (want 'TYPE "
		    "BASE64 [COMMENT]')");
	CHECK_INTEQ(keys.nr, 2);
	strvec_clear(&keys);
	strbuf_release(&err);
}

TEST(load_file)
{
	const char *base = getenv("TMPDIR");
	char *dir, *path;
	struct strvec keys = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT, big = STRBUF_INIT;

	if (!base || !*base)
		base = "/tmp";
	dir = path_join(base, "u-sshkey.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	path = path_join(dir, "id.pub");

	CHECK_INTEQ(sshkey_load_file(path, &keys, &err), -ENOENT);
	CHECK(!strncmp(err.buf, "cannot read '", 13));
	CHECK(strstr(err.buf, "id.pub': No such file or directory"));

	strbuf_reset(&err);
	CHECK_INTEQ(sshkey_load_file(dir, &keys, &err), -EINVAL);
	CHECK(strstr(err.buf, "' is not a regular file"));

	CHECK_INTEQ(write_string(path, "ssh-ed25519 " ED25519 " f\n", 0644), 0);
	strbuf_reset(&err);
	CHECK_INTEQ(sshkey_load_file(path, &keys, &err), 0);
	CHECK_STREQ(err.buf, "");
	CHECK_INTEQ(keys.nr, 1);
	CHECK_STREQ(keys.v[0], "ssh-ed25519 " ED25519 " f");

	CHECK_INTEQ(write_string(path, "", 0644), 0);
	strbuf_reset(&err);
	CHECK_INTEQ(sshkey_load_file(path, &keys, &err), -EINVAL);
	CHECK(strstr(err.buf, "id.pub' is empty"));

	/* Comments up to one byte past the limit. */
	while (big.len <= SSHKEY_FILE_MAX)
		strbuf_addstr(&big, "# padding padding padding padding\n");
	CHECK_INTEQ(write_file(path, big.buf, big.len, 0644), 0);
	strbuf_reset(&err);
	CHECK_INTEQ(sshkey_load_file(path, &keys, &err), -EINVAL);
	CHECK(strstr(err.buf, "id.pub' is larger than 1024 KiB: not a public "
			      "key file"));
	CHECK_INTEQ(keys.nr, 1);

	(void)rm_rf(dir);
	free(path);
	free(dir);
	strvec_clear(&keys);
	strbuf_release(&err);
	strbuf_release(&big);
}
