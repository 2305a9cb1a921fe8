#!/bin/bash
# list-images and delete-image on guests laid out as create-image leaves
# them: manifests written by hand in their documented format, real image
# files, configs and autostart links, and logical volumes in a real volume
# group on a loop device. No guest is built here.
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/lib-lvm.sh"

DELETE_IMAGE=$BUILD/delete-image
LIST_IMAGES=$BUILD/list-images
dir=$TRASH/srv
out=$TRASH/xen
state=$TRASH/state
export CREATE_IMAGE_STATEDIR=$state
export CREATE_IMAGE_CONFIG=$TRASH/empty.conf
# No hypervisor here, whatever the host is; the xl tests set their own.
export CREATE_IMAGE_XEN_PROC=$TRASH/no-xen
: >"$CREATE_IMAGE_CONFIG"
mkdir -p "$out/auto" "$dir/domains" "$TRASH/dev"

if [ "$(id -u)" = 0 ] && command -v lvm >/dev/null &&
   command -v losetup >/dev/null && lvm_setup_vg vg 1G; then
	vg=$LVM_VG
else
	vg=
fi

# lvs_state: every LV in the test's VG with its tags.
lvs_state()
{
	lvm_cmd lvs --noheadings -o lv_name,lv_tags "$vg" 2>/dev/null |
		awk '{ $1 = $1; print }' | sort
}

# lv NAME [TAG]: a 4 MiB inactive LV in the test's VG.
lv()
{
	lvm_cmd lvcreate -an -Zn -Wn -y -l 1 -n "$1" ${2:+--addtag "$2"} \
		"$vg" >/dev/null 2>&1
}

# everything: the files and volumes of every guest, to compare.
everything()
{
	find "$dir" "$out" "$state" "$TRASH/dev" | sort
	test -z "$vg" || lvs_state
}

# disk VDEV PATH SIZE LV OWNED: one entry of a manifest's disk list.
disk()
{
	printf '{ vdev = "%s"; path = "%s"; format = "raw"; size = %sL;' \
		"$1" "$2" "$3"
	printf ' lv = "%s"; owned = %s; }' "$4" "$5"
}

# manifest NAME STORAGE DIR VG DISKS [IPS]: NAME's manifest, as
# create-image writes it; DHCP unless IPS ("\"10.0.0.5/24\"", ...).
# $MEMORY and $VCPUS override 256M and 1.
manifest()
{
	if [ -n "${6-}" ]; then dhcp=false; else dhcp=true; fi
	mkdir -p "$state/guests"
	cat >"$state/guests/$1.conf" <<EOF
version = 1;
hostname = "$1";
dist = "bookworm";
arch = "amd64";
created = "2026-11-25T10:00:00Z";
memory = ${MEMORY:-268435456}L;
vcpus = ${VCPUS:-1};
mac = "00:16:3e:00:00:01";
dhcp = $dhcp;
ips = [ ${6-} ];
storage = "$2";
layout = "volumes";
dir = "$3";
vg = "$4";
config = "$out/$1.cfg";
disks = ( $5 );
filesystems = ( { mountpoint = "/"; type = "ext4"; size = 1073741824L;
    uuid = "0e6ac49d-5b4c-4a8e-9d1b-3b2f1c0de001"; disk = "xvda2";
    partition = 0; },
  { mountpoint = ""; type = "swap"; size = 134217728L;
    uuid = "0e6ac49d-5b4c-4a8e-9d1b-3b2f1c0de002"; disk = "xvda1";
    partition = 0; } );
EOF
}

# dir_guest NAME: a guest with image files, config and autostart link.
dir_guest()
{
	g=$dir/domains/$1
	mkdir -p "$g"
	truncate -s 1G "$g/disk.img"
	truncate -s 128M "$g/swap.img"
	echo "name = '$1'" >"$out/$1.cfg"
	ln -s "$out/$1.cfg" "$out/auto/$1.cfg"
	manifest "$1" dir "$g" "" \
		"$(disk xvda2 "$g/disk.img" 1073741824 "" true),
		 $(disk xvda1 "$g/swap.img" 134217728 "" true)"
}

# run_delete WANT-STATUS ARGS...: delete-image, its output in stdout and
# stderr.
run_delete()
{
	want=$1
	shift
	rc=0
	"$DELETE_IMAGE" "$@" >stdout 2>stderr || rc=$?
	cat stdout stderr
	test "$rc" = "$want" || { echo "exit $rc, want $want"; return 1; }
}

test_expect_success '--help: every flag is in the man page' '
	for cmd in delete-image list-images; do
		"$BUILD/$cmd" --help >help &&
		grep -q "^usage: $cmd" help &&
		grep -o -- "--[a-z][a-z0-9-]*" help | sort -u >flags &&
		test -s flags &&
		! in_man "$cmd" no-such-flag &&
		while read -r f; do
			in_man "$cmd" "${f#--}" ||
				{ echo "$cmd: not in the man page: $f"; exit 1; }
		done <flags
	done &&
	"$DELETE_IMAGE" --version | grep -qE "^delete-image [0-9]+\." &&
	"$LIST_IMAGES" --version | grep -qE "^list-images [0-9]+\."
'

test_expect_success 'no guests: list-images prints nothing, --json an empty list' '
	"$LIST_IMAGES" >list &&
	test ! -s list &&
	"$LIST_IMAGES" --json >json &&
	python3 -c "import json, sys; d = json.load(open(\"json\")); sys.exit(d != {\"version\": 1, \"guests\": []})"
'

test_expect_success 'bad usage: exit 2' '
	run_delete 2 &&
	grep -q "which guest" stderr &&
	run_delete 2 --bogus t8-web1 &&
	grep -q "unknown option .--bogus." stderr &&
	run_delete 2 t8-web1 --dir &&
	grep -q ".--dir. needs a value" stderr &&
	run_delete 2 --dir relative t8-web1 &&
	grep -q "^delete-image: --dir: must be an absolute path" stderr &&
	run_delete 2 --lvm "-bad" t8-web1 &&
	rc=0 && "$LIST_IMAGES" extra >o 2>e || rc=$? &&
	test "$rc" = 2 && grep -q "unexpected argument .extra." e
'

test_expect_success 'set up: guests on image files, on LVM and on a device' '
	dir_guest t8-web1 &&
	MEMORY=536870912 VCPUS=2 dir_guest t8-web2 &&
	# t8-web2 is started at boot through a copy, not a link.
	rm "$out/auto/t8-web2.cfg" && cp "$out/t8-web2.cfg" "$out/auto/t8-web2.cfg" &&
	echo "someone else" >"$out/auto/unrelated.cfg" &&
	# A guest on a device it was given: never create-image'\''s to wipe.
	echo data >"$TRASH/dev/sdz" &&
	echo "name = '\''t8-dev1'\''" >"$out/t8-dev1.cfg" &&
	manifest t8-dev1 device "" "" \
		"$(disk xvda2 "$TRASH/dev/sdz" 4096 "" false)" \
		"\"192.0.2.10/24\", \"192.0.2.11/24\"" &&
	"$LIST_IMAGES" >list && cat list
'

if [ -n "$vg" ]; then
test_expect_success 'set up: a guest on LVM, and volumes of others' '
	lv t8-db1-disk create-image:t8-db1 &&
	lv t8-db1-swap create-image:t8-db1 &&
	# Named as t8-db1'\''s, but not tagged: not made by create-image.
	lv t8-db1-data &&
	lv t8-db1-old &&
	lv other-disk create-image:other &&
	echo "name = '\''t8-db1'\''" >"$out/t8-db1.cfg" &&
	manifest t8-db1 lvm "" "$vg" \
		"$(disk xvda2 "/dev/$vg/t8-db1-disk" 4194304 "$vg/t8-db1-disk" true),
		 $(disk xvda1 "/dev/$vg/t8-db1-swap" 4194304 "$vg/t8-db1-swap" true),
		 $(disk xvda3 "/dev/$vg/t8-db1-old" 4194304 "$vg/t8-db1-old" true)" \
		"\"10.0.0.5/24\"" &&
	lvs_state >state.lvs && cat state.lvs &&
	test $(wc -l <state.lvs) = 5
'
fi

test_expect_success 'list-images: a header and one row per guest, by name' '
	"$LIST_IMAGES" >list && cat list &&
	head -n 1 list | grep -qE "^NAME +DIST +MEMORY +VCPUS +SIZE +STORAGE +DISKS +MAC +ADDRESSES$" &&
	awk "NR > 1 { print \$1 }" list >names &&
	if [ -n "$vg" ]; then echo t8-db1; fi >expect &&
	printf "t8-dev1\nt8-web1\nt8-web2\n" >>expect &&
	test_cmp expect names &&
	grep -q "^t8-web1 \+bookworm \+256M \+1 \+1G \+dir \+$dir/domains/t8-web1/disk.img,$dir/domains/t8-web1/swap.img \+00:16:3e:00:00:01 \+dhcp$" list &&
	grep -q "^t8-web2 \+bookworm \+512M \+2 \+1G \+dir " list &&
	grep -q "^t8-dev1 .* device \+$TRASH/dev/sdz \+00:16:3e:00:00:01 \+192.0.2.10/24,192.0.2.11/24$" list &&
	if [ -n "$vg" ]; then
		grep -q "^t8-db1 .* lvm \+/dev/$vg/t8-db1-disk,/dev/$vg/t8-db1-swap,/dev/$vg/t8-db1-old .* 10.0.0.5/24$" list
	fi
'

test_expect_success 'list-images --json: every field, typed, in the documented order' '
	"$LIST_IMAGES" --json >json &&
	python3 -m json.tool json >/dev/null &&
	cat >check.py <<-EOF &&
	import json, sys
	doc = json.load(open("json"))
	assert list(doc) == ["version", "guests"], list(doc)
	assert doc["version"] == 1
	guests = {g["hostname"]: g for g in doc["guests"]}
	names = [g["hostname"] for g in doc["guests"]]
	assert names == sorted(names), names
	web1 = guests["t8-web1"]
	want = {
	    "hostname": "t8-web1", "dist": "bookworm", "arch": "amd64",
	    "created": "2026-11-25T10:00:00Z", "memory": 268435456,
	    "vcpus": 1, "mac": "00:16:3e:00:00:01", "dhcp": True, "ips": [],
	    "storage": "dir", "layout": "volumes",
	    "dir": "$dir/domains/t8-web1", "vg": None,
	    "config": "$out/t8-web1.cfg",
	    "disks": [
	        {"vdev": "xvda2", "path": "$dir/domains/t8-web1/disk.img",
	         "format": "raw", "size": 1073741824, "lv": None,
	         "owned": True},
	        {"vdev": "xvda1", "path": "$dir/domains/t8-web1/swap.img",
	         "format": "raw", "size": 134217728, "lv": None,
	         "owned": True}],
	    "filesystems": [
	        {"mountpoint": "/", "type": "ext4", "size": 1073741824,
	         "uuid": "0e6ac49d-5b4c-4a8e-9d1b-3b2f1c0de001",
	         "disk": "xvda2", "partition": 0},
	        {"mountpoint": None, "type": "swap", "size": 134217728,
	         "uuid": "0e6ac49d-5b4c-4a8e-9d1b-3b2f1c0de002",
	         "disk": "xvda1", "partition": 0}],
	    "pool": None, "archive": None, "base": None, "backing": None,
	}
	assert web1 == want, web1
	assert list(web1) == list(want), list(web1)
	assert list(web1["disks"][0]) == list(want["disks"][0])
	assert list(web1["filesystems"][0]) == list(want["filesystems"][0])
	dev1 = guests["t8-dev1"]
	assert dev1["dhcp"] is False
	assert dev1["ips"] == ["192.0.2.10/24", "192.0.2.11/24"]
	assert dev1["disks"][0]["owned"] is False
	assert dev1["dir"] is None and dev1["vg"] is None
	assert guests["t8-web2"]["memory"] == 536870912
	if "t8-db1" in guests:
	    assert guests["t8-db1"]["vg"] == "$vg"
	    assert guests["t8-db1"]["disks"][0]["lv"] == "$vg/t8-db1-disk"
	EOF
	python3 check.py
'

test_expect_success 'list-images --json escapes strings' '
	m=$state/guests/t8-web1.conf &&
	cp "$m" saved.conf &&
	cat >created <<-\EOF &&
	created = "q\"b\\t\tn\nc\x01\xc3\xa9\xff";
	EOF
	grep -v "^created = " saved.conf >"$m" && cat created >>"$m" &&
	"$LIST_IMAGES" --json >json &&
	cat >check.py <<-\EOF &&
	import json
	doc = json.load(open("json"))
	g = {g["hostname"]: g for g in doc["guests"]}
	want = "q\"b\\t\tn\nc\x01\u00e9\ufffd"
	got = g["t8-web1"]["created"]
	assert got == want, repr(got)
	EOF
	python3 check.py &&
	cat >pattern <<-\EOF &&
	"created": "q\"b\\t\u0009n\u000ac\u0001é\ufffd",
	EOF
	grep -qF -f pattern json &&
	cp saved.conf "$m"
'

test_expect_success 'a damaged manifest: a warning naming its line, the rest listed, exit 1' '
	printf "version = 1;\nhostname = \"t8-bad1\";\nmemory = huge;\n" \
		>"$state/guests/t8-bad1.conf" &&
	echo "not a manifest" >"$state/guests/README" &&
	rc=0 && "$LIST_IMAGES" >list 2>err || rc=$? &&
	cat list err &&
	test "$rc" = 1 &&
	grep -q "warning: .*$state/guests/t8-bad1.conf:3: " err &&
	test $(wc -l <err) = 1 &&
	grep -q "^t8-web1 " list && grep -q "^t8-web2 " list &&
	! grep -q "^t8-bad1 " list &&
	rc=0 && "$LIST_IMAGES" --json >json 2>err || rc=$? &&
	test "$rc" = 1 && python3 -m json.tool json >/dev/null &&
	# delete-image does not guess what a damaged manifest meant.
	run_delete 1 --output "$out" t8-bad1 &&
	grep -q "t8-bad1.conf:3: .*--force" stderr &&
	test -f "$state/guests/t8-bad1.conf" &&
	run_delete 0 --force --output "$out" t8-bad1 &&
	grep -q "^removed manifest .$state/guests/t8-bad1.conf.$" stdout &&
	rm "$state/guests/README"
'

test_expect_success 'delete-image refuses to run as non-root without --dry-run' '
	everything >before &&
	rc=0 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$DELETE_IMAGE" \
		--dir "$dir" --output "$out" t8-web1 >o 2>e || rc=$? &&
	cat e && test "$rc" = 1 &&
	grep -q "must be run as root" e &&
	everything >after && test_cmp before after
'

test_expect_success 'delete-image --dry-run lists what it would remove, changes nothing' '
	everything >before &&
	run_delete 0 --dry-run --dir "$dir" --output "$out" t8-web1 &&
	cat >expect <<-EOF &&
	would remove autostart link '\''$out/auto/t8-web1.cfg'\''
	would remove config '\''$out/t8-web1.cfg'\''
	would remove image '\''$dir/domains/t8-web1/disk.img'\''
	would remove image '\''$dir/domains/t8-web1/swap.img'\''
	would remove directory '\''$dir/domains/t8-web1'\''
	would remove manifest '\''$state/guests/t8-web1.conf'\''
	EOF
	test_cmp expect stdout &&
	everything >after && test_cmp before after &&
	# The same without root.
	setpriv --reuid=65534 --regid=65534 --clear-groups "$DELETE_IMAGE" \
		--dry-run --dir "$dir" --output "$out" t8-web1 >stdout &&
	test_cmp expect stdout
'

test_expect_success 'delete-image removes the guest and nothing else' '
	everything | grep -v "/t8-web1\(\.cfg\|\.conf\)\?\(/\|$\)" >expect &&
	run_delete 0 --dir "$dir" --output "$out" t8-web1 &&
	test $(grep -c "^removed " stdout) = 6 &&
	everything >after && test_cmp expect after &&
	test -f "$out/auto/unrelated.cfg" && test -f "$out/auto/t8-web2.cfg" &&
	test -f "$dir/domains/t8-web2/disk.img" &&
	! "$LIST_IMAGES" | grep -q "^t8-web1 "
'

test_expect_success 'an autostart file that is not a copy of the config is left' '
	echo "name = '\''t8-web2'\'' # edited" >"$out/auto/t8-web2.cfg" &&
	run_delete 0 --dry-run --dir "$dir" --output "$out" t8-web2 &&
	grep -q "^leaving .$out/auto/t8-web2.cfg. (not a link to or a copy of .$out/t8-web2.cfg.)$" stdout &&
	! grep -q "autostart" stdout &&
	cp "$out/t8-web2.cfg" "$out/auto/t8-web2.cfg" &&
	run_delete 0 --dry-run --dir "$dir" --output "$out" t8-web2 &&
	grep -q "^would remove autostart link .$out/auto/t8-web2.cfg.$" stdout
'

test_expect_success 'a device the guest was given is left alone' '
	run_delete 0 --output "$out" t8-dev1 &&
	grep -q "^leaving .$TRASH/dev/sdz. (not created by create-image)$" stdout &&
	grep -q "^removed config .$out/t8-dev1.cfg.$" stdout &&
	grep -q "^removed manifest " stdout &&
	test "$(cat "$TRASH/dev/sdz")" = data &&
	test ! -e "$out/t8-dev1.cfg" && test ! -e "$state/guests/t8-dev1.conf"
'

# leases: STATEDIR/addresses.conf as create-image writes it, with two
# leases of t8-pool1 (in two pools), one of t8-gone (whose build died) and
# one of another guest.
leases()
{
	cat >"$state/addresses.conf" <<-EOF
	version = 1;
	leases = ( { pool = "dmz"; hostname = "t8-pool1";
	             address = "198.51.100.7"; prefix = 24;
	             mac = "00:16:3e:00:00:51"; },
	           { pool = "lab"; hostname = "t8-pool1";
	             address = "192.0.2.50"; prefix = 24;
	             mac = "00:16:3e:00:00:50"; },
	           { pool = "lab"; hostname = "t8-other";
	             address = "192.0.2.51"; prefix = 24;
	             mac = "00:16:3e:00:00:52"; },
	           { pool = "lab"; hostname = "t8-gone";
	             address = "192.0.2.52"; prefix = 24;
	             mac = "00:16:3e:00:00:53"; } );
	EOF
}

test_expect_success 'delete-image --dry-run: the addresses it would release, last' '
	dir_guest t8-pool1 &&
	leases &&
	everything >before && cp "$state/addresses.conf" leases.before &&
	run_delete 0 --dry-run --dir "$dir" --output "$out" t8-pool1 &&
	cat >expect <<-EOF &&
	would remove manifest '\''$state/guests/t8-pool1.conf'\''
	would release address '\''198.51.100.7'\'' (pool '\''dmz'\'')
	would release address '\''192.0.2.50'\'' (pool '\''lab'\'')
	EOF
	tail -n 3 stdout >got && test_cmp expect got &&
	everything >after && test_cmp before after &&
	test_cmp leases.before "$state/addresses.conf"
'

test_expect_success 'delete-image releases the guest'\''s addresses after its manifest' '
	run_delete 0 --dir "$dir" --output "$out" t8-pool1 &&
	cat >expect <<-EOF &&
	removed manifest '\''$state/guests/t8-pool1.conf'\''
	released address '\''198.51.100.7'\'' (pool '\''dmz'\'')
	released address '\''192.0.2.50'\'' (pool '\''lab'\'')
	EOF
	tail -n 3 stdout >got && test_cmp expect got &&
	! grep -q t8-pool1 "$state/addresses.conf" &&
	grep -q "hostname = \"t8-other\"" "$state/addresses.conf" &&
	grep -q "hostname = \"t8-gone\"" "$state/addresses.conf" &&
	test ! -e "$state/guests/t8-pool1.conf"
'

test_expect_success 'leases alone (a build that died) are found and released' '
	run_delete 0 --dir "$dir" --output "$out" t8-gone &&
	cat >expect <<-EOF &&
	released address '\''192.0.2.52'\'' (pool '\''lab'\'')
	EOF
	test_cmp expect stdout &&
	! grep -q t8-gone "$state/addresses.conf" &&
	grep -q "hostname = \"t8-other\"" "$state/addresses.conf"
'

test_expect_success 'a damaged address file: a warning, the guest removed, the file kept' '
	dir_guest t8-pool2 &&
	printf "version = 1;\nleases = ( { pool = ;\n" >"$state/addresses.conf" &&
	cp "$state/addresses.conf" leases.before &&
	run_delete 0 --dir "$dir" --output "$out" t8-pool2 &&
	grep -q "^delete-image: warning: leaving the addresses leased to .t8-pool2.: $state/addresses.conf:2: " stderr &&
	grep -q "^removed manifest " stdout &&
	! grep -q "release" stdout &&
	test_cmp leases.before "$state/addresses.conf" &&
	rm -f "$state/addresses.conf" "$state/addresses.lock"
'

if [ -n "$vg" ]; then
test_expect_success 'delete-image --dry-run on LVM: the tagged volumes, nothing changed' '
	everything >before &&
	run_delete 0 --dry-run --output "$out" t8-db1 &&
	grep -q "^would remove logical volume .$vg/t8-db1-disk.$" stdout &&
	grep -q "^would remove logical volume .$vg/t8-db1-swap.$" stdout &&
	grep -q "^leaving logical volume .$vg/t8-db1-old. (it lacks the tag .create-image:t8-db1.)$" stdout &&
	! grep -q "t8-db1-data" stdout &&
	everything >after && test_cmp before after
'

test_expect_success 'delete-image on LVM: the VG from the manifest, tagged volumes only' '
	run_delete 0 --output "$out" t8-db1 &&
	cat >expect <<-EOF &&
	leaving logical volume '\''$vg/t8-db1-old'\'' (it lacks the tag '\''create-image:t8-db1'\'')
	removed config '\''$out/t8-db1.cfg'\''
	removed logical volume '\''$vg/t8-db1-disk'\''
	removed logical volume '\''$vg/t8-db1-swap'\''
	removed manifest '\''$state/guests/t8-db1.conf'\''
	EOF
	test_cmp expect stdout &&
	lvs_state >lvs && cat lvs &&
	printf "other-disk create-image:other\nt8-db1-data\nt8-db1-old\n" >expect &&
	test_cmp expect lvs
'

test_expect_success 'a guest without a manifest: found by --dir, --lvm and --output' '
	lv t8-nm1-disk create-image:t8-nm1 &&
	lv t8-nm1-swap &&
	mkdir -p "$dir/domains/t8-nm1" && truncate -s 1M "$dir/domains/t8-nm1/disk.img" &&
	echo "name = '\''t8-nm1'\''" >"$out/t8-nm1.cfg" &&
	ln -s ../t8-nm1.cfg "$out/auto/t8-nm1.cfg" &&
	run_delete 0 --dir "$dir" --lvm "$vg" --output "$out" t8-nm1 &&
	cat >expect <<-EOF &&
	removed autostart link '\''$out/auto/t8-nm1.cfg'\''
	removed config '\''$out/t8-nm1.cfg'\''
	removed logical volume '\''$vg/t8-nm1-disk'\''
	removed directory '\''$dir/domains/t8-nm1'\''
	EOF
	test_cmp expect stdout &&
	lvs_state | grep -qx "t8-nm1-swap" &&
	! lvs_state | grep -q "t8-nm1-disk" &&
	test ! -e "$dir/domains/t8-nm1"
'

test_expect_success 'the volume group comes from the system configuration file' '
	lv t8-nm2-disk create-image:t8-nm2 &&
	printf "lvm = %s\n" "$vg" >"$CREATE_IMAGE_CONFIG" &&
	run_delete 0 --output "$out" t8-nm2 &&
	: >"$CREATE_IMAGE_CONFIG" &&
	grep -q "^removed logical volume .$vg/t8-nm2-disk.$" stdout &&
	! lvs_state | grep -q t8-nm2
'
else
test_skip 'delete-image on LVM' 'needs root, lvm2 and losetup'
fi

test_expect_success 'the output directory comes from the system configuration file' '
	mkdir -p other && echo "name = '\''t8-nm3'\''" >other/t8-nm3.xl &&
	printf "output = %s/other\nextension = .xl\n" "$TRASH" \
		>"$CREATE_IMAGE_CONFIG" &&
	run_delete 0 t8-nm3 &&
	grep -q "^removed config .$TRASH/other/t8-nm3.xl.$" stdout &&
	# A flag wins over the file.
	echo "name = '\''t8-nm3'\''" >other/t8-nm3.xl &&
	run_delete 2 --output "$out" t8-nm3 &&
	test -f other/t8-nm3.xl &&
	: >"$CREATE_IMAGE_CONFIG"
'

test_expect_success 'an unknown guest: exit 2, where it looked' '
	run_delete 2 --dir "$dir" --output "$out" nosuch &&
	grep -q "no guest .nosuch. found (looked in .$state/guests/nosuch.conf., .$out/nosuch.cfg., .$dir/domains/nosuch., .$state/kernels/nosuch.)" stderr &&
	# Several names: each one is done, the status tells of the missing.
	dir_guest t8-web3 &&
	run_delete 2 --dir "$dir" --output "$out" t8-web3 nosuch &&
	test ! -e "$dir/domains/t8-web3" && test ! -e "$state/guests/t8-web3.conf"
'

test_expect_success 'an invalid name: exit 2, nothing looked at' '
	for name in ../etc a/b -web "" web_1 "a b" 10.0.0.1; do
		run_delete 2 --dir "$dir" --output "$out" --hostname "$name" &&
		grep -q "invalid hostname .$name." stderr || exit 1
	done &&
	# One bad name among good ones: nothing is done at all.
	run_delete 2 --dir "$dir" --output "$out" t8-web2 ../etc &&
	test ! -s stdout && test -f "$out/t8-web2.cfg"
'

# A Xen host as the tests play it: a capabilities file, and an xl named by
# $CREATE_IMAGE_XL that prints what "xl list" would, or fails.
mkdir -p "$TRASH/xen-proc" "$TRASH/bin" "$TRASH/no-xl"
echo "xen-3.0-x86_64" >"$TRASH/xen-proc/capabilities"
cat >"$TRASH/bin/xl" <<'EOF'
#!/bin/sh
[ "$1" = list ] || exit 2
if [ -n "$XL_FAIL" ]; then
	echo "libxl: error: cannot connect to the hypervisor" >&2
	exit 1
fi
echo "Name                                        ID   Mem VCPUs	State	Time(s)"
echo "Domain-0                                     0  1024     2     r-----      10.0"
echo "t8-web2                                         3   256     1     -b----       1.0"
EOF
chmod +x "$TRASH/bin/xl"

test_expect_success 'a running guest is refused, nothing touched' '
	everything >before &&
	CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 1 --dir "$dir" --output "$out" t8-web2 &&
	grep -q "guest .t8-web2. is running; shut it down first (xl shutdown t8-web2)" stderr &&
	test ! -s stdout &&
	# --force does not override it.
	CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 1 --force --dir "$dir" --output "$out" t8-web2 &&
	CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 1 --dry-run --dir "$dir" --output "$out" t8-web2 &&
	test ! -s stdout &&
	everything >after && test_cmp before after
'

test_expect_success 'xl failing: refused unless --force; xl missing: nothing runs' '
	dir_guest t8-web4 &&
	everything >before &&
	XL_FAIL=1 CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 1 --dir "$dir" --output "$out" t8-web4 &&
	grep -q "cannot tell whether guest .t8-web4. is running: .$TRASH/bin/xl. exited with status 1: libxl: error: cannot connect" stderr &&
	everything >after && test_cmp before after &&
	# A dry run tells, and shows what would go.
	XL_FAIL=1 CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 0 --dry-run --dir "$dir" --output "$out" t8-web4 &&
	grep -q "warning: cannot tell whether guest .t8-web4. is running: .$TRASH/bin/xl. exited with status 1" stderr &&
	grep -q "^would remove directory " stdout &&
	# On a Xen host without xl nothing of ours can be running.
	CREATE_IMAGE_XL=$TRASH/no-xl/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 0 --dry-run --dir "$dir" --output "$out" t8-web4 &&
	grep -q "^would remove directory " stdout &&
	# Another guest than the running one is not refused.
	CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 0 --dry-run --dir "$dir" --output "$out" t8-web4 &&
	XL_FAIL=1 CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		run_delete 0 --force --dir "$dir" --output "$out" t8-web4 &&
	grep -q "warning: cannot tell whether guest .t8-web4. is running.*--force" stderr &&
	test ! -e "$dir/domains/t8-web4"
'

test_expect_success 'a guest being built is not deleted' '
	mkdir -p /run/create-image &&
	rc=0 &&
	flock /run/create-image/t8-web2.lock "$DELETE_IMAGE" --dir "$dir" \
		--output "$out" t8-web2 >o 2>e || rc=$? &&
	cat e && test "$rc" = 1 &&
	grep -q "guest .t8-web2. is being built or deleted by another run" e &&
	test -f "$out/t8-web2.cfg"
'

test_expect_success 'a failure midway keeps the manifest; a second run finishes' '
	dir_guest t8-web5 &&
	mkdir "$dir/domains/t8-web5/busy" &&
	mount -t tmpfs none "$dir/domains/t8-web5/busy" &&
	rc=0 &&
	"$DELETE_IMAGE" --dir "$dir" --output "$out" t8-web5 >stdout 2>stderr ||
		rc=$? &&
	umount "$dir/domains/t8-web5/busy" &&
	cat stdout stderr &&
	test "$rc" = 1 &&
	grep -q "cannot remove directory .$dir/domains/t8-web5." stderr &&
	grep -q "keeping .$state/guests/t8-web5.conf." stderr &&
	test -f "$state/guests/t8-web5.conf" && test ! -e "$out/t8-web5.cfg" &&
	run_delete 0 --dir "$dir" --output "$out" t8-web5 &&
	cat >expect <<-EOF &&
	removed directory '\''$dir/domains/t8-web5'\''
	removed manifest '\''$state/guests/t8-web5.conf'\''
	EOF
	test_cmp expect stdout
'
umount "$dir/domains/t8-web5/busy" 2>/dev/null

test_expect_success 'list-images after the deletions' '
	"$LIST_IMAGES" >list && cat list &&
	awk "NR > 1 { print \$1 }" list >names &&
	echo t8-web2 >expect &&
	test_cmp expect names
'

test_done
