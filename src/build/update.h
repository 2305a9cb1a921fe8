/*
 * update.h: bring a built guest's packages up to date while it is shut
 * down (xen-tools' xen-update-image): its file systems mounted again from
 * its record (guest-disks.h), apt-get update and full-upgrade run in its
 * sandbox with no service started, and a new kernel made the one it
 * boots, the one before it kept to fall back to.
 */
#ifndef UPDATE_H
#define UPDATE_H

#include "manifest.h"
#include "strbuf.h"
#include "strvec.h"

/* What an update did, or with dry_run would do. */
struct update_result {
	/* "NAME OLD NEW" per package; OLD is "-" for a new one, NEW "-"
	 * for one removed; sorted by name */
	struct strvec changes;
	char *kernel_before, *kernel_after;	/* versions, or NULL */
	int menu;		/* the boot menu was rewritten */
	int direct;		/* the kernel xl boots from dom0 was replaced */
};

#define UPDATE_RESULT_INIT { .changes = STRVEC_INIT }
void update_result_release(struct update_result *res);

/*
 * The package changes apt-get -s (simulate) prints as "Inst" and "Remv"
 * lines, in the form of update_result's changes, appended to ret.
 */
void update_parse_simulation(const char *text, struct strvec *ret);

/*
 * Update guest m, which the caller has locked and made sure is not
 * running. Its file systems are mounted read-write at a scratch
 * directory; in its sandbox (in-guest) apt-get update and apt-get -y
 * full-upgrade run noninteractive, keeping changed configuration files,
 * with a policy-rc.d that starts no service and the host's resolv.conf
 * lent, both taken back after. When that installs a kernel newer than
 * the one the guest booted, /boot/grub/grub.cfg boots the new one first
 * and the old one second (an HVM guest's menu is moved aside while apt
 * runs: its own update-grub cannot find its disk in the sandbox); a
 * direct boot's copy of the kernel and initrd in
 * STATEDIR/kernels/HOST is replaced, the old one kept beside it as
 * vmlinuz.old and initrd.img.old.
 *
 * With dry_run, apt-get update fetches the package lists into a scratch
 * directory inside the guest, removed after, and apt-get -s says what
 * full-upgrade would do: the guest's packages, lists and files are left
 * as they were.
 *
 * Everything set up for the work (loop devices, exports, mounts, the
 * lent files) is journaled, on disk for what outlives a run killed
 * outright, and undone on failure or a signal too; what apt and dpkg did
 * before a failure stays done, as dpkg recorded it. 0, or -errno with
 * err.
 */
int update_run(const struct manifest *m, int dry_run,
	       struct update_result *res, struct strbuf *err);

#endif
