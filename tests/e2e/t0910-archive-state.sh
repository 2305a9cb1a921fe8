#!/bin/bash
# The cache follows the archive: a base records the state of the suites it
# was built from; one older than the archive is renewed by upgrading it and
# says which suite changed; an unchanged archive keeps builds warm, and the
# state, once asked, is kept for --cache-max-age. Without the mirror a
# cached base is used as it is, with a warning naming its age; a build that
# would need the mirror fails before anything is made.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log
export CREATE_IMAGE_STATEDIR=$TRASH/state
LIST_IMAGES=$BUILD/list-images

# A cache of this test's own, holding a copy of the suite's shared base
# (built by the first test that needs it, or here), and sharing packages.
cache=$TRASH/cache
bases=$cache/bases
private_cache "$cache"

# build NAME [FLAG...]: a small guest with --verbose; NAME.out, NAME.err.
# --clone=no: these guests unpack the base archive, which is what this
# test is about; t1310 and t1320 have the clones of its image.
build()
{
	local name=$1
	shift
	"$CREATE_IMAGE" --hostname "$name" --dir "$dir" --output "$out" \
		--size 2G --noswap --verbose --clone=no "$@" >"$name.out" \
		2>"$name.err"
}

disk_of()
{
	echo "$dir/domains/$1/disk.img"
}

# The package names installed in a guest's image, sorted.
packages_of()
{
	guest_cat "$(disk_of "$1")" /var/lib/dpkg/status |
		awk '$1 == "Package:" { print $2 }' | sort
}

test_expect_success 'a build records the archive state it was built from' '
	build s0 --cachedir "$CACHEDIR" &&
	cat s0.err &&
	mkdir -p "$bases" &&
	name=$(grep -o "base bookworm-amd64-[0-9a-f]\{12\}" s0.err | head -n 1) &&
	conf=$CACHEDIR/bases/${name#base }.conf &&
	test -f "$conf" &&
	cp "$conf" "${conf%.conf}.tar.zst" "$bases/" &&
	grep -E "^state = \"bookworm@[0-9TZ:-]+@[0-9a-f]{64} bookworm-updates@[0-9TZ:-]+@[0-9a-f]{64} bookworm-security@[0-9TZ:-]+@[0-9a-f]{64}\";" "$conf" &&
	grep -E "^  Archive: +bookworm [0-9-]+ [0-9:]+, bookworm-updates [0-9-]+ [0-9:]+, bookworm-security [0-9-]+ [0-9:]+ UTC$" s0.out
'

test_expect_success 'the guest record and list-images --json carry the suites and dates' '
	"$LIST_IMAGES" --json >list.json &&
	python3 -c "
import json, sys
g = [g for g in json.load(open(\"list.json\"))[\"guests\"] if g[\"hostname\"] == \"s0\"][0]
a = g[\"archive\"]
assert [s[\"suite\"] for s in a] == [\"bookworm\", \"bookworm-updates\", \"bookworm-security\"], a
assert all(len(s[\"sha256\"]) == 64 and s[\"date\"].endswith(\"Z\") for s in a), a
"
'

test_expect_success 'an unchanged archive keeps the build warm; the guest names its own mirrors' '
	build s1 --cachedir "$cache" --guest-mirror http://m.example/debian \
		--guest-security-mirror http://s.example/debian-security &&
	grep -q "using the cached base " s1.err &&
	! grep -q "renewing\|building the base" s1.err &&
	guest_cat "$(disk_of s1)" /etc/apt/sources.list >s1.sources &&
	grep -q "^deb http://m.example/debian bookworm " s1.sources &&
	grep -q "^deb http://m.example/debian bookworm-updates " s1.sources &&
	grep -q "^deb http://s.example/debian-security bookworm-security " s1.sources
'

test_expect_success 'the state once asked is kept: no mirror needed within --cache-max-age' '
	unshare -n "$CREATE_IMAGE" --hostname s2 --dir "$dir" --output "$out" --clone=no \
		--size 2G --noswap --cachedir "$cache" >s2.out 2>s2.err &&
	! grep -q "warning" s2.err &&
	test -n "$(ls "$cache/archive")"
'

conf=$(ls "$bases"/bookworm-amd64-*.conf 2>/dev/null)

test_expect_success 'a base older than the archive: --dry-run names the suite that changed' '
	sed -i -E "s/bookworm-security@[0-9TZ:-]+@[0-9a-f]{64}/bookworm-security@2026-01-02T03:04:05Z@$(printf %064d 0)/" "$conf" &&
	grep -q "bookworm-security@2026-01-02T03:04:05Z@" "$conf" &&
	"$CREATE_IMAGE" --dry-run --hostname s3 --cachedir "$cache" >plan &&
	cat plan &&
	grep -E "^base      bookworm-amd64-[0-9a-f]{12}, renewed: bookworm-security changed \(2026-01-02 03:04 -> [0-9-]+ [0-9:]+ UTC\)" plan
'

test_expect_success 'it is renewed by upgrading it, and stored with the new state' '
	build s3 --cachedir "$cache" &&
	cat s3.err &&
	grep -q "renewing the cached base bookworm-amd64-[0-9a-f]*: bookworm-security changed" s3.err &&
	grep -q "upgrading to the newest packages of bookworm, bookworm-updates and bookworm-security" s3.err &&
	! grep -q "building the base" s3.err &&
	! grep -q "2026-01-02T03:04:05Z" "$conf" &&
	grep -q "^state = \"bookworm@" "$conf" &&
	test "$(ls "$bases" | grep -c "\.tar\.zst$")" = 1 &&
	packages_of s1 >p1 && packages_of s3 >p3 &&
	test_cmp p1 p3 &&
	test "$(guest_ls "$(disk_of s3)" /boot | grep -c "^vmlinuz-")" = 1
'

test_expect_success 'the renewed base is current: the next build unpacks it' '
	build s4 --cachedir "$cache" &&
	grep -q "using the cached base " s4.err &&
	! grep -q "renewing" s4.err
'

test_expect_success 'the mirror out of reach: the cached base as it is, with its age' '
	unshare -n "$CREATE_IMAGE" --hostname s5 --dir "$dir" --output "$out" --clone=no \
		--size 2G --noswap --cachedir "$cache" --cache-max-age 0 \
		>s5.out 2>s5.err &&
	cat s5.err &&
	test "$(grep -c "warning" s5.err)" = 1 &&
	grep -q "warning: cannot reach .*: using the cached base bookworm-amd64-[0-9a-f]* as it is, built from the archive of [0-9-]* [0-9:]* UTC, [0-9]* \(minutes\|hours\|days\) ago" s5.err &&
	test -f "$out/s5.cfg"
'

test_expect_success '--offline never asks the mirror' '
	unshare -n "$CREATE_IMAGE" --hostname s6 --dir "$dir" --output "$out" --clone=no \
		--size 2G --noswap --cachedir "$cache" --cache-max-age 0 \
		--offline >s6.out 2>s6.err &&
	! grep -q "warning" s6.err &&
	grep -q "offline: using the cached base" s6.err
'

test_expect_success 'without a cached base, an unreachable mirror fails before anything is made' '
	rc=0 &&
	build s7 --cachedir "$cache" --mirror http://127.0.0.1:9/debian || rc=$? &&
	cat s7.err &&
	test "$rc" = 1 &&
	grep -q "cannot reach .http://127.0.0.1:9/debian/dists/bookworm/InRelease.*no base for this guest is cached, and building one needs the mirror" s7.err &&
	test ! -e "$dir/domains/s7" && test ! -e "$out/s7.cfg" &&
	rc=0 &&
	build s8 --cachedir "$cache" --offline --noupdates || rc=$? &&
	test "$rc" = 1 &&
	grep -q "offline: no base for this guest is cached" s8.err &&
	test ! -e "$dir/domains/s8" &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'cache list shows the archive date of each base' '
	"$CREATE_IMAGE" cache list --cachedir "$cache" >list &&
	cat list &&
	head -n 1 list | grep -q "ARCHIVE" &&
	grep -E "^bookworm-amd64-[0-9a-f]{12} .* [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5} " list
'

test_done
