#!/bin/bash
# The same one-liner for the releases around bookworm: bullseye (whose
# systemd still carries resolved) and trixie (merged /usr, a newer
# kernel). Each is read by pygrub and booted to a root login. Debian's
# security support for bullseye ended on 2026-08-31, and the mirror these
# tests reach lists a bullseye-security kernel its pool no longer serves:
# bullseye is built from its release alone (--noupdates).
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

# build_and_boot DIST HOST [FLAG...]
build_and_boot() {
	"$CREATE_IMAGE" --hostname "$2" --dist "$1" --dir "$dir" --output "$out" \
		--size 3G --swap 64M --cachedir "$CACHEDIR" "${@:3}" \
		>"$2.summary" 2>"$2.err" ||
		{ cat "$2.err"; return 1; }
	disk=$dir/domains/$2/disk.img
	guest_cat "$disk" /etc/apt/sources.list >"$2.sources"
	grep -qE "^deb http://(security|deb).debian.org/debian-security $1-security " "$2.sources" &&
	test "$(guest_readlink "$disk" /etc/resolv.conf)" = \
		../run/systemd/resolve/stub-resolv.conf &&
	"$TEST_TOOL" xlcfg-check "$out/$2.cfg" &&
	"$BOOT_CHECK" --disk "$disk" --disk "$dir/domains/$2/swap.img" \
		--mac "$(sed -n "s/^ *MAC: *//p" "$2.summary")" --hostname "$2" \
		--password "$(sed -n "s/^ *Root password: //p" "$2.summary")"
}

test_expect_success 'trixie: builds and boots' '
	build_and_boot trixie tx1 &&
	grep -q "non-free-firmware" tx1.sources &&
	grep -q "^  Archive: *trixie .*, trixie-updates .*, trixie-security " tx1.summary &&
	grep -q "Kernel: *6\.1[2-9]" tx1.summary
'

test_expect_success 'bullseye: builds and boots' '
	build_and_boot bullseye bx1 --noupdates &&
	! grep -q "non-free-firmware" bx1.sources &&
	grep -q "Kernel: *5\.10" bx1.summary
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
