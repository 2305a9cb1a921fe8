#!/bin/bash
# Which file systems pygrub reads a boot menu and kernel from: each is made
# with this host's mkfs and its defaults, given /boot/grub/grub.cfg, a
# kernel and an initrd, and read by pygrub as Xen would. Those it cannot
# read must still fail here: a pygrub that learns one shows up as a failure,
# and --pygrub may then allow it for /boot.
. "$(dirname "$0")/../lib.sh"

mnt=$TRASH/mnt
src=$TRASH/boot-src

trap 'release_devices "$mnt"' EXIT

mkdir -p "$mnt" "$src/boot/grub"
cat >"$src/boot/grub/grub.cfg" <<'EOF'
set default=0
set timeout=5
menuentry 'Test' {
	linux /boot/vmlinuz-test root=/dev/xvda ro
	initrd /boot/initrd.img-test
}
EOF
# Not empty and not all alike, so a copy that is cut short or read from the
# wrong blocks does not compare equal.
head -c 3000000 /dev/urandom >"$src/boot/vmlinuz-test"
head -c 1000000 /dev/urandom >"$src/boot/initrd.img-test"

# image NAME [SIZE]: a sparse image file, 300 MiB unless SIZE is given.
image()
{
	rm -f "$1.img" &&
	truncate -s "${2:-300M}" "$1.img"
}

# populate IMG: copy the boot files in through a loop mount. The mount is
# always undone, even when a copy fails.
populate()
{
	mount -o loop "$1" "$mnt" || return 1
	pop_rc=0
	cp -R "$src/boot" "$mnt/" || pop_rc=1
	umount "$mnt" || pop_rc=1
	return $pop_rc
}

# xfs_proto IMG MKFS-ARGS...: mkfs.xfs that writes the boot files itself
# from a prototype file, for the formats this kernel will not mount.
xfs_proto()
{
	proto_img=$1
	shift
	cat >proto <<EOF
/dev/null
0 0
d--755 0 0
boot d--755 0 0
grub d--755 0 0
grub.cfg ---644 0 0 $src/boot/grub/grub.cfg
\$
vmlinuz-test ---644 0 0 $src/boot/vmlinuz-test
initrd.img-test ---644 0 0 $src/boot/initrd.img-test
\$
\$
EOF
	mkfs.xfs -f -q "$@" -p proto "$proto_img"
}

# pygrub_reads IMG: pygrub hands back the menu entry's kernel and initrd,
# byte for byte, and its command line.
pygrub_reads()
{
	rm -rf "$1.out" && mkdir "$1.out" &&
	pygrub -q --output-format=simple --output-directory="$1.out" "$1" \
		>"$1.pygrub" || return 1
	cat "$1.pygrub"
	kernel=$(sed -n 's/^kernel //p' "$1.pygrub")
	ramdisk=$(sed -n 's/^ramdisk //p' "$1.pygrub")
	args=$(sed -n 's/^args //p' "$1.pygrub")
	test -n "$kernel" && test -n "$ramdisk" &&
	cmp "$kernel" "$src/boot/vmlinuz-test" &&
	cmp "$ramdisk" "$src/boot/initrd.img-test" &&
	test "$args" = "root=/dev/xvda ro"
}

# pygrub_cannot_read IMG: pygrub fails and hands back no kernel.
pygrub_cannot_read()
{
	rm -rf "$1.out" && mkdir "$1.out" &&
	test_must_fail pygrub -q --output-format=simple \
		--output-directory="$1.out" "$1" >"$1.pygrub" &&
	! grep '^kernel ' "$1.pygrub"
}

for fs in ext2 ext3 ext4; do
	test_expect_success "pygrub reads $fs" '
		image '$fs' &&
		mkfs.'$fs' -q -F '$fs'.img &&
		populate '$fs'.img &&
		pygrub_reads '$fs'.img
	'
done

test_expect_success 'pygrub reads ext4 with 4 KiB blocks, as on a guest root' '
	image ext4-big 4G &&
	mkfs.ext4 -q -F ext4-big.img &&
	dumpe2fs -h ext4-big.img >features &&
	grep -q "^Block size: *4096$" features &&
	grep -q "^Filesystem features:.* 64bit.* metadata_csum" features &&
	populate ext4-big.img &&
	pygrub_reads ext4-big.img
'

test_expect_success 'pygrub cannot read xfs (v5, with CRCs: the default)' '
	image xfs &&
	mkfs.xfs -f -q xfs.img &&
	xfs_db -r -c version xfs.img | grep -q "= V5," &&
	populate xfs.img &&
	pygrub_cannot_read xfs.img
'

test_expect_success 'pygrub cannot read xfs v4 with file types in directories' '
	image xfs4 &&
	xfs_proto xfs4.img -m crc=0 &&
	xfs_db -r -c version xfs4.img | grep -q "= V4,.*FTYPE" &&
	pygrub_cannot_read xfs4.img
'

test_expect_success 'pygrub reads xfs v4 without file types (-n ftype=0)' '
	image xfs4-noftype &&
	xfs_proto xfs4-noftype.img -m crc=0 -n ftype=0 &&
	xfs_db -r -c version xfs4-noftype.img >version &&
	grep -q "= V4," version && ! grep -q FTYPE version &&
	pygrub_reads xfs4-noftype.img
'

test_expect_success 'pygrub cannot read btrfs' '
	image btrfs &&
	mkfs.btrfs -f -q btrfs.img &&
	populate btrfs.img &&
	pygrub_cannot_read btrfs.img
'

test_expect_success 'nothing left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

release_devices "$mnt"
test_done
