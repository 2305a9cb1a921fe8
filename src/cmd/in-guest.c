/*
 * in-guest.c: main of in-guest, which hooks and roles run a command in
 * the guest with: "in-guest CMD [ARG...]" runs CMD in the sandbox
 * (sandbox.h) of the guest whose root is $CREATE_IMAGE_ROOT. Called as
 * "chroot" (a link on the hooks' PATH) it takes "chroot ROOT [CMD...]",
 * as chroot(8) does, but only for that guest's root, so the chroot calls
 * of administrators' hooks and of xen-tools roles are sandboxed too.
 *
 * Exit status: the command's (128 + N when signal N killed it); 125 when
 * in-guest itself failed, 126 when the command cannot be run, 127 when
 * the guest has no such command.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "macros.h"
#include "sandbox.h"
#include "strbuf.h"
#include "banned.h"

#define EXIT_FAILED 125

/* Nothing must take the place of a closed stdin, stdout or stderr. */
static void sanitize_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			abort();
	}
}

/* $CREATE_IMAGE_ROOT, checked: a directory, and not the host's root. */
static const char *guest_root(struct stat *ret_st)
{
	const char *root = getenv("CREATE_IMAGE_ROOT");
	struct stat host;

	if (!root || !*root) {
		error("CREATE_IMAGE_ROOT is not set: %s runs a command in "
		      "the guest that a hook or role is building, and only "
		      "there", log_prog());
		return NULL;
	}
	if (root[0] != '/' || stat(root, ret_st) < 0 ||
	    !S_ISDIR(ret_st->st_mode)) {
		error("CREATE_IMAGE_ROOT '%s' is not a directory", root);
		return NULL;
	}
	if (stat("/", &host) == 0 && host.st_dev == ret_st->st_dev &&
	    host.st_ino == ret_st->st_ino) {
		error("CREATE_IMAGE_ROOT '%s' is the host's root, not a "
		      "guest's", root);
		return NULL;
	}
	return root;
}

int main(int argc, char **argv)
{
	static char *const shell[] = { "/bin/sh", "-i", NULL };
	const char *slash = strrchr(argv[0], '/');
	const char *name = slash ? slash + 1 : argv[0];
	struct strbuf err = STRBUF_INIT;
	struct sandbox sb = { .envp = environ };
	struct stat root_st, st;
	int chroot_shim = streq(name, "chroot"), first = 1, r;

	sanitize_std_fds();
	log_init(chroot_shim ? "chroot" : "in-guest");
	if (first < argc && streq(argv[first], "--"))
		first++;
	if (first < argc && argv[first][0] == '-') {
		error("'%s': no options are taken here; usage: %s", argv[first],
		      chroot_shim ? "chroot ROOT [COMMAND [ARG...]]" :
				    "in-guest COMMAND [ARG...]");
		return EXIT_FAILED;
	}
	if (first >= argc) {
		error("usage: %s", chroot_shim ?
		      "chroot ROOT [COMMAND [ARG...]]" :
		      "in-guest COMMAND [ARG...]");
		return EXIT_FAILED;
	}
	sb.root = guest_root(&root_st);
	if (!sb.root)
		return EXIT_FAILED;
	if (chroot_shim) {
		const char *want = argv[first++];

		if (stat(want, &st) < 0 || st.st_dev != root_st.st_dev ||
		    st.st_ino != root_st.st_ino) {
			error("only the guest's root '%s' can be entered "
			      "here, not '%s'", sb.root, want);
			return EXIT_FAILED;
		}
	}
	sb.argv = first < argc ? argv + first : shell;
	r = sandbox_run(&sb, &err);
	if (r >= 0)
		return r;
	error("%s", err.len ? err.buf : strerror(-r));
	strbuf_release(&err);
	return r == -ENOENT ? 127 : r == -EACCES || r == -ENOEXEC ? 126 :
				    EXIT_FAILED;
}
