"""The explorer's local HTTP server: the page, its assets, `GET /api/graph` and `GET /api/curve` (see `difflab.explore`).

Bound to 127.0.0.1 only; a request whose Host header is not 127.0.0.1:PORT or localhost:PORT is
refused (a page on another site cannot reach it by DNS rebinding). Expressions are parsed by
difflab.expr in the server; the computation runs in one worker process with a time budget per
request: a worker over budget is killed and replaced, the request answers 503, and the server keeps
serving. Standard library only (http.server, subprocess).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from ..errors import DifflabError
from ..expr import ExpressionError, parse
from .model import ExploreError, parse_at
from .page import ASSETS, asset, render_page

__all__ = ["ExplorerServer", "serve", "ComputeTimeout"]

DEFAULT_BUDGET = 10.0  # seconds per request; symbolic differentiation of a large graph can swell
STARTUP_LIMIT = 120.0  # seconds for a fresh worker to import difflab (not counted in the budget)
CACHE_SIZE = 128  # recent results kept (sliders revisit points)

#: every response: nothing from elsewhere, no framing, no sniffing
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ComputeTimeout(DifflabError):
    """The computation went over its time budget (the worker was replaced)."""


class _BadInput(DifflabError):
    """Bad input found by the worker (the parent checks first, so rarely): the error as a dict."""


class Worker:
    """One computing process (`python -m difflab.explore.worker`, JSON lines on its pipes), used by
    one request at a time, killed and replaced when an answer is over budget."""

    def __init__(self):
        self._lock = threading.Lock()
        self._proc = None
        self._answers: queue.Queue = queue.Queue()
        self._ready = False

    def start(self):
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "difflab.explore.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self._answers = queue.Queue()
        self._ready = False
        threading.Thread(target=self._read, args=(self._proc, self._answers), daemon=True).start()

    @staticmethod
    def _read(proc, answers):
        for line in proc.stdout:  # ends at EOF: the worker exited or was killed
            answers.put(line)
        answers.put(None)

    def _answer(self, timeout):
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            return "late"
        return None if line is None else json.loads(line)

    def _ensure_ready(self):
        if self._proc is None or self._proc.poll() is not None:
            self.start()
        if not self._ready:
            answer = self._answer(STARTUP_LIMIT)
            if not isinstance(answer, dict) or not answer.get("ready"):
                self.stop()
                raise RuntimeError(
                    "the explorer's worker process did not start (run `python -m difflab.explore.worker` to see why)"
                )
            self._ready = True

    def compute(self, text: str, point: dict, budget: float, curve: str | None = None):
        with self._lock:
            self._ensure_ready()
            try:
                self._proc.stdin.write(json.dumps({"f": text, "at": point, "curve": curve}) + "\n")
                self._proc.stdin.flush()
            except OSError:
                self.stop()
                raise RuntimeError(
                    "the explorer's worker process ended unexpectedly; it restarts on the next request"
                ) from None
            answer = self._answer(budget)
            if answer == "late":
                self.stop()  # the only way to stop a runaway computation: end its process
                raise ComputeTimeout(
                    f"the computation took longer than the time budget of {budget:g} s and was "
                    "stopped (the server goes on); try a smaller expression, or start the explorer with a "
                    "larger --budget (difflab explore --budget 60)"
                )
            if answer is None:
                self.stop()
                raise RuntimeError("the explorer's worker process ended unexpectedly; it restarts on the next request")
        if "ok" in answer:
            return answer["ok"]
        if "bad" in answer:
            raise _BadInput(answer["bad"])
        raise RuntimeError(answer["error"])

    def stop(self):
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(10)
            for pipe in (self._proc.stdin, self._proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
        self._proc = None
        self._ready = False


class ExplorerServer(ThreadingHTTPServer):
    """The explorer on 127.0.0.1:`port` (0: any free port; see `.port`). `budget`: seconds per computation.

    >>> server = ExplorerServer(port=0, start_worker=False)
    >>> server.server_address[0], server.port > 0
    ('127.0.0.1', True)
    >>> server.server_close()
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0, budget: float = DEFAULT_BUDGET, start_worker: bool = True, quiet: bool = True):
        super().__init__(("127.0.0.1", port), _Handler)
        self.port = self.server_address[1]
        self.budget = float(budget)
        self.quiet = quiet
        self.worker = Worker()
        if start_worker:
            self.worker.start()
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def allowed_hosts(self) -> set:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def graph_json(self, text: str, at: str, var: str | None = None):
        """(status, JSON-able body) for /api/graph, or with `var` for /api/curve (that variable's numeric curve)."""
        try:
            expression = parse(text)  # refuse bad text here, before anything reaches the worker
            point = parse_at(at)
        except ExpressionError as err:
            return 400, {"error": {"message": str(err), "field": "f", "position": err.position, "token": err.token}}
        except ExploreError as err:
            return 400, {"error": {"message": str(err), "field": err.field, "position": None, "token": None}}
        if var is not None and var not in expression.variables:
            message = f"var={var[:40]!r} is not a variable of the expression (its variables: " + (
                f"{', '.join(expression.variables)})" if expression.variables else "none)"
            )
            return 400, {"error": {"message": message, "field": "var", "position": None, "token": None}}
        key = (text, tuple(sorted(point.items())), var)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return 200, self._cache[key]
        try:
            record = self.worker.compute(text, point, self.budget, curve=var)
        except ComputeTimeout as err:
            return 503, {"error": {"message": str(err), "timeout": True}}
        except _BadInput as err:
            return 400, {"error": err.args[0]}
        except RuntimeError as err:
            return 500, {"error": {"message": str(err)}}
        with self._cache_lock:
            self._cache[key] = record
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return 200, record

    def server_close(self):
        super().server_close()
        if hasattr(self, "worker"):  # (a failed bind closes the server before the worker exists)
            self.worker.stop()


def query_fields(query: str, path: str = "/api/graph"):
    """(f, at) of /api/graph's query string ((f, at, var) of /api/curve's), or the message of a 400 naming what is
    wrong with it: more than 8 fields, a field other than those (a misspelt one was ignored: "fn=x" drew the empty
    expression's error), or one given twice (the first silently won).

    >>> query_fields("f=x%2Ay&at=x%3D1")
    ('x*y', 'x=1')
    >>> query_fields("f=x&f=y")
    '/api/graph got f twice; it takes f (the expression) and at (the point) once each'
    >>> query_fields("f=x&at=&var=x", "/api/curve")
    ('x', '', 'x')
    """
    takes = "f (the expression) and at (the point)"
    fields = ("f", "at")
    if path == "/api/curve":
        takes, fields = "f (the expression), at (the point) and var (the variable)", ("f", "at", "var")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=8)
    except ValueError:  # (over max_num_fields: an answer, not a dropped connection and a traceback)
        return f"the query has more than 8 fields; {path} takes {takes}"
    names = [name for name, _ in pairs]
    unknown = [name for name in names if name not in fields]
    if unknown:
        return f"{path} got the field {unknown[0][:40]!r}; it takes {takes}"
    for name in fields:
        if names.count(name) > 1:
            return f"{path} got {name} twice; it takes {takes} once each"
    given = dict(pairs)
    return tuple(given.get(name, "") for name in fields)


PLUS_HINT = " (a '+' in a URL's query is a space: write it %2B, or URL-encode the expression)"


def _raw_plus(query: str) -> bool:
    """Whether the query's f, as sent, holds a literal '+', which URL decoding turns into a space.

    >>> _raw_plus("f=x+y&at=x=1"), _raw_plus("f=x%2By&at=x=1"), _raw_plus("at=x=1+2&f=x")
    (True, False, False)
    """
    return any(part.startswith("f=") and "+" in part for part in query.split("&"))


class _Handler(BaseHTTPRequestHandler):
    server: ExplorerServer
    server_version = "difflab-explore"
    sys_version = ""

    def _send(self, status: int, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page moved on (a newer request replaced this one)

    def _json(self, status: int, body):
        self._send(status, json.dumps(body, allow_nan=False).encode(), "application/json; charset=utf-8")

    def do_GET(self):
        host = self.headers.get("Host", "")
        if host not in self.server.allowed_hosts:
            self._send(
                403,
                f"refused: Host {host[:100]!r} is not this server (127.0.0.1:{self.server.port})\n".encode(),
                "text/plain; charset=utf-8",
            )
            return
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            self._send(200, render_page().encode(), "text/html; charset=utf-8")
        elif url.path.startswith("/static/") and url.path[len("/static/") :] in ASSETS:
            name = url.path[len("/static/") :]
            self._send(200, asset(name).encode(), ASSETS[name])
        elif url.path in ("/api/graph", "/api/curve"):
            fields = query_fields(url.query, url.path)
            if isinstance(fields, str):
                self._json(400, {"error": {"message": fields, "field": None, "position": None, "token": None}})
                return
            status, body = self.server.graph_json(*fields)
            if status == 400 and body["error"].get("field") == "f" and _raw_plus(url.query):
                body["error"]["message"] += PLUS_HINT  # (curl "...?f=x+y" reads "x y": a missing operator)
            self._json(status, body)
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    do_HEAD = do_GET

    def _not_allowed(self):
        """405 in JSON, with the security headers (http.server's 501 was an HTML page without them): a client that
        POSTs {"f": ..., "at": ...} learns the API's one form."""
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        body = json.dumps(
            {"error": {"message": f"{self.command} is not supported: /api/graph answers GET ?f=EXPRESSION&at=x=1,y=2"}}
        ).encode()
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def log_message(self, format, *args):
        if not self.server.quiet:
            super().log_message(format, *args)


def serve(
    text: str | None = None,
    at: str | None = None,
    port: int = 0,
    open_browser: bool = True,
    budget: float = DEFAULT_BUDGET,
) -> None:
    """Serve the explorer until interrupted, opening the page (with `text` and `at`) in a browser."""
    import webbrowser
    from urllib.parse import urlencode

    server = ExplorerServer(port=port, budget=budget)
    state = {k: v for k, v in (("f", text), ("at", at)) if v}
    url = f"http://127.0.0.1:{server.port}/" + (f"#{urlencode(state)}" if state else "")
    print(f"difflab explorer: {url}   (Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    if threading.current_thread() is threading.main_thread():  # SIGTERM, too, stops the worker
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()
