"""Workspaces, their settings and members, the owner rules and the audit log."""
import sqlite3
import threading
import unittest

from harness import ServerTest, unique

API = "/api/v1/workspaces"


class WorkspaceTest(ServerTest):
    """Four accounts with Bearer clients: ann, bob, cid, dan (client.id is
    the account id)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for n in ["ann", "bob", "cid", "dan"]:
            email = unique(n)
            uid = cls.server.add_user(email, name=n.title())
            c = cls.server.bearer(email)
            c.id = uid
            setattr(cls, n, c)

    def new_ws(self, by=None, **settings):
        settings.setdefault("name", unique("ws").split("@")[0])
        r = (by or self.ann).post(API, settings)
        self.assertEqual(r.status, 201, r)
        return r.json

    def add(self, ws, who, role, by=None):
        r = (by or self.ann).post("%s/%d/members" % (API, ws["id"]), {"email": who.email, "role": role})
        self.assertEqual(r.status, 201, r)
        return r.json

    def audit(self, ws, by=None, query=""):
        r = (by or self.ann).get("%s/%d/audit%s" % (API, ws["id"], query))
        self.assertEqual(r.status, 200, r)
        return r.json

    def members(self, ws, by=None):
        r = (by or self.ann).get("%s/%d/members" % (API, ws["id"]))
        self.assertEqual(r.status, 200, r)
        return {m["email"]: m["role"] for m in r.json["members"]}


class Settings(WorkspaceTest):
    def test_creating_a_workspace_makes_the_creator_its_owner_with_defaults(self):
        st, _, ws = self.ann.post(API, {"name": "Acme"})
        self.assertEqual(st, 201)
        self.assertEqual({k: ws[k] for k in ("name", "tz", "lang", "business_hours", "role")},
                         {"name": "Acme", "tz": "UTC", "lang": "en", "business_hours": {},
                          "role": "owner"})
        self.assertRegex(ws["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(self.members(ws), {self.ann.email: "owner"})
        e = self.audit(ws)["entries"]
        self.assertEqual([(x["action"], x["actor"], x["target"]) for x in e],
                         [("workspace.create", self.ann.email, "Acme")])

    def test_creating_a_workspace_with_every_setting(self):
        hours = {"tue": [["09:00", "12:00"]], "mon": [["08:30", "12:00"], ["13:00", "18:00"]]}
        ws = self.new_ws(name="Atelier", tz="Europe/Paris", lang="fr", business_hours=hours)
        got = self.ann.get("%s/%d" % (API, ws["id"])).json
        self.assertEqual((got["tz"], got["lang"], got["business_hours"]), ("Europe/Paris", "fr", hours))

    def test_creating_a_workspace_without_a_name_or_with_bad_settings_creates_nothing(self):
        before = len(self.ann.get(API).json["workspaces"])
        self.assertError(self.ann.post(API, {}), 400, "missing_field", "name")
        self.assertError(self.ann.post(API, {"name": "x", "tz": "Mars/Olympus"}), 422, field="tz")
        self.assertError(self.ann.post(API, {"name": "x", "lang": "de"}), 422, field="lang")
        self.assertError(self.ann.post(API, {"name": " "}), 422, field="name")
        self.assertEqual(len(self.ann.get(API).json["workspaces"]), before)

    def test_list_shows_only_the_callers_workspaces_with_their_roles(self):
        mine, theirs = self.new_ws(by=self.cid), self.new_ws(by=self.dan)
        self.add(mine, self.dan, "analyst", by=self.cid)
        got = {w["id"]: w["role"] for w in self.dan.get(API).json["workspaces"]}
        self.assertEqual(got.get(mine["id"]), "analyst")
        self.assertEqual(got.get(theirs["id"]), "owner")
        got = {w["id"] for w in self.cid.get(API).json["workspaces"]}
        self.assertIn(mine["id"], got)
        self.assertNotIn(theirs["id"], got)

    def test_get_returns_the_workspace_and_the_callers_role(self):
        ws = self.new_ws(name="Readable")
        self.add(ws, self.bob, "client")
        st, _, got = self.bob.get("%s/%d" % (API, ws["id"]))
        self.assertEqual(st, 200)
        self.assertEqual((got["id"], got["name"], got["role"]), (ws["id"], "Readable", "client"))

    def test_update_changes_name_tz_lang_and_business_hours_and_audits_the_diff(self):
        ws = self.new_ws(name="Before")
        hours = {"fri": [["00:00", "24:00"]]}
        st, _, got = self.ann.patch("%s/%d" % (API, ws["id"]),
                                    {"name": "After", "tz": "Europe/Paris", "lang": "fr",
                                     "business_hours": hours})
        self.assertEqual(st, 200, got)
        want = {"name": "After", "tz": "Europe/Paris", "lang": "fr", "business_hours": hours}
        self.assertEqual({k: got[k] for k in want}, want)
        again = self.ann.get("%s/%d" % (API, ws["id"])).json
        self.assertEqual({k: again[k] for k in want}, want)
        e = self.audit(ws)["entries"][0]
        self.assertEqual(e["action"], "workspace.update")
        self.assertEqual(e["detail"]["name"], {"from": "Before", "to": "After"})
        self.assertEqual(e["detail"]["tz"], {"from": "UTC", "to": "Europe/Paris"})
        self.assertEqual(e["detail"]["lang"], {"from": "en", "to": "fr"})
        self.assertIn("business_hours", e["detail"])

    def test_update_rejects_unknown_time_zones_with_422_on_field_tz(self):
        ws = self.new_ws(tz="Europe/Paris")
        path = "%s/%d" % (API, ws["id"])
        for tz in ["Mars/Olympus", "../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd",
                   "../../../../../../etc/passwd", "", "Europe", "zone.tab", "Europe/Paris ", "europe/paris"]:
            with self.subTest(tz=tz):
                self.assertError(self.ann.patch(path, {"tz": tz}), 422, "invalid_value", "tz")
        self.assertError(self.ann.patch(path, {"tz": "Europe/Paris\n"}), 400, "invalid_text", "tz")
        self.assertError(self.ann.patch(path, {"tz": "A/" + "b" * 70}), 400, "too_long", "tz")
        self.assertError(self.ann.patch(path, {"tz": 1}), 400, "wrong_type", "tz")
        for tz in ["UTC", "America/Argentina/Buenos_Aires", "Europe/Paris"]:
            self.assertEqual(self.ann.patch(path, {"tz": tz}).json["tz"], tz)
        self.assertEqual(self.ann.get(path).json["tz"], "Europe/Paris")

    def test_update_accepts_only_fr_or_en_as_language(self):
        ws = self.new_ws()
        path = "%s/%d" % (API, ws["id"])
        for lang in ["de", "FR", "", "fr-FR", "english"]:
            with self.subTest(lang=lang):
                self.assertError(self.ann.patch(path, {"lang": lang}), 422, "invalid_value", "lang")
        self.assertEqual(self.ann.patch(path, {"lang": "fr"}).json["lang"], "fr")
        self.assertEqual(self.ann.patch(path, {"lang": "en"}).json["lang"], "en")

    def test_update_validates_business_hours(self):
        ws = self.new_ws()
        path = "%s/%d" % (API, ws["id"])
        good = {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], "sun": []}
        self.assertEqual(self.ann.patch(path, {"business_hours": good}).json["business_hours"], good)
        bad = [
            {"monday": []},
            {"mon": "09:00-17:00"},
            {"mon": [["09:00"]]},
            {"mon": [["09:00", "12:00", "13:00"]]},
            {"mon": [["12:00", "09:00"]]},
            {"mon": [["09:00", "09:00"]]},
            {"mon": [["9:00", "12:00"]]},
            {"mon": [["09:00", "24:01"]]},
            {"mon": [["09:60", "10:00"]]},
            {"mon": [["25:00", "26:00"]]},
            {"mon": [[9, 12]]},
            {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
            {"mon": [["13:00", "14:00"], ["09:00", "10:00"]]},
            {"mon": [["00:00", "01:00"], ["02:00", "03:00"], ["04:00", "05:00"],
                     ["06:00", "07:00"], ["08:00", "09:00"]]},
            {"mon": ["09:00", "12:00"]},
        ]
        for bh in bad:
            with self.subTest(bh=bh):
                self.assertError(self.ann.patch(path, {"business_hours": bh}), 422,
                                 "invalid_value", "business_hours")
        self.assertError(self.ann.patch(path, {"business_hours": "9-5"}), 400, "wrong_type",
                         "business_hours")
        self.assertEqual(self.ann.get(path).json["business_hours"], good)

    def test_update_rejects_an_empty_or_too_long_name(self):
        ws = self.new_ws()
        path = "%s/%d" % (API, ws["id"])
        self.assertError(self.ann.patch(path, {"name": ""}), 422, "invalid_value", "name")
        self.assertError(self.ann.patch(path, {"name": "   "}), 422, "invalid_value", "name")
        self.assertError(self.ann.patch(path, {"name": "x" * 101}), 400, "too_long", "name")
        self.assertEqual(self.ann.patch(path, {"name": "é" * 100}).json["name"], "é" * 100)

    def test_an_update_that_changes_nothing_adds_no_audit_entry(self):
        ws = self.new_ws(name="Same", lang="fr")
        n = len(self.audit(ws)["entries"])
        r = self.ann.patch("%s/%d" % (API, ws["id"]), {"name": "Same", "lang": "fr"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.ann.patch("%s/%d" % (API, ws["id"]), {}).status, 200)
        self.assertEqual(len(self.audit(ws)["entries"]), n)

    def test_owner_deletes_the_workspace_and_everything_in_it_goes(self):
        ws = self.new_ws()
        self.add(ws, self.bob, "admin")
        path = "%s/%d" % (API, ws["id"])
        self.assertError(self.bob.delete(path), 403, "forbidden")
        self.assertEqual(self.ann.delete(path).status, 204)
        self.assertError(self.ann.get(path), 404, "not_found")
        self.assertError(self.bob.get(path + "/members"), 404, "not_found")
        self.assertError(self.ann.delete(path), 404, "not_found")
        self.assertNotIn(ws["id"], [w["id"] for w in self.ann.get(API).json["workspaces"]])
        self.assertNotIn(ws["id"], [w["id"] for w in self.bob.get("/api/v1/me").json["workspaces"]])
        db = sqlite3.connect("file:%s?mode=ro" % self.server.db_path(), uri=True)
        try:
            for table in ["member", "audit", "workspace"]:
                col = "id" if table == "workspace" else "workspace_id"
                n = db.execute("SELECT count(*) FROM %s WHERE %s = ?" % (table, col), (ws["id"],)).fetchone()[0]
                self.assertEqual(n, 0, table)
        finally:
            db.close()


class Members(WorkspaceTest):
    def test_adding_an_existing_account_with_a_role_makes_it_a_member(self):
        ws = self.new_ws()
        st, _, m = self.ann.post("%s/%d/members" % (API, ws["id"]),
                                 {"email": self.bob.email.upper(), "role": "editor"})
        self.assertEqual(st, 201, m)
        self.assertEqual((m["account_id"], m["email"], m["name"], m["role"]),
                         (self.bob.id, self.bob.email, "Bob", "editor"))
        self.assertEqual(self.members(ws), {self.ann.email: "owner", self.bob.email: "editor"})
        self.assertEqual(self.bob.get("%s/%d" % (API, ws["id"])).json["role"], "editor")

    def test_adding_an_unknown_email_is_422_account_not_found(self):
        ws = self.new_ws()
        r = self.ann.post("%s/%d/members" % (API, ws["id"]), {"email": unique("ghost"), "role": "editor"})
        self.assertError(r, 422, "account_not_found", "email")
        r = self.ann.post("%s/%d/members" % (API, ws["id"]), {"email": "not an email", "role": "editor"})
        self.assertError(r, 422, field="email")
        for role in ["superuser", "Owner", "", "owner "]:
            r = self.ann.post("%s/%d/members" % (API, ws["id"]), {"email": self.bob.email, "role": role})
            self.assertError(r, 422, "invalid_value", "role")
        self.assertEqual(self.members(ws), {self.ann.email: "owner"})

    def test_adding_a_member_twice_is_409_and_keeps_the_first_role(self):
        ws = self.new_ws()
        self.add(ws, self.bob, "editor")
        r = self.ann.post("%s/%d/members" % (API, ws["id"]), {"email": self.bob.email, "role": "admin"})
        self.assertError(r, 409, "already_member", "email")
        r = self.ann.post("%s/%d/members" % (API, ws["id"]), {"email": self.ann.email, "role": "client"})
        self.assertError(r, 409, "already_member", "email")
        self.assertEqual(self.members(ws), {self.ann.email: "owner", self.bob.email: "editor"})

    def test_changing_a_role_and_removing_a_member(self):
        ws = self.new_ws()
        self.add(ws, self.bob, "editor")
        path = "%s/%d/members/%d" % (API, ws["id"], self.bob.id)
        st, _, m = self.ann.patch(path, {"role": "moderator"})
        self.assertEqual((st, m["role"], m["account_id"]), (200, "moderator", self.bob.id))
        self.assertEqual(self.members(ws)[self.bob.email], "moderator")
        self.assertError(self.ann.patch(path, {"role": "boss"}), 422, "invalid_value", "role")
        self.assertEqual(self.ann.delete(path).status, 204)
        self.assertEqual(self.members(ws), {self.ann.email: "owner"})
        self.assertError(self.bob.get("%s/%d" % (API, ws["id"])), 404, "not_found")
        self.assertError(self.ann.delete(path), 404, "not_found")
        self.assertError(self.ann.patch(path, {"role": "client"}), 404, "not_found")

    def test_only_an_owner_can_grant_change_or_remove_the_owner_role(self):
        ws = self.new_ws()
        self.add(ws, self.bob, "admin")
        self.add(ws, self.cid, "editor")
        base = "%s/%d/members" % (API, ws["id"])
        bob = self.bob
        r = bob.post(base, {"email": self.dan.email, "role": "owner"})
        self.assertError(r, 403, "forbidden", "role")
        self.assertError(bob.patch("%s/%d" % (base, self.cid.id), {"role": "owner"}), 403, "forbidden", "role")
        self.assertError(bob.patch("%s/%d" % (base, self.ann.id), {"role": "admin"}), 403, "forbidden", "role")
        self.assertError(bob.patch("%s/%d" % (base, bob.id), {"role": "owner"}), 403, "forbidden", "role")
        self.assertError(bob.delete("%s/%d" % (base, self.ann.id)), 403, "forbidden")
        self.assertEqual(self.members(ws), {self.ann.email: "owner", bob.email: "admin", self.cid.email: "editor"})
        # What an admin may do.
        self.assertEqual(bob.post(base, {"email": self.dan.email, "role": "client"}).status, 201)
        self.assertEqual(bob.patch("%s/%d" % (base, self.dan.id), {"role": "analyst"}).status, 200)
        self.assertEqual(bob.delete("%s/%d" % (base, self.dan.id)).status, 204)
        # What an owner may do.
        self.assertEqual(self.ann.post(base, {"email": self.dan.email, "role": "owner"}).status, 201)
        self.assertEqual(self.ann.patch("%s/%d" % (base, self.cid.id), {"role": "owner"}).status, 200)
        self.assertEqual(self.ann.patch("%s/%d" % (base, self.dan.id), {"role": "admin"}).status, 200)
        self.assertEqual(self.ann.delete("%s/%d" % (base, self.cid.id)).status, 204)
        self.assertEqual(self.members(ws), {self.ann.email: "owner", bob.email: "admin", self.dan.email: "admin"})

    def test_the_last_owner_cannot_be_removed_or_demoted(self):
        ws = self.new_ws()
        base = "%s/%d/members" % (API, ws["id"])
        me = "%s/%d" % (base, self.ann.id)
        self.assertError(self.ann.patch(me, {"role": "admin"}), 409, "last_owner")
        self.assertError(self.ann.delete(me), 409, "last_owner")
        self.assertEqual(self.ann.patch(me, {"role": "owner"}).status, 200)
        self.assertEqual(self.members(ws), {self.ann.email: "owner"})
        self.add(ws, self.bob, "owner")
        self.assertEqual(self.ann.patch(me, {"role": "admin"}).status, 200)
        bob = "%s/%d" % (base, self.bob.id)
        self.assertError(self.bob.patch(bob, {"role": "editor"}), 409, "last_owner")
        self.assertError(self.bob.delete(bob), 409, "last_owner")
        self.assertEqual(self.members(ws), {self.ann.email: "admin", self.bob.email: "owner"})

    def test_two_owners_leaving_at_the_same_time_leave_one_owner(self):
        for _ in range(5):
            ws = self.new_ws()
            self.add(ws, self.bob, "owner")
            base = "%s/%d/members" % (API, ws["id"])
            results = {}

            def leave(c):
                results[c.email] = c.delete("%s/%d" % (base, c.id)).status

            ts = [threading.Thread(target=leave, args=(c,)) for c in (self.ann, self.bob)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            self.assertEqual(sorted(results.values()), [204, 409], results)
            owners = [e for e, r in self.members(ws, by=self.ann if results[self.ann.email] == 409
                                                  else self.bob).items() if r == "owner"]
            self.assertEqual(len(owners), 1)


class Audit(WorkspaceTest):
    def test_the_audit_log_records_every_change_newest_first_with_actor_action_ip_and_detail(self):
        ws = self.new_ws(name="Audited")
        path = "%s/%d" % (API, ws["id"])
        self.ann.patch(path, {"name": "Audited 2"})
        self.add(ws, self.bob, "editor")
        self.ann.patch("%s/members/%d" % (path, self.bob.id), {"role": "analyst"})
        self.ann.delete("%s/members/%d" % (path, self.bob.id))
        self.add(ws, self.cid, "admin")
        self.cid.patch(path, {"lang": "fr"})
        entries = self.audit(ws)["entries"]
        got = [(e["action"], e["actor"], e["target"], e["detail"]) for e in entries]
        target = "account:%d" % self.bob.id
        self.assertEqual(got, [
            ("workspace.update", self.cid.email, "", {"lang": {"from": "en", "to": "fr"}}),
            ("member.add", self.ann.email, self.cid.email, {"role": "admin"}),
            ("member.remove", self.ann.email, target, {"role": "analyst"}),
            ("member.role", self.ann.email, target, {"from": "editor", "to": "analyst"}),
            ("member.add", self.ann.email, self.bob.email, {"role": "editor"}),
            ("workspace.update", self.ann.email, "", {"name": {"from": "Audited", "to": "Audited 2"}}),
            ("workspace.create", self.ann.email, "Audited", {}),
        ])
        ids = [e["id"] for e in entries]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(set(ids)), len(ids))
        for e in entries:
            self.assertEqual(e["ip"], "127.0.0.1")
            self.assertIn(e["account_id"], (self.ann.id, self.cid.id))
            self.assertRegex(e["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertIsNone(self.audit(ws)["next_before"])
        self.assertEqual(self.audit(ws, by=self.cid)["entries"], entries, "an admin reads it too")

    def test_audit_paging_with_before_and_limit(self):
        ws = self.new_ws()
        for i in range(6):
            self.ann.patch("%s/%d" % (API, ws["id"]), {"name": "page %d" % i})
        everything = self.audit(ws)["entries"]
        self.assertEqual(len(everything), 7)
        pages, before = [], None
        while True:
            q = "?limit=3" + ("&before=%d" % before if before else "")
            page = self.audit(ws, query=q)
            self.assertLessEqual(len(page["entries"]), 3)
            pages += page["entries"]
            before = page["next_before"]
            if before is None:
                break
            self.assertEqual(before, page["entries"][-1]["id"])
        self.assertEqual(pages, everything)
        self.assertEqual(self.audit(ws, query="?limit=1")["entries"], everything[:1])
        self.assertEqual(self.audit(ws, query="?before=%d" % everything[2]["id"])["entries"], everything[3:])
        self.assertEqual(self.audit(ws, query="?before=1")["entries"], [])
        self.assertEqual(len(self.audit(ws, query="?limit=200")["entries"]), 7)
        for q, field in [("?limit=0", "limit"), ("?limit=201", "limit"), ("?limit=-1", "limit"),
                         ("?limit=abc", "limit"), ("?limit=", "limit"), ("?before=abc", "before"),
                         ("?before=0", "before"), ("?before=99999999999999999999", "before")]:
            with self.subTest(q=q):
                self.assertError(self.ann.get("%s/%d/audit%s" % (API, ws["id"], q)), 400, field=field)

    def test_audit_entries_of_one_workspace_never_appear_in_another(self):
        a, b = self.new_ws(name="Alpha"), self.new_ws(name="Beta")
        for ws, who in [(a, self.bob), (b, self.cid)]:
            self.add(ws, who, "editor")
            self.ann.patch("%s/%d" % (API, ws["id"]), {"lang": "fr"})
        ea, eb = self.audit(a)["entries"], self.audit(b)["entries"]
        self.assertEqual(len(ea), 3)
        self.assertEqual(len(eb), 3)
        self.assertFalse({e["id"] for e in ea} & {e["id"] for e in eb})
        self.assertNotIn(self.cid.email, [e["target"] for e in ea])
        self.assertNotIn("Beta", [e["target"] for e in ea])
        self.assertNotIn(self.bob.email, [e["target"] for e in eb])
        # Paging from an id of the other workspace shows nothing of it.
        page = self.audit(a, query="?before=%d" % (max(e["id"] for e in eb) + 1))["entries"]
        self.assertFalse({e["id"] for e in page} & {e["id"] for e in eb})
        self.assertError(self.cid.get("%s/%d/audit" % (API, a["id"])), 404, "not_found")

    def test_cli_changes_are_audited_with_no_account_and_the_address_cli(self):
        ws = self.new_ws()
        r = self.server.cli("member", "add", str(ws["id"]), self.dan.email, "moderator")
        self.assertEqual(r.rc, 0, r)
        e = self.audit(ws)["entries"][0]
        self.assertEqual((e["action"], e["target"], e["detail"], e["ip"], e["account_id"]),
                         ("member.add", self.dan.email, {"role": "moderator"}, "cli", None))


if __name__ == "__main__":
    unittest.main()
