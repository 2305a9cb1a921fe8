#!/bin/bash
# Disk space. A guest whose files (or the base it would cache) do not fit
# on the host's file system is refused before anything is made, with what
# it needs and what is free. A build whose host file system fills up on the
# way fails naming that file system first, not the step that hit it, and
# the cleanup of its read-only guest file system says nothing.
. "$(dirname "$0")/../lib.sh"

small=$TRASH/small
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
mkdir -p "$small" "$out" hooks/base

# The host file system under test: 400 MiB of ext4 on a loop device of
# the test's own.
truncate -s 400M small.img &&
mkfs.ext4 -q -F small.img &&
smalldev=$(losetup -f --show "$TRASH/small.img") &&
mount "$smalldev" "$small" || {
	echo "error: cannot make the small file system" >&2
	exit 1
}
TEST_OWN_LOOPS=$smalldev

# Run before test_done removes $TRASH, and on any exit.
cleanup()
{
	if mountpoint -q "$small" 2>/dev/null; then
		umount "$small" || umount -l "$small"
	fi
	losetup -d "$smalldev" 2>/dev/null
}
trap cleanup EXIT

# A tiny root tree for --install-method=copy, as t0400 has: built in a
# second. Its tree has no systemctl: the base hook that enables services
# is switched off.
printf '#!/bin/sh\n' >hooks/base/30-enable-services
chmod +x hooks/base/30-enable-services
mkdir -p tiny/etc tiny/boot tiny/usr/bin
printf 'root:*:19000:0:99999:7:::\n' >tiny/etc/shadow
chmod 640 tiny/etc/shadow
: >tiny/boot/vmlinuz-6.1.0-99-amd64
: >tiny/boot/initrd.img-6.1.0-99-amd64

# run_build EXPECTED-STATUS ARGS...: a guest 's1' on the small file system.
run_build() {
	want=$1; shift
	rc=0
	"$CREATE_IMAGE" --hostname s1 --dir "$small/srv" --output "$out" \
		--cachedir "$CACHEDIR" "$@" >stdout 2>stderr || rc=$?
	cat stderr
	test "$rc" = "$want" || { echo "exit $rc, want $want"; return 1; }
}

tiny() {
	run_build "$@" --install-method copy --install-source "$TRASH/tiny" \
		--hooks-dir "$TRASH/hooks"
}

# Nothing of the guest on the small file system, in the output
# directory or among the records; no loop device, mount or scratch
# directory left.
nothing_made() {
	test -z "$(find "$small" -mindepth 1 ! -path "$small/lost+found" \
		! -path "$small/filler")" &&
	test -z "$(ls -A "$out")" &&
	test ! -e "$CREATE_IMAGE_STATEDIR/guests/s1.conf" &&
	assert_no_leftovers "$small/" &&
	! grep -F " $TMPDIR" /proc/mounts
}

# refused_for WHAT: exit 2 with one line naming WHAT, the file system at
# $small, what it needs and what is free.
refused_for() {
	test $(wc -l <stderr) = 1 &&
	grep -q "^create-image: not enough space for $1 on the file system at '$small': needs [0-9.]* [KMGT]iB, [0-9.]* [KMGT]iB free$" stderr
}

test_expect_success 'a full image larger than the free space is refused before anything is made' '
	tiny 2 --image=full --size 1G --swap 128M &&
	refused_for "guest .s1. in .$small/srv." &&
	grep -q "needs 1.1 GiB" stderr &&
	nothing_made
'

test_expect_success '--dry-run refuses it alike' '
	tiny 2 --image=full --size 1G --swap 128M --dry-run &&
	refused_for "guest .s1. in .$small/srv." &&
	nothing_made
'

# The base the suite has cached for these settings (or, without one, the
# estimate for a fresh install) is larger than the file system.
test_expect_success 'a sparse guest whose base does not fit is refused' '
	run_build 2 &&
	refused_for "guest .s1. in .$small/srv." &&
	nothing_made
'

test_expect_success 'a base to be cached where it does not fit is refused' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname s1 --dir "$TRASH/srv" --output "$out" \
		--cachedir "$small/cache" >stdout 2>stderr || rc=$? &&
	cat stderr && test "$rc" = 2 &&
	refused_for "the base cache .$small/cache/bases." &&
	test ! -e "$TRASH/srv" && nothing_made
'

test_expect_success 'a sparse guest that fits passes the check' '
	tiny 0 --dry-run &&
	grep -q "^hostname  s1$" stdout
'

# A guest hook that fills the host file system, then writes into the
# guest until its file system gives up: what a large install does on a
# host that runs out of space.
cat >hooks/50-fill <<EOF
#!/bin/sh
dd if=/dev/zero of="$small/filler" bs=1M 2>/dev/null
sync -f "$small"
i=0
while [ \$i -lt 500 ]; do
	mkdir -p "\$1/fill/\$i" 2>"$TRASH/fill-error" || break
	for d in a b c d e f g h; do
		mkdir "\$1/fill/\$i/\$d" 2>/dev/null || :
	done
	sync -f "\$1" 2>/dev/null || :
	i=\$((i + 1))
done
exit 1
EOF
chmod +x hooks/50-fill

test_expect_success 'a host file system that fills up is named first; the cleanup is quiet' '
	tiny 1 &&
	# It got that far, and the guest file system gave up.
	grep -q "Input/output error\|Read-only file system" fill-error &&
	first=$(grep -m 1 -E "cannot|failed|full|error" stderr) &&
	case "$first" in
	"create-image: the file system holding '\''$small/srv'\'' is full (the image files could not grow): cannot customize the guest: hook '\''50-fill'\''"*) ;;
	*) echo "first error: $first"; false ;;
	esac &&
	! grep -q "cannot undo" stderr &&
	! grep -q "Read-only file system" stderr &&
	nothing_made
'

test_expect_success 'with room again the guest builds there' '
	rm -f hooks/50-fill "$small/filler" &&
	tiny 0 &&
	test -f "$small/srv/domains/s1/disk.img" &&
	assert_no_leftovers "$small/"
'

cleanup
test_done
