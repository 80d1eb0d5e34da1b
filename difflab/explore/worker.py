"""The explorer's worker process: `python -m difflab.explore.worker`.

Reads one JSON request per line on stdin, {"f": expression, "at": {name: number}} (or with "curve": name,
that variable's numeric curve alone), and writes one JSON answer per line on stdout: {"ok": record} (see
`difflab.explore`; or {"ok": curve}), {"bad": {message, field,
position, token}} or {"error": message}. The server kills and replaces it when an answer is late,
which is the only way to stop a runaway computation in Python.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # stdout carries the protocol only; stray prints go to stderr
    from ..expr import ExpressionError
    from .model import ExploreError, explore, explore_curve

    explore("(4*x+1)^2", {"x": 0.7})  # warm: imports SymPy and every method's code path
    out.write('{"ready": true}\n')
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if request.get("curve") is not None:
                answer = {"ok": explore_curve(request["f"], request["at"], request["curve"])}
            else:
                answer = {"ok": explore(request["f"], request["at"])}
        except (ExpressionError, ExploreError) as err:
            answer = {
                "bad": {
                    "message": str(err),
                    "field": getattr(err, "field", "f"),
                    "position": getattr(err, "position", None),
                    "token": getattr(err, "token", None),
                }
            }
        except Exception as err:  # the page shows it; the worker lives on
            answer = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(answer, allow_nan=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
