#!/usr/bin/env python3
"""bench/http: the cost of being signed in, measured against the bare server.

Starts `tribu serve` on loopback with a fresh data directory, then:
  - start-up: time from exec to the first answered GET /healthz (median of 5
    restarts on an existing data directory; target < 100 ms);
  - idle resident memory after start-up and a few requests (target < 20 MB);
  - wrk, 10 s, 64 connections, 2 threads: GET /healthz (the baseline), then
    GET /api/v1/me with a Bearer token (targets: /healthz >= 50,000 req/s,
    /me >= 70 % of /healthz, p99 < 10 ms).
Prints the figures, the targets and the ratio; the last line is a Markdown
row for bench/RESULTS.md.
"""
import os, re, shutil, socket, statistics, subprocess, sys, tempfile, time

TRIBU = os.environ.get("TRIBU_BIN", "./tribu")
DURATION = os.environ.get("BENCH_SECONDS", "10")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(port, path, headers=""):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data


def start(data, port):
    # tribu refuses unknown TRIBU_* variables, and TRIBU_BIN is ours.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBU_")}
    env["TRIBU_ADMIN_PASSWORD"] = "bench-password-123"
    t0 = time.perf_counter()
    p = subprocess.Popen([TRIBU, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                          "--log-level", "warn"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if b"200 OK" in get(port, "/healthz"):
                return p, (time.perf_counter() - t0) * 1000
        except OSError:
            pass
        if p.poll() is not None:
            sys.exit("tribu exited during start-up")
        if time.perf_counter() - t0 > 10:
            sys.exit("tribu did not answer within 10 s")
        time.sleep(0.0005)


def stop(p):
    p.terminate()
    p.wait(timeout=15)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(port, path, header=None):
    cmd = ["wrk", "-t2", "-c64", f"-d{DURATION}s", "--latency"]
    if header:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"wrk saw {errors.group(1)} error responses on {path}")
    return rps, float(p99.group(1)) * scale


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: make deps")
    data = tempfile.mkdtemp(prefix="tribu-bench-")
    port = free_port()
    p, first = start(data, port)          # first start: creates key, database, owner
    stop(p)
    starts = []
    for _ in range(5):
        p, ms = start(data, port)
        starts.append(ms)
        stop(p)
    p, _ = start(data, port)
    tok = subprocess.run([TRIBU, "token", "create", "admin@tribu.local", "--data", data],
                         capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items()
                              if not k.startswith("TRIBU_")}).stdout.strip()
    auth = f"Authorization: Bearer {tok}"
    for _ in range(20):
        get(port, "/healthz")
        get(port, "/api/v1/me", auth + "\r\n")
    time.sleep(0.5)
    idle = rss_kib(p.pid)
    h_rps, h_p99 = wrk(port, "/healthz")
    m_rps, m_p99 = wrk(port, "/api/v1/me", auth)
    stop(p)
    shutil.rmtree(data)

    ratio = m_rps / h_rps
    start_ms = statistics.median(starts)
    ok = lambda c: "ok" if c else "MISSED"
    print(f"start-up to first answer: {start_ms:.1f} ms median of 5 (first start {first:.0f} ms)"
          f"  target < 100 ms: {ok(start_ms < 100)}")
    print(f"idle RSS: {idle / 1024:.1f} MB  target < 20 MB: {ok(idle < 20 * 1024)}")
    print(f"GET /healthz (baseline): {h_rps:,.0f} req/s, p99 {h_p99:.2f} ms"
          f"  target >= 50,000 req/s: {ok(h_rps >= 50000)}, p99 < 10 ms: {ok(h_p99 < 10)}")
    print(f"GET /api/v1/me (Bearer): {m_rps:,.0f} req/s, p99 {m_p99:.2f} ms"
          f"  ratio to baseline {ratio:.2f}  target >= 0.70: {ok(ratio >= 0.70)},"
          f" p99 < 10 ms: {ok(m_p99 < 10)}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print(f"| {time.strftime('%Y-%m-%d')} | {commit} | {os.cpu_count()} × {cpu} | "
          f"{h_rps:,.0f} | {h_p99:.2f} | {m_rps:,.0f} | {m_p99:.2f} | {ratio:.2f} | "
          f"{start_ms:.1f} | {idle / 1024:.1f} |")


if __name__ == "__main__":
    main()
