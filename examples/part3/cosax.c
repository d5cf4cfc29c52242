/* SPDX-License-Identifier: MIT */
/* SAX events sent into a coroutine: every event expat reports, pushed into
 * a printer coroutine (Beazley's cosax with printer()).
 *
 *   cosax FILE */
#include <cogen.h>
#include <cogen/xml.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Prints s[0..n) with \n, \t and " escaped, between quotes. */
static void print_quoted(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            fputs("\\n", stdout);
        else if (s[i] == '\t')
            fputs("\\t", stdout);
        else if (s[i] == '"' || s[i] == '\\')
            printf("\\%c", s[i]);
        else
            putchar(s[i]);
    }
    putchar('"');
}

static void *printer(cogen *self, void *arg)
{
    (void)arg;
    void *item = NULL;
    while (cogen_yield(self, NULL, &item) == COGEN_SENT) {
        const cogen_xml_event *ev = item;
        if (ev->kind == COGEN_XML_START) {
            printf("start %s {", ev->name);
            for (const char **a = ev->attrs; *a; a += 2)
                printf("%s%s: \"%s\"", a == ev->attrs ? "" : ", ", a[0], a[1]);
            puts("}");
        } else if (ev->kind == COGEN_XML_END) {
            printf("end %s\n", ev->name);
        } else {
            fputs("text ", stdout);
            print_quoted(ev->text, ev->len);
            putchar('\n');
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cosax FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    cogen_opts o = {0, "printer", COGEN_PRIMED};
    cogen *g = cogen_new(printer, NULL, &o);
    if (!g) {
        perror("cosax");
        return 1;
    }
    cogen_xml_error err;
    int status = 0;
    if (cogen_xml_feed_fd(fd, g, NULL, &err) < 0) {
        fflush(stdout);
        fprintf(stderr, "cosax: %s: %s\n", argv[1], err.msg);
        status = 1;
    }
    cogen_free(g);
    close(fd);
    return status;
}
