#!/bin/bash
# The one-liner: a bookworm guest with DHCP and pygrub, built for real,
# read by pygrub, parsed by libxlutil and booted under qemu to a root login.
# Built with --debug, which shows every command's environment too: still no
# password in the log or on the terminal.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
disk=$dir/domains/web1/disk.img
swap=$dir/domains/web1/swap.img

test_expect_success 'create-image builds a bookworm guest' '
	"$CREATE_IMAGE" --hostname web1 --dist bookworm --dir "$dir" \
		--output "$out" --dhcp --pygrub --size 2G --swap 128M \
		--debug --cachedir "$CACHEDIR" >summary 2>progress &&
	cat summary &&
	test -f "$disk" && test -f "$swap" && test -f "$out/web1.cfg"
'

test_expect_success 'the summary names the guest, its MAC, network, keys and password' '
	grep -q "^Guest .web1. created" summary &&
	grep -q "Distribution: *bookworm (amd64)" summary &&
	grep -q "Config: *$out/web1.cfg" summary &&
	grep -qE "MAC: *00:16:3e(:[0-9a-f]{2}){3}" summary &&
	grep -q "Network: *DHCP" summary &&
	test $(grep -c "SSH host key: .*SHA256:" summary) -ge 2 &&
	grep -qE "Root password: [A-Za-z0-9]{20}$" summary
'

mac=$(sed -n "s/^ *MAC: *//p" summary)
password=$(sed -n "s/^ *Root password: //p" summary)

test_expect_success 'the password is never written to the log, which is private' '
	log=$CREATE_IMAGE_LOGDIR/web1.log &&
	test -s "$log" &&
	test "$(stat -c %a "$log")" = 600 &&
	grep -Eq "debootstrap (--foreign )?--variant=minbase|using the cached base|(cloning|copying) the base" "$log" &&
	! grep -qF "$password" "$log" &&
	! grep -qF "$password" progress
'

test_expect_success '--debug: each command'\''s environment, on the terminal and in the log' '
	log=$CREATE_IMAGE_LOGDIR/web1.log &&
	grep -q "^create-image:   environment: only these$" progress &&
	grep -q "^create-image:     LC_ALL=C$" progress &&
	grep -q "^create-image:     hostname=web1$" progress &&
	grep -q "[0-9]     hostname=web1$" "$log"
'

test_expect_success 'disks are sparse image files in DIR/domains/HOST' '
	test "$(stat -c %s "$disk")" = $((2 * 1024 * 1024 * 1024)) &&
	test "$(du -k "$disk" | cut -f1)" -lt $((1536 * 1024)) &&
	test "$(blkid -o value -s TYPE "$disk")" = ext4 &&
	test "$(blkid -o value -s TYPE "$swap")" = swap
'

test_expect_success 'the xl.cfg uses modern keys and libxlutil parses it' '
	"$TEST_TOOL" xlcfg-check "$out/web1.cfg" &&
	grep -q "^bootloader *= .pygrub." "$out/web1.cfg" &&
	grep -q "^type *= .pv." "$out/web1.cfg" &&
	grep -q "vdev=xvda2, access=rw, target=$disk" "$out/web1.cfg" &&
	grep -q "vdev=xvda1, access=rw, target=$swap" "$out/web1.cfg" &&
	grep -q "mac=$mac" "$out/web1.cfg" &&
	! grep -q "^dhcp" "$out/web1.cfg"
'

root_uuid=$(blkid -o value -s UUID "$disk")
swap_uuid=$(blkid -o value -s UUID "$swap")

test_expect_success 'pygrub extracts the kernel and initrd, root named by UUID' '
	mkdir pygrub &&
	pygrub -q --output-format=simple --output-directory=pygrub "$disk" >pg &&
	cat pg &&
	k=$(sed -n "s/^kernel //p" pg) && test -s "$k" &&
	i=$(sed -n "s/^ramdisk //p" pg) && test -s "$i" &&
	grep -q "^args root=UUID=$root_uuid ro console=hvc0" pg
'

test_expect_success 'guest files: hostname, hosts, fstab by UUID, apt sources, network' '
	test "$(guest_cat "$disk" /etc/hostname)" = web1 &&
	guest_cat "$disk" /etc/hosts | grep -q "^127.0.1.1	web1" &&
	guest_cat "$disk" /etc/fstab >fstab &&
	grep -q "^UUID=$root_uuid	/	ext4	noatime,errors=remount-ro	0	1" fstab &&
	grep -q "^UUID=$swap_uuid	none	swap	sw,nofail	0	0" fstab &&
	guest_cat "$disk" /etc/apt/sources.list >sources &&
	grep -q "^deb http://deb.debian.org/debian bookworm main contrib non-free non-free-firmware" sources &&
	grep -q " bookworm-updates " sources &&
	grep -qE "^deb http://(security|deb).debian.org/debian-security bookworm-security " sources &&
	guest_cat "$disk" /etc/systemd/network/10-create-image.network >net &&
	grep -q "^MACAddress=$mac" net &&
	grep -q "^DHCP=ipv4" net &&
	test "$(guest_readlink "$disk" /etc/resolv.conf)" = \
		../run/systemd/resolve/stub-resolv.conf
'

test_expect_success 'current packages: the newest kernel and openssh the three suites offer' '
	guest_cat "$disk" /etc/apt/sources.list >sources &&
	mirror_packages sources >packages &&
	ssh=$(newest openssh-server <packages | cut -d" " -f1) &&
	kernel=$(newest linux-image-cloud-amd64 <packages | cut -d" " -f2) &&
	kernel=${kernel#linux-image-} &&
	echo "want openssh-server $ssh, kernel $kernel" &&
	test -n "$ssh" && test -n "$kernel" &&
	test "$(installed_version "$disk" openssh-server)" = "$ssh" &&
	grep -q "^  Kernel: *$kernel$" summary &&
	test "$(guest_ls "$disk" /boot | grep "^vmlinuz-")" = "vmlinuz-$kernel" &&
	guest_cat "$disk" /boot/grub/grub.cfg | grep -q "vmlinuz-$kernel"
'

test_expect_success 'fresh identity: machine-id, host keys; no packages left in the image' '
	guest_cat "$disk" /etc/machine-id | grep -qE "^[0-9a-f]{32}$" &&
	guest_cat "$disk" /etc/ssh/ssh_host_ed25519_key.pub | grep -q "^ssh-ed25519 .* root@web1$" &&
	test -z "$(guest_ls "$disk" /var/cache/apt/archives | grep "\.deb$")" &&
	guest_cat "$disk" /etc/shadow | grep -q "^root:[$]y[$]"
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_expect_success 'the guest boots under qemu to a root login with DHCP' '
	"$BOOT_CHECK" --disk "$disk" --disk "$swap" --mac "$mac" \
		--hostname web1 --password "$password"
'

test_expect_success 'a second build of the same guest is refused' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" >o 2>e || rc=$? &&
	test "$rc" = 2 && grep -q "already exists" e
'

test_expect_success '--force whose rebuild fails restores the old guest untouched' '
	echo "not a tarball" >"$TRASH/not-a.tar" &&
	sum=$(md5sum <"$out/web1.cfg") &&
	ino=$(stat -c %i "$disk") &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" --force \
		--cachedir "$CACHEDIR" --install-method tar \
		--install-source "$TRASH/not-a.tar" >o 2>e || rc=$? &&
	test "$rc" = 1 &&
	cat e &&
	grep -q "cannot install the system" e &&
	test "$(md5sum <"$out/web1.cfg")" = "$sum" &&
	test "$(stat -c %i "$disk")" = "$ino" &&
	test -z "$(ls -A "$dir/domains" | grep -v "^web1$")" &&
	test -z "$(ls -A "$out" | grep -v "^web1.cfg$")" &&
	assert_no_leftovers "$TRASH"
'

test_done
