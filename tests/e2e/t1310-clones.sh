#!/bin/bash
# Clones: on a loop-mounted xfs file system holding both --dir and the
# cache, a guest's root disk is a reflinked clone of a ready image of the
# cached base: its extents are shared, and two clones of one base still
# differ in UUID, host keys and machine-id. A damaged base image is never
# cloned (it is made again); --clone=no and an ext4 --dir unpack, and the
# plan says which way and why. One clone boots under qemu.
. "$(dirname "$0")/../lib.sh"

export CREATE_IMAGE_LOGDIR=$TRASH/log
out=$TRASH/xen

# The xfs file system, and on it the test's own cache (sharing the suite's
# packages) and the guests' --dir.
xfs=$TRASH/xfs
truncate -s 16G "$TRASH/xfs.img" && mkfs.xfs -q "$TRASH/xfs.img" &&
mkdir -p "$xfs" && mount -o loop "$TRASH/xfs.img" "$xfs" || {
	echo "error: cannot mount an xfs file system" >&2
	exit 1
}
TEST_OWN_LOOPS=$(losetup -j "$TRASH/xfs.img" | cut -d: -f1)
export TEST_OWN_LOOPS
cleanup_xfs()
{
	umount "$xfs" 2>/dev/null
}
trap cleanup_xfs EXIT
cache=$xfs/cache
bases=$cache/bases
dir=$xfs/srv
mkdir -p "$cache/bases" "$CACHEDIR/debs" && ln -s "$CACHEDIR/debs" "$cache/debs"

# build NAME [FLAG...]: a guest with --verbose; NAME.out, NAME.err.
build()
{
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" --dir "$dir" --output "$out" \
		--size 3G --swap 64M --cachedir "$cache" --verbose "$@" \
		>"$name.out" 2>"$name.err"
}

disk_of()
{
	echo "$dir/domains/$1/disk.img"
}

# The base's name for these settings, from the plan.
base_name()
{
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--size 3G --swap 64M --cachedir "$cache" "$@" |
		awk '$1 == "base" { sub(/,$/, "", $2); print $2 }'
}

test_expect_success 'a cached base: the suite'"'"'s copy, or one built here' '
	name=$(base_name) && test -n "$name" &&
	if test -f "$CACHEDIR/bases/$name.conf"; then
		cp "$CACHEDIR/bases/$name.tar.zst" "$CACHEDIR/bases/$name.conf" \
			"$bases/"
	fi &&
	build seed &&
	test -f "$bases/$name.tar.zst" && test -f "$bases/$name.conf" &&
	rm -f "$bases"/*.img "$bases"/*.img.sha256
'

test_expect_success 'the plan says reflink, and why; and when not' '
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--cachedir "$cache" >plan &&
	grep "^clone     reflink: --dir .$dir. is on xfs, which shares extents$" plan &&
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--cachedir "$cache" --clone=no >plan &&
	grep "^clone     unpack: --clone=no$" plan &&
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$TRASH/ext4" \
		--output "$out" --cachedir "$cache" >plan &&
	grep "^clone     unpack: --dir .$TRASH/ext4. is on ext4, which cannot share extents$" plan &&
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--cachedir "$CACHEDIR" >plan &&
	grep "^clone     unpack: the cache .$CACHEDIR. is not on the file system of --dir .$dir., which a reflink needs$" plan &&
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--cachedir "$cache" --image=full >plan &&
	grep "^clone     unpack: --image=full" plan
'

test_expect_success 'the first clone makes the base image and its checksum' '
	build c1 &&
	grep "making the ext4 image of the base" c1.err &&
	grep "cloning the base .* into .$(disk_of c1)." c1.err &&
	img=$(ls "$bases"/*.ext4-*.img) && test -f "$img.sha256" &&
	grep -qE "^[0-9a-f]{64}$" "$img.sha256"
'

test_expect_success 'a second clone reuses it; both share its extents' '
	build c2 &&
	! grep "making the ext4 image" c2.err &&
	grep "cloning the base" c2.err &&
	for g in c1 c2; do
		filefrag -v "$(disk_of $g)" | grep -q shared || exit 1
	done &&
	img=$(ls "$bases"/*.ext4-*.img) &&
	filefrag -v "$img" | grep -q shared
'

test_expect_success 'each clone is grown to --size and its file system is clean' '
	for g in c1 c2; do
		d=$(disk_of $g) &&
		test "$(stat -c %s "$d")" = $((3 * 1024 * 1024 * 1024)) &&
		blocks=$(dumpe2fs -h "$d" 2>/dev/null |
			 awk -F: "/^Block count/ { print \$2 + 0 }") &&
		test "$blocks" = $((3 * 1024 * 256)) &&
		e2fsck -fn "$d" >/dev/null || exit 1
	done
'

test_expect_success 'two clones of one base differ in UUID, host keys and machine-id' '
	a=$(disk_of c1) && b=$(disk_of c2) &&
	ua=$(blkid -s UUID -o value "$a") && ub=$(blkid -s UUID -o value "$b") &&
	test -n "$ua" && test "$ua" != "$ub" &&
	img=$(ls "$bases"/*.ext4-*.img) &&
	test "$ua" != "$(blkid -s UUID -o value "$img")" &&
	guest_cat "$a" /etc/fstab | grep -q "UUID=$ua" &&
	guest_cat "$b" /etc/fstab | grep -q "UUID=$ub" &&
	ka=$(guest_cat "$a" /etc/ssh/ssh_host_ed25519_key.pub) &&
	kb=$(guest_cat "$b" /etc/ssh/ssh_host_ed25519_key.pub) &&
	test -n "$ka" && test "$ka" != "$kb" &&
	ma=$(guest_cat "$a" /etc/machine-id) &&
	mb=$(guest_cat "$b" /etc/machine-id) &&
	echo "$ma" | grep -qE "^[0-9a-f]{32}$" && test "$ma" != "$mb" &&
	test "$(guest_cat "$a" /etc/hostname)" = c1
'

test_expect_success 'a damaged base image is never cloned: it is made again' '
	img=$(ls "$bases"/*.ext4-*.img) &&
	off=$(filefrag -v "$img" | awk "\$1 == \"1:\" { sub(/\\.\\..*/, \"\", \$2); print \$2 * 4096 + 100; exit }") &&
	test -n "$off" &&
	test "$(dd if="$img" bs=1 skip="$off" count=16 status=none)" != \
		"damaged by t1310" &&
	printf "damaged by t1310" |
		dd of="$img" bs=1 seek="$off" conv=notrunc status=none &&
	build c3 &&
	grep "the base image is damaged" c3.err &&
	grep "making the ext4 image of the base" c3.err &&
	grep "cloning the base" c3.err &&
	e2fsck -fn "$(disk_of c3)" >/dev/null
'

test_expect_success '--clone=no unpacks the base' '
	build c4 --clone=no &&
	! grep "cloning the base" c4.err &&
	grep "using the cached base" c4.err &&
	! filefrag -v "$(disk_of c4)" | grep -q shared
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$dir" &&
	assert_no_leftovers "$cache" &&
	! ls -d "$TMPDIR"/create-image-base.* 2>/dev/null &&
	! ls "$bases" | grep -E "\\.(raw|qcow2)-[0-9]+$"
'

test_expect_success 'a clone boots under qemu to a root login' '
	password=$(sed -n "s/^ *Root password: //p" c2.out) &&
	mac=$(sed -n "s/^ *MAC: *//p" c2.out) &&
	test -n "$password" && test -n "$mac" &&
	"$BOOT_CHECK" --disk "$(disk_of c2)" --disk "$dir/domains/c2/swap.img" \
		--mac "$mac" --hostname c2 --password "$password"
'

test_expect_success 'cache prune removes a base with its images; clones stay' '
	"$CREATE_IMAGE" cache --cachedir "$cache" prune --all &&
	! ls "$bases"/*.img 2>/dev/null &&
	! ls "$bases"/*.sha256 2>/dev/null &&
	e2fsck -fn "$(disk_of c2)" >/dev/null
'

test_done
