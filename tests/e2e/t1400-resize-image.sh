#!/bin/bash
# resize-image: guests built from the suite's cached base, grown. A raw
# image file (root and swap), which then boots under qemu and sees its new
# size with df; a qcow2 image, grown through qemu-img, allocated for
# --image=full and read back through a raw copy; xfs on the last
# partition of a --layout=disk GPT disk; an ext4 logical volume on a
# loop-backed PV without device-mapper. Bad input, a shrink, a running guest, too little room
# and a volume that cannot grow are refused with exit status 2 and
# nothing changed; a fault mid-way leaves no loop device, mount or
# export, and a guest the same command finishes.
# suite: beside
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

dir=$TRASH/srv
out=$TRASH/xen
state=$CREATE_IMAGE_STATEDIR
key=$TRASH/id_ed25519
RESIZE=$BUILD/resize-image
export CREATE_IMAGE_LOGDIR=$TRASH/log
export CREATE_IMAGE_XEN_PROC=$TRASH/no-xen
MIB=$((1024 * 1024))
GIB=$((1024 * MIB))

# The test build under the name it answers to.
mkdir -p "$TRASH/fault" && ln -s "$CREATE_IMAGE_FAULTS" "$TRASH/fault/resize-image"

# build NAME [FLAG...]: a guest from the shared cache, under $dir unless
# a flag says --lvm; NAME.out, NAME.err.
build()
{
	local name=$1 where="--dir $dir"
	shift
	case " $* " in *" --lvm "*) where= ;; esac
	# $where is split on purpose.
	"$CREATE_IMAGE" --hostname "$name" $where --output "$out" \
		--size 1G --cachedir "$CACHEDIR" "$@" \
		>"$name.out" 2>"$name.err" || { cat "$name.err"; return 1; }
}

# blocks DEV: the ext file system's size in bytes, from its superblock.
ext_bytes()
{
	dumpe2fs -h "$1" 2>/dev/null | awk -F: '
		/^Block count/ { n = $2 + 0 } /^Block size/ { s = $2 + 0 }
		END { print n * s }'
}

# refused STATUS MESSAGE ARGS...: resize-image ARGS exits STATUS with one
# line on stderr holding MESSAGE, nothing on stdout, and the guests'
# files, records, loop devices, mounts and volumes as they were.
refused()
{
	local want=$1 msg=$2 rc=0
	shift 2
	host_state "$dir" "$state" >before
	"$RESIZE" "$@" >o 2>e || rc=$?
	cat e
	test "$rc" = "$want" && test "$(wc -l <e)" = 1 && grep -q -- "$msg" e &&
	test ! -s o && host_state "$dir" "$state" >after &&
	test_cmp before after
}

test_expect_success 'resize-image: --help names every option, each in resize-image(8)' '
	test "$(readlink "$RESIZE")" = create-image &&
	"$RESIZE" --help >help &&
	grep -q "^usage: resize-image" help &&
	grep -o -- "--[a-z][a-z0-9-]*" help | sort -u >flags &&
	test "$(wc -l <flags)" -ge 8 &&
	while read -r f; do
		in_man resize-image "${f#--}" ||
			{ echo "not in the man page: $f"; exit 1; }
	done <flags &&
	"$RESIZE" --version | grep -qE "^resize-image [0-9]+\."
'

test_expect_success 'a raw guest with swap is built' '
	ssh-keygen -q -t ed25519 -N "" -C "t1400@example" -f "$key" &&
	build rz1 --swap 64M --dhcp --pygrub --ssh-key "$key.pub" &&
	test "$(stat -c %s "$dir/domains/rz1/disk.img")" = $GIB &&
	blkid -s UUID -o value "$dir/domains/rz1/swap.img" >swap.uuid &&
	test -s swap.uuid
'

test_expect_success 'bad input: exit 2, one line, nothing changed' '
	refused 2 "never shrinks" rz1 --size=512M &&
	refused 2 "never shrinks" rz1 --swap=32M &&
	refused 2 "--size: invalid size .abc." rz1 --size=abc &&
	refused 2 "--size: invalid size .+0." rz1 --size=+0 &&
	refused 2 "--add: invalid size" rz1 --add=-1G &&
	refused 2 "how large?" rz1 &&
	refused 2 "which guest?" --size=+1G &&
	refused 2 "no guest .rz9." rz9 --size=+1G &&
	refused 2 "give the guest once" --hostname rz1 rz1 --size=+1G &&
	refused 2 "unknown option .--bogus." rz1 --bogus &&
	refused 2 "unknown option .--lvm." rz1 --lvm=vg0 --add=1G &&
	refused 2 "invalid hostname" "a b" --size=+1G
'

test_expect_success 'too little room on the host: exit 2 with both figures, nothing changed' '
	refused 2 "not enough space for growing .$dir/domains/rz1/disk.img. on the file system at .*: needs .*, .* free" \
		rz1 --size=+100T
'

test_expect_success 'a running guest is refused, nothing changed' '
	fake_xen rz1 &&
	CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		refused 2 "guest .rz1. is running; shut it down first" \
		rz1 --size=+512M
'

test_expect_success '--dry-run says what would grow and changes nothing' '
	host_state "$dir" "$state" >before &&
	"$RESIZE" --dry-run --hostname rz1 --size=+512M --swap=128M >plan &&
	cat plan &&
	grep -q "^would grow root  xvda2, ext4 on .$dir/domains/rz1/disk.img.: 1G to 1536M$" plan &&
	grep -q "^would grow swap  xvda1, swap on .$dir/domains/rz1/swap.img.: 64M to 128M$" plan &&
	host_state "$dir" "$state" >after && test_cmp before after
'

test_expect_success 'the raw guest grows: disk, ext4, swap with its UUID, the record' '
	"$RESIZE" rz1 --size=+512M --swap=128M >o 2>e &&
	cat o e &&
	grep -q "^resized .rz1.:$" o &&
	grep -q "^root  xvda2, ext4 on .*: 1G to 1536M$" o &&
	d=$dir/domains/rz1 &&
	test "$(stat -c %s "$d/disk.img")" = $((1536 * MIB)) &&
	test "$(ext_bytes "$d/disk.img")" = $((1536 * MIB)) &&
	e2fsck -fn "$d/disk.img" >/dev/null &&
	test "$(stat -c %s "$d/swap.img")" = $((128 * MIB)) &&
	test "$(blkid -s UUID -o value "$d/swap.img")" = "$(cat swap.uuid)" &&
	test "$(blkid -s TYPE -o value "$d/swap.img")" = swap &&
	"$BUILD/list-images" >list && cat list &&
	grep -q "^rz1 \+bookworm \+[0-9]*M \+1 \+1536M \+dir " list &&
	"$BUILD/list-images" --json >json &&
	python3 - json "$d" <<-\PY
	import json, sys
	g = [g for g in json.load(open(sys.argv[1]))["guests"]
	     if g["hostname"] == "rz1"][0]
	disks = {d["vdev"]: d for d in g["disks"]}
	assert disks["xvda2"]["size"] == 1536 << 20, disks
	assert disks["xvda1"]["size"] == 128 << 20, disks
	fss = {f["type"]: f for f in g["filesystems"]}
	assert fss["ext4"]["size"] == 1536 << 20, fss
	assert fss["swap"]["size"] == 128 << 20, fss
	PY
'

test_expect_success 'a fault mid-way: nothing left attached, a usable guest, the same command finishes' '
	d=$dir/domains/rz1 &&
	rc=0 &&
	CREATE_IMAGE_FAULT=command:2 "$TRASH/fault/resize-image" rz1 \
		--size=+256M >o 2>e || rc=$? &&
	cat e && test "$rc" = 1 &&
	grep -q "injected\\|Input/output error" e &&
	grep -q "its disk has grown, its file system not (which does it no harm): .resize-image rz1 --size=1792M. finishes it" e &&
	assert_no_leftovers "$dir" &&
	test -z "$(ls -A "$state/runs" 2>/dev/null)" &&
	test "$(stat -c %s "$d/disk.img")" = $((1792 * MIB)) &&
	test "$(ext_bytes "$d/disk.img")" = $((1536 * MIB)) &&
	e2fsck -fn "$d/disk.img" >/dev/null &&
	"$RESIZE" rz1 --size=1792M >o 2>e &&
	cat o e &&
	grep -q "is 1792M already" e &&
	test "$(ext_bytes "$d/disk.img")" = $((1792 * MIB)) &&
	e2fsck -fn "$d/disk.img" >/dev/null &&
	assert_no_leftovers "$dir"
'

test_background 'the grown guest boots under qemu, and df in it shows the new size' '
	mac=$(sed -n "s/^ *MAC: *//p" rz1.out) && test -n "$mac" &&
	BOOT_CHECK_LOG=$TRASH/rz1.console "$BOOT_CHECK" \
		--disk "$dir/domains/rz1/disk.img" \
		--disk "$dir/domains/rz1/swap.img" --mac "$mac" \
		--hostname rz1 --ssh-key "$key" \
		--ssh-command "df -B1M --output=size /" \
		--ssh-command "swapon --show=SIZE --bytes --noheadings" \
		--timeout 600 >boot 2>&1 || { cat boot; exit 1; }
	cat boot &&
	size=$(sed -n "s/^root: *\\([0-9][0-9]*\\)$/\\1/p" boot | head -n 1) &&
	echo "df: $size MiB" && test "$size" -gt 1600 &&
	test "$(sed -n "s/^root: *\\([0-9][0-9]*\\)$/\\1/p" boot | sed -n 2p)" = $((128 * MIB - 4096))
'

test_expect_success 'a qcow2 guest: a fault in its export leaves nothing; then it grows, allocated' '
	build rz2 --noswap --disk-format=qcow2 --image=full &&
	q=$dir/domains/rz2/disk.qcow2 &&
	rc=0 &&
	CREATE_IMAGE_FAULT=step:1 "$TRASH/fault/resize-image" rz2 \
		--size=+512M >o 2>e || rc=$? &&
	cat e && test "$rc" = 1 &&
	! pgrep -af "^qemu-storage-daemon .*$dir/" &&
	test -z "$(ls -A "$dir/domains/rz2" | grep -v "^disk.qcow2$")" &&
	assert_no_leftovers "$dir" &&
	qemu-img check -q "$q" &&
	"$RESIZE" rz2 --size=1536M >o 2>e &&
	cat o e &&
	qemu-img info --output=json "$q" >info &&
	python3 -c "import json, sys; assert json.load(open(sys.argv[1]))[\"virtual-size\"] == 1536 << 20" info &&
	# --image=full: the new space is allocated too.
	test "$(du -k "$q" | cut -f1)" -ge $((1536 * 1024)) &&
	qemu-img convert -f qcow2 -O raw "$q" rz2.raw &&
	test "$(ext_bytes rz2.raw)" = $((1536 * MIB)) &&
	e2fsck -fn rz2.raw >/dev/null && rm rz2.raw &&
	! pgrep -af "^qemu-storage-daemon .*$dir/" &&
	assert_no_leftovers "$dir"
'

test_expect_success 'xfs on the last partition of a GPT disk grows; swap before it cannot' '
	build rz3 --swap 64M --fs xfs --layout disk --boot-mode pvh &&
	img=$dir/domains/rz3/disk.img &&
	refused 2 "its swap is partition 1 of .xvda., and partition 2 follows it: only the last partition can grow" \
		rz3 --swap=128M &&
	"$RESIZE" rz3 --size=+512M >o 2>e &&
	cat o e &&
	sfdisk -V "$img" &&
	range=$(part_range "$img" 2) && test "${range#* }" = $((1536 * MIB)) &&
	test "$(stat -c %s "$img")" = $((1024 * MIB + 64 * MIB + 2 * MIB + 512 * MIB)) &&
	loop=$(losetup -f --show -r -o "${range% *}" --sizelimit "${range#* }" "$img") &&
	blocks=$(xfs_db -r -c "sb 0" -c "p dblocks" "$loop" | sed "s/.*= //") &&
	bsize=$(xfs_db -r -c "sb 0" -c "p blocksize" "$loop" | sed "s/.*= //") &&
	losetup -d "$loop" &&
	test $((blocks * bsize)) = $((1536 * MIB)) &&
	assert_no_leftovers "$dir"
'

if ! lvm_usable; then
	test_skip 'logical volumes grow' "$lvm_why"
else
	lvm_setup_vg vg 3G || exit 1
	vg=$LVM_VG

	test_expect_success 'a logical volume grows, and its ext4 with it' '
		build rz4 --noswap --lvm "$vg" &&
		refused 2 "--swap: guest .rz4. has no swap to grow" rz4 --swap=1G &&
		refused 2 "volume group .$vg. has .* free, .* needed" rz4 --size=+10G &&
		"$RESIZE" rz4 --size=+512M >o 2>e &&
		cat o e &&
		test "$(lvm_field lvs lv_size "$vg/rz4-disk")" = $((1536 * MIB)) &&
		dev=$(lvm_lv_loop "$vg" rz4-disk ro) &&
		test "$(ext_bytes "$dev")" = $((1536 * MIB)) &&
		e2fsck -fn "$dev" >/dev/null &&
		lvm_loop_detach "$dev" &&
		"$BUILD/list-images" >list &&
		grep -q "^rz4 .* 1536M \+lvm " list &&
		assert_no_leftovers "$dir"
	'

	if [ "$LVM_DM" = 0 ]; then
		test_expect_success 'without device-mapper, a volume with another right after it: exit 2, nothing changed' '
			build rz5 --swap 64M --lvm "$vg" &&
			refused 2 "no free extents right after .rz5-disk. (without device-mapper it must stay in one piece)" \
				rz5 --size=+256M &&
			"$RESIZE" rz5 --swap=+64M >o 2>e &&
			cat o e &&
			test "$(lvm_field lvs lv_size "$vg/rz5-swap")" = $((128 * MIB))
		'
	fi
fi

test_expect_success 'nothing is left mounted, attached, running or journaled' '
	assert_no_leftovers "$dir" &&
	! pgrep -af "^qemu-storage-daemon .*$dir/" &&
	test -z "$(ls -A "$state/runs" 2>/dev/null)"
'

test_done
