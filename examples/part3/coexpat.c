/* SPDX-License-Identifier: MIT */
/* The bus example with expat's callbacks written by hand: each callback
 * resumes the assembling coroutine with cogen_send, straight from C, and
 * text arrives in the pieces expat cuts it into (the assembler joins
 * them). This is what cogen_xml_feed_fd does for you in `buses`.
 *
 *   coexpat FILE ROUTE DIRECTION       (same output as buses) */
#include <cogen.h>
#include <cogen/xml.h>

#include "bus.h"

#include <expat.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct job {
    const char *route, *direction;
    bus bus;
} job;

/* events -> bus records -> route and direction filter -> print, in one
 * coroutine. */
static void *buses(cogen *self, void *arg)
{
    job *j = arg;
    bus *b = &j->bus; /* in arg, not on this stack: freed by main whatever ends the body */
    const cogen_xml_event *ev;
    while (bus_event_sent(self, &ev)) {
        if (ev->kind != COGEN_XML_START || strcmp(ev->name, "bus") != 0)
            continue;
        int r = read_bus(b, bus_event_sent, self);
        if (r < 0)
            cogen_raise(self, COGEN_ENOMEM, "out of memory");
        if (r == 0)
            break;
        if (!strcmp(bus_get(b, ROUTE), j->route) && !strcmp(bus_get(b, DIRECTION), j->direction))
            bus_print(b, stdout);
    }
    return NULL;
}

typedef struct state {
    XML_Parser xp;
    cogen *target;
    bool failed;
} state;

static void send_event(state *s, cogen_xml_event ev)
{
    if (!s->failed && cogen_send(s->target, &ev, NULL) != COGEN_YIELDED) {
        s->failed = true;
        XML_StopParser(s->xp, XML_FALSE);
    }
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    send_event(ud, (cogen_xml_event){COGEN_XML_START, name, attrs, NULL, 0});
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    send_event(ud, (cogen_xml_event){COGEN_XML_END, name, NULL, NULL, 0});
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    char piece[4096]; /* expat pieces are short; longer ones go in parts */
    size_t n = (size_t)len;
    for (size_t at = 0; at < n;) {
        size_t k = n - at < sizeof piece - 1 ? n - at : sizeof piece - 1;
        memcpy(piece, s + at, k);
        piece[k] = '\0';
        send_event(ud, (cogen_xml_event){COGEN_XML_TEXT, NULL, NULL, piece, k});
        at += k;
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: coexpat FILE ROUTE DIRECTION\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    job j;
    memset(&j, 0, sizeof j);
    j.route = argv[2];
    j.direction = argv[3];
    cogen_opts o = {0, "buses", COGEN_PRIMED};
    state s = {XML_ParserCreate(NULL), cogen_new(buses, &j, &o), false};
    if (!s.xp || !s.target) {
        perror("coexpat");
        return 1;
    }
    XML_SetUserData(s.xp, &s);
    XML_SetElementHandler(s.xp, on_start, on_end);
    XML_SetCharacterDataHandler(s.xp, on_text);
    int status = 0;
    for (;;) {
        void *buf = XML_GetBuffer(s.xp, 65536);
        ssize_t n = buf ? read(fd, buf, 65536) : -1;
        if (n < 0) {
            perror("coexpat");
            status = 1;
            break;
        }
        if (XML_ParseBuffer(s.xp, (int)n, n == 0) != XML_STATUS_OK) {
            fflush(stdout);
            if (s.failed)
                fprintf(stderr, "coexpat: %s\n", cogen_last_error(s.target)->msg);
            else
                fprintf(stderr, "coexpat: %s: line %lu, column %lu: %s\n", argv[1],
                        (unsigned long)XML_GetCurrentLineNumber(s.xp),
                        (unsigned long)XML_GetCurrentColumnNumber(s.xp) + 1,
                        XML_ErrorString(XML_GetErrorCode(s.xp)));
            status = 1;
            break;
        }
        if (n == 0)
            break;
    }
    close(fd);
    XML_ParserFree(s.xp);
    cogen_free(s.target);
    bus_free(&j.bus);
    return status;
}
