#!/bin/bash
# Whatever a role or a base hook leaves in the guest's tree, the build's own
# reads and writes stay inside it: var/log, etc/ssh and boot made absolute
# links to directories of the host (decoys here, holding a syslog, an SSH
# host key, a grub.cfg and a kernel) leave the decoys untouched, byte for
# byte; the build writes inside the guest or fails cleanly; a base a hostile
# base hook made is never stored; FIFOs named like a kernel or a host key
# hang nothing. Bases go to a cache of this test's own.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
# These builds unpack the base archive, as the tests below follow them
# doing so: the clones of its image are t1310's and t1320's.
printf 'clone = no\n' >"$TRASH/create-image.conf"
export CREATE_IMAGE_CONFIG=$TRASH/create-image.conf

cache=$TRASH/cache
bases=$cache/bases
mkdir -p "$cache" "$CACHEDIR/debs" &&
ln -s "$CACHEDIR/debs" "$cache/debs"

# The host's directories the links point at, with a kernel that would be
# taken for the guest's if /boot were followed out.
decoy=$TRASH/host
mkdir -p "$decoy/log" "$decoy/ssh" "$decoy/boot/grub"
echo "host syslog" >"$decoy/log/syslog"
echo "host key" >"$decoy/ssh/ssh_host_ed25519_key"
chmod 600 "$decoy/ssh/ssh_host_ed25519_key"
echo "host grub" >"$decoy/boot/grub/grub.cfg"
echo "host kernel" >"$decoy/boot/vmlinuz-9.9"
echo "host initrd" >"$decoy/boot/initrd.img-9.9"

# Every name, type, mode, owner, size, inode and content under the decoys.
decoy_state()
{
	(cd "$decoy" &&
	 find . -printf "%p %y %m %U:%G %s %i\n" | sort &&
	 find . -type f -exec sha256sum {} + | sort)
}
decoy_state >decoys.before

decoys_untouched()
{
	decoy_state >decoys.now &&
	test_cmp decoys.before decoys.now
}

# build NAME [FLAG...]: a small guest; NAME.out, NAME.err. A build that
# hangs is stopped, and fails the test.
build()
{
	local name=$1
	shift
	timeout -k 30 900 "$CREATE_IMAGE" --hostname "$name" --dir "$dir" \
		--output "$out" --size 2G --swap 64M --cachedir "$cache" \
		--verbose "$@" >"$name.out" 2>"$name.err"
}

disk_of()
{
	echo "$dir/domains/$1/disk.img"
}

archives()
{
	ls "$bases" 2>/dev/null | grep "\.tar\.zst$" || true
}

# Nothing of a failed guest is left.
no_guest()
{
	test ! -e "$out/$1.cfg" && test ! -e "$dir/domains/$1" &&
	assert_no_leftovers "$TRASH"
}

mkdir -p roles hooks/base

# Move the guest's var/log, etc/ssh and boot to where the decoys' paths
# lead inside the tree, and leave absolute links to the decoys' paths.
cat >roles/links-inside <<ROLE
#!/bin/sh
set -e
for d in var/log:log etc/ssh:ssh boot:boot; do
	in=\${d%%:*} to=$decoy/\${d#*:}
	mkdir -p "\$1$decoy"
	mv "\$1/\$in" "\$1\$to"
	ln -s "\$to" "\$1/\$in"
done
ROLE

# The same links, with nothing inside the tree where they lead.
cat >roles/links-out <<ROLE
#!/bin/sh
set -e
for d in var/log:log etc/ssh:ssh boot:boot; do
	in=\${d%%:*}
	rm -rf "\$1/\$in"
	ln -s "$decoy/\${d#*:}" "\$1/\$in"
done
ROLE

cat >roles/fifos <<'ROLE'
#!/bin/sh
set -e
mkfifo "$1/boot/vmlinuz-99.0-fifo" "$1/boot/initrd.img-99.0-fifo" \
	"$1/etc/ssh/ssh_host_fifo_key.pub"
ROLE

# Last of the base hooks, so the shipped ones see the tree as it was.
cat >hooks/base/99-links-out <<HOOK
#!/bin/sh
set -e
for d in var/log:log etc/ssh:ssh boot:boot; do
	in=\${d%%:*}
	rm -rf "\$1/\$in"
	ln -s "$decoy/\${d#*:}" "\$1/\$in"
done
HOOK
chmod +x roles/* hooks/base/*

test_expect_success 'links a role left that lead inside the guest: built there, the host untouched' '
	build t11a --roledir "$TRASH/roles" --role links-inside &&
	decoys_untouched &&
	kver=$(sed -n "s/^ *Kernel: *//p" t11a.out) &&
	test -n "$kver" && test "$kver" != 9.9 &&
	test "$(guest_readlink "$(disk_of t11a)" /boot)" = "$decoy/boot" &&
	guest_cat "$(disk_of t11a)" "$decoy/boot/grub/grub.cfg" >grub.cfg &&
	grep -q "vmlinuz-$kver" grub.cfg &&
	test $(grep -c "SSH host key: .*SHA256:" t11a.out) -ge 2 &&
	test "$(archives | wc -l)" = 1 &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'links a role left that lead nowhere inside: a clean failure, the host untouched' '
	test_must_fail build t11b --roledir "$TRASH/roles" --role links-out &&
	decoys_untouched &&
	grep -q "cannot make the guest bootable: no kernel with an initrd in the guest.s /boot" t11b.err &&
	no_guest t11b
'

test_expect_success 'FIFOs named like a kernel and a host key: passed over, no hang' '
	build t11c --roledir "$TRASH/roles" --role fifos --nopygrub &&
	grep -q "using the cached base" t11c.err &&
	kver=$(sed -n "s/^ *Kernel: *//p" t11c.out) &&
	test -n "$kver" && test "$kver" != 99.0-fifo &&
	test -s "$CREATE_IMAGE_STATEDIR/kernels/t11c/vmlinuz" &&
	test -s "$CREATE_IMAGE_STATEDIR/kernels/t11c/initrd.img" &&
	test $(grep -c "SSH host key: .*SHA256:" t11c.out) -ge 2 &&
	assert_no_leftovers "$TRASH"
'

# The base built above, as a tarball: the base with the hostile hook is
# then built from it without a second debootstrap.
cp "$bases/$(archives | head -n 1)" "$TRASH/root.tar.zst"
ls "$bases" >bases.before

test_expect_success 'a base hook that leaves links to the host: refused, the host untouched, the base not stored' '
	test_must_fail build t11d --install-method tar \
		--install-source "$TRASH/root.tar.zst" --hooks-dir "$TRASH/hooks" &&
	grep -q "running base hook .99-links-out." t11d.err &&
	grep -q "cannot prepare the base: the installed tree.s ./etc/ssh. is a symlink, not a directory: refusing to write through it" t11d.err &&
	! grep -q "storing the base" t11d.err &&
	decoys_untouched &&
	ls "$bases" >bases.now &&
	test_cmp bases.before bases.now &&
	no_guest t11d
'

test_done
