"""Mastodon through the whole of Tribu (API, scheduler, connector) against
RECORDED responses: no Mastodon server can run here, so a small loopback
server answers with the API entities recorded in tests/connectors/mastodon/
(shaped after Mastodon's published API reference) and records what Tribu
sent. It behaves as Mastodon documents for the parts exercised: a bearer
token checked by verify_credentials, and POST /api/v1/statuses idempotent
under the Idempotency-Key header."""
import json
import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import ServerTest, unique

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDED = os.path.join(HERE, "..", "connectors", "mastodon")
API = "/api/v1/workspaces"
TOKEN = "recorded-token-123"


def recorded(name):
    with open(os.path.join(RECORDED, name), encoding="utf-8") as f:
        return json.load(f)


class Recorded(BaseHTTPRequestHandler):
    """The instance: answers from the recordings, keeps what it was sent."""

    def log_message(self, *a):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if self.headers.get("Authorization") == "Bearer " + TOKEN:
            return True
        self.reply(401, recorded("error_token.json"))
        return False

    def do_GET(self):
        if not self.authorized():
            return
        if self.path == "/api/v1/accounts/verify_credentials":
            self.reply(200, recorded("account.json"))
        elif self.path.startswith("/api/v1/accounts/") and "/statuses" in self.path:
            self.reply(200, [])
        else:
            self.reply(404, recorded("error_not_found.json"))

    def do_POST(self):
        if not self.authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        srv = self.server
        with srv.lock:
            srv.posts.append({"path": self.path, "key": self.headers.get("Idempotency-Key"),
                              "body": body})
            if self.path != "/api/v1/statuses":
                return self.reply(404, recorded("error_not_found.json"))
            key = self.headers.get("Idempotency-Key")
            if key in srv.by_key:          # Mastodon: the same key, the same status
                return self.reply(200, srv.by_key[key])
            if not body.get("status"):
                return self.reply(422, recorded("error_blank.json"))
            st = recorded("status.json")
            st["id"] = str(113315447286190842 + len(srv.by_key))
            st["url"] = "https://mastodon.example/@tribu_demo/" + st["id"]
            st["content"] = "<p>%s</p>" % body["status"]
            st["visibility"] = body.get("visibility", "public")
            st["spoiler_text"] = body.get("spoiler_text", "")
            srv.by_key[key] = st
            self.reply(200, st)


class MastodonRecorded(ServerTest):
    flags = ("--publish-tick", "50", "--network-timeout", "5000")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.masto = ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
        cls.masto.lock = threading.Lock()
        cls.masto.posts, cls.masto.by_key = [], {}
        threading.Thread(target=cls.masto.serve_forever, daemon=True).start()
        cls.url = "http://127.0.0.1:%d" % cls.masto.server_address[1]
        cls.owner = cls.server.admin()

    @classmethod
    def tearDownClass(cls):
        cls.masto.shutdown()
        super().tearDownClass()

    def test_mastodon_recorded_channel_post_visibility_and_content_warning_published_once(self):
        ws = self.owner.post(API, {"name": unique("masto").split("@")[0]}).json["id"]
        base = "%s/%d" % (API, ws)
        r = self.owner.post(base + "/channels", {"network": "mastodon", "identifier": "tribu_demo",
                                                 "password": TOKEN})
        self.assertError(r, 400, "missing_field", "service")
        r = self.owner.post(base + "/channels", {"network": "mastodon", "service": self.url,
                                                 "identifier": "tribu_demo", "password": "revoked"})
        self.assertError(r, 422, "credentials_refused", "password")
        r = self.owner.post(base + "/channels", {"network": "mastodon", "service": self.url,
                                                 "identifier": "tribu_demo", "password": TOKEN})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["handle"], r.json["account_ref"]), ("@tribu_demo", "109384737220012345"))
        ch = r.json["id"]
        r = self.owner.post(base + "/posts", {"variants": [{"channel_id": ch, "text": "x" * 501}]})
        self.assertError(r, 422, "too_long", "variants[0].text")
        r = self.owner.post(base + "/posts", {"variants": [{
            "channel_id": ch, "text": "Fermeture exceptionnelle samedi https://boutique.fr/" + "a" * 600,
            "visibility": "unlisted", "content_warning": "Annonce"}]})
        self.assertEqual(r.status, 201, r)                      # the link counts 23, not 624
        pid = r.json["id"]
        r = self.owner.post(base + "/posts/%d/schedule" % pid, {"scheduled_at": time.strftime(
            "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 1))})
        self.assertEqual((r.status, r.json["state"]), (200, "scheduled"), r)
        deadline = time.time() + 20
        while time.time() < deadline:
            p = self.owner.get(base + "/posts/%d" % pid).json
            if p["state"] in ("published", "failed"):
                break
            time.sleep(0.1)
        self.assertEqual(p["state"], "published", p)
        v = p["variants"][0]
        with self.masto.lock:
            sent = [x for x in self.masto.posts if x["path"] == "/api/v1/statuses"]
        self.assertEqual(len(sent), 1, sent)
        self.assertTrue(sent[0]["key"], "no Idempotency-Key header")
        self.assertEqual((sent[0]["body"]["visibility"], sent[0]["body"]["spoiler_text"]),
                         ("unlisted", "Annonce"))
        self.assertTrue(sent[0]["body"]["status"].startswith("Fermeture exceptionnelle"))
        st = self.masto.by_key[sent[0]["key"]]
        self.assertEqual((v["external_id"], v["url"]), (st["id"], st["url"]))


if __name__ == "__main__":
    unittest.main()
