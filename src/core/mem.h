/* mem.h - allocation that never returns NULL.
 *
 * Tribu is an application, not a library: running out of memory is not a
 * condition a request can recover from, so these abort with a message. The
 * test hook lets a test make the n-th allocation "fail" (abort is replaced by
 * a longjmp-free flag check in the tests that use it). */
#ifndef TRIBU_MEM_H
#define TRIBU_MEM_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
