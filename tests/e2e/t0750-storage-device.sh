#!/bin/bash
# --image-dev and --swap-dev: existing block devices (here loop devices
# over files). One that holds a file system is never overwritten without
# --force, and delete-image leaves the devices alone: they are not the
# guest's to remove.
. "$(dirname "$0")/../lib.sh"

out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

truncate -s 2G root.dev && truncate -s 128M swap.dev
rootdev=$(losetup -f --show "$TRASH/root.dev")
swapdev=$(losetup -f --show "$TRASH/swap.dev")
trap 'losetup -d "$rootdev" "$swapdev" 2>/dev/null' EXIT
TEST_OWN_LOOPS="$rootdev $swapdev"

test_expect_success 'an image device needs a swap device or --noswap' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname dev1 --image-dev "$rootdev" \
		--output "$out" --dry-run >o 2>e || rc=$? &&
	cat e && test "$rc" = 2 && grep -q "swap-dev" e
'

test_expect_success 'a device holding a file system is refused without --force' '
	mkfs.ext4 -q -F -L precious "$rootdev" &&
	uuid=$(blkid -o value -s UUID "$rootdev") &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname dev1 --image-dev "$rootdev" \
		--swap-dev "$swapdev" --output "$out" >o 2>e || rc=$? &&
	cat e && test "$rc" = 2 && test $(wc -l <e) = 1 &&
	grep -q "$rootdev. holds an ext4 file system" e &&
	grep -q -- "--force" e &&
	test "$(blkid -o value -s UUID "$rootdev")" = "$uuid" &&
	test ! -e "$out"
'

test_expect_success 'a device in use is refused, even with --force' '
	mkdir mnt && mount "$rootdev" mnt &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname dev1 --image-dev "$rootdev" \
		--swap-dev "$swapdev" --output "$out" --force >o 2>e || rc=$? &&
	umount mnt &&
	cat e && test "$rc" != 0 && grep -q "in use" e &&
	test "$(blkid -o value -s LABEL "$rootdev")" = precious
'

test_expect_success 'with --force the guest is built on the devices' '
	"$CREATE_IMAGE" --hostname dev1 --image-dev "$rootdev" \
		--swap-dev "$swapdev" --output "$out" --force \
		--cachedir "$CACHEDIR" >summary 2>progress &&
	cat summary &&
	grep -q "Disk xvda2 $rootdev 2G ext4 / UUID=.* (existing device)" summary &&
	grep -q "Disk xvda1 $swapdev 128M swap UUID=.* (existing device)" summary &&
	test -z "$(blkid -o value -s LABEL "$rootdev")" &&
	test "$(blkid -o value -s TYPE "$swapdev")" = swap &&
	assert_no_leftovers "$TRASH" &&
	test -z "$(ls "$TRASH/srv" 2>/dev/null)"
'

test_expect_success 'xl.cfg names the devices; pygrub reads the kernel from one' '
	"$TEST_TOOL" xlcfg-check "$out/dev1.cfg" &&
	grep -q "vdev=xvda2, access=rw, target=$rootdev" "$out/dev1.cfg" &&
	grep -q "vdev=xvda1, access=rw, target=$swapdev" "$out/dev1.cfg" &&
	mkdir pygrub &&
	pygrub -q --output-format=simple --output-directory=pygrub "$rootdev" >pg &&
	k=$(sed -n "s/^kernel //p" pg) && test -s "$k" &&
	test "$(guest_cat "$rootdev" /etc/hostname)" = dev1
'

test_expect_success 'delete-image removes the config and record, not the devices' '
	"$BUILD/delete-image" --output "$out" dev1 >o && cat o &&
	grep -q "leaving .$rootdev." o &&
	test ! -e "$out/dev1.cfg" &&
	test "$(blkid -o value -s TYPE "$rootdev")" = ext4 &&
	test -z "$("$BUILD/list-images")"
'

test_done
