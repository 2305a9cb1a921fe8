/*
 * commands.h: the entry points of create-image's commands. Each returns the
 * process exit status: 0 success, 1 failure, 2 bad usage or input, 128+N
 * when stopped by signal N.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

int cmd_create(int argc, char **argv);
/* delete-image: remove guests (see man/delete-image.8). */
int cmd_delete(int argc, char **argv);
/* list-images: list the guests built, from their manifests. */
int cmd_list(int argc, char **argv);
/* resize-image: grow a guest's root disk and swap (man/resize-image.8). */
int cmd_resize(int argc, char **argv);
/* update-image: upgrade shut-down guests' packages (man/update-image.8). */
int cmd_update(int argc, char **argv);
/* create-image cache: list, verify and prune the cached bases. */
int cmd_cache(int argc, char **argv);
/* create-image fleet: build the guests of a fleet file. */
int cmd_fleet(int argc, char **argv);
/* create-image export: one artifact of a built guest (raw, qcow2,
 * tar.zst) with its checksum and package list. */
int cmd_export(int argc, char **argv);
/* create-image flatten: make a guest's qcow2 overlay standalone. */
int cmd_flatten(int argc, char **argv);
/* create-image recover: undo what runs killed outright left behind. */
int cmd_recover(int argc, char **argv);

#endif
