#include "cli.h"
int cmd_show(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_plot(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
