/*
 * cmd-list.c: list-images. One row per guest create-image built, from the
 * manifests in STATEDIR/guests, as a table or as one JSON document.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-common.h"
#include "commands.h"
#include "json.h"
#include "log.h"
#include "macros.h"
#include "manifest.h"
#include "parse.h"
#include "report.h"
#include "strbuf.h"
#include "strvec.h"
#include "banned.h"

#ifndef VERSION
#define VERSION "0"
#endif

/* The version of the JSON document; fields are only ever added to it. */
#define LIST_JSON_VERSION 1

static const char usage[] =
	"usage: list-images [--json]\n"
	"\n"
	"List the guests create-image built, from their manifests.\n"
	"\n"
	"      --json     one JSON document with every recorded field\n"
	"      --help     show this help and exit\n"
	"      --version  show the version and exit\n";

/* The key order here is the documented one (list-images(8)). */
static void guest_json(struct json_writer *w, const struct manifest *m)
{
	json_object_begin(w);
	json_kv_string(w, "hostname", m->hostname);
	json_kv_string(w, "dist", m->dist);
	json_kv_string(w, "arch", m->arch);
	json_kv_string(w, "created", m->created);
	json_kv_uint(w, "memory", m->memory);
	json_kv_uint(w, "vcpus", m->vcpus);
	json_kv_string(w, "mac", m->mac);
	json_kv_bool(w, "dhcp", m->dhcp);
	json_kv_strvec(w, "ips", &m->ips);
	json_kv_string(w, "storage", m->storage);
	json_kv_string(w, "layout", m->layout);
	json_kv_nonempty(w, "dir", m->dir);
	json_kv_nonempty(w, "vg", m->vg);
	json_kv_string(w, "config", m->config);
	manifest_json_disks(w, m);
	manifest_json_filesystems(w, m);
	json_kv_nonempty(w, "pool", m->pool);
	report_json_archive(w, m->archive);
	json_kv_nonempty(w, "base", m->base);
	json_kv_nonempty(w, "backing", m->backing);
	json_object_end(w);
}

static void list_json(const struct manifest *all, size_t n,
		      struct strbuf *out)
{
	struct json_writer w;

	json_writer_init(&w, out, JSON_PRETTY);
	json_object_begin(&w);
	json_kv_int(&w, "version", LIST_JSON_VERSION);
	json_key(&w, "guests");
	json_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		guest_json(&w, &all[i]);
	json_array_end(&w);
	json_object_end(&w);
}

enum column {
	COL_NAME, COL_DIST, COL_MEMORY, COL_VCPUS, COL_SIZE, COL_STORAGE,
	COL_DISKS,
	COL_MAC, COL_ADDRESSES, _COL_MAX,
};

static const char *const headers[_COL_MAX] = {
	"NAME", "DIST", "MEMORY", "VCPUS", "SIZE", "STORAGE", "DISKS", "MAC",
	"ADDRESSES",
};

/* One row's cells; an empty cell shows as "-" so columns stay split. */
static void row_cells(const struct manifest *m, struct strvec *cells)
{
	struct strbuf sb = STRBUF_INIT;
	char size[32];

	strvec_push(cells, m->hostname);
	strvec_push(cells, m->dist);
	format_size(m->memory, size, sizeof(size));
	strvec_push(cells, size);
	strvec_pushf(cells, "%u", m->vcpus);
	/* The root file system's volume: what --size set (or resize-image
	 * grew it to). */
	size[0] = '\0';
	for (size_t i = 0; i < m->nfss; i++)
		if (m->fss[i].mountpoint && streq(m->fss[i].mountpoint, "/"))
			format_size(m->fss[i].size, size, sizeof(size));
	strvec_push(cells, size);
	strvec_push(cells, m->storage);
	for (size_t i = 0; i < m->ndisks; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", m->disks[i].path);
	strvec_push(cells, sb.buf);
	strbuf_reset(&sb);
	strvec_push(cells, m->mac);
	if (m->dhcp)
		strbuf_addstr(&sb, "dhcp");
	for (size_t i = 0; i < m->ips.nr; i++)
		strbuf_addf(&sb, "%s%s", sb.len ? "," : "", m->ips.v[i]);
	strvec_push(cells, sb.buf);
	strbuf_release(&sb);
	for (size_t i = 0; i < cells->nr; i++) {
		if (!*cells->v[i]) {
			free((char *)cells->v[i]);
			cells->v[i] = xstrdup("-");
		}
	}
}

static void add_row(struct strbuf *out, const char *const *cells,
		    const size_t *width)
{
	for (size_t c = 0; c < _COL_MAX; c++) {
		if (c + 1 == _COL_MAX)
			strbuf_addf(out, "%s\n", cells[c]);
		else
			strbuf_addf(out, "%-*s  ", (int)width[c], cells[c]);
	}
}

/* A header and aligned columns; nothing at all when there are no guests,
 * so "no output" means "no guests", as with ls. */
static void list_text(const struct manifest *all, size_t n,
		      struct strbuf *out)
{
	struct strvec *rows;
	size_t width[_COL_MAX];

	if (!n)
		return;
	rows = xcalloc(n, sizeof(*rows));
	for (size_t c = 0; c < _COL_MAX; c++)
		width[c] = strlen(headers[c]);
	for (size_t i = 0; i < n; i++) {
		strvec_init(&rows[i]);
		row_cells(&all[i], &rows[i]);
		for (size_t c = 0; c < _COL_MAX; c++)
			if (strlen(rows[i].v[c]) > width[c])
				width[c] = strlen(rows[i].v[c]);
	}
	add_row(out, headers, width);
	for (size_t i = 0; i < n; i++) {
		add_row(out, rows[i].v, width);
		strvec_clear(&rows[i]);
	}
	free(rows);
}

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct manifest *all = NULL;
	size_t n = 0;
	int json = 0, c, r, status = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'j':
			json = 1;
			break;
		case 'V':
			printf("list-images %s\n", VERSION);
			return 0;
		default:
			return cmd_option_error(c, argv);
		}
	}
	if (optind < argc) {
		error("unexpected argument '%s'", argv[optind]);
		return 2;
	}

	r = manifest_read_all(&all, &n, &err);
	if (r < 0) {
		error("%s", err.buf);
		strbuf_release(&err);
		return 1;
	}
	if (r > 0) {
		struct strvec lines = STRVEC_INIT;

		/* The others are still worth listing; the status says the
		 * list is incomplete. */
		strvec_split(&lines, err.buf, "\n");
		for (size_t i = 0; i < lines.nr; i++)
			warning("skipping a damaged manifest: %s",
				lines.v[i]);
		strvec_clear(&lines);
		status = 1;
	}
	if (json)
		list_json(all, n, &out);
	else
		list_text(all, n, &out);
	fputs(out.buf, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(-errno, "cannot write to standard output: %m");
		status = 1;
	}
	manifest_free_all(all, n);
	strbuf_release(&out);
	strbuf_release(&err);
	return status;
}
