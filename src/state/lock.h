/*
 * lock.h: one create-image or delete-image per guest name at a time. Two
 * runs for the same name would both pass the existence checks and then
 * race for the same files and volumes.
 */
#ifndef LOCK_H
#define LOCK_H

#include "strbuf.h"

/*
 * Take /run/create-image/NAME.lock (flock, waiting 0.1 s at most) and
 * return its descriptor; the lock lasts until it is closed or the process
 * ends. -EBUSY when another run holds it, with the reason in err.
 */
int guest_lock(const char *name, struct strbuf *err);
/*
 * Whether a run holds NAME's lock, without waiting: 1 when it is held,
 * also when this very process took it with guest_lock(); 0 when it is
 * free or there is no lock file; -errno when that cannot be told.
 */
int guest_lock_held(const char *name);

#endif
