"""The explorer: type a function, watch its graph compute values forward and derivatives backward.

`difflab explore "((x*y)*(y*z))^2" --at x=3,y=2,z=1` serves the page on 127.0.0.1 (server.py);
`difflab explore --html out.html EXPR --at ...` writes it as one self-contained file (page.py).
Both show the record of `explore(text, at)` (model.py), the one computation behind the page,
the static export, the JSON endpoint and the tests. The page and its assets live in `static/`.

The JSON endpoint::

    GET /api/graph?f=<expression>&at=x=0.7,y=2      (URL-encoded; missing variables default to 1)

    200 {"expression", "variables": [name], "point": {name: x}, "value", "output": node id,
         "nodes": [{"id", "kind": "input"|"op"|"const", "name", "label" (op name), "text"
                    ("v3 = mul(x, y)"), "op", "value", "shape", "layer", "row", "warning"
                    ("Category: message" of its warning, or null)}],
         "edges": [{"from", "to", "arg" (argument index), "partial" (local partial d to / d from;
                    null from a constant)}],
         "methods": {method: {"grad": {name: d}, "adjoint": {node id: df/dnode}, "abs_error":
                    {name: |d - reference|}, "error": message or null}, numeric also has
                    "step": {name: h} and "error_estimate": {name: e}},
         "reference": {"name": "symbolic, 40 digits", "grad": {name: d}},
         "paths": {name: {"count", "listed" (at most 64), "complete", "sum", "paths": [{"nodes"
                    (ids, output first), "edges" (indices), "factors" (their partials), "product"}]}},
         "curves": {} (served: each variable's curve is GET /api/curve's; the static export and
                    explore(text, at, curves=True) hold {name: curve} for every variable),
         "forward_steps": [node id], "backward_steps": [{"edge", "upstream", "partial",
                    "product", "total"}], "warnings": [{"category", "message", "where" (node id or
                    method)}], "layers", "rows"}
    400 {"error": {"message", "field": "f"|"at", "position", "token"}}   a parse error or a bad point
    403 a Host header other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding)
    503 {"error": {"message", "timeout": true}}   over the time budget (the server keeps serving)

Numeric's error-against-step curve for one variable, which the page asks for when its numeric cell is
clicked (45 central differences per variable: computed for every variable up front, it was two thirds
of the record's time with 41 variables)::

    GET /api/curve?f=<expression>&at=x=0.7,y=2&var=x

    200 {"steps", "errors" (|d - reference| per step), "derivatives", "default_step", "default_error",
         "scheme": "central"}   = explore(f, at, curves=True)["curves"][var] = explore_curve(f, at, var)
    400 {"error": {"message", "field": "f"|"at"|"var", "position", "token"}}   as /api/graph's, or var is
         not a variable of f
    403 a Host header other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding)
    503 {"error": {"message", "timeout": true}}   over the time budget (the server keeps serving)

"warnings" holds the forward pass's warnings at their node (DomainWarning; NumPy's overflow and
underflow, checked per equation), each method's own (DerivativeRangeWarning, NumericAccuracyWarning,
...), and a "NaNDerivative" entry for a method whose derivative is NaN where the exact one is infinite.
NaN and infinities are the strings "NaN", "Infinity" and "-Infinity" (JSON has no such numbers).
Expressions are parsed by difflab.expr only: never Python eval, never SymPy's parser.
"""

from .model import METHODS, ExploreError, explore, explore_curve, parse_at

__all__ = ["explore", "explore_curve", "parse_at", "ExploreError", "METHODS"]
