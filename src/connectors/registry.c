/* registry.c - the table of connectors, and what they share: checking a post
 * against a network's limits before any network call, counting graphemes,
 * filling a result.
 *
 * Adding a network: its file defines `const struct connector_ops
 * connector_<name>`; add it to the two lines below. */
#include "connectors/connector.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "core/err.h"
#include "core/str.h"

extern const struct connector_ops connector_bluesky, connector_fake, connector_mastodon;
static const struct connector_ops *const networks[] = {&connector_bluesky, &connector_mastodon,
						       &connector_fake};

#define N_NETWORKS (sizeof networks / sizeof networks[0])

const struct connector_ops *connector_find(const char *name)
{
	for (size_t i = 0; name && i < N_NETWORKS; i++)
		if (strcmp(networks[i]->name, name) == 0)
			return networks[i];
	return NULL;
}

const struct connector_ops *const *connector_all(size_t *n)
{
	*n = N_NETWORKS;
	return networks;
}

int connector_fail(struct connector_result *res, int rc, enum connector_fate fate,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof res->msg, fmt, ap);
	va_end(ap);
	res->fate = fate;
	return rc;
}

int connector_graphemes(const char *text, size_t len, size_t *out)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	utf8proc_int32_t prev = -1, cp, state = 0;
	size_t n = 0;
	*out = 0;
	while (len) {
		utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)len, &cp);
		if (k < 0)
			return ERR_INVAL;
		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state))
			n++;
		prev = cp;
		s += k;
		len -= (size_t)k;
	}
	*out = n;
	return ERR_OK;
}

static const char *unit_name(enum connector_count c)
{
	return c == CONNECTOR_COUNT_GRAPHEMES ? "characters" : c == CONNECTOR_COUNT_CODEPOINTS
		? "code points" : "weighted characters";
}

static bool type_ok(const struct connector_limits *l, const char *mime)
{
	for (const char *const *t = l->media_types; mime && t && *t; t++)
		if (str_ieq(*t, mime))
			return true;
	return false;
}

int connector_check_post(const struct connector_ops *ops, const struct connector_post *p,
			 struct connector_result *res)
{
	const struct connector_limits *l = ops->limits;
	size_t n, bytes, klen = p->idem_key ? strlen(p->idem_key) : 0;
	memset(res, 0, sizeof *res);
	if (klen == 0 || klen > 128)
		return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL,
				      "idempotency key must have 1 to 128 bytes");
	if (!p->text)
		return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL, "no text");
	res->part = "text";
	bytes = strlen(p->text);
	if (!utf8_valid(p->text, bytes) || ops->measure(p->text, bytes, &n) != ERR_OK)
		return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL, "text is not valid UTF-8");
	if (n > (size_t)l->max_len)
		return connector_fail(res, ERR_TOOBIG, CONNECTOR_FAIL, "text too long: %zu %s, %s allows %d",
				      n, unit_name(l->count), ops->name, l->max_len);
	if (l->max_text_bytes && bytes > l->max_text_bytes)
		return connector_fail(res, ERR_TOOBIG, CONNECTOR_FAIL,
				      "text too long: %zu bytes in UTF-8, %s allows %zu", bytes,
				      ops->name, l->max_text_bytes);
	if (n == 0 && p->n_media == 0)
		return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL, "empty post");
	res->part = "media";
	if (p->n_media < 0 || p->n_media > l->max_media || (p->n_media && !p->media))
		return connector_fail(res, ERR_TOOBIG, CONNECTOR_FAIL, "%d images, %s allows %d",
				      p->n_media, ops->name, l->max_media);
	for (int i = 0; i < p->n_media; i++) {
		const struct connector_media *m = &p->media[i];
		if (!type_ok(l, m->mime))
			return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL,
					      "image %d: type %s not accepted by %s", i + 1,
					      m->mime ? m->mime : "(none)", ops->name);
		if (!m->data || m->len == 0)
			return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL, "image %d is empty", i + 1);
		if (m->len > l->max_media_bytes)
			return connector_fail(res, ERR_TOOBIG, CONNECTOR_FAIL,
					      "image %d: %zu bytes, %s allows %zu", i + 1, m->len,
					      ops->name, l->max_media_bytes);
		size_t alen = m->alt ? strlen(m->alt) : 0;
		if (!utf8_valid(m->alt, alen) || ops->measure(m->alt, alen, &n) != ERR_OK)
			return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL,
					      "image %d: alt text is not valid UTF-8", i + 1);
		if (n > (size_t)l->max_alt_len)
			return connector_fail(res, ERR_TOOBIG, CONNECTOR_FAIL,
					      "image %d: alt text has %zu %s, %s allows %d", i + 1, n,
					      unit_name(l->count), ops->name, l->max_alt_len);
	}
	if (!p->reply_root != !p->reply_parent ||
	    (p->reply_root && (!p->reply_root->id || !p->reply_parent->id)))
		return connector_fail(res, ERR_INVAL, CONNECTOR_FAIL,
				      "a reply needs both its thread's root and its parent");
	res->part = NULL;
	return ERR_OK;
}
