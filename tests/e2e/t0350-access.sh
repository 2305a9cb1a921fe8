#!/bin/bash
# Access without passwords: a guest with an SSH key (root's password then
# locked) and two --admins, read in its image, then booted under qemu with
# a static address outside qemu's default network and logged in to over
# SSH, as root and as an admin using sudo. With --accounts, dom0's users
# come too: a user made on this host for the test, with its UID, groups
# and password hash. Bad key files are refused before anything is made; a
# tree without sudo fails --admins and leaves nothing.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
export CREATE_IMAGE_CONFIG=$TRASH/none.conf
disk=$dir/domains/keys1/disk.img
key=$TRASH/id_ed25519
mkdir -p "$out"

test_expect_success 'a key pair, and key files that are no public key' '
	ssh-keygen -q -t ed25519 -N "" -C "fleet@example" -f "$key" &&
	ssh-keygen -q -t dsa -N "" -C "old@example" -f "$TRASH/id_dsa" &&
	: >"$TRASH/empty.pub" &&
	{ cat "$key.pub" && echo "not a key"; } >"$TRASH/garbage.pub" &&
	sed "s/^ssh-ed25519 /ssh-rsa /" "$key.pub" >"$TRASH/mixed.pub" &&
	test -s "$key.pub"
'

# bad_key FILE MESSAGE: exit 2, that one line, and nothing created.
bad_key() {
	rc=0
	"$CREATE_IMAGE" --hostname keys2 --dir "$dir" --output "$out" \
		--cachedir "$CACHEDIR" --ssh-key "$1" >stdout 2>stderr || rc=$?
	cat stderr
	test "$rc" = 2 || { echo "exit $rc, want 2"; return 1; }
	test "$(wc -l <stderr)" = 1 || { echo "want one line"; return 1; }
	grep -qF "create-image: $2" stderr || { echo "want: $2"; return 1; }
	test ! -e "$dir" && test -z "$(ls -A "$out")" &&
	test ! -e "$CREATE_IMAGE_LOGDIR" && test ! -e "$CREATE_IMAGE_STATEDIR" &&
	assert_no_leftovers "$TRASH"
}

test_expect_success 'bad key files: exit 2 naming --ssh-key and the file, nothing created' '
	bad_key "$key" "--ssh-key: '\''$key'\'' is a private key: give its .pub file" &&
	bad_key "$TRASH/empty.pub" "--ssh-key: '\''$TRASH/empty.pub'\'' is empty" &&
	bad_key "$TRASH/garbage.pub" "--ssh-key: $TRASH/garbage.pub:2: not an OpenSSH public key" &&
	bad_key "$TRASH/id_dsa.pub" "--ssh-key: $TRASH/id_dsa.pub:1: '\''ssh-dss'\'' (DSA) keys are refused" &&
	bad_key "$TRASH/mixed.pub" "--ssh-key: $TRASH/mixed.pub:1: the key data is a '\''ssh-ed25519'\'' key, not '\''ssh-rsa'\''" &&
	bad_key "$TRASH/none.pub" "--ssh-key: cannot read '\''$TRASH/none.pub'\''"
'

# A user of dom0's for --accounts (taken away again at the end): its own
# group, a group the guest lacks and one it has.
userdel -r t0350carol >/dev/null 2>&1
groupdel t0350grp >/dev/null 2>&1
groupadd --gid 1601 t0350grp &&
useradd --uid 1600 --user-group --comment "Carol,,," --create-home \
	--shell /bin/bash --groups t0350grp,dialout \
	--password '$6$salt$8WOFlx7BQYQ7DvuAbTIVpvhyWU7pmP7tQd8yR6OHwUgsLdVBk6IpyLIpPnOHJsXe4lGwmV7s8tVAGQGBdvOKx.' \
	t0350carol || exit 1

test_expect_success 'a guest with a key, two admins, dom0'\''s accounts and a static address' '
	"$CREATE_IMAGE" --hostname keys1 --dir "$dir" --output "$out" \
		--size 2G --noswap --ip 192.0.2.10/24 --gateway 192.0.2.1 \
		--nameserver 192.0.2.3 --ssh-key "$key.pub" --admins alice,bob \
		--accounts --cachedir "$CACHEDIR" >summary 2>progress &&
	cat summary &&
	grep -q "running hook .40-accounts." progress &&
	grep -q "^  Root password: locked (SSH keys only)$" summary &&
	grep -q "^  Admins:        alice, bob$" summary
'

mac=$(sed -n "s/^ *MAC: *//p" summary)

test_expect_success 'root: the key in /root/.ssh/authorized_keys, its password locked' '
	guest_cat "$disk" /root/.ssh/authorized_keys >root-keys &&
	test_cmp "$key.pub" root-keys &&
	test "$(guest_stat "$disk" /root/.ssh)" = "0700 0 0" &&
	test "$(guest_stat "$disk" /root/.ssh/authorized_keys)" = "0600 0 0" &&
	guest_cat "$disk" /etc/shadow >shadow &&
	grep -q "^root:!\*:" shadow
'

test_expect_success 'alice and bob: accounts in group sudo, passwords locked, the key' '
	guest_cat "$disk" /etc/passwd >passwd &&
	guest_cat "$disk" /etc/group >group &&
	for u in alice bob; do
		line=$(grep "^$u:" passwd) &&
		uid=$(echo "$line" | cut -d: -f3) &&
		gid=$(echo "$line" | cut -d: -f4) &&
		test "$(echo "$line" | cut -d: -f6-)" = "/home/$u:/bin/bash" &&
		grep -q "^$u:!\*:" shadow &&
		guest_cat "$disk" "/home/$u/.ssh/authorized_keys" >keys-$u &&
		test_cmp "$key.pub" keys-$u &&
		test "$(guest_stat "$disk" /home/$u/.ssh)" = "0700 $uid $gid" &&
		test "$(guest_stat "$disk" /home/$u/.ssh/authorized_keys)" = "0600 $uid $gid" ||
		exit 1
	done &&
	grep -Eq "^sudo:x:27:(.*,)?alice,bob$" group
'

test_expect_success '--accounts: dom0'\''s users, with their UIDs, groups and password hashes' '
	grep "^t0350carol:" /etc/shadow | cut -d: -f2 >hash.dom0 &&
	grep "^t0350carol:" shadow | cut -d: -f2 >hash.guest &&
	test -s hash.guest && test_cmp hash.dom0 hash.guest &&
	grep -qx "t0350carol:x:1600:1600:Carol,,,:/home/t0350carol:/bin/bash" passwd &&
	grep -qx "t0350carol:x:1600:" group &&
	grep -qx "t0350grp:x:1601:t0350carol" group &&
	grep -Eq "^dialout:x:20:(.*,)?t0350carol(,|$)" group &&
	case "$(guest_stat "$disk" /home/t0350carol)" in
	"0700 1600 1600"|"0755 1600 1600") ;;
	*) false ;;
	esac &&
	# Every user of dom0 is there, with its UID.
	awk -F: "\$3 >= 1000 && \$3 < 60000 { print \$1 \":\" \$3 }" /etc/passwd >want &&
	awk -F: "\$3 >= 1000 && \$3 < 60000 { print \$1 \":\" \$3 }" passwd |
		grep -v -e "^alice:" -e "^bob:" >got &&
	test_cmp want got &&
	# The admins took UIDs dom0'\''s users left free.
	test "$(cut -d: -f3 passwd | sort | uniq -d)" = ""
'

test_expect_success 'the sudoers file: no password for them, 0440, and visudo takes it' '
	guest_cat "$disk" /etc/sudoers.d/create-image-admins >sudoers &&
	grep -v "^#" sudoers >rules &&
	printf "%s\n" "alice ALL=(ALL:ALL) NOPASSWD: ALL" \
		"bob ALL=(ALL:ALL) NOPASSWD: ALL" >want &&
	test_cmp want rules &&
	test "$(guest_stat "$disk" /etc/sudoers.d/create-image-admins)" = "0440 0 0" &&
	mkdir -p mnt &&
	mount -o ro,loop,noload "$disk" mnt &&
	rc=0 &&
	chroot mnt /usr/sbin/visudo -c -f /etc/sudoers.d/create-image-admins \
		>visudo 2>&1 || rc=$? &&
	umount mnt &&
	cat visudo &&
	test "$rc" = 0 &&
	grep -q "parsed OK" visudo
'

test_expect_success 'booted, root and alice log in with the key; alice is root by sudo' '
	"$BOOT_CHECK" --disk "$disk" --mac "$mac" --hostname keys1 \
		--ip 192.0.2.10/24 --net 192.0.2.0/24 --gateway 192.0.2.1 \
		--dns 192.0.2.3 --ssh-key "$key" --ssh-user root \
		--ssh-user alice --ssh-command "id -un" \
		--ssh-command "sudo -n id -u" \
		--ssh-command "sudo -n passwd -S root" >boot &&
	cat boot &&
	grep -qx "root: root" boot &&
	grep -qx "alice: alice" boot &&
	grep -qx "alice: 0" boot &&
	grep -q "^alice: root L " boot &&
	grep -q "^boot-check: ok: .keys1. let root in over SSH" boot
'

test_expect_success 'an explicit --genpass still gives root a password with a key; --nohooks' '
	mkdir -p roles &&
	printf "#!/bin/sh\ntouch \"\$1/etc/role-ran\"\n" >roles/mark &&
	chmod +x roles/mark &&
	"$CREATE_IMAGE" --hostname keys3 --dir "$dir" --output "$out" \
		--size 2G --noswap --ssh-key "$key.pub" --genpass \
		--nohooks --roledir "$TRASH/roles" --role mark \
		--cachedir "$CACHEDIR" >summary3 2>progress3 &&
	grep -qE "Root password: [A-Za-z0-9]{20}$" summary3 &&
	guest_cat "$dir/domains/keys3/disk.img" /etc/shadow | grep -q "^root:[$]y[$]" &&
	guest_cat "$dir/domains/keys3/disk.img" /root/.ssh/authorized_keys >keys3 &&
	test_cmp "$key.pub" keys3
'

test_expect_success '--nohooks: no hook ran, the roles did, and the guest has its own host keys' '
	d3=$dir/domains/keys3/disk.img &&
	! grep -q "running hook" progress3 &&
	grep -q "running role .mark." progress3 &&
	guest_ls "$d3" /etc | grep -qx role-ran &&
	test "$(grep -c "SSH host key: .*SHA256:" summary3)" = 3 &&
	guest_cat "$d3" /etc/ssh/ssh_host_ed25519_key.pub >k3 &&
	guest_cat "$disk" /etc/ssh/ssh_host_ed25519_key.pub >k1 &&
	grep -q " root@keys3$" k3 && grep -q " root@keys1$" k1 &&
	! cmp -s k1 k3 &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname keys7 --dir "$dir" --output "$out" \
		--nohooks --admins carol --cachedir "$CACHEDIR" 2>e7 || rc=$? &&
	test "$rc" = 2 &&
	grep -qx "create-image: --nohooks: --admins needs the hooks: its accounts are made by the hook 40-accounts" e7 &&
	test ! -e "$dir/domains/keys7"
'

# want PATTERN, in the expect scripts below: wait for the glob PATTERN,
# or fail at once on a timeout or an early end, not go on regardless.
cat >"$TRASH/want.tcl" <<'EOF'
proc want {pat} {
	expect -gl $pat {} timeout {
		puts "timed out waiting for: $pat"; exit 98
	} eof {
		puts "ended before: $pat"; exit 97
	}
}
EOF

# --passwd through a pseudo-terminal: asked twice without echo, a
# mismatch asked again; the hash in the guest is of what was typed.
test_expect_success '--passwd: typed twice on a terminal, never echoed' '
	pw="Tr0ub4dor &3" &&
	cat >passwd.exp <<-EOF &&
	source $TRASH/want.tcl
	set timeout 120
	spawn $CREATE_IMAGE --hostname keys5 --dir $dir --output $out --size 2G --noswap --passwd --cachedir $CACHEDIR
	want "Root password for ?keys5?: "
	send "first try\r"
	want "Retype it: "
	send "not the same\r"
	want "*the two passwords differ"
	want "Root password for ?keys5?: "
	send "$pw\r"
	want "Retype it: "
	send "$pw\r"
	expect eof
	catch wait result
	exit [lindex \$result 3]
	EOF
	expect -f passwd.exp >passwd.log &&
	! grep -q "first try\|not the same\|Tr0ub4dor" passwd.log &&
	! grep -q "Root password:" passwd.log &&
	guest_cat "$dir/domains/keys5/disk.img" /etc/shadow >shadow5 &&
	hash=$(sed -n "s/^root:\([^:]*\):.*/\1/p" shadow5) &&
	python3 -W ignore -c "import crypt, sys
h = sys.argv[1]
sys.exit(not h.startswith(\"\$y\$\") or crypt.crypt(sys.argv[2], h) != h)" \
		"$hash" "$pw"
'

test_expect_success '--passwd: no terminal, a conflict, or an interrupt: exit status, nothing made' '
	rc=0 &&
	"$CREATE_IMAGE" --hostname keys6 --dir "$dir" --output "$out" \
		--passwd --cachedir "$CACHEDIR" </dev/null 2>stderr || rc=$? &&
	test "$rc" = 2 && test $(wc -l <stderr) = 1 &&
	grep -q "^create-image: --passwd: standard input is not a terminal" stderr &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname keys6 --dir "$dir" --output "$out" \
		--passwd --password=x 2>stderr || rc=$? &&
	test "$rc" = 2 &&
	grep -q "cannot be combined with" stderr &&
	# Interrupted at the prompt: the terminal gets its echo back. The
	# shell ignores the interrupt, to report how create-image ended.
	cat >intr.exp <<-EOF &&
	source $TRASH/want.tcl
	set timeout 60
	spawn sh -c "trap \"\" INT; $CREATE_IMAGE --hostname keys6 --dir $dir --output $out --passwd --cachedir $CACHEDIR; echo rc=\\\$?; stty -a"
	want "Root password for ?keys6?: "
	send "\003"
	expect eof
	EOF
	expect -f intr.exp >intr.log &&
	grep -q "rc=130" intr.log &&
	grep -Eq "(^| )echo( |$)" intr.log &&
	test ! -e "$dir/domains/keys6" && test ! -e "$out/keys6.cfg"
'

test_expect_success 'a tree without sudo: --admins fails, naming it, and leaves nothing' '
	mkdir -p tiny/etc tiny/boot tiny/usr/bin hooks/base &&
	printf "root:*:19000:0:99999:7:::\n" >tiny/etc/shadow &&
	# The tiny tree has no systemctl for the shipped base hook.
	printf "#!/bin/sh\n" >hooks/base/30-enable-services &&
	chmod +x hooks/base/30-enable-services &&
	rc=0 &&
	"$CREATE_IMAGE" --hostname keys4 --dir "$dir" --output "$out" \
		--install-method copy --install-source "$TRASH/tiny" \
		--hooks-dir "$TRASH/hooks" --admins alice \
		--cachedir "$CACHEDIR" >stdout 2>stderr || rc=$? &&
	cat stderr &&
	test "$rc" = 1 &&
	grep -q "hook .40-accounts. .* failed with exit status 1: --admins needs /usr/bin/sudo in the guest" stderr &&
	test ! -e "$dir/domains/keys4" && test ! -e "$out/keys4.cfg"
'

userdel -r t0350carol >/dev/null 2>&1
groupdel t0350grp >/dev/null 2>&1

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
