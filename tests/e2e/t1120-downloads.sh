#!/bin/bash
# Downloads and caches that are not taken on trust: a tarball over plain
# http needs its checksum, and one that does not match is never unpacked;
# a redirect may not take a download off the web; a compression that
# would run a program from PATH is refused; a cache others could write to
# is refused; a cached base changed behind its description's back is
# found out and never used. The https -> http redirect refusal needs an
# https server, so it is covered by u-install-archive (redirect_policy),
# which gives the policy to libcurl itself.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
export CREATE_IMAGE_LOGDIR=$TRASH/log

# A cache of this test's own, sharing the suite's packages.
cache=$TRASH/cache
mkdir -p "$cache" "$CACHEDIR/debs" &&
ln -s "$CACHEDIR/debs" "$cache/debs"

# A small HTTP server on a free port of 127.0.0.1, serving www/ and
# redirecting /to/URL to URL; every request goes to www.log.
mkdir -p www
python3 - "$TRASH/www" >port 2>www.log <<-\EOF &
import http.server, os, sys, urllib.parse
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("Location", urllib.parse.unquote(self.path[4:]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()
os.chdir(sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
EOF
server=$!
trap 'kill $server 2>/dev/null' EXIT
for i in $(seq 50); do
	test -s port && break
	sleep 0.1
done
url=http://127.0.0.1:$(cat port)

# run NAME [FLAG...]: a small guest; NAME.out, NAME.err, and NAME.rc.
run()
{
	local name=$1 rc=0
	shift
	"$CREATE_IMAGE" --hostname "$name" --dir "$dir" --output "$out" \
		--size 2G --swap 64M --cachedir "$cache" "$@" \
		>"$name.out" 2>"$name.err" || rc=$?
	echo "$rc" >"$name.rc"
	cat "$name.err"
}

# none_of NAME: nothing of guest NAME is left, on disk or mounted.
none_of()
{
	test ! -e "$dir/domains/$1" && test ! -e "$out/$1.cfg" &&
	test ! -e "$TRASH/state/$1" && assert_no_leftovers "$TRASH"
}

# The cached archives, one per line.
archives()
{
	ls "$cache/bases" 2>/dev/null | grep "\.tar\.zst$" || true
}

# How often www.log shows root.tar.zst fetched.
fetches()
{
	grep -c "GET /root.tar.zst " www.log || true
}

# A bookworm base debootstrapped by an earlier test into the suite's
# shared cache (read under its lock), or none.
shared_base()
{
	local name
	name=$("$CREATE_IMAGE" cache --cachedir "$CACHEDIR" list 2>/dev/null |
		awk "\$2 == \"bookworm/amd64\" && \$3 == \"debootstrap\" { print \$1; exit }")
	test -n "$name" &&
	flock -s "$CACHEDIR/bases/.$name.lock" \
		cp "$CACHEDIR/bases/$name.tar.zst" "$1" &&
	grep -qx "sha256 = \"$(sha256sum "$1" | cut -d" " -f1)\";" \
		"$CACHEDIR/bases/$name.conf"
}

test_expect_success 'a root tarball served over http' '
	test -n "$(cat port)" &&
	if ! shared_base www/root.tar.zst; then
		"$CREATE_IMAGE" --dry-run --hostname prep --cachedir "$cache" |
			sed -n "s/^install   //p" >cmd &&
		grep -q "^debootstrap --variant=minbase " cmd &&
		mkdir rootfs &&
		$(sed "s|ROOT|$TRASH/rootfs|" cmd) >debootstrap.log 2>&1 &&
		tar -C rootfs --numeric-owner --zstd -cf www/root.tar.zst . &&
		rm -rf rootfs
	fi &&
	sha256sum www/root.tar.zst | cut -d" " -f1 >sum &&
	grep -qE "^[0-9a-f]{64}$" sum &&
	curl -sf "$url/root.tar.zst" | cmp - www/root.tar.zst
'

sum=$(cat sum)
wrong=$(printf %064d 0)
tarred="--install-method tar --install-source $url/root.tar.zst"

test_expect_success 'plain http without a checksum: exit 2 naming the flag, nothing fetched or made' '
	before=$(fetches) &&
	run d1 $tarred &&
	test "$(cat d1.rc)" = 2 &&
	test "$(wc -l <d1.err)" = 1 &&
	grep -q "^create-image: --install-source: .$url/root.tar.zst. comes over plain http, where anyone on the way can change it: use https or give the checksum (--install-source-sha256)$" d1.err &&
	test "$(fetches)" = "$before" &&
	none_of d1 && test -z "$(archives)"
'

test_expect_success 'with the checksum, --dry-run plans it and fetches nothing' '
	before=$(fetches) &&
	run d2 $tarred --install-source-sha256 "$sum" --dry-run &&
	test "$(cat d2.rc)" = 0 &&
	grep -q "^install   tar from $url/root.tar.zst$" d2.out &&
	test "$(fetches)" = "$before" &&
	none_of d2
'

test_expect_success 'a wrong checksum fails before anything is unpacked; nothing is left' '
	run d3 $tarred --install-source-sha256 "$wrong" --verbose &&
	test "$(cat d3.rc)" = 1 &&
	grep -q "^create-image: cannot install the system: .$url/root.tar.zst. does not match its checksum: SHA-256 $sum, expected $wrong (--install-source-sha256)$" d3.err &&
	! grep -q "running base hook" d3.err &&
	none_of d3 && test -z "$(archives)"
'

test_expect_success 'the right checksum builds the guest, and keys its base' '
	run d4 $tarred --install-source-sha256 "$(echo "$sum" | tr a-f A-F)" &&
	test "$(cat d4.rc)" = 0 &&
	! grep -q "not checked against a checksum" d4.err &&
	"$TEST_TOOL" xlcfg-check "$out/d4.cfg" &&
	test "$(guest_cat "$dir/domains/d4/disk.img" /etc/hostname)" = d4 &&
	test "$(archives | wc -l)" = 1 &&
	"$CREATE_IMAGE" cache --cachedir "$cache" list --verbose >list &&
	grep -q "^    source    $url/root.tar.zst sha256:$sum$" list
'

test_expect_success 'a redirect off the web is refused, naming where it led' '
	run d5 --install-method tar --install-source-sha256 "$sum" \
		--install-source "$url/to/file:///etc/passwd" &&
	test "$(cat d5.rc)" = 1 &&
	grep -q "cannot fetch .$url/to/file:///etc/passwd.: refusing its redirect to .file:///etc/passwd." d5.err &&
	none_of d5
'

test_expect_success 'https without a checksum is fetched with a warning' '
	run d6 --install-method tar --cache=no \
		--install-source "https://127.0.0.1:9/root.tar.zst" &&
	test "$(cat d6.rc)" = 1 &&
	grep -q "warning: .https://127.0.0.1:9/root.tar.zst. is not checked against a checksum: give --install-source-sha256" d6.err &&
	none_of d6
'

test_expect_success 'lrzip magic: unsupported compression, and no lrzip from PATH runs' '
	mkdir bin &&
	for p in lrzip lzop grzip lz4 zstd; do
		printf "#!/bin/sh\necho \"\$0\" >>\"%s\"\ncat\n" "$TRASH/ran" >bin/$p &&
		chmod +x bin/$p || return 1
	done &&
	printf "LRZI\000\006%s" "$(head -c 200 /dev/zero | tr "\0" x)" >root.tar.lrz &&
	PATH=$TRASH/bin:$PATH run d7 --install-method tar --cache=no \
		--install-source "$TRASH/root.tar.lrz" &&
	test "$(cat d7.rc)" = 1 &&
	grep -q "cannot install the system: .$TRASH/root.tar.lrz.: unsupported compression .lrzip." d7.err &&
	test ! -e "$TRASH/ran" &&
	none_of d7
'

test_expect_success 'a cache its group can write to is refused, naming it; a sticky parent is not' '
	mkdir -m 0775 gw && chmod 0775 gw &&
	run d8 $tarred --install-source-sha256 "$sum" --cachedir "$TRASH/gw" &&
	test "$(cat d8.rc)" = 2 &&
	grep -q "^create-image: --cachedir: refusing the cache .$TRASH/gw/bases.: .$TRASH/gw. is writable by its group, so others could plant a base" d8.err &&
	test ! -e gw/bases && none_of d8 &&
	rc=0 && { "$CREATE_IMAGE" cache --cachedir "$TRASH/gw" verify >v 2>ve || rc=$?; } &&
	test "$rc" = 1 && grep -q "refusing the cache .$TRASH/gw/bases." ve &&
	mkdir -m 1777 sticky && chmod 1777 sticky && mkdir -m 0755 sticky/cache &&
	run d9 --dry-run --cachedir "$TRASH/sticky/cache" &&
	test "$(cat d9.rc)" = 0 &&
	run d9 --dry-run --cachedir "$TRASH/sticky" &&
	test "$(cat d9.rc)" = 2 &&
	grep -q "^create-image: --cachedir: refusing the cache .$TRASH/sticky/bases.: .$TRASH/sticky. is writable by all users" d9.err &&
	run d9 --dry-run --cachedir "$TRASH/gw" --cache=no &&
	test "$(cat d9.rc)" = 0
'

test_expect_success 'a base changed after its description (same size) is found out and never used' '
	base=$cache/bases/$(archives) &&
	name=$(basename "$base" .tar.zst) &&
	size=$(stat -c %s "$base") &&
	python3 -c "
import sys
with open(sys.argv[1], \"r+b\") as f:
    f.seek(int(sys.argv[2]) // 2)
    b = f.read(1)
    f.seek(int(sys.argv[2]) // 2)
    f.write(bytes([b[0] ^ 0x20]))
" "$base" "$size" &&
	test "$(stat -c %s "$base")" = "$size" &&
	rc=0 && { "$CREATE_IMAGE" cache --cachedir "$cache" verify >v || rc=$?; } &&
	test "$rc" = 1 && grep -q "^$name: damaged: .* does not match its checksum" v &&
	run d10 $tarred --install-source-sha256 "$sum" &&
	test "$(cat d10.rc)" = 1 &&
	grep -q "^create-image: cannot use the cached base $name: .$base. does not match its checksum: SHA-256 [0-9a-f]\{64\}, expected [0-9a-f]\{64\}; it was removed, and the next run builds it anew" d10.err &&
	none_of d10 &&
	test ! -e "$base" && test ! -e "$cache/bases/$name.conf"
'

test_expect_success 'nothing is left mounted or attached' '
	assert_no_leftovers "$TRASH"
'

test_done
