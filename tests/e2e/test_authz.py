"""The authorization matrix, driven by the route table itself.

`tribu routes --json` gives every route with its rule: public, local
(loopback or the metrics token), account (any signed-in account) or roles
(members of the workspace with one of the listed roles). CASES below says,
for every route, how to call it validly; a route of the table without a case
fails the test by name, so no route can be added without its rule being
exercised. For each workspace route: an outsider (member of another
workspace only) gets the same 404 as for a workspace that does not exist;
each of the six roles gets 403 `forbidden` when not allowed (and nothing
changes), and a success when allowed. Without credentials every non-public
route is 401."""
import json
import unittest

from harness import PASSWORD, Client, Server, run_cli, unique
from test_publish import PDS, pds_account, png

ROLES = ["owner", "admin", "editor", "moderator", "analyst", "client"]
MISSING_WS = 4611686018427387904      # 2^62: a valid id no workspace has


class Case:
    """How to call one route. `body(fx, ws)` builds a valid body; `fresh`:
    the call destroys or consumes its fixture, so every call gets a new one;
    `account`: which fixture account fills :account; `post`: which fixture
    post fills :post ("draft" or "review"); `prep(fx, ws)` runs before the
    call (as the owner)."""

    def __init__(self, body=None, fresh=False, account="victim", post="draft", prep=None,
                 headers=None):
        self.body, self.fresh, self.account, self.post, self.prep = body, fresh, account, post, prep
        self.headers = headers


def _future(days=30):
    import datetime
    return (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(days=days)).isoformat(timespec="seconds")


CASES = {
    "GET /healthz": Case(),
    "GET /metrics": Case(),
    "POST /api/v1/auth/login": Case(body=lambda fx, ws: {"email": fx.login_email, "password": PASSWORD}),
    "POST /api/v1/auth/logout": Case(),
    "GET /api/v1/me": Case(),
    # The same password again: valid, and changes nothing for the next case.
    "POST /api/v1/me/password": Case(body=lambda fx, ws: {"current_password": PASSWORD,
                                                       "new_password": PASSWORD}),
    "GET /api/v1/workspaces": Case(),
    "POST /api/v1/workspaces": Case(body=lambda fx, ws: {"name": "made by authz"}),
    "GET /api/v1/workspaces/:ws": Case(),
    "PATCH /api/v1/workspaces/:ws": Case(body=lambda fx, ws: {"name": "renamed by authz", "lang": "fr"}),
    "DELETE /api/v1/workspaces/:ws": Case(fresh=True),
    "GET /api/v1/workspaces/:ws/members": Case(),
    "POST /api/v1/workspaces/:ws/members": Case(body=lambda fx, ws: {"email": fx.newcomer, "role": "client"},
                                                fresh=True),
    "PATCH /api/v1/workspaces/:ws/members/:account": Case(body=lambda fx, ws: {"role": "analyst"}),
    "DELETE /api/v1/workspaces/:ws/members/:account": Case(fresh=True),
    "GET /api/v1/workspaces/:ws/audit": Case(),

    "GET /api/v1/workspaces/:ws/channels": Case(),
    "POST /api/v1/workspaces/:ws/channels": Case(body=lambda fx, ws: fx.channel_body()),
    "GET /api/v1/workspaces/:ws/channels/:channel": Case(),
    "PATCH /api/v1/workspaces/:ws/channels/:channel": Case(
        body=lambda fx, ws: {"display_name": "Marque", "slots": [{"day": "mon", "time": "09:00"}]}),
    "DELETE /api/v1/workspaces/:ws/channels/:channel": Case(fresh=True),
    "POST /api/v1/workspaces/:ws/channels/:channel/reconnect": Case(
        body=lambda fx, ws: {"password": fx.fixture(ws)["password"]}),
    "POST /api/v1/workspaces/:ws/media": Case(body=lambda fx, ws: png(),
                                              headers={"Content-Type": "image/png"}),
    "GET /api/v1/workspaces/:ws/posts": Case(),
    "POST /api/v1/workspaces/:ws/posts": Case(
        body=lambda fx, ws: {"variants": [{"channel_id": fx.fixture(ws)["channel"], "text": "authz"}]}),
    "GET /api/v1/workspaces/:ws/posts/export": Case(),
    "POST /api/v1/workspaces/:ws/posts/import": Case(
        body=lambda fx, ws: {"csv": "date,time,channel,text\n%s,10:00,%s,import\n"
                             % (_future()[:10], fx.fixture(ws)["handle"])}),
    "GET /api/v1/workspaces/:ws/posts/:post": Case(),
    "PATCH /api/v1/workspaces/:ws/posts/:post": Case(body=lambda fx, ws: {"notes": "relu"}),
    "DELETE /api/v1/workspaces/:ws/posts/:post": Case(fresh=True),
    "POST /api/v1/workspaces/:ws/posts/:post/submit": Case(fresh=True),
    "POST /api/v1/workspaces/:ws/posts/:post/approve": Case(fresh=True, post="review",
                                                            body=lambda fx, ws: {}),
    "POST /api/v1/workspaces/:ws/posts/:post/reject": Case(fresh=True, post="review",
                                                           body=lambda fx, ws: {"comment": "non"}),
    "POST /api/v1/workspaces/:ws/posts/:post/schedule": Case(
        body=lambda fx, ws: {"scheduled_at": _future()}),
    "POST /api/v1/workspaces/:ws/posts/:post/cancel": Case(fresh=True),
    "GET /api/v1/workspaces/:ws/publishing": Case(),
    "PATCH /api/v1/workspaces/:ws/publishing": Case(body=lambda fx, ws: {"approval_required": False}),
    "POST /api/v1/workspaces/:ws/charter/check": Case(
        body=lambda fx, ws: {"variants": [{"channel_id": fx.fixture(ws)["channel"], "text": "x"}]}),
    "POST /api/v1/workspaces/:ws/pause": Case(fresh=True, body=lambda fx, ws: {"reason": "crise"}),
    "POST /api/v1/workspaces/:ws/resume": Case(
        fresh=True, body=lambda fx, ws: {"missed": "publish"},
        prep=lambda fx, ws: fx.clients["owner"].post("/api/v1/workspaces/%d/pause" % ws,
                                                     {"reason": "crise"})),
    "GET /api/v1/workspaces/:ws/notifications": Case(),
    "POST /api/v1/workspaces/:ws/notifications/read": Case(body=lambda fx, ws: {"up_to": 1}),
    "POST /api/v1/workspaces/:ws/ical": Case(),
    "DELETE /api/v1/workspaces/:ws/ical": Case(),
    "GET /api/v1/ical/:token": Case(),
}


def load_routes():
    r = run_cli(["routes", "--json"], fast=False)
    assert r.rc == 0, r
    return json.loads(r.out)


def key(rt):
    return "%s %s" % (rt["method"], rt["pattern"])


class Fixture:
    """One account per role plus: an outsider (owner of another workspace
    only), a victim (a client member, the target of member routes), a
    newcomer (an account in no workspace), and the account that signs in."""

    def __init__(self, server):
        self.server = server
        self.clients = {}
        for name in ROLES + ["outsider", "victim", "newcomer", "login"]:
            email = unique(name)
            uid = server.add_user(email)
            c = server.bearer(email)
            c.id = uid
            self.clients[name] = c
        self.newcomer = self.clients["newcomer"].email
        self.login_email = self.clients["login"].email
        own = self.clients["outsider"].post("/api/v1/workspaces", {"name": "outsider's own"})
        assert own.status == 201, own
        self.ws_fixture = {}
        self.shared = self.workspace()
        # The feed of a workspace of its own: the cases rotate the shared one's.
        feed = self.clients["owner"].post("/api/v1/workspaces/%d/ical" % self.workspace())
        assert feed.status == 201, feed
        self.ical_path = feed.json["path"]

    def channel_body(self):
        """A fresh account on the test PDS, as a channel to connect."""
        acct = pds_account()
        return {"network": "bluesky", "service": PDS, "identifier": acct["handle"],
                "password": acct["app_password"]}

    def workspace(self):
        """A new workspace with one member per role, and the victim."""
        owner = self.clients["owner"]
        r = owner.post("/api/v1/workspaces", {"name": "authz"})
        assert r.status == 201, r
        ws = r.json["id"]
        for role in ROLES[1:] + ["victim"]:
            c = self.clients[role]
            r = owner.post("/api/v1/workspaces/%d/members" % ws,
                           {"email": c.email, "role": "client" if role == "victim" else role})
            assert r.status == 201, r
        # A channel on the PDS, a draft and a post in review.
        body = self.channel_body()
        r = owner.post("/api/v1/workspaces/%d/channels" % ws, body)
        assert r.status == 201, r
        fx = self.ws_fixture[ws] = {"channel": r.json["id"], "handle": r.json["handle"],
                                     "password": body["password"]}
        for name in ("draft", "review"):
            r = owner.post("/api/v1/workspaces/%d/posts" % ws,
                           {"variants": [{"channel_id": fx["channel"], "text": name}]})
            assert r.status == 201, r
            fx[name] = r.json["id"]
        r = owner.post("/api/v1/workspaces/%d/posts/%d/submit" % (ws, fx["review"]))
        assert r.status == 200, r
        return ws

    def fixture(self, ws):
        """The channel and posts of workspace `ws`; for a workspace that does
        not exist, ids that cannot be found."""
        return self.ws_fixture.get(ws, {"channel": MISSING_WS, "handle": "nobody.test",
                                        "password": "x", "draft": MISSING_WS,
                                        "review": MISSING_WS})

    def path(self, rt, ws, case):
        if ws is None:
            return rt["pattern"].replace(":token", self.ical_path.rsplit("/", 1)[1])
        fx = self.fixture(ws)
        p = rt["pattern"].replace(":ws", str(ws))
        p = p.replace(":channel", str(fx["channel"]))
        p = p.replace(":post", str(fx[case.post]))
        return p.replace(":account", str(self.clients[case.account].id))

    def snapshot(self, ws):
        """What a forbidden call must not change, read as the owner."""
        o = self.clients["owner"]
        return (o.get("/api/v1/workspaces/%d" % ws).json,
                o.get("/api/v1/workspaces/%d/members" % ws).json,
                o.get("/api/v1/workspaces/%d/audit" % ws).json)


@unittest.skipUnless(PDS, "the workspace fixtures need channels on the test PDS")
class Matrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.routes = load_routes()
        cls.server = Server()
        cls.fx = Fixture(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def tearDown(self):
        self.server.check_alive()

    def call(self, client, rt, ws=None):
        case = CASES[key(rt)]
        fx = self.fx
        path = fx.path(rt, ws, case)
        body = case.body(fx, ws) if case.body else None
        return client.request(rt["method"], path, body, headers=case.headers)

    def test_every_route_in_the_table_has_a_case(self):
        missing = [key(rt) for rt in self.routes if key(rt) not in CASES]
        self.assertEqual(missing, [], "routes with no authorization case in test_authz.CASES")

    def test_every_case_names_a_route_of_the_table(self):
        stale = sorted(set(CASES) - {key(rt) for rt in self.routes})
        self.assertEqual(stale, [], "cases for routes that are no longer in the table")

    def test_every_route_has_a_known_rule_and_workspace_routes_list_their_roles(self):
        for rt in self.routes:
            with self.subTest(route=key(rt)):
                self.assertIn(rt["rule"], ("public", "local", "account", "roles"))
                in_ws = rt["pattern"].startswith("/api/v1/workspaces/:ws")
                self.assertEqual(rt["rule"] == "roles", in_ws)
                if in_ws:
                    self.assertTrue(rt["roles"])
                    self.assertTrue(set(rt["roles"]) <= set(ROLES), rt["roles"])
                    self.assertIn("owner", rt["roles"], "an owner can do everything")

    def test_every_non_public_route_without_credentials_is_401(self):
        anon = Client(self.server)
        garbage = [Client(self.server, token="tribu_" + "Z" * 43),
                   Client(self.server, cookie="Z" * 43, csrf="Z" * 43)]
        for rt in self.routes:
            if rt["rule"] in ("public", "local") or key(rt) not in CASES:
                continue
            for ws in ([self.fx.shared, MISSING_WS] if rt["rule"] == "roles" else [None]):
                for c in [anon] + garbage:
                    with self.subTest(route=key(rt), ws=ws, creds=bool(c.token or c.cookie)):
                        r = self.call(c, rt, ws)
                        self.assertEqual(r.status, 401, r)
                        self.assertEqual(r.json["error"]["code"], "unauthenticated")
                        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")

    def test_public_and_loopback_routes_need_no_credentials(self):
        for rt in self.routes:
            if rt["rule"] in ("public", "local") and key(rt) in CASES:
                with self.subTest(route=key(rt)):
                    r = self.call(Client(self.server), rt)
                    self.assertLess(r.status, 300, r)

    def test_account_routes_work_for_any_signed_in_account(self):
        for rt in self.routes:
            if rt["rule"] != "account" or key(rt) not in CASES:
                continue
            for who in ["client", "outsider", "newcomer"]:
                with self.subTest(route=key(rt), who=who):
                    r = self.call(self.fx.clients[who], rt)
                    self.assertLess(r.status, 300, r)

    def test_an_outsider_gets_the_same_404_as_for_a_workspace_that_does_not_exist(self):
        outsider = self.fx.clients["outsider"]
        for rt in self.routes:
            if rt["rule"] != "roles" or key(rt) not in CASES:
                continue
            with self.subTest(route=key(rt)):
                ws = self.fx.shared
                before = self.fx.snapshot(ws)
                r = self.call(outsider, rt, ws)
                self.assertEqual(r.status, 404, r)
                self.assertEqual(r.json["error"]["code"], "not_found")
                missing = self.call(self.fx.clients["owner"], rt, MISSING_WS)
                self.assertEqual((r.status, r.json), (missing.status, missing.json))
                self.assertEqual(self.fx.snapshot(ws), before)

    def test_each_role_is_forbidden_or_allowed_exactly_as_the_table_says(self):
        fx = self.fx
        for rt in self.routes:
            if rt["rule"] != "roles" or key(rt) not in CASES:
                continue
            case = CASES[key(rt)]
            for role in ROLES:
                with self.subTest(route=key(rt), role=role):
                    ws = fx.workspace() if case.fresh else fx.shared
                    if case.prep:
                        case.prep(fx, ws)
                    before = fx.snapshot(ws)
                    r = self.call(fx.clients[role], rt, ws)
                    if role in rt["roles"]:
                        self.assertNotIn(r.status, (401, 403, 404), r)
                        self.assertLess(r.status, 300, r)
                    else:
                        self.assertEqual(r.status, 403, r)
                        self.assertEqual(r.json["error"]["code"], "forbidden")
                        self.assertEqual(fx.snapshot(ws), before, "a forbidden call changed something")

    def test_a_cookie_session_gets_the_same_decisions_as_a_token(self):
        fx = self.fx
        for role in ["owner", "editor", "client"]:
            s = self.server.login(fx.clients[role].email)
            for rt in self.routes:
                if rt["rule"] != "roles" or rt["method"] != "GET":
                    continue
                with self.subTest(route=key(rt), role=role):
                    got = self.call(s, rt, fx.shared).status
                    want = self.call(fx.clients[role], rt, fx.shared).status
                    self.assertEqual(got, want)

    def test_member_routes_do_not_reach_a_member_of_another_workspace(self):
        fx = self.fx
        other = fx.clients["outsider"]
        stranger_email = unique("stranger")
        stranger = self.server.add_user(stranger_email)
        theirs = other.post("/api/v1/workspaces", {"name": "theirs"}).json["id"]
        self.assertEqual(other.post("/api/v1/workspaces/%d/members" % theirs,
                                    {"email": stranger_email, "role": "editor"}).status, 201)
        owner = fx.clients["owner"]
        base = "/api/v1/workspaces/%d/members/" % fx.shared
        for target in [stranger, other.id]:
            with self.subTest(target=target):
                self.assertEqual(owner.patch(base + str(target), {"role": "admin"}).status, 404)
                self.assertEqual(owner.delete(base + str(target)).status, 404)
        roles = {m["account_id"]: m["role"] for m in
                 other.get("/api/v1/workspaces/%d/members" % theirs).json["members"]}
        self.assertEqual(roles, {other.id: "owner", stranger: "editor"})
        # And the other way round: a member id of ours through their workspace.
        r = owner.delete("/api/v1/workspaces/%d/members/%d" % (theirs, fx.clients["editor"].id))
        self.assertEqual(r.status, 404)


if __name__ == "__main__":
    unittest.main()
