/* hooks.c: see hooks.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "hooks.h"
#include "log.h"
#include "paths.h"
#include "run-command.h"
#include "banned.h"

/* Names dpkg and editors leave behind are never hooks. */
static int skip_name(const char *name)
{
	size_t n = strlen(name);
	static const char *const sfx[] = { ".dpkg-new", ".dpkg-old",
					   ".dpkg-dist", ".disabled", "~" };

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t s = strlen(sfx[i]);

		if (n >= s && !strcmp(name + n - s, sfx[i]))
			return 1;
	}
	return 0;
}

int hooks_collect(const struct guest *g, enum hook_stage stage,
		  struct strvec *ret)
{
	const char *sub = stage == HOOKS_BASE ? "hooks/base" : "hooks";
	struct strvec dirs = STRVEC_INIT, names = STRVEC_INIT,
		      paths = STRVEC_INIT, sorted = STRVEC_INIT;
	char *common = paths_data(sub);

	strvec_push(&dirs, common);
	free(common);
	distro_dirs(&g->distro, sub, &dirs);
	if (g->hooks_dir && stage == HOOKS_BASE)
		strvec_pushf(&dirs, "%s/base", g->hooks_dir);
	else if (g->hooks_dir)
		strvec_push(&dirs, g->hooks_dir);

	for (size_t d = 0; d < dirs.nr; d++) {
		struct strvec entries = STRVEC_INIT;

		if (list_dir(dirs.v[d], &entries) < 0)
			continue;
		for (size_t i = 0; i < entries.nr; i++) {
			char *p = path_join(dirs.v[d], entries.v[i]);
			int at = strvec_find(&names, entries.v[i]);

			if (skip_name(entries.v[i]) ||
			    !path_is_executable_file(p)) {
				free(p);
				continue;
			}
			if (at >= 0) {
				strvec_remove(&names, (size_t)at);
				strvec_remove(&paths, (size_t)at);
			}
			strvec_push(&names, entries.v[i]);
			strvec_push(&paths, p);
			free(p);
		}
		strvec_clear(&entries);
	}
	/* Order by name across all directories. */
	strvec_pushv(&sorted, names.v);
	strvec_sort(&sorted);
	for (size_t i = 0; i < sorted.nr; i++)
		strvec_push(ret, paths.v[strvec_find(&names, sorted.v[i])]);
	strvec_clear(&dirs);
	strvec_clear(&names);
	strvec_clear(&paths);
	strvec_clear(&sorted);
	return 0;
}

/* The primary static address's netmask, dotted, as xen-tools names it;
 * "" with DHCP only. */
static void add_netmask(const struct guest *g, struct strvec *env)
{
	char buf[INET_ADDRSTRLEN] = "";
	struct in_addr a;
	int p = g->nips ? g->ips[0].prefix : 0;

	a.s_addr = htonl(p ? 0xffffffffU << (32 - p) : 0);
	if (!g->nips || !inet_ntop(AF_INET, &a, buf, sizeof(buf)))
		buf[0] = '\0';
	strvec_pushf(env, "netmask=%s", buf);
}

/* Each of list's entries and sep after all but the last. */
static void add_joined(struct strbuf *sb, const struct strvec *list,
		       const char *sep)
{
	for (size_t i = 0; i < list->nr; i++)
		strbuf_addf(sb, "%s%s", i ? sep : "", list->v[i]);
}

void hooks_env(const struct guest *g, enum hook_stage stage,
	       const char *root, struct strvec *env)
{
	struct strbuf ns = STRBUF_INIT, admins = STRBUF_INIT,
		      keys = STRBUF_INIT;

	/*
	 * in-guest, and the chroot that enters only this guest, come first:
	 * a hook's "chroot ROOT CMD" runs CMD in the guest's sandbox.
	 */
	strvec_pushf(env, "PATH=%s:" RUN_COMMAND_PATH, paths_libexecdir());
	/* What the base key covers, and nothing of the guest. */
	strvec_pushf(env, "dist=%s", g->distro.codename);
	strvec_pushf(env, "family=%s", g->distro.family);
	strvec_pushf(env, "arch=%s", g->arch);
	strvec_pushf(env, "mirror=%s", g->mirror);
	strvec_pushf(env, "CREATE_IMAGE_ROOT=%s", root);
	strvec_push(env, "DEBIAN_FRONTEND=noninteractive");
	if (stage == HOOKS_BASE)
		return;
	strvec_pushf(env, "hostname=%s", g->hostname);
	strvec_pushf(env, "apt_proxy=%s", g->apt_proxy ? g->apt_proxy : "");
	strvec_pushf(env, "fs=%s", g->fs);
	strvec_pushf(env, "mac=%s", g->mac_text);
	strvec_pushf(env, "dhcp=%d", g->dhcp);
	strvec_pushf(env, "pygrub=%d", g->pygrub);
	strvec_pushf(env, "boot_mode=%s", boot_mode_name(g->boot_mode));
	strvec_pushf(env, "serial_device=%s", g->serial_device);
	strvec_pushf(env, "disk_device=%s", g->disk_device);
	strvec_pushf(env, "ip_count=%zu", g->nips);
	for (size_t i = 0; i < g->nips; i++) {
		strvec_pushf(env, "ip%zu=%s", i + 1, g->ips[i].addr_text);
		strvec_pushf(env, "prefix%zu=%d", i + 1, g->ips[i].prefix);
	}
	strvec_pushf(env, "gateway=%s", g->gateway);
	strvec_pushf(env, "broadcast=%s", g->broadcast);
	strvec_pushf(env, "p2p=%s", g->p2p);
	add_joined(&ns, &g->nameservers, " ");
	strvec_pushf(env, "nameserver=%s", ns.buf);
	strvec_pushf(env, "bridge=%s", g->bridge ? g->bridge : "");
	/* IPv6 and the other interfaces: the xl.cfg and the guest's
	 * network files say the rest. */
	strvec_pushf(env, "ipv6=%d", g->ipv6);
	strvec_pushf(env, "ip6_count=%zu", g->nnics ? g->nics[0].nips6 : 0);
	for (size_t i = 0; g->nnics && i < g->nics[0].nips6; i++)
		strvec_pushf(env, "ip6_%zu=%s", i + 1, g->nics[0].ips6[i].text);
	strvec_pushf(env, "gateway6=%s", g->nnics ? g->nics[0].gateway6 : "");
	strvec_pushf(env, "vif_count=%zu", g->nnics);
	add_joined(&admins, &g->admins, " ");
	strvec_pushf(env, "admins=%s", admins.buf);
	strvec_pushf(env, "accounts=%d", g->accounts);
	add_joined(&keys, &g->ssh_keys, "\n");
	strvec_pushf(env, "ssh_keys=%s", keys.buf);
	strvec_pushf(env, "verbose=%d", g->verbose);
	add_netmask(g, env);
	/* Then every other setting, as xen-tools exports it: what is above
	 * holds where both name one. */
	for (size_t i = 0; i < g->settings_env.nr; i++) {
		const char *kv = g->settings_env.v[i];
		size_t n = strcspn(kv, "=");
		int have = 0;

		for (size_t k = 0; k < env->nr && !have; k++)
			have = !strncmp(env->v[k], kv, n + 1);
		if (!have)
			strvec_push(env, kv);
	}
	strbuf_release(&ns);
	strbuf_release(&admins);
	strbuf_release(&keys);
}

int hooks_run(const struct guest *g, enum hook_stage stage, const char *root,
	      const struct strvec *scripts, const struct strvec *args,
	      const char *what, struct strbuf *err)
{
	char *in_guest = paths_in_guest();
	int missing = scripts->nr && !path_is_executable_file(in_guest);

	if (missing)
		strbuf_addf(err, "cannot find '%s', which %ss run commands in "
			    "the guest with: is create-image installed "
			    "completely?", in_guest, what);
	free(in_guest);
	if (missing)
		return -ENOENT;
	for (size_t i = 0; i < scripts->nr; i++) {
		struct child_process cp = CHILD_PROCESS_INIT;
		const char *name = strrchr(scripts->v[i], '/') + 1;
		int r;

		info("running %s '%s'", what, name);
		strvec_pushl(&cp.args, scripts->v[i], root, NULL);
		if (args)
			strvec_pushv(&cp.args, (const char *const *)args->v);
		cp.clear_env = 1;
		hooks_env(g, stage, root, &cp.env);
		r = run_command(&cp);
		if (r < 0) {
			strbuf_addf(err, "%s '%s' (%s) ", what, name,
				    scripts->v[i]);
			if (r == -EPROTO && !cp.term_signal)
				strbuf_addf(err, "failed with exit status %d",
					    cp.exit_status);
			else
				child_describe_failure(&cp, r, err);
			/* Its last words are usually the reason. */
			child_add_last_line(&cp, err);
			child_process_clear(&cp);
			return r;
		}
		child_process_clear(&cp);
	}
	return 0;
}

/*
 * Roles, xen-tools' among them, install packages as if right after
 * debootstrap, with package lists at hand; a base keeps none (its hook
 * 90-clean). The guest's apt fetches them for the roles, and they go
 * again, with what the roles downloaded, after the last one. Meanwhile
 * dpkg does not fsync each file, as during the install: a failed build
 * is thrown away whole, and the unmount flushes a good one.
 */
static const char roles_before[] =
	"mkdir -p /etc/dpkg/dpkg.cfg.d\n"
	"echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/create-image-unsafe-io\n"
	"[ -x /usr/bin/apt-get ] || exit 0\n"
	"apt-get update\n";
static const char roles_after[] =
	"rm -f /etc/dpkg/dpkg.cfg.d/create-image-unsafe-io\n"
	"[ -x /usr/bin/apt-get ] || exit 0\n"
	"apt-get clean\n"
	"find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -delete\n";

int hooks_roles_apt(const struct guest *g, const char *root, int before,
		    struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	char *in_guest = paths_in_guest();
	char *sh = path_join(root, "bin/sh");
	int r = 0;

	/* Looked at from the host only to pass a tree without a shell
	 * over: a link that misleads it makes in-guest fail, no more. */
	if (!path_exists(sh))
		goto out;
	strvec_pushl(&cp.args, in_guest, "/bin/sh", "-eu", "-c",
		     before ? roles_before : roles_after, NULL);
	cp.clear_env = 1;
	hooks_env(g, HOOKS_GUEST, root, &cp.env);
	r = run_command(&cp);
	if (r < 0) {
		strbuf_addstr(err, before ? "cannot fetch the package lists "
			      "for the roles: " : "cannot remove the package "
			      "lists fetched for the roles: ");
		child_describe_failure(&cp, r, err);
		child_add_last_line(&cp, err);
	}
out:
	child_process_clear(&cp);
	free(in_guest);
	free(sh);
	return r;
}
