/* SPDX-License-Identifier: MIT */
/* cmd_edit.c -- commands that change recordings: relabel, rm, restore, purge, trim, split.
 *
 * Each runs in one transaction and checks every id before changing anything: a bad id means
 * a message naming it, exit 1, and the database unchanged.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"

/* Parse ids argv[from..to); usage error on a bad one. */
static int parse_ids(const char *cmd, char **argv, int from, int to, long long **ids, int *n)
{
    *n = 0;
    *ids = calloc((size_t)(to - from + 1), sizeof **ids);
    if (!*ids)
        return cli_error("out of memory");
    for (int i = from; i < to; i++) {
        long long id;
        if (cli_parse_id(argv[i], &id)) {
            free(*ids);
            return cli_usage(cmd, "'%s' is not a recording id (a positive integer)", argv[i]);
        }
        int dup = 0;
        for (int k = 0; k < *n; k++)
            dup |= (*ids)[k] == id;
        if (!dup)
            (*ids)[(*n)++] = id;
    }
    return 0;
}

enum need { NEED_LIVE, NEED_TRASHED };

/* Check a recording exists, is finished, and is (or is not) in the trash. */
static int check_id(struct store *s, long long id, enum need need)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(s), "SELECT deleted_at IS NOT NULL, ended_at IS NULL FROM recordings WHERE id=?",
                           -1, &st, NULL) != SQLITE_OK)
        return cli_error("database: %s", sqlite3_errmsg(store_db(s)));
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), trashed = 0, open = 0;
    if (rc == SQLITE_ROW) {
        trashed = sqlite3_column_int(st, 0);
        open = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return cli_error("no recording %lld", id);
    if (need == NEED_LIVE && trashed)
        return cli_error("recording %lld is in the trash (imulab restore %lld first)", id, id);
    if (need == NEED_TRASHED && !trashed)
        return cli_error("recording %lld is not in the trash", id);
    if (open)
        return cli_error("recording %lld is still being recorded", id);
    return 0;
}

/* Run one statement with an id (and optionally a text) bound. */
static int exec_id(struct store *s, const char *sql, long long id, const char *text, double num)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_double(st, 2, num);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Shared body of relabel, rm and restore. */
static int change_ids(const struct cli *cli, const char *cmd, long long *ids, int n, enum need need, const char *sql,
                      const char *text, double num, const char *done_fmt)
{
    struct store *s = cli_open_store(cli, CLI_STORE_EDIT);
    if (!s) {
        free(ids);
        return CLI_FAIL;
    }
    int status = CLI_OK;
    if (store_begin(s)) {
        status = cli_error("%s: %s", cli->db_path, store_errmsg(s));
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (check_id(s, ids[i], need)) {
            status = CLI_FAIL;
            goto out;
        }
    for (int i = 0; i < n; i++)
        if (exec_id(s, sql, ids[i], text, num)) {
            status = cli_error("%s: recording %lld: %s", cmd, ids[i], sqlite3_errmsg(store_db(s)));
            goto out;
        }
    if (store_commit(s)) {
        status = cli_error("%s: commit: %s", cli->db_path, store_errmsg(s));
        goto out;
    }
    printf(done_fmt, n, n == 1 ? "" : "s", text ? text : "");
    putchar('\n');
out:
    store_rollback(s);
    store_close(s);
    free(ids);
    return status;
}

static int simple_help(const char *cmd, int argc, char **argv, const char *help)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "h", opts)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return CLI_OK;
        }
        return CLI_USAGE;
    }
    return -1;
}

int cmd_relabel(const struct cli *cli, int argc, char **argv)
{
    int r = simple_help("relabel", argc, argv,
                        "usage: imulab relabel ID... LABEL\n\nGives recordings ID... the label LABEL (1 to 64 "
                        "bytes of UTF-8, no control characters).\n");
    if (r >= 0)
        return r;
    if (argc - optind < 2)
        return cli_usage("relabel", "want at least one ID and a LABEL");
    const char *label = argv[argc - 1];
    char why[128];
    if (!store_label_valid(label, why, sizeof why))
        return cli_usage("relabel", "LABEL: %s", why);
    long long *ids;
    int n;
    if ((r = parse_ids("relabel", argv, optind, argc - 1, &ids, &n)))
        return r;
    return change_ids(cli, "relabel", ids, n, NEED_LIVE, "UPDATE recordings SET label=?2 WHERE id=?1", label, 0,
                      "relabelled %d recording%s as '%s'");
}

int cmd_rm(const struct cli *cli, int argc, char **argv)
{
    int r = simple_help("rm", argc, argv,
                        "usage: imulab rm ID...\n\nMoves recordings to the trash: they leave listings, stats, "
                        "exports and training;\n`imulab restore ID` brings them back, `imulab purge` deletes "
                        "them for good.\n");
    if (r >= 0)
        return r;
    if (optind >= argc)
        return cli_usage("rm", "no recording ID given");
    long long *ids;
    int n;
    if ((r = parse_ids("rm", argv, optind, argc, &ids, &n)))
        return r;
    return change_ids(cli, "rm", ids, n, NEED_LIVE, "UPDATE recordings SET deleted_at=?2 WHERE id=?1", NULL,
                      store_now(), "moved %d recording%s to the trash%s");
}

int cmd_restore(const struct cli *cli, int argc, char **argv)
{
    int r = simple_help("restore", argc, argv,
                        "usage: imulab restore ID...\n\nBrings recordings back from the trash "
                        "(`imulab list --deleted` lists it).\n");
    if (r >= 0)
        return r;
    if (optind >= argc)
        return cli_usage("restore", "no recording ID given");
    long long *ids;
    int n;
    if ((r = parse_ids("restore", argv, optind, argc, &ids, &n)))
        return r;
    return change_ids(cli, "restore", ids, n, NEED_TRASHED, "UPDATE recordings SET deleted_at=NULL WHERE id=?1 AND ?2",
                      NULL, 1, "restored %d recording%s%s");
}

int cmd_purge(const struct cli *cli, int argc, char **argv)
{
    int r = simple_help("purge", argc, argv,
                        "usage: imulab purge [ID...]\n\nDeletes the recordings in the trash for good (only ID... "
                        "if given; they must be in the trash).\n");
    if (r >= 0)
        return r;
    long long *ids = NULL;
    int n = 0;
    if (optind < argc && (r = parse_ids("purge", argv, optind, argc, &ids, &n)))
        return r;
    if (n)
        return change_ids(cli, "purge", ids, n, NEED_TRASHED,
                          "DELETE FROM recordings WHERE id=?1 AND deleted_at IS NOT NULL AND ?2", NULL, 1,
                          "purged %d recording%s%s");
    free(ids);
    struct store *s = cli_open_store(cli, CLI_STORE_EDIT);
    if (!s)
        return CLI_FAIL;
    int status = CLI_OK;
    if (store_begin(s) ||
        sqlite3_exec(store_db(s), "DELETE FROM recordings WHERE deleted_at IS NOT NULL", NULL, NULL, NULL) != SQLITE_OK) {
        status = cli_error("%s: purge: %s", cli->db_path, sqlite3_errmsg(store_db(s)));
    } else {
        int k = sqlite3_changes(store_db(s));
        if (store_commit(s))
            status = cli_error("%s: commit: %s", cli->db_path, store_errmsg(s));
        else
            printf("purged %d recording%s\n", k, k == 1 ? "" : "s");
    }
    store_rollback(s);
    store_close(s);
    return status;
}

/* ---- trim ---- */

static const char *trim_help =
    "usage: imulab trim ID [--start-ms A] [--end-ms B]\n"
    "\n"
    "Keeps the samples of recording ID from A ms (default 0) up to B ms (default: the end), counted\n"
    "from its start, and drops the rest; gaps, counts and the content hash follow.\n"
    "A and B are from 0 to 1e12.\n";

#define TRIM_MAX_MS 1e12 /* 31 years: past any recording, and sample indexes stay exact */

int cmd_trim(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"start-ms", required_argument, NULL, 's'},
                                         {"end-ms", required_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double a_ms = 0, b_ms = -1;
    int c, have = 0;
    cli_getopt_begin();
    while ((c = cli_getopt("trim", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 's':
            if (cli_parse_range("trim", "--start-ms", optarg, 0, TRIM_MAX_MS, &a_ms))
                return CLI_USAGE;
            have = 1;
            break;
        case 'e':
            if (cli_parse_range("trim", "--end-ms", optarg, 0.001, TRIM_MAX_MS, &b_ms))
                return CLI_USAGE;
            have = 1;
            break;
        case 'h': fputs(trim_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage("trim", "want exactly one recording ID");
    long long id;
    if (cli_parse_id(argv[optind], &id))
        return cli_usage("trim", "'%s' is not a recording id", argv[optind]);
    if (!have)
        return cli_usage("trim", "give --start-ms and/or --end-ms");
    if (b_ms >= 0 && b_ms <= a_ms)
        return cli_usage("trim", "--end-ms (%g) must be after --start-ms (%g)", b_ms, a_ms);
    struct store *s = cli_open_store(cli, CLI_STORE_EDIT);
    if (!s)
        return CLI_FAIL;
    sqlite3 *db = store_db(s);
    int status = CLI_OK;
    uint8_t *raw = NULL;
    struct store_recording r;
    if (store_begin(s)) {
        status = cli_error("%s: %s", cli->db_path, store_errmsg(s));
        goto out;
    }
    if (check_id(s, id, NEED_LIVE)) {
        status = CLI_FAIL;
        goto out;
    }
    if (store_recording_get(s, id, &r)) {
        status = cli_error("%s", store_errmsg(s));
        goto out;
    }
    size_t vsize = r.format == STORE_I16 ? 2 : 4, stride = vsize * (size_t)r.n_axes;
    /* the raw samples, exactly as stored */
    sqlite3_stmt *st;
    size_t nbytes = 0;
    if (sqlite3_prepare_v2(db, "SELECT data FROM chunks WHERE recording_id=? ORDER BY seq", -1, &st, NULL) !=
        SQLITE_OK) {
        status = cli_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t b = (size_t)sqlite3_column_bytes(st, 0);
        uint8_t *nr = realloc(raw, nbytes + b + 1);
        if (!nr) {
            sqlite3_finalize(st);
            status = cli_error("out of memory");
            goto out;
        }
        raw = nr;
        if (b)
            memcpy(raw + nbytes, sqlite3_column_blob(st, 0), b);
        nbytes += b;
    }
    sqlite3_finalize(st);
    int64_t n = (int64_t)(nbytes / stride);
    double dur_ms = (double)n * 1000.0 / r.sample_rate_hz;
    int64_t a = llround(a_ms * r.sample_rate_hz / 1000.0);
    int64_t b = b_ms < 0 ? n : llround(b_ms * r.sample_rate_hz / 1000.0);
    if (a >= n) {
        status = cli_error("recording %lld: --start-ms %g is at or past its end (%.1f ms)", id, a_ms, dur_ms);
        goto out;
    }
    if (b > n) {
        status = cli_error("recording %lld: --end-ms %g is past its end (%.1f ms)", id, b_ms, dur_ms);
        goto out;
    }
    if (b <= a) {
        status = cli_error("recording %lld: the range keeps no samples", id);
        goto out;
    }
    if (exec_id(s, "DELETE FROM chunks WHERE recording_id=?1 AND ?2", id, NULL, 1)) {
        status = cli_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (int64_t at = a, seq = 0; at < b; at += 4096, seq++) {
        uint32_t cn = (uint32_t)(b - at < 4096 ? b - at : 4096);
        if (store_chunk_append(s, id, seq, at - a, cn, r.n_axes, r.format, raw + (size_t)at * stride, 0)) {
            status = cli_error("%s", store_errmsg(s));
            goto out;
        }
    }
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM gaps WHERE recording_id=%lld AND (at_sample < %lld OR at_sample >= %lld);"
             "UPDATE gaps SET at_sample = at_sample - %lld WHERE recording_id=%lld;",
             id, (long long)a, (long long)b, (long long)a, id);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        status = cli_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    char note[200];
    snprintf(note, sizeof note, "trimmed to %.1f..%.1f ms", (double)a * 1000.0 / r.sample_rate_hz,
             (double)b * 1000.0 / r.sample_rate_hz);
    double start = r.started_at + (double)a / r.sample_rate_hz;
    if (exec_id(s, "UPDATE recordings SET notes=trim(coalesce(notes,'') || ' ' || ?2) WHERE id=?1", id, note, 0) ||
        exec_id(s, "UPDATE recordings SET started_at=?2 WHERE id=?1", id, NULL, start)) {
        status = cli_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (store_recording_finish(s, id, start + (double)(b - a) / r.sample_rate_hz) || store_commit(s)) {
        status = cli_error("%s", store_errmsg(s));
        goto out;
    }
    printf("recording %lld: kept %lld of %lld samples (%s)\n", id, (long long)(b - a), (long long)n, note);
out:
    free(raw);
    store_rollback(s);
    store_close(s);
    return status;
}

/* ---- split ---- */

struct rec {
    long long id;
    char label[STORE_LABEL_MAX + 1], subject[STORE_LABEL_MAX + 1], hash[17];
    int cat;      /* 0 training, 1 testing, 2 unassigned */
    int new_cat;  /* after the split */
    uint64_t key; /* order within its group */
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static int by_label_key(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    if (c)
        return c;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static const char *split_help =
    "usage: imulab split [--test-ratio R] [--reassign] [--by-subject] [--dry-run] [--json]\n"
    "\n"
    "Assigns unassigned recordings to training or testing so that about R (default 0.2) of each\n"
    "label's recordings are for testing. Stable: the recordings are taken in the order of a hash of\n"
    "their content, so the same data always splits the same way. Recordings already assigned stay\n"
    "where they are (and count towards R) unless --reassign.\n"
    "  --by-subject   keep each subject's recordings on one side (the test then measures unseen\n"
    "                 people); recordings without a subject are split per label as usual\n"
    "  --dry-run      show what would change, change nothing\n"
    "  --json         {\"changed\": N, \"labels\": {LABEL: {\"training\": N, \"testing\": N}}}\n";

int cmd_split(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"test-ratio", required_argument, NULL, 'r'},
                                         {"reassign", no_argument, NULL, 'a'},
                                         {"by-subject", no_argument, NULL, 's'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double ratio = 0.2;
    int reassign = 0, by_subject = 0, dry = 0, json = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("split", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'r':
            if (cli_parse_double(optarg, &ratio) || ratio < 0 || ratio > 1)
                return cli_usage("split", "--test-ratio must be a number from 0 to 1, not '%s'", optarg);
            break;
        case 'a': reassign = 1; break;
        case 's': by_subject = 1; break;
        case 'n': dry = 1; break;
        case 'j': json = 1; break;
        case 'h': fputs(split_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("split", "unexpected argument '%s'", argv[optind]);
    struct store *s = cli_open_store(cli, CLI_STORE_EDIT);
    if (!s)
        return CLI_FAIL;
    sqlite3 *db = store_db(s);
    struct rec *rs = NULL;
    size_t n = 0, cap = 0;
    int status = CLI_OK;
    sqlite3_stmt *st = NULL;
    if (store_begin(s)) {
        status = cli_error("%s: %s", cli->db_path, store_errmsg(s));
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT id, label, coalesce(subject,''), coalesce(content_hash,''), category FROM recordings"
                           " WHERE deleted_at IS NULL AND ended_at IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK) {
        status = cli_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            struct rec *nr = realloc(rs, cap * sizeof *rs);
            if (!nr) {
                status = cli_error("out of memory");
                goto out;
            }
            rs = nr;
        }
        struct rec *r = &rs[n++];
        r->id = sqlite3_column_int64(st, 0);
        snprintf(r->label, sizeof r->label, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(r->subject, sizeof r->subject, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(r->hash, sizeof r->hash, "%s", (const char *)sqlite3_column_text(st, 3));
        const char *cat = (const char *)sqlite3_column_text(st, 4);
        r->cat = !strcmp(cat, "training") ? 0 : !strcmp(cat, "testing") ? 1 : 2;
        if (reassign)
            r->cat = 2;
        r->new_cat = r->cat;
        r->key = fnv(r->hash);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (by_subject) {
        /* subjects in hash order; each goes to the side that brings the test share nearer R */
        if (n > 1) /* qsort wants a valid base even for 0 items: rs is NULL then */
            qsort(rs, n, sizeof *rs, by_label_key);
        long long total = 0, test = 0;
        for (size_t i = 0; i < n; i++)
            if (rs[i].subject[0]) {
                total++;
                test += rs[i].cat == 1;
            }
        for (;;) {
            /* the undecided subject with the smallest hash */
            const char *best = NULL;
            uint64_t bk = 0;
            for (size_t i = 0; i < n; i++) {
                if (!rs[i].subject[0] || rs[i].new_cat != 2)
                    continue;
                uint64_t k = fnv(rs[i].subject);
                if (!best || k < bk || (k == bk && strcmp(rs[i].subject, best) < 0)) {
                    best = rs[i].subject;
                    bk = k;
                }
            }
            if (!best)
                break;
            char subj[STORE_LABEL_MAX + 1];
            snprintf(subj, sizeof subj, "%s", best);
            long long cnt = 0, fixed[2] = {0, 0};
            for (size_t i = 0; i < n; i++)
                if (!strcmp(rs[i].subject, subj)) {
                    if (rs[i].cat == 2)
                        cnt++;
                    else
                        fixed[rs[i].cat]++;
                }
            int side;
            if (fixed[0] || fixed[1])
                side = fixed[1] > fixed[0]; /* join the side it already has */
            else {
                double target = ratio * (double)total;
                side = fabs((double)(test + cnt) - target) < fabs((double)test - target);
            }
            for (size_t i = 0; i < n; i++)
                if (!strcmp(rs[i].subject, subj) && rs[i].new_cat == 2)
                    rs[i].new_cat = side;
            if (side)
                test += cnt;
        }
    }
    /* per label, stratified: the first candidates in hash order go to testing */
    if (n > 1)
        qsort(rs, n, sizeof *rs, by_label_key);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        long long total = 0, test = 0, cand = 0;
        while (j < n && !strcmp(rs[j].label, rs[i].label)) {
            total++;
            test += rs[j].new_cat == 1;
            cand += rs[j].new_cat == 2;
            j++;
        }
        long long need = llround(ratio * (double)total) - test;
        if (need < 0)
            need = 0;
        if (need > cand)
            need = cand;
        for (size_t k = i; k < j; k++)
            if (rs[k].new_cat == 2)
                rs[k].new_cat = need-- > 0 ? 1 : 0;
        i = j;
    }
    /* apply */
    static const char *CAT[3] = {"training", "testing", "unassigned"};
    long long changed = 0;
    if (sqlite3_prepare_v2(db, "UPDATE recordings SET category=?2 WHERE id=?1 AND category<>?2", -1, &st, NULL) !=
        SQLITE_OK) {
        status = cli_error("database: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, rs[i].id);
        sqlite3_bind_text(st, 2, CAT[rs[i].new_cat], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            status = cli_error("database: %s", sqlite3_errmsg(db));
            goto out;
        }
        changed += sqlite3_changes(db);
    }
    if (!dry && store_commit(s)) {
        status = cli_error("%s: commit: %s", cli->db_path, store_errmsg(s));
        goto out;
    }
    if (json)
        printf("{\"changed\":%lld,\"dry_run\":%s,\"labels\":{", changed, dry ? "true" : "false");
    else
        printf("%s %lld recording%s\n%-20s %9s %9s\n", dry ? "would assign" : "assigned", changed,
               changed == 1 ? "" : "s", "LABEL", "TRAINING", "TESTING");
    for (size_t i = 0, first = 1; i < n;) {
        size_t j = i;
        long long cnt[2] = {0, 0};
        while (j < n && !strcmp(rs[j].label, rs[i].label)) {
            if (rs[j].new_cat < 2)
                cnt[rs[j].new_cat]++;
            j++;
        }
        if (json) {
            fputs(first ? "" : ",", stdout);
            cli_json_str(stdout, rs[i].label);
            printf(":{\"training\":%lld,\"testing\":%lld}", cnt[0], cnt[1]);
        } else {
            printf("%-20s %9lld %9lld\n", rs[i].label, cnt[0], cnt[1]);
        }
        first = 0;
        i = j;
    }
    if (json)
        puts("}}");
out:
    sqlite3_finalize(st);
    free(rs);
    store_rollback(s);
    store_close(s);
    return status;
}
