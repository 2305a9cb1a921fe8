/*
 * qcow2-fuse.h: a qcow2 image written as a plain file: qemu-storage-daemon
 * exports it with FUSE onto an empty regular file (the mount point), which
 * takes a loop device and a file system like any raw image. There is no
 * nbd or device-mapper to reach it otherwise.
 *
 * The daemon runs in a session of its own and outlives a run killed
 * outright: its journal entry (qcow2_fuse_undo) is undone by the next
 * run's recovery too, which stops the daemon, makes sure the FUSE mount is
 * gone and removes the mount point and the pid file.
 */
#ifndef QCOW2_FUSE_H
#define QCOW2_FUSE_H

#include "journal.h"
#include "strbuf.h"
#include "strvec.h"

/* MNT.pid, where the daemon of the export at mnt writes its pid;
 * caller frees. */
char *qcow2_fuse_pidfile(const char *mnt);

/*
 * The argv of the daemon that exports the qcow2 image at image onto mnt,
 * writable, and forks into the background once the export is ready,
 * writing its pid to pidfile.
 */
void qcow2_fuse_args(const char *image, const char *mnt, const char *pidfile,
		     struct strvec *args);

/*
 * Export image onto mnt (a new file, made here). The export is in j
 * (held, qcow2_fuse_undo) before the file or the daemon exist; undoing it
 * is qcow2_fuse_stop(mnt). Returns when the export can be opened: 0, or
 * -errno with err (the entry stays, for the undo to clear up).
 */
int qcow2_fuse_start(const char *image, const char *mnt, struct journal *j,
		     struct strbuf *err);

/*
 * Stop the export at mnt: flush it (fsync), wait a little for the loop
 * devices over it to go, SIGTERM its daemon (which writes back and closes
 * the image) and wait for it to end (SIGKILL after 20 s); unmount mnt if
 * it is still mounted here, and remove mnt and its pid file. What is
 * already gone is no failure. 0, or -errno with err.
 */
int qcow2_fuse_stop(const char *mnt, struct strbuf *err);

/* The daemon's pid by the process table: the qemu-storage-daemon whose
 * argv exports onto mnt; 0 when there is none. */
long qcow2_fuse_find(const char *mnt);

/* "qcow2-fuse": qcow2_fuse_stop(arg), logging its reason. */
extern const struct journal_undo qcow2_fuse_undo;

#endif
