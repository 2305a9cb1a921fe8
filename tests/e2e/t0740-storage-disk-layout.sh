#!/bin/bash
# --layout=disk: one whole disk with a partition table (GPT, or msdos on
# request) written with libparted, as an image file and as a logical
# volume; pygrub finds the boot partition and the guest boots from it.
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

# A failure once the volumes are made: the install source is no tarball.
echo "not a tarball" >"$TRASH/not-a.tar"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

disk=$dir/domains/web1/disk.img

test_expect_success 'create-image --layout=disk builds one partitioned disk' '
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" \
		--layout=disk --size 2G --swap 128M --cachedir "$CACHEDIR" \
		>summary 2>progress &&
	cat summary &&
	test "$(ls -A "$dir/domains/web1")" = disk.img &&
	grep -q "Disk xvda  *$disk .* gpt (sparse)" summary &&
	grep -q "Partition xvda1 128M swap" summary &&
	grep -q "Partition xvda2 2G ext4 /" summary &&
	assert_no_leftovers "$TRASH"
'

mac=$(sed -n "s/^ *MAC: *//p" summary)
password=$(sed -n "s/^ *Root password: //p" summary)

test_expect_success 'the partition table is GPT, 1 MiB aligned, swap then root' '
	sfdisk -J "$disk" >pt.json &&
	python3 - <<-\PY
	import json
	t = json.load(open("pt.json"))["partitiontable"]
	assert t["label"] == "gpt", t["label"]
	p = t["partitions"]
	assert len(p) == 2, p
	assert all(x["start"] * 512 % (1 << 20) == 0 for x in p), p
	assert p[0]["size"] * 512 == 128 << 20 and p[1]["size"] * 512 == 2 << 30, p
	assert p[0]["type"] == "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", p[0]
	PY
'

test_expect_success 'xl.cfg names the whole disk as xvda and libxlutil parses it' '
	"$TEST_TOOL" xlcfg-check "$out/web1.cfg" &&
	grep -q "format=raw, vdev=xvda, access=rw, target=$disk" "$out/web1.cfg" &&
	test $(grep -c "target=" "$out/web1.cfg") = 1
'

test_expect_success 'fstab names the partitions by UUID' '
	part_cat "$disk" 2 /etc/fstab >fstab && cat fstab &&
	range=$(part_range "$disk" 2) &&
	uuid=$(blkid -p -O "${range% *}" -o value -s UUID "$disk") &&
	test -n "$uuid" &&
	grep -q "^UUID=$uuid	/	ext4	" fstab &&
	grep -q "	none	swap	sw,nofail	" fstab
'

test_expect_success 'pygrub finds the kernel in the root partition' '
	mkdir pygrub &&
	pygrub -q --output-format=simple --output-directory=pygrub "$disk" >pg &&
	cat pg &&
	k=$(sed -n "s/^kernel //p" pg) && test -s "$k" &&
	grep -q "^args root=UUID=.* ro console=hvc0" pg
'

test_expect_success 'the partitioned guest boots under qemu to a root login' '
	"$BOOT_CHECK" --disk "$disk" --mac "$mac" --hostname web1 \
		--password "$password"
'

lvm_setup_vg ci740 3G
vg=$LVM_VG

cat >parts <<'EOF'
[root]
size=1500M
type=ext4
mountpoint=/

[swap]
size=64M
type=swap

[srv]
size=320M
type=xfs
mountpoint=/srv
options=nodev
EOF

test_expect_success 'msdos on request, on a logical volume, from a partitions file' '
	"$CREATE_IMAGE" --hostname db1 --lvm "$vg" --output "$out" \
		--layout=disk --partition-table=msdos --partitions "$TRASH/parts" \
		--cachedir "$CACHEDIR" >summary2 2>progress2 &&
	cat summary2 &&
	grep -q "Disk xvda  */dev/$vg/db1-disk .* msdos (logical volume, inactive)" summary2 &&
	lvs --driverloaded n --noheadings -o lv_name,lv_tags "$vg" >lvs.out &&
	test "$(awk "{print \$1, \$2}" lvs.out)" = "db1-disk create-image:db1" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'the volume holds an msdos table, and pygrub boots from it' '
	d=$(lvm_lv_loop "$vg" db1-disk) &&
	sfdisk -J "$d" >pt2.json &&
	python3 -c "import json; t = json.load(open(\"pt2.json\"))[\"partitiontable\"]; assert t[\"label\"] == \"dos\" and len(t[\"partitions\"]) == 3, t" &&
	"$TEST_TOOL" xlcfg-check "$out/db1.cfg" &&
	grep -q "vdev=xvda, access=rw, target=/dev/$vg/db1-disk" "$out/db1.cfg" &&
	mkdir pygrub2 &&
	pygrub -q --output-format=simple --output-directory=pygrub2 "$d" >pg2 &&
	k=$(sed -n "s/^kernel //p" pg2) && test -s "$k" &&
	part_cat "$d" 2 /etc/fstab >fstab2 && cat fstab2 &&
	grep -q "	/srv	xfs	nodev	0	0" fstab2
'

test_expect_success 'a failed partitioned build leaves the VG, loops and mounts as they were' '
	before=$(lvs --driverloaded n --noheadings -o lv_name "$vg" | sort) &&
	loops=$(lvm_loops) &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname db2 --lvm "$vg" --output "$out" \
		--layout=disk --size 700M --swap 64M --cachedir "$CACHEDIR" \
		--install-method tar --install-source "$TRASH/not-a.tar" \
		>o 2>e || rc=$? &&
	test "$rc" = 1 && cat e &&
	test "$(lvs --driverloaded n --noheadings -o lv_name "$vg" | sort)" = "$before" &&
	test "$(lvm_loops)" = "$loops" &&
	assert_no_leftovers "$TRASH" && test ! -e "$out/db2.cfg"
'

test_done
