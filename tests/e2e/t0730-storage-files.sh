#!/bin/bash
# Image files beyond the default: qcow2 disks, and a partitions file in
# xen-tools' format giving the guest several file systems (xfs, btrfs, a
# /boot of its own), each its own Xen disk.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

test_expect_success 'qcow2: the build writes qcow2 images and xl.cfg says so' '
	"$CREATE_IMAGE" --hostname q1 --dir "$dir" --output "$out" \
		--disk-format=qcow2 --size 2G --swap 64M \
		--cachedir "$CACHEDIR" >summary 2>progress &&
	cat summary &&
	d=$dir/domains/q1 &&
	test "$(ls -A "$d" | sort | tr "\n" " ")" = "disk.qcow2 swap.qcow2 " &&
	qemu-img info --output=json "$d/disk.qcow2" >info &&
	grep -q "\"format\": \"qcow2\"" info &&
	grep -q "\"virtual-size\": $((2 << 30))" info &&
	"$TEST_TOOL" xlcfg-check "$out/q1.cfg" &&
	grep -q "format=qcow2, vdev=xvda2, access=rw, target=$d/disk.qcow2" "$out/q1.cfg" &&
	grep -q "format=qcow2, vdev=xvda1, access=rw, target=$d/swap.qcow2" "$out/q1.cfg" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'qcow2: pygrub reads the kernel from the image made raw again' '
	qemu-img convert -f qcow2 -O raw "$dir/domains/q1/disk.qcow2" q1.raw &&
	mkdir pygrub-q1 &&
	pygrub -q --output-format=simple --output-directory=pygrub-q1 q1.raw >pg &&
	k=$(sed -n "s/^kernel //p" pg) && test -s "$k" &&
	uuid=$(blkid -o value -s UUID q1.raw) &&
	grep -q "^args root=UUID=$uuid ro" pg &&
	test "$(guest_cat q1.raw /etc/hostname)" = q1 &&
	rm -f q1.raw
'

cat >parts <<'EOF'
# A xen-tools partitions file: one Xen disk per section.
[root]
size=1.5G
type=xfs
mountpoint=/
options=defaults,noatime

[boot]
size=256M
type=ext4
mountpoint=/boot

[swap]
size=64M
type=swap

[home]
size=300M
type=btrfs
mountpoint=/home
options=nodev,nosuid
EOF

test_expect_success 'without a /boot pygrub can read, btrfs as root is refused' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname p0 --dir "$dir" --output "$out" \
		--fs btrfs --dry-run >o 2>e || rc=$? &&
	cat e && test "$rc" = 2 && grep -q "pygrub cannot read btrfs" e
'

test_expect_success 'a partitions file gives every file system its own disk' '
	"$CREATE_IMAGE" --hostname p1 --dir "$dir" --output "$out" \
		--partitions "$TRASH/parts" --cachedir "$CACHEDIR" \
		>summary 2>progress &&
	cat summary &&
	d=$dir/domains/p1 &&
	test "$(blkid -o value -s TYPE "$d/boot.img")" = ext4 &&
	test "$(blkid -o value -s TYPE "$d/root.img")" = xfs &&
	test "$(blkid -o value -s TYPE "$d/swap.img")" = swap &&
	test "$(blkid -o value -s TYPE "$d/home.img")" = btrfs &&
	test "$(stat -c %s "$d/home.img")" = $((300 << 20)) &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'disks are numbered in xen-tools order, the /boot disk first' '
	"$TEST_TOOL" xlcfg-check "$out/p1.cfg" &&
	d=$dir/domains/p1 &&
	sed -n "/^disk/,/]/p" "$out/p1.cfg" | grep -o "vdev=[^,]*, access=rw, target=[^'\'']*" >disks &&
	cat disks &&
	printf "%s\n" "vdev=xvda3, access=rw, target=$d/boot.img" \
		"vdev=xvda1, access=rw, target=$d/swap.img" \
		"vdev=xvda2, access=rw, target=$d/root.img" \
		"vdev=xvda4, access=rw, target=$d/home.img" >expect &&
	test_cmp expect disks
'

test_expect_success 'fstab mounts each file system by UUID with its options' '
	d=$dir/domains/p1 &&
	mkdir mnt && mount -o ro,loop "$d/root.img" mnt &&
	cp mnt/etc/fstab fstab; umount mnt &&
	cat fstab &&
	grep -q "^UUID=$(blkid -o value -s UUID "$d/root.img")	/	xfs	defaults,noatime	0	0" fstab &&
	grep -q "^UUID=$(blkid -o value -s UUID "$d/boot.img")	/boot	ext4	defaults	0	2" fstab &&
	grep -q "^UUID=$(blkid -o value -s UUID "$d/home.img")	/home	btrfs	nodev,nosuid	0	0" fstab &&
	grep -q "^UUID=$(blkid -o value -s UUID "$d/swap.img")	none	swap	" fstab
'

test_expect_success 'pygrub boots from the /boot disk, which holds the kernel' '
	d=$dir/domains/p1 &&
	mkdir pygrub-p1 &&
	pygrub -q --output-format=simple --output-directory=pygrub-p1 "$d/boot.img" >pg &&
	cat pg &&
	k=$(sed -n "s/^kernel //p" pg) && test -s "$k" &&
	grep -q "^args root=UUID=$(blkid -o value -s UUID "$d/root.img") ro" pg &&
	guest_ls "$d/boot.img" / | grep -q "^vmlinuz-"
'

test_expect_success 'list-images --json describes both guests' '
	"$BUILD/list-images" --json >list.json &&
	python3 - <<-\PY
	import json
	doc = json.load(open("list.json"))
	g = {x["hostname"]: x for x in doc["guests"]}
	assert set(g) == {"q1", "p1"}, g.keys()
	assert [d["format"] for d in g["q1"]["disks"]] == ["qcow2", "qcow2"]
	assert len(g["p1"]["disks"]) == 4
	PY
'

test_expect_success 'delete-image removes a guest made of image files' '
	"$BUILD/delete-image" --dir "$dir" --output "$out" q1 p1 &&
	test -z "$(ls -A "$dir/domains")" &&
	test -z "$(ls -A "$out")"
'

test_done
