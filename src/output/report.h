/*
 * report.h: what a build or a fleet tells its user, from one stream of
 * events (a stage started or finished, a guest's outcome, the end) fed to
 * three sinks: the JSON events on stdout (--json), the human text (the
 * summary on stdout, failures on stderr), and the progress on stderr (a
 * live view on a terminal, plain lines otherwise).
 *
 * The JSON events are a contract for scripts, documented as stable in
 * create-image(8): one object per line, each with "event"; fields are only
 * ever added, never renamed, and the first ("start") and last ("result")
 * events carry the version.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>

#include "build.h"
#include "manifest.h"
#include "progress.h"
#include "strbuf.h"
#include "strvec.h"

#define REPORT_JSON_VERSION 1

enum outcome_status {
	OUTCOME_BUILT,
	OUTCOME_EXISTS,		/* there already, as the manifest says */
	OUTCOME_DIFFERS,	/* there already, but its settings changed */
	OUTCOME_FAILED,
	OUTCOME_PLANNED,	/* --dry-run: would be built */
	_OUTCOME_MAX,
};

const char *outcome_status_name(enum outcome_status s);

/* One guest's outcome. */
struct outcome {
	const char *hostname;
	enum outcome_status status;
	const char *error;		/* FAILED: why */
	const struct strvec *differences;	/* DIFFERS: the keys */
	const char *log;		/* its log file, or NULL */
	/* Rendered where the guest was built (a fleet builds each guest in
	 * a process of its own): */
	const char *summary;		/* BUILT: the human summary */
	const char *json;		/* the "guest" event, one line */
};

/* "archive": the suites, dates and checksums of state
 * (archive_state_format()), or null when it is empty or not one. */
struct json_writer;
void report_json_archive(struct json_writer *w, const char *state);
/*
 * The "guest" event for o, from the guest's record (m: what was built,
 * or for a failed build what was planned; NULL when nothing is known but
 * the name) and, for a guest built in this process, its build (b: host
 * key fingerprints, generated password, kernel, time taken; else NULL).
 * One line, with its newline.
 */
void report_guest_json(struct strbuf *out, const struct outcome *o,
		       const struct manifest *m, const struct build *b);

enum report_kind {
	REPORT_SINGLE,		/* create-image: one guest */
	REPORT_FLEET,		/* create-image fleet */
};

struct report {
	enum report_kind kind;
	int json;		/* JSON events on stdout instead of text */
	struct progress *view;	/* the live view, when stderr is a tty */
	size_t total;		/* guests in all */
	size_t count[_OUTCOME_MAX];
	double started;
	int stdout_failed;	/* a write to stdout failed */
};

/*
 * Start reporting on total guests: the "start" event, and the live view
 * when stderr is a terminal and progress is wanted (not with --verbose,
 * whose output would tear it).
 */
void report_begin(struct report *r, enum report_kind kind, int json,
		  int live, const char *command, size_t total);
void report_stage(struct report *r, const struct build_event *ev);
void report_outcome(struct report *r, const struct outcome *o);
/* The "result" event (and for a fleet, its count on stderr); then the
 * view goes. 0, or -EIO when stdout could not take everything. */
int report_end(struct report *r);

#endif
