# Helpers for the tests that need LVM; sourced after lib.sh:
#
#	. "$(dirname "$0")/../lib.sh"
#	. "$TEST_DIRECTORY/lib-lvm.sh"
#	lvm_usable || { test_skip 'lvm' "$lvm_why"; test_done; }
#	lvm_setup_vg vg 2G || exit 1
#
# lvm_setup_vg makes a volume group on a loop device over a sparse file in
# $TRASH. Everything made here (the VG, its PV, loop devices) is written
# to a cleanup file as it is made, and lvm_cleanup undoes it newest first;
# it runs when the script exits, and again when a later run of the same
# script finds the file left by one that was killed. A script that sets
# its own EXIT trap after sourcing this file must call lvm_cleanup in it.
#
# The helpers compute what they need with the lvm commands themselves,
# never with test-tool, so they check the C code independently.

# LVM complains about every descriptor the shell leaves open.
LVM_SUPPRESS_FD_WARNINGS=1
export LVM_SUPPRESS_FD_WARNINGS

# Without device-mapper LVM is told so up front and works on metadata
# alone, as lvm.c does: otherwise it fails to find its kernel targets.
if { : <>/dev/mapper/control; } 2>/dev/null &&
   grep -qE '^ *[0-9]+ device-mapper$' /proc/misc; then
	LVM_DM=1
	LVM_FLAGS=
else
	LVM_DM=0
	LVM_FLAGS="--driverloaded n"
fi
export LVM_DM

# Outside $TRASH, which test_done removes before the EXIT trap runs.
LVM_CLEANUP=$(dirname "$TRASH")/.$test_name.lvm-cleanup

# lvm_usable: root, the lvm tools and losetup; else the reason in $lvm_why.
lvm_usable()
{
	lvm_why=
	if [ "$(id -u)" != 0 ]; then
		lvm_why="needs root"
	elif ! command -v lvm >/dev/null ||
	     ! command -v losetup >/dev/null; then
		lvm_why="needs lvm2 and losetup"
	fi
	test -z "$lvm_why"
}

# lvm_cmd COMMAND ARGS...: an lvm command with the flags this host needs,
# less the warning that says so on every call.
lvm_cmd()
{
	lvm_c=$1
	shift
	{
		# $LVM_FLAGS is split on purpose.
		"$lvm_c" $LVM_FLAGS "$@" 2>&1 1>&3 3>&- |
			{ grep -v "WARNING: Activation disabled" >&2 || :; }
		lvm_st=${PIPESTATUS[0]}
	} 3>&1
	return "$lvm_st"
}

# lvm_field COMMAND FIELD ARGS...: one report field in bytes, trimmed, one
# line per row.
lvm_field()
{
	lvm_c=$1 lvm_f=$2
	shift 2
	lvm_out=$(lvm_cmd "$lvm_c" --noheadings --nosuffix --units b \
		-o "$lvm_f" "$@") || return 1
	printf '%s\n' "$lvm_out" | sed 's/^ *//; s/ *$//'
}

# lvm_register KIND ARGS...: one more thing for lvm_cleanup to undo.
lvm_register()
{
	echo "$*" >>"$LVM_CLEANUP"
}

# lvm_loop_is DEV BACKING OFFSET: DEV is still a loop device over BACKING
# at OFFSET (loop devices are reused: never detach someone else's).
lvm_loop_is()
{
	lvm_back=$(losetup -n -O BACK-FILE "$1" 2>/dev/null | sed 's/ *$//')
	lvm_off=$(losetup -n -O OFFSET "$1" 2>/dev/null | tr -d ' ')
	{ [ "$lvm_back" = "$2" ] || [ "$lvm_back" = "$2 (deleted)" ]; } &&
		[ "$lvm_off" = "$3" ]
}

# lvm_archive_rm VG: LVM's metadata backups and archives of VG.
lvm_archive_rm()
{
	for lvm_key in archive_dir backup_dir; do
		lvm_dir=$(lvmconfig --type full "backup/$lvm_key" 2>/dev/null |
			sed 's/^[^=]*="\(.*\)"$/\1/')
		[ -n "$lvm_dir" ] || continue
		rm -f "$lvm_dir/$1" "$lvm_dir/$1"_[0-9]*.vg
	done
}

# lvm_undo KIND ARGS...: undo one registered step; 0 when it is gone.
lvm_undo()
{
	case $1 in
	loop)	# loop DEV BACKING OFFSET
		lvm_loop_is "$2" "$3" "$4" || return 0
		losetup -d "$2"
		;;
	pv)	# pv DEV BACKING: the PV label on our loop device
		lvm_loop_is "$2" "$3" 0 || return 0
		lvm_cmd pvs "$2" >/dev/null 2>&1 || return 0
		lvm_cmd pvremove -q -y "$2" >/dev/null
		;;
	vg)	# vg NAME: with every LV in it
		if lvm_cmd vgs "$2" >/dev/null 2>&1; then
			lvm_cmd vgremove -q -f "$2" >/dev/null || return 1
		fi
		lvm_archive_rm "$2"
		;;
	*)
		echo "lvm_cleanup: unknown step '$*'" >&2
		return 1
		;;
	esac
}

# lvm_cleanup: undo everything registered, newest first. Fails, naming
# the step, when something could not be undone.
lvm_cleanup()
{
	[ -f "$LVM_CLEANUP" ] || return 0
	lvm_rc=0
	while read -r lvm_step; do
		# $lvm_step is split into words on purpose.
		if ! lvm_undo $lvm_step; then
			echo "lvm_cleanup: cannot undo '$lvm_step'" >&2
			lvm_rc=1
		fi
	done <<EOF
$(tac "$LVM_CLEANUP")
EOF
	rm -f "$LVM_CLEANUP"
	return $lvm_rc
}

# On exit: clean up, keep the script's status unless cleaning up failed,
# then run whatever EXIT trap was there before.
lvm_prev_exit_trap=$(trap -p EXIT)
lvm_prev_exit_trap=${lvm_prev_exit_trap#"trap -- "}
lvm_prev_exit_trap=${lvm_prev_exit_trap%" EXIT"}
eval "lvm_prev_exit_trap=${lvm_prev_exit_trap:-''}"
lvm_on_exit()
{
	lvm_status=$?
	lvm_cleanup || lvm_status=1
	eval "$lvm_prev_exit_trap"
	exit $lvm_status
}
trap lvm_on_exit EXIT
# So that an interrupted run still cleans up.
[ -n "$(trap -p INT)" ] || trap 'exit 130' INT
[ -n "$(trap -p TERM)" ] || trap 'exit 143' TERM

# What a run of this script killed before it could clean up.
lvm_cleanup || {
	echo "error: cannot remove what an earlier run left" >&2
	exit 1
}

# lvm_setup_vg NAME SIZE: VG "$test_name-NAME" on a loop device over a
# sparse file of SIZE; sets and exports LVM_VG and LVM_PV.
lvm_setup_vg()
{
	LVM_VG=$test_name-$1
	lvm_file=$TRASH/$LVM_VG.pv
	if lvm_cmd vgs "$LVM_VG" >/dev/null 2>&1; then
		echo "error: volume group '$LVM_VG' already exists" >&2
		return 1
	fi
	truncate -s "$2" "$lvm_file" || return 1
	LVM_PV=$(losetup -f --show "$lvm_file") || return 1
	lvm_register loop "$LVM_PV" "$lvm_file" 0
	lvm_register pv "$LVM_PV" "$lvm_file"
	lvm_cmd pvcreate -q -y "$LVM_PV" >/dev/null || return 1
	lvm_register vg "$LVM_VG"
	lvm_cmd vgcreate -q "$LVM_VG" "$LVM_PV" >/dev/null || return 1
	export LVM_VG LVM_PV
}

# lvm_lv_extents VG LV: "PV OFFSET LENGTH" in bytes of a single-segment
# LV on its PV, from pe_start, the segment's extents and the extent size.
lvm_lv_extents()
{
	lvm_ranges=$(lvm_field lvs seg_pe_ranges "$1/$2") || return 1
	# One line (one segment) holding one range (one stripe).
	case $lvm_ranges in
	*[[:space:]]*) lvm_one= ;;
	/*:*-*) lvm_one=1 ;;
	*) lvm_one= ;;
	esac
	if [ -z "$lvm_one" ]; then
		echo "lvm_lv_extents: '$1/$2' is not one linear" \
			"segment: $lvm_ranges" >&2
		return 1
	fi
	lvm_pv=${lvm_ranges%:*}
	lvm_first=${lvm_ranges##*:}
	lvm_last=${lvm_first#*-}
	lvm_first=${lvm_first%-*}
	lvm_pe_start=$(lvm_field pvs pe_start "$lvm_pv") || return 1
	lvm_ext=$(lvm_field vgs vg_extent_size "$1") || return 1
	echo "$lvm_pv $((lvm_pe_start + lvm_first * lvm_ext))" \
		"$(((lvm_last - lvm_first + 1) * lvm_ext))"
}

# lvm_lv_loop VG LV [ro]: print a loop device set at the LV's extents on
# its PV (read-only with ro), detached by lvm_cleanup at the latest.
lvm_lv_loop()
{
	set -- "$1" "$2" "${3-}" $(lvm_lv_extents "$1" "$2")
	[ $# -eq 6 ] || return 1
	lvm_dev=$(losetup -f --show ${3:+-r} -o "$5" --sizelimit "$6" "$4") ||
		return 1
	lvm_register loop "$lvm_dev" "$4" "$5"
	echo "$lvm_dev"
}

# lvm_loop_detach DEV: detach a loop device made here, now.
lvm_loop_detach()
{
	losetup -d "$1" || return 1
	sed -i "\\|^loop $1 |d" "$LVM_CLEANUP"
}

# lvm_loops: the loop devices over this script's files and over its
# physical volume, sorted; not the host's others, which scripts running
# beside this one attach and detach as they go.
lvm_loops()
{
	losetup -a | grep -F -e "$TRASH" -e "($LVM_PV)" | sort
}
