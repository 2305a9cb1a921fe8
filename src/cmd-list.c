/*
 * cmd-list.c: list-images. One row per guest create-image built, from the
 * manifests in STATEDIR/guests, as a table or as one JSON document.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "macros.h"
#include "manifest.h"
#include "parse.h"
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

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min, c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		min = 0x80;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		min = 0x800;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		min = 0x10000;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

/*
 * s as a JSON string: quotes, backslashes and control characters escaped
 * (the latter as \u00XX), UTF-8 passed through, and a byte that is not
 * part of valid UTF-8 replaced by U+FFFD, so the document always parses.
 * NULL is null.
 */
static void json_string(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		strbuf_addstr(out, "null");
		return;
	}
	n = strlen(s);
	strbuf_addch(out, '"');
	while (n) {
		size_t len = utf8_len(p, n);

		if (!len) {
			strbuf_addstr(out, "\\ufffd");
			len = 1;
		} else if (*p == '"' || *p == '\\') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addf(out, "\\u%04x", *p);
		} else {
			strbuf_add(out, p, len);
		}
		p += len;
		n -= len;
	}
	strbuf_addch(out, '"');
}

/* "" is null in the JSON form: the manifest's way of saying "none". */
static void json_opt_string(struct strbuf *out, const char *s)
{
	json_string(out, s && *s ? s : NULL);
}

static void json_key(struct strbuf *out, int indent, const char *key,
		     int first)
{
	strbuf_addf(out, "%s\n%*s\"%s\": ", first ? "" : ",", indent, "", key);
}

static void json_disks(struct strbuf *out, const struct manifest *m)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < m->ndisks; i++) {
		const struct manifest_disk *d = &m->disks[i];

		strbuf_addf(out, "%s\n        {", i ? "," : "");
		json_key(out, 10, "vdev", 1);
		json_string(out, d->vdev);
		json_key(out, 10, "path", 0);
		json_string(out, d->path);
		json_key(out, 10, "format", 0);
		json_string(out, d->format);
		json_key(out, 10, "size", 0);
		strbuf_addf(out, "%llu", (unsigned long long)d->size);
		json_key(out, 10, "lv", 0);
		json_opt_string(out, d->lv);
		json_key(out, 10, "owned", 0);
		strbuf_addstr(out, d->owned ? "true" : "false");
		strbuf_addstr(out, "\n        }");
	}
	strbuf_addstr(out, m->ndisks ? "\n      ]" : "]");
}

static void json_filesystems(struct strbuf *out, const struct manifest *m)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < m->nfss; i++) {
		const struct manifest_fs *f = &m->fss[i];

		strbuf_addf(out, "%s\n        {", i ? "," : "");
		json_key(out, 10, "mountpoint", 1);
		json_opt_string(out, f->mountpoint);
		json_key(out, 10, "type", 0);
		json_string(out, f->type);
		json_key(out, 10, "size", 0);
		strbuf_addf(out, "%llu", (unsigned long long)f->size);
		json_key(out, 10, "uuid", 0);
		json_string(out, f->uuid);
		json_key(out, 10, "disk", 0);
		json_string(out, f->disk);
		json_key(out, 10, "partition", 0);
		strbuf_addf(out, "%u", f->partition);
		strbuf_addstr(out, "\n        }");
	}
	strbuf_addstr(out, m->nfss ? "\n      ]" : "]");
}

/* The key order here is the documented one (list-images(8)). */
static void json_guest(struct strbuf *out, const struct manifest *m)
{
	strbuf_addstr(out, "    {");
	json_key(out, 6, "hostname", 1);
	json_string(out, m->hostname);
	json_key(out, 6, "dist", 0);
	json_string(out, m->dist);
	json_key(out, 6, "arch", 0);
	json_string(out, m->arch);
	json_key(out, 6, "created", 0);
	json_string(out, m->created);
	json_key(out, 6, "memory", 0);
	strbuf_addf(out, "%llu", (unsigned long long)m->memory);
	json_key(out, 6, "vcpus", 0);
	strbuf_addf(out, "%u", m->vcpus);
	json_key(out, 6, "mac", 0);
	json_string(out, m->mac);
	json_key(out, 6, "dhcp", 0);
	strbuf_addstr(out, m->dhcp ? "true" : "false");
	json_key(out, 6, "ips", 0);
	strbuf_addch(out, '[');
	for (size_t i = 0; i < m->ips.nr; i++) {
		if (i)
			strbuf_addstr(out, ", ");
		json_string(out, m->ips.v[i]);
	}
	strbuf_addch(out, ']');
	json_key(out, 6, "storage", 0);
	json_string(out, m->storage);
	json_key(out, 6, "layout", 0);
	json_string(out, m->layout);
	json_key(out, 6, "dir", 0);
	json_opt_string(out, m->dir);
	json_key(out, 6, "vg", 0);
	json_opt_string(out, m->vg);
	json_key(out, 6, "config", 0);
	json_string(out, m->config);
	json_key(out, 6, "disks", 0);
	json_disks(out, m);
	json_key(out, 6, "filesystems", 0);
	json_filesystems(out, m);
	strbuf_addstr(out, "\n    }");
}

static void list_json(const struct manifest *all, size_t n,
		      struct strbuf *out)
{
	strbuf_addf(out, "{\n  \"version\": %d,\n  \"guests\": [",
		    LIST_JSON_VERSION);
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(out, i ? ",\n" : "\n");
		json_guest(out, &all[i]);
	}
	strbuf_addstr(out, n ? "\n  ]\n}\n" : "]\n}\n");
}

enum column {
	COL_NAME, COL_DIST, COL_MEMORY, COL_VCPUS, COL_STORAGE, COL_DISKS,
	COL_MAC, COL_ADDRESSES, _COL_MAX,
};

static const char *const headers[_COL_MAX] = {
	"NAME", "DIST", "MEMORY", "VCPUS", "STORAGE", "DISKS", "MAC",
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
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
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
			error("unknown option '%s' (see --help)",
			      argv[optind - 1]);
			return 2;
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
