/* SPDX-License-Identifier: MIT */
/* The bus job as a plain C expat callback state machine, the baseline the
 * coroutine versions are compared with: the state that the coroutines
 * keep in their loops is kept here in a struct between callbacks.
 *
 *   bus_sm FILE ROUTE DIRECTION     (same output as examples/part3/buses) */
#include <expat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { ROUTE, ID, DIRECTION, LATITUDE, LONGITUDE, NFIELDS };
static const char *const names[NFIELDS] = {"route", "id", "direction", "latitude", "longitude"};

typedef struct machine {
    int in_bus;
    char text[4096];
    size_t tlen;
    char field[NFIELDS][256];
    const char *route, *direction;
} machine;

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    machine *m = ud;
    (void)attrs;
    if (!m->in_bus) {
        if (strcmp(name, "bus") == 0) {
            m->in_bus = 1;
            for (int i = 0; i < NFIELDS; i++)
                m->field[i][0] = '\0';
        }
        return;
    }
    m->tlen = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    machine *m = ud;
    if (!m->in_bus)
        return;
    size_t n = (size_t)len;
    if (m->tlen + n >= sizeof m->text)
        n = sizeof m->text - 1 - m->tlen;
    memcpy(m->text + m->tlen, s, n);
    m->tlen += n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    machine *m = ud;
    if (!m->in_bus)
        return;
    if (strcmp(name, "bus") == 0) {
        m->in_bus = 0;
        if (strcmp(m->field[ROUTE], m->route) == 0 &&
            strcmp(m->field[DIRECTION], m->direction) == 0)
            printf("%s,%s,\"%s\",%s,%s\n", m->field[ROUTE], m->field[ID], m->field[DIRECTION],
                   m->field[LATITUDE], m->field[LONGITUDE]);
        return;
    }
    for (int i = 0; i < NFIELDS; i++) {
        if (strcmp(name, names[i]) == 0) {
            size_t n = m->tlen < 255 ? m->tlen : 255;
            memcpy(m->field[i], m->text, n);
            m->field[i][n] = '\0';
        }
    }
    m->tlen = 0;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 1;
    machine m;
    memset(&m, 0, sizeof m);
    m.route = argv[2];
    m.direction = argv[3];
    XML_Parser xp = XML_ParserCreate(NULL);
    XML_SetUserData(xp, &m);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    for (;;) {
        void *b = XML_GetBuffer(xp, 65536);
        ssize_t n = b ? read(fd, b, 65536) : -1;
        if (n < 0 || XML_ParseBuffer(xp, (int)n, n == 0) != XML_STATUS_OK) {
            fprintf(stderr, "bus_sm: %s\n", XML_ErrorString(XML_GetErrorCode(xp)));
            return 1;
        }
        if (n == 0)
            break;
    }
    XML_ParserFree(xp);
    close(fd);
    return 0;
}
