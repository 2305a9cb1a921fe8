#!/bin/bash
# A build killed outright (SIGKILL) leaves its journal on disk, in
# $CREATE_IMAGE_STATEDIR/runs; the same command run again undoes what it
# left, says so in one line and builds, with no --force; a --force rebuild
# killed gives the old guest back; "create-image recover" does it for
# every dead run, leaves a live one alone, and keeps what it cannot undo.
# On image files and on a real (loop-backed) volume group, from the
# suite's warm base.
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

dir=$TRASH/srv
out=$TRASH/xen
runs=$CREATE_IMAGE_STATEDIR/runs
export CREATE_IMAGE_LOGDIR=$TRASH/log
# These builds unpack the base archive, as the tests below follow them
# doing so: the clones of its image are t1310's and t1320's.
printf 'clone = no\n' >"$TRASH/create-image.conf"
export CREATE_IMAGE_CONFIG=$TRASH/create-image.conf
mkdir -p "$out"

# Where the disks go: image files in $dir, or (below) the test's VG.
storage="--dir=$dir"

# build NAME ARGS...: a build of NAME with this test's places.
build() {
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" "$storage" --output "$out" \
		--cachedir "$CACHEDIR" --size 2G --swap 128M "$@"
}

# start_build NAME ARGS...: build in the background, its pid in $pid
# (create-image's own: no subshell in between).
start_build() {
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" "$storage" --output "$out" \
		--cachedir "$CACHEDIR" --size 2G --swap 128M "$@" \
		>stdout 2>stderr &
	pid=$!
}

# The build reads the cached base back: its disks, mounts and journal
# are all there by then.
unpacking() {
	ls -l /proc/"$pid"/fd 2>/dev/null |
		grep -q -- "-> $CACHEDIR/bases/[^/]*\.tar\.zst$"
}

# kill_when_unpacking: SIGKILL the build once it unpacks its base.
kill_when_unpacking() {
	local i rc=0
	for i in $(seq 6000); do
		unpacking && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	unpacking || { echo "never unpacked"; cat stderr; return 1; }
	kill -KILL "$pid"
	wait "$pid" || rc=$?
	test "$rc" = 137 || { echo "exit $rc, want 137"; return 1; }
	# The kernel drops its loop devices once the last holder is gone.
	for i in $(seq 100); do
		build_loops || return 0
		sleep 0.1
	done
	echo "loop devices still attached:"
	build_loops
	return 1
}

# build_loops: the loop devices over the test's files, but the VG's PV.
build_loops() {
	losetup -a | grep -F "$TRASH" | grep -v "^${LVM_PV:-/nonexistent}:"
}

# files: what is under the test's places (with sizes: a restored guest
# has its own files back, not new ones), less logs.
files() {
	find "$dir" "$out" "$CREATE_IMAGE_STATEDIR" -printf '%p %s %i\n' \
		2>/dev/null | sort
}

test_expect_success 'recover: bad usage is one line and exit 2; nothing to do is no error' '
	for args in --bogus extra "--dry-run extra"; do
		rc=0 && "$CREATE_IMAGE" recover $args >o 2>e || rc=$? &&
		cat e && test "$rc" = 2 && test $(wc -l <e) = 1 &&
		test ! -s o || return 1
	done &&
	"$CREATE_IMAGE" recover >o 2>e && cat e &&
	grep -q "no run killed earlier left anything to undo" e &&
	"$CREATE_IMAGE" --help | grep -q "create-image recover \[--dry-run\]" &&
	"$CREATE_IMAGE" recover --help | grep -q "^usage: create-image recover"
'

test_expect_success 'a build killed while it unpacks leaves its journal' '
	start_build k1 &&
	kill_when_unpacking &&
	ls "$runs" >journals && cat journals &&
	test $(wc -l <journals) = 1 &&
	grep -q "^k1@[0-9]*\.journal$" journals &&
	test -f "$dir/domains/k1/disk.img"
'

test_expect_success 'recover --dry-run says what it would undo and undoes nothing' '
	files >before &&
	"$CREATE_IMAGE" recover --dry-run >o 2>e && cat o e &&
	grep -q "^  would remove .$dir/domains/k1/disk.img.$" o &&
	grep -q "^  would remove .$dir/domains/k1/swap.img.$" o &&
	grep -q "^.k1.: the run killed earlier (pid [0-9]*, in stage .install.) left [0-9]* entries to undo" o &&
	files >after && test_cmp before after
'

test_expect_success 'the same command again undoes it, says so in one line, and builds' '
	build k1 >o 2>e && cat e &&
	grep -c "the run killed earlier" e >n && test "$(cat n)" = 1 &&
	grep -q "^create-image: .k1.: the run killed earlier (pid [0-9]*, in stage .install.) left [0-9]* entries, all undone$" e &&
	test -z "$(ls -A "$runs")" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'what is left is what one clean build leaves' '
	(cd "$dir" && find . | sort) >got &&
	printf "%s\n" . ./domains ./domains/k1 ./domains/k1/disk.img \
		./domains/k1/swap.img >want &&
	test_cmp want got &&
	(cd "$out" && find . | sort) >got &&
	printf "%s\n" . ./k1.cfg >want &&
	test_cmp want got &&
	(cd "$CREATE_IMAGE_STATEDIR" && find . | sort) >got &&
	printf "%s\n" . ./guests ./guests/k1.conf ./runs >want &&
	test_cmp want got
'

test_expect_success 'a --force rebuild killed gives the old guest back, as it was' '
	files >before &&
	start_build k1 --force &&
	kill_when_unpacking &&
	ls -a "$dir/domains" "$out" >aside && cat aside &&
	grep -q "^\.k1\.replaced-[0-9]*$" aside &&
	"$CREATE_IMAGE" recover >o 2>e && cat o e &&
	grep -q "^.k1.: the run killed earlier (pid [0-9]*, in stage .install.) left [0-9]* entries, all undone" o &&
	files >after && test_cmp before after
'

test_expect_success 'recover leaves a live run alone, and it builds' '
	start_build k2 &&
	for i in $(seq 3000); do
		ls "$runs" 2>/dev/null | grep -q "^k2@" && break
		sleep 0.02
	done &&
	"$CREATE_IMAGE" recover >o 2>e; rc=$? && cat o e &&
	test "$rc" = 0 &&
	grep -q "^create-image: .k2.: its run is still going" e &&
	wait "$pid" && grep -q "guest .k2. is ready" stderr
'

test_expect_success 'what cannot be undone is reported, kept, and undone later' '
	start_build k3 &&
	kill_when_unpacking &&
	chattr +i "$dir/domains/k3/disk.img" &&
	rc=0 && "$CREATE_IMAGE" recover >o 2>e || rc=$? &&
	chattr -i "$dir/domains/k3/disk.img" &&
	cat o e && test "$rc" = 1 &&
	grep -q "^create-image: cannot remove .$dir/domains/k3/disk.img.: Operation not permitted$" e &&
	grep -q "^create-image: .k3.: the run killed earlier (pid [0-9]*, in stage .install.) left 4 entries: 2 undone, 2 that failed kept in .$runs/k3@[0-9]*\.journal. for the next try$" e &&
	test ! -e "$dir/domains/k3/swap.img" &&
	ls "$runs" | grep -q "^k3@" &&
	"$CREATE_IMAGE" recover >o 2>e && cat o e &&
	grep -q "^.k3.: the run killed earlier (pid [0-9]*, in stage .install.) left 2 entries, all undone" o &&
	test ! -e "$dir/domains/k3" && test -z "$(ls -A "$runs")" &&
	"$CREATE_IMAGE" recover >o 2>e && cat o e &&
	test ! -s o && grep -q "no run killed earlier left anything" e
'

test_expect_success 'delete-image undoes a killed build of the guest first' '
	start_build k4 &&
	kill_when_unpacking &&
	rc=0 && "$BUILD/delete-image" k4 >o 2>e || rc=$? &&
	cat o e && test "$rc" = 2 &&
	grep -q "^delete-image: .k4.: the run killed earlier" e &&
	grep -q "no guest .k4. found" e &&
	test ! -e "$dir/domains/k4" && test -z "$(ls -A "$runs")"
'

if lvm_usable; then
	lvm_setup_vg ci1140 6G
	vg=$LVM_VG
	storage="--lvm=$vg"
fi

# lvs_state: every LV in the test's VG with its size and tags.
lvs_state() {
	lvs --driverloaded n --noheadings --nosuffix --units b \
		-o lv_name,lv_size,lv_tags "$vg" 2>/dev/null |
		awk '{ $1 = $1; print }' | sort
}

test_expect_success 'on LVM: a killed build, then the same command builds' '
	test -n "$vg" &&
	start_build l1 &&
	kill_when_unpacking &&
	lvs_state >killed && cat killed &&
	grep -q "^l1-disk " killed &&
	build l1 >o 2>e && cat e &&
	grep -q "^create-image: .l1.: the run killed earlier .* all undone$" e &&
	lvs_state | cut -d" " -f1 >got &&
	printf "%s\n" l1-disk l1-swap >want && test_cmp want got &&
	test -z "$(ls -A "$runs")" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'on LVM: a killed --force rebuild gives the old volumes back' '
	test -n "$vg" &&
	lvs_state >before &&
	start_build l1 --force &&
	kill_when_unpacking &&
	lvs_state >killed && cat killed &&
	grep -q "^l1-disk\.replaced-[0-9]* " killed &&
	"$CREATE_IMAGE" recover >o 2>e && cat o e &&
	lvs_state >after && test_cmp before after &&
	test -z "$(ls -A "$runs")"
'

test_done
