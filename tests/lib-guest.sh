# Helpers for the tests that build guests; sourced by lib.sh.

# The suite's shared download cache: create-image keeps packages in
# CACHEDIR/debs, so every e2e test downloads each package at most once.
CACHEDIR=${CACHEDIR:-$(dirname "$PKG_CACHE")}
TEST_TOOL=$BUILD/test-tool
export CACHEDIR TEST_TOOL

# Builds mount the guest's root under $TMPDIR: keep that inside $TRASH,
# so a test sees its own mounts and nobody else's.
TMPDIR=$TRASH/tmp
export TMPDIR
mkdir -p "$TMPDIR"

# guest_cat DISK PATH: a file from an ext file system image, unmounted.
guest_cat()
{
	debugfs -R "cat $2" "$1" 2>/dev/null
}

# guest_readlink DISK PATH: where a symlink in the image points.
guest_readlink()
{
	debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p'
}

# guest_stat DISK PATH: the mode, owner and group of a file in the image,
# by number: "0600 0 0".
guest_stat()
{
	debugfs -R "stat $2" "$1" 2>/dev/null | awk '
		{ for (i = 1; i < NF; i++) if ($i == "Mode:") mode = $(i + 1) }
		$1 == "User:" { uid = $2; gid = $4 }
		END { if (mode != "") print mode, uid, gid }'
}

# guest_ls DISK DIR: the names in a directory of the image.
guest_ls()
{
	debugfs -R "ls -p $2" "$1" 2>/dev/null | awk -F/ 'NF > 5 { print $6 }'
}

# part_range DISK N: "START SIZE" in bytes of partition N, from sfdisk.
part_range()
{
	sfdisk -J "$1" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
p = t["partitions"][int(sys.argv[1]) - 1]
print(p["start"] * 512, p["size"] * 512)' "$2"
}

# part_cat DISK N PATH: a file from the ext file system in partition N.
part_cat()
{
	local range loop
	range=$(part_range "$1" "$2") || return 1
	loop=$(losetup -f --show -r -o "${range% *}" --sizelimit "${range#* }" "$1") || return 1
	debugfs -R "cat $3" "$loop" 2>/dev/null
	losetup -d "$loop"
}

# release_devices MNT: what a failed step left behind: MNT unmounted if
# it is a mount point, and every loop device over a file in $TRASH
# detached. For a test's EXIT trap, and before test_done removes $TRASH.
release_devices()
{
	if mountpoint -q "$1" 2>/dev/null; then
		umount "$1" || umount -l "$1"
	fi
	losetup -a | grep -F "($TRASH/" | cut -d: -f1 |
	while read -r dev; do
		losetup -d "$dev"
	done
}

# assert_no_leftovers DIR: nothing mounted under DIR, no loop device
# backed by a file under DIR (but $LVM_PV and those in $TEST_OWN_LOOPS),
# no scratch mount point left in $TMPDIR.
assert_no_leftovers()
{
	if grep -F " $1" /proc/mounts; then
		echo "still mounted"
		return 1
	fi
	# A test's own loop devices, and its loop-backed LVM physical volume
	# (lib-lvm.sh), are not leftovers.
	local own
	own=$(printf "^%s:\n" ${TEST_OWN_LOOPS-} ${LVM_PV-} /nonexistent)
	if losetup -a | grep -F "$1" | grep -v "$own"; then
		echo "loop device still attached"
		return 1
	fi
	if ls -d "$TMPDIR"/create-image.* 2>/dev/null; then
		echo "scratch directory left"
		return 1
	fi
	return 0
}

# What create-image records about the guests it built stays in $TRASH.
CREATE_IMAGE_STATEDIR=$TRASH/state
export CREATE_IMAGE_STATEDIR

# mirror_packages SOURCES: the Packages files (main, amd64) of every suite
# a sources.list names, from its mirrors, one after the other.
mirror_packages()
{
	awk '$1 == "deb" { print $2, $3 }' "$1" | while read -r url suite; do
		curl -sfL "$url/dists/$suite/main/binary-amd64/Packages.xz" |
			xz -d || return 1
	done
}

# newest PKG <PACKAGES: "VERSION DEPENDS..." of PKG's highest version
# among the stanzas read: the candidate apt picks from those suites.
newest()
{
	awk -v p="$1" '
		$1 == "Package:" { pkg = $2; dep = "" }
		pkg == p && $1 == "Depends:" { sub(/^Depends: */, ""); dep = $0 }
		pkg == p && $1 == "Version:" { ver = $2 }
		pkg == p && $0 == "" { print ver, dep; pkg = "" }' |
	{
		best= line=
		while read -r v rest; do
			if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
				best=$v line="$v $rest"
			fi
		done
		echo "$line"
	}
}

# installed_version DISK PKG: the version dpkg records in the image.
installed_version()
{
	guest_cat "$1" /var/lib/dpkg/status | awk -v p="$2" '
		$1 == "Package:" { pkg = $2 }
		pkg == p && $1 == "Version:" { print $2; exit }'
}

# private_cache DIR: a base cache of a test's own (bases built by other
# tests, or by an older create-image, must not answer for it), sharing
# the suite's downloaded packages.
private_cache()
{
	mkdir -p "$1" "$CACHEDIR/debs" &&
	ln -s "$CACHEDIR/debs" "$1/debs"
}

# fake_xen NAME...: a Xen host for the commands that ask whether a guest
# runs: $TRASH/xen-proc (for $CREATE_IMAGE_XEN_PROC) and an xl in
# $TRASH/bin (for $CREATE_IMAGE_XL) whose "xl list" shows each NAME
# running beside Domain-0; any other xl command fails.
fake_xen()
{
	local name
	mkdir -p "$TRASH/xen-proc" "$TRASH/bin" &&
	echo "xen-3.0-x86_64" >"$TRASH/xen-proc/capabilities" &&
	{
		echo '#!/bin/sh'
		echo '[ "$1" = list ] || exit 2'
		echo 'echo "Name                                        ID   Mem VCPUs	State	Time(s)"'
		echo 'echo "Domain-0                                     0  1024     2     r-----      10.0"'
		for name in "$@"; do
			printf 'echo "%-44s 3   256     1     -b----       1.0"\n' "$name"
		done
	} >"$TRASH/bin/xl" &&
	chmod +x "$TRASH/bin/xl"
}
