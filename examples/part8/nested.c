/* SPDX-License-Identifier: MIT */
/*
 * Part 8, "the problem with the stack": in Python, a function that wants
 * to wait in the scheduler must itself be a generator, and every caller
 * must `yield from` it (or a trampoline must run the chain). cogen's
 * generators have their own stacks, so a plain C function several calls
 * deep can wait: read_word() below calls fill(), which calls cogen_read,
 * which traps into the scheduler, and nobody between them knows. A
 * sub-generator run with cogen_yield_from can wait too: its traps go
 * through the delegating task to the scheduler.
 */
#include <cogen/task.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

typedef struct conn {
    int fd;
    char buf[64];
    size_t len;
} conn;

/* Two calls below the task's body: waits for more bytes. */
static int fill(cogen *self, conn *c)
{
    size_t got;
    int rc = cogen_read(self, c->fd, c->buf + c->len, sizeof c->buf - c->len, &got,
                        cogen_deadline_ms(5000));
    if (rc == 0)
        c->len += got;
    return rc;
}

/* One call below the body: the next space-separated word, into out. */
static int read_word(cogen *self, conn *c, char *out, size_t cap)
{
    for (;;) {
        char *sp = memchr(c->buf, ' ', c->len);
        if (sp) {
            size_t n = (size_t)(sp - c->buf);
            snprintf(out, cap, "%.*s", (int)n, c->buf);
            memmove(c->buf, sp + 1, c->len - n - 1);
            c->len -= n + 1;
            return 0;
        }
        int rc = fill(self, c);
        if (rc != 0)
            return rc;
    }
}

static void *reader(cogen *self, void *arg)
{
    conn *c = arg;
    char word[64];
    while (read_word(self, c, word, sizeof word) == 0)
        printf("word: %s\n", word);
    printf("reader: end of stream\n");
    return NULL;
}

/* A sub-generator that sends words slowly: it sleeps between them. */
static void *slow_sender(cogen *self, void *arg)
{
    int fd = *(int *)arg;
    static const char *const words[] = {"curious ", "course ", "on ", "coroutines "};
    for (int i = 0; i < 4; i++) {
        cogen_sleep(self, cogen_deadline_ms(1));
        cogen_write_all(self, fd, words[i], strlen(words[i]), NULL, cogen_deadline_ms(5000));
    }
    return (void *)"sent";
}

static void *writer(cogen *self, void *arg)
{
    cogen *sub = cogen_new(slow_sender, arg, NULL);
    void *result = NULL;
    if (sub && cogen_yield_from(self, sub, &result) == COGEN_RETURNED)
        printf("writer: sub-generator says %s\n", (const char *)result);
    cogen_free(sub);
    cogen_fd_close(cogen_sched_current(), *(int *)arg);
    return NULL;
}

int main(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return 1;
    cogen_sched *s = cogen_sched_new(NULL);
    if (!s)
        return 1;
    conn c = {sv[0], {0}, 0};
    cogen_spawn(s, reader, &c, NULL);
    cogen_spawn(s, writer, &sv[1], NULL);
    int rc = cogen_sched_run(s);
    cogen_fd_close(s, sv[0]);
    cogen_sched_free(s);
    return rc == 0 ? 0 : 1;
}
