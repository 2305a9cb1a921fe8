#!/bin/bash
# create-image export: one guest from the suite's cached base, exported as
# raw, qcow2 and tar.zst, each with its checksum and package list; the raw
# export of a --generalize guest booted twice from two fresh copies gets
# two different host keys. Bad input is refused with nothing written.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
exp=$TRASH/exports
export CREATE_IMAGE_LOGDIR=$TRASH/log
export CREATE_IMAGE_XEN_PROC=$TRASH/no-xen
disk=$dir/domains/t13-web/disk.img
key=$TRASH/id_ed25519
mkdir -p "$exp"

test_expect_success 'a generalized guest is built from the cached base' '
	ssh-keygen -q -t ed25519 -N "" -C "t13@example" -f "$key" &&
	"$CREATE_IMAGE" --hostname t13-web --dist bookworm --dir "$dir" \
		--output "$out" --dhcp --pygrub --size 2G --swap 128M \
		--ssh-key "$key.pub" --generalize --export "$exp/built.qcow2" \
		--cachedir "$CACHEDIR" >summary 2>progress &&
	test -f "$disk" &&
	! grep -q "SSH host key:" summary
'

test_expect_success '--export at build time: the qcow2 export and its files' '
	(cd "$exp" && sha256sum -c --strict built.qcow2.sha256) &&
	grep -q "\"format\": \"qcow2\"" "$exp/built.qcow2.packages.json" &&
	qemu-img compare -f raw -F qcow2 "$disk" "$exp/built.qcow2" &&
	rm "$exp"/built.qcow2*
'

test_expect_success '--export: a format it cannot tell or an existing file, nothing built' '
	touch "$exp/there.img" &&
	for args in "--export $exp/x.vmdk" "--export-format raw" \
		    "--export $exp/x.img --export-format vhd" \
		    "--export $exp/there.img"; do
		rc=0 &&
		"$CREATE_IMAGE" --hostname t13-no --dir "$dir" --output "$out" \
			--cachedir "$CACHEDIR" $args >o 2>e || rc=$? &&
		cat e && test "$rc" = 2 && grep -q -- "--export" e &&
		test ! -e "$dir/domains/t13-no" || exit 1
	done &&
	rm "$exp/there.img" && test -z "$(ls -A "$exp")"
'

test_expect_success 'the generalized image holds no identity, and units that make one' '
	test -z "$(guest_ls "$disk" /etc/ssh | grep "^ssh_host_")" &&
	test "$(guest_cat "$disk" /etc/machine-id | wc -c)" = 0 &&
	test "$(guest_cat "$disk" /etc/hostname)" = localhost &&
	guest_cat "$disk" /etc/systemd/system/create-image-ssh-keys.service >unit &&
	grep -q "^ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key$" unit &&
	grep -q "^Before=.*ssh.service" unit &&
	grep -q "^ExecStart=/usr/bin/ssh-keygen -A$" unit
'

# export_ok FORMAT FILE: run export, check the three files and the sum.
export_ok() {
	"$CREATE_IMAGE" export t13-web --format="$1" -o "$2" >o 2>e &&
	cat o e &&
	test -s "$2" && test -s "$2.sha256" && test -s "$2.packages.json" &&
	(cd "$(dirname "$2")" && sha256sum -c --strict "$(basename "$2").sha256") &&
	test -z "$(ls -A "$exp" | grep "\.part-")"
}

# The kernel the guest has installed, as packages.json names it.
kernel_ok() {
	python3 - "$1" "$2" <<-\PY
	import json, sys
	doc = json.load(open(sys.argv[1]))
	pkgs = {p["name"]: p for p in doc["packages"]}
	assert doc["hostname"] == "t13-web" and doc["format"] == sys.argv[2]
	assert doc["settings"]["dist"] == "bookworm", doc["settings"]
	k = pkgs["linux-image-cloud-amd64"]
	assert k["architecture"] == "amd64" and k["version"], k
	assert pkgs["openssh-server"]["version"]
	assert len(pkgs) > 100, len(pkgs)
	PY
}

test_expect_success 'raw: the root disk as it is, checksum and packages' '
	export_ok raw "$exp/web.img" &&
	kernel_ok "$exp/web.img.packages.json" raw &&
	test "$(guest_cat "$disk" /var/lib/dpkg/status | grep -c "^Status: install ok installed")" = \
		"$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))[\"packages\"]))" "$exp/web.img.packages.json")" &&
	cmp "$disk" "$exp/web.img" &&
	test "$(du -k "$exp/web.img" | cut -f1)" -lt $((1536 * 1024))
'

test_expect_success 'qcow2: qemu-img finds it sound and its content is the disk' '
	export_ok qcow2 "$exp/web.qcow2" &&
	kernel_ok "$exp/web.qcow2.packages.json" qcow2 &&
	qemu-img check "$exp/web.qcow2" &&
	qemu-img info --output=json "$exp/web.qcow2" >info &&
	grep -q "\"format\": \"qcow2\"" info &&
	qemu-img compare -f raw -F qcow2 "$disk" "$exp/web.qcow2"
'

test_expect_success 'tar.zst: the tree, numeric owners, the same files as the disk' '
	export_ok tar.zst "$exp/web.tar.zst" &&
	kernel_ok "$exp/web.tar.zst.packages.json" tar.zst &&
	tar --zstd -tvf "$exp/web.tar.zst" --numeric-owner >list &&
	grep -q " 0/0 .* etc/passwd$" list &&
	grep -q "^-rw-r----- 0/42 .* etc/shadow$" list &&
	grep -q " usr/bin/ssh-keygen$" list &&
	mkdir tree mnt &&
	tar --zstd -xpf "$exp/web.tar.zst" -C tree --numeric-owner \
		--xattrs --xattrs-include="*" --acls &&
	test "$(guest_cat "$disk" /var/lib/dpkg/status | sha256sum)" = \
		"$(sha256sum <tree/var/lib/dpkg/status)" &&
	test "$(guest_cat "$disk" /etc/shadow | sha256sum)" = \
		"$(sha256sum <tree/etc/shadow)" &&
	# Every name, mode, owner and size of the disk, and nothing else.
	# A loop device of the test'\''s own, detached by name: one that
	# mount -o loop attached goes only some time after the umount.
	loop=$(losetup -f --show -r "$exp/web.img") &&
	mount -o ro "$loop" mnt &&
	for t in mnt tree; do
		(cd $t && find . -mindepth 1 -printf "%P %m %U %G %y\n" &&
		 find . -type f -printf "%P %s\n") | sort >$t.list || break
	done &&
	umount mnt && losetup -d "$loop" &&
	test_cmp mnt.list tree.list &&
	test $(wc -l <tree.list) -gt 5000
'

test_expect_success 'a partitioned disk and a qcow2 guest: each read where it is' '
	"$CREATE_IMAGE" --hostname t13-disk --dir "$dir" --output "$out" \
		--dhcp --pygrub --size 2G --noswap --layout disk \
		--cachedir "$CACHEDIR" >/dev/null 2>&1 &&
	"$CREATE_IMAGE" --hostname t13-q --dir "$dir" --output "$out" \
		--dhcp --pygrub --size 2G --noswap --disk-format qcow2 \
		--cachedir "$CACHEDIR" >/dev/null 2>&1 &&
	"$CREATE_IMAGE" export t13-disk -o "$exp/disk.tar.zst" &&
	"$CREATE_IMAGE" export t13-q -o "$exp/q.raw" &&
	(cd "$exp" && sha256sum -c disk.tar.zst.sha256 q.raw.sha256) &&
	tar --zstd -tf "$exp/disk.tar.zst" | grep -q "^etc/fstab$" &&
	grep -q "\"name\": \"linux-image-cloud-amd64\"" "$exp/disk.tar.zst.packages.json" &&
	qemu-img compare -f qcow2 -F raw "$dir/domains/t13-q/disk.qcow2" "$exp/q.raw" &&
	test "$(guest_cat "$exp/q.raw" /etc/hostname)" = t13-q &&
	test -z "$(ls -A "$exp" | grep "\.part-")" &&
	assert_no_leftovers "$TRASH" &&
	rm "$exp"/disk.tar.zst* "$exp"/q.raw*
'

mac=$(sed -n "s/^ *MAC: *//p" summary)

test_expect_success 'the raw export booted twice from two copies: two host keys' '
	cp --sparse=always "$exp/web.img" copy1.img &&
	cp --sparse=always "$exp/web.img" copy2.img &&
	for i in 1 2; do
		"$BOOT_CHECK" --disk copy$i.img --mac "$mac" \
			--hostname localhost --ssh-key "$key" \
			--ssh-command "cat /etc/ssh/ssh_host_ed25519_key.pub" \
			--ssh-command "cat /etc/machine-id" >boot$i ||
			{ cat boot$i; exit 1; }
	done &&
	k1=$(grep "^root: ssh-ed25519 " boot1) && k2=$(grep "^root: ssh-ed25519 " boot2) &&
	test -n "$k1" && test -n "$k2" && test "$k1" != "$k2" &&
	m1=$(grep -E "^root: [0-9a-f]{32}$" boot1) &&
	m2=$(grep -E "^root: [0-9a-f]{32}$" boot2) &&
	test "$m1" != "$m2"
'

# bad_export RC MESSAGE ARGS...: refused with RC, MESSAGE on stderr,
# nothing new in $exp.
bad_export() {
	want=$1 msg=$2; shift 2
	ls -A "$exp" >before &&
	rc=0 && "$CREATE_IMAGE" export "$@" >o 2>e || rc=$?
	cat e
	test "$rc" = "$want" && grep -q -- "$msg" e && test ! -s o &&
	ls -A "$exp" >after && test_cmp before after
}

mkdir -p "$TRASH/xen-proc" "$TRASH/bin"
echo "xen-3.0-x86_64" >"$TRASH/xen-proc/capabilities"
cat >"$TRASH/bin/xl" <<'XL'
#!/bin/sh
[ "$1" = list ] || exit 2
echo "Name                                        ID   Mem VCPUs	State	Time(s)"
echo "Domain-0                                     0  1024     2     r-----      10.0"
echo "t13-web                                      3   256     1     -b----       1.0"
XL
chmod +x "$TRASH/bin/xl"

test_expect_success 'bad input is refused with nothing written' '
	bad_export 2 "no guest .t13-none." t13-none -o "$exp/n.img" &&
	bad_export 2 "unknown format .vmdk." t13-web --format=vmdk -o "$exp/n.img" &&
	bad_export 2 "cannot tell the format from" t13-web -o "$exp/n.vmdk" &&
	bad_export 2 "give -o FILE" t13-web --format=raw &&
	bad_export 2 "web.img. already exists (--force replaces it)" \
		t13-web -o "$exp/web.img" &&
	bad_export 2 "cannot write into .$TRASH/nodir." t13-web -o "$TRASH/nodir/x.img" &&
	PATH=$TRASH/bin:$PATH CREATE_IMAGE_XL=$TRASH/bin/xl \
		CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		bad_export 2 "guest .t13-web. is running; shut it down first" \
		t13-web -o "$exp/run.img"
'

test_expect_success '--force replaces an export; nothing is left mounted' '
	old=$(cat "$exp/web.img.sha256") &&
	"$CREATE_IMAGE" export t13-web -o "$exp/web.img" --force >o 2>e &&
	(cd "$exp" && sha256sum -c web.img.sha256) &&
	test -z "$(ls -A "$exp" | grep "\.part-")" &&
	assert_no_leftovers "$TRASH"
'

test_done
