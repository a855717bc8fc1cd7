/* media_api.c - POST /workspaces/:ws/media: image uploads.
 *
 * The body is the file itself (curl --data-binary @photo.jpg), at most
 * cfg.max_upload bytes. Its type is read from its first bytes, never
 * trusted from the client: only JPEG, PNG, GIF and WebP are taken, and a
 * Content-Type that says otherwise is refused. Whether a network takes the
 * image (its size and type limits) is checked when a post uses it. */
#include <sodium.h>
#include <string.h>

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/str.h"
#include "http/http.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"
#include "workspace/workspace.h"

const char *media_sniff(const unsigned char *p, size_t n)
{
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

static void media_json(struct req *r, int status, const struct media *m)
{
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kint(w, "id", m->id);
	jw_kstr(w, "mime", m->mime);
	jw_kint(w, "size", m->size);
	jw_kstr(w, "sha256", m->sha256);
	jw_obj_end(w);
	http_send(r, status);
}

int publish_media_keep(struct store *s, struct arena *a, int64_t ws, const char *mime,
		       const void *p, size_t n, struct media *m)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *hex = arena_alloc(a, 2 * sizeof digest + 1);
	if (!hex)
		return ERR_TOOBIG;
	crypto_hash_sha256(digest, p, n);
	str_hex(hex, digest, sizeof digest);
	*m = (struct media){.workspace_id = ws, .mime = mime, .size = (int64_t)n, .sha256 = hex};
	return store_media_insert(s, m, p, clock_now_ms());
}

void media_api_upload(struct req *r)
{
	const char *mime = media_sniff(r->raw, r->raw_len);
	if (!mime) {
		http_error(r, 415, "unsupported_media_type",
			   "send a JPEG, PNG, GIF or WebP image as the request body", NULL);
		return;
	}
	const char *ct = http_header_in(r, "Content-Type");
	if (ct && strncmp(ct, "application/octet-stream", 24) != 0 &&
	    strncasecmp(ct, mime, strlen(mime)) != 0) {
		http_error(r, 415, "unsupported_media_type",
			   "the Content-Type does not match the image's bytes", NULL);
		return;
	}
	struct media m;
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc) {
		rc = publish_media_keep(s, r->a, r->ws, mime, r->raw, r->raw_len, &m);
		if (!rc) {
			char target[32];
			snprintf(target, sizeof target, "media %lld", (long long)m.id);
			rc = workspace_audit(r, 0, "media.upload", target,
					     json_pack("{s:s, s:I}", "mime", mime, "size",
						       (json_int_t)r->raw_len));
		}
		rc = store_end(s, rc);
	}
	if (rc == ERR_EXISTS) {
		media_json(r, 200, &m);        /* the same bytes: the same image */
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	media_json(r, 201, &m);
}

int publish_media_load(const struct app *app, struct arena *a, int64_t ws, const char *json,
		       bool data, struct connector_media **out, int *n)
{
	*out = NULL;
	*n = 0;
	if (!json || !*json || strcmp(json, "[]") == 0)
		return ERR_OK;                   /* most posts: no parsing */
	json_error_t je;
	json_t *arr = json_loads(json && *json ? json : "[]", 0, &je);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return ERR_INVAL;
	}
	size_t count = json_array_size(arr);
	int rc = ERR_OK;
	if (count) {
		*out = arena_alloc(a, count * sizeof **out);
		if (!*out)
			rc = ERR_TOOBIG;
	}
	/* Without the bytes, a stand-in pointer: the checks read the length. */
	static const unsigned char unread;
	for (size_t i = 0; !rc && i < count; i++) {
		const json_t *o = json_array_get(arr, i);
		struct media m;
		rc = store_media_get(app->store, a, ws,
				     json_integer_value(json_object_get(o, "media_id")), data, &m);
		if (rc)
			break;
		const char *alt = json_string_value(json_object_get(o, "alt"));
		(*out)[i] = (struct connector_media){
			.data = data ? m.data : &unread,
			.len = (size_t)m.size,
			.mime = m.mime,
			.alt = arena_strdup(a, alt ? alt : ""),
		};
		(*n)++;
	}
	json_decref(arr);
	return rc;
}
