"""Signing in and out, sessions, CSRF, login throttling, API tokens, and how
secrets are kept on disk."""
import calendar
import os
import sqlite3
import stat
import time
import unittest

from harness import (ADMIN_EMAIL, PASSWORD, Client, Server, ServerTest, cookie_attrs, free_port,
                     run_cli, unique)

LOGIN = "/api/v1/auth/login"
NEW_PASSWORD = "a brand new passphrase"


class Login(ServerTest):
    flags = ("--session-ttl", "3600")

    def test_login_sets_an_httponly_samesite_lax_cookie_and_returns_the_user_and_a_csrf_token(self):
        email = unique()
        uid = self.server.add_user(email, name="Ann")
        before = time.time()
        r = self.server.request("POST", LOGIN, {"email": email, "password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        name, value, attrs = cookie_attrs(r.headers["Set-Cookie"])
        self.assertEqual(name, "tribu_session")
        self.assertGreaterEqual(len(value), 32)
        self.assertIs(attrs.get("httponly"), True)
        self.assertEqual(attrs.get("samesite"), "Lax")
        self.assertEqual(attrs.get("path"), "/")
        self.assertEqual(attrs.get("max-age"), "3600")
        self.assertNotIn("secure", attrs)    # not asked for: --secure-cookies is off
        body = r.json
        self.assertEqual(body["user"]["id"], uid)
        self.assertEqual(body["user"]["email"], email)
        self.assertEqual(body["user"]["name"], "Ann")
        self.assertTrue(isinstance(body["csrf_token"], str) and len(body["csrf_token"]) >= 32)
        exp = calendar.timegm(time.strptime(body["expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(exp, before + 3600, delta=30)
        self.assertNotIn(b"argon2", r.body)
        self.assertEqual(r.headers.get("Cache-Control"), "no-store")

    def test_login_ignores_the_case_of_the_email_and_surrounding_spaces(self):
        email = unique()
        self.server.add_user(email)
        r = self.server.request("POST", LOGIN, {"email": "  " + email.upper() + " ", "password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["user"]["email"], email)

    def test_login_with_wrong_password_is_401_and_same_as_unknown_email(self):
        email = unique()
        self.server.add_user(email)
        wrong = self.server.request("POST", LOGIN, {"email": email, "password": "not the password"})
        unknown = self.server.request("POST", LOGIN,
                                      {"email": unique("nobody"), "password": "not the password"})
        self.assertError(wrong, 401, "invalid_credentials", None)
        self.assertEqual((unknown.status, unknown.json), (wrong.status, wrong.json))
        self.assertNotIn("Set-Cookie", wrong.headers)
        self.assertNotIn("Set-Cookie", unknown.headers)

    def test_login_with_a_malformed_email_is_400_naming_the_field(self):
        r = self.server.request("POST", LOGIN, {"email": "not-an-email", "password": PASSWORD})
        self.assertError(r, 400, field="email")

    def test_me_returns_the_workspaces_with_roles_and_the_csrf_token_of_the_session(self):
        email = unique()
        self.server.add_user(email)
        ann = self.server.login(email)
        ws = ann.post("/api/v1/workspaces", {"name": "Ann's place"}).json
        admin = self.server.admin()
        r = self.server.cli("member", "add", str(ws["id"]), ADMIN_EMAIL, "analyst")
        self.assertEqual(r.rc, 0, r)
        st, _, me = ann.get("/api/v1/me")
        self.assertEqual(st, 200)
        self.assertEqual(me["user"]["email"], email)
        self.assertEqual(me["csrf_token"], ann.csrf)
        self.assertEqual([(w["id"], w["name"], w["role"]) for w in me["workspaces"]],
                         [(ws["id"], "Ann's place", "owner")])
        st, _, me = admin.get("/api/v1/me")
        roles = {w["name"]: w["role"] for w in me["workspaces"]}
        self.assertEqual(roles, {"My workspace": "owner", "Ann's place": "analyst"})
        for w in me["workspaces"]:
            self.assertEqual(set(w), {"id", "name", "tz", "lang", "role"})

    def test_logout_revokes_the_session_and_clears_the_cookie(self):
        email = unique()
        self.server.add_user(email)
        s1, s2 = self.server.login(email), self.server.login(email)
        r = s1.post("/api/v1/auth/logout")
        self.assertEqual(r.status, 204, r)
        _, value, attrs = cookie_attrs(r.headers["Set-Cookie"])
        self.assertEqual((value, attrs.get("max-age")), ("", "0"))
        r = s1.get("/api/v1/me")
        self.assertError(r, 401, "unauthenticated")
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
        self.assertEqual(s2.get("/api/v1/me").status, 200, "only the session signed out goes")

    def test_an_expired_session_is_401(self):
        email = unique()
        self.server.add_user(email)
        s = self.server.login(email)
        db = sqlite3.connect(self.server.db_path(), timeout=5)
        try:
            with db:
                n = db.execute("UPDATE session SET expires_at = 1 WHERE account_id ="
                               " (SELECT id FROM account WHERE email = ?)", (email,)).rowcount
        finally:
            db.close()
        self.assertEqual(n, 1)
        self.assertError(s.get("/api/v1/me"), 401, "unauthenticated")

    def test_an_unknown_or_garbage_session_cookie_is_401(self):
        for c in ["A" * 43, "", "x" * 3000, "../../etc/passwd", "%00"]:
            r = Client(self.server, cookie=c).get("/api/v1/me")
            self.assertError(r, 401, "unauthenticated")


class SecureCookies(ServerTest):
    flags = ("--secure-cookies", "true")

    def test_secure_cookies_adds_the_secure_attribute(self):
        r = self.server.request("POST", LOGIN, {"email": ADMIN_EMAIL, "password": self.server.admin_password})
        self.assertEqual(r.status, 200, r)
        _, _, attrs = cookie_attrs(r.headers["Set-Cookie"])
        self.assertIs(attrs.get("secure"), True)
        self.assertIs(attrs.get("httponly"), True)


class Csrf(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.email = unique()
        cls.server.add_user(cls.email)

    def test_cookie_mutating_requests_without_or_with_a_wrong_csrf_token_are_403(self):
        s = self.server.login(self.email)
        other = self.server.login(self.email)
        attempts = [
            ("no header", {}),
            ("empty", {"X-CSRF-Token": ""}),
            ("wrong", {"X-CSRF-Token": "A" * len(s.csrf)}),
            ("truncated", {"X-CSRF-Token": s.csrf[:-1]}),
            ("another session's", {"X-CSRF-Token": other.csrf}),
            ("the session token itself", {"X-CSRF-Token": s.cookie}),
        ]
        for why, hdr in attempts:
            with self.subTest(why):
                r = s.post("/api/v1/workspaces", {"name": "csrf " + why}, headers=hdr, csrf=False)
                self.assertError(r, 403, "csrf_failed")
        names = [w["name"] for w in s.get("/api/v1/workspaces").json["workspaces"]]
        self.assertFalse([n for n in names if n.startswith("csrf ")], names)

    def test_cookie_mutating_requests_with_the_csrf_token_succeed(self):
        s = self.server.login(self.email)
        st, _, ws = s.post("/api/v1/workspaces", {"name": "with csrf"})
        self.assertEqual(st, 201)
        path = "/api/v1/workspaces/%d" % ws["id"]
        self.assertError(s.patch(path, {"lang": "fr"}, csrf=False), 403, "csrf_failed")
        self.assertError(s.delete(path, csrf=False), 403, "csrf_failed")
        self.assertEqual(s.get(path).json["lang"], "en")
        self.assertEqual(s.patch(path, {"lang": "fr"}).status, 200)
        self.assertEqual(s.delete(path).status, 204)
        self.assertEqual(s.get(path).status, 404)

    def test_get_with_a_cookie_needs_no_csrf_token(self):
        s = self.server.login(self.email)
        for path in ["/api/v1/me", "/api/v1/workspaces"]:
            self.assertEqual(s.get(path).status, 200, path)

    def test_logout_and_password_change_need_the_csrf_token_too(self):
        s = self.server.login(self.email)
        self.assertError(s.post("/api/v1/auth/logout", csrf=False), 403, "csrf_failed")
        r = s.post("/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                   csrf=False)
        self.assertError(r, 403, "csrf_failed")
        self.assertEqual(s.get("/api/v1/me").status, 200, "the session must still be valid")
        self.server.login(self.email)          # the password is unchanged

    def test_bearer_token_requests_need_no_csrf_token(self):
        bot = self.server.bearer(self.email)
        st, _, ws = bot.post("/api/v1/workspaces", {"name": "by token"})
        self.assertEqual(st, 201)
        self.assertEqual(bot.delete("/api/v1/workspaces/%d" % ws["id"]).status, 204)


class Passwords(ServerTest):
    def test_password_change_revokes_every_session_and_only_the_new_password_works(self):
        email = unique()
        self.server.add_user(email)
        s1, s2 = self.server.login(email), self.server.login(email)
        r = s1.post("/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        self.assertEqual(r.status, 204, r)
        self.assertError(s1.get("/api/v1/me"), 401, "unauthenticated")
        self.assertError(s2.get("/api/v1/me"), 401, "unauthenticated")
        r = self.server.request("POST", LOGIN, {"email": email, "password": PASSWORD})
        self.assertError(r, 401, "invalid_credentials")
        self.assertEqual(self.server.login(email, NEW_PASSWORD).get("/api/v1/me").status, 200)

    def test_password_change_with_a_wrong_current_password_or_a_weak_new_one_changes_nothing(self):
        email = unique()
        self.server.add_user(email)
        s = self.server.login(email)
        r = s.post("/api/v1/me/password", {"current_password": "wrong password!", "new_password": NEW_PASSWORD})
        self.assertError(r, 403, "invalid_credentials", "current_password")
        r = s.post("/api/v1/me/password", {"current_password": PASSWORD, "new_password": "short"})
        self.assertError(r, 422, "weak_password", "new_password")
        r = s.post("/api/v1/me/password", {"current_password": PASSWORD})
        self.assertError(r, 400, "missing_field", "new_password")
        self.assertEqual(s.get("/api/v1/me").status, 200)
        self.server.login(email, PASSWORD)

    def test_cli_user_passwd_revokes_the_sessions_of_the_account(self):
        email, other = unique(), unique()
        self.server.add_user(email)
        self.server.add_user(other)
        s, bystander = self.server.login(email), self.server.login(other)
        r = self.server.cli("user", "passwd", email, "--password-stdin", stdin=NEW_PASSWORD + "\n")
        self.assertEqual(r.rc, 0, r)
        self.assertError(s.get("/api/v1/me"), 401, "unauthenticated")
        self.assertEqual(bystander.get("/api/v1/me").status, 200)
        self.assertEqual(self.server.request("POST", LOGIN, {"email": email, "password": PASSWORD}).status, 401)
        self.server.login(email, NEW_PASSWORD)

    def test_cli_user_passwd_of_an_unknown_account_fails(self):
        r = self.server.cli("user", "passwd", unique(), "--password-stdin", stdin=NEW_PASSWORD + "\n")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("no account", r.err)


class Tokens(ServerTest):
    def test_bearer_token_from_the_cli_authenticates_its_account(self):
        email = unique()
        uid = self.server.add_user(email)
        bot = self.server.bearer(email)
        st, _, me = bot.get("/api/v1/me")
        self.assertEqual(st, 200)
        self.assertEqual((me["user"]["id"], me["user"]["email"]), (uid, email))
        self.assertNotIn("csrf_token", me, "no CSRF token without a cookie session")
        lower = Client(self.server, email=email)
        r = lower.get("/api/v1/me", headers={"Authorization": "bearer " + bot.token})
        self.assertEqual(r.status, 200, "the scheme is case-insensitive")

    def test_a_wrong_or_garbage_bearer_token_is_401(self):
        email = unique()
        self.server.add_user(email)
        good = self.server.token(email)
        bad = [
            "tribu_" + "A" * 43,                # well formed, unknown
            good[:-1],                          # one character short
            good + "A",                         # one too many
            good[:-1] + ("B" if good[-1] != "B" else "C"),
            good[len("tribu_"):],               # without its prefix
            "garbage",
            "tribu_" + "x" * 5000,
            "",
        ]
        for tok in bad:
            with self.subTest(tok=tok[:20]):
                r = self.server.get("/api/v1/me", headers={"Authorization": "Bearer " + tok})
                self.assertError(r, 401, "unauthenticated")
                self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
        for h in ["Basic " + good, good, "Token " + good]:
            r = self.server.get("/api/v1/me", headers={"Authorization": h})
            self.assertError(r, 401, "unauthenticated")

    def test_a_session_token_is_not_accepted_as_a_bearer_token(self):
        email = unique()
        self.server.add_user(email)
        s = self.server.login(email)
        r = self.server.get("/api/v1/me", headers={"Authorization": "Bearer " + s.cookie})
        self.assertError(r, 401, "unauthenticated")


class Throttling(unittest.TestCase):
    def test_after_5_failures_the_account_is_locked_with_429_even_with_the_right_password(self):
        with Server("--login-max-failures", "5", "--login-lockout", "2") as srv:
            email, other = unique(), unique()
            srv.add_user(email)
            srv.add_user(other)
            for i in range(5):
                r = srv.request("POST", LOGIN, {"email": email, "password": "wrong password %d" % i})
                self.assertEqual(r.status, 401, "attempt %d: %r" % (i + 1, r))
            r = srv.request("POST", LOGIN, {"email": email, "password": PASSWORD})
            self.assertEqual(r.status, 429, r)
            self.assertEqual(r.json["error"]["code"], "too_many_attempts")
            wait = int(r.headers["Retry-After"])
            self.assertTrue(0 < wait <= 2, wait)
            self.assertNotIn("Set-Cookie", r.headers)
            r = srv.request("POST", LOGIN, {"email": email.upper(), "password": PASSWORD})
            self.assertEqual(r.status, 429, "the same account in upper case")
            srv.login(other)                    # other accounts are not locked
            time.sleep(wait + 0.2)
            srv.login(email)                    # the lockout is over

    def test_an_unknown_email_is_locked_the_same_way_as_a_known_one(self):
        with Server("--login-max-failures", "3") as srv:
            known, ghost = unique(), unique("ghost")
            srv.add_user(known)
            for email in [known, ghost]:
                codes = [srv.request("POST", LOGIN, {"email": email, "password": "wrong password"}).status
                         for _ in range(4)]
                self.assertEqual(codes, [401, 401, 401, 429], email)

    def test_failures_from_one_address_across_accounts_lock_that_address(self):
        with Server("--login-ip-max-failures", "3", "--login-max-failures", "100") as srv:
            victim = unique()
            srv.add_user(victim)
            for _ in range(3):
                r = srv.request("POST", LOGIN, {"email": unique("spray"), "password": "wrong password"})
                self.assertEqual(r.status, 401, r)
            r = srv.request("POST", LOGIN, {"email": victim, "password": PASSWORD})
            self.assertEqual(r.status, 429, r)
            self.assertEqual(r.json["error"]["code"], "too_many_attempts")
            self.assertGreater(int(r.headers["Retry-After"]), 0)


def all_files(d):
    for dirpath, _, files in os.walk(d):
        for f in files:
            yield os.path.join(dirpath, f)


class SecretsAtRest(unittest.TestCase):
    def test_the_database_holds_no_plaintext_token_session_or_password(self):
        with Server() as srv:
            email = unique()
            srv.add_user(email)
            s = srv.login(email)
            token = srv.token(email)
            self.assertEqual(Client(srv, token=token).get("/api/v1/me").status, 200)
            secrets = {"session": s.cookie, "token": token, "token body": token[len("tribu_"):],
                       "password": PASSWORD, "admin password": srv.admin_password,
                       "csrf": s.csrf}
            # Every byte of every file (database, WAL, key file), while running.
            for path in all_files(srv.data):
                with open(path, "rb") as f:
                    data = f.read()
                for what, v in secrets.items():
                    self.assertNotIn(v.encode(), data, "%s in plain text in %s" % (what, path))
            db = sqlite3.connect("file:%s?mode=ro" % srv.db_path(), uri=True)
            try:
                hashes = [r[0] for r in db.execute("SELECT pwhash FROM account")]
                self.assertEqual(len(hashes), 2)
                for h in hashes:
                    self.assertTrue(h.startswith("$argon2id$"), h)
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
                for t in tables:
                    for row in db.execute('SELECT * FROM "%s"' % t):
                        text = " ".join(str(v) for v in row)
                        for what, v in secrets.items():
                            self.assertNotIn(v, text, "%s in table %s" % (what, t))
                self.assertEqual(db.execute("SELECT count(*) FROM session").fetchone()[0], 1)
                self.assertEqual(db.execute("SELECT count(*) FROM api_token").fetchone()[0], 1)
            finally:
                db.close()

    def test_the_key_file_and_data_directory_are_private(self):
        with Server() as srv:
            key = os.path.join(srv.data, "secret.key")
            self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
            self.assertEqual(os.path.getsize(key), 32)
            self.assertEqual(stat.S_IMODE(os.stat(srv.data).st_mode), 0o700)
            self.assertEqual(stat.S_IMODE(os.stat(srv.db_path()).st_mode) & 0o077, 0)

    def test_a_key_file_readable_by_others_makes_serve_refuse_to_start(self):
        with Server() as srv:
            srv.stop()
            key = os.path.join(srv.data, "secret.key")
            os.chmod(key, 0o644)
            port = free_port()
            r = run_cli(["serve", "--listen", "127.0.0.1:%d" % port], data=srv.data)
            self.assertNotEqual(r.rc, 0, r)
            self.assertIn("secret.key", r.err)
            self.assertRegex(r.err, r"readable by others|chmod 600", r)
            os.chmod(key, 0o600)
            srv.start()                         # and with 0600 again it serves
            srv.admin()

    def test_a_key_file_of_the_wrong_size_makes_serve_refuse_to_start(self):
        with Server() as srv:
            srv.stop()
            key = os.path.join(srv.data, "secret.key")
            with open(key, "ab") as f:
                f.write(b"x")
            r = run_cli(["serve", "--listen", "127.0.0.1:%d" % free_port()], data=srv.data)
            self.assertNotEqual(r.rc, 0, r)
            self.assertIn("32 bytes", r.err)
            with open(key, "r+b") as f:
                f.truncate(32)
            srv.start()


if __name__ == "__main__":
    unittest.main()
