/* SPDX-License-Identifier: MIT */
/* test_textline.c -- unit tests of the data-forwarder text-line parser (daemon/textline.c):
 * line assembly (CR/LF, empty lines, over-long lines, a cut first line) and strict number parsing. */
#include "check.h"
#include "textline.h"

#include <math.h>
#include <string.h>

/* Feed a string; collect the reported lines joined with '|'. */
static void feed(struct textline *t, const char *s, char *out, size_t cap)
{
    out[0] = 0;
    for (; *s; s++) {
        const char *line;
        if (textline_push(t, (uint8_t)*s, &line)) {
            if (out[0])
                strncat(out, "|", cap - strlen(out) - 1);
            strncat(out, line, cap - strlen(out) - 1);
        }
    }
}

static void test_push(void)
{
    struct textline t;
    char got[2048];

    textline_init(&t, false);
    feed(&t, "1,2,3\r\n4,5,6\n\n\r\n7\r\r\n", got, sizeof got);
    CHECK_MSG(strcmp(got, "1,2,3|4,5,6|7") == 0, "got '%s'", got);
    CHECK(t.lines == 3 && t.too_long == 0);

    /* no terminator yet: nothing reported; the line completes later */
    feed(&t, "8,9", got, sizeof got);
    CHECK(got[0] == 0);
    feed(&t, ",10\n", got, sizeof got);
    CHECK(strcmp(got, "8,9,10") == 0);

    /* a cut first line is skipped and counted, even when empty */
    textline_init(&t, true);
    feed(&t, "5,0.3\r\n1,2,3\r\n", got, sizeof got);
    CHECK(strcmp(got, "1,2,3") == 0 && t.skipped_first == 1);
    textline_init(&t, true);
    feed(&t, "\n1\n", got, sizeof got);
    CHECK(strcmp(got, "1") == 0 && t.skipped_first == 1);

    /* TEXTLINE_MAX characters are accepted, one more drops the whole line */
    char longline[TEXTLINE_MAX + 8];
    memset(longline, '1', TEXTLINE_MAX);
    longline[TEXTLINE_MAX] = '\n';
    longline[TEXTLINE_MAX + 1] = 0;
    textline_init(&t, false);
    feed(&t, longline, got, sizeof got);
    CHECK(strlen(got) == TEXTLINE_MAX && t.too_long == 0);
    memset(longline, '2', TEXTLINE_MAX + 1);
    longline[TEXTLINE_MAX + 1] = '\n';
    longline[TEXTLINE_MAX + 2] = 0;
    feed(&t, longline, got, sizeof got);
    CHECK(got[0] == 0 && t.too_long == 1);
    feed(&t, "3,4\n", got, sizeof got);
    CHECK(strcmp(got, "3,4") == 0);
    /* a very long run without newline stays bounded */
    textline_init(&t, false);
    for (int i = 0; i < 100000; i++) {
        const char *line;
        CHECK(!textline_push(&t, 'x', &line));
        CHECK(t.len <= TEXTLINE_MAX);
    }
    feed(&t, "\n9\n", got, sizeof got);
    CHECK(strcmp(got, "9") == 0 && t.too_long == 1);
    /* NUL bytes inside a line: the line is cut at the NUL for the parser, never overruns */
    textline_init(&t, false);
    const char *line = NULL;
    bool done = false;
    const uint8_t withnul[] = {'1', 0, '2', '\n'};
    for (size_t i = 0; i < sizeof withnul; i++)
        done = textline_push(&t, withnul[i], &line) || done;
    CHECK(done && line && strlen(line) <= 3);
}

static int parse(const char *s, float *v, int max, const char **why, int *where)
{
    *why = NULL;
    *where = -1;
    return textline_parse(s, v, max, why, where);
}

static void test_parse_ok(void)
{
    float v[TEXTLINE_MAX_VALUES];
    const char *why;
    int where;
    CHECK(parse("1,2,3", v, 16, &why, &where) == 3 && v[0] == 1 && v[1] == 2 && v[2] == 3);
    CHECK(parse("-0.5\t+2.25\t1e3", v, 16, &why, &where) == 3 && v[0] == -0.5f && v[1] == 2.25f && v[2] == 1000);
    CHECK(parse(" 1 , 2 , 3 ", v, 16, &why, &where) == 3 && v[1] == 2);
    CHECK(parse("0.1", v, 16, &why, &where) == 1 && v[0] == 0.1f);
    CHECK(parse(".5,5.,-.25", v, 16, &why, &where) == 3 && v[0] == 0.5f && v[1] == 5 && v[2] == -0.25f);
    CHECK(parse("9.81E+0,-1.5e-3", v, 16, &why, &where) == 2 && v[0] == 9.81f && v[1] == -1.5e-3f);
    CHECK(parse("3.4e38", v, 16, &why, &where) == 1 && isfinite(v[0]));
    CHECK(parse("-0", v, 16, &why, &where) == 1 && v[0] == 0);
    CHECK(parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", v, 16, &why, &where) == 16 && v[15] == 16);
    /* a typical Arduino line */
    CHECK(parse("0.0123,-0.9876,9.8100", v, 3, &why, &where) == 3 && v[2] == 9.81f);
    /* what Edge Impulse's forwarder accepts: separators ',', TAB and blanks in any mix, empty
     * pieces dropped (a trailing TAB from a Zephyr sketch, a trailing comma, spaces only) */
    CHECK(parse("1\t2\t3\t", v, 16, &why, &where) == 3 && v[2] == 3);
    CHECK(parse("1,2,3,", v, 16, &why, &where) == 3 && v[2] == 3);
    CHECK(parse("1 2 3", v, 16, &why, &where) == 3 && v[1] == 2 && v[2] == 3);
    CHECK(parse("  -1.5   2e1  3 ", v, 16, &why, &where) == 3 && v[0] == -1.5f && v[1] == 20);
    CHECK(parse("1,,3", v, 16, &why, &where) == 2 && v[1] == 3);
    CHECK(parse(",1", v, 16, &why, &where) == 1 && v[0] == 1);
    CHECK(parse("1, 2,\t3 ,\r", v, 16, &why, &where) == 3 && v[2] == 3);
}

static void test_parse_bad(void)
{
    float v[TEXTLINE_MAX_VALUES];
    const char *why;
    int where;
    static const struct { const char *line; int max; int where; } bad[] = {
        {"", 16, 0},            /* nothing */
        {",,\t ,", 16, 5},      /* separators only */
        {"abc", 16, 0},         /* letters */
        {"1,abc,3", 16, 2},
        {"1;2", 16, 1},
        {"1\t2\tx\t", 16, 4},
        {"nan", 16, 0},
        {"inf,1", 16, 0},
        {"-inf", 16, 0},
        {"0x10", 16, 1},        /* no hex */
        {"1e", 16, 0},          /* exponent without digits */
        {"1e+", 16, 0},
        {".", 16, 0},
        {"-", 16, 0},
        {"+-1", 16, 0},
        {"1.2.3", 16, 3},
        {"1e999", 16, 0},       /* overflows float */
        {"3.5e38", 16, 0},
        {"-1e39", 16, 0},
        {"1,2,3,4", 3, 6},      /* too many values */
        {"Accel: 1,2,3", 16, 0},
        {"1,2,3 #comment", 16, 6},
        {"1,2,3x", 16, 5},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890", 16, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = parse(bad[i].line, v, bad[i].max, &why, &where);
        CHECK_MSG(n == -1 && why != NULL, "'%s' gave %d", bad[i].line, n);
        CHECK_MSG(where == bad[i].where, "'%s': where %d, expected %d (%s)", bad[i].line, where, bad[i].where,
                  why ? why : "-");
    }
    /* the reason names the problem */
    parse("1,x", v, 16, &why, &where);
    CHECK(why && strcmp(why, "not a number") == 0);
    parse("1,2,3,4", v, 3, &why, &where);
    CHECK(why && strcmp(why, "too many values") == 0);
    parse("1e999", v, 16, &why, &where);
    CHECK(why && strcmp(why, "value out of range") == 0);
    parse("1;2", v, 16, &why, &where);
    CHECK(why && strcmp(why, "expected ',', TAB or a space") == 0);
    parse(" , ", v, 16, &why, &where);
    CHECK(why && strcmp(why, "no values") == 0);
}

int main(void)
{
    test_push();
    test_parse_ok();
    test_parse_bad();
    return check_report("test_textline");
}
