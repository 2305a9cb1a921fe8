/*
 * build.h: building one guest. The build is an ordered table of stages
 * (make the disks, install, customize, ...), each journaling what it
 * creates, driven by one loop that reports every stage to a progress
 * callback. create-image and the fleet runner both drive it; neither the
 * stages nor the loop print a result: what the user sees (human text,
 * JSON events, a progress line) is the caller's callback.
 */
#ifndef BUILD_H
#define BUILD_H

#include "config.h"
#include "archive-state.h"
#include "guest.h"
#include "journal.h"
#include "render.h"
#include "rootfs.h"
#include "storage.h"
#include "strbuf.h"
#include "strvec.h"

enum build_event_kind {
	BUILD_STAGE_STARTED,
	BUILD_STAGE_FINISHED,
	/* The build failed: message is the one-line reason, already
	 * naming the step ("cannot install the system: ..."), led by
	 * the cause when that was not the step ("the file system holding
	 * '/srv/xen' is full ...: cannot customize the guest: ..."). */
	BUILD_FAILED,
};

struct build_event {
	enum build_event_kind kind;
	const char *hostname;
	const char *stage;	/* "disks", "install", ...: stable names */
	const char *title;	/* "making the disks": for people */
	double elapsed;		/* STAGE_FINISHED: the stage's seconds */
	double total;		/* seconds since build_run() started */
	const char *message;	/* BUILD_FAILED */
};

typedef void build_progress_fn(const struct build_event *ev, void *data);

struct build {
	struct guest g;
	struct storage st;
	struct journal j;
	char *mnt;		/* the guest's root, mounted */
	/* The tree at mnt, once installing starts: what the build reads or
	 * writes in it goes through this, never through a path. */
	struct rootfs *root;
	struct boot_info boot;
	char *password;		/* generated, plain text: the summary's */
	char *hash;
	struct strvec fingerprints;	/* "ED25519 256 SHA256:..." */
	struct strbuf xl_cfg;
	/* What the guest is built from, for its record (settings.h), and
	 * the pool its address came from, if any: the caller's to fill. */
	struct strvec settings;
	char *pool;
	/*
	 * The archive as the mirrors give it now (archive_known), and the
	 * state the guest's packages come from (archive_state_format(); ""
	 * when not known): the cached base's, or the one just built.
	 */
	struct archive_state archive;
	int archive_known;
	char *built_from;
	/* The cached base the guest comes from (base_cache_name()), or
	 * NULL; the base image its qcow2 overlay reads, or NULL. */
	char *base_name;
	char *backing;
	/* The root disk was cloned from the base image (clone.h): no mkfs,
	 * no unpack. */
	int cloned;
	/* The base's lock, held shared from before a qcow2 overlay of its
	 * image is made until build_finish(), after the record naming the
	 * image is written (or the overlay is undone): see base-image.h.
	 * -1 when none is held. */
	int base_lock;
	struct strbuf error;	/* why the build failed, once it has */
	const char *stage;	/* the stage running, or the one that failed */
	double started;
	build_progress_fn *progress;
	void *progress_data;
};

/* A zeroed build that reports to progress(ev, data); progress may be
 * NULL. The guest is filled in by the caller (guest_from_config()). */
void build_init(struct build *b, build_progress_fn *progress, void *data);
void build_release(struct build *b);

/*
 * Lay out the storage and render the xl.cfg with placeholders for what
 * only the build can know, so a broken --template or a file xl would
 * refuse stops the run before anything is created. -EINVAL with the
 * reason in err, naming the template.
 */
int build_prepare(struct build *b, struct strbuf *err);
/* The --dry-run text: the plan, then the xl.cfg (after build_prepare). */
void build_plan(struct build *b, struct strbuf *out);

/*
 * Whether the guest exists already: its config, its directory, its
 * record, or (with check_storage, which may ask LVM or open devices) a
 * disk in the way. -EEXIST is what --force may replace; with --force,
 * -EBUSY while the guest runs. Then whether the host's file systems have
 * room for the image files and a base to be cached: -ENOSPC with what
 * is needed and what is free. build_bad_input() tells which errors are
 * the user's to fix (exit status 2).
 */
int build_check_existing(struct build *b, int check_storage,
			 struct strbuf *err);
int build_bad_input(int r);

/*
 * Mounts made from here on are this process's alone: the host never sees
 * the guest's file systems, and a run killed outright takes its mounts
 * with it. build_host_mounts() goes back to the host's namespace,
 * for what runs after the build (xl create's monitor).
 */
int build_private_mounts(void);
int build_host_mounts(void);

/* LOGDIR/HOSTNAME.log; caller frees. */
char *build_log_path(const struct build *b);
/* Append every message to LOGDIR/HOSTNAME.log, headed by the settings. */
int build_open_log(const struct build *b, const struct config *c,
		   struct strbuf *err);

/*
 * Run every stage in order. 0 when the guest is built; otherwise the
 * error, after one BUILD_FAILED event with the reason (none for -EINTR:
 * a signal is the caller's to report). Either way build_finish() must
 * follow, which keeps or undoes what the stages journaled.
 */
int build_run(struct build *b);
/* The name of stage i, in order; NULL past the last. */
const char *build_stage_name(size_t i);
/*
 * Stop what is left running in the guest, then keep (ok) or
 * roll back (!ok, unless keep) everything the run created. 0, or the
 * first error of the rollback (each one is logged).
 */
int build_finish(struct build *b, int ok);

/* Start the built guest with "xl create"; 0, or -errno with err. */
int build_boot(struct build *b, struct strbuf *err);

/*
 * The guest's record (manifest.h), as written at the end of the build:
 * what list-images and delete-image read back. Before the build it holds
 * the plan (disks without UUIDs). m is manifest_init()ed by the caller.
 */
struct manifest;
void build_record(const struct build *b, struct manifest *m);

/* The human summary of a built guest (what create-image prints). */
void build_summary(const struct build *b, struct strbuf *out);

#endif
