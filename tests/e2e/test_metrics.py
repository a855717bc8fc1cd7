"""/healthz and /metrics (Prometheus text format)."""
import re
import socket
import unittest

from harness import Client, Server, ServerTest, free_port, http_request, unique

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})?'
                    r" (-?[0-9.eE+-]+|\+Inf|NaN)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels)): value}; raises on a malformed line."""
    out, typed = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            typed[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError("not a Prometheus sample line: %r" % line)
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        if key in out:
            raise AssertionError("duplicate sample: %r" % line)
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        if m.group(1) not in typed and base not in typed:
            raise AssertionError("sample without a TYPE line: %r" % line)
        out[key] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


class Metrics(ServerTest):
    def metrics(self):
        r = self.server.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers)
        return parse(r.body.decode())

    def test_healthz_says_ok(self):
        st, hdrs, body = self.server.get("/healthz")
        self.assertEqual((st, body), (200, {"status": "ok"}))
        self.assertEqual(hdrs["Content-Type"], "application/json")
        r = self.server.request("HEAD", "/healthz")
        self.assertEqual(r.status, 200)

    def test_metrics_count_requests_by_route_and_status(self):
        email = unique()
        self.server.add_user(email)
        bot = self.server.bearer(email)
        before = self.metrics()
        route = "GET /api/v1/me"

        def count(m, status):
            return value(m, "tribu_http_requests_total", route=route, status=status) or 0

        for _ in range(3):
            self.assertEqual(bot.get("/api/v1/me").status, 200)
        for _ in range(2):
            self.assertEqual(Client(self.server).get("/api/v1/me").status, 401)
        self.assertEqual(self.server.get("/no/such/path").status, 404)
        after = self.metrics()
        self.assertEqual(count(after, "200") - count(before, "200"), 3)
        self.assertEqual(count(after, "401") - count(before, "401"), 2)
        un = lambda m: value(m, "tribu_http_requests_total", route="unmatched", status="404") or 0  # noqa: E731
        self.assertEqual(un(after) - un(before), 1)

    def test_metrics_have_a_latency_histogram_per_route(self):
        email = unique()
        self.server.add_user(email)
        bot = self.server.bearer(email)
        for _ in range(4):
            bot.get("/api/v1/me")
        m = self.metrics()
        name = "tribu_http_request_duration_seconds"
        route = "GET /api/v1/me"
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in m.items()
                          if k[0] == name + "_bucket" and dict(k[1]).get("route") == route))
        self.assertGreaterEqual(len(buckets), 5, buckets)
        self.assertEqual(buckets[-1][0], float("inf"))
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), "buckets are cumulative")
        total = value(m, name + "_count", route=route)
        self.assertEqual(counts[-1], total)
        ok = value(m, "tribu_http_requests_total", route=route, status="200")
        bad = value(m, "tribu_http_requests_total", route=route, status="401") or 0
        self.assertEqual(total, ok + bad)
        self.assertGreater(value(m, name + "_sum", route=route), 0)

    def test_metrics_report_database_time_and_queued_jobs(self):
        self.server.get("/api/v1/me")
        m = self.metrics()
        self.assertGreater(value(m, "tribu_db_seconds_total"), 0)
        self.assertEqual(value(m, "tribu_jobs_queued"), 0)


def outside_address():
    """An address of this machine that is not loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))         # no packet is sent
            ip = s.getsockname()[0]
        return None if ip.startswith("127.") else ip
    except OSError:
        return None


class MetricsFromElsewhere(unittest.TestCase):
    def test_metrics_from_another_address_need_the_metrics_token(self):
        ip = outside_address()
        if not ip:
            self.skipTest("this machine has no non-loopback address")
        srv = Server(listen=False, port=free_port(), start=False)
        try:
            srv.start("--listen", "0.0.0.0:%d" % srv.fixed_port, env={"TRIBU_METRICS_TOKEN": "m-secret-token"})
            get = lambda h: http_request(srv.port, "GET", "/metrics", headers=h, host=ip)  # noqa: E731
            r = get({})
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.json["error"]["code"], "forbidden")
            self.assertEqual(get({"Authorization": "Bearer wrong-token"}).status, 403)
            self.assertEqual(get({"Authorization": "Bearer m-secret-token"}).status, 200)
            self.assertEqual(http_request(srv.port, "GET", "/healthz", host=ip).status, 200)
        finally:
            srv.close()


if __name__ == "__main__":
    unittest.main()
