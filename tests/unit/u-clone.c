/*
 * u-clone.c: which way a guest's root gets its base, and the reason the
 * plan gives, for each kind of target.
 */
#include <stdlib.h>
#include <string.h>

#include "clone.h"
#include "guest.h"
#include "macros.h"
#include "strbuf.h"
#include "unit.h"
#include "banned.h"

UNIT_MAIN

#define XFS 0x58465342L
#define BTRFS 0x9123683EL
#define EXT4 0xEF53L
#define TMPFS 0x01021994L

TEST(clone_choose_by_target)
{
	static struct partition root = { "root", 1 << 30, "--size", "ext4",
					 "/", NULL };
	static struct partition root_xfs = { "root", 1 << 30, "--size",
					     "xfs", "/", NULL };
	static struct partition reiser = { "root", 1 << 30, "--size",
					   "reiserfs", "/", NULL };
	static struct partition home = { "home", 1 << 30, "FILE:2", "ext4",
					 "/home", NULL };
	static const struct {
		enum clone_mode clone;
		enum install_method method;
		int cacheable;
		enum storage_kind storage;
		enum disk_layout layout;
		int qcow2, full, with_home;
		int apart;	/* the cache on another file system */
		struct partition *root;
		long f_type;
		enum clone_path want;
		const char *why;	/* a part of the reason */
	} cases[] = {
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, XFS, CLONE_PATH_REFLINK,
		  "is on xfs, which shares extents" },
		{ CLONE_AUTO, INSTALL_TAR, 1, STORAGE_DIR, LAYOUT_VOLUMES, 0,
		  0, 0, 0, &root_xfs, BTRFS, CLONE_PATH_REFLINK, "on btrfs" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, EXT4, CLONE_PATH_COPY,
		  "is on ext4, which cannot share extents: a sparse copy" },
		/* A copy, unlike a reflink, crosses file systems. */
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 1, &root_xfs, EXT4,
		  CLONE_PATH_COPY, "a sparse copy of the base image" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, TMPFS, CLONE_PATH_UNPACK,
		  "is on tmpfs, which cannot share extents" },
		{ CLONE_NO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, EXT4, CLONE_PATH_UNPACK,
		  "--clone=no" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_LVM,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, EXT4, CLONE_PATH_UNPACK,
		  "a logical volume" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, 0, CLONE_PATH_UNPACK,
		  "on a file system, which cannot" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 1, 0, 0, 0, &root, EXT4, CLONE_PATH_OVERLAY,
		  "--disk-format=qcow2: the disk reads the base's qcow2 image" },
		/* An overlay needs no shared extents, nor the cache beside. */
		{ CLONE_AUTO, INSTALL_TAR, 1, STORAGE_DIR, LAYOUT_VOLUMES, 1,
		  0, 0, 1, &root_xfs, 0, CLONE_PATH_OVERLAY, "backing file" },
		/* A full qcow2 image wants its blocks allocated. */
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 1, 1, 0, 0, &root, EXT4, CLONE_PATH_UNPACK,
		  "--image=full" },
		{ CLONE_NO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 1, 0, 0, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "--clone=no" },
		{ CLONE_AUTO, INSTALL_COPY, 0, STORAGE_DIR, LAYOUT_VOLUMES, 0,
		  0, 0, 0, &root, XFS, CLONE_PATH_UNPACK, "makes none" },
		{ CLONE_AUTO, INSTALL_NONE, 0, STORAGE_DIR, LAYOUT_VOLUMES, 0,
		  0, 0, 0, &root, XFS, CLONE_PATH_UNPACK, "makes none" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 0, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "not cached" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_LVM,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "a logical volume" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DEVICE,
		  LAYOUT_VOLUMES, 0, 0, 0, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "a device" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_DISK, 1, 0, 0, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "--layout=disk" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 1, 0, 1, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "'/home' is a file system of its own" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 1, 0, 0, 0, &reiser, XFS, CLONE_PATH_UNPACK,
		  "'reiserfs' root" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 1, 0, 0, &root, XFS, CLONE_PATH_UNPACK,
		  "--image=full" },
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 0, 0, 0, 1, &root, XFS, CLONE_PATH_UNPACK,
		  "which a reflink needs" },
		/* A qcow2 guest on xfs is an overlay, never a reflink. */
		{ CLONE_AUTO, INSTALL_DEBOOTSTRAP, 1, STORAGE_DIR,
		  LAYOUT_VOLUMES, 1, 0, 0, 0, &root, XFS, CLONE_PATH_OVERLAY,
		  "--disk-format=qcow2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct partition p[2];
		struct guest g;
		struct strbuf why = STRBUF_INIT;

		memset(&g, 0, sizeof(g));
		g.clone = cases[i].clone;
		g.method = cases[i].method;
		g.storage = cases[i].storage;
		g.layout = cases[i].layout;
		g.qcow2 = cases[i].qcow2;
		g.image_full = cases[i].full;
		g.dir = (char *)"/srv/xen";
		g.fs = cases[i].root->type;
		p[0] = *cases[i].root;
		p[1] = home;
		g.parts.p = p;
		g.parts.nr = cases[i].with_home ? 2 : 1;
		g.cachedir = (char *)"/var/cache/create-image";
		CHECK_INTEQ(clone_choose(&g, cases[i].cacheable,
					 cases[i].f_type, !cases[i].apart,
					 &why),
			    cases[i].want);
		if (!strstr(why.buf, cases[i].why))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i,
				why.buf, cases[i].why);
		CHECK(strstr(why.buf, cases[i].why) != NULL);
		strbuf_release(&why);
	}
}

TEST(clone_same_fs_of_paths)
{
	CHECK(clone_same_fs("/proc/self", "/proc/no/such"));
	CHECK(!clone_same_fs("/proc", "/"));
}

TEST(clone_fs_names)
{
	CHECK(clone_fs_reflinks(XFS));
	CHECK(clone_fs_reflinks(BTRFS));
	CHECK(!clone_fs_reflinks(EXT4));
	CHECK(!clone_fs_reflinks(0));
	CHECK_STREQ(clone_fs_name(XFS), "xfs");
	CHECK_STREQ(clone_fs_name(0), "");
	CHECK_STREQ(clone_path_name(CLONE_PATH_REFLINK), "reflink");
	CHECK_STREQ(clone_path_name(CLONE_PATH_COPY), "copy");
	CHECK_STREQ(clone_path_name(CLONE_PATH_OVERLAY), "qcow2 overlay");
}

/* A path that does not exist yet is judged by its nearest parent. */
TEST(clone_host_fs_type_of_missing_path)
{
	CHECK(clone_host_fs_type("/proc/self") != 0);
	CHECK_INTEQ(clone_host_fs_type("/proc/no/such/dir"),
		    clone_host_fs_type("/proc"));
	CHECK(clone_host_fs_type("/") != 0);
}
