/* report.c: see report.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive-state.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "macros.h"
#include "paths.h"
#include "report.h"
#include "banned.h"

static const char *const status_names[_OUTCOME_MAX] = {
	[OUTCOME_BUILT] = "built",
	[OUTCOME_EXISTS] = "exists",
	[OUTCOME_DIFFERS] = "differs",
	[OUTCOME_FAILED] = "failed",
	[OUTCOME_PLANNED] = "planned",
};

const char *outcome_status_name(enum outcome_status s)
{
	return s < _OUTCOME_MAX ? status_names[s] : NULL;
}

/* "ED25519 256 SHA256:..." as the summary shows it, taken apart. */
static void json_fingerprints(struct json_writer *w, const struct strvec *fp)
{
	json_key(w, "fingerprints");
	json_array_begin(w);
	for (size_t i = 0; fp && i < fp->nr; i++) {
		struct strvec f = STRVEC_INIT;

		strvec_split(&f, fp->v[i], " ");
		if (f.nr == 3) {
			/* ssh-keygen -l says "(ED25519)". */
			char *type = xstrndup(f.v[0] + (f.v[0][0] == '('),
					      strcspn(f.v[0] + (f.v[0][0] ==
								 '('), ")"));

			json_object_begin(w);
			json_kv_string(w, "type", type);
			free(type);
			json_kv_uint(w, "bits", strtoull(f.v[1], NULL, 10));
			json_kv_string(w, "fingerprint", f.v[2]);
			json_object_end(w);
		}
		strvec_clear(&f);
	}
	json_array_end(w);
}

/* The addresses without their prefix length, for scripts to use as is. */
static void json_addresses(struct json_writer *w, const struct manifest *m)
{
	json_key(w, "addresses");
	json_array_begin(w);
	for (size_t i = 0; m && i < m->ips.nr; i++) {
		const char *ip = m->ips.v[i];
		char *addr = xstrndup(ip, strcspn(ip, "/"));

		json_string(w, addr);
		free(addr);
	}
	json_array_end(w);
}

void report_json_archive(struct json_writer *w, const char *state)
{
	struct archive_state st = { 0 };

	json_key(w, "archive");
	if (!state || !*state || archive_state_parse(state, &st) < 0) {
		json_null(w);
		return;
	}
	json_array_begin(w);
	for (size_t i = 0; i < st.nr; i++) {
		char when[32];
		struct tm tm;

		gmtime_r(&st.v[i].date, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_begin(w);
		json_kv_string(w, "suite", st.v[i].suite);
		json_kv_string(w, "date", when);
		json_kv_string(w, "sha256", st.v[i].sha256);
		json_object_end(w);
	}
	json_array_end(w);
	archive_state_release(&st);
}

void report_guest_json(struct strbuf *out, const struct outcome *o,
		       const struct manifest *m, const struct build *b)
{
	struct json_writer w;
	int built = o->status == OUTCOME_BUILT;
	struct strbuf activate = STRBUF_INIT;

	json_writer_init(&w, out, JSON_COMPACT);
	json_object_begin(&w);
	json_kv_string(&w, "event", "guest");
	json_kv_string(&w, "hostname", o->hostname);
	json_kv_string(&w, "status", outcome_status_name(o->status));
	json_kv_string(&w, "config", m ? m->config : NULL);
	json_kv_string(&w, "mac", m ? m->mac : NULL);
	json_addresses(&w, m);
	json_kv_string(&w, "error", o->error);
	if (m)
		json_kv_strvec(&w, "ips", &m->ips);
	json_kv_bool(&w, "dhcp", m && m->dhcp);
	json_kv_string(&w, "pool", m ? m->pool : NULL);
	json_kv_string(&w, "dist", m ? m->dist : NULL);
	json_kv_string(&w, "arch", m ? m->arch : NULL);
	if (m) {
		json_kv_uint(&w, "memory", m->memory);
		json_kv_uint(&w, "vcpus", m->vcpus);
	}
	/* A failed build's disks are gone again. */
	if (m && o->status != OUTCOME_FAILED) {
		manifest_json_disks(&w, m);
		manifest_json_filesystems(&w, m);
	}
	json_fingerprints(&w, built && b ? &b->fingerprints : NULL);
	json_kv_string(&w, "password", built && b ? b->password : NULL);
	json_kv_string(&w, "kernel", built && b ? b->boot.kernel_version :
					   NULL);
	report_json_archive(&w, m ? m->archive : NULL);
	if (built && b && b->st.ndisks && b->st.disks[0].inactive)
		strbuf_addf(&activate, "lvchange -ay --select "
			    "'lv_tags=create-image:%s' %s", o->hostname,
			    b->g.vg);
	json_kv_string(&w, "activate", activate.len ? activate.buf : NULL);
	if (o->differences)
		json_kv_strvec(&w, "differences", o->differences);
	else
		json_kv_strvec(&w, "differences", &(struct strvec)STRVEC_INIT);
	json_kv_string(&w, "log", o->log);
	if (b && b->started > 0)
		json_kv_double(&w, "elapsed", clock_seconds() - b->started, 3);
	else
		json_kv_null(&w, "elapsed");
	json_object_end(&w);
	strbuf_release(&activate);
}

/* The three sinks: each gets every event and does its part. */
struct sink {
	void (*begin)(struct report *r, const char *command);
	void (*stage)(struct report *r, const struct build_event *ev);
	void (*outcome)(struct report *r, const struct outcome *o);
	void (*end)(struct report *r);
};

/* Data to stdout, in one piece; the live view steps aside meanwhile. */
static void to_stdout(struct report *r, const char *s, size_t len)
{
	progress_hide(r->view);
	if (fwrite(s, 1, len, stdout) != len || fflush(stdout) != 0)
		r->stdout_failed = 1;
	progress_show(r->view);
}

static void json_line(struct report *r, struct strbuf *sb)
{
	to_stdout(r, sb->buf, sb->len);
	strbuf_reset(sb);
}

static void json_begin(struct report *r, const char *command)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	json_writer_init(&w, &sb, JSON_COMPACT);
	json_object_begin(&w);
	json_kv_string(&w, "event", "start");
	json_kv_int(&w, "version", REPORT_JSON_VERSION);
	json_kv_string(&w, "command", command);
	json_kv_uint(&w, "guests", r->total);
	json_object_end(&w);
	json_line(r, &sb);
	strbuf_release(&sb);
}

static void json_stage(struct report *r, const struct build_event *ev)
{
	static const char *const states[] = {
		[BUILD_STAGE_STARTED] = "started",
		[BUILD_STAGE_FINISHED] = "finished",
		[BUILD_FAILED] = "failed",
	};
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	json_writer_init(&w, &sb, JSON_COMPACT);
	json_object_begin(&w);
	json_kv_string(&w, "event", "stage");
	json_kv_string(&w, "hostname", ev->hostname);
	json_kv_string(&w, "stage", ev->stage);
	json_kv_string(&w, "state", states[ev->kind]);
	if (ev->kind == BUILD_STAGE_FINISHED)
		json_kv_double(&w, "elapsed", ev->elapsed, 3);
	if (ev->kind == BUILD_FAILED)
		json_kv_string(&w, "error", ev->message);
	json_object_end(&w);
	json_line(r, &sb);
	strbuf_release(&sb);
}

static void json_outcome(struct report *r, const struct outcome *o)
{
	struct strbuf sb = STRBUF_INIT;

	if (o->json)
		strbuf_addstr(&sb, o->json);
	else
		report_guest_json(&sb, o, NULL, NULL);
	json_line(r, &sb);
	strbuf_release(&sb);
}

static void json_end(struct report *r)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	json_writer_init(&w, &sb, JSON_COMPACT);
	json_object_begin(&w);
	json_kv_string(&w, "event", "result");
	json_kv_int(&w, "version", REPORT_JSON_VERSION);
	for (size_t s = 0; s < _OUTCOME_MAX; s++)
		if (s != OUTCOME_PLANNED || r->count[s])
			json_kv_uint(&w, status_names[s], r->count[s]);
	json_kv_double(&w, "elapsed", clock_seconds() - r->started, 3);
	json_object_end(&w);
	json_line(r, &sb);
	strbuf_release(&sb);
}

static const struct sink json_sink = {
	json_begin, json_stage, json_outcome, json_end,
};

static void text_outcome(struct report *r, const struct outcome *o)
{
	struct strbuf sb = STRBUF_INIT;

	switch (o->status) {
	case OUTCOME_BUILT:
		if (r->kind == REPORT_FLEET && r->count[OUTCOME_BUILT] > 1)
			strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, o->summary ? o->summary : "");
		break;
	case OUTCOME_EXISTS:
		strbuf_addf(&sb, "Guest '%s' exists, unchanged.\n",
			    o->hostname);
		break;
	case OUTCOME_DIFFERS:
		strbuf_addf(&sb, "Guest '%s' exists, but its settings differ "
			    "from the manifest:", o->hostname);
		for (size_t i = 0; o->differences &&
				   i < o->differences->nr; i++)
			strbuf_addf(&sb, "%s %s", i ? "," : "",
				    o->differences->v[i]);
		strbuf_addstr(&sb, " (--force rebuilds it).\n");
		break;
	default:
		break;
	}
	if (sb.len)
		to_stdout(r, sb.buf, sb.len);
	strbuf_release(&sb);
}

static void text_end(struct report *r)
{
	if (r->kind != REPORT_FLEET)
		return;
	info("fleet: %zu built, %zu unchanged, %zu differ, %zu failed in "
	     "%.1f s", r->count[OUTCOME_BUILT], r->count[OUTCOME_EXISTS],
	     r->count[OUTCOME_DIFFERS], r->count[OUTCOME_FAILED],
	     clock_seconds() - r->started);
}

static const struct sink text_sink = {
	NULL, NULL, text_outcome, text_end,
};

static size_t done(const struct report *r)
{
	size_t n = 0;

	for (size_t s = 0; s < _OUTCOME_MAX; s++)
		n += r->count[s];
	return n;
}

static void count_line(const struct report *r, struct strbuf *sb)
{
	size_t n = done(r);

	strbuf_addf(sb, "%zu done, %zu failed, %zu left", n,
		    r->count[OUTCOME_FAILED], r->total - n);
}

static void progress_stage(struct report *r, const struct build_event *ev)
{
	if (ev->kind == BUILD_STAGE_STARTED)
		progress_set(r->view, ev->hostname, ev->title);
}

/*
 * On a terminal the guest's line goes and the count changes; elsewhere a
 * fleet says what became of each guest it built on a line of its own.
 * A guest that failed is named with its reason either way (a single
 * build has said why as it failed).
 */
static void progress_outcome(struct report *r, const struct outcome *o)
{
	struct strbuf sb = STRBUF_INIT;

	progress_remove(r->view, o->hostname);
	if (r->kind != REPORT_FLEET)
		return;
	count_line(r, &sb);
	if (o->status == OUTCOME_FAILED)
		error("%s: %s%s%s%s", o->hostname, o->error,
		      o->log ? " (log: '" : "", o->log ? o->log : "",
		      o->log ? "')" : "");
	if (r->view)
		progress_footer(r->view, sb.buf);
	else if (o->status == OUTCOME_BUILT || o->status == OUTCOME_FAILED)
		info("%s: %s (%s)", o->hostname, outcome_status_name(o->status),
		     sb.buf);
	strbuf_release(&sb);
}

static const struct sink progress_sink = {
	NULL, progress_stage, progress_outcome, NULL,
};

static void sinks(const struct report *r, const struct sink *ret[2])
{
	ret[0] = r->json ? &json_sink : &text_sink;
	ret[1] = &progress_sink;
}

/* Each sink's member(args), where it has one. */
#define EACH_SINK(r, member, ...)                                         \
	do {                                                              \
		const struct sink *s_[2];                                 \
									  \
		sinks(r, s_);                                             \
		for (size_t i_ = 0; i_ < ARRAY_SIZE(s_); i_++)            \
			if (s_[i_]->member)                               \
				s_[i_]->member(__VA_ARGS__);              \
	} while (0)

void report_begin(struct report *r, enum report_kind kind, int json,
		  int live, const char *command, size_t total)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->json = json;
	r->total = total;
	r->started = clock_seconds();
	if (live)
		r->view = progress_open(STDERR_FILENO);
	if (r->view && kind == REPORT_FLEET) {
		struct strbuf sb = STRBUF_INIT;

		count_line(r, &sb);
		progress_footer(r->view, sb.buf);
		strbuf_release(&sb);
	}
	EACH_SINK(r, begin, r, command);
}

void report_stage(struct report *r, const struct build_event *ev)
{
	EACH_SINK(r, stage, r, ev);
}

void report_outcome(struct report *r, const struct outcome *o)
{
	r->count[o->status]++;
	EACH_SINK(r, outcome, r, o);
}

int report_end(struct report *r)
{
	progress_close(r->view);
	r->view = NULL;
	EACH_SINK(r, end, r);
	if (fflush(stdout) != 0 || ferror(stdout))
		r->stdout_failed = 1;
	return r->stdout_failed ? -EIO : 0;
}
