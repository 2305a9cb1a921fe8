/*
 * sandbox.h: run a command inside a guest's root without handing it the
 * host. Everything the guest brings with it (its package scripts, its
 * ssh-keygen, a tarball's binaries) runs as root, so it gets a root of its
 * own: new PID, mount, IPC and UTS namespaces; the guest's tree as its
 * root (pivot_root, the host's mounts detached); a private /dev with only
 * null, zero, full, random, urandom, tty, a new devpts and /dev/shm; its
 * own /proc with the kernel's global knobs read-only or masked; /sys
 * read-only; and capabilities bounded to what installing packages needs.
 * The host's network is shared: package scripts and hooks need DNS.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdint.h>

#include "strbuf.h"

/* The PATH a command inside the sandbox gets, whatever the caller's. */
#define SANDBOX_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

struct sandbox {
	const char *root;	/* the guest's root directory, absolute */
	char *const *argv;	/* the command, looked up in SANDBOX_PATH */
	char *const *envp;	/* its environment; PATH is replaced */
};

/*
 * Run the command in a sandbox at root and wait for it. Returns its exit
 * status, or 128 + N when signal N killed it; -errno with the reason in
 * err when the sandbox could not be made or the command not started
 * (-ENOENT: no such command in the guest). SIGHUP, SIGINT, SIGQUIT,
 * SIGTERM, SIGUSR1, SIGUSR2 and SIGWINCH sent to the caller meanwhile are
 * passed on to the command; if the caller dies, the sandbox and all that
 * runs in it are killed. The command gets only stdin, stdout and stderr
 * of the caller's descriptors, and starts in the guest's "/".
 *
 * Needs root (not in a user namespace) and Linux 5.12 (mount_setattr);
 * meant for a single-threaded caller.
 */
int sandbox_run(const struct sandbox *sb, struct strbuf *err);

/*
 * The capabilities a command in the sandbox keeps, as a bit mask by
 * capability number: what dpkg, apt, debootstrap's second stage and the
 * hooks need (owners, modes, set-id, file capabilities, chroot, signals
 * to its own processes). Every other one, present or future, is dropped
 * from the bounding, effective, permitted and inheritable sets; the
 * ambient set is cleared.
 */
uint64_t sandbox_capabilities(void);

#endif
