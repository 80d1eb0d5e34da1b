"""Straight-line SymPy code run on a batch at once, structurally identical assignments as one step.

How it works. Every value (input symbol, assignment, output) gets a row of one buffer `V` of shape
(rows, batch); a value that is the same for every example simply repeats along its row. The
assignments are grouped by depth (longest path from the inputs, so members never depend on each
other) and by template: the expression with its free symbols renamed p0, p1, ... in buffer-row
order. A group becomes ONE line of NumPy code on (members, batch) blocks, e.g. the 16 hidden units
`v6_j = x0_j*x4_0 + x0_{16+j}*x4_1` become

    V[82:98] = V[0:16]*V[64:65] + V[16:32]*V[65:66]

Members are laid out in order, so their arguments are usually slices (views); otherwise a fancy
index gathers them.
"""
from __future__ import annotations

import numpy as np

__all__ = ["vectorize"]


def vectorize(inputs: list, assignments: list, outputs: list, functions: dict):
    """(f, rows): f(V) fills V[len(inputs):] and returns the outputs' rows, (len(outputs), batch).

    `inputs` are the symbols of V's first rows, which the caller fills; `functions` maps the named
    SymPy functions the printer leaves as calls to their NumPy implementations.
    """
    import sympy as sp
    from sympy.printing.numpy import NumPyPrinter

    assignments, outs = list(assignments), []
    for k, e in enumerate(outputs):  # an output that is not a named value gets a row of its own
        if not isinstance(e, sp.Symbol):
            assignments.append((sp.Symbol(f"out_{k}", real=True), sp.sympify(e)))
            e = assignments[-1][0]
        outs.append(e)
    order = {s: k for k, s in enumerate(list(inputs) + [s for s, _ in assignments])}
    depth = dict.fromkeys(inputs, 0)
    groups: dict = {}  # (depth, template) -> [(symbol, its free symbols in definition order)]
    for s, e in assignments:
        free = sorted(e.free_symbols, key=order.__getitem__)
        depth[s] = 1 + max((depth[u] for u in free), default=0)
        template = e.xreplace({u: sp.Symbol(f"p{i}", real=True) for i, u in enumerate(free)})
        groups.setdefault((depth[s], template), []).append((s, free))
    printer = NumPyPrinter({"allow_unknown_functions": True})
    namespace, lines = {"numpy": np, **functions}, []
    row, rows = {s: r for r, s in enumerate(inputs)}, len(inputs)
    for (_, template), members in sorted(groups.items(), key=lambda kv: kv[0][0]):  # stable: by depth
        for k, (s, _) in enumerate(members):
            row[s] = rows + k
        for i in range(len(members[0][1])):
            lines.append(f"    p{i} = " + _block([row[free[i]] for _, free in members], namespace))
        lines.append(f"    V[{rows}:{rows + len(members)}] = {printer.doprint(template)}")
        rows += len(members)
    namespace["_out"] = np.array([row[s] for s in outs], dtype=np.intp)
    source = "def _vectorized(V):\n" + "\n".join(lines) + "\n    return V[_out]\n"
    exec(compile(source, "<difflab vectorized>", "exec"), namespace)
    return namespace["_vectorized"], rows


def _block(rows: list, namespace: dict) -> str:
    """The code that reads `rows` of V as a (len(rows), batch) block: a view where they are evenly spaced."""
    first, step = rows[0], (rows[1] - rows[0] if len(rows) > 1 else 1)
    if step == 0 and all(r == first for r in rows):
        return f"V[{first}:{first + 1}]"  # one value for every member: broadcast
    if step > 0 and rows == list(range(first, first + step * len(rows), step)):
        return f"V[{first}:{rows[-1] + 1}{f':{step}' if step > 1 else ''}]"
    name = f"_i{len(namespace)}"
    namespace[name] = np.array(rows, dtype=np.intp)
    return f"V[{name}]"
