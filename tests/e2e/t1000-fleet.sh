#!/bin/bash
# Fleets: eight guests from one fleet file, four at a time, from the
# cached base, with addresses and MACs from a pool; two of them booted and
# logged into over SSH with the key the file names. Then a second run
# builds nothing, a changed guest is reported and left alone, one guest
# made to fail does not stop the others, SIGTERM mid-fleet leaves nothing
# behind and the next run finishes the fleet, and two fleets at once on
# one pool never share an address.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
state=$CREATE_IMAGE_STATEDIR
CHECK_EVENTS=$TEST_DIRECTORY/check-events
MAN=$TEST_DIRECTORY/../man/create-image.8
mkdir -p "$out"

ssh-keygen -q -t ed25519 -N "" -C fleet-test -f "$TRASH/id" || exit 1

# fleet_file NAME POOLRANGE GUESTS...: a fleet file sharing the suite's
# cache, its guests in pool "lab" (10.0.3.0/24, the network the boots
# below give qemu's user networking).
fleet_file()
{
	local name=$1 range=$2
	shift 2
	{
		cat <<-EOF
		defaults = { dist = "bookworm"; size = "2G"; swap = "64M";
		             dir = "$dir"; output = "$out"; cachedir = "$CACHEDIR";
		             ssh-key = [ "$TRASH/id.pub" ]; pool = "lab"; };
		pools = ( { name = "lab"; range = "$range";
		            netmask = "255.255.255.0"; gateway = "10.0.3.2";
		            nameservers = [ "10.0.3.3" ]; } );
		EOF
		printf 'guests = ( '
		local sep=
		for g in "$@"; do
			printf '%s%s' "$sep" "$g"
			sep=', '
		done
		printf ' );\n'
	} >"$name"
}

fleet_file lab.conf 10.0.3.100-10.0.3.150 \
	'{ hostname = "fw%02d"; count = 6; memory = "512M"; }' \
	'{ hostname = "fdb1"; size = "3G"; }' \
	'{ hostname = "fdb2"; }'

# run_fleet STATUS FILE [FLAG...]: out.json, err.
run_fleet()
{
	local want=$1
	shift
	rc=0
	"$CREATE_IMAGE" fleet --json "$@" >out.json 2>err || rc=$?
	cat err
	test "$rc" = "$want" || { echo "exit $rc, want $want"; return 1; }
	"$CHECK_EVENTS" --man "$MAN" <out.json
}

# status_of HOST: its status in out.json.
status_of()
{
	jq -r --arg h "$1" 'select(.event == "guest" and .hostname == $h) | .status' out.json
}

# Everything a run holds while it works is gone, its workers too.
no_leftovers()
{
	assert_no_leftovers "$TRASH" &&
	! pgrep -f "create-image fleet"
}

# leases: "HOST ADDRESS" for each lease in the state file.
leases()
{
	test -e "$state/addresses.conf" || return 0
	awk -F'"' '/hostname = / { h = $2 } /address = / { print h, $2 }' \
		"$state/addresses.conf" | sort
}

test_expect_success 'a bad fleet file is refused with FILE:LINE, and nothing is made' '
	printf "defaults = { sizee = \"4G\"; };\nguests = ( { hostname = \"x1\"; } );\n" >bad1.conf &&
	test_expect_code 2 "$CREATE_IMAGE" fleet bad1.conf 2>e1 &&
	grep -q "bad1.conf:1: unknown key .sizee." e1 &&
	printf "guests = ( { hostname = \"x1\"; },\n { hostname = \"x1\"; } );\n" >bad2.conf &&
	test_expect_code 2 "$CREATE_IMAGE" fleet bad2.conf 2>e2 &&
	grep -q "bad2.conf:2: .*x1" e2 &&
	fleet_file bad3.conf 10.0.3.100-10.0.3.102 "{ hostname = \"t%d\"; count = 4; }" &&
	test_expect_code 2 "$CREATE_IMAGE" fleet bad3.conf 2>e3 &&
	grep -q "bad3.conf:[0-9]*: pool .lab. has 3 addresses for 4 guests" e3 &&
	fleet_file bad4.conf 10.0.3.100-10.0.3.150 "{ hostname = \"t1\"; memory = \"lots\"; }" &&
	test_expect_code 2 "$CREATE_IMAGE" fleet bad4.conf 2>e4 &&
	grep -q "bad4.conf:[0-9]*: invalid size .lots. for .memory." e4 &&
	test ! -e "$dir" && test ! -e "$state/addresses.conf" &&
	test -z "$(ls "$out")"
'

test_expect_success '--dry-run as an ordinary user: every plan, distinct pool addresses, nothing made' '
	chmod 755 "$TRASH" &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CREATE_IMAGE" fleet --dry-run lab.conf >plan 2>err &&
	test "$(grep -c "^hostname  " plan)" = 8 &&
	grep "^network   10\.0\.3\." plan | sort | uniq -d >dups &&
	test ! -s dups &&
	test "$(grep -c "^network   10\.0\.3\.1[0-4][0-9]/24 via 10\.0\.3\.2$" plan)" = 8 &&
	grep -A12 "^hostname  fw01$" plan | grep -q "^network   10.0.3.100/24 via 10.0.3.2$" &&
	grep -q "^--- $out/fdb2.cfg$" plan &&
	"$CREATE_IMAGE" fleet --dry-run --json lab.conf >planned.json &&
	"$CHECK_EVENTS" --man "$MAN" --guests 8 <planned.json &&
	test "$(jq -r "select(.event == \"guest\") | .status" planned.json | sort -u)" = planned &&
	test ! -e "$dir" && test ! -e "$state/addresses.conf"
'

test_expect_success 'eight guests, four at a time: built, distinct addresses and MACs from the pool' '
	run_fleet 0 -j 4 lab.conf &&
	test "$(jq -r "select(.event == \"result\") | .built" out.json)" = 8 &&
	jq -r "select(.event == \"guest\") | .addresses[0]" out.json | sort >addrs &&
	test "$(sort -u addrs | wc -l)" = 8 &&
	! grep -v "^10\.0\.3\.1[0-4][0-9]$" addrs &&
	jq -r "select(.event == \"guest\") | .mac" out.json | sort -u >macs &&
	test "$(wc -l <macs)" = 8 &&
	! grep -v "^00:16:3e:" macs &&
	test "$(leases | wc -l)" = 8 &&
	for g in fw01 fw02 fw03 fw04 fw05 fw06 fdb1 fdb2; do
		"$TEST_TOOL" xlcfg-check "$out/$g.cfg" || return 1
		grep -q "^memory *= *$(test $g = fdb1 -o $g = fdb2 && echo 256 || echo 512)$" "$out/$g.cfg" || return 1
		test "$(status_of $g)" = built || return 1
	done &&
	test "$(jq -r "select(.hostname == \"fdb1\" and .event == \"guest\") | .disks[0].size" out.json)" = 3221225472 &&
	jq -r "select(.event == \"guest\") | .password" out.json | sort -u >pw &&
	test "$(cat pw)" = null &&
	"$BUILD/list-images" | grep -c "^f" >n && test "$(cat n)" = 8 &&
	no_leftovers
'

# boot_ssh HOST: boot it under qemu, log in as root over SSH with the
# fleet's key, and check its name and pool address.
boot_ssh()
{
	local g=$1 ip mac
	ip=$(jq -r --arg h "$g" "select(.event == \"guest\" and .hostname == \$h) | .addresses[0]" out.json)
	mac=$(jq -r --arg h "$g" "select(.event == \"guest\" and .hostname == \$h) | .mac" out.json)
	"$BOOT_CHECK" --disk "$dir/domains/$g/disk.img" --disk "$dir/domains/$g/swap.img" \
		--mac "$mac" --hostname "$g" --ip "$ip/24" --net 10.0.3.0/24 \
		--ssh-key "$TRASH/id" --ssh-command "ip -4 -o addr show" \
		>"boot-$g.out" &&
	cat "boot-$g.out" &&
	grep -q "inet $ip/24" "boot-$g.out"
}

cp out.json first.json 2>/dev/null

# The two boots run side by side, one on each core.
test_expect_success 'two of them boot, and root logs in over SSH with the key, at its pool address' '
	cp first.json out.json &&
	{ boot_ssh fw01 >fw01.log 2>&1 & p=$!; } &&
	rc=0 && { boot_ssh fdb2 || rc=$?; } &&
	rc1=0 && { wait $p || rc1=$?; } &&
	cat fw01.log &&
	test "$rc1" = 0 && test "$rc" = 0
'

test_expect_success 'a second run builds nothing: every guest exists, unchanged' '
	run_fleet 0 lab.conf &&
	test "$(jq -c "select(.event == \"result\") | [.built, .exists, .differs, .failed]" out.json)" = "[0,8,0,0]" &&
	test "$(leases | wc -l)" = 8 &&
	no_leftovers
'

test_expect_success 'a changed guest is reported with the keys that changed, and left alone' '
	sed "s/size = \"3G\"/size = \"3G\"; vcpus = 2/" lab.conf >changed.conf &&
	run_fleet 0 changed.conf &&
	test "$(status_of fdb1)" = differs &&
	test "$(jq -c "select(.event == \"guest\" and .hostname == \"fdb1\") | .differences" out.json)" = "[\"vcpus\"]" &&
	grep -q "^vcpus *= *1$" "$out/fdb1.cfg" &&
	"$CREATE_IMAGE" fleet changed.conf >human 2>&1 &&
	grep -q "Guest .fdb1. exists, but its settings differ from the manifest: vcpus (--force rebuilds it)" human
'

test_expect_success '--force rebuilds the changed guest only, at the same address' '
	before=$(leases | grep "^fdb1 ") &&
	run_fleet 0 --force changed.conf &&
	test "$(status_of fdb1)" = built &&
	test "$(jq -r "select(.event == \"result\") | .exists" out.json)" = 7 &&
	grep -q "^vcpus *= *2$" "$out/fdb1.cfg" &&
	test "$(leases | grep "^fdb1 ")" = "$before" &&
	no_leftovers
'

test_expect_success 'delete-image gives the addresses back' '
	"$BUILD/delete-image" --dir "$dir" fw01 fw02 fw03 fw04 fw05 fw06 fdb1 fdb2 &&
	test "$(leases | wc -l)" = 0 &&
	no_leftovers
'

test_expect_success 'one guest made to fail: the other seven are built, it is named, exit 1' '
	mkdir -p badhooks &&
	printf "#!/bin/sh\necho \"no luck for \$hostname\" >&2\nexit 3\n" >badhooks/50-fail &&
	chmod +x badhooks/50-fail &&
	fleet_file fail.conf 10.0.3.100-10.0.3.150 \
		"{ hostname = \"g%d\"; count = 7; }" \
		"{ hostname = \"gbad\"; hooks-dir = \"$TRASH/badhooks\"; }" &&
	run_fleet 1 -j 4 fail.conf &&
	test "$(jq -c "select(.event == \"result\") | [.built, .failed]" out.json)" = "[7,1]" &&
	test "$(status_of gbad)" = failed &&
	jq -r "select(.hostname == \"gbad\" and .event == \"guest\") | .error" out.json | grep -q "^cannot customize the guest: hook .50-fail. .* failed with exit status 3: no luck for gbad$" &&
	grep -q "gbad: cannot customize the guest: hook .50-fail. .* failed with exit status 3: no luck for gbad" err &&
	test ! -e "$dir/domains/gbad" && test ! -e "$out/gbad.cfg" &&
	test ! -e "$state/guests/gbad.conf" &&
	! leases | grep -q "^gbad " &&
	test "$(leases | wc -l)" = 7 &&
	no_leftovers
'

test_expect_success '--fail-fast: after the first failure nothing more is built' '
	fleet_file fast.conf 10.0.3.100-10.0.3.150 \
		"{ hostname = \"fbad\"; hooks-dir = \"$TRASH/badhooks\"; }" \
		"{ hostname = \"fok%d\"; count = 3; }" &&
	run_fleet 1 -j 1 --fail-fast fast.conf &&
	test "$(jq -c "select(.event == \"result\") | [.built, .failed]" out.json)" = "[0,4]" &&
	test "$(jq -r "select(.hostname == \"fok2\" and .event == \"guest\") | .error" out.json)" = \
		"not built: an earlier guest failed (--fail-fast)" &&
	test ! -e "$state/guests/fok1.conf" && test ! -e "$dir/domains/fbad" &&
	test "$(leases | grep -c "^f")" = 0 &&
	no_leftovers
'

test_expect_success 'on a terminal: a line per guest with its stage, and the count' '
	fleet_file tty.conf 10.0.3.100-10.0.3.150 "{ hostname = \"tty1\"; }" &&
	TERM=xterm script -qec "\"$CREATE_IMAGE\" fleet tty.conf" typescript >/dev/null &&
	grep -q "tty1 .*installing the system" typescript &&
	grep -q "1 done, 0 failed, 0 left" typescript &&
	grep -q "$(printf "\033")\[A" typescript &&
	grep -q "Guest .tty1. created" typescript &&
	"$BUILD/delete-image" --dir "$dir" tty1 &&
	no_leftovers
'

test_expect_success 'SIGTERM mid-fleet: the builds in progress are rolled back; the next run finishes' '
	fleet_file term.conf 10.0.3.100-10.0.3.150 "{ hostname = \"h%d\"; count = 6; }" &&
	{ "$CREATE_IMAGE" fleet --json -j 2 term.conf >out.json 2>err & pid=$!; } &&
	for i in $(seq 600); do
		grep -q "\"event\": \"guest\"" out.json && break
		sleep 0.1
	done &&
	grep -q "\"event\": \"guest\"" out.json &&
	kill -TERM $pid &&
	rc=0 && wait $pid || rc=$? &&
	cat err &&
	test "$rc" = 143 &&
	"$CHECK_EVENTS" --man "$MAN" --guests 6 <out.json &&
	built=$(jq -r "select(.event == \"result\") | .built" out.json) &&
	test "$built" -ge 1 && test "$built" -lt 6 &&
	for h in h1 h2 h3 h4 h5 h6; do
		if test "$(status_of $h)" = built; then
			test -e "$state/guests/$h.conf" || return 1
		else
			test ! -e "$dir/domains/$h" && test ! -e "$out/$h.cfg" &&
			! leases | grep -q "^$h " || return 1
		fi
	done &&
	test "$(leases | grep -c "^h")" = "$built" &&
	no_leftovers &&
	run_fleet 0 term.conf &&
	test "$(jq -r "select(.event == \"result\") | .built" out.json)" = $((6 - built)) &&
	test "$(leases | grep -c "^h")" = 6 &&
	no_leftovers
'

test_expect_success 'two fleets at once on one pool: no address or MAC is handed out twice' '
	"$BUILD/delete-image" --dir "$dir" g1 g2 g3 g4 g5 g6 g7 h1 h2 h3 h4 h5 h6 &&
	fleet_file one.conf 10.0.3.100-10.0.3.150 "{ hostname = \"pa%d\"; count = 4; }" &&
	fleet_file two.conf 10.0.3.100-10.0.3.150 "{ hostname = \"pb%d\"; count = 4; }" &&
	{ "$CREATE_IMAGE" fleet --json -j 2 one.conf >one.json 2>one.err & p1=$!; } &&
	{ "$CREATE_IMAGE" fleet --json -j 2 two.conf >two.json 2>two.err & p2=$!; } &&
	rc1=0 rc2=0 &&
	{ wait $p1 || rc1=$?; } && { wait $p2 || rc2=$?; } &&
	cat one.err two.err &&
	test "$rc1" = 0 && test "$rc2" = 0 &&
	"$CHECK_EVENTS" --guests 4 <one.json && "$CHECK_EVENTS" --guests 4 <two.json &&
	cat one.json two.json | jq -r "select(.event == \"guest\") | .addresses[0]" | sort >a &&
	test "$(sort -u a | wc -l)" = 8 &&
	cat one.json two.json | jq -r "select(.event == \"guest\") | .mac" | sort -u >m &&
	test "$(wc -l <m)" = 8 &&
	test "$(leases | wc -l)" = 8 &&
	no_leftovers
'

test_done
