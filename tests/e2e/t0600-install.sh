#!/bin/bash
# make install: an installed create-image finds its data, helpers, man
# page and system configuration where it was installed, and a reinstall
# keeps the administrator's configuration.
. "$(dirname "$0")/../lib.sh"

inst() {
	make -C "$TEST_DIRECTORY/.." -s B="$TRASH/build" PREFIX="$TRASH/usr" \
		SYSCONFDIR="$TRASH/etc" install >make.log 2>&1 ||
	{ cat make.log; return 1; }
}

test_expect_success 'make install PREFIX=... installs program, data and man page' '
	inst &&
	test -x usr/sbin/create-image &&
	test -x usr/lib/create-image/in-guest &&
	test "$(readlink usr/lib/create-image/chroot)" = in-guest &&
	test -f usr/share/man/man8/create-image.8 &&
	test -f usr/share/create-image/templates/xl.cfg &&
	test -f usr/share/create-image/distros/releases &&
	test -x usr/share/create-image/distros/debian/hooks/40-accounts &&
	test -x usr/share/create-image/distros/debian/hooks/base/30-enable-services &&
	test -x usr/share/create-image/distros/debian/base-tree/etc/initramfs-tools/hooks/create-image &&
	test -f etc/create-image/create-image.conf &&
	test -d etc/create-image/hooks.d &&
	test -d etc/create-image/hooks.d/base &&
	test -d etc/create-image/role.d &&
	for r in minimal builder editor tmpfs sudoers puppet udev; do
		test -x etc/create-image/role.d/$r || return 1
	done &&
	test -f etc/create-image/sed.d/README &&
	test -d etc/create-image/skel &&
	test -f etc/create-image/partitions.d/example &&
	test "$(readlink usr/sbin/delete-image)" = create-image &&
	test "$(readlink usr/sbin/list-images)" = create-image &&
	test -f usr/share/man/man8/delete-image.8 &&
	test -f usr/share/man/man8/list-images.8
'

test_expect_success 'a plain --partitions name is looked up in partitions.d' '
	CREATE_IMAGE_CONFIG= usr/sbin/create-image --dry-run --hostname p1 \
		--partitions example >plan &&
	grep -q "^disk      xvda3 .*/home.img 320M xfs /home" plan
'

test_expect_success 'the companion commands run as what they were called' '
	CREATE_IMAGE_STATEDIR=$TRASH/state usr/sbin/list-images --json >list &&
	grep -q "\"guests\": \[\]" list &&
	usr/sbin/delete-image --help >help &&
	grep -q "delete-image" help
'

test_expect_success 'the installed program uses the installed data and configuration' '
	printf "memory = 768M\n" >>etc/create-image/create-image.conf &&
	CREATE_IMAGE_CONFIG= usr/sbin/create-image --dumpconfig >dump &&
	grep -q "^memory *= 768M *# $TRASH/etc/create-image/create-image.conf:" dump &&
	grep -q "^hooks-dir *= $TRASH/etc/create-image/hooks.d " dump &&
	usr/sbin/create-image --dry-run --hostname web1 >plan &&
	grep -q "^memory      = 768$" plan
'

test_expect_success 'a reinstall keeps the administrator'\''s configuration' '
	inst &&
	grep -q "^memory = 768M" etc/create-image/create-image.conf
'

test_done
