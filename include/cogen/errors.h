/* SPDX-License-Identifier: MIT */
/*
 * Every error code of every cogen layer, in one table.
 *
 * Included by <cogen.h>; there is no need to include it yourself.
 *
 * Codes are negative; positive codes belong to the user (cogen never makes
 * one) and zero is never an error. Each layer owns a block of one hundred
 * codes, so that a code tells which layer it comes from and new codes can be
 * added to a layer without renumbering another:
 *
 *   -100 .. -199   core        <cogen.h>
 *   -200 .. -299   pipelines   <cogen/pipe.h>
 *   -300 .. -399   events      <cogen/event.h>
 *   -400 .. -499   stages      <cogen/stage.h>
 *   -500 .. -599   tasks       <cogen/task.h>
 *
 * A code keeps its value forever once released: a program may store it or
 * send it across a process boundary. cogen_strerror() describes each code
 * with the message of this table.
 *
 * COGEN_ERRNO_MAP(XX) calls XX(layer, NAME, value, message) once per code,
 * in increasing order of magnitude within each layer, so that programs can
 * build their own tables (names for logs, mappings to other error spaces):
 *
 *   #define NAME_OF(layer, name, value, msg) case COGEN_##name: return #name;
 *   switch (code) { COGEN_ERRNO_MAP(NAME_OF) }
 */
#ifndef COGEN_ERRORS_H
#define COGEN_ERRORS_H

/* clang-format off */
#define COGEN_ERRNO_MAP(XX)                                                                        \
    XX(CORE, EEXIT,    -100, "generator exit")                                                     \
    XX(CORE, EBUSY,    -101, "generator already executing")                                        \
    XX(CORE, EFRESH,   -102, "can't send non-NULL value to a just-started generator")              \
    XX(CORE, EIGNORED, -103, "generator ignored EXIT")                                             \
    XX(CORE, ENOMEM,   -104, "out of memory")                                                      \
    XX(CORE, EINVAL,   -105, "invalid argument")                                                   \
    XX(CORE, ESTACK,   -106, "stack overflow")                                                     \
    XX(PIPE, EPIPE,    -200, "target has already ended")                                           \
    XX(PIPE, EIO,      -201, "input/output error")                                                 \
    XX(EVENT, ESYNTAX, -300, "malformed input")                                                    \
    XX(EVENT, ELIMIT,  -301, "input exceeds a limit")                                              \
    XX(EVENT, EUNSUPPORTED, -302, "valid input that is not supported")                             \
    XX(EVENT, ETRUNCATED, -303, "input ended inside an item")                                      \
    XX(STAGE, ECHILD,  -400, "child process failed")                                               \
    XX(STAGE, EFRAME,  -401, "malformed or unsupported frame")                                     \
    XX(TASK, ETIMEDOUT, -500, "timed out")                                                         \
    XX(TASK, ECLOSED,   -501, "channel closed")                                                    \
    XX(TASK, EFDCLOSED, -502, "file descriptor closed while waited on")                            \
    XX(TASK, EEOF,      -503, "end of stream")                                                     \
    XX(TASK, ECONNRESET, -504, "connection reset by peer")                                         \
    XX(TASK, ENOTASK,   -505, "no such task")                                                      \
    XX(TASK, EKILLED,   -506, "task was killed")                                                   \
    XX(TASK, EDEADLOCK, -507, "every task is blocked and nothing can wake one")                    \
    XX(TASK, ESYS,      -508, "system call failed")                                                \
    XX(TASK, ELINE,     -509, "line too long")
/* clang-format on */

/* The first code of each layer's block (its codes go down from there). */
#define COGEN_ERRBASE_CORE (-100)
#define COGEN_ERRBASE_PIPE (-200)
#define COGEN_ERRBASE_EVENT (-300)
#define COGEN_ERRBASE_STAGE (-400)
#define COGEN_ERRBASE_TASK (-500)
/* How many codes a block holds. */
#define COGEN_ERRBLOCK 100

#define COGEN__ERRNO_ENUM(layer, name, value, msg) COGEN_##name = (value),
/**
 * The library's error codes (the `code` of a cogen_err):
 *   COGEN_EEXIT     EXIT itself (Python's GeneratorExit): what a closed body
 *                   sees, and what cogen_throw(g, COGEN_EEXIT, ...) delivers
 *   COGEN_EBUSY     the generator is already executing (its own body, a
 *                   cycle of generators, or another thread runs it)
 *   COGEN_EFRESH    a non-NULL value sent to a generator that has not started
 *   COGEN_EIGNORED  a generator yielded after receiving EXIT
 *   COGEN_ENOMEM    out of memory (stack, control block, cleanup list, a
 *                   layer's buffers)
 *   COGEN_EINVAL    invalid argument, or a call made from the wrong place
 *   COGEN_ESTACK    the body overflowed its stack (see docs/design.md)
 *   COGEN_EPIPE     a pipeline stage sent to a target that had already ended
 *   COGEN_EIO       reading input or writing output failed (the message has
 *                   the system's reason)
 *   COGEN_ESYNTAX   an event source or parser met malformed input (the
 *                   message says what and where)
 *   COGEN_ELIMIT    input exceeds a limit of a parser (line, head, depth)
 *   COGEN_EUNSUPPORTED valid input a parser does not implement
 *   COGEN_ETRUNCATED the input ended inside an item (a request head, an
 *                   XML document, a quoted field)
 *   COGEN_ECHILD    a process stage's child exited with a non-zero status,
 *                   was killed by a signal or ended before answering the
 *                   end of stream (the message says which)
 *   COGEN_EFRAME    a process stage's stream held a malformed frame, an
 *                   unknown type or version, or ended inside a frame
 *   COGEN_ETIMEDOUT a task's blocking call reached its deadline, or a process
 *                   stage's child did not read or answer within the stage's
 *                   timeout (it was killed and reaped)
 *   COGEN_ECLOSED   a channel operation on a closed (and drained) channel
 *   COGEN_EFDCLOSED the fd a task waited on was closed (cogen_fd_close)
 *   COGEN_EEOF      a read found the end of the stream
 *   COGEN_ECONNRESET the peer reset the connection (or is gone: EPIPE)
 *   COGEN_ENOTASK   no such task (ended and collected, detached, unknown)
 *   COGEN_EKILLED   how a killed task ended (cogen_task_join)
 *   COGEN_EDEADLOCK every task of a scheduler waits for ever
 *   COGEN_ESYS      a system call of the task layer failed; errno says why
 *   COGEN_ELINE     a line longer than the reader's limit
 */
enum cogen_errno { COGEN_ERRNO_MAP(COGEN__ERRNO_ENUM) };
#undef COGEN__ERRNO_ENUM

#endif /* COGEN_ERRORS_H */
