/* SPDX-License-Identifier: MIT */
/* cmd_list.c -- imulab list, stats and windows: read-only views of the dataset. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"

static const char *CATS[3] = {"training", "testing", "unassigned"};

static int cat_index(const char *c)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(c, CATS[i]))
            return i;
    return 2;
}

/* Split a char(31)-joined list into a JSON array. */
static void json_list(FILE *f, const char *joined)
{
    fputc('[', f);
    if (joined && *joined) {
        const char *p = joined;
        int first = 1;
        for (;;) {
            const char *e = strchr(p, 31);
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)n, p);
            if (!first)
                fputc(',', f);
            cli_json_str(f, buf);
            first = 0;
            if (!e)
                break;
            p = e + 1;
        }
    }
    fputc(']', f);
}

static const char *list_help =
    "usage: imulab list [--label L] [--category training|testing|unassigned] [--deleted] [--json]\n"
    "\n"
    "Lists the recordings, oldest first: id, label, category, samples, seconds, rate, axes, subject.\n"
    "  --label L      only recordings labelled L\n"
    "  --category C   only recordings of category C\n"
    "  --deleted      list the trash instead (recordings removed with `imulab rm`)\n"
    "  --json         a JSON array of objects {id, label, category, subject, samples, seconds,\n"
    "                 sample_rate_hz, axes, units, format, gaps, missing_samples, started_at,\n"
    "                 open, device, source, content_hash, name, deleted_at}\n";

int cmd_list(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"label", required_argument, NULL, 'l'},
                                         {"category", required_argument, NULL, 'c'},
                                         {"deleted", no_argument, NULL, 'd'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *label = NULL, *category = NULL;
    int json = 0, deleted = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("list", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'l': label = optarg; break;
        case 'c': category = optarg; break;
        case 'd': deleted = 1; break;
        case 'j': json = 1; break;
        case 'h': fputs(list_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("list", "unexpected argument '%s'", argv[optind]);
    if (category && !store_category_valid(category))
        return cli_usage("list", "--category must be training, testing or unassigned, not '%s'", category);
    int missing;
    struct store *s = cli_open_store_ro(cli, &missing);
    if (!s) {
        if (!missing)
            return CLI_FAIL;
        if (json)
            puts("[]");
        else
            printf("no recordings (no database at %s yet)\n", cli->db_path);
        return CLI_OK;
    }
    sqlite3_stmt *st;
    char sql[1400];
    snprintf(sql, sizeof sql,
        "SELECT r.id, r.label, r.category, coalesce(r.subject,''), r.sample_count, r.sample_rate_hz, r.format,"
        " r.gap_count, r.missing_samples, r.started_at, r.ended_at IS NULL, coalesce(r.content_hash,''),"
        " coalesce(r.source,''), coalesce(r.deleted_at,0),"
        " (SELECT group_concat(name, char(31)) FROM (SELECT name FROM axes WHERE recording_id=r.id ORDER BY idx)),"
        " (SELECT group_concat(unit, char(31)) FROM (SELECT unit FROM axes WHERE recording_id=r.id ORDER BY idx)),"
        " coalesce(d.board,''), %s"
        " FROM recordings r LEFT JOIN devices d ON d.id=r.device_id"
        " WHERE (?1 IS NULL OR r.label=?1) AND (?2 IS NULL OR r.category=?2)"
        " AND (r.deleted_at IS NULL) = (?3 = 0) ORDER BY r.id",
        store_schema_version(s) >= 2 ? "coalesce(r.name,'')" : "''");
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
        cli_error("%s: listing recordings: %s", cli->db_path, sqlite3_errmsg(store_db(s)));
        store_close(s);
        return CLI_FAIL;
    }
    if (label)
        sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    if (category)
        sqlite3_bind_text(st, 2, category, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, deleted);
    int rc, n = 0;
    if (json)
        fputc('[', stdout);
    else
        printf("%6s  %-16s %-10s %9s %9s %8s  %-20s %s\n", "ID", "LABEL", "CATEGORY", "SAMPLES", "SECONDS",
               "RATE_HZ", "AXES", "SUBJECT");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        const char *lab = (const char *)sqlite3_column_text(st, 1);
        const char *cat = (const char *)sqlite3_column_text(st, 2);
        const char *subj = (const char *)sqlite3_column_text(st, 3);
        long long samples = sqlite3_column_int64(st, 4);
        double rate = sqlite3_column_double(st, 5);
        const char *axes = (const char *)sqlite3_column_text(st, 14);
        double secs = rate > 0 ? (double)samples / rate : 0;
        int open = sqlite3_column_int(st, 10);
        if (json) {
            printf("%s\n{\"id\":%lld,\"label\":", n ? "," : "", id);
            cli_json_str(stdout, lab);
            printf(",\"category\":\"%s\",\"subject\":", cat);
            if (*subj)
                cli_json_str(stdout, subj);
            else
                fputs("null", stdout);
            printf(",\"samples\":%lld,\"seconds\":", samples);
            cli_json_num(stdout, secs);
            fputs(",\"sample_rate_hz\":", stdout);
            cli_json_num(stdout, rate);
            fputs(",\"axes\":", stdout);
            json_list(stdout, axes);
            fputs(",\"units\":", stdout);
            json_list(stdout, (const char *)sqlite3_column_text(st, 15));
            printf(",\"format\":\"%s\",\"gaps\":%lld,\"missing_samples\":%lld,\"started_at\":",
                   (const char *)sqlite3_column_text(st, 6), (long long)sqlite3_column_int64(st, 7),
                   (long long)sqlite3_column_int64(st, 8));
            cli_json_num(stdout, sqlite3_column_double(st, 9));
            printf(",\"open\":%s,\"device\":", open ? "true" : "false");
            const char *dev = (const char *)sqlite3_column_text(st, 16);
            if (*dev)
                cli_json_str(stdout, dev);
            else
                fputs("null", stdout);
            fputs(",\"source\":", stdout);
            cli_json_str(stdout, (const char *)sqlite3_column_text(st, 12));
            fputs(",\"content_hash\":", stdout);
            cli_json_str(stdout, (const char *)sqlite3_column_text(st, 11));
            fputs(",\"name\":", stdout);
            const char *nm = (const char *)sqlite3_column_text(st, 17);
            if (nm && *nm)
                cli_json_str(stdout, nm);
            else
                fputs("null", stdout);
            fputs(",\"deleted_at\":", stdout);
            double del = sqlite3_column_double(st, 13);
            if (del > 0)
                cli_json_num(stdout, del);
            else
                fputs("null", stdout);
            fputc('}', stdout);
        } else {
            char axbuf[256];
            snprintf(axbuf, sizeof axbuf, "%s", axes ? axes : "");
            for (char *p = axbuf; *p; p++)
                if (*p == 31)
                    *p = ',';
            printf("%6lld  %-16s %-10s %9lld %9.2f %8.6g  %-20s %s%s\n", id, lab, cat, samples, secs, rate, axbuf,
                   subj, open ? " (still recording)" : "");
        }
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        cli_error("%s: listing recordings: %s", cli->db_path, sqlite3_errmsg(store_db(s)));
        store_close(s);
        return CLI_FAIL;
    }
    if (json)
        puts(n ? "\n]" : "]");
    else
        printf("%d recording%s%s\n", n, n == 1 ? "" : "s", deleted ? " in the trash" : "");
    store_close(s);
    return CLI_OK;
}

/* ---- stats ---- */

struct label_stats {
    char label[STORE_LABEL_MAX + 1];
    long long rec[3], samples[3];
    double secs[3];
};

static long long sum3(const long long v[3]) { return v[0] + v[1] + v[2]; }
static double sum3d(const double v[3]) { return v[0] + v[1] + v[2]; }

static const char *stats_help =
    "usage: imulab stats [--json]\n"
    "\n"
    "Recordings, samples and seconds per label (split by category), per category and per device,\n"
    "and warnings: classes unbalanced (largest over smallest above 2, in seconds), labels without\n"
    "testing data, open recordings. The trash is not counted.\n"
    "  --json   {\"recordings\", \"samples\", \"seconds\", \"labels\": {LABEL: {\"recordings\", \"samples\",\n"
    "           \"seconds\", \"training\", \"testing\", \"unassigned\"}}, \"categories\": {...},\n"
    "           \"devices\": [...], \"trash\", \"warnings\": [...]}\n";

int cmd_stats(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int json = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("stats", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': fputs(stats_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("stats", "unexpected argument '%s'", argv[optind]);
    int missing;
    struct store *s = cli_open_store_ro(cli, &missing);
    if (!s && !missing)
        return CLI_FAIL;
    struct label_stats *ls = NULL;
    size_t nl = 0, cap = 0;
    long long trash = 0, open_recs = 0;
    struct dev {
        char name[300];
        long long rec, samples;
        double secs;
    } *devs = NULL;
    size_t nd = 0;
    int status = CLI_OK;
    if (s) {
        sqlite3 *db = store_db(s);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db,
                               "SELECT label, category, count(*), sum(sample_count), sum(sample_count/sample_rate_hz),"
                               " sum(ended_at IS NULL) FROM recordings WHERE deleted_at IS NULL"
                               " GROUP BY label, category ORDER BY label",
                               -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *lab = (const char *)sqlite3_column_text(st, 0);
            if (!nl || strcmp(ls[nl - 1].label, lab)) {
                if (nl == cap) {
                    cap = cap ? 2 * cap : 16;
                    ls = realloc(ls, cap * sizeof *ls);
                    if (!ls) {
                        sqlite3_finalize(st);
                        store_close(s);
                        return cli_error("out of memory");
                    }
                }
                memset(&ls[nl], 0, sizeof ls[nl]);
                snprintf(ls[nl].label, sizeof ls[nl].label, "%s", lab);
                nl++;
            }
            int ci = cat_index((const char *)sqlite3_column_text(st, 1));
            ls[nl - 1].rec[ci] += sqlite3_column_int64(st, 2);
            ls[nl - 1].samples[ci] += sqlite3_column_int64(st, 3);
            ls[nl - 1].secs[ci] += sqlite3_column_double(st, 4);
            open_recs += sqlite3_column_int64(st, 5);
        }
        if (sqlite3_finalize(st) != SQLITE_OK)
            goto dberr;
        if (sqlite3_prepare_v2(db,
                               "SELECT coalesce(trim(d.board || ' ' || d.port), '(none)'), count(*), sum(r.sample_count),"
                               " sum(r.sample_count/r.sample_rate_hz) FROM recordings r LEFT JOIN devices d"
                               " ON d.id=r.device_id WHERE r.deleted_at IS NULL GROUP BY r.device_id ORDER BY 1",
                               -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        while (sqlite3_step(st) == SQLITE_ROW) {
            struct dev *nd2 = realloc(devs, (nd + 1) * sizeof *devs);
            if (!nd2)
                break;
            devs = nd2;
            snprintf(devs[nd].name, sizeof devs[nd].name, "%s", (const char *)sqlite3_column_text(st, 0));
            devs[nd].rec = sqlite3_column_int64(st, 1);
            devs[nd].samples = sqlite3_column_int64(st, 2);
            devs[nd].secs = sqlite3_column_double(st, 3);
            nd++;
        }
        if (sqlite3_finalize(st) != SQLITE_OK)
            goto dberr;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM recordings WHERE deleted_at IS NOT NULL", -1, &st, NULL) !=
            SQLITE_OK)
            goto dberr;
        if (sqlite3_step(st) == SQLITE_ROW)
            trash = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    long long tot_rec = 0, tot_samples = 0, cat_rec[3] = {0}, cat_samples[3] = {0};
    double tot_secs = 0, cat_secs[3] = {0};
    for (size_t i = 0; i < nl; i++)
        for (int k = 0; k < 3; k++) {
            tot_rec += ls[i].rec[k];
            tot_samples += ls[i].samples[k];
            tot_secs += ls[i].secs[k];
            cat_rec[k] += ls[i].rec[k];
            cat_samples[k] += ls[i].samples[k];
            cat_secs[k] += ls[i].secs[k];
        }
    /* warnings */
    char warn[64][200];
    int nw = 0;
    if (nl >= 2) {
        size_t lo = 0, hi = 0;
        for (size_t i = 1; i < nl; i++) {
            if (sum3d(ls[i].secs) < sum3d(ls[lo].secs))
                lo = i;
            if (sum3d(ls[i].secs) > sum3d(ls[hi].secs))
                hi = i;
        }
        double a = sum3d(ls[hi].secs), b = sum3d(ls[lo].secs);
        if (b <= 0 ? a > 0 : a / b > 2)
            snprintf(warn[nw++], sizeof warn[0],
                     "classes are unbalanced: '%s' has %.1f s, '%s' %.1f s (ratio %.1f, above 2)", ls[hi].label, a,
                     ls[lo].label, b, b > 0 ? a / b : INFINITY);
    }
    for (size_t i = 0; i < nl && nw < 60; i++)
        if (ls[i].rec[1] == 0)
            snprintf(warn[nw++], sizeof warn[0], "label '%s' has no testing data (run imulab split)", ls[i].label);
    if (open_recs)
        snprintf(warn[nw++], sizeof warn[0], "%lld recording%s still open (being recorded)", open_recs,
                 open_recs == 1 ? " is" : "s are");

    if (json) {
        printf("{\"recordings\":%lld,\"samples\":%lld,\"seconds\":", tot_rec, tot_samples);
        cli_json_num(stdout, tot_secs);
        fputs(",\"labels\":{", stdout);
        for (size_t i = 0; i < nl; i++) {
            fputs(i ? "," : "", stdout);
            cli_json_str(stdout, ls[i].label);
            printf(":{\"recordings\":%lld,\"samples\":%lld,\"seconds\":", sum3(ls[i].rec), sum3(ls[i].samples));
            cli_json_num(stdout, sum3d(ls[i].secs));
            for (int k = 0; k < 3; k++) {
                printf(",\"%s\":{\"recordings\":%lld,\"samples\":%lld,\"seconds\":", CATS[k], ls[i].rec[k],
                       ls[i].samples[k]);
                cli_json_num(stdout, ls[i].secs[k]);
                fputc('}', stdout);
            }
            fputc('}', stdout);
        }
        fputs("},\"categories\":{", stdout);
        for (int k = 0; k < 3; k++) {
            printf("%s\"%s\":{\"recordings\":%lld,\"samples\":%lld,\"seconds\":", k ? "," : "", CATS[k], cat_rec[k],
                   cat_samples[k]);
            cli_json_num(stdout, cat_secs[k]);
            fputc('}', stdout);
        }
        fputs("},\"devices\":[", stdout);
        for (size_t i = 0; i < nd; i++) {
            fputs(i ? ",{\"device\":" : "{\"device\":", stdout);
            cli_json_str(stdout, devs[i].name);
            printf(",\"recordings\":%lld,\"samples\":%lld,\"seconds\":", devs[i].rec, devs[i].samples);
            cli_json_num(stdout, devs[i].secs);
            fputc('}', stdout);
        }
        printf("],\"trash\":%lld,\"warnings\":[", trash);
        for (int i = 0; i < nw; i++) {
            fputs(i ? "," : "", stdout);
            cli_json_str(stdout, warn[i]);
        }
        puts("]}");
    } else {
        printf("%lld recordings, %lld samples, %.1f s", tot_rec, tot_samples, tot_secs);
        if (trash)
            printf(" (%lld in the trash)", trash);
        printf("\n\n%-20s %6s %10s %9s   %-22s\n", "LABEL", "RECS", "SAMPLES", "SECONDS", "TRAIN/TEST/UNASSIGNED");
        for (size_t i = 0; i < nl; i++)
            printf("%-20s %6lld %10lld %9.1f   %lld/%lld/%lld\n", ls[i].label, sum3(ls[i].rec), sum3(ls[i].samples),
                   sum3d(ls[i].secs), ls[i].rec[0], ls[i].rec[1], ls[i].rec[2]);
        printf("\n%-20s %6s %10s %9s\n", "CATEGORY", "RECS", "SAMPLES", "SECONDS");
        for (int k = 0; k < 3; k++)
            printf("%-20s %6lld %10lld %9.1f\n", CATS[k], cat_rec[k], cat_samples[k], cat_secs[k]);
        if (nd) {
            printf("\n%-30s %6s %10s %9s\n", "DEVICE", "RECS", "SAMPLES", "SECONDS");
            for (size_t i = 0; i < nd; i++)
                printf("%-30s %6lld %10lld %9.1f\n", devs[i].name, devs[i].rec, devs[i].samples, devs[i].secs);
        }
        if (nw)
            putchar('\n');
        for (int i = 0; i < nw; i++)
            printf("warning: %s\n", warn[i]);
    }
    goto done;
dberr:
    status = cli_error("%s: statistics: %s", cli->db_path, sqlite3_errmsg(store_db(s)));
done:
    free(ls);
    free(devs);
    store_close(s);
    return status;
}

/* ---- windows ---- */

static const char *windows_help =
    "usage: imulab windows --window-ms N [--stride-ms N] [--label L] [--json]\n"
    "\n"
    "How many windows of N ms, taken every --stride-ms (default: N, no overlap), each label and\n"
    "category gives. A recording shorter than a window counts as one (zero-padded, as Edge Impulse\n"
    "does); otherwise 1 + floor((samples - window) / stride), window and stride in samples at the\n"
    "recording's rate. N and --stride-ms are from 1 to 600000.\n"
    "  --json   {\"window_ms\", \"stride_ms\", \"windows\", \"labels\": {LABEL: {\"training\", \"testing\",\n"
    "           \"unassigned\", \"total\"}}}\n";

int64_t windows_in_recording(int64_t samples, double rate_hz, double window_ms, double stride_ms);

int64_t windows_in_recording(int64_t samples, double rate_hz, double window_ms, double stride_ms)
{
    int64_t w = llround(window_ms * rate_hz / 1000.0), s = llround(stride_ms * rate_hz / 1000.0);
    if (w < 1)
        w = 1;
    if (s < 1)
        s = 1;
    if (samples <= 0)
        return 0;
    if (samples <= w)
        return 1;
    return 1 + (samples - w) / s;
}

int cmd_windows(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"window-ms", required_argument, NULL, 'w'},
                                         {"stride-ms", required_argument, NULL, 's'},
                                         {"label", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double window = 0, stride = 0;
    const char *label = NULL;
    int json = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("windows", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'w':
            if (cli_parse_range("windows", "--window-ms", optarg, 1, 600000, &window))
                return CLI_USAGE;
            break;
        case 's':
            if (cli_parse_range("windows", "--stride-ms", optarg, 1, 600000, &stride))
                return CLI_USAGE;
            break;
        case 'l': label = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(windows_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("windows", "unexpected argument '%s'", argv[optind]);
    if (window <= 0)
        return cli_usage("windows", "--window-ms is required");
    if (stride <= 0)
        stride = window;
    int missing;
    struct store *s = cli_open_store_ro(cli, &missing);
    if (!s && !missing)
        return CLI_FAIL;
    struct {
        char label[STORE_LABEL_MAX + 1];
        int64_t w[3];
    } *ls = NULL;
    size_t nl = 0;
    int64_t total = 0;
    if (s) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(store_db(s),
                               "SELECT label, category, sample_count, sample_rate_hz FROM recordings"
                               " WHERE deleted_at IS NULL AND (?1 IS NULL OR label=?1) ORDER BY label",
                               -1, &st, NULL) != SQLITE_OK) {
            cli_error("%s: %s", cli->db_path, sqlite3_errmsg(store_db(s)));
            store_close(s);
            return CLI_FAIL;
        }
        if (label)
            sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *lab = (const char *)sqlite3_column_text(st, 0);
            if (!nl || strcmp(ls[nl - 1].label, lab)) {
                void *n2 = realloc(ls, (nl + 1) * sizeof *ls);
                if (!n2)
                    break;
                ls = n2;
                memset(&ls[nl], 0, sizeof ls[nl]);
                snprintf(ls[nl].label, sizeof ls[nl].label, "%s", lab);
                nl++;
            }
            int64_t n = windows_in_recording(sqlite3_column_int64(st, 2), sqlite3_column_double(st, 3), window,
                                             stride);
            ls[nl - 1].w[cat_index((const char *)sqlite3_column_text(st, 1))] += n;
            total += n;
        }
        sqlite3_finalize(st);
        store_close(s);
    }
    if (json) {
        fputs("{\"window_ms\":", stdout);
        cli_json_num(stdout, window);
        fputs(",\"stride_ms\":", stdout);
        cli_json_num(stdout, stride);
        printf(",\"windows\":%lld,\"labels\":{", (long long)total);
        for (size_t i = 0; i < nl; i++) {
            fputs(i ? "," : "", stdout);
            cli_json_str(stdout, ls[i].label);
            printf(":{\"training\":%lld,\"testing\":%lld,\"unassigned\":%lld,\"total\":%lld}", (long long)ls[i].w[0],
                   (long long)ls[i].w[1], (long long)ls[i].w[2], (long long)(ls[i].w[0] + ls[i].w[1] + ls[i].w[2]));
        }
        puts("}}");
    } else {
        printf("window %g ms, stride %g ms\n%-20s %9s %9s %11s %9s\n", window, stride, "LABEL", "TRAINING", "TESTING",
               "UNASSIGNED", "TOTAL");
        int64_t t[3] = {0};
        for (size_t i = 0; i < nl; i++) {
            printf("%-20s %9lld %9lld %11lld %9lld\n", ls[i].label, (long long)ls[i].w[0], (long long)ls[i].w[1],
                   (long long)ls[i].w[2], (long long)(ls[i].w[0] + ls[i].w[1] + ls[i].w[2]));
            for (int k = 0; k < 3; k++)
                t[k] += ls[i].w[k];
        }
        printf("%-20s %9lld %9lld %11lld %9lld\n", "all", (long long)t[0], (long long)t[1], (long long)t[2],
               (long long)total);
    }
    free(ls);
    return CLI_OK;
}
