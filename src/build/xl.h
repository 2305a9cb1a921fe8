/*
 * xl.h: asking the toolstack about running domains.
 */
#ifndef XL_H
#define XL_H

#include "strbuf.h"

/*
 * Whether a domain called name is running, from "xl list": 1 running,
 * 0 not. When no hypervisor is running here (no /proc/xen/capabilities)
 * or xl is not installed, nothing can be running: 0. When xl exists on
 * a Xen host but fails, we cannot tell: negative errno, reason in err
 * (with xl's last line of output).
 *
 * $CREATE_IMAGE_XEN_PROC replaces /proc/xen, for the tests: pointed at a
 * directory holding a "capabilities" file, with an xl of their own in
 * $CREATE_IMAGE_XL, they play a Xen host with running domains.
 */
int xl_domain_running(const char *name, struct strbuf *err);

/*
 * Whether a Xen hypervisor runs below us: /proc/xen/capabilities (or
 * $CREATE_IMAGE_XEN_PROC's) exists. Nothing else needs one; --boot does.
 */
int xl_hypervisor_present(void);
/* The capabilities file looked for, for messages; caller frees. */
char *xl_capabilities_path(void);

/*
 * The xl program to run: $CREATE_IMAGE_XL (an absolute path, for an xl
 * installed outside RUN_COMMAND_PATH, or the tests' recording one), else
 * "xl", which is found on RUN_COMMAND_PATH.
 */
const char *xl_program(void);

#endif
