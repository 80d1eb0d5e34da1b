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
    """(f, rows): f(V) fills V[len(inputs):] and returns the outputs' means over the batch axis.

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
        args = [[row[free[i]] for _, free in members] for i in range(len(members[0][1]))]
        grid = _grid(args, len(members))
        lines += [f"    p{i} = " + _block(rows_i, grid, namespace) for i, rows_i in enumerate(args)]
        target = f"V[{rows}:{rows + len(members)}]" + (f".reshape({grid[0]}, {grid[1]}, -1)[...]" if grid else "")
        lines.append(f"    {target} = {printer.doprint(template)}")
        rows += len(members)
    namespace["_out"] = np.array([row[s] for s in outs], dtype=np.intp)
    # the mean of every row, then the outputs: no (outputs, batch) copy
    source = "def _vectorized(V):\n" + "\n".join(lines) + "\n    return V.mean(axis=1)[_out]\n"
    exec(compile(source, "<difflab vectorized>", "exec"), namespace)
    return namespace["_vectorized"], rows


def _affine(rows: list) -> int | None:
    """The step of evenly spaced rows (0: all the same; negative: descending), or None."""
    step = rows[1] - rows[0] if len(rows) > 1 else 0
    return step if all(r == rows[0] + k * step for k, r in enumerate(rows)) else None


def _rows(first: int, step: int, n: int) -> str:
    stop = first + step * (n - 1) + (1 if step >= 0 else -1)
    return f"V[{first}:{first + 1}]" if not step else f"V[{first}:{stop if stop >= 0 else ''}:{step}]"


def _grid(args: list, k: int) -> tuple | None:
    """(k1, k2) such that every argument's rows, read as a k1 × k2 grid, are evenly spaced along
    both axes (an outer product of units, say), or None when plain evenly spaced rows do."""
    if all(_affine(a) is not None for a in args):
        return None
    for k2 in (d for d in range(2, k) if k % d == 0):
        chunks = [[a[j:j + k2] for j in range(0, k, k2)] for a in args]
        if all(_affine([c[0] for c in g]) is not None and _affine(g[0]) is not None
               and all(_affine(c) == _affine(g[0]) for c in g) for g in chunks):
            return k // k2, k2
    return None


def _block(rows: list, grid: tuple | None, namespace: dict) -> str:
    """Code reading `rows` of V as a (len(rows), batch) block, or a (k1, k2, batch) one on a grid:
    a view (a slice, or a broadcast axis) wherever the rows are evenly spaced."""
    if not grid:
        step = _affine(rows)
        if step is not None:
            return _rows(rows[0], step, len(rows))
    else:
        (k1, k2), first = grid, rows[0]
        s1, s2 = _affine(rows[::k2]), _affine(rows[:k2])
        if not s2:
            return f"{_rows(first, s1, k1)}[:, None]"
        if not s1:
            return f"{_rows(first, s2, k2)}[None]"
        if s1 == k2 * s2:
            return f"{_rows(first, s2, k1 * k2)}.reshape({k1}, {k2}, -1)"
    name = f"_i{len(namespace)}"
    namespace[name] = np.array(rows, dtype=np.intp)
    return f"V[{name}]" + (f".reshape({k1}, {k2}, -1)" if grid else "")
