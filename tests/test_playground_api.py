"""The playground's server: sessions, validation, isolation, liveness, update rate, exports.

Every test starts its own server on a free port (port 0) and stops it.
"""
import base64
import http.client
import json
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from glassnet.playground import PlaygroundServer, Session
from glassnet.playground.params import LIMITS, validate

# ------------------------------------------------------------------------------ helpers


@pytest.fixture
def server():
    srv = PlaygroundServer("127.0.0.1", 0, disconnect_grace=0.5, idle_timeout=30.0).start()
    try:
        yield srv
    finally:
        srv.shutdown()


def call(srv, method, path, body=None, headers=None, raw=None, token=True):
    """One request; carries the server's secret (as its page does) unless ``token=False``."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            hdrs["X-Glassnet-Token"] = srv.secret
        hdrs.update(headers or {})
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        ctype = resp.getheader("Content-Type", "")
        if ctype.startswith("application/json"):
            payload = json.loads(payload)
        return resp.status, payload
    finally:
        conn.close()


def new_session(srv, **params):
    status, body = call(srv, "POST", "/api/sessions", params)
    assert status == 201, body
    return body["id"]


def wait_until(predicate, timeout=5.0, interval=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class EventStream:
    """A raw-socket SSE client, so that a test can close the connection like a closing tab."""

    def __init__(self, srv, sid):
        self.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        self.sock.sendall(f"GET /api/sessions/{sid}/events HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                          f"Accept: text/event-stream\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        status = self.file.readline()
        assert b" 200 " in status, status
        while self.file.readline() not in (b"\r\n", b""):
            pass

    def events(self, duration=None, count=None):
        """Yield (event, data) until ``duration`` seconds passed or ``count`` events were read."""
        end = None if duration is None else time.monotonic() + duration
        event, data, n = None, [], 0
        while (end is None or time.monotonic() < end) and (count is None or n < count):
            line = self.file.readline()
            if not line:
                return
            line = line.decode("utf-8").rstrip("\n")
            if line == "":
                if event or data:
                    yield event or "message", "\n".join(data)
                    n += 1
                event, data = None, []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())

    def close(self):
        self.file.close()
        self.sock.close()


# ------------------------------------------------------------------------------ the page and options


def test_page_static_files_and_options(server):
    status, page = call(server, "GET", "/")
    assert status == 200 and b"playground.js" in page and b"<canvas" in page
    for name in ("playground.js", "playground.css"):
        status, body = call(server, "GET", f"/static/{name}")
        assert status == 200 and len(body) > 1000
    status, body = call(server, "GET", "/static/../server.py")
    assert status == 404
    status, opts = call(server, "GET", "/api/options")
    assert status == 200
    assert {d["key"] for d in opts["datasets"]} == {"circles", "xor", "blobs", "spirals", "regression", "gauss"}
    assert {"step", "sigmoid", "tanh", "relu"} <= set(opts["activations"])
    assert {"sgd", "adam", "rmsprop", "adagrad"} <= {o["key"] for o in opts["optimizers"]}
    assert opts["limits"]["max_neurons"] == LIMITS["max_neurons"]
    assert validate(opts["defaults"]) == opts["defaults"]


# ------------------------------------------------------------------------------ start / stop / step


def test_session_start_step_play_pause_reset_close(server):
    sid = new_session(server, dataset="xor", hidden=[4], optimizer="adam")
    status, st = call(server, "GET", f"/api/sessions/{sid}")
    assert status == 200 and st["epoch"] == 0 and st["running"] is False
    session = server.sessions[sid]
    initial = session.model.get_weights()

    status, st = call(server, "POST", f"/api/sessions/{sid}/step")      # step = one epoch
    assert status == 200 and st["epoch"] == 1
    assert call(server, "POST", f"/api/sessions/{sid}/step")[1]["epoch"] == 2
    assert not np.array_equal(session.model.get_weights()[0], initial[0])

    assert call(server, "POST", f"/api/sessions/{sid}/play")[1]["running"] is True
    assert wait_until(lambda: session.epoch >= 10)
    status, st = call(server, "POST", f"/api/sessions/{sid}/pause")
    assert st["running"] is False
    counted = session.epoch                      # pause answers at once ...
    assert session.wait_idle()                   # ... and the epoch in progress then is the last one
    epoch = session.epoch
    assert st["epoch"] <= counted <= epoch <= counted + 1
    time.sleep(0.3)
    assert session.epoch == epoch                                       # paused means paused

    status, st = call(server, "POST", f"/api/sessions/{sid}/reset")
    assert st["epoch"] == 0
    for a, b in zip(server.sessions[sid].model.get_weights(), initial):   # same seed, same start
        np.testing.assert_array_equal(a, b)

    assert call(server, "POST", f"/api/sessions/{sid}/close")[0] == 200
    status, body = call(server, "GET", f"/api/sessions/{sid}")
    assert status == 404 and "closed or expired" in body["error"]
    assert session.closed and not session._thread.is_alive() or wait_until(lambda: not session._thread.is_alive())


def test_a_pause_while_a_frame_is_being_made_leaves_the_page_paused(server, monkeypatch):
    """The race behind a stuck 'running' page: the worker makes a frame (running), the pause
    republishes the previous frame as paused, then the worker publishes its own frame. The last
    frame must say paused, or the page waits for a frame that never comes."""
    sid = new_session(server, dataset="xor", hidden=[4])
    session = server.sessions[sid]
    make = session._make_frame
    paused = []

    def make_then_pause():
        frame = make()
        if frame["running"] and not paused:
            paused.append(True)
            session.pause()                      # lands between making and publishing this frame
        return frame

    monkeypatch.setattr(session, "_make_frame", make_then_pause)
    call(server, "POST", f"/api/sessions/{sid}/play")
    assert wait_until(lambda: bool(paused)) and session.wait_idle()
    assert json.loads(session.frame_json)["running"] is False


def test_speed_changes_live_other_changes_rebuild(server):
    sid = new_session(server)
    for _ in range(3):
        call(server, "POST", f"/api/sessions/{sid}/step")
    status, body = call(server, "POST", f"/api/sessions/{sid}/config", {"epochs_per_update": 5})
    assert status == 200 and body["epoch"] == 3 and body["params"]["epochs_per_update"] == 5
    status, body = call(server, "POST", f"/api/sessions/{sid}/config", {"learning_rate": 0.1, "hidden": [3, 3, 3]})
    assert status == 200 and body["epoch"] == 0
    assert [l.units for l in server.sessions[sid].dense] == [3, 3, 3, 1]


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize("params, message", [
    ({"hidden": [4, -3]}, "hidden layer 2: neurons must be a whole number from 1 to 16, got -3"),
    ({"hidden": [4, 0]}, "hidden layer 2: neurons must be a whole number from 1 to 16, got 0"),
    ({"hidden": [100000]}, "hidden layer 1: neurons must be a whole number from 1 to 16"),
    ({"hidden": [4] * 50}, "at most 6 hidden layers, got 50"),
    ({"hidden": "4,2"}, "hidden must be a list of neuron counts"),
    ({"activation": "sigmoidal"}, "activation must be one of linear, step, sigmoid"),
    ({"optimizer": "newton"}, "optimizer must be one of sgd, rmsprop, adam"),
    ({"dataset": "mnist"}, "dataset must be one of circles, xor, blobs, spirals, regression, gauss"),
    ({"n_samples": 10**9}, "n_samples (number of points) must be a whole number from 20 to 2000"),
    ({"learning_rate": -0.1}, "learning_rate must be a number in (0.0, 10.0]"),
    ({"learning_rate": "fast"}, "learning_rate must be a number"),
    ({"batch_size": True}, "batch_size must be a whole number from 1 to 2000, got True"),
    ({"batch_size": 2.5}, "batch_size must be a whole number"),
    ({"dropout": 1.0}, "dropout (rate) must be a number in [0.0, 0.9]"),
    ({"noise": float("nan")}, "noise must be a number in [0.0, 1.0]"),
    ({"features": []}, "features must be a non-empty list"),
    ({"features": ["x1", "x3"]}, "unknown feature(s) 'x3'"),
    ({"colour": "red"}, "unknown parameter 'colour'"),
])
def test_bad_parameters_are_refused_with_a_clear_message(server, params, message):
    status, body = call(server, "POST", "/api/sessions", params)
    assert status == 400
    assert message in body["error"], body["error"]
    assert body["problems"]


def test_every_problem_is_listed_and_a_refused_change_keeps_the_session(server):
    status, body = call(server, "POST", "/api/sessions", {"hidden": [-1], "activation": "nope", "seed": -5})
    assert status == 400 and len(body["problems"]) == 3
    sid = new_session(server, hidden=[5])
    call(server, "POST", f"/api/sessions/{sid}/step")
    status, body = call(server, "POST", f"/api/sessions/{sid}/config", {"hidden": [5, 17]})
    assert status == 400 and "got 17" in body["error"]
    status, st = call(server, "GET", f"/api/sessions/{sid}")
    assert st["params"]["hidden"] == [5] and st["epoch"] == 1          # unchanged


def test_malformed_requests_and_the_server_keeps_serving(server):
    assert call(server, "POST", "/api/sessions", raw=b"{not json")[0] == 400
    status, body = call(server, "POST", "/api/sessions", raw=b"[1, 2]")
    assert status == 400 and "JSON object" in body["error"]
    status, body = call(server, "POST", "/api/sessions", raw=b"x" * (65 * 1024))
    assert status == 413
    assert call(server, "GET", "/api/sessions/nope")[0] == 404
    assert call(server, "GET", "/api/nothing")[0] == 404
    assert call(server, "GET", "/api/sessions")[0] == 405
    sid = new_session(server)
    assert call(server, "GET", f"/api/sessions/{sid}/play")[0] == 405
    assert call(server, "POST", f"/api/sessions/{sid}/fly")[0] == 404
    assert call(server, "GET", f"/api/sessions/{sid}/export/model.h5")[0] == 404
    assert call(server, "GET", "/api/options")[0] == 200                # still serving


def test_other_hosts_and_origins_are_refused(server):
    status, body = call(server, "GET", "/api/options", headers={"Host": "evil.example:80"})
    assert status == 403 and "localhost or a loopback address only" in body["error"]
    status, body = call(server, "POST", "/api/sessions", {}, headers={"Origin": "http://evil.example"})
    assert status == 403 and not server.sessions
    assert call(server, "GET", "/api/options", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_too_many_sessions_are_refused():
    with PlaygroundServer("127.0.0.1", 0, max_sessions=2).start() as srv:
        new_session(srv)
        new_session(srv)
        status, body = call(srv, "POST", "/api/sessions", {})
        assert status == 503 and "too many sessions" in body["error"]


# ------------------------------------------------------------------------------ isolation


def test_concurrent_sessions_do_not_interfere(server):
    a_params = {"dataset": "xor", "hidden": [3], "optimizer": "adam", "seed": 1, "dropout": 0.2}
    b_params = {"dataset": "circles", "hidden": [5, 5], "activation": "relu", "seed": 2, "batch_size": 5}
    a, b = new_session(server, **a_params), new_session(server, **b_params)
    sa, sb = server.sessions[a], server.sessions[b]
    call(server, "POST", f"/api/sessions/{a}/play")
    call(server, "POST", f"/api/sessions/{b}/play")
    assert wait_until(lambda: sa.epoch >= 15 and sb.epoch >= 15, timeout=10)
    call(server, "POST", f"/api/sessions/{a}/pause")
    assert sb.running                                        # pausing one tab leaves the other running
    call(server, "POST", f"/api/sessions/{b}/pause")
    assert sa.wait_idle() and sb.wait_idle()
    # each concurrent run equals the same run made alone, epoch by epoch
    for params, s in ((a_params, sa), (b_params, sb)):
        alone = Session(params)
        try:
            for _ in range(s.epoch):
                alone.step()
            for x, y in zip(alone.model.get_weights(), s.model.get_weights()):
                np.testing.assert_array_equal(x, y)
        finally:
            alone.close()


# ------------------------------------------------------------------------------ the event stream


def test_event_stream_sends_session_history_and_frames(server):
    sid = new_session(server, hidden=[8, 8], features=["x1", "x2", "x1x2"])
    stream = EventStream(server, sid)
    try:
        got = {}
        for event, data in stream.events(count=3):
            got[event] = json.loads(data)
        info, frame = got["session"], got["frame"]
        assert info["sizes"] == [3, 8, 8, 1] and info["layer_names"] == ["hidden_1", "hidden_2", "output"]
        assert len(info["points"]["train"]) + len(info["points"]["test"]) == 500
        assert got["history"]["reset"] is True and got["history"]["points"][0][0] == 0
        assert len(base64.b64decode(frame["out"])) == info["out_res"] ** 2
        assert [len(base64.b64decode(m)) for m in frame["maps"]] == [8 * 24 * 24, 8 * 24 * 24, 24 * 24]
        w = np.frombuffer(base64.b64decode(frame["layers"][0]["W"]), "<f4").reshape(3, 8)
        np.testing.assert_array_equal(w, server.sessions[sid].model.get_weights()[0])
        call(server, "POST", f"/api/sessions/{sid}/step")
        events = dict(stream.events(count=2))
        assert json.loads(events["frame"])["epoch"] == 1
        step_frame = json.loads(events["frame"])
        layer = server.sessions[sid].model.layers[0]
        dw = np.frombuffer(base64.b64decode(step_frame["layers"][0]["dW"]), "<f4").reshape(3, 8)
        uw = np.frombuffer(base64.b64decode(step_frame["layers"][0]["uW"]), "<f4").reshape(3, 8)
        np.testing.assert_array_equal(dw, layer.kernel.grad)         # the last mini-batch's gradient
        np.testing.assert_allclose(uw, -0.03 * dw, atol=1e-6)          # plain SGD: update = -lr * gradient
        assert json.loads(events["history"])["points"][-1][0] == 1
    finally:
        stream.close()


def test_update_rate_at_least_20_per_second(server):
    """A 2-8-8-1 network on 500 points: view updates produced (and streamed) per second."""
    sid = new_session(server, hidden=[8, 8], n_samples=500)
    session = server.sessions[sid]
    stream = EventStream(server, sid)
    try:
        list(stream.events(count=3))
        call(server, "POST", f"/api/sessions/{sid}/play")
        t0 = time.monotonic()
        frames = sum(1 for event, _ in stream.events(duration=1.5) if event == "frame")
        elapsed = time.monotonic() - t0
        call(server, "POST", f"/api/sessions/{sid}/pause")
    finally:
        stream.close()
    produced = session.updates_per_second()
    streamed = frames / elapsed
    print(f"\nplayground: {produced:.1f} updates/s produced, {streamed:.1f}/s streamed, epoch {session.epoch}")
    assert produced >= 20, produced
    assert streamed >= 20, streamed


def test_closing_the_stream_stops_training_and_expires_the_session(server):
    sid = new_session(server)
    session = server.sessions[sid]
    stream = EventStream(server, sid)
    list(stream.events(count=3))
    call(server, "POST", f"/api/sessions/{sid}/play")
    assert wait_until(lambda: session.epoch > 4)
    assert session.clients == 1
    stream.close()                                           # the tab closes
    assert wait_until(lambda: not session.running, timeout=2.0)
    epoch = session.epoch
    time.sleep(0.2)
    assert session.epoch == epoch
    assert wait_until(lambda: sid not in server.sessions, timeout=3.0)   # after the grace period
    assert session.closed


def test_a_session_without_stream_expires_after_the_idle_timeout():
    with PlaygroundServer("127.0.0.1", 0, idle_timeout=0.4).start() as srv:
        sid = new_session(srv)
        call(srv, "POST", f"/api/sessions/{sid}/play")
        session = srv.sessions[sid]
        assert wait_until(lambda: sid not in srv.sessions, timeout=3.0)
        assert session.closed and not session.running


def test_shutdown_ends_streams_and_training():
    srv = PlaygroundServer("127.0.0.1", 0).start()
    sid = new_session(srv)
    session = srv.sessions[sid]
    stream = EventStream(srv, sid)
    list(stream.events(count=3))
    call(srv, "POST", f"/api/sessions/{sid}/play")
    srv.shutdown()
    events = [e for e, _ in stream.events(duration=3.0)]
    stream.close()
    assert "closed" in events
    assert session.closed and wait_until(lambda: not session._thread.is_alive())


# ------------------------------------------------------------------------------ inspection and export


def test_explain_traces_one_batch_without_changing_the_run(server):
    sid = new_session(server, hidden=[4], batch_size=12, learning_rate=0.1)
    for _ in range(2):
        call(server, "POST", f"/api/sessions/{sid}/step")
    session = server.sessions[sid]
    before = session.model.get_weights()
    status, tr = call(server, "POST", f"/api/sessions/{sid}/explain")
    assert status == 200
    assert tr["batch_size"] == 12 and tr["rows_shown"] == 8 and tr["epoch"] == 2 and tr["optimizer"] == "SGD"
    hidden, out = tr["layers"]
    assert np.shape(hidden["z"]) == (8, 4) and np.shape(hidden["delta"]) == (8, 4)
    assert np.shape(hidden["dC_dW"]) == (2, 4) and np.shape(out["dC_db"]) == (1,)
    np.testing.assert_allclose(hidden["kernel_before"], before[0], rtol=1e-6)
    np.testing.assert_allclose(out["kernel_update"], -0.1 * np.asarray(out["dC_dW"]), rtol=1e-3, atol=1e-7)
    np.testing.assert_allclose(np.tanh(hidden["z"]), hidden["a"], rtol=1e-5, atol=1e-6)
    for a, b in zip(session.model.get_weights(), before):   # computed on a copy
        np.testing.assert_array_equal(a, b)
    assert session.epoch == 2


def test_exported_keras_file_loads_and_predicts_the_same(server, tmp_path):
    from glassnet.models import load_model

    sid = new_session(server, dataset="spirals", hidden=[6, 6], dropout=0.1, regularization="l2",
                      regularization_rate=0.001, optimizer="rmsprop", features=["x1", "x2", "sin_x1"])
    for _ in range(3):
        call(server, "POST", f"/api/sessions/{sid}/step")
    status, data = call(server, "GET", f"/api/sessions/{sid}/export/model.keras")
    assert status == 200 and data[:2] == b"PK"
    path = tmp_path / "m.keras"
    path.write_bytes(data)
    model = load_model(str(path))
    session = server.sessions[sid]
    x = session.x_test[:50]
    np.testing.assert_array_equal(model.predict(x, verbose=0), session.model.predict(x, verbose=0))


def test_exported_code_reproduces_the_run_exactly(server, tmp_path):
    params = {"dataset": "xor", "hidden": [5, 3], "dropout": 0.1, "regularization": "l1",
              "regularization_rate": 0.001, "optimizer": "sgd", "momentum": 0.9, "batch_size": 16,
              "features": ["x1", "x2", "x1_sq", "x1x2", "sin_x2"], "seed": 7, "noise": 0.2, "train_ratio": 0.6}
    sid = new_session(server, **params)
    for _ in range(4):
        call(server, "POST", f"/api/sessions/{sid}/step")
    status, code = call(server, "GET", f"/api/sessions/{sid}/export/code.py")
    assert status == 200
    code = code.decode()
    assert "# Keras: from keras.models import Sequential" in code and "EPOCHS = 4" in code
    script = tmp_path / "run.py"
    script.write_text(code + f"\nnp.savez({str(tmp_path / 'w.npz')!r}, *model.get_weights())\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    saved = np.load(tmp_path / "w.npz")
    weights = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    for a, b in zip(weights, server.sessions[sid].model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_divergence_pauses_and_says_so(server):
    sid = new_session(server, dataset="regression", activation="linear", hidden=[8, 8], learning_rate=10.0)
    session = server.sessions[sid]
    for _ in range(30):
        status, st = call(server, "POST", f"/api/sessions/{sid}/step")
        if status != 200 or st["notice"]:
            break
    assert session.notice and "diverged" in session.notice
    status, body = call(server, "POST", f"/api/sessions/{sid}/play")
    assert status == 400 and "lower the learning rate" in body["error"]
    assert call(server, "POST", f"/api/sessions/{sid}/config", {"learning_rate": 0.01})[0] == 200
    assert call(server, "POST", f"/api/sessions/{sid}/play")[0] == 200


# ------------------------------------------------------------------------------ the command


def test_command_prints_the_url_and_serves(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "glassnet.playground", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("glassnet playground: open http://127.0.0.1:"), line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/options")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_command_reports_a_busy_port(capsys):
    from glassnet.playground import main

    with PlaygroundServer("127.0.0.1", 0) as busy:
        assert main(["--port", str(busy.port)]) == 2
    assert f"cannot listen on 127.0.0.1:{busy.port}" in capsys.readouterr().err


def test_a_refused_request_leaves_the_keep_alive_connection_usable(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/api/sessions", body=json.dumps({"seed": 1}).encode(),
                     headers={"Origin": "http://evil.example", "Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 403
        resp.read()
        conn.request("GET", "/api/options")                 # the same connection
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["defaults"]
    finally:
        conn.close()


def test_an_export_that_cannot_be_written_says_why(server, monkeypatch):
    sid = new_session(server)

    def no_h5py():
        raise ImportError("reading and writing HDF5 needs h5py: pip install 'glassnet[h5]'")

    monkeypatch.setattr(server.sessions[sid], "export_keras", no_h5py)
    status, body = call(server, "GET", f"/api/sessions/{sid}/export/model.keras")
    assert status == 501 and "glassnet[h5]" in body["error"]
