"""Report pages: a Markdown and a self-contained HTML report per run, and the index of several runs.

Everything is read from a run directory's files (config.json, summary.json, figures.json and the
figure PNGs); one document model is rendered twice, as Markdown and as HTML with the figures
embedded as base64 PNG, so the two never say different things.
"""

from __future__ import annotations

import base64
import html
import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path

__all__ = ["load_document", "to_markdown", "to_html", "write_run_report", "publish"]

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}h1,h2,h3{line-height:1.2}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.95em}
code,pre{background:#f4f4f4;border-radius:3px;padding:0 .25em}pre{padding:.6em;overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
nav li{margin:.2em 0}.q{font-style:italic}"""


def write_atomic(path, data) -> Path:
    """Write bytes or text to `path` through a temporary file and os.replace: a run killed while
    rendering leaves the previous file or the new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_document(run_dir) -> dict:
    """The report of one run as plain data: title, question, facts, figures, config, command.

    >>> import tempfile, pathlib, json
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "config.json").write_text(json.dumps({"experiment": "e", "question": "Q?", "preset": "quick",
    ...     "config": {"n": 1}, "seed": 0, "cells": 1, "overrides": {}}))
    >>> _ = (d / "summary.json").write_text(json.dumps({"cell_seconds": 0.5}))
    >>> _ = (d / "figures.json").write_text("[]")
    >>> load_document(d)["command"]
    'difflab run e --preset quick --seed 0'
    """
    run_dir = Path(run_dir)
    meta = json.loads((run_dir / "config.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    figures = json.loads((run_dir / "figures.json").read_text())
    sets = "".join(f" --set {shlex.quote(f'{k}={json.dumps(v)}')}" for k, v in meta.get("overrides", {}).items())
    return {
        "name": meta["experiment"],
        "question": meta["question"],
        "facts": [
            ("preset", meta["preset"]),
            ("root seed", meta["seed"]),
            ("sweep cells", meta["cells"]),
            ("cell time", f"{summary.get('cell_seconds', 0):.1f} s (sum over cells)"),
            ("run", meta.get("run", run_dir.name)),
        ],
        "figures": figures,
        "config": meta["config"],
        "command": f"difflab run {meta['experiment']} --preset {meta['preset']} --seed {meta['seed']}{sets}",
        "dir": run_dir,
    }


def _value(v) -> str:
    text = json.dumps(v)
    return text if len(text) <= 90 else text[:87] + "..."


def to_markdown(doc: dict, level: int = 1) -> str:
    """Markdown for one run's document; figure links are relative (figures/NAME.png).

    >>> import tempfile
    >>> from difflab.runner import _demo_experiment, run
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> to_markdown(load_document(d)).splitlines()[:3]
    ['# squares', '', '**Question.** What are the squares of 1 and 2?']
    """
    h = "#" * level
    lines = [f"{h} {doc['name']}", "", f"**Question.** {doc['question']}", ""]
    lines += [" · ".join(f"{k}: {v}" for k, v in doc["facts"]), ""]
    if doc["figures"]:
        lines += [f"{h}# Findings", ""] + [f"- {f['conclusion']}" for f in doc["figures"]] + [""]
    for i, f in enumerate(doc["figures"], 1):
        lines += [
            f"{h}# {i}. {f['title']}",
            "",
            f"![{f['title']}](figures/{f['name']}.png)",
            "",
            f"*What it shows.* {f['what']}",
            "",
            f"*What to conclude.* {f['conclusion']}",
            "",
        ]
    lines += [f"{h}# Configuration", "", "| key | value |", "| --- | --- |"]
    lines += [f"| `{k}` | `{_value(v)}` |" for k, v in doc["config"].items()]
    lines += [
        "",
        f"Reproduce: `{doc['command']}` (vector versions of every figure: figures/*.svg; "
        "every number: metrics.csv and cells/*.json in the run directory).",
        "",
    ]
    return "\n".join(lines)


def _png_data(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def to_html(doc: dict, level: int = 1) -> str:
    """An HTML section for one run's document with its figures embedded (no external files).

    >>> import tempfile
    >>> from difflab.runner import _demo_experiment, run
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> to_html(load_document(d), level=2).splitlines()[0]
    '<section id="squares"><h2>squares</h2>'
    """
    e = html.escape
    h, h2 = f"h{level}", f"h{level + 1}"
    parts = [
        f'<section id="{e(doc["name"])}"><{h}>{e(doc["name"])}</{h}>',
        f'<p class="q"><b>Question.</b> {e(doc["question"])}</p>',
        "<p>" + " · ".join(f"{e(k)}: {e(str(v))}" for k, v in doc["facts"]) + "</p>",
    ]
    if doc["figures"]:
        parts.append(
            f"<{h2}>Findings</{h2}><ul>" + "".join(f"<li>{e(f['conclusion'])}</li>" for f in doc["figures"]) + "</ul>"
        )
    for i, f in enumerate(doc["figures"], 1):
        src = _png_data(doc["dir"] / "figures" / f"{f['name']}.png")
        parts.append(
            f'<figure><{h2}>{i}. {e(f["title"])}</{h2}><img alt="{e(f["title"])}" src="{src}">'
            f"<figcaption><p><i>What it shows.</i> {e(f['what'])}</p>"
            f"<p><i>What to conclude.</i> {e(f['conclusion'])}</p></figcaption></figure>"
        )
    rows = "".join(
        f"<tr><td><code>{e(k)}</code></td><td><code>{e(_value(v))}</code></td></tr>" for k, v in doc["config"].items()
    )
    parts.append(
        f"<{h2}>Configuration</{h2}><table><tr><th>key</th><th>value</th></tr>{rows}</table>"
        f"<p>Reproduce: <code>{e(doc['command'])}</code></p></section>"
    )
    return "\n".join(parts)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def write_run_report(run_dir) -> Path:
    """Write report.md and report.html (self-contained) into a run directory; returns report.md.

    >>> import tempfile
    >>> from difflab.runner import _demo_experiment, run
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> write_run_report(d).read_text().count("difflab run squares --preset quick --seed 0")
    1
    """
    doc = load_document(run_dir)
    md = Path(run_dir) / "report.md"
    write_atomic(md, to_markdown(doc))
    write_atomic(Path(run_dir) / "report.html", _page(f"difflab: {doc['name']}", to_html(doc)))
    return md


def publish(run_dirs, dest) -> Path:
    """Copy each run's report.md, summary and PNG figures to dest/<experiment>/; write the index pages.

    dest/index.md links the per-experiment reports; dest/index.html holds every report with its
    figures embedded, so it can be opened or mailed on its own. Returns dest/index.md.

    >>> import tempfile
    >>> from difflab.runner import _demo_experiment, run
    >>> d = run(_demo_experiment(), out=tempfile.mkdtemp(), quiet=True)
    >>> print(publish([d], Path(tempfile.mkdtemp())).read_text().splitlines()[6])
    | [squares](squares/report.md) | What are the squares of 1 and 2? | 0 |  |
    """
    dest = Path(dest)
    for doc in map(load_document, run_dirs):
        target = dest / doc["name"]
        if target.exists():
            shutil.rmtree(target)  # stale figures of an older run must not linger
        (target / "figures").mkdir(parents=True)
        for f in doc["figures"]:
            shutil.copy2(doc["dir"] / "figures" / f"{f['name']}.png", target / "figures")
        for name in ("report.md", "summary.json", "config.json", "figures.json"):
            shutil.copy2(doc["dir"] / name, target / name)
    # the index covers every report in dest, so publishing one run keeps the others listed
    docs = [load_document(d) for d in sorted(dest.iterdir()) if (d / "figures.json").is_file()]
    presets = sorted({dict(d["facts"])["preset"] for d in docs})
    lines = [
        "# difflab reports",
        "",
        f"Generated by `difflab run` ({'/'.join(presets) or 'no'} preset; each report gives its exact command): "
        "every number and every sentence below is computed from the runs' results files.",
        "",
        "| experiment | question | figures | headline |",
        "| --- | --- | --- | --- |",
    ]
    for doc in docs:
        headline = doc["figures"][0]["conclusion"] if doc["figures"] else ""
        lines.append(
            f"| [{doc['name']}]({doc['name']}/report.md) | {doc['question']} | {len(doc['figures'])} | {headline} |"
        )
    lines += ["", "A self-contained version with every figure embedded: [index.html](index.html).", ""]
    write_atomic(dest / "index.md", "\n".join(lines))
    nav = (
        "<nav><ul>"
        + "".join(
            f'<li><a href="#{html.escape(d["name"])}">{html.escape(d["name"])}</a> — {html.escape(d["question"])}</li>'
            for d in docs
        )
        + "</ul></nav>"
    )
    body = "<h1>difflab reports</h1>" + nav + "\n".join(to_html(d, level=2) for d in docs)
    write_atomic(dest / "index.html", _page("difflab reports", body))
    return dest / "index.md"
