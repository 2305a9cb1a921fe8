/* cmd-common.c: see cmd-common.h. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "build.h"
#include "cmd-common.h"
#include "lock.h"
#include "log.h"
#include "manifest.h"
#include "net.h"
#include "run-command.h"
#include "strbuf.h"
#include "xl.h"
#include "banned.h"

int cmd_option_error(int c, char *const argv[])
{
	if (c == ':')
		error("'%s' needs a value", argv[optind - 1]);
	else
		error("unknown option '%s' (see --help)", argv[optind - 1]);
	return 2;
}

int cmd_refuse_running(const char *name)
{
	struct strbuf err = STRBUF_INIT;
	int r = xl_domain_running(name, &err), status = 0;

	if (r > 0) {
		error("guest '%s' is running; shut it down first (xl shutdown "
		      "%s)", name, name);
		status = 2;
	} else if (r < 0) {
		error("cannot tell whether guest '%s' is running: %s", name,
		      err.buf);
		status = 1;
	}
	strbuf_release(&err);
	return status;
}

int cmd_one_guest(int argc, char *const argv[], const char *verb,
		  const char **ret_name)
{
	if (optind != argc - 1) {
		if (optind == argc)
			error("which guest? give its name (see --help)");
		else
			error("%s takes one guest", verb);
		return 2;
	}
	if (hostname_valid(argv[optind]) < 0) {
		error("invalid hostname '%s'", argv[optind]);
		return 2;
	}
	*ret_name = argv[optind];
	return 0;
}

int cmd_read_record(const char *name, struct manifest *m, char **ret_path)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	*ret_path = manifest_path(name);
	r = manifest_read(*ret_path, m, &err);
	if (r == -ENOENT)
		error("no guest '%s' (no record '%s')", name, *ret_path);
	else if (r < 0)
		error("%s", err.buf);
	strbuf_release(&err);
	return r < 0 ? 2 : 0;
}

int cmd_guest_names(size_t n, const char *const names[])
{
	if (!n) {
		error("which guest? give its name (see --help)");
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		if (hostname_valid(names[i]) < 0) {
			error("invalid hostname '%s' (want an RFC 1123 name "
			      "like 'web1' or 'web1.example.org')", names[i]);
			return 2;
		}
	}
	return 0;
}

int cmd_need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	error("must be run as root to %s", what);
	return 1;
}

int cmd_lock_guest(const char *name, int *ret_fd)
{
	struct strbuf err = STRBUF_INIT;
	int fd = guest_lock(name, &err);

	if (fd < 0)
		error("%s", err.buf);
	strbuf_release(&err);
	*ret_fd = fd;
	return fd < 0 ? 1 : 0;
}

int cmd_take_guest(const char *name, int *ret_lock, struct manifest *m,
		   char **ret_path)
{
	int status = cmd_lock_guest(name, ret_lock);

	if (!status)
		status = cmd_read_record(name, m, ret_path);
	if (!status)
		status = cmd_refuse_running(name);
	return status;
}

int cmd_undone(const char *verb, const char *name, int r, const char *why)
{
	error("cannot %s '%s': %s%s", verb, name, why,
	      r == -EINTR ? "" : "; the guest is as it was");
	return signals_pending() ? 128 + signals_pending() : 1;
}

int cmd_private_mounts(void)
{
	int r = build_private_mounts();

	if (r < 0) {
		log_error_errno(r, "cannot make a private mount namespace: %m");
		return 1;
	}
	return 0;
}

int cmd_boot_needs_xen(void)
{
	char *caps;

	if (xl_hypervisor_present())
		return 0;
	caps = xl_capabilities_path();
	error("--boot: no Xen hypervisor runs here ('%s' is missing): build "
	      "without --boot, and start the guest on a dom0", caps);
	free(caps);
	return 2;
}
