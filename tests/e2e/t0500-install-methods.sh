#!/bin/bash
# --install-method=tar (a rootfs tarball fetched over HTTP, held to its
# checksum) and copy (a directory tree): guests from a prepared root boot
# like debootstrapped ones.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

# --noupdates: the plan's one debootstrap command then installs everything,
# the kernel included (an upgrading build installs the kernel afterwards).
test_expect_success 'prepare a root tree with the debootstrap create-image would run' '
	"$CREATE_IMAGE" --dry-run --hostname prep --cachedir "$CACHEDIR" \
		--noupdates |
		sed -n "s/^install   //p" >cmd &&
	grep -q "^debootstrap --variant=minbase " cmd &&
	mkdir rootfs &&
	$(sed "s|ROOT|$TRASH/rootfs|" cmd) >debootstrap.log 2>&1 &&
	test -x rootfs/usr/bin/ssh-keygen &&
	ls rootfs/boot/vmlinuz-* &&
	tar -C rootfs --numeric-owner --zstd -cf root.tar.zst .
'

test_expect_success 'tar: install from an http:// URL' '
	python3 -m http.server --bind 127.0.0.1 0 --directory "$TRASH" >http.log 2>&1 &
	echo $! >http.pid &&
	for i in $(seq 50); do
		port=$(sed -n "s/.*port \([0-9]*\).*/\1/p" http.log | head -n 1)
		test -n "$port" && break
		sleep 0.1
	done &&
	test -n "$port" &&
	"$CREATE_IMAGE" --hostname tarred --dir "$dir" --output "$out" \
		--install-method tar --install-source "http://127.0.0.1:$port/root.tar.zst" \
		--install-source-sha256 "$(sha256sum root.tar.zst | cut -d" " -f1)" \
		--size 2G --swap 64M --cachedir "$CACHEDIR" >summary 2>progress;
	rc=$?
	kill "$(cat http.pid)"
	cat progress
	test "$rc" = 0 &&
	"$TEST_TOOL" xlcfg-check "$out/tarred.cfg"
'

test_expect_success 'tar: a missing URL fails cleanly' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname tarred2 --dir "$dir" --output "$out" \
		--install-method tar --install-source "http://127.0.0.1:9/none.tar" \
		--install-source-sha256 "$(printf %064d 0)" \
		--cachedir "$CACHEDIR" >o 2>e || rc=$? &&
	test "$rc" = 1 && cat e &&
	grep -q "cannot install the system" e &&
	test ! -e "$dir/domains/tarred2" && test ! -e "$out/tarred2.cfg"
'

# The boot runs beside the tests after it, which leave the guest alone.
test_background 'tar: the guest has fresh host keys and boots' '
	disk=$dir/domains/tarred/disk.img &&
	guest_cat "$disk" /etc/ssh/ssh_host_ed25519_key.pub >k1 &&
	grep -q "^ssh-ed25519 .* root@tarred$" k1 &&
	! cmp -s k1 rootfs/etc/ssh/ssh_host_ed25519_key.pub &&
	guest_cat "$disk" /etc/machine-id >id &&
	grep -qE "^[0-9a-f]{32}$" id &&
	! cmp -s id rootfs/etc/machine-id &&
	mac=$(sed -n "s/^ *MAC: *//p" summary) &&
	pw=$(sed -n "s/^ *Root password: //p" summary) &&
	"$BOOT_CHECK" --disk "$disk" --disk "$dir/domains/tarred/swap.img" \
		--mac "$mac" --hostname tarred --password "$pw"
'

test_expect_success 'copy: install from a directory, dotfiles included, on ext3' '
	echo hidden >rootfs/.dotfile &&
	"$CREATE_IMAGE" --hostname copied --dir "$dir" --output "$out" \
		--install-method copy --install-source "$TRASH/rootfs" --fs ext3 \
		--size 2G --noswap --nopygrub --cachedir "$CACHEDIR" \
		>copied.summary 2>copied.progress &&
	disk=$dir/domains/copied/disk.img &&
	test "$(blkid -o value -s TYPE "$disk")" = ext3 &&
	guest_cat "$disk" /etc/fstab | grep -q "	/	ext3	noatime,errors=remount-ro	" &&
	test "$(guest_cat "$disk" /.dotfile)" = hidden &&
	test "$(guest_cat "$disk" /etc/hostname)" = copied &&
	mkdir pg && pygrub -q --output-format=simple --output-directory=pg "$disk" >pg.out &&
	grep -q "^args root=UUID=$(blkid -o value -s UUID "$disk") ro console=hvc0" pg.out
'

test_expect_success 'copy: without pygrub the xl.cfg boots the guest kernel from dom0' '
	cfg=$out/copied.cfg &&
	"$TEST_TOOL" xlcfg-check "$cfg" &&
	! grep -q bootloader "$cfg" &&
	grep -q "^kernel *= .$CREATE_IMAGE_STATEDIR/kernels/copied/vmlinuz." "$cfg" &&
	grep -q "^ramdisk *= .$CREATE_IMAGE_STATEDIR/kernels/copied/initrd.img." "$cfg" &&
	cmp "$CREATE_IMAGE_STATEDIR/kernels/copied/vmlinuz" rootfs/boot/vmlinuz-* &&
	assert_no_leftovers "$TRASH"
'

test_done
