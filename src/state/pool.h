/*
 * pool.h: address pools. A guest that names a pool gets its next free IPv4
 * address and a MAC no other guest on this host has. What is handed out is
 * kept in STATEDIR/addresses.conf, changed only under a lock, so parallel
 * builds (in one run or several) never hand out an address twice.
 *
 * The state file as written (mode 0644):
 *
 *	version = 1;
 *	leases = ( { pool = "lab"; hostname = "web01";
 *	             address = "192.0.2.100"; prefix = 24;
 *	             mac = "00:16:3e:12:34:56"; } );
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "strvec.h"

struct pool {
	char *name;
	uint32_t first, last;		/* host order, inclusive */
	int prefix;			/* of the network holding the range */
	uint32_t gateway;		/* 0: none */
	struct strvec nameservers;	/* dotted quads */
	uint8_t mac_prefix[5];
	size_t mac_prefix_len;		/* 1..5; Xen's 00:16:3e by default */
};

/* A pool as a manifest writes it: text, each NULL when not given. */
struct pool_spec {
	const char *name;
	const char *range;		/* "A-B" and a netmask, or "NET/N" */
	const char *netmask;		/* "255.255.255.0" */
	const char *gateway;
	const char *mac_prefix;		/* "00:16:3e" */
	const struct strvec *nameservers;
};

/*
 * Check spec and fill ret. The range lies inside one network; gateway, if
 * any, in that network; nameservers are any IPv4 addresses; the MAC
 * prefix is unicast; the name is [A-Za-z0-9_.-]+. -EINVAL with a reason
 * that names the setting ("'gateway': ...") in err, for the caller to put
 * its FILE:LINE before; ret is written only on success.
 */
int pool_parse(const struct pool_spec *spec, struct pool *ret,
	       struct strbuf *err);
void pool_release(struct pool *p);
/*
 * How many addresses p hands out at most: its range, less the network and
 * broadcast addresses (below a /31), the gateway and the nameservers.
 */
uint32_t pool_capacity(const struct pool *p);

struct pool_lease {
	char *pool, *hostname;
	uint32_t addr;
	int prefix;
	uint8_t mac[6];
	char addr_text[16];		/* "192.0.2.100" */
	char mac_text[18];		/* "00:16:3e:12:34:56" */
};

void pool_lease_release(struct pool_lease *l);

/*
 * A snapshot of what is taken on this host: every lease in the state file
 * (of any pool) and the addresses and MAC of every guest record (a damaged
 * one is skipped, as list-images does).
 */
struct pool_guest;
struct pool_view {
	struct pool_lease *leases;
	size_t nr_leases;
	struct pool_guest *guests;
	size_t nr_guests;
	int changed;			/* leases differ from the file's */
};
#define POOL_VIEW_INIT { NULL, 0, NULL, 0, 0 }

/*
 * Read the state file (none is no leases) and the guest records. A state
 * file that cannot be read or is damaged is an error: -errno, with
 * "PATH:LINE: ..." in err.
 */
int pool_view_load(struct pool_view *v, struct strbuf *err);
void pool_view_release(struct pool_view *v);
/*
 * Drop the leases of runs that died: those whose guest has no record and
 * whose guest lock (lock.h) nobody holds. A run that leases holds its
 * guest's lock until the record is written, so a live lease is never
 * dropped. Returns how many were.
 */
size_t pool_view_reclaim(struct pool_view *v);
/*
 * Pick hostname's lease from p and mark it taken in v (no file is
 * written): the lease it holds in p, if its address and MAC still fit p;
 * else the lowest free address and the first free MAC made from
 * SHA-256 of "HOSTNAME", "HOSTNAME|1", "HOSTNAME|2", ... after p's prefix,
 * so a guest leased again later gets the same MAC. Its own guest record
 * (a rebuild replaces it) takes nothing from it. Returns 1 when the lease
 * is new, 0 when hostname held it already; -ENOSPC when p has no free
 * address (or MAC) left, with the reason in err.
 */
int pool_view_pick(struct pool_view *v, const struct pool *p,
		   const char *hostname, struct pool_lease *ret,
		   struct strbuf *err);

/*
 * Lease for real: lock the state (STATEDIR/addresses.lock, waiting for
 * it), load, reclaim, pick and write it. The caller holds hostname's
 * guest lock until its record is written or the lease released. Returns
 * 1 when the lease is new, 0 when hostname already held it (a rebuild
 * keeps its address), -errno with the reason in err.
 */
int pool_lease(const struct pool *p, const char *hostname,
	       struct pool_lease *ret, struct strbuf *err);
/*
 * Drop every lease hostname holds, in any pool (delete-image; a first
 * build that failed). Returns how many there were, or -errno with err.
 */
int pool_release_host(const char *hostname, struct strbuf *err);

#endif
