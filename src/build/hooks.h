/*
 * hooks.h: the customization plug-ins: executables from hooks/ (every
 * guest), distros/FAMILY/hooks, distros/RELEASE/hooks and the
 * administrator's --hooks-dir, merged by name (a later directory's file
 * replaces a same-named one, new names are added) and run in name order
 * as "HOOK ROOT" with a documented environment. --role scripts run after
 * them the same way, and --finalrole scripts once the xl.cfg is written.
 */
#ifndef HOOKS_H
#define HOOKS_H

#include "guest.h"
#include "strbuf.h"
#include "strvec.h"

/*
 * The two stages hooks run in. Base hooks, from the "base" subdirectory of
 * each hook directory, run once when the shared base is built: they must
 * not depend on the guest, get no guest settings, and their content is
 * part of the base's cache key. Guest hooks run for every guest.
 */
enum hook_stage {
	HOOKS_GUEST,
	HOOKS_BASE,
};

/* Full paths of the hooks of one stage, in order. */
int hooks_collect(const struct guest *g, enum hook_stage stage,
		  struct strvec *ret);
/* The environment hooks and roles get (see create-image(8)). */
void hooks_env(const struct guest *g, enum hook_stage stage,
	       const char *root, struct strvec *env);
/*
 * Run each script as "script ROOT [ARG...]", args being NULL for none
 * (roles get --role-args); the first failure stops, naming it.
 * Their PATH starts with in-guest's directory (paths.h), so their guest
 * commands run in the guest's sandbox.
 */
int hooks_run(const struct guest *g, enum hook_stage stage, const char *root,
	      const struct strvec *scripts, const struct strvec *args,
	      const char *what, struct strbuf *err);
/*
 * Before the first role: the guest's package lists, which roles expect (a
 * base has none), fetched by its apt, and dpkg told not to fsync; after
 * the last: the lists and what apt downloaded removed, dpkg's setting
 * too. The lists are not fetched for a tree without /bin/sh or apt-get.
 */
int hooks_roles_apt(const struct guest *g, const char *root, int before,
		    struct strbuf *err);

#endif
