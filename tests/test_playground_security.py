"""The playground server against other web sites and hostile clients (issue 14).

Real HTTP against servers on 127.0.0.1 (port 0); every loop is bounded by a count or a deadline.
"""
import http.client
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

import pytest

from glassnet.playground import PlaygroundServer
from glassnet.playground.server import MAX_BODY, MAX_STREAMS_PER_SESSION, TOKEN_HEADER

from test_playground_api import EventStream, call, new_session, wait_until


@pytest.fixture
def server():
    srv = PlaygroundServer("127.0.0.1", 0, disconnect_grace=0.5, idle_timeout=30.0).start()
    try:
        yield srv
    finally:
        srv.shutdown()


def raw_request(port, data: bytes, timeout=5.0, host="127.0.0.1") -> bytes:
    """Send raw bytes; return everything the server answers before closing (or the timeout)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            got = b"".join(chunks)
            head, sep, body = got.partition(b"\r\n\r\n")
            m = re.search(rb"Content-Length: (\d+)", head)
            if sep and m and len(body) >= int(m.group(1)):
                break
        return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def body_of(response: bytes) -> dict:
    return json.loads(response.partition(b"\r\n\r\n")[2])


# ------------------------------------------------------------------------------ the secret


def test_the_page_carries_a_per_server_secret_and_changes_need_it(server):
    status, page = call(server, "GET", "/", token=False)
    assert status == 200
    assert f'<meta name="glassnet-token" content="{server.secret}">'.encode() in page
    assert len(server.secret) >= 40 and b"{{GLASSNET_TOKEN}}" not in page
    with PlaygroundServer("127.0.0.1", 0) as other:           # a new start, a new secret
        assert other.secret != server.secret

    status, body = call(server, "POST", "/api/sessions", {}, token=False)
    assert status == 403 and TOKEN_HEADER in body["error"] and not server.sessions
    status, body = call(server, "POST", "/api/sessions", {}, headers={TOKEN_HEADER: "guess"}, token=False)
    assert status == 403 and not server.sessions
    sid = new_session(server)                                    # with the secret
    for method, path in (("POST", f"/api/sessions/{sid}/play"), ("POST", f"/api/sessions/{sid}/close"),
                         ("POST", f"/api/sessions/{sid}/config"), ("DELETE", f"/api/sessions/{sid}")):
        status, body = call(server, method, path, token=False)
        assert status == 403, (method, path)
    assert sid in server.sessions and not server.sessions[sid].running
    assert call(server, "GET", f"/api/sessions/{sid}", token=False)[0] == 200     # reading needs no secret
    assert call(server, "DELETE", f"/api/sessions/{sid}")[0] == 200 and sid not in server.sessions


def test_the_page_script_sends_the_secret():
    from glassnet.playground.server import STATIC_DIR

    js = (STATIC_DIR / "playground.js").read_text()
    assert "'X-Glassnet-Token'" in js and "glassnet-token" in js
    assert "navigator.sendBeacon(" not in js    # it cannot carry a header: the close uses fetch(keepalive)
    assert "keepalive: true" in js


# ------------------------------------------------------------------------------ origins


@pytest.mark.parametrize("origin", ["null", "NULL", "http://evil.example", "http://127.0.0.1:1",
                                    "https://127.0.0.1:{port}", "http://localhost.evil.example:{port}",
                                    "http://[::1", "file://"])
def test_foreign_and_opaque_origins_are_refused(server, origin):
    origin = origin.format(port=server.port)
    status, body = call(server, "POST", "/api/sessions", {}, headers={"Origin": origin})
    assert status == 403 and "refused" in body["error"], body
    assert not server.sessions


def test_own_origin_is_accepted_and_cross_site_fetches_are_not(server):
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        status, body = call(server, "POST", "/api/sessions", {},
                            headers={"Origin": f"http://{host}", "Host": host})
        assert status == 201, body
    status, body = call(server, "POST", "/api/sessions", {}, headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403 and "cross-site" in body["error"]
    # a page on localhost:other-port is another site
    status, _ = call(server, "POST", "/api/sessions", {},
                     headers={"Origin": "http://localhost:1", "Host": f"localhost:{server.port}"})
    assert status == 403


# ------------------------------------------------------------------------------ bodies


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                   "application/jsonp"])
def test_a_body_must_be_sent_as_application_json(server, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/sessions")
        for k, v in {**headers, TOKEN_HEADER: server.secret, "Content-Length": "2"}.items():
            conn.putheader(k, v)
        conn.endheaders(b"{}")
        resp = conn.getresponse()
        body = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 415 and "application/json" in body["error"]
    assert not server.sessions
    status, _ = call(server, "POST", "/api/sessions", raw=b"{}",
                     headers={"Content-Type": "application/json; charset=utf-8"})
    assert status == 201


@pytest.mark.parametrize("length, status", [("-1", 400), ("-99999999", 400), ("abc", 400), ("+5", 400),
                                            ("1_0", 400), ("0x10", 400), (str(MAX_BODY + 1), 413),
                                            ("99999999999999999999", 400)])
def test_bad_content_lengths_are_refused_without_reading(server, length, status):
    t0 = time.monotonic()
    resp = raw_request(server.port, f"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                    f"application/json\r\n{TOKEN_HEADER}: {server.secret}\r\n"
                                    f"Content-Length: {length}\r\n\r\n".encode() + b"x" * 1000)
    assert status_of(resp) == status, resp[:200]
    assert "Content-Length" in body_of(resp)["error"] or "too large" in body_of(resp)["error"]
    assert time.monotonic() - t0 < 2.0 and not server.sessions


def test_chunked_bodies_and_short_bodies_are_refused(server):
    resp = raw_request(server.port, f"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n{TOKEN_HEADER}: "
                                    f"{server.secret}\r\nContent-Type: application/json\r\n"
                                    f"Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n".encode())
    assert status_of(resp) == 411
    resp = raw_request(server.port, f"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n{TOKEN_HEADER}: "
                                    f"{server.secret}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                                    f"Content-Length: 40\r\n\r\n{{}}".encode())
    assert status_of(resp) == 400 and "more than one Content-Length" in body_of(resp)["error"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:   # declares 100, sends 2
        sock.sendall(f"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n{TOKEN_HEADER}: {server.secret}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{}}".encode())
        sock.shutdown(socket.SHUT_WR)
        resp = b""
        for _ in range(100):                   # until the server closes (headers and body may come apart)
            chunk = sock.recv(65536)
            if not chunk:
                break
            resp += chunk
    assert status_of(resp) == 400 and "ended after 2 of 100 bytes" in body_of(resp)["error"]
    assert not server.sessions


@pytest.mark.parametrize("raw, message", [
    (b'{"seed": ' + b"9" * 5000 + b"}", "cannot be read"),
    (b'{"hidden": [' + b"1" * 5000 + b"]}", "cannot be read"),
    (b"[" * 30000 + b"]" * 30000, "nested too deeply"),
    (b'{"a":' * 10000 + b"1" + b"}" * 10000, "nested too deeply"),
    (b'{"hidden": ' + b"[" * 20000 + b"]" * 20000 + b"}", "nested too deeply"),
    (b"\xff\xfe{}", "must be JSON"),
])
def test_huge_numbers_and_deep_nesting_are_400_not_500(server, raw, message):
    assert len(raw) <= MAX_BODY
    status, body = call(server, "POST", "/api/sessions", raw=raw)
    assert status == 400 and message in body["error"], body
    sid = new_session(server)
    status, body = call(server, "POST", f"/api/sessions/{sid}/config", raw=raw)
    assert status == 400 and message in body["error"], body
    assert call(server, "GET", "/api/options")[0] == 200


# ------------------------------------------------------------------------------ hosts and addresses


@pytest.mark.parametrize("host, ok", [("127.0.0.1:{port}", True), ("localhost:{port}", True), ("LOCALHOST", True),
                                      ("[::1]:{port}", True), ("127.8.9.10", True), ("[0:0:0:0:0:0:0:1]", True),
                                      ("evil.example", False), ("127.0.0.1.nip.io:{port}", False),
                                      ("localhost.evil.example", False), ("10.0.0.1", False), ("", False),
                                      ("[::1", False), ("0.0.0.0", False)])
def test_the_host_header_must_name_the_loopback(server, host, ok):
    status, body = call(server, "GET", "/api/options", headers={"Host": host.format(port=server.port)})
    assert status == (200 if ok else 403), body


def _ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize("spelling", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "0:0:0:0:0:0:0:1",
                                      "0000:0000::0001"])
def test_loopback_is_decided_from_the_bound_address(spelling):
    if ":" in spelling and not _ipv6_loopback_available():
        pytest.skip("this machine has no IPv6 loopback (::1)")
    with PlaygroundServer(spelling, 0).start() as srv:
        assert srv.loopback_only
        family = socket.AF_INET6 if ":" in spelling else socket.AF_INET
        target = "::1" if family == socket.AF_INET6 else srv.httpd.server_address[0]
        conn = http.client.HTTPConnection(target, srv.port, timeout=10)
        conn.request("GET", "/api/options", headers={"Host": "rebound.evil.example"})   # DNS rebinding
        resp = conn.getresponse()
        assert resp.status == 403 and b"rebound.evil.example" in resp.read()
        conn.close()


def test_a_non_loopback_address_needs_allow_remote():
    with pytest.raises(ValueError, match="not a loopback address.*--allow-remote"):
        PlaygroundServer("0.0.0.0", 0)
    with PlaygroundServer("0.0.0.0", 0, allow_remote=True).start() as srv:
        assert not srv.loopback_only and srv.url.startswith("http://127.0.0.1:")
        assert call(srv, "GET", "/api/options", headers={"Host": f"192.168.1.20:{srv.port}"})[0] == 200
        assert call(srv, "GET", "/api/options", headers={"Host": "rebound.evil.example"})[0] == 403
        assert call(srv, "POST", "/api/sessions", {}, token=False)[0] == 403      # the secret still counts
        assert call(srv, "POST", "/api/sessions", {}, headers={"Origin": "null"})[0] == 403
        lan = {"Host": f"192.168.1.20:{srv.port}"}
        assert call(srv, "POST", "/api/sessions", {}, headers={**lan, "Origin": "http://evil.example"})[0] == 403
        assert call(srv, "POST", "/api/sessions", {},
                    headers={**lan, "Origin": f"http://192.168.1.20:{srv.port}"})[0] == 201


def test_the_command_refuses_a_remote_address_and_warns_when_allowed():
    result = subprocess.run([sys.executable, "-m", "glassnet.playground", "--host", "0.0.0.0", "--port", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--allow-remote" in result.stderr, result.stderr
    proc = subprocess.Popen([sys.executable, "-m", "glassnet.playground", "--host", "0.0.0.0", "--port", "0",
                             "--allow-remote"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("glassnet playground: open http://127.0.0.1:")
        warning = proc.stdout.readline()
        assert warning.startswith("warning: --allow-remote") and "anyone who can reach port" in warning
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


# ------------------------------------------------------------------------------ bounded resources


def test_open_connections_are_bounded_and_freed():
    with PlaygroundServer("127.0.0.1", 0, max_connections=4).start() as srv:
        idle = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(4)]
        try:
            # each idle connection holds a slot (its handler waits for a request line)
            def refused():
                with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
                    data = sock.recv(4096)
                return data.startswith(b"HTTP/1.1 503") and b"too many open connections" in data
            assert wait_until(refused, timeout=5.0, interval=0.05)
            idle.pop().close()
            assert wait_until(lambda: call(srv, "GET", "/api/options")[0] == 200, timeout=5.0, interval=0.05)
        finally:
            for sock in idle:
                sock.close()


def test_event_streams_are_bounded_in_all_and_per_session():
    with PlaygroundServer("127.0.0.1", 0, max_streams=2).start() as srv:
        a, b = new_session(srv), new_session(srv)
        streams = [EventStream(srv, a), EventStream(srv, b)]
        try:
            status, body = call(srv, "GET", f"/api/sessions/{a}/events")
            assert status == 503 and "too many event streams" in body["error"]
            streams.pop().close()
            assert wait_until(lambda: srv.streams == 1, timeout=3.0)
            streams.append(EventStream(srv, b))
        finally:
            for s in streams:
                s.close()
    with PlaygroundServer("127.0.0.1", 0, max_streams=50).start() as srv:
        sid = new_session(srv)
        streams = [EventStream(srv, sid) for _ in range(MAX_STREAMS_PER_SESSION)]
        try:
            status, body = call(srv, "GET", f"/api/sessions/{sid}/events")
            assert status == 503 and f"already has {MAX_STREAMS_PER_SESSION}" in body["error"]
        finally:
            for s in streams:
                s.close()


def _concurrently(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait(timeout=10)
        try:
            results[i] = fn(i)
        except Exception as exc:     # noqa: BLE001 - reported in the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_sixty_simultaneous_clients_are_all_answered(server):
    results = _concurrently(60, lambda i: call(server, "GET", "/api/options")[0])
    assert results == [200] * 60, results


def test_the_session_limit_holds_under_concurrent_creates():
    with PlaygroundServer("127.0.0.1", 0, max_sessions=4).start() as srv:
        results = _concurrently(12, lambda i: call(srv, "POST", "/api/sessions", {"seed": i})[0])
        assert sorted(results) == [201] * 4 + [503] * 8, results
        assert len(srv.sessions) == 4


# ------------------------------------------------------------------------------ controls while training


def test_controls_answer_within_100_ms_while_sixteen_sessions_train():
    """16 sessions with batch size 1 play; pause, play and settings of each answer fast.

    Before: the session lock was held for whole epochs (a setting change waited up to 6 s).  The bound
    is on the median (100 ms, the issue's target) and on the worst (a loaded shared machine may stall
    a thread now and then).
    """
    with PlaygroundServer("127.0.0.1", 0).start() as srv:
        ids = [new_session(srv, batch_size=1, n_samples=1000, hidden=[8, 8], seed=i) for i in range(16)]
        for sid in ids:
            assert call(srv, "POST", f"/api/sessions/{sid}/play")[0] == 200
        assert wait_until(lambda: sum(srv.sessions[s].training for s in ids) >= 1, timeout=5.0)
        times = {"pause": [], "play": [], "speed": [], "rebuild": []}

        def timed(kind, path, body=None):
            t0 = time.perf_counter()
            status, _ = call(srv, "POST", path, body)
            times[kind].append(time.perf_counter() - t0)
            assert status == 200

        for rnd in range(2):
            for sid in ids:
                timed("speed", f"/api/sessions/{sid}/config", {"epochs_per_update": 1 + rnd})
                timed("rebuild", f"/api/sessions/{sid}/config", {"learning_rate": [0.01, 0.1][rnd]})
                timed("pause", f"/api/sessions/{sid}/pause")
                timed("play", f"/api/sessions/{sid}/play")
        summary = {k: (round(statistics.median(v) * 1000, 1), round(max(v) * 1000, 1)) for k, v in times.items()}
        print(f"\ncontrol latency with 16 sessions training, ms (median, max): {summary}")
        for kind, values in times.items():
            assert statistics.median(values) < 0.1, summary
            assert max(values) < 1.0, summary
        assert all(srv.sessions[s].running for s in ids)
        # and they do train (each rebuild restarts an epoch of 1000 single-sample steps: on a loaded machine
        # the first whole epoch may come after the controls are done)
        assert wait_until(lambda: sum(srv.sessions[s].frames_trained for s in ids) > 0, timeout=60.0)


def test_a_rebuild_interrupts_the_epoch_in_progress_and_the_run_stays_reproducible(server):
    """With batch size 1 an epoch is long; a new setting does not wait for it, and epochs stay whole."""
    from glassnet.playground import Session

    sid = new_session(server, batch_size=1, n_samples=2000, train_ratio=0.9, hidden=[16, 16])
    session = server.sessions[sid]
    call(server, "POST", f"/api/sessions/{sid}/play")
    assert wait_until(lambda: session.training, timeout=5.0)
    t_epoch = time.perf_counter()
    epoch = session.epoch
    assert wait_until(lambda: session.epoch > epoch, timeout=20.0)
    t_epoch = time.perf_counter() - t_epoch      # about one epoch (at most two)
    t0 = time.perf_counter()
    status, body = call(server, "POST", f"/api/sessions/{sid}/config", {"learning_rate": 0.01, "seed": 3})
    elapsed = time.perf_counter() - t0
    assert status == 200 and body["epoch"] == 0
    print(f"\nrebuild answered in {elapsed * 1000:.0f} ms; an epoch takes about {t_epoch * 1000:.0f} ms")
    assert elapsed < 0.1, (elapsed, t_epoch)
    assert wait_until(lambda: session.epoch >= 2, timeout=20.0)
    call(server, "POST", f"/api/sessions/{sid}/pause")
    assert session.wait_idle()
    alone = Session(session.params)          # the same run, never interrupted
    try:
        for _ in range(session.epoch):
            alone.step()
        for x, y in zip(alone.model.get_weights(), session.model.get_weights()):
            assert (x == y).all()
    finally:
        alone.close()


# ------------------------------------------------------------------------------ every bad request is a 4xx


def _random_value(rng, depth=0):
    kind = rng.integers(0, 9 if depth < 3 else 6)
    if kind == 0:
        return int(rng.integers(-10**6, 10**6)) * int(10 ** rng.integers(0, 40))
    if kind == 1:
        return float(rng.choice([0.0, -1.0, 1e308, -1e-308, 0.5, 3.0, 1e-12]))
    if kind == 2:
        return rng.choice(["", "relu", "x1", "sgd", "l2", "xor", "\x00", "é" * 3, "1e3", "NaN"]).item()
    if kind == 3:
        return None
    if kind == 4:
        return bool(rng.integers(0, 2))
    if kind == 5:
        return 10 ** int(rng.integers(300, 4200))          # big, but below Python's 4300-digit limit
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.integers(0, 4))]
    return {str(rng.choice(["a", "hidden", "seed"])): _random_value(rng, depth + 1)}


def test_random_parameters_never_give_500(server):
    """Fuzz (seeded, 150 requests): every parameter with random JSON values; the answer is 201/200
    or a 4xx with a message, never 500, and the server keeps serving."""
    import numpy as np

    from glassnet.playground.params import DEFAULTS

    rng = np.random.default_rng(14)
    sid = new_session(server)
    keys = sorted(DEFAULTS)
    statuses = []
    for i in range(150):
        params = {str(rng.choice(keys)): _random_value(rng) for _ in range(rng.integers(1, 4))}
        path = "/api/sessions" if i % 3 == 0 else f"/api/sessions/{sid}/config"
        status, body = call(server, "POST", path, params)
        statuses.append(status)
        assert status in (200, 201) or (400 <= status < 500 and body.get("error")), (params, status, body)
        if status == 201:
            call(server, "DELETE", f"/api/sessions/{body['id']}")
    assert statuses.count(400) > 50                     # most random values are refused ...
    assert call(server, "GET", "/api/options")[0] == 200  # ... and the server is fine


def test_glassnet_playground_refuses_a_remote_address_without_the_flag(capsys):
    from glassnet.cli import main

    assert main(["playground", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "not a loopback address" in err and "--allow-remote" in err


def test_requests_that_train_are_not_held_back_by_the_gate(server):
    """Training steps aside while a request is answered, but a step (which trains inside its own
    request) must not wait for itself: 25 mini-batches, well under a second."""
    sid = new_session(server, batch_size=10, n_samples=500)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        status, st = call(server, "POST", f"/api/sessions/{sid}/step")
        times.append(time.perf_counter() - t0)
        assert status == 200
    assert st["epoch"] == 3
    assert min(times) < 0.5, times
