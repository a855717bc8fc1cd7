/* http_int.h - private to src/http/: what server.c and router.c share. */
#ifndef TRIBU_HTTP_INT_H
#define TRIBU_HTTP_INT_H
#include "http/http.h"

/* Index of the route for method+path (path params captured into r), or -1;
 * when -1 and the path exists with another method, *allow names one. */
int http_route_find(const char *method, const char *path, struct req *r, const char **allow);
/* Runs the route's checks, then its handler; always leaves a response. */
void http_dispatch(struct req *r, const char *body, size_t len);
const char *http_cookie_in(const struct req *r, const char *name);

#endif
