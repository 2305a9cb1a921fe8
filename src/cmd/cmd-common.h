/*
 * cmd-common.h: what the commands share in reading their command line,
 * so that each says a bad option in the same one line.
 */
#ifndef CMD_COMMON_H
#define CMD_COMMON_H

#include <stddef.h>

/*
 * Say why getopt_long() (with ':' leading its option string, and the
 * option just read at argv[optind - 1]) refused an option: c is ':' for
 * a missing value, anything else for an unknown option. Returns 2, the
 * exit status of bad usage.
 */
int cmd_option_error(int c, char *const argv[]);

/*
 * Refuse to work on guest name while it runs, as xl says, in one line:
 * 0 when it does not run, else the exit status to stop with (2 while it
 * runs, 1 when xl cannot tell).
 */
int cmd_refuse_running(const char *name);

/*
 * The one guest a command such as export takes after its options
 * (argv[optind], the last argument), checked as a host name; verb names
 * the command in the message. 0, or the exit status (2) after one line.
 */
int cmd_one_guest(int argc, char *const argv[], const char *verb,
		  const char **ret_name);

/*
 * The record of guest name (manifest.h) into m, its path into *ret_path
 * (the caller frees it either way). 0, or 2 after one line: no such
 * guest, or a record that cannot be read.
 */
struct manifest;
int cmd_read_record(const char *name, struct manifest *m, char **ret_path);

/*
 * The guests named by the n names, as delete-image and update-image take
 * them: at least one, each a valid host name. 0, or 2 after one line.
 */
int cmd_guest_names(size_t n, const char *const names[]);

/*
 * Refuse to go on unless run as root: 0, or 1 after the line "must be run
 * as root to WHAT".
 */
int cmd_need_root(const char *what);

/*
 * Take guest name's lock (lock.h) into *ret_fd: no build, export or delete
 * of it meanwhile. 0, or 1 after one line.
 */
int cmd_lock_guest(const char *name, int *ret_fd);

/*
 * What a command that changes a built guest does first: take its lock
 * into *ret_lock (cmd_lock_guest()), read its record into m and its path
 * into *ret_path (cmd_read_record()) and refuse it running
 * (cmd_refuse_running()). 0, or the exit status of the first that fails;
 * the caller closes *ret_lock when it is not -1 and frees *ret_path.
 */
int cmd_take_guest(const char *name, int *ret_lock, struct manifest *m,
		   char **ret_path);

/*
 * A mount namespace of this process's own for what it mounts
 * (build_private_mounts()). 0, or 1 after one line.
 */
int cmd_private_mounts(void);

/*
 * Say in one line that the command (verb, "flatten") failed on guest name
 * with r (-errno) for the reason why, and that the guest is as it was
 * unless a signal stopped it (-EINTR). Returns the exit status: 128 plus
 * the signal that came, or 1.
 */
int cmd_undone(const char *verb, const char *name, int r, const char *why);

/*
 * --boot asks for a hypervisor to start the guest on: refuse it in one
 * line, before anything is made, where none runs. 0, or 2.
 */
int cmd_boot_needs_xen(void);

#endif
