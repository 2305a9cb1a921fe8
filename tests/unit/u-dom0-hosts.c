/*
 * u-dom0-hosts.c: the guest's line in a hosts file: added once, byte for
 * byte beside what was there, with the file's mode; refused where another
 * entry names the guest; found and taken out again leaving the rest as
 * it was; undone by a failed build's journal. And the entries --copyhosts
 * copies into a guest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dom0-hosts.h"
#include "fsutil.h"
#include "journal.h"
#include "macros.h"
#include "strvec.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static const char dom0[] =
	"127.0.0.1\tlocalhost\n"
	"127.0.1.1\tdom0.example.org dom0\n"
	"192.0.2.9  db1.example.org db1   # the database\n"
	"# a comment\n"
	"\n"
	"::1     localhost ip6-localhost ip6-loopback\n"
	"ff02::1 ip6-allnodes\n"
	"2001:db8::9 db1-v6\n"
	"198.51.100.5 web1 web1-old\n"
	"no-newline-at-the-end";

static char *hosts_file(const char *name, const char *text)
{
	char *path = path_join(unit_scratch("u-dom0-hosts"), name);

	CHECK_INTEQ(write_file(path, text, strlen(text), 0644), 0);
	return path;
}

static char *contents(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK_INTEQ(strbuf_read_file(&sb, path), 0);
	return strbuf_detach(&sb, NULL);
}

TEST(line)
{
	char *a = dom0_hosts_line("192.0.2.5", "web2.example.org");
	char *b = dom0_hosts_line("192.0.2.6", "web3");

	CHECK_STREQ(a, "192.0.2.5\tweb2.example.org web2\t# create-image");
	CHECK_STREQ(b, "192.0.2.6\tweb3\t# create-image");
	free(a);
	free(b);
}

TEST(add_find_remove)
{
	char *path = hosts_file("hosts", dom0);
	char *line = dom0_hosts_line("192.0.2.5", "web2.example.org");
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct strvec found = STRVEC_INIT;
	struct stat st;
	char *text;

	CHECK_INTEQ(chmod(path, 0604), 0);
	CHECK_INTEQ(dom0_hosts_check(path, line, &err), 0);
	CHECK_INTEQ(dom0_hosts_add(path, line, NULL, &err), 0);
	CHECK_STREQ(err.buf, "");
	strbuf_addf(&want, "%s\n%s\n", dom0, line);
	text = contents(path);
	CHECK_STREQ(text, want.buf);
	free(text);
	CHECK_INTEQ(stat(path, &st), 0);
	CHECK_INTEQ(st.st_mode & 07777, 0604);

	/* Twice is once. */
	CHECK_INTEQ(dom0_hosts_check(path, line, &err), 1);
	CHECK_INTEQ(dom0_hosts_add(path, line, NULL, &err), 1);
	text = contents(path);
	CHECK_STREQ(text, want.buf);
	free(text);

	CHECK_INTEQ(dom0_hosts_find(path, "web2.example.org", &found, &err),
		    0);
	CHECK_INTEQ(found.nr, 1);
	if (found.nr)
		CHECK_STREQ(found.v[0], line);
	strvec_clear(&found);
	/* Not by its short name, nor another guest's. */
	CHECK_INTEQ(dom0_hosts_find(path, "web2", &found, &err), 0);
	CHECK_INTEQ(dom0_hosts_find(path, "db1.example.org", &found, &err),
		    0);
	CHECK_INTEQ(found.nr, 0);

	CHECK_INTEQ(dom0_hosts_remove(path, line, &err), 0);
	text = contents(path);
	/* The missing newline at the end is now there: nothing else. */
	strbuf_reset(&want);
	strbuf_addf(&want, "%s\n", dom0);
	CHECK_STREQ(text, want.buf);
	free(text);
	CHECK_INTEQ(dom0_hosts_remove(path, line, &err), 0);
	CHECK_STREQ(err.buf, "");

	free(line);
	free(path);
	strbuf_release(&err);
	strbuf_release(&want);
}

TEST(another_entry_names_the_guest)
{
	static const struct {
		const char *addr, *host, *want_err;
	} cases[] = {
		/* Its name elsewhere, even as an alias. */
		{ "192.0.2.7", "web1", "HOSTS:9: names 'web1' already: "
		  "'198.51.100.5 web1 web1-old'" },
		{ "192.0.2.7", "web1-old.example.org", "HOSTS:9: names "
		  "'web1-old.example.org' already: '198.51.100.5 web1 "
		  "web1-old'" },
		{ "192.0.2.7", "db1", "HOSTS:3: names 'db1' already: "
		  "'192.0.2.9  db1.example.org db1   # the database'" },
		/* The same address and name, by hand: there already. */
		{ "192.0.2.9", "db1.example.org", NULL },
	};
	char *path = hosts_file("hosts2", dom0);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		char *line = dom0_hosts_line(cases[i].addr, cases[i].host);
		int before = unit_failed_checks;

		if (cases[i].want_err) {
			CHECK_INTEQ(dom0_hosts_check(path, line, &err),
				    -EEXIST);
			/* "HOSTS" is the file's path. */
			CHECK(strstr(err.buf, strchr(cases[i].want_err, ':'))
			      != NULL);
			CHECK(!strncmp(err.buf, path, strlen(path)));
			strbuf_reset(&err);
			CHECK_INTEQ(dom0_hosts_add(path, line, NULL, &err),
				    -EEXIST);
		} else {
			CHECK_INTEQ(dom0_hosts_check(path, line, &err), 1);
		}
		if (unit_failed_checks != before)
			fprintf(stderr, "  in case %zu: %s\n", i,
				cases[i].host);
		free(line);
		strbuf_release(&err);
	}
	/* Refusals changed nothing. */
	{
		char *text = contents(path);

		CHECK_STREQ(text, dom0);
		free(text);
	}
	free(path);
}

TEST(missing_file_and_symlink)
{
	const char *top = unit_scratch("u-dom0-hosts");
	char *path = path_join(top, "none");
	char *link = path_join(top, "link");
	char *line = dom0_hosts_line("192.0.2.5", "web2");
	struct strbuf err = STRBUF_INIT;
	char *text;

	CHECK_INTEQ(dom0_hosts_add(path, line, NULL, &err), 0);
	text = contents(path);
	CHECK_STREQ(text, "192.0.2.5\tweb2\t# create-image\n");
	free(text);
	CHECK_INTEQ(symlink(path, link), 0);
	CHECK_INTEQ(dom0_hosts_remove(link, line, &err), -ELOOP);
	CHECK(strstr(err.buf, "is a symbolic link") != NULL);
	free(line);
	free(path);
	free(link);
	strbuf_release(&err);
}

/* A build that fails after adding the line takes it out again. */
TEST(journal_undoes_it)
{
	char *path = hosts_file("hosts3", dom0);
	char *line = dom0_hosts_line("192.0.2.5", "web2");
	struct journal j = JOURNAL_INIT;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *text;

	CHECK_INTEQ(dom0_hosts_add(path, line, &j, &err), 0);
	CHECK_INTEQ(j.nr, 1);
	CHECK_INTEQ(journal_finish(&j, 1, 0), 0);
	text = contents(path);
	strbuf_addf(&want, "%s\n", dom0);
	CHECK_STREQ(text, want.buf);
	free(text);
	/* Not journaled when it was there already: not ours to remove. */
	CHECK_INTEQ(dom0_hosts_add(path, line, NULL, &err), 0);
	CHECK_INTEQ(dom0_hosts_add(path, line, &j, &err), 1);
	CHECK_INTEQ(j.nr, 0);
	journal_release(&j);
	free(line);
	free(path);
	strbuf_release(&err);
	strbuf_release(&want);
}

TEST(copy)
{
	char *path = hosts_file("hosts4", dom0);
	struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
	struct strvec v = STRVEC_INIT;

	CHECK_INTEQ(dom0_hosts_copy(path, "web1.example.org", &v, &err), 0);
	for (size_t i = 0; i < v.nr; i++)
		strbuf_addf(&got, "%s\n", v.v[i]);
	/* Loopback, IPv6's own and the guest's own name are not copied. */
	CHECK_STREQ(got.buf,
		    "192.0.2.9\tdb1.example.org db1\n"
		    "2001:db8::9\tdb1-v6\n");
	CHECK_INTEQ(dom0_hosts_copy("/nonexistent/hosts", "x", &v, &err),
		    -ENOENT);
	strvec_clear(&v);
	free(path);
	strbuf_release(&err);
	strbuf_release(&got);
}
