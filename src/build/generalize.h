/*
 * generalize.h: --generalize, for an image deployed many times: the
 * guest's identity taken out of the built tree, and units that make a
 * fresh one on each copy's first boot.
 */
#ifndef GENERALIZE_H
#define GENERALIZE_H

#include "rootfs.h"
#include "strbuf.h"

/* The unit that makes the host keys on first boot, under etc/systemd. */
#define GENERALIZE_SSH_UNIT "create-image-ssh-keys.service"

/*
 * In the tree at root: no SSH host keys; an empty /etc/machine-id (systemd
 * makes one on the first boot and commits it); no D-Bus machine-id file,
 * random seed or credential secret; hostname "localhost" and an
 * /etc/hosts naming only that. Then GENERALIZE_SSH_UNIT, enabled for
 * multi-user.target and ordered before ssh.service: "ssh-keygen -A" when
 * /etc/ssh/ssh_host_ed25519_key is missing (Debian's ssh.service makes
 * no keys: its "sshd -t" fails without them). 0 or -errno with err.
 */
int generalize_image(const struct rootfs *root, struct strbuf *err);

#endif
