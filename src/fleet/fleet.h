/*
 * fleet.h: building a fleet of guests from a fleet file: each guest's
 * settings merged and checked, its address leased from its pool, the
 * guests that are there already compared with their recipe, then the
 * others built in parallel, each in a worker process of its own driving
 * the build (build.h), and every outcome reported (report.h).
 */
#ifndef FLEET_H
#define FLEET_H

#include <stddef.h>

#include "build.h"
#include "config.h"
#include "fleet-file.h"
#include "manifest.h"
#include "pool.h"
#include "report.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"

struct fleet_options {
	unsigned jobs;		/* builds at once, >= 1 */
	int fail_fast;		/* stop the rest after a failure */
	int dry_run;
	int verbose;
};

/* One guest of the fleet. */
struct fleet_member {
	const struct fleet_guest *entry;
	const struct pool *pool;	/* NULL: none */
	struct config config;		/* merged, with its pool's lease */
	struct pool_lease lease;
	int lease_new;			/* this run took it: give it back if
					 * the guest is not built */
	struct build b;
	/* OUTCOME_PLANNED: to be built; EXISTS, DIFFERS; or FAILED (a
	 * record that cannot be read) before anything ran. */
	enum outcome_status plan;
	struct strvec differences;
	struct manifest record;		/* when it exists */
	struct strbuf error;
	/* While its worker runs. */
	struct worker w;
	int running;
	struct strbuf out_buf, err_buf;	/* partial lines from the worker */
	struct strbuf summary, json;
};

struct fleet {
	const struct fleet_file *file;
	struct fleet_options opt;
	int argc;			/* the command's create-image flags */
	char **argv;
	struct pool *pools;		/* parsed, as the file's pools */
	size_t npools;
	struct fleet_member *m;
	size_t nr;
};

/*
 * Everything that decides, nothing that changes the host: merge each
 * guest's settings (argv holds the command's own create-image flags,
 * which override the file's), check the pools and their capacity,
 * plan each pool guest's lease, check every guest as create-image would,
 * and tell the guests that exist from those to build. -EINVAL with one
 * line in err naming FILE:LINE or the flag (exit status 2).
 */
int fleet_init(struct fleet *fl, const struct fleet_file *f,
	       const struct fleet_options *opt, int argc, char **argv,
	       struct strbuf *err);
void fleet_release(struct fleet *fl);

/* --dry-run: each guest's plan, as create-image --dry-run prints it. */
void fleet_plan(struct fleet *fl, struct report *rep, int json,
		struct strbuf *out);

/*
 * Build the guests that are not there yet, opt.jobs at a time, reporting
 * to rep (already begun). Returns the exit status: 0 when every guest is
 * built or there, 1 when any failed, 128+N when signal N stopped the run
 * (the guests in progress are rolled back).
 */
int fleet_run(struct fleet *fl, struct report *rep);

#endif
