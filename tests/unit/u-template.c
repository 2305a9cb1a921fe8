/* u-template.c: the template engine and its variable scopes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"
#include "macros.h"
#include "template.h"
#include "unit.h"

UNIT_MAIN

/*
 * The scope every case renders against:
 *   name=web1 memory=512 empty="" zero=0 on=1 off=""
 *   none = []                   one = [ {ip=10.0.0.1} ]
 *   ips = [ {ip=10.0.0.1} {ip=10.0.0.2 name=alias} {ip=10.0.0.3} ]
 *   guests = [ {name=g1 disks=[{dev=xvda size=4G} {dev=xvdb size=1G}]}
 *              {name=g2 disks=[]} ]
 */
static struct tvars *make_vars(void)
{
	struct tvars *v = tvars_new(), *item, *g;

	tvars_set(v, "name", "web1");
	tvars_setf(v, "memory", "%d", 512);
	tvars_set(v, "empty", "");
	tvars_set(v, "zero", "0");
	tvars_set_bool(v, "on", 1);
	tvars_set_bool(v, "off", 0);
	tvars_declare_list(v, "none");
	item = tvars_list_add(v, "one");
	tvars_set(item, "ip", "10.0.0.1");
	for (int i = 1; i <= 3; i++) {
		item = tvars_list_add(v, "ips");
		tvars_setf(item, "ip", "10.0.0.%d", i);
		if (i == 2)
			tvars_set(item, "name", "alias");
	}
	g = tvars_list_add(v, "guests");
	tvars_set(g, "name", "g1");
	item = tvars_list_add(g, "disks");
	tvars_set(item, "dev", "xvda");
	tvars_set(item, "size", "4G");
	item = tvars_list_add(g, "disks");
	tvars_set(item, "dev", "xvdb");
	tvars_set(item, "size", "1G");
	g = tvars_list_add(v, "guests");
	tvars_set(g, "name", "g2");
	tvars_declare_list(g, "disks");
	return v;
}

static const char xl_cfg[] =
	"name = \"{{name}}\"\n"
	"memory = {{memory}}\n"
	"{{! one line per disk of every guest }}\n"
	"disk = [\n"
	"{{#guests}}\n"
	"  {{#disks}}\n"
	"    'phy:/dev/vg/{{name}}-{{dev}},{{dev}},w',\n"
	"  {{/disks}}\n"
	"{{/guests}}\n"
	"]\n"
	"{{#on}}\n"
	"vif = [ 'bridge=xenbr0' ]\n"
	"{{/on}}\n"
	"{{^on}}\n"
	"vif = []\n"
	"{{/on}}\n";

static const char xl_cfg_want[] =
	"name = \"web1\"\n"
	"memory = 512\n"
	"disk = [\n"
	"    'phy:/dev/vg/g1-xvda,xvda,w',\n"
	"    'phy:/dev/vg/g1-xvdb,xvdb,w',\n"
	"]\n"
	"vif = [ 'bridge=xenbr0' ]\n";

static int render_str(const char *tmpl, const struct tvars *v,
		      struct strbuf *out)
{
	return template_render(tmpl, strlen(tmpl), v, out, NULL);
}

TEST(render)
{
	static const struct {
		const char *tmpl;
		const char *want;
		int want_r;
		const char *want_err;
	} cases[] = {
		/* Substitution. */
		{ "", "", 0, NULL },
		{ "no tags { here } }}", "no tags { here } }}", 0, NULL },
		{ "hello {{name}}!", "hello web1!", 0, NULL },
		{ "{{ name }}/{{\tmemory\t}}", "web1/512", 0, NULL },
		{ "{{name}}{{name}}", "web1web1", 0, NULL },
		{ "{{empty}}|{{zero}}", "|0", 0, NULL },

		/* Lists with 0, 1 and 3 items. */
		{ "[{{#none}}x{{/none}}]", "[]", 0, NULL },
		{ "[{{#one}}{{ip}}{{/one}}]", "[10.0.0.1]", 0, NULL },
		{ "{{#ips}}{{ip}},{{/ips}}", "10.0.0.1,10.0.0.2,10.0.0.3,", 0,
		  NULL },
		{ "{{# ips }}x{{/ ips }}", "xxx", 0, NULL },

		/* Fallback to enclosing scopes, and shadowing by an item. */
		{ "{{#ips}}{{name}}:{{ip}} {{/ips}}",
		  "web1:10.0.0.1 alias:10.0.0.2 web1:10.0.0.3 ", 0, NULL },
		{ "{{#one}}{{memory}}{{/one}}", "512", 0, NULL },

		/* Nested lists. */
		{ "{{#guests}}{{name}}:{{#disks}} {{dev}}={{size}}{{/disks}};"
		  "{{/guests}}",
		  "g1: xvda=4G xvdb=1G;g2:;", 0, NULL },
		{ "{{#guests}}{{#disks}}{{name}}/{{dev}} {{/disks}}"
		  "{{/guests}}",
		  "g1/xvda g1/xvdb ", 0, NULL },
		/* A root list inside an item sees the item, not just root. */
		{ "{{#guests}}{{#one}}{{name}}@{{ip}} {{/one}}{{/guests}}",
		  "g1@10.0.0.1 g2@10.0.0.1 ", 0, NULL },
		{ "{{#ips}}{{#ips}}x{{/ips}}|{{/ips}}", "xxx|xxx|xxx|", 0,
		  NULL },
		{ "{{#ips}}{{#on}}{{ip}}{{/on}}{{/ips}}",
		  "10.0.0.110.0.0.210.0.0.3", 0, NULL },

		/* Strings as booleans. */
		{ "{{#on}}yes{{/on}}{{#off}}no{{/off}}", "yes", 0, NULL },
		{ "{{#memory}}m={{memory}}{{/memory}}", "m=512", 0, NULL },
		{ "{{#zero}}z{{/zero}}{{#empty}}e{{/empty}}", "", 0, NULL },

		/* Inverted sections. */
		{ "{{^on}}a{{/on}}{{^off}}b{{/off}}", "b", 0, NULL },
		{ "{{^zero}}z{{/zero}}{{^empty}}e{{/empty}}", "ze", 0, NULL },
		{ "{{^none}}no ips{{/none}}", "no ips", 0, NULL },
		{ "{{^ips}}no ips{{/ips}}", "", 0, NULL },
		{ "{{#guests}}{{^disks}}{{name}} has none{{/disks}}"
		  "{{/guests}}",
		  "g2 has none", 0, NULL },

		/* Comments. */
		{ "a{{! a comment }}b", "ab", 0, NULL },
		{ "a{{!}}b{{ ! spaced }}c", "abc", 0, NULL },
		{ "a{{! spans\ntwo lines }}b", "ab", 0, NULL },

		/* Standalone lines. */
		{ "{{#ips}}\n  ip {{ip}}\n{{/ips}}\n",
		  "  ip 10.0.0.1\n  ip 10.0.0.2\n  ip 10.0.0.3\n", 0, NULL },
		{ "a\n  {{#on}}  \r\nx\r\n\t{{/on}}\r\ny",
		  "a\nx\r\ny", 0, NULL },
		{ "a\n{{! note }}\nb\n", "a\nb\n", 0, NULL },
		{ "a\n{{#on}}\nb\n{{/on}}", "a\nb\n", 0, NULL },
		{ "{{^none}}\nnothing\n{{/none}}\n", "nothing\n", 0, NULL },
		{ "{{#none}}\nx\n{{/none}}\nend\n", "end\n", 0, NULL },
		{ "x {{#on}}\ny{{/on}} z\n", "x \ny z\n", 0, NULL },
		{ "  {{name}}  \nz", "  web1  \nz", 0, NULL },
		{ "{{#on}}{{/on}}\nz", "\nz", 0, NULL },
		{ xl_cfg, xl_cfg_want, 0, NULL },

		/* An empty list's body has no item to check names against. */
		{ "{{#none}}{{whatever}}{{/none}}", "", 0, NULL },

		/* Errors. */
		{ "{{foo}}", NULL, -EINVAL, "line 1: unknown variable 'foo'" },
		{ "a\nb\n{{#foo}}{{/foo}}", NULL, -EINVAL,
		  "line 3: unknown variable 'foo'" },
		{ "{{^foo}}\n{{/foo}}", NULL, -EINVAL,
		  "line 1: unknown variable 'foo'" },
		{ "{{#off}}\n{{foo}}\n{{/off}}", NULL, -EINVAL,
		  "line 2: unknown variable 'foo'" },
		{ "{{^on}}{{foo}}{{/on}}", NULL, -EINVAL,
		  "line 1: unknown variable 'foo'" },
		/* An inverted list's body is in the enclosing scope. */
		{ "{{^ips}}{{ip}}{{/ips}}", NULL, -EINVAL,
		  "line 1: unknown variable 'ip'" },
		{ "{{#guests}}\n{{size}}\n{{/guests}}", NULL, -EINVAL,
		  "line 2: unknown variable 'size'" },
		{ "{{ip}}", NULL, -EINVAL, "line 1: unknown variable 'ip'" },
		/* Line numbers count the lines that standalone tags drop. */
		{ "{{#ips}}\n{{ip}}\n{{/ips}}\n{{! x\ny }}\n{{bogus}}\n", NULL,
		  -EINVAL, "line 6: unknown variable 'bogus'" },
		{ "{{#ips}}\n{{/ips}}\n{{#ips}}\n", NULL, -EINVAL,
		  "line 3: unclosed section 'ips'" },
		{ "{{#on}}{{#ips}}{{/ips}}", NULL, -EINVAL,
		  "line 1: unclosed section 'on'" },
		{ "{{#guests}}\n{{#disks}}\n{{/guests}}", NULL, -EINVAL,
		  "line 3: '{{/guests}}' closes 'disks'" },
		{ "\n{{/ips}}", NULL, -EINVAL,
		  "line 2: '{{/ips}}' closes no section" },
		{ "x\n{{ips}}", NULL, -EINVAL,
		  "line 2: 'ips' is a list, not a value" },
		{ "{{#guests}}{{disks}}{{/guests}}", NULL, -EINVAL,
		  "line 1: 'disks' is a list, not a value" },
		{ "a\n{{name", NULL, -EINVAL, "line 2: unterminated tag" },
		{ "{{name\n}}", NULL, -EINVAL, "line 1: unterminated tag" },
		{ "{{! never closed\n", NULL, -EINVAL,
		  "line 1: unterminated tag" },
		/* Syntax is checked even where no names are. */
		{ "{{#none}}\n{{x\n{{/none}}", NULL, -EINVAL,
		  "line 2: unterminated tag" },
		{ "{{#none}}{{/ips}}{{/none}}", NULL, -EINVAL,
		  "line 1: '{{/ips}}' closes 'none'" },
		{ "{{na me}}", NULL, -EINVAL,
		  "line 1: invalid tag '{{na me}}'" },
		{ "{{}}", NULL, -EINVAL, "line 1: invalid tag '{{}}'" },
		{ "{{#}}", NULL, -EINVAL, "line 1: invalid tag '{{#}}'" },
		{ "{{{name}}}", NULL, -EINVAL,
		  "line 1: invalid tag '{{{name}}'" },
		{ "{{&name}}", NULL, -EINVAL,
		  "line 1: invalid tag '{{&name}}'" },
	};
	struct tvars *vars = make_vars();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
		int r = template_render(cases[i].tmpl, strlen(cases[i].tmpl),
					vars, &out, &err);

		if (r != cases[i].want_r)
			fprintf(stderr, "case %zu: '%s'\n", i, cases[i].tmpl);
		CHECK_INTEQ(r, cases[i].want_r);
		CHECK_STREQ(err.buf, cases[i].want_err ? cases[i].want_err
						       : "");
		if (!cases[i].want_r)
			CHECK_STREQ(out.buf, cases[i].want);

		/* Without an err buffer the result is the same. */
		strbuf_reset(&out);
		CHECK_INTEQ(template_render(cases[i].tmpl,
					    strlen(cases[i].tmpl), vars, &out,
					    NULL),
			    cases[i].want_r);
		strbuf_release(&out);
		strbuf_release(&err);
	}
	tvars_free(vars);
}

TEST(render_appends_and_respects_len)
{
	struct tvars *vars = make_vars();
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	strbuf_addstr(&out, "pre:");
	/* The length, not a NUL, ends the template. */
	CHECK_INTEQ(template_render("{{name}}{{junk", 8, vars, &out, &err), 0);
	CHECK_STREQ(out.buf, "pre:web1");
	CHECK_STREQ(err.buf, "");

	strbuf_addstr(&err, "old; ");
	CHECK_INTEQ(template_render("{{x}}", 5, vars, &out, &err), -EINVAL);
	CHECK_STREQ(err.buf, "old; line 1: unknown variable 'x'");
	strbuf_release(&out);
	strbuf_release(&err);
	tvars_free(vars);
}

TEST(render_file)
{
	char path[] = "/tmp/u-template.XXXXXX";
	const char good[] = "{{#ips}}\n{{ip}}\n{{/ips}}\n";
	const char bad[] = "ok\n{{nope}}\n";
	struct tvars *vars = make_vars();
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT, want = STRBUF_INIT;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		goto out;
	CHECK_INTEQ(write(fd, good, strlen(good)), strlen(good));
	close(fd);
	CHECK_INTEQ(template_render_file(path, vars, &out, &err), 0);
	CHECK_STREQ(out.buf, "10.0.0.1\n10.0.0.2\n10.0.0.3\n");
	CHECK_STREQ(err.buf, "");

	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INTEQ(write(fd, bad, strlen(bad)), strlen(bad));
		close(fd);
	}
	strbuf_reset(&out);
	CHECK_INTEQ(template_render_file(path, vars, &out, &err), -EINVAL);
	strbuf_addf(&want, "%s:2: unknown variable 'nope'", path);
	CHECK_STREQ(err.buf, want.buf);

	unlink(path);
	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(template_render_file(path, vars, &out, &err), -ENOENT);
	strbuf_addf(&want, "cannot read '%s': %s", path, strerror(ENOENT));
	CHECK_STREQ(err.buf, want.buf);
	CHECK_INTEQ(template_render_file(path, vars, &out, NULL), -ENOENT);
out:
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&want);
	tvars_free(vars);
}

/* A xen-tools template (Perl's Text::Template) is refused by name; text
 * with single braces but no Perl in them is not one. */
TEST(render_file_xen_tools_template)
{
	static const struct {
		const char *text;
		int is_perl;
	} cases[] = {
		{ "name = '{$hostname}'\n", 1 },
		{ "{ if ($pygrub)\n  { $OUT .= \"bootloader = 'pygrub'\"; }\n}\n",
		  1 },
		{ "{\n  $OUT .= 'x';\n}\n", 1 },
		{ "memory = '{ $memory }'\n", 1 },
		{ "name = '{{name}}'\n", 0 },
		{ "{{! a comment with $ and { braces } }}\nvcpus = 1\n", 0 },
		{ "extra = 'a{b}'\n", 0 },
	};
	struct tvars *vars = make_vars();

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char path[] = "/tmp/u-template.XXXXXX";
		struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
		struct strbuf want = STRBUF_INIT;
		size_t n = strlen(cases[i].text);
		int fd = mkstemp(path), r;

		CHECK(fd >= 0);
		if (fd < 0)
			continue;
		CHECK_INTEQ(write(fd, cases[i].text, n), n);
		close(fd);
		r = template_render_file(path, vars, &out, &err);
		if (cases[i].is_perl) {
			CHECK_INTEQ(r, -EINVAL);
			strbuf_addf(&want, "%s: a xen-tools template (Perl's "
				    "Text::Template: '{$hostname}', '$OUT'), "
				    "which is never run: write it as an xl.cfg "
				    "template ('{{hostname}}', '{{memory_mb}}', "
				    "'{{#disks}}'; see create-image(8), "
				    "TEMPLATES)", path);
			CHECK_STREQ(err.buf, want.buf);
			CHECK_STREQ(out.buf, "");
		} else {
			CHECK_INTEQ(r, 0);
			CHECK_STREQ(err.buf, "");
		}
		unlink(path);
		strbuf_release(&out);
		strbuf_release(&err);
		strbuf_release(&want);
	}
	tvars_free(vars);
}

TEST(tvars)
{
	struct tvars *v = tvars_new(), *item, *inner;
	struct strbuf out = STRBUF_INIT;

	CHECK(v != NULL);
	CHECK(tvars_get(v, "x") == NULL);
	tvars_set(v, "x", "1");
	tvars_set(v, "x", "2");
	CHECK_STREQ(tvars_get(v, "x"), "2");
	tvars_set(v, "opt", NULL);
	CHECK_STREQ(tvars_get(v, "opt"), "");
	tvars_setf(v, "f", "%s-%02d", "disk", 7);
	CHECK_STREQ(tvars_get(v, "f"), "disk-07");
	tvars_set_bool(v, "b", 1);
	CHECK_STREQ(tvars_get(v, "b"), "1");
	tvars_set_bool(v, "b", 0);
	CHECK_STREQ(tvars_get(v, "b"), "");

	/* Items fall back to their parent, and may shadow it. */
	item = tvars_list_add(v, "l");
	CHECK(item != NULL);
	CHECK_STREQ(tvars_get(item, "x"), "2");
	tvars_set(item, "x", "3");
	CHECK_STREQ(tvars_get(item, "x"), "3");
	CHECK_STREQ(tvars_get(v, "x"), "2");
	inner = tvars_list_add(item, "m");
	CHECK_STREQ(tvars_get(inner, "x"), "3");
	CHECK_STREQ(tvars_get(inner, "f"), "disk-07");
	/* A list is not a value, and shadows a value further out. */
	CHECK(tvars_get(v, "l") == NULL);
	tvars_declare_list(item, "f");
	CHECK(tvars_get(inner, "f") == NULL);

	/* Rendering from an item scope also falls back to its parents. */
	CHECK_INTEQ(render_str("{{x}}{{b}}{{#m}}m{{/m}}", item, &out), 0);
	CHECK_STREQ(out.buf, "3m");

	/* Declaring keeps the items; a string replaces the whole list. */
	tvars_declare_list(v, "l");
	strbuf_reset(&out);
	CHECK_INTEQ(render_str("{{#l}}i{{/l}}", v, &out), 0);
	CHECK_STREQ(out.buf, "i");
	tvars_set(v, "l", "now a string");
	CHECK_STREQ(tvars_get(v, "l"), "now a string");
	tvars_list_add(v, "l");
	tvars_list_add(v, "l");
	CHECK(tvars_get(v, "l") == NULL);
	strbuf_reset(&out);
	CHECK_INTEQ(render_str("{{#l}}i{{/l}}", v, &out), 0);
	CHECK_STREQ(out.buf, "ii");
	tvars_declare_list(v, "x");
	CHECK(tvars_get(v, "x") == NULL);

	strbuf_release(&out);
	tvars_free(v);
	tvars_free(NULL);
}
