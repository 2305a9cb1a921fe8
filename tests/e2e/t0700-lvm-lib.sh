#!/bin/bash
# The LVM module (lvm.c, through test-tool) on a real volume group on a
# loop device: create, locate, list, remove, and the errors, checked
# against what the lvm commands themselves report.
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

if ! lvm_usable; then
	test_skip 'the LVM module' "$lvm_why"
	test_done
fi
if [ ! -x "$TEST_TOOL" ]; then
	echo "error: no '$TEST_TOOL' (make $TEST_TOOL)" >&2
	exit 1
fi

# What this script leaves on the host: LVs in its VGs, loop devices over
# its files. Empty before it starts and after it cleaned up.
footprint() {
	lvm_cmd lvs --noheadings -o vg_name,lv_name 2>/dev/null |
		awk -v p="$test_name-" 'index($1, p) == 1'
	lvm_cmd vgs --noheadings -o vg_name 2>/dev/null |
		awk -v p="$test_name-" 'index($1, p) == 1'
	losetup -a | grep -F -e "$TRASH/" -e "(${LVM_PV:-/nonexistent})" || :
}
footprint >"$TRASH/footprint.before"

lvm_setup_vg vg 2G || {
	echo "error: cannot make the test volume group" >&2
	exit 1
}
vg=$LVM_VG
tag=create-image:$test_name-web1
ext=$(lvm_field vgs vg_extent_size "$vg")

# tool ARGS...: test-tool, stdout in out, stderr in err, status in rc.
# test-tool fails if the library leaves the umask or the locale changed;
# LVM would switch to the locale of the environment, so there is one.
tool() {
	rc=0
	LANG=C.UTF-8 "$TEST_TOOL" "$@" >out 2>err || rc=$?
}

# fails ERRNO MESSAGE ARGS...: test-tool exits 1 with exactly
# "test-tool: MESSAGE (ERRNO)" on stderr and nothing on stdout.
fails() {
	want="test-tool: $2 ($1)"
	shift 2
	tool "$@"
	if [ "$rc" != 1 ]; then
		echo "exit $rc, want 1: $*"; cat err; return 1
	fi
	echo "$want" >expect
	test_cmp expect err && test ! -s out
}

# unsupported MESSAGE ARGS...: as fails with ENOTSUP, which glibc names
# by its twin EOPNOTSUPP.
unsupported() {
	msg=$1
	shift
	fails EOPNOTSUPP "$msg" "$@" >/dev/null 2>&1 ||
		fails ENOTSUP "$msg" "$@"
}

# ok ARGS...: test-tool succeeds and says nothing on stderr.
ok() {
	tool "$@"
	cat out
	if [ "$rc" != 0 ] || [ -s err ]; then
		echo "exit $rc: $*"; cat err; return 1
	fi
}

# size_str BYTES: as format_size() writes it ("4G", "1228M").
size_str() {
	for u in T:40 G:30 M:20 k:10; do
		n=$((1 << ${u#*:}))
		if [ "$1" -ne 0 ] && [ $(($1 % n)) -eq 0 ]; then
			echo "$(($1 / n))${u%:*}"
			return
		fi
	done
	echo "$1"
}

test_expect_success 'device-mapper is detected as the shell detects it' '
	ok lvm-dm &&
	echo "$LVM_DM" >expect &&
	test_cmp expect out
'

test_expect_success 'vg-info: the extent size and free extents vgs reports' '
	ok lvm-vg-info "$vg" &&
	echo "$ext $(lvm_field vgs vg_free_count "$vg")" >expect &&
	test_cmp expect out &&
	test "$ext" -gt 0
'

test_expect_success 'create with tags: lvs shows size and tags; inactive without dm' '
	ok lvm-create "$vg" web1-disk 10 "$tag" other:tag &&
	test ! -s out &&
	lvm_field lvs lv_name,lv_size,lv_tags "$vg/web1-disk" | tr -s " " >actual &&
	echo "web1-disk $((10 * ext)) $tag,other:tag" >expect &&
	test_cmp expect actual &&
	ok lvm-exists "$vg" web1-disk &&
	echo 1 >expect && test_cmp expect out &&
	if [ "$LVM_DM" = 1 ]; then
		test "$(lvm_field lvs lv_active "$vg/web1-disk")" = active &&
		test -b "/dev/$vg/web1-disk"
	else
		test ! -e "/dev/$vg/web1-disk" &&
		test ! -e "/dev/mapper/$vg-web1--disk"
	fi
'

test_expect_success 'a second volume starts where the first ends' '
	ok lvm-create "$vg" web1-swap 3 "$tag" &&
	pe_start=$(lvm_field pvs pe_start "$LVM_PV") &&
	ok lvm-location "$vg" web1-swap &&
	echo "$LVM_PV $((pe_start + 10 * ext)) $((3 * ext))" >expect &&
	test_cmp expect out
'

test_expect_success 'location matches what lvs, pvs and vgs compute' '
	for lv in web1-disk web1-swap; do
		ok lvm-location "$vg" $lv &&
		lvm_lv_extents "$vg" $lv >expect &&
		test_cmp expect out || exit 1
	done
'

test_expect_success 'data written at the location is the LV data at the PV offset' '
	ok lvm-location "$vg" web1-disk &&
	read -r pv off len <out &&
	dev=$(losetup -f --show -o "$off" --sizelimit "$len" "$pv") &&
	lvm_register loop "$dev" "$pv" "$off" &&
	test "$(blockdev --getsize64 "$dev")" = "$len" &&
	head -c "$len" /dev/urandom >pattern &&
	dd if=pattern of="$dev" bs=1M conv=fsync status=none &&
	lvm_loop_detach "$dev" &&
	set -- $(lvm_lv_extents "$vg" web1-disk) &&
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" \
		bs=1M status=none | cmp - pattern &&
	ro=$(lvm_lv_loop "$vg" web1-disk ro) &&
	cmp "$ro" pattern &&
	lvm_loop_detach "$ro" &&
	set -- $(lvm_lv_extents "$vg" web1-swap) &&
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" \
		bs=1M status=none | cmp - <(head -c "$3" /dev/zero) &&
	lvm_cmd vgck "$vg"
'

test_expect_success 'list: every LV of a VG, or those with a tag, sorted' '
	ok lvm-create "$vg" db1-disk 2 create-image:$test_name-db1 &&
	ok lvm-list "$vg" &&
	cat >expect <<-EOF &&
	$vg db1-disk $((2 * ext)) 0 create-image:$test_name-db1
	$vg web1-disk $((10 * ext)) 0 $tag,other:tag
	$vg web1-swap $((3 * ext)) 0 $tag
	EOF
	if [ "$LVM_DM" = 1 ]; then sed -i "s/ 0 / 1 /" expect; fi &&
	test_cmp expect out &&
	ok lvm-list "$vg" "$tag" &&
	grep web1 expect >expect.web1 &&
	test_cmp expect.web1 out &&
	ok lvm-list - "$tag" &&
	test_cmp expect.web1 out &&
	ok lvm-list &&
	grep -F -x -f expect out >actual &&
	test_cmp expect actual &&
	ok lvm-list "$vg" no-such-tag &&
	test ! -s out
'

test_expect_success 'list agrees with lvs on sizes and tags' '
	ok lvm-list "$vg" &&
	awk "{ print \$2, \$3, \$5 }" out >actual &&
	lvm_cmd lvs --noheadings --nosuffix --units b --separator " " \
		-o lv_name,lv_size,lv_tags -O lv_name "$vg" |
		sed "s/^ *//" >expect &&
	test_cmp expect actual
'

test_expect_success 'rename, and a rename onto a taken name' '
	ok lvm-rename "$vg" db1-disk db2-disk &&
	test "$(lvm_field lvs lv_name "$vg/db2-disk")" = db2-disk &&
	fails EEXIST "logical volume '\''$vg/web1-disk'\'' already exists" \
		lvm-rename "$vg" db2-disk web1-disk &&
	fails ENOENT "logical volume '\''$vg/db1-disk'\'' not found" \
		lvm-rename "$vg" db1-disk db3-disk
'

test_expect_success 'remove: gone from lvs, and a second remove is ENOENT' '
	ok lvm-remove "$vg" db2-disk &&
	test ! -s out &&
	! lvm_cmd lvs "$vg/db2-disk" 2>/dev/null &&
	ok lvm-exists "$vg" db2-disk &&
	echo 0 >expect && test_cmp expect out &&
	fails ENOENT "logical volume '\''$vg/db2-disk'\'' not found" \
		lvm-remove "$vg" db2-disk
'

test_expect_success 'errors: a missing VG is ENOENT, for every call' '
	lvm_cmd lvs --noheadings -o lv_name "$vg" >lvs.before &&
	missing="volume group '\''$test_name-nosuch'\'' not found" &&
	fails ENOENT "$missing" lvm-vg-info $test_name-nosuch &&
	fails ENOENT "$missing" lvm-create $test_name-nosuch x 1 &&
	fails ENOENT "$missing" lvm-remove $test_name-nosuch x &&
	fails ENOENT "$missing" lvm-location $test_name-nosuch x &&
	fails ENOENT "$missing" lvm-list $test_name-nosuch &&
	ok lvm-exists $test_name-nosuch x &&
	echo 0 >expect && test_cmp expect out &&
	fails ENOENT "logical volume '\''$vg/nosuch'\'' not found" \
		lvm-location "$vg" nosuch &&
	lvm_cmd lvs --noheadings -o lv_name "$vg" >lvs.after &&
	test_cmp lvs.before lvs.after
'

test_expect_success 'errors: a taken name is EEXIST, nothing changes' '
	lvm_cmd lvs --noheadings -o lv_name,lv_size "$vg" >lvs.before &&
	fails EEXIST "logical volume '\''$vg/web1-disk'\'' already exists" \
		lvm-create "$vg" web1-disk 1 &&
	lvm_cmd lvs --noheadings -o lv_name,lv_size "$vg" >lvs.after &&
	test_cmp lvs.before lvs.after
'

test_expect_success 'errors: not enough free extents is ENOSPC, said in sizes' '
	lvm_cmd lvs --noheadings -o lv_name "$vg" >lvs.before &&
	free=$(lvm_field vgs vg_free_count "$vg") &&
	want=$((free + 1)) &&
	have=$(size_str $((free * ext))) need=$(size_str $((want * ext))) &&
	fails ENOSPC "volume group '\''$vg'\'' has $have free, $need needed" \
		lvm-create "$vg" big $want &&
	lvm_cmd lvs --noheadings -o lv_name "$vg" >lvs.after &&
	test_cmp lvs.before lvs.after &&
	ok lvm-create "$vg" big "$free" &&
	test "$(lvm_field vgs vg_free_count "$vg")" = 0 &&
	ok lvm-remove "$vg" big
'

test_expect_success 'errors: bad names and tags are EINVAL, before LVM sees them' '
	lvm_cmd lvs --noheadings -o lv_name "$vg" >lvs.before &&
	for lv in "a b" -x "a/b" "" . .. "x;y" "x#" "$(printf "%0128d" 0)"; do
		fails EINVAL "invalid logical volume name '\''$lv'\''" \
			lvm-create "$vg" "$lv" 1 || exit 1
	done &&
	for bad in "-$vg" "$vg/x" "vg name" ""; do
		fails EINVAL "invalid volume group name '\''$bad'\''" \
			lvm-create "$bad" x 1 &&
		fails EINVAL "invalid volume group name '\''$bad'\''" \
			lvm-vg-info "$bad" || exit 1
	done &&
	fails EINVAL "invalid logical volume name '\''-x'\''" \
		lvm-remove "$vg" -x &&
	fails EINVAL "invalid logical volume name '\''a b'\''" \
		lvm-exists "$vg" "a b" &&
	for t in "#x" "a b" "-t" "a|b" "x,y"; do
		fails EINVAL "invalid tag '\''$t'\''" \
			lvm-create "$vg" x 1 ok:tag "$t" || exit 1
	done &&
	fails EINVAL "logical volume '\''$vg/x'\'' would be empty" \
		lvm-create "$vg" x 0 &&
	lvm_cmd lvs --noheadings -o lv_name "$vg" >lvs.after &&
	test_cmp lvs.before lvs.after
'

test_expect_success 'a volume in two segments, or not linear, is ENOTSUP' '
	lvm_cmd lvcreate -q -an -Zn -Wn -y -l 2 -n seg2 "$vg" >/dev/null &&
	lvm_cmd lvcreate -q -an -Zn -Wn -y -l 1 -n between "$vg" >/dev/null &&
	lvm_cmd lvextend -q -l +2 "$vg/seg2" >/dev/null &&
	test "$(lvm_field lvs seg_count "$vg/seg2" | head -n 1)" = 2 &&
	unsupported "logical volume '\''$vg/seg2'\'' has 2 segments" \
		lvm-location "$vg" seg2 &&
	! lvm_lv_extents "$vg" seg2 &&
	lvm_cmd lvcreate -q -an -y --type zero -l 1 -n virtual "$vg" >/dev/null &&
	unsupported "logical volume '\''$vg/virtual'\'' is '\''zero'\'', not linear" \
		lvm-location "$vg" virtual &&
	ok lvm-remove "$vg" seg2 &&
	ok lvm-remove "$vg" between &&
	ok lvm-remove "$vg" virtual
'

test_expect_success 'afterwards: no LV and no loop device left, the VG whole' '
	ok lvm-remove "$vg" web1-disk &&
	ok lvm-remove "$vg" web1-swap &&
	test -z "$(lvm_cmd lvs --noheadings -o lv_name "$vg")" &&
	test "$(lvm_field vgs vg_free_count "$vg")" = \
		"$(lvm_field vgs vg_extent_count "$vg")" &&
	! losetup -a | grep -F "($LVM_PV)" &&
	lvm_cmd vgck "$vg"
'

test_expect_success 'cleanup removes the VG, the PV and the loop devices' '
	! lvm_lv_loop "$vg" none 2>/dev/null &&
	ok lvm-create "$vg" left 1 &&
	lvm_lv_loop "$vg" left ro >/dev/null &&
	lvm_cleanup &&
	test ! -e "$LVM_CLEANUP" &&
	! lvm_cmd vgs "$vg" 2>/dev/null &&
	! lvm_cmd pvs "$LVM_PV" 2>/dev/null &&
	footprint >footprint.after &&
	test_cmp footprint.before footprint.after &&
	! ls /etc/lvm/archive/"$vg"_* 2>/dev/null
'

test_done
