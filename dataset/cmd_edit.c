#include "cli.h"
int cmd_relabel(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_rm(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_restore(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_purge(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_trim(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_split(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_show(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
int cmd_plot(const struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
