"""The explorer's one computation: an expression at a point -> the JSON-able record the page shows.

`explore(text, at)` parses `text` with difflab's restricted language (difflab.expr), traces it as
typed, and computes with difflab's own API: node values and DomainWarnings (the interpreter),
local partials on edges (`dl.grad` of each equation's op alone), each method's adjoint per node
(`report.graphs.annotate_graph`), each method's derivative per variable (`dl.grad`), the exact
reference (the symbolic derivative in 40 digits), numeric's step and error estimate (and, with
curves=True, its error-vs-step curves; `explore_curve` gives one variable's), every path from the output to each variable with its
chain-rule product, and the forward and backward passes as steps. The server, the static page
and the tests all read this one record; the field list is in `difflab.explore`'s docstring.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np

from ..errors import DifflabError

__all__ = ["explore", "explore_curve", "parse_at", "ExploreError", "METHODS", "MAX_PATHS"]

METHODS = ("symbolic", "numeric", "forward", "reverse")
MAX_PATHS = 64  # paths listed per variable (their number can grow as 2^depth; the sum is exact anyway)
CURVE_STEPS = 45  # points of numeric's error-vs-step curve, h from 1e-15 to 1 (times max(1, |x|))
DEFAULT_VALUE = 1.0  # a variable the point does not mention
#: float64 rounding a method's derivative may carry and still be "exact to rounding" (green): this many units in the
#: last place of the exact value per equation (each of the forward and backward passes rounds once per op), at least 4
ROUNDING_ULPS_PER_OP = 2
CLOSE = 1e-6  # "close" (yellow): |d - exact| <= CLOSE * max(1, |exact|)


class ExploreError(DifflabError, ValueError):
    """Input the explorer cannot use (other than a parse error): one line, `field` says which input."""

    def __init__(self, message: str, field: str = "at"):
        super().__init__(message)
        self.field = field


def _num(x):
    """A float for JSON: finite floats as they are; NaN and ±inf as strings (JSON has no such numbers)."""
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONFINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)  # (named below as not finite)


def _clip(text, limit=40) -> str:
    """A value echoed in a message, cut to `limit` characters (a 5000-digit number was echoed whole)."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def parse_at(text: str | dict | None) -> dict:
    """`x=0.7,y=2` -> {"x": 0.7, "y": 2.0}; the explorer's variables are scalars.

    >>> parse_at("x=0.7, y=-2e-1")
    {'x': 0.7, 'y': -0.2}
    """
    if isinstance(text, dict):
        items = list(text.items())
    elif not isinstance(text, (str, type(None))):  # (explore("x", 5) was "argument of type 'int' is not iterable")
        raise ExploreError(f"the point is a str such as 'x=3,y=2' or a dict {{'x': 3.0}}, got {type(text).__name__}")
    elif "[" in (text or ""):
        raise ExploreError(f"the explorer's variables are scalars, got a list in {text!r}")
    else:
        items = []
        for part in (text or "").split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            if not sep:
                raise ExploreError(f"the point wants NAME=NUMBER pairs separated by commas, got {part.strip()!r}")
            items.append((name.strip(), value.strip()))
    point = {}
    for name, value in items:
        if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
            raise ExploreError(f"{_clip(name)!r} is not a variable name")
        # (Python's float() also read '1_000', ' 1', Arabic-Indic digits and 'infinity': the CLI's --at refuses them)
        if isinstance(value, str) and not _DECIMAL.fullmatch(value.strip()) and not _NONFINITE.fullmatch(value.strip()):
            raise ExploreError(
                f"{name} = {_clip(value)!r} is not a number (a decimal such as -0.5 or 2e-3; the explorer's "
                "variables are scalars)"
            )
        try:
            v = float(value)
        except OverflowError:  # (a JSON integer past float64's range: Python's "int too large to convert to float")
            v = math.inf
        except (TypeError, ValueError):
            raise ExploreError(
                f"{name} = {_clip(value)!r} is not a number (the explorer's variables are scalars)"
            ) from None
        if not math.isfinite(v):
            raise ExploreError(f"{name} = {_clip(value)!r} is not a finite number (a float64 ends at 1.8e308)")
        if name in point:  # (the last value silently won)
            raise ExploreError(f"the point gives {name} twice")
        point[name] = v
    return point


def _add_warnings(caught, where, into, skip=()):
    """Append each caught warning as {"category", "message", "where"} (a node id or a method name),
    once; `skip` holds (category, message) pairs already reported elsewhere."""
    for w in caught:
        entry = {"category": type(w.message).__name__, "message": str(w.message), "where": where}
        if entry not in into and (entry["category"], entry["message"]) not in skip:
            into.append(entry)


def _evaluation_warnings(graph, env, caught) -> list[dict]:
    """The warnings of the forward pass, each naming its node: DomainWarnings as evaluation issued
    them, and every equation re-run alone on float64 under np.errstate(all="warn") so that NumPy's
    overflow and underflow reach the page (the evaluator leaves underflow silent and names no node)."""
    from ..graph import Const

    found: list = []
    for w in caught:
        if type(w.message).__name__ == "DomainWarning":
            _add_warnings([w], str(w.message).split(" =")[0], found)
    for eqn in graph.eqns:
        where = repr(eqn.out)
        if any(w["where"] == where for w in found):
            continue  # its DomainWarning says it already
        vals = [a.value if isinstance(a, Const) else np.asarray(env[a], dtype=float) for a in eqn.args]
        with warnings.catch_warnings(record=True) as again, np.errstate(all="warn"):
            warnings.simplefilter("always")
            try:
                eqn.op.bind(*vals, **eqn.kw)
            except Exception:  # nothing new to say: evaluation already succeeded
                continue
        _add_warnings(again, where, found)
    return found


def _kinks(graph, env) -> list[dict]:
    """A "Kink" warning at each equation whose op sits exactly on a kink at this point (abs at 0, max at a tie: the
    registry's `kink` distance is 0): the op has two one-sided derivatives there, and every method takes difflab's
    convention (DESIGN.md: abs'(0) = 0, ties of max/min split evenly). The page showed 0.5 for max(x, y) at x = y,
    green in all four columns, with nothing saying it is a convention."""
    from ..graph import Const

    found = []
    for eqn in graph.eqns:
        if eqn.op.kink is None:
            continue
        vals = [a.value if isinstance(a, Const) else env[a] for a in eqn.args]
        try:
            with np.errstate(all="ignore"):
                distance = np.asarray(eqn.op.kink(*vals, **eqn.kw), dtype=float)
        except Exception:  # (a kink function that cannot take these values says nothing)
            continue
        if not np.any(distance == 0):
            continue
        args = ", ".join(f"{float(a.value):g}" if isinstance(a, Const) else repr(a) for a in eqn.args)  # (named later)
        doc = (eqn.op.doc or "").partition("; ")[2].strip()  # ("|x|; abs'(0) = 0": the convention it follows)
        what = f"the methods take difflab's convention ({doc})" if doc else "what the methods give is no derivative"
        found.append(
            {
                "category": "Kink",
                "message": f"{eqn.out!r} = {eqn.op.name}({args}) is at a kink of {eqn.op.name}, where its one-sided "
                f"derivatives differ: {what}, and f itself may have no derivative at this point",
                "where": repr(eqn.out),
            }
        )
    return found


_ATOM = re.compile(r"\bv[0-9]+\b")


def _shown_names(graph, names) -> dict:
    """The name the page shows for each tape id: a variable's own, an equation's v<k>, or t<k> (u<k>, ...) where a
    variable is itself named like v<k> (`v2*x` read "v2 = mul(v2, x)", the variable and the product both v2).

    >>> import difflab as dl
    >>> g = dl.trace(lambda a, b: a * b, 1.0, 2.0)
    >>> _shown_names(g, ["v2", "x"])
    {'v0': 'v2', 'v1': 'x', 'v2': 't2'}
    """
    prefix = next(p for p in "vtuwn" if not any(re.fullmatch(p + "[0-9]+", n) for n in names))
    shown = {repr(v): n for v, n in zip(graph.inputs, names)}
    shown.update((repr(e.out), prefix + repr(e.out)[1:]) for e in graph.eqns)
    return shown


def _name_inputs(found, names_by_id) -> None:
    """Warnings name a variable as the page does (x, not the tape's v0: "v1 = log(v0)" named a node the page
    never shows)."""
    for w in found:
        w["message"] = _ATOM.sub(lambda m: names_by_id.get(m.group(0), m.group(0)), w["message"])


def _local_partial(eqn, vals, i):
    """d op / d arg_i at these argument values, by reverse mode on the op alone (its registry rule)."""
    import difflab as dl

    def op_of(t):
        args = list(vals)
        args[i] = t
        return eqn.op.bind(*args, **eqn.kw)

    return float(dl.grad(op_of, method="reverse")(float(vals[i])))


def _layout(nodes, edges):
    """Layers left to right (longest path from an input; a constant sits just before its user) and,
    within a layer, rows ordered by the mean row of their predecessors (fewer crossings). An edge that
    skips layers gets a waypoint of its own in each layer it crosses (Sugiyama's dummy nodes), ordered
    with that layer's nodes: drawn straight to its user, it would pass under the nodes between
    (b -> add in tanh(w*x + b) ran behind w*x and read as a second edge out of it). Sets each node's
    "layer" and "row" and each edge's "via" (its waypoints' [layer, row]); returns the number of layers,
    the most slots in one, and the slots per layer."""
    preds: dict = {n["id"]: [] for n in nodes}
    for e in edges:
        preds[e["to"]].append(e["from"])
    layer: dict = {}
    for n in nodes:  # tape order: predecessors first
        if n["kind"] == "input":
            layer[n["id"]] = 0
        elif n["kind"] == "op":
            layer[n["id"]] = 1 + max((layer[p] for p in preds[n["id"]] if p in layer), default=0)
    for e in edges:
        if e["from"] not in layer:  # constants: one layer before their (only) user
            layer[e["from"]] = max(0, layer[e["to"]] - 1)
    for n in nodes:
        layer.setdefault(n["id"], 0)  # a constant expression's lone node
    slot_preds = {nid: [p for p in ps if layer[p] < layer[nid]] for nid, ps in preds.items()}
    vias, order = [], [n["id"] for n in nodes]
    for k, e in enumerate(edges):
        way, prev = [], e["from"]
        for lay in range(layer[e["from"]] + 1, layer[e["to"]]):
            dummy = ("via", k, lay)  # not a string: no node id can equal it
            layer[dummy], slot_preds[dummy] = lay, [prev]
            way.append(dummy)
            order.append(dummy)
            prev = dummy
        if way:  # the user's row follows the waypoint next to it, not the far source
            ps = slot_preds[e["to"]]
            ps[ps.index(e["from"])] = prev
        vias.append(way)
    by_layer: dict = {}
    for nid in sorted(order, key=lambda nid: layer[nid]):  # stable: tape order within a layer
        by_layer.setdefault(layer[nid], []).append(nid)
    row = _order_rows(by_layer, slot_preds)
    for n in nodes:
        n["layer"], n["row"] = layer[n["id"]], row[n["id"]]
    for e, way in zip(edges, vias):
        e["via"] = [[layer[d], row[d]] for d in way]
    sizes = [len(by_layer.get(lay, ())) for lay in range(max(by_layer) + 1 if by_layer else 0)]
    return len(sizes), max(sizes, default=0), sizes


def _order_rows(by_layer, slot_preds, sweeps=4) -> dict:
    """Each slot's row within its layer: barycentre sweeps (Sugiyama's), left to right by the mean height of a
    slot's predecessors, then right to left by its successors' (the inputs too: they kept the alphabetical order,
    and x*y + z*w - v^2 drew v's edge across all four others), keeping the order with the fewest crossings."""
    succs: dict = {nid: [] for ids in by_layer.values() for nid in ids}
    for nid, ps in slot_preds.items():
        for p in ps:
            succs[p].append(nid)
    most = max((len(ids) for ids in by_layer.values()), default=0)
    layers = sorted(by_layer)

    def heights():  # a slot's height as drawn: each layer is centred on the widest
        return {nid: r + (most - len(ids)) / 2 for ids in by_layer.values() for r, nid in enumerate(ids)}

    def sweep(lays, links):  # (heights once a sweep, then the sorted layer's own: all of them per layer was O(L·N))
        h = heights()
        for lay in lays:
            ids = by_layer[lay]
            ids.sort(key=lambda nid: _mean_row(links[nid], h, h[nid]))
            h.update((nid, r + (most - len(ids)) / 2) for r, nid in enumerate(ids))

    def crossings():  # pairs of segments into the same layer that cross
        h = heights()
        count = 0
        for lay in layers:
            count += _crossed([(h[p], h[nid]) for nid in by_layer[lay] for p in slot_preds[nid]])
        return count

    sweep(layers[1:], slot_preds)
    best, fewest = {lay: list(ids) for lay, ids in by_layer.items()}, crossings()
    for _ in range(sweeps):
        if not fewest:
            break
        sweep(layers[-2::-1], succs)
        sweep(layers[1:], slot_preds)
        now = crossings()
        if now < fewest:
            best, fewest = {lay: list(ids) for lay, ids in by_layer.items()}, now
    by_layer.update(best)
    return {nid: r for ids in by_layer.values() for r, nid in enumerate(ids)}


def _crossed(segments) -> int:
    """How many pairs of segments (a, b) cross: a1 < a2 and b1 > b2 (ties do not cross), in O(s log s) by sorting
    (every pair was O(s²): a fifth of a 101-variable record's time).

    >>> _crossed([(0, 1), (1, 0), (2, 2), (1, 0)])
    2
    """
    from bisect import bisect_right, insort

    segments, before, count, i = sorted(segments), [], 0, 0  # before: the b's of segments with a smaller a, sorted
    while i < len(segments):
        j = i
        while j < len(segments) and segments[j][0] == segments[i][0]:
            count += len(before) - bisect_right(before, segments[j][1])
            j += 1
        for _, b in segments[i:j]:
            insort(before, b)
        i = j
    return count


def _mean_row(preds, row, default=-1.0) -> float:
    rows = [row[p] for p in preds if p in row]
    return sum(rows) / len(rows) if rows else default


def _walk(node_id, var_id, into, edges, downstream, trail, found):
    """Depth-first from the output back to `var_id` through nodes it feeds; trails of edge indices."""
    if len(found) >= MAX_PATHS:
        return
    if node_id == var_id:
        found.append(list(trail))
        return
    for k in into.get(node_id, []):
        if edges[k]["from"] in downstream:
            trail.append(k)
            _walk(edges[k]["from"], var_id, into, edges, downstream, trail, found)
            trail.pop()


def _paths(nodes, edges, output, variables):
    """Every path from the output back to each variable: its edges, their local partials (factors),
    their product, and the sum over paths (= the adjoint); at most MAX_PATHS listed per variable."""
    into: dict = {}
    for k, e in enumerate(edges):
        into.setdefault(e["to"], []).append(k)
    count: dict = {output: 1}  # paths from the output to each node, over the reverse tape
    for n in reversed(nodes):
        for k in into.get(n["id"], []):
            count[edges[k]["from"]] = count.get(edges[k]["from"], 0) + count.get(n["id"], 0)
    result = {}
    for var_id, name in variables:
        downstream = {var_id}  # nodes the variable feeds (tape order: one pass)
        for e in edges:
            if e["from"] in downstream:
                downstream.add(e["to"])
        found: list = []
        if output in downstream:
            _walk(output, var_id, into, edges, downstream, [], found)
        paths, products = [], []
        for trail in found:
            factors = [edges[k]["partial_value"] for k in trail]
            products.append(math.prod(factors))
            paths.append(
                {
                    "edges": trail,
                    "nodes": [output] + [edges[k]["from"] for k in trail],
                    "factors": [_num(x) for x in factors],
                    "product": _num(products[-1]),
                }
            )
        total = math.fsum(products) if all(map(math.isfinite, products)) else sum(products)
        result[name] = {
            "count": count.get(var_id, 0),
            "listed": len(paths),
            "paths": paths,
            "sum": _num(total),
            "complete": count.get(var_id, 0) == len(paths),
        }
    return result


def _numeric_details(graph, values, names, reference, curves=True):
    """Numeric's default step, its error estimate and, when `curves`, per variable its curve (`_curves`): the error
    against the reference over a sweep of steps (central differences, the default scheme). `curves` False leaves
    "curve" None: the served page asks for one variable's curve when its numeric cell is clicked (`explore_curve`)."""

    x0 = np.array(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        J, E = _numeric_jacobian(graph, x0)
    drawn = _curves(graph, x0, range(len(names)), reference, J) if curves else {}
    out = {}
    for i, n in enumerate(names):
        default = _default_step(x0, i)
        out[n] = {"step": default, "error_estimate": _num(np.ravel(E)[i]), "curve": drawn.get(i)}
    return out


def _numeric_jacobian(graph, x0):
    """(J, E): numeric's Jacobian of the graph at x0 by central differences and its error estimate, every stencil
    point in one batched run of the graph (`evaluate_batched`: each point's value is NumPy's, as numeric's own run
    has it; `evaluate` on Python floats takes Python's math library, whose tanh, exp, log may differ in the last bit;
    one run per point
    was 2n + 1 runs of n-sized graphs, n² op calls, a third of the record's time with 101 variables)."""
    from ..differentiators.numeric import numeric_jacobian
    from ..graph import evaluate_batched

    def fun(X):  # (B, n) points -> (B,) values
        out = evaluate_batched(graph, *[X[:, i].copy() for i in range(X.shape[1])], batched=(True,) * X.shape[1])[0]
        return np.broadcast_to(np.asarray(out, dtype=float), X.shape[:1])

    return numeric_jacobian(fun, x0, error_estimate=True, vectorized=True)


def _default_step(x0, i) -> float:
    """Numeric's default step for variable i, as actually taken (exactly representable)."""
    from ..differentiators.numeric import EPS

    scale = max(1.0, abs(float(x0[i])))
    default = EPS ** (1 / 3) * scale  # the central scheme's error model (DESIGN.md §4)
    return float((x0[i] + default) - x0[i])


#: stencil points of one batched run of the graph, times its equations (about 32 MB of float64 values held at once)
CURVE_BATCH = 1 << 22


def _curves(graph, x0, which, reference, J) -> dict:
    """{i: curve} for each variable i in `which`: |error| against `reference[i]` of central differences along x_i over
    CURVE_STEPS steps h from 1e-15 to 1 (times max(1, |x_i|), as the default step is), and the default step's own
    error (J[i], numeric's answer). The step is taken as numeric takes a step the user chose, (x_i + h) - x_i (one
    that vanishes there is no point of the curve), the difference as its ±½ stencil's, (f(x - h) - f(x + h)) /
    (h / -0.5): each point is what `dl.grad(f, method=Numeric(step=h))` answers, bit for bit (tests/explore/
    test_explore_html68.py). All variables' points go in one batched run of the graph (`evaluate_batched`; CURVE_BATCH
    bounds its size): a `numeric_jacobian` per point along x_i ran the graph 3 times a point on Python floats, 135
    times per variable (5535 runs, 2-5 s of a 41-variable export), and Python's math library (`Op.py`) gave tanh,
    exp and log a last bit NumPy's does not: those curves differed from numeric's own answers by f's round-off over
    h (2e-4 of 6e-3 at h = 2e-15), the same to 3 digits wherever the curve stands above its round-off floor."""
    from ..graph import evaluate_batched

    which = list(which)
    if not which:
        return {}
    ref = [None if reference[i] is None else float(reference[i]) for i in which]
    base = np.logspace(-15, 0, CURVE_STEPS)
    scale = np.maximum(1.0, np.abs(x0))
    H = base[None, :] * scale[which, None]  # (k, S): the absolute steps asked for
    xi = x0[which, None]
    with np.errstate(all="ignore"):
        taken = (xi + H) - xi  # (the step numeric takes: exactly representable at x_i)
    alive = taken != 0.0  # (below the float spacing at x_i: numeric refuses the step)
    d = np.full(H.shape, np.nan)
    per = max(1, CURVE_BATCH // (2 * CURVE_STEPS * max(1, len(graph.eqns))))  # variables per run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in range(0, len(which), per):
            rows = slice(start, start + per)
            k, i_of = np.nonzero(alive[rows])  # (variable in this chunk, step) of every point
            k = k + start
            h = taken[k, i_of]
            columns: list = [float(v) for v in x0]  # unbatched: the same value in every point
            batched = [False] * len(x0)
            owner = np.asarray(which)[k]  # each point's variable
            for j in set(which[start : start + per]):
                col = np.full(2 * len(k), x0[j])
                mine = owner == j
                col[: len(k)][mine] = x0[j] + (-1.0 * h[mine])  # x - h, as x + o·h with offset -1
                col[len(k) :][mine] = x0[j] + h[mine]
                columns[j], batched[j] = col, True
            F = evaluate_batched(graph, *columns, batched=tuple(batched))[0]
            F = np.broadcast_to(np.asarray(F, dtype=float), (2 * len(k),))
            with np.errstate(all="ignore"):
                d[k, i_of] = (F[: len(k)] - F[len(k) :]) / (h / -0.5)
    out = {}
    for q, i in enumerate(which):
        curve: dict = {"steps": [], "errors": [], "derivatives": []}
        for s in range(CURVE_STEPS):
            if not alive[q, s]:
                continue
            dq = float(d[q, s])
            curve["steps"].append(float(H[q, s]))
            curve["errors"].append(_num(abs(dq - ref[q]) if ref[q] is not None else float("nan")))
            curve["derivatives"].append(_num(dq))
        default_derivative = float(np.ravel(J)[i])
        out[i] = {
            **curve,
            "default_step": _default_step(x0, i),
            "default_error": _num(abs(default_derivative - ref[q]) if ref[q] is not None else None),
            "scheme": "central",
        }
    return out


def explore_curve(text: str, at, var: str) -> dict:
    """Numeric's error-against-step curve for variable `var` of `text` at `at`: the record's "curves"[var] of
    `explore(text, at, curves=True)`, computed alone (what `GET /api/curve` answers when the page shows it).

    >>> c = explore_curve("(4*x+1)^2", "x=0.7", "x")
    >>> c["scheme"], len(c["steps"]) == len(c["errors"]), c["default_error"] < 1e-6
    ('central', True, True)
    """
    import difflab as dl

    from ..expr import parse

    expression = parse(text)
    point = parse_at(at)
    names = list(expression.variables)
    if var not in names:
        raise ExploreError(
            f"{_clip(var)!r} is not a variable of {_clip(text)!r} (its variables: {', '.join(names)})", "var"
        )
    values = [point.get(n, DEFAULT_VALUE) for n in names]
    f = expression.function(names)
    i = names.index(var)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            graph = dl.trace(f, *values)
        except (ValueError, TypeError, IndexError, np.linalg.LinAlgError) as err:
            raise _not_on_scalars(expression, err) from None
        reference = [None] * len(names)
        reference[i] = _reference_of(f, names, values, i)
        x0 = np.array(values, dtype=float)
        J = _numeric_jacobian(graph, x0)[0]  # (the record's default: the whole Jacobian's column)
    return _curves(graph, x0, [i], reference, J)[i]


def _reference_of(f, names, values, i):
    """The reference derivative by variable i alone, as `_reference` gives it within the whole gradient: symbolic in
    40 digits, else reverse mode, else None."""
    import difflab as dl

    from ..reference import reference

    try:
        exact = reference(f, *[np.float64(v) for v in values], argnums=(i,), how="symbolic")
        return float(exact.value.ravel()[0])
    except Exception:
        try:
            g = dl.grad(f, argnums=tuple(range(len(names))), method="reverse")(*values)
        except Exception:
            return None
        return float(_num(g[i])) if _num(g[i]) is not None else float("nan")


def _not_on_scalars(expression, err) -> ExploreError:
    """The error for an expression whose functions refuse the explorer's scalar values (det, inv,
    matmul and the other matrix entries of the language need arrays), naming those functions."""
    refusing = []
    for ins in expression.program:
        if ins[0] == "call" and ins[3] not in refusing:
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ins[1](*[0.5] * ins[2])
            except Exception:
                refusing.append(ins[3])
    if refusing:
        return ExploreError(
            f"{', '.join(refusing)} cannot take numbers: the explorer's variables are scalars, and "
            f"{'this function needs' if len(refusing) == 1 else 'these functions need'} arrays (difflab compare "
            "takes them: --at A=[[1,2],[3,4]])",
            field="f",
        )
    return ExploreError(f"the expression cannot be computed at this point: {type(err).__name__}: {err}", field="f")


def explore(text: str, at=None, curves: bool = False) -> dict:
    """Everything the explorer shows for expression `text` at the point `at` (str or dict), as JSON-able data.

    Numeric's error-against-step curves (the record's "curves") are left out ({}) unless `curves`: 45 central
    differences per variable, they were two thirds of the record's time with 41 variables, and the page shows one
    curve at a time; the served page asks for it (`explore_curve`, `GET /api/curve`), the static export
    (`page.write_html`) computes them all up front.

    Numbers that are NaN or infinite are the strings "NaN", "Infinity", "-Infinity". See the
    package docstring (`difflab.explore`) for every field.

    >>> r = explore("(4*x+1)^2", "x=0.7")
    >>> [r["methods"][m]["grad"]["x"] for m in ("symbolic", "forward", "reverse")]
    [30.4, 30.4, 30.4]
    >>> [n["label"] for n in r["nodes"] if n["kind"] == "op"]
    ['mul', 'add', 'pow']
    """
    import difflab as dl

    from ..expr import parse
    from ..graph import evaluate

    expression = parse(text)  # ExpressionError: position and token for the page
    point = parse_at(at)
    names = list(expression.variables)
    values = [point.get(n, DEFAULT_VALUE) for n in names]
    f = expression.function(names)
    record: dict = {"expression": text, "variables": names, "point": dict(zip(names, values)), "warnings": []}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            graph = dl.trace(f, *values)
            env: dict = {}
            evaluate(graph, *values, env=env)
        except (ValueError, TypeError, IndexError, np.linalg.LinAlgError) as err:
            raise _not_on_scalars(expression, err) from None
    record["warnings"] = _evaluation_warnings(graph, env, caught) + _kinks(graph, env)
    out = graph.outputs[0]
    value = float(np.real(env[out] if out in env else getattr(out, "value", np.nan)))
    record.update(
        _methods(f, graph, names, values, record["warnings"], value, curves)
    )  # (not the forward pass's again)
    shown = _shown_names(graph, names)
    _name_inputs(record["warnings"], shown)

    nodes, edges, output = _tape(graph, env, shown, record["warnings"])
    record["output"] = output
    record["value"] = next(n["value"] for n in nodes if n["id"] == output)
    _local_partials(graph, env, edges)
    record["layers"], record["rows"], record["layer_sizes"] = _layout(nodes, edges)

    # -- paths, and the two passes as steps ------------------------------------------------------
    var_ids = [(repr(v), n) for v, n in zip(graph.inputs, names)]
    record["paths"] = _paths(nodes, edges, output, var_ids)
    record["forward_steps"] = [n["id"] for n in nodes if n["kind"] in ("input", "op")]
    record["backward_steps"] = _backward_steps(graph, edges, output, {n["id"] for n in nodes if n["kind"] == "const"})
    for e in edges:
        del e["partial_value"]
    record["nodes"], record["edges"] = nodes, edges
    return record


def _node(id, kind, name, label, text, value, shape, op=None, warning=None):
    """One node of the explorer's tape, as the page reads it (JSON)."""
    return {
        "id": id,
        "kind": kind,
        "name": name,
        "label": label,
        "text": text,
        "op": op,
        "value": _num(value),
        "shape": list(shape),
        "warning": warning,
    }


def _tape(graph, env, shown, found):
    """The nodes (inputs, constants, equations, with their values) and edges of the tape, and the
    id of the output node; `shown`: each tape id's name on the page (`_shown_names`)."""
    from ..graph import Const, Var

    label = {v: shown[repr(v)] for v in graph.inputs}
    nodes, edges = [], []
    for v in graph.inputs:
        n = shown[repr(v)]
        nodes.append(_node(repr(v), "input", n, n, n, env[v], v.shape))
    for eqn in graph.eqns:
        label[eqn.out] = shown[repr(eqn.out)]
        args_text = []
        for i, a in enumerate(eqn.args):
            if isinstance(a, Const):
                cid, text = f"c{len(nodes)}", f"{float(a.value):g}"
                nodes.append(_node(cid, "const", text, text, f"constant {text}", a.value, np.shape(a.value)))
                args_text.append(text)
                src = cid
            else:
                args_text.append(label[a])
                src = repr(a)
            edges.append({"from": src, "to": repr(eqn.out), "arg": i})
        warning = next((f"{w['category']}: {w['message']}" for w in found if w["where"] == repr(eqn.out)), None)
        text = f"{label[eqn.out]} = {eqn.op.name}({', '.join(args_text)})"
        nodes.append(
            _node(
                repr(eqn.out),
                "op",
                label[eqn.out],
                eqn.op.name,
                text,
                env[eqn.out],
                eqn.out.shape,
                eqn.op.name,
                warning,
            )
        )
    out_atom = graph.outputs[0]
    if isinstance(out_atom, Var):
        return nodes, edges, repr(out_atom)
    # a constant expression: its value is the whole graph
    text = f"{float(out_atom.value):g}"
    warning = None
    if not np.isfinite(out_atom.value):  # (log(-1), 1/0: folded as the expression was read, without a word)
        message = (
            f"f is the constant {_num(out_atom.value)}: the expression has no variable, and its numbers were "
            "computed as it was read, outside an op's domain"
        )
        found.append({"category": "DomainWarning", "message": message, "where": "out"})
        warning = f"DomainWarning: {message}"
    nodes.append(_node("out", "const", "f", text, f"constant {text}", out_atom.value, (), warning=warning))
    return nodes, edges, "out"


def _local_partials(graph, env, edges):
    """Each edge's local partial: its equation's op alone, at its argument values (the registry
    rule), set on the edge as "partial_value" (a float) and "partial" (JSON)."""
    from ..graph import Const, Var

    by_out = {repr(e.out): e for e in graph.eqns}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a partial outside the domain is NaN; the node already warns
        for e in edges:
            eqn = by_out[e["to"]]
            if not isinstance(eqn.args[e["arg"]], Var):
                e["partial_value"], e["partial"] = float("nan"), None  # a constant receives no cotangent
                continue
            vals = [a.value if isinstance(a, Const) else env[a] for a in eqn.args]
            try:
                p = _local_partial(eqn, vals, e["arg"])
            except Exception as err:  # a non-differentiable op: say so on the edge
                p, e["partial_error"] = float("nan"), f"{type(err).__name__}: {err}"
            e["partial_value"] = p
            e["partial"] = _num(p)


def _methods(f, graph, names, values, found, value=0.0, curves=True) -> dict:
    """Each method's derivatives per variable and adjoints per node, the reference and each
    method's distance from it, and numeric's step curves: the record's "methods", "reference" and
    "curves". Each method's own warnings, and why a NaN derivative is NaN where the exact one is
    infinite, are appended to `found` (the record's "warnings")."""
    methods = {m: {"grad": {}, "adjoint": {}, "error": None} for m in METHODS}
    if not names:
        return {"curves": {}, "methods": methods, "reference": {"name": None, "grad": {}}, "rounding_ulps": None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _gradients(f, names, values, methods, found)
        reference, ref_name = _reference(f, names, values, methods)
        _adjoints(f, graph, values, methods)
    _explain_nan(names, methods, reference, found, value)
    budget = rounding_budget(len(graph.eqns))
    for m in METHODS:
        diffs = {}
        for i, n in enumerate(names):
            d = methods[m]["grad"].get(n)
            if d is None or reference[i] is None:
                diffs[n] = None
                continue
            d = float(d)
            both_nan = math.isnan(d) and math.isnan(reference[i])
            diffs[n] = 0.0 if both_nan or d == reference[i] else _num(abs(d - reference[i]))
        methods[m]["abs_error"] = diffs
        _agreement(methods[m], names, reference, budget)
    numeric = _numeric_details(graph, values, names, reference, curves)
    methods["numeric"]["step"] = {n: numeric[n]["step"] for n in names}
    methods["numeric"]["error_estimate"] = {n: numeric[n]["error_estimate"] for n in names}
    return {
        "curves": {n: numeric[n]["curve"] for n in names} if curves else {},
        "rounding_ulps": budget,
        "methods": methods,
        "reference": {"name": ref_name, "grad": {n: _num(r) for n, r in zip(names, reference)}},
    }


def rounding_budget(n_eqns: int) -> int:
    """The ulps of the exact value a derivative may be off by and count as exact to float64 rounding.

    >>> rounding_budget(9), rounding_budget(1)
    (18, 4)
    """
    return max(4, ROUNDING_ULPS_PER_OP * n_eqns)


def _agreement(info, names, reference, budget):
    """Each derivative's distance from the exact value in ulps of the exact value ("ulps") and its verdict
    ("agreement"): "exact" (equal), "rounding" (within `budget` ulps: float64 rounding, exact to rounding), "close"
    (within CLOSE * max(1, |exact|)), "off", "nan" (NaN as the exact value is), "failed" (the method raised) or None
    (no reference). One ulp off a 40-digit reference was "within 1e-6" (yellow) on the page: read as not exact."""
    info["ulps"], info["agreement"] = {}, {}
    for i, n in enumerate(names):
        d, ref = info["grad"].get(n), reference[i]
        ulps, verdict = None, None
        if info["error"] is not None:
            verdict = "failed"
        elif d is not None and ref is not None:
            d = float(d)
            if math.isnan(d) and math.isnan(ref):
                verdict = "nan"
            elif d == ref:
                verdict, ulps = "exact", 0.0
            elif not (math.isfinite(d) and math.isfinite(ref)):
                verdict = "off"
            else:
                err = abs(d - ref)
                ulps = err / math.ulp(ref)
                verdict = "rounding" if ulps <= budget else "close" if err <= CLOSE * max(1.0, abs(ref)) else "off"
        info["ulps"][n] = _num(ulps)
        info["agreement"][n] = verdict


def _gradients(f, names, values, methods, found):
    import difflab as dl

    said = {(w["category"], w["message"]) for w in found}  # the forward pass's, named at their node
    for m in METHODS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                g = dl.grad(f, argnums=tuple(range(len(names))), method=m)(*values)
                methods[m]["grad"] = {n: _num(d) for n, d in zip(names, g)}
            except Exception as err:  # a method that cannot do this graph is a result
                methods[m]["error"] = f"{type(err).__name__}: {err}"
        _add_warnings(caught, m, found, skip=said)


def _explain_nan(names, methods, reference, found, value=0.0):
    """A method's NaN where the exact derivative is infinite, or is a number but float64 overflowed
    on the way (x^3 at 1e103: 3e206), is a float64 artefact: say so, naming the exact value. Where f's own
    `value` is infinite, the NaN is difflab's policy, not an inf met on the way (x*x*x at 1e103: the sweep's
    products are all finite, 3e206 in all, and the NaN row is DESIGN.md §6's): say that."""
    overflow = any("overflow" in w["message"] for w in found)
    for m in METHODS:
        for i, n in enumerate(names):
            exact = reference[i]
            if methods[m]["grad"].get(n) != "NaN" or exact is None or math.isnan(exact):
                continue
            if not (math.isinf(exact) or overflow):
                continue  # (a point outside the domain: its DomainWarning says why)
            if math.isinf(value) and m != "numeric":
                why = (
                    f"f itself {'overflowed to' if overflow else 'is'} {_num(value)} here, and a value that is not "
                    "finite has no derivative in difflab (NaN, DESIGN.md §6), whatever the exact one"
                )
            elif overflow:
                why = "float64 overflowed on the way and the inf met inf-inf, 0*inf or inf/inf"
            else:
                why = "an inf on the way met inf-inf, 0*inf or inf/inf, or a step left the domain"
            message = f"df/d{n} by {m} is NaN where the exact derivative is {_num(reference[i])}: {why}"
            found.append({"category": "NaNDerivative", "message": message, "where": m})


def _reference(f, names, values, methods):
    """(the reference gradient, its name): symbolic in 40 digits (the shared policy, insisting),
    else reverse mode."""
    from ..reference import reference

    try:
        exact = reference(f, *[np.float64(v) for v in values], argnums=tuple(range(len(names))), how="symbolic")
        return [float(d) for d in exact.value.ravel()], exact.how
    except Exception:  # symbolic cannot do it: reverse mode is the reference
        if methods["reverse"]["error"] is None:
            grad = methods["reverse"]["grad"]
            # (its JSON form: "Infinity" and "NaN" are strings float() reads back)
            return [float(grad[n]) if grad.get(n) is not None else float("nan") for n in names], "reverse mode"
    return [None] * len(names), None


def _adjoints(f, graph, values, methods):
    from ..report.graphs import annotate_graph

    annotated = annotate_graph(f, *values, methods=METHODS)
    tape_ids = [repr(v) for v in graph.inputs] + [repr(e.out) for e in graph.eqns]
    for nid, node in zip(tape_ids, annotated["nodes"]):
        for m in METHODS:
            methods[m]["adjoint"][nid] = _num(node["adjoint"].get(m))
    for m, err in annotated["errors"].items():
        methods[m]["error"] = methods[m]["error"] or err


def _backward_steps(graph, edges, output, constants):
    """The reverse sweep edge by edge: the cotangent at the equation's output times the edge's
    local partial, added to its argument's cotangent (the chain rule, one product per step)."""
    adjoint = {output: 1.0}
    index = {(e["to"], e["arg"]): k for k, e in enumerate(edges)}
    steps = []
    for eqn in reversed(graph.eqns):
        out = repr(eqn.out)
        upstream = adjoint.get(out, 0.0)
        for i, a in enumerate(eqn.args):
            k = index[(out, i)]
            src = edges[k]["from"]
            if src in constants:
                continue  # constants receive no cotangent
            product = upstream * edges[k]["partial_value"] if upstream != 0.0 else 0.0  # strong zero
            adjoint[src] = adjoint.get(src, 0.0) + product
            steps.append(
                {
                    "edge": k,
                    "upstream": _num(upstream),
                    "partial": edges[k]["partial"],
                    "product": _num(product),
                    "total": _num(adjoint[src]),
                }
            )
    return steps
