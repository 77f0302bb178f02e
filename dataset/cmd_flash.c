/* SPDX-License-Identifier: MIT */
/* cmd_flash.c -- `imulab flash`: check a model directory against the board, build the classifier
 * firmware around it if needed, and program it.
 *
 * Build: the firmware project alone (firmware/ with cmake/arm-none-eabi.cmake and
 * -DIMULAB_MODEL=DIR) in BUILD/classifier-<model hash>/, where BUILD is the build directory this
 * imulab runs from (BUILD/bin/imulab); the source tree is read from BUILD/CMakeCache.txt (or
 * --source, $IMULAB_SOURCE). Budgets (dataset/boards.c): on the F446RE text + data <= 16384 and data + bss <= 8192 bytes (stack
 * included), measured with arm-none-eabi-size before anything is programmed.
 * Programming: the programmer runs directly (fork + execvp, no shell). The emulated board is
 * restarted on the new image and its pty is linked again at the same stable path.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boards.h"
#include "cli.h"
#include "trainer.h"


static const char flash_help[] =
    "usage: imulab flash [--model MODEL_DIR] [--board BOARD] [--probe openocd|st-flash|dfu-util]\n"
    "                    [--dry-run] [--port PATH] [--build-dir DIR] [--source DIR]\n"
    "Without --model: program the board with the streamer firmware (data collection) that this\n"
    "imulab's build made, BUILD/firmware/streamer-<board>.elf (checked against the chip at build).\n"
    "Check MODEL_DIR (model.c, model.h, model.json; axes and rate the board can give; the 16 KB flash\n"
    "and 8 KB RAM budget), build the classifier firmware for it if needed, and program the board:\n"
    "  nucleo-f446re (default)  through its ST-Link with the probe's tool (default: the first of\n"
    "                           openocd, st-flash installed): program, verify, reset. dfu-util only\n"
    "                           when asked: the Nucleo has no USB connector on the STM32 and boots\n"
    "                           its ROM loader only with BOOT0 high (docs/firmware.md, wiring)\n"
    "  nucleo-l476rg, nucleo-h743zi, disco-f407vg  the same, with openocd's target stm32l4x,\n"
    "                           stm32h7x or stm32f4x (docs/boards.md); their chip's flash and RAM\n"
    "  qemu                     restart the emulated board on the new image; its pty is linked\n"
    "                           again at PATH (--port, default $RUN/board as in scripts/quickstart.sh)\n"
    "  --dry-run       print the programmer command line and exit (nothing is built or programmed)\n"
    "  --build-dir DIR where to build (default BUILD/classifier-<model hash>, BUILD = this imulab's build)\n"
    "  --source DIR    the imulab source tree (default: from BUILD/CMakeCache.txt, or $IMULAB_SOURCE)\n";

/* ---- helpers ---------------------------------------------------------------------------- */

static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && n + strlen(prog) + 2 < sizeof buf) {
            memcpy(buf, p, n);
            buf[n] = '/';
            strcpy(buf + n + 1, prog);
            if (access(buf, X_OK) == 0)
                return 1;
        }
        p += n + (e ? 1 : 0);
    }
    return 0;
}

static void print_argv(FILE *f, char *const *argv)
{
    for (int i = 0; argv[i]; i++) {
        const char *a = argv[i];
        int plain = *a != 0;
        for (const char *c = a; *c; c++)
            if (!(isalnum((unsigned char)*c) || strchr("-_./=:,+@%", *c)))
                plain = 0;
        if (plain)
            fprintf(f, "%s%s", i ? " " : "", a);
        else {
            fprintf(f, "%s'", i ? " " : "");
            for (const char *c = a; *c; c++)
                if (*c == '\'')
                    fputs("'\\''", f);
                else
                    fputc(*c, f);
            fputc('\'', f);
        }
    }
    fputc('\n', f);
}

/* Run argv with stdout+stderr into log (a file path, or NULL = inherit). Returns the exit status,
 * 127 if it could not be started, 128+N on signal N. */
static int run(char *const *argv, const char *log)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        if (log) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 127;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* First line of file matching one of the (lowercase) needles, into out. */
static int grep_first(const char *file, const char *const *needles, char *out, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char low[512];
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)tolower((unsigned char)line[i]);
        for (int k = 0; needles[k]; k++)
            if (strstr(low, needles[k])) {
                snprintf(out, cap, "%s", line);
                found = 1;
                break;
            }
    }
    fclose(f);
    return found;
}

static int same_axis(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* The build directory this imulab runs from (BUILD/bin/imulab -> BUILD). */
static int self_build_dir(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    char *s = strrchr(exe, '/');
    if (!s)
        return -1;
    *s = 0;
    s = strrchr(exe, '/');
    if (!s || strcmp(s, "/bin") != 0)
        return -1;
    *s = 0;
    snprintf(out, cap, "%s", exe);
    return 0;
}

static int source_from_cache(const char *build, char *out, size_t cap)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/CMakeCache.txt", build);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    char line[PATH_MAX + 64];
    int ok = -1;
    while (fgets(line, sizeof line, f)) {
        const char *k = "CMAKE_HOME_DIRECTORY:INTERNAL=";
        if (strncmp(line, k, strlen(k)) == 0) {
            size_t n = strlen(line);
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = 0;
            snprintf(out, cap, "%s", line + strlen(k));
            ok = 0;
            break;
        }
    }
    fclose(f);
    return ok;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- the emulated board ----------------------------------------------------------------- */

/* The QEMU process whose pty is /dev/pts/<index> (from /proc/PID/fdinfo tty-index). */
static pid_t find_qemu(int index)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *e;
    pid_t found = 0;
    while (!found && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char p[300], comm[64] = "";
        snprintf(p, sizeof p, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = 0;
        fclose(f);
        if (strncmp(comm, "qemu-system-arm", 15) != 0)
            continue;
        snprintf(p, sizeof p, "/proc/%s/fdinfo", e->d_name);
        DIR *fd = opendir(p);
        if (!fd)
            continue;
        struct dirent *fe;
        while (!found && (fe = readdir(fd))) {
            char q[600], line[128];
            snprintf(q, sizeof q, "%s/%s", p, fe->d_name);
            FILE *fi = fopen(q, "r");
            if (!fi)
                continue;
            while (fgets(line, sizeof line, fi))
                if (strncmp(line, "tty-index:", 10) == 0 && atoi(line + 10) == index)
                    found = (pid_t)atoi(e->d_name);
            fclose(fi);
        }
        closedir(fd);
    }
    closedir(d);
    return found;
}

/* argv of a process from /proc/PID/cmdline (malloc'd strings, NULL-terminated). */
static char **proc_argv(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    static char *v[130]; /* points into buf: nothing to free */
    memset(v, 0, sizeof v);
    int k = 0;
    for (size_t i = 0; i < n && k < 128; i += strlen(buf + i) + 1)
        v[k++] = buf + i;
    return v;
}

static int qemu_restart(const char *elf, const char *link, int dry)
{
    char *defv[] = { "qemu-system-arm", "-M", "netduinoplus2", "-nographic", "-monitor", "none", "-serial", "null",
                     "-serial", "pty", "-icount", "shift=0", "-kernel", (char *)elf, NULL };
    char **argv = defv;
    pid_t old = 0;
    char target[PATH_MAX];
    ssize_t tn = readlink(link, target, sizeof target - 1);
    if (tn > 0) {
        target[tn] = 0;
        if (strncmp(target, "/dev/pts/", 9) == 0)
            old = find_qemu(atoi(target + 9));
    }
    if (old) {
        char **v = proc_argv(old);
        if (v) {
            for (int i = 0; v[i]; i++)
                if (strcmp(v[i], "-kernel") == 0 && v[i + 1])
                    v[i + 1] = (char *)elf;
            argv = v;
        }
    }
    if (dry) {
        print_argv(stdout, argv);
        return CLI_OK;
    }
    if (old) {
        kill(old, SIGTERM);
        for (int i = 0; i < 50 && kill(old, 0) == 0; i++) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    /* the new QEMU, detached (its own session), log next to the link */
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s.qemu.log", link);
    unlink(log);
    pid_t pid = fork();
    if (pid < 0)
        return cli_error("cannot start QEMU: %s", strerror(errno));
    if (pid == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0)
            dup2(nul, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    char pts[64] = "";
    for (int i = 0; i < 100 && !pts[0]; i++) {
        FILE *f = fopen(log, "r");
        if (f) {
            char line[512];
            while (fgets(line, sizeof line, f)) {
                char *s = strstr(line, "/dev/pts/");
                if (s) {
                    size_t n = 9;
                    while (isdigit((unsigned char)s[n]))
                        n++;
                    snprintf(pts, sizeof pts, "%.*s", (int)n, s);
                    break;
                }
            }
            fclose(f);
        }
        if (!pts[0]) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    if (!pts[0])
        return cli_error("QEMU gave no pty (see %s)", log);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.new", link);
    unlink(tmp);
    if (symlink(pts, tmp) != 0 || rename(tmp, link) != 0)
        return cli_error("cannot link %s to %s: %s", link, pts, strerror(errno));
    printf("emulated board restarted on %s: %s -> %s%s\n", elf, link, pts, old ? "" : " (no QEMU was running there)");
    return CLI_OK;
}

/* ---- the command ------------------------------------------------------------------------ */

int cmd_flash(const struct cli *cli, int argc, char **argv)
{
    (void)cli;
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"probe", required_argument, NULL, 'p'},
                                         {"board", required_argument, NULL, 'b'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"port", required_argument, NULL, 'P'},
                                         {"build-dir", required_argument, NULL, 'B'},
                                         {"source", required_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL, *probe = NULL, *board = "nucleo-f446re", *port = NULL, *bdir_opt = NULL,
               *src_opt = NULL;
    int dry = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("flash", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(flash_help, stdout); return CLI_OK;
        case 'm': dir = optarg; break;
        case 'p': probe = optarg; break;
        case 'b': board = optarg; break;
        case 'n': dry = 1; break;
        case 'P': port = optarg; break;
        case 'B': bdir_opt = optarg; break;
        case 'S': src_opt = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("flash", "unexpected argument '%s'", argv[optind]);
    const int streamer = dir == NULL; /* no model: the data-collection firmware of this build */
    int qemu = strcmp(board, "qemu") == 0;
    const struct board_info *bi = board_find(board);
    if (!bi)
        return cli_usage("flash", "unknown board '%s' (%s)", board, board_names());
    if (probe && strcmp(probe, "openocd") && strcmp(probe, "st-flash") && strcmp(probe, "dfu-util"))
        return cli_usage("flash", "unknown probe '%s' (openocd, st-flash or dfu-util)", probe);
    if (probe && qemu)
        return cli_usage("flash", "--probe is for real boards, not --board qemu");

    char p[PATH_MAX + 32], mdir[PATH_MAX] = "";
    uint32_t hash = 0;
    if (!streamer) {
        /* 1. the model directory */
        if (!realpath(dir, mdir))
            return cli_error("model directory %s: %s", dir, strerror(errno));
        const char *files[] = { "model.c", "model.h", "model.json" };
        for (int i = 0; i < 3; i++) {
            snprintf(p, sizeof p, "%s/%s", mdir, files[i]);
            if (!is_file(p))
                return cli_error("model directory %s has no %s (train it again with imulab train --out %s)", dir, files[i], dir);
        }
        struct tr_model m;
        char err[512] = "";
        if (tr_load(&m, mdir, err, sizeof err))
            return cli_error("%s", err);
        static const char *const dev_axes[] = { "accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ" };
        for (int a = 0; a < m.n_axes; a++) {
            int ok = 0;
            for (int k = 0; k < (bi->accel_only ? 3 : 6); k++)
                ok |= same_axis(m.axes[a], dev_axes[k]);
            if (!ok) {
                cli_error("the model was trained for axis '%s', which the %s does not have (%s)", m.axes[a], board,
                          bi->accel_only ? "accX..accZ: its LIS3DSH has no gyroscope" : "accX..gyrZ");
                tr_model_free(&m);
                return CLI_FAIL;
            }
        }
        /* rates: QEMU's synthetic IMU any 50..1000 Hz; the MPU6050 1000/(1+div) Hz */
        double rate = m.rate_hz, best = qemu ? floor(rate + 0.5) : 1000.0 / floor(1000.0 / rate + 0.5);
        if (bi->fixed_rates == 2)
            best = rate < 75 ? 50 : 100;
        if (rate < 50 || rate > 1000 || fabs(best - rate) > 0.05 * rate) {
            cli_error("the model was trained at %.4g Hz; the %s samples at %s", rate, board,
                      qemu ? "50-1000 Hz" : bi->fixed_rates == 2 ? "50 or 100 Hz" : "1000/n Hz (e.g. 100, 111, 125 Hz)");
            tr_model_free(&m);
            return CLI_FAIL;
        }
        hash = m.hash;
        tr_model_free(&m);
    }

    /* 2. where to build */
    char build[PATH_MAX] = "", src[PATH_MAX] = "", bdir[PATH_MAX + 64];
    int have_build = self_build_dir(build, sizeof build) == 0;
    if (src_opt)
        snprintf(src, sizeof src, "%s", src_opt);
    else if (getenv("IMULAB_SOURCE"))
        snprintf(src, sizeof src, "%s", getenv("IMULAB_SOURCE"));
    else if (!streamer && (!have_build || source_from_cache(build, src, sizeof src)))
        return cli_error("cannot find the imulab source tree (run the imulab of a build directory, or give --source DIR)");
    if (bdir_opt)
        snprintf(bdir, sizeof bdir, "%s", bdir_opt);
    else if (have_build)
        snprintf(bdir, sizeof bdir, "%s/classifier-%08x", build, hash);
    else
        snprintf(bdir, sizeof bdir, "%s/build/classifier-%08x", src, hash);
    char elf[PATH_MAX + 128], bin[PATH_MAX + 128];
    snprintf(elf, sizeof elf, "%s/firmware/classifier-%s.elf", bdir, board);
    snprintf(bin, sizeof bin, "%s/firmware/classifier-%s.bin", bdir, board);
    if (streamer) { /* the image this imulab's build made (its size checked against the chip there) */
        if (!have_build)
            return cli_error("cannot find this imulab's build directory, which holds the streamer images (run the imulab of a build directory, or give --model)");
        snprintf(bdir, sizeof bdir, "%s/firmware", build);
        snprintf(elf, sizeof elf, "%s/streamer-%s.elf", bdir, board);
        snprintf(bin, sizeof bin, "%s/streamer-%s.bin", bdir, board);
    }

    /* 3. the programmer */
    char cmdarg[PATH_MAX + 64];
    snprintf(cmdarg, sizeof cmdarg, "program %s verify reset exit", elf);
    char tcfg[64];
    snprintf(tcfg, sizeof tcfg, "target/%s.cfg", bi->openocd_target ? bi->openocd_target : "stm32f4x");
    char *oocd[] = { "openocd", "-f", "interface/stlink.cfg", "-f", tcfg, "-c", cmdarg, NULL };
    char *stf[] = { "st-flash", "--reset", "write", bin, "0x08000000", NULL };
    char *dfu[] = { "dfu-util", "-a", "0", "-s", "0x08000000:leave", "-D", bin, NULL };
    char **prog = NULL;
    if (!qemu) {
        if (!probe)
            probe = in_path("openocd") ? "openocd" : in_path("st-flash") ? "st-flash" : "openocd";
        prog = !strcmp(probe, "openocd") ? oocd : !strcmp(probe, "st-flash") ? stf : dfu;
        if (prog == dfu) /* never chosen on its own: it needs wiring a stock Nucleo does not have */
            fprintf(stderr, "imulab flash: dfu-util needs a USB cable on PA11/PA12 and BOOT0 high (docs/firmware.md)\n");
    }
    char link[PATH_MAX];
    if (qemu) {
        if (port)
            snprintf(link, sizeof link, "%s", port);
        else if (getuid() == 0)
            snprintf(link, sizeof link, "/run/imulab/board");
        else if (getenv("XDG_RUNTIME_DIR"))
            snprintf(link, sizeof link, "%s/imulab/board", getenv("XDG_RUNTIME_DIR"));
        else
            snprintf(link, sizeof link, "/tmp/imulab-%d/imulab/board", (int)getuid());
    }
    if (dry) {
        if (qemu)
            return qemu_restart(elf, link, 1);
        print_argv(stdout, prog);
        return CLI_OK;
    }
    if (!qemu && !in_path(prog[0]))
        return cli_error("%s is not installed (apt-get install %s)", prog[0], !strcmp(prog[0], "st-flash") ? "stlink-tools" : prog[0]);
    if (streamer) {
        if (!is_file(elf) || (!qemu && !is_file(bin)))
            return cli_error("no streamer image %s (build imulab with the ARM toolchain: cmake --build %s)", elf, build);
        goto program;
    }

    /* 4. build (incremental) */
    snprintf(p, sizeof p, "%s/firmware/CMakeLists.txt", src);
    if (!is_file(p))
        return cli_error("%s is not the imulab source tree (no firmware/CMakeLists.txt)", src);
    if (mkdir(bdir, 0755) != 0 && errno != EEXIST)
        return cli_error("cannot create %s: %s", bdir, strerror(errno));
    char log[PATH_MAX + 64], cache[PATH_MAX + 64];
    snprintf(log, sizeof log, "%s/build.log", bdir);
    snprintf(cache, sizeof cache, "%s/CMakeCache.txt", bdir);
    char a_src[PATH_MAX + 16], a_tc[PATH_MAX + 64], a_out[PATH_MAX + 96], a_model[PATH_MAX + 16], a_fw[PATH_MAX + 16];
    snprintf(a_fw, sizeof a_fw, "%s/firmware", src);
    snprintf(a_tc, sizeof a_tc, "-DCMAKE_TOOLCHAIN_FILE=%s/cmake/arm-none-eabi.cmake", src);
    snprintf(a_out, sizeof a_out, "-DFW_OUTPUT_DIR=%s/firmware", bdir);
    snprintf(a_model, sizeof a_model, "-DIMULAB_MODEL=%s", mdir);
    (void)a_src;
    fprintf(stderr, "imulab: building the classifier for model %08x in %s\n", hash, bdir);
    if (!is_file(cache)) {
        char *cfg[] = { "cmake", "-S", a_fw, "-B", bdir, a_tc, "-DCMAKE_BUILD_TYPE=Release", a_out, a_model, NULL };
        int r = run(cfg, log);
        if (r) {
            const char *nd[] = { "error", NULL };
            char line[512] = "see the log";
            grep_first(log, nd, line, sizeof line);
            return cli_error("configuring the firmware failed: %s (%s)", line, log);
        }
    }
    char target[64];
    snprintf(target, sizeof target, "classifier-%s", board);
    char *bld[] = { "cmake", "--build", bdir, "--target", target, NULL };
    int r = run(bld, log);
    if (r) {
        const char *nd[] = { "error", NULL };
        char line[512] = "see the log";
        grep_first(log, nd, line, sizeof line);
        return cli_error("building the classifier failed: %s (%s)", line, log);
    }

    /* 5. budgets */
    char szlog[PATH_MAX + 64];
    snprintf(szlog, sizeof szlog, "%s/size.txt", bdir);
    char *sz[] = { "arm-none-eabi-size", elf, NULL };
    if (run(sz, szlog))
        return cli_error("arm-none-eabi-size failed on %s", elf);
    long text = -1, data = -1, bss = -1;
    FILE *f = fopen(szlog, "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "%ld %ld %ld", &text, &data, &bss) == 3)
                break;
        fclose(f);
    }
    if (text < 0)
        return cli_error("cannot read the size of %s", elf);
    long fl = text + data, ram = data + bss;
    if (fl > bi->flash_budget || ram > bi->ram_budget)
        return cli_error("the classifier for model %08x does not fit the %s: flash %ld B (budget %ld), RAM %ld B (budget %ld, stack included); train a smaller model",
                         hash, board, fl, bi->flash_budget, ram, bi->ram_budget);
    fprintf(stderr, "imulab: classifier-%s: flash %ld B, RAM %ld B (stack included)\n", board, fl, ram);

    /* 6. program */
program:
    if (qemu)
        return qemu_restart(elf, link, 0);
    char plog[PATH_MAX + 64];
    snprintf(plog, sizeof plog, "%s/program.log", bdir);
    r = run(prog, plog);
    if (r == 0) {
        printf("programmed %s with %s (verified, reset)\n", elf, prog[0]);
        return CLI_OK;
    }
    const char *noprobe[] = { "open failed", "no device found", "unable to find", "unable to open", "couldn't find",
                              "no st-link", "libusb_error", "couldn't find any st-link", "failed to connect",
                              "error connecting", "no dfu capable", "cannot open dfu", NULL };
    char line[512];
    if (grep_first(plog, noprobe, line, sizeof line))
        return cli_error("no probe found: %s sees no board (is the %s plugged in over USB?)", prog[0], board);
    const char *any[] = { "error", "fail", NULL };
    if (!grep_first(plog, any, line, sizeof line))
        snprintf(line, sizeof line, "exit status %d", r);
    return cli_error("%s failed: %s (%s)", prog[0], line, plog);
}
