/*
 * create-image.c: main. Picks the command from the name the program was
 * called by (as git does for its dashed forms) and runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "macros.h"
#include "run-command.h"
#include "banned.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct cmd_struct commands[] = {
	{ "create-image", cmd_create },
	{ "delete-image", cmd_delete },
	{ "list-images", cmd_list },
	{ "resize-image", cmd_resize },
	{ "update-image", cmd_update },
};

/* create-image VERB ... */
static const struct cmd_struct subcommands[] = {
	{ "cache", cmd_cache },
	{ "export", cmd_export },
	{ "flatten", cmd_flatten },
	{ "fleet", cmd_fleet },
	{ "recover", cmd_recover },
};

/*
 * Started with stdin, stdout or stderr closed, the next file opened would
 * take its place, and the summary (with a root password) could land in a
 * lock or log file. Fill any gap with /dev/null first.
 */
static void sanitize_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			abort();
	}
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	const char *name = slash ? slash + 1 : argv[0];
	int (*fn)(int argc, char **argv) = cmd_create;

	sanitize_std_fds();
	/*
	 * Here rather than in run-command: every program started from this
	 * process, whoever starts it (a library such as liblvm2cmd may run
	 * helpers of its own), and every lookup of one, sees this PATH and
	 * not the caller's. Unit tests, which plant programs on PATH, do not
	 * come through here.
	 */
	if (setenv("PATH", RUN_COMMAND_PATH, 1) < 0)
		abort();

	log_init("create-image");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(name, commands[i].name)) {
			log_init(name);
			fn = commands[i].fn;
		}
	}
	/* Installed under another name (a wrapper, a test copy): create.
	 * Its subcommands, as create takes no operands. */
	for (size_t i = 0; fn == cmd_create && argc > 1 &&
			   i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	return fn(argc, argv);
}
