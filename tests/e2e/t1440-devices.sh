#!/bin/bash
# xen-tools' device options, with guests built for real from the suite's
# shared bases. --scsi and --serial_device: the xl.cfg's vdevs (checked
# with libxlutil), the boot menu's console= and the getty the guest starts
# there, and the guest boots under qemu with its own command line, which
# names ttyS0 itself. --dontformat on loop devices: a blank one is refused,
# an ext4 one holding a file is refused without --force and installed into
# with it, its UUID and its file kept; --modules copies a dom0 kernel's
# modules directory into that guest, named --ide. --lvm_thin: a pool that
# does not exist or is not thin is refused; the thin build itself needs
# device-mapper and is skipped without it. Every bad input: exit 2, one
# line, nothing created.
# suite: beside
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
mkdir -p "$out" mnt
# A quote, for the messages' quoted names in the tests' bodies.
q="'"
# The disks' directory in the system layer: --image-dev and --lvm in a
# later one replace it.
export CREATE_IMAGE_CONFIG=$TRASH/system.conf
echo "dir = $dir" >"$CREATE_IMAGE_CONFIG"

# Two loop devices for --dontformat: a root and a swap.
truncate -s 2G root.dev && truncate -s 64M swap.dev
rootdev=$(losetup -f --show "$TRASH/root.dev")
swapdev=$(losetup -f --show "$TRASH/swap.dev")
TEST_OWN_LOOPS="$rootdev $swapdev"
trap 'release_devices "$TRASH/mnt"; losetup -d "$rootdev" "$swapdev" 2>/dev/null; lvm_cleanup' EXIT

# build HOST ARGS...: a guest from the shared cache, its summary in
# HOST.summary.
build()
{
	local host=$1
	shift
	"$CREATE_IMAGE" --hostname "$host" --output "$out" \
		--cachedir "$CACHEDIR" --hooks-dir "$TRASH/hooks.d" --dhcp \
		"$@" >"$host.summary" \
		2>"$host.progress" || { cat "$host.progress"; return 1; }
	cat "$host.summary"
}

# cfg_value CFG KEY: a string value of the xl.cfg.
cfg_value()
{
	sed -n "s/^$2 *= '\(.*\)'\$/\1/p" "$1"
}

# refused ARGS... -- TEXT: create-image ARGS exits 2 with one line holding
# TEXT, and leaves the host as it was.
refused()
{
	local args=() rc=0
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	host_state "$dir" "$out" "$CREATE_IMAGE_STATEDIR" \
		"$CREATE_IMAGE_LOGDIR" >"$TRASH/before"
	"$CREATE_IMAGE" --output "$out" --cachedir "$CACHEDIR" \
		"${args[@]}" >o 2>e || rc=$?
	cat e
	test "$rc" = 2 && test "$(wc -l <e)" = 1 && grep -qF -- "$2" e &&
	host_state "$dir" "$out" "$CREATE_IMAGE_STATEDIR" \
		"$CREATE_IMAGE_LOGDIR" >"$TRASH/after" &&
	test_cmp "$TRASH/before" "$TRASH/after"
}

# An administrator's hook that writes down what the hooks are told.
mkdir hooks.d
cat >hooks.d/50-devices <<EOF
#!/bin/sh
echo "\$serial_device \$disk_device" >"$TRASH/env-\$hostname"
EOF
chmod +x hooks.d/50-devices

# The fake dom0 kernel and its modules directory for --modules.
mkdir -p kernel/6.1.0-dvfake/kernel/drivers/dv
echo "fake kernel" >kernel/vmlinuz-6.1.0-dvfake
echo "kernel/drivers/dv/dv.ko:" >kernel/6.1.0-dvfake/modules.dep
echo "not really a module" >kernel/6.1.0-dvfake/kernel/drivers/dv/dv.ko
chmod 0600 kernel/6.1.0-dvfake/kernel/drivers/dv/dv.ko
ln -s /usr/src/linux-headers-6.1.0-dvfake kernel/6.1.0-dvfake/build

test_expect_success 'bad input: exit 2, one line naming the flag, nothing created' '
	refused --hostname dv0 --ide --scsi -- "--scsi: ${q}scsi${q} cannot be combined with ${q}ide${q}" &&
	refused --hostname dv0 --disk_device=sdb --scsi -- "--scsi: " &&
	refused --hostname dv0 --disk_device=vda -- "--disk_device: invalid disk device ${q}vda${q}" &&
	refused --hostname dv0 --disk_device=sdq -- "vdev=sdq2" &&
	refused --hostname dv0 --serial_device=tty0 -- "--serial_device: invalid serial device ${q}tty0${q}" &&
	refused --hostname dv0 --serial_device=ttyUSB0 -- "--serial_device: invalid serial device" &&
	refused --hostname dv0 --modules="$TRASH/kernel/6.1.0-dvfake" -- \
		"--modules: ${q}modules${q} are those of a dom0 kernel: give --kernel" &&
	refused --hostname dv0 --boot-mode pv-direct --kernel "$TRASH/kernel/vmlinuz-6.1.0-dvfake" \
		--modules="$TRASH/kernel/6.1.0-none" -- "--modules: modules directory" &&
	refused --hostname dv0 --lvm_thin=pool0 -- "--lvm_thin: ${q}lvm-thin${q} needs --lvm=VG" &&
	refused --hostname dv0 --dontformat -- "--dontformat: ${q}dontformat${q} is for --image-dev" &&
	printf "ide = 1\nscsi = 1\n" >both.conf &&
	refused --hostname dv0 --config both.conf -- "both.conf:2: ${q}scsi${q} cannot be combined with ${q}ide${q}"
'

test_expect_success 'configuration keys: serial_device, disk_device, scsi, as xen-tools spells them' '
	printf "serial_device = /dev/ttyS0\nscsi = 1\n" >dv.conf &&
	"$CREATE_IMAGE" --hostname dv0 --config dv.conf --dir "$dir" \
		--output "$out" --boot-mode pv-direct --dry-run >plan &&
	grep -q "vdev=sda2, access=rw" plan &&
	grep -q "vdev=sda1, access=rw" plan &&
	grep -q "^cmdline *= .root=UUID=ROOT-UUID ro console=ttyS0.$" plan &&
	printf "disk_device = xvdb\n" >dv2.conf &&
	"$CREATE_IMAGE" --hostname dv0 --config dv2.conf --ide --dir "$dir" \
		--output "$out" --dry-run >plan2 &&
	grep -q "vdev=hda2, access=rw" plan2 &&
	"$CREATE_IMAGE" --hostname dv0 --config dv2.conf --dir "$dir" \
		--output "$out" --dry-run >plan3 &&
	grep -q "vdev=xvdb2, access=rw" plan3 && grep -q "vdev=xvdb1, access=rw" plan3
'

test_expect_success '--scsi --serial_device=ttyS0: the xl.cfg, the boot menu and the getty' '
	build dv1 --scsi --serial_device=ttyS0 --size 2G --swap 64M &&
	cfg=$out/dv1.cfg &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	d=$dir/domains/dv1 &&
	grep -q "vdev=sda2, access=rw, target=$d/disk.img" "$cfg" &&
	grep -q "vdev=sda1, access=rw, target=$d/swap.img" "$cfg" &&
	! grep -q xvd "$cfg" &&
	grep -q "Disk sda2 " dv1.summary &&
	uuid=$(blkid -o value -s UUID "$d/disk.img") &&
	guest_cat "$d/disk.img" /boot/grub/grub.cfg >grub.cfg &&
	grep -q "^	linux /boot/vmlinuz-[^ ]* root=UUID=$uuid ro console=ttyS0\$" grub.cfg &&
	! grep -q hvc0 grub.cfg &&
	test "$(guest_readlink "$d/disk.img" /etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service)" = \
		/lib/systemd/system/serial-getty@.service &&
	grep -q "running hook .35-serial-getty." dv1.progress &&
	test "$(cat env-dv1)" = "ttyS0 sda" &&
	guest_cat "$d/disk.img" /etc/fstab >fstab &&
	grep -q "^UUID=$uuid	/	ext4	" fstab &&
	! grep -v "^#" fstab | grep -q "sda\|xvd"
'

# The one boot: in the background, while the other guests are built.
# boot-check turns console=hvc0 into ttyS0 for qemu's serial port; this
# guest's menu says ttyS0 itself, and root logs in on the getty there.
test_background 'dv1 boots under qemu on its own console= and logs in on ttyS0' '
	d=$dir/domains/dv1 &&
	grep -q "console=ttyS0" grub.cfg &&
	"$BOOT_CHECK" --timeout 600 --disk "$d/disk.img" --disk "$d/swap.img" \
		--mac "$(sed -n "s/^ *MAC: *//p" dv1.summary)" --hostname dv1 \
		--password "$(sed -n "s/^ *Root password: //p" dv1.summary)"
'

test_expect_success '--dontformat: a blank device is refused, nothing written' '
	sum=$(md5sum <root.dev) &&
	refused --hostname dv2 --image-dev "$rootdev" --swap-dev "$swapdev" --dontformat -- \
		"--image-dev: ${q}$rootdev${q} holds no file system: --dontformat uses the one already there" &&
	test "$(md5sum <root.dev)" = "$sum" &&
	mkfs.ext4 -q -F -L kept "$rootdev" &&
	refused --hostname dv2 --image-dev "$rootdev" --swap-dev "$swapdev" --dontformat -- \
		"${q}$swapdev${q} holds no swap area" &&
	mkswap -L keptswap "$swapdev" >/dev/null &&
	refused --hostname dv2 --image-dev "$rootdev" --swap-dev "$swapdev" --dontformat --fs ext3 -- \
		"${q}$rootdev${q} holds ext4 file system, not ext3 file system (--dontformat keeps what is there): give --fs=ext4" &&
	# An empty file system (lost+found alone) needs no --force; root is
	# asked about the devices in a dry run too.
	sum=$(md5sum <root.dev) &&
	"$CREATE_IMAGE" --hostname dv2 --output "$out" --image-dev "$rootdev" \
		--swap-dev "$swapdev" --dontformat --dry-run >plan4 &&
	grep -q "^disk      xvda2 $rootdev 2G ext4 / (existing device, kept as it is)" plan4 &&
	grep -q "^disk      xvda1 $swapdev 64M swap (existing device, kept as it is)" plan4 &&
	test "$(md5sum <root.dev)" = "$sum"
'

test_expect_success '--dontformat: an ext4 holding a file is refused without --force, unchanged' '
	mount "$rootdev" mnt && echo "was here first" >mnt/marker && umount mnt &&
	sum=$(md5sum <root.dev) &&
	refused --hostname dv2 --image-dev "$rootdev" --swap-dev "$swapdev" --dontformat -- \
		"the ext4 file system on ${q}$rootdev${q} holds files (${q}marker${q}): --dontformat installs among them only with --force" &&
	test "$(md5sum <root.dev)" = "$sum"
'

test_expect_success '--dontformat --force --ide --modules: installed into the kept file systems' '
	uuid=$(blkid -o value -s UUID "$rootdev") &&
	swapuuid=$(blkid -o value -s UUID "$swapdev") &&
	build dv2 --image-dev "$rootdev" --swap-dev "$swapdev" --dontformat --force \
		--ide --boot-mode pv-direct --kernel "$TRASH/kernel/vmlinuz-6.1.0-dvfake" \
		--modules "$TRASH/kernel/6.1.0-dvfake/" &&
	grep -q "keeping the file system on .$rootdev. (--dontformat)" dv2.progress &&
	test "$(cat env-dv2)" = "hvc0 hda" &&
	grep -q "^  Disk hda2  $rootdev 2G ext4 / UUID=$uuid (existing device, kept as it is)" dv2.summary &&
	! grep -q "wiping" dv2.progress &&
	test "$(blkid -o value -s UUID "$rootdev")" = "$uuid" &&
	test "$(blkid -o value -s LABEL "$rootdev")" = kept &&
	test "$(blkid -o value -s UUID "$swapdev")" = "$swapuuid" &&
	test "$(blkid -o value -s LABEL "$swapdev")" = keptswap &&
	test "$(guest_cat "$rootdev" /marker)" = "was here first" &&
	test "$(guest_cat "$rootdev" /etc/hostname)" = dv2 &&
	guest_cat "$rootdev" /etc/fstab >fstab2 &&
	grep -q "^UUID=$uuid	/	ext4	" fstab2 &&
	grep -q "^UUID=$swapuuid	none	swap	" fstab2 &&
	cfg=$out/dv2.cfg &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	grep -q "vdev=hda2, access=rw, target=$rootdev" "$cfg" &&
	grep -q "vdev=hda1, access=rw, target=$swapdev" "$cfg" &&
	test "$(cfg_value "$cfg" kernel)" = "$TRASH/kernel/vmlinuz-6.1.0-dvfake" &&
	test "$(cfg_value "$cfg" cmdline)" = "root=UUID=$uuid ro console=hvc0" &&
	m=/usr/lib/modules/6.1.0-dvfake &&
	test "$(guest_cat "$rootdev" $m/modules.dep)" = "kernel/drivers/dv/dv.ko:" &&
	test "$(guest_cat "$rootdev" $m/kernel/drivers/dv/dv.ko)" = "not really a module" &&
	test "$(guest_stat "$rootdev" $m/kernel/drivers/dv/dv.ko)" = "0600 0 0" &&
	test "$(guest_readlink "$rootdev" $m/build)" = /usr/src/linux-headers-6.1.0-dvfake &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'delete-image leaves the kept devices and their file systems' '
	"$BUILD/delete-image" --output "$out" dv2 >o && cat o &&
	test "$(blkid -o value -s LABEL "$rootdev")" = kept &&
	test "$(guest_cat "$rootdev" /marker)" = "was here first"
'

if lvm_usable; then
	lvm_setup_vg thin 512M
	test_expect_success '--lvm_thin: a pool that does not exist, or is not thin, is refused' '
		lvm_cmd lvcreate -q -an -Zn -Wn -y -l 2 -n lin "$LVM_VG" >/dev/null &&
		refused --hostname dv3 --lvm "$LVM_VG" --lvm_thin=nopool -- \
			"--lvm: no thin pool ${q}$LVM_VG/nopool${q} (--lvm-thin)" &&
		refused --hostname dv3 --lvm "$LVM_VG" --lvm_thin=lin -- \
			"--lvm: ${q}$LVM_VG/lin${q} is a linear volume, not a thin pool (--lvm-thin)" &&
		printf "lvm = %s\nlvm_thin = lin\n" "$LVM_VG" >thin.conf &&
		refused --hostname dv3 --config thin.conf -- "is a linear volume, not a thin pool"
	'
	if [ "$LVM_DM" = 1 ] &&
	   lvm_cmd lvcreate -q -y --type thin-pool -L 256M -n pool0 "$LVM_VG" >/dev/null 2>&1; then
		test_expect_success '--lvm_thin: the guest on thin volumes of the pool' '
			build dv3 --lvm "$LVM_VG" --lvm_thin=pool0 --size 1G --swap 64M &&
			"$TEST_TOOL" xlcfg-check "$out/dv3.cfg" &&
			test "$(lvm_field lvs pool_lv "$LVM_VG/dv3-disk")" = pool0 &&
			test "$(lvm_field lvs pool_lv "$LVM_VG/dv3-swap")" = pool0 &&
			test "$(lvm_field lvs lv_tags "$LVM_VG/dv3-disk")" = create-image:dv3
		'
	else
		test_skip '--lvm_thin: the guest on thin volumes of the pool' \
			'thin pools need device-mapper, which this host lacks'
	fi
else
	test_skip '--lvm_thin refusals' "$lvm_why"
fi

test_wait
test_done
