/*
 * progress.h: the live view of builds on a terminal. One line per build
 * in progress (its name, its stage, how long it has run) and a footer,
 * redrawn in place every second at the bottom of the terminal; messages
 * (through log.h, or text written between progress_hide() and
 * progress_show()) appear above it. Nothing at all when the output is
 * not a terminal: callers print plain lines instead.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

struct progress;

/* A view on fd, or NULL when fd is not a terminal (or TERM is dumb). */
struct progress *progress_open(int fd);
/* Take the view off the terminal and free it; NULL is fine. */
void progress_close(struct progress *p);

/* Show key's line with text (its stage); its clock starts with the
 * first call for key. */
void progress_set(struct progress *p, const char *key, const char *text);
void progress_remove(struct progress *p, const char *key);
/* The last line ("3 done, 0 failed, 5 left"); NULL for none. */
void progress_footer(struct progress *p, const char *text);

/* Around writing anything else to the terminal. */
void progress_hide(struct progress *p);
void progress_show(struct progress *p);

#endif
