"""harness.py - runs the real `tribu` binary for the end-to-end tests.

Standard library only (Debian's python3). The binary comes from $TRIBU_BIN
(default ./tribu, relative to the repository root). Each Server owns a fresh
temporary data directory and serves on a free loopback port with a low
argon2 cost so that logins stay fast. A server that crashes, is killed by a
signal, prints a sanitizer report or does not exit 0 within 10 s of SIGTERM
fails the test; so does a CLI run that crashes or reports a sanitizer error.

    srv = Server()                          # started, /healthz answered
    srv.add_user("ann@example.org")         # tribu user add ... --password-stdin
    ann = srv.login("ann@example.org")      # Client with cookie + CSRF token
    st, hdrs, body = ann.post("/api/v1/workspaces", {"name": "Acme"})
    bot = srv.bearer("ann@example.org")     # Client with a token from the CLI
    srv.close()                             # SIGTERM, asserts exit status 0
"""
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _binary():
    b = os.environ.get("TRIBU_BIN", "./tribu")
    return os.path.normpath(b if os.path.isabs(b) else os.path.join(ROOT, b))


BIN = _binary()
ADMIN_EMAIL = "admin@tribu.local"
ADMIN_PASSWORD = "admin-password-e2e"
PASSWORD = "correct horse battery"          # accounts made by the tests
FAST = ["--argon2-memlimit", "8192", "--argon2-opslimit", "1"]
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")

_running = set()        # Servers with a live process, killed at exit
touched = []            # Servers used since the runner last cleared it


def tail(text, lines=40):
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def sanitizer_report(text):
    """The first sanitizer mark found in `text`, or None."""
    for m in SANITIZER_MARKS:
        if m in text:
            return m
    return None


def child_env(extra=None, admin_password=None):
    """The environment of a tribu process: ours without any TRIBU_* (tribu
    refuses unknown TRIBU_ variables, and TRIBU_BIN is one), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBU_")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if admin_password is not None:
        env["TRIBU_ADMIN_PASSWORD"] = admin_password
    env.update(extra or {})
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cli:
    """The outcome of one command: exit status, stdout, stderr."""

    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def __repr__(self):
        return "tribu %s -> %d\nstdout: %s\nstderr: %s" % (
            " ".join(self.args), self.rc, tail(self.out, 10), tail(self.err, 10))


def run_cli(args, data=None, stdin=None, env=None, fast=True, timeout=60):
    """Runs `tribu ARGS` (with --data DATA and the fast argon2 flags unless
    fast=False) and returns a Cli. Raises AssertionError when the process
    died of a signal or printed a sanitizer report: those are never an
    expected outcome."""
    args = list(args)
    if data is not None:
        args += ["--data", data]
    if fast:
        args += FAST
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True,
                       env=child_env(env), timeout=timeout)
    res = Cli(args, p.returncode, p.stdout, p.stderr)
    if p.returncode < 0 or sanitizer_report(p.stderr):
        raise AssertionError("tribu crashed or reported a sanitizer error:\n%r" % res)
    return res


class Resp:
    """A response; unpacks as (status, headers, json)."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self.json = None
        ctype = headers.get("Content-Type", "")
        if body and ctype.startswith("application/json"):
            self.json = json.loads(body.decode("utf-8"))

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.body[:300])


def http_request(port, method, path, body=None, headers=None, timeout=30, host="127.0.0.1"):
    """One request on a new connection. `body`: bytes as they are, anything
    else is sent as JSON (with Content-Type: application/json unless
    `headers` names one)."""
    headers = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return Resp(r.status, r.headers, r.read())
    finally:
        conn.close()


def raw_exchange(port, chunks, pause=0.0, timeout=10):
    """Sends `chunks` (bytes, `pause` seconds apart) on one connection and
    returns everything the server sent until it closed or went quiet. Send
    errors are ignored: the server may answer and close before the end."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        for c in chunks:
            try:
                s.sendall(c)
            except OSError:
                break
            if pause:
                time.sleep(pause)
        data = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
                if response_complete(data):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return data
    finally:
        s.close()


def response_complete(data):
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return m is not None and len(rest) >= int(m.group(1))


def parse_raw(data):
    """(status, {lower-case header: value}, json or None) of a raw response."""
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    body = None
    if hdrs.get("content-type", "").startswith("application/json") and rest:
        body = json.loads(rest.decode())
    return status, hdrs, body


def cookie_attrs(set_cookie):
    """'a=b; Path=/; HttpOnly' -> ('a', 'b', {'path': '/', 'httponly': True})."""
    parts = [p.strip() for p in set_cookie.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        attrs[k.lower()] = v if eq else True
    return name, value, attrs


class Client:
    """Requests as one caller: a Bearer token, or a session cookie whose
    CSRF token is sent on mutating requests (csrf=False leaves it out)."""

    def __init__(self, server, token=None, cookie=None, csrf=None, email=None):
        self.server, self.token, self.cookie, self.csrf = server, token, cookie, csrf
        self.email = email

    def request(self, method, path, body=None, headers=None, csrf=True):
        h = {}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.cookie:
            h["Cookie"] = "tribu_session=" + self.cookie
        if self.csrf and csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        return self.server.request(method, path, body, h)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class Server:
    """A tribu data directory and the `tribu serve` process on it.

    Server(*flags) starts at once (start=False to start later); `data` reuses
    a directory the caller owns; `env` adds variables; `admin_password=None`
    leaves TRIBU_ADMIN_PASSWORD unset; `listen=False` passes no --listen (the
    port is then the one the test configured elsewhere, given as `port`)."""

    def __init__(self, *flags, data=None, env=None, admin_password=ADMIN_PASSWORD,
                 port=None, listen=True, start=True):
        self.tmp = tempfile.mkdtemp(prefix="tribu-e2e-")
        self.data = data or os.path.join(self.tmp, "data")
        self.flags, self.env, self.admin_password = list(flags), env, admin_password
        self.fixed_port, self.listen = port, listen
        self.proc = None
        self.runs = 0
        self._err_kept = None           # stderr, kept when the directory goes
        if start:
            self.start()

    # --- process ---------------------------------------------------------
    def start(self, *more_flags, env=None):
        assert self.proc is None, "already running"
        self.port = self.fixed_port or free_port()
        args = [BIN, "serve", "--data", self.data] + FAST
        if self.listen:
            args += ["--listen", "127.0.0.1:%d" % self.port]
        args += self.flags + list(more_flags)
        self.runs += 1
        self.out_path = os.path.join(self.tmp, "serve-%d.out" % self.runs)
        self.err_path = os.path.join(self.tmp, "serve-%d.err" % self.runs)
        extra = dict(self.env or {})
        extra.update(env or {})
        with open(self.out_path, "wb") as o, open(self.err_path, "wb") as e:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                         env=child_env(extra, self.admin_password))
        self._err_kept = None
        _running.add(self)
        _touch(self)
        self.wait_ready()
        return self

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                _running.discard(self)
                raise AssertionError("tribu serve exited with %d while starting\n%s"
                                     % (rc, self.stderr_tail()))
            try:
                if http_request(self.port, "GET", "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        self.kill9()
        raise AssertionError("tribu serve did not answer /healthz within %gs\n%s"
                             % (START_TIMEOUT, self.stderr_tail()))

    def check_alive(self):
        """Fails when the process died, or printed a sanitizer report."""
        if self.proc is not None and self.proc.poll() is not None:
            rc = self.proc.returncode
            self.proc = None
            _running.discard(self)
            raise AssertionError("tribu serve died (status %d)\n%s" % (rc, self.stderr_tail()))
        self._check_sanitizer()

    def stop(self, timeout=STOP_TIMEOUT, send=True):
        """SIGTERM (send=False: it was sent already); asserts exit status 0
        within `timeout` seconds and no sanitizer report. Returns the
        seconds it took."""
        if self.proc is None:
            return 0.0
        p, self.proc = self.proc, None
        t0 = time.monotonic()
        if send and p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            _running.discard(self)
            raise AssertionError("tribu serve still running %gs after SIGTERM\n%s"
                                 % (timeout, self.stderr_tail()))
        _running.discard(self)
        took = time.monotonic() - t0
        self._check_sanitizer()
        if rc != 0:
            raise AssertionError("tribu serve exited with status %d after SIGTERM\n%s"
                                 % (rc, self.stderr_tail()))
        return took

    def kill9(self):
        """kill -9, on purpose: no status check, only the sanitizer's."""
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        p.kill()
        p.wait()
        _running.discard(self)
        self._check_sanitizer()

    def close(self):
        """Stops (asserting a clean exit) and removes the directory."""
        try:
            self.stop()
        finally:
            if self.proc is not None:
                self.kill9()
            if not os.environ.get("TRIBU_E2E_KEEP"):
                self._err_kept = self.stderr()     # for the runner's report
                shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
            return
        try:                    # the test failed already: say why it did first
            self.close()
        except AssertionError as e:
            print("\n[harness] while cleaning up: %s" % e)

    def _check_sanitizer(self):
        err = self.stderr()
        m = sanitizer_report(err)
        if m:
            raise AssertionError("sanitizer report (%s) from tribu serve\n%s"
                                 % (m, tail(err, 60)))

    # --- output ------------------------------------------------------------
    def stdout(self):
        return _read(self.out_path) if self.runs else ""

    def stderr(self):
        if self._err_kept is not None:
            return self._err_kept
        return _read(self.err_path) if self.runs else ""

    def wait_output(self, text, timeout=5.0):
        """Waits until `text` appears on stdout or stderr (a line printed
        just after the server started answering); returns whether it did."""
        deadline = time.monotonic() + timeout
        while text not in self.stdout() + self.stderr():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def stderr_tail(self, lines=40):
        return "--- tribu serve stderr (last %d lines) ---\n%s" % (lines, tail(self.stderr(), lines))

    # --- requests ------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=30):
        _touch(self)
        return http_request(self.port, method, path, body, headers, timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def cli(self, *args, stdin=None, env=None):
        """A tribu command on this server's data directory."""
        _touch(self)
        return run_cli(args, data=self.data, stdin=stdin, env=env)

    def add_user(self, email, password=PASSWORD, name=None):
        """Creates an account with the CLI; returns its id."""
        args = ["user", "add", email, "--password-stdin"] + (["--name", name] if name else [])
        r = self.cli(*args, stdin=password + "\n")
        if r.rc != 0:
            raise AssertionError("user add failed: %r" % r)
        return int(re.search(r"account (\d+) created", r.out).group(1))

    def token(self, email):
        r = self.cli("token", "create", email)
        if r.rc != 0:
            raise AssertionError("token create failed: %r" % r)
        return r.out.strip()

    def bearer(self, email):
        return Client(self, token=self.token(email), email=email)

    def login(self, email, password=PASSWORD):
        """Signs in; returns a cookie Client. Fails unless 200."""
        r = self.request("POST", "/api/v1/auth/login", {"email": email, "password": password})
        if r.status != 200:
            raise AssertionError("login of %s: %r" % (email, r))
        _, value, _ = cookie_attrs(r.headers["Set-Cookie"])
        return Client(self, cookie=value, csrf=r.json["csrf_token"], email=email)

    def admin(self):
        return self.login(ADMIN_EMAIL, ADMIN_PASSWORD)

    def db_path(self):
        return os.path.join(self.data, "tribu.db")


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def _touch(server):
    if server not in touched:
        touched.append(server)


@atexit.register
def _kill_leftovers():
    for s in list(_running):
        if s.proc is not None and s.proc.poll() is None:
            s.proc.kill()


_ids = iter(range(1, 1 << 30))


def unique(prefix="user"):
    """A fresh e-mail address (or name) within this run."""
    return "%s%d-%d@example.org" % (prefix, os.getpid(), next(_ids))


class ServerTest(unittest.TestCase):
    """One server for the whole class (flags from `flags`); after each test
    it must still be alive; at the end it must stop cleanly."""
    flags = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.flags)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def tearDown(self):
        self.server.check_alive()

    def assertError(self, resp, status, code=None, field=...):
        """`resp` is a JSON error {"error":{"code","message","field"}} with
        this status (and code, and field when given; None for null)."""
        self.assertEqual(resp.status, status, resp)
        self.assertIsInstance(resp.json, dict, "error body is not JSON: %r" % resp)
        self.assertEqual(set(resp.json), {"error"}, resp)
        e = resp.json["error"]
        self.assertEqual(set(e), {"code", "message", "field"}, resp)
        self.assertIsInstance(e["code"], str)
        self.assertTrue(isinstance(e["message"], str) and e["message"], resp)
        self.assertTrue(e["field"] is None or isinstance(e["field"], str), resp)
        if code is not None:
            self.assertEqual(e["code"], code, resp)
        if field is not ...:
            self.assertEqual(e["field"], field, resp)
        return e

    def assertStatus(self, resp, status):
        self.assertEqual(resp.status, status, resp)
        return resp.json
