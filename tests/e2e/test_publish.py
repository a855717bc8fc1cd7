"""Publishing against a real Bluesky PDS (tests/peers/bluesky.sh): channels,
posts, approvals, the charter, the calendar and its iCalendar feed, import,
the crisis pause, and exactly-once publishing through kill -9.

Results are checked by reading the records back from the PDS."""
import json
import os
import sqlite3
import time
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from harness import Server, ServerTest, raw_exchange, unique

PDS = os.environ.get("TRIBU_TEST_PDS", "")
API = "/api/v1/workspaces"
FAST_PUBLISH = ("--publish-tick", "50", "--publish-retry", "200", "--network-timeout", "5000")


def xrpc(nsid, body=None, token=None, query=""):
    url = "%s/xrpc/%s%s" % (PDS, nsid, ("?" + query) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


_n = [0]


def pds_account():
    """A fresh PDS account and an app password for it."""
    _n[0] += 1
    handle = "p%x%d%d.test" % (int(time.time() * 10) & 0xffffff, os.getpid() % 1000, _n[0])
    st, acct = xrpc("com.atproto.server.createAccount",
                    {"handle": handle, "email": handle + "@example.com", "password": "main-pw-1"})
    assert st == 200, acct
    st, app = xrpc("com.atproto.server.createAppPassword", {"name": "tribu"}, acct["accessJwt"])
    assert st == 200, app
    return {"handle": handle, "did": acct["did"], "app_password": app["password"]}


def records(did):
    """Every post record of the repo: {text: [uri, ...]}."""
    out, cursor = {}, None
    while True:
        q = "repo=%s&collection=app.bsky.feed.post&limit=100" % did
        if cursor:
            q += "&cursor=" + cursor
        st, page = xrpc("com.atproto.repo.listRecords", query=q)
        assert st == 200, page
        for r in page["records"]:
            out.setdefault(r["value"]["text"], []).append(r["uri"])
        cursor = page.get("cursor")
        if not cursor or not page["records"]:
            return out


def png(w=2, h=2, seed=0):
    """A small valid PNG (RGB, no compression tricks)."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\x00" + bytes((x * 40 + seed) % 256 for x in range(w * 3)) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rfc3339(seconds_from_now, tz=timezone.utc):
    return (datetime.now(tz) + timedelta(seconds=seconds_from_now)).isoformat(timespec="seconds")


@unittest.skipUnless(PDS, "no PDS: tests/peers/bluesky.sh start, then TRIBU_TEST_PDS=URL")
class PublishTest(ServerTest):
    flags = FAST_PUBLISH

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls.server.admin()
        for n in ["ed", "cli"]:
            email = unique(n)
            cls.server.add_user(email, name=n)
            c = cls.server.bearer(email)
            setattr(cls, n, c)

    def new_ws(self, **settings):
        settings.setdefault("name", unique("ws").split("@")[0])
        r = self.owner.post(API, settings)
        self.assertEqual(r.status, 201, r)
        ws = r.json
        for who, role in ((self.ed, "editor"), (self.cli, "client")):
            r = self.owner.post("%s/%d/members" % (API, ws["id"]), {"email": who.email, "role": role})
            self.assertEqual(r.status, 201, r)
        return ws

    def channel(self, ws, acct=None):
        acct = acct or pds_account()
        r = self.owner.post("%s/%d/channels" % (API, ws["id"]),
                            {"network": "bluesky", "service": PDS, "identifier": acct["handle"],
                             "password": acct["app_password"]})
        self.assertEqual(r.status, 201, r)
        return acct, r.json

    def wait_state(self, ws, post_id, states, timeout=30):
        deadline = time.time() + timeout
        while True:
            r = self.owner.get("%s/%d/posts/%d" % (API, ws["id"], post_id))
            self.assertEqual(r.status, 200, r)
            if r.json["state"] in states or time.time() > deadline:
                return r.json
            time.sleep(0.1)


class Channels(PublishTest):
    def test_a_wrong_app_password_is_refused_and_nothing_is_stored(self):
        ws = self.new_ws()
        acct = pds_account()
        r = self.owner.post("%s/%d/channels" % (API, ws["id"]),
                            {"network": "bluesky", "service": PDS, "identifier": acct["handle"],
                             "password": "wrong-password"})
        self.assertError(r, 422, "credentials_refused", "password")
        self.assertEqual(self.owner.get("%s/%d/channels" % (API, ws["id"])).json["channels"], [])

    def test_a_channel_is_created_active_with_its_did_and_credentials_are_sealed(self):
        ws = self.new_ws()
        acct, ch = self.channel(ws)
        self.assertEqual((ch["network"], ch["handle"], ch["account_ref"], ch["status"]),
                         ("bluesky", acct["handle"], acct["did"], "active"))
        self.assertNotIn("password", json.dumps(ch))
        raw = open(os.path.join(self.server.data, "tribu.db"), "rb").read()
        self.assertNotIn(acct["app_password"].encode(), raw)
        # The same account twice in one workspace is refused.
        r = self.owner.post("%s/%d/channels" % (API, ws["id"]),
                            {"network": "bluesky", "service": PDS, "identifier": acct["handle"],
                             "password": acct["app_password"]})
        self.assertError(r, 409, "exists")

    def test_an_editor_cannot_connect_a_channel(self):
        ws = self.new_ws()
        r = self.ed.post("%s/%d/channels" % (API, ws["id"]),
                         {"network": "bluesky", "service": PDS, "identifier": "x.test",
                          "password": "y"})
        self.assertError(r, 403)


class Posts(PublishTest):
    def test_a_post_scheduled_in_two_seconds_is_published_once_and_readable_on_the_pds(self):
        ws = self.new_ws(tz="Europe/Paris")
        acct, ch = self.channel(ws)
        text = "Bonjour @%s, l'été arrive ! #Tribu https://example.org/été" % acct["handle"]
        r = self.ed.post("%s/%d/posts" % (API, ws["id"]),
                         {"variants": [{"channel_id": ch["id"], "text": text}],
                          "scheduled_at": rfc3339(2, timezone(timedelta(hours=5)))})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["state"], "scheduled")
        # Shown in the workspace's zone, whatever offset it was given in.
        self.assertRegex(r.json["scheduled_at"], r"\+0[12]:00$")
        p = self.wait_state(ws, r.json["id"], ("published", "failed"))
        self.assertEqual(p["state"], "published", p)
        v = p["variants"][0]
        self.assertTrue(v["external_id"].startswith("at://" + acct["did"]), v)
        self.assertIn("/post/", v["url"])
        recs = records(acct["did"])
        self.assertEqual(recs.get(text), [v["external_id"]])
        st, rec = xrpc("com.atproto.repo.getRecord",
                       query="repo=%s&collection=app.bsky.feed.post&rkey=%s"
                       % (acct["did"], v["external_id"].rsplit("/", 1)[1]))
        self.assertEqual(st, 200, rec)
        kinds = sorted(f["features"][0]["$type"] for f in rec["value"]["facets"])
        self.assertEqual(kinds, ["app.bsky.richtext.facet#link", "app.bsky.richtext.facet#mention",
                                 "app.bsky.richtext.facet#tag"])
        actions = [e["action"] for e in self.owner.get("%s/%d/audit" % (API, ws["id"])).json["entries"]]
        self.assertIn("post.published", actions)
        self.assertIn("post.create", actions)

    def test_an_image_with_alt_text_is_uploaded_and_published_through_upload_blob(self):
        ws = self.new_ws()
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        image = png(seed=7)
        r = self.ed.post(base + "/media", image, headers={"Content-Type": "image/png"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["mime"], r.json["size"]), ("image/png", len(image)))
        again = self.ed.post(base + "/media", image, headers={"Content-Type": "image/png"})
        self.assertEqual((again.status, again.json["id"]), (200, r.json["id"]))
        self.assertError(self.ed.post(base + "/media", b"<svg/>", headers={"Content-Type": "image/png"}),
                         415, "unsupported_media_type")
        self.assertError(self.ed.post(base + "/media", image, headers={"Content-Type": "image/gif"}),
                         415, "unsupported_media_type")
        # Over max_upload (16 MiB): refused from its Content-Length, before the body.
        head = ("POST %s/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                % (base, self.ed.token, 17 << 20)).encode()
        got = raw_exchange(self.server.port, [head, b"\xff\xd8\xff" + b"0" * 65536])
        self.assertTrue(got.startswith(b"HTTP/1.1 413"), got[:200])
        self.assertIn(b'"body_too_large"', got)
        self.assertError(self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "x",
                                                                      "media": [{"media_id": 999999}]}]}),
                         422, "invalid_media", "variants[0].media")
        text = "Notre nouvelle affiche"
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": text,
                                                         "link": "https://tribu.fr/agenda",
                                                         "media": [{"media_id": r.json["id"],
                                                                    "alt": "Affiche : un soleil orange"}]}],
                                           "scheduled_at": rfc3339(1)})
        self.assertEqual(r.status, 201, r)
        p = self.wait_state(ws, r.json["id"], ("published", "failed"))
        self.assertEqual(p["state"], "published", p)
        uri = p["variants"][0]["external_id"]
        st, rec = xrpc("com.atproto.repo.getRecord",
                       query="repo=%s&collection=app.bsky.feed.post&rkey=%s" % (acct["did"], uri.rsplit("/", 1)[1]))
        self.assertEqual(st, 200, rec)
        self.assertEqual(rec["value"]["text"], text + "\nhttps://tribu.fr/agenda")
        imgs = rec["value"]["embed"]["images"]
        self.assertEqual([i["alt"] for i in imgs], ["Affiche : un soleil orange"])
        self.assertEqual(imgs[0]["image"]["mimeType"], "image/png")
        self.assertEqual(imgs[0]["image"]["size"], len(image))

    def test_add_to_queue_takes_the_next_free_weekly_slot_in_the_workspace_zone(self):
        ws = self.new_ws(tz="Australia/Sydney")
        _, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "q"}], "queue": True})
        self.assertError(r, 422, "no_free_slot", "queue")
        r = self.owner.patch(base + "/channels/%d" % ch["id"],
                             {"slots": [{"day": "Wednesday", "time": "9:00"}, {"day": "mon", "time": "09:00"},
                                        {"day": "mon", "time": "09:00"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["slots"], [{"day": "mon", "time": "09:00"}, {"day": "wed", "time": "09:00"}])
        self.assertError(self.owner.patch(base + "/channels/%d" % ch["id"], {"slots": [{"day": "mon"}]}),
                         422, "invalid_value", "slots")
        got = []
        for i in range(3):
            r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "q%d" % i}],
                                               "queue": True})
            self.assertEqual((r.status, r.json["state"]), (201, "scheduled"), r)
            got.append(r.json["scheduled_at"])
        days = [datetime.fromisoformat(g) for g in got]
        self.assertEqual(len(set(got)), 3, got)
        self.assertEqual(days, sorted(days))
        for d in days:
            self.assertEqual((d.hour, d.minute), (9, 0))          # 09:00 in Sydney, DST or not
            self.assertIn(d.weekday(), (0, 2))
            self.assertIn(d.utcoffset(), (timedelta(hours=10), timedelta(hours=11)))

    def test_a_thread_and_its_first_comment_are_published_as_a_chain_of_replies(self):
        ws = self.new_ws()
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "x",
                                                         "visibility": "unlisted"}]})
        self.assertError(r, 422, "invalid_value", "variants[0].visibility")
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "x",
                                                         "thread": ["ok", "é" * 301]}]})
        self.assertError(r, 422, "too_long", "variants[0].thread[1]")
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "1/3 Le programme",
                                                         "thread": ["2/3 Samedi", "3/3 Dimanche"],
                                                         "first_comment": "Inscriptions : lien en bio"}],
                                           "scheduled_at": rfc3339(1)})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["variants"][0]["thread"], ["2/3 Samedi", "3/3 Dimanche"])
        p = self.wait_state(ws, r.json["id"], ("published", "failed"))
        self.assertEqual(p["state"], "published", p)
        root = p["variants"][0]["external_id"]
        recs = {}
        q = "repo=%s&collection=app.bsky.feed.post&limit=100" % acct["did"]
        st, page = xrpc("com.atproto.repo.listRecords", query=q)
        for rec in page["records"]:
            recs[rec["value"]["text"]] = rec
        self.assertEqual(sorted(recs), sorted(["1/3 Le programme", "2/3 Samedi", "3/3 Dimanche",
                                               "Inscriptions : lien en bio"]))
        parent = lambda t: recs[t]["value"]["reply"]["parent"]["uri"]
        self.assertEqual(parent("2/3 Samedi"), root)
        self.assertEqual(parent("3/3 Dimanche"), recs["2/3 Samedi"]["uri"])
        self.assertEqual(parent("Inscriptions : lien en bio"), root)
        self.assertTrue(all(recs[t]["value"]["reply"]["root"]["uri"] == root
                            for t in recs if t != "1/3 Le programme"))

    def test_a_text_over_300_graphemes_is_refused_before_any_network_call(self):
        ws = self.new_ws()
        _, ch = self.channel(ws)
        r = self.ed.post("%s/%d/posts" % (API, ws["id"]),
                         {"variants": [{"channel_id": ch["id"], "text": "é" * 301}]})
        self.assertError(r, 422, "too_long", "variants[0].text")
        r = self.ed.post("%s/%d/posts" % (API, ws["id"]),
                         {"variants": [{"channel_id": ch["id"], "text": "é" * 300}]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["state"], "draft")

    def test_approval_required_routes_posts_through_review(self):
        ws = self.new_ws()
        _, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        self.assertEqual(self.owner.patch(base + "/publishing", {"approval_required": True}).status, 200)
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "À valider"}],
                                           "scheduled_at": rfc3339(3600)})
        self.assertEqual((r.status, r.json["state"]), (201, "in_review"), r)
        pid = r.json["id"]
        self.assertError(self.ed.post(base + "/posts/%d/approve" % pid, {}), 403)
        r = self.cli.post(base + "/posts/%d/reject" % pid, {})
        self.assertError(r, 400, "missing_field", "comment")
        r = self.cli.post(base + "/posts/%d/reject" % pid, {"comment": "Trop long"})
        self.assertEqual((r.status, r.json["state"], r.json["review_comment"]), (200, "draft", "Trop long"))
        r = self.ed.post(base + "/posts/%d/schedule" % pid, {"scheduled_at": rfc3339(3600)})
        self.assertError(r, 409, "approval_required")
        self.assertEqual(self.ed.post(base + "/posts/%d/submit" % pid).json["state"], "in_review")
        r = self.cli.post(base + "/posts/%d/approve" % pid, {"comment": "OK"})
        self.assertEqual((r.status, r.json["state"]), (200, "scheduled"), r)
        # Editing the text of an approved post sends it back to review.
        r = self.ed.patch(base + "/posts/%d" % pid, {"variants": [{"channel_id": ch["id"], "text": "Autre"}]})
        self.assertEqual((r.status, r.json["state"]), (200, "in_review"), r)
        actions = [e["action"] for e in self.owner.get(base + "/audit").json["entries"]]
        for a in ("post.create", "post.reject", "post.submit", "post.approve", "post.update"):
            self.assertIn(a, actions)

    def test_the_charter_refuses_scheduling_unless_an_owner_overrides_with_a_reason(self):
        ws = self.new_ws(lang="fr")
        _, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        r = self.owner.patch(base + "/publishing", {"charter": {"forbidden": ["gratuit"], "max_hashtags": 1}})
        self.assertEqual(r.status, 200, r)
        text = "C'est GRATUIT #a #b"
        r = self.ed.post(base + "/charter/check", {"variants": [{"channel_id": ch["id"], "text": text}]})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["ok"])
        f = {x["rule"]: x for x in r.json["variants"][0]["findings"]}
        self.assertEqual((f["forbidden"]["start"], f["forbidden"]["end"]), (6, 13))
        self.assertIn("«\u00a0GRATUIT\u00a0»", f["forbidden"]["message"])
        self.assertIn("max_hashtags", f)
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": text}],
                                           "scheduled_at": rfc3339(3600)})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["error"]["code"], "charter_violation")
        self.assertTrue(r.json["findings"])
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": text}],
                                           "scheduled_at": rfc3339(3600), "override_reason": "moi"})
        self.assertEqual(r.status, 422, r)
        # Thread parts and the first comment follow the charter's text rules too.
        r = self.ed.post(base + "/charter/check", {"variants": [{
            "channel_id": ch["id"], "text": "Bonjour", "thread": ["Suite", "Tout est gratuit"],
            "first_comment": "#a #b en commentaire"}]})
        self.assertEqual(r.status, 200, r)
        parts = {(g.get("part"), f["rule"]) for g in r.json["variants"] for f in g["findings"]}
        self.assertEqual(parts, {("thread[1]", "forbidden"), ("first_comment", "max_hashtags")})
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "Bonjour",
                                                         "thread": ["Tout est gratuit"]}],
                                           "scheduled_at": rfc3339(3600)})
        self.assertEqual((r.status, r.json["findings"][1]["part"]), (422, "thread[0]"), r)
        r = self.owner.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": text}],
                                              "scheduled_at": rfc3339(3600),
                                              "override_reason": "Opération validée par le client"})
        self.assertEqual((r.status, r.json["state"]), (201, "scheduled"), r)
        self.assertEqual(r.json["override_reason"], "Opération validée par le client")

    def test_a_campaign_with_utm_values_tags_every_link_of_its_posts(self):
        ws = self.new_ws()
        _, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        r = self.owner.patch(base + "/publishing", {"campaigns": {"Soldes d'été": {"utm_campaign": "soldes-ete"}},
                                                    "charter": {"utm_required": True}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["campaigns"], {"Soldes d'été": {"utm_campaign": "soldes-ete"}})
        self.assertError(self.owner.patch(base + "/publishing", {"campaigns": {"x": {"utm_term": "a"}}}),
                         422, "invalid_value", "campaigns")
        text = "Les soldes : https://boutique.fr/promo?x=1#top"
        r = self.ed.post(base + "/charter/check", {"variants": [{"channel_id": ch["id"], "text": text}]})
        self.assertEqual([f["rule"] for f in r.json["variants"][0]["findings"]], ["utm_required"])
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": text,
                                                         "link": "https://boutique.fr/"}],
                                           "campaign": "Soldes d'été", "scheduled_at": rfc3339(3600)})
        self.assertEqual((r.status, r.json["state"]), (201, "scheduled"), r)
        v = r.json["variants"][0]
        self.assertIn("https://boutique.fr/promo?x=1&utm_source=bluesky&utm_medium=social"
                      "&utm_campaign=soldes-ete#top", v["text"])
        self.assertTrue(v["link"].startswith("https://boutique.fr/?utm_source=bluesky"), v["link"])

    def test_the_calendar_lists_by_local_day_and_the_ical_feed_parses(self):
        import icalendar
        ws = self.new_ws(tz="America/New_York")
        _, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        day = (datetime.now(timezone.utc) + timedelta(days=3)).date()
        ids = []
        for hh in ("00:30", "23:30"):
            at = "%sT%s:00-05:00" % (day.isoformat(), hh) if day.month in (1, 2, 12) else \
                 "%sT%s:00-04:00" % (day.isoformat(), hh)
            r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "À " + hh}],
                                               "scheduled_at": at, "labels": ["promo"]})
            self.assertEqual(r.status, 201, r)
            ids.append(r.json["id"])
        r = self.ed.get(base + "/posts?from=%s&to=%s" % (day, day + timedelta(days=1)))
        self.assertEqual(r.status, 200, r)
        self.assertEqual([p["id"] for p in r.json["posts"]], ids)
        self.assertEqual({p["local_date"] for p in r.json["posts"]}, {day.isoformat()})
        self.assertEqual(len(self.ed.get(base + "/posts?label=nope").json["posts"]), 0)
        r = self.ed.get(base + "/posts/export?format=csv&from=%s" % day)
        self.assertEqual(r.status, 200, r)
        self.assertIn("date,time,channel,text", r.body.decode())
        self.assertError(self.ed.post(base + "/ical"), 403)
        r = self.owner.post(base + "/ical")
        self.assertEqual(r.status, 201, r)
        feed = self.server.request("GET", r.json["path"])
        self.assertEqual(feed.status, 200)
        self.assertTrue(feed.headers["Content-Type"].startswith("text/calendar"))
        cal = icalendar.Calendar.from_ical(feed.body)
        events = [e for e in cal.walk("VEVENT")]
        self.assertEqual(len(events), 2)
        starts = sorted(e.decoded("DTSTART") for e in events)
        self.assertEqual(starts[0].astimezone(timezone.utc).date(), day)
        self.assertEqual(self.server.request("GET", "/api/v1/ical/ical_nope.ics").status, 404)
        self.owner.post(base + "/ical")         # rotated: the old URL stops working
        self.assertEqual(self.server.request("GET", r.json["path"]).status, 404)

    def test_a_csv_import_is_all_or_nothing_with_every_bad_line_reported(self):
        ws = self.new_ws(tz="Europe/Paris")
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        y = datetime.now().year + 1
        bad = ("date;heure;canal;texte\r\n"
               "%d-06-01;10:00;%s;Bon\r\n"
               "%d-03-28;02:30;%s;Heure sautée\r\n"
               "%d-06-02;10:00;inconnu;Canal inconnu\r\n" % (y, acct["handle"], y + 1, acct["handle"], y))
        r = self.ed.post(base + "/posts/import", {"csv": bad})
        self.assertEqual(r.status, 422, r)
        lines = sorted(p["line"] for p in r.json["problems"])
        self.assertEqual(lines, [4], r.json)  # 28 March is not a DST night: only line 4 is bad
        self.assertEqual(self.ed.get(base + "/posts").json["posts"], [])
        good = "date,time,channel,text\n%d-06-01,10:00,@%s,\"Un, deux\"\n" % (y, acct["handle"])
        r = self.ed.post(base + "/posts/import", {"csv": good})
        self.assertEqual((r.status, r.json["imported"]), (201, 1), r)
        posts = self.ed.get(base + "/posts").json["posts"]
        self.assertEqual([(p["state"], p["variants"][0]["text"]) for p in posts], [("scheduled", "Un, deux")])
        self.assertTrue(posts[0]["scheduled_at"].startswith("%d-06-01T10:00:00+02:00" % y))
        # Rows without a time take queue slots, each its own.
        self.owner.patch(base + "/channels/%d" % ch["id"], {"slots": [{"day": "tue", "time": "08:00"}]})
        queued = "date,channel,text\n%d-06-01,%s,q1\n%d-06-01,%s,q2\n" % (y, acct["handle"], y, acct["handle"])
        r = self.ed.post(base + "/posts/import", {"csv": queued})
        self.assertEqual((r.status, r.json["imported"]), (201, 2), r)
        at = [self.ed.get(base + "/posts/%d" % i).json["scheduled_at"] for i in r.json["post_ids"]]
        self.assertEqual(len(set(at)), 2, at)
        self.assertTrue(all("T08:00:00+02:00" in a for a in at), at)
        # What the export wrote imports again (its formula guard undone).
        self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "=SOMME(A1)"}],
                                       "scheduled_at": "%d-07-01T10:00:00+02:00" % y})
        exported = self.ed.get(base + "/posts/export?format=csv&from=%d-07-01" % y).body.decode()
        self.assertIn("'=SOMME(A1)", exported)
        lines = exported.split("\r\n")
        again = "\r\n".join([lines[0]] + [l.replace("%d-07-01" % y, "%d-07-02" % y) for l in lines[1:]])
        r = self.ed.post(base + "/posts/import", {"csv": again})
        self.assertEqual(r.status, 201, r)
        texts = [self.ed.get(base + "/posts/%d" % i).json["variants"][0]["text"] for i in r.json["post_ids"]]
        self.assertEqual(texts, ["=SOMME(A1)"])

    def test_an_import_applies_the_charter_to_its_rows_and_between_them(self):
        ws = self.new_ws(tz="Europe/Paris", lang="fr")
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        self.owner.patch(base + "/publishing", {"charter": {"max_per_day": 1, "forbidden": ["gratuit"]}})
        y = datetime.now().year + 1
        csv = ("date,time,channel,text\n%d-05-04,09:00,%s,Un\n%d-05-04,18:00,%s,Deux\n"
               "%d-05-05,09:00,%s,C'est gratuit\n" % (y, acct["handle"], y, acct["handle"], y, acct["handle"]))
        r = self.ed.post(base + "/posts/import", {"csv": csv})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(sorted(p["line"] for p in r.json["problems"]), [3, 4], r.json)
        self.assertEqual(self.ed.get(base + "/posts").json["posts"], [])

    def test_a_post_waiting_for_its_channel_can_be_canceled_unless_something_may_be_out(self):
        ws = self.new_ws()
        _, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        ids = []
        for t in ("attend", "en vol"):
            r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": t}],
                                               "scheduled_at": rfc3339(86400)})
            self.assertEqual(r.status, 201, r)
            ids.append(r.json["id"])
        # The state a refused login leaves (the post claimed, its variant pending again, the
        # channel waiting for a new login), and one whose attempt may be out, set in the
        # database as the scheduler would have left them.
        con = sqlite3.connect(os.path.join(self.server.data, "tribu.db"), timeout=10)
        with con:
            con.execute("UPDATE channel SET status = 'needs_reconnect' WHERE id = ?", (ch["id"],))
            con.execute("UPDATE post SET state = 'publishing', version = version + 1 WHERE id IN (?, ?)",
                        tuple(ids))
            con.execute("UPDATE variant SET state = 'publishing' WHERE post_id = ?", (ids[1],))
        con.close()
        r = self.ed.post(base + "/posts/%d/cancel" % ids[1])
        self.assertError(r, 409, "wrong_state", "state")
        r = self.ed.post(base + "/posts/%d/cancel" % ids[0])
        self.assertEqual((r.status, r.json["state"]), (200, "canceled"), r)
        con = sqlite3.connect(os.path.join(self.server.data, "tribu.db"), timeout=10)
        queued = con.execute("SELECT count(*) FROM variant WHERE post_id = ? AND run_at <> 0",
                             (ids[0],)).fetchone()[0]
        con.close()
        self.assertEqual(queued, 0)

    def test_an_import_of_5000_rows_the_limit_is_checked_and_created_whole(self):
        ws = self.new_ws(tz="Europe/Paris")
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        self.owner.patch(base + "/publishing", {"charter": {"forbidden": ["gratuit"], "max_per_day": 500}})
        y = datetime.now().year + 1
        rows = ["date,time,channel,text"] + [
            "%d-%02d-%02d,%02d:%02d,%s,Message %d" % (y, 1 + i // 480 % 12, 1 + i // 20 % 24, 8 + i % 10,
                                                     i % 60, acct["handle"], i) for i in range(5000)]
        r = self.ed.post(base + "/posts/import", {"csv": "\n".join(rows) + "\n"})
        self.assertEqual((r.status, r.json["imported"]), (201, 5000), str(r.json)[:300])
        r = self.ed.post(base + "/posts/import", {"csv": "\n".join(rows + rows[1:2]) + "\n"})
        self.assertEqual(r.status, 422, str(r.json)[:300])

    def test_nothing_goes_out_while_paused_and_resume_publishes_the_missed_post(self):
        ws = self.new_ws()
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        self.assertError(self.owner.post(base + "/pause", {"reason": ""}), 400, "missing_field", "reason")
        self.assertError(self.ed.post(base + "/pause", {"reason": "x"}), 403)
        self.assertError(self.owner.post(base + "/resume", {"missed": "publish"}), 409, "not_paused")
        r = self.owner.post(base + "/pause", {"reason": "Crise en cours"})
        self.assertEqual((r.status, r.json["paused"]), (200, True), r)
        self.assertError(self.owner.post(base + "/pause", {"reason": "encore"}), 409, "already_paused")
        r = self.ed.post(base + "/posts", {"variants": [{"channel_id": ch["id"], "text": "Pendant la pause"}],
                                           "scheduled_at": rfc3339(1)})
        self.assertEqual(r.status, 201, r)
        time.sleep(2.5)
        self.assertEqual(self.ed.get(base + "/posts/%d" % r.json["id"]).json["state"], "scheduled")
        self.assertEqual(records(acct["did"]), {})
        r2 = self.owner.post(base + "/resume", {"missed": "publish"})
        self.assertEqual((r2.status, r2.json["paused"]), (200, False), r2)
        p = self.wait_state(ws, r.json["id"], ("published", "failed"))
        self.assertEqual(p["state"], "published", p)
        self.assertEqual(list(records(acct["did"])), ["Pendant la pause"])


@unittest.skipUnless(PDS, "no PDS")
class ImageHost:
    """A loopback web server with images for imports to fetch; counts hits."""

    def __init__(self):
        import http.server
        import threading
        files = {"/cat.png": ("image/png", png(seed=1)), "/dog.png": ("image/png", png(seed=2)),
                 "/page.html": ("text/html", b"<html>not an image</html>"),
                 "/big.png": ("image/png", png(w=64, h=64, seed=3) + b"\0" * 8192)}
        hits = self.hits = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits[self.path] = hits.get(self.path, 0) + 1
                if self.path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "/dog.png")
                    self.end_headers()
                    return
                if self.path not in files:
                    self.send_error(404)
                    return
                ctype, body = files[self.path]
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ImportImages(PublishTest):
    """The media column of an import: images fetched (each URL once), kept like
    uploads, published with their alt texts; loopback allowed here only by
    --fetch-private."""
    flags = FAST_PUBLISH + ("--fetch-private", "true", "--max-upload", "4096")

    def setUp(self):
        self.host = ImageHost()

    def tearDown(self):
        self.host.close()
        super().tearDown()

    def test_imported_image_urls_are_fetched_once_and_published_with_their_alt_texts(self):
        ws = self.new_ws()
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        at = (datetime.now(timezone.utc) + timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S")
        h = self.host.base
        csv = ("date;canal;texte;images;texte alternatif\n"
               "%s;%s;Deux photos;%s/cat.png | %s/moved;Un chat roux | Un chien qui dort\n"
               "%s;%s;Le chat encore;%s/cat.png;\n"
               % (at, acct["handle"], h, h, at, acct["handle"], h))
        r = self.ed.post(base + "/posts/import", {"csv": csv})
        self.assertEqual((r.status, r.json.get("imported")), (201, 2), r)
        self.assertEqual(self.host.hits.get("/cat.png"), 1, self.host.hits)
        texts = {}
        for pid in r.json["post_ids"]:
            p = self.wait_state(ws, pid, ("published", "failed"))
            self.assertEqual(p["state"], "published", p)
            uri = p["variants"][0]["external_id"]
            st, rec = xrpc("com.atproto.repo.getRecord",
                           query="repo=%s&collection=app.bsky.feed.post&rkey=%s"
                           % (acct["did"], uri.rsplit("/", 1)[1]))
            self.assertEqual(st, 200, rec)
            texts[rec["value"]["text"]] = [(i["alt"], i["image"]["size"])
                                           for i in rec["value"]["embed"]["images"]]
        self.assertEqual(texts, {"Deux photos": [("Un chat roux", len(png(seed=1))),
                                                 ("Un chien qui dort", len(png(seed=2)))],
                                 "Le chat encore": [("", len(png(seed=1)))]})

    def test_an_image_that_cannot_be_fetched_refuses_its_line_and_nothing_is_imported(self):
        ws = self.new_ws()
        acct, ch = self.channel(ws)
        base = "%s/%d" % (API, ws["id"])
        y = datetime.now().year + 1
        h = self.host.base
        rows = [("%s/cat.png" % h, None), ("%s/nope.png" % h, "answered 404"),
                ("%s/page.html" % h, "not a JPEG, PNG, GIF or WebP image"),
                ("%s/big.png" % h, "larger than 4096 bytes"),
                ("http://127.0.0.1:1/x.png", "could not be fetched")]
        csv = "date,time,channel,text,media_url\n" + "".join(
            "%d-06-01,1%d:00,%s,ligne %d,%s\n" % (y, i, acct["handle"], i, u)
            for i, (u, _) in enumerate(rows))
        r = self.ed.post(base + "/posts/import", {"csv": csv})
        self.assertEqual(r.status, 422, r)
        got = {p["line"]: p["message"] for p in r.json["problems"]}
        self.assertEqual(sorted(got), [3, 4, 5, 6], got)
        for i, (_, why) in enumerate(rows):
            if why:
                self.assertIn(why, got[i + 2])
        self.assertEqual(self.ed.get(base + "/posts").json["posts"], [])


class ImportImagesGuarded(unittest.TestCase):
    def test_without_fetch_private_an_internal_address_is_refused(self):
        host = ImageHost()
        srv = Server(*FAST_PUBLISH)
        try:
            owner = srv.admin()
            r = owner.post(API, {"name": "guarded"})
            self.assertEqual(r.status, 201, r)
            y = datetime.now().year + 1
            csv = ("date,time,channel,text,media_url\n%d-06-01,10:00,x,t,%s/cat.png\n"
                   "%d-06-01,11:00,x,t,http://localhost:%s/cat.png\n"
                   % (y, host.base, y, host.base.rsplit(":", 1)[1]))
            r = owner.post("%s/%d/posts/import" % (API, r.json["id"]), {"csv": csv})
            self.assertEqual(r.status, 422, r)
            msgs = [p["message"] for p in r.json["problems"]]
            self.assertEqual(len(msgs), 2, msgs)
            self.assertTrue(all("internal to this network: refused" in m for m in msgs), msgs)
            self.assertEqual(host.hits, {})
        finally:
            srv.close()
            host.close()


class KillNine(unittest.TestCase):
    """A few hundred posts due at once; `tribu serve` is killed with SIGKILL
    again and again while it publishes, then restarted: each post is on the
    PDS exactly once and every post ends published."""
    POSTS = 240

    def test_every_post_is_published_exactly_once_through_repeated_kill_9(self):
        server = Server(*FAST_PUBLISH, "--publish-workers", "8")
        try:
            owner = server.admin()
            r = owner.post(API, {"name": "kill9"})
            ws = r.json["id"]
            acct = pds_account()
            r = owner.post("%s/%d/channels" % (API, ws),
                           {"network": "bluesky", "service": PDS, "identifier": acct["handle"],
                            "password": acct["app_password"]})
            self.assertEqual(r.status, 201, r)
            acct2 = pds_account()
            r2 = owner.post("%s/%d/channels" % (API, ws),
                            {"network": "bluesky", "service": PDS, "identifier": acct2["handle"],
                             "password": acct2["app_password"]})
            self.assertEqual(r2.status, 201, r2)
            # Scheduled a few seconds ahead so that all are due together.
            at = rfc3339(3)
            texts = []
            chans = [r.json["id"], r2.json["id"]]
            for i in range(self.POSTS):
                t = "Post %03d" % i
                texts.append(t)
                r = owner.post("%s/%d/posts" % (API, ws),
                               {"variants": [{"channel_id": chans[i % 2], "text": t}],
                                "scheduled_at": at})
                self.assertEqual(r.status, 201, r)
            kills = 0
            deadline = time.time() + 240
            db = os.path.join(server.data, "tribu.db")
            while time.time() < deadline:
                con = sqlite3.connect(db, timeout=10)
                left = con.execute("SELECT count(*) FROM post WHERE state <> 'published'").fetchone()[0]
                con.close()
                if left == 0:
                    break
                if kills < 12:
                    time.sleep(0.25 + 0.1 * (kills % 4))
                    server.kill9()
                    kills += 1
                    server.start()
                else:
                    time.sleep(0.5)
            self.assertGreaterEqual(kills, 5, "published before enough kills: raise POSTS")
            con = sqlite3.connect(db)
            states = dict(con.execute("SELECT state, count(*) FROM post GROUP BY state").fetchall())
            con.close()
            self.assertEqual(states, {"published": self.POSTS}, "after %d kills" % kills)
            seen = records(acct["did"])
            seen2 = records(acct2["did"])
            for t in texts:
                n = len(seen.get(t, [])) + len(seen2.get(t, []))
                self.assertEqual(n, 1, "%s is on the PDS %d times" % (t, n))
            self.assertEqual(sum(map(len, seen.values())) + sum(map(len, seen2.values())), self.POSTS)
        finally:
            server.close()
