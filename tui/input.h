/* SPDX-License-Identifier: MIT */
/* input.h -- keys to commands.
 *
 * input_drain() reads every pending key with wget_wch (stdscr is in nodelay mode) and hands it
 * to the handler for the current mode: help overlay, a prompt (new label, subject, delete
 * confirmation) or the normal keys. It only changes struct app and calls cmd.c.
 */
#ifndef IMULAB_TUI_INPUT_H
#define IMULAB_TUI_INPUT_H

#include "app.h"

void input_drain(struct app *a);

#endif
