/* SPDX-License-Identifier: MIT */
/* events.h -- what imulabd says, turned into the app state.
 *
 * The subscribe connection carries events (samples, status, classification, recording); the
 * request connection carries one reply per request, matched to the pending FIFO in cmd.c.
 * Anything that is not the JSON the protocol promises becomes a status-line message; no
 * field is trusted to be present or of the right type.
 */
#ifndef IMULAB_TUI_EVENTS_H
#define IMULAB_TUI_EVENTS_H

#include <stdbool.h>
#include "client.h"

void ev_sub_line(void *app, struct conn *c, const char *line);
void ev_sub_state(void *app, struct conn *c, bool up);
void ev_req_line(void *app, struct conn *c, const char *line);
void ev_req_state(void *app, struct conn *c, bool up);

#endif
