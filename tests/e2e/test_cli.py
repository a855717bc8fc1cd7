"""The `tribu` command line: help, account/workspace/member/token commands,
configuration precedence and validation, first start."""
import json
import os
import re
import shutil
import tempfile
import unittest

from harness import (ADMIN_EMAIL, PASSWORD, Client, Server, ServerTest, free_port, http_request,
                     run_cli, unique)


def commands():
    """The commands listed by `tribu --help`, e.g. ["serve", "user add"]."""
    r = run_cli(["--help"], fast=False)
    assert r.rc == 0, r
    # "  tribu serve [--listen ..." -> "serve"; "  tribu user add EMAIL" -> "user add"
    return re.findall(r"^  tribu ([a-z]+(?: [a-z]+)?)(?: |$)", r.out, re.M)


class Help(unittest.TestCase):
    def test_every_subcommand_prints_its_usage_with_help_and_exits_0(self):
        cmds = commands()
        self.assertGreaterEqual(len(cmds), 9, cmds)
        for cmd in ["serve", "migrate", "user add", "user passwd", "workspace add", "member add",
                    "token create", "routes", "version"]:
            self.assertIn(cmd, cmds)
        for cmd in cmds:
            for flag in ["--help", "-h"]:
                with self.subTest(cmd=cmd, flag=flag):
                    r = run_cli(cmd.split() + [flag], fast=False)
                    self.assertEqual(r.rc, 0, r)
                    self.assertTrue(r.out.startswith("Usage: tribu " + cmd), r)
                    self.assertIn("--listen", r.out, "the settings are listed too")

    def test_top_level_help_exits_0_and_no_command_exits_2(self):
        for args in [["--help"], ["-h"], ["help"]]:
            r = run_cli(args, fast=False)
            self.assertEqual(r.rc, 0, r)
            self.assertIn("Usage:", r.out)
        r = run_cli([], fast=False)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("Usage:", r.err)

    def test_an_unknown_command_exits_2(self):
        for args in [["frobnicate"], ["user"], ["user", "frobnicate"], ["workspace", "remove", "x"],
                     ["--listen", "127.0.0.1:1"], ["SERVE"]]:
            with self.subTest(args=args):
                r = run_cli(args, fast=False)
                self.assertEqual(r.rc, 2, r)
                self.assertIn("unknown command", r.err)

    def test_a_missing_or_extra_argument_exits_2_with_the_usage(self):
        d = tempfile.mkdtemp(prefix="tribu-e2e-cli-")
        try:
            for args in [["user", "add"], ["member", "add", "1", "a@b.io"], ["token", "create"],
                         ["version", "extra"], ["user", "add", "a@b.io", "b@b.io"]]:
                with self.subTest(args=args):
                    r = run_cli(args, data=os.path.join(d, "data"), stdin="")
                    self.assertEqual(r.rc, 2, r)
                    self.assertRegex(r.err, r"Usage:|unexpected argument")
        finally:
            shutil.rmtree(d)

    def test_version_prints_the_version(self):
        r = run_cli(["version"], fast=False)
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"^tribu \S+\n$")

    def test_routes_lists_every_route_of_the_json_table(self):
        table = json.loads(run_cli(["routes", "--json"], fast=False).out)
        text = run_cli(["routes"], fast=False).out
        for rt in table:
            self.assertRegex(text, r"(?m)^%s\s+%s\s+%s" % (rt["method"], re.escape(rt["pattern"]), rt["rule"]))


class Commands(ServerTest):
    def test_user_add_reads_the_password_from_stdin_and_it_signs_in(self):
        email = unique()
        r = self.server.cli("user", "add", email, "--password-stdin", "--name", "Zoé", stdin=PASSWORD + "\n")
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"^account \d+ created: %s\n$" % re.escape(email))
        self.assertNotIn(PASSWORD, r.out + r.err)
        me = self.server.login(email).get("/api/v1/me").json
        self.assertEqual((me["user"]["email"], me["user"]["name"]), (email, "Zoé"))

    def test_user_add_normalises_the_email_and_accepts_a_unicode_password(self):
        email = unique("Upper").replace("upper", "UPPER")
        pw = "pässwörd ünïcødé ✓"
        r = self.server.cli("user", "add", "  " + email.upper(), "--password-stdin", stdin=pw + "\n")
        self.assertEqual(r.rc, 0, r)
        self.assertIn(email.lower(), r.out)
        self.server.login(email.lower(), pw)

    def test_user_add_with_a_too_short_or_no_password_fails_with_1(self):
        for stdin, why in [("short\n", "at least 10"), ("123456789\n", "at least 10"), ("", "no password")]:
            with self.subTest(stdin=stdin):
                email = unique()
                r = self.server.cli("user", "add", email, "--password-stdin", stdin=stdin)
                self.assertEqual(r.rc, 1, r)
                self.assertIn(why, r.err)
                r = self.server.cli("token", "create", email)
                self.assertEqual(r.rc, 1, "the account must not exist: %r" % r)

    def test_user_add_of_an_existing_email_fails_with_1(self):
        email = unique()
        self.server.add_user(email)
        r = self.server.cli("user", "add", email.upper(), "--password-stdin", stdin="another password\n")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("exists already", r.err)
        self.server.login(email)            # the first password still works

    def test_user_add_of_a_malformed_email_fails_with_2(self):
        for email in ["nobody", "a@b", "@example.org", "a b@example.org", "a@@example.org"]:
            with self.subTest(email=email):
                r = self.server.cli("user", "add", email, "--password-stdin", stdin=PASSWORD + "\n")
                self.assertEqual(r.rc, 2, r)
                self.assertIn("not an e-mail address", r.err)

    def test_user_add_without_stdin_prints_a_generated_password_once_that_works(self):
        email = unique()
        r = self.server.cli("user", "add", email)
        self.assertEqual(r.rc, 0, r)
        m = re.search(r"password \(shown once\): (\S+)", r.out)
        self.assertTrue(m, r)
        self.assertGreaterEqual(len(m.group(1)), 16)
        self.server.login(email, m.group(1))

    def test_workspace_add_with_tz_and_lang_makes_the_account_its_owner(self):
        email = unique()
        self.server.add_user(email)
        name = "Atelier %s" % unique("x").split("@")[0]
        r = self.server.cli("workspace", "add", name, "--owner", email, "--tz", "Europe/Paris", "--lang", "fr")
        self.assertEqual(r.rc, 0, r)
        wid = int(re.search(r"workspace (\d+) created", r.out).group(1))
        bot = self.server.bearer(email)
        ws = bot.get("/api/v1/workspaces/%d" % wid).json
        self.assertEqual((ws["name"], ws["tz"], ws["lang"], ws["role"]), (name, "Europe/Paris", "fr", "owner"))
        e = bot.get("/api/v1/workspaces/%d/audit" % wid).json["entries"]
        self.assertEqual([(x["action"], x["ip"]) for x in e], [("workspace.create", "cli")])

    def test_workspace_add_defaults_to_utc_and_english(self):
        email = unique()
        self.server.add_user(email)
        r = self.server.cli("workspace", "add", "Plain", "--owner", email)
        self.assertEqual(r.rc, 0, r)
        wid = int(re.search(r"workspace (\d+) created", r.out).group(1))
        ws = self.server.bearer(email).get("/api/v1/workspaces/%d" % wid).json
        self.assertEqual((ws["tz"], ws["lang"]), ("UTC", "en"))

    def test_workspace_add_with_bad_arguments_fails(self):
        email = unique()
        self.server.add_user(email)
        cases = [
            (["--owner", email, "--tz", "Mars/Olympus"], 2, "time zone"),
            (["--owner", email, "--tz", "../etc/passwd"], 2, "time zone"),
            (["--owner", email, "--lang", "de"], 2, "fr or en"),
            ([], 2, "--owner"),
            (["--owner", "not-an-email"], 2, "e-mail"),
            (["--owner", unique("ghost")], 1, "no account"),
        ]
        for extra, rc, why in cases:
            with self.subTest(extra=extra):
                r = self.server.cli("workspace", "add", "Bad", *extra)
                self.assertEqual(r.rc, rc, r)
                self.assertIn(why, r.err)
        r = self.server.cli("workspace", "add", "", "--owner", email)
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(self.server.bearer(email).get("/api/v1/workspaces").json["workspaces"], [])

    def test_member_add_by_workspace_id_and_by_name(self):
        owner, ed, an = unique(), unique(), unique()
        for e in (owner, ed, an):
            self.server.add_user(e)
        name = "Named %s" % unique("n").split("@")[0]
        r = self.server.cli("workspace", "add", name, "--owner", owner)
        wid = int(re.search(r"workspace (\d+) created", r.out).group(1))
        r = self.server.cli("member", "add", str(wid), ed, "editor")
        self.assertEqual(r.rc, 0, r)
        r = self.server.cli("member", "add", name, an, "analyst")
        self.assertEqual(r.rc, 0, r)
        members = self.server.bearer(owner).get("/api/v1/workspaces/%d/members" % wid).json["members"]
        self.assertEqual({m["email"]: m["role"] for m in members}, {owner: "owner", ed: "editor", an: "analyst"})
        r = self.server.cli("member", "add", name, an, "admin")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("member of", r.err)
        r = self.server.cli("member", "add", str(wid), unique(), "editor")
        self.assertEqual((r.rc, "no account" in r.err), (1, True), r)
        r = self.server.cli("member", "add", "no such workspace", ed, "editor")
        self.assertEqual((r.rc, "no workspace" in r.err), (1, True), r)
        r = self.server.cli("member", "add", "999999", ed, "editor")
        self.assertEqual(r.rc, 1, r)
        r = self.server.cli("member", "add", str(wid), ed, "boss")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("role must be", r.err)

    def test_token_create_prints_the_token_alone_on_stdout(self):
        email = unique()
        self.server.add_user(email)
        r = self.server.cli("token", "create", email, "--name", "ci")
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"^tribu_[A-Za-z0-9_-]{43}\n$")
        self.assertIn("shown once", r.err)
        tok = r.out.strip()
        self.assertEqual(Client(self.server, token=tok).get("/api/v1/me").json["user"]["email"], email)
        self.assertNotEqual(self.server.token(email), tok)
        r = self.server.cli("token", "create", unique())
        self.assertEqual((r.rc, r.out), (1, ""), r)

    def test_migrate_prints_the_schema_version(self):
        r = self.server.cli("migrate")
        self.assertEqual(r.rc, 0, r)
        m = re.fullmatch(r"database schema version (\d+) \(latest (\d+)\)\n", r.out)
        self.assertTrue(m, r)
        self.assertEqual(m.group(1), m.group(2))
        self.assertGreaterEqual(int(m.group(1)), 1)
        fresh = tempfile.mkdtemp(prefix="tribu-e2e-cli-")
        try:
            r = run_cli(["migrate"], data=os.path.join(fresh, "d"))
            self.assertEqual(r.rc, 0, r)
            self.assertIn("version %s (latest %s)" % (m.group(1), m.group(1)), r.out)
        finally:
            shutil.rmtree(fresh)


def data_dir_with_conf(text):
    """A new data directory holding tribu.conf with `text`."""
    d = os.path.join(tempfile.mkdtemp(prefix="tribu-e2e-cfg-"), "data")
    os.mkdir(d, 0o700)
    with open(os.path.join(d, "tribu.conf"), "w") as f:
        f.write(text)
    return d


def serve_fails(data, *flags, env=None):
    """Runs `tribu serve` expecting it to refuse to start; returns the Cli."""
    args = ["serve"] + list(flags)
    if not any(f == "--listen" for f in flags):
        args += ["--listen", "127.0.0.1:%d" % free_port()]
    return run_cli(args, data=data, env=env, timeout=10)


class Configuration(unittest.TestCase):
    def test_file_then_environment_then_flags_decide_the_settings(self):
        p1, p2, p3 = free_port(), free_port(), free_port()
        data = data_dir_with_conf("# comment\n\nlisten = 127.0.0.1:%d\nthreads = 2\n" % p1)
        srv = Server(data=data, listen=False, port=p1, start=False)
        try:
            srv.start()
            self.assertTrue(srv.wait_output("serving on http://127.0.0.1:%d" % p1), srv.stdout())
            self.assertTrue(srv.wait_output("2 threads"), srv.stderr())
            srv.stop()
            srv.fixed_port = p2
            srv.start(env={"TRIBU_LISTEN": "127.0.0.1:%d" % p2, "TRIBU_THREADS": "3"})
            self.assertTrue(srv.wait_output("serving on http://127.0.0.1:%d" % p2), srv.stdout())
            self.assertTrue(srv.wait_output("3 threads"), srv.stderr())
            with self.assertRaises(OSError):
                http_request(p1, "GET", "/healthz", timeout=2)
            srv.stop()
            srv.fixed_port = p3
            srv.start("--listen", "127.0.0.1:%d" % p3, "--threads", "5",
                      env={"TRIBU_LISTEN": "127.0.0.1:%d" % p2, "TRIBU_THREADS": "3"})
            self.assertTrue(srv.wait_output("serving on http://127.0.0.1:%d" % p3), srv.stdout())
            self.assertTrue(srv.wait_output("5 threads"), srv.stderr())
        finally:
            srv.close()
            shutil.rmtree(os.path.dirname(data), ignore_errors=True)

    def test_an_unknown_key_stops_with_exit_2_naming_it(self):
        data = data_dir_with_conf("listen = 127.0.0.1:1\nbogus_key = 1\n")
        try:
            r = serve_fails(data)
            self.assertEqual(r.rc, 2, r)
            self.assertIn("bogus_key", r.err)
            self.assertIn("tribu.conf:2", r.err)
            os.unlink(os.path.join(data, "tribu.conf"))
            r = serve_fails(data, env={"TRIBU_BOGUS_KEY": "1"})
            self.assertEqual(r.rc, 2, r)
            self.assertIn("TRIBU_BOGUS_KEY", r.err)
            r = serve_fails(data, "--bogus-key", "1")
            self.assertEqual(r.rc, 2, r)
            self.assertIn("bogus-key", r.err)
        finally:
            shutil.rmtree(os.path.dirname(data), ignore_errors=True)

    def test_an_out_of_range_or_malformed_value_stops_with_exit_2_naming_the_key(self):
        data = data_dir_with_conf("")
        try:
            for flags, env, key in [
                (["--threads", "0"], None, "threads"),
                (["--threads", "257"], None, "threads"),
                (["--threads", "four"], None, "threads"),
                (["--max-body", "10"], None, "max_body"),
                (["--log-level", "verbose"], None, "log_level"),
                (["--secure-cookies", "maybe"], None, "secure_cookies"),
                ([], {"TRIBU_THREADS": "0"}, "threads"),
                ([], {"TRIBU_DB_BUSY_TIMEOUT": "-5"}, "db_busy_timeout"),
            ]:
                with self.subTest(flags=flags, env=env):
                    r = serve_fails(data, *flags, env=env)
                    self.assertEqual(r.rc, 2, r)
                    self.assertIn(key, r.err)
            r = serve_fails(data, "--listen", "nowhere")
            self.assertNotEqual(r.rc, 0, r)
            self.assertIn("listen", r.err)
            with open(os.path.join(data, "tribu.conf"), "w") as f:
                f.write("threads = 0\n")
            r = serve_fails(data)
            self.assertEqual(r.rc, 2, r)
            self.assertIn("threads", r.err)
            with open(os.path.join(data, "tribu.conf"), "w") as f:
                f.write("just some words\n")
            r = serve_fails(data)
            self.assertEqual(r.rc, 2, r)
            self.assertIn("tribu.conf:1", r.err)
        finally:
            shutil.rmtree(os.path.dirname(data), ignore_errors=True)

    def test_secrets_and_the_data_directory_are_refused_in_the_file(self):
        for line in ["admin_password = supersecret123", "metrics_token = abc", "data = /tmp/elsewhere"]:
            with self.subTest(line=line):
                data = data_dir_with_conf(line + "\n")
                try:
                    r = serve_fails(data)
                    self.assertEqual(r.rc, 2, r)
                    self.assertIn(line.split()[0], r.err)
                    self.assertIn("cannot be set in the file", r.err)
                    self.assertFalse(os.path.exists(os.path.join(data, "tribu.db")), "nothing created")
                finally:
                    shutil.rmtree(os.path.dirname(data), ignore_errors=True)


class FirstStart(unittest.TestCase):
    def test_first_start_prints_a_generated_password_once_and_it_works(self):
        with Server(admin_password=None) as srv:
            out = srv.stdout()
            self.assertIn("First start", out)
            self.assertIn(ADMIN_EMAIL, out)
            m = re.search(r"password: (\S+)\s+\(shown once", out)
            self.assertTrue(m, out)
            pw = m.group(1)
            admin = srv.login(ADMIN_EMAIL, pw)
            ws = admin.get("/api/v1/me").json["workspaces"]
            self.assertEqual([(w["name"], w["role"]) for w in ws], [("My workspace", "owner")])
            self.assertNotIn(pw, srv.stderr(), "the password is not logged")
            srv.stop()
            srv.start()
            self.assertTrue(srv.wait_output("serving on"))
            self.assertNotIn("password", srv.stdout())
            self.assertNotIn("First start", srv.stdout())
            srv.login(ADMIN_EMAIL, pw)

    def test_first_start_uses_the_admin_password_and_email_from_the_environment(self):
        with Server(admin_password="from the environment",
                    env={"TRIBU_ADMIN_EMAIL": "Boss@Example.org"}) as srv:
            self.assertIn("boss@example.org", srv.stdout())
            self.assertNotIn("from the environment", srv.stdout())
            srv.login("boss@example.org", "from the environment")

    def test_first_start_refuses_a_weak_admin_password(self):
        d = tempfile.mkdtemp(prefix="tribu-e2e-cli-")
        try:
            r = serve_fails(os.path.join(d, "data"), env={"TRIBU_ADMIN_PASSWORD": "short"})
            self.assertEqual(r.rc, 2, r)
            self.assertIn("TRIBU_ADMIN_PASSWORD", r.err)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
