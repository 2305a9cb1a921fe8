# Library for the end-to-end tests in tests/e2e/, in the manner of git's
# t/test-lib.sh.  A test script sources it, runs test_expect_success and
# friends, and ends with test_done:
#
#	#!/bin/sh
#	test_description='create a guest on an image file'
#	. "$(dirname "$0")/../lib.sh"
#
#	test_expect_success 'create' '
#		"$CREATE_IMAGE" --hostname web1 --dir "$TRASH" &&
#		test -f "$TRASH/domains/web1/disk.img"
#	'
#	test_done
#
# Each test body runs in a subshell with "set -e", from inside $TRASH.
# Do not "set -e" in the script itself: a failing test would end it.
# Run a script with -v to see the output of every test as it runs.

TEST_DIRECTORY=${TEST_DIRECTORY:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$(cd "$TEST_DIRECTORY/.." && pwd)/build}
CREATE_IMAGE=${CREATE_IMAGE:-$BUILD/create-image}
# The test build (make test-build): create-image that fails its Nth step,
# command or write when $CREATE_IMAGE_FAULT asks (src/lib/fault.h).
CREATE_IMAGE_FAULTS=${CREATE_IMAGE_FAULTS:-$BUILD/tests/create-image}
BOOT_CHECK=$TEST_DIRECTORY/boot-check
export TEST_DIRECTORY BUILD CREATE_IMAGE CREATE_IMAGE_FAULTS BOOT_CHECK

# Packages downloaded by one test are reused by the rest of the suite.
PKG_CACHE=${PKG_CACHE:-/var/cache/create-image-test/debs}
export PKG_CACHE
mkdir -p "$PKG_CACHE" || exit 1

test_name=$(basename "$0" .sh)
TRASH=/var/tmp/create-image-tests/$test_name
export TRASH
rm -rf "$TRASH" && mkdir -p "$TRASH" && cd "$TRASH" || {
	echo "error: cannot create '$TRASH'" >&2
	exit 1
}

test_verbose=
case ${1-} in
-v|--verbose) test_verbose=1 ;;
esac

test_count=0
test_passed=0
test_failed=0
test_skipped=0

# Never call this under if, && or ||: that switches "set -e" off inside.
test_run_()
{
	(
		cd "$TRASH" || exit 1
		set -e
		eval "$1"
	)
}

# test_expect_success 'description' 'commands'
test_expect_success()
{
	if [ $# -ne 2 ]; then
		echo "error: test_expect_success needs 2 arguments" >&2
		exit 1
	fi
	test_count=$((test_count + 1))
	if [ -n "$test_verbose" ]; then
		echo "# running: $1"
		test_run_ "$2" </dev/null
	else
		test_run_ "$2" </dev/null >"$TRASH/.test-output" 2>&1
	fi
	test_rc=$?
	if [ $test_rc -eq 0 ]; then
		test_passed=$((test_passed + 1))
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1 (exit $test_rc)"
		printf '%s\n' "$2" | sed 's/^/#	/'
		if [ -z "$test_verbose" ]; then
			echo "# output:"
			sed 's/^/#	/' "$TRASH/.test-output"
		fi
	fi
	rm -f "$TRASH/.test-output"
}

# Tests that take long (a boot under qemu, a cold build) and need nothing
# of each other can run side by side, one on each core:
#
#	test_background 'the first guest boots' 'boot-check ...'
#	test_expect_success 'build the second guest' '...'
#	test_background 'the second guest boots' 'boot-check ...'
#	test_wait
#
# test_background starts a test and goes on; test_wait waits for every
# test started so and reports each, in the order they were started, as
# test_expect_success would have. With -l LANE the test starts only once
# the one started before it with the same LANE has ended: the tests of a
# lane run one after the other, beside the other lanes. The commands must
# not touch what a test running beside them uses.
test_bg_n=0
test_bg_pids=

test_background()
{
	local lane=
	if [ "${1-}" = -l ]; then
		lane=$2
		shift 2
	fi
	if [ $# -ne 2 ]; then
		echo "error: test_background needs 2 arguments" >&2
		exit 1
	fi
	test_bg_n=$((test_bg_n + 1))
	mkdir -p "$TRASH/.bg" || exit 1
	printf '%s\n' "$1" >"$TRASH/.bg/$test_bg_n.desc"
	printf '%s\n' "$2" >"$TRASH/.bg/$test_bg_n.cmd"
	local after=
	if [ -n "$lane" ]; then
		after=$(cat "$TRASH/.bg/lane-$lane" 2>/dev/null)
		echo "$test_bg_n" >"$TRASH/.bg/lane-$lane"
	fi
	(
		if [ -n "$after" ]; then
			# Each test of a lane takes minutes: a second
			# more is nothing, a fork five times a second on a
			# busy host is.
			while [ ! -e "$TRASH/.bg/$after.rc" ]; do
				sleep 1
			done
		fi
		test_run_ "$2" </dev/null >"$TRASH/.bg/$test_bg_n.out" 2>&1
		echo $? >"$TRASH/.bg/$test_bg_n.rc.tmp"
		mv "$TRASH/.bg/$test_bg_n.rc.tmp" "$TRASH/.bg/$test_bg_n.rc"
	) &
	test_bg_pids="$test_bg_pids $!"
}

test_wait()
{
	local i rc
	for i in $test_bg_pids; do
		wait "$i"
	done
	for i in $(seq "$test_bg_n"); do
		[ -e "$TRASH/.bg/$i.desc" ] || continue
		test_count=$((test_count + 1))
		rc=$(cat "$TRASH/.bg/$i.rc" 2>/dev/null)
		if [ -n "$test_verbose" ]; then
			echo "# ran: $(cat "$TRASH/.bg/$i.desc")"
			cat "$TRASH/.bg/$i.out"
		fi
		if [ "$rc" = 0 ]; then
			test_passed=$((test_passed + 1))
			echo "ok $test_count - $(cat "$TRASH/.bg/$i.desc")"
		else
			test_failed=$((test_failed + 1))
			echo "not ok $test_count - $(cat "$TRASH/.bg/$i.desc") (exit ${rc:-none})"
			sed 's/^/#	/' "$TRASH/.bg/$i.cmd"
			if [ -z "$test_verbose" ]; then
				echo "# output:"
				sed 's/^/#	/' "$TRASH/.bg/$i.out"
			fi
		fi
		rm -f "$TRASH/.bg/$i".*
	done
	rm -f "$TRASH"/.bg/lane-*
	test_bg_pids=
}

# test_skip 'description' 'reason'
test_skip()
{
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count # skip $1 (${2:-no reason given})"
}

# test_must_fail command...: the command must exit 1..125, not succeed,
# not be missing (127) and not die of a signal.
test_must_fail()
{
	# Not a bare "$@": under the tests' set -e its failure would end
	# the test before the status could be looked at.
	test_mf_rc=0
	"$@" || test_mf_rc=$?
	if [ $test_mf_rc -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $test_mf_rc -gt 125 ]; then
		echo "test_must_fail: '$*' exited $test_mf_rc" >&2
		return 1
	fi
	return 0
}

# test_expect_code STATUS command...: the command must exit with STATUS.
test_expect_code()
{
	test_ec_want=$1
	shift
	test_ec_rc=0
	"$@" || test_ec_rc=$?
	if [ "$test_ec_rc" != "$test_ec_want" ]; then
		echo "test_expect_code: '$*' exited $test_ec_rc, want $test_ec_want" >&2
		return 1
	fi
	return 0
}

# test_cmp expected actual
test_cmp()
{
	diff -u "$1" "$2"
}

# host_state DIR...: the host as a build may leave it, as text to compare
# before and after one: the loop devices over files in $TRASH; the mounts
# that mention $TRASH in the mount table of any process (this shell's, or
# a namespace a build leaked with a process still in it); the logical
# volumes of $LVM_VG, when set; the processes, other than this script's,
# whose root, working directory or an open file is under a DIR; every
# file under each DIR with its type, mode, size (of a regular file), link
# target and, below 1 MiB, checksum; and which locks are held: each *.lock
# under the DIRs, and /run/create-image/NAME.lock for each NAME in
# $HOST_STATE_GUESTS. Sizes of directories are left out: ext4 never
# shrinks them. Safe under "set -e".
host_state()
{
	local f
	echo "# loop devices"
	losetup -l -n -O NAME,BACK-FILE,OFFSET,SIZELIMIT | grep -F "$TRASH" |
		sed 's/  */ /g' | sort
	echo "# mounts"
	grep -sF "$TRASH" /proc/[0-9]*/mountinfo | awk '{ print $5 }' |
		sort -u
	if [ -n "${LVM_VG-}" ]; then
		echo "# logical volumes of $LVM_VG"
		lvs --driverloaded n --noheadings --nosuffix --units b \
			-o lv_name,lv_size,lv_tags "$LVM_VG" 2>/dev/null |
			awk '{ $1 = $1; print }' | sort
	fi
	echo "# processes"
	# One pass over every process's links; this script's own processes
	# (the pipeline here among them) are left out.
	{
		ps -e -o pid=,ppid= | sed 's/^/p /'
		find /proc/[0-9]*/root /proc/[0-9]*/cwd /proc/[0-9]*/fd/ \
			-maxdepth 1 -type l -printf 'l %p %l\n' 2>/dev/null
	} | awk -v self=$$ -v dirs="$*" '
		BEGIN { n = split(dirs, d, " ") }
		$1 == "p" { parent[$2] = $3; next }
		{
			for (i = 1; i <= n; i++)
				if ($3 == d[i] || index($3, d[i] "/") == 1) {
					split($2, part, "/")
					hit[part[3]] = 1
				}
		}
		END {
			for (pid in hit) {
				p = pid + 0
				while (p > 1 && p != self)
					p = parent[p] + 0
				if (p != self)
					print pid
			}
		}' | while read -r f; do
		cat "/proc/$f/comm" 2>/dev/null || :
	done | sort
	echo "# files"
	for f in "$@"; do
		[ -e "$f" ] || continue
		find "$f" -type d -printf '%y %m %p\n' -o \
			-printf '%y %m %s %p %l\n'
		find "$f" -type f -size -1024k -exec md5sum {} +
	done | sort
	echo "# locks held"
	{
		for f in "$@"; do
			if [ -e "$f" ]; then
				find "$f" -name '*.lock'
			fi
		done
		for f in ${HOST_STATE_GUESTS-}; do
			echo "/run/create-image/$f.lock"
		done
	} | sort | while read -r f; do
		if [ -e "$f" ] && ! flock -n -x "$f" true; then
			echo "$f"
		fi
	done
}

test_done()
{
	test_wait
	echo "1..$test_count"
	echo "# $test_passed passed, $test_failed failed, $test_skipped skipped"
	if [ $test_failed -gt 0 ]; then
		echo "# kept '$TRASH'"
		exit 1
	fi
	cd / && rm -rf "$TRASH"
	exit 0
}
# in_man PAGE FLAG: man/PAGE.8 spells out --FLAG (as \-\-FLAG) as a
# whole word.
in_man()
{
	grep -qE -- "\\\\-\\\\-$2([^a-z0-9-]|\$)" \
		"$TEST_DIRECTORY/../man/$1.8"
}

. "$TEST_DIRECTORY/lib-guest.sh"
