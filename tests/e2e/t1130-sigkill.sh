#!/bin/bash
# A build killed outright (SIGKILL) undoes nothing, yet nothing it held
# outlives it: no loop device over the guest's files, no mount, no
# process it started, no descriptor keeping the files' space.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
mkdir -p "$out"

# start_build ARGS...: a build of k1 in the background, its pid in $pid.
start_build() {
	"$CREATE_IMAGE" --hostname k1 --dir "$dir" --output "$out" \
		--cachedir "$CACHEDIR" "$@" >stdout 2>stderr &
	pid=$!
}

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds, polling.
wait_for() {
	local what=$1 n=$(( $2 * 50 ))
	shift 2
	for i in $(seq "$n"); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	echo "$what never happened"
	cat stderr
	return 1
}

debootstrap_runs() {
	pgrep -f "debootstrap.*$TMPDIR" >/dev/null
}

# The build reads a cached base (NAME.tar.zst; one it stores is a .part).
unpacking() {
	ls -l /proc/"$pid"/fd 2>/dev/null |
		grep -q -- "-> $CACHEDIR/bases/[^/]*\.tar\.zst$"
}

# Something of the build still there: a loop device over a file under
# $TRASH, a process chrooted there or with a descriptor of the build's
# files, or a mount namespace with something mounted there. Names it.
# (The test's own processes work in $TRASH and write their output
# there, so neither a cwd nor $TRASH itself is a sign.)
left_behind() {
	local found=1 p
	if losetup -a | grep -F "$TRASH"; then
		found=0
	fi
	# debootstrap, dpkg-deb, tar: they name the target or an image.
	if pgrep -af -- "$TMPDIR/|$dir/"; then
		found=0
	fi
	for p in /proc/[0-9]*; do
		if readlink "$p/root" 2>/dev/null | grep -qF "$TRASH" ||
		   ls -l "$p/fd" 2>/dev/null | grep -qF -e "-> $dir" \
			-e "-> $out" -e "-> $TMPDIR" -e "-> $TRASH/log" ||
		   grep -qF " $TRASH" "$p/mountinfo" 2>/dev/null; then
			echo "process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
			found=0
		fi
	done
	return $found
}

# killed_cleanly: SIGKILL the build now; within 10 s nothing of it is
# left (a process in uninterruptible I/O on a loaded host takes a moment
# to die), and removing its files frees their space.
killed_cleanly() {
	local rc=0 t0 gone= alloc free0 free1 bsize
	kill -KILL "$pid"
	wait "$pid" || rc=$?
	test "$rc" = 137 || { echo "exit $rc, want 137"; return 1; }
	t0=$(date +%s)
	while [ $(( $(date +%s) - t0 )) -lt 10 ]; do
		if ! left_behind >left 2>&1; then
			gone=1
			break
		fi
		sleep 0.1
	done
	test -n "$gone" || { echo "still there after 10 s:"; cat left; return 1; }
	echo "all gone after $(( $(date +%s) - t0 )) s"
	# The run undid nothing: its images are there, and what it wrote
	# into them comes back once they are removed, as nothing holds them.
	ls -l "$dir/domains/k1/"*.img
	alloc=$(du -sk "$dir" | cut -f1)
	test "$alloc" -gt 1024 || { echo "only $alloc KiB written"; return 1; }
	sync -f "$TRASH"
	free0=$(stat -f -c %f "$TRASH")
	bsize=$(stat -f -c %S "$TRASH")
	rm -rf "$dir" "$TMPDIR"/*
	sync -f "$TRASH"
	free1=$(stat -f -c %f "$TRASH")
	echo "written ${alloc} KiB, freed $(( (free1 - free0) * bsize / 1024 )) KiB"
	test $(( (free1 - free0) * bsize / 1024 * 2 )) -ge "$alloc"
}

test_expect_success 'SIGKILL while debootstrap runs leaves nothing running or attached' '
	start_build --cache=no &&
	wait_for "debootstrap" 120 debootstrap_runs &&
	# Well into it: extracting packages into the target.
	sleep 3 &&
	killed_cleanly &&
	! debootstrap_runs
'

# The suite's earlier builds (t0200) have cached the base these settings
# use; without it the build makes one first, and is killed once it reads
# it back.
test_expect_success 'SIGKILL while a cached base is unpacked leaves nothing behind' '
	rm -rf "$dir" "$TMPDIR"/* && mkdir -p "$out" &&
	start_build &&
	wait_for "the unpack of a cached base" 120 unpacking &&
	killed_cleanly
'

test_done
