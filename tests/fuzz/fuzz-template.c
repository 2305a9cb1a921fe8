/*
 * fuzz-template.c: a template rendered against the names the shipped
 * templates use (templates/), strings and lists both, so a template that
 * uses them gets past the name checks to the rendering.
 */
#include "fuzz.h"
#include "strbuf.h"
#include "template.h"
#include "banned.h"

static struct tvars *make_vars(void)
{
	static const char *const names[] = {
		"boot_prefix", "cmdline", "domain", "fs", "hostname",
		"initrd", "initrd_file", "kernel", "kernel_file",
		"kernel_version", "maxmem_mb", "memory_mb", "mountpoint",
		"options", "os_name", "pass", "primary_ip", "short",
		"uuid", "vcpus", "version", "vif",
	};
	struct tvars *v = tvars_new(), *item;

	if (!v)
		abort();
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		tvars_set(v, names[i], names[i]);
	tvars_set(v, "zero", "0");
	tvars_set_bool(v, "pygrub", 0);
	tvars_declare_list(v, "none");
	for (int i = 0; i < 2; i++) {
		item = tvars_list_add(v, "disks");
		tvars_setf(item, "spec", "phy:/dev/vg/d%d,xvda%d,w", i, i);
		item = tvars_list_add(v, "volumes");
		tvars_setf(item, "mountpoint", "/v%d", i);
		tvars_list_add(item, "none");
	}
	return v;
}

/*
 * Nested list sections render the product of their lengths: 30 levels of
 * the two disks are 2^30 bodies, a hang rather than a finding. Inputs
 * that open more sections than this are skipped.
 */
#define MAX_SECTIONS 12

static size_t count_sections(const uint8_t *data, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < size; i++) {
		size_t j = i + 2;

		if (data[i] != '{' || data[i + 1] != '{')
			continue;
		while (j < size && (data[j] == ' ' || data[j] == '\t'))
			j++;
		n += j < size && data[j] == '#';
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tvars *vars;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char *tmpl;

	if (count_sections(data, size) > MAX_SECTIONS)
		return 0;
	/* Exactly size bytes, no NUL after them: the renderer takes the
	 * length, so a read past it is one past the buffer. */
	tmpl = malloc(size ? size : 1);
	if (!tmpl)
		abort();
	memcpy(tmpl, data, size);
	if (!vars)
		vars = make_vars();
	if (template_render(tmpl, size, vars, &out, &err))
		FUZZ_ASSERT(err.len > 0);
	strbuf_release(&out);
	strbuf_release(&err);
	free(tmpl);
	return 0;
}
