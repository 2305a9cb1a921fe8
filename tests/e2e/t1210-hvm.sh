#!/bin/bash
# --boot-mode=hvm: the disk boots by itself. qemu boots each guest's disk
# alone, with no -kernel, to a root login: SeaBIOS from a raw file (GPT,
# GRUB in the BIOS boot partition) and from a logical volume (msdos, GRUB
# in the gap before partition 1), OVMF from a qcow2 file (GRUB at the
# removable path of the EFI system partition). A raw UEFI guest is checked
# without booting. Then the installer workflow: --install-method=none
# leaves the disk blank, and --iso puts the installer in the xl.cfg.
# suite: beside
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
GPT_BIOS=21686148-6449-6e6f-744e-656564454649
GPT_ESP=C12A7328-F81F-11D2-BA4B-00A0C93EC93B

# build NAME ARGS...: an HVM guest, its summary in NAME.summary.
build()
{
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" --boot-mode=hvm --output "$out" \
		--size 2G --cachedir "$CACHEDIR" "$@" >"$name.summary" \
		2>"$name.progress" || { cat "$name.progress"; return 1; }
	cat "$name.summary"
}

summary_field()
{
	sed -n "s/^ *$2: *//p" "$1.summary"
}

# nothing_created: no image, no config, no log.
nothing_created()
{
	test ! -e "$dir" && test -z "$(ls -A "$out" 2>/dev/null)" &&
		test ! -e "$TRASH/log"
}

# bad ARGS... -- EXPECTED-PREFIX: exit 2, one line on stderr, nothing made.
bad()
{
	local want=${*: -1} rc=0
	set -- "${@:1:$#-2}"
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" "$@" \
		>stdout 2>stderr || rc=$?
	if [ "$rc" != 2 ]; then echo "exit $rc, want 2: $*"; cat stderr; return 1; fi
	if [ "$(wc -l <stderr)" != 1 ]; then echo "want one line:"; cat stderr; return 1; fi
	if ! grep -q "^create-image: $want" stderr; then
		echo "want '$want' in:"; cat stderr; return 1
	fi
	nothing_created || { echo "something was created: $*"; return 1; }
}

echo "an installer" >"$TRASH/installer.iso"

test_expect_success 'bad HVM input: one line naming the flag, exit 2, nothing created' '
	bad --firmware uefi -- "--firmware: .firmware. is for --boot-mode=hvm" &&
	bad --boot-mode=hvm --firmware coreboot -- "--firmware: " &&
	bad --vnc -- "--vnc: .vnc. is for --boot-mode=hvm" &&
	bad --boot-mode=hvm --vnc --vnclisten localhost -- "--vnclisten: .vnclisten. must be an IPv4 or IPv6 address" &&
	bad --boot-mode=hvm --layout=volumes -- "--layout: --boot-mode=hvm needs --layout=disk" &&
	bad --iso "$TRASH/installer.iso" -- "--iso: .iso. is for --boot-mode=hvm" &&
	bad --boot-mode=hvm --iso "$TRASH/installer.iso" -- "--iso: .iso. installs the guest: it needs --install-method=none" &&
	bad --boot-mode=hvm --install-method=none --iso "$TRASH/nothing.iso" -- "--iso: ISO image .* is not a file" &&
	bad --boot-mode=hvm --install-method=none --iso "$TRASH" -- "--iso: ISO image .* is not a file"
'

test_expect_success 'BIOS on a raw file: a BIOS boot partition, then swap and root' '
	build bios1 --dir "$dir" --swap 128M &&
	disk=$dir/domains/bios1/disk.img &&
	grep -q "Disk xvda  *$disk .* gpt (sparse)" bios1.summary &&
	grep -q "Partition xvda1 1M BIOS boot (GRUB)" bios1.summary &&
	grep -q "Partition xvda2 128M swap" bios1.summary &&
	grep -q "Partition xvda3 2G ext4 /" bios1.summary &&
	sfdisk -d "$disk" >pt && cat pt &&
	grep -qi "${disk}1 : start= *2048, size= *2048, type=$GPT_BIOS" pt &&
	grep -q "^${disk}3 : start= *266240," pt &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'GRUB is in the MBR and its core in the BIOS boot partition' '
	disk=$dir/domains/bios1/disk.img &&
	head -c 512 "$disk" | grep -aq GRUB &&
	test "$(od -An -tx1 -j 510 -N 2 "$disk" | tr -d " ")" = 55aa &&
	test "$(od -An -tu8 -j $((0x5c)) -N 8 "$disk" | tr -d " ")" = 2048 &&
	test "$(od -An -tu8 -j $((2048 * 512 + 500)) -N 8 "$disk" | tr -d " ")" = 2049
'

test_expect_success 'the menu finds root by UUID and talks on ttyS0; update-grub is there' '
	disk=$dir/domains/bios1/disk.img &&
	uuid=$(sed -n "s/.*xvda3 2G ext4 \/ UUID=//p" bios1.summary) &&
	test -n "$uuid" &&
	part_cat "$disk" 3 /boot/grub/grub.cfg >grub.cfg && cat grub.cfg &&
	grub-script-check grub.cfg &&
	grep -q "search --no-floppy --fs-uuid --set=root $uuid" grub.cfg &&
	grep -q "root=UUID=$uuid ro console=tty0 console=ttyS0" grub.cfg &&
	grep -q "terminal_output console serial" grub.cfg &&
	part_cat "$disk" 3 /boot/grub/i386-pc/load.cfg | grep -q "search.fs_uuid $uuid root" &&
	part_cat "$disk" 3 /etc/default/grub | grep -q "GRUB_CMDLINE_LINUX=\"console=tty0 console=ttyS0\"" &&
	part_cat "$disk" 3 /etc/kernel/postinst.d/zz-update-grub | grep -q update-grub
'

test_expect_success 'its xl.cfg: hvm, a serial console, no VNC, no kernel; libxlutil parses it' '
	cfg=$out/bios1.cfg && cat "$cfg" &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	grep -q "^type *= .hvm.$" "$cfg" &&
	grep -q "^serial *= .pty.$" "$cfg" &&
	grep -q "^vnc *= 0$" "$cfg" &&
	grep -q "^boot *= .c.$" "$cfg" &&
	! grep -qE "^(kernel|bootloader|ramdisk|cmdline|bios|vnclisten) " "$cfg"
'

# The boots take the longest: each runs beside the tests after it, which
# leave its guest alone, and after the boot before it (one qemu at a time
# beside the builds: two cores' worth).
test_background -l boot 'SeaBIOS boots the raw disk alone to a root login' '
	"$BOOT_CHECK" --firmware bios --disk "$dir/domains/bios1/disk.img" \
		--mac "$(summary_field bios1 MAC)" --hostname bios1 \
		--password "$(summary_field bios1 "Root password")"
'

test_expect_success 'UEFI on a qcow2 file, with VNC: an EFI system partition' '
	build uefi1 --dir "$dir" --firmware uefi --disk-format qcow2 \
		--vnc --vnclisten ::1 &&
	grep -q "Partition xvda3 64M vfat /boot/efi UUID=" uefi1.summary &&
	cfg=$out/uefi1.cfg && cat "$cfg" &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	grep -q "^bios *= .ovmf.$" "$cfg" &&
	grep -q "^vnc *= 1$" "$cfg" &&
	grep -q "^vnclisten *= .::1.$" "$cfg" &&
	grep -q "format=qcow2, vdev=xvda," "$cfg"
'

test_background -l boot 'OVMF boots the qcow2 disk alone to a root login' '
	"$BOOT_CHECK" --firmware uefi --disk "$dir/domains/uefi1/disk.qcow2" \
		--mac "$(summary_field uefi1 MAC)" --hostname uefi1 \
		--password "$(summary_field uefi1 "Root password")"
'

test_expect_success 'UEFI on a raw file: BOOTX64.EFI on the ESP, in fstab by UUID' '
	build uefi2 --dir "$dir" --firmware uefi --noswap &&
	disk=$dir/domains/uefi2/disk.img &&
	sfdisk -d "$disk" >pt && cat pt &&
	grep -qi "${disk}2 : .*type=$GPT_ESP" pt &&
	range=$(part_range "$disk" 2) &&
	esp_uuid=$(sed -n "s/.*xvda2 64M vfat \/boot\/efi UUID=//p" uefi2.summary) &&
	test -n "$esp_uuid" &&
	MTOOLS_SKIP_CHECK=1 mdir -b -i "$disk@@${range% *}" ::/EFI/BOOT >esp &&
	cat esp && grep -qx "::/EFI/BOOT/BOOTX64.EFI" esp &&
	MTOOLS_SKIP_CHECK=1 mtype -i "$disk@@${range% *}" ::/EFI/BOOT/BOOTX64.EFI |
		head -c 2 | grep -q MZ &&
	part_cat "$disk" 1 /etc/fstab >fstab && cat fstab &&
	grep -qP "^UUID=$esp_uuid\t/boot/efi\tvfat\tumask=0077\t0\t0$" fstab &&
	part_cat "$disk" 1 /boot/grub/x86_64-efi/load.cfg | grep -q "search.fs_uuid"
'

lvm_setup_vg ci1210 4G
vg=$LVM_VG

test_expect_success 'BIOS on a logical volume, msdos: GRUB in the gap before partition 1' '
	build lvm1 --lvm "$vg" --partition-table msdos --swap 64M &&
	grep -q "Disk xvda  */dev/$vg/lvm1-disk .* msdos" lvm1.summary &&
	"$TEST_TOOL" xlcfg-check "$out/lvm1.cfg" &&
	grep -q "target=/dev/$vg/lvm1-disk" "$out/lvm1.cfg"
'

test_background -l boot 'SeaBIOS boots the volume alone to a root login' '
	disk=$(lvm_lv_loop "$vg" lvm1-disk) &&
	test "$(blkid -p -o value -s PTTYPE "$disk")" = dos &&
	test "$(od -An -tu8 -j $((0x5c)) -N 8 "$disk" | tr -d " ")" = 1 &&
	"$BOOT_CHECK" --firmware bios --disk "$disk" \
		--mac "$(summary_field lvm1 MAC)" --hostname lvm1 \
		--password "$(summary_field lvm1 "Root password")"
'

test_expect_success '--install-method=none --iso: a blank disk and an xl.cfg that boots the ISO' '
	build inst1 --dir "$dir" --install-method=none --iso "$TRASH/installer.iso" &&
	disk=$dir/domains/inst1/disk.img &&
	grep -q "Disk xvda  *$disk .* blank (sparse)" inst1.summary &&
	! grep -q "Partition" inst1.summary &&
	test "$(stat -c %s "$disk")" -ge $((2 << 30)) &&
	test "$(du -k "$disk" | cut -f1)" = 0 &&
	test -z "$(blkid -p "$disk")" &&
	cfg=$out/inst1.cfg && cat "$cfg" &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	grep -q "'\''format=raw, vdev=hdc, access=ro, devtype=cdrom, target=$TRASH/installer.iso'\''" "$cfg" &&
	grep -q "^boot *= .dc.$" "$cfg" &&
	grep -q "^vnc *= 1$" "$cfg" &&
	grep -q "^vnclisten *= .127.0.0.1.$" "$cfg" &&
	! grep -q "install" inst1.progress &&
	assert_no_leftovers "$TRASH"
'

test_expect_success '--install-method=none without --iso: the disk boots first, no VNC' '
	build inst2 --dir "$dir" --install-method=none --firmware uefi &&
	cfg=$out/inst2.cfg && cat "$cfg" &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	grep -q "^boot *= .c.$" "$cfg" &&
	grep -q "^vnc *= 0$" "$cfg" &&
	grep -q "^bios *= .ovmf.$" "$cfg" &&
	! grep -q cdrom "$cfg" &&
	test -z "$(blkid -p "$dir/domains/inst2/disk.img")"
'

test_done
