/* err.c - names of the error codes; kept in step with enum err by the
 * static assertion below. */
#include "core/err.h"

static const char *const names[] = {
	[ERR_OK] = "ok",           [ERR_NOMEM] = "out_of_memory",
	[ERR_INVAL] = "invalid",   [ERR_TOOBIG] = "too_big",
	[ERR_NOTFOUND] = "not_found", [ERR_EXISTS] = "exists",
	[ERR_IO] = "io_error",     [ERR_DB] = "database_error",
	[ERR_BUSY] = "busy",       [ERR_DENIED] = "denied",
	[ERR_CONFLICT] = "conflict", [ERR_PROTO] = "protocol_error",
	[ERR_CRYPTO] = "crypto_error",
};
_Static_assert(sizeof names / sizeof names[0] == ERR__COUNT, "one name per error");

const char *err_str(int rc)
{
	if (rc < 0 || rc >= ERR__COUNT)
		return "unknown_error";
	return names[rc];
}
