#!/bin/bash
# A build killed outright (SIGKILL) undoes nothing, yet nothing it held
# outlives it: no loop device over the guest's files, no mount, no
# process it started, no descriptor keeping the files' space.
. "$(dirname "$0")/../lib.sh"

# The places a build uses, and the guest's name: lane N (below) has its
# own, under $root.
root=$TRASH
host=k1
dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
# These builds unpack the base archive, as the tests below follow them
# doing so: the clones of its image are t1310's and t1320's.
printf 'clone = no\n' >"$TRASH/create-image.conf"
export CREATE_IMAGE_CONFIG=$TRASH/create-image.conf
mkdir -p "$out"

# start_build ARGS...: a build of $host in the background, its pid in $pid.
start_build() {
	"$CREATE_IMAGE" --hostname "$host" --dir "$dir" --output "$out" \
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
# $root, a process chrooted there or with a descriptor of the build's
# files, or a mount namespace with something mounted there. Names it.
# (The test's own processes work in $TRASH and write their output
# there, so neither a cwd nor $root itself is a sign.)
left_behind() {
	local found=1 p
	if losetup -a | grep -F "$root"; then
		found=0
	fi
	# debootstrap, dpkg-deb, tar: they name the target or an image.
	if pgrep -af -- "$TMPDIR/|$dir/"; then
		found=0
	fi
	for p in /proc/[0-9]*; do
		if readlink "$p/root" 2>/dev/null | grep -qF "$root" ||
		   ls -l "$p/fd" 2>/dev/null | grep -qF -e "-> $dir" \
			-e "-> $out" -e "-> $TMPDIR" -e "-> $CREATE_IMAGE_LOGDIR" ||
		   grep -qF " $root" "$p/mountinfo" 2>/dev/null; then
			echo "process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
			found=0
		fi
	done
	return $found
}

# kill_now: SIGKILL the build now; within 30 s nothing of it is left (a
# process in uninterruptible I/O on a loaded host takes a moment to die,
# and the two lanes load it).
kill_now() {
	local rc=0 t0
	kill -KILL "$pid"
	wait "$pid" || rc=$?
	test "$rc" = 137 || { echo "exit $rc, want 137"; return 1; }
	t0=$(date +%s)
	while [ $(( $(date +%s) - t0 )) -lt 30 ]; do
		if ! left_behind >left 2>&1; then
			echo "all gone after $(( $(date +%s) - t0 )) s"
			return 0
		fi
		sleep 0.1
	done
	echo "still there after 30 s:"
	cat left
	return 1
}

# killed_cleanly: kill_now, and removing its files frees their space.
killed_cleanly() {
	local alloc free0 free1 bsize
	kill_now || return 1
	# The run undid nothing: its images are there, and what it wrote
	# into them comes back once they are removed, as nothing holds them.
	ls -l "$dir/domains/$host/"*.img
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

# Six points spread over a cold build, each in a run of its own: killed
# there, nothing it held is left, and "create-image recover" undoes what
# it made, leaving the host as before it started. The same command then
# builds the guest. (t1140 has the same command undo a killed run itself.)
runs=$CREATE_IMAGE_STATEDIR/runs

# host_state: what is under the test's places, but the empty runs/.
host_state() {
	find "$dir" "$out" "$CREATE_IMAGE_STATEDIR" "$TMPDIR" 2>/dev/null |
		grep -vx "$runs" | sort
}

# descendant_runs PATTERN: a process of the build (below $pid) whose
# command line matches PATTERN.
descendant_runs() {
	local p q
	for p in $(pgrep -f -- "$1"); do
		q=$p
		while [ "$q" -gt 1 ]; do
			[ "$q" = "$pid" ] && return 0
			q=$(awk '{ print $4 }' "/proc/$q/stat" 2>/dev/null) ||
				break
			[ -n "$q" ] || break
		done
	done
	return 1
}

# reached EVENT: "stage:NAME", the build's journal says it began stage
# NAME ("stage:prepare": there is a journal); "run:PATTERN", a process of
# the build matches PATTERN.
reached() {
	case $1 in
	stage:prepare) test -e "$runs/$host@$pid.journal" ;;
	stage:*) grep -qx "stage ${1#stage:}" "$runs/$host@$pid.journal" \
			2>/dev/null ;;
	run:*) descendant_runs "${1#run:}" ;;
	esac
}

# at_point EVENT SECONDS: once EVENT is reached, SECONDS more; the build
# still running then.
at_point() {
	local i
	for i in $(seq 30000); do
		reached "$1" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	sleep "$2"
	kill -0 "$pid" 2>/dev/null || {
		echo "the build ended before $1 + $2 s"
		cat stderr
		return 1
	}
}

# killed_and_recovered: SIGKILL now; nothing of the run left running,
# attached or mounted; recover undoes the rest, naming the stage the run
# was in.
killed_and_recovered() {
	kill_now || return 1
	# The stage the journal names, which recover must say.
	stage=$(sed -n "s/^stage //p" "$runs/$host@$pid.journal" | tail -n 1)
	"$CREATE_IMAGE" recover >o 2>e && cat o e &&
	grep -q "^.$host.: the run killed earlier (pid $pid, in stage .$stage.) left [0-9]* entr[a-z]*, all undone" o &&
	test -z "$(ls -A "$runs")"
}

# The runs killed above left their journals, of files since removed.
"$CREATE_IMAGE" recover >/dev/null 2>&1
rm -rf "$dir" "$TMPDIR"/* && mkdir -p "$out"

# Each point below costs a cold build up to it, and the last test a whole
# one: two lanes run them side by side, each a guest of its own in places
# of its own (its own state directory, so recover sees its runs alone),
# where the points run one after the other as before. lane N sets a
# lane's places up for the commands that follow, and goes there.
lane() {
	root=$TRASH/lane$1
	host=k$1
	dir=$root/srv
	out=$root/xen
	TMPDIR=$root/tmp
	CREATE_IMAGE_STATEDIR=$root/state
	CREATE_IMAGE_LOGDIR=$root/log
	export TMPDIR CREATE_IMAGE_STATEDIR CREATE_IMAGE_LOGDIR
	runs=$CREATE_IMAGE_STATEDIR/runs
	# Its files (stdout, stderr, ...) too.
	cd "$root"
}
# Each starts as the places above are now: the state directory (with
# what the runs killed above left there, recovered) and the empty output
# and scratch directories.
for n in 1 2; do
	mkdir -p "$TRASH/lane$n" &&
	cp -a "$CREATE_IMAGE_STATEDIR" "$TRASH/lane$n/state" &&
	(lane $n && mkdir -p "$out" "$TMPDIR" &&
	 host_state >"$root/initial") || exit 1
done

# Most of a cold build is the install: debootstrap's first stage
# (download, unpack), its second (dpkg in the guest), then the updates.
# One point in each: every point costs a cold build up to it, and the
# suite's time is bounded. Lane 2 has the point in the updates, then the
# whole build; lane 1 the rest.
for point in "stage:prepare 0 1" "stage:mount 0 1" "stage:install 6 1" \
	     "run:debootstrap --second-stage 8 1" "run:^apt-get .* update$ 1 2" \
	     "stage:customize 0 1"; do
	event=${point% * *} secs=${point% *} secs=${secs##* } n=${point##* }
	# The test starts now, with the values these have now.
	test_background -l "$n" "SIGKILL at $event + $secs s of a cold build: recover leaves the host as before" '
		lane "$n" &&
		start_build --cache=no &&
		at_point "$event" "$secs" &&
		killed_and_recovered &&
		host_state >now && test_cmp "$root/initial" now
	'
done

test_background -l 2 'the same command then builds the guest' '
	lane 2 &&
	start_build --cache=no &&
	wait "$pid" && cat stderr &&
	grep -q "guest .$host. is ready" stderr &&
	test -z "$(ls -A "$runs")" &&
	(cd "$dir" && find . | sort) >got &&
	printf "%s\n" . ./domains ./domains/$host ./domains/$host/disk.img \
		./domains/$host/swap.img >want &&
	test_cmp want got &&
	! losetup -a | grep -F "$root"
'
test_wait

test_done
