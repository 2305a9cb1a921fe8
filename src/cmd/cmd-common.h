/*
 * cmd-common.h: what the commands share in reading their command line,
 * so that each says a bad option in the same one line.
 */
#ifndef CMD_COMMON_H
#define CMD_COMMON_H

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

#endif
