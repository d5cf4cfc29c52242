/* SPDX-License-Identifier: MIT */
/* RESP and CSV on the incremental parser: the split property, errors with
 * offsets, limits, random input, failure injection. */
#include <cogen.h>
#include <cogen/csv.h>
#include <cogen/resp.h>

#include "harness.h"
#include "walk.h"
#include "shared.h"
#include "split.h"

#include <stdint.h>
#include <unistd.h>

/* ------------------------------------------------------------------ RESP */

static cogen_resp_limits resp_limits;

static int show_value(const cogen_resp_value *v, char *out, size_t cap)
{
    switch (v->type) {
    case COGEN_RESP_INTEGER: return snprintf(out, cap, ":%lld", v->integer);
    case COGEN_RESP_NIL: return snprintf(out, cap, "nil");
    case COGEN_RESP_ARRAY: {
        int n = snprintf(out, cap, "[");
        for (size_t i = 0; i < v->n && (size_t)n < cap; i++) {
            n += show_value(&v->elems[i], out + n, cap - (size_t)n);
            if ((size_t)n < cap && i + 1 < v->n)
                n += snprintf(out + n, cap - (size_t)n, ",");
        }
        if ((size_t)n < cap)
            n += snprintf(out + n, cap - (size_t)n, "]");
        return n;
    }
    default:
        CHECK(v->str[v->len] == '\0');
        return snprintf(out, cap, "%c%.*s", v->type, (int)v->len, v->str);
    }
}

/* Feeds the chunks, collecting every reply until the input ends. */
static void resp_run(const char *in, size_t len, const size_t *cuts, size_t ncuts, char *out,
                     size_t cap)
{
    cogen_resp_parser *rp = cogen_resp_parser_new(&resp_limits);
    CHECK(rp);
    out[0] = '\0';
    size_t pos = 0;
    int n = 0, r = COGEN_PARSE_MORE;
    for (size_t k = 0; k <= ncuts && r != COGEN_ERROR; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        char *c = chunk_copy(in + pos, end - pos);
        size_t at = 0;
        while (r != COGEN_ERROR) {
            size_t used = 0;
            r = cogen_resp_feed(rp, c + at, end - pos - at, &used);
            at += used;
            if (r == COGEN_PARSE_DONE) {
                n += show_value(cogen_resp_reply(rp), out + n, cap - (size_t)n);
                n += snprintf(out + n, cap - (size_t)n, " ");
            }
            if (r == COGEN_PARSE_MORE || at == end - pos)
                break;
        }
        free(c);
        pos = end;
    }
    if (r != COGEN_ERROR) {
        r = cogen_resp_finish(rp);
        CHECK(r == COGEN_ERROR || !cogen_resp_reply(rp));
    }
    if (r == COGEN_ERROR)
        snprintf(out + n, cap - (size_t)n, "ERR %d @%llu %s", cogen_resp_error(rp)->code,
                 cogen_resp_error_offset(rp), cogen_resp_error(rp)->msg);
    cogen_resp_parser_free(rp);
}

static void resp_expect(const char *in, size_t len, const char *want)
{
    char out[2048];
    resp_run(in, len, NULL, 0, out, sizeof out);
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "want %s\ngot  %s\n", want, out);
        CHECK(0);
    }
    split_check(resp_run, in, len, 120);
}

#define S(lit) lit, sizeof lit - 1

TEST(resp_replies_parse_the_same_however_split)
{
    resp_expect(S("+OK\r\n-ERR wrong type\r\n:42\r\n:-7\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n"),
                "+OK -ERR wrong type :42 :-7 $he\r\no $ nil ");
    resp_expect(S("*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n*1\r\n+deep\r\n*-1\r\n*0\r\n"),
                "[$foo,[:1,[+deep]],nil] [] ");
    resp_expect(S("$3\r\na\0b\r\n"), "$a "); /* shown up to the NUL; len is 3 */
    resp_expect(S(""), "");
}

TEST(resp_errors_and_limits)
{
    resp_expect(S("?x\r\n"), "ERR -300 @0 unknown type byte 0x3f");
    resp_expect(S("+OK\r\n:12a\r\n"), "+OK ERR -300 @3 malformed number");
    resp_expect(S(":\r\n"), "ERR -300 @1 malformed number");
    resp_expect(S("+OK\rX"), "ERR -300 @4 CR not followed by LF");
    resp_expect(S("$3\r\nabcd\r\n"), "ERR -300 @7 bulk string longer than announced");
    resp_expect(S("$-2\r\n"), "ERR -300 @1 negative bulk length");
    resp_expect(S("*-2\r\n"), "ERR -300 @1 negative array length");
    resp_expect(S("$-1\r\n*-1\r\n"), "nil nil ");
    resp_expect(S(":99999999999999999999\r\n"), "ERR -300 @1 number too large");
    resp_expect(S("*2\r\n:1\r\n"), "ERR -303 @8 input ended inside a reply");
    resp_expect(S("$10\r\nabc"), "ERR -303 @8 input ended inside a reply");
    resp_limits = (cogen_resp_limits){4, 4, 2, 2};
    resp_expect(S("$4\r\nabcd\r\n$5\r\nabcde\r\n"), "$abcd ERR -301 @1 bulk string too long");
    resp_expect(S("+abcd\r\n+abcde\r\n"), "+abcd ERR -301 @5 line too long");
    resp_expect(S("*2\r\n:1\r\n:2\r\n*3\r\n"), "[:1,:2] ERR -301 @1 array too long");
    resp_expect(S("*1\r\n*1\r\n:1\r\n*1\r\n*1\r\n*1\r\n"),
                "[[:1]] ERR -301 @8 arrays nested too deep");
    resp_limits = (cogen_resp_limits){0, 0, 0, 0};
}

/* A 100,000-element reply fed in 1,000-byte chunks: the parser keeps its
 * place, so the work is linear (a restarting parser would redo the prefix
 * on every chunk). */
TEST(resp_large_reply_in_small_chunks)
{
    size_t cap = 2000000, len = 0;
    char *in = malloc(cap);
    CHECK(in);
    len += (size_t)snprintf(in, cap, "*100000\r\n");
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(in + len, cap - len, "$6\r\nv%05d\r\n", i);
    cogen_resp_parser *rp = cogen_resp_parser_new(NULL);
    CHECK(rp);
    int r = COGEN_PARSE_MORE;
    size_t at = 0;
    while (r == COGEN_PARSE_MORE) {
        size_t k = len - at < 1000 ? len - at : 1000, used = 0;
        r = cogen_resp_feed(rp, in + at, k, &used);
        at += used;
    }
    CHECK_EQ_INT(r, COGEN_PARSE_DONE);
    CHECK_EQ_INT(at, len);
    const cogen_resp_value *v = cogen_resp_reply(rp);
    CHECK(v->n == 100000 && strcmp(v->elems[99999].str, "v99999") == 0);
    cogen_resp_parser_free(rp);
    free(in);
}

/* ------------------------------------------------------------------- CSV */

static cogen_csv_opts csv_opts;

static void csv_run(const char *in, size_t len, const size_t *cuts, size_t ncuts, char *out,
                    size_t cap)
{
    cogen_csv_parser *cp = cogen_csv_parser_new(&csv_opts);
    CHECK(cp);
    out[0] = '\0';
    size_t pos = 0;
    int n = 0, r = COGEN_PARSE_MORE;
    for (size_t k = 0; k <= ncuts + 1 && r != COGEN_ERROR; k++) {
        if (k == ncuts + 1) {
            r = cogen_csv_finish(cp);
        } else {
            size_t end = k < ncuts ? cuts[k] : len, at = 0;
            char *c = chunk_copy(in + pos, end - pos);
            do {
                size_t used = 0;
                r = cogen_csv_feed(cp, c + at, end - pos - at, &used);
                at += used;
                if (r != COGEN_PARSE_DONE)
                    break;
                const cogen_csv_record *rec = cogen_csv_record_of(cp);
                for (size_t i = 0; i < rec->n; i++)
                    n += snprintf(out + n, cap - (size_t)n, "%s<%.*s>", i ? "," : "",
                                  (int)rec->fields[i].len, rec->fields[i].ptr);
                n += snprintf(out + n, cap - (size_t)n, ";");
            } while (at < end - pos);
            free(c);
            pos = end;
            continue;
        }
        const cogen_csv_record *rec = r == COGEN_PARSE_DONE ? cogen_csv_record_of(cp) : NULL;
        for (size_t i = 0; rec && i < rec->n; i++)
            n += snprintf(out + n, cap - (size_t)n, "%s<%.*s>", i ? "," : "",
                          (int)rec->fields[i].len, rec->fields[i].ptr);
        if (rec)
            n += snprintf(out + n, cap - (size_t)n, ";");
    }
    if (r == COGEN_ERROR)
        snprintf(out + n, cap - (size_t)n, "ERR %d @%llu %s", cogen_csv_error(cp)->code,
                 cogen_csv_error_offset(cp), cogen_csv_error(cp)->msg);
    cogen_csv_parser_free(cp);
}

static void csv_expect(const char *in, const char *want)
{
    char out[2048];
    csv_run(in, strlen(in), NULL, 0, out, sizeof out);
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "want %s\ngot  %s\n", want, out);
        CHECK(0);
    }
    split_check(csv_run, in, strlen(in), 120);
}

TEST(csv_records_parse_the_same_however_split)
{
    csv_expect("a,b,c\r\n1,2,3\n", "<a>,<b>,<c>;<1>,<2>,<3>;");
    csv_expect("\"quoted, with comma\",\"line\r\nbreak\",\"say \"\"hi\"\"\"\r\nlast,rec",
               "<quoted, with comma>,<line\r\nbreak>,<say \"hi\">;<last>,<rec>;");
    csv_expect("\r\n,\n,,x,\r\n\"\"\n", "<>;<>,<>;<>,<>,<x>,<>;<>;");
    csv_expect("", "");
    csv_expect("tail,", "<tail>,<>;");
}

TEST(csv_errors_and_limits)
{
    csv_expect("a,b\r\nab\"c\r\n", "<a>,<b>;ERR -300 @2 quote inside an unquoted field");
    csv_expect("\"ab\"c,d\n", "ERR -300 @4 character after a closing quote");
    csv_expect("a\rb\n", "ERR -300 @2 CR not followed by LF");
    csv_expect("x\n\"never closed\nmore", "<x>;ERR -303 @18 input ended inside a quoted field");
    csv_opts = (cogen_csv_opts){';', 6, 3};
    csv_expect("a;b,c;dd\n1;2;3;4\n", "<a>,<b,c>,<dd>;ERR -301 @7 too many fields");
    csv_expect("abcdef\nab;cdefg\n", "<abcdef>;ERR -301 @7 record too large");
    csv_opts = (cogen_csv_opts){0, 0, 0};
    CHECK(cogen_csv_parser_new(&(cogen_csv_opts){'"', 0, 0}) == NULL && errno == EINVAL);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random bytes from each format's alphabet, whole and split at random:
 * same outcome, no crash, no read past a chunk (ASan). */
TEST(formats_random_input_splits_agree)
{
    static const char resp_alpha[] = "+-:$*\r\n0123456789-1ab";
    static const char csv_alpha[] = "\",\r\nab ";
    char in[256], whole[2048], got[2048];
    for (int round = 0; round < 4000; round++) {
        bool resp = round % 2 == 0;
        const char *alpha = resp ? resp_alpha : csv_alpha;
        size_t na = resp ? sizeof resp_alpha - 1 : sizeof csv_alpha - 1;
        size_t len = next_random() % sizeof in;
        for (size_t i = 0; i < len; i++)
            in[i] = next_random() % 8 ? alpha[next_random() % na] : (char)next_random();
        split_run_fn run = resp ? resp_run : csv_run;
        run(in, len, NULL, 0, whole, sizeof whole);
        size_t cuts[6], n = 0, at = 0;
        while (n < 6 && len > at + 1) {
            at += 1 + next_random() % (len - at - 1);
            if (at >= len)
                break;
            cuts[n++] = at;
        }
        run(in, len, cuts, n, got, sizeof got);
        if (strcmp(whole, got) != 0) {
            fprintf(stderr, "round %d:\n  whole: %s\n  split: %s\n", round, whole, got);
            CHECK(0);
        }
    }
}

/* Every failure point: arena blocks, CSV buffers, parser objects, the
 * read buffer and the reads of pull mode. */
static outcome formats_everything(void)
{
    bool complete = true;
    errno = 0;
    cogen_resp_parser *rp = cogen_resp_parser_new(NULL);
    if (!rp) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    static const char reply[] = "*2\r\n*1\r\n$3\r\nabc\r\n:5\r\n";
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], reply, sizeof reply - 1) > 0);
    close(fds[1]);
    if (cogen_resp_read(rp, fds[0]) != COGEN_PARSE_DONE) {
        int code = cogen_resp_error(rp)->code;
        CHECK(code == COGEN_ENOMEM || code == COGEN_EIO);
        complete = false;
    } else {
        CHECK_EQ_INT(cogen_resp_reply(rp)->n, 2);
    }
    close(fds[0]);
    cogen_resp_parser_free(rp);
    cogen_csv_parser *cp = cogen_csv_parser_new(NULL);
    if (!cp) {
        CHECK_EQ_INT(errno, ENOMEM);
        return FAILED_CLEANLY;
    }
    static const char rec[] = "a,\"b\"\"\",c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s\n";
    if (cogen_csv_feed(cp, rec, sizeof rec - 1, NULL) != COGEN_PARSE_DONE) {
        CHECK_EQ_INT(cogen_csv_error(cp)->code, COGEN_ENOMEM);
        complete = false;
    } else {
        CHECK_EQ_INT(cogen_csv_record_of(cp)->n, 19);
    }
    cogen_csv_parser_free(cp);
    return complete ? RESULT_RIGHT : FAILED_CLEANLY;
}

TEST(formats_walk_every_failure_point)
{
    long k = walk(formats_everything);
    /* resp: parser, parser object, read buffer, read, arena block; csv:
     * parser, parser object, buffer, field array and its growth. */
    CHECK(k >= 9);
}
