/* qcow2-info.c: see qcow2-info.h. */
#include "qcow2-info.h"
#include "run-command.h"
#include "banned.h"

int qcow2_info(const char *path, struct strbuf *json, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	cp.capture = 1;
	cp.quiet = 1;
	strvec_pushl(&cp.args, "qemu-img", "info", "--output=json", "-f",
		     "qcow2", path, NULL);
	r = run_command(&cp);
	if (r < 0)
		child_describe_failure_output(&cp, r, err);
	else
		strbuf_add(json, cp.out.buf, cp.out.len);
	child_process_clear(&cp);
	return r;
}
