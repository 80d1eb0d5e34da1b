"""The explorer's page: one HTML template and its assets (static/), served or inlined into one file.

`render_page()` is the served page (assets by URL, data fetched from /api/graph);
`render_page(record)` is the static export: CSS and JS inlined, the record embedded as JSON (with every
variable's numeric curve, which the served page fetches on click from /api/curve), so the file works
offline, opened from disk.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

__all__ = ["render_page", "write_html", "asset", "ASSETS"]

#: the files the server may send from static/: name -> content type (nothing else is served)
ASSETS = {"explorer.js": "text/javascript; charset=utf-8", "explorer.css": "text/css; charset=utf-8"}


def asset(name: str) -> str:
    """The text of one shipped asset (`index.html`, or a name in ASSETS)."""
    if name not in ASSETS and name != "index.html":
        raise KeyError(name)
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _inline_script(text: str) -> str:
    # inside <script>, only "</script" (any case) and "<!--" can end or confuse the element
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(record: dict | None = None) -> str:
    """The page's HTML: served (record None) or self-contained with `record` embedded.

    >>> "explorer.js" in render_page(), "static/explorer.js" in render_page({"expression": "x"})
    (True, False)
    """
    page = asset("index.html")
    if record is None:
        style = '<link rel="stylesheet" href="static/explorer.css">'
        script = '<script src="static/explorer.js"></script>'
        data = ""
        csp = ""  # the server sends its own Content-Security-Policy header
    else:
        style = f"<style>\n{asset('explorer.css')}</style>"
        script = f"<script>\n{_inline_script(asset('explorer.js'))}</script>"
        payload = json.dumps(record, allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e")
        data = f'<script type="application/json" id="difflab-data">{payload}</script>'
        # from disk: everything is inline, nothing may load from anywhere
        csp = (
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
        )
    page = page.replace("<!--CSP-->", csp)
    return page.replace("<!--STYLE-->", style).replace("<!--DATA-->", data).replace("<!--SCRIPT-->", script)


def write_html(path, text: str, at=None) -> Path:
    """Write the static page for expression `text` at point `at` to `path`; returns the path.

    >>> import tempfile, pathlib
    >>> out = write_html(pathlib.Path(tempfile.mkdtemp()) / "f.html", "x*y", "x=2,y=3")
    >>> '"grad": {"x": 3.0, "y": 2.0}' in out.read_text()
    True
    """
    from .model import explore

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # offline, the page cannot ask for a curve: every variable's is computed up front, all in one batched run of the
    # graph (model._curves; point by point, 41 variables took 2-5 s: bench/explore_lazy.py --html)
    path.write_text(render_page(explore(text, at, curves=True)), encoding="utf-8")
    return path
