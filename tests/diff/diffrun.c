/* SPDX-License-Identifier: MIT */
/*
 * diffrun: the cogen half of the differential test against CPython.
 *
 * Reads scenarios (see tests/diff/run.py for the format) from the file named
 * on the command line, runs each on cogen and prints its trace between
 * "=== begin SEED" and "=== end SEED" lines. run.py prints the trace of the
 * same scenario run by real Python generators; the two must be identical.
 *
 * Each generator's body is an interpreter of the scenario's body language.
 * The interpreter reproduces what the Python statements do inside one
 * frame (try/except/finally, return, raise, bare raise) with an explicit
 * "outcome" (normal, raising, returning); everything that crosses the
 * generator boundary goes through cogen: yields, yield_from, the errors
 * thrown in, EXIT, cleanups (cogen_defer), and how the body ends
 * (returning, cogen_raise or cogen_reraise).
 *
 * A `return` or `raise` outside any try ends the body right there with
 * cogen_return / cogen_raise, from inside the interpreter's nested calls.
 * Generators marked P are made with COGEN_PRIMED.
 *
 * Options:
 *   --perturb           falsify one kind of trace line (values received by a
 *                       body are off by one): the comparison must then fail;
 *   --allow-detached    put back a case excluded by default;
 *   --no-reraise-callsite  pass on errors of resumes made by a body with
 *                       cogen_raise (for cogen before the fix of finding 2).
 *   (tests/diff/FINDINGS.md; run.py passes these on.)
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#endif
#include <cogen.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_GENS = 8, MAX_STMTS = 4096, MAX_HANDLERS = 1024, MAX_STEPS = 256, MAX_CODES = 8 };
enum { MAX_LINE = 65536, MSG_LEN = 64 };

enum kind { K_Y, K_R, K_X, K_RR, K_ST, K_T, K_D, K_YF, K_OP, K_TRY };
enum opkind { OP_NEXT, OP_SEND, OP_THROW, OP_CLOSE, OP_DEL };
enum match { M_CODES, M_EXC, M_BASE };

typedef struct block {
    int first, count; /* statements stmts[first .. first+count) */
} block;

typedef struct stmt {
    int kind;
    int gen; /* the generator whose body this is */
    long a;  /* y/r: value; x: code; t/d: id; yf: target; op: opkind */
    long b;  /* x: message id; op: target */
    long c;  /* op: argument */
    long d;  /* op: id */
    block body;
    int hfirst, hcount; /* try: handlers[hfirst .. +hcount) */
    int has_fin;
    block fin;
    int top; /* directly in the body, outside any try: nothing to unwind */
} stmt;

typedef struct handler {
    int match;
    int ncodes;
    int codes[MAX_CODES];
    block body;
} handler;

typedef struct step {
    int op, target;
    long arg;
} step;

typedef struct slot {
    int primed; /* made with COGEN_PRIMED */
    cogen *g;   /* NULL once freed */
    block body;
    int deleg; /* index of the generator yield-from-ing this one, or -1 */
} slot;

/* One scenario at a time; statements are appended as blocks are parsed,
 * children before their parent's list is complete, so a block's own
 * statements are collected in a scratch list first and copied in. */
static struct {
    long seed;
    int ngens;
    slot gens[MAX_GENS];
    stmt stmts[MAX_STMTS];
    int nstmts;
    handler handlers[MAX_HANDLERS];
    int nhandlers;
    step steps[MAX_STEPS];
    int nsteps;
} S;

static int perturb;
/* See run.py, ALLOW_DETACHED: the number of direct resumes in progress of a
 * generator that a yield_from is using, and whether to skip touching its
 * delegators meanwhile (the default). */
static int detached, allow_detached;
/* See run.py, RERAISE_CALLSITE (finding 2). */
static int reraise_callsite = 1;

static int is_delegating(int j)
{
    for (int i = 0; i < S.ngens; i++)
        if (S.gens[i].deleg == j)
            return 1;
    return 0;
}

static void T(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void T(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void die(const char *what)
{
    fprintf(stderr, "diffrun: seed %ld: %s\n", S.seed, what);
    exit(2);
}

/* ------------------------------------------------------------------ parsing */

typedef struct toks {
    char *v[MAX_LINE / 2];
    int n, p;
} toks;

static void tokenize(char *line, toks *t)
{
    char *save = NULL;
    t->n = t->p = 0;
    for (char *s = strtok_r(line, " \t\r\n", &save); s; s = strtok_r(NULL, " \t\r\n", &save))
        t->v[t->n++] = s;
}

static const char *next_tok(toks *t)
{
    if (t->p >= t->n)
        die("unexpected end of line");
    return t->v[t->p++];
}

static long next_num(toks *t)
{
    return strtol(next_tok(t), NULL, 10);
}

static int opkind(const char *s)
{
    static const char *names[] = {"next", "send", "throw", "close", "del"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    die("bad op kind");
    return -1;
}

static block parse_block(toks *t, int gen, int depth);

static void parse_stmt(toks *t, int gen, int depth, const char *k, stmt *s)
{
    memset(s, 0, sizeof *s);
    s->gen = gen;
    s->top = depth == 0;
    if (strcmp(k, "y") == 0 || strcmp(k, "r") == 0 || strcmp(k, "t") == 0 || strcmp(k, "d") == 0 ||
        strcmp(k, "yf") == 0) {
        s->kind = k[0] == 'y'   ? (k[1] == 'f' ? K_YF : K_Y)
                  : k[0] == 'r' ? K_R
                  : k[0] == 't' ? K_T
                                : K_D;
        s->a = next_num(t);
    } else if (strcmp(k, "x") == 0) {
        s->kind = K_X;
        s->a = next_num(t);
        s->b = next_num(t);
    } else if (strcmp(k, "rr") == 0) {
        s->kind = K_RR;
    } else if (strcmp(k, "st") == 0) {
        s->kind = K_ST;
    } else if (strcmp(k, "op") == 0) {
        s->kind = K_OP;
        s->a = opkind(next_tok(t));
        s->b = next_num(t);
        s->c = next_num(t);
        s->d = next_num(t);
    } else if (strcmp(k, "try") == 0) {
        handler hs[16];
        int nh = 0;
        s->kind = K_TRY;
        s->body = parse_block(t, gen, depth + 1);
        while (strcmp(t->v[t->p], "ex") == 0) {
            const char *m;
            handler *h = &hs[nh];
            if (nh == 16)
                die("too many handlers");
            t->p++;
            m = next_tok(t);
            memset(h, 0, sizeof *h);
            if (strcmp(m, "exc") == 0) {
                h->match = M_EXC;
            } else if (strcmp(m, "base") == 0) {
                h->match = M_BASE;
            } else {
                char *end;
                h->match = M_CODES;
                for (const char *c = m; *c && h->ncodes < MAX_CODES; c = *end ? end + 1 : end) {
                    h->codes[h->ncodes++] = (int)strtol(c, &end, 10);
                }
            }
            h->body = parse_block(t, gen, depth + 1);
            nh++;
        }
        if (strcmp(t->v[t->p], "fin") == 0) {
            t->p++;
            s->has_fin = 1;
            s->fin = parse_block(t, gen, depth + 1);
        }
        if (strcmp(next_tok(t), "end") != 0)
            die("try without end");
        if (S.nhandlers + nh > MAX_HANDLERS)
            die("too many handlers");
        s->hfirst = S.nhandlers;
        s->hcount = nh;
        memcpy(&S.handlers[S.nhandlers], hs, (size_t)nh * sizeof hs[0]);
        S.nhandlers += nh;
    } else {
        die("bad statement");
    }
}

static block parse_block(toks *t, int gen, int depth)
{
    stmt local[64];
    int n = 0;
    block b;
    if (strcmp(next_tok(t), "{") != 0)
        die("expected {");
    for (const char *k = next_tok(t); strcmp(k, "}") != 0; k = next_tok(t)) {
        if (n == 64)
            die("block too long");
        parse_stmt(t, gen, depth, k, &local[n++]);
    }
    if (S.nstmts + n > MAX_STMTS)
        die("too many statements");
    b.first = S.nstmts;
    b.count = n;
    memcpy(&S.stmts[S.nstmts], local, (size_t)n * sizeof local[0]);
    S.nstmts += n;
    return b;
}

/* ------------------------------------------------------------- the bodies */

enum { O_OK, O_EXC, O_RET };

typedef struct exc {
    int code;
    int from_call; /* returned by a resume the body made (do_op) */
    char msg[MSG_LEN];
} exc;

typedef struct outcome {
    int kind;
    long val; /* O_RET */
    exc e;    /* O_EXC */
} outcome;

static void set_exc(exc *e, int code, const char *msg)
{
    e->code = code;
    e->from_call = 0;
    snprintf(e->msg, sizeof e->msg, "%s", msg);
}

static const char *show_msg(const exc *e)
{
    return e->code > 0 ? e->msg : "-";
}

static outcome raising(const cogen_err *err)
{
    outcome o = {O_EXC, 0, {0, 0, ""}};
    set_exc(&o.e, err->code, err->msg);
    return o;
}

static const char *state_name(cogen *g)
{
    if (!g)
        return "-";
    switch (cogen_getstate(g)) {
    case COGEN_CREATED: return "C";
    case COGEN_RUNNING: return "R";
    case COGEN_SUSPENDED: return "S";
    case COGEN_CLOSED: return "X";
    default: return "?";
    }
}

static int last_hook_code;

static void hook(const cogen *g, const char *context, const cogen_err *err)
{
    exc e;
    (void)g;
    (void)context;
    last_hook_code = err->code;
    set_exc(&e, err->code, err->msg);
    T("unraisable %d %s", e.code, show_msg(&e));
}

static void cleanup(void *arg)
{
    const stmt *s = arg;
    T("G%d cleanup %ld", s->gen, s->a);
}

static int do_op1(const char *head, int kind, int j, long arg, const char *msg, exc *err);

/* One resume of G_j, by the driver or from a body. Traces what happened;
 * returns 1 with *err set if it failed (in a body, that error is raised). */
static int do_op(const char *prefix, int kind, int j, long arg, const char *msg, exc *err)
{
    static const char *names[] = {"next", "send", "throw", "close", "del"};
    slot *sl = &S.gens[j];
    int rc;
    char head[96];
    snprintf(head, sizeof head, "%s %s G%d %ld", prefix, names[kind], j, arg);
    if (!sl->g) {
        T("%s: freed", head);
        return 0;
    }
    if (detached && !allow_detached && is_delegating(j)) {
        T("%s: skip detached", head);
        return 0;
    }
    if (kind == OP_THROW && is_delegating(j) && cogen_getstate(sl->g) == COGEN_RUNNING) {
        /* CPython 3.11 crashes on this one (see run.py) */
        T("%s: skip running delegator", head);
        return 0;
    }
    if (kind != OP_DEL && sl->deleg >= 0) {
        detached++;
        rc = do_op1(head, kind, j, arg, msg, err);
        detached--;
        return rc;
    }
    return do_op1(head, kind, j, arg, msg, err);
}

static int do_op1(const char *head, int kind, int j, long arg, const char *msg, exc *err)
{
    slot *sl = &S.gens[j];
    void *out = NULL;
    int rc;
    switch (kind) {
    case OP_DEL:
        if (cogen_getstate(sl->g) == COGEN_RUNNING) {
            T("%s: skip running", head);
            return 0;
        }
        if (sl->deleg >= 0) {
            T("%s: skip delegated", head);
            return 0;
        }
        T("%s: del", head);
        {
            cogen *g = sl->g;
            sl->g = NULL;
            last_hook_code = 0;
            cogen_free(g);
            /* A body abandoned inside yield_from (it ignored EXIT) left its
             * mark behind: a freed generator delegates to nobody. */
            for (int k = 0; k < S.ngens; k++)
                if (S.gens[k].deleg == j)
                    S.gens[k].deleg = -1;
        }
        return 0;
    case OP_CLOSE:
        if (cogen_close(sl->g) == 0) {
            T("%s: ok", head);
            return 0;
        }
        rc = COGEN_ERROR;
        break;
    case OP_THROW: rc = cogen_throw(sl->g, (int)arg, msg, &out); break;
    default: rc = cogen_send(sl->g, (void *)(intptr_t)arg, &out); break;
    }
    if (rc == COGEN_YIELDED) {
        T("%s: yielded %ld", head, (long)(intptr_t)out);
        return 0;
    }
    if (rc == COGEN_RETURNED) {
        T("%s: returned %ld", head, (long)(intptr_t)out);
        return 0;
    }
    set_exc(err, cogen_last_error(sl->g)->code, cogen_last_error(sl->g)->msg);
    err->from_call = 1;
    T("%s: error %d %s", head, err->code, show_msg(err));
    return 1;
}

static int matches(const handler *h, int code)
{
    switch (h->match) {
    case M_BASE: return 1;
    case M_EXC: return code != COGEN_EEXIT;
    default:
        for (int i = 0; i < h->ncodes; i++)
            if (h->codes[i] == code)
                return 1;
        return 0;
    }
}

static outcome exec_block(cogen *self, block b, const exc *handled);
static void states(const char *prefix);

static outcome exec_stmt(cogen *self, const stmt *s, const exc *handled)
{
    outcome o = {O_OK, 0, {0, 0, ""}};
    int i = s->gen;
    void *v = NULL;
    int rc;
    switch (s->kind) {
    case K_Y:
        rc = cogen_yield(self, (void *)(intptr_t)s->a, &v);
        if (rc == COGEN_SENT) {
            T("G%d recv %ld", i, (long)(intptr_t)v + perturb);
            return o;
        }
        if (rc == COGEN_THROWN || rc == COGEN_EXIT)
            return raising(cogen_last_error(self));
        die("cogen_yield failed");
        break;
    case K_R:
        if (s->top) /* no finally to run: end the body from here */
            cogen_return(self, (void *)(intptr_t)s->a);
        o.kind = O_RET;
        o.val = s->a;
        return o;
    case K_X: {
        char m[32];
        snprintf(m, sizeof m, "m%ld", s->b);
        if (s->top) /* no handler or finally around it: raise from here */
            cogen_raise(self, (int)s->a, "%s", m);
        o.kind = O_EXC;
        set_exc(&o.e, (int)s->a, m);
        return o;
    }
    case K_RR:
        if (!handled)
            die("rr outside a handler");
        o.kind = O_EXC;
        o.e = *handled;
        return o;
    case K_ST:
        if (detached && !allow_detached) {
            T("G%d sees: detached", i);
        } else {
            char prefix[16];
            snprintf(prefix, sizeof prefix, "G%d sees", i);
            states(prefix);
        }
        return o;
    case K_T: T("G%d mark %ld", i, s->a); return o;
    case K_D:
        if (cogen_defer(self, cleanup, (void *)s) != 0)
            die("cogen_defer failed");
        return o;
    case K_YF: {
        int j = (int)s->a;
        slot *sub = &S.gens[j];
        if (!sub->g) {
            T("G%d yf G%d: freed", i, j);
            return o;
        }
        if (sub->deleg >= 0) {
            T("G%d yf G%d: shared", i, j);
            return o;
        }
        if (detached && !allow_detached && is_delegating(j)) {
            T("G%d yf G%d: detached", i, j);
            return o;
        }
        sub->deleg = i;
        rc = cogen_yield_from(self, sub->g, &v);
        sub->deleg = -1;
        if (rc == COGEN_RETURNED) {
            T("G%d yf G%d -> %ld", i, j, (long)(intptr_t)v);
            return o;
        }
        if (rc == COGEN_ERROR || rc == COGEN_EXIT)
            return raising(cogen_last_error(self));
        die("cogen_yield_from: unexpected result");
        break;
    }
    case K_OP: {
        char prefix[16], msg[32];
        snprintf(prefix, sizeof prefix, "G%d op", i);
        snprintf(msg, sizeof msg, "o%ld", s->d);
        if (do_op(prefix, (int)s->a, (int)s->b, s->c, msg, &o.e))
            o.kind = O_EXC;
        return o;
    }
    case K_TRY:
        o = exec_block(self, s->body, handled);
        if (o.kind == O_EXC) {
            for (int h = s->hfirst; h < s->hfirst + s->hcount; h++) {
                const handler *hd = &S.handlers[h];
                if (matches(hd, o.e.code)) {
                    exc caught = o.e;
                    T("G%d caught %d %s", i, caught.code, show_msg(&caught));
                    o = exec_block(self, hd->body, &caught);
                    break;
                }
            }
        }
        if (s->has_fin) {
            /* A finally that raises or returns replaces the outcome. */
            outcome f = exec_block(self, s->fin, handled);
            if (f.kind != O_OK)
                o = f;
        }
        return o;
    default: die("bad statement kind");
    }
    return o;
}

static outcome exec_block(cogen *self, block b, const exc *handled)
{
    outcome o = {O_OK, 0, {0, 0, ""}};
    for (int k = b.first; k < b.first + b.count; k++) {
        o = exec_stmt(self, &S.stmts[k], handled);
        if (o.kind != O_OK)
            break;
    }
    return o;
}

static void *body(cogen *self, void *arg)
{
    int i = (int)(intptr_t)arg;
    outcome o = exec_block(self, S.gens[i].body, NULL);
    if (o.kind == O_RET)
        return (void *)(intptr_t)o.val;
    if (o.kind == O_EXC) {
        /* The error the body got (thrown in, EXIT, or from a sub) is passed
         * on as is; anything else is a new raise. */
        const cogen_err *e = cogen_last_error(self);
        if (e->code == o.e.code && strcmp(e->msg, o.e.msg) == 0 &&
            (!o.e.from_call || reraise_callsite))
            cogen_reraise(self);
        cogen_raise(self, o.e.code, "%s", o.e.msg);
    }
    return NULL;
}

/* ------------------------------------------------------------- the driver */

static void states(const char *prefix)
{
    char line[64];
    snprintf(line, sizeof line, "%s", prefix);
    for (int i = 0; i < S.ngens; i++) {
        strcat(line, " ");
        strcat(line, state_name(S.gens[i].g));
    }
    T("%s", line);
}

static void run_scenario(void)
{
    static const char *names[] = {"G0", "G1", "G2", "G3", "G4", "G5", "G6", "G7"};
    exc err;
    int left;
    printf("=== begin %ld\n", S.seed);
    for (int i = 0; i < S.ngens; i++)
        S.gens[i].deleg = -1;
    for (int i = 0; i < S.ngens; i++) {
        cogen_opts o = {0, names[i], S.gens[i].primed ? COGEN_PRIMED : 0};
        cogen *g = cogen_new(body, (void *)(intptr_t)i, &o);
        if (!g && !(S.gens[i].primed && errno == ECANCELED))
            die("cogen_new failed");
        if (S.gens[i].primed)
            T("prime G%d: %s", i, g ? "ok" : "ended");
        S.gens[i].g = g;
    }
    for (int k = 0; k < S.nsteps; k++) {
        char msg[16];
        snprintf(msg, sizeof msg, "d%d", k);
        do_op("step", S.steps[k].op, S.steps[k].target, S.steps[k].arg, msg, &err);
        states("states");
    }
    do {
        left = 0;
        for (int j = 0; j < S.ngens; j++) {
            if (S.gens[j].g && S.gens[j].deleg < 0)
                do_op("end", OP_DEL, j, 0, "", &err);
            left += S.gens[j].g != NULL;
        }
    } while (left);
    printf("=== end %ld\n", S.seed);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static char line[MAX_LINE];
    static toks t;
    const char *path = NULL;
    FILE *f;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--perturb") == 0)
            perturb = 1;
        else if (strcmp(argv[i], "--allow-detached") == 0)
            allow_detached = 1;
        else if (strcmp(argv[i], "--no-reraise-callsite") == 0)
            reraise_callsite = 0;
        else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr,
                "usage: diffrun [--perturb] [--allow-detached] [--no-reraise-callsite] FILE\n");
        return 2;
    }
    f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 2;
    }
    cogen_set_unraisable_hook(hook);
    while (fgets(line, sizeof line, f)) {
        tokenize(line, &t);
        if (t.n == 0)
            continue;
        switch (t.v[0][0]) {
        case 'S':
            memset(&S, 0, sizeof S);
            S.seed = strtol(t.v[1], NULL, 10);
            break;
        case 'G': {
            int i = (int)strtol(t.v[1], NULL, 10);
            if (i != S.ngens || i >= MAX_GENS)
                die("bad generator index");
            t.p = 2;
            if (t.n > 2 && strcmp(t.v[2], "P") == 0) {
                S.gens[i].primed = 1;
                t.p = 3;
            }
            S.gens[i].body = parse_block(&t, i, 0);
            S.ngens++;
            break;
        }
        case 'D':
            if (S.nsteps == MAX_STEPS || t.n < 4)
                die("bad driver step");
            S.steps[S.nsteps].op = opkind(t.v[1]);
            S.steps[S.nsteps].target = (int)strtol(t.v[2], NULL, 10);
            S.steps[S.nsteps].arg = strtol(t.v[3], NULL, 10);
            S.nsteps++;
            break;
        case 'E': run_scenario(); break;
        default: die("bad line");
        }
    }
    fclose(f);
    return 0;
}
