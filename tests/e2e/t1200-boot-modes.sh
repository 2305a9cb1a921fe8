#!/bin/bash
# The PV and PVH boot modes, with guests built for real from the suite's
# shared bases. pvh and pv-pvgrub: the xl.cfg names Debian's pvgrub2 image
# and libxlutil parses it; the search pvgrub2's own memdisk makes finds
# exactly one boot menu on the guest's disks; grub-script-check accepts it;
# GRUB's own file-system code (grub-fstest) reads the kernel and initrd it
# names, byte for byte as the guest has them, from ext4, xfs and btrfs
# roots and a /boot of its own; the kernel carries the Xen PVH entry point.
# pvh-direct: the kernel and initrd copied to dom0 (STATEDIR/kernels/HOST)
# boot under qemu with the xl.cfg's own command line, and go with
# delete-image, on image files and on a device. --install-method=none:
# disks and the xl.cfg only.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
PVGRUB_DIR=/usr/lib/grub-xen

mkdir -p mnt
# A role that leaves the guest a kernel configured without PVH; it fails
# in a guest with no /boot/config-*.
cat >nopvh <<'EOF'
#!/bin/sh
sed -i 's/^CONFIG_XEN_PVH=y$/# CONFIG_XEN_PVH is not set/' "$1"/boot/config-*
EOF
chmod +x nopvh
trap 'release_devices "$TRASH/mnt"' EXIT

# build HOST ARGS...: a guest from the shared cache, its summary in
# HOST.summary.
build()
{
	local host=$1
	shift
	"$CREATE_IMAGE" --hostname "$host" --dir "$dir" --output "$out" \
		--cachedir "$CACHEDIR" --dhcp "$@" >"$host.summary" \
		2>"$host.progress" || { cat "$host.progress"; return 1; }
	cat "$host.summary"
}

# cfg_disks CFG: the targets of the xl.cfg's disks, in its order.
cfg_disks()
{
	sed -n "s/.*target=\([^']*\)',\$/\1/p" "$1"
}

# cfg_value CFG KEY: a string value of the xl.cfg.
cfg_value()
{
	sed -n "s/^$2 *= '\(.*\)'\$/\1/p" "$1"
}

# memdisk_cfg IMAGE: the grub.cfg in pvgrub2's memdisk, the tar archive
# grub-mkimage embedded in the image.
memdisk_cfg()
{
	python3 - "$1" <<-\PY
	import re, sys
	data = open(sys.argv[1], "rb").read()
	for m in re.finditer(rb"ustar", data):
	    h = m.start() - 257
	    if h >= 0 and data[h:h + 9] == b"grub.cfg\0":
	        size = int(data[h + 124:h + 136].strip(b"\0 ") or b"0", 8)
	        sys.stdout.write(data[h + 512:h + 512 + size].decode())
	        sys.exit(0)
	sys.exit("no grub.cfg in the memdisk of " + sys.argv[1])
	PY
}

# find_menus [-r ROOT] IMAGE...: "IMAGE PATH" for each image (or device
# ROOT of it) in which GRUB finds /boot/grub/grub.cfg or /grub/grub.cfg:
# what pvgrub2's "search -s -f" looks for, in that order.
find_menus()
{
	local root= img p
	if [ "$1" = -r ]; then
		root=$2
		shift 2
	fi
	for img in "$@"; do
		for p in /boot/grub/grub.cfg /grub/grub.cfg; do
			if grub-fstest ${root:+-r "$root"} "$img" cat "$p" \
				>/dev/null 2>&1; then
				echo "$img $p"
			fi
		done
	done
}

# grub_reads [-r ROOT] IMAGE MENU FSDEV [OFFSET]: GRUB reads the menu from
# IMAGE, the menu passes grub-script-check, and the kernel and initrd it
# names, read by grub-fstest, have the checksums of the files Linux sees
# on FSDEV (an image, or a disk with the file system at OFFSET), mounted
# read-only. The kernel is left in grub-vmlinuz, the menu in grub.cfg.
grub_reads()
{
	local root= kernel initrd prefix
	if [ "$1" = -r ]; then
		root=$2
		shift 2
	fi
	grub-fstest ${root:+-r "$root"} "$1" cat "$2" >grub.cfg &&
	cat grub.cfg &&
	grub-script-check grub.cfg &&
	kernel=$(awk '$1 == "linux" { print $2 }' grub.cfg) &&
	initrd=$(awk '$1 == "initrd" { print $2 }' grub.cfg) &&
	test -n "$kernel" && test -n "$initrd" &&
	grep -q "^	linux $kernel root=UUID=[0-9a-f-]* ro console=hvc0\$" grub.cfg &&
	grub-fstest ${root:+-r "$root"} "$1" cp "$kernel" grub-vmlinuz &&
	grub-fstest ${root:+-r "$root"} "$1" cp "$initrd" grub-initrd &&
	mount -o ro,loop${4:+,offset=$4} "$3" mnt &&
	prefix=${2%grub/grub.cfg} &&
	sha256sum <"mnt$prefix${kernel#$prefix}" >want.k &&
	sha256sum <"mnt$prefix${initrd#$prefix}" >want.i &&
	umount mnt &&
	test "$(sha256sum <grub-vmlinuz)" = "$(cat want.k)" &&
	test "$(sha256sum <grub-initrd)" = "$(cat want.i)" &&
	test -s grub-vmlinuz && test -s grub-initrd
}

# pvh_kernel VMLINUZ: the bzImage's payload, decompressed, carries Xen's
# PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY, note type 18).
pvh_kernel()
{
	python3 - "$1" >vmlinux <<-\PY
	import lzma, gzip, struct, subprocess, sys
	data = open(sys.argv[1], "rb").read()
	setup = data[0x1f1] or 4
	off, length = struct.unpack_from("<II", data, 0x248)
	start = (setup + 1) * 512 + off
	payload = data[start:start + length]
	tools = {b"\x02\x21\x4c\x18": ["lz4", "-dc"],
	         b"\x28\xb5\x2f\xfd": ["zstd", "-dc"]}
	if payload[:6] == b"\xfd7zXZ\x00":
	    out = lzma.decompress(payload)
	elif payload[:2] == b"\x1f\x8b":
	    out = gzip.decompress(payload)
	elif payload[:4] in tools:
	    out = subprocess.run(tools[payload[:4]], input=payload,
	                         stdout=subprocess.PIPE).stdout
	else:
	    sys.exit("unknown compression %r" % payload[:6])
	sys.stdout.buffer.write(out)
	PY
	readelf -n vmlinux >notes &&
	grep -E "^[[:space:]]+Xen[[:space:]]+0x[0-9a-f]+[[:space:]]+(Unknown note type: \(0x00000012\)|.*PHYS32)" notes
}

test_expect_success 'the pvgrub2 images search for the menu where create-image writes it' '
	for img in grub-i386-xen_pvh.bin grub-x86_64-xen.bin; do
		memdisk_cfg "$PVGRUB_DIR/$img" >memdisk.cfg &&
		cat memdisk.cfg &&
		grep -q "^if search -s -f /boot/grub/grub.cfg ; then" memdisk.cfg &&
		grep -q "^	configfile /boot/grub/grub.cfg" memdisk.cfg &&
		grep -q "^if search -s -f /grub/grub.cfg ; then" memdisk.cfg &&
		grep -q "^	configfile /grub/grub.cfg" memdisk.cfg || exit 1
	done
'

# bad ARGS... -- WANT: exit 2, a one-line reason holding WANT, nothing
# created (no storage, config or log).
bad()
{
	local args=() rc=0
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	"$CREATE_IMAGE" --hostname bad1 --dir "$dir" --output "$out" \
		"${args[@]}" >o 2>e || rc=$?
	cat e
	test "$rc" = 2 && test "$(wc -l <e)" = 1 && grep -qF -- "$2" e &&
	test ! -e "$dir" && test ! -e "$out" && test ! -e "$TRASH/log" &&
	test ! -e "$TRASH/state/guests/bad1.conf"
}

test_expect_success 'bad boot-mode input: exit 2, nothing created' '
	bad --boot-mode pvhh -- "--boot-mode: " &&
	bad --boot-mode pvh-direct --install-method none -- \
		"--kernel: direct boot with --install-method=none needs --kernel" &&
	bad --nopygrub --install-method=none -- \
		"direct boot with --install-method=none needs --kernel" &&
	bad --boot-mode pvh --install-method none \
		--install-source "$TRASH" -- \
		"--install-source: '"'"'install-source'"'"' is not used with --install-method=none" &&
	bad --boot-mode pv-direct --pygrub -- \
		"'"'"'pygrub'"'"' contradicts '"'"'boot-mode=pv-direct'"'"'" &&
	bad --fs btrfs -- "pygrub cannot read btrfs, which would hold /boot" &&
	grep -q -- "--boot-mode=pvh (pvgrub2 reads it)" e &&
	bad --boot-mode pvh --vnc -- "--vnc: " &&
	CREATE_IMAGE_PVGRUB_DIR=$TRASH/no-grub-xen \
		bad --boot-mode pv-pvgrub -- \
		"$TRASH/no-grub-xen/grub-x86_64-xen.bin'"'"': install the package grub-xen-host"
'

test_expect_success 'pvh, ext4: the xl.cfg boots pvgrub2 for PVH, which finds one menu' '
	build h1 --boot-mode pvh --size 2G --swap 64M &&
	"$TEST_TOOL" xlcfg-check "$out/h1.cfg" &&
	grep -q "^type *= .pvh.$" "$out/h1.cfg" &&
	test "$(cfg_value "$out/h1.cfg" kernel)" = "$PVGRUB_DIR/grub-i386-xen_pvh.bin" &&
	! grep -q "^bootloader\|^ramdisk\|^cmdline" "$out/h1.cfg" &&
	find_menus $(cfg_disks "$out/h1.cfg") >menus &&
	cat menus &&
	test "$(cat menus)" = "$dir/domains/h1/disk.img /boot/grub/grub.cfg"
'

test_expect_success 'pvh, ext4: GRUB reads the menu, kernel and initrd the guest has' '
	d=$dir/domains/h1/disk.img &&
	grub_reads "$d" /boot/grub/grub.cfg "$d" &&
	grep -q "root=UUID=$(blkid -o value -s UUID "$d") ro console=hvc0" grub.cfg &&
	cp grub-vmlinuz h1-vmlinuz
'

test_expect_success 'pvh: the guest kernel is built for PVH (config and ELF note)' '
	d=$dir/domains/h1/disk.img &&
	v=$(sed -n "s/^  Kernel: *//p" h1.summary) && test -n "$v" &&
	guest_cat "$d" "/boot/config-$v" | grep -qx "CONFIG_XEN_PVH=y" &&
	pvh_kernel h1-vmlinuz
'

cat >parts-btrfs <<'EOF'
[root]
size=1500M
type=btrfs
mountpoint=/

[swap]
size=64M
type=swap

[home]
size=300M
type=xfs
mountpoint=/home
EOF

test_expect_success 'pv-pvgrub, btrfs root: 64-bit PV pvgrub2 reads the menu from btrfs' '
	build p1 --boot-mode pv-pvgrub --partitions "$TRASH/parts-btrfs" &&
	"$TEST_TOOL" xlcfg-check "$out/p1.cfg" &&
	grep -q "^type *= .pv.$" "$out/p1.cfg" &&
	test "$(cfg_value "$out/p1.cfg" kernel)" = "$PVGRUB_DIR/grub-x86_64-xen.bin" &&
	d=$dir/domains/p1 &&
	test "$(blkid -o value -s TYPE "$d/root.img")" = btrfs &&
	find_menus $(cfg_disks "$out/p1.cfg") >menus &&
	test "$(cat menus)" = "$d/root.img /boot/grub/grub.cfg" &&
	grub_reads "$d/root.img" /boot/grub/grub.cfg "$d/root.img" &&
	assert_no_leftovers "$TRASH"
'

cat >parts-xfs <<'EOF'
[root]
size=1500M
type=xfs
mountpoint=/

[swap]
size=64M
type=swap

[srv]
size=300M
type=btrfs
mountpoint=/srv
EOF

test_expect_success 'pvh, xfs root: GRUB reads the menu, kernel and initrd from xfs' '
	build x1 --boot-mode pvh --partitions "$TRASH/parts-xfs" &&
	"$TEST_TOOL" xlcfg-check "$out/x1.cfg" &&
	d=$dir/domains/x1 &&
	test "$(blkid -o value -s TYPE "$d/root.img")" = xfs &&
	find_menus $(cfg_disks "$out/x1.cfg") >menus &&
	test "$(cat menus)" = "$d/root.img /boot/grub/grub.cfg" &&
	grub_reads "$d/root.img" /boot/grub/grub.cfg "$d/root.img"
'

cat >parts-boot <<'EOF'
[boot]
size=300M
type=btrfs
mountpoint=/boot

[root]
size=1500M
type=xfs
mountpoint=/

[swap]
size=64M
type=swap
EOF

test_expect_success 'pvh, a btrfs /boot of its own on a partitioned disk: /grub/grub.cfg there' '
	build b1 --boot-mode pvh --layout=disk --partitions "$TRASH/parts-boot" &&
	"$TEST_TOOL" xlcfg-check "$out/b1.cfg" &&
	d=$dir/domains/b1/disk.img &&
	test "$(cfg_disks "$out/b1.cfg")" = "$d" &&
	sfdisk -J "$d" >pt.json &&
	parts=$(python3 -c "import json; print(len(json.load(open(\"pt.json\"))[\"partitiontable\"][\"partitions\"]))") &&
	n=$(sed -n "s|^ *Partition xvda\([0-9]\) .* btrfs /boot UUID=.*|\1|p" b1.summary) &&
	test -n "$n" &&
	: >menus &&
	for i in $(seq "$parts"); do
		find_menus -r "loop0,gpt$i" "$d" | sed "s/^/gpt$i /" >>menus
	done &&
	cat menus &&
	test "$(cat menus)" = "gpt$n $d /grub/grub.cfg" &&
	start=$(python3 -c "import json; t = json.load(open(\"pt.json\"))[\"partitiontable\"]; print(t[\"partitions\"][$n - 1][\"start\"] * t.get(\"sectorsize\", 512))") &&
	grub_reads -r "loop0,gpt$n" "$d" /grub/grub.cfg "$d" "$start" &&
	grep -q "^	linux /vmlinuz-" grub.cfg &&
	grep -q "^	initrd /initrd.img-" grub.cfg
'

test_expect_success 'pvh-direct: the kernel and initrd copied to dom0, named by the xl.cfg' '
	build d1 --boot-mode pvh-direct --size 2G --swap 64M &&
	cfg=$out/d1.cfg &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	grep -q "^type *= .pvh.$" "$cfg" &&
	! grep -q "^bootloader" "$cfg" &&
	d=$dir/domains/d1 &&
	k=$TRASH/state/kernels/d1 &&
	test "$(cfg_value "$cfg" kernel)" = "$k/vmlinuz" &&
	test "$(cfg_value "$cfg" ramdisk)" = "$k/initrd.img" &&
	test "$(cfg_value "$cfg" cmdline)" = \
		"root=UUID=$(blkid -o value -s UUID "$d/disk.img") ro console=hvc0" &&
	test "$(ls "$d" | tr "\n" " ")" = "disk.img swap.img " &&
	v=$(sed -n "s/^  Kernel: *//p" d1.summary) &&
	mount -o ro,loop "$d/disk.img" mnt &&
	cmp mnt/boot/vmlinuz-$v "$k/vmlinuz" &&
	cmp mnt/boot/initrd.img-$v "$k/initrd.img" &&
	umount mnt &&
	pvh_kernel "$k/vmlinuz"
'

test_expect_success 'pvh-direct: the copied kernel boots with the xl.cfg command line' '
	cfg=$out/d1.cfg &&
	d=$dir/domains/d1 &&
	"$BOOT_CHECK" --disk "$d/disk.img" --disk "$d/swap.img" \
		--mac "$(sed -n "s/^ *MAC: *//p" d1.summary)" --hostname d1 \
		--password "$(sed -n "s/^ *Root password: //p" d1.summary)" \
		--kernel "$(cfg_value "$cfg" kernel)" \
		--initrd "$(cfg_value "$cfg" ramdisk)" \
		--append "$(cfg_value "$cfg" cmdline)"
'

test_expect_success 'pvh-direct: --force whose rebuild fails puts the copied kernel back' '
	k=$TRASH/state/kernels/d1 &&
	sum=$(cat "$k/vmlinuz" "$k/initrd.img" | md5sum) &&
	ino=$(stat -c %i "$k/vmlinuz") &&
	echo "not a tarball" >"$TRASH/not-a.tar" &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname d1 --dir "$dir" --output "$out" --force \
		--boot-mode pvh-direct --install-method tar \
		--install-source "$TRASH/not-a.tar" >o 2>e || rc=$? &&
	cat e &&
	test "$rc" = 1 &&
	grep -q "replacing .$k. (--force)" e &&
	test "$(cat "$k/vmlinuz" "$k/initrd.img" | md5sum)" = "$sum" &&
	test "$(stat -c %i "$k/vmlinuz")" = "$ino" &&
	test "$(ls -A "$TRASH/state/kernels")" = d1 &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'delete-image removes the copied kernel with the guest' '
	"$BUILD/delete-image" --dir "$dir" --output "$out" d1 >o &&
	cat o &&
	grep -q "removed directory .$dir/domains/d1." o &&
	grep -q "removed directory .$TRASH/state/kernels/d1." o &&
	test ! -e "$dir/domains/d1" && test ! -e "$out/d1.cfg" &&
	test ! -e "$TRASH/state/kernels/d1"
'

truncate -s 2G "$TRASH/dev.img"
dev=$(losetup -f --show "$TRASH/dev.img")
TEST_OWN_LOOPS=$dev

test_expect_success 'pv-direct on a device: the kernel copied out, gone with the guest' '
	"$CREATE_IMAGE" --hostname v1 --output "$out" --cachedir "$CACHEDIR" \
		--boot-mode pv-direct --image-dev "$dev" --noswap \
		>v1.summary 2>v1.progress || { cat v1.progress; exit 1; } &&
	"$TEST_TOOL" xlcfg-check "$out/v1.cfg" &&
	grep -q "^type *= .pv.$" "$out/v1.cfg" &&
	grep -q "target=$dev" "$out/v1.cfg" &&
	k=$TRASH/state/kernels/v1 &&
	test "$(cfg_value "$out/v1.cfg" kernel)" = "$k/vmlinuz" &&
	test "$(ls "$k" | tr "\n" " ")" = "initrd.img vmlinuz " &&
	test ! -e "$dir/domains/v1" &&
	uuid=$(blkid -o value -s UUID "$dev") &&
	"$BUILD/delete-image" --output "$out" v1 >o &&
	cat o &&
	test ! -e "$k" && test ! -e "$out/v1.cfg" &&
	test "$(blkid -o value -s UUID "$dev")" = "$uuid"
'

losetup -d "$dev"
TEST_OWN_LOOPS=

test_expect_success '--install-method=none: the plan says what is left out' '
	"$CREATE_IMAGE" --hostname n1 --dir "$dir" --output "$out" \
		--boot-mode pvh --install-method none --dry-run >plan &&
	cat plan &&
	grep -q "^install   none: the file systems are left empty; no base, hooks, roles or customization$" plan &&
	! grep -q "^base " plan &&
	grep -q "^boot      pvh: .*grub-i386-xen_pvh.bin reads the guest.s boot menu, once one is installed$" plan
'

test_expect_success '--install-method=none (as xen-tools'\''s --install 0): disks and the xl.cfg only, no base' '
	private_cache "$TRASH/cache" &&
	"$CREATE_IMAGE" --hostname n1 --dir "$dir" --output "$out" \
		--boot-mode pvh --install 0 --size 1G --swap 64M \
		--fs xfs --cachedir "$TRASH/cache" --role nopvh \
		--roledir "$TRASH" >n1.summary 2>n1.progress || {
			cat n1.progress; exit 1; } &&
	cat n1.summary n1.progress &&
	grep -q "Installed: *nothing" n1.summary &&
	! grep -q "Kernel:\|Root password\|SSH host key" n1.summary &&
	! grep -q "installing\|customizing\|hook\|base" n1.progress &&
	test -z "$(ls "$TRASH/cache/bases" 2>/dev/null)" &&
	"$TEST_TOOL" xlcfg-check "$out/n1.cfg" &&
	grep -q "^type *= .pvh.$" "$out/n1.cfg" &&
	d=$dir/domains/n1 &&
	test "$(blkid -o value -s TYPE "$d/disk.img")" = xfs &&
	test "$(blkid -o value -s TYPE "$d/swap.img")" = swap &&
	mount -o ro,loop "$d/disk.img" mnt &&
	test -z "$(ls -A mnt)" &&
	umount mnt &&
	test -s "$TRASH/state/guests/n1.conf" &&
	assert_no_leftovers "$TRASH" &&
	"$BUILD/delete-image" --dir "$dir" --output "$out" n1 >o &&
	test ! -e "$d" && test ! -e "$out/n1.cfg"
'

test_expect_success '--install-method=none with a direct boot: --kernel, root by UUID' '
	printf "kernel" >"$TRASH/vmlinuz-inst" &&
	printf "initrd" >"$TRASH/initrd-inst" &&
	"$CREATE_IMAGE" --hostname n2 --dir "$dir" --output "$out" \
		--boot-mode pvh-direct --install-method none --size 1G \
		--noswap --kernel "$TRASH/vmlinuz-inst" \
		--initrd "$TRASH/initrd-inst" >n2.summary 2>n2.progress &&
	"$TEST_TOOL" xlcfg-check "$out/n2.cfg" &&
	test "$(cfg_value "$out/n2.cfg" kernel)" = "$TRASH/vmlinuz-inst" &&
	test "$(cfg_value "$out/n2.cfg" ramdisk)" = "$TRASH/initrd-inst" &&
	test "$(cfg_value "$out/n2.cfg" cmdline)" = \
		"root=UUID=$(blkid -o value -s UUID "$dir/domains/n2/disk.img") ro console=hvc0" &&
	test "$(ls "$dir/domains/n2")" = disk.img &&
	test ! -e "$TRASH/state/kernels/n2"
'

test_expect_success '--install-method=none: a failed run takes back what it made' '
	test -x "$CREATE_IMAGE_FAULTS" &&
	args="--hostname n3 --dir $dir --output $out --boot-mode pv-pvgrub --install-method none --size 1G --swap 64M" &&
	CREATE_IMAGE_FAULT_LOG=$TRASH/n3.points "$CREATE_IMAGE_FAULTS" $args >o 2>e &&
	"$BUILD/delete-image" --dir "$dir" --output "$out" n3 >/dev/null &&
	host_state "$dir" "$out" >before &&
	n=$(sed -n "s|^write \([0-9]*\) $out/n3.cfg\$|\1|p" n3.points) &&
	test -n "$n" &&
	rc=0 &&
	CREATE_IMAGE_FAULT=write:$n "$CREATE_IMAGE_FAULTS" $args >o 2>e || rc=$? &&
	cat e &&
	test "$rc" = 1 &&
	grep -q "cannot write the xl configuration" e &&
	host_state "$dir" "$out" >after &&
	test_cmp before after &&
	test ! -e "$TRASH/state/guests/n3.conf"
'

test_expect_success 'pvh with a kernel that cannot boot as PVH fails, leaving nothing' '
	rc=0 &&
	build k1 --boot-mode pvh --size 2G --noswap --roledir "$TRASH" \
		--role nopvh || rc=$? &&
	test "$rc" = 1 &&
	grep -q "cannot boot as a PVH guest (./boot/config-.*. lacks CONFIG_XEN_PVH=y)" k1.progress &&
	test ! -e "$dir/domains/k1" && test ! -e "$out/k1.cfg" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

release_devices "$TRASH/mnt"
test_done
