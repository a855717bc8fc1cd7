"""The server's life: clean shutdown with requests in flight, durability
across kill -9, and a database locked by someone else."""
import http.client
import signal
import socket
import sqlite3
import threading
import time
import unittest

from harness import PASSWORD, Server, ServerTest, parse_raw, run_cli, unique

API = "/api/v1/workspaces"


def consistency_problems(db_path):
    """Workspaces without an owner or without their creation audit entry,
    and the integrity check's complaints; [] when all is well."""
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        out = [r[0] for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        out += ["foreign key: %r" % (r,) for r in db.execute("PRAGMA foreign_key_check")]
        out += ["workspace %d has no owner" % r[0] for r in db.execute(
            "SELECT id FROM workspace w WHERE NOT EXISTS"
            " (SELECT 1 FROM member m WHERE m.workspace_id = w.id AND m.role = 'owner')")]
        out += ["workspace %d has no creation entry" % r[0] for r in db.execute(
            "SELECT id FROM workspace w WHERE NOT EXISTS"
            " (SELECT 1 FROM audit a WHERE a.workspace_id = w.id AND a.action = 'workspace.create')")]
        return out
    finally:
        db.close()


class Shutdown(unittest.TestCase):
    def test_sigterm_lets_slow_uploads_in_flight_finish_then_exits_0(self):
        with Server() as srv:
            email = unique()
            srv.add_user(email)
            token = srv.token(email)
            socks, bodies = [], []
            for i in range(4):
                body = b'{"name": "slow upload %d"}' % i
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(b"POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                          b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                          % (API.encode(), token.encode(), len(body)) + body[:5])
                socks.append(s)
                bodies.append(body)
            time.sleep(0.3)                  # the server has the headers
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            self.assertIsNone(srv.proc.poll(), "exited with uploads in flight")
            answers = []
            for s, body in zip(socks, bodies):
                s.sendall(body[5:])
            for s in socks:
                data = b""
                while not data.endswith(b"}"):
                    d = s.recv(65536)
                    if not d:
                        break
                    data += d
                s.close()
                answers.append(parse_raw(data))
            self.assertEqual([a[0] for a in answers], [201] * 4, answers)
            srv.stop(send=False)
            srv.start()
            names = sorted(w["name"] for w in srv.bearer(email).get(API).json["workspaces"])
            self.assertEqual(names, ["slow upload %d" % i for i in range(4)])

    def test_new_connections_while_draining_are_refused_not_left_hanging(self):
        with Server() as srv:
            email = unique()
            srv.add_user(email)
            body = b'{"name": "draining"}'
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(b"POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % (API.encode(), srv.token(email).encode(), len(body)))
            time.sleep(0.2)
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)                      # draining: the upload is in flight
            t0 = time.monotonic()
            try:
                r = srv.request("GET", "/healthz", timeout=1.5)
                outcome = "answered %d" % r.status
            except (ConnectionRefusedError, ConnectionResetError):
                outcome = "refused"
            except OSError as e:
                outcome = "no answer within %.1f s (%r)" % (time.monotonic() - t0, e)
            s.sendall(body)
            self.assertIn(b" 201 ", s.recv(65536))
            s.close()
            srv.stop(send=False)
            self.assertEqual(outcome, "refused")

    def test_sigterm_lets_logins_in_flight_finish_then_exits_0(self):
        # Costly password hashes (64 MiB, 4 passes: about 0.1 s a login) so
        # that the logins are still running when the signal arrives.
        cost = ["--argon2-memlimit", "65536", "--argon2-opslimit", "4"]
        with Server(*cost) as srv:
            emails = [unique() for _ in range(3)]
            for e in emails:
                r = run_cli(["user", "add", e, "--password-stdin"] + cost, data=srv.data,
                            stdin=PASSWORD + "\n", fast=False)
                self.assertEqual(r.rc, 0, r)
            results, done_at = {}, []

            def login(e):
                try:
                    results[e] = srv.request("POST", "/api/v1/auth/login",
                                             {"email": e, "password": PASSWORD}).status
                except OSError as ex:
                    results[e] = repr(ex)
                done_at.append(time.monotonic())

            ts = [threading.Thread(target=login, args=(e,)) for e in emails]
            for t in ts:
                t.start()
            time.sleep(0.03)
            sent = time.monotonic()
            srv.proc.send_signal(signal.SIGTERM)
            for t in ts:
                t.join(15)
            self.assertEqual(results, {e: 200 for e in emails})
            self.assertGreater(max(done_at), sent, "no login was in flight at the signal")
            srv.stop(send=False)

    def test_a_stalled_upload_delays_shutdown_by_the_grace_period_only(self):
        with Server() as srv:
            email = unique()
            srv.add_user(email)
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
            s.sendall(b"POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
                      % (API.encode(), srv.token(email).encode()))
            time.sleep(0.2)
            took = srv.stop(timeout=15)         # never sends the rest
            self.assertLess(took, 12.0)
            self.assertIn("in flight", srv.stderr())
            s.close()

    def test_idle_keep_alive_connections_do_not_hold_up_shutdown(self):
        with Server() as srv:
            conns = []
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                self.assertIn(b" 200 ", s.recv(4096))
                conns.append(s)         # left open, idle
            took = srv.stop()
            self.assertLess(took, 3.0)
            for s in conns:
                s.close()


class Connections(ServerTest):
    def test_one_keep_alive_connection_carries_many_requests_and_errors(self):
        email = unique()
        self.server.add_user(email)
        auth = {"Authorization": "Bearer " + self.server.token(email)}
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        steps = [
            ("POST", API, b'{"name":"kept alive"}', "application/json", 201),
            ("GET", "/api/v1/me", None, None, 200),
            ("POST", API, b'{"name":', "application/json", 400),
            ("POST", API, b'{"name":"x"}', "text/plain", 415),
            ("POST", "/no/such/path", b'{"a":1}', "application/json", 404),
            ("PUT", "/api/v1/me", b'{"a":1}', "application/json", 405),
            ("POST", API, b'{"name":"%s"}' % (b"x" * 200), "application/json", 400),
            ("GET", API + "/abc", None, None, 404),
            ("POST", API, b'{"name":"kept alive 2"}', "application/json", 201),
            ("GET", API, None, None, 200),
        ]
        sock = None
        try:
            for i, (method, path, body, ctype, want) in enumerate(steps * 3):
                h = dict(auth)
                if ctype:
                    h["Content-Type"] = ctype
                conn.request(method, path, body=body, headers=h)
                r = conn.getresponse()
                data = r.read()
                self.assertEqual(r.status, want, "step %d %s %s: %r" % (i, method, path, data[:200]))
                sock = sock or conn.sock
                self.assertIs(conn.sock, sock, "the connection was closed after step %d" % i)
        finally:
            conn.close()
        names = sorted(w["name"] for w in self.server.bearer(email).get(API).json["workspaces"])
        self.assertEqual(names, ["kept alive"] * 3 + ["kept alive 2"] * 3)

    def test_many_concurrent_clients_get_correct_answers(self):
        owners = []
        for _ in range(6):
            e = unique()
            self.server.add_user(e)
            owners.append(self.server.bearer(e))
        guest = unique()
        self.server.add_user(guest)
        wrong = []

        def work(c):
            for i in range(15):
                steps = []
                r = c.post(API, {"name": "c %d" % i})
                steps.append((r, 201))
                if r.status != 201:
                    break
                ws = "%s/%d" % (API, r.json["id"])
                steps.append((c.post(ws + "/members", {"email": guest, "role": "editor"}), 201))
                steps.append((c.patch(ws, {"lang": "fr", "tz": "Europe/Paris"}), 200))
                steps.append((c.get(ws + "/members"), 200))
                steps.append((c.get(ws + "/audit"), 200))
                steps.append((c.delete(ws), 204))
                wrong.extend("%s: %r" % (c.email, r) for r, want in steps if r.status != want)

        ts = [threading.Thread(target=work, args=(c,)) for c in owners]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(wrong, [])
        self.assertEqual(consistency_problems(self.server.db_path()), [])


class Crash(unittest.TestCase):
    def test_kill_9_during_writes_loses_no_acknowledged_workspace(self):
        with Server() as srv:
            email = unique()
            srv.add_user(email)
            bot = srv.bearer(email)
            acked, stop = [], threading.Event()

            def writer(n):
                i = 0
                while not stop.is_set():
                    name = "crash %d-%d" % (n, i)
                    i += 1
                    try:
                        r = bot.post(API, {"name": name})
                    except OSError:
                        return          # the server is gone
                    if r.status == 201:
                        acked.append((r.json["id"], name))

            ts = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
            for t in ts:
                t.start()
            time.sleep(1.0)
            srv.kill9()
            stop.set()
            for t in ts:
                t.join(10)
            self.assertGreater(len(acked), 10, "too few writes to mean anything")
            srv.start()
            bot = srv.bearer(email)
            have = {w["id"]: w["name"] for w in bot.get(API).json["workspaces"]}
            lost = [(i, n) for i, n in acked if have.get(i) != n]
            self.assertEqual(lost, [], "acknowledged but gone after kill -9")
            db = sqlite3.connect("file:%s?mode=ro" % srv.db_path(), uri=True)
            try:
                audited = {(r[0], r[1]) for r in db.execute(
                    "SELECT workspace_id, target FROM audit WHERE action = 'workspace.create'")}
            finally:
                db.close()
            self.assertEqual([a for a in acked if a not in audited], [], "no creation entry")
            wid, name = acked[-1]
            e = bot.get("%s/%d/audit" % (API, wid)).json["entries"]
            self.assertEqual([(x["action"], x["target"]) for x in e], [("workspace.create", name)])
            self.assertEqual(consistency_problems(srv.db_path()), [])


class Busy(unittest.TestCase):
    """Another process holds the database's write lock (BEGIN IMMEDIATE)."""

    @classmethod
    def setUpClass(cls):
        # Enough threads that the concurrent blocked calls below each get one.
        cls.server = Server("--db-busy-timeout", "300", "--threads", "8")
        cls.email = unique()
        cls.server.add_user(cls.email)
        cls.bot = cls.server.bearer(cls.email)
        cls.ws = cls.bot.post(API, {"name": "busy target"}).json["id"]

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def tearDown(self):
        self.server.check_alive()

    def hold_lock(self, seconds, *actions):
        """Holds the write lock for `seconds` while each of `actions` runs in
        its own thread; returns [(result, seconds it took)] in order."""
        db = sqlite3.connect(self.server.db_path(), isolation_level=None, timeout=5)
        out = [None] * len(actions)

        def run(i):
            t0 = time.monotonic()
            r = actions[i]()
            out[i] = (r, time.monotonic() - t0)

        try:
            db.execute("BEGIN IMMEDIATE")
            ts = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
            for t in ts:
                t.start()
            time.sleep(seconds)
            db.execute("COMMIT")
            for t in ts:
                t.join(30)
        finally:
            db.close()
        return out

    def test_a_write_waits_for_a_lock_shorter_than_the_busy_timeout_and_succeeds(self):
        [(r, took)] = self.hold_lock(0.15, lambda: self.bot.post(API, {"name": "waited"}))
        self.assertEqual(r.status, 201, r)
        self.assertGreater(took, 0.1, "it did not wait for the lock")
        self.assertEqual(self.bot.get("%s/%d" % (API, r.json["id"])).json["name"], "waited")

    def test_reads_are_not_blocked_by_a_writer(self):
        [(r, took)] = self.hold_lock(0.8, lambda: self.bot.get("%s/%d" % (API, self.ws)))
        self.assertEqual(r.status, 200, r)
        self.assertLess(took, 0.5)

    def test_a_write_blocked_longer_than_the_busy_timeout_is_503_busy_and_writes_nothing(self):
        before = self.bot.get(API).json["workspaces"]
        other = unique()
        self.server.add_user(other)
        calls = [
            lambda: self.bot.post(API, {"name": "never"}),
            lambda: self.bot.patch("%s/%d" % (API, self.ws), {"name": "never"}),
            lambda: self.bot.post("%s/%d/members" % (API, self.ws), {"email": other, "role": "editor"}),
            lambda: self.bot.delete("%s/%d" % (API, self.ws)),
            lambda: self.server.request("POST", "/api/v1/auth/login", {"email": other, "password": PASSWORD}),
        ]
        for r, _ in self.hold_lock(2.0, *calls):
            with self.subTest(r=r):
                self.assertEqual(r.status, 503, r)
                self.assertEqual(r.json["error"]["code"], "busy")
                self.assertGreater(int(r.headers.get("Retry-After", "0")), 0)
        self.assertEqual(self.bot.get(API).json["workspaces"], before)
        self.assertEqual(self.bot.get("%s/%d/audit" % (API, self.ws)).json["entries"][0]["action"],
                         "workspace.create")
        self.assertEqual(consistency_problems(self.server.db_path()), [])
        r = self.bot.post(API, {"name": "after the lock"})        # and once released, it works
        self.assertEqual(r.status, 201, r)

    def test_a_blocked_write_waits_no_longer_than_the_busy_timeout(self):
        [(r, took)] = self.hold_lock(1.3, lambda: self.bot.post(API, {"name": "never either"}))
        self.assertEqual(r.status, 503, r)
        self.assertLess(took, 0.6, "--db-busy-timeout is 300 ms; the request waited %.2f s" % took)


if __name__ == "__main__":
    unittest.main()
