#!/bin/bash
# Command line, configuration layers, bad input and --dry-run: no root
# work, no guest is built, and bad input must leave nothing behind.
. "$(dirname "$0")/../lib.sh"

dir=$TRASH/srv
out=$TRASH/xen
mkdir -p "$out"
export CREATE_IMAGE_CONFIG=$TRASH/none.conf
export CREATE_IMAGE_LOGDIR=$TRASH/log

# nothing_created: the storage, config and log directories are untouched.
nothing_created() {
	test ! -e "$dir" && test -z "$(ls -A "$out")" && test ! -e "$TRASH/log"
}

test_expect_success '--help lists every option, each documented in the man page' '
	"$CREATE_IMAGE" --help >help &&
	grep -q "^usage: create-image --hostname NAME" help &&
	grep -q "^       create-image cache list.verify.prune" help &&
	grep -o -- "--[a-z][a-z0-9-]*" help | sort -u >flags &&
	test $(wc -l <flags) -ge 45 &&
	! in_man create-image no-such-flag &&
	while read -r f; do
		in_man create-image "${f#--}" || { echo "not in the man page: $f"; exit 1; }
	done <flags
'

test_expect_success '--version' '
	"$CREATE_IMAGE" --version >v &&
	grep -qE "^create-image [0-9]+\.[0-9]+" v
'

# bad ARGS... -- EXPECTED-PREFIX: exit 2, one line on stderr that starts
# with the prefix (the flag or file:line), nothing created.
bad() {
	want=${*: -1}
	set -- "${@:1:$#-2}"
	rc=0
	"$CREATE_IMAGE" --dir "$dir" --output "$out" "$@" >stdout 2>stderr || rc=$?
	if [ "$rc" != 2 ]; then echo "exit $rc, want 2: $*"; cat stderr; return 1; fi
	if [ "$(wc -l <stderr)" != 1 ]; then echo "want one line:"; cat stderr; return 1; fi
	if ! grep -q "^create-image: $want" stderr; then
		echo "want '$want' in:"; cat stderr; return 1
	fi
	nothing_created || { echo "something was created: $*"; return 1; }
}

test_expect_success 'bad input: one line naming the flag, exit 2, nothing created' '
	bad --size 4G -- "--hostname: a hostname is required" &&
	bad --hostname "a/b" -- "--hostname: invalid hostname" &&
	bad --hostname ../etc -- "--hostname: invalid hostname" &&
	bad --hostname -web -- "--hostname: invalid hostname" &&
	bad --hostname web1 --size 4X -- "--size: invalid size" &&
	bad --hostname web1 --size 1M -- "--size: " &&
	bad --hostname web1 --swap=-1 -- "--swap: invalid size" &&
	bad --hostname web1 --memory 1G --maxmem 512M -- "--maxmem: " &&
	bad --hostname web1 --vcpus 0 -- "--vcpus: " &&
	bad --hostname web1 --dist potato -- "--dist: unknown distribution .potato. (known: bullseye bookworm trixie forky sid)" &&
	bad --hostname web1 --fs reiserfs -- "--fs: unsupported file system" &&
	bad --hostname web1 --image thick -- "--image: " &&
	bad --hostname web1 --ip 10.0.0.300/24 -- "--ip: invalid IPv4 address" &&
	bad --hostname web1 --ip 10.0.0.5 -- "--ip: .10.0.0.5. has no prefix length" &&
	bad --hostname web1 --ip 10.0.0.5/24 --gateway 10.0.0.256 -- "--gateway: invalid IPv4" &&
	bad --hostname web1 --ip 10.0.0.5/24 --nameserver foo -- "--nameserver: invalid IP address .foo." &&
	bad --hostname web1 --netmask 255.0.255.0 --ip 10.0.0.5 -- "--netmask: invalid netmask" &&
	bad --hostname web1 --dhcp --ip 10.0.0.5/24 -- "--ip: .ip. cannot be combined with .dhcp." &&
	bad --hostname web1 --nodhcp -- "--nodhcp: no network configuration" &&
	bad --hostname web1 --gateway 10.0.0.1 -- "--gateway: .gateway. needs a static --ip" &&
	bad --hostname web1 --mac zz:00:00:00:00:00 -- "--mac: invalid MAC" &&
	bad --hostname web1 --mac 01:16:3e:00:00:01 -- "--mac: invalid MAC" &&
	bad --hostname web1 --hash-method md5 -- "--hash-method: unsupported hash method" &&
	bad --hostname web1 --genpass-len 4 -- "--genpass-len: " &&
	bad --hostname web1 --genpass=maybe -- "--genpass: invalid boolean" &&
	bad --hostname web1 --install-method rinse -- "--install-method: unknown install method" &&
	bad --hostname web1 --install-method tar -- "--install-method: .tar. needs --install-source" &&
	bad --hostname web1 --install-method copy --install-source /nonexistent -- "--install-source: " &&
	bad --hostname web1 --mirror ftp://x -- "--mirror: invalid mirror URL" &&
	bad --hostname web1 --role nosuch --roledir "$TRASH" -- "--role: role .nosuch. not found" &&
	bad --hostname web1 --ssh-key id.pub -- "--ssh-key: .ssh-key. must be an absolute path" &&
	bad --hostname web1 --ssh-key /no/such.pub -- "--ssh-key: cannot read ./no/such.pub.: No such file" &&
	bad --hostname web1 --admins root -- "--admins: .root. is a user or group every Debian system has" &&
	bad --hostname web1 --admins Alice -- "--admins: invalid user name .Alice." &&
	bad --hostname web1 --bogus -- "unknown option .--bogus." &&
	bad --hostname web1 extra -- "unexpected argument .extra." &&
	bad --hostname -- ".--hostname. needs a value" &&
	bad --hostname web1 --kernel /no/such --nopygrub -- "--kernel: " &&
	bad --hostname web1 --template /no/such -- "--template: template" &&
	bad --hostname web1 --config /no/such.conf -- "cannot read ./no/such.conf."
'

# With --dry-run, so that a check that let a value through would not go on
# to build a guest; the checks are the same without it.
test_expect_success 'sizes do not wrap; beyond what a back end holds they are refused' '
	# 2^64 + 3G once planned a 3G disk.
	bad --dry-run --hostname web1 --size 18446744073709551619G -- "--size: size .18446744073709551619G. for .size. is too large$" &&
	bad --dry-run --hostname web1 --swap 18446744073709551616k -- "--swap: size .18446744073709551616k. for .swap. is too large$" &&
	bad --dry-run --hostname web1 --size 8796093022208M -- "--size: .size. is 8796093022208M, more than a disk can hold (at most 8796093022207M)$" &&
	bad --dry-run --hostname web1 --size 2049T --disk-format qcow2 -- "--size: .disk. is 2049T, more than a qcow2 image holds (at most 2048T)$" &&
	bad --dry-run --hostname web1 --memory 16T -- "--memory: .memory. is 16T, more than Xen gives a domain (at most 16777214M)$" &&
	printf "[root]\nsize=8796093022207M\ntype=ext4\nmountpoint=/\n[home]\nsize=8796093022207M\ntype=ext4\nmountpoint=/home\n" >huge.parts &&
	bad --dry-run --hostname web1 --partitions "$TRASH/huge.parts" --layout disk -- "--partitions: the partitions need a disk of 16E or more" &&
	printf "size = 16777216T\n" >huge.conf &&
	bad --dry-run --hostname web1 --config huge.conf -- "huge.conf:1: size .16777216T. for .size. is too large$" &&
	# The file system under --dir holds no 17T file (ext4: 16T).
	if [ "$(stat -f -c %T "$TRASH")" = ext2/ext3 ]; then
		bad --dry-run --hostname web1 --size 17T -- "--size: .disk. is 17T: the file system of .$TRASH. holds no file that large$"
	fi
'

test_expect_success 'names that reach the xl.cfg: [A-Za-z0-9_.:-] only, one line naming the flag' '
	bad --dry-run --hostname web1 --bridge "xen\\br0" -- "--bridge: invalid bridge name .xen.br0. (want letters, digits" &&
	bad --dry-run --hostname web1 --bridge "$(printf "xenbr0\nvif = [ x ]")" -- "--bridge: invalid bridge name .xenbr0.nvif = \[ x \]. " &&
	bad --dry-run --hostname web1 --vifname "$(printf "vif\033[2J")" -- "--vifname: invalid interface name .vif.x1b\[2J. " &&
	printf "bridge = br0,script=/tmp/x\n" >br.conf &&
	bad --dry-run --hostname web1 --config br.conf -- "br.conf:1: invalid bridge name .br0,script=/tmp/x. " &&
	"$CREATE_IMAGE" --dry-run --hostname web1 --bridge ovsbr0:10 --vifname vif.web1_0 >plan &&
	grep -q "bridge=ovsbr0:10, vifname=vif.web1_0" plan &&
	# A fleet file goes through the same checks.
	printf "guests = ( { hostname = \"a1\"; },\n  { hostname = \"a2\"; bridge = \"x\\\\y\"; } );\n" >names.fleet &&
	rc=0 &&
	{ "$CREATE_IMAGE" fleet --dry-run names.fleet >o 2>e || rc=$?; } &&
	cat e && test "$rc" = 2 && test $(wc -l <e) = 1 &&
	grep -q "^create-image: names.fleet:2: invalid bridge name .x.y. " e
'

# password_stdin WANT-STATUS: create-image --password=- as nobody, so that
# a password taken by mistake meets "must be run as root", not a build.
password_stdin() {
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CREATE_IMAGE" \
		--hostname web1 --dir "$dir" --output "$out" --password=- \
		>stdout 2>stderr || rc=$?
	test "$rc" = "$1" || { echo "exit $rc, want $1"; cat stderr; return 1; }
	test "$(wc -l <stderr)" = 1 || { cat stderr; return 1; }
}

test_expect_success 'a password on standard input: at most 4096 bytes, nothing created' '
	head -c 4097 /dev/zero | tr "\0" a | password_stdin 2 &&
	grep -q "^create-image: --password=-: the password on standard input is longer than 4096 bytes$" stderr &&
	head -c 5000 /dev/zero | tr "\0" a | password_stdin 2 &&
	grep -q "longer than 4096 bytes$" stderr &&
	printf "\n" | password_stdin 2 &&
	grep -q "^create-image: --password=-: no password on standard input$" stderr &&
	{ head -c 4096 /dev/zero | tr "\0" a; echo; } | password_stdin 1 &&
	grep -q "must be run as root" stderr &&
	nothing_created
'

test_expect_success 'a file holding a password that others may read: a warning naming it' '
	printf "password = s3cr3t-pw\n" >pw.conf &&
	chmod 644 pw.conf &&
	"$CREATE_IMAGE" --config pw.conf --dumpconfig >dump 2>err &&
	test "$(cat err)" = "create-image: warning: '\''pw.conf'\'' holds a password and is readable by others" &&
	! grep -q s3cr3t-pw dump err &&
	chmod 600 pw.conf &&
	"$CREATE_IMAGE" --config pw.conf --dumpconfig >dump 2>err &&
	test ! -s err &&
	# The system file too, and a fleet file.
	chmod 604 pw.conf &&
	CREATE_IMAGE_CONFIG=$TRASH/pw.conf "$CREATE_IMAGE" --dumpconfig >dump 2>err &&
	grep -q "^create-image: warning: .$TRASH/pw.conf. holds a password and is readable by others$" err &&
	printf "guests = ( { hostname = \"a1\"; password = \"s3cr3t-pw\"; } );\n" >pw.fleet &&
	chmod 644 pw.fleet &&
	"$CREATE_IMAGE" fleet --dry-run pw.fleet >plan 2>err &&
	grep -q "^create-image: warning: .pw.fleet. holds a password and is readable by others$" err &&
	! grep -q s3cr3t-pw plan err
'

test_expect_success 'bad input from a file names file:line' '
	printf "# a comment\nmemory = 256M\nbogus = 1\n" >bad.conf &&
	bad --hostname web1 --config bad.conf -- "bad.conf:3: unknown key .bogus." &&
	printf "size = 4G\n\nsize = huge\n" >bad2.conf &&
	bad --hostname web1 --config bad2.conf -- "bad2.conf:3: invalid size" &&
	printf "size\n" >bad3.conf &&
	bad --hostname web1 --config bad3.conf -- "bad3.conf:1: expected .key = value." &&
	printf "dhcp = 1\nip = 10.0.0.5/24\n" >bad4.conf &&
	bad --hostname web1 --config bad4.conf -- "bad4.conf:2: .ip. cannot be combined with .dhcp."
'

test_expect_success 'a broken --template is refused before anything is made' '
	printf "name = {{hostname}}\nmemory = {{no_such_variable}}\n" >broken.tmpl &&
	bad --hostname web1 --template "$TRASH/broken.tmpl" -- "--template: .*:2: unknown variable .no_such_variable."
'

# Every xen-create-image option is create-image's own, refused with a
# reason, or known to be pending (tests/data/xen-create-image-options).
test_expect_success 'every xen-create-image option: known, refused with a reason, or pending' '
	list=$TEST_DIRECTORY/data/xen-create-image-options &&
	top=$TEST_DIRECTORY/.. &&
	: >$TRASH/none.tar &&
	grep -v "^#" "$list" | while read -r class name flags; do
		flags=$(printf "%s" "$flags" |
			sed -e "s|@TRASH@|$TRASH|g" -e "s|@TOP@|$top|g") &&
		host=--hostname=xt1 &&
		case $name in hostname) host= ;; esac &&
		rc=0 &&
		"$CREATE_IMAGE" --dry-run $host $flags </dev/null \
			>xt.out 2>xt.err || rc=$? &&
		first=$(head -n1 xt.err) &&
		case $class in
		known)
			{ test $rc = 0 ||
			  { test $rc = 2 &&
			    case $first in
			    "create-image: --"*": not supported:"*) false ;;
			    "create-image: --"*": "*) true ;;
			    *) false ;;
			    esac; }; } ;;
		refused)
			test $rc = 2 &&
			case $first in
			"create-image: --$name: not supported: "?*) true ;;
			*) false ;;
			esac &&
			test $(wc -l <xt.err) = 1 ;;
		pending)
			test $rc = 2 &&
			test "$first" = "create-image: unknown option '\''--$name'\'' (see --help)" ;;
		*) false ;;
		esac || { echo "$class $name: exit $rc: $first"; exit 1; }
	done &&
	nothing_created
'

test_expect_success 'the list holds exactly the names of the installed xen-create-image' '
	xci=/usr/bin/xen-create-image &&
	if test -x "$xci"; then
		sed -n "/GetOptions(/,/);/p" "$xci" |
			grep -oE "^[[:space:]]*\"[a-z0-9_-]+" | tr -d " \t\"" |
			sort >theirs &&
		test $(wc -l <theirs) -ge 70 &&
		grep -v "^#" "$TEST_DIRECTORY/data/xen-create-image-options" |
			awk "{ print \$2 }" | sort >ours &&
		diff -u theirs ours
	else
		echo "# xen-tools is not installed: nothing to compare with"
	fi
'

test_expect_success 'a xen-tools xm.tmpl given to --template is refused by name' '
	printf "%s\n" "name = '\''{\$hostname}'\''" \
		"{ if (\$pygrub) { \$OUT .= \"bootloader = '\''pygrub'\''\"; } }" \
		>xm.tmpl &&
	bad --hostname xt1 --dry-run --template="$PWD/xm.tmpl" -- "--template: $PWD/xm.tmpl: a xen-tools template (Perl" &&
	grep -q "{{hostname}}" stderr
'

test_expect_success 'layers: built-in < system file < --config < flags' '
	printf "memory = 512M\nvcpus = 2\nswap = 1G\n" >"$CREATE_IMAGE_CONFIG" &&
	printf "memory = 1G\nvcpus = 3 # trailing comment\n" >file.conf &&
	"$CREATE_IMAGE" --config file.conf --vcpus 4 --dumpconfig >dump &&
	grep -q "^memory *= 1G *# .*file.conf:1" dump &&
	grep -q "^vcpus *= 4 *# --vcpus" dump &&
	grep -q "^swap *= 1G *# $CREATE_IMAGE_CONFIG:3" dump &&
	grep -q "^size *= 4G *# built-in default" dump &&
	rm "$CREATE_IMAGE_CONFIG"
'

test_expect_success 'config format: continuation, # in values, _ and - in keys' '
	printf "nameserver = 10.0.0.1 \\\\\n   10.0.0.2\ngenpass_len = 12\npassword = pa#ss # comment\n" >fmt.conf &&
	"$CREATE_IMAGE" --config fmt.conf --dumpconfig >dump &&
	grep -q "^nameserver *= 10.0.0.1 10.0.0.2 " dump &&
	grep -q "^genpass-len *= 12 " dump &&
	grep -q "^password *= (hidden)" dump &&
	! grep -q "pa#ss" dump
'

test_expect_success 'a stock xen-tools.conf loads; backticks are never executed' '
	"$CREATE_IMAGE" --config "$TEST_DIRECTORY/data/xen-tools.conf" --dumpconfig >dump 2>err &&
	test $(grep -c "value in backticks is not executed; using the built-in default" err) = 3 &&
	grep -q "xen-tools.conf:[0-9]*: .dist." err &&
	grep -q "xen-tools.conf:[0-9]*: .kernel." err &&
	grep -q "^dist *= bookworm *# built-in default" dump &&
	grep -q "^ext4-options *= noatime,nodiratime,errors=remount-ro" dump &&
	printf "dist = \`touch %s/ran\`\n" "$TRASH" >tick.conf &&
	"$CREATE_IMAGE" --config tick.conf --dumpconfig >/dev/null 2>&1 &&
	test ! -e "$TRASH/ran"
'

test_expect_success 'booleans: =1/=0 forms and --no negations mean what they say' '
	"$CREATE_IMAGE" --genpass=0 --pygrub=1 --nodhcp --ip 10.0.0.5/24 --dumpconfig >dump &&
	grep -q "^genpass *= 0 " dump &&
	grep -q "^pygrub *= 1 " dump &&
	grep -q "^dhcp *= 0 " dump &&
	"$CREATE_IMAGE" --no-pygrub --genpass --dumpconfig >dump &&
	grep -q "^pygrub *= 0 " dump &&
	grep -q "^genpass *= 1 " dump
'

test_expect_success 'a flag --ip replaces dhcp from a file' '
	printf "dhcp = 1\n" >dhcp.conf &&
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" --config dhcp.conf \
		--ip 10.0.2.50/24 --gateway 10.0.2.2 --dry-run >plan &&
	grep -q "^network   10.0.2.50/24 via 10.0.2.2" plan &&
	! grep -q "^network   dhcp" plan
'

test_expect_success 'an existing guest is refused without --force' '
	touch "$out/web1.cfg" &&
	bad_existing=0 &&
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" >o 2>e || bad_existing=$? &&
	test "$bad_existing" = 2 &&
	grep -q "guest .web1. already exists: .$out/web1.cfg. (use --force to replace it)" e &&
	rm "$out/web1.cfg" &&
	mkdir -p "$dir/domains/web1" &&
	bad_existing=0 &&
	"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" >o 2>e || bad_existing=$? &&
	test "$bad_existing" = 2 &&
	grep -q "already exists: .$dir/domains/web1." e &&
	rm -r "$dir"
'

test_expect_success 'children search a fixed PATH: an xl planted first on it never runs' '
	# --force on an existing guest asks xl whether it runs, dry run or
	# not; a Xen host as the tests play it.
	mkdir -p planted xen-proc &&
	echo xen-3.0-x86_64 >xen-proc/capabilities &&
	printf "#!/bin/sh\necho \"\$*\" >>%s/planted-ran\necho Name ID\necho web1 3\n" \
		"$TRASH" >planted/xl &&
	chmod +x planted/xl &&
	touch "$out/web1.cfg" &&
	{ PATH=$TRASH/planted:$PATH CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc \
		"$CREATE_IMAGE" --hostname web1 --dir "$dir" --output "$out" \
		--force --dry-run >o 2>e || :; } &&
	test ! -e planted-ran &&
	# Named by CREATE_IMAGE_XL, it is the one asked.
	rc=0 &&
	{ CREATE_IMAGE_XL=$TRASH/planted/xl \
		CREATE_IMAGE_XEN_PROC=$TRASH/xen-proc "$CREATE_IMAGE" \
		--hostname web1 --dir "$dir" --output "$out" --force \
		--dry-run >o 2>e || rc=$?; } &&
	test "$rc" = 1 && test "$(cat planted-ran)" = list &&
	grep -q "guest .web1. is running: shut it down before replacing it" e &&
	rm "$out/web1.cfg" && test ! -e "$dir"
'

# dry_run NAME ARGS...: run --dry-run as an unprivileged user and compare
# with tests/data/NAME.expected. --cache=no: what the host's cache holds
# must not change the plan (t0900 covers the base line with a cache).
dry_run() {
	name=$1; shift
	# The default state directory, which a direct boot's xl.cfg names.
	CREATE_IMAGE_STATEDIR=/var/lib/create-image \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CREATE_IMAGE" --dry-run --cache=no \
		--security-mirror http://security.debian.org/debian-security \
		"$@" >"$name.out" 2>"$name.err" &&
	test_cmp "$TEST_DIRECTORY/data/$name.expected" "$name.out"
}

test_expect_success '--dry-run needs no root and prints the plan and the xl.cfg' '
	chmod 755 "$TRASH" &&
	dry_run dry-run-dhcp --hostname web1 --dist bookworm --dir /srv/xen --dhcp --pygrub &&
	nothing_created
'

test_expect_success '--dry-run: static network, memory, vcpus, bridge' '
	dry_run dry-run-static --hostname db.example.org --dir /srv/xen \
		--ip 192.168.1.20/24 --ip 192.168.1.21/24 --gateway 192.168.1.1 \
		--nameserver 192.168.1.1 --memory 1G --maxmem 2G --vcpus 2 \
		--bridge xenbr1 --vifname vif-db --noswap --image full
'

test_expect_success '--dry-run: without pygrub the guest'\''s kernel is booted from dom0' '
	dry_run dry-run-nopygrub --hostname web2 --dir /srv/xen --nopygrub --dist trixie
'

test_expect_success '--dry-run is byte-stable' '
	"$CREATE_IMAGE" --dry-run --hostname web1 >a &&
	"$CREATE_IMAGE" --dry-run --hostname web1 >b &&
	test_cmp a b
'

test_expect_success '--extension, --keyring and --arch reach the plan' '
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg &&
	"$CREATE_IMAGE" --dry-run --hostname web1 --extension .xl \
		--keyring "$keyring" --arch amd64 >plan &&
	grep -q "^config    /etc/xen/web1.xl$" plan &&
	grep -q "^--- /etc/xen/web1.xl$" plan &&
	grep -q " --keyring=$keyring " plan &&
	grep -q "^dist      bookworm (amd64)$" plan &&
	bad --hostname web1 --arch arm64 -- "--arch: " &&
	bad --hostname web1 --keyring /no/such.gpg -- "--keyring: keyring" &&
	bad --hostname web1 --extension a/b -- "--extension: invalid extension"
'

test_expect_success '--randommac changes the MAC, --mac sets it' '
	"$CREATE_IMAGE" --dry-run --hostname web1 --randommac >a &&
	"$CREATE_IMAGE" --dry-run --hostname web1 --randommac >b &&
	! cmp -s a b &&
	"$CREATE_IMAGE" --dry-run --hostname web1 --mac 00:16:3E:AA:BB:CC >c &&
	grep -q "mac=00:16:3e:aa:bb:cc" c
'

test_expect_success 'a guest being built by another run is refused' '
	rc=0 &&
	mkdir -p /run/create-image &&
	flock /run/create-image/web9.lock "$CREATE_IMAGE" --hostname web9 \
		--dir "$dir" --output "$out" >o 2>e || rc=$? &&
	test "$rc" = 1 &&
	grep -q "guest .web9. is being built or deleted by another run" e &&
	nothing_created
'

test_expect_success 'the xl.cfg check is xl'\''s own parser: it rejects what xl would' '
	"$CREATE_IMAGE" --dry-run --hostname web1 | sed -n "/^--- /,\$p" | sed 1d >good.cfg &&
	"$TEST_TOOL" xlcfg-check good.cfg &&
	sed "s/vdev=xvda2/vdev=nonsense/" good.cfg >bad-vdev.cfg &&
	test_must_fail "$TEST_TOOL" xlcfg-check bad-vdev.cfg &&
	sed "s/format=raw, vdev=xvda2/format=bogus, vdev=xvda2/" good.cfg >bad-format.cfg &&
	test_must_fail "$TEST_TOOL" xlcfg-check bad-format.cfg &&
	sed "s/^memory .*/memory = [ 1 ]/" good.cfg >bad-memory.cfg &&
	test_must_fail "$TEST_TOOL" xlcfg-check bad-memory.cfg &&
	sed "s/^name .*/name = = web1/" good.cfg >bad-syntax.cfg &&
	test_must_fail "$TEST_TOOL" xlcfg-check bad-syntax.cfg &&
	{ cat good.cfg; echo "dhcp = \"dhcp\""; } >xm.cfg &&
	test_must_fail "$TEST_TOOL" xlcfg-check xm.cfg
'

test_expect_success 'every JSON event has the documented shape, strings escaped so they parse' '
	"$TEST_TOOL" events >events.json 2>progress &&
	"$TEST_DIRECTORY/check-events" --man "$TEST_DIRECTORY/../man/create-image.8" \
		--guests 5 <events.json &&
	test "$(grep -c "\"event\": \"stage\"" events.json)" = 30 &&
	python3 - <<-\EOF
	import json
	want = "say \"no\"\\ \t\n\x01 \ufffd caf\u00e9"
	ev = [json.loads(l) for l in open("events.json")]
	failed = [e for e in ev if e.get("status") == "failed"][0]
	assert failed["error"] == want, failed["error"]
	built = [e for e in ev if e.get("status") == "built"][0]
	assert built["password"] == want and built["disks"][0]["path"] == want
	assert [f["type"] for f in built["fingerprints"]] == ["ED25519", "RSA"]
	differs = [e for e in ev if e.get("status") == "differs"][0]
	assert differs["differences"] == ["size", want], differs
	EOF
	grep -q "g-failed: say" progress
'

test_expect_success 'create-image --dry-run --json: the planned guest, nothing else' '
	"$CREATE_IMAGE" --dry-run --json --hostname web1 --dir "$dir" \
		--output "$out" --ip 192.0.2.7/24 >plan.json &&
	"$TEST_DIRECTORY/check-events" --guests 1 <plan.json &&
	test "$(jq -r "select(.event == \"guest\") | .status, .addresses[0], .config" plan.json)" = \
		"$(printf "planned\n192.0.2.7\n%s/web1.cfg" "$out")" &&
	nothing_created
'

test_expect_success 'create-image refuses to build as non-root, creating nothing' '
	rc=0 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CREATE_IMAGE" \
		--hostname web1 --dir "$dir" --output "$out" >o 2>e || rc=$? &&
	test "$rc" = 1 &&
	grep -q "must be run as root" e &&
	nothing_created
'

test_done
