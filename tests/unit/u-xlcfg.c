/* u-xlcfg.c: xl.cfg checks through libxlutil, good configs and broken ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macros.h"
#include "strbuf.h"
#include "unit.h"
#include "xlcfg.h"

UNIT_MAIN

#define NAME "name = 'web1'\n"
#define BOOT "type = 'pv'\nbootloader = 'pygrub'\n"
#define MEM "memory = 256\nvcpus = 1\n"
#define DISK_ROOT \
	"'format=raw, vdev=xvda2, access=rw, " \
	"target=/srv/xen/domains/web1/disk.img'"
#define DISK_SWAP \
	"'format=raw, vdev=xvda1, access=rw, " \
	"target=/srv/xen/domains/web1/swap.img'"
#define DISKS "disk = [ " DISK_ROOT ", " DISK_SWAP " ]\n"
#define VIF "vif = [ 'mac=00:16:3e:12:34:56, bridge=xenbr0' ]\n"
#define TAIL "on_poweroff = 'destroy'\n"

/* name, type and bootloader, memory and vcpus, disk, vif, on_poweroff. */
#define GOOD NAME BOOT MEM DISKS VIF TAIL

/*
 * Each case is a whole config. want is the whole message; where the end of
 * it is libxlutil's own wording, want_prefix is what must come first.
 */
static const struct {
	const char *in;
	int want_r;
	const char *want;
	const char *want_prefix;
} cases[] = {
	/* Good configs. */
	{ GOOD, 0, "", NULL },
	{ NAME "kernel = '/boot/vmlinuz'\nramdisk = '/boot/initrd.img'\n"
	  "extra = 'console=hvc0'\n" MEM DISKS VIF, 0, "", NULL },
	{ NAME BOOT MEM "maxmem = 512\n" DISKS, 0, "", NULL },
	{ NAME BOOT MEM "maxmem = 256\n" DISKS VIF, 0, "", NULL },
	{ NAME BOOT "memory = '1024'\n" DISKS, 0, "", NULL },
	{ "name = 'web1.example.org'\n" BOOT MEM
	  "disk = [ 'phy:/dev/vg0/web1-disk,xvda,w' ]\n", 0, "", NULL },
	{ NAME BOOT MEM DISKS
	  "vif = [ 'mac=00:16:3E:12:34:56, bridge=xenbr0, vifname=web1.0, "
	  "rate=10Mb/s, type=vif, mtu=1500, ip=10.0.0.5, devid=0, "
	  "script=vif-bridge, model=e1000, gatewaydev=eth0, backend=0, "
	  "accel=x', 'bridge=xenbr1', '' ]\n", 0, "", NULL },
	{ "# comment\n\n" GOOD "disk += [ 'vdev=xvdb, target=/srv/b.img' ]\n",
	  0, "", NULL },

	/* vdevs libxl could not number. */
	{ NAME BOOT MEM "disk = [ 'vdev=nonsense, target=/x' ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 'vdev=nonsense, target=/x': invalid vdev "
	  "'nonsense'", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=hde, target=/x' ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 'vdev=hde, target=/x': invalid vdev 'hde'",
	  NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=xvda16, target=/x' ]\n", 0, "",
	  NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=sda16, target=/x' ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 'vdev=sda16, target=/x': invalid vdev "
	  "'sda16'", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=xvdab3, target=/x', "
	  "'vdev=d1p2, target=/y', 'vdev=51712, target=/z' ]\n", 0, "",
	  NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=xvda0, target=/x' ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 'vdev=xvda0, target=/x': invalid vdev "
	  "'xvda0'", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=d1, target=/x' ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 'vdev=d1, target=/x': invalid vdev 'd1'",
	  NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=d1p300, target=/x' ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 'vdev=d1p300, target=/x': invalid vdev "
	  "'d1p300'", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=99999999999, target=/x' ]\n",
	  -EINVAL, "xl.cfg: disk entry 1 'vdev=99999999999, target=/x': "
	  "invalid vdev '99999999999'", NULL },

	/* Syntax errors. */
	{ "name = 'web1\n" BOOT MEM DISKS, -EINVAL, NULL,
	  "xl.cfg:1: config parsing error near `'web1': lexical error" },
	{ NAME BOOT "memory = 256 256\n" DISKS, -EINVAL, NULL,
	  "xl.cfg:4: config parsing error near `256': syntax error" },
	{ NAME BOOT MEM "disk = [ 'vdev=xvda, target=/x'\n", -EINVAL, NULL,
	  "xl.cfg:" },
	{ "import os\n" GOOD, -EINVAL, NULL, "xl.cfg:1: config parsing error" },
	{ "", -EINVAL, "xl.cfg: 'name' is not set", NULL },

	/* name */
	{ BOOT MEM DISKS VIF, -EINVAL, "xl.cfg: 'name' is not set", NULL },
	{ "name = 'web_1'\n" BOOT MEM DISKS, -EINVAL,
	  "xl.cfg: name 'web_1' is not a valid host name", NULL },
	{ "name = '../web1'\n" BOOT MEM DISKS, -EINVAL,
	  "xl.cfg: name '../web1' is not a valid host name", NULL },
	{ "name = [ 'web1' ]\n" BOOT MEM DISKS, -EINVAL, NULL,
	  "xl.cfg:1: parameter `name' is a list but should be a single value" },

	/* memory, maxmem, vcpus */
	{ NAME BOOT "vcpus = 1\n" DISKS, -EINVAL,
	  "xl.cfg: 'memory' is not set", NULL },
	{ NAME BOOT "memory = 0\n" DISKS, -EINVAL,
	  "xl.cfg: memory 0 is not greater than 0", NULL },
	{ NAME BOOT "memory = 'lots'\n" DISKS, -EINVAL, NULL,
	  "xl.cfg:4: parameter `memory' is not a valid number" },
	{ NAME BOOT MEM "maxmem = 128\n" DISKS, -EINVAL,
	  "xl.cfg: maxmem 128 is less than memory 256", NULL },
	{ NAME BOOT MEM "maxmem = 'x'\n" DISKS, -EINVAL, NULL,
	  "xl.cfg:6: parameter `maxmem' is not a valid number" },
	{ NAME BOOT "memory = 256\nvcpus = 0\n" DISKS, -EINVAL,
	  "xl.cfg: vcpus 0 is less than 1", NULL },

	/* bootloader or kernel */
	{ NAME "type = 'pv'\n" MEM DISKS, -EINVAL,
	  "xl.cfg: neither 'bootloader' nor 'kernel' is set", NULL },
	{ NAME "bootloader = ''\n" MEM DISKS, -EINVAL,
	  "xl.cfg: neither 'bootloader' nor 'kernel' is set", NULL },
	{ NAME "kernel = [ '/boot/vmlinuz' ]\n" MEM DISKS, -EINVAL, NULL,
	  "xl.cfg:2: parameter `kernel' is a list" },

	/* disk */
	{ NAME BOOT MEM VIF, -EINVAL, "xl.cfg: 'disk' is not set", NULL },
	{ NAME BOOT MEM "disk = [ ]\n", -EINVAL, "xl.cfg: 'disk' is empty",
	  NULL },
	{ NAME BOOT MEM "disk = 'vdev=xvda, target=/x'\n", -EINVAL, NULL,
	  "xl.cfg:6: parameter `disk' is a single value but should be a list" },
	{ NAME BOOT MEM "disk = [ 'format=bogus, vdev=xvda, target=/x' ]\n",
	  -EINVAL, NULL,
	  "xl.cfg: disk entry 1 'format=bogus, vdev=xvda, target=/x': "
	  "config parsing error in disk specification: unknown value for "
	  "format: near `bogus'" },
	{ NAME BOOT MEM
	  "disk = [ " DISK_ROOT ", 'target=/x, vdev=nonsense!' ]\n",
	  -EINVAL, NULL,
	  "xl.cfg: disk entry 2 'target=/x, vdev=nonsense!': "
	  "config parsing error in disk specification: " },
	{ NAME BOOT MEM "disk = [ 'foo' ]\n", -EINVAL, NULL,
	  "xl.cfg: disk entry 1 'foo': config parsing error in disk "
	  "specification: no vdev specified" },
	{ NAME BOOT MEM "disk = [ '/x,raw,xvdb,rw,extra' ]\n", -EINVAL, NULL,
	  "xl.cfg: disk entry 1 '/x,raw,xvdb,rw,extra': config parsing error "
	  "in disk specification: too many positional parameters" },
	{ NAME BOOT MEM "disk = [ " DISK_ROOT ", " DISK_SWAP ", "
	  "'phy:/dev/vg0/data,xvda2,w' ]\n", -EINVAL,
	  "xl.cfg: disk entry 3 'phy:/dev/vg0/data,xvda2,w': vdev 'xvda2' is "
	  "already used by disk entry 1", NULL },
	{ NAME BOOT MEM "disk = [ [ 'vdev=xvda, target=/x' ] ]\n", -EINVAL,
	  "xl.cfg: disk entry 1 is not a string", NULL },

	/* vif */
	{ NAME BOOT MEM DISKS "vif = [ 'mac=00:16:3e:12:34, bridge=xenbr0' ]\n",
	  -EINVAL, "xl.cfg: vif entry 1 'mac=00:16:3e:12:34, bridge=xenbr0': "
	  "invalid mac '00:16:3e:12:34'", NULL },
	{ NAME BOOT MEM DISKS
	  "vif = [ 'bridge=xenbr0', 'mac=01:16:3e:12:34:56' ]\n", -EINVAL,
	  "xl.cfg: vif entry 2 'mac=01:16:3e:12:34:56': "
	  "invalid mac '01:16:3e:12:34:56'", NULL },
	{ NAME BOOT MEM DISKS "vif = [ 'bridge=xenbr0, netmask=255.0.0.0' ]\n",
	  -EINVAL, "xl.cfg: vif entry 1 'bridge=xenbr0, netmask=255.0.0.0': "
	  "unknown key 'netmask'", NULL },
	{ NAME BOOT MEM DISKS "vif = [ 'mac =00:16:3e:12:34:56' ]\n", -EINVAL,
	  "xl.cfg: vif entry 1 'mac =00:16:3e:12:34:56': unknown key 'mac '",
	  NULL },
	{ NAME BOOT MEM DISKS "vif = [ 'xenbr0' ]\n", -EINVAL,
	  "xl.cfg: vif entry 1 'xenbr0': 'xenbr0' is not key=value", NULL },
	{ NAME BOOT MEM DISKS "vif = [ 'type=bogus' ]\n", -EINVAL,
	  "xl.cfg: vif entry 1 'type=bogus': type 'bogus' is neither 'vif' "
	  "nor 'ioemu'", NULL },
	{ NAME BOOT MEM DISKS "vif = [ 'mtu=big' ]\n", -EINVAL,
	  "xl.cfg: vif entry 1 'mtu=big': invalid mtu 'big'", NULL },
	{ NAME BOOT MEM DISKS "vif = [ 'bridge=xenbr0, rate=fast' ]\n", -EINVAL,
	  NULL, "xl.cfg: vif entry 1 'bridge=xenbr0, rate=fast': config "
	  "parsing error in vif: invalid rate" },
	{ NAME BOOT MEM DISKS "vif = 'bridge=xenbr0'\n", -EINVAL, NULL,
	  "xl.cfg:7: parameter `vif' is a single value but should be a list" },

	/* HVM: the firmware boots the disk; no bootloader or kernel. */
	{ NAME "type = 'hvm'\n" MEM DISKS VIF, 0, "", NULL },
	{ NAME "builder = 'hvm'\n" MEM DISKS, 0, "", NULL },
	{ NAME "type = 'hvm'\nbios = 'ovmf'\nboot = 'dc'\nserial = 'pty'\n"
	  "vnc = 1\nvnclisten = '127.0.0.1'\n" MEM
	  "disk = [ 'format=raw, vdev=xvda, access=rw, target=/x', "
	  "'format=raw, vdev=hdc, access=ro, devtype=cdrom, "
	  "target=/srv/iso/debian.iso' ]\n", 0, "", NULL },
	/* An empty cdrom drive, as xl allows it. */
	{ NAME "type = 'hvm'\n" MEM "disk = [ 'vdev=xvda, target=/x', "
	  "'vdev=hdc, devtype=cdrom, target=' ]\n", 0, "", NULL },
	{ NAME "type = 'pvh'\n" MEM DISKS, -EINVAL,
	  "xl.cfg: neither 'bootloader' nor 'kernel' is set", NULL },
	{ NAME "type = 'hvm'\nboot = 'x'\n" MEM DISKS, -EINVAL,
	  "xl.cfg: boot 'x' is not a boot order of a, c, d and n", NULL },
	{ NAME "type = 'hvm'\nboot = ''\n" MEM DISKS, -EINVAL,
	  "xl.cfg: boot '' is not a boot order of a, c, d and n", NULL },
	{ NAME "type = 'hvm'\nbios = 'uefi'\n" MEM DISKS, -EINVAL,
	  "xl.cfg: bios 'uefi' is none of rombios, seabios and ovmf", NULL },

	/* hdX, sdX, xvdX and dNpM name the same disks. */
	{ NAME "type = 'hvm'\n" MEM "disk = [ 'vdev=xvda, target=/x', "
	  "'vdev=hda, devtype=cdrom, target=/y' ]\n", -EINVAL,
	  "xl.cfg: disk entry 2 'vdev=hda, devtype=cdrom, target=/y': vdev "
	  "'hda' is the same disk as 'xvda' of disk entry 1", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=hdc, target=/x', "
	  "'vdev=sdc, target=/y' ]\n", -EINVAL,
	  "xl.cfg: disk entry 2 'vdev=sdc, target=/y': vdev 'sdc' is the "
	  "same disk as 'hdc' of disk entry 1", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=xvdb2, target=/x', "
	  "'vdev=d1p2, target=/y' ]\n", -EINVAL,
	  "xl.cfg: disk entry 2 'vdev=d1p2, target=/y': vdev 'd1p2' is the "
	  "same disk as 'xvdb2' of disk entry 1", NULL },
	{ NAME BOOT MEM "disk = [ 'vdev=xvda, target=/x', "
	  "'vdev=hda1, target=/y', 'vdev=sdb, target=/z', "
	  "'vdev=xvdc, target=/w' ]\n", 0, "", NULL },

	/* xm leftovers */
	{ GOOD "dhcp = 'dhcp'\n", -EINVAL,
	  "xl.cfg: 'dhcp' is an xm option that xl ignores; configure DHCP "
	  "inside the guest", NULL },
	{ GOOD "dhcp = [ 'x' ]\n", -EINVAL,
	  "xl.cfg: 'dhcp' is an xm option that xl ignores; configure DHCP "
	  "inside the guest", NULL },

	/* err stays one line even when a value holds an escaped newline. */
	{ NAME BOOT MEM "disk = [ \"format=bogus,\\nvdev=xvda, target=/x\" ]\n",
	  -EINVAL, NULL, "xl.cfg: disk entry 1 'format=bogus,?vdev=xvda, "
	  "target=/x': config parsing error in disk specification: " },
};

TEST(check_data)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		int r = xlcfg_check_data(cases[i].in, strlen(cases[i].in),
					 NULL, &err);

		if (r != cases[i].want_r)
			fprintf(stderr, "case %zu: %s\n", i, err.buf);
		CHECK_INTEQ(r, cases[i].want_r);
		CHECK(!strchr(err.buf, '\n'));
		if (cases[i].want) {
			CHECK_STREQ(err.buf, cases[i].want);
		} else {
			size_t n = strlen(cases[i].want_prefix);

			if (strncmp(err.buf, cases[i].want_prefix, n))
				fprintf(stderr, "case %zu: '%s' does not start "
					"with '%s'\n", i, err.buf,
					cases[i].want_prefix);
			CHECK(!strncmp(err.buf, cases[i].want_prefix, n));
		}
		strbuf_release(&err);
	}
}

TEST(check_data_label_and_append)
{
	static const char bad[] = NAME BOOT MEM "maxmem = 1\n" DISKS;
	struct strbuf err = STRBUF_INIT;

	strbuf_addstr(&err, "before; ");
	CHECK_INTEQ(xlcfg_check_data(bad, strlen(bad), "web1.cfg", &err),
		    -EINVAL);
	CHECK_STREQ(err.buf,
		    "before; web1.cfg: maxmem 1 is less than memory 256");
	strbuf_reset(&err);

	CHECK_INTEQ(xlcfg_check_data("x = ;\n", 6, "/etc/xen/web1.cfg", &err),
		    -EINVAL);
	CHECK(!strncmp(err.buf, "/etc/xen/web1.cfg:1: ", 21));
	strbuf_release(&err);

	/* err is optional. */
	CHECK_INTEQ(xlcfg_check_data(bad, strlen(bad), NULL, NULL), -EINVAL);
	CHECK_INTEQ(xlcfg_check_data(GOOD, strlen(GOOD), NULL, NULL), 0);

	/* Only len bytes count: the text after them is never read. */
	CHECK_INTEQ(xlcfg_check_data(GOOD "dhcp = 'on'\n", strlen(GOOD), NULL,
				     NULL), 0);
}

static int put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fputs(text, f) >= 0;
	ok = !fclose(f) && ok;
	return ok ? 0 : -EIO;
}

TEST(check_file)
{
	char path[] = "/tmp/u-xlcfg-XXXXXX";
	struct strbuf err = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);

	CHECK_INTEQ(put_file(path, GOOD), 0);
	CHECK_INTEQ(xlcfg_check_file(path, &err), 0);
	CHECK_STREQ(err.buf, "");

	CHECK_INTEQ(put_file(path, GOOD "dhcp = 'dhcp'\n"), 0);
	CHECK_INTEQ(xlcfg_check_file(path, &err), -EINVAL);
	strbuf_addf(&want, "%s: 'dhcp' is an xm option that xl ignores; "
		    "configure DHCP inside the guest", path);
	CHECK_STREQ(err.buf, want.buf);

	unlink(path);
	strbuf_reset(&err);
	strbuf_reset(&want);
	CHECK_INTEQ(xlcfg_check_file(path, &err), -ENOENT);
	strbuf_addf(&want, "cannot read '%s': %s", path, strerror(ENOENT));
	CHECK_STREQ(err.buf, want.buf);

	strbuf_release(&err);
	strbuf_release(&want);
}
