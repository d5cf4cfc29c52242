/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files of the event layer only. */
#ifndef COGEN_EVENT_INTERNAL_H
#define COGEN_EVENT_INTERNAL_H

#include <cogen.h>
#include <cogen/event.h>

#include "shared.h"

#include <stdbool.h>
#include <stddef.h>

struct cogen_parser {
    cogen *gen; /* runs driver(): one message after another */
    cogen_parse_fn fn;
    void *arg;
    cogen_input in;          /* the unread part of the current chunk */
    const char *chunk_start; /* where the current chunk began */
    unsigned long long base; /* message offset of chunk_start */
    unsigned long long err_offset;
    void *result; /* of the message just completed */
    int fd;       /* pull: the fd being read; -1 when fed */
    bool eof, failed, pulled, busy;
    char *rbuf; /* pull: read buffer (lazily allocated) */
    size_t rcap, stack_size;
    cogen__errbuf e;
    char name[COGEN__NAME_CAP];
    char empty[1]; /* an empty chunk to point at */
};

#endif /* COGEN_EVENT_INTERNAL_H */
