/*
 * lvm.h: logical volumes through liblvm2cmd, in process: no lvcreate is
 * ever exec'd. VG and LV names ([A-Za-z0-9+_.-], not starting with '-')
 * and tags are checked here too (-EINVAL), because liblvm2cmd takes one
 * command line.
 *
 * Without device-mapper (containers, kernels built without it) volumes
 * are created and removed inactive, and a linear volume is reached
 * through a loop device set at its extents on the physical volume; see
 * lvm_lv_location().
 *
 * Errors are negative errno values with the reason in err: -ENOENT no
 * such VG or LV, -ENOSPC not enough free extents, -EEXIST name taken,
 * -ENOTSUP a layout that cannot be reached without device-mapper, -EINVAL
 * a bad name or tag, -EIO anything LVM itself refused (its own message in
 * err).
 *
 * Nothing LVM says is printed. The process umask and locale, which
 * liblvm2cmd changes, are put back after every call; but making the
 * handle reopens stdin and stdout (to set their buffering), so input
 * already buffered from stdin is lost then.
 */
#ifndef LVM_H
#define LVM_H

#include <stdint.h>

#include "strbuf.h"

/* Whether device-mapper can be used here (its control node and driver). */
int lvm_dm_available(void);

/* lvm2 counts a volume's extents in 32 bits (its MAX_EXTENT_COUNT). */
#define LVM_EXTENTS_MAX UINT32_MAX

struct lvm_vg_info {
	uint64_t extent_size;	/* bytes */
	uint64_t free_extents;
};

int lvm_vg_info(const char *vg, struct lvm_vg_info *ret,
		struct strbuf *err);
/* extents * extent_size, or UINT64_MAX when that does not fit. */
uint64_t lvm_extents_bytes(uint64_t extents, uint64_t extent_size);
/* 1 when VG/LV exists, 0 when it (or VG) does not, or a negative errno. */
int lvm_lv_exists(const char *vg, const char *lv, struct strbuf *err);
/*
 * Create VG/LV of exactly extents extents, tagged with each of tags
 * (NULL-terminated). Active and ready at /dev/VG/LV when device-mapper is
 * available, else inactive. LVM neither zeroes nor wipes it: the caller
 * does (blockdev_wipe()). A missing VG, a taken name, more extents than
 * LVM_EXTENTS_MAX (-EFBIG) and too few free extents (err gives both
 * sizes) are found before LVM is asked.
 */
int lvm_lv_create(const char *vg, const char *lv, uint64_t extents,
		  const char *const *tags, struct strbuf *err);
/*
 * Thin volumes (--lvm-thin): VG/POOL must be a thin pool: 0, -ENOENT
 * when there is no such VG or LV, -EINVAL when it is another kind of
 * volume (err names its type).
 */
int lvm_thin_pool_check(const char *vg, const char *pool, struct strbuf *err);
/*
 * The command line that makes VG/LV a thin volume of size bytes in the
 * thin pool VG/POOL, tagged with each of tags, as lvm_thin_create() runs
 * it (xen-tools' lvcreate -T VG/POOL -V SIZE). Names are not checked.
 */
void lvm_thin_cmdline(const char *vg, const char *pool, const char *lv,
		      uint64_t size, const char *const *tags,
		      struct strbuf *cmd);
/*
 * Make VG/LV a thin volume of size bytes in the thin pool VG/POOL, active:
 * thin volumes need device-mapper (-ENOTSUP without it). Checks and
 * errors as lvm_lv_create(), but for the room, which a thin pool gives as
 * its blocks are written.
 */
int lvm_thin_create(const char *vg, const char *pool, const char *lv,
		    uint64_t size, const char *const *tags,
		    struct strbuf *err);
/* Remove VG/LV, active or not, without asking. */
int lvm_lv_remove(const char *vg, const char *lv, struct strbuf *err);
/*
 * Grow VG/LV to extents extents (nothing when it has that many already;
 * never shrink it). Without device-mapper the new extents must follow its
 * own on the PV (LVM's contiguous allocation), so that it stays the one
 * linear segment lvm_lv_location() reaches. Its size before in
 * *ret_old_extents (may be NULL). -ENOSPC, before anything changed, when
 * the VG has too few free extents or none free right after it (err says
 * which); -EFBIG beyond LVM_EXTENTS_MAX. With dry_run LVM only tries
 * (its --test): the same answers, nothing changed.
 */
int lvm_lv_extend(const char *vg, const char *lv, uint64_t extents,
		  int dry_run, uint64_t *ret_old_extents, struct strbuf *err);
/* Rename VG/LV to VG/NEW_NAME: -ENOENT, or -EEXIST when it is taken. */
int lvm_lv_rename(const char *vg, const char *lv, const char *new_name,
		  struct strbuf *err);

/*
 * Where an inactive LV's data lies: the physical volume pv (a block
 * device path, caller frees) and the byte range [offset, offset+length)
 * on it, from the PV's data offset (pe_start) and the segment's first
 * extent. Only a single-segment linear LV qualifies: -ENOTSUP otherwise,
 * with err naming the segment type or count.
 */
int lvm_lv_location(const char *vg, const char *lv, char **ret_pv,
		    uint64_t *ret_offset, uint64_t *ret_length,
		    struct strbuf *err);

struct lvm_lv {
	char *vg, *name;
	uint64_t size;		/* bytes */
	char **tags;		/* NULL-terminated */
	int active;		/* never without device-mapper */
};

/*
 * Every LV carrying tag (every LV when tag is NULL), in vg or in every VG
 * when vg is NULL, sorted by VG then name (strcmp). LVM's hidden internal
 * volumes are not listed. *ret is freed with lvm_lv_list_free().
 */
int lvm_lv_list(const char *vg, const char *tag, struct lvm_lv **ret,
		size_t *ret_n, struct strbuf *err);
void lvm_lv_list_free(struct lvm_lv *lvs, size_t n);

/* Release liblvm2cmd's handle (made on first use, and again after). */
void lvm_close(void);

#endif
