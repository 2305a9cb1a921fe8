/* progress.c: see progress.h. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "log.h"
#include "macros.h"
#include "progress.h"
#include "strbuf.h"
#include "banned.h"

struct progress_line {
	char *key, *text;
	double started;
};

struct progress {
	int fd;
	pthread_mutex_t lock;
	pthread_t ticker;
	int stopping;
	int hidden;		/* nesting of progress_hide() */
	size_t drawn;		/* lines on the terminal now */
	struct progress_line *lines;
	size_t nr;
	char *footer;
};

static size_t width(const struct progress *p)
{
	struct winsize ws;

	if (ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		return ws.ws_col - 1;
	return 79;
}

/* One line, cut to the terminal's width so none of them wraps. */
static void add_line(struct strbuf *sb, const char *text, size_t cols)
{
	size_t n = strlen(text);

	strbuf_add(sb, text, n < cols ? n : cols);
	strbuf_addstr(sb, "\033[K\n");
}

/* Up over what was drawn, then the lines again; the caller holds lock. */
static void redraw(struct progress *p, int clear_only)
{
	struct strbuf sb = STRBUF_INIT, line = STRBUF_INIT;
	size_t cols = width(p);
	double now = clock_seconds();

	for (size_t i = 0; i < p->drawn; i++)
		strbuf_addstr(&sb, "\033[A");
	strbuf_addstr(&sb, "\r\033[J");
	p->drawn = 0;
	for (size_t i = 0; !clear_only && i < p->nr; i++) {
		const struct progress_line *l = &p->lines[i];

		strbuf_reset(&line);
		strbuf_addf(&line, "  %-16s %-30s %5.0f s", l->key, l->text,
			    now - l->started);
		add_line(&sb, line.buf, cols);
		p->drawn++;
	}
	if (!clear_only && p->footer) {
		add_line(&sb, p->footer, cols);
		p->drawn++;
	}
	(void)write_all(p->fd, sb.buf, sb.len);
	strbuf_release(&sb);
	strbuf_release(&line);
}

static void *ticker(void *arg)
{
	struct progress *p = arg;
	sigset_t all;

	/* Signals are the main thread's to handle. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		if (!p->hidden)
			redraw(p, 0);
		pthread_mutex_unlock(&p->lock);
	}
}

static void hook_before(void *data)
{
	progress_hide(data);
}

static void hook_after(void *data)
{
	progress_show(data);
}

struct progress *progress_open(int fd)
{
	const char *term = getenv("TERM");
	pthread_mutexattr_t attr;
	struct progress *p;

	if (!isatty(fd) || !term || !*term || !strcmp(term, "dumb"))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->fd = fd;
	/* Recursive: a message logged while the view is hidden for another
	 * one hides it again on the same thread. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&p->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (pthread_create(&p->ticker, NULL, ticker, p) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	log_set_stderr_hooks(hook_before, hook_after, p);
	return p;
}

void progress_close(struct progress *p)
{
	if (!p)
		return;
	log_set_stderr_hooks(NULL, NULL, NULL);
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	redraw(p, 1);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->ticker, NULL);
	pthread_mutex_destroy(&p->lock);
	for (size_t i = 0; i < p->nr; i++) {
		free(p->lines[i].key);
		free(p->lines[i].text);
	}
	free(p->lines);
	free(p->footer);
	free(p);
}

static struct progress_line *find(struct progress *p, const char *key)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->lines[i].key, key))
			return &p->lines[i];
	return NULL;
}

void progress_set(struct progress *p, const char *key, const char *text)
{
	struct progress_line *l;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	l = find(p, key);
	if (!l) {
		p->lines = xrealloc(p->lines, (p->nr + 1) * sizeof(*p->lines));
		l = &p->lines[p->nr++];
		l->key = xstrdup(key);
		l->text = NULL;
		l->started = clock_seconds();
	}
	free(l->text);
	l->text = xstrdup(text);
	if (!p->hidden)
		redraw(p, 0);
	pthread_mutex_unlock(&p->lock);
}

void progress_remove(struct progress *p, const char *key)
{
	struct progress_line *l;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	l = find(p, key);
	if (l) {
		size_t i = (size_t)(l - p->lines);

		free(l->key);
		free(l->text);
		memmove(l, l + 1, (p->nr - i - 1) * sizeof(*l));
		p->nr--;
		if (!p->hidden)
			redraw(p, 0);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_footer(struct progress *p, const char *text)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	free(p->footer);
	p->footer = xstrdup(text);
	if (!p->hidden)
		redraw(p, 0);
	pthread_mutex_unlock(&p->lock);
}

/*
 * The lock is held from progress_hide() to progress_show(), so the
 * ticker cannot draw in between; both run on the thread that prints.
 */
void progress_hide(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->hidden++)
		redraw(p, 1);
}

void progress_show(struct progress *p)
{
	if (!p)
		return;
	if (!--p->hidden)
		redraw(p, 0);
	pthread_mutex_unlock(&p->lock);
}
