/* SPDX-License-Identifier: MIT */
/* cmd_show.c -- imulab show (metadata, per-axis statistics and a terminal plot) and imulab plot
 * (an SVG file for reports). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fmt.h"
#include "store.h"

static const char GLYPH[] = "*+ox#@%&=~-:$!?^";

/* Load a recording (metadata and samples); prints the error. */
static int load(const struct cli *cli, const char *arg, const char *cmd, struct store **s, struct store_recording *r,
                float **v, int64_t *n)
{
    long long id;
    if (cli_parse_id(arg, &id))
        return cli_usage(cmd, "'%s' is not a recording id", arg);
    *s = cli_open_store(cli, 0);
    if (!*s)
        return CLI_FAIL;
    if (store_recording_get(*s, id, r) || store_recording_samples(*s, id, v, n)) {
        int st = cli_error("%s", store_errmsg(*s));
        store_close(*s);
        return st;
    }
    return 0;
}

static void axis_stats(const float *v, int64_t n, int na, int a, double *mn, double *mx, double *mean, double *sd)
{
    double s = 0, s2 = 0;
    *mn = INFINITY;
    *mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i * na + a];
        s += x;
        if (x < *mn)
            *mn = x;
        if (x > *mx)
            *mx = x;
    }
    *mean = n ? s / (double)n : 0;
    for (int64_t i = 0; i < n; i++) {
        double d = v[i * na + a] - *mean;
        s2 += d * d;
    }
    *sd = n ? sqrt(s2 / (double)n) : 0;
    if (!n)
        *mn = *mx = 0;
}

static const char *show_help =
    "usage: imulab show ID [--json] [--width N] [--height N]\n"
    "\n"
    "A recording's metadata, the minimum, maximum, mean and standard deviation of each axis, and\n"
    "a terminal plot of the axes over time (one symbol per axis, the mean of each column).\n"
    "  --json      the metadata and axis statistics as one JSON object (no plot)\n"
    "  --width N   plot columns (default 72), --height N plot rows (default 16)\n";

int cmd_show(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"width", required_argument, NULL, 'w'},
                                         {"height", required_argument, NULL, 'H'},
                                         {"segments", optional_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, width = 72, height = 16, c;
    double d;
    cli_getopt_begin();
    while ((c = cli_getopt("show", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'w':
            if (cli_parse_double(optarg, &d) || d < 10 || d > 1000 || d != floor(d))
                return cli_usage("show", "--width must be an integer from 10 to 1000, not '%s'", optarg);
            width = (int)d;
            break;
        case 'H':
            if (cli_parse_double(optarg, &d) || d < 4 || d > 200 || d != floor(d))
                return cli_usage("show", "--height must be an integer from 4 to 200, not '%s'", optarg);
            height = (int)d;
            break;
        case 'h': fputs(show_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage("show", "want exactly one recording ID");
    struct store *s;
    struct store_recording r;
    float *v = NULL;
    int64_t n = 0;
    int st = load(cli, argv[optind], "show", &s, &r, &v, &n);
    if (st)
        return st;
    int na = r.n_axes;
    double secs = (double)n / r.sample_rate_hz;
    if (json) {
        printf("{\"id\":%lld,\"label\":", (long long)r.id);
        cli_json_str(stdout, r.label);
        printf(",\"category\":\"%s\",\"subject\":", r.category);
        if (r.subject[0])
            cli_json_str(stdout, r.subject);
        else
            fputs("null", stdout);
        printf(",\"samples\":%lld,\"seconds\":", (long long)n);
        cli_json_num(stdout, secs);
        fputs(",\"sample_rate_hz\":", stdout);
        cli_json_num(stdout, r.sample_rate_hz);
        printf(",\"format\":\"%s\",\"gaps\":%lld,\"missing_samples\":%lld,\"started_at\":",
               r.format == STORE_I16 ? "i16" : "f32", (long long)r.gap_count, (long long)r.missing_samples);
        cli_json_num(stdout, r.started_at);
        fputs(",\"ended_at\":", stdout);
        if (r.ended_at > 0)
            cli_json_num(stdout, r.ended_at);
        else
            fputs("null", stdout);
        printf(",\"device_id\":%lld,\"source\":", (long long)r.device_id);
        cli_json_str(stdout, r.source);
        fputs(",\"notes\":", stdout);
        cli_json_str(stdout, r.notes);
        fputs(",\"content_hash\":", stdout);
        cli_json_str(stdout, r.content_hash);
        printf(",\"deleted\":%s,\"axes\":[", r.deleted_at > 0 ? "true" : "false");
        for (int a = 0; a < na; a++) {
            double mn, mx, mean, sd;
            axis_stats(v, n, na, a, &mn, &mx, &mean, &sd);
            fputs(a ? ",{\"name\":" : "{\"name\":", stdout);
            cli_json_str(stdout, r.axes[a].name);
            fputs(",\"unit\":", stdout);
            cli_json_str(stdout, r.axes[a].unit);
            fputs(",\"scale\":", stdout);
            cli_json_num(stdout, r.axes[a].scale);
            char fb[32];
            fmt_float(fb, sizeof fb, (float)mn);
            printf(",\"min\":%s", fb);
            fmt_float(fb, sizeof fb, (float)mx);
            printf(",\"max\":%s", fb);
            fputs(",\"mean\":", stdout);
            cli_json_num(stdout, mean);
            fputs(",\"std\":", stdout);
            cli_json_num(stdout, sd);
            fputc('}', stdout);
        }
        puts("]}");
        goto out;
    }
    char when[64] = "?";
    time_t t = (time_t)r.started_at;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    printf("recording %lld%s\n", (long long)r.id, r.deleted_at > 0 ? " (in the trash)" : "");
    printf("  label       %s\n  category    %s\n", r.label, r.category);
    if (r.subject[0])
        printf("  subject     %s\n", r.subject);
    printf("  started     %s%s\n", when, r.ended_at > 0 ? "" : " (still recording)");
    printf("  samples     %lld (%.2f s at %g Hz, %s)\n", (long long)n, secs, r.sample_rate_hz,
           r.format == STORE_I16 ? "int16" : "float32");
    if (r.gap_count)
        printf("  gaps        %lld (%lld samples missing)\n", (long long)r.gap_count, (long long)r.missing_samples);
    if (r.source[0])
        printf("  source      %s\n", r.source);
    if (r.notes[0])
        printf("  notes       %s\n", r.notes);
    printf("  hash        %s\n\n  %-3s %-12s %-8s %11s %11s %11s %11s\n", r.content_hash, "", "AXIS", "UNIT", "MIN",
           "MAX", "MEAN", "STD");
    double lo = INFINITY, hi = -INFINITY;
    for (int a = 0; a < na; a++) {
        double mn, mx, mean, sd;
        axis_stats(v, n, na, a, &mn, &mx, &mean, &sd);
        printf("  %c   %-12s %-8s %11.5g %11.5g %11.5g %11.5g\n", GLYPH[a], r.axes[a].name, r.axes[a].unit, mn, mx,
               mean, sd);
        if (mn < lo)
            lo = mn;
        if (mx > hi)
            hi = mx;
    }
    if (n == 0)
        goto out;
    if (!(hi > lo)) {
        hi = lo + 1;
        lo -= 1;
    }
    if (n < width)
        width = (int)n;
    char *grid = malloc((size_t)width * (size_t)height);
    if (!grid) {
        st = cli_error("out of memory");
        goto out;
    }
    memset(grid, ' ', (size_t)width * (size_t)height);
    for (int col = 0; col < width; col++) {
        int64_t i0 = n * col / width, i1 = n * (col + 1) / width;
        if (i1 <= i0)
            i1 = i0 + 1;
        for (int a = 0; a < na; a++) {
            double m = 0;
            for (int64_t i = i0; i < i1; i++)
                m += v[i * na + a];
            m /= (double)(i1 - i0);
            int row = (int)lround((hi - m) / (hi - lo) * (height - 1));
            if (row < 0)
                row = 0;
            if (row >= height)
                row = height - 1;
            grid[row * width + col] = GLYPH[a];
        }
    }
    putchar('\n');
    for (int row = 0; row < height; row++) {
        double y = hi - (hi - lo) * row / (height - 1);
        if (row == 0 || row == height - 1 || row == height / 2)
            printf("%10.4g |", y);
        else
            printf("%10s |", "");
        fwrite(grid + row * width, 1, (size_t)width, stdout);
        putchar('\n');
    }
    printf("%10s +", "");
    for (int col = 0; col < width; col++)
        putchar('-');
    printf("\n%10s  0 s%*.*g s\n", "", width - 3, 4, secs);
    free(grid);
out:
    free(v);
    store_close(s);
    return st;
}

/* ---- plot ---- */

static const char *COLOURS[] = {"#d62728", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"};

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A "nice" tick step for a range. */
static double nice_step(double range, int ticks)
{
    double raw = range / ticks, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

static const char *plot_help =
    "usage: imulab plot ID --out FILE.svg [--width PX] [--height PX] [--segments[=MODEL_DIR]]\n"
    "\n"
    "Draws recording ID to an SVG file: one line per axis (its minimum and maximum per pixel\n"
    "column, so that short peaks survive), time in seconds, a legend, the label as title.\n"
    "Default size 1000 x 360 pixels.\n"
    "  --segments[=DIR]  shade the gestures gesture mode's motion segmenter finds (green; dropped\n"
    "                    ones grey), with the segmenter of model DIR or, without DIR, the one\n"
    "                    `imulab train --mode gesture` would set up (see `imulab segments`)\n";

int cmd_plot(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"width", required_argument, NULL, 'w'},
                                         {"height", required_argument, NULL, 'H'},
                                         {"segments", optional_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = NULL, *seg_model = NULL;
    int W = 1000, H = 360, c, want_segments = 0;
    double d;
    cli_getopt_begin();
    while ((c = cli_getopt("plot", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'w':
            if (cli_parse_double(optarg, &d) || d < 200 || d > 20000 || d != floor(d))
                return cli_usage("plot", "--width must be an integer from 200 to 20000, not '%s'", optarg);
            W = (int)d;
            break;
        case 'H':
            if (cli_parse_double(optarg, &d) || d < 100 || d > 20000 || d != floor(d))
                return cli_usage("plot", "--height must be an integer from 100 to 20000, not '%s'", optarg);
            H = (int)d;
            break;
        case 's': want_segments = 1; seg_model = optarg; break;
        case 'h': fputs(plot_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage("plot", "want exactly one recording ID");
    if (!out || !*out)
        return cli_usage("plot", "--out FILE.svg is required");
    size_t ol = strlen(out);
    if (ol < 4 || strcasecmp(out + ol - 4, ".svg"))
        return cli_usage("plot", "--out must name an .svg file (PNG is not supported: convert the SVG)");
    struct store *s;
    struct store_recording r;
    float *v = NULL;
    int64_t n = 0;
    int st = load(cli, argv[optind], "plot", &s, &r, &v, &n);
    if (st)
        return st;
    int na = r.n_axes;
    double secs = (double)n / r.sample_rate_hz;
    enum { MAXSEG = 1024 };
    static uint32_t seg_start[MAXSEG], seg_len[MAXSEG];
    static int seg_kept[MAXSEG];
    int n_seg = 0;
    if (want_segments) {
        n_seg = cli_plot_segments(cli, seg_model, na, v, n, seg_start, seg_len, seg_kept, MAXSEG);
        if (n_seg < 0) {
            st = CLI_FAIL;
            goto done;
        }
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n * na; i++) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    if (!(hi > lo)) {
        lo = (n ? lo : 0) - 1;
        hi = lo + 2;
    }
    double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    const int L = 70, R = 130, T = 40, B = 45;
    double pw = W - L - R, ph = H - T - B;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        st = cli_error("%s: cannot create: %s", out, strerror(errno));
        goto done;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"24\" font-size=\"15\">",
            W, H, W, H, L);
    xml_text(f, r.label);
    fprintf(f, " &#8212; recording %lld, %s, %lld samples, %.2f s at %g Hz</text>\n", (long long)r.id, r.category,
            (long long)n, secs, r.sample_rate_hz);
    /* grid and ticks */
    double ys = nice_step(hi - lo, 6);
    for (double y = ceil(lo / ys) * ys; y <= hi; y += ys) {
        double py = T + ph * (hi - y) / (hi - lo);
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                L, py, L + pw, py, L - 6, py + 4, fabs(y) < ys / 1e6 ? 0.0 : y);
    }
    double xs = nice_step(secs > 0 ? secs : 1, 10);
    for (double x = 0; x <= secs + 1e-9; x += xs) {
        double px = L + pw * (secs > 0 ? x / secs : 0);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                px, T, px, T + ph, px, T + ph + 16, x);
    }
    fprintf(f,
            "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n"
            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time (s)</text>\n",
            L, T, pw, ph, L + pw / 2, H - 8);
    /* the segmenter's cuts under the curves */
    for (int k = 0; k < n_seg && n > 0; k++)
        fprintf(f, "<rect class=\"segment%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                "fill-opacity=\"0.25\"/>\n", seg_kept[k] ? "" : " dropped", L + pw * seg_start[k] / (double)n, T,
                pw * seg_len[k] / (double)n, ph, seg_kept[k] ? "#2ca02c" : "#999999");
    /* one polyline per axis: min and max of each pixel column */
    int cols = (int)pw;
    for (int a = 0; a < na && n > 0; a++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1\" points=\"", COLOURS[a % 16]);
        if (n <= 2 * cols) {
            for (int64_t i = 0; i < n; i++)
                fprintf(f, "%.1f,%.1f ", L + pw * (n > 1 ? (double)i / (double)(n - 1) : 0),
                        T + ph * (hi - v[i * na + a]) / (hi - lo));
        } else {
            for (int col = 0; col < cols; col++) {
                int64_t i0 = n * col / cols, i1 = n * (col + 1) / cols;
                double mn = INFINITY, mx = -INFINITY;
                int64_t imn = i0, imx = i0;
                for (int64_t i = i0; i < i1; i++) {
                    double x = v[i * na + a];
                    if (x < mn) {
                        mn = x;
                        imn = i;
                    }
                    if (x > mx) {
                        mx = x;
                        imx = i;
                    }
                }
                double first = imn < imx ? mn : mx, second = imn < imx ? mx : mn;
                fprintf(f, "%.1f,%.1f %.1f,%.1f ", L + col + 0.25, T + ph * (hi - first) / (hi - lo), L + col + 0.75,
                        T + ph * (hi - second) / (hi - lo));
            }
        }
        fputs("\"/>\n", f);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>",
                L + pw + 12, T + 10 + 18 * a, L + pw + 32, T + 10 + 18 * a, COLOURS[a % 16]);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\">", L + pw + 38, T + 14 + 18 * a);
        xml_text(f, r.axes[a].name);
        if (r.axes[a].unit[0]) {
            fputs(" (", f);
            xml_text(f, r.axes[a].unit);
            fputc(')', f);
        }
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    int werr = ferror(f);
    if (fclose(f) || werr) {
        remove(tmp);
        st = cli_error("%s: write error", out);
        goto done;
    }
    if (rename(tmp, out)) {
        remove(tmp);
        st = cli_error("%s: %s", out, strerror(errno));
        goto done;
    }
    printf("wrote %s\n", out);
done:
    free(v);
    store_close(s);
    return st;
}
