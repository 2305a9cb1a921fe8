#!/bin/bash
# A guest with a static address, a password from standard input, a role,
# skeleton files and --boot (with an xl that records its arguments, named
# by $CREATE_IMAGE_XL, and a /proc/xen of the test's, $CREATE_IMAGE_XEN_PROC,
# since there is no hypervisor here; without it --boot is refused); booted under
# qemu with its static address. Programs of the build's planted first on
# the caller's PATH are never run: children search a fixed PATH.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
disk=$dir/domains/web2.example.org/disk.img
password='correct horse battery'

mkdir -p roles skel/root/.ssh bin
cat >roles/motd <<'ROLE'
#!/bin/sh
# A role: runs on the host with the guest's root as $1 and the hook
# environment.
set -e
echo "built for $hostname ($ip1/$prefix1, $mac)" >"$1/etc/motd"
# A daemon started in the guest that escapes the role's process group:
# its sandbox (the hooks' chroot is in-guest) in a session of its own.
# Wait until it runs, so the test does not depend on timing.
setsid chroot "$1" sleep 1000 </dev/null >/dev/null 2>&1 &
for i in $(seq 100); do
	pgrep -f "^sleep 1000$" >/dev/null && break
	sleep 0.05
done
ROLE
chmod +x roles/motd
echo "ssh-ed25519 AAAATEST admin@example" >skel/root/.ssh/authorized_keys
cat >bin/xl <<XL
#!/bin/sh
printf '%s\n' "\$*" >>"$TRASH/xl-calls"
readlink /proc/self/ns/mnt >"$TRASH/xl-mount-ns"
# Like xl's domain monitor: left running on purpose.
sleep 60 </dev/null >/dev/null 2>&1 &
echo \$! >"$TRASH/xl-monitor"
XL
chmod +x bin/xl
# Stand-ins that note they ran, then do the real program's work, so the
# build succeeds either way and only the note tells.
mkdir planted
for p in losetup mkfs.ext4 mount umount ssh-keygen; do
	real=$(command -v "$p") || real=/bin/false
	cat >"planted/$p" <<PLANTED
#!/bin/sh
echo $p >>"$TRASH/planted-ran"
exec "$real" "\$@"
PLANTED
	chmod +x "planted/$p"
done

test_expect_success '--boot with no hypervisor: exit 2 before anything is made' '
	rc=0 &&
	CREATE_IMAGE_XL=$TRASH/bin/xl "$CREATE_IMAGE" --hostname web9 \
		--dir "$dir" --output "$out" --boot --cachedir "$CACHEDIR" \
		>o 2>e || rc=$? &&
	test "$rc" = 2 && test "$(wc -l <e)" = 1 &&
	grep -q "^create-image: --boot: no Xen hypervisor runs here (.*/proc/xen/capabilities. is missing)" e &&
	test ! -e "$dir" && test ! -e "$out/web9.cfg" && test ! -e xl-calls
'

mkdir -p xen-proc && : >xen-proc/capabilities

test_expect_success 'create-image builds a guest with a static address and boots it' '
	echo "$password" |
	PATH="$TRASH/planted:$PATH" CREATE_IMAGE_XL=$TRASH/bin/xl \
	CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		"$CREATE_IMAGE" --hostname web2.example.org \
		--dist bookworm --dir "$dir" --output "$out" --size 2G --noswap \
		--image full \
		--ip 10.0.2.50/24 --gateway 10.0.2.2 --nameserver 10.0.2.3 \
		--broadcast 10.0.2.255 \
		--password=- --hash-method sha512 \
		--roledir "$TRASH/roles" --role motd --skel "$TRASH/skel" \
		--boot --cachedir "$CACHEDIR" >summary 2>progress &&
	cat summary &&
	grep -q "Network: *10.0.2.50/24 via 10.0.2.2" summary &&
	! grep -q "Root password" summary
'

test_expect_success 'no program planted first on the caller'\''s PATH ran' '
	test ! -e planted-ran &&
	# They would run from a PATH that is looked up.
	PATH="$TRASH/planted:$PATH" losetup --version >/dev/null &&
	test "$(cat planted-ran)" = losetup
'

test_expect_success '--boot ran xl create on the new config, in the host'\''s mount namespace' '
	test "$(cat xl-calls)" = "create $out/web2.example.org.cfg" &&
	test "$(cat xl-mount-ns)" = "$(readlink /proc/self/ns/mnt)" &&
	kill -0 "$(cat xl-monitor)" &&
	kill "$(cat xl-monitor)"
'

test_expect_success 'a daemon a role left running in the guest was stopped' '
	grep -Eq "killed [12] process(es)? left running in the guest" progress &&
	! pgrep -f "^sleep 1000$"
'

mac=$(sed -n "s/^ *MAC: *//p" summary)

test_expect_success '--image=full allocates the whole disk; no swap disk' '
	test "$(stat -c %s "$disk")" = $((2 * 1024 * 1024 * 1024)) &&
	test "$(du -k "$disk" | cut -f1)" -ge $((2 * 1024 * 1024)) &&
	test ! -e "$dir/domains/web2.example.org/swap.img"
'

test_expect_success 'xl.cfg carries the address for dom0' '
	"$TEST_TOOL" xlcfg-check "$out/web2.example.org.cfg" &&
	! grep -q xvda1 "$out/web2.example.org.cfg" &&
	grep -q "vif *= \[ .mac=$mac, ip=10.0.2.50. \]" "$out/web2.example.org.cfg"
'

test_expect_success 'static network file, hosts with the FQDN, the role and skel' '
	guest_cat "$disk" /etc/systemd/network/10-create-image.network >net &&
	! grep -q DHCP net &&
	grep -q "^Address=10.0.2.50/24" net &&
	grep -q "^Gateway=10.0.2.2" net &&
	grep -q "^DNS=10.0.2.3" net &&
	grep -q "^Broadcast=10.0.2.255" net &&
	test "$(guest_cat "$disk" /etc/hostname)" = web2 &&
	guest_cat "$disk" /etc/hosts | grep -q "^10.0.2.50	web2.example.org web2$" &&
	test "$(guest_cat "$disk" /etc/motd)" = "built for web2.example.org (10.0.2.50/24, $mac)" &&
	guest_cat "$disk" /root/.ssh/authorized_keys | grep -q "admin@example" &&
	guest_cat "$disk" /etc/shadow | grep -q "^root:[$]6[$]"
'

test_expect_success 'the guest boots under qemu with its static address' '
	"$BOOT_CHECK" --disk "$disk" --mac "$mac" --hostname web2 \
		--password "$password" --ip 10.0.2.50
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
