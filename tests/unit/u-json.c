/*
 * u-json.c: the escaper turns any bytes into a JSON string that parses,
 * both writer styles lay documents out as documented, and misuse aborts.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "macros.h"
#include "strbuf.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static void check_escape(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	json_escape_string(&sb, in);
	CHECK_STREQ(sb.buf, want);
	strbuf_release(&sb);
}

TEST(escape_ascii_and_specials)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ NULL, "null" },
		{ "", "\"\"" },
		{ "web1", "\"web1\"" },
		{ " !#/09:@AZ[]^_`az{|}~", "\" !#/09:@AZ[]^_`az{|}~\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "\"", "\"\\\"\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "\\\"\\", "\"\\\\\\\"\\\\\"" },
		{ "\t\n\r", "\"\\u0009\\u000a\\u000d\"" },
		{ "a\bb\fc", "\"a\\u0008b\\u000cc\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "\x1b[0m", "\"\\u001b[0m\"" },
		{ "x\x7fy", "\"x\\u007fy\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_escape(cases[i].in, cases[i].want);
}

/* Every control character, one by one, as \u00XX in lowercase hex. */
TEST(escape_every_control_char)
{
	for (int c = 1; c < 0x20; c++) {
		struct strbuf want = STRBUF_INIT;
		char in[] = { 'a', (char)c, 'b', '\0' };

		strbuf_addf(&want, "\"a\\u%04xb\"", (unsigned)c);
		check_escape(in, want.buf);
		strbuf_release(&want);
	}
}

TEST(escape_valid_utf8)
{
	static const char *const cases[] = {
		"\xc2\x80",		/* U+0080, the first 2-byte one */
		"caf\xc3\xa9",		/* U+00E9 */
		"\xdf\xbf",		/* U+07FF, the last 2-byte one */
		"\xe0\xa0\x80",		/* U+0800, the first 3-byte one */
		"\xe2\x82\xac",		/* U+20AC */
		"\xed\x9f\xbf",		/* U+D7FF, below the surrogates */
		"\xee\x80\x80",		/* U+E000, above them */
		"\xef\xbf\xbf",		/* U+FFFF */
		"\xf0\x90\x80\x80",	/* U+10000, the first 4-byte one */
		"\xf0\x9f\x98\x80",	/* U+1F600 */
		"\xf4\x8f\xbf\xbf",	/* U+10FFFF, the last one */
		"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf want = STRBUF_INIT;

		strbuf_addf(&want, "\"%s\"", cases[i]);
		check_escape(cases[i], want.buf);
		strbuf_release(&want);
	}
}

#define R "\\ufffd"

TEST(escape_invalid_utf8)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		/* A continuation byte with no lead. */
		{ "\x80", "\"" R "\"" },
		{ "a\xbf" "b", "\"a" R "b\"" },
		/* Overlong forms of '/', U+07FF and U+FFFF. */
		{ "\xc0\xaf", "\"" R R "\"" },
		{ "\xc1\xbf", "\"" R R "\"" },
		{ "\xe0\x9f\xbf", "\"" R R R "\"" },
		{ "\xf0\x8f\xbf\xbf", "\"" R R R R "\"" },
		/* UTF-16 surrogates, U+D800 and U+DFFF. */
		{ "\xed\xa0\x80", "\"" R R R "\"" },
		{ "\xed\xbf\xbf", "\"" R R R "\"" },
		/* Beyond U+10FFFF, and bytes no UTF-8 has. */
		{ "\xf4\x90\x80\x80", "\"" R R R R "\"" },
		{ "\xf5\x80\x80\x80", "\"" R R R R "\"" },
		{ "\xfe\xff", "\"" R R "\"" },
		/* Cut off by the end, or by a byte that does not continue. */
		{ "a\xc3", "\"a" R "\"" },
		{ "\xe2\x82", "\"" R R "\"" },
		{ "\xf0\x9f\x98", "\"" R R R "\"" },
		{ "\xc3(", "\"" R "(\"" },
		{ "\xe2\x82z", "\"" R R "z\"" },
		/* A bad byte does not swallow a valid sequence after it. */
		{ "\xff\xc3\xa9", "\"" R "\xc3\xa9\"" },
		{ "\xe2\xc3\xa9", "\"" R "\xc3\xa9\"" },
		/* Latin-1, as an old file name might be. */
		{ "caf\xe9", "\"caf" R "\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_escape(cases[i].in, cases[i].want);
}

/* A writer's whole output against the expected text. */
typedef void (*write_fn)(struct json_writer *w);

static void check_doc(enum json_style style, write_fn fn, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	json_writer_init(&w, &sb, style);
	fn(&w);
	CHECK_STREQ(sb.buf, want);
	strbuf_release(&sb);
}

static void doc_empty_object(struct json_writer *w)
{
	json_object_begin(w);
	json_object_end(w);
}

static void doc_empty_array(struct json_writer *w)
{
	json_array_begin(w);
	json_array_end(w);
}

static void doc_scalar(struct json_writer *w)
{
	json_string(w, "x");
}

static void doc_small(struct json_writer *w)
{
	json_object_begin(w);
	json_kv_int(w, "a", 1);
	json_key(w, "b");
	json_array_begin(w);
	json_int(w, 1);
	json_int(w, 2);
	json_array_end(w);
	json_object_end(w);
}

static void doc_nested(struct json_writer *w)
{
	struct strvec none = STRVEC_INIT, two = STRVEC_INIT;

	strvec_pushl(&two, "10.0.0.5/24", "a\"b", NULL);
	json_object_begin(w);
	json_kv_string(w, "s", "x");
	json_kv_string(w, "n", NULL);
	json_kv_null(w, "z");
	json_kv_bool(w, "t", 1);
	json_kv_bool(w, "f", 0);
	json_key(w, "o");
	json_object_begin(w);
	json_object_end(w);
	json_kv_strvec(w, "none", &none);
	json_kv_strvec(w, "two", &two);
	json_key(w, "list");
	json_array_begin(w);
	json_object_begin(w);
	json_kv_uint(w, "k", 18446744073709551615ULL);
	json_key(w, "in");
	json_array_begin(w);
	json_array_begin(w);
	json_array_end(w);
	json_null(w);
	json_array_end(w);
	json_object_end(w);
	json_object_begin(w);
	json_object_end(w);
	json_array_end(w);
	json_key(w, "grid");
	json_array_begin(w);
	json_array_begin(w);
	json_int(w, 1);
	json_string(w, NULL);
	json_array_end(w);
	json_array_begin(w);
	json_array_end(w);
	json_array_end(w);
	json_object_end(w);
	strvec_clear(&two);
}

/* A first scalar lays the array out on one line, whatever follows. */
static void doc_mixed_array(struct json_writer *w)
{
	json_array_begin(w);
	json_int(w, 1);
	json_object_begin(w);
	json_kv_int(w, "a", 1);
	json_object_end(w);
	json_array_end(w);
}

static void doc_numbers(struct json_writer *w)
{
	json_array_begin(w);
	json_uint(w, 0);
	json_uint(w, 18446744073709551615ULL);
	json_int(w, -9223372036854775807LL - 1);
	json_int(w, 9223372036854775807LL);
	json_double(w, 1.5, 2);
	json_double(w, 3.14159, 3);
	json_double(w, 2.7, 0);
	json_double(w, -0.125, 3);
	json_double(w, 1e20, 1);
	json_double(w, 0.0, 1);
	json_double(w, NAN, 2);
	json_double(w, INFINITY, 1);
	json_double(w, -INFINITY, 0);
	json_array_end(w);
}

static void doc_kv_double(struct json_writer *w)
{
	json_object_begin(w);
	json_kv_double(w, "seconds", 1.26, 1);
	json_kv_double(w, "rate", NAN, 1);
	json_object_end(w);
}

/* Two documents through one writer: a JSON-lines stream. */
static void doc_lines(struct json_writer *w)
{
	json_object_begin(w);
	json_kv_string(w, "event", "start");
	json_object_end(w);
	json_object_begin(w);
	json_kv_string(w, "event", "done");
	json_kv_int(w, "status", 0);
	json_object_end(w);
}

/* Escaping applies to keys as to values. */
static void doc_key_escaped(struct json_writer *w)
{
	json_object_begin(w);
	json_kv_string(w, "a\"\n\xff", "v\\");
	json_object_end(w);
}

TEST(compact_style)
{
	static const struct {
		write_fn fn;
		const char *want;
	} cases[] = {
		{ doc_empty_object, "{}\n" },
		{ doc_empty_array, "[]\n" },
		{ doc_scalar, "\"x\"\n" },
		{ doc_small, "{\"a\": 1, \"b\": [1, 2]}\n" },
		{ doc_nested,
		  "{\"s\": \"x\", \"n\": null, \"z\": null, \"t\": true, "
		  "\"f\": false, \"o\": {}, \"none\": [], "
		  "\"two\": [\"10.0.0.5/24\", \"a\\\"b\"], "
		  "\"list\": [{\"k\": 18446744073709551615, "
		  "\"in\": [[], null]}, {}], "
		  "\"grid\": [[1, null], []]}\n" },
		{ doc_mixed_array, "[1, {\"a\": 1}]\n" },
		{ doc_numbers,
		  "[0, 18446744073709551615, -9223372036854775808, "
		  "9223372036854775807, 1.50, 3.142, 3, -0.125, "
		  "100000000000000000000.0, 0.0, null, null, null]\n" },
		{ doc_kv_double, "{\"seconds\": 1.3, \"rate\": null}\n" },
		{ doc_lines,
		  "{\"event\": \"start\"}\n"
		  "{\"event\": \"done\", \"status\": 0}\n" },
		{ doc_key_escaped,
		  "{\"a\\\"\\u000a\\ufffd\": \"v\\\\\"}\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_doc(JSON_COMPACT, cases[i].fn, cases[i].want);
}

TEST(pretty_style)
{
	static const struct {
		write_fn fn;
		const char *want;
	} cases[] = {
		{ doc_empty_object, "{}\n" },
		{ doc_empty_array, "[]\n" },
		{ doc_scalar, "\"x\"\n" },
		{ doc_small,
		  "{\n"
		  "  \"a\": 1,\n"
		  "  \"b\": [1, 2]\n"
		  "}\n" },
		{ doc_nested,
		  "{\n"
		  "  \"s\": \"x\",\n"
		  "  \"n\": null,\n"
		  "  \"z\": null,\n"
		  "  \"t\": true,\n"
		  "  \"f\": false,\n"
		  "  \"o\": {},\n"
		  "  \"none\": [],\n"
		  "  \"two\": [\"10.0.0.5/24\", \"a\\\"b\"],\n"
		  "  \"list\": [\n"
		  "    {\n"
		  "      \"k\": 18446744073709551615,\n"
		  "      \"in\": [\n"
		  "        [],\n"
		  "        null\n"
		  "      ]\n"
		  "    },\n"
		  "    {}\n"
		  "  ],\n"
		  "  \"grid\": [\n"
		  "    [1, null],\n"
		  "    []\n"
		  "  ]\n"
		  "}\n" },
		{ doc_mixed_array,
		  "[1, {\n"
		  "    \"a\": 1\n"
		  "  }]\n" },
		{ doc_numbers,
		  "[0, 18446744073709551615, -9223372036854775808, "
		  "9223372036854775807, 1.50, 3.142, 3, -0.125, "
		  "100000000000000000000.0, 0.0, null, null, null]\n" },
		{ doc_kv_double,
		  "{\n"
		  "  \"seconds\": 1.3,\n"
		  "  \"rate\": null\n"
		  "}\n" },
		{ doc_lines,
		  "{\n"
		  "  \"event\": \"start\"\n"
		  "}\n"
		  "{\n"
		  "  \"event\": \"done\",\n"
		  "  \"status\": 0\n"
		  "}\n" },
		{ doc_key_escaped,
		  "{\n"
		  "  \"a\\\"\\u000a\\ufffd\": \"v\\\\\"\n"
		  "}\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_doc(JSON_PRETTY, cases[i].fn, cases[i].want);
}

static void misuse_value_without_key(struct json_writer *w)
{
	json_object_begin(w);
	json_int(w, 1);
}

static void misuse_key_at_top(struct json_writer *w)
{
	json_key(w, "a");
}

static void misuse_key_in_array(struct json_writer *w)
{
	json_array_begin(w);
	json_key(w, "a");
}

static void misuse_two_keys(struct json_writer *w)
{
	json_object_begin(w);
	json_key(w, "a");
	json_key(w, "b");
}

static void misuse_end_after_key(struct json_writer *w)
{
	json_object_begin(w);
	json_key(w, "a");
	json_object_end(w);
}

static void misuse_wrong_end(struct json_writer *w)
{
	json_object_begin(w);
	json_array_end(w);
}

static void misuse_end_at_top(struct json_writer *w)
{
	json_array_end(w);
}

static void misuse_too_deep(struct json_writer *w)
{
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_begin(w);
}

static void misuse_negative_decimals(struct json_writer *w)
{
	json_double(w, 1.0, -1);
}

/* As deep as allowed, then closed: the control that proves the harness
 * below tells an abort from a clean exit. */
static void deepest(struct json_writer *w)
{
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(w);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(w);
}

/* Run fn in a child; 1 if it died of SIGABRT, 0 if it exited 0. */
static int aborts(write_fn fn)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		abort();
	if (!pid) {
		struct rlimit no_core = { 0, 0 };
		struct strbuf sb = STRBUF_INIT;
		struct json_writer w;

		setrlimit(RLIMIT_CORE, &no_core);
		json_writer_init(&w, &sb, JSON_PRETTY);
		fn(&w);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		abort();
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
		return 1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

TEST(misuse_aborts)
{
	static const write_fn cases[] = {
		misuse_value_without_key, misuse_key_at_top,
		misuse_key_in_array,	  misuse_two_keys,
		misuse_end_after_key,	  misuse_wrong_end,
		misuse_end_at_top,	  misuse_too_deep,
		misuse_negative_decimals,
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_INTEQ(aborts(cases[i]), 1);
	CHECK_INTEQ(aborts(deepest), 0);
}
