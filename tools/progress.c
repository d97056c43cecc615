// SPDX-License-Identifier: GPL-2.0-only
/*
 * Progress lines (progress.h).  The estimate is the rate so far carried to
 * the end: elapsed * (total - done) / done, said only after a second of
 * work, when a rate means something.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_MS	200.0
#define NOTE_LEN	256

/* A watcher thread may draw while the main thread says something. */
static pthread_mutex_t pr_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	bool on;
	char prefix[64];
	double total, done;
	double t0_ms, drawn_ms;
	char note[NOTE_LEN];
} pr;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void tc_progress_eta(double s, char *buf, unsigned int len)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t < 60)
		snprintf(buf, len, "%lu s", t);
	else if (t < 3600)
		snprintf(buf, len, "%lu min %lu s", t / 60, t % 60);
	else
		snprintf(buf, len, "%lu h %lu min", t / 3600, t / 60 % 60);
}

static unsigned int columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

static void draw(bool force)
{
	char line[512], eta[32];
	double now = now_ms(), secs = (now - pr.t0_ms) / 1e3;
	int n = 0;
	unsigned int width;

	if (!pr.on || (!force && now - pr.drawn_ms < REDRAW_MS))
		return;
	pr.drawn_ms = now;
	n = snprintf(line, sizeof(line), "%s:", pr.prefix);
	if (pr.total > 0) {
		double f = pr.done / pr.total;

		if (f > 1)
			f = 1;
		if (f < 0)
			f = 0;
		n += snprintf(line + n, sizeof(line) - n, " %3.0f%%", f * 100);
		if (secs >= 1 && f > 0 && f < 1) {
			tc_progress_eta(secs * (1 - f) / f, eta, sizeof(eta));
			n += snprintf(line + n, sizeof(line) - n, ", about %s left", eta);
		}
	}
	if (pr.note[0] && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, "%s%s",
			      pr.total > 0 ? ": " : " ", pr.note);
	width = columns() - 1;
	if (n > (int)width && width < sizeof(line))
		line[width] = '\0';	/* one line: \r must reach its start */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
}

/* A terminal that understands \r and erase-to-end-of-line. */
static bool terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(STDERR_FILENO) && term && *term && strcmp(term, "dumb");
}

void tc_progress_begin(const char *prefix, double total, bool quiet)
{
	pthread_mutex_lock(&pr_lock);
	memset(&pr, 0, sizeof(pr));
	pr.on = !quiet && terminal();
	snprintf(pr.prefix, sizeof(pr.prefix), "%s", prefix);
	pr.total = total;
	pr.t0_ms = now_ms();
	draw(true);
	pthread_mutex_unlock(&pr_lock);
}

void tc_progress_at(double done)
{
	pthread_mutex_lock(&pr_lock);
	pr.done = done;
	draw(pr.total > 0 && done >= pr.total);	/* 100% is always shown */
	pthread_mutex_unlock(&pr_lock);
}

static void vset(size_t at, const char *fmt, va_list ap)
{
	if (at < sizeof(pr.note))
		vsnprintf(pr.note + at, sizeof(pr.note) - at, fmt, ap);
}

void tc_progress_note(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&pr_lock);
	va_start(ap, fmt);
	vset(0, fmt, ap);
	va_end(ap);
	draw(true);
	pthread_mutex_unlock(&pr_lock);
}

void tc_progress_append(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&pr_lock);
	va_start(ap, fmt);
	vset(strlen(pr.note), fmt, ap);
	va_end(ap);
	draw(true);
	pthread_mutex_unlock(&pr_lock);
}

bool tc_progress_on(void)
{
	bool on;

	pthread_mutex_lock(&pr_lock);
	on = pr.on;
	pthread_mutex_unlock(&pr_lock);
	return on;
}

void tc_progress_say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&pr_lock);
	if (pr.on) {
		fputs("\r\033[K", stderr);
		pr.drawn_ms = 0;	/* the next update redraws at once */
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	pthread_mutex_unlock(&pr_lock);
}

void tc_progress_end(void)
{
	pthread_mutex_lock(&pr_lock);
	if (pr.on) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	pr.on = false;
	pthread_mutex_unlock(&pr_lock);
}
