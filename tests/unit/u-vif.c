/* u-vif.c: --vif specs, the xl.cfg spec of an interface, MAC seeds. */
#include <errno.h>
#include <string.h>

#include "macros.h"
#include "vif.h"
#include "unit.h"

UNIT_MAIN

TEST(parse)
{
	static const struct {
		const char *spec;
		const char *want_xl;	/* nic_xl_spec(), the MAC unset */
		int want_dhcp;
		unsigned want_set;
		const char *want_v6;	/* ip6 texts, then " gateway6" */
		const char *want_gateway;
	} cases[] = {
		{ "", "mac=", 1, 0, " ", "" },
		{ "dhcp", "mac=", 1, NIC_SET_IP, " ", "" },
		{ "bridge=xenbr1,ip=10.1.0.5/24", "mac=, bridge=xenbr1, "
		  "ip=10.1.0.5", 0, NIC_SET_BRIDGE | NIC_SET_IP, " ", "" },
		/* ip= and ip6= repeat; spaces around items are dropped. */
		{ " ip=10.1.0.5/24 , ip=10.2.0.5/16,gateway=10.1.0.1 ",
		  "mac=, ip=10.1.0.5 10.2.0.5", 0,
		  NIC_SET_IP | NIC_SET_GATEWAY, " ", "10.1.0.1" },
		{ "ip6=2001:DB8::5/64,ip6=2001:db8:0:1::5/64,"
		  "gateway6=fe80::1", "mac=", 1,
		  NIC_SET_IP6 | NIC_SET_GATEWAY6,
		  "2001:db8::5/64,2001:db8:0:1::5/64 fe80::1", "" },
		{ "mac=00:16:3E:AA:BB:CC,vifname=web1.1",
		  "mac=00:16:3e:aa:bb:cc, vifname=web1.1", 1,
		  NIC_SET_MAC | NIC_SET_VIFNAME, " ", "" },
		/* xl's own keys pass through in the order given. */
		{ "model=e1000,type=ioemu,rate=10Mb/s,mtu=1400,untrusted,"
		  "script=vif-openvswitch,gatewaydev=eth0,backend=0",
		  "mac=, model=e1000, type=ioemu, rate=10Mb/s, mtu=1400, "
		  "untrusted, script=vif-openvswitch, gatewaydev=eth0, "
		  "backend=0", 1, 0, " ", "" },
		{ "rate=250KB/s", "mac=, rate=250KB/s", 1, 0, " ", "" },
		{ "rate=1MB/s@20ms", "mac=, rate=1MB/s@20ms", 1, 0, " ", "" },
		{ "rate=5Gb/s@1s", "mac=, rate=5Gb/s@1s", 1, 0, " ", "" },
		{ "mtu=0068", "mac=, mtu=68", 1, 0, " ", "" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, xl = STRBUF_INIT;
		struct strbuf v6 = STRBUF_INIT;
		struct nic n;

		CHECK_INTEQ(nic_parse(cases[i].spec, &n, &err), 0);
		CHECK_STREQ(err.buf, "");
		nic_xl_spec(&n, &xl);
		CHECK_STREQ(xl.buf, cases[i].want_xl);
		CHECK_INTEQ(n.dhcp, cases[i].want_dhcp);
		CHECK_INTEQ(n.set, cases[i].want_set);
		for (size_t j = 0; j < n.nips6; j++)
			strbuf_addf(&v6, "%s%s", j ? "," : "", n.ips6[j].text);
		strbuf_addf(&v6, " %s", n.gateway6);
		CHECK_STREQ(v6.buf, cases[i].want_v6);
		CHECK_STREQ(n.gateway, cases[i].want_gateway);
		if (unit_failed_checks)
			fprintf(stderr, "  in case %zu: '%s'\n", i,
				cases[i].spec);
		nic_release(&n);
		strbuf_release(&err);
		strbuf_release(&xl);
		strbuf_release(&v6);
	}
}

TEST(parse_errors)
{
	static const struct {
		const char *spec, *want_err;
	} cases[] = {
		{ "colour=blue", "unknown key 'colour'" },
		{ "devid=1", "unknown key 'devid'" },
		{ "Bridge=x", "unknown key 'Bridge'" },
		{ "xenbr0", "unknown key 'xenbr0'" },
		{ "bridge", "'bridge' needs a value (bridge=...)" },
		{ "dhcp=1", "'dhcp' takes no value" },
		{ "trusted=yes", "'trusted' takes no value" },
		{ "bridge=a,bridge=b", "'bridge' given twice" },
		{ "model=e1000,model=e1000", "'model' given twice" },
		{ "dhcp,dhcp", "'dhcp' given twice" },
		{ "mac=00:16:3e:00:00:01,mac=00:16:3e:00:00:02",
		  "'mac' given twice" },
		{ "dhcp,ip=10.0.0.5/24", "'dhcp' cannot be combined with "
		  "'ip='" },
		{ "bridge=", "invalid bridge '' (want letters, digits, '_', "
		  "'.', ':' and '-', not starting with '-')" },
		{ "bridge=-x", "invalid bridge '-x' " },
		{ "bridge=a'b", "invalid bridge 'a'b' " },
		{ "script=/etc/xen/scripts/vif-bridge",
		  "invalid script '/etc/xen/scripts/vif-bridge' " },
		{ "vifname=abcdefghijklmnop", "invalid vifname "
		  "'abcdefghijklmnop' (want at most 15 letters" },
		{ "gatewaydev=abcdefghijklmnop", "invalid gatewaydev " },
		{ "mac=01:16:3e:00:00:01", "invalid MAC address "
		  "'01:16:3e:00:00:01' (want a unicast xx:xx:xx:xx:xx:xx)" },
		{ "mac=00:16:3e:00:00", "invalid MAC address " },
		{ "type=pv", "invalid type 'pv' (want 'vif' or 'ioemu')" },
		{ "mtu=67", "invalid mtu '67' (want 68 to 65535)" },
		{ "mtu=65536", "invalid mtu '65536' " },
		{ "mtu=x", "invalid mtu 'x' " },
		{ "rate=fast", "invalid rate 'fast' (want RATE/s or "
		  "RATE/s@INTERVAL, as '10Mb/s')" },
		{ "rate=10Mb", "invalid rate '10Mb' " },
		{ "rate=10Mb/s@", "invalid rate '10Mb/s@' " },
		{ "rate=10Mb/s@5h", "invalid rate '10Mb/s@5h' " },
		{ "rate=Mb/s", "invalid rate 'Mb/s' " },
		{ "ip=10.0.0.5", "invalid IPv4 address 'ip=10.0.0.5' (want "
		  "ADDR/PREFIX)" },
		{ "ip=10.0.0.5/0", "invalid IPv4 address 'ip=10.0.0.5/0' " },
		{ "ip=10.0.0.5/33", "invalid IPv4 address " },
		{ "ip=2001:db8::5/64", "invalid IPv4 address " },
		{ "ip6=2001:db8::5", "invalid IPv6 address 'ip6=2001:db8::5' "
		  "(want ADDR/PREFIX)" },
		{ "ip6=10.0.0.5/24", "invalid IPv6 address " },
		{ "ip6=ff02::1/64", "invalid IPv6 address " },
		{ "gateway=10.0.0", "invalid IPv4 address 'gateway=10.0.0'" },
		{ "gateway6=::", "invalid IPv6 address 'gateway6=::'" },
		{ "gateway6=fe80::1%eth0", "invalid IPv6 address " },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct nic n;
		size_t len = strlen(cases[i].want_err);

		memset(&n, 0xaa, sizeof(n));
		CHECK_INTEQ(nic_parse(cases[i].spec, &n, &err), -EINVAL);
		if (strncmp(err.buf, cases[i].want_err, len))
			fprintf(stderr, "  case %zu '%s': '%s'\n", i,
				cases[i].spec, err.buf);
		CHECK(!strncmp(err.buf, cases[i].want_err, len));
		/* ret is written only on success. */
		CHECK_INTEQ(n.nips, (size_t)0xaaaaaaaaaaaaaaaaULL);
		strbuf_release(&err);
	}
}

TEST(check)
{
	static const struct {
		const char *spec;
		int want_r;
	} cases[] = {
		{ "ip=10.0.0.5/24,gateway=10.0.0.1", 0 },
		{ "gateway=10.0.0.1", -EINVAL },
		{ "dhcp,gateway=10.0.0.1", -EINVAL },
		/* SLAAC gives the link an address: no ip6= is needed. */
		{ "gateway6=fe80::1", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct nic n;

		CHECK_INTEQ(nic_parse(cases[i].spec, &n, &err), 0);
		CHECK_INTEQ(nic_check(&n, &err), cases[i].want_r);
		CHECK_INTEQ(!!err.len, cases[i].want_r < 0);
		nic_release(&n);
		strbuf_release(&err);
	}
}

TEST(mac_seed)
{
	static const struct {
		const char *spec;
		size_t index;
		const char *want;
	} cases[] = {
		/* The primary's seed is what one NIC always had. */
		{ "", 0, "web1|bookworm" },
		{ "ip=10.0.0.5/24,ip=10.0.0.6/24", 0,
		  "web1|bookworm|10.0.0.5/24|10.0.0.6/24" },
		{ "", 1, "web1|bookworm|vif1" },
		{ "ip=10.0.0.5/24,ip6=2001:db8::5/64,bridge=x", 2,
		  "web1|bookworm|10.0.0.5/24|2001:db8::5/64|vif2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, seed = STRBUF_INIT;
		struct nic n;

		CHECK_INTEQ(nic_parse(cases[i].spec, &n, &err), 0);
		nic_mac_seed(&n, "web1|bookworm", cases[i].index, &seed);
		CHECK_STREQ(seed.buf, cases[i].want);
		nic_release(&n);
		strbuf_release(&err);
		strbuf_release(&seed);
	}
}
