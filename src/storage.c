/* storage.c: see storage.h. */
#include <stdlib.h>
#include <string.h>

#include "storage.h"
#include "banned.h"

size_t storage_layout(const struct guest *g, struct volume vols[2])
{
	size_t n = 0;

	memset(vols, 0, 2 * sizeof(vols[0]));
	vols[n].name = "disk";
	vols[n].size = g->size;
	vols[n].fs = g->fs;
	vols[n].mountpoint = "/";
	vols[n].options = g->fs_options;
	/*/* xen-tools numbers partitions in mount-point order, swap first;
	 * keep its device names so existing habits and tools still fit. */
	memcpy(vols[n].vdev, "xvda2", 6);
	n++;
	if (!g->noswap) {
		vols[n].name = "swap";
		vols[n].size = g->swap;
		vols[n].fs = "swap";
		/* A guest whose swap disk is missing still boots. */
		vols[n].options = "sw,nofail";
		memcpy(vols[n].vdev, "xvda1", 6);
		n++;
	}
	return n;
}

void storage_release(struct volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		v[i].path = NULL;
	}
}
