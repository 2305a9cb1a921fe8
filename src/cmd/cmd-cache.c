/*
 * cmd-cache.c: "create-image cache": list, verify and prune the cached
 * bases guests are built from (see base-cache.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive-state.h"
#include "base-cache.h"
#include "base-image.h"
#include "base.h"
#include "cmd-common.h"
#include "commands.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "macros.h"
#include "paths.h"
#include "banned.h"

static const char usage[] =
	"usage: create-image cache [OPTION]... list|verify|prune\n"
	"\n"
	"Show, check and clean the cached bases new guests start from.\n"
	"\n"
	"  list     every base: name, release, size, when built and last "
	"used;\n"
	"           its images and the guests whose disks read them\n"
	"  verify   check every base and base image against its checksum; "
	"exit\n"
	"           status 1 if one is damaged\n"
	"  prune    remove damaged and unfinished bases, and those not used "
	"for\n"
	"           --older-than days; remove base images no guest reads "
	"whose\n"
	"           base is gone, renewed or removed; keep every image a "
	"guest reads\n"
	"\n"
	"      --all             prune: remove every base not in use\n"
	"      --cachedir=DIR    the cache (default: 'cachedir' from the "
	"configuration,\n"
	"                        /var/cache/create-image); bases are in "
	"DIR/bases\n"
	"      --dry-run         prune: say what would go, remove nothing\n"
	"      --help            show this help and exit\n"
	"      --older-than=DAYS prune: the age of the last use that makes a "
	"base\n"
	"                        stale (default 30)\n"
	"      --verbose         list: also every part of each base's key\n";

struct cache_cmd {
	const char *dir;	/* CACHEDIR/bases */
	int all, dry_run, verbose;
	unsigned long days;
};

/* Rounded, as ls -h does: "166M", "1.2G". */
static void human_size(unsigned long long bytes, char *buf, size_t len)
{
	double m = (double)bytes / (1 << 20);

	if (m >= 1024)
		snprintf(buf, len, "%.1fG", m / 1024);
	else
		snprintf(buf, len, "%.0fM", m < 1 && bytes ? 1.0 : m);
}

static void format_time(time_t t, char *buf, size_t len)
{
	strftime(buf, len, "%Y-%m-%d %H:%M", localtime(&t));
}

static const char *file_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const struct base_entry *base_named(const struct base_entry *v,
					   size_t nr, const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* "web1, web2", or "none". */
static void join_dependants(const struct base_image *img, struct strbuf *sb)
{
	for (size_t i = 0; i < img->dependants.nr; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", img->dependants.v[i]);
	if (!img->dependants.nr)
		strbuf_addstr(sb, "none");
}

/* The images of base (NULL: those whose base is gone), indented. */
static void list_images(const struct base_image *imgs, size_t n,
			const struct base_entry *v, size_t nr,
			const struct base_entry *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct base_image *img = &imgs[i];
		const struct base_entry *of = base_named(v, nr, img->base);
		struct strbuf deps = STRBUF_INIT;
		const char *state;

		if (of != base)
			continue;
		if (base_image_of_current(img, of))
			state = "current";
		else if (img->dependants.nr)
			state = "orphan kept for its guests";
		else
			state = "unused";
		join_dependants(img, &deps);
		printf("    image %s (%s), dependants: %s\n",
		       file_name(img->path), state, deps.buf);
		strbuf_release(&deps);
	}
}

static int cache_list(const struct cache_cmd *cc)
{
	struct base_image_users u = BASE_IMAGE_USERS_INIT;
	struct strbuf err = STRBUF_INIT;
	struct base_entry *v = NULL;
	struct base_image *imgs = NULL;
	size_t nr = 0, nimgs = 0, orphans = 0;
	int r = base_cache_list(cc->dir, &v, &nr);

	if (r < 0) {
		log_error_errno(r, "cannot read '%s': %m", cc->dir);
		return 1;
	}
	if (base_image_users_read(&u, &err) < 0 || u.unknown)
		warning("not every guest's record could be read, so the "
			"dependants shown may be too few: %s", err.buf);
	(void)base_image_list(cc->dir, NULL, &u, &imgs, &nimgs);
	for (size_t i = 0; i < nimgs; i++)
		orphans += !base_named(v, nr, imgs[i].base);
	if (nr)
		printf("%-28s %-16s %-12s %7s  %-16s  %-16s  %s\n", "NAME",
		       "RELEASE", "METHOD", "SIZE", "ARCHIVE", "BUILT",
		       "LAST USED");
	for (size_t i = 0; i < nr; i++) {
		const struct base_entry *e = &v[i];
		struct strbuf rel = STRBUF_INIT;
		struct archive_state st = { 0 };
		char size[16], built[32], used[32], archive[32] = "-";

		strbuf_addf(&rel, "%s/%s", e->key.part[BASE_KEY_DIST],
			    e->key.part[BASE_KEY_ARCH]);
		human_size(e->size, size, sizeof(size));
		format_time(e->created, built, sizeof(built));
		format_time(e->used, used, sizeof(used));
		/* The newest of its suites: the archive as it was then. */
		if (*e->state && archive_state_parse(e->state, &st) >= 0)
			format_time(archive_state_date(&st), archive,
				    sizeof(archive));
		printf("%-28s %-16s %-12s %7s  %-16s  %-16s  %s\n", e->name,
		       rel.buf, e->key.part[BASE_KEY_METHOD], size, archive,
		       built, used);
		for (int p = 0; cc->verbose && p < BASE_KEY_NR; p++)
			printf("    %-9s %s\n", base_key_part_name(p),
			       e->key.part[p]);
		if (cc->verbose)
			printf("    %-9s %s\n", "state", e->state);
		list_images(imgs, nimgs, v, nr, e);
		archive_state_release(&st);
		strbuf_release(&rel);
	}
	if (orphans) {
		printf("images whose base is gone:\n");
		list_images(imgs, nimgs, v, nr, NULL);
	}
	base_image_list_free(imgs, nimgs);
	base_image_users_release(&u);
	strbuf_release(&err);
	base_cache_list_free(v, nr);
	return 0;
}

/* Every image, against the checksum beside it. */
static int verify_images(const struct cache_cmd *cc)
{
	struct base_image *imgs = NULL;
	size_t n = 0;
	int status = 0, r = base_image_list(cc->dir, NULL, NULL, &imgs, &n);

	if (r < 0) {
		log_error_errno(r, "cannot read '%s': %m", cc->dir);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct strbuf err = STRBUF_INIT;
		const char *f = file_name(imgs[i].path);

		r = base_image_verify(imgs[i].path, &err);
		if (r == -ENOENT) {
			printf("%s: unfinished (no checksum)\n", f);
		} else if (r < 0) {
			printf("%s: damaged: %s\n", f, err.buf);
			status = 1;
		} else {
			printf("%s: ok\n", f);
		}
		strbuf_release(&err);
	}
	base_image_list_free(imgs, n);
	return status;
}

static int cache_verify(const struct cache_cmd *cc)
{
	struct base_entry *v = NULL;
	size_t nr = 0;
	int r = base_cache_list(cc->dir, &v, &nr), status = 0;

	if (r < 0) {
		log_error_errno(r, "cannot read '%s': %m", cc->dir);
		return 1;
	}
	for (size_t i = 0; i < nr; i++) {
		struct strbuf err = STRBUF_INIT;

		r = base_cache_verify(&v[i], &err);
		if (r < 0) {
			printf("%s: damaged: %s\n", v[i].name, err.buf);
			status = 1;
		} else {
			printf("%s: ok\n", v[i].name);
		}
		strbuf_release(&err);
	}
	if (verify_images(cc))
		status = 1;
	base_cache_list_free(v, nr);
	return status;
}

static int remove_entry(const struct cache_cmd *cc, const struct base_entry *e)
{
	int r;

	if (cc->dry_run)
		return 0;
	r = base_cache_remove(e);
	if (r < 0)
		log_error_errno(r, "cannot remove '%s': %m", e->archive);
	return r;
}

/*
 * What a run that died while storing a base left behind: its partial
 * archive (NAME.part-XXXXXX), or an archive whose description was never
 * written. Removed only when nobody holds that base's lock.
 */
static int prune_leftovers(const struct cache_cmd *cc)
{
	struct strvec names = STRVEC_INIT;
	int r = list_dir(cc->dir, &names), status = 0;

	for (size_t i = 0; r >= 0 && i < names.nr; i++) {
		const char *n = names.v[i], *part = strstr(n, ".part-");
		size_t len = strlen(n), sl = strlen(BASE_ARCHIVE_SUFFIX);
		struct strbuf stem = STRBUF_INIT, conf = STRBUF_INIT;
		char *path = path_join(cc->dir, n);
		int lock = -1;

		if (part)
			strbuf_add(&stem, n, (size_t)(part - n));
		else if (len > sl && !strcmp(n + len - sl,
					     BASE_ARCHIVE_SUFFIX))
			strbuf_add(&stem, n, len - sl);
		strbuf_addf(&conf, "%s/%s%s", cc->dir, stem.buf,
			    BASE_CONF_SUFFIX);
		if (stem.len && (part || !path_exists(conf.buf)))
			lock = base_cache_trylock(cc->dir, stem.buf);
		if (lock >= 0) {
			printf("%s %s (unfinished)\n", cc->dry_run ?
			       "would remove" : "removing", n);
			if (!cc->dry_run && unlink(path) < 0) {
				log_error_errno(-errno, "cannot remove '%s': "
						"%m", path);
				status = 1;
			}
			base_cache_unlock(lock);
		}
		strbuf_release(&stem);
		strbuf_release(&conf);
		free(path);
	}
	strvec_clear(&names);
	return status;
}

/*
 * The images of the base name (e, or NULL when it is gone), under its
 * lock held exclusively: the guests' records are read only now, so that
 * a build holding the lock shared while it makes an overlay and writes
 * its record (base-image.h) is never missed.
 */
static int prune_images(const struct cache_cmd *cc, const char *name,
			const struct base_entry *e, int base_goes)
{
	struct base_image_users u = BASE_IMAGE_USERS_INIT;
	struct strbuf err = STRBUF_INIT;
	struct base_image *imgs = NULL;
	size_t n = 0;
	int status = 0, r;

	if (base_image_users_read(&u, &err) < 0 || u.unknown)
		warning("keeping every image of %s: not every guest's record "
			"could be read: %s", name, err.buf);
	r = base_image_list(cc->dir, name, &u, &imgs, &n);
	if (r < 0) {
		log_error_errno(r, "cannot read '%s': %m", cc->dir);
		status = 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct base_image *img = &imgs[i];
		const char *f = file_name(img->path), *why;
		int current = base_image_of_current(img, e);
		int used = u.unknown || img->dependants.nr, damaged = 0;
		struct strbuf deps = STRBUF_INIT;
		enum base_image_fate fate;

		if (!used && current && !base_goes) {
			struct strbuf bad = STRBUF_INIT;

			damaged = base_image_verify(img->path, &bad) < 0;
			strbuf_release(&bad);
		}
		fate = base_image_fate(used, current, base_goes, damaged,
				       &why);
		if (fate == BASE_IMAGE_REMOVE && !current && e)
			why = "made before its base was renewed";
		if (fate == BASE_IMAGE_KEEP) {
			debug("keeping %s: %s", f, why);
		} else if (fate == BASE_IMAGE_KEEP_FOR_GUESTS) {
			join_dependants(img, &deps);
			printf("keeping %s (%s: %s)\n", f, why, deps.buf);
		} else {
			printf("%s %s (%s)\n", cc->dry_run ? "would remove" :
			       "removing", f, why);
			r = cc->dry_run ? 0 : base_image_remove(img->path);
			if (r < 0) {
				log_error_errno(r, "cannot remove '%s': %m",
						img->path);
				status = 1;
			}
		}
		strbuf_release(&deps);
	}
	base_image_list_free(imgs, n);
	base_image_users_release(&u);
	strbuf_release(&err);
	return status;
}

static int cache_prune(const struct cache_cmd *cc)
{
	struct base_entry *v = NULL;
	struct base_image *imgs = NULL;
	struct strvec gone = STRVEC_INIT;
	size_t nr = 0, n = 0;
	time_t now = time(NULL);
	int r = base_cache_list(cc->dir, &v, &nr), status = 0;

	if (r < 0) {
		log_error_errno(r, "cannot read '%s': %m", cc->dir);
		return 1;
	}
	for (size_t i = 0; i < nr; i++) {
		const struct base_entry *e = &v[i];
		struct strbuf why = STRBUF_INIT;
		int lock = base_cache_trylock(cc->dir, e->name);

		if (lock == -EBUSY) {
			debug("keeping %s: in use", e->name);
			continue;
		}
		if (cc->all) {
			strbuf_addstr(&why, "--all");
		} else if ((unsigned long)(now - e->used) / 86400 >= cc->days) {
			strbuf_addf(&why, "not used for %lu days",
				    (unsigned long)(now - e->used) / 86400);
		} else {
			/* Fills why only when e is damaged. */
			(void)base_cache_verify(e, &why);
		}
		/* Its images first: removing the base would take those
		 * no guest reads without a word. */
		if (why.len)
			printf("%s %s (%s)\n", cc->dry_run ? "would remove" :
			       "removing", e->name, why.buf);
		if (prune_images(cc, e->name, e, why.len > 0))
			status = 1;
		if (why.len && remove_entry(cc, e) < 0)
			status = 1;
		base_cache_unlock(lock);
		strbuf_release(&why);
	}
	/* Images whose base is gone: under the lock of its name, which a
	 * build of that base would take. */
	(void)base_image_list(cc->dir, NULL, NULL, &imgs, &n);
	for (size_t i = 0; i < n; i++)
		if (!base_named(v, nr, imgs[i].base) &&
		    (!gone.nr || strcmp(gone.v[gone.nr - 1], imgs[i].base)))
			strvec_push(&gone, imgs[i].base);
	for (size_t i = 0; i < gone.nr; i++) {
		int lock = base_cache_trylock(cc->dir, gone.v[i]);

		if (lock == -EBUSY) {
			debug("keeping the images of %s: in use", gone.v[i]);
			continue;
		}
		if (prune_images(cc, gone.v[i], NULL, 1))
			status = 1;
		base_cache_unlock(lock);
	}
	base_image_list_free(imgs, n);
	strvec_clear(&gone);
	base_cache_list_free(v, nr);
	if (prune_leftovers(cc))
		status = 1;
	return status;
}

int cmd_cache(int argc, char **argv)
{
	enum { OPT_ALL = 256, OPT_CACHEDIR, OPT_DRY_RUN, OPT_HELP,
	       OPT_OLDER_THAN, OPT_VERBOSE };
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "cachedir", required_argument, NULL, OPT_CACHEDIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "older-than", required_argument, NULL, OPT_OLDER_THAN },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ NULL, 0, NULL, 0 },
	};
	struct setting cachedir = { O_CACHEDIR, NULL, NULL, NULL };
	struct cache_cmd cc = { .days = 30 };
	struct strbuf err = STRBUF_INIT;
	const char *verb = NULL;
	char *dir = NULL;
	struct config c;
	int opt, status = 0;

	config_init_defaults(&c);
	opterr = 0;
	/* Options may come before or after the action. */
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ALL:
			cc.all = 1;
			break;
		case OPT_CACHEDIR:
			cachedir.flag = optarg;
			break;
		case OPT_DRY_RUN:
			cc.dry_run = 1;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			goto out;
		case OPT_OLDER_THAN: {
			char *end;

			errno = 0;
			cc.days = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end ||
			    optarg[0] == '-') {
				error("--older-than: want a number of days, "
				      "not '%s'", optarg);
				status = 2;
				goto out;
			}
			break;
		}
		case OPT_VERBOSE:
			cc.verbose = 1;
			log_set_verbose(1);
			break;
		default:
			status = cmd_option_error(opt, argv);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		error(optind == argc ? "which action? list, verify or prune "
			"(see --help)" : "one action at a time (see --help)");
		status = 2;
		goto out;
	}
	verb = argv[optind];
	if (strcmp(verb, "list") && strcmp(verb, "verify") &&
	    strcmp(verb, "prune")) {
		error("unknown action '%s' (want list, verify or prune)", verb);
		status = 2;
		goto out;
	}
	if ((cc.all || cc.dry_run || cc.days != 30) && strcmp(verb, "prune")) {
		error("--all, --dry-run and --older-than are for prune");
		status = 2;
		goto out;
	}
	if (config_load(&c, paths_system_config(), &err) < 0) {
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	setting_pick(&c, &cachedir);
	if (!cachedir.value || cachedir.value[0] != '/') {
		setting_describe_bad(&cachedir, "must be an absolute path",
				     &err);
		error("%s", err.buf);
		status = 2;
		goto out;
	}
	dir = base_cache_dir(cachedir.value);
	cc.dir = dir;
	/* A build would refuse it: its bases, good or not, are never used. */
	if (base_cache_check_dir(dir, &err) < 0) {
		if (!strcmp(verb, "verify")) {
			error("%s; no build uses its bases", err.buf);
			status = 1;
		} else {
			warning("%s; no build uses its bases", err.buf);
		}
	}
	if (!strcmp(verb, "prune") && !cc.dry_run && geteuid() != 0) {
		error("must be run as root to prune the cache (try --dry-run)");
		status = 1;
		goto out;
	}
	if (!strcmp(verb, "list"))
		status |= cache_list(&cc);
	else if (!strcmp(verb, "verify"))
		status |= cache_verify(&cc);
	else
		status |= cache_prune(&cc);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(-errno, "cannot write to standard output: %m");
		status = 1;
	}
out:
	free(dir);
	config_release(&c);
	strbuf_release(&err);
	return status;
}
