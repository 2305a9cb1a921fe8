/* settings.c: see settings.h. */
#include <string.h>

#include "options.h"
#include "parse.h"
#include "settings.h"
#include "strbuf.h"
#include "banned.h"

/* What a pool gives a guest: its own values are not the recipe's. */
static int pool_given(enum opt_id id)
{
	switch (id) {
	case O_BROADCAST:
	case O_DHCP:
	case O_GATEWAY:
	case O_IP:
	case O_MAC:
	case O_NAMESERVER:
	case O_NETMASK:
	case O_P2P:
	case O_RANDOMMAC:
		return 1;
	default:
		return 0;
	}
}

/* One form per value: sizes in bytes, booleans as 1 or 0, lists joined. */
static void canonical(const struct config *c, const struct option_def *d,
		      struct strbuf *out)
{
	const char *v = config_get(c, d->id);
	uint64_t size;
	unsigned long n;
	int b;

	switch (d->type) {
	case OPT_LIST: {
		const struct strvec *l = config_get_list(c, d->id);

		for (size_t i = 0; i < l->nr; i++)
			strbuf_addf(out, "%s%s", i ? ", " : "", l->v[i]);
		return;
	}
	case OPT_BOOL:
		if (v && !parse_bool(v, &b)) {
			strbuf_addstr(out, b ? "1" : "0");
			return;
		}
		break;
	case OPT_SIZE:
		if (v && *v && !parse_size(v, &size)) {
			strbuf_addf(out, "%llu", (unsigned long long)size);
			return;
		}
		break;
	case OPT_UINT:
		if (v && *v && !parse_uint(v, 1UL << 31, &n)) {
			strbuf_addf(out, "%lu", n);
			return;
		}
		break;
	default:
		break;
	}
	strbuf_addstr(out, v ? v : "");
}

void settings_record(const struct config *c, const char *pool,
		     struct strvec *ret)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < _O_MAX; i++) {
		const struct option_def *d = &option_defs[i];

		if (d->flags & (OPT_CLI_ONLY | OPT_SECRET | OPT_RUN) ||
		    d->type == OPT_ACTION || (pool && pool_given(d->id)))
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s=", d->name);
		canonical(c, d, &sb);
		strvec_push(ret, sb.buf);
	}
	if (pool)
		strvec_pushf(ret, "pool=%s", pool);
	strbuf_release(&sb);
}

/* The value of key in a record, or NULL. */
static const char *lookup(const struct strvec *kv, const char *key,
			  size_t keylen)
{
	for (size_t i = 0; i < kv->nr; i++)
		if (!strncmp(kv->v[i], key, keylen) && kv->v[i][keylen] == '=')
			return kv->v[i] + keylen + 1;
	return NULL;
}

/*
 * A key one record lacks counts as empty: a setting added since the other
 * was written, and left unset, changes nothing about the guest.
 */
static void add_missing(const struct strvec *a, const struct strvec *b,
			struct strvec *ret_keys)
{
	for (size_t i = 0; i < a->nr; i++) {
		const char *eq = strchr(a->v[i], '=');
		size_t n = eq ? (size_t)(eq - a->v[i]) : strlen(a->v[i]);
		const char *other = lookup(b, a->v[i], n);
		struct strbuf key = STRBUF_INIT;

		strbuf_add(&key, a->v[i], n);
		if (strcmp(other ? other : "", eq ? eq + 1 : "") &&
		    strvec_find(ret_keys, key.buf) < 0)
			strvec_push(ret_keys, key.buf);
		strbuf_release(&key);
	}
}

void settings_diff(const struct strvec *want, const struct strvec *have,
		   struct strvec *ret_keys)
{
	add_missing(want, have, ret_keys);
	add_missing(have, want, ret_keys);
}
