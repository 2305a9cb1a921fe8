#!/bin/bash
# Networks: one guest with two interfaces from the shared cached base, the
# first by DHCP with a SLAAC IPv6 address, the second with static IPv4 and
# IPv6 addresses, booted under qemu with two virtio NICs carrying the
# guest's two MACs; a --noipv6 guest's files; and every bad network input
# refused with exit 2 before anything is made.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
disk=$dir/domains/net1/disk.img
password='two nics please'

# A role that notes what the hook environment says of the network.
mkdir roles
cat >roles/netenv <<ROLE
#!/bin/sh
echo "\$vif_count \$ipv6 \$ip6_count \$ip6_1 \$gateway6 \$mac" >"$TRASH/netenv-\$hostname"
ROLE
chmod +x roles/netenv

test_expect_success 'create-image builds a guest with two interfaces' '
	echo "$password" |
	"$CREATE_IMAGE" --hostname net1 --dist bookworm --dir "$dir" \
		--output "$out" --size 2G --noswap --password=- \
		--roledir "$TRASH/roles" --role netenv \
		--vif "dhcp, vifname=net1-a" \
		--vif "bridge=xenbr1, ip=192.0.2.10/24, ip6=2001:db8:1::10/64, model=e1000" \
		--cachedir "$CACHEDIR" >summary 2>progress &&
	cat summary &&
	grep -q "Network: *DHCP$" summary &&
	grep -Eq "Network: *192.0.2.10/24 on 00:16:3e(:[0-9a-f]{2}){3} \(interface 2\)$" summary &&
	grep -Eq "Network: *2001:db8:1::10/64 on 00:16:3e(:[0-9a-f]{2}){3} \(interface 2\)$" summary
'

mac1=$(sed -n "s/^ *MAC: *//p" summary)
mac2=$(sed -n "s/^ *Network: *192.0.2.10\/24 on \([0-9a-f:]*\) .*/\1/p" summary)

test_expect_success 'the xl.cfg lists both interfaces in order, and libxlutil parses it' '
	"$TEST_TOOL" xlcfg-check "$out/net1.cfg" &&
	test -n "$mac1" && test -n "$mac2" && test "$mac1" != "$mac2" &&
	grep -x "vif *= \[ .mac=$mac1, vifname=net1-a., .mac=$mac2, bridge=xenbr1, model=e1000, ip=192.0.2.10. \]" "$out/net1.cfg"
'

test_expect_success 'one MAC-matched networkd file per interface; SLAAC where no ip6= is given' '
	guest_cat "$disk" /etc/systemd/network/10-create-image.network >net0 &&
	guest_cat "$disk" /etc/systemd/network/10-create-image-vif1.network >net1 &&
	cat net0 net1 &&
	grep -qx "MACAddress=$mac1" net0 &&
	grep -qx "DHCP=ipv4" net0 &&
	grep -qx "IPv6AcceptRA=yes" net0 &&
	! grep -q "^Address=" net0 &&
	grep -qx "MACAddress=$mac2" net1 &&
	! grep -q "^DHCP" net1 &&
	grep -qx "IPv6AcceptRA=no" net1 &&
	grep -qx "Address=192.0.2.10/24" net1 &&
	grep -qx "Address=2001:db8:1::10/64" net1 &&
	! grep -q "^Gateway=" net1 &&
	test "$(cat netenv-net1)" = "2 1 0   $mac1" &&
	test -z "$(guest_cat "$disk" /etc/sysctl.d/90-create-image-noipv6.conf)"
'

test_expect_success 'the guest boots with both NICs up: DHCP and SLAAC on one, static v4 and v6 on the other' '
	"$BOOT_CHECK" --disk "$disk" --mac "$mac1" --hostname net1 \
		--password "$password" --ip6 fec0::/64 \
		--nic "$mac2,net=192.0.2.0/24,net6=2001:db8:1::/64,ip=192.0.2.10/24,ip6=2001:db8:1::10/64"
'

# dom0's /etc/hosts, as it was: --hosts changes it, and it is put back.
cp -p /etc/hosts hosts.orig
printf "198.51.100.77\tt1220-peer.example.org t1220-peer\n" >>/etc/hosts

test_expect_success 'a --noipv6 guest: no IPv6 in networkd, and the kernel told so; its --p2p peer' '
	"$CREATE_IMAGE" --hostname net2 --dist bookworm --dir "$dir" \
		--output "$out" --size 2G --noswap --genpass --noipv6 \
		--ip 192.0.2.20/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \
		--p2p 192.0.2.1 --hosts --copyhosts \
		--vlan 20 --vifname net2-0 \
		--roledir "$TRASH/roles" --role netenv \
		--cachedir "$CACHEDIR" >summary2 2>progress2 &&
	"$TEST_TOOL" xlcfg-check "$out/net2.cfg" &&
	grep -q "vif *= \[ .mac=[0-9a-f:]*, bridge=xenbr0.20, vifname=net2-0, ip=192.0.2.20. \]" "$out/net2.cfg" &&
	d2=$dir/domains/net2/disk.img &&
	guest_cat "$d2" /etc/systemd/network/10-create-image.network >n2 &&
	cat n2 &&
	grep -qx "LinkLocalAddressing=no" n2 &&
	grep -qx "IPv6AcceptRA=no" n2 &&
	grep -qx "Address=192.0.2.20/24" n2 &&
	grep -A2 -x "Address=192.0.2.20/24" n2 | grep -qx "Peer=192.0.2.1" &&
	test -z "$(guest_ls "$d2" /etc/systemd/network | grep vif)" &&
	guest_cat "$d2" /etc/sysctl.d/90-create-image-noipv6.conf >sysctl &&
	grep -qx "net.ipv6.conf.all.disable_ipv6 = 1" sysctl &&
	grep -qx "net.ipv6.conf.default.disable_ipv6 = 1" sysctl &&
	grep -q "^1 0 0   00:16:3e:" netenv-net2
'

test_expect_success '--hosts: the guest in dom0'\''s /etc/hosts; --copyhosts: dom0'\''s entries in the guest'\''s' '
	grep -c -x "192.0.2.20	net2	# create-image" /etc/hosts >count &&
	test "$(cat count)" = 1 &&
	guest_cat "$dir/domains/net2/disk.img" /etc/hosts >guest-hosts &&
	cat guest-hosts &&
	grep -qx "192.0.2.20	net2" guest-hosts &&
	grep -qx "198.51.100.77	t1220-peer.example.org t1220-peer" guest-hosts &&
	! grep -q "create-image" guest-hosts &&
	test "$(grep -c "^127.0.0.1" guest-hosts)" = 1
'

test_expect_success 'delete-image takes the guest'\''s line out of dom0'\''s /etc/hosts, and nothing else' '
	grep -v -x "192.0.2.20	net2	# create-image" /etc/hosts >hosts.want &&
	"$BUILD/delete-image" --dir "$dir" --output "$out" net2 >del &&
	cat del &&
	grep -q "^removed line of /etc/hosts .192.0.2.20	net2	# create-image.$" del &&
	test_cmp hosts.want /etc/hosts
'

# refused FLAG-NAMED-IN-MESSAGE ARGS...: exit 2, the message names the
# flag, and nothing of a guest net3 is made.
refused()
{
	local named=$1 rc=0
	shift
	"$CREATE_IMAGE" --hostname net3 --dir "$dir" --output "$out" \
		--cachedir "$CACHEDIR" "$@" >o 2>e || rc=$?
	cat e
	test "$rc" = 2 &&
	grep -q "^create-image: $named: " e &&
	test ! -e "$dir/domains/net3" && test ! -e "$out/net3.cfg" &&
	test -z "$(ls "$CREATE_IMAGE_STATEDIR/guests" 2>/dev/null | grep "^net3")"
}

test_expect_success 'bad network input: exit 2 naming the flag, nothing created' '
	refused --vif --vif "colour=blue" &&
	refused --vif --vif "ip=192.0.2.5" &&
	refused --vif --vif "bridge=br0;reboot" &&
	refused --vif --vif "vifname=a-very-long-name0" &&
	refused --vif --vif "rate=fast" &&
	refused --vif --vif "dhcp, ip=192.0.2.5/24" &&
	refused --vif --ip 192.0.2.5/24 --vif "ip=192.0.2.6/24" &&
	refused --vif --vif "mac=00:16:3e:00:00:01" --vif "mac=00:16:3e:00:00:01" &&
	refused --vif --ip 192.0.2.5/24 --gateway 192.0.2.1 \
		--vif "bridge=xenbr0" --vif "ip=198.51.100.5/24,gateway=198.51.100.1" &&
	refused --vif --vif "dhcp" --vif "gateway6=fe80::1" --vif "gateway6=fe80::2" &&
	refused --ip6 --ip6 2001:db8::5 &&
	refused --gateway6 --gateway6 ff02::1 &&
	refused --ip6 --noipv6 --ip6 2001:db8::5/64 &&
	refused --nameserver --noipv6 --nameserver 2001:db8::53 &&
	refused --nameserver --nameserver 2001:db8::zz &&
	refused --vlan --vlan 4095 &&
	refused --vlan --vlan 7 --bridge ovs0.5 &&
	refused --p2p --dhcp --p2p 192.0.2.1 &&
	refused --p2p --ip 192.0.2.5/24 --p2p 192.0.2
'

test_expect_success '--hosts: a name dom0 gives another address is refused; a DHCP guest too' '
	printf "198.51.100.78\tnet3\n" >>/etc/hosts &&
	refused --hosts --ip 192.0.2.30/24 --hosts &&
	grep -q "/etc/hosts:[0-9]*: names .net3. already" e &&
	refused --hosts --dhcp --hosts
'

cp -p hosts.orig /etc/hosts

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
