/*
 * qcow2-info.h: what qemu-img info says of a qcow2 image, as JSON, for
 * the few facts read from it (the backing file it reads, its virtual
 * size).
 */
#ifndef QCOW2_INFO_H
#define QCOW2_INFO_H

#include "strbuf.h"

/*
 * qemu-img info --output=json of the qcow2 image at path, appended to
 * json; the top image's object comes first. 0, or -errno with err saying
 * how qemu-img failed.
 */
int qcow2_info(const char *path, struct strbuf *json, struct strbuf *err);

#endif
