/* SPDX-License-Identifier: MIT */
#ifndef TLS_ACCESS_H
#define TLS_ACCESS_H
extern _Thread_local int thread_tag;
int *tls_errno(void);
int *tls_tag(void);
#endif
