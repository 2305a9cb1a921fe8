/* xentools.c: see xentools.h. */
#include <errno.h>
#include <string.h>

#include "xentools.h"
#include "banned.h"

static const char *const install_values[] = { "0=none", "1=", NULL };
/* Flags without a value: "=" is the flag given. */
static const char *const set_false[] = { "=0", NULL };
static const char *const set_true[] = { "=1", NULL };

/* This array MUST stay sorted by name. */
const struct xentools_option xentools_options[] = {
	{ "copy-hosts", XENTOOLS_ALIAS, 0, "copyhosts", set_true, NULL },
	{ "evms", XENTOOLS_REFUSED, 1, NULL, NULL,
	  "EVMS left Linux with 2.6; use --lvm=VG" },
	{ "install", XENTOOLS_ALIAS, 1, "install-method", install_values,
	  NULL },
	{ "manual", XENTOOLS_REFUSED, 0, NULL, NULL,
	  "the manual is create-image(8): run 'man create-image'" },
	{ "no-hosts", XENTOOLS_ALIAS, 0, "hosts", set_false, NULL },
	{ "no-xen-ok", XENTOOLS_IGNORED, 0, NULL, NULL,
	  "create-image needs no running hypervisor but for --boot" },
	{ "nohosts", XENTOOLS_ALIAS, 0, "hosts", set_false, NULL },
	{ "zpool", XENTOOLS_REFUSED, 1, NULL, NULL,
	  "ZFS pools are not managed here; give a zvol you made with "
	  "--image-dev=/dev/zvol/POOL/NAME, or use --lvm=VG or --dir=DIR" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

const struct xentools_option *xentools_find(const char *name)
{
	for (const struct xentools_option *x = xentools_options; x->name;
	     x++) {
		const char *a = x->name, *b = name;

		while (*a && (*a == *b || (*a == '-' && *b == '_'))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return x;
	}
	return NULL;
}

int xentools_value(const struct xentools_option *x, const char *value,
		   const char **ret_value, struct strbuf *err)
{
	size_t n = strlen(value);

	for (const char *const *v = x->values; *v; v++) {
		if (!strncmp(*v, value, n) && (*v)[n] == '=') {
			*ret_value = (*v)[n + 1] ? *v + n + 1 : NULL;
			return 0;
		}
	}
	strbuf_addstr(err, "'");
	strbuf_add_escaped(err, value);
	strbuf_addstr(err, "' is not one of");
	for (const char *const *v = x->values; *v; v++)
		strbuf_addf(err, " %.*s", (int)strcspn(*v, "="), *v);
	return -EINVAL;
}
