/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Progress of a long operation (a benchmark, a populate, a touch, a
 * migration): one line on stderr, redrawn in place, with the share done
 * and an estimate of the time left, e.g.
 *
 *   tierctl bench mem: 40%, about 12 s left: node 2: warm-up; run 1/5: read
 *
 * Shown only when stderr is a terminal (not TERM=dumb) and not --quiet:
 * nothing at all otherwise, so logs and pipes get the results alone.  One
 * operation at a time per process (the state is global, under a lock: a
 * watcher thread may draw while another says something).
 */
#ifndef TIERCTL_PROGRESS_H
#define TIERCTL_PROGRESS_H

#include <stdbool.h>

/*
 * Start: @prefix names the operation ("tierctl bench mem"); @total is the
 * work in any unit (bytes, runs), 0 if unknown (no share, no estimate).
 */
void tc_progress_begin(const char *prefix, double total, bool quiet);
/* @done units of the total are done (redrawn at most 5 times a second). */
void tc_progress_at(double done);
/* Replace the text after the share ("run 2/5:"). */
void tc_progress_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Append to that text (" write"). */
void tc_progress_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether a line is being shown: on a terminal, not quiet, begun. */
bool tc_progress_on(void);
/*
 * A message of its own on stderr (one whole line, with its \n): the
 * progress line is erased first, and the next update redraws it.
 */
void tc_progress_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Done: the line is erased (before the results, or an error message). */
void tc_progress_end(void);

/* "12 s", "3 min 5 s", "2 h 4 min": a duration for people. */
void tc_progress_eta(double seconds, char *buf, unsigned int len);

#endif
