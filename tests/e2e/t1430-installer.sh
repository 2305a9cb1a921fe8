#!/bin/bash
# --debootstrap-cmd and --apt_proxy: a cold build with mmdebstrap installs
# the package set of a debootstrap guest and passes e2fsck; both builds go
# through a local HTTP proxy (tests/helper/http-proxy), whose log shows the
# package downloads and create-image's own fetches, and both guests' apt
# has the proxy, which the cached base does not; bad values exit 2 and
# leave nothing.
# suite: beside
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

# mmdebstrap's own base cache, and a copy of the suite's packages without
# sudo's: that one is downloaded, through the proxy. The builds ask the
# mirrors again (--cache-max-age=0), through the proxy, not trusting the
# plan's answer.
cache=$TRASH/cache
mkdir -p "$cache/debs"
find "$PKG_CACHE" -maxdepth 1 -name "*.deb" ! -name "sudo_*" \
	-exec cp -t "$cache/debs" {} +

# bad FLAG...: exit 2, one line, nothing made.
bad()
{
	rc=0
	"$CREATE_IMAGE" --hostname inbad --dir "$dir" --output "$out" \
		--cachedir "$cache" "$@" >o 2>e || rc=$?
	cat e
	test "$rc" = 2 && test "$(wc -l <e)" = 1 &&
	test ! -e "$dir" && test ! -e "$out" && test ! -e "$cache/bases"
}

test_expect_success 'an unknown --debootstrap-cmd exits 2 naming the flag' '
	bad --debootstrap-cmd=cdebootstrap &&
	grep -q "^create-image: --debootstrap-cmd: .debootstrap-cmd. must be debootstrap or mmdebstrap, not .cdebootstrap.$" e &&
	echo "debootstrap_cmd = /usr/sbin/debootstrap" >path.conf &&
	bad --config "$TRASH/path.conf" &&
	grep -q "^create-image: $TRASH/path.conf:1: .debootstrap-cmd. must be " e
'

test_expect_success 'a bad --apt_proxy exits 2 naming the flag' '
	for u in ftp://127.0.0.1:3142 http:// http://127.0.0.1:0 \
		 http://127.0.0.1:65536 http://127.0.0.1:/ \
		 http://127.0.0.1:3142/apt "http://a b" http://u@p.example; do
		bad "--apt_proxy=$u" &&
		grep -q "^create-image: --apt_proxy: invalid proxy URL " e ||
		exit 1
	done &&
	echo "apt-proxy = http://[::1" >proxy.conf &&
	bad --config "$TRASH/proxy.conf" &&
	grep -q "^create-image: $TRASH/proxy.conf:1: invalid proxy URL " e
'

test_expect_success 'the plan runs mmdebstrap, from a base of its own' '
	echo "debootstrap_cmd = mmdebstrap" >mm.conf &&
	"$CREATE_IMAGE" --dry-run --hostname in0 --cachedir "$cache" \
		--config "$TRASH/mm.conf" >plan.mm &&
	"$CREATE_IMAGE" --dry-run --hostname in0 --cachedir "$cache" >plan.db &&
	grep -q "^install   mmdebstrap --mode=root --variant=extract .* bookworm ROOT http://deb.debian.org/debian$" plan.mm &&
	grep -q "^install   debootstrap --variant=minbase " plan.db &&
	base_mm=$(sed -n "s/^base      \([^,]*\),.*/\1/p" plan.mm) &&
	base_db=$(sed -n "s/^base      \([^,]*\),.*/\1/p" plan.db) &&
	test -n "$base_mm" && test -n "$base_db" &&
	test "$base_mm" != "$base_db"
'

python3 "$TEST_DIRECTORY/helper/http-proxy" "$TRASH/proxy.port" \
	"$TRASH/proxy.log" 2>"$TRASH/proxy.err" &
proxy=$!
trap 'kill $proxy 2>/dev/null' EXIT

test_expect_success 'the proxy is up' '
	for i in $(seq 100); do
		test -s proxy.port && break
		sleep 0.1
	done &&
	port=$(cat proxy.port) &&
	curl -sf -o /dev/null -x "http://127.0.0.1:$port" \
		http://deb.debian.org/debian/dists/bookworm/Release &&
	grep -q "^GET http://deb.debian.org/debian/dists/bookworm/Release 200 curl/" proxy.log &&
	: >proxy.log
'
port=$(cat "$TRASH/proxy.port" 2>/dev/null)
url=http://127.0.0.1:$port/

# dpkg_packages DISK: the names of the installed packages, sorted.
dpkg_packages()
{
	guest_cat "$1" /var/lib/dpkg/status | awk '
		$1 == "Package:" { p = $2 }
		$1 == "Status:" && $4 == "installed" { print p }' | sort
}

test_expect_success 'a debootstrap guest through the proxy has it in its apt' '
	"$CREATE_IMAGE" --hostname indb --dir "$dir" --output "$out" \
		--size 2G --swap 64M --cachedir "$CACHEDIR" --cache-max-age=0 \
		--apt_proxy="$url" >indb.out 2>indb.err || { cat indb.err; exit 1; } &&
	disk=$dir/domains/indb/disk.img &&
	guest_cat "$disk" /etc/apt/apt.conf.d/01proxy >01proxy &&
	echo "Acquire::http::Proxy \"$url\";" >expect &&
	diff -u expect 01proxy &&
	cat proxy.log &&
	grep -q "^GET http://deb.debian.org/debian/dists/bookworm/InRelease [0-9]* create-image$" proxy.log &&
	dpkg_packages "$disk" >indb.pkgs &&
	test "$(wc -l <indb.pkgs)" -gt 100
'

test_expect_success 'mmdebstrap: a cold build through the proxy' '
	: >proxy.log &&
	"$CREATE_IMAGE" --hostname inmm --dir "$dir" --output "$out" \
		--size 2G --swap 64M --cachedir "$cache" --cache-max-age=0 \
		--verbose --debootstrap-cmd mmdebstrap --apt-proxy "$url" \
		>inmm.out 2>inmm.err || { tail -n 40 inmm.err; exit 1; } &&
	grep -q "^create-image: installing bookworm with mmdebstrap$" inmm.err &&
	grep -q "^create-image: \$ mmdebstrap --mode=root --variant=extract " inmm.err &&
	grep -q "^create-image: \$ .*/in-guest /bin/sh -euc " inmm.err &&
	test "$(ls "$cache"/bases/*.conf | wc -l)" = 1 &&
	grep -q "^  method = \"mmdebstrap\";$" "$cache"/bases/*.conf &&
	assert_no_leftovers "$TRASH"
'

test_expect_success 'its downloads went through the proxy, into the cache' '
	cat proxy.log &&
	grep -q "^GET http://deb.debian.org/debian/dists/bookworm/InRelease [0-9]* create-image$" proxy.log &&
	grep -q "^GET http://deb.debian.org/debian/dists/bookworm/InRelease 200 Debian APT" proxy.log &&
	grep -q "^GET http://deb.debian.org/debian/pool/main/s/sudo/sudo_[^ ]*_amd64\.deb 200 Debian APT" proxy.log &&
	ls "$cache"/debs/sudo_*_amd64.deb
'

test_expect_success 'mmdebstrap: the package set of a debootstrap guest, a clean file system' '
	disk=$dir/domains/inmm/disk.img &&
	e2fsck -fn "$disk" &&
	dpkg_packages "$disk" >inmm.pkgs &&
	test "$(wc -l <inmm.pkgs)" -gt 100 &&
	# debootstrap installs the transitional lsb-base that apt sees
	# provided by sysvinit-utils; nothing else differs.
	grep -v "^lsb-base$" indb.pkgs >indb.cmp &&
	diff -u indb.cmp inmm.pkgs &&
	guest_readlink "$disk" /bin >bin &&
	echo usr/bin >expect &&
	diff -u expect bin &&
	test -z "$(guest_ls "$disk" /var/cache/apt/archives | grep "\.deb$")" &&
	test -z "$(guest_ls "$disk" /var/lib/apt/lists | grep "_")"
'

test_expect_success 'mmdebstrap: the guest has the proxy, the base has not' '
	guest_cat "$dir/domains/inmm/disk.img" /etc/apt/apt.conf.d/01proxy >01proxy &&
	echo "Acquire::http::Proxy \"$url\";" >expect &&
	diff -u expect 01proxy &&
	tar --zstd -tf "$cache"/bases/*.tar.zst >base.list &&
	grep -q "etc/apt/apt.conf.d/$" base.list &&
	! grep -q "01proxy" base.list
'

test_done
