/*
 * u-update.c: what update-image's dry run reads from apt-get -s: the
 * package changes of its "Inst" and "Remv" lines, sorted, and nothing of
 * the others.
 */
#include <stdlib.h>
#include <string.h>

#include "strvec.h"
#include "unit.h"
#include "update.h"
#include "banned.h"

UNIT_MAIN

TEST(update_parse_simulation_reads_inst_and_remv)
{
	static const struct {
		const char *in;
		const char *want[4];
	} cases[] = {
		{ "Reading package lists...\n"
		  "Inst libssl3 [3.0.20-1~deb12u2] (3.0.22-1~deb12u2 "
		  "Debian-Security:12/stable-security [amd64])\n"
		  "Conf libssl3 (3.0.22-1~deb12u2 Debian-Security:12/"
		  "stable-security [amd64])\n",
		  { "libssl3 3.0.20-1~deb12u2 3.0.22-1~deb12u2" } },
		/* a new package has no [OLD]; sorted by name */
		{ "Inst zlib1g [1:1.2.13.dfsg-1] (1:1.2.13.dfsg-1+deb12u1 "
		  "Debian:12.12/stable [amd64])\n"
		  "Inst linux-image-6.1.0-57-cloud-amd64 (6.1.192-3 "
		  "Debian-Security:12/stable-security [amd64])\n"
		  "Remv apparmor [3.0.8-3]\n",
		  { "apparmor 3.0.8-3 -",
		    "linux-image-6.1.0-57-cloud-amd64 - 6.1.192-3",
		    "zlib1g 1:1.2.13.dfsg-1 1:1.2.13.dfsg-1+deb12u1" } },
		/* the last line without its newline; a held-back line */
		{ "The following packages have been kept back:\n"
		  "  Inst-not\n"
		  "Inst apt [2.6.1] (2.6.2 Debian:12.12/stable [amd64])",
		  { "apt 2.6.1 2.6.2" } },
		{ "0 upgraded, 0 newly installed, 0 to remove.\n", { NULL } },
		{ "", { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strvec got = STRVEC_INIT;
		size_t n = 0;

		while (n < 4 && cases[i].want[n])
			n++;
		update_parse_simulation(cases[i].in, &got);
		CHECK_INTEQ(got.nr, n);
		for (size_t k = 0; k < n && k < got.nr; k++)
			CHECK_STREQ(got.v[k], cases[i].want[k]);
		strvec_clear(&got);
	}
}
