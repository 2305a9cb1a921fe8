#!/bin/bash
# Roles: one guest built with every shipped role at once (minimal, editor,
# tmpfs, sudoers, udev, builder, puppet), one of xen-tools' own role.d
# scripts run unchanged (with its common.sh), --role-args reaching each
# role, and a --finalrole that runs last, with the xl.cfg written and the
# guest still mounted; each role's effect read from the image. A final
# role that fails (the shipped sudoers role, its file refused by the
# guest's visudo) rolls the whole build back, xl.cfg and all.
# suite: beside
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
disk=$dir/domains/rl1/disk.img

# The shipped roles, with an edit directory and a sudoers file beside
# them, as in /etc/create-image.
mkdir -p site/role.d site/sed.d/etc/ssh
cp "$TEST_DIRECTORY"/../etc/role.d/* site/role.d/
# xen-tools' own, as it is installed (from the test's data when this host
# has no xen-tools).
if [ -x /etc/xen-tools/role.d/minimal ] && [ -f /usr/share/xen-tools/common.sh ]; then
	cp /etc/xen-tools/role.d/minimal site/role.d/xt-minimal
	have_xt=1
else
	have_xt=
fi
printf '1i\\\nEdited by the editor role.\n' >site/sed.d/etc/motd.sed
printf 's/^#\\?PasswordAuthentication .*/PasswordAuthentication no/\n' \
	>site/sed.d/etc/ssh/sshd_config.sed
printf 's/^/never/\n' >site/sed.d/etc/no-such-file.sed
cat >site/sudoers <<'SUDOERS'
# The site's sudoers (t1420).
Defaults	env_reset
root	ALL=(ALL:ALL) ALL
%sudo	ALL=(ALL:ALL) ALL
%rlteam	ALL=(ALL) NOPASSWD: /usr/bin/true
SUDOERS

# A role of the test's that notes its arguments and what xen-tools' names
# say, and a final role that notes whether the xl.cfg and the guest's
# tree are there.
cat >site/role.d/note <<ROLE
#!/bin/sh
echo note >>"$TRASH/order"
printf '[%s]' "\$@" >"$TRASH/note-args"
echo "\$hostname \$dist \$memory \$size \$netmask \$ip1 \$ip_count \$role_args \$finalrole \$install_method \$dir \${password-unset}" >"$TRASH/note-env"
ROLE
cat >site/role.d/final <<ROLE
#!/bin/sh
set -e
echo final >>"$TRASH/order"
printf '[%s]' "\$@" >"$TRASH/final-args"
cfg=\$output/\$hostname\$extension
if [ -f "\$cfg" ] && grep -q "^name *= *.rl1.\$" "\$cfg"; then
	echo "cfg written" >"$TRASH/final-cfg"
fi
in-guest sh -c 'grep -c "^tmpfs /tmp " /etc/fstab >/etc/rl-final'
ROLE
chmod +x site/role.d/note site/role.d/final

roles=${have_xt:+xt-minimal,}minimal,editor,tmpfs,sudoers,udev,builder,puppet,note

test_expect_success 'a guest with every shipped role, --role-args and a --finalrole' '
	"$CREATE_IMAGE" --hostname rl1 --dist bookworm --dir "$dir" \
		--output "$out" --size 3G --noswap --genpass \
		--ip 192.0.2.30/24 --gateway 192.0.2.1 --memory 384M \
		--roledir "$TRASH/site/role.d" --role "$roles" \
		--role-args "--site=rl one" --finalrole final \
		--cachedir "$CACHEDIR" >summary 2>progress || {
		tail -40 progress; false; }
'

test_expect_success '--role-args reach every role and the final role' '
	cat note-args final-args &&
	grep -q "^\[/[^]]*\]\[--site=rl\]\[one\]$" note-args &&
	grep -q "^\[/[^]]*\]\[--site=rl\]\[one\]$" final-args
'

test_expect_success 'roles see the settings by xen-tools'\'' names, never the password' '
	cat note-env &&
	test "$(cat note-env)" = "rl1 bookworm 384M 3G 255.255.255.0 192.0.2.30 1 --site=rl one final debootstrap $dir unset"
'

test_expect_success 'the final role ran last, with the xl.cfg written and the guest mounted' '
	test "$(tail -n 1 order)" = final &&
	test "$(grep -c . order)" = 2 &&
	test "$(cat final-cfg)" = "cfg written" &&
	test "$(guest_cat "$disk" /etc/rl-final)" = 1 &&
	"$TEST_TOOL" xlcfg-check "$out/rl1.cfg"
'

test_expect_success 'minimal: no documentation, manual pages or nano, nor in packages installed later' '
	test -z "$(installed_version "$disk" nano)" &&
	guest_cat "$disk" /etc/dpkg/dpkg.cfg.d/create-image-minimal |
		grep -qx "path-exclude=/usr/share/man/\*" &&
	test "$(guest_ls "$disk" /usr/share/doc/bash | grep -v "^\.")" = copyright &&
	test -n "$(installed_version "$disk" make)" &&
	test "$(guest_ls "$disk" /usr/share/doc/make | grep -v "^\.")" = copyright &&
	test -z "$(guest_ls "$disk" /usr/share/man | grep -v "^\.")"
'

test_expect_success 'editor: each sed.d script edited its file, a missing file was passed over' '
	guest_cat "$disk" /etc/motd >motd &&
	test "$(head -n 1 motd)" = "Edited by the editor role." &&
	guest_cat "$disk" /etc/ssh/sshd_config | grep -qx "PasswordAuthentication no" &&
	test -z "$(guest_cat "$disk" /etc/no-such-file)" &&
	! guest_ls "$disk" /etc/ssh | grep -q "~$"
'

test_expect_success 'tmpfs: /tmp in the fstab, once' '
	guest_cat "$disk" /etc/fstab >fstab &&
	test "$(grep -c "^tmpfs /tmp tmpfs rw,nosuid,nodev,size=50%,mode=1777 0 0$" fstab)" = 1
'

test_expect_success 'sudoers: the site file, sudo installed' '
	guest_cat "$disk" /etc/sudoers >sudoers &&
	test_cmp site/sudoers sudoers &&
	test "$(guest_stat "$disk" /etc/sudoers)" = "0440 0 0" &&
	test -n "$(installed_version "$disk" sudo)"
'

test_expect_success 'udev, builder and puppet: their packages installed, the agent disabled' '
	test -n "$(installed_version "$disk" udev)" &&
	for p in build-essential dpkg-dev debhelper devscripts fakeroot lintian puppet-agent; do
		test -n "$(installed_version "$disk" $p)" || { echo "no $p"; return 1; }
	done &&
	! guest_ls "$disk" /etc/systemd/system/multi-user.target.wants | grep -q "^puppet"
'

test_expect_success 'the package lists fetched for the roles are gone again, and dpkg syncs again' '
	test -z "$(guest_ls "$disk" /var/lib/apt/lists | grep _Packages)" &&
	test -z "$(guest_ls "$disk" /var/cache/apt/archives | grep "\.deb$")" &&
	! guest_ls "$disk" /etc/dpkg/dpkg.cfg.d | grep -q unsafe-io &&
	grep -q "fetching the package lists for the roles" progress
'

test_expect_success 'xen-tools'\'' unchanged minimal role ran with its common.sh' '
	test -z "$have_xt" || {
		test -n "$(installed_version "$disk" nvi)" &&
		test -n "$(installed_version "$disk" busybox-syslogd)"
	}
'

# The shipped sudoers role with a file visudo refuses, as a final role:
# the failure comes after the xl.cfg is written.
mkdir -p bad/role.d
cp site/role.d/sudoers bad/role.d/
echo "this is not sudoers syntax" >bad/sudoers

test_expect_success 'a failing final role rolls the build back, xl.cfg and all' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname rl2 --dist bookworm --dir "$dir" \
		--output "$out" --size 2G --noswap --genpass \
		--roledir "$TRASH/bad/role.d" --finalrole sudoers \
		--cachedir "$CACHEDIR" >summary2 2>progress2 || rc=$? &&
	cat progress2 &&
	test "$rc" = 1 &&
	grep -q "final role .sudoers. .*failed with exit status 1" progress2 &&
	grep -q "visudo refused" progress2 &&
	test ! -e "$out/rl2.cfg" &&
	test ! -e "$dir/domains/rl2" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'bad role input is refused before anything is made' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname rl3 --dir "$dir" --output "$out" \
		--roledir "$TRASH/site/role.d" --finalrole nosuch \
		>/dev/null 2>err || rc=$? &&
	test "$rc" = 2 &&
	grep -q "^create-image: --finalrole: role .nosuch. not found" err &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname rl3 --dir "$dir" --output "$out" \
		--role-args "a \$HOME" >/dev/null 2>err || rc=$? &&
	test "$rc" = 2 &&
	grep -q "^create-image: --role-args: .a \$HOME.: no shell reads" err &&
	test ! -e "$out/rl3.cfg" && test ! -e "$dir/domains/rl3"
'

release_devices "$TRASH/mnt"
test_done
