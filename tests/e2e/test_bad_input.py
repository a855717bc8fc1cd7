"""Hostile and malformed input: every answer is a 4xx with the JSON error
shape (a `field` where one is at fault), and the server keeps serving."""
import time
import unittest

from harness import ServerTest, parse_raw, raw_exchange, unique

API = "/api/v1/workspaces"
JSON = {"Content-Type": "application/json"}


class InputTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.email = unique()
        cls.server.add_user(cls.email)
        cls.c = cls.server.bearer(cls.email)
        cls.ws = cls.c.post(API, {"name": "target"}).json["id"]

    def tearDown(self):
        """After each test the server still answers, and a normal request works."""
        super().tearDown()
        self.assertEqual(self.server.get("/healthz").json, {"status": "ok"})
        self.assertEqual(self.c.get("%s/%d" % (API, self.ws)).status, 200)

    def post_raw(self, body, path=API, headers=None):
        h = dict(JSON)
        h.update(headers or {})
        return self.c.post(path, body, headers=h)

    def raw(self, head, *chunks):
        """A hand-made request: `head` (request line and headers, each ending
        in CRLF) with this token, then `chunks`; returns (status, headers, json)."""
        req = (head + "Authorization: Bearer %s\r\n\r\n" % self.c.token).encode()
        data = raw_exchange(self.server.port, [req] + list(chunks))
        self.assertTrue(data, "no answer at all")
        return parse_raw(data)


class Bodies(InputTest):
    flags = ("--max-body", "2048")

    def test_malformed_json_is_400(self):
        for body in [b'{"name":', b'{name: "x"}', b"{'name': 'x'}", b'{"name":"x",}', b"", b"   ",
                     b'{"name":"x"} trailing', b'{"name":"x"}{}', b'{"name": NaN}', b'{"name": 1e999}',
                     b'{"name": 123456789012345678901234567890}', b"\xef\xbb\xbf{}"]:
            with self.subTest(body=body):
                self.assertError(self.post_raw(body), 400, "malformed_json", None)

    def test_a_json_body_that_is_not_an_object_is_400(self):
        for body in [b"[]", b'[{"name":"x"}]', b'"name"', b"42", b"true", b"null"]:
            with self.subTest(body=body):
                self.assertError(self.post_raw(body), 400, "malformed_json", None)

    def test_wrong_types_are_400_naming_the_field(self):
        for v in [5, 1.5, True, ["x"], {"a": "b"}]:
            with self.subTest(v=v):
                self.assertError(self.c.post(API, {"name": v}), 400, "wrong_type", "name")
        self.assertError(self.c.patch("%s/%d" % (API, self.ws), {"lang": 1}), 400, "wrong_type", "lang")
        r = self.server.request("POST", "/api/v1/auth/login", {"email": ["a"], "password": "x"})
        self.assertError(r, 400, "wrong_type", "email")
        r = self.c.post("%s/%d/members" % (API, self.ws), {"email": self.email, "role": 1})
        self.assertError(r, 400, "wrong_type", "role")

    def test_unknown_fields_are_400_naming_the_field(self):
        self.assertError(self.c.post(API, {"name": "x", "nmae": "y"}), 400, "unknown_field", "nmae")
        self.assertError(self.c.patch("%s/%d" % (API, self.ws), {"owner": "me"}), 400, "unknown_field", "owner")
        r = self.server.request("POST", "/api/v1/auth/login",
                                {"email": self.email, "password": "x" * 12, "remember": True})
        self.assertError(r, 400, "unknown_field", "remember")

    def test_missing_fields_are_400_naming_the_field(self):
        self.assertError(self.c.post(API, {}), 400, "missing_field", "name")
        self.assertError(self.c.post(API, {"name": None}), 400, "missing_field", "name")
        r = self.server.request("POST", "/api/v1/auth/login", {"email": self.email})
        self.assertError(r, 400, "missing_field", "password")
        r = self.c.post("%s/%d/members" % (API, self.ws), {"email": self.email})
        self.assertError(r, 400, "missing_field", "role")

    def test_strings_with_control_characters_are_400_naming_the_field(self):
        for s in ["a\x01b", "tab\there", "new\nline", "cr\r", "del\x7f", "esc\x1b[31m"]:
            with self.subTest(s=s):
                self.assertError(self.c.post(API, {"name": s}), 400, "invalid_text", "name")
        names = [w["name"] for w in self.c.get(API).json["workspaces"]]
        self.assertEqual(names, ["target"])

    def test_invalid_utf8_in_the_body_or_inside_a_string_is_400(self):
        for body in [b'{"name":"\xff"}', b'{"name":"caf\xe9"}', b'{"name":"\xc0\xaf"}',
                     b'{"name":"\xed\xa0\x80"}', b'{"name":"\xf4\x90\x80\x80"}', b'{"name":"ok"}\xc3',
                     b'{"\xfe":"x"}', b'\x80{"name":"x"}']:
            with self.subTest(body=body):
                r = self.post_raw(body)
                self.assertError(r, 400, field=None)
                self.assertIn(r.json["error"]["code"], ("invalid_utf8", "malformed_json"))
        # Escapes that do not make a character.
        for body in [b'{"name":"\\ud800"}', b'{"name":"\\udc00x"}', b'{"name":"\\uZZZZ"}']:
            with self.subTest(body=body):
                self.assertError(self.post_raw(body), 400, "malformed_json", None)

    def test_nul_escapes_are_refused(self):
        for body in [b'{"name":"a\\u0000b"}', b'{"name":"\\u0000"}', b'{"na\\u0000me":"x"}']:
            with self.subTest(body=body):
                self.assertError(self.post_raw(body), 400, "malformed_json", None)
        self.assertError(self.post_raw(b'{"name":"a\x00b"}'), 400, field=None)

    def test_duplicate_keys_are_400(self):
        self.assertError(self.post_raw(b'{"name":"a","name":"b"}'), 400, "malformed_json", None)
        r = self.server.request("POST", "/api/v1/auth/login",
                                b'{"email":"x@y.io","email":"%s","password":"whatever12"}' % self.email.encode(),
                                JSON)
        self.assertError(r, 400, "malformed_json", None)

    def test_a_wrong_content_type_is_415(self):
        body = b'{"name":"typed"}'
        for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                   "application/jsonp", "application/json-patch+json", "json", ""]:
            with self.subTest(ct=ct):
                self.assertError(self.post_raw(body, headers={"Content-Type": ct}), 415,
                                 "unsupported_media_type", None)
        r = self.c.post(API, body)      # no Content-Type at all
        self.assertError(r, 415, "unsupported_media_type", None)
        for ct in ["application/json; charset=utf-8", "Application/JSON"]:
            with self.subTest(ct=ct):
                r = self.post_raw(body, headers={"Content-Type": ct})
                self.assertEqual(r.status, 201, r)
                self.assertEqual(self.c.delete("%s/%d" % (API, r.json["id"])).status, 204)

    def test_a_body_over_the_limit_is_413_with_content_length(self):
        head = "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" % API
        body = b'{"name":"big"}'
        st, _, js = self.raw(head + "Content-Length: 2049\r\n", body.ljust(2049))
        self.assertEqual(st, 413)
        self.assertEqual(js["error"]["code"], "body_too_large")
        st, _, js = self.raw(head + "Content-Length: 1000000000\r\n")
        self.assertEqual((st, js["error"]["code"]), (413, "body_too_large"))
        st, _, js = self.raw(head + "Content-Length: 2048\r\n", body.ljust(2048))
        self.assertEqual(st, 201, "exactly the limit is accepted")
        self.assertEqual(self.c.delete("%s/%d" % (API, js["id"])).status, 204)

    def test_a_body_over_the_limit_is_413_with_chunked_transfer_encoding(self):
        head = ("POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n" % API)
        body = b'{"name":"chunky"}'

        def chunked(data, size):
            out = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
            return out + [b"0\r\n\r\n"]

        for size in [100, 2049, 4096]:
            with self.subTest(chunk=size):
                st, _, js = self.raw(head, *chunked(body.ljust(max(size, 2049)), size))
                self.assertEqual((st, js["error"]["code"]), (413, "body_too_large"))
        st, _, js = self.raw(head, *chunked(body.ljust(2048), 500))
        self.assertEqual(st, 201, "exactly the limit is accepted")
        self.assertEqual(self.c.delete("%s/%d" % (API, js["id"])).status, 204)
        names = [w["name"] for w in self.c.get(API).json["workspaces"]]
        self.assertEqual(names, ["target"])

    def test_malformed_framing_gets_a_4xx_and_no_crash(self):
        head = "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" % API
        for extra, chunk in [("Content-Length: -1\r\n", b""), ("Content-Length: abc\r\n", b""),
                             ("Content-Length: 99999999999999999999999\r\n", b""),
                             ("Transfer-Encoding: chunked\r\n", b"fffffffffffffffffff\r\n"),
                             ("Transfer-Encoding: chunked\r\n", b"zz\r\n"),
                             ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n")]:
            with self.subTest(extra=extra, chunk=chunk):
                st, _, _ = self.raw(head + extra, chunk)
                self.assertTrue(400 <= st < 500, st)
        for junk in [b"GARBAGE\r\n\r\n", bytes(range(256)) * 4, b"GET / HTTP/9.9\r\n\r\n", b"\r\n" * 1000]:
            raw_exchange(self.server.port, [junk], timeout=2)


class DeepJson(InputTest):
    def test_deeply_nested_json_is_400(self):
        for body in [b"[" * 100000, b'{"a":' * 100000, b"[" * 5000 + b"]" * 5000,
                     b'{"name":"x","business_hours":' + b"[" * 50000 + b"]" * 50000 + b"}"]:
            with self.subTest(body=body[:12]):
                t0 = time.monotonic()
                self.assertError(self.post_raw(body), 400, "malformed_json", None)
                self.assertLess(time.monotonic() - t0, 5)

    def test_huge_but_well_formed_bodies_get_a_field_error_quickly(self):
        t0 = time.monotonic()
        self.assertError(self.c.post(API, {"name": "x" * 500000}), 400, "too_long", "name")
        many = {"k%d" % i: i for i in range(50000)}
        many["name"] = "x"
        self.assertError(self.c.post(API, many), 400, "unknown_field")
        self.assertLess(time.monotonic() - t0, 10)


class Requests(InputTest):
    def test_headers_over_the_limit_are_431_json(self):
        # The limit is 16384 bytes of headers (the default max_header).
        r = self.c.get("/api/v1/me", headers={"X-Padding": "a" * 17000})
        self.assertError(r, 431, "headers_too_large", None)
        r = self.c.get("/api/v1/me", headers={"X-Padding": "a" * 20000})
        self.assertError(r, 431, "headers_too_large", None)

    def test_many_small_headers_over_the_limit_are_431_json(self):
        many = {"X-Pad-%03d" % i: "b" * 40 for i in range(340)}      # 340 * 54 = 18 KB
        self.assertError(self.c.get("/api/v1/me", headers=many), 431, "headers_too_large", None)

    def test_headers_within_the_limit_are_accepted(self):
        r = self.c.get("/api/v1/me", headers={"X-Padding": "a" * 15000})
        self.assertEqual(r.status, 200, r)
        many = {"X-Pad-%03d" % i: "b" * 40 for i in range(270)}      # 270 * 54 = 14.6 KB
        r = self.c.get("/api/v1/me", headers=many)
        self.assertEqual(r.status, 200, r)

    def test_a_cookie_header_within_the_limit_is_not_refused_as_too_large(self):
        for n in [9000, 15000]:
            with self.subTest(cookie_bytes=n):
                r = self.server.get("/api/v1/me", headers={"Cookie": "tribu_session=" + "c" * n})
                self.assertError(r, 401, "unauthenticated")

    def test_a_100_kb_header_gets_a_4xx(self):
        for h in [{"X-Huge": "a" * 100000}, {"Cookie": "x=" + "a" * 100000},
                  {"X-H%d" % i: "v" * 100 for i in range(1000)}]:
            try:
                r = self.c.get("/api/v1/me", headers=h)
                self.assertTrue(400 <= r.status < 500, r)
            except ConnectionError:
                pass        # closing the connection is an acceptable answer too

    def test_a_query_string_with_many_parameters_is_answered_promptly(self):
        for n in [100, 400]:
            with self.subTest(params=n):
                q = "&".join("p%d=v" % i for i in range(n))
                try:
                    r = self.server.get("/healthz?" + q, timeout=3)
                except TimeoutError:
                    self.fail("no answer within 3 s to a %d-byte query string" % len(q))
                self.assertTrue(r.status == 200 or 400 <= r.status < 500, r)

    def test_an_unknown_path_is_404_json(self):
        for path in ["/", "/api", "/api/v1", "/api/v2/me", "/api/v1/me/", "/api/v1//me", "/API/V1/ME",
                     "/api/v1/workspaces/1/unknown", "/index.html", "/api/v1/me/password/x"]:
            with self.subTest(path=path):
                self.assertError(self.c.get(path), 404, "not_found", None)

    def test_a_wrong_method_is_405_with_allow_listing_every_method_of_the_path(self):
        cases = [
            ("DELETE", "/api/v1/me", {"GET"}),
            ("POST", "/healthz", {"GET"}),
            ("GET", "/api/v1/auth/login", {"POST"}),
            ("PUT", API, {"GET", "POST"}),
            ("DELETE", API, {"GET", "POST"}),
            ("PUT", "%s/%d" % (API, self.ws), {"GET", "PATCH", "DELETE"}),
            ("POST", "%s/%d" % (API, self.ws), {"GET", "PATCH", "DELETE"}),
            ("PUT", "%s/%d/members" % (API, self.ws), {"GET", "POST"}),
            ("GET", "%s/%d/members/1" % (API, self.ws), {"PATCH", "DELETE"}),
        ]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = self.c.request(method, path)
                self.assertError(r, 405, "method_not_allowed", None)
                allow = {m.strip() for m in r.headers.get("Allow", "").split(",")} - {"HEAD", ""}
                self.assertEqual(allow, allowed)

    def test_paths_with_dot_segments_are_not_resolved(self):
        for path in ["/api/v1/../v1/me", "/api/v1/./me", "/api/v1/workspaces/%d/../%d" % (self.ws, self.ws),
                     "/api/v1/%2e%2e/v1/me", "/../../../etc/passwd", "/api/v1/workspaces/.."]:
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertIn(r.status, (400, 404), r)
                self.assertError(r, r.status)

    def test_a_path_with_an_encoded_nul_is_not_taken_for_the_path_before_it(self):
        for path in ["/api/v1/me%00", "/api/v1/me%00.json", "/healthz%00x",
                     "/api/v1/workspaces/%d%%00" % self.ws, "/api/v1/workspaces%00/1"]:
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertIn(r.status, (400, 404), r)
                self.assertError(r, r.status)

    def test_a_very_long_path_is_a_4xx(self):
        r = self.c.get("/api/v1/" + "a" * 10000)
        self.assertError(r, 404, "not_found")
        r = self.c.get("%s/%s" % (API, "9" * 5000))
        self.assertError(r, 404, "not_found")
        try:
            r = self.c.get("/api/v1/" + "a" * 100000)
            self.assertTrue(400 <= r.status < 500, r)
        except ConnectionError:
            pass

    def test_non_numeric_and_overflowing_ids_are_404(self):
        missing = self.c.get("%s/%d" % (API, 4611686018427387904))
        self.assertError(missing, 404, "not_found")
        for wid in ["abc", "99999999999999999999", "9223372036854775808", "-1", "0", "1.0", "1e3",
                    "0x1", "%201", "1%20", "%d;1" % self.ws, "-9223372036854775808", "1" * 100]:
            for suffix in ["", "/members", "/audit"]:
                with self.subTest(id=wid, suffix=suffix):
                    r = self.c.get("%s/%s%s" % (API, wid, suffix))
                    self.assertError(r, 404, "not_found")
                    if not suffix:
                        self.assertEqual(r.json, missing.json)
        self.assertError(self.c.get("%s/%s" % (API, "1" * 200)), 404, "not_found")
        for aid in ["abc", "99999999999999999999", "0", "-1"]:
            with self.subTest(account=aid):
                r = self.c.delete("%s/%d/members/%s" % (API, self.ws, aid))
                self.assertError(r, 404, "not_found")
                r = self.c.patch("%s/%d/members/%s" % (API, self.ws, aid), {"role": "client"})
                self.assertError(r, 404, "not_found")

    def test_odd_query_strings_are_harmless(self):
        for q in ["?", "?&&", "?limit", "?limit=%00", "?limit=5&limit=6", "?" + "a=b&" * 50,
                  "?before=%ff%fe"]:
            with self.subTest(q=q[:20]):
                r = self.c.get("%s/%d/audit%s" % (API, self.ws, q))
                self.assertIn(r.status, (200, 400), r)
                if r.status == 400:
                    self.assertError(r, 400)


if __name__ == "__main__":
    unittest.main()
