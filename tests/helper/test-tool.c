/*
 * test-tool.c: internals exposed to the shell tests, as git's t/helper
 * does. "test-tool xlcfg-check FILE" parses an xl.cfg with libxlutil
 * exactly as create-image does before reporting success. The lvm-*
 * subcommands call lvm.h on real volume groups (see lvm_usage below).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "lvm.h"
#include "macros.h"
#include "manifest.h"
#include "report.h"
#include "strbuf.h"
#include "xlcfg.h"

static const char lvm_usage[] =
	"   or: test-tool lvm-dm\n"
	"   or: test-tool lvm-vg-info VG\n"
	"   or: test-tool lvm-exists VG LV\n"
	"   or: test-tool lvm-create VG LV EXTENTS [TAG...]\n"
	"   or: test-tool lvm-remove VG LV\n"
	"   or: test-tool lvm-rename VG LV NEW\n"
	"   or: test-tool lvm-location VG LV\n"
	"   or: test-tool lvm-list [VG|- [TAG]]\n";

static int usage(void)
{
	fprintf(stderr, "usage: test-tool xlcfg-check FILE\n"
		"   or: test-tool events\n%s", lvm_usage);
	return 2;
}

/*
 * "test-tool events": every kind of JSON event create-image writes, each
 * stage in each state and each status of a guest, through the code that
 * writes them, with strings that need escaping, for the shell tests to
 * hold against the documented shape.
 */
static const char tricky[] = "say \"no\"\\ \t\n\x01 \xff caf\xc3\xa9";

static void add_record(struct manifest *m, const char *host)
{
	struct manifest_disk *d;
	struct manifest_fs *f;

	m->hostname = strdup(host);
	m->dist = strdup("bookworm");
	m->arch = strdup("amd64");
	m->config = strdup("/etc/xen/odd \"name\".cfg");
	m->mac = strdup("00:16:3e:00:00:01");
	strvec_push(&m->ips, "192.0.2.10/24");
	m->memory = 256ULL << 20;
	m->vcpus = 1;
	m->pool = strdup("lab");
	d = manifest_add_disk(m);
	d->vdev = strdup("xvda2");
	d->path = strdup(tricky);
	d->format = strdup("raw");
	d->size = 4ULL << 30;
	d->owned = 1;
	f = manifest_add_fs(m);
	f->mountpoint = strdup("/");
	f->type = strdup("ext4");
	f->size = 4ULL << 30;
	f->uuid = strdup("");
	f->disk = strdup("xvda2");
}

static int cmd_events(void)
{
	static const enum outcome_status kinds[] = {
		OUTCOME_BUILT, OUTCOME_EXISTS, OUTCOME_DIFFERS,
		OUTCOME_FAILED, OUTCOME_PLANNED,
	};
	struct strvec diffs = STRVEC_INIT;
	struct report rep;
	struct build b;

	strvec_pushl(&diffs, "size", tricky, NULL);
	build_init(&b, NULL, NULL);
	strvec_pushl(&b.fingerprints, "(ED25519) 256 SHA256:abc",
		     "(RSA) 3072 SHA256:def", NULL);
	b.password = strdup(tricky);
	b.boot.kernel_version = strdup("6.1.0-13-amd64");
	b.started = 1;
	report_begin(&rep, REPORT_FLEET, 1, 0, "fleet", ARRAY_SIZE(kinds));
	for (size_t i = 0; build_stage_name(i); i++) {
		struct build_event ev = {
			.hostname = "g-built",
			.stage = build_stage_name(i),
			.title = tricky,
			.elapsed = 0.25,
			.message = tricky,
		};

		for (ev.kind = BUILD_STAGE_STARTED; ev.kind <= BUILD_FAILED;
		     ev.kind++)
			report_stage(&rep, &ev);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct strbuf json = STRBUF_INIT, name = STRBUF_INIT;
		struct manifest m;
		struct outcome o = {
			.status = kinds[i],
			.error = kinds[i] == OUTCOME_FAILED ? tricky : NULL,
			.differences = kinds[i] == OUTCOME_DIFFERS ? &diffs :
								      NULL,
			.log = "/var/log/create-image/g.log",
		};

		strbuf_addf(&name, "g-%s", outcome_status_name(kinds[i]));
		o.hostname = name.buf;
		manifest_init(&m);
		add_record(&m, name.buf);
		report_guest_json(&json, &o, &m,
				  kinds[i] == OUTCOME_BUILT ? &b : NULL);
		o.json = json.buf;
		report_outcome(&rep, &o);
		manifest_release(&m);
		strbuf_release(&json);
		strbuf_release(&name);
	}
	strvec_clear(&diffs);
	build_release(&b);
	return report_end(&rep) < 0;
}

/*
 * Each prints what it found on stdout, one parseable line per item:
 *
 *   lvm-dm        "1" or "0"
 *   lvm-vg-info   "EXTENT_SIZE FREE_EXTENTS"
 *   lvm-exists    "1" or "0"
 *   lvm-location  "PV OFFSET LENGTH" (bytes)
 *   lvm-list      "VG LV SIZE ACTIVE TAG,TAG" (tags "-" when none)
 *
 * On failure: "test-tool: REASON (ENAME)" on stderr, exit 1. The process
 * umask and locale must come back unchanged from the library, or that is
 * a failure too.
 */
static int cmd_lvm(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, locale = STRBUF_INIT;
	const char *cmd = argv[0];
	int r = 0;

	umask(022);
	strbuf_addstr(&locale, setlocale(LC_ALL, NULL));
	if (!strcmp(cmd, "lvm-dm") && argc == 1) {
		printf("%d\n", lvm_dm_available());
	} else if (!strcmp(cmd, "lvm-vg-info") && argc == 2) {
		struct lvm_vg_info vg;

		r = lvm_vg_info(argv[1], &vg, &err);
		if (r >= 0)
			printf("%llu %llu\n",
			       (unsigned long long)vg.extent_size,
			       (unsigned long long)vg.free_extents);
	} else if (!strcmp(cmd, "lvm-exists") && argc == 3) {
		r = lvm_lv_exists(argv[1], argv[2], &err);
		if (r >= 0)
			printf("%d\n", r);
	} else if (!strcmp(cmd, "lvm-create") && argc >= 4) {
		char *end;
		unsigned long long n = strtoull(argv[3], &end, 10);

		if (*end || !*argv[3]) {
			fprintf(stderr, "test-tool: bad extent count '%s'\n",
				argv[3]);
			return 2;
		}
		r = lvm_lv_create(argv[1], argv[2], n,
				  (const char *const *)argv + 4, &err);
	} else if (!strcmp(cmd, "lvm-remove") && argc == 3) {
		r = lvm_lv_remove(argv[1], argv[2], &err);
	} else if (!strcmp(cmd, "lvm-rename") && argc == 4) {
		r = lvm_lv_rename(argv[1], argv[2], argv[3], &err);
	} else if (!strcmp(cmd, "lvm-location") && argc == 3) {
		uint64_t offset, length;
		char *pv;

		r = lvm_lv_location(argv[1], argv[2], &pv, &offset, &length,
				    &err);
		if (r >= 0) {
			printf("%s %llu %llu\n", pv,
			       (unsigned long long)offset,
			       (unsigned long long)length);
			free(pv);
		}
	} else if (!strcmp(cmd, "lvm-list") && argc <= 3) {
		const char *vg = argc > 1 && strcmp(argv[1], "-") ? argv[1]
								 : NULL;
		struct lvm_lv *lvs;
		size_t n;

		r = lvm_lv_list(vg, argc > 2 ? argv[2] : NULL, &lvs, &n,
				&err);
		for (size_t i = 0; r >= 0 && i < n; i++) {
			printf("%s %s %llu %d ", lvs[i].vg, lvs[i].name,
			       (unsigned long long)lvs[i].size,
			       lvs[i].active);
			if (!lvs[i].tags[0])
				fputs("-", stdout);
			for (size_t t = 0; lvs[i].tags[t]; t++)
				printf("%s%s", t ? "," : "", lvs[i].tags[t]);
			putchar('\n');
		}
		if (r >= 0)
			lvm_lv_list_free(lvs, n);
	} else {
		return usage();
	}
	lvm_close();
	if (r < 0)
		fprintf(stderr, "test-tool: %s (%s)\n", err.buf,
			strerrorname_np(-r));
	strbuf_release(&err);
	if (umask(022) != 022) {
		fprintf(stderr, "test-tool: the umask was changed\n");
		return 1;
	}
	if (strcmp(setlocale(LC_ALL, NULL), locale.buf)) {
		fprintf(stderr, "test-tool: the locale was changed to '%s'\n",
			setlocale(LC_ALL, NULL));
		return 1;
	}
	strbuf_release(&locale);
	if (fflush(stdout)) {
		perror("test-tool: stdout");
		return 1;
	}
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	if (argc >= 2 && !strncmp(argv[1], "lvm-", 4))
		return cmd_lvm(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "events"))
		return cmd_events();
	if (argc != 3 || strcmp(argv[1], "xlcfg-check"))
		return usage();
	r = xlcfg_check_file(argv[2], &err);
	if (r < 0)
		fprintf(stderr, "test-tool: %s\n", err.buf);
	strbuf_release(&err);
	return r < 0 ? 1 : 0;
}
