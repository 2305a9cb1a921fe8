/*
 * guest-run.h: run one command inside a guest's tree, in its sandbox
 * (in-guest), from a cleared environment: for the core's own steps on the
 * guest (its SSH host keys, GRUB's image), as the hooks run theirs.
 */
#ifndef GUEST_RUN_H
#define GUEST_RUN_H

#include "rootfs.h"
#include "strbuf.h"

/*
 * argv (NULL-terminated) run by in-guest in the tree at root, its output
 * logged. 0, or -errno with what failed and the end of its output in err.
 */
int guest_run(const struct rootfs *root, const char *const *argv,
	      struct strbuf *err);

#endif
