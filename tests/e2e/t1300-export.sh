#!/bin/bash
# create-image export: one guest from the suite's cached base, exported as
# raw, qcow2 and tar.zst, each with its checksum and package list (the
# kernel, the base, the settings). The raw and the qcow2 export of a
# --generalize guest, two copies of one image, are booted under qemu side
# by side and must get two different host keys and machine-ids; the
# tar.zst is installed as a new guest (--install-method=tar), whose disk
# is checked but not booted (a third qemu does not fit the two cores of
# the CI budget). Bad input is refused with nothing written.
# suite: beside
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
	assert doc["settings"]["size"] == str(2 << 30), doc["settings"]
	assert doc["settings"]["generalize"] in ("1", "yes"), doc["settings"]
	assert "ssh-key" not in doc["settings"] or doc["settings"]["ssh-key"]
	base = json.load(open("base.json"))["base"]
	assert base and doc["base"] == base, (doc["base"], base)
	k = pkgs["linux-image-cloud-amd64"]
	assert k["architecture"] == "amd64" and k["version"], k
	assert pkgs["openssh-server"]["version"]
	assert len(pkgs) > 100, len(pkgs)
	PY
}

test_expect_success 'the guest record names the cached base it was made from' '
	"$BUILD/list-images" --json >list.json &&
	python3 - <<-\PY &&
	import json
	doc = json.load(open("list.json"))
	g = [g for g in doc["guests"] if g["hostname"] == "t13-web"][0]
	assert g["base"], g
	json.dump({"base": g["base"]}, open("base.json", "w"))
	PY
	base=$(python3 -c "import json; print(json.load(open(\"base.json\"))[\"base\"])") &&
	test -n "$(find "$CACHEDIR" -maxdepth 3 -name "$base*" | head -n1)"
'

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

mac=$(sed -n "s/^ *MAC: *//p" summary)

# The boots take most of this script's time: each runs in the background
# (qemu under TCG, one CPU each) while the checks that need no boot go on,
# and is waited for at the end. boot_bg NAME ARGS...: boot-check ARGS,
# its output in NAME.out and its exit status in NAME.rc.
boot_pids=
boot_bg()
{
	local name=$1
	shift
	{ "$BOOT_CHECK" --timeout 600 "$@" >"$TRASH/$name.out" 2>&1
	  echo $? >"$TRASH/$name.rc"; } &
	boot_pids="$boot_pids $!"
}

test_expect_success 'two copies of the generalized image: the raw export and the qcow2' '
	cp --sparse=always "$exp/web.img" copy1.img &&
	cp "$exp/web.qcow2" copy2.qcow2 &&
	mkdir kernel &&
	pygrub -q --output-format=simple --output-directory=kernel copy1.img >menu &&
	sed -n "s/^kernel //p" menu >kernel.path &&
	sed -n "s/^ramdisk //p" menu >initrd.path &&
	sed -n "s/^args //p" menu >args &&
	test -s "$(cat kernel.path)" && test -s "$(cat initrd.path)"
'

# Both boot at once: two qemus, two ports, two transcripts. The qcow2
# one takes the kernel the raw one's boot menu names (pygrub reads raw
# images only); the root file system is the qcow2's own.
if [ -s "$TRASH/initrd.path" ]; then
	boot_bg boot1 --disk "$TRASH/copy1.img" --mac "$mac" \
		--hostname localhost --ssh-key "$key" \
		--ssh-command "cat /etc/ssh/ssh_host_ed25519_key.pub" \
		--ssh-command "cat /etc/machine-id"
	boot_bg boot2 --disk "$TRASH/copy2.qcow2" --mac "$mac" \
		--kernel "$(cat "$TRASH/kernel.path")" \
		--initrd "$(cat "$TRASH/initrd.path")" \
		--append "$(cat "$TRASH/args")" \
		--hostname localhost --ssh-key "$key" \
		--ssh-command "cat /etc/ssh/ssh_host_ed25519_key.pub" \
		--ssh-command "cat /etc/machine-id"
fi

# tar_list: a tar stream on stdin as find prints the tree it holds
# ("NAME MODE UID GID TYPE" for each member, "NAME SIZE" for each file,
# a hard link by its target's size), plus "sha256 NAME HEX" for the files
# the test compares; the root itself is left out, as find -mindepth 1.
tar_list='
import hashlib, sys, tarfile
sums = ("var/lib/dpkg/status", "etc/shadow")
size = {}
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as t:
    for m in t:
        name = m.name.rstrip("/")
        if name.startswith("./"):
            name = name[2:]
        if name in (".", ""):
            continue
        kind = "f" if m.islnk() else {tarfile.REGTYPE: "f",
            tarfile.AREGTYPE: "f", tarfile.DIRTYPE: "d",
            tarfile.SYMTYPE: "l", tarfile.CHRTYPE: "c",
            tarfile.BLKTYPE: "b", tarfile.FIFOTYPE: "p"}[m.type]
        print(name, format(m.mode & 0o7777, "o"), m.uid, m.gid, kind)
        if m.islnk():
            print(name, size[m.linkname.rstrip("/")])
        elif kind == "f":
            size[name] = m.size
            print(name, m.size)
            if name in sums:
                data = t.extractfile(m).read()
                print("sha256", name, hashlib.sha256(data).hexdigest())
'

test_expect_success 'tar.zst: the tree, numeric owners, the same files as the disk' '
	export_ok tar.zst "$exp/web.tar.zst" &&
	kernel_ok "$exp/web.tar.zst.packages.json" tar.zst &&
	tar --zstd -tvf "$exp/web.tar.zst" --numeric-owner >list &&
	grep -q " 0/0 .* etc/passwd$" list &&
	grep -q "^-rw-r----- 0/42 .* etc/shadow$" list &&
	grep -q " usr/bin/ssh-keygen$" list &&
	# What the archive holds, read once as a stream (nothing unpacked):
	# as find prints a tree, and the sums of two files.
	zstd -dc "$exp/web.tar.zst" | python3 -c "$tar_list" >tree.list &&
	test "$(guest_cat "$disk" /var/lib/dpkg/status | sha256sum | cut -d" " -f1)" = \
		"$(sed -n "s|^sha256 var/lib/dpkg/status ||p" tree.list)" &&
	test "$(guest_cat "$disk" /etc/shadow | sha256sum | cut -d" " -f1)" = \
		"$(sed -n "s|^sha256 etc/shadow ||p" tree.list)" &&
	sed -i "/^sha256 /d" tree.list &&
	# Every name, mode, owner and size of the disk, and nothing else.
	# A loop device of the test'\''s own, detached by name: one that
	# mount -o loop attached goes only some time after the umount.
	mkdir mnt &&
	loop=$(losetup -f --show -r "$exp/web.img") &&
	mount -o ro "$loop" mnt &&
	(cd mnt && find . -mindepth 1 -printf "%P %m %U %G %y\n" &&
	 find . -type f -printf "%P %s\n") | sort >mnt.list &&
	umount mnt && losetup -d "$loop" &&
	sort -o tree.list tree.list &&
	test_cmp mnt.list tree.list &&
	test $(wc -l <tree.list) -gt 5000
'

# The guest installed from the tar.zst keeps /home on a disk of its own:
# one that a raw or qcow2 export refuses.
cat >"$TRASH/tar-parts" <<EOF
[root]
size=1800M
type=ext4
mountpoint=/

[home]
size=64M
type=ext4
mountpoint=/home
EOF

test_expect_success 'tar.zst: a guest installed from it, checked by its sum' '
	sum=$(cut -d" " -f1 "$exp/web.tar.zst.sha256") &&
	"$CREATE_IMAGE" --hostname t13-tar --dir "$dir" --output "$out" \
		--dhcp --pygrub --partitions "$TRASH/tar-parts" --cache no \
		--install-method tar --install-source "$exp/web.tar.zst" \
		--install-source-sha256 "$sum" --ssh-key "$key.pub" \
		>tar.summary 2>tar.progress || { cat tar.progress; exit 1; } &&
	tdisk=$dir/domains/t13-tar/root.img &&
	test "$(guest_cat "$tdisk" /etc/hostname)" = t13-tar &&
	guest_ls "$tdisk" /etc/ssh | grep -q "^ssh_host_ed25519_key$" &&
	test "$(guest_cat "$tdisk" /var/lib/dpkg/status | sha256sum)" = \
		"$(guest_cat "$disk" /var/lib/dpkg/status | sha256sum)" &&
	guest_cat "$tdisk" /etc/fstab | grep -q "[[:space:]]/home[[:space:]]"
'

test_expect_success 'raw and qcow2 refuse a guest with a file system on a second disk' '
	for f in raw qcow2; do
		rc=0 &&
		"$CREATE_IMAGE" export t13-tar --format=$f -o "$exp/two.$f" \
			>o 2>e || rc=$? &&
		cat e && test "$rc" = 2 && test ! -s o &&
		grep -q "./home. is on another disk than ./. (.xvd[a-z0-9]*.): a raw or qcow2 image holds one disk (--format=tar.zst holds them all)" e &&
		test -z "$(ls -A "$exp" | grep "^two\.\|^\.two\.")" || exit 1
	done
'

# One guest for both: a partitioned disk (each file system read from its
# partition) in a qcow2 image (read through a raw copy).
test_expect_success 'a partitioned qcow2 guest: each file system read where it is' '
	"$CREATE_IMAGE" --hostname t13-q --dir "$dir" --output "$out" \
		--dhcp --pygrub --size 2G --noswap --layout disk \
		--disk-format qcow2 --cachedir "$CACHEDIR" >/dev/null 2>&1 &&
	qdisk=$dir/domains/t13-q/disk.qcow2 &&
	"$CREATE_IMAGE" export t13-q -o "$exp/q.tar.zst" &&
	"$CREATE_IMAGE" export t13-q -o "$exp/q.raw" &&
	(cd "$exp" && sha256sum -c q.tar.zst.sha256 q.raw.sha256) &&
	tar --zstd -tf "$exp/q.tar.zst" | grep -q "^etc/fstab$" &&
	grep -q "\"name\": \"linux-image-cloud-amd64\"" "$exp/q.tar.zst.packages.json" &&
	qemu-img compare -f qcow2 -F raw "$qdisk" "$exp/q.raw" &&
	for n in 1 2; do part_cat "$exp/q.raw" $n /etc/hostname || :; done |
		grep -qx t13-q &&
	test -z "$(ls -A "$exp" | grep "\.part-")" &&
	assert_no_leftovers "$TRASH" &&
	rm "$exp"/q.tar.zst* "$exp"/q.raw*
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

fake_xen t13-web

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

# The boots started above, waited for here: a failed one says why.
# shellcheck disable=SC2086
wait $boot_pids

test_expect_success 'the two copies booted: two host keys, two machine-ids' '
	for i in 1 2; do
		cat boot$i.out && test "$(cat boot$i.rc)" = 0 || exit 1
	done &&
	grep -q "ok: .localhost. let root in" boot2.out &&
	k1=$(grep "^root: ssh-ed25519 " boot1.out) &&
	k2=$(grep "^root: ssh-ed25519 " boot2.out) &&
	test -n "$k1" && test -n "$k2" && test "$k1" != "$k2" &&
	m1=$(grep -E "^root: [0-9a-f]{32}$" boot1.out) &&
	m2=$(grep -E "^root: [0-9a-f]{32}$" boot2.out) &&
	test "$m1" != "$m2"
'

test_done
