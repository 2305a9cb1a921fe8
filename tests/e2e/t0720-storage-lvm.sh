#!/bin/bash
# Guests on LVM, on a real volume group made from a loop-backed file. The
# kernel here has no device-mapper, so the volumes stay inactive and the
# build reaches them through loop devices at their extents; so do pygrub
# and qemu below, through loop devices the test sets up from what the lvm
# commands report.
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

# A failure once the volumes are made: the install source is no tarball.
echo "not a tarball" >"$TRASH/not-a.tar"

out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

lvm_setup_vg ci720 6G
vg=$LVM_VG

# lvs_state: every LV in the test's VG with its size and tags.
lvs_state()
{
	lvs --driverloaded n --noheadings --nosuffix --units b \
		-o lv_name,lv_size,lv_tags "$vg" 2>/dev/null |
		awk '{ $1 = $1; print }' | sort
}

test_expect_success 'a VG that does not exist: one line, exit 2, nothing made' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --lvm nosuchvg --output "$out" \
		>o 2>e || rc=$? &&
	cat e && test "$rc" = 2 &&
	test $(wc -l <e) = 1 && grep -q "nosuchvg" e &&
	test ! -e "$out" && test -z "$(lvs_state)"
'

test_expect_success 'a VG without room enough: one line, exit 2, nothing made' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --lvm "$vg" --output "$out" \
		--size 20G >o 2>e || rc=$? &&
	cat e && test "$rc" = 2 &&
	test $(wc -l <e) = 1 && grep -q "volume group .$vg. has .* free" e &&
	test ! -e "$out" && test -z "$(lvs_state)"
'

test_expect_success 'more extents than LVM counts: one line naming --size, exit 2' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --lvm "$vg" --output "$out" \
		--size 16384T >o 2>e || rc=$? &&
	cat e && test "$rc" = 2 && test $(wc -l <e) = 1 &&
	grep -q "^create-image: --size: .disk. is 16384T, more than a logical volume in .$vg. holds (at most 17179869180M: 4294967295 extents of 4M)$" e &&
	test ! -e "$out" && test -z "$(lvs_state)"
'

test_expect_success 'a volume of the name, not the guest'\''s: refused even with --force' '
	lvcreate --driverloaded n -an -Zn -Wn -y -L 64M -n taken-disk "$vg" \
		>/dev/null 2>&1 &&
	before=$(lvs_state) &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname taken --lvm "$vg" --output "$out" \
		>o 2>e || rc=$? &&
	cat e && test "$rc" = 2 &&
	grep -q "logical volume .$vg/taken-disk." e &&
	test "$(lvs_state)" = "$before" &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname taken --lvm "$vg" --output "$out" \
		--force >o 2>e || rc=$? &&
	cat e && test "$rc" = 2 &&
	grep -q "taken-disk. exists and is not guest .taken..s" e &&
	test "$(lvs_state)" = "$before" &&
	lvremove --driverloaded n -y "$vg/taken-disk" >/dev/null 2>&1
'

test_expect_success 'a failed build removes the volumes it made, and only those' '
	lvcreate --driverloaded n -an -Zn -Wn -y -L 64M -n bystander "$vg" \
		>/dev/null 2>&1 &&
	before=$(lvs_state) && loops=$(lvm_loops) &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --lvm "$vg" --output "$out" \
		--size 1G --swap 64M --cachedir "$CACHEDIR" \
		--install-method tar --install-source "$TRASH/not-a.tar" >o 2>e || rc=$? &&
	test "$rc" = 1 && grep -q "cannot install the system" e &&
	test "$(lvs_state)" = "$before" &&
	test "$(lvm_loops)" = "$loops" &&
	assert_no_leftovers "$TRASH" &&
	test -z "$(ls -A "$out" 2>/dev/null)"
'

# xen-tools issue 39: a new volume showed the previous tenant's data.
test_expect_success 'an earlier tenant leaves a partition table and data' '
	lvcreate --driverloaded n -an -Zn -Wn -y -L 2176M -n tenant "$vg" \
		>/dev/null 2>&1 &&
	t=$(lvm_lv_loop "$vg" tenant) &&
	printf "label: gpt\n" | sfdisk -q --no-reread "$t" &&
	printf tenant-secret | dd of="$t" bs=1M seek=2148 conv=notrunc 2>/dev/null &&
	grep -q tenant-secret "$t" &&
	test "$(blkid -p -o value -s PTTYPE "$t")" = gpt &&
	lvm_loop_detach "$t" &&
	lvremove --driverloaded n -y "$vg/tenant" >/dev/null 2>&1
'

test_expect_success 'create-image --lvm builds a guest on inactive volumes' '
	"$CREATE_IMAGE" --hostname web1 --dist bookworm --lvm "$vg" \
		--output "$out" --size 2G --swap 128M --cachedir "$CACHEDIR" \
		--wipe=full >summary 2>progress &&
	cat summary &&
	grep -q "Disk xvda2 /dev/$vg/web1-disk 2G ext4 / UUID=.* (logical volume, inactive)" summary &&
	grep -q "Disk xvda1 /dev/$vg/web1-swap 128M swap UUID=.* (logical volume, inactive)" summary &&
	grep -q "lvchange -ay" summary &&
	grep -q "wiping ./dev/$vg/web1-disk." progress
'

test_expect_success 'nothing is left mounted or attached by the build' '
	assert_no_leftovers "$TRASH" &&
	! losetup -a | grep -qF "($LVM_PV)"
'

mac=$(sed -n "s/^ *MAC: *//p" summary)
password=$(sed -n "s/^ *Root password: //p" summary)

test_expect_success 'lvs shows both volumes, their sizes and the guest tag' '
	lvs_state >lvs.out && cat lvs.out &&
	grep -q "web1-disk $((2 << 30)) create-image:web1$" lvs.out &&
	grep -q "web1-swap $((128 << 20)) create-image:web1$" lvs.out &&
	lvs --driverloaded n --noheadings -o lv_active "$vg/web1-disk" >active &&
	cat active && ! grep -qx " *active" active
'

test_expect_success 'nothing of the earlier tenant shows through (--wipe=full)' '
	disk=$(lvm_lv_loop "$vg" web1-disk) &&
	swap=$(lvm_lv_loop "$vg" web1-swap) &&
	test -z "$(blkid -p -o value -s PTTYPE "$disk")" &&
	test "$(blkid -p -o value -s TYPE "$swap")" = swap &&
	! grep -q tenant-secret "$swap"
'

test_expect_success 'the xl.cfg names the volumes and libxlutil parses it' '
	"$TEST_TOOL" xlcfg-check "$out/web1.cfg" &&
	grep -q "vdev=xvda2, access=rw, target=/dev/$vg/web1-disk" "$out/web1.cfg" &&
	grep -q "vdev=xvda1, access=rw, target=/dev/$vg/web1-swap" "$out/web1.cfg"
'

test_expect_success 'pygrub reads the kernel from the volume' '
	disk=$(lvm_lv_loop "$vg" web1-disk) &&
	mkdir pygrub &&
	pygrub -q --output-format=simple --output-directory=pygrub "$disk" >pg &&
	cat pg &&
	k=$(sed -n "s/^kernel //p" pg) && test -s "$k" &&
	uuid=$(blkid -o value -s UUID "$disk") &&
	grep -q "^args root=UUID=$uuid ro console=hvc0" pg &&
	guest_cat "$disk" /etc/fstab | grep -q "^UUID=$uuid	/	ext4	"
'

test_expect_success 'the guest boots under qemu from its volumes' '
	disk=$(lvm_lv_loop "$vg" web1-disk) &&
	swap=$(lvm_lv_loop "$vg" web1-swap) &&
	"$BOOT_CHECK" --disk "$disk" --disk "$swap" --mac "$mac" \
		--hostname web1 --password "$password"
'

test_expect_success 'list-images shows the guest on LVM' '
	"$BUILD/list-images" >list && cat list &&
	grep -q "^web1 .*bookworm" list &&
	grep -q "/dev/$vg/web1-disk" list
'

test_expect_success '--force whose rebuild fails puts the old volumes back' '
	before=$(lvs_state) &&
	uuid=$(blkid -o value -s UUID "$(lvm_lv_loop "$vg" web1-disk)") &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --lvm "$vg" --output "$out" \
		--size 1G --swap 64M --force --cachedir "$CACHEDIR" \
		--install-method tar --install-source "$TRASH/not-a.tar" >o 2>e || rc=$? &&
	test "$rc" = 1 && cat e &&
	test "$(lvs_state)" = "$before" &&
	test "$(blkid -o value -s UUID "$(lvm_lv_loop "$vg" web1-disk)")" = "$uuid" &&
	test -f "$out/web1.cfg"
'

test_expect_success 'delete-image --dry-run lists the volumes and removes nothing' '
	before=$(lvs_state) &&
	"$BUILD/delete-image" --dry-run --lvm "$vg" --output "$out" web1 >dry &&
	cat dry &&
	grep -q "$vg/web1-disk" dry && grep -q "$vg/web1-swap" dry &&
	test "$(lvs_state)" = "$before" && test -f "$out/web1.cfg"
'

test_expect_success 'delete-image removes the guest: its volumes, config and record' '
	"$BUILD/delete-image" --lvm "$vg" --output "$out" web1 &&
	lvs_state >lvs.out && cat lvs.out &&
	! grep -q web1 lvs.out && grep -q "^bystander " lvs.out &&
	test ! -e "$out/web1.cfg" &&
	test -z "$("$BUILD/list-images")"
'

test_done
