/*
 * u-boot.c: what makes a guest bootable in each mode: whether its kernel's
 * .config allows a PVH guest, read from a scratch tree as from a guest's
 * /boot, and where a direct boot's kernel comes from when nothing is
 * installed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot.h"
#include "fsutil.h"
#include "guest.h"
#include "journal.h"
#include "macros.h"
#include "rootfs.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

TEST(config_has_pvh)
{
	static const struct {
		const char *config;
		int want;
	} cases[] = {
		{ "CONFIG_XEN_PVH=y\n", 1 },
		{ "CONFIG_XEN_PVH=y", 1 },
		{ "# comment\nCONFIG_XEN_PV=y\nCONFIG_XEN_PVH=y\nCONFIG_PVH=y\n",
		  1 },
		{ "CONFIG_XEN_PVHVM=y\nCONFIG_XEN_PVH=y\n", 1 },
		/* Off, or only alike. */
		{ "", 0 },
		{ "# CONFIG_XEN_PVH is not set\n", 0 },
		{ "CONFIG_XEN_PVH=m\n", 0 },
		{ "CONFIG_XEN_PVH=n\n", 0 },
		{ "CONFIG_XEN_PVHVM=y\nCONFIG_PVH=y\n", 0 },
		{ "CONFIG_XEN_PVH=yes\n", 0 },
		{ "XCONFIG_XEN_PVH=y\n", 0 },
		{ "#CONFIG_XEN_PVH=y\n", 0 },
		{ " CONFIG_XEN_PVH=y\n", 0 },
		/* A near miss first does not hide the real line. */
		{ "#CONFIG_XEN_PVH=y\nCONFIG_XEN_PVH=y\n", 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int before = unit_failed_checks;

		CHECK_INTEQ(boot_config_has_pvh(cases[i].config),
			    cases[i].want);
		if (unit_failed_checks != before)
			fprintf(stderr, "  in case %zu\n", i);
	}
}

/* A tree whose /boot holds config-VERSION with text (NULL: none). */
static struct rootfs *tree_with_config(const char *name, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	struct rootfs *root = NULL;
	char *dir = path_join(unit_scratch("u-boot"), name);
	char *boot = path_join(dir, "boot");

	if (mkdir_p(boot, 0755) < 0)
		abort();
	if (text) {
		strbuf_addf(&sb, "%s/config-6.1.0-9-cloud-amd64", boot);
		if (write_string(sb.buf, text, 0644) < 0)
			abort();
	}
	strbuf_reset(&sb);
	if (rootfs_open(dir, &root, &sb) < 0)
		abort();
	strbuf_release(&sb);
	free(dir);
	free(boot);
	return root;
}

TEST(check_pvh)
{
	struct boot_info b = { .kernel_version = "6.1.0-9-cloud-amd64" };
	struct strbuf err = STRBUF_INIT;
	struct rootfs *root;

	root = tree_with_config("pvh", "CONFIG_XEN_PV=y\nCONFIG_XEN_PVH=y\n");
	CHECK_INTEQ(boot_check_pvh(root, &b, &err), 1);
	CHECK_STREQ(err.buf, "");
	rootfs_free(root);

	/* No .config: nothing to tell by, not a failure. */
	root = tree_with_config("none", NULL);
	CHECK_INTEQ(boot_check_pvh(root, &b, &err), 0);
	CHECK_STREQ(err.buf, "");
	rootfs_free(root);

	root = tree_with_config("pv", "CONFIG_XEN_PV=y\n"
				"# CONFIG_XEN_PVH is not set\n");
	CHECK_INTEQ(boot_check_pvh(root, &b, &err), -ENOTSUP);
	CHECK(strstr(err.buf, "the guest's kernel 6.1.0-9-cloud-amd64 cannot "
		     "boot as a PVH guest ('/boot/config-6.1.0-9-cloud-amd64' "
		     "lacks CONFIG_XEN_PVH=y)") == err.buf);
	rootfs_free(root);
	strbuf_release(&err);
}

/* Nothing installed: the xl.cfg takes --kernel and --initrd as they are,
 * and no tree is read. */
TEST(export_given_kernel)
{
	struct guest g = { .kernel = "/boot/vmlinuz-dom0",
			   .initrd = "/boot/initrd.img-dom0" };
	struct boot_info b = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct journal j;

	memset(&j, 0, sizeof(j));
	CHECK_INTEQ(boot_export_kernel(&g, NULL, &b, &j, &err), 0);
	CHECK_STREQ(b.kernel_path, "/boot/vmlinuz-dom0");
	CHECK_STREQ(b.initrd_path, "/boot/initrd.img-dom0");
	CHECK_INTEQ((int)j.nr, 0);
	boot_info_release(&b);

	g.initrd = NULL;
	CHECK_INTEQ(boot_export_kernel(&g, NULL, &b, &j, &err), 0);
	CHECK_STREQ(b.initrd_path, "");
	CHECK_STREQ(err.buf, "");
	boot_info_release(&b);
	strbuf_release(&err);
}

TEST(cmdline)
{
	char *c = boot_cmdline("0123-abcd", "hvc0");

	/* Xen's console in PV and PVH alike. */
	CHECK_STREQ(c, "root=UUID=0123-abcd ro console=hvc0");
	free(c);
	/* --serial-device. */
	c = boot_cmdline("0123-abcd", "ttyS1");
	CHECK_STREQ(c, "root=UUID=0123-abcd ro console=ttyS1");
	free(c);
	c = boot_cmdline_serial("0123-abcd", "ttyS0");
	CHECK_STREQ(c, "root=UUID=0123-abcd ro console=tty0 console=ttyS0");
	free(c);
}
