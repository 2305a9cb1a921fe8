#!/bin/bash
# The base cache: two builds at once build one base; later guests reuse it
# and still get their own identity, boot, and pass pygrub and libxlutil; a
# change to any part of the key, a damaged archive and --cache=refresh each
# build a new base, and say why (a damage only the checksum tells fails
# its build, and the next one rebuilds); the cache command lists, verifies
# and prunes. The tar install method keeps the rebuilds cheap: its tarball is
# the debootstrapped base itself.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

# A cache of this test's own (bases built by other tests, or by an older
# create-image, must not answer for it), sharing the suite's packages.
cache=$TRASH/cache
bases=$cache/bases
private_cache "$cache"

# build NAME [FLAG...]: a small guest with --verbose; NAME.out, NAME.err.
# --clone=no: these guests unpack the base archive, which is what this
# test is about; t1310 and t1320 have the clones of its image.
build()
{
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" --dir "$dir" --output "$out" \
		--size 2G --swap 64M --cachedir "$cache" --verbose --clone=no "$@" \
		>"$name.out" 2>"$name.err"
}

disk_of()
{
	echo "$dir/domains/$1/disk.img"
}

# The cached archives, one per line.
archives()
{
	ls "$bases" | grep "\.tar\.zst$" || true
}

test_expect_success '--dry-run says the base is to be built, and why' '
	"$CREATE_IMAGE" --dry-run --hostname a0 --cachedir "$cache" >plan &&
	grep -q "^base      bookworm-amd64-[0-9a-f]\{12\}, built: no base for bookworm/amd64 is cached" plan &&
	test ! -e "$bases"
'

test_expect_success 'two builds at once on an empty cache: both finish, one base is built' '
	rc1=0 rc2=0 &&
	{ build a1 & p1=$!; } &&
	{ build a2 & p2=$!; } &&
	{ wait $p1 || rc1=$?; } &&
	{ wait $p2 || rc2=$?; } &&
	test "$rc1" = 0 && test "$rc2" = 0 &&
	test "$(archives | wc -l)" = 1 &&
	test "$(cat a1.err a2.err | grep -c "^create-image: building the base ")" = 1 &&
	test "$(cat a1.err a2.err | grep -c "using the cached base ")" = 1 &&
	cat a1.err a2.err | grep -q -E "waiting for another run that is building (or removing )?the base " &&
	cat a1.err a2.err | grep -q "why: no base for bookworm/amd64 is cached in .$bases." &&
	test -f "$out/a1.cfg" && test -f "$out/a2.cfg" &&
	assert_no_leftovers "$TRASH"
'

base=$bases/$(archives | head -n 1)

test_expect_success '--dry-run says the base comes from the cache' '
	"$CREATE_IMAGE" --dry-run --hostname a0 --cachedir "$cache" >plan &&
	grep -q "^base      $(basename "$base" .tar.zst), from the cache$" plan
'

test_expect_success 'a third guest reuses the base, says why, and installs nothing' '
	build a3 &&
	grep -q "using the cached base bookworm-amd64-" a3.err &&
	grep -q "its key matches this guest.s: bookworm/amd64, debootstrap from http://deb.debian.org/debian" a3.err &&
	! grep -q "debootstrap --variant" a3.err &&
	! grep -q "running base hook" a3.err &&
	grep -q "running hook .30-resolv-conf." a3.err &&
	test "$(archives | wc -l)" = 1
'

test_expect_success 'the base holds nothing of one guest or of this host' '
	tar --zstd -tvf "$base" >members &&
	grep -q " etc/passwd$" members &&
	grep -q " usr/sbin/sshd$" members &&
	grep -q " boot/vmlinuz-" members &&
	! grep -E " (etc/ssh/ssh_host_|etc/machine-id$|etc/hostname$|etc/hosts$|etc/resolv\.conf)" members &&
	! grep -E " var/lib/systemd/(random-seed|credential\.secret)$" members &&
	grep -q " var/log/dpkg.log$" members &&
	! awk "/^-/ && \$6 ~ /^var\/log\// && \$3 != 0" members | grep . &&
	! grep -E " (dev|proc|sys)/." members &&
	! grep -q " usr/sbin/policy-rc.d$" members &&
	! grep -q "create-image-unsafe-io" members &&
	! grep -E " var/cache/apt/archives/.*\.deb$" members
'

test_expect_success 'guests from one base differ where they must' '
	for f in /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_rsa_key.pub \
		/etc/machine-id /etc/hostname; do
		guest_cat "$(disk_of a2)" "$f" >x2 &&
		guest_cat "$(disk_of a3)" "$f" >x3 &&
		test -s x2 && test -s x3 &&
		! cmp -s x2 x3 || { echo "$f is the same"; return 1; }
	done &&
	test "$(guest_cat "$(disk_of a3)" /etc/hostname)" = a3 &&
	guest_cat "$(disk_of a3)" /etc/ssh/ssh_host_ed25519_key.pub | grep -q " root@a3$" &&
	test "$(guest_readlink "$(disk_of a3)" /etc/resolv.conf)" = \
		../run/systemd/resolve/stub-resolv.conf &&
	test "$(guest_readlink "$(disk_of a2)" /etc/resolv.conf)" = \
		../run/systemd/resolve/stub-resolv.conf &&
	! guest_ls "$(disk_of a3)" /var/lib/systemd | grep -qx random-seed &&
	for f in /var/log/dpkg.log /var/log/alternatives.log /var/log/apt/history.log; do
		test -z "$(guest_cat "$(disk_of a3)" "$f")" ||
			{ echo "$f is not empty"; return 1; }
	done &&
	grep "SSH host key" a2.out | sort >k2 &&
	grep "SSH host key" a3.out | sort >k3 &&
	test -s k3 && ! cmp -s k2 k3
'

# The boot runs beside the tests after it, which leave a3 alone.
test_background 'a guest from the cache: pygrub, libxlutil, and a login with its own name' '
	"$TEST_TOOL" xlcfg-check "$out/a3.cfg" &&
	mkdir pygrub &&
	pygrub -q --output-format=simple --output-directory=pygrub "$(disk_of a3)" >pg &&
	grep -q "^args root=UUID=$(blkid -o value -s UUID "$(disk_of a3)") ro" pg &&
	"$BOOT_CHECK" --disk "$(disk_of a3)" --disk "$dir/domains/a3/swap.img" \
		--mac "$(sed -n "s/^ *MAC: *//p" a3.out)" --hostname a3 \
		--password "$(sed -n "s/^ *Root password: //p" a3.out)"
'

test_expect_success 'cache list and verify show the base' '
	"$CREATE_IMAGE" cache --cachedir "$cache" list >list &&
	cat list &&
	test "$(grep -c "^bookworm-amd64-" list)" = 1 &&
	grep -q "bookworm/amd64 *debootstrap" list &&
	"$CREATE_IMAGE" cache --cachedir "$cache" list --verbose >listv &&
	grep -q "^    packages  .*linux-image-cloud-amd64" listv &&
	"$CREATE_IMAGE" cache --cachedir "$cache" verify >verify &&
	grep -q "^bookworm-amd64-.*: ok$" verify
'

# From here on the debootstrapped base itself is the tarball installed.
cp "$base" "$TRASH/root.tar.zst"
tarred="--install-method tar --install-source $TRASH/root.tar.zst"

test_expect_success 'tar: the first guest builds a base, the next one reuses it' '
	build t1 $tarred &&
	grep -q "building the base bookworm-amd64-" t1.err &&
	grep -q "running base hook .30-enable-services." t1.err &&
	test "$(archives | wc -l)" = 2 &&
	build t2 $tarred &&
	grep -q "using the cached base" t2.err &&
	test "$(archives | wc -l)" = 2
'

test_expect_success 'a changed base hook builds a new base and says so; a guest hook does not' '
	mkdir -p hooks.d/base &&
	printf "#!/bin/sh\necho guest >\"\$1/etc/guest-marker\"\n" >hooks.d/50-guest &&
	chmod +x hooks.d/50-guest &&
	build t3 $tarred --hooks-dir "$TRASH/hooks.d" &&
	grep -q "using the cached base" t3.err &&
	test "$(guest_cat "$(disk_of t3)" /etc/guest-marker)" = guest &&
	printf "#!/bin/sh\necho base >\"\$1/etc/base-marker\"\n" >hooks.d/base/50-site &&
	chmod +x hooks.d/base/50-site &&
	build t4 $tarred --hooks-dir "$TRASH/hooks.d" &&
	grep -q "why: the base hooks changed since the cached base" t4.err &&
	grep -q "running base hook .50-site." t4.err &&
	test "$(guest_cat "$(disk_of t4)" /etc/base-marker)" = base &&
	test "$(archives | wc -l)" = 3 &&
	build t5 $tarred --hooks-dir "$TRASH/hooks.d" &&
	grep -q "using the cached base" t5.err &&
	test "$(guest_cat "$(disk_of t5)" /etc/base-marker)" = base &&
	printf "#!/bin/sh\necho changed >\"\$1/etc/base-marker\"\n" >hooks.d/base/50-site &&
	build t6 $tarred --hooks-dir "$TRASH/hooks.d" &&
	grep -q "why: the base hooks changed" t6.err &&
	test "$(guest_cat "$(disk_of t6)" /etc/base-marker)" = changed &&
	test "$(archives | wc -l)" = 4
'

test_expect_success 'a newer tarball builds a new base, naming the install source' '
	touch -d "+1 minute" root.tar.zst &&
	build t7 $tarred &&
	grep -q "why: the install source changed since the cached base" t7.err &&
	test "$(archives | wc -l)" = 5
'

test_expect_success 'a damaged base is detected, never used, and rebuilt' '
	name=$(sed -n "s/.*building the base \(bookworm-amd64-[0-9a-f]*\)$/\1/p" t7.err) &&
	test -n "$name" &&
	size=$(stat -c %s "$bases/$name.tar.zst") &&
	truncate -s $((size / 2)) "$bases/$name.tar.zst" &&
	rc=0 && { "$CREATE_IMAGE" cache --cachedir "$cache" verify >verify || rc=$?; } &&
	test "$rc" = 1 &&
	grep -q "^$name: damaged: .* is [0-9]* bytes, not $size$" verify &&
	build t8 $tarred &&
	grep -q "warning: the cached base $name is damaged (.*): building it again" t8.err &&
	grep -q "why: the cached copy was damaged" t8.err &&
	! grep -q "using the cached base" t8.err &&
	test "$(stat -c %s "$bases/$name.tar.zst")" != $((size / 2)) &&
	printf X | dd of="$bases/$name.tar.zst" bs=1 seek=4096 conv=notrunc 2>/dev/null &&
	rc=0 && { build t9 $tarred || rc=$?; } &&
	test "$rc" = 1 &&
	grep -q "^create-image: cannot use the cached base $name: .* does not match its checksum: SHA-256 [0-9a-f]\{64\}, expected [0-9a-f]\{64\}; it was removed, and the next run builds it anew" t9.err &&
	test ! -e "$dir/domains/t9" && test ! -e "$out/t9.cfg" &&
	test ! -e "$bases/$name.tar.zst" && test ! -e "$bases/$name.conf" &&
	build t9 $tarred &&
	grep -q "building the base $name" t9.err &&
	"$CREATE_IMAGE" cache --cachedir "$cache" verify &&
	test "$(archives | wc -l)" = 5
'

test_expect_success '--cache=refresh builds anew; --cache=no neither reads nor writes' '
	name=$(sed -n "s/.*building the base \(bookworm-amd64-[0-9a-f]*\)$/\1/p" t9.err) &&
	before=$(sed -n "s/^sha256 = //p" "$bases/$name.conf") &&
	build t10 $tarred --cache=refresh &&
	grep -q "why: --cache=refresh" t10.err &&
	grep -q "building the base $name" t10.err &&
	find "$bases" -printf "%f %s %T@\n" | sort >listing &&
	build t11 $tarred --cache=no &&
	grep -q "not using the base cache: --cache=no" t11.err &&
	! grep -q "cached base" t11.err &&
	grep -q "running base hook .30-enable-services." t11.err &&
	find "$bases" -printf "%f %s %T@\n" | sort | cmp - listing &&
	test -n "$before"
'

test_expect_success 'a bad --cache value: one line naming it, exit 2, nothing made' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname bad --dir "$dir" --output "$out" \
		--cachedir "$cache" --cache=maybe >o 2>e || rc=$? &&
	test "$rc" = 2 &&
	test "$(wc -l <e)" = 1 &&
	grep -q "cache.* must be yes, no or refresh, not .maybe." e &&
	test ! -e "$dir/domains/bad" && test ! -e "$out/bad.cfg"
'

test_expect_success 'prune: damaged, unfinished, stale; never a base in use' '
	name=$(archives | head -n 1) && name=${name%.tar.zst} &&
	: >"$bases/$name.part-XyZ123" &&
	"$CREATE_IMAGE" cache --cachedir "$cache" prune >pruned &&
	cat pruned &&
	grep -q "^removing $name.part-XyZ123 (unfinished)$" pruned &&
	test "$(archives | wc -l)" = 5 &&
	"$CREATE_IMAGE" cache --cachedir "$cache" prune --dry-run --older-than 0 >dry &&
	test "$(grep -c "^would remove .* (not used for 0 days)$" dry)" = 5 &&
	test "$(archives | wc -l)" = 5 &&
	exec 9>"$bases/.$name.lock" && flock -n 9 &&
	"$CREATE_IMAGE" cache --cachedir "$cache" prune --all >all &&
	exec 9>&- &&
	cat all &&
	test "$(grep -c "^removing .* (--all)$" all)" = 4 &&
	test "$(archives)" = "$name.tar.zst" &&
	"$CREATE_IMAGE" cache --cachedir "$cache" prune --all &&
	test -z "$(archives)" &&
	test -z "$(ls "$bases" | grep -v "^\.")"
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
