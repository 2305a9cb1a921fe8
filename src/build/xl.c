/* xl.c: see xl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "run-command.h"
#include "xl.h"
#include "banned.h"

static const char *xen_proc(void)
{
	const char *env = getenv("CREATE_IMAGE_XEN_PROC");

	return env && *env ? env : "/proc/xen";
}

char *xl_capabilities_path(void)
{
	return path_join(xen_proc(), "capabilities");
}

int xl_hypervisor_present(void)
{
	char *caps = xl_capabilities_path();
	int r = path_exists(caps);

	free(caps);
	return r;
}

const char *xl_program(void)
{
	const char *env = getenv("CREATE_IMAGE_XL");

	return env && *env ? env : "xl";
}

/* Whether one of "xl list"'s rows, after its header, is named name. */
static int listed(const char *out, const char *name)
{
	size_t len = strlen(name);
	const char *line = strchr(out, '\n');

	while (line) {
		line++;
		line += strspn(line, " \t");
		if (!strncmp(line, name, len) &&
		    (line[len] == ' ' || line[len] == '\t' ||
		     line[len] == '\n' || line[len] == '\0'))
			return 1;
		line = strchr(line, '\n');
	}
	return 0;
}

int xl_domain_running(const char *name, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;

	/* No hypervisor below us: no domain can be running. */
	if (!xl_hypervisor_present())
		return 0;
	strvec_pushl(&cp.args, xl_program(), "list", NULL);
	cp.capture = 1;
	r = run_command(&cp);
	if (r == -ENOENT) {
		/* Xen without its toolstack here: nothing we made runs. */
		r = 0;
	} else if (r < 0) {
		child_describe_failure_output(&cp, r, err);
	} else {
		r = listed(cp.out.buf, name);
	}
	child_process_clear(&cp);
	return r;
}
