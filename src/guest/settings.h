/*
 * settings.h: what a guest was built from, as it is kept in its record,
 * so a later run can tell whether the guest still matches its recipe (a
 * fleet reports a guest whose manifest changed as "differs", naming the
 * keys). Every setting that shapes the guest is kept, in a canonical form
 * ("4G" and "4096M" are the same size); settings that only steer a run
 * (OPT_RUN: --force, --verbose, the cache, ...) and secrets are not.
 */
#ifndef SETTINGS_H
#define SETTINGS_H

#include "config.h"
#include "strvec.h"

/*
 * "key=value" for each kept setting of c, in option order, plus
 * "pool=NAME" when pool is not NULL. A guest whose addresses come from a
 * pool keeps the pool's name instead of its address settings (ip, mac,
 * gateway, ...), which the pool hands out.
 */
void settings_record(const struct config *c, const char *pool,
		     struct strvec *ret);
/* The keys whose values differ between two records, in want's order and
 * then have's; empty when they match. */
void settings_diff(const struct strvec *want, const struct strvec *have,
		   struct strvec *ret_keys);

#endif
