/*
 * u-export.c: the dpkg status reader, the packages.json it becomes, and
 * the checks on an export's format and output file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpkg-status.h"
#include "export.h"
#include "export-format.h"
#include "fsutil.h"
#include "macros.h"
#include "manifest.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

static const char status[] =
	"Package: zlib1g\n"
	"Status: install ok installed\n"
	"Priority: optional\n"
	"Architecture: amd64\n"
	"Multi-Arch: same\n"
	"Version: 1:1.2.13.dfsg-1\n"
	"Description: compression library - runtime\n"
	" zlib is a library implementing the deflate compression method\n"
	" .\n"
	" This package includes the shared library.\n"
	"\n"
	"Package: linux-image-cloud-amd64\n"
	"Status: install ok installed\n"
	"Architecture: amd64\n"
	"Version: 6.1.119-1\n"
	"Depends: linux-image-6.1.0-28-cloud-amd64 (= 6.1.119-1)\n"
	"\n"
	"Package: oldpkg\n"
	"Status: deinstall ok config-files\n"
	"Architecture: all\n"
	"Version: 1.0\n"
	"\n"
	"Package: zlib1g\n"
	"Status: hold ok installed\n"
	"Architecture: i386\n"
	"Version: 1:1.2.13.dfsg-1\n"
	"\n"
	"\n"
	"Package: half\n"
	"Status: install ok half-configured\n"
	"Architecture: amd64\n"
	"Version: 2\n"
	"\n"
	"package: base-files\n"
	"status: install ok installed\n"
	"architecture: amd64\n"
	"version:   12.4+deb12u8  \n";

TEST(status_installed_only_sorted)
{
	struct strbuf err = STRBUF_INIT;
	struct dpkg_package *p = NULL;
	size_t n = 0;

	CHECK_INTEQ(dpkg_status_parse(status, strlen(status), &p, &n, &err),
		    0);
	CHECK_INTEQ(n, 4);
	if (n == 4) {
		CHECK_STREQ(p[0].name, "base-files");
		CHECK_STREQ(p[0].version, "12.4+deb12u8");
		CHECK_STREQ(p[1].name, "linux-image-cloud-amd64");
		CHECK_STREQ(p[1].version, "6.1.119-1");
		CHECK_STREQ(p[1].arch, "amd64");
		CHECK_STREQ(p[2].name, "zlib1g");
		CHECK_STREQ(p[2].arch, "amd64");
		CHECK_STREQ(p[2].version, "1:1.2.13.dfsg-1");
		CHECK_STREQ(p[3].name, "zlib1g");
		CHECK_STREQ(p[3].arch, "i386");
	}
	dpkg_packages_free(p, n);
	CHECK_INTEQ(dpkg_status_parse("", 0, &p, &n, &err), 0);
	CHECK_INTEQ(n, 0);
	dpkg_packages_free(p, n);
	strbuf_release(&err);
}

TEST(status_bad)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "Status: install ok installed\nVersion: 1\n",
		  "1: a stanza without Package" },
		{ "Package: a\nStatus: install ok installed\n"
		  "Architecture: all\n", "1: a stanza without Version" },
		{ "Package: a\nStatus: install ok installed\nVersion: 1\n"
		  "Architecture: all\n\n"
		  "Package: b\nStatus: install ok installed\nVersion: 1\n",
		  "6: a stanza without Architecture" },
		/* Removed packages need no version. */
		{ "Package: a\nStatus: purge ok not-installed\n\n"
		  "Version: 1\n", "4: a stanza without Package" },
		{ "Package: a\nno colon here\n",
		  "2: not a 'Field: value' line" },
		{ ": empty name\n", "1: not a 'Field: value' line" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf err = STRBUF_INIT;
		struct dpkg_package *p = (struct dpkg_package *)&err;
		size_t n = 7;

		CHECK_INTEQ(dpkg_status_parse(cases[i].text,
					      strlen(cases[i].text), &p, &n,
					      &err), -EINVAL);
		CHECK_STREQ(err.buf, cases[i].err);
		/* untouched on failure */
		CHECK(p == (struct dpkg_package *)&err);
		CHECK_INTEQ(n, 7);
		strbuf_release(&err);
	}
}

TEST(packages_json)
{
	struct dpkg_package p[] = {
		{ "linux-image-cloud-amd64", "6.1.119-1", "amd64" },
		{ "tzdata", "2024a-0+deb12u1", "all" },
	};
	struct strbuf out = STRBUF_INIT;
	struct manifest m;

	manifest_init(&m);
	m.hostname = xstrdup("web1");
	m.dist = xstrdup("bookworm");
	m.arch = xstrdup("amd64");
	m.created = xstrdup("2026-11-25T10:00:00Z");
	strvec_push(&m.settings, "dist=bookworm");
	strvec_push(&m.settings, "size=2147483648");
	strvec_push(&m.settings, "generalize=1");
	export_packages_json(&out, &m, EXPORT_QCOW2, p, 2);
	CHECK_STREQ(out.buf,
		    "{\n"
		    "  \"version\": 1,\n"
		    "  \"hostname\": \"web1\",\n"
		    "  \"format\": \"qcow2\",\n"
		    "  \"dist\": \"bookworm\",\n"
		    "  \"arch\": \"amd64\",\n"
		    "  \"created\": \"2026-11-25T10:00:00Z\",\n"
		    "  \"archive\": null,\n"
		    "  \"base\": null,\n"
		    "  \"settings\": {\n"
		    "    \"dist\": \"bookworm\",\n"
		    "    \"size\": \"2147483648\",\n"
		    "    \"generalize\": \"1\"\n"
		    "  },\n"
		    "  \"packages\": [\n"
		    "    {\n"
		    "      \"name\": \"linux-image-cloud-amd64\",\n"
		    "      \"version\": \"6.1.119-1\",\n"
		    "      \"architecture\": \"amd64\"\n"
		    "    },\n"
		    "    {\n"
		    "      \"name\": \"tzdata\",\n"
		    "      \"version\": \"2024a-0+deb12u1\",\n"
		    "      \"architecture\": \"all\"\n"
		    "    }\n"
		    "  ]\n"
		    "}\n");
	strbuf_reset(&out);
	m.archive = xstrdup("bookworm@2026-07-11T10:16:37Z@abc");
	m.base = xstrdup("bookworm-amd64-0123456789ab");
	export_packages_json(&out, &m, EXPORT_RAW, NULL, 0);
	CHECK(strstr(out.buf, "\"archive\": \"bookworm@2026-07-11T10:16:37Z"
			      "@abc\",\n"
			      "  \"base\": \"bookworm-amd64-0123456789ab\",\n")
	      != NULL);
	CHECK(strstr(out.buf, "\"packages\": []\n") != NULL);
	manifest_release(&m);
	strbuf_release(&out);
}

TEST(formats)
{
	static const struct {
		const char *s;
		int f;
	} names[] = {
		{ "raw", EXPORT_RAW }, { "qcow2", EXPORT_QCOW2 },
		{ "tar.zst", EXPORT_TAR_ZST }, { "tar", -EINVAL },
		{ "RAW", -EINVAL }, { "", -EINVAL }, { "vmdk", -EINVAL },
	}, paths[] = {
		{ "/x/a.img", EXPORT_RAW }, { "a.raw", EXPORT_RAW },
		{ "/x/a.qcow2", EXPORT_QCOW2 },
		{ "/x/a.tar.zst", EXPORT_TAR_ZST }, { "/x/a.tar", -EINVAL },
		{ "/x/a.zst", -EINVAL }, { ".qcow2", -EINVAL },
		{ "/x/a", -EINVAL },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INTEQ(export_format_from_string(names[i].s), names[i].f);
		if (names[i].f >= 0)
			CHECK_STREQ(export_format_name(names[i].f),
				    names[i].s);
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		CHECK_INTEQ(export_format_from_path(paths[i].s), paths[i].f);
}

TEST(check_output)
{
	char *dir = path_join(getenv("TMPDIR") && *getenv("TMPDIR") ?
			      getenv("TMPDIR") : "/tmp", "u-export.XXXXXX");
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	char *img, *sum, *missing;

	CHECK(mkdtemp(dir) != NULL);
	img = path_join(dir, "a.img");
	sum = path_join(dir, "b.img.sha256");
	missing = path_join(dir, "no/a.img");
	CHECK_INTEQ(export_check_output(img, 0, &err), 0);
	CHECK_INTEQ(write_string(img, "x", 0644), 0);
	CHECK_INTEQ(export_check_output(img, 0, &err), -EEXIST);
	strbuf_addf(&sb, "'%s' already exists (--force replaces it)", img);
	CHECK_STREQ(err.buf, sb.buf);
	strbuf_reset(&err);
	CHECK_INTEQ(export_check_output(img, 1, &err), 0);

	/* A file beside it counts as much as the export itself. */
	CHECK_INTEQ(write_string(sum, "x", 0644), 0);
	*strrchr(sum, '.') = '\0';
	CHECK_INTEQ(export_check_output(sum, 0, &err), -EEXIST);
	strbuf_reset(&err);
	CHECK_INTEQ(export_check_output(missing, 0, &err), -ENOENT);
	strbuf_reset(&err);
	CHECK_INTEQ(export_check_output(dir, 1, &err), -EISDIR);
	strbuf_reset(&err);

	CHECK_INTEQ(rm_rf(dir), 0);
	free(img);
	free(sum);
	free(missing);
	free(dir);
	strbuf_release(&err);
	strbuf_release(&sb);
}
