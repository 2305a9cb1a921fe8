/*
 * config.h: the merged settings of one run, and where each came from.
 *
 * Layers, lowest first: built-in defaults, the system file, --config FILE
 * (or a fleet file's defaults), a fleet guest's own settings, then flags;
 * a higher layer wins. Setting something replaces the settings it
 * conflicts with from lower layers (--ip replaces a configured dhcp = 1),
 * while two conflicting settings in the same layer are an error. Every
 * value keeps its origin ("--size", "/etc/x.conf:12") for error messages.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include "options.h"
#include "strbuf.h"
#include "strvec.h"

enum config_layer {
	LAYER_DEFAULT,
	LAYER_SYSTEM,
	LAYER_FILE,
	LAYER_GUEST,	/* one guest's entry in a fleet file */
	LAYER_FLAGS,
};

struct config_value {
	char *value;		/* NULL: unset */
	struct strvec list;	/* OPT_LIST values */
	char *origin;		/* "built-in default", "--ip", "FILE:LINE" */
	enum config_layer layer;
	int set;
};

/* A flag from argv, held until the files have been read. */
struct config_flag {
	const struct option_def *def;
	char *value;
	char *origin;
};

struct config {
	struct config_value v[_O_MAX];
	/* Actions asked for on the command line (--help, ...). */
	int action_help, action_version, action_dumpconfig;
	const char *config_file;	/* --config, if given */
	struct strvec warnings;		/* non-fatal problems, printed by main */
	struct config_flag *pending;
	size_t npending;
};

void config_init_defaults(struct config *c);
void config_release(struct config *c);

/*
 * Parse argv. Returns 0, or -EINVAL with one line in err naming the flag.
 * Flags are kept aside and applied by config_load() after the files.
 */
int config_parse_argv(struct config *c, int argc, char **argv,
		      struct strbuf *err);
/* Overwrite secret values in argv (after config_parse_argv() copied them),
 * so /proc/PID/cmdline stops showing them. */
void config_scrub_argv(int argc, char **argv);
/*
 * Read system_file (if it exists; NULL to skip), the --config file, then
 * apply the flags. -EINVAL/-ENOENT with one line in err naming file:line.
 * A file that sets a password and that others may read gets a warning
 * (secret_file_exposed()) in c->warnings.
 */
int config_load(struct config *c, const char *system_file, struct strbuf *err);
/* Parse one file's text into layer; exposed for the unit tests. */
int config_parse_text(struct config *c, const char *text, const char *name,
		      enum config_layer layer, struct strbuf *err);

/*
 * Set def to value in layer, with the checks and conflict rules of a
 * configuration file: an invalid boolean, size or number, or a setting
 * that conflicts with one already set in the same layer, is -EINVAL with
 * one line in err naming origin ("FILE:LINE" or "--flag"), which the value
 * then keeps. A list value is split at spaces and commas and appended;
 * the first assignment of a list in a layer replaces what lower layers
 * gave.
 *
 * Layers may be applied in any order: a value that a higher layer has
 * already set, or replaced by setting a conflicting setting, is dropped
 * (returning 0), so the result is what applying the layers in order would
 * have given. Two conflicting values in one layer are only caught when
 * both take effect.
 */
int config_set(struct config *c, const struct option_def *def,
	       const char *value, const char *origin, enum config_layer layer,
	       struct strbuf *err);
/*
 * As config_set() for an OPT_LIST setting, with its elements as given:
 * none is split. An empty list empties the setting. -EINVAL for a setting
 * that is not a list.
 */
int config_set_list(struct config *c, const struct option_def *def,
		    const struct strvec *values, const char *origin,
		    enum config_layer layer, struct strbuf *err);

const char *config_get(const struct config *c, enum opt_id id);
const struct strvec *config_get_list(const struct config *c, enum opt_id id);
const char *config_origin(const struct config *c, enum opt_id id);
/* A boolean setting's value: 1 or 0 (values are checked as they are set). */
int config_get_bool(const struct config *c, enum opt_id id);
/* Whether a layer above the defaults set it. */
int config_is_set(const struct config *c, enum opt_id id);
/* For --dumpconfig: "key = value  # origin" lines, secrets masked. */
void config_dump(const struct config *c, struct strbuf *out);

/*
 * For the commands that take a few of create-image's settings as their
 * own flags: the value from the flag if one was given, else from the
 * configuration, with where it came from.
 */
struct setting {
	enum opt_id id;
	const char *flag;	/* given on the command line, or NULL */
	const char *value;
	const char *origin;	/* "FILE:LINE", or NULL for a flag */
};

void setting_pick(const struct config *c, struct setting *st);
/* "ORIGIN: 'NAME' WHAT, not 'VALUE'", or "--NAME: WHAT, not 'VALUE'". */
void setting_describe_bad(const struct setting *st, const char *what,
			  struct strbuf *out);

#endif
