/*
 * flatten.h: turn a guest's qcow2 overlay, whose backing file is a base
 * image (base-image.h), into a standalone qcow2, so that the guest no
 * longer pins the image and can move to another host.
 */
#ifndef FLATTEN_H
#define FLATTEN_H

#include "journal.h"
#include "manifest.h"
#include "strbuf.h"

/*
 * The backing file the qcow2 at path names (qemu-img info): 1 with it in
 * *ret_backing (caller frees; NULL to ignore it), 0 when it has none,
 * -errno with err when it cannot be read.
 */
int flatten_backing_of(const char *path, char **ret_backing,
		       struct strbuf *err);

/*
 * Make the qcow2 at path standalone: qemu-img convert of it (with what it
 * reads from its backing file) into PATH.flatten-PID beside it, fsync,
 * rename over path, fsync of the directory. The part file is in j before
 * it exists and goes on any failure or signal (and, when j is on disk, in
 * the recovery of a run killed outright), so path is either as it was or
 * standalone with the same content. 0 or -errno with err (-EINTR for a
 * signal).
 */
int flatten_disk(const char *path, struct journal *j, struct strbuf *err);

/*
 * Flatten every qcow2 disk of the guest m (read from mpath) that has a
 * backing file (flatten_disk() with j), then write m with backing "" to
 * mpath (atomically). The
 * number of disks flattened; -ENODATA when the record names no backing
 * file and no disk has one; another -errno with err. The caller holds the
 * guest's lock and has made sure it is not running.
 */
int flatten_guest(struct manifest *m, const char *mpath, struct journal *j,
		  struct strbuf *err);

/*
 * flatten_guest() with a journal on disk (recover.h), so that what a run
 * killed outright leaves is undone by the next run for the guest or by
 * create-image recover; what such runs left is undone first. The same
 * returns.
 */
int flatten_run(struct manifest *m, const char *mpath, struct strbuf *err);

#endif
