#!/bin/bash
# Clones: on a loop-mounted xfs file system holding both --dir and the
# cache, a guest's root disk is a reflinked clone of a ready image of the
# cached base: its extents are shared, and two clones of one base still
# differ in UUID, host keys and machine-id. A damaged base image is never
# cloned (it is made again); --clone=no and an ext4 --dir unpack, and the
# plan says which way and why. A qcow2 guest's root disk is an overlay
# backed by the base's qcow2 image, written through qemu-storage-daemon's
# FUSE export; a build killed while that runs leaves nothing once
# recovered. One clone and one overlay boot under qemu, side by side.
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
	# An export of this test's own, should a step have failed with one.
	for p in $(pgrep -f "^qemu-storage-daemon .*$TRASH/"); do
		kill "$p"
	done
	sleep 1
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

qcow2_of()
{
	echo "$dir/domains/$1/disk.qcow2"
}

# running PID: PID runs (a zombie, which nobody may reap soon here, does
# not).
running()
{
	ps -o stat= -p "$1" | grep -q "^[^Z]"
}

# view NAME: the root disk of overlay guest NAME (with its backing file)
# as a plain file NAME.view, read-only, for debugfs, blkid and e2fsck;
# unview NAME ends it.
view()
{
	: >"$1.view" &&
	qemu-storage-daemon --daemonize --pidfile "$TRASH/$1.view.pid" \
		--blockdev "driver=file,node-name=f,read-only=on,filename=$(qcow2_of "$1")" \
		--blockdev driver=qcow2,node-name=q,file=f,read-only=on \
		--export "type=fuse,id=e,node-name=q,mountpoint=$TRASH/$1.view,writable=off"
}

unview()
{
	local pid
	pid=$(cat "$TRASH/$1.view.pid") && kill "$pid" || return 1
	while running "$pid"; do
		sleep 0.05
	done
	rm -f "$1.view"
}

# The daemon exporting guest NAME's root disk while it is built.
export_daemon()
{
	pgrep -f "^qemu-storage-daemon .*mountpoint=$dir/domains/$1/\\.disk\\.qcow2\\.fuse,"
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
	grep "^clone     copy: --dir .$TRASH/ext4. is on ext4, which cannot share extents: a sparse copy of the base image$" plan &&
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

test_expect_success 'the plan says qcow2 overlay, and why' '
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--cachedir "$cache" --disk-format=qcow2 >plan &&
	grep "^clone     qcow2 overlay: --disk-format=qcow2: the disk reads the base.s qcow2 image as its backing file$" plan &&
	"$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
		--cachedir "$cache" --disk-format=qcow2 --clone=no >plan &&
	grep "^clone     unpack: --clone=no$" plan
'

test_expect_success 'a qcow2 guest is an overlay backed by the base'"'"'s qcow2 image' '
	build ov1 --disk-format=qcow2 &&
	grep "making the ext4 qcow2 image of the base" ov1.err &&
	grep "cloning the base .* into .$(qcow2_of ov1). as a qcow2 overlay" ov1.err &&
	! grep "converting .$(qcow2_of ov1)." ov1.err &&
	img=$(ls "$bases"/*.ext4-*.qcow2) && test -f "$img.sha256" &&
	qemu-img info --backing-chain "$(qcow2_of ov1)" >chain &&
	grep "^backing file: $img$" chain &&
	grep "^backing file format: qcow2$" chain &&
	test "$(stat -c %a "$(qcow2_of ov1)")" = 600 &&
	"$BUILD/list-images" --json | grep -F "\"backing\": \"$img\""
'

test_expect_success 'a second overlay reuses the image; each holds little of its own' '
	build ov2 --disk-format=qcow2 &&
	! grep "making the ext4 qcow2 image" ov2.err &&
	grep "as a qcow2 overlay" ov2.err &&
	for g in ov1 ov2; do
		used=$(qemu-img info --output=json "$(qcow2_of $g)" |
		       python3 -c "import json, sys; print(json.load(sys.stdin)[\"actual-size\"])") &&
		echo "$g: $used bytes of its own" &&
		test "$used" -le $((40 * 1024 * 1024)) || exit 1
	done
'

test_expect_success 'two overlays of one base differ in UUID, host keys and machine-id' '
	view ov1 && view ov2 &&
	a=ov1.view && b=ov2.view &&
	e2fsck -fn "$a" >/dev/null && e2fsck -fn "$b" >/dev/null &&
	test "$(blockdev --getsize64 "$a" 2>/dev/null || stat -c %s "$a")" = $((3 * 1024 * 1024 * 1024)) &&
	ua=$(blkid -s UUID -o value "$a") && ub=$(blkid -s UUID -o value "$b") &&
	test -n "$ua" && test "$ua" != "$ub" &&
	guest_cat "$a" /etc/fstab | grep -q "UUID=$ua" &&
	guest_cat "$b" /etc/fstab | grep -q "UUID=$ub" &&
	ka=$(guest_cat "$a" /etc/ssh/ssh_host_ed25519_key.pub) &&
	kb=$(guest_cat "$b" /etc/ssh/ssh_host_ed25519_key.pub) &&
	test -n "$ka" && test "$ka" != "$kb" &&
	ma=$(guest_cat "$a" /etc/machine-id) &&
	mb=$(guest_cat "$b" /etc/machine-id) &&
	echo "$ma" | grep -qE "^[0-9a-f]{32}$" && test "$ma" != "$mb" &&
	test "$(guest_cat "$a" /etc/hostname)" = ov1 &&
	unview ov1 && unview ov2
'

test_expect_success 'an unpacked qcow2 guest is written in place too, without a raw stage' '
	build ov4 --disk-format=qcow2 --clone=no &&
	! grep "cloning the base" ov4.err &&
	grep "qemu-storage-daemon .*mountpoint=$dir/domains/ov4/.swap.qcow2.fuse," ov4.err &&
	! grep -e "qemu-img convert" -e "\\.raw" ov4.err &&
	qemu-img info "$(qcow2_of ov4)" >info &&
	! grep "^backing file" info &&
	view ov4 &&
	e2fsck -fn ov4.view >/dev/null &&
	test "$(guest_cat ov4.view /etc/hostname)" = ov4 &&
	unview ov4 &&
	"$BUILD/delete-image" --dir "$dir" --output "$out" ov4 >del.out 2>&1 ||
		{ cat del.out; exit 1; }
'

test_expect_success 'a build killed while its export runs leaves nothing once recovered' '
	mkdir -p hooks &&
	# The hook says which process runs it (the build), then waits.
	printf "#!/bin/sh\necho \$PPID >%s\nexec sleep 60\n" "$TRASH/ov3.waiting" \
		>hooks/05-wait &&
	chmod +x hooks/05-wait &&
	# A session of its own: its process group is all of create-image.
	setsid -f "$CREATE_IMAGE" --hostname ov3 --dir "$dir" --output "$out" \
		--size 3G --swap 64M --cachedir "$cache" --disk-format=qcow2 \
		--hooks-dir "$TRASH/hooks" >ov3.out 2>ov3.err &&
	for i in $(seq 1200); do
		test -s ov3.waiting && export_daemon ov3 >/dev/null && break
		sleep 0.05
	done &&
	qsd=$(export_daemon ov3) && test -n "$qsd" &&
	sid=$(ps -o sid= -p "$(cat ov3.waiting)" | tr -d " ") &&
	test -n "$sid" && test "$sid" != "$(ps -o sid= -p $$ | tr -d " ")" &&
	kill -KILL -- -"$sid" &&
	for i in $(seq 100); do
		pgrep -s "$sid" >/dev/null || break
		sleep 0.1
	done &&
	! pgrep -s "$sid" &&
	rm -f hooks/05-wait &&
	# The daemon left the run'"'"'s process group: it outlived the run.
	running "$qsd" &&
	"$CREATE_IMAGE" recover --verbose >recover.out 2>&1 &&
	cat recover.out &&
	grep -F "stop the qcow2 export onto '"'"'$dir/domains/ov3/.disk.qcow2.fuse'"'"'" recover.out &&
	! running "$qsd" &&
	! pgrep -af "^qemu-storage-daemon .*$dir/domains/ov3/" &&
	! grep -lF "$dir/domains/ov3/" /proc/[0-9]*/mountinfo 2>/dev/null &&
	for i in $(seq 100); do
		losetup -a | grep -qF "$dir/domains/ov3/" || break
		sleep 0.1
	done &&
	! losetup -a | grep -F "$dir/domains/ov3/" &&
	test ! -e "$dir/domains/ov3" &&
	assert_no_leftovers "$dir" &&
	build ov3 --disk-format=qcow2 &&
	! export_daemon ov3 &&
	ls -A "$dir/domains/ov3" >files &&
	printf "disk.qcow2\nswap.qcow2\n" | diff - files
'

test_expect_success 'nothing is left mounted, attached or running' '
	assert_no_leftovers "$dir" &&
	assert_no_leftovers "$cache" &&
	! ls -d "$TMPDIR"/create-image-base.* 2>/dev/null &&
	! ls "$bases" | grep -E "\\.(raw|qcow2)-[0-9]+$" &&
	! pgrep -af "^qemu-storage-daemon .*$dir/" &&
	! grep -lF "$dir/" /proc/[0-9]*/mountinfo 2>/dev/null &&
	! ls -A "$dir"/domains/* | grep -E "\\.(fuse|pid|raw)$"
'

test_expect_success 'a clone and an overlay boot under qemu to a root login' '
	for g in c2 ov1; do
		password=$(sed -n "s/^ *Root password: //p" $g.out) &&
		mac=$(sed -n "s/^ *MAC: *//p" $g.out) &&
		test -n "$password" && test -n "$mac" || exit 1
		case $g in
		c2) disks="--disk $(disk_of c2) --disk $dir/domains/c2/swap.img" ;;
		ov1) disks="--disk $(qcow2_of ov1) --disk $dir/domains/ov1/swap.qcow2" ;;
		esac
		# Side by side: one core each.
		BOOT_CHECK_LOG=$TRASH/$g.console "$BOOT_CHECK" $disks --mac "$mac" \
			--hostname $g --password "$password" >$g.boot 2>&1 &
		eval "pid_$g=\$!"
	done &&
	rc=0 &&
	{ wait $pid_c2 || rc=1; } && { wait $pid_q1 || rc=1; } &&
	cat c2.boot ov1.boot &&
	test $rc = 0
'

test_expect_success 'delete-image removes an overlay guest; its base image stays' '
	"$BUILD/delete-image" --dir "$dir" --output "$out" ov2 >del.out 2>&1 ||
		{ cat del.out; exit 1; } &&
	test ! -e "$(qcow2_of ov2)" && test ! -e "$dir/domains/ov2" &&
	img=$(ls "$bases"/*.ext4-*.qcow2) &&
	qemu-img check -q "$(qcow2_of ov1)" &&
	"$BUILD/delete-image" --dir "$dir" --output "$out" ov1 ov3 >del.out 2>&1 ||
		{ cat del.out; exit 1; } &&
	test ! -e "$dir/domains/ov1" && test -f "$img"
'

test_expect_success 'cache prune removes a base with its images; clones stay' '
	"$CREATE_IMAGE" cache --cachedir "$cache" prune --all &&
	! ls "$bases"/*.img 2>/dev/null &&
	! ls "$bases"/*.sha256 2>/dev/null &&
	e2fsck -fn "$(disk_of c2)" >/dev/null
'

test_done
