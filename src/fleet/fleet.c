/* fleet.c: see fleet.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet.h"
#include "fsutil.h"
#include "lock.h"
#include "log.h"
#include "lvm.h"
#include "macros.h"
#include "net.h"
#include "paths.h"
#include "recover.h"
#include "settings.h"
#include "banned.h"

/* ---- merging and checking ------------------------------------------ */

static void member_init(struct fleet_member *m, const struct fleet_guest *e)
{
	memset(m, 0, sizeof(*m));
	m->entry = e;
	config_init_defaults(&m->config);
	build_init(&m->b, NULL, NULL);
	strvec_init(&m->differences);
	manifest_init(&m->record);
	strbuf_init(&m->error, 0);
	strbuf_init(&m->out_buf, 0);
	strbuf_init(&m->err_buf, 0);
	strbuf_init(&m->summary, 0);
	strbuf_init(&m->json, 0);
	m->w.pid = -1;
	m->w.out = m->w.err = -1;
}

static void member_release(struct fleet_member *m)
{
	config_release(&m->config);
	build_release(&m->b);
	strvec_clear(&m->differences);
	manifest_release(&m->record);
	strbuf_release(&m->error);
	strbuf_release(&m->out_buf);
	strbuf_release(&m->err_buf);
	strbuf_release(&m->summary);
	strbuf_release(&m->json);
	pool_lease_release(&m->lease);
}

void fleet_release(struct fleet *fl)
{
	for (size_t i = 0; i < fl->nr; i++)
		member_release(&fl->m[i]);
	free(fl->m);
	for (size_t i = 0; i < fl->npools; i++)
		pool_release(&fl->pools[i]);
	free(fl->pools);
	memset(fl, 0, sizeof(*fl));
}

/* Each pool checked, and big enough for the guests that name it. */
static int parse_pools(struct fleet *fl, struct strbuf *err)
{
	const struct fleet_file *f = fl->file;

	fl->pools = xcalloc(f->npools, sizeof(*fl->pools));
	for (size_t i = 0; i < f->npools; i++) {
		const struct fleet_pool *fp = &f->pools[i];
		struct pool_spec spec = {
			.name = fp->name.value,
			.range = fp->range.value,
			.netmask = fp->netmask.value,
			.gateway = fp->gateway.value,
			.mac_prefix = fp->mac_prefix.value,
			.nameservers = &fp->nameservers,
		};
		struct strbuf why = STRBUF_INIT;
		size_t want = 0;
		int r;

		r = pool_parse(&spec, &fl->pools[i], &why);
		if (r < 0) {
			strbuf_addf(err, "%s:%u: pool '%s': %s", f->name,
				    fp->line, fp->name.value, why.buf);
			strbuf_release(&why);
			return r;
		}
		fl->npools++;
		strbuf_release(&why);
		for (size_t g = 0; g < f->nguests; g++)
			if (f->guests[g].pool &&
			    !strcmp(f->guests[g].pool, fp->name.value))
				want++;
		if (want > pool_capacity(&fl->pools[i])) {
			strbuf_addf(err, "%s:%u: pool '%s' has %lu addresses "
				    "for %zu guests", f->name, fp->line,
				    fp->name.value,
				    (unsigned long)pool_capacity(&fl->pools[i]),
				    want);
			return -EINVAL;
		}
	}
	return 0;
}

static const struct pool *find_pool(const struct fleet *fl, const char *name)
{
	for (size_t i = 0; name && i < fl->npools; i++)
		if (!strcmp(fl->pools[i].name, name))
			return &fl->pools[i];
	return NULL;
}

/* The lease's address, gateway, name servers and MAC, as settings of the
 * guest's own layer, named after the pool's line in the file. */
static int apply_lease(struct fleet *fl, struct fleet_member *m,
		       struct strbuf *err)
{
	const struct fleet_file *f = fl->file;
	const struct fleet_pool *fp = fleet_file_pool(f, m->pool->name);
	const struct pool *p = m->pool;
	struct strbuf o = STRBUF_INIT, v = STRBUF_INIT;
	int r;

	strbuf_addf(&o, "%s:%u (pool '%s')", f->name, fp->line, p->name);
	strbuf_addf(&v, "%s/%d", m->lease.addr_text, m->lease.prefix);
	r = config_set(&m->config, &option_defs[O_IP], v.buf, o.buf,
		       LAYER_GUEST, err);
	if (r >= 0)
		r = config_set(&m->config, &option_defs[O_MAC],
			       m->lease.mac_text, o.buf, LAYER_GUEST, err);
	if (r >= 0 && p->gateway) {
		char gw[16];

		ipv4_format(p->gateway, gw);
		r = config_set(&m->config, &option_defs[O_GATEWAY], gw, o.buf,
			       LAYER_GUEST, err);
	}
	if (r >= 0 && p->nameservers.nr)
		r = config_set_list(&m->config, &option_defs[O_NAMESERVER],
				    &p->nameservers, o.buf, LAYER_GUEST, err);
	strbuf_release(&o);
	strbuf_release(&v);
	return r;
}

/*
 * The guest's settings, from scratch: the built-in defaults, the system
 * file, the command's flags, the file's defaults and the guest's own, and
 * the lease of a guest in a pool.
 */
static int member_config(struct fleet *fl, struct fleet_member *m,
			 struct strbuf *err)
{
	int r;

	config_release(&m->config);
	config_init_defaults(&m->config);
	r = config_parse_argv(&m->config, fl->argc, fl->argv, err);
	if (r >= 0)
		r = config_load(&m->config, paths_system_config(), err);
	if (r >= 0)
		r = fleet_file_guest_config(fl->file, m->entry, &m->config,
					    err);
	if (r >= 0 && m->pool)
		r = apply_lease(fl, m, err);
	return r;
}

/* The guest as create-image would check it, ready to build. */
static int prepare_member(struct fleet_member *m, struct strbuf *err)
{
	int r;

	build_release(&m->b);
	build_init(&m->b, NULL, NULL);
	r = guest_from_config(&m->config, &m->b.g, err);
	if (r < 0)
		return r;
	if (m->b.g.password && !strcmp(m->b.g.password, "-")) {
		strbuf_addf(err, "%s: a fleet cannot read a password from "
			    "standard input", config_origin(&m->config,
							    O_PASSWORD));
		return -EINVAL;
	}
	if (m->b.g.ask_password) {
		strbuf_addf(err, "%s: a fleet cannot ask for a password on "
			    "the terminal", config_origin(&m->config,
							  O_PASSWD));
		return -EINVAL;
	}
	m->b.pool = xstrdup(m->pool ? m->pool->name : NULL);
	settings_record(&m->config, m->b.pool, &m->b.settings);
	return build_prepare(&m->b, err);
}

/* There already: unchanged, changed (which keys), or unreadable. With
 * --force a changed guest is built again. */
static void classify(struct fleet_member *m, int force)
{
	char *path = manifest_path(m->entry->hostname);
	int r;

	m->plan = OUTCOME_PLANNED;
	if (!path_exists(path)) {
		free(path);
		return;
	}
	r = manifest_read(path, &m->record, &m->error);
	free(path);
	if (r < 0) {
		m->plan = OUTCOME_FAILED;
		return;
	}
	/* A record from before settings were kept cannot differ. */
	if (m->record.settings.nr)
		settings_diff(&m->b.settings, &m->record.settings,
			      &m->differences);
	if (!m->differences.nr)
		m->plan = OUTCOME_EXISTS;
	else if (!force)
		m->plan = OUTCOME_DIFFERS;
}

int fleet_init(struct fleet *fl, const struct fleet_file *f,
	       const struct fleet_options *opt, int argc, char **argv,
	       struct strbuf *err)
{
	struct pool_view view = POOL_VIEW_INIT;
	int have_view = 0, r;

	memset(fl, 0, sizeof(*fl));
	fl->file = f;
	fl->opt = *opt;
	fl->argc = argc;
	fl->argv = argv;
	r = parse_pools(fl, err);
	if (r < 0)
		return r;
	fl->m = xcalloc(f->nguests, sizeof(*fl->m));
	for (size_t i = 0; i < f->nguests; i++) {
		struct fleet_member *m = &fl->m[i];

		member_init(m, &f->guests[i]);
		fl->nr++;
		m->pool = find_pool(fl, m->entry->pool);
		if (m->pool && !have_view) {
			/* What is taken now: a dry run's guess, and the
			 * first check of the addresses a run will lease. */
			struct strbuf why = STRBUF_INIT;

			if (pool_view_load(&view, &why) < 0) {
				warning("cannot read the address leases: %s; "
					"planning as if there were none",
					why.buf);
				pool_view_release(&view);
			}
			pool_view_reclaim(&view);
			strbuf_release(&why);
			have_view = 1;
		}
		if (m->pool) {
			struct strbuf why = STRBUF_INIT;

			r = pool_view_pick(&view, m->pool, m->entry->hostname,
					   &m->lease, &why);
			if (r < 0)
				strbuf_addf(err, "%s:%u: %s", f->name,
					    m->entry->pool_line, why.buf);
			strbuf_release(&why);
		}
		if (r >= 0)
			r = member_config(fl, m, err);
		if (r >= 0)
			r = prepare_member(m, err);
		if (r < 0)
			break;
		classify(m, m->b.g.force);
	}
	if (have_view)
		pool_view_release(&view);
	return r < 0 ? r : 0;
}

/* ---- outcomes ------------------------------------------------------- */

/*
 * A guest's outcome from what this process knows: its record for one
 * that is there, its plan for one that is to be built or failed.
 */
static void report_member(struct report *rep, struct fleet_member *m,
			  enum outcome_status status, const char *why)
{
	struct strbuf json = STRBUF_INIT;
	char *log = build_log_path(&m->b);
	struct outcome o = {
		.hostname = m->entry->hostname,
		.status = status,
		.error = why,
		.differences = &m->differences,
		.log = status == OUTCOME_FAILED ? log : NULL,
	};
	struct manifest plan;
	const struct manifest *rec = &m->record;

	manifest_init(&plan);
	if (status == OUTCOME_PLANNED || status == OUTCOME_FAILED ||
	    !m->record.hostname) {
		build_record(&m->b, &plan);
		rec = &plan;
	}
	report_guest_json(&json, &o, rec, NULL);
	o.json = json.buf;
	report_outcome(rep, &o);
	manifest_release(&plan);
	strbuf_release(&json);
	free(log);
}

/* What a guest that is not to be built comes to. */
static void report_unbuilt(struct report *rep, struct fleet_member *m)
{
	report_member(rep, m, m->plan,
		      m->plan == OUTCOME_FAILED ? m->error.buf : NULL);
}

void fleet_plan(struct fleet *fl, struct report *rep, int json,
		struct strbuf *out)
{
	for (size_t i = 0; i < fl->nr; i++) {
		struct fleet_member *m = &fl->m[i];

		/* As create-image --dry-run: what is in the way of a new
		 * guest (only root may ask LVM or open devices). */
		if (m->plan == OUTCOME_PLANNED &&
		    build_check_existing(&m->b, geteuid() == 0 ||
					 m->b.g.storage == STORAGE_DIR,
					 &m->error) < 0)
			m->plan = OUTCOME_FAILED;
		if (json) {
			report_unbuilt(rep, m);
			continue;
		}
		if (out->len)
			strbuf_addch(out, '\n');
		switch (m->plan) {
		case OUTCOME_PLANNED:
			build_plan(&m->b, out);
			break;
		case OUTCOME_EXISTS:
			strbuf_addf(out, "# %s: exists, unchanged\n",
				    m->entry->hostname);
			break;
		case OUTCOME_DIFFERS:
			strbuf_addf(out, "# %s: exists, differs in:",
				    m->entry->hostname);
			for (size_t k = 0; k < m->differences.nr; k++)
				strbuf_addf(out, "%s %s", k ? "," : "",
					    m->differences.v[k]);
			strbuf_addstr(out, " (--force rebuilds it)\n");
			break;
		default:
			strbuf_addf(out, "# %s: cannot be built: %s\n",
				    m->entry->hostname, m->error.buf);
			break;
		}
	}
}

/* ---- the worker: one guest's build in a process of its own ---------- */

/*
 * What a worker tells the fleet, one line each, fields separated by
 * tabs, with backslash, tab and newline escaped:
 *
 *	S STAGE TITLE		a stage started
 *	F STAGE SECONDS		it finished
 *	X STAGE MESSAGE		the build failed, and why
 *	H SUMMARY		the built guest's summary
 *	J JSON			the built guest's "guest" event
 *
 * Its exit status says how it ended: 0 built, 1 failed, 128+N signal N.
 */
static void add_field(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\t');
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*s == '\t')
			strbuf_addstr(sb, "\\t");
		else if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
}

static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*d++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static void send_line(int fd, char kind, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, kind);
	add_field(&sb, a);
	if (b)
		add_field(&sb, b);
	strbuf_addch(&sb, '\n');
	/* A fleet that went away learns nothing more. */
	(void)write_all(fd, sb.buf, sb.len);
	strbuf_release(&sb);
}

static void worker_progress(const struct build_event *ev, void *data)
{
	int fd = *(int *)data;
	char secs[32];

	switch (ev->kind) {
	case BUILD_STAGE_STARTED:
		send_line(fd, 'S', ev->stage, ev->title);
		break;
	case BUILD_STAGE_FINISHED:
		snprintf(secs, sizeof(secs), "%.3f", ev->elapsed);
		send_line(fd, 'F', ev->stage, secs);
		break;
	case BUILD_FAILED:
		send_line(fd, 'X', ev->stage, ev->message);
		break;
	}
}

static int build_worker(void *data, int fd)
{
	struct fleet_member *m = data;
	struct build *b = &m->b;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	struct strbuf prog = STRBUF_INIT;
	int r, sig, status = 0;

	/* Its messages say whose they are. */
	strbuf_addf(&prog, "%s: %s", log_prog(), b->g.hostname);
	log_init(prog.buf);
	log_set_verbose(b->g.verbose);
	log_set_debug(b->g.debug);
	log_set_quiet(!b->g.verbose);
	b->progress = worker_progress;
	b->progress_data = &fd;
	signals_install();

	r = build_check_existing(b, 1, &err);
	if (r >= 0) {
		r = build_private_mounts();
		if (r < 0)
			strbuf_addf(&err, "cannot make a private mount "
				    "namespace: %s", strerror(-r));
	}
	if (r >= 0)
		r = build_open_log(b, &m->config, &err);
	if (r < 0) {
		send_line(fd, 'X', "check", err.buf);
		status = 1;
		goto out;
	}
	r = build_run(b);
	if (r >= 0 && !signals_pending()) {
		struct manifest rec;
		struct outcome o = {
			.hostname = b->g.hostname,
			.status = OUTCOME_BUILT,
		};
		char *log = build_log_path(b);

		o.log = log;
		manifest_init(&rec);
		build_record(b, &rec);
		build_summary(b, &sb);
		send_line(fd, 'H', sb.buf, NULL);
		strbuf_reset(&sb);
		report_guest_json(&sb, &o, &rec, b);
		strbuf_rtrim(&sb);
		send_line(fd, 'J', sb.buf, NULL);
		manifest_release(&rec);
		free(log);
	}
	sig = signals_ignore_for_cleanup();
	if (r < 0 || sig) {
		/* The fleet says that it was interrupted, once for all. */
		info(b->g.keep ? "keeping what was created (--keep)" :
		     "removing everything this run created");
		build_finish(b, 0);
		status = sig ? 128 + sig : 1;
		goto out;
	}
	if (build_finish(b, 1) < 0)
		warning("the guest is ready, but not everything it replaced "
			"could be removed");
	if (b->g.boot) {
		signals_install();
		strbuf_reset(&err);
		r = build_host_mounts();
		if (r < 0)
			strbuf_addf(&err, "cannot return to the host's mount "
				    "namespace: %s", strerror(-r));
		else
			r = build_boot(b, &err);
		if (r < 0) {
			error("the guest was built, but it did not start: %s",
			      err.buf);
			status = 1;
		}
	}
out:
	log_close_file();
	lvm_close();
	strbuf_release(&err);
	strbuf_release(&sb);
	strbuf_release(&prog);
	return status;
}

/* ---- the runner ----------------------------------------------------- */

struct runner {
	struct fleet *fl;
	struct report *rep;
	size_t running;
	int stop_signal;	/* the signal that stopped the run */
	int failed_fast;	/* --fail-fast stopped it */
	int status;		/* the exit status so far */
};

/* One line from a worker's report pipe. */
static void handle_line(struct runner *rn, struct fleet_member *m,
			char *line)
{
	struct strvec f = STRVEC_INIT;
	struct build_event ev = { .hostname = m->entry->hostname };

	/* Every field follows a tab, empty ones too. */
	for (const char *p = line + 1; *p == '\t';) {
		size_t n = strcspn(p + 1, "\t");
		char *field = xstrndup(p + 1, n);

		unescape(field);
		strvec_push(&f, field);
		free(field);
		p += 1 + n;
	}
	if (f.nr < 1)
		goto out;
	ev.stage = f.v[0];
	switch (line[0]) {
	case 'S':
		ev.kind = BUILD_STAGE_STARTED;
		ev.title = f.nr > 1 ? f.v[1] : f.v[0];
		report_stage(rn->rep, &ev);
		break;
	case 'F':
		ev.kind = BUILD_STAGE_FINISHED;
		ev.elapsed = f.nr > 1 ? strtod(f.v[1], NULL) : 0;
		report_stage(rn->rep, &ev);
		break;
	case 'X':
		ev.kind = BUILD_FAILED;
		ev.message = f.nr > 1 ? f.v[1] : "";
		strbuf_reset(&m->error);
		strbuf_addstr(&m->error, ev.message);
		report_stage(rn->rep, &ev);
		break;
	case 'H':
		strbuf_addstr(&m->summary, f.v[0]);
		break;
	case 'J':
		strbuf_addf(&m->json, "%s\n", f.v[0]);
		break;
	}
out:
	strvec_clear(&f);
}

/* Its stderr, passed on line by line (the live view steps aside). */
static void handle_err_line(struct runner *rn, const char *line)
{
	progress_hide(rn->rep->view);
	fprintf(stderr, "%s\n", line);
	progress_show(rn->rep->view);
}

/* Read what is there; at the end of the pipe close it. Every complete
 * line goes to fn. */
static void drain(struct runner *rn, struct fleet_member *m, int *fd,
		  struct strbuf *buf, int is_err)
{
	char chunk[4096];
	ssize_t n;
	char *nl;

	n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		strbuf_add(buf, chunk, (size_t)n);
	while ((nl = memchr(buf->buf, '\n', buf->len))) {
		size_t len = (size_t)(nl - buf->buf);
		char *line = xstrndup(buf->buf, len);

		if (is_err)
			handle_err_line(rn, line);
		else if (len)
			handle_line(rn, m, line);
		free(line);
		strbuf_remove(buf, 0, len + 1);
	}
	if (n <= 0) {
		if (buf->len && is_err)
			handle_err_line(rn, buf->buf);
		strbuf_reset(buf);
		close(*fd);
		*fd = -1;
	}
}

/* Lock, lease, check again with the lease, and start its worker. */
static int start_member(struct runner *rn, struct fleet_member *m)
{
	struct strbuf err = STRBUF_INIT;
	int lock, r;

	lock = guest_lock(m->entry->hostname, &err);
	if (lock < 0) {
		strbuf_addstr(&m->error, err.buf);
		strbuf_release(&err);
		return lock;
	}
	/* A killed build of it first (see cmd_create()). */
	r = recover_guest_logged(m->entry->hostname);
	if (r < 0 && r != -EIO) {
		strbuf_addstr(&m->error, "cannot read the journals of "
			      "killed runs (see above)");
		strbuf_release(&err);
		close(lock);
		return r;
	}
	if (m->pool) {
		struct pool_lease planned = m->lease;

		memset(&m->lease, 0, sizeof(m->lease));
		r = pool_lease(m->pool, m->entry->hostname, &m->lease, &err);
		if (r >= 0)
			m->lease_new = r == 1;
		/* Another run took the planned address meanwhile. */
		if (r >= 0 && (planned.addr != m->lease.addr ||
			       memcmp(planned.mac, m->lease.mac, 6))) {
			r = member_config(rn->fl, m, &err);
			if (r >= 0)
				r = prepare_member(m, &err);
		}
		pool_lease_release(&planned);
		if (r < 0)
			goto fail;
	}
	r = worker_start(&m->w, build_worker, m, lock);
	if (r < 0) {
		strbuf_addf(&err, "cannot start its build: %s", strerror(-r));
		goto fail;
	}
	close(lock);
	m->running = 1;
	rn->running++;
	strbuf_release(&err);
	return 0;
fail:
	strbuf_addstr(&m->error, err.buf);
	strbuf_release(&err);
	close(lock);
	return r;
}

/* A guest that is not built gives back the address this run leased. */
static void release_lease(struct fleet_member *m)
{
	struct strbuf err = STRBUF_INIT;

	if (m->lease_new && pool_release_host(m->entry->hostname, &err) < 0)
		warning("%s: cannot give back its address: %s",
			m->entry->hostname, err.buf);
	m->lease_new = 0;
	strbuf_release(&err);
}

static void finish_member(struct runner *rn, struct fleet_member *m,
			  int status)
{
	m->running = 0;
	rn->running--;
	if (m->json.len) {
		struct outcome o = {
			.hostname = m->entry->hostname,
			.status = OUTCOME_BUILT,
			.summary = m->summary.buf,
			.json = m->json.buf,
		};

		/* Built, and then it did not start (--boot). */
		if (status)
			rn->status = 1;
		report_outcome(rn->rep, &o);
		return;
	}
	release_lease(m);
	if (!m->error.len) {
		if (status > 128)
			strbuf_addf(&m->error, "interrupted by signal %d, "
				    "rolled back", status - 128);
		else
			strbuf_addf(&m->error, "its build ended with status "
				    "%d", status);
	}
	report_member(rn->rep, m, OUTCOME_FAILED, m->error.buf);
	rn->status = 1;
	if (rn->fl->opt.fail_fast)
		rn->failed_fast = 1;
}

/* Ask every running worker to stop: each rolls its guest back. */
static void stop_workers(struct runner *rn)
{
	for (size_t i = 0; i < rn->fl->nr; i++)
		if (rn->fl->m[i].running)
			kill(rn->fl->m[i].w.pid, SIGTERM);
}

static void poll_workers(struct runner *rn)
{
	struct fleet *fl = rn->fl;
	struct pollfd *p = xcalloc(2 * fl->nr, sizeof(*p));
	struct fleet_member **who = xcalloc(2 * fl->nr, sizeof(*who));
	nfds_t np = 0;

	for (size_t i = 0; i < fl->nr; i++) {
		struct fleet_member *m = &fl->m[i];

		if (!m->running)
			continue;
		if (m->w.out >= 0) {
			who[np] = m;
			p[np++] = (struct pollfd){ m->w.out, POLLIN, 0 };
		}
		if (m->w.err >= 0) {
			who[np] = m;
			p[np++] = (struct pollfd){ m->w.err, POLLIN, 0 };
		}
	}
	/* A signal interrupts poll(); the timeout catches one that came
	 * just before it. */
	if (poll(p, np, 500) > 0) {
		for (nfds_t i = 0; i < np; i++) {
			struct fleet_member *m = who[i];

			if (!p[i].revents)
				continue;
			if (p[i].fd == m->w.out)
				drain(rn, m, &m->w.out, &m->out_buf, 0);
			else
				drain(rn, m, &m->w.err, &m->err_buf, 1);
		}
	}
	/* Once both pipes are at their end, the worker is done. */
	for (size_t i = 0; i < fl->nr; i++) {
		struct fleet_member *m = &fl->m[i];
		int status;

		if (m->running && m->w.out < 0 && m->w.err < 0 &&
		    worker_wait(&m->w, 1, &status) > 0)
			finish_member(rn, m, status);
	}
	free(p);
	free(who);
}

int fleet_run(struct fleet *fl, struct report *rep)
{
	struct runner rn = { .fl = fl, .rep = rep };
	size_t next = 0;

	for (size_t i = 0; i < fl->nr; i++)
		if (fl->m[i].plan != OUTCOME_PLANNED) {
			report_unbuilt(rep, &fl->m[i]);
			if (fl->m[i].plan == OUTCOME_FAILED)
				rn.status = 1;
		}
	signals_install();
	for (;;) {
		int stopping = rn.stop_signal || rn.failed_fast;

		while (!stopping && rn.running < fl->opt.jobs && next < fl->nr) {
			struct fleet_member *m = &fl->m[next++];

			if (m->plan != OUTCOME_PLANNED)
				continue;
			if (start_member(&rn, m) < 0) {
				release_lease(m);
				report_member(rep, m, OUTCOME_FAILED,
					      m->error.buf);
				rn.status = 1;
				if (fl->opt.fail_fast)
					rn.failed_fast = stopping = 1;
			}
		}
		if (!rn.running && (stopping || next >= fl->nr))
			break;
		poll_workers(&rn);
		if (!rn.stop_signal && signals_pending()) {
			rn.stop_signal = signals_pending();
			error("interrupted by signal %d: stopping the builds "
			      "in progress", rn.stop_signal);
			stop_workers(&rn);
		} else if (rn.failed_fast == 1) {
			info("stopping the builds in progress (--fail-fast)");
			stop_workers(&rn);
			rn.failed_fast = 2;
		}
	}
	/* What never started. */
	for (; next < fl->nr; next++) {
		struct fleet_member *m = &fl->m[next];

		if (m->plan != OUTCOME_PLANNED)
			continue;
		report_member(rep, m, OUTCOME_FAILED, rn.stop_signal ?
			      "not built: the run was interrupted" :
			      "not built: an earlier guest failed "
			      "(--fail-fast)");
		rn.status = 1;
	}
	return rn.stop_signal ? 128 + rn.stop_signal : rn.status;
}
