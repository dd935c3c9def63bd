"""The playground's web server: the standard library's ``ThreadingHTTPServer`` and Server-Sent Events.

Routes (JSON in and out; errors are ``{"error": "message"}`` with a 4xx/5xx status)::

    GET    /                                   the page (static/index.html)
    GET    /static/<file>                      its script and style sheet
    GET    /api/options                        choices, limits and defaults for the controls
    POST   /api/sessions                       {params} -> 201 {"id", "params"}: a new session (one per tab)
    GET    /api/sessions/<id>                  the session's state (epoch, losses, running, ...)
    POST   /api/sessions/<id>/config           {params} (partial) -> rebuild from epoch 0 (400 if refused)
    POST   /api/sessions/<id>/play | pause | step | reset | close   (step: optional {"epochs": n})
    POST   /api/sessions/<id>/weight           {"layer", "from", "to", "value"}: set one weight (or, without
                                               "from", one bias) by hand -> the losses before and after
    POST   /api/sessions/<id>/explain          the backprop trace of one mini-batch (on a copy)
    GET    /api/sessions/<id>/events           the live view: an SSE stream (events session, history,
                                               frame, closed)
    POST   /api/sessions/<id>/weight           set one weight or bias by hand (see Session.set_weight)
    POST   /api/models                         {"filename", "data": base64[, "csv": base64, "csv_name"]} (a
                                               .keras / .h5 file and optional rows of data, at most
                                               MAX_MODEL_FILE bytes) or {"path": run folder or model file on
                                               this machine; loopback servers only} -> 201 {"id", "info"}
    GET    /api/models/<id>                    its network, weights, feature means, health numbers
    POST   /api/models/<id>/response           {"x": i, "y": j}: the outputs over two features' plane
    POST   /api/models/<id>/trace              {"row": r, "rows": n}: one backprop step on data rows
    POST   /api/models/<id>/close, DELETE /api/models/<id>
    GET    /api/sessions/<id>/export/model.keras   the model as a Keras 3 file
    GET    /api/sessions/<id>/export/code.py       the script that rebuilds and trains it
    DELETE /api/sessions/<id>                  close the session

Liveness: a session's training pauses as soon as its last event stream ends
(the tab closed or navigated away; the page also sends ``close`` with
``navigator.sendBeacon`` when it is hidden for good), and the session is
deleted if no stream comes back within ``disconnect_grace`` seconds.  An end
is noticed within a quarter of a second (the stream's socket reads EOF) or, for
a peer that vanished without closing, when a write has been blocked for
``STREAM_WRITE_TIMEOUT`` seconds; an idle stream carries a ``: ping`` comment
every ``ping_interval`` seconds.  A session that never opened a stream is
deleted after ``idle_timeout`` seconds without a request.

Who may drive it (other web sites the user visits must not):

- every request must name this server in ``Host``: ``localhost`` or a loopback address when bound to
  a loopback address (decided from the bound address with :mod:`ipaddress`, whatever its spelling:
  ``::1``, ``0:0:0:0:0:0:0:1``, ``127.0.0.2``), which stops DNS rebinding;
- every request that changes something (POST, DELETE) must carry the per-start secret
  (``X-Glassnet-Token``; it is written into the page this server serves, which other sites cannot
  read) and, when it has an ``Origin``, that origin must be this server (``Origin: null``, the origin
  of sandboxed frames and ``file:`` pages, is refused); a body must be JSON sent as ``application/json``;
- binding to an address other than loopback needs ``allow_remote=True`` (``--allow-remote``): anyone
  who can reach the port can then load the page, and with it the secret.

Bounded: request bodies (``MAX_BODY``; a missing, negative or malformed ``Content-Length`` and
chunked bodies are refused), open connections (``max_connections``; more get 503), event streams
(``max_streams`` in all, ``MAX_STREAMS_PER_SESSION`` per session), sessions (``max_sessions``,
reserved before the slow build so that concurrent creates cannot overshoot).  Every refused
request is a 4xx with ``{"error": message}``.
"""
from __future__ import annotations

import argparse
import hmac
import json
import re
import secrets
import select
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from .httpd import HTTPError, _HTTPServer, _host_port, _ip  # noqa: F401  (HTTPError is part of this API)
from .params import ParamError, options
from .session import REQUESTS, Session

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "playground.js": "text/javascript; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
}
MAX_BODY = 64 * 1024
MAX_MODEL_BODY = 8 * 1024 * 1024      # POST /api/models only: a model file, base64 in JSON
MAX_MODEL_FILE = 6 * 1024 * 1024
STREAM_WRITE_TIMEOUT = 30.0
MAX_STREAMS_PER_SESSION = 4
TOKEN_HEADER = "X-Glassnet-Token"
_TOKEN_PLACEHOLDER = b"{{GLASSNET_TOKEN}}"
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_MODEL_PATH = re.compile(r"^/api/models/([A-Za-z0-9_-]{1,64})(?:/([a-z]+))?$")
_SESSION_PATH = re.compile(r"^/api/sessions/([A-Za-z0-9_-]{1,64})(?:/([a-z]+(?:/[a-z_.]+)?))?$")


class PlaygroundServer:
    """The playground server.  ``start()`` serves in a background thread (tests), ``serve_forever()`` here.

    Args:
        host, port: where to listen (port 0: any free port; see :attr:`url`).
        allow_remote: allow an address that is not loopback (``0.0.0.0``, a LAN address); refused
            (ValueError) otherwise, since anyone who can reach the port can then use the playground.
        max_sessions: sessions open at once (more are refused with 503).
        max_connections: connections open at once (more get 503 and are closed).
        max_streams: event streams open at once (more are refused with 503).
        disconnect_grace: seconds a session survives after its last event stream ended.
        idle_timeout: seconds a session that never streamed survives without a request.
        max_fps: at most this many view updates per second per session.
        ping_interval: seconds between keep-alive comments on an idle event stream.
        verbose: log every request to stderr.
    """

    def __init__(self, host="127.0.0.1", port=8000, *, allow_remote=False, max_sessions=16, max_connections=64,
                 max_streams=32, disconnect_grace=10.0, idle_timeout=120.0, max_fps=30.0, ping_interval=1.0,
                 verbose=False, max_models=8, model_idle_timeout=1800.0):
        self.max_sessions = int(max_sessions)
        self.max_streams = int(max_streams)
        self.streams = 0
        self._reserved = 0                 # session slots taken by creates still building
        self.secret = secrets.token_urlsafe(32)
        self.disconnect_grace = float(disconnect_grace)
        self.idle_timeout = float(idle_timeout)
        self.max_fps = float(max_fps)
        self.ping_interval = float(ping_interval)
        self.verbose = bool(verbose)
        self.sessions: dict[str, Session] = {}
        self.models: dict = {}              # opened models (playground.opened.OpenedModel) by id
        self.max_models = int(max_models)
        self.model_idle_timeout = float(model_idle_timeout)
        self._lock = threading.Lock()
        self.stopping = False
        self._stop_event = threading.Event()
        self._serving = False
        self._thread = None
        self._reaper = None
        try:
            self.httpd = _HTTPServer((host, port), _Handler, self, int(max_connections))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another port with "
                          f"--port (0 picks a free one)") from exc
        self.host = host
        self.port = self.httpd.server_address[1]
        bound = _ip(self.httpd.server_address[0])       # what the socket is bound to, not how it was spelt
        self.bound_address = bound
        self.loopback_only = bound is not None and bound.is_loopback
        if not self.loopback_only and not allow_remote:
            self.httpd.server_close()
            raise ValueError(f"refusing to listen on {host!r} ({bound}): it is not a loopback address, so "
                             f"other machines could use the playground (and run training on this one); pass "
                             f"--allow-remote (allow_remote=True) if that is what you want")
        names = {"localhost"}
        if not self.loopback_only:           # reached by address or by this machine's own names
            for name in (socket.gethostname(), socket.getfqdn()):
                if name:
                    names |= {name.lower(), f"{name.lower().split('.')[0]}.local"}
        self.allowed_names = frozenset(names)

    @property
    def url(self) -> str:
        host = self.host
        if self.bound_address is not None and self.bound_address.is_unspecified:
            host = "127.0.0.1" if self.bound_address.version == 4 else "::1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    # ---------------------------------------------------------------- running
    def _start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(target=self._reap, name="playground-reaper", daemon=True)
            self._reaper.start()

    def start(self) -> "PlaygroundServer":
        """Serve in a background thread; returns self (use as a context manager to stop it)."""
        self._start_reaper()
        self._serving = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="playground-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._start_reaper()
        self._serving = True
        self.httpd.serve_forever(poll_interval=0.25)

    def shutdown(self) -> None:
        """Stop serving, end every event stream and every session's training."""
        if self.stopping:
            return
        self.stopping = True
        self._stop_event.set()
        with self._lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
            models = list(self.models.values())
            self.models.clear()
        for s in sessions:
            s.close()
        for m in models:
            m.close()
        if self._serving:
            self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._reaper is not None:
            self._reaper.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()

    def _reap(self) -> None:
        tick = max(0.05, min(0.5, self.disconnect_grace / 4, self.idle_timeout / 4))
        while not self._stop_event.wait(tick):
            now = time.monotonic()
            with self._lock:
                expired = [s for s in self.sessions.values() if s.clients == 0 and now - s.last_seen >
                           (self.disconnect_grace if s.ever_streamed else self.idle_timeout)]
            for s in expired:
                self.close_session(s.id)
            with self._lock:
                stale = [m.id for m in self.models.values() if now - m.last_seen > self.model_idle_timeout]
            for mid in stale:
                self.close_model(mid)

    # ---------------------------------------------------------------- sessions
    def allowed_host(self, authority: str) -> bool:
        """Is ``authority`` (a ``Host`` header) a name of this server?  Stops DNS rebinding."""
        hp = _host_port(authority)
        if hp is None or not hp[0]:
            return False
        ip = _ip(hp[0])
        if self.loopback_only:
            return hp[0] == "localhost" or (ip is not None and ip.is_loopback)
        return ip is not None or hp[0] in self.allowed_names

    def create_session(self, params) -> Session:
        with self._lock:                   # reserve the slot first: concurrent creates cannot overshoot
            if len(self.sessions) + self._reserved >= self.max_sessions:
                raise HTTPError(503, f"too many sessions are open ({self.max_sessions}); close other "
                                     f"playground tabs and reload this page")
            self._reserved += 1
        try:
            session = Session(params, max_fps=self.max_fps)    # ParamError if params are refused
            with self._lock:
                if self.stopping:
                    session.close()
                    raise HTTPError(503, "the server is stopping")
                self.sessions[session.id] = session
        finally:
            with self._lock:
                self._reserved -= 1
        return session

    def open_stream(self, session) -> None:
        with self._lock:
            if self.streams >= self.max_streams:
                raise HTTPError(503, f"too many event streams are open ({self.max_streams}); close other "
                                     f"playground tabs")
            if session.clients >= MAX_STREAMS_PER_SESSION:
                raise HTTPError(503, f"this session already has {MAX_STREAMS_PER_SESSION} event streams")
            self.streams += 1
            session.clients += 1
            session.ever_streamed = True
        session.touch()

    def get_session(self, sid) -> Session:
        with self._lock:
            session = self.sessions.get(sid)
        if session is None:
            raise HTTPError(404, f"no session {sid!r}: it was closed or expired (reload the page to start "
                                 f"a new one)")
        session.touch()
        return session

    # ---------------------------------------------------------------- opened models
    def open_model(self, body):
        from .opened import OpenedModel, decode_upload

        with self._lock:
            if len(self.models) >= self.max_models:
                raise HTTPError(503, f"too many models are open ({self.max_models}); close one first")
        if "path" in body:
            if set(body) != {"path"}:
                raise HTTPError(400, "give either path or filename and data, not both")
            if not self.loopback_only:
                raise HTTPError(403, "opening a path on the server's machine is refused when the playground "
                                     "is reachable from other machines (--allow-remote): upload the file instead")
            model = OpenedModel.from_path(body["path"])
        else:
            filename, content, csv_text, csv_name = decode_upload(body, MAX_MODEL_FILE)
            model = OpenedModel.from_upload(filename, content, csv_text, csv_name)
        with self._lock:
            if len(self.models) >= self.max_models or self.stopping:
                model.close()
                raise HTTPError(503, f"too many models are open ({self.max_models}); close one first")
            self.models[model.id] = model
        return model

    def get_model(self, mid):
        with self._lock:
            model = self.models.get(mid)
        if model is None:
            raise HTTPError(404, f"no opened model {mid!r}: it was closed or expired (open it again)")
        model.touch()
        return model

    def close_model(self, mid) -> bool:
        return self._pop_and_close(self.models, mid)

    def close_session(self, sid) -> bool:
        return self._pop_and_close(self.sessions, sid)

    def _pop_and_close(self, table, key) -> bool:
        """Remove ``key`` from ``table`` (sessions or opened models) and close it; False if absent."""
        with self._lock:
            item = table.pop(key, None)
        if item is not None:
            item.close()
        return item is not None

    def detach(self, session) -> None:
        with self._lock:
            self.streams -= 1
            session.clients -= 1
            last = session.clients == 0
        session.touch()
        if last and not session.closed:
            session.pause()          # the tab is gone: stop its training at once


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "glassnet-playground"
    timeout = 30           # idle keep-alive connections (and stalled requests) are closed after this

    @property
    def pg(self) -> PlaygroundServer:
        return self.server.playground

    def log_message(self, fmt, *args):
        if self.pg.verbose:
            super().log_message(fmt, *args)

    # ---------------------------------------------------------------- responses
    def _send(self, status, body: bytes, content_type: str, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj) -> None:
        self._send(status, json.dumps(obj, separators=(",", ":"), allow_nan=False).encode("utf-8"),
                   "application/json")

    def _error(self, status, message, **extra) -> None:
        self._json(status, {"error": message, **extra})

    # ---------------------------------------------------------------- requests
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _check_host(self) -> None:
        host = self.headers.get("Host", "")
        if not self.pg.allowed_host(host):
            where = "localhost or a loopback address" if self.pg.loopback_only else "this machine"
            raise HTTPError(403, f"this playground answers requests for {where} only, not for host {host!r}")

    def _check_caller(self) -> None:
        """A request that changes something: the page's secret, and no other site's Origin."""
        origin = self.headers.get("Origin")
        if origin is not None:
            if origin.strip().lower() == "null":
                raise HTTPError(403, "requests from an opaque origin (Origin: null: a sandboxed frame or a "
                                     "file: page) are refused")
            own = _host_port(self.headers.get("Host", ""))
            try:
                parts = urlsplit(origin.strip())
                scheme, theirs = parts.scheme, (parts.hostname or "", parts.port or 80)
            except ValueError:
                scheme, theirs = None, None
            if own is None or scheme != "http" or theirs != (own[0], own[1] or 80):
                raise HTTPError(403, f"requests from other sites ({origin}) are refused")
        if self.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
            raise HTTPError(403, "cross-site requests are refused")
        token = self.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.pg.secret.encode("ascii")):
            raise HTTPError(403, f"missing or wrong {TOKEN_HEADER} header: reload the playground page (the "
                                 f"server was restarted, or this request does not come from its page)")

    def _body(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HTTPError(411, "chunked request bodies are not accepted: send a Content-Length")
        if len(self.headers.get_all("Content-Length") or ()) > 1:
            self.close_connection = True
            raise HTTPError(400, "more than one Content-Length header")
        length = self.headers.get("Content-Length")
        if length is None:
            length = 0
        elif _DIGITS.match(length.strip()):
            length = int(length.strip())
        else:
            self.close_connection = True
            raise HTTPError(400, f"bad Content-Length header {length[:40]!r}: expected a whole number of bytes")
        limit = MAX_MODEL_BODY if (self.command == "POST" and urlsplit(self.path).path == "/api/models") \
            else MAX_BODY
        if length > limit:
            self.close_connection = True
            raise HTTPError(413, f"the request body is too large ({length} bytes; at most {limit})")
        if length > MAX_BODY:              # a large upload: who sends it is checked before it is read
            try:
                self._check_host()
                self._check_caller()
            except HTTPError:
                self.close_connection = True
                raise
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            self.close_connection = True
            raise HTTPError(400, f"the request body ended after {len(raw)} of {length} bytes")
        return raw

    def _json_body(self, raw: bytes):
        if not raw.strip():
            return {}
        ctype = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            raise HTTPError(415, f"the request body must be JSON sent as Content-Type application/json, "
                                 f"got {ctype or 'no Content-Type'!r}")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPError(400, f"the request body must be JSON: {exc}") from None
        except RecursionError:
            raise HTTPError(400, "the request body is nested too deeply") from None
        except ValueError as exc:          # e.g. an integer of more than 4300 digits
            raise HTTPError(400, f"the request body holds a value that cannot be read: {exc}") from None
        if not isinstance(body, dict):
            raise HTTPError(400, f"the request body must be a JSON object, got {type(body).__name__}")
        return body

    def _dispatch(self, method: str) -> None:
        if urlsplit(self.path).path.endswith("/events"):      # a stream lasts: it does not hold training
            return self._handle(method)
        with REQUESTS.request():                              # training steps aside meanwhile
            return self._handle(method)

    def _handle(self, method: str) -> None:
        try:
            raw = self._body()            # read it first: an early error must not leave it in the connection
            self._check_host()
            if method in ("POST", "DELETE"):
                self._check_caller()
            body = self._json_body(raw) if method == "POST" else None
            path = urlsplit(self.path).path
            self._route(method, path, body)
        except ParamError as exc:
            self._error(400, str(exc), problems=exc.problems)
        except HTTPError as exc:
            self._error(exc.status, exc.message)
            if self.close_connection:
                self._linger()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except RecursionError:
            self._error(400, "the request is nested too deeply")
        except Exception as exc:   # the server keeps serving; the page shows the message
            traceback.print_exc(file=sys.stderr)
            try:
                self._error(500, f"internal error: {type(exc).__name__}: {exc}")
            except OSError:
                self.close_connection = True

    def _linger(self) -> None:
        """Before closing on a refused body: read (and drop) what the client already sent, for at most
        0.2 s and 256 KiB, so that the close does not reset the connection before it read the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            end, left = time.monotonic() + 0.2, 256 * 1024
            while left > 0 and time.monotonic() < end:
                chunk = self.connection.recv(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def _route(self, method, path, body) -> None:
        pg = self.pg
        if path in ("/", "/index.html"):
            self._allow(method, "GET")
            return self._static("index.html")
        if path.startswith("/static/"):
            self._allow(method, "GET")
            return self._static(path[len("/static/"):])
        if path == "/favicon.ico":
            return self._send(204, b"", "image/x-icon")
        if path == "/api/options":
            self._allow(method, "GET")
            return self._json(200, options())
        if path == "/api/sessions":
            self._allow(method, "POST")
            session = pg.create_session(body)
            return self._json(201, {"id": session.id, "params": session.params})
        if path == "/api/models":
            self._allow(method, "POST")
            model = pg.open_model(body)
            return self._json(201, {"id": model.id, "info": model.info()})
        m = _MODEL_PATH.match(path)
        if m:
            return self._route_model(method, m.group(1), m.group(2), body)
        m = _SESSION_PATH.match(path)
        if not m:
            raise HTTPError(404, f"no such page: {path}")
        sid, action = m.group(1), m.group(2)
        if action is None:
            if method == "DELETE":
                pg.close_session(sid)
                return self._json(200, {"closed": sid})
            self._allow(method, "GET")
            return self._json(200, pg.get_session(sid).state())
        if action == "close":          # navigator.sendBeacon sends POST
            self._allow(method, "POST")
            pg.close_session(sid)
            return self._json(200, {"closed": sid})
        session = pg.get_session(sid)
        if action == "events":
            self._allow(method, "GET")
            return self._events(session)
        if action.startswith("export/"):
            self._allow(method, "GET")
            return self._export(session, action[len("export/"):])
        self._allow(method, "POST")
        if action == "config":
            params = session.configure(body)
            return self._json(200, {"params": params, "epoch": session.epoch})
        if action == "play":
            session.play()
        elif action == "pause":
            session.pause()
        elif action == "step":
            session.step(_step_epochs(body))
        elif action == "weight":
            return self._json(200, session.set_weight(body))
        elif action == "reset":
            session.reset()
        elif action == "explain":
            return self._json(200, session.explain())
        else:
            raise HTTPError(404, f"unknown action {action!r}")
        return self._json(200, session.state())

    def _route_model(self, method, mid, action, body) -> None:
        pg = self.pg
        if action is None and method == "DELETE" or action == "close":
            if action == "close":
                self._allow(method, "POST")
            pg.close_model(mid)
            return self._json(200, {"closed": mid})
        model = pg.get_model(mid)
        if action is None:
            self._allow(method, "GET")
            return self._json(200, model.info())
        self._allow(method, "POST")
        if action == "response":
            return self._json(200, model.response(body))
        if action == "trace":
            return self._json(200, model.trace(body))
        raise HTTPError(404, f"unknown action {action!r} for an opened model (response, trace, close)")

    def _allow(self, method, *allowed) -> None:
        if method not in allowed:
            raise HTTPError(405, f"{method} is not allowed here (use {' or '.join(allowed)})")

    def _static(self, name) -> None:
        if name not in STATIC_FILES:
            raise HTTPError(404, f"no such file: {name}")
        data = (STATIC_DIR / name).read_bytes()
        if name == "index.html":
            data = data.replace(_TOKEN_PLACEHOLDER, self.pg.secret.encode("ascii"))
        self._send(200, data, STATIC_FILES[name])

    def _export(self, session, what) -> None:
        if what == "model.keras":
            try:
                data = session.export_keras()
            except ImportError as exc:      # h5py (the 'h5' extra) is what a .keras file needs
                raise HTTPError(501, f"cannot write the .keras file: {exc}") from None
            return self._send(200, data, "application/octet-stream",
                              {"Content-Disposition": 'attachment; filename="glassnet_playground.keras"'})
        if what == "code.py":
            data = session.export_code().encode("utf-8")
            return self._send(200, data, "text/x-python; charset=utf-8",
                              {"Content-Disposition": 'attachment; filename="glassnet_playground.py"'})
        raise HTTPError(404, f"unknown export {what!r} (model.keras or code.py)")

    # ---------------------------------------------------------------- the event stream
    def _peer_gone(self) -> bool:
        """True when the browser closed the connection (it never sends anything on an event stream)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _events(self, session) -> None:
        pg = self.pg
        pg.open_stream(session)           # 503 when too many are open
        try:
            self.send_response(200)
        except BaseException:
            pg.detach(session)
            raise
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.send_header("X-Accel-Buffering", "no")
        self.close_connection = True
        self.connection.settimeout(STREAM_WRITE_TIMEOUT)   # a peer that takes nothing for this long is gone
        sent_info = sent_frame = 0
        hist_version, hist_len = None, 0
        try:
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            last_write = time.monotonic()
            while True:
                parts = []
                with session.cond:
                    session.cond.wait_for(
                        lambda: (session.frame_seq != sent_frame or session.info_seq != sent_info
                                 or session.closed or pg.stopping), timeout=0.25)
                    if session.closed or pg.stopping:
                        reason = "the server is stopping" if pg.stopping else "the session was closed"
                        self.wfile.write(f"event: closed\ndata: {json.dumps({'reason': reason})}\n\n"
                                         .encode("utf-8"))
                        return
                    if session.info_seq != sent_info:
                        parts.append(f"event: session\ndata: {session.info_json}\n\n")
                        sent_info = session.info_seq
                        hist_version = None
                    if session.history_version != hist_version:
                        points, reset = session.history, True
                        hist_version = session.history_version
                    else:
                        points, reset = session.history[hist_len:], False
                    hist_len = len(session.history)
                    if points or reset:
                        parts.append("event: history\ndata: "
                                     + json.dumps({"reset": reset, "points": points}, separators=(",", ":"))
                                     + "\n\n")
                    if session.frame_seq != sent_frame:
                        parts.append(f"event: frame\ndata: {session.frame_json}\n\n")
                        sent_frame = session.frame_seq
                if self._peer_gone():
                    return
                now = time.monotonic()
                if parts:
                    self.wfile.write("".join(parts).encode("utf-8"))
                    last_write = now
                elif now - last_write >= pg.ping_interval:
                    self.wfile.write(b": ping\n\n")
                    last_write = now
        except (OSError, ValueError):
            return
        finally:
            pg.detach(session)


def _step_epochs(body) -> int:
    """``{"epochs": n}`` (optional) of a step request: a whole number from 1 to MAX_STEP_EPOCHS."""
    unknown = sorted(set(body or {}) - {"epochs"})
    if unknown:
        raise ParamError([f"unknown key(s) {', '.join(map(repr, unknown))} for step (known: epochs)"])
    if not body or "epochs" not in body:
        return 1
    from .params import Checker
    from .session import MAX_STEP_EPOCHS

    c = Checker()
    n = c.integer(body["epochs"], "epochs", 1, MAX_STEP_EPOCHS)
    if c.problems:
        raise ParamError(c.problems)
    return n


def serve(host="127.0.0.1", port=8000, *, out=None, **kwargs) -> int:
    """Run the playground until Ctrl+C; prints the URL first.  Returns 0."""
    out = out or sys.stdout
    server = PlaygroundServer(host, port, **kwargs)
    print(f"glassnet playground: open {server.url} in your browser (Ctrl+C to stop)", file=out, flush=True)
    if not server.loopback_only:
        print(f"warning: --allow-remote: the playground listens on {server.bound_address}, so anyone who can "
              f"reach port {server.port} (your network, or the internet without a firewall) can open it, "
              f"start sessions and use this machine's CPU; its page and secret travel unencrypted (plain "
              f"HTTP). Use it only on a network you trust.", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nglassnet playground: stopped", file=out, flush=True)
    finally:
        server.shutdown()
    return 0


def main(argv=None) -> int:
    """``python -m glassnet.playground [--port 8000] [--host 127.0.0.1]``."""
    parser = argparse.ArgumentParser(prog="glassnet playground",
                                     description="Train small networks on 2-D data in your browser, live.")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a --host that is not loopback (other machines can then use the playground)")
    args = parser.parse_args(argv)
    try:
        return serve(host=args.host, port=args.port, allow_remote=args.allow_remote)
    except (OSError, ValueError) as exc:
        print(f"glassnet playground: error: {exc}", file=sys.stderr)
        return 2
