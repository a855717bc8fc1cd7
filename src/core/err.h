/* err.h - the one error enum of Tribu.
 *
 * Every fallible function returns int from this enum (0 = ERR_OK) and puts its
 * results in out-parameters. err_str() gives a stable lower_snake name that is
 * also used as the "code" of API errors where no better code exists. */
#ifndef TRIBU_ERR_H
#define TRIBU_ERR_H

enum err {
	ERR_OK = 0,
	ERR_NOMEM,      /* never returned in practice: xmalloc aborts */
	ERR_INVAL,      /* invalid argument or value */
	ERR_TOOBIG,     /* a size limit was reached */
	ERR_NOTFOUND,   /* no such row / file / key */
	ERR_EXISTS,     /* unique constraint: it is there already */
	ERR_IO,         /* file or socket error (errno is meaningful) */
	ERR_DB,         /* database error other than busy / constraint */
	ERR_BUSY,       /* database busy after retries: try again later */
	ERR_DENIED,     /* authentication or permission refused */
	ERR_CONFLICT,   /* state does not allow the change */
	ERR_PROTO,      /* a peer answered something we cannot understand */
	ERR_CRYPTO,     /* decryption or verification failed */
	ERR__COUNT
};

/* Stable, static name of an error code ("not_found"); never NULL. */
const char *err_str(int rc);

#endif
