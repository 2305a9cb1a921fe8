#!/bin/bash
# Lifetimes of base images: a qcow2 overlay guest's base image is kept by
# cache prune (even with --all, even once its base is renewed) while the
# guest's record names it, cache list names the guest, a renewed base
# gets an image of its own, and once the last guest reading it is deleted
# or flattened prune removes it. flatten (and --flatten at build time)
# makes the guest standalone with the same content; bad input changes
# nothing.
. "$(dirname "$0")/../lib.sh"

export CREATE_IMAGE_LOGDIR=$TRASH/log
out=$TRASH/xen
cache=$TRASH/cache
bases=$cache/bases
dir=$TRASH/srv
private_cache "$cache" && mkdir -p "$bases" || exit 1

# build NAME [FLAG...]: a qcow2 guest with --verbose; NAME.out, NAME.err.
build()
{
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" --dir "$dir" --output "$out" \
		--size 2G --swap 64M --cachedir "$cache" --disk-format=qcow2 \
		--offline --verbose "$@" >"$name.out" 2>"$name.err"
}

disk_of()
{
	echo "$dir/domains/$1/disk.qcow2"
}

# The backing file a guest's record names ("" when none).
backing_of()
{
	sed -n 's/^backing = "\(.*\)";$/\1/p' "$CREATE_IMAGE_STATEDIR/guests/$1.conf"
}

cache_cmd()
{
	"$CREATE_IMAGE" cache --cachedir "$cache" "$@"
}

# flatten_bad STATUS MESSAGE ARG...: refused with STATUS and one line
# naming MESSAGE, nothing changed.
flatten_bad()
{
	local want=$1 msg=$2 rc=0
	shift 2
	host_state "$dir" "$cache" "$CREATE_IMAGE_STATEDIR" >before &&
	"$CREATE_IMAGE" flatten "$@" >o 2>e || rc=$?
	test "$rc" = "$want" || { echo "exit $rc, not $want"; cat e; return 1; }
	grep -q -- "$msg" e || { echo "no '$msg' in:"; cat e; return 1; }
	test "$(wc -l <e)" = 1 || { cat e; return 1; }
	host_state "$dir" "$cache" "$CREATE_IMAGE_STATEDIR" >after &&
	test_cmp before after
}

name=$("$CREATE_IMAGE" --dry-run --hostname x --dir "$dir" --output "$out" \
	--size 2G --swap 64M --cachedir "$cache" --disk-format=qcow2 --offline |
	awk '$1 == "base" { sub(/,$/, "", $2); print $2 }')

test_expect_success 'an overlay guest: its record and disk name the base image' '
	test -n "$name" && test -f "$CACHEDIR/bases/$name.conf" &&
	cp "$CACHEDIR/bases/$name.tar.zst" "$CACHEDIR/bases/$name.conf" \
		"$bases/" &&
	build lt1 &&
	grep "as a qcow2 overlay" lt1.err &&
	img1=$(backing_of lt1) && test -n "$img1" && test -f "$img1" &&
	case $img1 in "$bases/$name".ext4-*-*.qcow2) ;; *) false ;; esac &&
	echo "$img1" >img1 &&
	qemu-img info --backing-chain "$(disk_of lt1)" >chain &&
	grep "^backing file: $img1" chain
'
img1=$(cat img1 2>/dev/null)

test_expect_success 'cache list names the dependant; verify checks the image' '
	cache_cmd list >list &&
	grep "^    image ${img1##*/} (current), dependants: lt1$" list &&
	cache_cmd verify >verify &&
	grep "^${img1##*/}: ok$" verify
'

test_expect_success 'prune keeps the image of a guest, with its base or without' '
	cp "$img1.sha256" sum1 &&
	cache_cmd prune >prune && ! grep removing prune &&
	host_state "$bases" >before &&
	cache_cmd prune --all --dry-run >prune &&
	grep "^would remove $name (--all)$" prune &&
	grep "^keeping ${img1##*/} (orphan kept for its guests: lt1)$" prune &&
	host_state "$bases" >after && test_cmp before after &&
	cp "$bases/$name.tar.zst" "$bases/$name.conf" . &&
	cache_cmd prune --all >prune &&
	grep "^removing $name (--all)$" prune &&
	grep "^keeping ${img1##*/} (orphan kept for its guests: lt1)$" prune &&
	! test -f "$bases/$name.conf" &&
	cmp "$img1.sha256" sum1 &&
	cache_cmd list >list &&
	grep "^images whose base is gone:$" list &&
	grep "^    image ${img1##*/} (orphan kept for its guests), dependants: lt1$" list &&
	qemu-img check -q "$(disk_of lt1)" &&
	mv "$name.tar.zst" "$name.conf" "$bases/"
'

test_expect_success 'a renewed base gets a new image; the old one stays for its guest' '
	# Renewed: the same name, another archive (the same tree, packed
	# again), as a renewal stores it.
	zstd -q -d -c "$bases/$name.tar.zst" | zstd -q -3 -c >new.tar.zst &&
	old=$(sha256sum <"$bases/$name.tar.zst" | cut -d" " -f1) &&
	new=$(sha256sum <new.tar.zst | cut -d" " -f1) &&
	test "$old" != "$new" &&
	sed -i -e "s/$old/$new/" \
		-e "s/^size = .*/size = $(stat -c %s new.tar.zst)L;/" \
		"$bases/$name.conf" &&
	mv new.tar.zst "$bases/$name.tar.zst" &&
	build lt2 &&
	img2=$(backing_of lt2) && test -n "$img2" && test "$img2" != "$img1" &&
	case $img2 in *-${new:0:12}.qcow2) ;; *) false ;; esac &&
	echo "$img2" >img2 &&
	cmp "$img1.sha256" sum1 &&
	cache_cmd list >list &&
	grep "^    image ${img1##*/} (orphan kept for its guests), dependants: lt1$" list &&
	grep "^    image ${img2##*/} (current), dependants: lt2$" list &&
	cache_cmd prune >prune &&
	grep "^keeping ${img1##*/} (orphan kept for its guests: lt1)$" prune &&
	test -f "$img1" && test -f "$img2"
'
img2=$(cat img2 2>/dev/null)

test_expect_success 'a damaged image that a guest reads is neither remade nor cloned' '
	cp "$img2.sha256" sum2 &&
	ino=$(stat -c %i "$img2") &&
	echo 0000000000000000000000000000000000000000000000000000000000000000 \
		>"$img2.sha256" &&
	test_expect_code 1 cache_cmd verify >verify &&
	grep "^${img2##*/}: damaged: " verify &&
	build lt5 &&
	grep "damaged, but guests read it: leaving it to them" lt5.err &&
	test -z "$(backing_of lt5)" &&
	test "$(stat -c %i "$img2")" = "$ino" &&
	cp sum2 "$img2.sha256" &&
	cache_cmd verify >verify &&
	"$BUILD/delete-image" --dir "$dir" --output "$out" lt5 >o 2>e
'

test_expect_success 'delete-image of the last dependant lets prune remove the image' '
	"$BUILD/delete-image" --dir "$dir" --output "$out" lt1 >o 2>e &&
	! test -e "$CREATE_IMAGE_STATEDIR/guests/lt1.conf" &&
	cache_cmd prune --dry-run >prune &&
	grep "^would remove ${img1##*/} (made before its base was renewed)$" prune &&
	test -f "$img1" &&
	cache_cmd prune >prune &&
	grep "^removing ${img1##*/} (made before its base was renewed)$" prune &&
	! test -e "$img1" && ! test -e "$img1.sha256" &&
	test -f "$img2" && test -f "$bases/$name.conf"
'

test_expect_success 'flatten makes the guest standalone with the same content' '
	disk=$(disk_of lt2) &&
	cp --sparse=always "$disk" before.qcow2 &&
	"$CREATE_IMAGE" flatten lt2 >o 2>e &&
	grep "^flattened .lt2.: 1 disk standalone$" o &&
	qemu-img info --backing-chain "$disk" >chain &&
	! grep "backing file" chain &&
	test -z "$(backing_of lt2)" &&
	qemu-img compare -q before.qcow2 "$disk" &&
	rm before.qcow2 &&
	cache_cmd list >list &&
	grep "^    image ${img2##*/} (current), dependants: none$" list
'

test_expect_success '--flatten at build time' '
	build lt3 --flatten &&
	grep "flattened .lt3." lt3.err &&
	test -z "$(backing_of lt3)" &&
	qemu-img info --backing-chain "$(disk_of lt3)" >chain &&
	! grep "backing file" chain &&
	qemu-img check -q "$(disk_of lt3)"
'

test_expect_success 'bad input: exit 2, one line, nothing changed' '
	flatten_bad 2 "guest .lt3. has no backing file" lt3 &&
	flatten_bad 2 "no guest .lt9." lt9 &&
	flatten_bad 2 "which guest?" &&
	flatten_bad 2 "flatten takes one guest" lt2 lt3 &&
	flatten_bad 2 "unknown option .--bogus." --bogus lt2 &&
	flatten_bad 2 "invalid hostname" "a b" &&
	mkdir -p bin xen-proc && echo "xen_3.0 x86_64" >xen-proc/capabilities &&
	cat >bin/xl <<-\XL &&
	#!/bin/sh
	[ "$1" = list ] || exit 2
	echo "Name                                        ID   Mem VCPUs	State	Time(s)"
	echo "lt3                                          3   256     1     -b----       1.0"
	XL
	chmod +x bin/xl &&
	CREATE_IMAGE_XL=$TRASH/bin/xl CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		flatten_bad 2 "guest .lt3. is running; shut it down first" lt3 &&
	rc=0 && "$CREATE_IMAGE" --hostname lt4 --dir "$dir" --output "$out" \
		--cachedir "$cache" --flatten >o 2>e || rc=$? &&
	test "$rc" = 2 && grep -- "^create-image: --flatten: only for --disk-format=qcow2 guests" e &&
	! test -e "$dir/domains/lt4"
'

test_expect_success 'with no guest reading it, prune --all removes the image' '
	cache_cmd prune --all >prune &&
	grep "^removing ${img2##*/} (with its base)$" prune &&
	! test -e "$img2" && ! test -e "$img2.sha256" &&
	! ls "$bases" | grep -E "\\.(img|qcow2)" &&
	qemu-img check -q "$(disk_of lt2)" && qemu-img check -q "$(disk_of lt3)"
'

test_expect_success 'nothing is left mounted or attached' '
	! grep -F "$TRASH" /proc/mounts &&
	! losetup -l -n -O BACK-FILE | grep -F "$TRASH" &&
	! ls "$dir/domains"/* | grep -E "\\.flatten-[0-9]+$"
'

test_done
