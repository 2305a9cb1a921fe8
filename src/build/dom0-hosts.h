/*
 * dom0-hosts.h: dom0's /etc/hosts and the guest. --hosts adds the guest's
 * name and static address to it (a line of our own, removed again by
 * delete-image, and by the journal when the build fails or is killed);
 * --copyhosts copies dom0's entries into the guest's /etc/hosts. Nothing
 * here touches dom0's file unless --hosts asks.
 *
 * Our line is "ADDR<TAB>FQDN[ SHORT]<TAB># create-image": removal takes
 * exactly that line away and leaves everything else, byte for byte.
 */
#ifndef DOM0_HOSTS_H
#define DOM0_HOSTS_H

#include "strbuf.h"

struct strvec;
struct journal;

#define DOM0_HOSTS_FILE "/etc/hosts"

/* The line --hosts adds for hostname at addr (no newline); caller frees. */
char *dom0_hosts_line(const char *addr, const char *hostname);

/*
 * Whether path may take line: 0 when no entry names the line's host, 1
 * when line is there already; -EEXIST with "PATH:N: ..." in err when
 * another entry names the host (or its short name), whose address would
 * then be ambiguous. A missing file is an empty one.
 */
int dom0_hosts_check(const char *path, const char *line, struct strbuf *err);

/*
 * Add line to path, under a lock that serializes our runs (a fleet adds
 * many at once), atomically (a temporary file renamed over it, keeping its
 * mode and owner; rewritten in place where path is a mount point, as in a
 * container) after checking again as dom0_hosts_check() does. Journaled
 * in j first (when j is not NULL), so a failed or killed build takes it
 * away again. 0 when added, 1 when it was there already (not journaled:
 * it is not ours to remove).
 */
int dom0_hosts_add(const char *path, const char *line, struct journal *j,
		   struct strbuf *err);

/* The lines of path that --hosts added for hostname, in *ret. */
int dom0_hosts_find(const char *path, const char *hostname,
		    struct strvec *ret, struct strbuf *err);

/* Take line out of path, under the same lock; 0, also when it was not
 * there. */
int dom0_hosts_remove(const char *path, const char *line, struct strbuf *err);

/*
 * The entries of path to copy into a guest named hostname: every entry
 * but comments, loopback and IPv6's special addresses (the guest's own
 * file has those) and any that names the guest, each as "ADDR<TAB>NAMES".
 */
int dom0_hosts_copy(const char *path, const char *hostname,
		    struct strvec *ret, struct strbuf *err);

/* For journal_load(): the undo of dom0_hosts_add(). */
struct journal_undo;
extern const struct journal_undo dom0_hosts_undo;

#endif
