/*
 * xentools.h: the names of xen-create-image's options that create-image
 * does not have in its own option table (options.h), and what becomes of
 * each: another spelling of one of ours, accepted with a warning because
 * it has no effect here, or refused with what to use instead. A
 * command line or configuration file brought from xen-tools so says what
 * happened to every option in it. Names compare as option_find()'s do
 * ('_' and '-' are one).
 */
#ifndef XENTOOLS_H
#define XENTOOLS_H

#include "strbuf.h"

enum xentools_kind {
	XENTOOLS_ALIAS,		/* one of our settings, another spelling */
	XENTOOLS_IGNORED,	/* accepted with a warning: no effect here */
	XENTOOLS_REFUSED,	/* exit 2, with what to use instead */
};

struct xentools_option {
	const char *name;	/* as xen-create-image spells it */
	enum xentools_kind kind;
	int takes_value;	/* xen-tools' "NAME=VALUE" options */
	/*
	 * XENTOOLS_ALIAS: our setting, and its value for each value xen-tools
	 * takes, as "XENTOOLS=OURS" pairs; "XENTOOLS=" has no effect. A value
	 * not listed is refused. An option without a value has one pair,
	 * "=OURS", for the option given.
	 */
	const char *to;
	const char *const *values;
	/* Why (every kind but an alias): one phrase for the message. */
	const char *why;
};

/* The entry for name, or NULL when xen-tools has no such option that
 * options.h lacks. */
const struct xentools_option *xentools_find(const char *name);

/*
 * What the setting x->to takes for xen-tools' value: *ret_value is ours,
 * or NULL when the value asks for nothing. -EINVAL with "'VALUE' is not
 * one of ..." in err when xen-tools would not take it either.
 */
int xentools_value(const struct xentools_option *x, const char *value,
		   const char **ret_value, struct strbuf *err);

/* Every entry, in name order, ending with a zeroed one. */
extern const struct xentools_option xentools_options[];

#endif
