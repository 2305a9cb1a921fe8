#!/bin/bash
# Failures and signals after work has started undo everything the run
# created: files, directories, mounts, loop devices, the config.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
mkdir -p "$out" hooks/base
# The tiny tree below has no systemctl: switch the shipped base hook that
# enables services off, the way an administrator would.
printf '#!/bin/sh\n' >hooks/base/30-enable-services
chmod +x hooks/base/30-enable-services

# A tiny root tree for --install-method=copy: enough for the core's
# customization, built in a second, so hook failures are cheap to test.
mkdir -p tiny/etc tiny/boot tiny/usr/bin
printf 'root:*:19000:0:99999:7:::\n' >tiny/etc/shadow
chmod 640 tiny/etc/shadow

# leftovers: everything under $dir and $out except what is expected.
clean() {
	test -z "$(find "$dir" "$out" "$TMPDIR" -mindepth 1 2>/dev/null)" &&
	assert_no_leftovers "$TRASH"
}

# run_build EXPECTED-STATUS ARGS...
run_build() {
	want=$1; shift
	rc=0
	"$CREATE_IMAGE" --dir "$dir" --output "$out" --cachedir "$CACHEDIR" \
		"$@" >stdout 2>stderr || rc=$?
	cat stderr
	test "$rc" = "$want" || { echo "exit $rc, want $want"; return 1; }
}

test_expect_success 'a bad mirror fails before anything is made, and leaves nothing' '
	run_build 1 --hostname web3 --mirror http://127.0.0.1:9/debian &&
	grep -q "cannot reach .http://127.0.0.1:9/debian/dists/bookworm/InRelease.*no base for this guest is cached, and building one needs the mirror" stderr &&
	clean
'

test_expect_success 'a failed install after the disks were made leaves nothing' '
	echo "not a tarball" >"$TRASH/not-a.tar" &&
	run_build 1 --hostname web3 --install-method tar \
		--install-source "$TRASH/not-a.tar" &&
	grep -q "cannot install the system" stderr &&
	clean
'

test_expect_success 'a root disk too small for the system: named as such, nothing left' '
	run_build 1 --hostname web3 --size 256M --cache=no &&
	grep -q "cannot install the system: .*(the root file system is full: give a larger --size)" stderr &&
	clean
'

# interrupt SIGNAL STATUS: stop a build while debootstrap runs.
interrupt() {
	"$CREATE_IMAGE" --hostname web3 --dir "$dir" --output "$out" \
		--cachedir "$CACHEDIR" --cache=no >stdout 2>stderr &
	pid=$!
	for i in $(seq 600); do
		pgrep -f "debootstrap.*$TMPDIR" >/dev/null && break
		sleep 0.1
	done
	pgrep -f "debootstrap.*$TMPDIR" >/dev/null || { echo "debootstrap never started"; cat stderr; return 1; }
	sleep 3
	kill -"$1" "$pid"
	rc=0
	wait "$pid" || rc=$?
	cat stderr
	test "$rc" = "$2" || { echo "exit $rc, want $2"; return 1; }
	grep -q "interrupted by signal" stderr &&
	! pgrep -f "debootstrap.*$TMPDIR" &&
	clean
}

test_expect_success 'SIGTERM during the install undoes everything' '
	interrupt TERM 143
'

test_expect_success 'SIGINT during the install undoes everything' '
	interrupt INT 130
'

test_expect_success 'a failing hook stops the build, named with its status' '
	printf "#!/bin/sh\nexit 3\n" >hooks/05-fail && chmod +x hooks/05-fail &&
	run_build 1 --hostname web3 --install-method copy \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	grep -q "hook .05-fail. ($TRASH/hooks/05-fail) failed with exit status 3" stderr &&
	clean
'

test_expect_success 'a signal while hooks run with the guest mounted undoes everything' '
	printf "#!/bin/sh\nkill -INT \$PPID\nsleep 1\n" >hooks/05-fail &&
	chmod +x hooks/05-fail &&
	run_build 130 --hostname web3 --install-method copy \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	grep -q "interrupted by signal 2" stderr &&
	clean
'

test_expect_success 'the host never sees the guest'\''s mounts; hooks cannot leave processes' '
	cat >hooks/05-fail <<-HOOK &&
	#!/bin/sh
	# Runs with the file systems of the guest mounted and nothing else:
	# /dev, /proc and /sys belong to each sandbox, not to the guest tree.
	grep -c " \$1" /proc/$$/mountinfo >"$TRASH/host-sees" || true
	grep -c " \$1" /proc/self/mountinfo >"$TRASH/build-sees" || true
	grep -cE " \$1/(dev|proc|sys)[ /]" /proc/self/mountinfo \
		>"$TRASH/api-sees" || true
	sleep 300 &
	echo \$! >"$TRASH/sleeper"
	exit 3
	HOOK
	chmod +x hooks/05-fail &&
	start=$(date +%s) &&
	run_build 1 --hostname web3 --install-method copy \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	test $(( $(date +%s) - start )) -lt 60 &&
	test "$(cat build-sees)" -ge 1 &&
	test "$(cat api-sees)" = 0 &&
	test "$(cat host-sees)" = 0 &&
	# Gone, or a zombie waiting for init to reap it.
	! ps -o stat= -p "$(cat sleeper)" | grep -qv "^Z" &&
	clean
'

test_expect_success 'a symlink out of the installed tree is refused before any write' '
	rm hooks/05-fail &&
	mkdir -p evil/etc evil/boot outside &&
	printf "root:*:19000:0:99999:7:::\n" >evil/etc/shadow &&
	ln -s "$TRASH/outside" evil/etc/ssh &&
	run_build 1 --hostname web3 --install-method copy \
		--install-source "$TRASH/evil" --hooks-dir "$TRASH/hooks" &&
	grep -q "the installed tree.s ./etc/ssh. is a symlink" stderr &&
	test -z "$(ls -A outside)" &&
	clean
'

test_expect_success 'a guest without a kernel is a failure, not a success' '
	run_build 1 --hostname web3 --install-method copy \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	grep -q "no kernel with an initrd in the guest" stderr &&
	clean
'

test_expect_success '--keep keeps what a failed run created, but unmounts' '
	run_build 1 --hostname web3 --install-method copy --keep \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	test -f "$dir/domains/web3/disk.img" &&
	assert_no_leftovers "$TRASH" &&
	rm -r "$dir"
'

test_expect_success 'after failures the same guest builds; admin hooks add and replace' '
	: >tiny/boot/vmlinuz-6.1.0-99-amd64 &&
	: >tiny/boot/initrd.img-6.1.0-99-amd64 &&
	printf "#!/bin/sh\necho ran >\"\$1/etc/admin-hook\"\n" >hooks/50-admin &&
	printf "#!/bin/sh\necho replaced >\"\$1/etc/replaced\"\n" >hooks/base/30-enable-services &&
	chmod +x hooks/50-admin hooks/base/30-enable-services &&
	run_build 0 --hostname web3 --install-method copy --genpass-len 12 \
		--fs ext2 --verbose \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	grep -qE "Root password: [A-Za-z0-9]{12}$" stdout &&
	grep -q "^create-image: \$ mkfs.ext2 -q -F " stderr &&
	disk=$dir/domains/web3/disk.img &&
	test "$(blkid -o value -s TYPE "$disk")" = ext2 &&
	test "$(guest_cat "$disk" /etc/admin-hook)" = ran &&
	test "$(guest_cat "$disk" /etc/replaced)" = replaced &&
	guest_cat "$disk" /boot/grub/grub.cfg | grep -q "linux /boot/vmlinuz-6.1.0-99-amd64 root=UUID=" &&
	"$TEST_TOOL" xlcfg-check "$out/web3.cfg" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success '--force --keep: the failed rebuild is kept aside, the old guest restored' '
	sum=$(md5sum <"$out/web3.cfg") &&
	printf "#!/bin/sh\nexit 4\n" >hooks/05-fail && chmod +x hooks/05-fail &&
	run_build 1 --hostname web3 --install-method copy --force --keep \
		--install-source "$TRASH/tiny" --hooks-dir "$TRASH/hooks" &&
	grep -q "kept the failed build as .$dir/domains/web3.failed-" stderr &&
	test "$(md5sum <"$out/web3.cfg")" = "$sum" &&
	guest_cat "$dir/domains/web3/disk.img" /etc/admin-hook | grep -q ran &&
	test -f "$dir"/domains/web3.failed-*/disk.img &&
	assert_no_leftovers "$TRASH"
'

test_done
