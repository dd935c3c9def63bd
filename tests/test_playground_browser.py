"""End to end: the playground page in headless Chromium, driven by Playwright.

Builds a 2-4-1 tanh network on the XOR quadrants through the page's controls, trains
it until the test loss is below 0.1, checks that the decision boundary changed,
inspects a neuron and a link, explains a step, exports the ``.keras`` model (which
must load in glassnet and predict what the server's model predicts), the Python
code and a picture, shows a refused parameter, saves a screenshot to
``docs/playground.png`` (and to the test's tmp_path), and closes the tab, which
must stop the session's training.

Skipped only when Chromium is not installed at /usr/bin/chromium.
"""
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"the browser test needs Chromium at {CHROMIUM} (Debian: apt-get install chromium); "
                f"it is not installed", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

from glassnet.models import load_model  # noqa: E402
from glassnet.playground import PlaygroundServer  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PIXELS_JS = """() => {
  const c = document.getElementById('boundary');
  return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
}"""
RENDERED_JS = """() => { const p = window.playground;
  return p.info && p.frame && p.frame.build === p.info.build && !p.needsRender; }"""


def test_playground_in_chromium(tmp_path):
    server = PlaygroundServer("127.0.0.1", 0, disconnect_grace=1.0).start()
    errors = []
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1440, "height": 900}, accept_downloads=True)
            try:
                page = context.new_page()
                page.set_default_timeout(15000)
                page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
                page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}")
                        if msg.type == "error" and "400" not in msg.text else None)
                page.goto(server.url)
                page.wait_for_function(RENDERED_JS)
                sid = page.evaluate("window.playground.sessionId")
                session = server.sessions[sid]

                # ---- build a 2-4-1 tanh network on XOR through the controls
                page.click("#dataset-xor")
                page.wait_for_function("window.playground.info.params.dataset === 'xor'")
                page.locator("#noise").fill("0")
                page.wait_for_function("window.playground.info.params.noise === 0")
                page.click("#remove-layer")                          # default [4, 2] -> [4]
                page.wait_for_function("window.playground.info.sizes.join() === '2,4,1'")
                page.evaluate("""() => { const b = document.getElementById('add-neuron-1');
                                 b.click(); b.click(); }""")          # two clicks before any answer
                page.wait_for_function("window.playground.info.sizes.join() === '2,6,1'")
                page.evaluate("""() => { const b = document.getElementById('remove-neuron-1');
                                 b.click(); b.click(); }""")
                page.wait_for_function("window.playground.info.sizes.join() === '2,4,1'")
                page.select_option("#activation", "tanh")
                page.select_option("#optimizer", "adam")
                page.wait_for_function("window.playground.info.params.optimizer === 'adam'")
                page.select_option("#learning_rate", "0.03")
                page.select_option("#epochs_per_update", "5")
                page.check("#show-test")
                page.wait_for_function(RENDERED_JS)
                assert session.params["hidden"] == [4] and session.params["activation"] == "tanh"
                assert [layer.units for layer in session.dense] == [4, 1]
                assert page.evaluate("window.playground.info.activations") == ["tanh", "sigmoid"]
                before = np.array(page.evaluate(PIXELS_JS), dtype=np.int16)

                # ---- train until the test loss is below 0.1
                page.click("#play")
                page.wait_for_function("window.playground.frame.running")
                page.wait_for_function("window.playground.frame.test_loss !== null && "
                                       "window.playground.frame.test_loss < 0.1", timeout=30000)
                page.click("#play")                                  # pause
                # the paused frame comes after the batch in progress: allow for a loaded machine
                page.wait_for_function("!window.playground.frame.running", timeout=60000)
                assert not session.running
                assert session.wait_idle()          # pause answers at once; the epoch in progress ends
                page.wait_for_function(f"window.playground.frame.epoch === {session.epoch}")
                page.wait_for_function(RENDERED_JS)
                epoch = page.evaluate("window.playground.frame.epoch")
                assert epoch == session.epoch > 0
                # the page shows the server's numbers (training went on for at most one update after < 0.1)
                assert page.inner_text("#test-loss") == f"{session.state()['test_loss']:.3f}"
                after = np.array(page.evaluate(PIXELS_JS), dtype=np.int16)
                changed = np.mean(np.abs(after - before).reshape(-1, 4).max(axis=1) > 40)
                assert changed > 0.05, f"only {changed:.1%} of the boundary's pixels changed"

                # ---- click a neuron, then a link: their numbers are the server's
                node = page.evaluate("window.playground.layout.nodes[1][0]")
                page.click("#network", position={"x": node["x"] + 17, "y": node["y"] + 17})
                details = page.inner_text("#details")
                assert "hidden_1 neuron 1" in details and "bias b" in details and "last update" in details
                x, y = page.evaluate("window.playground.linkPoint(1, 0, 0, 0.3)")
                page.click("#network", position={"x": x, "y": y})
                details = page.inner_text("#details")
                assert "Weight w from input x\u2081 to hidden_1 neuron 1" in details
                w = float(session.model.get_weights()[0][0, 0])
                shown = float(details.split("weight w")[1].split()[0].replace("\u2212", "-"))
                assert shown == pytest.approx(w, rel=1e-5)

                # ---- the screenshot (docs and test artifact)
                shot = tmp_path / "playground.png"
                page.screenshot(path=str(shot))
                if os.environ.get("GLASSNET_UPDATE_SCREENSHOT"):   # refresh the README's picture
                    DOCS.mkdir(exist_ok=True)
                    shutil.copyfile(shot, DOCS / "playground.png")

                # ---- explain this step
                page.click("#explain")
                page.wait_for_selector("#explain-panel:not([hidden])")
                text = page.inner_text("#explain-panel").lower()       # (headings are upper-cased by CSS)
                for needle in ("Layer 1: hidden_1", "Layer 2: output", "\u03b4", "\u2202C/\u2202W", "\u0394W",
                               "Forward pass", "Backward pass"):
                    assert needle.lower() in text, needle
                assert session.epoch == epoch                        # the trace ran on a copy

                # ---- exports: the .keras model, the code, a picture
                with page.expect_download() as download:
                    page.click("#export-keras")
                path = tmp_path / "exported.keras"
                download.value.save_as(str(path))
                model = load_model(str(path))
                x_test = session.x_test
                with session.lock:
                    expected = session.model.predict(x_test, verbose=0)
                np.testing.assert_array_equal(model.predict(x_test, verbose=0), expected)
                with page.expect_download() as download:
                    page.click("#export-code")
                code_path = tmp_path / "exported.py"
                download.value.save_as(str(code_path))
                code = code_path.read_text()
                assert f"EPOCHS = {epoch}" in code and 'Dense(4, activation="tanh"' in code
                compile(code, str(code_path), "exec")
                with page.expect_download() as download:
                    page.click("#export-png")
                png = tmp_path / "view.png"
                download.value.save_as(str(png))
                assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

                # ---- a refused parameter is shown in the page; the network stays
                page.evaluate("window.playground.configure({hidden: [4, -3]})")
                page.wait_for_selector("#message:not([hidden])")
                assert "hidden layer 2: neurons must be a whole number from 1 to 16, got -3" in \
                    page.inner_text("#message")
                assert [layer.units for layer in session.dense] == [4, 1] and session.epoch == epoch

                # ---- closing the tab stops its training
                page.click("#play")
                page.wait_for_function("window.playground.frame.running")
                page.close()
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and (session.running or sid in server.sessions):
                    time.sleep(0.05)
                assert not session.running and sid not in server.sessions
            finally:
                context.close()
    finally:
        server.shutdown()
    assert not errors, errors


def test_the_page_closes_its_session_with_the_secret():
    """Leaving the page sends `close` (fetch keepalive, with the X-Glassnet-Token header): the session
    goes at once, not after the disconnect grace period (here 30 s)."""
    server = PlaygroundServer("127.0.0.1", 0, disconnect_grace=30.0).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(server.url)
                page.wait_for_function(RENDERED_JS)
                sid = page.evaluate("window.playground.sessionId")
                assert sid in server.sessions
                page.close(run_before_unload=True)
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline and sid in server.sessions:
                    time.sleep(0.02)
                assert sid not in server.sessions
            finally:
                browser.close()
    finally:
        server.shutdown()


ATTACK_PAGE = """<!doctype html><title>a page the user merely visits</title>
<iframe sandbox="allow-scripts" srcdoc="<script>
  for (let i = 0; i < 4; i++) fetch('{target}api/sessions', {{method: 'POST', mode: 'no-cors', body: '{{}}'}});
</script>"></iframe>
<script>
  for (let i = 0; i < 4; i++) fetch('{target}api/sessions', {{method: 'POST', mode: 'no-cors',
    headers: {{'Content-Type': 'text/plain'}}, body: '{{}}'}});
  const f = document.createElement('form');
  f.method = 'POST'; f.action = '{target}api/sessions'; f.target = 'sink'; f.enctype = 'text/plain';
  const i = document.createElement('input'); i.name = '{{"seed": 1, "x": "'; i.value = '"}}';
  f.appendChild(i); document.body.appendChild(f); f.submit();
</script><iframe name="sink"></iframe>"""


def test_another_site_cannot_open_sessions_in_chromium(monkeypatch):
    """The issue's attack: a page on another origin (here 127.0.0.1:<other port>) posts to the playground
    from a sandboxed frame (Origin: null), with fetch no-cors and with a form.  Every request reaches
    the server and is refused; no session is opened."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from glassnet.playground import server as server_module

    refused = []
    original = server_module._Handler._error

    def recording_error(self, status, message, **extra):
        if self.path.startswith("/api/sessions"):
            refused.append((status, self.headers.get("Origin")))
        return original(self, status, message, **extra)

    monkeypatch.setattr(server_module._Handler, "_error", recording_error)
    playground = PlaygroundServer("127.0.0.1", 0).start()

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self):
            body = ATTACK_PAGE.format(target=playground.url).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    attacker = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and len(refused) < 9:
                    time.sleep(0.05)
            finally:
                browser.close()
    finally:
        attacker.shutdown()
        attacker.server_close()
        playground.shutdown()
    assert not playground.sessions
    assert len(refused) >= 9, refused                       # 4 from the sandboxed frame, 4 fetches, 1 form
    assert all(status == 403 for status, _ in refused), refused
    assert ("null" in {origin for _, origin in refused}), refused
