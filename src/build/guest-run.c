/* guest-run.c: see guest-run.h. */
#include <stdlib.h>

#include "guest-run.h"
#include "paths.h"
#include "run-command.h"
#include "strvec.h"
#include "banned.h"

int guest_run(const struct rootfs *root, const char *const *argv,
	      struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char *helper = paths_in_guest();
	int r;

	strvec_push(&cp.args, helper);
	strvec_pushv(&cp.args, argv);
	cp.clear_env = 1;
	strvec_pushf(&cp.env, "CREATE_IMAGE_ROOT=%s", root->path);
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure_output(&cp, r, err);
	free(helper);
	child_process_clear(&cp);
	return r;
}
