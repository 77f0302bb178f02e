/* SPDX-License-Identifier: MIT */
/* cmd.h -- requests to imulabd and the recording state machine.
 *
 * Requests go out on the request connection and their kinds wait in a FIFO (replies come back
 * in order); events.c pops the FIFO when a reply arrives and calls the cmd_*_done functions.
 * A timed recording is IDLE -> COUNTDOWN (3 s) -> STARTING (record start sent) -> RUNNING
 * (duration) -> STOPPING (record stop sent) -> IDLE; a free one skips the countdown and stops
 * on the next space. cmd_tick() advances the clock-driven transitions.
 */
#ifndef IMULAB_TUI_CMD_H
#define IMULAB_TUI_CMD_H

#include <stdbool.h>
#include "app.h"

bool cmd_request(struct app *a, enum req_kind kind, long arg, const char *line);
bool cmd_pop(struct app *a, enum req_kind *kind, long *arg);
void cmd_refresh(struct app *a);
void cmd_req_up(struct app *a);
void cmd_req_down(struct app *a);

void cmd_timed(struct app *a);
void cmd_free_toggle(struct app *a);
void cmd_cancel(struct app *a);
void cmd_tick(struct app *a, int64_t now);
bool cmd_busy(const struct app *a);

void cmd_delete_ask(struct app *a);
void cmd_delete_confirm(struct app *a);
void cmd_undo(struct app *a);
void cmd_add_label(struct app *a, const char *utf8);
void cmd_set_subject(struct app *a, const char *utf8);
void cmd_toggle_category(struct app *a);

/* Reply handlers, called by events.c; err is NULL on success. */
void cmd_started(struct app *a, const char *err, long id);
void cmd_stopped(struct app *a, const char *err, long id, long samples, double seconds);
void cmd_deleted(struct app *a, const char *err, long id, bool undelete);

#endif
