#!/bin/bash
# update-image: a guest built with --noupdates (the release alone, so the
# -updates and -security suites its sources.list names have newer
# packages) is brought up to date from its own sources. Bad names and a
# running guest are refused with exit 2 and nothing changed; the dry run
# lists the upgrade and changes nothing; a failure mid-way (an injected
# fault, or SIGTERM) leaves no mount, loop device or lent file behind;
# the update raises the package's version, and a new kernel heads the
# boot menu with the old one kept second. The updated guest boots under
# qemu. A partitioned qcow2 guest is updated through its FUSE export too,
# and its kernel copied to dom0 for a direct boot replaced.
# suite: beside
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
export CREATE_IMAGE_XEN_PROC=$TRASH/no-xen
disk=$dir/domains/up-web/disk.img
key=$TRASH/id_ed25519
UPDATE_IMAGE=$BUILD/update-image
HOST_STATE_GUESTS="up-web up-q"
export HOST_STATE_GUESTS

# The guest as the host sees it, and what dpkg says is in it; with
# "content", not whether its image was written to.
guest_state()
{
	host_state "$dir" "$CREATE_IMAGE_STATEDIR" "$TMPDIR" &&
	if [ "${1-}" != content ]; then stat -c "%Y %s" "$disk"; fi &&
	guest_cat "$disk" /var/lib/dpkg/status | md5sum &&
	guest_ls "$disk" /var/lib/apt/lists | md5sum &&
	guest_ls "$disk" /var/tmp
}

# bad_update STATUS MESSAGE ARG...: refused with STATUS and one line
# naming MESSAGE; nothing changed.
bad_update()
{
	local want=$1 msg=$2 rc=0
	shift 2
	guest_state >before &&
	"$UPDATE_IMAGE" "$@" >o 2>e || rc=$?
	test "$rc" = "$want" || { echo "exit $rc, not $want"; cat e; return 1; }
	grep -q -- "$msg" e || { echo "no '$msg' in:"; cat e; return 1; }
	test "$(wc -l <e)" = 1 || { cat e; return 1; }
	test ! -s o &&
	guest_state >after &&
	test_cmp before after
}

# The lent files are gone and the guest's own resolv.conf is back.
nothing_lent()
{
	test "$(guest_readlink "$disk" /etc/resolv.conf)" = "$resolv" &&
	test -z "$(guest_ls "$disk" /etc | grep -x resolv.conf.create-image)" &&
	test -z "$(guest_ls "$disk" /usr/sbin | grep -x policy-rc.d)" &&
	test -z "$(guest_ls "$disk" /var/tmp | grep create-image)"
}

test_expect_success '--help: every flag is in the man page; --version' '
	"$UPDATE_IMAGE" --help >help &&
	grep -q "^usage: update-image" help &&
	grep -o -- "--[a-z][a-z0-9-]*" help | sort -u >flags &&
	test "$(wc -l <flags)" = 6 &&
	while read -r f; do
		in_man update-image "${f#--}" ||
			{ echo "not in the man page: $f"; exit 1; }
	done <flags &&
	"$UPDATE_IMAGE" --version | grep -qE "^update-image [0-9]+\."
'

test_expect_success 'a guest of the release alone is built' '
	ssh-keygen -q -t ed25519 -N "" -C "up@example" -f "$key" &&
	"$CREATE_IMAGE" --hostname up-web --dist bookworm --dir "$dir" \
		--output "$out" --dhcp --pygrub --size 2G --swap 128M \
		--ssh-key "$key.pub" --noupdates --cachedir "$CACHEDIR" \
		>summary 2>progress &&
	test -f "$disk"
'

resolv=$(guest_readlink "$disk" /etc/resolv.conf)
mac=$(sed -n "s/^ *MAC: *//p" "$TRASH/summary")

# pkg, old, new: an installed package whose newest version in the suites
# the guest names is newer than the one installed.
test_expect_success 'its sources name -updates and -security, which have newer packages' '
	guest_cat "$disk" /etc/apt/sources.list >sources &&
	grep -q "^deb .* bookworm-updates " sources &&
	grep -q "^deb .* bookworm-security " sources &&
	mirror_packages sources >packages &&
	guest_cat "$disk" /var/lib/dpkg/status | awk "
		\$1 == \"Package:\" { p = \$2 }
		\$1 == \"Version:\" { print p, \$2 }" | sort >installed &&
	awk "NR == FNR { v[\$1] = \$2; next }
		\$1 == \"Package:\" { p = \$2 }
		\$1 == \"Version:\" && (p in v) { print p, v[p], \$2 }" \
		installed packages |
	while read -r p have offer; do
		if dpkg --compare-versions "$offer" gt "$have"; then
			echo "$p $have"
		fi
	done | sort -u >stale &&
	cat stale &&
	test -s stale &&
	# a library every guest has, if it is stale; else the first
	pkg=$(awk "\$1 == \"libssl3\" { print \$1 }" stale) &&
	pkg=${pkg:-$(head -n 1 stale | cut -d" " -f1)} &&
	old=$(installed_version "$disk" "$pkg") &&
	new=$(newest "$pkg" <packages | cut -d" " -f1) &&
	echo "$pkg $old $new" >want &&
	dpkg --compare-versions "$new" gt "$old"
'

read -r pkg old new <"$TRASH/want"

test_expect_success 'bad names are refused with exit 2, nothing changed' '
	bad_update 2 "which guest" &&
	bad_update 2 "invalid hostname .-up." -- -up &&
	bad_update 2 "unknown option .--bogus." --bogus up-web &&
	bad_update 2 "no guest .up-none." up-none &&
	bad_update 2 "no guest .up-none." up-web up-none &&
	bad_update 2 "no guest .up-none." --dry-run up-web up-none
'

fake_xen up-web

test_expect_success 'a running guest is refused with exit 2, nothing changed' '
	PATH=$TRASH/bin:$PATH CREATE_IMAGE_XL=$TRASH/bin/xl \
		CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		bad_update 2 "guest .up-web. is running; shut it down first" \
		up-web
'

test_expect_success '--dry-run lists the upgrade and changes nothing' '
	guest_state content >before &&
	ln -s "$CREATE_IMAGE_FAULTS" "$TRASH/bin/update-image" &&
	CREATE_IMAGE_FAULT_LOG=$TRASH/dry.points \
		"$TRASH/bin/update-image" --dry-run up-web >dry.out 2>dry.err &&
	cat dry.out &&
	head -n 1 dry.out | grep -q "^up-web: [0-9]* package changes\? would be made$" &&
	grep -qxF "  $pkg $old -> $new" dry.out &&
	guest_state content >after &&
	test_cmp before after &&
	test "$(installed_version "$disk" "$pkg")" = "$old" &&
	nothing_lent &&
	assert_no_leftovers "$TRASH"
'

# The in-guest run of apt fails (an injected fault): what was set up goes.
test_expect_success 'a failure mid-way leaves no mount, loop or lent file' '
	cat dry.points &&
	n=$(awk "\$1 == \"command\" && \$3 ~ /in-guest\$/ { print \$2; exit }" \
		dry.points) &&
	test -n "$n" &&
	rc=0 &&
	CREATE_IMAGE_FAULT=command:$n "$TRASH/bin/update-image" up-web \
		>fail.out 2>fail.err || rc=$? &&
	cat fail.err &&
	test "$rc" = 1 &&
	grep -q "cannot update .up-web.:" fail.err &&
	test ! -s fail.out &&
	test "$(installed_version "$disk" "$pkg")" = "$old" &&
	nothing_lent &&
	assert_no_leftovers "$TRASH" &&
	test -z "$(ls "$CREATE_IMAGE_STATEDIR/runs")"
'

# SIGTERM while apt runs (a dry run, so no dpkg is cut short): the same.
test_expect_success 'SIGTERM while apt runs: exit 143, nothing left' '
	"$UPDATE_IMAGE" --dry-run up-web >sig.out 2>sig.err &
	pid=$! &&
	for i in $(seq 150); do
		grep -q "running apt-get" sig.err && break
		sleep 0.2
	done &&
	sleep 2 &&
	kill -TERM $pid &&
	rc=0 && wait $pid || rc=$? &&
	cat sig.err &&
	test "$rc" = 143 &&
	grep -q "cannot update .up-web.:" sig.err &&
	test "$(installed_version "$disk" "$pkg")" = "$old" &&
	nothing_lent &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'the update raises the version from the suites the guest names' '
	old_kernel=$(guest_ls "$disk" /boot | sed -n "s/^vmlinuz-//p" | sort -V | tail -n 1) &&
	echo "$old_kernel" >old-kernel &&
	"$UPDATE_IMAGE" up-web >up.out 2>up.err &&
	cat up.out &&
	head -n 1 up.out | grep -q "^up-web: [0-9]* package changes\? made$" &&
	grep -qxF "  $pkg $old -> $new" up.out &&
	test "$(installed_version "$disk" "$pkg")" = "$new" &&
	nothing_lent &&
	assert_no_leftovers "$TRASH" &&
	test -z "$(guest_ls "$disk" /var/cache/apt/archives | grep "\.deb$")"
'

test_expect_success 'a new kernel heads the boot menu, the old one second' '
	old_kernel=$(cat old-kernel) &&
	new_kernel=$(guest_ls "$disk" /boot | sed -n "s/^vmlinuz-//p" | sort -V | tail -n 1) &&
	guest_cat "$disk" /boot/grub/grub.cfg >grub.cfg &&
	cat grub.cfg &&
	if [ "$new_kernel" = "$old_kernel" ]; then
		echo "no new kernel in the suites: the menu stays" &&
		test "$(grep -c "^menuentry" grub.cfg)" = 1
	else
		grep -q "^  kernel $old_kernel -> $new_kernel; the boot menu" up.out &&
		grep "^	linux " grub.cfg >entries &&
		test "$(wc -l <entries)" = 2 &&
		head -n 1 entries | grep -q "/boot/vmlinuz-$new_kernel " &&
		tail -n 1 entries | grep -q "/boot/vmlinuz-$old_kernel " &&
		grep -q "initrd /boot/initrd.img-$old_kernel$" grub.cfg &&
		guest_ls "$disk" /boot | grep -qx "initrd.img-$old_kernel"
	fi
'

test_background 'the updated guest boots to a login' '
	"$BOOT_CHECK" --timeout 600 --disk "$disk" --mac "$mac" \
		--hostname up-web --ssh-key "$key" \
		--ssh-command "uname -r" >boot.out 2>&1 || { cat boot.out; exit 1; }
	cat boot.out
	new_kernel=$(guest_ls "$disk" /boot | sed -n "s/^vmlinuz-//p" | sort -V | tail -n 1)
	grep -q "root: $new_kernel$" boot.out
'

# A qcow2 guest, written through qemu-storage-daemon's FUSE export: one
# partitioned disk (--layout=disk), its kernel booted from dom0
# (pv-direct), whose copy is replaced and the old one kept beside it.
test_expect_success 'a partitioned qcow2 guest booted from dom0 is updated through its export' '
	"$CREATE_IMAGE" --hostname up-q --dist bookworm --dir "$dir" \
		--output "$out" --dhcp --boot-mode pv-direct --size 2G \
		--noswap --layout disk --disk-format qcow2 --noupdates \
		--cachedir "$CACHEDIR" >q.summary 2>q.progress &&
	qdisk=$dir/domains/up-q/disk.qcow2 &&
	kdir=$CREATE_IMAGE_STATEDIR/kernels/up-q &&
	cp "$kdir/vmlinuz" vmlinuz.before &&
	cp "$kdir/initrd.img" initrd.before &&
	cp "$out/up-q.cfg" q.cfg &&
	grep -q "^kernel *= *.$kdir/vmlinuz.$" q.cfg &&
	"$UPDATE_IMAGE" up-q >q.out 2>q.err &&
	cat q.out &&
	grep -qxF "  $pkg $old -> $new" q.out &&
	qemu-img check "$qdisk" &&
	qemu-img convert -f qcow2 -O raw "$qdisk" q.raw &&
	part=$(awk "/mountpoint = \"\/\";/ { f = 1 } f && /partition =/ { print \$3 + 0; exit }" \
		"$CREATE_IMAGE_STATEDIR/guests/up-q.conf") &&
	part_cat q.raw "$part" /var/lib/dpkg/status >q.status &&
	test "$(awk -v p="$pkg" "\$1 == \"Package:\" { q = \$2 }
		q == p && \$1 == \"Version:\" { print \$2; exit }" q.status)" = "$new" &&
	new_kernel=$(sed -n "s/^  kernel .* -> \([^;]*\);.*/\1/p" q.out) &&
	if [ -n "$new_kernel" ]; then
		grep -q "the kernel xl boots replaced" q.out &&
		part_cat q.raw "$part" "/boot/vmlinuz-$new_kernel" >vmlinuz.new &&
		cmp vmlinuz.new "$kdir/vmlinuz" &&
		cmp vmlinuz.before "$kdir/vmlinuz.old" &&
		cmp initrd.before "$kdir/initrd.img.old" &&
		! cmp -s initrd.before "$kdir/initrd.img"
	else
		cmp vmlinuz.before "$kdir/vmlinuz"
	fi &&
	test_cmp q.cfg "$out/up-q.cfg" &&
	rm q.raw &&
	test -z "$(ls -A "$dir/domains/up-q" | grep fuse)" &&
	test -z "$(ls -A "$kdir" | grep replaced)" &&
	assert_no_leftovers "$TRASH"
'

test_wait
test_done
