"""The computation graph as a picture: a layered drawing of the tape, annotated by every method.

`annotate_graph` computes (once) a JSON-able record of a traced scalar function: each node's
value and each method's derivative of the output with respect to that node (its adjoint), all of a
method's adjoints by one gradient (`_perturbed`: one argument per node);
`draw_graph` renders such a record with matplotlib only (no Graphviz binary), so an experiment
can store the record in its results and the report can redraw it without recomputing.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from .figures import new_figure
from .stats import num

__all__ = ["annotate_graph", "draw_graph", "ALL_METHODS"]

ALL_METHODS = ("symbolic", "numeric", "forward", "reverse")
_SHORT = {"symbolic": "sym", "numeric": "num", "forward": "fwd", "reverse": "rev"}


def _replay(graph, args, node):
    """f as a function of one node's value, everything not downstream of it held at `args`."""
    from ..graph import Const

    def f_of_node(t):
        env = {}
        for v, x in zip(graph.inputs, args):
            env[v] = t if v is node else x
        for eqn in graph.eqns:
            if eqn.out is node:
                env[node] = t
                continue
            vals = [a.value if isinstance(a, Const) else env[a] for a in eqn.args]
            env[eqn.out] = eqn.op.bind(*vals, **eqn.kw)
        out = graph.outputs[0]
        return out.value if isinstance(out, Const) else env[out]

    return f_of_node


def _perturbed(graph, env, nodes):
    """f as a function of the values of `nodes` (finite-valued nodes of `graph`), one argument each: such a node's
    value is what its equation computes minus (c - t), c its value at the point (`env`), so at t = c every value is
    the evaluator's bit for bit (x - 0.0 is x, -0.0 too) and ∂f/∂t is the node's adjoint, everything not downstream
    of it held, as `_replay` gives it one node at a time. (c - c is NaN at c = ±inf: such a node is no argument.)
    Returns (g, the point t)."""
    from ..graph import Const

    slot = {v: k for k, v in enumerate(nodes)}

    def g(*t):
        e = {v: t[slot[v]] if v in slot else env[v] for v in graph.inputs}
        for eqn in graph.eqns:
            y = eqn.op.bind(*[a.value if isinstance(a, Const) else e[a] for a in eqn.args], **eqn.kw)
            k = slot.get(eqn.out)
            e[eqn.out] = y if k is None else y - (env[eqn.out] - t[k])
        out = graph.outputs[0]
        return out.value if isinstance(out, Const) else e[out]

    return g, [float(env[v]) if np.ndim(env[v]) == 0 else np.array(env[v], dtype=float) for v in nodes]


def _adjoints_at_once(graph, env, nodes, method) -> list[float]:
    """The adjoints of `nodes` by `method` in one gradient (of `_perturbed`'s g): reverse mode one sweep, forward mode
    its chunked tangents, numeric one stencil per node, symbolic one closed form."""
    import difflab as dl

    g, point = _perturbed(graph, env, nodes)
    grads = dl.grad(g, argnums=tuple(range(len(nodes))), method=method)(*point)
    return [float(d) for d in grads]


def _label(atom, names):
    from ..graph import Const

    return repr(atom) if isinstance(atom, Const) else names[atom]


def annotate_graph(f, *args, names=None, methods=ALL_METHODS) -> dict:
    """Trace scalar `f` at float `args`; record nodes, edges, values and each method's adjoint.

    `names` optionally names the equations' outputs in tape order (inputs take f's parameter
    names). Returns {"nodes": [{id, name, text, layer, value, adjoint: {method: float|None}}],
    "edges": [[from, to]], "methods", "errors": {method: message}}.

    >>> rec = annotate_graph(lambda a, b: 5.0 * (a * b), 2.0, 3.0, methods=("reverse",))
    >>> [(n["name"], n["adjoint"]["reverse"]) for n in rec["nodes"]]
    [('a', 15.0), ('b', 10.0), ('v2', 5.0), ('v3', 1.0)]
    """
    import difflab as dl
    from ..graph import Var, evaluate

    graph = dl.trace(f, *args)
    params = list(inspect.signature(f).parameters)[: len(args)]
    label = {v: p for v, p in zip(graph.inputs, params)}
    for i, eqn in enumerate(graph.eqns):
        label[eqn.out] = names[i] if names and i < len(names) else repr(eqn.out)
    env: dict = {}
    evaluate(graph, *args, env=env)
    layer = {v: 0 for v in graph.inputs}
    nodes, edges, errors = [], [], {}
    order = list(graph.inputs) + [e.out for e in graph.eqns]
    for eqn in graph.eqns:
        preds = [a for a in eqn.args if isinstance(a, Var)]
        layer[eqn.out] = 1 + max((layer[a] for a in preds), default=0)
        edges += [[a.id, eqn.out.id] for a in preds]
    text = {v: label[v] for v in graph.inputs}
    for eqn in graph.eqns:
        text[eqn.out] = f"{label[eqn.out]} = {eqn.op.name}({', '.join(_label(a, label) for a in eqn.args)})"
    finite = [v for v in order if np.all(np.isfinite(env[v]))]  # (an infinite node: node by node, as are all on main)
    at_once: dict = {}
    for m in methods:
        try:  # one gradient for all of them
            at_once[m] = dict(zip(finite, _adjoints_at_once(graph, env, finite, m))) if finite else {}
        except Exception:  # (a refusal of the whole function): node by node, each node's own answer or error
            at_once[m] = {}
    for v in order:
        adjoint = {}
        for m in methods:
            if v in at_once[m] and (m != "numeric" or math.isfinite(at_once[m][v])):
                adjoint[m] = at_once[m][v]  # (numeric's stencils share their judgement: one inf row made others NaN)
                continue
            try:
                adjoint[m] = float(dl.grad(_replay(graph, args, v), method=m)(float(env[v])))
            except Exception as err:  # a method that cannot do this graph is shown as such
                adjoint[m] = None
                errors[m] = f"{type(err).__name__}: {err}"
        nodes.append(
            {
                "id": v.id,
                "name": label[v],
                "text": text[v],
                "layer": layer[v],
                "value": float(np.asarray(env[v])),
                "adjoint": adjoint,
            }
        )
    return {
        "nodes": nodes,
        "edges": edges,
        "methods": list(methods),
        "errors": errors,
        "output": label[graph.outputs[0]],
    }


def _layout(nodes):
    by_layer: dict = {}
    for n in nodes:
        by_layer.setdefault(n["layer"], []).append(n["id"])
    pos = {}
    for lay, ids in by_layer.items():
        for i, nid in enumerate(ids):
            pos[nid] = (lay, (len(ids) - 1) / 2 - i)
    return pos, max(len(ids) for ids in by_layer.values()), len(by_layer)


def _node_text(node, methods, output):
    lines = [node["text"], f"value {num(node['value'], 6)}", f"∂{output}/∂{node['name']}:"]
    parts = [
        f"{_SHORT.get(m, m)} {num(node['adjoint'][m], 6) if node['adjoint'][m] is not None else '—'}" for m in methods
    ]
    lines += ["  ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
    return "\n".join(lines)


def draw_graph(record: dict, title: str = "Computation graph"):
    """Draw an `annotate_graph` record: layers left to right, arrows along data flow; returns a Figure.

    >>> rec = annotate_graph(lambda a, b: 5.0 * (a * b), 2.0, 3.0, methods=("reverse",))
    >>> fig = draw_graph(rec, "5·(a·b)")
    >>> any("15" in t.get_text() for t in fig.axes[0].texts)
    True
    """
    nodes, methods = record["nodes"], record["methods"]
    pos, tallest, nlayers = _layout(nodes)
    fig, axes = new_figure(width=max(4.0, 2.25 * nlayers), height=max(2.4, 1.15 * tallest + 0.9))
    ax = axes[0, 0]
    ax.set_axis_off()
    ax.set_xlim(-0.6, nlayers - 0.4)
    ax.set_ylim(-tallest / 2, tallest / 2)
    boxes = {}
    for n in nodes:
        x, y = pos[n["id"]]
        is_input = n["layer"] == 0
        boxes[n["id"]] = ax.text(
            x,
            y,
            _node_text(n, methods, record["output"]),
            ha="center",
            va="center",
            fontsize=7.5,
            family="DejaVu Sans Mono",
            bbox={
                "boxstyle": "round,pad=0.4",
                "lw": 1.0,
                "fc": "#eef3fb" if is_input else "#fdf6e8",
                "ec": "#4a6fa5" if is_input else "#b5832b",
            },
        )
    for a, b in record["edges"]:
        ax.annotate(
            "",
            xy=(0, 0.5),
            xycoords=boxes[b],
            xytext=(1, 0.5),
            textcoords=boxes[a],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#555555",
                "lw": 0.9,
                "shrinkA": 2,
                "shrinkB": 2,
                "connectionstyle": "arc3,rad=0.0",
            },
        )
    ax.set_title(title)
    key = " · ".join(f"{_SHORT.get(m, m)} = {m}" for m in methods)
    ax.text(
        0.0,
        0.0,
        f"blue: inputs; ∂{record['output']}/∂node by method: {key}",
        transform=ax.transAxes,
        fontsize=7.5,
        color="#555555",
        va="top",
    )
    return fig
