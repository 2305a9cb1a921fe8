#!/bin/bash
# The sandbox the guest's programs run in: a hostile tarball, whose
# ssh-keygen tries every way out of the build it can, finds none, and the
# build still succeeds with fresh host keys; the hooks' in-guest and chroot
# give PID namespaces of their own and a /dev without disks; outside a
# hook in-guest refuses to run, and the hooks' chroot refuses any root but
# the guest's.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
# These builds unpack the base archive, as the tests below follow them
# doing so: the clones of its image are t1310's and t1320's.
printf 'clone = no\n' >"$TRASH/create-image.conf"
export CREATE_IMAGE_CONFIG=$TRASH/create-image.conf
IN_GUEST=$BUILD/libexec/in-guest
CHROOT=$BUILD/libexec/chroot

# The host's root disk, by its numbers: what a way out would open.
host_disk=$(stat -c '%Hd %Ld' /)
core_pattern=$(cat /proc/sys/kernel/core_pattern)

test_expect_success 'a base to turn hostile: the suite'\''s debootstrapped one' '
	"$CREATE_IMAGE" --hostname b0 --dir "$dir" --output "$out" \
		--size 2G --swap 64M --cachedir "$CACHEDIR" --verbose \
		>b0.out 2>b0.err &&
	name=$(sed -n "s/.*\(using the cached\|building the\) base \(bookworm-amd64-[0-9a-f]*\)$/\2/p" b0.err) &&
	test -n "$name" &&
	mkdir rootfs &&
	tar -C rootfs --numeric-owner --zstd -xpf "$CACHEDIR/bases/$name.tar.zst" &&
	test -x rootfs/usr/bin/ssh-keygen
'

# The tarball's ssh-keygen, run by the core for the guest's host keys: it
# records in /var/log/hostile whether each way out "held" or "escaped",
# then runs the real one so the build goes on. Every write it tries would
# land in $TRASH, or put back what is there: a sandbox that failed this
# test still changes nothing on the host.
cat >hostile <<EOF
#!/bin/sh
log=/var/log/hostile
try() {
	name=\$1
	shift
	if "\$@" >/dev/null 2>&1; then
		echo "\$name escaped" >>\$log
	else
		echo "\$name held" >>\$log
	fi
}
try proc1-root sh -c 'echo out >/proc/1/root$TRASH/escape-proc1'
try proc1-cwd sh -c 'echo out >/proc/1/cwd$TRASH/escape-cwd'
try root-dotdot sh -c 'echo out >/../../..$TRASH/escape-dotdot'
try core-pattern sh -c 'p=\$(cat /proc/sys/kernel/core_pattern) &&
	printf "%s\n" "\$p" >/proc/sys/kernel/core_pattern'
try mknod-host-disk sh -c 'mknod /tmp/host-disk b $host_disk &&
	head -c 512 /tmp/host-disk >/dev/null'
try tarball-disk-node head -c 512 /root/host-disk
try dev-block sh -c 'for d in /dev/* /dev/*/*; do
	[ -b "\$d" ] && head -c 512 "\$d" >/dev/null && exit 0
done; exit 1'
try mount-tmpfs mount -t tmpfs none /mnt
try mount-bind mount --bind / /mnt
try net-admin ip link set lo up
try host-process test -d /proc/$$
echo "pids \$(ls /proc | grep -E '^[0-9]+\$' | sort -n | tr '\n' ' ')" >>\$log
exec /usr/bin/ssh-keygen.real "\$@"
EOF

test_expect_success 'the hostile tarball: that ssh-keygen, and a node of the host'\''s disk' '
	mv rootfs/usr/bin/ssh-keygen rootfs/usr/bin/ssh-keygen.real &&
	install -m 0755 hostile rootfs/usr/bin/ssh-keygen &&
	mknod rootfs/root/host-disk b $host_disk &&
	tar -C rootfs --numeric-owner --zstd -cf hostile.tar.zst .
'

# A guest hook of this test's: what the hooks' in-guest and chroot give.
mkdir -p hooks.d
cat >hooks.d/50-probe <<EOF
#!/bin/sh
set -eu
command -v in-guest >$TRASH/probe-in-guest
command -v chroot >$TRASH/probe-chroot
in-guest sh -c 'echo \$\$; ls /proc | grep -E "^[0-9]+\\\$" | sort -n | head -n 1' \
	>$TRASH/probe-pid
chroot "\$1" sh -c 'ls -A /dev; find /dev -type b' >$TRASH/probe-dev
rc=0
chroot / true 2>$TRASH/probe-refused || rc=\$?
echo \$rc >$TRASH/probe-refused-rc
EOF
chmod +x hooks.d/50-probe

test_expect_success 'a guest from it, served over http: the build succeeds' '
	python3 -m http.server --bind 127.0.0.1 0 --directory "$TRASH" >http.log 2>&1 &
	echo $! >http.pid &&
	for i in $(seq 50); do
		port=$(sed -n "s/.*port \([0-9]*\).*/\1/p" http.log | head -n 1)
		test -n "$port" && break
		sleep 0.1
	done &&
	test -n "$port" &&
	sha= &&
	if "$CREATE_IMAGE" --help | grep -q -- --install-source-sha256; then
		sha=--install-source-sha256=$(sha256sum hostile.tar.zst | cut -d" " -f1)
	fi &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname h1 --dir "$dir" --output "$out" \
		--install-method tar \
		--install-source "http://127.0.0.1:$port/hostile.tar.zst" $sha \
		--size 2G --swap 64M --cachedir "$CACHEDIR" --cache=no \
		--hooks-dir "$TRASH/hooks.d" --verbose >h1.out 2>h1.err || rc=$?
	kill "$(cat http.pid)"
	tail -n 20 h1.err
	test "$rc" = 0 &&
	grep -q "making SSH host keys" h1.err
'

disk=$dir/domains/h1/disk.img

test_expect_success 'nothing outside the guest changed' '
	ls "$TRASH" >listing &&
	! grep "^escape-" listing &&
	test "$(cat /proc/sys/kernel/core_pattern)" = "$core_pattern" &&
	! grep -q "killed .* left running in the guest" h1.err
'

test_expect_success 'every way out the guest'\''s ssh-keygen tried held' '
	guest_cat "$disk" /var/log/hostile >hostile.log &&
	cat hostile.log &&
	! grep " escaped$" hostile.log &&
	for t in proc1-root proc1-cwd root-dotdot core-pattern \
		mknod-host-disk tarball-disk-node dev-block mount-tmpfs \
		mount-bind net-admin host-process; do
		grep -q "^$t held$" hostile.log ||
			{ echo "no record of $t"; return 1; }
	done &&
	test "$(grep -c "^pids " hostile.log)" = 3 &&
	awk "\$1 == \"pids\" && (\$2 != 1 || \$3 != 2 || NF > 21) { bad = 1 }
		END { exit bad }" hostile.log
'

test_expect_success 'the guest has fresh host keys, made by its ssh-keygen' '
	guest_cat "$disk" /etc/ssh/ssh_host_ed25519_key.pub >k1 &&
	grep -q "^ssh-ed25519 .* root@h1$" k1 &&
	guest_cat "$dir/domains/b0/disk.img" /etc/ssh/ssh_host_ed25519_key.pub >k0 &&
	test -s k0 && ! cmp -s k0 k1 &&
	test "$(grep -c "^core-pattern held$" hostile.log)" = 3 &&
	grep -q "SSH host key: *(ED25519) 256 SHA256:" h1.out
'

test_expect_success 'the hooks'\'' in-guest and chroot: PID 2 in a namespace of its own, no disks in /dev' '
	test "$(cat probe-in-guest)" = "$BUILD/libexec/in-guest" &&
	test "$(cat probe-chroot)" = "$BUILD/libexec/chroot" &&
	printf "2\n1\n" >expect &&
	test_cmp expect probe-pid &&
	printf "%s\n" fd full null ptmx pts random shm stderr stdin stdout tty \
		urandom zero >expect &&
	test_cmp expect probe-dev &&
	test "$(cat probe-refused-rc)" = 125 &&
	grep -q "chroot: only the guest.s root .* can be entered here, not ./." probe-refused
'

test_expect_success 'in-guest outside a hook: a clear error, nothing run' '
	rc=0 &&
	env -u CREATE_IMAGE_ROOT "$IN_GUEST" touch "$TRASH/ran" 2>err || rc=$? &&
	test "$rc" = 125 &&
	grep -q "^in-guest: CREATE_IMAGE_ROOT is not set" err &&
	test ! -e ran &&
	rc=0 &&
	CREATE_IMAGE_ROOT=relative "$IN_GUEST" true 2>err || rc=$? &&
	test "$rc" = 125 &&
	grep -q "CREATE_IMAGE_ROOT .relative. is not a directory" err &&
	rc=0 &&
	CREATE_IMAGE_ROOT=/ "$IN_GUEST" true 2>err || rc=$? &&
	test "$rc" = 125 &&
	grep -q "is the host.s root, not a guest.s" err
'

test_expect_success 'the hooks'\'' chroot refuses any root but the guest'\''s' '
	export CREATE_IMAGE_ROOT=$TRASH/rootfs &&
	for r in / "$TRASH" "$TRASH/srv"; do
		rc=0 &&
		"$CHROOT" "$r" touch /escaped 2>err || rc=$? &&
		test "$rc" = 125 &&
		grep -q "only the guest.s root .$TRASH/rootfs. can be entered here" err ||
			return 1
	done &&
	test ! -e /escaped &&
	"$CHROOT" "$TRASH/rootfs" sh -c "echo \$\$" >pid &&
	test "$(cat pid)" = 2 &&
	rc=0 &&
	"$IN_GUEST" no-such-command 2>err || rc=$? &&
	test "$rc" = 127 &&
	grep -q "cannot run .no-such-command." err
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
