/*
 * fleet-file.h: read the libconfig file that describes a fleet of guests
 * for 'create-image fleet': settings shared by all of them, address pools
 * (kept as written, for the pool module to check) and the guests, with
 * host name patterns expanded; and merge one guest's settings into a
 * struct config. Every problem is one "FILE:LINE: ..." line.
 *
 *	defaults = { dist = "bookworm"; size = "4G"; pool = "lab"; };
 *	pools = ( { name = "lab"; range = "192.0.2.100-192.0.2.150";
 *	            netmask = "255.255.255.0"; gateway = "192.0.2.1";
 *	            nameservers = [ "192.0.2.53" ]; } );
 *	guests = ( { hostname = "web%02d"; count = 4; memory = "512M"; },
 *	           { hostname = "db1"; size = "8G"; } );
 *
 * A setting is any key a configuration file takes (option_find(), so
 * "genpass_len" is "genpass-len"), as a string, an integer or a boolean,
 * or for a list setting a string or an array of strings; values are
 * checked as config_set() checks them. "pool" names a pool, in defaults
 * or in a guest ("" in a guest: none, whatever defaults say); a guest in
 * a pool may not set ip, mac, dhcp, gateway, netmask, nameserver or
 * randommac itself (defaults may: what the pool gives replaces them).
 * "hostname" and "count" belong to a guest: with a count of 1..10000,
 * the host name is a pattern holding one %d, %Nd or %0Nd (%% for a '%'),
 * numbered from 1. Host names must be valid and unique (ignoring case).
 * "@include" is not taken.
 */
#ifndef FLEET_FILE_H
#define FLEET_FILE_H

#include <stddef.h>

#include "config.h"
#include "options.h"
#include "strbuf.h"
#include "strvec.h"

struct fleet_setting {
	const struct option_def *def;
	char *value;		/* a single-valued setting's value */
	struct strvec list;	/* an OPT_LIST setting's elements, unsplit */
	unsigned line;
};

struct fleet_settings {
	struct fleet_setting *v;
	size_t nr;
};

/* A pool's field as written: value NULL and line 0 when not given. */
struct fleet_field {
	char *value;
	unsigned line;
};

struct fleet_pool {
	unsigned line;		/* of the pool's { ... } */
	struct fleet_field name, range, netmask, gateway, mac_prefix;
	struct strvec nameservers;
	unsigned nameservers_line;	/* 0 when not given */
};

struct fleet_guest {
	char *hostname;		/* expanded */
	unsigned line;		/* of the guest's { ... } */
	unsigned hostname_line;
	char *pool;		/* its own, else defaults', else NULL */
	unsigned pool_line;	/* of that "pool" setting; 0 for none */
	/* The entry's own settings, shared by the guests of a pattern. */
	const struct fleet_settings *settings;
};

struct fleet_file {
	char *name;		/* the file, as messages and origins name it */
	struct fleet_settings defaults;
	struct fleet_pool *pools;
	size_t npools;
	struct fleet_guest *guests;	/* in file order */
	size_t nguests;
	struct fleet_settings *entries;	/* what guests[].settings point to */
	size_t nentries;
	/* Non-fatal problems, for the command to print: a file that holds
	 * a password and that others may read. */
	struct strvec warnings;
};

/*
 * Read the fleet file at path: *ret is filled on success, left alone on
 * failure. -EINVAL with "PATH:LINE: ..." in err for a problem in the
 * file, -errno with "cannot read 'PATH': ..." when it cannot be read.
 * A password in a file that others may read is a warning in
 * ret->warnings (secret_file_exposed()).
 */
int fleet_file_load(const char *path, struct fleet_file *ret,
		    struct strbuf *err);
/* The same for text, which messages and origins call name. */
int fleet_file_parse(const char *text, const char *name,
		     struct fleet_file *ret, struct strbuf *err);
void fleet_file_release(struct fleet_file *f);

/* The pool called name, or NULL. */
const struct fleet_pool *fleet_file_pool(const struct fleet_file *f,
					 const char *name);

/*
 * Merge g into c, which holds the built-in defaults and the system file
 * (config_init_defaults(), config_load()) and may hold the command's
 * flags already: f's defaults at LAYER_FILE, then g's host name and own
 * settings at LAYER_GUEST, each with the origin "FILE:LINE". What g's
 * pool gives is the caller's to add, at LAYER_GUEST so that it replaces
 * the network settings of defaults. 0, or -EINVAL with one line in err
 * (which fleet_file_load() has ruled out for the settings it read).
 */
int fleet_file_guest_config(const struct fleet_file *f,
			    const struct fleet_guest *g, struct config *c,
			    struct strbuf *err);

#endif
